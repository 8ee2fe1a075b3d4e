#pragma once
// Observables of a healing state: per-species volume integrals (total and change from the
// unwounded baseline), maxima, and laterally averaged depth profiles. Sums run plane by plane in a
// fixed order, so they do not depend on the thread count.

#include <algorithm>
#include <array>
#include <vector>

#include "punctum/healing/model.hpp"
#include "punctum/healing/state.hpp"

namespace punctum::healing {

struct Observables {
  double time = 0.0;                            ///< s
  std::array<double, species_count> total{};    ///< integral over the grid, unit_of(s) * m^3
  std::array<double, species_count> excess{};   ///< integral of (u - baseline), unit_of(s) * m^3
  std::array<double, species_count> maximum{};  ///< largest voxel value, unit_of(s)
};

/// Sum and largest value of species s over plane k of u, in the fixed order every observable of
/// punctum sums in: lines, then voxels along x into `lanes` running sums (voxel i into sum
/// i mod lanes: independent chains that vectorise, where one running sum waits on every add),
/// added pairwise at the end.
struct PlaneStats {
  double sum = 0.0, max = -1e300;
};
namespace detail {
/// plane_stats on ny lines of nx values `pitch` apart; compiled in src/healing/observables.cpp
/// (one clone per SIMD width: the same lane order in every clone, so the same sums).
PlaneStats plane_stats_lines(const double* first, std::size_t nx, std::size_t ny,
                             std::size_t pitch);
PlaneStats plane_stats_lines(const float* first, std::size_t nx, std::size_t ny, std::size_t pitch);

template <class T>
PlaneStats plane_stats_lines_body(const T* first, std::size_t nx, std::size_t ny,
                                  std::size_t pitch) {
  constexpr std::size_t lanes = 8;
  std::array<double, lanes> sum{}, max{};
  max.fill(-1e300);
  for (std::size_t j = 0; j < ny; ++j) {
    const T* line = first + pitch * j;
    std::size_t i = 0;
    for (; i + lanes <= nx; i += lanes)
      for (std::size_t l = 0; l < lanes; ++l) {
        const double v = double(line[i + l]);
        sum[l] += v;
        max[l] = std::max(max[l], v);
      }
    for (std::size_t l = 0; i < nx; ++i, ++l) {
      const double v = double(line[i]);
      sum[l] += v;
      max[l] = std::max(max[l], v);
    }
  }
  for (std::size_t width = lanes / 2; width > 0; width /= 2)
    for (std::size_t l = 0; l < width; ++l) {
      sum[l] += sum[l + width];
      max[l] = std::max(max[l], max[l + width]);
    }
  return {sum[0], max[0]};
}
}  // namespace detail

template <class T>
PlaneStats plane_stats(const Field<T>& u, Species s, std::size_t k) {
  const auto& G = u.grid();
  if (G.is_column()) {  // a depth column's plane, inline: the lanes' sum and max of one value
    const double v = double(u.line(idx(s), 0, k)[0]);
    return {0.0 + v, std::max(-1e300, v)};
  }
  return detail::plane_stats_lines(u.line(idx(s), 0, k).data(), G.nx(), G.ny(), u.pitch());
}

template <class T>
Observables observe(const HealingState<T>& st, const HealingModel& model) {
  const auto& G = model.grid();
  const double V = G.voxel_volume();
  Observables o;
  o.time = st.time;
  for (Species s : all_species) {
    const auto q = idx(s);
    double tot = 0.0, exc = 0.0, mx = -1e300;
    for (std::size_t k = 0; k < G.nz(); ++k) {
      const double b = model.baseline(s, k);
      const auto [plane, plane_max] = plane_stats(st.field, s, k);
      mx = std::max(mx, plane_max);
      tot += plane * V;
      exc += (plane - b * double(G.nx() * G.ny())) * V;
    }
    o.total[q] = tot;
    o.excess[q] = exc;
    o.maximum[q] = mx;
  }
  return o;
}

/// Lateral mean of species s in every plane (surface first), unit_of(s).
template <class T>
std::vector<double> depth_profile(const HealingState<T>& st, Species s) {
  const auto& G = st.field.grid();
  std::vector<double> out(G.nz(), 0.0);
  for (std::size_t k = 0; k < G.nz(); ++k)
    out[k] = plane_stats(st.field, s, k).sum / double(G.nx() * G.ny());
  return out;
}

}  // namespace punctum::healing
