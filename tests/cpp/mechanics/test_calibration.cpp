// Calibration of the insertion model against the measurements of literature.md section 2
// (docs/mechanics.md has the table). Each test names its source; the needle geometries the papers
// do not state are assumptions written next to them.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "punctum/core/units.hpp"
#include "punctum/mechanics.hpp"

namespace punctum {
namespace {

constexpr double deg = std::numbers::pi / 180.0;

SkinModel abdomen() {
  return SkinModel::preset("abdomen", Sex::female, 40.0);
}

TEST(Calibration, OlatunjiSharpMicroneedleNeeds20To30mN) {
  // Olatunji et al. 2013 J Pharm Sci 102:1209: 0.0214-0.030 N per needle (experiment), 0.028-0.029
  // N (theory). Sharp microneedle assumed: 600 um long, 300 um base, tip radius 5 um (sharp silicon
  // / steel microneedle tips are 1-10 um; Kalluri 2011 measured 4 um on DermaRoller needles).
  const Needle mn{
      .length = 0.6_mm, .shaft_diameter = 0.3_mm, .tip_radius = 5_um, .cone_half_angle = 15 * deg};
  for (double speed : {0.5_mm_s, 1.0_mm_s}) {
    const auto r = insert(mn, abdomen(), speed, {});
    ASSERT_TRUE(r.punctured);
    EXPECT_GE(r.puncture_force, 0.020);
    EXPECT_LE(r.puncture_force, 0.030);
    // Measured tenting at puncture of sharp microneedles: 0.1-0.5 mm (Roxhed 2007; Groves 2011).
    EXPECT_GT(r.tenting_at_puncture, 0.1_mm);
    EXPECT_LT(r.tenting_at_puncture, 0.5_mm);
  }
}

TEST(Calibration, DavisForceLinearInTipInterfacialArea) {
  // Davis et al. 2004 J Biomech 37:1155: hollow metal microneedles in living human skin, insertion
  // force 0.08-3.04 N, linear in the interfacial area of the tip; tip radius 30-80 um, wall 5-58
  // um.
  std::vector<double> area, force;
  for (double r : {30e-6, 40e-6, 55e-6, 65e-6, 80e-6})
    for (double t : {5e-6, 10e-6, 20e-6, 35e-6, 58e-6}) {
      if (t > r) continue;
      const Needle n{.length = 1_mm,
                     .shaft_diameter = 2 * r + 40e-6,
                     .tip_radius = r,
                     .cone_half_angle = 10 * deg,
                     .hollow = true,
                     .wall_thickness = t};
      const InsertionModel model(n, abdomen(), 1_mm_s);
      area.push_back(n.tip_face_area());
      force.push_back(model.puncture_force());
    }
  // Least-squares line F = a + b A and its coefficient of determination.
  const double n = double(area.size());
  double sa = 0, sf = 0, saa = 0, saf = 0;
  for (std::size_t i = 0; i < area.size(); ++i) {
    sa += area[i];
    sf += force[i];
    saa += area[i] * area[i];
    saf += area[i] * force[i];
  }
  const double b = (n * saf - sa * sf) / (n * saa - sa * sa), a = (sf - b * sa) / n;
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < area.size(); ++i) {
    ss_res += std::pow(force[i] - (a + b * area[i]), 2);
    ss_tot += std::pow(force[i] - sf / n, 2);
  }
  EXPECT_GT(1.0 - ss_res / ss_tot, 0.95);
  EXPECT_GT(b, 0.0);
  for (double f : force) {
    EXPECT_GE(f, 0.08);
    EXPECT_LE(f, 3.04);
  }
  // The span covers most of Davis's measured decade and a half.
  EXPECT_GT(
      *std::max_element(force.begin(), force.end()) / *std::min_element(force.begin(), force.end()),
      8.0);
}

TEST(Calibration, VerbaanPressing300umDoesNotPierceImpactDoes) {
  // Verbaan et al. 2008 J Control Release: 300 um metal needles (30G, 0.3 mm) did not pierce human
  // skin when the array was pressed by hand, but did at 1 and 3 m/s impact; Verbaan 2007: pressed
  // 550 um needles did pierce. Tip radius of the 30G bevel assumed 10 um.
  const auto skin = abdomen();
  const double manual = MechanicsConstants::standard().manual_pressing_speed;
  const Needle short_needle{
      .length = 0.3_mm, .shaft_diameter = 0.3_mm, .tip_radius = 10_um, .cone_half_angle = 15 * deg};
  EXPECT_FALSE(insert(short_needle, skin, manual, {}).punctured);
  EXPECT_TRUE(insert(short_needle, skin, 1.0_m_s, {}).punctured);
  EXPECT_TRUE(insert(short_needle, skin, 3.0_m_s, {}).punctured);
  Needle long_needle = short_needle;
  long_needle.length = 0.55_mm;
  EXPECT_TRUE(insert(long_needle, skin, manual, {}).punctured);
}

TEST(Calibration, LamSlowInsertionBuriesLessThanHalfBelow1mm) {
  // Lam et al. 2008: steel needles driven slowly into skin bury < 50 % of the nominal insertion
  // depth when the nominal depth is below 1 mm. Needle assumed 100 um shaft, 5 um tip, 10 deg cone;
  // speed 0.1 mm/s; nominal depth = tip travel after contact.
  const Needle n{
      .length = 2_mm, .shaft_diameter = 0.1_mm, .tip_radius = 5_um, .cone_half_angle = 10 * deg};
  const InsertionModel model(n, abdomen(), 0.1_mm_s);
  double previous = 0.0;
  for (double nominal : {0.25_mm, 0.5_mm, 0.75_mm}) {
    NeedleLoad load;
    load.travel = nominal;
    const auto r = model.insert(load);
    ASSERT_TRUE(r.punctured);
    EXPECT_LT(r.depth_reached, 0.5 * nominal) << "nominal " << nominal;
    EXPECT_GT(r.depth_reached, previous);
    previous = r.depth_reached;
  }
}

TEST(Calibration, ShergoldFleckToughnessDominatedScaling) {
  // Shergold & Fleck 2004/2005: microneedles sit in the toughness-dominated regime J/(mu R) >> 1,
  // where the penetration force is F = kappa J R.
  const auto skin = abdomen();
  const auto& c = MechanicsConstants::standard();
  for (double R : {5e-6, 25e-6, 62.5e-6, 125e-6}) {
    const auto& derm = skin.layer(LayerKind::reticular_dermis).mechanics;
    EXPECT_GT(derm.toughness / (derm.shear_modulus * R), 10.0) << "R = " << R;
  }
  // Crack part of the puncture force proportional to J_SC and r_tip.
  auto crack_force = [&](double r_tip, double scale_J) {
    auto layers = skin.layers();
    layers[0].mechanics.toughness *= scale_J;
    const SkinModel s(layers);
    const Needle n{.length = 1_mm, .shaft_diameter = 0.25_mm, .tip_radius = r_tip};
    return InsertionModel(n, s, 1_mm_s).puncture_force() -
           c.tip_face_critical_pressure * n.tip_face_area();
  };
  const double base = crack_force(4e-6, 1.0);
  EXPECT_NEAR(
      base,
      c.crack_shape_factor * skin.layer(LayerKind::stratum_corneum).mechanics.toughness * 4e-6,
      1e-12);
  EXPECT_NEAR(crack_force(8e-6, 1.0) / base, 2.0, 1e-9);
  EXPECT_NEAR(crack_force(4e-6, 2.0) / base, 2.0, 1e-9);
  // Steady penetration of the shaft through the reticular dermis: F - friction = kappa J R_shaft.
  for (double d : {0.1_mm, 0.25_mm}) {
    const Needle n{
        .length = 2_mm, .shaft_diameter = d, .tip_radius = 4_um, .cone_half_angle = 10 * deg};
    const InsertionModel m(n, skin, 1_mm_s);
    const double p = 1.0_mm;  // inside the reticular dermis of the abdomen, beyond the taper
    const double friction = c.shaft_friction_traction * 2 * std::numbers::pi * n.shaft_radius() * p;
    EXPECT_NEAR(m.penetration_force(p) - friction,
                c.crack_shape_factor * skin.layer(LayerKind::reticular_dermis).mechanics.toughness *
                    n.shaft_radius(),
                1e-12);
  }
}

}  // namespace
}  // namespace punctum
