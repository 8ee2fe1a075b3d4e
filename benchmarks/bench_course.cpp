// End-to-end: the reference course (cheek, 45-year-old woman, pen at 1.0 mm, 4 sessions 28 days
// apart, 182 days) on a 2 x 2 mm patch at 20 um voxels (goal <= 5 s on 2 cores) and in the
// column fidelity (goal <= 5 ms), all with the default scheme (lean) and the fidelity's default
// tolerance (5e-4 in 3D, 2e-3 in the column); the 20 um patch also with a float32 field
// (CourseOptions::precision) and at rtol 1e-3. Counters: simulated days per wall second,
// integrator steps, voxel-species updates per second, the tolerance.
#include <benchmark/benchmark.h>

#include <memory>

#include <punctum/course.hpp>
#include <punctum/core/units.hpp>
#include <punctum/healing/model.hpp>

using namespace punctum;

namespace {
Protocol reference_protocol() {
  Pen::Spec spec = Pen::cartridge(12, 1.0_mm);
  spec.frequency = 100.0;
  spec.hand_speed = 20_mm_s;
  return Protocol::regular(std::make_shared<Pen>(spec), 4, 28_days, 182_days);
}

void run(benchmark::State& state, Fidelity fidelity, double voxel, double width,
         Precision precision = Precision::float64, double rtol = CourseOptions{}.rtol) {
  const auto skin = SkinModel::preset("cheek", Sex::female, 45.0);
  Patient patient;
  const auto protocol = reference_protocol();
  CourseOptions options;
  options.fidelity = fidelity;
  options.voxel = voxel;
  options.patch_width = width;
  options.threads = int(state.range(0));
  options.precision = precision;
  options.rtol = rtol;
  const Grid3 grid = course_grid(skin, options, column_width(protocol));
  std::size_t steps = 0, rejected = 0;
  for (auto _ : state) {
    const auto r = run_course(skin, patient, protocol, options);
    steps = r.integrator_steps + r.integrator_rejected;
    rejected = r.integrator_rejected;
    benchmark::DoNotOptimize(r.times.data());
  }
  const double n = double(state.iterations());
  state.counters["sim_days_per_s"] = benchmark::Counter(in_days(protocol.horizon) * n, benchmark::Counter::kIsRate);
  state.counters["steps"] = double(steps);  // attempted: accepted + rejected
  state.counters["rejected"] = double(rejected);
  state.counters["voxels"] = double(grid.size());
  state.counters["rtol"] = options.resolved_rtol();
  // Split steps per attempt over every species: Richardson's pair does three, the in-place
  // schemes (the default lean, euler) one.
  const double split_steps = options.scheme == TimeScheme::richardson ? 3.0 : 1.0;
  state.counters["Mvs_per_s"] = benchmark::Counter(
      split_steps * double(steps) * double(grid.size()) * double(healing::species_count) * n * 1e-6,
      benchmark::Counter::kIsRate);
}
}  // namespace

static void BM_ReferenceCourse_Column(benchmark::State& s) { run(s, Fidelity::column, 20e-6, 2e-3); }
BENCHMARK(BM_ReferenceCourse_Column)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_ReferenceCourse_Patch2mm_20um(benchmark::State& s) { run(s, Fidelity::patch3d, 20e-6, 2e-3); }
BENCHMARK(BM_ReferenceCourse_Patch2mm_20um)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

static void BM_ReferenceCourse_Patch2mm_20um_Float(benchmark::State& s) {
  run(s, Fidelity::patch3d, 20e-6, 2e-3, Precision::float32);
}
BENCHMARK(BM_ReferenceCourse_Patch2mm_20um_Float)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

static void BM_ReferenceCourse_Patch2mm_20um_Rtol1e3(benchmark::State& s) {
  run(s, Fidelity::patch3d, 20e-6, 2e-3, Precision::float64, 1e-3);
}
BENCHMARK(BM_ReferenceCourse_Patch2mm_20um_Rtol1e3)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

static void BM_ReferenceCourse_Patch2mm_40um(benchmark::State& s) { run(s, Fidelity::patch3d, 40e-6, 2e-3); }
BENCHMARK(BM_ReferenceCourse_Patch2mm_40um)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
