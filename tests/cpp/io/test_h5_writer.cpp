#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <punctum/core.hpp>
#include <punctum/io.hpp>
#include <thread>

#include "io/io_test_support.hpp"

#ifdef PUNCTUM_WITH_HDF5
#include <hdf5.h>

namespace punctum::io {
namespace {

using testing::ScratchDir;

class H5WriterTest : public ScratchDir {};

TEST_F(H5WriterTest, DatasetsRoundTripWithUnitsDimsAndAttributes) {
  const auto path = dir / "result.h5";
  const std::vector<double> time{0.0, 3600.0, 86400.0};
  const std::vector<double> profile{1, 2, 3, 4, 5, 6};
  const std::vector<std::int64_t> counts{3, 0, 7};
  {
    H5Writer writer(path);
    writer.write_dataset("/observables/time", time, "s", {"time"});
    writer.write_dataset("observables/collagen_profile", profile, {3, 2}, "kg/m^3",
                         {"time", "depth"});
    writer.write_dataset("/observables/bleeding_points", counts, {3}, "1", {"time"});
    writer.set_attribute("/observables", "title", "reference course");
    writer.set_attribute("/observables", "threshold", 0.25);
    writer.set_attribute("/observables", "sessions", 4);
    writer.set_attribute("/observables", "seed", std::uint64_t(18446744073709551615ull));
    const std::vector<double> xyz{1e-5, 2e-5, 3e-5};
    writer.set_attribute("/", "spacing", std::span<const double>(xyz));
    EXPECT_FALSE(std::filesystem::exists(path)) << "nothing appears at the target before commit";
    EXPECT_TRUE(std::filesystem::exists(writer.temporary_path()));
    writer.commit();
    EXPECT_FALSE(std::filesystem::exists(writer.temporary_path()));
  }
  const H5Reader reader(path);
  const Array t = reader.read_dataset("/observables/time");
  EXPECT_EQ(t.values, time);
  EXPECT_EQ(t.units, "s");
  EXPECT_EQ(t.dims, std::vector<std::string>{"time"});
  const Array p = reader.read_dataset("/observables/collagen_profile");
  EXPECT_EQ(p.shape, (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(p.values, profile);
  EXPECT_EQ(p.units, "kg/m^3");
  EXPECT_EQ(p.dims, (std::vector<std::string>{"time", "depth"}));
  EXPECT_EQ(reader.read_int_dataset("/observables/bleeding_points"), counts);
  EXPECT_EQ(reader.string_attribute("/observables", "title"), "reference course");
  EXPECT_EQ(reader.double_attribute("/observables", "threshold"), 0.25);
  EXPECT_EQ(reader.int_attribute("/observables", "sessions"), 4);
  EXPECT_EQ(std::get<std::uint64_t>(reader.attribute("/observables", "seed")),
            18446744073709551615ull);
  EXPECT_EQ(std::get<std::vector<double>>(reader.attribute("/", "spacing")),
            (std::vector<double>{1e-5, 2e-5, 3e-5}));
  EXPECT_EQ(reader.children("/observables"),
            (std::vector<std::string>{"time", "collagen_profile", "bleeding_points"}))
      << "creation order is kept";
}

TEST_F(H5WriterTest, ShapeMismatchNamesTheDataset) {
  H5Writer writer(dir / "bad.h5");
  const std::vector<double> values(10, 1.0);
  try {
    writer.write_dataset("/observables/erythema", values, {3, 4}, "1");
    FAIL() << "expected InvalidParameter";
  } catch (const InvalidParameter& e) {
    EXPECT_NE(e.parameter().find("/observables/erythema"), std::string::npos) << e.what();
    EXPECT_EQ(e.value(), "(3, 4)");
  }
  EXPECT_THROW(writer.write_dataset("/observables/erythema", values, {10}, ""), InvalidParameter)
      << "units are required";
  writer.write_dataset("/observables/erythema", values, {10}, "1");
  EXPECT_THROW(writer.write_dataset("/observables/erythema", values, {10}, "1"), InvalidParameter)
      << "a dataset is never silently overwritten";
  EXPECT_THROW(writer.write_dataset("/observables/x", values, {10}, "1", {"time", "depth"}),
               InvalidParameter);
}

TEST_F(H5WriterTest, TableColumnsOfEveryTypeRoundTrip) {
  Table punctures;
  punctures.add("x", "m", std::vector<double>{1e-4, 2e-4, 3.5e-4}, "lateral position")
      .add("session", "1", std::vector<std::int64_t>{0, 0, 1})
      .add("deepest_layer", "1", std::vector<std::uint8_t>{2, 3, 255})
      .add("capillary_hit", "1", std::vector<bool>{true, false, true})
      .add("device", "", std::vector<std::string>{"pen", "roller", "stämpel"});
  EXPECT_THROW(Table(punctures).add("depth", "m", std::vector<double>{1.0}), InvalidParameter);
  EXPECT_THROW(Table(punctures).add("x", "m", std::vector<double>{1, 2, 3}), InvalidParameter);
  EXPECT_THROW(Table().add("depth", "", std::vector<double>{1.0}), InvalidParameter);

  const auto path = dir / "table.h5";
  {
    H5Writer writer(path);
    writer.write_table("/punctures", punctures);
    writer.commit();
  }
  const H5Reader reader(path);
  const Table back = reader.read_table("/punctures");
  ASSERT_EQ(back.columns().size(), 5u);
  EXPECT_EQ(back.columns()[0].name, "x");
  EXPECT_EQ(back.columns()[4].name, "device");
  EXPECT_EQ(back.values<double>("x"), punctures.values<double>("x"));
  EXPECT_EQ(back.column("x").units, "m");
  EXPECT_EQ(back.column("x").description, "lateral position");
  EXPECT_EQ(back.values<std::int64_t>("session"), punctures.values<std::int64_t>("session"));
  EXPECT_EQ(back.values<std::uint8_t>("deepest_layer"),
            punctures.values<std::uint8_t>("deepest_layer"));
  EXPECT_EQ(back.values<bool>("capillary_hit"), punctures.values<bool>("capillary_hit"));
  EXPECT_EQ(back.values<std::string>("device"), punctures.values<std::string>("device"));
  EXPECT_EQ(reader.int_attribute("/punctures", "rows"), 3);
}

TEST_F(H5WriterTest, EmptyTableIsWrittenAndReadBack) {
  Table empty;
  empty.add("x", "m", std::vector<double>{}).add("label", "", std::vector<std::string>{});
  const auto path = dir / "empty.h5";
  {
    H5Writer writer(path);
    writer.write_table("/punctures", empty);
    writer.commit();
  }
  const Table back = H5Reader(path).read_table("/punctures");
  EXPECT_EQ(back.rows(), 0u);
  EXPECT_EQ(back.columns().size(), 2u);
}

Field<double> smooth_field(const Grid3& grid, std::size_t species, double phase) {
  Field<double> field(grid, species);
  for (std::size_t s = 0; s < species; ++s)
    for (std::size_t k = 0; k < grid.nz(); ++k)
      for (std::size_t j = 0; j < grid.ny(); ++j)
        for (std::size_t i = 0; i < grid.nx(); ++i)
          field(s, i, j, k) =
              double(s + 1) * std::sin(0.3 * double(i) + phase) * std::cos(0.2 * double(j)) +
              0.01 * double(k);
  return field;
}

std::vector<double> dense(const Field<double>& f, std::size_t s) {
  std::vector<double> v;
  const Grid3& g = f.grid();
  for (std::size_t k = 0; k < g.nz(); ++k)
    for (std::size_t j = 0; j < g.ny(); ++j)
      for (double x : f.line(s, j, k)) v.push_back(x);
  return v;
}

TEST_F(H5WriterTest, FieldSnapshotsGrowOneChunkPerSnapshotCompressed) {
  // nx = 13 is not a multiple of the 8-double line padding: the writer must skip the padding.
  const Grid3 grid({13, 11, 7}, {20e-6, 20e-6, 25e-6}, {0.0, 0.0, 0.0});
  const auto path = dir / "fields.h5";
  std::vector<Field<double>> snapshots;
  const std::vector<double> times{0.0, 3600.0, 7 * 86400.0};
  {
    H5Writer writer(path, WriterOptions{false, 4});
    writer.define_fields("/fields", grid,
                         {{"collagen_I", "kg/m^3", "mature collagen"}, {"damage", "1", ""}});
    for (std::size_t n = 0; n < times.size(); ++n) {
      snapshots.push_back(smooth_field(grid, 2, double(n)));
      if (n == 1) {
        const auto a = dense(snapshots[n], 0), b = dense(snapshots[n], 1);
        const std::span<const double> per_species[2] = {a, b};
        EXPECT_EQ(writer.append_fields("/fields", times[n], per_species), n);
      } else {
        EXPECT_EQ(writer.append_fields("/fields", times[n], snapshots[n]), n);
      }
    }
    EXPECT_THROW(writer.append_fields("/fields", times.back(), snapshots[0]), InvalidParameter)
        << "time must increase";
    EXPECT_THROW(writer.append_fields("/other", 1e9, snapshots[0]), InvalidParameter);
    const std::vector<double> wrong(grid.size() - 1, 0.0), right(grid.size(), 0.0);
    const std::span<const double> bad[2] = {right, wrong};
    try {
      writer.append_fields("/fields", 1e9, bad);
      FAIL() << "expected InvalidParameter";
    } catch (const InvalidParameter& e) {
      EXPECT_NE(e.parameter().find("/fields/damage"), std::string::npos) << e.what();
    }
    writer.commit();
  }

  const H5Reader reader(path);
  const FieldSeriesInfo info = reader.field_series("/fields");
  EXPECT_EQ(info.times, times);
  EXPECT_EQ(info.grid, grid);
  ASSERT_EQ(info.species.size(), 2u);
  EXPECT_EQ(info.species[0].units, "kg/m^3");
  EXPECT_EQ(info.species[0].description, "mature collagen");
  for (std::size_t n = 0; n < times.size(); ++n) {
    EXPECT_EQ(reader.read_snapshot("/fields", "collagen_I", n), dense(snapshots[n], 0));
    EXPECT_EQ(reader.read_snapshot("/fields", "damage", n), dense(snapshots[n], 1));
    Field<double> back(grid, 2);
    reader.read_snapshot("/fields", n, back);
    EXPECT_EQ(dense(back, 1), dense(snapshots[n], 1));
  }
  EXPECT_THROW(reader.read_snapshot("/fields", "damage", 3), InvalidParameter);
  EXPECT_EQ(reader.dataset_shape("/fields/collagen_I"), (std::vector<std::size_t>{3, 7, 11, 13}));
  const Array z = reader.read_dataset("/fields/z");
  EXPECT_EQ(z.units, "m");
  EXPECT_DOUBLE_EQ(z.values[0], 12.5e-6) << "voxel centres";
  EXPECT_EQ(reader.read_dataset("/fields/time").units, "s");
  EXPECT_EQ(reader.string_attribute("/fields/damage", "dims"), "time,z,y,x");

  // Storage layout, checked through HDF5 itself.
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t dataset = H5Dopen2(file, "/fields/collagen_I", H5P_DEFAULT);
  const hid_t dcpl = H5Dget_create_plist(dataset);
  hsize_t chunk[4] = {};
  ASSERT_EQ(H5Pget_chunk(dcpl, 4, chunk), 4);
  EXPECT_EQ(chunk[0], 1u);
  EXPECT_EQ(chunk[1], 7u);
  EXPECT_EQ(chunk[2], 11u);
  EXPECT_EQ(chunk[3], 13u);
  const int filters = H5Pget_nfilters(dcpl);
  bool shuffle = false, deflate = false;
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0, level[4] = {};
    std::size_t n = 4;
    const H5Z_filter_t id =
        H5Pget_filter2(dcpl, unsigned(i), &flags, &n, level, 0, nullptr, nullptr);
    shuffle = shuffle || id == H5Z_FILTER_SHUFFLE;
    if (id == H5Z_FILTER_DEFLATE) {
      deflate = true;
      EXPECT_EQ(level[0], 4u);
    }
  }
  EXPECT_TRUE(shuffle);
  EXPECT_TRUE(deflate);
  const hid_t space = H5Dget_space(dataset);
  hsize_t dims[4], max_dims[4];
  H5Sget_simple_extent_dims(space, dims, max_dims);
  EXPECT_EQ(max_dims[0], H5S_UNLIMITED);
  // Smooth fields compress: less stored than 3 raw snapshots.
  EXPECT_LT(H5Dget_storage_size(dataset), 3 * grid.size() * sizeof(double));
  H5Sclose(space);
  H5Pclose(dcpl);
  H5Dclose(dataset);
  H5Fclose(file);
}

TEST_F(H5WriterTest, ExceptionBeforeCommitLeavesExistingFileUntouched) {
  const auto path = dir / "result.h5";
  {
    std::ofstream old(path);
    old << "previous result";
  }
  try {
    H5Writer writer(path);
    writer.write_dataset("/observables/time", std::vector<double>{0, 1}, "s");
    const std::vector<double> three(3, 0.0);
    writer.write_dataset("/observables/broken", three, {2, 2}, "1");  // throws
    writer.commit();
    FAIL() << "expected InvalidParameter";
  } catch (const InvalidParameter&) {
  }
  EXPECT_EQ(slurp(path), "previous result");
  EXPECT_EQ(count_files_containing(".tmp-"), 0) << "the temporary file is removed";
}

TEST_F(H5WriterTest, FailedRenameLeavesTargetUntouchedAndRemovesTemporary) {
  // The target is a non-empty directory: the final rename fails after the file was written.
  const auto path = dir / "occupied.h5";
  std::filesystem::create_directories(path / "inside");
  H5Writer writer(path);
  writer.write_dataset("/observables/time", std::vector<double>{0, 1}, "s");
  EXPECT_THROW(writer.commit(), IoError);
  EXPECT_TRUE(std::filesystem::is_directory(path / "inside"));
  EXPECT_EQ(count_files_containing(".tmp-"), 0);
}

TEST_F(H5WriterTest, CommitReplacesAnExistingResultAtomically) {
  const auto path = dir / "result.h5";
  for (double v : {1.0, 2.0}) {
    H5Writer writer(path);
    writer.write_dataset("/value", std::vector<double>{v}, "1");
    writer.commit();
    EXPECT_THROW(writer.commit(), IoError) << "a committed writer is closed";
  }
  EXPECT_EQ(H5Reader(path).read_dataset("/value").values, std::vector<double>{2.0});
}

TEST_F(H5WriterTest, ProvenanceRoundTrip) {
  const auto path = dir / "prov.h5";
  Provenance p;
  p.config = "[device]\nkind = \"pen\"\nneedle_length_mm = 1.0\n";
  p.seed = 12345678901234567890ull;
  {
    H5Writer writer(path);
    writer.write_provenance(p);
    Provenance bad = p;
    bad.config_format = "yaml";
    EXPECT_THROW(writer.write_provenance(bad), InvalidParameter);
    writer.commit();
  }
  const Provenance back = H5Reader(path).provenance();
  EXPECT_EQ(back.punctum_version, std::string(punctum::version));
  EXPECT_EQ(back.config, p.config);
  EXPECT_EQ(back.config_format, "toml");
  EXPECT_EQ(back.seed, p.seed);
  EXPECT_EQ(back.created_utc.size(), 20u) << back.created_utc;
  EXPECT_EQ(back.created_utc.back(), 'Z');
  EXPECT_FALSE(back.host.empty());
  EXPECT_EQ(H5Reader(path).string_attribute("/provenance", "hdf5_version"), hdf5_library_version());
}

TEST_F(H5WriterTest, HDF5FailuresBecomeIoErrorsNamingFileAndObject) {
  const auto text = dir / "not-hdf5.h5";
  {
    std::ofstream out(text);
    out << "plain text, not HDF5";
  }
  try {
    H5Reader reader(text);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("not-hdf5.h5"), std::string::npos) << message;
    EXPECT_NE(message.find("H5Fopen"), std::string::npos)
        << "HDF5's own stack is included: " << message;
  }
  H5Writer writer(dir / "w.h5");
  try {
    writer.set_attribute("/missing/group", "units", "m");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/missing/group"), std::string::npos) << e.what();
  }
  EXPECT_THROW(H5Reader(dir / "absent.h5"), InvalidParameter);
  EXPECT_THROW(H5Writer(dir / "no-such-dir" / "x.h5"), InvalidParameter);
}

}  // namespace
}  // namespace punctum::io

#else

TEST(H5Writer, WithoutHdf5TheApiSaysSo) {
  EXPECT_FALSE(punctum::io::hdf5_available());
  EXPECT_THROW(punctum::io::H5Writer("x.h5"), punctum::io::IoError);
}

#endif

#ifdef PUNCTUM_WITH_HDF5
namespace punctum::io {
namespace {

class H5RestartTest : public testing::ScratchDir {};

const Grid3 restart_grid({9, 5, 3}, {20e-6, 20e-6, 20e-6});

Field<double> state_at(std::size_t n) {
  Field<double> f(restart_grid, 2);
  for (std::size_t s = 0; s < 2; ++s)
    for (std::size_t k = 0; k < 3; ++k)
      for (std::size_t j = 0; j < 5; ++j)
        for (std::size_t i = 0; i < 9; ++i)
          f(s, i, j, k) = std::exp(-0.1 * double(n)) * double(i + 10 * j + 100 * k + 1000 * s);
  return f;
}

Provenance fixed_provenance() {
  Provenance p;
  p.config = "seed = 7";
  p.seed = 7;
  p.created_utc = "2026-11-21T00:00:00Z";
  p.host = "test-host";
  return p;
}

/// Writes the part of a run after snapshot `from` and commits.
void finish_run(H5Writer& writer, std::size_t from) {
  for (std::size_t n = from; n < 5; ++n)
    writer.append_fields("/fields", 3600.0 * double(n), state_at(n));
  writer.write_dataset("/observables/time", std::vector<double>{0, 3600, 7200, 10800, 14400}, "s",
                       {"time"});
  writer.commit();
}

TEST_F(H5RestartTest, SameContentGivesByteIdenticalFiles) {
  for (const char* name : {"a.h5", "b.h5"}) {
    // HDF5 object timestamps have one-second resolution: straddle a second boundary so that
    // timestamps, if written, would differ.
    if (std::string(name) == "b.h5") std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    H5Writer writer(dir / name, WriterOptions{false, 4});
    writer.write_provenance(fixed_provenance());
    writer.define_fields("/fields", restart_grid, {{"c", "1", ""}, {"f", "1/m^3", ""}});
    finish_run(writer, 0);
  }
  EXPECT_EQ(slurp(dir / "a.h5"), slurp(dir / "b.h5"))
      << "no timestamps or other run-dependent bytes";
}

TEST_F(H5RestartTest, ResumedOutputEqualsTheUninterruptedOne) {
  const auto partial = dir / "run.partial.h5";
  {
    H5Writer writer(dir / "uninterrupted.h5", WriterOptions{false, 4});
    writer.write_provenance(fixed_provenance());
    writer.define_fields("/fields", restart_grid, {{"c", "1", ""}, {"f", "1/m^3", ""}});
    for (std::size_t n = 0; n < 3; ++n)
      writer.append_fields("/fields", 3600.0 * double(n), state_at(n));
    writer.save_partial(partial);  // the moment a checkpoint is taken
    finish_run(writer, 3);
  }
  ASSERT_TRUE(std::filesystem::exists(partial));
  EXPECT_EQ(H5Reader(partial).field_series("/fields").times.size(), 3u) << "the copy is readable";
  {
    H5Writer writer = H5Writer::resume(partial, dir / "restarted.h5", WriterOptions{false, 4});
    EXPECT_THROW(writer.append_fields("/fields", 3600.0, state_at(3)), InvalidParameter)
        << "the resumed series knows its last time";
    finish_run(writer, 3);
  }
  const H5Reader a(dir / "uninterrupted.h5"), b(dir / "restarted.h5");
  EXPECT_EQ(a.field_series("/fields").times, b.field_series("/fields").times);
  for (std::size_t n = 0; n < 5; ++n)
    for (const char* s : {"c", "f"})
      EXPECT_EQ(a.read_snapshot("/fields", s, n), b.read_snapshot("/fields", s, n));
  EXPECT_EQ(a.read_dataset("/observables/time").values, b.read_dataset("/observables/time").values);
  EXPECT_EQ(a.provenance().created_utc, b.provenance().created_utc);
  EXPECT_EQ(slurp(dir / "uninterrupted.h5"), slurp(dir / "restarted.h5")) << "byte for byte";
  EXPECT_EQ(count_files_containing(".tmp-"), 0);
}

TEST_F(H5RestartTest, RemoveLetsObservablesBeRewrittenButProtectsFieldSeries) {
  H5Writer writer(dir / "r.h5");
  writer.write_dataset("/observables/erythema", std::vector<double>{1, 2}, "1");
  writer.remove("/observables/erythema");
  writer.write_dataset("/observables/erythema", std::vector<double>{1, 2, 3}, "1");
  writer.define_fields("/fields", restart_grid, {{"c", "1", ""}});
  EXPECT_THROW(writer.remove("/fields/c"), InvalidParameter);
  EXPECT_THROW(writer.remove("/"), InvalidParameter);
  EXPECT_THROW(writer.remove("/nothing"), InvalidParameter);
  writer.commit();
  EXPECT_EQ(H5Reader(dir / "r.h5").read_dataset("/observables/erythema").values.size(), 3u);
}

}  // namespace
}  // namespace punctum::io
#endif

#ifdef PUNCTUM_WITH_HDF5
namespace punctum::io {
namespace {

class H5SinglePrecisionTest : public testing::ScratchDir {};

TEST_F(H5SinglePrecisionTest, SnapshotsStoredAsFloat32RoundToNearestFloat) {
  const Grid3 grid({5, 4, 3}, {1e-5, 1e-5, 1e-5});
  Field<double> field(grid, 1);
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t i = 0; i < 5; ++i)
        field(0, i, j, k) = 1.0 / 3.0 + 1e-3 * double(i + 5 * j + 20 * k);
  const auto path = dir / "single.h5";
  {
    H5Writer writer(path, WriterOptions{true, 1, true});
    writer.define_fields("/fields", grid, {{"c", "1", ""}});
    writer.append_fields("/fields", 0.0, field);
    writer.commit();
  }
  const H5Reader reader(path);
  EXPECT_EQ(reader.field_series("/fields").value_bytes, 4u);
  const auto back = reader.read_snapshot("/fields", "c", 0);
  std::size_t n = 0;
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t i = 0; i < 5; ++i, ++n) EXPECT_EQ(back[n], double(float(field(0, i, j, k))));
  EXPECT_NE(slurp(dir / "single.xmf").find("Precision=\"4\" Format=\"HDF\""), std::string::npos);
}

}  // namespace
}  // namespace punctum::io
#endif
