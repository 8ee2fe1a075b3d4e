// Single-needle insertion throughput: the cost that bounds a whole-face session resolved needle by
// needle. Reported as insertions per second on one core (goal >= 1e6).
#include <benchmark/benchmark.h>

#include <punctum/core/units.hpp>
#include <punctum/mechanics.hpp>

using namespace punctum;

namespace {
const SkinModel& cheek() {
  static const SkinModel s = SkinModel::preset("cheek", Sex::female, 45.0);
  return s;
}
const Needle needle{.length = 1.5_mm, .shaft_diameter = 0.25_mm, .tip_radius = 4_um};
}  // namespace

// Force-controlled (roller / stamp share): the force varies per call so nothing is hoisted.
static void BM_InsertForceLimited(benchmark::State& state) {
  const InsertionModel model(needle, cheek(), 10_mm_s);
  double force = 0.05;
  for (auto _ : state) {
    auto r = model.insert({.force = force});
    benchmark::DoNotOptimize(r);
    force = force < 0.6 ? force * 1.01 : 0.05;
  }
  state.counters["insertions_per_s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InsertForceLimited);

// Travel-limited (pen depth setting): the tenting law is inverted inside the root finder (Illinois false position).
static void BM_InsertTravelLimited(benchmark::State& state) {
  const InsertionModel model(needle, cheek(), 0.6_m_s);
  double travel = 0.3_mm;
  for (auto _ : state) {
    auto r = model.insert({.travel = travel});
    benchmark::DoNotOptimize(r);
    travel = travel < 1.5_mm ? travel * 1.01 : 0.3_mm;
  }
  state.counters["insertions_per_s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InsertTravelLimited);

// Building the precomputed needle-skin-speed model (once per device stroke kind).
static void BM_BuildInsertionModel(benchmark::State& state) {
  double speed = 1e-3;
  for (auto _ : state) {
    InsertionModel m(needle, cheek(), speed);
    benchmark::DoNotOptimize(m);
    speed = speed < 1.0 ? speed * 1.1 : 1e-3;
  }
  state.counters["models_per_s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BuildInsertionModel);
