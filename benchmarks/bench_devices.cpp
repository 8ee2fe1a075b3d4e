// Whole-face session generation: ~300 cm^2 at ~250 punctures/cm^2 (goal <= 0.1 s), reported as
// punctures per second; thread count from OMP_NUM_THREADS (results identical for any count).
#include <benchmark/benchmark.h>

#include <punctum/core/units.hpp>
#include <punctum/devices.hpp>

using namespace punctum;

namespace {
const SkinModel& cheek() {
  static const SkinModel s = SkinModel::preset("cheek", Sex::female, 45.0);
  return s;
}
void report(benchmark::State& state, std::size_t contacts, double density) {
  state.counters["punctures_per_s"] = benchmark::Counter(
      double(contacts) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["punctures"] = double(contacts);
  state.counters["density_per_cm2"] = density * 1e-4;
}

/// Times device.treat on the session `session_for(i)` of iteration i and reports its map.
template <class Device, class SessionFor>
void time_treat(benchmark::State& state, const Device& device, SessionFor session_for) {
  std::uint32_t i = 0;
  std::size_t n = 0;
  double density = 0;
  for (auto _ : state) {
    auto map = device.treat(cheek(), session_for(i++));
    n = map.punctures.size();
    density = map.statistics.density;
    benchmark::DoNotOptimize(map);
  }
  report(state, n, density);
}
}  // namespace

// 12-needle pen at 100 Hz gliding at 137 mm/s: N f / (v w) = 250 /cm^2 in one pass.
static void BM_FullFacePen(benchmark::State& state) {
  Pen::Spec s = Pen::cartridge(12, 1.5_mm);
  s.hand_speed = 137_mm_s;
  time_treat(state, Pen(s),
             [](std::uint32_t) { return Session{.area = 300_cm2, .passes = 1, .seed = 1}; });
}
BENCHMARK(BM_FullFacePen)->Unit(benchmark::kMillisecond)->UseRealTime();

// MF8 roller, 16 passes of 15.3 /cm^2 -> ~245 /cm^2.
static void BM_FullFaceRoller(benchmark::State& state) {
  time_treat(state, Roller::preset(192, 1.5_mm),
             [](std::uint32_t) { return Session{.area = 300_cm2, .passes = 16, .seed = 1}; });
}
BENCHMARK(BM_FullFaceRoller)->Unit(benchmark::kMillisecond)->UseRealTime();

// One session of the reference column course (bench_course): 12-needle pen at 1.0 mm and 20 mm/s
// over 4 cm^2, ~7000 punctures, on one thread as that benchmark's course (threads = 1) runs it,
// cycling through its 4 sessions.
static void BM_ReferenceCourseSession(benchmark::State& state) {
  Pen::Spec s = Pen::cartridge(12, 1.0_mm);
  s.hand_speed = 20_mm_s;
  time_treat(state, Pen(s), [](std::uint32_t i) {
    return Session{.area = 4_cm2, .index = i % 4, .threads = 1};
  });
}
BENCHMARK(BM_ReferenceCourseSession)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Statistics alone on the pen map (nearest neighbours, overlaps, cells).
static void BM_Statistics(benchmark::State& state) {
  Pen::Spec s = Pen::cartridge(12);
  s.hand_speed = 137_mm_s;
  const Session session{.area = 300_cm2, .seed = 1};
  const auto map = Pen(s).treat(cheek(), session);
  for (auto _ : state) {
    auto st = compute_statistics(map.punctures, session, map.statistics.strokes, 0.0);
    benchmark::DoNotOptimize(st);
  }
  report(state, map.punctures.size(), map.statistics.density);
}
BENCHMARK(BM_Statistics)->Unit(benchmark::kMillisecond)->UseRealTime();
