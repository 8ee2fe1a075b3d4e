// Physics of the healing kinetics: homeostasis, phase timing, patient modifiers, wound sources.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "helpers.hpp"
#include "punctum/healing.hpp"

using namespace punctum;
using namespace punctum::healing;
using punctum::healing::testing::cheek;

namespace {

Grid3 small_patch(double width = 0.6e-3, double depth = 1.5e-3, double h = 30e-6) {
  return Grid3::patch(width, depth, h);
}

}  // namespace

TEST(HealingModel, BaselineIsAnExactFixedPointFor365Days) {
  // A fixed Richardson step of 5 days, and the adaptive lod_euler and lod_lean, whose error
  // estimates vanish at baseline (and lod_lean's extrapolation and coupling correction with
  // them), so their step grows fourfold a step from dt_initial to dt_max.
  const auto grid = small_patch(0.3e-3, 1.2e-3, 40e-6);
  HealingModel model(cheek(), Patient{}, grid);
  for (const IntegratorOptions& o : {IntegratorOptions{.scheme = Scheme::lod_richardson,
                                    .adaptive = false,
                                    .dt_fixed = 5 * 86400.0,
                                    .threads = 1},
                                     IntegratorOptions{.scheme = Scheme::lod_euler, .threads = 1},
                                     IntegratorOptions{.scheme = Scheme::lod_lean, .threads = 1}}) {
    auto st = make_state<double>(model);
    const auto before = observe(st, model);
    Integrator<double> integ(model, o);
    integ.advance_to(st, 365 * 86400.0);
    for (std::size_t k = 0; k < grid.nz(); ++k)
      for (Species s : all_species) {
        const double b = model.baseline(s, k);
        for (std::size_t j = 0; j < grid.ny(); ++j)
          for (double v : st.field.line(idx(s), j, k))
            ASSERT_LE(std::abs(v - b), 1e-9 * std::max(1.0, std::abs(b)))
                << to_string(s) << " k=" << k << " scheme " << int(o.scheme);
      }
    const auto after = observe(st, model);
    for (std::size_t q = 0; q < species_count; ++q) EXPECT_EQ(before.total[q], after.total[q]);
    if (o.adaptive) {  // 60 s, then x4 a step to the 2-day cap (6 steps up), then 2-day steps
      EXPECT_EQ(integ.stats().rejected, 0u);
      EXPECT_LE(integ.stats().accepted, 365 / 2 + 10);
      EXPECT_EQ(integ.stats().largest_dt, o.dt_max);
    }
  }
}

TEST(HealingModel, SinglePuncturePhasesEmerge) {
  // A 1 mm puncture in a 1-D column (the same kinetics as the 3D patch): inflammation peaks on
  // day 1-3; fibroblasts expand over the proliferative window; collagen III is laid down before
  // collagen I, then converts over weeks.
  const auto skin = cheek();
  Grid3 grid({1, 1, 60}, {1e-3, 1e-3, 25e-6});
  HealingModel model(skin, Patient{}, grid);
  auto st = make_state<double>(model);
  apply_wound(st, model, WoundChannel{.depth = 1e-3, .radius = 100e-6});
  Integrator<double> integ(model, {.threads = 1});
  double c_peak = 0, t_c_peak = 0, f_peak = 0, t_f_peak = 0, t_r3_peak = 0, r3_peak = -1e300;
  std::vector<std::pair<double, Observables>> series;
  integ.advance_to(st, 90 * 86400.0, [&](double t) {
    const auto o = observe(st, model);
    if (o.excess[idx(Species::c)] > c_peak) {
      c_peak = o.excess[idx(Species::c)];
      t_c_peak = t;
    }
    if (o.excess[idx(Species::f)] > f_peak) {
      f_peak = o.excess[idx(Species::f)];
      t_f_peak = t;
    }
    if (o.excess[idx(Species::rho3)] > r3_peak) {
      r3_peak = o.excess[idx(Species::rho3)];
      t_r3_peak = t;
    }
    series.emplace_back(t, o);
    return true;
  });
  const double day = 86400.0;
  EXPECT_GE(t_c_peak / day, 1.0);
  EXPECT_LE(t_c_peak / day, 3.0);
  EXPECT_GE(t_f_peak / day, 3.0);
  EXPECT_LE(t_f_peak / day, 21.0);
  EXPECT_GT(t_r3_peak, t_c_peak);
  // Collagen III excess peaks before collagen I has recovered: I is still in deficit at the III
  // peak.
  const auto at_r3_peak = std::find_if(series.begin(), series.end(),
                                       [&](const auto& s) { return s.first >= t_r3_peak; });
  ASSERT_NE(at_r3_peak, series.end());
  EXPECT_LT(at_r3_peak->second.excess[idx(Species::rho1)], 0.0);
  std::printf("c peak %.2f d, f peak %.2f d, rho3 peak %.2f d; steps %zu rejected %zu\n",
              t_c_peak / day, t_f_peak / day, t_r3_peak / day, integ.stats().accepted,
              integ.stats().rejected);
  const auto& last = series.back().second;
  std::printf("day 90 excess: rho3 %.3g rho1 %.3g f %.3g\n", last.excess[idx(Species::rho3)],
              last.excess[idx(Species::rho1)], last.excess[idx(Species::f)]);
}
