#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>
#ifdef PUNCTUM_USE_OPENMP
#include <omp.h>
#endif

#include <punctum/core/rng.hpp>

using namespace punctum;

namespace {
std::vector<double> draw(RandomStream s, int n) {
  std::vector<double> v(n);
  for (auto& x : v) x = s.uniform();
  return v;
}
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = double(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}
}  // namespace

TEST(Rng, SameAddressSameNumbers) {
  const Rng rng(42);
  EXPECT_EQ(draw(rng.stream(Purpose::needle_scatter, 1, 2, 3), 100),
            draw(rng.stream(Purpose::needle_scatter, 1, 2, 3), 100));
}

TEST(Rng, StreamsAreIndependent) {
  // 20 000 draws: |r| of independent streams has sd 1/sqrt(n) = 0.007; 5 sd = 0.035.
  const Rng rng(7);
  const int n = 20000;
  const auto base = draw(rng.stream(Purpose::needle_scatter, 0, 0, 0), n);
  for (auto other : {rng.stream(Purpose::needle_scatter, 0, 0, 1), rng.stream(Purpose::needle_scatter, 1, 0, 0),
                     rng.stream(Purpose::stroke_jitter, 0, 0, 0), rng.stream("custom", 0, 0, 0),
                     Rng(8).stream(Purpose::needle_scatter, 0, 0, 0)}) {
    const auto v = draw(other, n);
    EXPECT_LT(std::abs(correlation(base, v)), 0.035);
    EXPECT_NE(base[0], v[0]);
  }
}

TEST(Rng, UniformMomentsAndOpenInterval) {
  auto s = Rng(1).stream(Purpose::generic);
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  // mean 1/2 (sd 0.289/sqrt(n) = 6.5e-4), variance 1/12.
  EXPECT_NEAR(sum / n, 0.5, 5 * 6.5e-4);
  EXPECT_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12.0, 2e-3);
}

TEST(Rng, NormalMoments) {
  auto s = Rng(3).stream(Purpose::generic);
  const int n = 200000;
  double sum = 0, sum2 = 0, sum4 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = s.normal();
    sum += z;
    sum2 += z * z;
    sum4 += z * z * z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(sum2 / n, 1.0, 0.02);
  EXPECT_NEAR(sum4 / n, 3.0, 0.1);  // kurtosis of a Gaussian
}

TEST(Rng, ResultsDoNotDependOnThreadCount) {
  // Each needle owns its stream, so a parallel loop gives the serial answer for any team size.
  const Rng rng(2026);
  const int needles = 4096;
  auto run = [&](int threads) {
    std::vector<double> out(needles);
#ifdef PUNCTUM_USE_OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic, 7)
#endif
    for (int i = 0; i < needles; ++i) {
      auto s = rng.stream(Purpose::needle_scatter, 0, 0, std::uint64_t(i));
      out[i] = s.normal() + s.uniform();
    }
    (void)threads;
    return out;
  };
  const auto one = run(1);
  EXPECT_EQ(one, run(2));
  EXPECT_EQ(one, run(3));
}
