#include <gtest/gtest.h>

#include <cstdint>

#include <punctum/core.hpp>

using namespace punctum;

TEST(Grid3, PatchShapeAndGeometry) {
  const auto g = Grid3::patch(2_mm, 1.5_mm, 20_um);
  EXPECT_EQ(g.nx(), 100u);
  EXPECT_EQ(g.ny(), 100u);
  EXPECT_EQ(g.nz(), 75u);
  EXPECT_DOUBLE_EQ(g.centre(2, 0), 10_um);
  EXPECT_NEAR(g.voxel_volume(), 8e-15, 1e-27);
  EXPECT_TRUE(g.periodic[0] && g.periodic[1] && !g.periodic[2]);
}

TEST(Grid3, IndexIsXFastest) {
  const Grid3 g({4, 3, 2}, {1e-5, 1e-5, 1e-5});
  EXPECT_EQ(g.index(1, 0, 0), 1u);
  EXPECT_EQ(g.index(0, 1, 0), 4u);
  EXPECT_EQ(g.index(0, 0, 1), 12u);
}

TEST(Grid3, WrapIsPeriodicLaterallyAndClampedInDepth) {
  const Grid3 g({4, 4, 4}, {1e-5, 1e-5, 1e-5});
  EXPECT_EQ(g.wrap(0, -1), 3u);
  EXPECT_EQ(g.wrap(0, 4), 0u);
  EXPECT_EQ(g.wrap(2, -1), 0u);
  EXPECT_EQ(g.wrap(2, 4), 3u);
}

TEST(Grid3, BadShapeOrSpacingNamesTheParameter) {
  EXPECT_THROW(Grid3({0, 1, 1}, {1e-5, 1e-5, 1e-5}), InvalidParameter);
  try {
    Grid3({1, 1, 1}, {1e-5, -1e-5, 1e-5});
    FAIL();
  } catch (const InvalidParameter& e) {
    EXPECT_EQ(e.parameter(), "grid.spacing.y");
    EXPECT_EQ(e.unit(), "um");
  }
}

TEST(Field, LinesAreCacheLineAligned) {
  const Grid3 g({37, 5, 3}, {1e-5, 1e-5, 1e-5});
  Field<double> f(g, 4);
  EXPECT_EQ(f.pitch() % Field<double>::lane, 0u);
  EXPECT_GE(f.pitch(), 37u);
  for (std::size_t s = 0; s < 4; ++s)
    for (std::size_t k = 0; k < 3; ++k)
      for (std::size_t j = 0; j < 5; ++j) {
        auto line = f.line(s, j, k);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(line.data()) % 64, 0u);
        EXPECT_EQ(line.size(), 37u);
      }
  Field<float> ff(g, 1);
  EXPECT_EQ(ff.pitch(), 48u);  // 16 floats per cache line
}

TEST(Field, ColumnIsPackedAndSpeciesStayAligned) {
  // A one-voxel-wide grid (the depth column) stores its lines back to back; each species array
  // still starts on a cache line.
  const Grid3 g({1, 1, 58}, {2e-2, 2e-2, 2e-5});
  Field<double> f(g, 3);
  EXPECT_EQ(f.pitch(), 1u);
  EXPECT_EQ(f.species_stride(), 64u);
  EXPECT_EQ(&f(0, 0, 0, 7) - &f(0, 0, 0, 0), 7);
  for (std::size_t s = 0; s < 3; ++s)
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(f.species_data(s)) % 64, 0u);
  f(2, 0, 0, 57) = 2.0;
  EXPECT_DOUBLE_EQ(f.sum(2), 2.0);
  EXPECT_DOUBLE_EQ(f.sum(1), 0.0);
}

TEST(Field, SpeciesAreSeparateArraysAndSumSkipsPadding) {
  const Grid3 g({3, 2, 2}, {1e-5, 1e-5, 1e-5});
  Field<double> f(g, 2, 1.0);
  f(1, 2, 1, 1) = 5.0;
  EXPECT_DOUBLE_EQ(f.sum(0), 12.0);
  EXPECT_DOUBLE_EQ(f.sum(1), 16.0);
  EXPECT_EQ(&f(1, 0, 0, 0) - &f(0, 0, 0, 0), std::ptrdiff_t(f.species_stride()));
}
