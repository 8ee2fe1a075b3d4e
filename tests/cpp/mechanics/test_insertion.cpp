// Single-needle and array insertion: trends, limits and bad input.
#include <gtest/gtest.h>

#include <numbers>

#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"
#include "punctum/mechanics.hpp"

namespace punctum {
namespace {

constexpr double deg = std::numbers::pi / 180.0;
const Needle roller_needle{
    .length = 1.5_mm, .shaft_diameter = 0.25_mm, .tip_radius = 4_um, .cone_half_angle = 10 * deg};
SkinModel cheek() {
  return SkinModel::preset("cheek", Sex::female, 45.0);
}

TEST(Needle, GeometryOfTaperAndTip) {
  const Needle& n = roller_needle;
  EXPECT_NEAR(n.radius_at(0.0), 4_um, 1e-15);
  EXPECT_NEAR(n.radius_at(n.taper_length()), n.shaft_radius(), 1e-12);
  EXPECT_NEAR(n.radius_at(10_mm), n.shaft_radius(), 1e-15);
  EXPECT_NEAR(n.tip_face_area(), std::numbers::pi * 16e-12, 1e-20);
  Needle h = n;
  h.hollow = true;
  h.tip_radius = 50_um;
  h.wall_thickness = 10_um;
  EXPECT_NEAR(h.tip_face_area(), std::numbers::pi * (50e-6 * 50e-6 - 40e-6 * 40e-6), 1e-18);
}

TEST(Needle, BadGeometryNamesParameterRangeAndUnit) {
  Needle n = roller_needle;
  n.length = 4_mm;
  try {
    n.validate();
    FAIL() << "4 mm accepted";
  } catch (const InvalidParameter& e) {
    EXPECT_EQ(e.parameter(), "needle.length");
    EXPECT_EQ(e.unit(), "mm");
    EXPECT_NE(std::string(e.what()).find("[0.1, 3]"), std::string::npos);
  }
  n = roller_needle;
  n.tip_radius = 200_um;
  EXPECT_THROW(n.validate(), InvalidParameter);
  n = roller_needle;
  n.cone_half_angle = 80 * deg;
  EXPECT_THROW(n.validate(), InvalidParameter);
  n = roller_needle;
  n.wall_thickness = 5_um;  // solid needle with a wall
  EXPECT_THROW(n.validate(), InvalidParameter);
  n.hollow = true;
  n.wall_thickness = 0.0;
  EXPECT_THROW(n.validate(), InvalidParameter);
  EXPECT_THROW(InsertionModel(roller_needle, cheek(), 0.0), InvalidParameter);
  EXPECT_THROW(InsertionModel(roller_needle, cheek(), -1.0), InvalidParameter);
  const InsertionModel m(roller_needle, cheek(), 1_mm_s);
  EXPECT_THROW(m.insert({.force = -1.0}), InvalidParameter);
  EXPECT_THROW(m.insert({.travel = 0.0}), InvalidParameter);
  EXPECT_THROW(m.insert({.neighbour_compliance = -1.0}), InvalidParameter);
}

TEST(Insertion, TentingLawInvertsAndStiffensWithRate) {
  const InsertionModel slow(roller_needle, cheek(), 1_mm_s), fast(roller_needle, cheek(), 1_m_s);
  for (double F : {1e-3, 0.02, 0.3}) {
    EXPECT_NEAR(slow.tent_force(slow.deflection(F)), F, 1e-6 * F);
    EXPECT_LT(fast.deflection(F), slow.deflection(F));
  }
  // The rate factor follows (rate/rate_ref)^m with m = 0.1 for every layer of the presets.
  const double ratio = (1.0 / 0.25e-3) / (1e-3 / 0.25e-3);
  EXPECT_NEAR(fast.rate_factor() / slow.rate_factor(), std::pow(ratio, 0.1), 1e-9);
}

TEST(Insertion, NoPunctureBelowThreshold) {
  const InsertionModel m(roller_needle, cheek(), 10_mm_s);
  const double Fp = m.puncture_force();
  const auto below = m.insert({.force = 0.99 * Fp});
  EXPECT_FALSE(below.punctured);
  EXPECT_EQ(below.depth_reached, 0.0);
  EXPECT_EQ(below.vessels, vessel_none);
  EXPECT_EQ(below.limited_by, DepthLimit::not_punctured);
  EXPECT_LE(below.peak_force, 0.99 * Fp + 1e-15);
  const auto above = m.insert({.force = 1.01 * Fp});
  EXPECT_TRUE(above.punctured);
  EXPECT_GT(above.depth_reached, 0.0);
}

TEST(Insertion, DepthRisesWithForceAndSpeed) {
  const auto skin = cheek();
  double previous = 0.0;
  const InsertionModel m(roller_needle, skin, 10_mm_s);
  for (double F : {0.03, 0.06, 0.12, 0.2, 0.3}) {
    const auto r = m.insert({.force = F});
    EXPECT_GT(r.depth_reached, previous) << F;
    EXPECT_LE(r.peak_force, F + 1e-12);
    previous = r.depth_reached;
  }
  // A set travel (pen): faster needles tent less and bury more of it.
  previous = 0.0;
  for (double v : {1_mm_s, 10_mm_s, 0.1_m_s, 1_m_s}) {
    const auto r = InsertionModel(roller_needle, skin, v).insert({.travel = 0.8_mm});
    EXPECT_GT(r.depth_reached, previous) << v;
    EXPECT_LT(r.depth_reached, 0.8_mm);
    previous = r.depth_reached;
  }
}

TEST(Insertion, HubStopsTheNeedleAtItsLength) {
  const InsertionModel m(roller_needle, cheek(), 0.5_m_s);
  const auto r = m.insert({});
  EXPECT_TRUE(r.punctured);
  EXPECT_DOUBLE_EQ(r.depth_reached, roller_needle.length);
  EXPECT_EQ(r.limited_by, DepthLimit::hub);
  EXPECT_EQ(r.deepest_layer, LayerKind::hypodermis);
}

TEST(Insertion, VesselsOnlyWhenDepthPassesThem) {
  const auto skin = cheek();
  const InsertionModel m(roller_needle, skin, 0.5_m_s);
  for (double travel = 0.05_mm; travel < 1.5_mm; travel += 0.05_mm) {
    const auto r = m.insert({.travel = travel});
    const bool loops = r.depth_reached > skin.vessels().capillary_loops;
    EXPECT_EQ(bool(r.vessels & vessel_capillary_loops), loops) << travel;
    EXPECT_EQ(bool(r.vessels & vessel_superficial_plexus),
              r.depth_reached > skin.vessels().superficial_plexus);
    EXPECT_EQ(bool(r.vessels & vessel_deep_plexus), r.depth_reached > skin.vessels().deep_plexus);
    if (r.punctured) EXPECT_EQ(r.deepest_layer, skin.layer_at(r.depth_reached * (1 - 1e-9)));
  }
}

TEST(Insertion, ChannelRadiusFollowsTheNeedle) {
  const InsertionModel m(roller_needle, cheek(), 0.5_m_s);
  const auto r = m.insert({.travel = 1.0_mm});
  ASSERT_TRUE(r.punctured);
  EXPECT_NEAR(r.channel_radius.back(), roller_needle.tip_radius, 1e-15);
  for (std::size_t i = 1; i < r.channel_radius.size(); ++i)
    EXPECT_LE(r.channel_radius[i], r.channel_radius[i - 1]);
  EXPECT_NEAR(r.channel_radius.front(), roller_needle.radius_at(r.depth_reached), 1e-15);
}

TEST(Insertion, TearBoundedBySweep) {
  for (double sweep : {0.0, 0.1_mm, 1.0_mm})
    for (double depth : {0.0, 0.5_mm, 1.5_mm}) {
      const double t = tear_length(sweep, depth);
      EXPECT_GE(t, 0.0);
      EXPECT_LE(t, sweep);
    }
  EXPECT_DOUBLE_EQ(tear_length(1.0_mm, 0.0), 1.0_mm);
}

TEST(Array, LoadSharingAndBedOfNailsReduceDepth) {
  const auto skin = cheek();
  const InsertionModel m(roller_needle, skin, 10_mm_s);
  // Force control: the same total force over more needles buries each one less.
  double previous = 1.0;
  for (int n : {4, 16, 64}) {
    const auto r =
        insert_array(m, n, n / 1e-4, 1.5_mm, 5.0, std::numeric_limits<double>::infinity());
    EXPECT_LT(r.depth_reached, previous);
    previous = r.depth_reached;
  }
  // Displacement control (pen, impact): denser arrays sink the surface under them.
  const InsertionModel fast(roller_needle, skin, 0.5_m_s);
  previous = 1.0;
  for (double density_per_cm2 : {10.0, 100.0, 400.0, 2000.0}) {
    const auto r = insert_array(fast, 36, density_per_cm2 * 1e4, 1.5_mm, 360.0, 1.0_mm);
    EXPECT_LE(r.depth_reached, previous) << density_per_cm2;
    previous = r.depth_reached;
  }
  EXPECT_LT(previous, insert_array(fast, 36, 10.0e4, 1.5_mm, 360.0, 1.0_mm).depth_reached);
  EXPECT_THROW(shared_force(1.0, 0), InvalidParameter);
  EXPECT_EQ(neighbour_compliance(0.0, 1_mm, 1e5), 0.0);
}

}  // namespace
}  // namespace punctum
