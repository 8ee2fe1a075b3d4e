// Physics and robustness of the healing field beyond the pure numerics: chemotaxis positivity and
// conservation, phase timing of a single puncture in 3D, patient-modifier trends, the column
// fidelity against the 3D lateral average, float storage accuracy, bad input and failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "helpers.hpp"

using namespace punctum;
using namespace punctum::healing;
using namespace punctum::healing::testing;

namespace {
constexpr double day = 86400.0;

/// A 12 x 10 x nz patch (dermis below the first plane) with chemotaxis 100x the default.
HealingModel chemotactic_model(std::size_t nz) {
  Rates r = Rates::defaults();
  r.chemotaxis_fibroblast *= 100;
  return HealingModel(cheek(), r, Grid3({12, 10, nz}, {20e-6, 20e-6, 150e-6}));
}

/// A wound with a rippled growth factor and fibroblast density: on chemotactic_model, several
/// chemotaxis substeps an hour.
HealingState<double> chemotactic_start(const HealingModel& model) {
  auto start = make_state<double>(model);
  apply_wound(start, model, WoundChannel{.x = 0.1e-3, .y = 0.1e-3, .depth = 1e-3, .radius = 40e-6});
  const auto& g = model.grid();
  for (std::size_t k = 0; k < g.nz(); ++k)
    for (std::size_t j = 0; j < g.ny(); ++j)
      for (std::size_t i = 0; i < g.nx(); ++i) {
        start.field(idx(Species::g), i, j, k) = 1.0 + std::sin(0.7 * double(i + 2 * j + 3 * k));
        start.field(idx(Species::f), i, j, k) *= 1.0 + 0.5 * double((i + j + k) % 3);
      }
  return start;
}

struct PunctureRun {
  std::vector<double> t;
  std::vector<Observables> obs;
};

template <class T = double>
PunctureRun puncture(const HealingModel& model, double days, const WoundChannel& ch,
                     IntegratorOptions options = {.threads = 1}) {
  auto st = make_state<T>(model);
  apply_wound(st, model, ch);
  Integrator<T> integ(model, options);
  PunctureRun run;
  run.t.push_back(0);
  run.obs.push_back(observe(st, model));
  integ.advance_to(st, days * day, [&](double t) {
    run.t.push_back(t);
    run.obs.push_back(observe(st, model));
    return true;
  });
  return run;
}

double peak_time(const PunctureRun& r, Species s) {
  double best = -1e300, when = 0;
  for (std::size_t n = 0; n < r.t.size(); ++n)
    if (r.obs[n].excess[idx(s)] > best) {
      best = r.obs[n].excess[idx(s)];
      when = r.t[n];
    }
  return when;
}

double at_time(const PunctureRun& r, Species s, double t) {
  for (std::size_t n = 0; n < r.t.size(); ++n)
    if (r.t[n] >= t) return r.obs[n].excess[idx(s)];
  return r.obs.back().excess[idx(s)];
}

Grid3 column_grid(double width = 0.6e-3) {
  return Grid3({1, 1, 48}, {width, width, 25e-6});
}
const WoundChannel one_mm{.x = 0.3e-3, .y = 0.3e-3, .depth = 1e-3, .radius = 100e-6};

}  // namespace

TEST(HealingPhysics, ChemotaxisIsPositiveAndConservativeWhenStrong) {
  // A sharp growth-factor peak and a blob of recruited fibroblasts with a chemotactic sensitivity
  // 100 times the table value: the upwind flux must keep f >= f0 (no negative excess) and move
  // cells without creating or losing any.
  Grid3 grid({16, 16, 24}, {20e-6, 20e-6, 20e-6});
  Rates r = transport_only();
  r.diffusivity_fibroblast = 1e-14;
  r.chemotaxis_fibroblast = 100 * Rates::defaults().chemotaxis_fibroblast;
  HealingModel model(cheek(), r, grid);
  auto st = make_state<double>(model);
  for (std::size_t k = 8; k < 16; ++k)
    for (std::size_t j = 0; j < 16; ++j)
      for (std::size_t i = 0; i < 16; ++i) {
        const double r2 = (std::pow(double(i) - 8, 2) + std::pow(double(j) - 8, 2) +
                           std::pow(double(k) - 12, 2)) *
                          400e-12;
        st.field(idx(Species::g), i, j, k) = 5.0 * std::exp(-r2 / (2 * 40e-6 * 40e-6));
        if (i >= 3 && i < 7) st.field(idx(Species::f), i, j, k) *= 3.0;
      }
  const double before = st.field.sum(idx(Species::f));
  const double peak_before = st.field(idx(Species::f), 8, 8, 12);
  healing::detail::Chemotaxis<double> chemo(model, 1);
  const auto substeps = chemo.apply(st.field, 3600.0);
  double min_excess = 1e300;
  for (std::size_t k = 0; k < grid.nz(); ++k)
    for (std::size_t j = 0; j < grid.ny(); ++j)
      for (std::size_t i = 0; i < grid.nx(); ++i)
        min_excess = std::min(min_excess,
                              st.field(idx(Species::f), i, j, k) - model.baseline(Species::f, k));
  std::printf("chemotaxis: %zu substeps, min excess %.3g cells/m^3, mass drift %.2e\n", substeps,
              min_excess, st.field.sum(idx(Species::f)) / before - 1);
  EXPECT_GT(substeps, 1u);
  EXPECT_GT(st.field(idx(Species::f), 8, 8, 12), 1.05 * peak_before);  // cells climbed the gradient
  // Only round-off in f - f0 (f0 ~ 1e13 cells/m^3) may show: measured exactly 0.
  EXPECT_GE(min_excess, -1e-13 * model.baseline(Species::f, 12));
  EXPECT_NEAR(st.field.sum(idx(Species::f)) / before, 1.0, 1e-13);
}

TEST(HealingPhysics, FusedReactionsAndChemotaxisMatchTheSeparatePasses) {
  // Chemotaxis::react_then_flux runs the reactions and the first chemotaxis substep in one
  // wavefront over planes (more_substeps the rest, as the integrator calls them), each thread
  // finishing its edge planes after the others. It must give the separate passes' result to the
  // bit, for any thread count, including blocks of one plane (5 planes on 4 threads) and more
  // threads than planes, in place and out of place. Out of place, as the integrator runs it, the
  // reactions do not copy the fast species: those stay NaN in the output, and chemotaxis must climb
  // the input's growth factor.
  for (const std::size_t nz : {5u, 2u}) {
    const HealingModel model = chemotactic_model(nz);
    const Grid3& grid = model.grid();
    const auto start = chemotactic_start(model);
    const double dt = 3600.0;
    for (const int threads : {1, 2, 4, 7}) {
      healing::detail::Chemotaxis<double> chemo(model, threads);
      const std::size_t n = chemo.substeps(chemo.max_rate(start.field), dt);
      ASSERT_GE(n, 2u);
      for (const bool in_place : {true, false}) {
        auto separate = start, fused = start;
        Field<double> out_separate(grid, species_count), out_fused(grid, species_count);
        Field<double>& a = in_place ? separate.field : out_separate;
        Field<double>& b = in_place ? fused.field : out_fused;
        const auto nan = std::numeric_limits<double>::quiet_NaN();
        auto fast = [](std::size_t q) {
          return q == idx(Species::c) || q == idx(Species::g) || q == idx(Species::s);
        };
        if (!in_place)
          for (std::size_t q = 0; q < species_count; ++q)
            if (fast(q)) std::fill_n(out_fused.species_data(q), out_fused.species_stride(), nan);
        ASSERT_TRUE(healing::detail::react_planes(separate.field, a, model, dt, 0, nz));
        EXPECT_EQ(chemo.apply(a, dt), n);
        // done(k) comes once per plane, after its flux, which needs its neighbours' reactions
        // (the integrator sweeps f's plane there).
        std::vector<std::atomic<int>> reacted(nz), finished(nz);
        std::atomic<bool> early{false};
        const double* g = fused.field.species_data(idx(Species::g));
        const auto result = chemo.react_then_flux(
            b, g, dt / double(n),
            [&](std::size_t k0, std::size_t k1) {
              for (std::size_t k = k0; k < k1; ++k) ++reacted[k];
              return healing::detail::react_planes(fused.field, b, model, dt, k0, k1, chemo.old(),
                                                   /*carry_fast=*/in_place);
            },
            [&](std::size_t k) {
              for (std::size_t m = k == 0 ? 0 : k - 1; m <= std::min(k + 1, nz - 1); ++m)
                if (reacted[m] != 1) early = true;
              ++finished[k];
            });
        ASSERT_TRUE(result.ok);
        chemo.more_substeps(b, g, dt / double(n), n - 1);
        EXPECT_FALSE(early) << "a plane finished before its neighbours reacted";
        for (std::size_t k = 0; k < nz; ++k) EXPECT_EQ(finished[k], 1) << "plane " << k;
        for (std::size_t q = 0; q < species_count; ++q)
          for (std::size_t k = 0; k < nz; ++k)
            for (std::size_t j = 0; j < 10; ++j)
              for (std::size_t i = 0; i < 12; ++i) {
                if (!in_place && fast(q)) {
                  ASSERT_TRUE(std::isnan(b(q, i, j, k))) << "species " << q << " was written";
                  continue;
                }
                ASSERT_EQ(a(q, i, j, k), b(q, i, j, k))
                    << "species " << q << " voxel " << i << "," << j << "," << k << " nz " << nz
                    << " threads " << threads << (in_place ? " in place" : " out of place");
              }
      }
    }
  }
}

TEST(HealingPhysics, SplitStepMatchesTheUnfusedPasses) {
  // The integrator's split step runs the first group's lateral sweeps inside the kinetics'
  // wavefront (f's only after a single chemotaxis substep). It must equal, bit for bit, the step
  // assembled from its separate passes: reactions, chemotaxis, then the LOD solves of {c, s, f}
  // and of g with the delta-form fills, on any thread count, with one substep and with several.
  namespace hd = healing::detail;
  const std::size_t nz = 5;
  const HealingModel model = chemotactic_model(nz);
  const Grid3& grid = model.grid();
  auto start = chemotactic_start(model);
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < 10; ++j)
      for (std::size_t i = 0; i < 12; ++i)
        start.field(idx(Species::s), i, j, k) = 0.5 + 0.25 * std::cos(double(i * j + k));
  start.topical_surface = 2.0;
  const double rate = hd::Chemotaxis<double>(model, 1).max_rate(start.field);
  ASSERT_GT(rate, 0.0);
  struct Fill {
    const Field<double>* u;
    Field<double>* delta;
    const HealingModel* model;
    double dt, film;
    hd::Fast fast;
  };
  auto fill = [](const void* context, std::size_t k0, std::size_t k1) {
    const auto& x = *static_cast<const Fill*>(context);
    hd::fast_rhs_planes(*x.u, *x.u, x.delta->species_data(std::size_t(x.fast)), *x.model, x.dt,
                        x.film, x.fast, k0, k1);
  };
  const auto add = static_cast<void (*)(double*, const double*, const double*, std::size_t,
                                        std::size_t, std::size_t)>(&hd::add_increment_slab);
  for (const std::size_t substeps : {1u, 4u}) {
    const double dt = (double(substeps) - 0.5) * 0.9 / rate;
    ASSERT_EQ(hd::Chemotaxis<double>::substeps(rate, dt), substeps);
    auto ref = start;
    Field<double>& u = ref.field;
    ASSERT_TRUE(hd::react_planes(u, u, model, dt, 0, nz));
    hd::Chemotaxis<double>(model, 1).apply(u, dt, rate);
    hd::LodDiffusion<double> lod(model, 1, /*plain_fast_sets=*/false);
    lod.prepare(dt);
    Field<double> delta(grid, 3);
    const Fill fc{&u, &delta, &model, dt, ref.topical_surface, hd::Fast::c};
    const Fill fs{&u, &delta, &model, dt, ref.topical_surface, hd::Fast::s};
    const Fill fg{&u, &delta, &model, dt, ref.topical_surface, hd::Fast::g};
    const std::array<hd::SweepJob<double>, 3> first = {{
        {delta.species_data(0), hd::delta_set(0), false, false, fill, &fc,
         u.species_data(idx(Species::c)), u.species_data(idx(Species::c)), add},
        {delta.species_data(2), 3, false, true, fill, &fs, u.species_data(idx(Species::s)),
         u.species_data(idx(Species::s)), add},
        {u.species_data(idx(Species::f)), 2, true, false},
    }};
    lod.solve(first.data(), first.size(), u.species_data(idx(Species::w)), 0.0);
    const hd::SweepJob<double> second{delta.species_data(1), hd::delta_set(1), false, false, fill,
                                      &fg, u.species_data(idx(Species::g)),
                                      u.species_data(idx(Species::g)), add};
    lod.solve(&second, 1, u.species_data(idx(Species::w)), 0.0);
    // The split step guesses its substeps before the flux finds the outflow rate: a fresh
    // integrator guesses one and must redo the chemotaxis when several are due; the same step
    // again guesses from the rate it found. Both must give the separate passes' result.
    for (const int threads : {1, 2, 3}) {
      Integrator<double> integ(
          model, {.scheme = Scheme::lod_euler, .adaptive = false, .threads = threads});
      for (const int attempt : {0, 1}) {
        auto st = start;
        integ.step(st, dt);
        EXPECT_EQ(integ.stats().chemotaxis_redone, substeps == 1 ? 0u : 1u)
            << "attempt " << attempt << " substeps " << substeps;
        EXPECT_EQ(integ.stats().chemotaxis_substeps, substeps * std::size_t(attempt + 1));
        for (std::size_t q = 0; q < species_count; ++q)
          for (std::size_t k = 0; k < nz; ++k)
            for (std::size_t j = 0; j < 10; ++j)
              for (std::size_t i = 0; i < 12; ++i)
                ASSERT_EQ(st.field(q, i, j, k), u(q, i, j, k))
                    << "species " << q << " voxel " << i << "," << j << "," << k << " substeps "
                    << substeps << " threads " << threads << " attempt " << attempt;
      }
    }
  }
}

TEST(HealingPhysics, PlaneFillMatchesTheLineByLineFill) {
  // fast_rhs_plane runs a plane's lines as flat loops and computes each line's periodic ends
  // again: it must give the line-by-line right-hand side, with the lod_lean old sources read
  // before they are overwritten, on planes with and without line padding, with two lines, and
  // with more lines than one run takes (64); the padding stays zero. The kernel is built for the
  // CPU's widest SIMD, where GCC fuses multiply-adds, and this line body for the baseline ISA:
  // they agree to round-off (a wrong neighbour would differ at order 1).
  namespace hd = healing::detail;
  struct Shape {
    std::size_t nx, ny;
  };
  for (const Shape shape :
       {Shape{12, 10}, Shape{16, 9}, Shape{13, 2}, Shape{3, 5}, Shape{11, 70}}) {
    const std::size_t nx = shape.nx, ny = shape.ny, pitch = Field<double>::pitch_for(nx);
    const std::size_t n = pitch * ny;
    std::vector<double> a(n), zp(n), zm(n), s1(n), s2(n), old(n);
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const std::size_t o = pitch * j + i;
        const double x = double(i * 7 + j * 3);
        a[o] = 1.0 + std::sin(x);
        zp[o] = 1.0 + std::cos(0.3 * x);
        zm[o] = 1.0 + std::sin(1.7 * x);
        s1[o] = 0.5 + 0.1 * std::cos(x);
        s2[o] = 0.2 + 0.1 * std::sin(2.1 * x);
        old[o] = 0.3 + 0.2 * std::cos(1.3 * x);
      }
    for (const bool lagged : {false, true}) {
      std::vector<double> plane = old, line = old;  // zero padding, as in a field
      hd::fast_rhs_plane(a.data(), zp.data(), zm.data(), s1.data(), s2.data(), lagged, 0.4, nullptr,
                         plane.data(), nx, ny, pitch, 3.0, 2.0, 1.5, 0.5, 0.7, 0.9, 1.1, 0.01, 0.0,
                         0.0, 0.0, 0.0);
      hd::for_each_line(ny, pitch, [&](std::size_t o, std::size_t oyp, std::size_t oym) {
        hd::fast_rhs_line_body(a.data() + o, a.data() + oyp, a.data() + oym, zp.data() + o,
                               zm.data() + o, s1.data() + o, s2.data() + o, lagged, 0.4,
                               static_cast<const double*>(nullptr), line.data() + o, nx, 3.0, 2.0,
                               1.5, 0.5, 0.7, 0.9, 1.1, 0.01, 0.0, 0.0, 0.0, 0.0);
      });
      for (std::size_t o = 0; o < n; ++o) {
        if (o % pitch >= nx) {
          ASSERT_EQ(plane[o], 0.0) << "padding element " << o << " was written";
          continue;
        }
        ASSERT_NEAR(plane[o], line[o], 1e-15) << "element " << o << " of a " << nx << " x " << ny
                                              << " plane" << (lagged ? ", lagged" : "");
      }
    }
  }
}

TEST(HealingPhysics, SinglePuncturePhasesIn3D) {
  // Literature phases (literature.md 3.1): inflammation peaks within days 1-3; recruited
  // fibroblasts peak inside the proliferative window 3-21 d; collagen III is laid down first and
  // peaks while collagen I is still in deficit; III then converts to I over weeks.
  const auto grid = Grid3::patch(0.6e-3, 1.25e-3, 25e-6);
  HealingModel model(cheek(), Patient{}, grid);
  const auto run = puncture(model, 60, one_mm);
  const double tc = peak_time(run, Species::c) / day, tf = peak_time(run, Species::f) / day,
               t3 = peak_time(run, Species::rho3) / day;
  std::printf("3D puncture: c peak %.2f d, f peak %.2f d, rho3 peak %.2f d, steps %zu\n", tc, tf,
              t3, run.t.size());
  EXPECT_GE(tc, 1.0);
  EXPECT_LE(tc, 3.0);
  EXPECT_GE(tf, 3.0);
  EXPECT_LE(tf, 21.0);
  EXPECT_GT(t3, tf);
  EXPECT_GT(at_time(run, Species::rho3, 10 * day), 0.0);  // III already above baseline
  EXPECT_LT(at_time(run, Species::rho1, t3 * day), 0.0);  // I still in deficit at the III peak
  EXPECT_GT(at_time(run, Species::rho1, 60 * day),
            at_time(run, Species::rho1, t3 * day));  // III -> I
  EXPECT_LT(at_time(run, Species::rho3, 60 * day), at_time(run, Species::rho3, t3 * day));
}

/// at_time interpolated linearly between the samples.
double interpolated(const PunctureRun& r, Species s, double t) {
  for (std::size_t n = 1; n < r.t.size(); ++n)
    if (r.t[n] >= t) {
      const double a = (t - r.t[n - 1]) / (r.t[n] - r.t[n - 1]);
      return (1 - a) * r.obs[n - 1].excess[idx(s)] + a * r.obs[n].excess[idx(s)];
    }
  return r.obs.back().excess[idx(s)];
}

/// Largest difference of run from ref in the excess of c, f, rho3 and rho1 on days 3, 10, 21 and
/// 60, each relative to the species' largest excess in ref.
double course_error(const PunctureRun& run, const PunctureRun& ref) {
  double worst = 0;
  for (Species s : {Species::c, Species::f, Species::rho3, Species::rho1}) {
    double scale = 0;
    for (const auto& o : ref.obs) scale = std::max(scale, std::abs(o.excess[idx(s)]));
    for (double d : {3.0, 10.0, 21.0, 60.0})
      worst = std::max(
          worst, std::abs(interpolated(run, s, d * day) - interpolated(ref, s, d * day)) / scale);
  }
  return worst;
}

TEST(HealingPhysics, LeanAdaptiveEulerConvergesInTheFixedStepsMemory) {
  // Adaptive lod_euler sizes each step on the kinetics' step-doubling error before it runs it in
  // place, so it holds no copy of the state: the fixed step's memory, within 1.5x the field on
  // the benchmark's 100^3 grid, where adaptive Richardson needs more than 3x.
  const Grid3 big({100, 100, 100}, {20e-6, 20e-6, 20e-6});
  const double field = double(Field<double>::stride_for(big) * species_count * sizeof(double));
  auto memory = [&](IntegratorOptions o) {
    return 1.0 + double(Integrator<double>::workspace_bytes(big, o, 2)) / field;
  };
  const double lean = memory({.scheme = Scheme::lod_euler});
  const double fixed = memory({.scheme = Scheme::lod_euler, .adaptive = false});
  const double pair = memory({.scheme = Scheme::lod_richardson});
  std::printf("memory over the field at 100^3: lean adaptive %.3f, fixed %.3f, Richardson %.3f\n",
              lean, fixed, pair);
  EXPECT_EQ(lean, fixed);
  EXPECT_LE(lean, 1.5);
  EXPECT_GT(pair, 3.0);

  // A 1 mm puncture in the depth column against a converged run (Richardson at rtol 1e-7). The
  // controller holds the step-doubling difference (about half a first-order step's local error,
  // O(dt^2)) to rtol, so dt and the global error go as sqrt(rtol): measured 0.092, 0.030, 0.0096 at
  // rtol 1e-3, 1e-4, 1e-5 in 55, 132, 400 steps, 2.9-3.05 sqrt(rtol) (Richardson at 1e-3: 0.0059 in
  // 57 steps).
  HealingModel column(cheek(), Patient{}, column_grid());
  const auto ref = puncture(column, 60, one_mm, {.rtol = 1e-7, .threads = 1});
  double previous = 1.0;
  for (double rtol : {1e-3, 1e-4, 1e-5}) {
    const auto run =
        puncture(column, 60, one_mm, {.scheme = Scheme::lod_euler, .rtol = rtol, .threads = 1});
    const double err = course_error(run, ref);
    std::printf("lean adaptive column, rtol %.0e: %zu steps, error %.3g\n", rtol, run.t.size() - 1,
                err);
    EXPECT_LT(err, 5 * std::sqrt(rtol));
    EXPECT_LT(err, 0.5 * previous);  // sqrt(10) = 3.2 per decade
    previous = err;
  }

  // The phases in 3D come out as with Richardson: the centres are SinglePuncturePhasesIn3D's
  // peaks (Richardson at rtol 1e-3: c 2.59 d, f 7.91 d, rho3 22.98 d), the margins about a tenth
  // of each (converged, Richardson at 1e-6: 2.54, 7.93, 22.38 d).
  HealingModel patch(cheek(), Patient{}, Grid3::patch(0.6e-3, 1.25e-3, 25e-6));
  const auto run =
      puncture(patch, 60, one_mm, {.scheme = Scheme::lod_euler, .rtol = 1e-4, .threads = 1});
  const double tc = peak_time(run, Species::c) / day, tf = peak_time(run, Species::f) / day,
               t3 = peak_time(run, Species::rho3) / day;
  std::printf(
      "lean adaptive 3D puncture, rtol 1e-4: c peak %.2f d, f %.2f d, rho3 %.2f d, %zu steps\n", tc,
      tf, t3, run.t.size() - 1);
  EXPECT_NEAR(tc, 2.59, 0.3);
  EXPECT_NEAR(tf, 7.91, 0.8);
  EXPECT_NEAR(t3, 22.98, 2.0);
}

TEST(HealingPhysics, LeanSchemesKineticsAreSecondOrder) {
  // lod_lean's kinetics extrapolate the step doubling of react_voxel, 2 R(dt/2)^2 - R(dt): with
  // c and g frozen, one wounded dermal voxel integrated over 2 days in n steps against 2^16 plain
  // steps must converge at order 2 where react_voxel alone converges at order 1.
  HealingModel model(cheek(), Patient{}, column_grid());
  const std::size_t k = model.grid().nz() / 2;  // mid-dermis
  const PlaneParams& P = model.planes()[k];
  const Rates& R = model.rates();
  const double c = 2.0, g = 1.5, T = 2 * day;
  using State = std::array<double, 7>;  // w h f rho3 rho1 e p
  auto run = [&](int n, bool extrapolate) {
    State u{1.0, 0.5, P.f0, P.rho3_0, P.rho1_0, P.e0, 0.0};
    const double dt = T / n;
    const healing::detail::ReactConstants K(P, R, dt), H(P, R, 0.5 * dt);
    for (int m = 0; m < n; ++m)
      if (extrapolate)
        healing::detail::react_voxel_extrapolated(u[0], u[1], c, g, u[2], u[3], u[4], u[5], u[6], P,
                                                  K, P, H, R, dt);
      else
        healing::detail::react_voxel(u[0], u[1], c, g, u[2], u[3], u[4], u[5], u[6], P, R, dt, K);
    return u;
  };
  const State ref = run(1 << 16, false);
  auto error = [&](const State& u) {  // relative to each species' reference value (not p's: the
                                      // pigment stays 0 outside the basal epidermis)
    double e = 0;
    for (std::size_t q = 0; q < 6; ++q) e = std::max(e, std::abs(u[q] - ref[q]) / ref[q]);
    return e;
  };
  double plain[3], lean[3];
  for (int m = 0; m < 3; ++m) {
    plain[m] = error(run(8 << m, false));
    lean[m] = error(run(8 << m, true));
  }
  std::printf(
      "kinetics alone, 8/16/32 steps: react_voxel %.2e %.2e %.2e (orders %.2f %.2f), "
      "extrapolated %.2e %.2e %.2e (orders %.2f %.2f)\n",
      plain[0], plain[1], plain[2], std::log2(plain[0] / plain[1]), std::log2(plain[1] / plain[2]),
      lean[0], lean[1], lean[2], std::log2(lean[0] / lean[1]), std::log2(lean[1] / lean[2]));
  EXPECT_NEAR(std::log2(plain[1] / plain[2]), 1.0, 0.2);
  EXPECT_NEAR(std::log2(lean[1] / lean[2]), 2.0, 0.3);
}

TEST(HealingPhysics, LeanSchemeMatchesRichardsonsAccuracyInEulersMemory) {
  // lod_lean is lod_euler's step in place (the same memory, within 1.5x the field at 100^3, and
  // about as many steps) with second-order kinetics, the coupling correction, and the signals'
  // relaxation fitted to a source linear over the step. On the 1 mm puncture in the depth column
  // against Richardson at 1e-7 it is as accurate as adaptive Richardson at the same rtol: measured
  // at rtol 3e-3 / 1e-4, lean 0.0133 / 0.000993 in 43 / 130 steps, Richardson 0.0141 / 0.00099,
  // euler 0.144 / 0.0303 (before the fitted relaxation, lean's signal c was backward Euler and
  // its error 0.0996 / 0.0192, mostly c's).
  const Grid3 big({100, 100, 100}, {20e-6, 20e-6, 20e-6});
  const double field = double(Field<double>::stride_for(big) * species_count * sizeof(double));
  EXPECT_LE(
      1.0 +
          double(Integrator<double>::workspace_bytes(big, {.scheme = Scheme::lod_lean}, 2)) / field,
      1.5);

  HealingModel column(cheek(), Patient{}, column_grid());
  const auto ref = puncture(column, 60, one_mm, {.rtol = 1e-7, .threads = 1});
  for (double rtol : {3e-3, 1e-4}) {
    auto error_of = [&](Scheme scheme, std::size_t& steps) {
      const auto run = puncture(column, 60, one_mm, {.scheme = scheme, .rtol = rtol, .threads = 1});
      steps = run.t.size() - 1;
      return course_error(run, ref);
    };
    std::size_t n_lean = 0, n_euler = 0, n_rich = 0;
    const double e_lean = error_of(Scheme::lod_lean, n_lean),
                 e_euler = error_of(Scheme::lod_euler, n_euler),
                 e_rich = error_of(Scheme::lod_richardson, n_rich);
    std::printf(
        "column puncture, rtol %.0e: lean %zu steps error %.3g, euler %zu steps error %.3g, "
        "richardson %zu steps error %.3g\n",
        rtol, n_lean, e_lean, n_euler, e_euler, n_rich, e_rich);
    EXPECT_LT(e_lean, 1.5 * e_rich);   // measured ratios 0.94 and 1.00
    EXPECT_LT(e_lean, 0.2 * e_euler);  // measured 0.092 and 0.033
    EXPECT_LE(n_lean, n_euler + n_euler / 5);
  }
}

TEST(HealingPhysics, PatientModifiersMoveTheRightWay) {
  const auto grid = column_grid();
  auto run_for = [&](Patient p, Aftercare a = {}) {
    HealingModel model(cheek(), p, grid, a);
    return puncture(model, 30, one_mm);
  };
  Patient base;
  base.age_years = 45;
  const auto ref = run_for(base);
  Patient diabetic = base;
  diabetic.diabetes = true;
  diabetic.hba1c_percent = 9.0;
  const auto dia = run_for(diabetic);
  // Diabetes: longer inflammation and slower repair, less collagen III deposited by day 21.
  EXPECT_GT(at_time(dia, Species::c, 7 * day), at_time(ref, Species::c, 7 * day));
  EXPECT_GT(at_time(dia, Species::w, 7 * day), at_time(ref, Species::w, 7 * day));
  EXPECT_LT(at_time(dia, Species::rho3, 21 * day), at_time(ref, Species::rho3, 21 * day));
  Patient anticoag = base;
  anticoag.anticoagulant = true;
  EXPECT_GT(run_for(anticoag).obs[0].excess[idx(Species::h)],
            1.9 * ref.obs[0].excess[idx(Species::h)]);
  Patient haemophilic = base;
  haemophilic.haemophilia = true;
  const auto bleeder = run_for(haemophilic);
  EXPECT_GT(bleeder.obs[0].excess[idx(Species::h)], 2.9 * ref.obs[0].excess[idx(Species::h)]);
  // More blood, more platelet growth factor released by the clot.
  EXPECT_GT(at_time(bleeder, Species::g, 1 * day), at_time(ref, Species::g, 1 * day));
  // Keloid: a stronger growth-factor response and more collagen III laid down.
  Patient keloid = base;
  keloid.keloid_tendency = true;
  const auto kel = run_for(keloid);
  EXPECT_GT(at_time(kel, Species::g, 2 * day), 2 * at_time(ref, Species::g, 2 * day));
  EXPECT_GT(at_time(kel, Species::rho3, 21 * day), at_time(ref, Species::rho3, 21 * day));
  // Recent radiation: fewer fibroblasts recruited and less collagen III by day 21.
  Patient irradiated = base;
  irradiated.recent_radiation = true;
  const auto rad = run_for(irradiated);
  EXPECT_LT(at_time(rad, Species::f, 10 * day), at_time(ref, Species::f, 10 * day));
  EXPECT_LT(at_time(rad, Species::rho3, 21 * day), at_time(ref, Species::rho3, 21 * day));
  // Vitamin C preparation: more collagen III by day 21, the inflammation as without (it scales
  // collagen synthesis only, which c does not see; 2 % leaves room for the samples, which sit at
  // the integrator's own step times, to move with a different step sequence).
  Patient prepared = base;
  prepared.vitamin_c_preparation = true;
  const auto vitc = run_for(prepared);
  EXPECT_GT(at_time(vitc, Species::rho3, 21 * day), at_time(ref, Species::rho3, 21 * day));
  EXPECT_NEAR(at_time(vitc, Species::c, 1 * day), at_time(ref, Species::c, 1 * day),
              0.02 * at_time(ref, Species::c, 1 * day));
  Patient dark = base;
  dark.fitzpatrick = 6;
  EXPECT_GT(at_time(run_for(dark), Species::p, 7 * day), at_time(ref, Species::p, 7 * day));
  // UV during healing: more inflammation and more pigment activation.
  const auto uv = run_for(base, {.uv_exposure = true});
  EXPECT_GT(at_time(uv, Species::c, 1 * day), at_time(ref, Species::c, 1 * day));
  EXPECT_GT(at_time(uv, Species::p, 7 * day), at_time(ref, Species::p, 7 * day));
  Patient smoker = base;
  smoker.smoker = true;
  EXPECT_GT(at_time(run_for(smoker), Species::w, 7 * day), at_time(ref, Species::w, 7 * day));
  Patient old = base;
  old.age_years = 75;
  EXPECT_LT(at_time(run_for(old), Species::rho3, 21 * day), at_time(ref, Species::rho3, 21 * day));
  // HbA1c: worse control, slower repair (Christman 2011).
  Patient poor = diabetic;
  poor.hba1c_percent = 12.0;
  EXPECT_GT(at_time(run_for(poor), Species::w, 7 * day), at_time(dia, Species::w, 7 * day));
}

TEST(HealingPhysics, ColumnTracksThe3DLateralAverage) {
  // The 1-D column receives the channel's cross-section / column area; its species integrals are
  // compared with the 3D patch's (same width, same voxel depth) at 3, 10, 21 and 60 days.
  const double width = 0.6e-3;
  HealingModel m3(cheek(), Patient{}, Grid3::patch(width, 1.2e-3, 25e-6));
  HealingModel m1(cheek(), Patient{}, Grid3({1, 1, 48}, {width, width, 25e-6}));
  const auto r3 = puncture(m3, 60, one_mm);
  const auto r1 = puncture(m1, 60, one_mm);
  double worst = 0;
  for (double d : {3.0, 10.0, 21.0, 60.0}) {
    std::printf("column vs 3D at day %4.0f:", d);
    for (Species s : {Species::c, Species::f, Species::rho3, Species::rho1}) {
      const double a = at_time(r3, s, d * day), b = at_time(r1, s, d * day);
      const double rel = std::abs(b - a) / std::max(std::abs(a), 1e-30);
      std::printf("  %s %.3g vs %.3g (%.0f %%)", std::string(to_string(s)).c_str(), b, a,
                  100 * rel);
      if (s == Species::rho3 || s == Species::f) worst = std::max(worst, rel);
    }
    std::printf("\n");
  }
  // A loose bound: docs/healing.md tables the measured errors (f and rho3 at most 25 % after the
  // first days, 1-10 % for collagen after the first week); 50 % catches a broken column path.
  EXPECT_LT(worst, 0.5);
}

TEST(HealingPhysics, ColumnPathsMatchALaterallyUniformPatch) {
  // The column takes its own paths through the step (packed lines, loops without OpenMP, the
  // interleaved depth solves, the limiter as a clamp). On a patch whose columns are all alike the
  // lateral operators vanish, so the 3D kernels must give the column's numbers up to rounding:
  // a depth profile of damage, blood, inflammation, fibroblasts and a topical film, 12 Richardson
  // steps of an hour, then one LOD diffusion step.
  const std::size_t nz = 48;
  HealingModel m1(cheek(), Patient{}, Grid3({1, 1, nz}, {0.4e-3, 0.4e-3, 25e-6}));
  HealingModel m3(cheek(), Patient{}, Grid3({8, 8, nz}, {50e-6, 50e-6, 25e-6}));
  auto s1 = make_state<double>(m1);
  auto s3 = make_state<double>(m3);
  for (auto* st : {&s1, &s3}) {
    const auto& G = st->field.grid();
    for (std::size_t k = 0; k < nz; ++k) {
      const double shape = std::exp(-double(k) / 8.0);
      for (std::size_t j = 0; j < G.ny(); ++j)
        for (std::size_t i = 0; i < G.nx(); ++i) {
          st->field(idx(Species::w), i, j, k) = 0.8 * shape;
          st->field(idx(Species::h), i, j, k) = 0.5 * shape;
          st->field(idx(Species::c), i, j, k) = 0.3 * shape;
          st->field(idx(Species::f), i, j, k) *= 1.0 + shape;
        }
    }
    st->topical_surface = 1.0;
  }
  const IntegratorOptions opt{.adaptive = false, .threads = 1};
  Integrator<double> i1(m1, opt), i3(m3, opt);
  for (int n = 0; n < 12; ++n) {
    i1.step(s1, 3600.0);
    i3.step(s3, 3600.0);
  }
  // And a plain LOD step of the four diffusing species, with the film as a Robin source.
  healing::detail::LodDiffusion<double> d1(m1, 1), d3(m3, 1);
  d1.prepare(600.0);
  d3.prepare(600.0);
  d1.apply(s1.field, 2.0);
  d3.apply(s3.field, 2.0);
  double worst = 0.0;
  for (std::size_t q = 0; q < species_count; ++q)
    for (std::size_t k = 0; k < nz; ++k) {
      const double a = s1.field(q, 0, 0, k), b = s3.field(q, 5, 3, k);
      worst = std::max(worst, std::abs(a - b) / (1e-12 + std::abs(a)));
    }
  std::printf("column vs uniform patch: worst relative difference %.3g\n", worst);
  EXPECT_LT(worst, 1e-9);  // rounding (the clones fuse multiply-adds), far below any physics
}

TEST(HealingPhysics, FloatStorageAccuracyIsMeasured) {
  const auto grid = Grid3::patch(0.4e-3, 1.0e-3, 25e-6);
  HealingModel model(cheek(), Patient{}, grid);
  const WoundChannel ch{.x = 0.2e-3, .y = 0.2e-3, .depth = 0.8e-3, .radius = 80e-6};
  const auto rd = puncture<double>(model, 30, ch);
  const auto rf = puncture<float>(model, 30, ch);
  double worst = 0;
  for (Species s : {Species::f, Species::rho3, Species::rho1, Species::c}) {
    const double a = at_time(rd, s, 21 * day), b = at_time(rf, s, 21 * day);
    worst = std::max(worst, std::abs(a - b) / std::abs(a));
  }
  std::printf("float vs double at day 21: worst relative difference of species excess %.2e\n",
              worst);
  // Measured 2.3e-4 (4.3e-4 while float's kinetics ran in double, 6e-5 before the LOD decay
  // change moved the adaptive steps). Float and double take their own adaptive step sequences,
  // each held to the tolerance rtol per step, so the bound is a few rtol: storage in float must
  // cost no more than the time stepping already does.
  EXPECT_LT(worst, 5 * IntegratorOptions{}.rtol);
}

TEST(HealingPhysics, BadInputIsRefusedWithTheParameterNamed) {
  EXPECT_THROW(HealingModel(cheek(), Patient{}, Grid3({2, 8, 8}, {1e-5, 1e-5, 1e-5})),
               InvalidParameter);
  EXPECT_THROW(HealingModel(cheek(), Patient{},
                            Grid3({8, 8, 8}, {1e-5, 1e-5, 1e-5}, {0, 0, 0}, {true, true, true})),
               InvalidParameter);
  HealingModel model(cheek(), Patient{}, Grid3::patch(0.2e-3, 0.4e-3, 25e-6));
  auto st = make_state<double>(model);
  EXPECT_THROW(apply_wound(st, model, WoundChannel{.depth = -1e-3}), InvalidParameter);
  EXPECT_THROW(apply_wound(st, model, WoundChannel{.radius = 0}), InvalidParameter);
  EXPECT_THROW(Integrator<double>(model, {.rtol = -1}), InvalidParameter);
  try {
    apply_wound(st, model, WoundChannel{.depth = 20e-3});
    FAIL();
  } catch (const InvalidParameter& e) {
    EXPECT_EQ(e.parameter(), "wound.depth");
    EXPECT_EQ(e.unit(), "mm");
  }
  // A 40 mm x 40 mm patch at 5 um would need terabytes: refused before allocating, with the
  // estimate.
  HealingModel huge(cheek(), Patient{}, Grid3::patch(40e-3, 4e-3, 5e-6));
  try {
    (void)make_state<double>(huge);
    FAIL();
  } catch (const ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("GB"), std::string::npos);
  }
  // A memory limit between the in-place schemes' need (1.5x the field) and Richardson's (3.2x):
  // Richardson is refused and its message names the lean scheme, which then fits (a patch of
  // 100 x 100 x 40 voxels, whose field outweighs the solver's coefficients).
  HealingModel wide(cheek(), Patient{}, Grid3::patch(1e-3, 0.4e-3, 10e-6));
  const std::size_t field = Field<double>::stride_for(wide.grid()) * species_count * sizeof(double);
  const std::size_t limit = 2 * field;
  try {
    Integrator<double> integ(wide, {.threads = 1, .memory_limit_bytes = limit});
    FAIL();
  } catch (const ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("\"lean\""), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(Integrator<double>(
      wide, {.scheme = Scheme::lod_lean, .threads = 1, .memory_limit_bytes = limit}));
}

TEST(HealingPhysics, NonFiniteValuesStopWithTimeSpeciesAndVoxel) {
  HealingModel model(cheek(), Patient{}, Grid3::patch(0.2e-3, 0.4e-3, 25e-6));
  auto st = make_state<double>(model);
  st.field(idx(Species::h), 3, 2, 5) = std::numeric_limits<double>::quiet_NaN();
  Integrator<double> integ(model, {.threads = 1});
  try {
    integ.advance_to(st, day);
    FAIL();
  } catch (const NumericalError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("species"), std::string::npos) << msg;
    EXPECT_NE(msg.find("voxel"), std::string::npos) << msg;
    EXPECT_NE(msg.find("days"), std::string::npos) << msg;
  }
}

TEST(HealingPhysics, KineticsReportANaNOrAnInfinityInAnySlowSpecies) {
  // react_planes is built with finite-math flags and checks finiteness on the bits of the slow
  // species' sum: a NaN or an infinity in any of them, in place or not, double or float, with
  // the lean scheme's extrapolation or without, must still make it return false.
  HealingModel model(cheek(), Patient{}, Grid3::patch(0.2e-3, 0.15e-3, 25e-6));
  auto check = [&](auto zero) {
    using T = decltype(zero);
    const auto start = make_state<T>(model);
    Field<T> out(model.grid(), species_count);
    EXPECT_TRUE(healing::detail::react_planes(start.field, out, model, 600.0, 0, 2));
    for (const Species s :
         {Species::w, Species::h, Species::f, Species::rho3, Species::rho1, Species::e, Species::p})
      for (const T bad : {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::infinity()})
        for (const bool lean : {false, true}) {
          auto st = start;
          st.field(idx(s), 5, 3, 1) = bad;
          EXPECT_FALSE(
              healing::detail::react_planes(st.field, out, model, 600.0, 0, 2, nullptr, true, lean))
              << to_string(s) << " = " << bad << (lean ? ", lean" : "");
          EXPECT_FALSE(healing::detail::react_planes(st.field, st.field, model, 600.0, 0, 2,
                                                     nullptr, true, lean))
              << to_string(s) << " = " << bad << " in place" << (lean ? ", lean" : "");
        }
  };
  check(0.0);
  check(0.0f);
}

TEST(HealingPhysics, WoundIsWrittenConservativelyBelowVoxelSize) {
  // A channel thinner than a voxel (radius 12 um in 25 um voxels) removes the collagen of its own
  // volume, pi r^2 L rho, whatever its position relative to the voxel grid; the 1-D column of the
  // same width removes the same mass.
  const auto skin = cheek();
  const double r = 12e-6, L = 0.5e-3;
  HealingModel m1(skin, Patient{}, Grid3({1, 1, 40}, {0.5e-3, 0.5e-3, 25e-6}));
  auto col = make_state<double>(m1);
  apply_wound(col, m1, WoundChannel{.depth = L, .radius = r});
  const double removed_col = -observe(col, m1).excess[idx(Species::rho1)];
  // Analytic: pi r^2 times the collagen I baseline of each plane over the part of the plane the
  // channel crosses (each plane carries the layer at its centre).
  double analytic = 0;
  for (std::size_t k = 0; k < m1.grid().nz(); ++k) {
    const double top = k * 25e-6, bottom = std::min(L, top + 25e-6);
    if (bottom > top)
      analytic += 3.141592653589793 * r * r * m1.baseline(Species::rho1, k) * (bottom - top);
  }
  EXPECT_NEAR(removed_col / analytic, 1.0, 1e-9);
  HealingModel m3(skin, Patient{}, Grid3::patch(0.5e-3, 1.0e-3, 25e-6));
  for (double offset : {0.0, 3e-6, 7.5e-6, 12.5e-6}) {
    auto st = make_state<double>(m3);
    apply_wound(
        st, m3,
        WoundChannel{.x = 0.25e-3 + offset, .y = 0.25e-3 - 0.5 * offset, .depth = L, .radius = r});
    const double removed = -observe(st, m3).excess[idx(Species::rho1)];
    EXPECT_NEAR(removed / analytic, 1.0, 0.005) << "offset " << offset;
  }
}

TEST(HealingPhysics, WoundAcrossThePeriodicEdgeIsTheShiftedWound) {
  // The patch is periodic: a channel whose cross-section straddles the edges (here a corner) is
  // written as the same channel in the middle of the patch, moved by whole voxels. Round channels
  // and torn slots, so every part of the lateral window is exercised, including its wrap; and on
  // one thread or two alike.
  const auto skin = cheek();
  const double h = 25e-6;
  HealingModel model(skin, Patient{}, Grid3::patch(0.5e-3, 0.6e-3, h));
  const auto& G = model.grid();
  const std::size_t shift = G.nx() / 2;  // 10 voxels: the middle moves to the corner
  const double c = 0.25e-3 + 3e-6, d = 0.25e-3 - 1.5e-6;
  for (const double tear : {0.0, 90e-6}) {
    WoundChannel middle{.x = c, .y = d, .depth = 0.5e-3, .radius = 40e-6, .tip_length = 0.1e-3,
                        .tear_length = tear, .tear_dir_x = 0.8, .tear_dir_y = 0.6};
    WoundChannel corner = middle;
    corner.x -= double(shift) * h;
    corner.y -= double(shift) * h;
    auto a = make_state<double>(model), b = make_state<double>(model);
    apply_wound(a, model, middle);
    apply_wound(b, model, corner);
    std::size_t wounded = 0;
    for (Species s : {Species::w, Species::h, Species::rho1})
      for (std::size_t k = 0; k < G.nz(); ++k)
        for (std::size_t j = 0; j < G.ny(); ++j)
          for (std::size_t i = 0; i < G.nx(); ++i) {
            const double va = a.field(idx(s), i, j, k);
            const double vb = b.field(idx(s), (i + G.nx() - shift) % G.nx(),
                                      (j + G.ny() - shift) % G.ny(), k);
            ASSERT_NEAR(va, vb, 1e-12 * std::max(1.0, std::abs(va)))
                << to_string(s) << " at (" << i << ", " << j << ", " << k << "), tear " << tear;
            wounded += s == Species::w && va > 1e-3;
          }
    EXPECT_GT(wounded, 20u) << "tear " << tear;  // the channel covers many voxels
    // Written on two threads (planes shared out), the channel is the same to the bit.
    auto two = make_state<double>(model);
    apply_wound(two, model, corner, 1, /*threads=*/2);
    for (std::size_t q = 0; q < species_count; ++q)
      for (std::size_t k = 0; k < G.nz(); ++k)
        for (std::size_t j = 0; j < G.ny(); ++j)
          for (std::size_t i = 0; i < G.nx(); ++i)
            ASSERT_EQ(two.field(q, i, j, k), b.field(q, i, j, k)) << "species " << q;
  }
}
