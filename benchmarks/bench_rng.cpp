// Counter-based RNG throughput: every needle of every stroke draws from its own stream, so the cost
// that matters is "open a stream and draw a few numbers", reported as needle-streams per second.
#include <benchmark/benchmark.h>

#include <punctum/core/rng.hpp>

static void BM_StreamOpenAndDraw4(benchmark::State& state) {
  const punctum::Rng rng(2026);
  std::uint64_t needle = 0;
  for (auto _ : state) {
    auto s = rng.stream(punctum::Purpose::needle_scatter, 1, needle / 64, needle % 64);
    double acc = s.uniform() + s.uniform() + s.normal();
    benchmark::DoNotOptimize(acc);
    ++needle;
  }
  state.counters["streams_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StreamOpenAndDraw4);

static void BM_UniformDraws(benchmark::State& state) {
  auto s = punctum::Rng(1).stream(punctum::Purpose::generic);
  for (auto _ : state) benchmark::DoNotOptimize(s.uniform());
  state.counters["draws_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_UniformDraws);
