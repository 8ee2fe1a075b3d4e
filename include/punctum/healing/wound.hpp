#pragma once
// Wound sources: a needle channel written into the healing field at the current time. The channel
// is a cylinder of `radius` down to `depth`, optionally ending in a cone of `tip_length`; inside it
// tissue is destroyed (w -> 1) and collagen/elastin are removed, a crush halo around it is partly
// damaged, and blood fills the channel where it crosses the papillary loops and the plexuses
// (skin.vessels()). Everything is written by volume fraction (sub-voxel sampling), so a channel
// narrower than a voxel deposits the right amount, and the 1-D column (nx = ny = 1) receives the
// channel's cross-section divided by the column's lateral area: the puncture density. Laterally
// the fraction is the exact disc-rectangle overlap (integrated chord), so mass is conserved for
// channels far thinner than a voxel; in depth four samples per voxel follow the conical tip.
// Roller channels are torn along the rolling direction: their cross-section is a slot (the
// round channel swept along the tear, a stadium) of the tear length at the surface, narrowing
// linearly to round at the channel's depth; slot slices are sampled 4 x 4 per voxel face.
//
//   apply_wound(state, model, WoundChannel{.x = 0.5e-3, .y = 0.5e-3, .depth = 1e-3, .radius =
//   60e-6});

#include <algorithm>
#include <cmath>
#include <concepts>
#include <map>
#include <numbers>
#include <ranges>
#include <string>
#include <tuple>
#include <vector>

#include "punctum/core/detail/parallel.hpp"
#include "punctum/core/error.hpp"
#include "punctum/healing/model.hpp"
#include "punctum/healing/state.hpp"

namespace punctum::healing {

struct WoundChannel {
  double x = 0.0, y = 0.0;   ///< entry point, grid coordinates, m
  double depth = 1e-3;       ///< channel depth below the surface, m
  double radius = 60e-6;     ///< shaft radius, m
  double tip_length = 0.0;   ///< length of the conical tip within `depth`, m
  double blood_scale = 1.0;  ///< multiplier on bleeding (e.g. a torn channel), 1
  double tear_length = 0.0;  ///< slot length at the surface along (tear_dir_x, tear_dir_y), m
  double tear_dir_x = 1.0, tear_dir_y = 0.0;  ///< unit vector along the tear

  void validate() const {
    require_in_range("wound.depth", depth * 1e3, 1e-3, 10.0, "mm");
    require_in_range("wound.radius", radius * 1e6, 1.0, 2000.0, "um");
    require_in_range("wound.tip_length", tip_length * 1e3, 0.0, depth * 1e3, "mm");
    require_in_range("wound.blood_scale", blood_scale, 0.0, 100.0, "1");
    require_in_range("wound.tear_length", tear_length * 1e3, 0.0, 10.0, "mm");
  }
  /// Slot length at depth z, m (oblique entry: the tear closes toward the channel's end).
  double tear_at(double z) const {
    if (tear_length <= 0.0 || z < 0.0 || z > depth) return 0.0;
    return tear_length * (1.0 - z / depth);
  }
  /// In-plane distance from the slot's spine at depth z, m.
  double distance(double dx, double dy, double z) const {
    const double half = 0.5 * tear_at(z);
    if (half <= 0.0) return std::hypot(dx, dy);
    const double along = std::clamp(dx * tear_dir_x + dy * tear_dir_y, -half, half);
    return std::hypot(dx - along * tear_dir_x, dy - along * tear_dir_y);
  }
  /// Channel radius at depth z, m.
  double radius_at(double z) const {
    if (z < 0.0 || z > depth) return 0.0;
    const double taper_start = depth - tip_length;
    return z <= taper_start ? radius : radius * (depth - z) / tip_length;
  }
};

namespace detail {
/// Area of the disc of radius R about the origin inside the rectangle [x0, x1] x [y0, y1]:
/// the chord overlap integrated across x (64-point midpoint rule on the part of [x0, x1] inside
/// the disc; the integrand is continuous, so the error is O((dx/64)^2) of the voxel face).
inline double disc_rect_area(double R, double x0, double x1, double y0, double y1) {
  const double a = std::max(x0, -R), b = std::min(x1, R);
  if (b <= a || y1 <= -R || y0 >= R) return 0.0;
  constexpr int n = 64;
  const double step = (b - a) / n;
  double area = 0.0;
  for (int q = 0; q < n; ++q) {
    const double x = a + (q + 0.5) * step;
    const double s = std::sqrt(std::max(0.0, R * R - x * x));
    area += std::max(0.0, std::min(s, y1) - std::max(-s, y0));
  }
  return area * step;
}

/// Blood volume fraction a channel `depth` deep releases at depth z (before the patient's
/// multiplier): the capillary loops' below them, and a plexus's within its band only if the
/// channel breaches it (its tip passes the plexus: the criterion of the sessions' vessel counts,
/// InsertionResult::vessels, so every bleeding or bruising site counted is one that bleeds).
inline double bleeding_at(double z, double depth, const SkinModel& skin, const WoundConstants& W) {
  const auto& v = skin.vessels();
  double b = z >= v.capillary_loops ? W.blood_capillary : 0.0;
  for (const double plexus : {v.superficial_plexus, v.deep_plexus})
    if (depth > plexus && std::abs(z - plexus) <= W.plexus_band) b += W.blood_plexus;
  return b;
}
}  // namespace detail

/// Writes the channel `ch` into the field; `repeats` identical channels at once where position
/// does not matter (the column; on a 3D grid repeats must be 1). The planes are written on
/// `threads` threads (0: the OpenMP default), each voxel by one, so the result does not depend on
/// the count.
template <class T>
void apply_wound(HealingState<T>& st, const HealingModel& model, const WoundChannel& ch,
                 std::size_t repeats = 1, int threads = 1) {
  ch.validate();
  if (repeats != 1 && !model.is_column())
    throw InvalidParameter("repeats", std::to_string(repeats),
                           "1 on a 3D grid (channels there differ by position)", "channels");
  const auto& G = model.grid();
  const auto& W = model.wound();
  const double blood = model.rates().blood * ch.blood_scale;
  const double halo = 1.0 + W.halo_width_factor;
  const auto ext = G.extent();
  auto& u = st.field;
  constexpr int ns = 4;  // depth samples per voxel (the conical tip tapers within a voxel)
  const bool column = model.is_column();
  const double area = G.spacing[0] * G.spacing[1];
  const double reach = ch.radius * halo + 0.5 * ch.tear_length;
  const double half = 0.5 * std::hypot(G.spacing[0], G.spacing[1]);  // a voxel's half diagonal
  // The lateral window of voxel centres that can meet the channel: within reach + half of its
  // axis along each axis, each index once (the model's patch is periodic laterally, so Grid3::wrap
  // wraps, as the minimum image below; the whole axis when the window covers it, which includes
  // the column's one voxel).
  struct Window {
    std::ptrdiff_t first;
    std::size_t count;
  };
  auto window = [&](int a, double centre) {
    const std::size_t n = G.shape[a];
    const double lo = (centre - reach - half - G.origin[a]) / G.spacing[a] - 0.5;
    const double hi = (centre + reach + half - G.origin[a]) / G.spacing[a] - 0.5;
    const auto first = std::ptrdiff_t(std::floor(lo)), last = std::ptrdiff_t(std::ceil(hi));
    const auto count = std::size_t(last - first + 1);
    return count >= n ? Window{0, n} : Window{first, count};
  };
  const Window wx = window(0, ch.x), wy = window(1, ch.y);
  // The planes whose top lies above the channel's bottom.
  std::size_t reached = 0;
  while (reached < G.nz() && G.origin[2] + double(reached) * G.spacing[2] <= ch.depth) ++reached;
  const int team = punctum::detail::resolve_threads(threads);
  punctum::detail::parallel_for(team, std::ptrdiff_t(reached), [&](std::ptrdiff_t kk) {
    const auto k = std::size_t(kk);
    const double z0 = G.origin[2] + double(k) * G.spacing[2];
    for (std::size_t tj = 0; tj < wy.count; ++tj)
      for (std::size_t ti = 0; ti < wx.count; ++ti) {
        const std::size_t j = G.wrap(1, wy.first + std::ptrdiff_t(tj));
        const std::size_t i = G.wrap(0, wx.first + std::ptrdiff_t(ti));
        double phi_c = 0.0, phi_h = 0.0, phi_b = 0.0;
        if (column) {
          for (int sz = 0; sz < ns; ++sz) {
            const double z = z0 + (sz + 0.5) / ns * G.spacing[2];
            // Stadium cross-section: pi R^2 + 2 R L.
            const double R = ch.radius_at(z), L = ch.tear_at(z), Rh = R * halo;
            const double in = std::min(1.0, (std::numbers::pi * R * R + 2.0 * R * L) / area);
            const double out =
                std::min(1.0, (std::numbers::pi * Rh * Rh + 2.0 * Rh * L) / area) - in;
            phi_c += in / ns;
            phi_h += out / ns;
            phi_b += in * detail::bleeding_at(z, ch.depth, model.skin(), W) / ns;
          }
        } else {
          // Minimum-image lateral offsets of the voxel corner from the channel axis (periodic).
          auto image = [&](double d, int a) { return d - ext[a] * std::round(d / ext[a]); };
          const double cx = image(G.centre(0, i) - ch.x, 0);
          const double cy = image(G.centre(1, j) - ch.y, 1);
          if (std::hypot(cx, cy) > reach + half) continue;
          const double x0 = cx - 0.5 * G.spacing[0], x1 = cx + 0.5 * G.spacing[0];
          const double y0 = cy - 0.5 * G.spacing[1], y1 = cy + 0.5 * G.spacing[1];
          for (int sz = 0; sz < ns; ++sz) {
            const double z = z0 + (sz + 0.5) / ns * G.spacing[2];
            const double R = ch.radius_at(z);
            if (R <= 0.0) continue;
            double in = 0.0, out = 0.0;
            if (ch.tear_at(z) > 0.0) {
              constexpr int nl = 4;  // lateral samples per axis on a slot slice
              for (int sy = 0; sy < nl; ++sy)
                for (int sx = 0; sx < nl; ++sx) {
                  const double r = ch.distance(x0 + (sx + 0.5) / nl * G.spacing[0],
                                               y0 + (sy + 0.5) / nl * G.spacing[1], z);
                  in += r <= R ? 1.0 / (nl * nl) : 0.0;
                  out += (r > R && r <= R * halo) ? 1.0 / (nl * nl) : 0.0;
                }
            } else {
              in = detail::disc_rect_area(R, x0, x1, y0, y1) / area;
              out = detail::disc_rect_area(R * halo, x0, x1, y0, y1) / area - in;
            }
            phi_c += in / ns;
            phi_h += out / ns;
            phi_b += in * detail::bleeding_at(z, ch.depth, model.skin(), W) / ns;
          }
        }
        if (phi_c + phi_h <= 0.0) continue;
        // The overlap integral can exceed the voxel by round-off.
        phi_c = std::min(phi_c, 1.0);
        phi_h = std::min(phi_h, 1.0 - phi_c);
        auto at = [&](Species s) -> T& { return u(idx(s), i, j, k); };
        // n channels in sequence: each destroys the fraction `hit` of what is left intact and
        // keeps `keep` of the matrix, so together 1 - (1 - hit)^n and keep^n; blood adds up.
        const double n = double(repeats);
        double hit = std::min(1.0, phi_c + W.halo_damage * phi_h);
        double keep = std::max(0.0, 1.0 - W.collagen_removed * phi_c);
        if (repeats != 1) {
          hit = 1.0 - std::pow(1.0 - hit, n);
          keep = std::pow(keep, n);
        }
        at(Species::w) = T(double(at(Species::w)) + (1.0 - double(at(Species::w))) * hit);
        for (Species s : {Species::rho3, Species::rho1, Species::e})
          at(s) = T(double(at(s)) * keep);
        at(Species::h) = T(std::min(1.0, double(at(Species::h)) + n * blood * phi_b));
      }
  });
  st.event_pending = true;
}

/// Writes every channel of `channels` (one session's punctures: any range of WoundChannel, such as
/// a view that makes them as it is read). On the column, whose channels differ only in depth and
/// cross-section, identical channels are written together (a pen session of 10^5 punctures is a
/// handful of distinct channels); on a 3D grid one at a time, each on `threads` threads.
template <class T, std::ranges::input_range Channels>
requires std::same_as<std::ranges::range_value_t<Channels>, WoundChannel>
void apply_wounds(HealingState<T>& st, const HealingModel& model, Channels&& channels,
                  int threads = 1) {
  if (!model.is_column()) {
    for (const auto& ch : channels) apply_wound(st, model, ch, 1, threads);
    return;
  }
  // Distinct geometries in order of first appearance, with their counts. Channels come in runs of
  // one geometry (a pen session's are all alike), so the previous one is tried before the index.
  using Key = std::tuple<double, double, double, double, double>;
  std::map<Key, std::size_t> index;
  std::vector<std::pair<WoundChannel, std::size_t>> distinct;
  Key last_key;
  std::size_t last = 0;
  for (const auto& c : channels) {
    const Key key{c.depth, c.radius, c.tip_length, c.tear_length, c.blood_scale};
    if (distinct.empty() || key != last_key) {
      const auto [it, fresh] = index.try_emplace(key, distinct.size());
      if (fresh) distinct.emplace_back(c, 0);
      last_key = key;
      last = it->second;
    }
    ++distinct[last].second;
  }
  for (const auto& [c, n] : distinct) apply_wound(st, model, c, n);
}

/// Places a topical agent film of `concentration` (kg/m^3) on the surface (0 removes it).
template <class T>
void apply_topical(HealingState<T>& st, double concentration) {
  require_in_range("topical concentration", concentration, 0.0, 2000.0, "kg/m^3");
  st.topical_surface = concentration;
  st.event_pending = true;
}

}  // namespace punctum::healing
