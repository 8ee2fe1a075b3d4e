#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <punctum/core.hpp>
#include <punctum/io.hpp>
#include <random>

#include "io/io_test_support.hpp"

#ifdef PUNCTUM_WITH_HDF5
#include <hdf5.h>

namespace punctum::io {
namespace {

class XdmfTest : public testing::ScratchDir {};
class CheckpointTest : public testing::ScratchDir {};

TEST_F(XdmfTest, SidecarDescribesEachSnapshotAsCellCentredCoRectGrid) {
  const Grid3 grid({4, 3, 2}, {10e-6, 20e-6, 25e-6}, {1e-3, 0.0, 0.0});
  const auto path = dir / "course.h5";
  {
    H5Writer writer(path);
    writer.define_fields("/fields", grid, {{"collagen_I", "kg/m^3", ""}, {"erythema", "1", ""}});
    Field<double> f(grid, 2, 1.0);
    writer.append_fields("/fields", 0.0, f);
    writer.append_fields("/fields", 86400.0, f);
    writer.commit();
  }
  const auto xmf = dir / "course.xmf";
  ASSERT_TRUE(std::filesystem::exists(xmf)) << "commit writes the sidecar";
  const std::string text = slurp(xmf);
  EXPECT_EQ(text, xdmf_document(path));
  EXPECT_NE(text.find("CollectionType=\"Temporal\""), std::string::npos);
  EXPECT_NE(text.find("<Time Value=\"86400\"/>"), std::string::npos);
  EXPECT_NE(text.find("TopologyType=\"3DCoRectMesh\" Dimensions=\"3 4 5\""), std::string::npos)
      << "points = voxels + 1, z y x";
  EXPECT_NE(text.find(">0 0 0.001</DataItem>"), std::string::npos) << "origin z y x";
  EXPECT_NE(text.find(">2.5e-05 2e-05 1e-05</DataItem>"), std::string::npos) << "spacing z y x";
  EXPECT_NE(text.find(">1 0 0 0 1 1 1 1 1 2 3 4</DataItem>"), std::string::npos)
      << "hyperslab of snapshot 1";
  EXPECT_NE(text.find("Dimensions=\"2 2 3 4\" NumberType=\"Float\" Precision=\"8\" "
                      "Format=\"HDF\">course.h5:/fields/erythema"),
            std::string::npos);
  EXPECT_EQ(count_files_containing(".tmp-"), 0);
}

TEST_F(XdmfTest, NoSidecarWithoutFields) {
  const auto path = dir / "plain.h5";
  H5Writer writer(path);
  writer.write_dataset("/observables/time", std::vector<double>{0.0}, "s");
  writer.commit();
  EXPECT_FALSE(std::filesystem::exists(dir / "plain.xmf"));
}

bool bit_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

Checkpoint random_checkpoint(std::size_t n) {
  std::mt19937_64 engine(20261121);
  std::uniform_real_distribution<double> exponent(-300.0, 300.0);
  std::normal_distribution<double> normal;
  Checkpoint c;
  NamedArray state{{n, 3}, std::vector<double>(n * 3)};
  for (auto& v : state.values) v = normal(engine) * std::pow(10.0, exponent(engine));
  using L = std::numeric_limits<double>;
  // Values a lossy path would not keep: denormals, extremes, signed zero, 1 ulp above 1.
  const double special[] = {L::denorm_min(),
                            -L::denorm_min(),
                            L::min() / 3.0,
                            L::min(),
                            L::max(),
                            L::lowest(),
                            -0.0,
                            1.0 + L::epsilon(),
                            0.1,
                            1.0 / 3.0};
  std::copy(std::begin(special), std::end(special), state.values.begin());
  c.arrays["healing_state"] = state;
  c.arrays["depth_profile"] = NamedArray{{5}, {1, 2, 3, 4, 5}};
  c.arrays["empty"] = NamedArray{{0}, {}};
  c.scalars["time_s"] = 1234567.891011;
  c.scalars["dt_s"] = L::denorm_min();
  c.scalars["step"] = std::numeric_limits<std::int64_t>::min();
  c.scalars["rng_counter"] = std::numeric_limits<std::uint64_t>::max();
  c.scalars["session"] = std::int64_t(3);
  c.metadata["config"] = "[protocol]\nsessions = 4\n";
  c.metadata["note"] = "naïve ✓";
  return c;
}

TEST_F(CheckpointTest, RoundTripIsBitExact) {
  const auto path = dir / "run.ckpt.h5";
  const Checkpoint saved = random_checkpoint(20000);
  saved.save(path);
  const Checkpoint loaded = Checkpoint::load(path);
  ASSERT_EQ(loaded.arrays.size(), saved.arrays.size());
  for (const auto& [name, array] : saved.arrays) {
    ASSERT_TRUE(loaded.arrays.count(name)) << name;
    EXPECT_EQ(loaded.arrays.at(name).shape, array.shape) << name;
    EXPECT_TRUE(bit_equal(loaded.arrays.at(name).values, array.values)) << name;
  }
  EXPECT_TRUE(std::signbit(loaded.arrays.at("healing_state").values[6])) << "-0.0 keeps its sign";
  ASSERT_EQ(loaded.scalars.size(), saved.scalars.size());
  for (const auto& [name, value] : saved.scalars) {
    ASSERT_EQ(loaded.scalars.at(name).index(), value.index()) << name << " keeps its type";
    EXPECT_TRUE(loaded.scalars.at(name) == value) << name;
  }
  EXPECT_EQ(loaded.metadata, saved.metadata);
}

TEST_F(CheckpointTest, ShapeMismatchNamesTheArrayAndWritesNothing) {
  const auto path = dir / "bad.ckpt.h5";
  Checkpoint c;
  c.arrays["fibroblasts"] = NamedArray{{4, 4}, std::vector<double>(15, 1.0)};
  try {
    c.save(path);
    FAIL() << "expected InvalidParameter";
  } catch (const InvalidParameter& e) {
    EXPECT_NE(e.parameter().find("fibroblasts"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(count_files_containing(".tmp-"), 0);
  Checkpoint named;
  named.scalars["a/b"] = 1.0;
  EXPECT_THROW(named.save(path), InvalidParameter);
}

TEST_F(CheckpointTest, ForeignFilesAreRefused) {
  const auto path = dir / "result.h5";
  {
    H5Writer writer(path);
    writer.write_dataset("/observables/time", std::vector<double>{0.0}, "s");
    writer.commit();
  }
  EXPECT_THROW(Checkpoint::load(path), IoError);
}

TEST_F(CheckpointTest, CorruptedDataFailsTheChecksum) {
  const auto path = dir / "run.ckpt.h5";
  Checkpoint c;
  c.arrays["state"] = NamedArray{{1000}, std::vector<double>(1000)};
  for (std::size_t i = 0; i < 1000; ++i) c.arrays["state"].values[i] = std::sqrt(double(i));
  c.save(path);

  haddr_t address = 0;
  hsize_t size = 0;
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t dataset = H5Dopen2(file, "/arrays/state", H5P_DEFAULT);
    hsize_t offset[1];
    unsigned mask = 0;
    const hid_t space = H5Dget_space(dataset);
    ASSERT_GE(H5Dget_chunk_info(dataset, space, 0, offset, &mask, &address, &size), 0);
    H5Sclose(space);
    H5Dclose(dataset);
    H5Fclose(file);
  }
  ASSERT_GT(size, 8u);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(std::streamoff(address + size / 2));
    char byte = 0;
    f.read(&byte, 1);
    byte = char(byte ^ 0x5a);
    f.seekp(std::streamoff(address + size / 2));
    f.write(&byte, 1);
  }
  EXPECT_THROW(Checkpoint::load(path), IoError);
}

}  // namespace
}  // namespace punctum::io

#endif

#ifdef PUNCTUM_WITH_HDF5
namespace punctum::io {
namespace {

class CheckpointFieldTest : public testing::ScratchDir {};

TEST_F(CheckpointFieldTest, FieldStateRoundTripsBitForBitThroughACheckpoint) {
  const Grid3 grid({7, 3, 2}, {1e-5, 1e-5, 1e-5});  // nx = 7: padded lines
  Field<double> state(grid, 3);
  std::mt19937_64 engine(5);
  std::normal_distribution<double> normal;
  for (std::size_t s = 0; s < 3; ++s)
    for (std::size_t k = 0; k < 2; ++k)
      for (std::size_t j = 0; j < 3; ++j)
        for (double& v : state.line(s, j, k)) v = normal(engine);
  Checkpoint c;
  c.arrays["healing"] = to_named_array(state);
  c.save(dir / "state.h5");
  Field<double> restored(grid, 3, -1.0);
  fill_field(Checkpoint::load(dir / "state.h5").arrays.at("healing"), restored, "healing");
  for (std::size_t s = 0; s < 3; ++s)
    for (std::size_t k = 0; k < 2; ++k)
      for (std::size_t j = 0; j < 3; ++j) {
        const auto a = state.line(s, j, k), b = restored.line(s, j, k);
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
      }
  Field<double> wrong(Grid3({7, 3, 3}, {1e-5, 1e-5, 1e-5}), 3);
  try {
    fill_field(c.arrays.at("healing"), wrong, "healing");
    FAIL() << "expected InvalidParameter";
  } catch (const InvalidParameter& e) {
    EXPECT_NE(e.parameter().find("healing"), std::string::npos);
  }
}

}  // namespace
}  // namespace punctum::io
#endif
