// Healing-field kernels: rates in Mvs/s (million voxel-species updates per second) and the
// fraction of the memory-bandwidth bound, measured in this binary by a STREAM-like triad.
//
//   build/cpp/benchmarks/bench_healing --benchmark_format=json --benchmark_min_time=0.5
//
// Counters:
//   Mvs_per_s            voxel-species updated per second / 1e6
//   stream_GB_s          triad bandwidth of this machine (same thread count), GB/s
//   bound_Mvs_per_s_3pass  the bandwidth bound of a plain LOD step (3 sweeps, each reading and
//                        writing every value once: 48 bytes per voxel-species in double)
//   fraction_of_bound_3pass  Mvs_per_s / bound_Mvs_per_s_3pass
//   bytes_per_voxel      state + integrator workspace / voxels (full step)
//   memory_over_field    (state + workspace) / state: FullHealingStep's for the fixed step (and
//                        _adaptive for Richardson's pair), LeanAdaptiveStep's for adaptive
//                        lod_euler and lod_lean
//   share_of_diffusion_rate  FullStepShare: median over back-to-back pairs of t_diffusion / t_full,
//                        the full step's rate of its 4 diffusing species over the diffusion
//                        step's (goal >= 0.5); share_all_species counts all 10 species
//   instruction_share    FullStepShare on 1 thread, where the kernel lets the process count its
//                        own instructions (Linux perf events): instructions of a diffusion step
//                        over a full step's, over steps 2-4 after the wounds, the share's
//                        noise-free counterpart (the same instructions each run, whatever the
//                        machine's load); with Minstructions_diffusion and Minstructions_full per
//                        step, millions
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "punctum/healing.hpp"

using namespace punctum;
using namespace punctum::healing;

namespace {

/// Triad a = b + s c over arrays far larger than the caches; best of 5, bytes counted as STREAM
/// does (3 arrays x 8 bytes per element; write-allocate traffic not counted).
double stream_triad_GB_s(int threads) {
  const std::size_t n = std::size_t(1) << 25;  // 32 Mi doubles = 256 MB per array
  static std::vector<double> a, b, c;
  if (a.size() != n) {
    a.assign(n, 1.0);
    b.assign(n, 2.0);
    c.assign(n, 0.5);
  }
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(n); ++i) a[i] = b[i] + 0.3 * c[i];
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, dt);
  }
  benchmark::DoNotOptimize(a.data());
  return 3.0 * 8.0 * double(n) / best / 1e9;
}

double stream_cached(int threads) {
  static double bw[3] = {0, 0, 0};
  if (bw[threads] == 0) bw[threads] = stream_triad_GB_s(threads);
  return bw[threads];
}

/// Instructions retired in user space by the calling thread, from a Linux hardware counter
/// (perf_event_open). Google Benchmark's own --benchmark_perf_counters needs a build with libpfm,
/// which Debian's libbenchmark 1.7 is not: it accepts the flag and reports nothing. Empty where
/// the kernel or the virtual machine offers no such counter (perf_event_paranoid > 2, no PMU).
class InstructionCounter {
 public:
  InstructionCounter() {
#if defined(__linux__)
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = PERF_COUNT_HW_INSTRUCTIONS;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    fd_ = int(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
#endif
  }
  ~InstructionCounter() {
#if defined(__linux__)
    if (fd_ >= 0) close(fd_);
#endif
  }
  InstructionCounter(const InstructionCounter&) = delete;
  InstructionCounter& operator=(const InstructionCounter&) = delete;

  /// Instructions so far, or nothing without a counter.
  std::optional<std::uint64_t> read() const {
#if defined(__linux__)
    std::uint64_t value = 0;
    if (fd_ >= 0 && ::read(fd_, &value, sizeof value) == ssize_t(sizeof value)) return value;
#endif
    return std::nullopt;
  }

 private:
  int fd_ = -1;
};

SkinModel skin() {
  return SkinModel::preset("cheek", Sex::female, 45.0);
}

void BM_StreamTriad(benchmark::State& state) {
  const int threads = int(state.range(0));
  double bw = 0;
  for (auto _ : state) bw = stream_triad_GB_s(threads);
  state.counters["stream_GB_s"] = bw;
}

void BM_ImplicitDiffusion(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  const int threads = int(state.range(1));
  Grid3 grid({n, n, n}, {10e-6, 10e-6, 10e-6});
  HealingModel model(skin(), Patient{}, grid);
  auto st = make_state<double>(model);
  healing::detail::LodDiffusion<double> lod(model, threads);
  lod.prepare(3600.0);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    lod.apply(st.field, 0.0);
    benchmark::ClobberMemory();
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double vs = double(grid.size()) * diffusing_count;
  const double bw = stream_cached(threads);
  state.counters["fraction_of_bound_3pass"] =
      vs * double(state.iterations()) / std::max(elapsed, 1e-12) / (bw * 1e9 / 48.0);
  state.counters["Mvs_per_s"] =
      benchmark::Counter(vs * 1e-6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["stream_GB_s"] = bw;
  state.counters["bound_Mvs_per_s_3pass"] = bw * 1e9 / 48.0 / 1e6;
  state.counters["bound_Mvs_per_s_2pass"] = bw * 1e9 / 32.0 / 1e6;
  state.counters["species"] = double(diffusing_count);
}

/// The full step's field: four 60 um channels through 60 % of the cube's depth, optionally a
/// serum film on the surface.
HealingState<double> wounded_state(const HealingModel& model, bool serum) {
  auto st = make_state<double>(model);
  const double side = double(model.grid().nx()) * model.grid().spacing[0];
  for (int p = 0; p < 4; ++p)
    apply_wound(
        st, model,
        WoundChannel{
            .x = (0.2 + 0.2 * p) * side, .y = 0.5 * side, .depth = 0.6 * side, .radius = 60e-6});
  if (serum) apply_topical(st, 100.0);
  return st;
}

/// The diffusing species a step solves: without a serum the topical agent's solve is skipped.
double solved_species(bool serum) { return double(serum ? diffusing_count : diffusing_count - 1); }

/// One Lie step of every species after four wounds. Args: edge, threads, serum (1: a topical
/// film on the surface, so all four diffusing species are solved, the work the rates count;
/// 0: no agent anywhere, whose solve the integrator skips, as in most courses).
void BM_FullHealingStep(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  const int threads = int(state.range(1));
  const bool serum = state.range(2) != 0;
  Grid3 grid({n, n, n}, {10e-6, 10e-6, 10e-6});
  HealingModel model(skin(), Patient{}, grid);
  auto st = wounded_state(model, serum);
  IntegratorOptions opt{.scheme = Scheme::lod_euler, .adaptive = false, .threads = threads};
  Integrator<double> integ(model, opt);
  for (auto _ : state) {
    integ.step(st, 600.0);
    benchmark::ClobberMemory();
  }
  const double field_bytes = double(st.field.bytes());
  state.counters["chemotaxis_substeps_per_step"] =
      double(integ.stats().chemotaxis_substeps) /
      double(std::max<std::size_t>(1, integ.stats().accepted));
  state.counters["Mvs_per_s_all_species"] = benchmark::Counter(
      double(grid.size()) * species_count * 1e-6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["Mvs_per_s_diffusing"] =
      benchmark::Counter(double(grid.size()) * solved_species(serum) * 1e-6,
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes_per_voxel"] =
      (field_bytes + double(integ.workspace_bytes())) / double(grid.size());
  state.counters["field_bytes_per_voxel"] = field_bytes / double(grid.size());
  state.counters["memory_over_field"] =
      (field_bytes + double(integ.workspace_bytes())) / field_bytes;
  IntegratorOptions adaptive{.threads = threads};
  state.counters["memory_over_field_adaptive"] =
      (field_bytes + double(Integrator<double>::workspace_bytes(grid, adaptive, threads))) /
      field_bytes;
}

/// The full step's share of the diffusion rate as one paired measurement: each iteration times a
/// 4-species diffusion step (BM_ImplicitDiffusion's) and a full step with a serum
/// (BM_FullHealingStep's, all four diffusing species solved) back to back, so that both see the
/// same machine, and the share is the median of the pairs' time ratios (t_diffusion / t_full).
/// Two benchmarks minutes apart each carry the machine's drift into their quotient; a pair of
/// steps milliseconds apart carries little of it. Args: edge, threads.
void BM_FullStepShare(benchmark::State& state) {
  using clock = std::chrono::steady_clock;
  const auto n = std::size_t(state.range(0));
  const int threads = int(state.range(1));
  Grid3 grid({n, n, n}, {10e-6, 10e-6, 10e-6});
  HealingModel model(skin(), Patient{}, grid);
  auto resting = make_state<double>(model);
  healing::detail::LodDiffusion<double> lod(model, threads);
  lod.prepare(3600.0);
  auto st = wounded_state(model, /*serum=*/true);
  Integrator<double> integ(model,
                           {.scheme = Scheme::lod_euler, .adaptive = false, .threads = threads});
  std::vector<double> t_diffusion, t_full;
  for (auto _ : state) {
    const auto t0 = clock::now();
    lod.apply(resting.field, 0.0);
    benchmark::ClobberMemory();
    const auto t1 = clock::now();
    integ.step(st, 600.0);
    benchmark::ClobberMemory();
    const auto t2 = clock::now();
    t_diffusion.push_back(std::chrono::duration<double>(t1 - t0).count());
    t_full.push_back(std::chrono::duration<double>(t2 - t1).count());
    state.SetIterationTime(t_diffusion.back() + t_full.back());
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  std::vector<double> ratios(t_full.size());
  for (std::size_t i = 0; i < ratios.size(); ++i) ratios[i] = t_diffusion[i] / t_full[i];
  const double share = median(ratios);
  state.counters["share_of_diffusion_rate"] = share;  // the goal: >= 0.5
  state.counters["share_all_species"] = share * double(species_count) / double(diffusing_count);
  state.counters["ms_diffusion_median"] = 1e3 * median(t_diffusion);
  state.counters["ms_full_median"] = 1e3 * median(t_full);
  state.counters["pairs"] = double(ratios.size());
  // The work the full steps did: a build that changes it (one that stops the growth factor from
  // forming a gradient takes no chemotaxis substeps at all) is not comparing like with like.
  state.counters["chemotaxis_substeps_per_step"] =
      double(integ.stats().chemotaxis_substeps) /
      double(std::max<std::size_t>(1, integ.stats().accepted));
  // Chemotaxis redone because its substeps were guessed before the outflow rate was known.
  state.counters["chemotaxis_redone_per_step"] =
      double(integ.stats().chemotaxis_redone) /
      double(std::max<std::size_t>(1, integ.stats().accepted));
  // Instructions of a fixed sequence, whatever the timed loop's length (a full step's work
  // grows as the growth factor's gradient forms): steps 2 to 4 after the wounds, the first
  // having no chemotaxis yet, on the timed state wounded afresh. On one thread the counter sees
  // all the work; on more it would count the calling thread's share only, so it is not read there.
  const InstructionCounter counter;
  if (threads == 1 && counter.read()) {
    constexpr int counted = 3;
    st = wounded_state(model, /*serum=*/true);
    integ.step(st, 600.0);
    std::uint64_t i_diffusion = 0, i_full = 0;
    for (int m = 0; m < counted; ++m) {
      const auto i0 = *counter.read();
      lod.apply(resting.field, 0.0);
      const auto i1 = *counter.read();
      integ.step(st, 600.0);
      const auto i2 = *counter.read();
      i_diffusion += i1 - i0;
      i_full += i2 - i1;
    }
    state.counters["Minstructions_diffusion"] = double(i_diffusion) / counted * 1e-6;
    state.counters["Minstructions_full"] = double(i_full) / counted * 1e-6;
    state.counters["instruction_share"] = double(i_diffusion) / double(i_full);
  }
}

/// The adaptive integrator's unit of work: one Richardson attempt (a full step of 600 s and two
/// half steps, all out of place, then the error norm and the extrapolation), always accepted
/// (loose rtol, dt fixed by dt_initial = dt_max). Reported per split step, so its rate compares
/// with the fixed step's above: the work a course does per split step. Args as the full step's.
void BM_AdaptiveAttempt(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  const int threads = int(state.range(1));
  const bool serum = state.range(2) != 0;
  Grid3 grid({n, n, n}, {10e-6, 10e-6, 10e-6});
  HealingModel model(skin(), Patient{}, grid);
  auto st = wounded_state(model, serum);
  IntegratorOptions opt{.rtol = 1e3, .dt_initial = 600.0, .dt_max = 600.0, .threads = threads};
  Integrator<double> integ(model, opt);
  for (auto _ : state) {
    integ.advance_step(st, st.time + 600.0);
    benchmark::ClobberMemory();
  }
  if (integ.stats().rejected != 0) state.SkipWithError("an attempt was rejected");
  state.counters["Mvs_per_s_diffusing_per_split_step"] =
      benchmark::Counter(3.0 * double(grid.size()) * solved_species(serum) * 1e-6,
                         benchmark::Counter::kIsIterationInvariantRate);
}

/// The lean adaptive integrator's unit of work (adaptive lod_euler): the kinetics' step-doubling
/// estimate, one split step of 600 s in place, then the coupling's error; always accepted (loose
/// rtol, dt fixed by dt_initial = dt_max). One split step per iteration, so its rate compares
/// with the fixed step's (BM_FullHealingStep, same args): the ratio is what the two error passes
/// cost. Args as the full step's, and lean: 1 for adaptive lod_lean (the same passes, its
/// kinetics extrapolated and the coupling corrected: what its second order costs).
void BM_LeanAdaptiveStep(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  const int threads = int(state.range(1));
  const bool serum = state.range(2) != 0;
  Grid3 grid({n, n, n}, {10e-6, 10e-6, 10e-6});
  HealingModel model(skin(), Patient{}, grid);
  auto st = wounded_state(model, serum);
  IntegratorOptions opt{.scheme = state.range(3) != 0 ? Scheme::lod_lean : Scheme::lod_euler,
                        .rtol = 1e3,
                        .dt_initial = 600.0,
                        .dt_max = 600.0,
                        .threads = threads};
  Integrator<double> integ(model, opt);
  for (auto _ : state) {
    integ.advance_step(st, st.time + 600.0);
    benchmark::ClobberMemory();
  }
  if (integ.stats().rejected != 0) state.SkipWithError("a step was refused");
  state.counters["Mvs_per_s_diffusing"] =
      benchmark::Counter(double(grid.size()) * solved_species(serum) * 1e-6,
                         benchmark::Counter::kIsIterationInvariantRate);
  const double field_bytes = double(st.field.bytes());
  state.counters["memory_over_field"] =
      (field_bytes + double(integ.workspace_bytes())) / field_bytes;
}

}  // namespace

BENCHMARK(BM_StreamTriad)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(BM_ImplicitDiffusion)
    ->Args({100, 1})
    ->Args({100, 2})
    ->Args({200, 1})
    ->Args({200, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_FullHealingStep)
    ->ArgNames({"n", "threads", "serum"})
    ->Args({100, 1, 1})
    ->Args({100, 2, 1})
    ->Args({100, 1, 0})
    ->Args({100, 2, 0})
    ->Args({200, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_FullStepShare)
    ->ArgNames({"n", "threads"})
    ->Args({100, 1})
    ->Args({100, 2})
    ->Args({200, 1})
    ->Args({200, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(BM_AdaptiveAttempt)
    ->ArgNames({"n", "threads", "serum"})
    ->Args({100, 1, 1})
    ->Args({100, 2, 1})
    ->Args({100, 1, 0})
    ->Args({100, 2, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_LeanAdaptiveStep)
    ->ArgNames({"n", "threads", "serum", "lean"})
    ->Args({100, 1, 1, 0})
    ->Args({100, 2, 1, 0})
    ->Args({100, 1, 1, 1})
    ->Args({100, 2, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
