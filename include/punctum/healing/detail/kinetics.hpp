#pragma once
// Per-voxel reaction kinetics and the chemotactic flux. The same equations for every fidelity: the
// 3D patch's loops run over x-lines, the 1-D column's down the depth (react_column,
// column_substep and the column branches of fast_rhs_planes and Chemotaxis::max_rate), both
// through one per-voxel update (react_voxel). Equations: docs/healing.md.
//
// Each species' rate is written as production - destruction * u with production >= 0 and
// destruction >= 0, and advanced by the linearly implicit (Patankar) Euler update
//   u' = u + dt (P - D u) / (1 + dt D),
// which is unconditionally positive, first order, and leaves u unchanged to the last bit where
// P - D u is exactly zero: every baseline term is written so that it is (homeostasis).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "punctum/core/detail/parallel.hpp"
#include "punctum/core/field.hpp"
#include "punctum/healing/model.hpp"

namespace punctum::healing::detail {

template <class V>
inline V patankar(V u, V prod, V dest, V dt) {
  return u + dt * (prod - dest * u) / (V(1) + dt * dest);
}

/// Step constants of the per-voxel update that do not depend on the voxel (fewer divisions).
struct ReactConstants {
  // Everything of the update that is constant over a plane, so the voxel loop is branch-free
  // and vectorises: 1 / (1 + dt rate) of the constant-rate clearances, switched-off terms as
  // zero coefficients.
  double inv_h, inv_p;
  /// 1 / (1 + dt rate) of blood clearance and pigment decay (the same in every plane).
  static double blood_factor(const Rates& R, double dt) {
    return 1.0 / (1.0 + dt * R.blood_clearance);
  }
  static double pigment_factor(const Rates& R, double dt) {
    return 1.0 / (1.0 + dt * R.pigment_decay);
  }
  double repair_const, repair_per_f;  // damage repair rate = repair_const + repair_per_f * f
  double prolif_rate;                 // 0 where fibroblasts cannot proliferate (f_max_inv = 0)
  double inv_base;                    // 1 / (rho1_0 + rho3_0), 0 without baseline collagen
  double synthesis_on, elastin_on;    // 1 where the layer has a matrix ceiling, else 0
  double pigment_rate;                // a_p in the basal epidermis, else 0
  ReactConstants(const PlaneParams& P, const Rates& R, double dt)
      : inv_h(blood_factor(R, dt)),
        inv_p(pigment_factor(R, dt)),
        repair_const(P.repair_by_fibroblasts ? 0.0 : P.repair),
        repair_per_f(P.repair_by_fibroblasts ? P.repair / P.f0 : 0.0),
        prolif_rate(P.f_max_inv > 0.0 ? R.fibroblast_proliferation : 0.0),
        inv_base(P.rho1_0 + P.rho3_0 > 0.0 ? 1.0 / (P.rho1_0 + P.rho3_0) : 0.0),
        synthesis_on(P.rho_max_inv > 0.0 ? 1.0 : 0.0),
        elastin_on(P.e_max_inv > 0.0 ? 1.0 : 0.0),
        pigment_rate(P.basal_epidermis ? R.pigment_per_inflammation : 0.0) {}
};

/// The depth column's per-plane kinetics parameters as arrays (one per member, nz each), so the
/// reaction loop runs down the column in SIMD with one plane per lane. Built once per model.
struct ReactColumn {
  /// One plane's values: what react_voxel reads from PlaneParams and ReactConstants.
  struct Lane {
    double f0, f_max_inv, rho1_0, rho3_0, e0, rho_max_inv, e_max_inv;
    double inv_h, inv_p, repair_const, repair_per_f, prolif_rate, inv_base, synthesis_on,
        elastin_on, pigment_rate;
  };
  std::vector<double> f0, f_max_inv, rho1_0, rho3_0, e0, rho_max_inv, e_max_inv, repair_const,
      repair_per_f, prolif_rate, inv_base, synthesis_on, elastin_on, pigment_rate;

  ReactColumn() = default;
  explicit ReactColumn(const HealingModel& model) {
    for (const auto& P : model.planes()) {
      const ReactConstants K(P, model.rates(), 0.0);
      f0.push_back(P.f0), f_max_inv.push_back(P.f_max_inv), rho1_0.push_back(P.rho1_0);
      rho3_0.push_back(P.rho3_0), e0.push_back(P.e0), rho_max_inv.push_back(P.rho_max_inv);
      e_max_inv.push_back(P.e_max_inv), repair_const.push_back(K.repair_const);
      repair_per_f.push_back(K.repair_per_f), prolif_rate.push_back(K.prolif_rate);
      inv_base.push_back(K.inv_base), synthesis_on.push_back(K.synthesis_on);
      elastin_on.push_back(K.elastin_on), pigment_rate.push_back(K.pigment_rate);
    }
  }
  /// Plane k's lane; inv_h and inv_p depend on dt only (the same in every plane).
  Lane lane(std::size_t k, double inv_h, double inv_p) const {
    return {f0[k],           f_max_inv[k],    rho1_0[k],       rho3_0[k],      e0[k],
            rho_max_inv[k],  e_max_inv[k],    inv_h,           inv_p,          repair_const[k],
            repair_per_f[k], prolif_rate[k],  inv_base[k],     synthesis_on[k], elastin_on[k],
            pigment_rate[k]};
  }
};

/// Advances one voxel's slow species (in place, SI units) by dt; the callers check finiteness.
/// `P` has PlaneParams' baselines and inverse ceilings, `K` ReactConstants' members (the depth
/// column passes one lane of a ReactColumn for both). The arithmetic is the storage type V's:
/// double by default; a float field's reactions run in float (twice the SIMD lanes), every
/// constant rounded to float once (hoisted out of the voxel loop).
template <class V, class Plane, class Constants>
inline void react_voxel(V& w, V& h, const V c, const V g, V& f, V& r3, V& r1, V& e, V& p,
                        const Plane& P, const Rates& R, const V dt, const Constants& K) {
  // Damage: re-epithelialisation (epidermis) or fibroblast repair (dermis), the latter faster
  // where fibroblasts have been recruited (rate proportional to f / f0).
  w = patankar(w, V(0), V(K.repair_const) + V(K.repair_per_f) * f, dt);
  h = h * V(K.inv_h);
  // c, g and s (fast, diffusing, linear in themselves) advance with their diffusion in delta form
  // (fast_rhs + LodDiffusion), which keeps their quasi-steady profiles exact.
  const V phi = g / (V(R.growth_factor_half_saturation) + g);
  // Fibroblasts: growth-factor-driven logistic proliferation, apoptosis back to residents f0.
  const V prolif = V(K.prolif_rate) * phi;
  f = patankar(f, prolif * f + V(R.fibroblast_apoptosis) * V(P.f0),
               prolif * f * V(P.f_max_inv) + V(R.fibroblast_apoptosis), dt);
  // Synthesis-equivalent fibroblasts: growth-factor-stimulated cells plus the recruited excess
  // (activated fibroblasts/myofibroblasts keep depositing matrix after the signal has gone).
  const V active = (V(1) - std::min(w, V(1))) * (f * phi + std::max(V(0), f - V(P.f0)));
  const V cap = V(K.synthesis_on) * std::max(V(0), V(1) - (r1 + r3) * V(P.rho_max_inv));
  const V S = V(R.collagen_synthesis) * active * cap;
  // III -> I replacement only while the III fraction exceeds the layer's baseline fraction,
  // written as a difference of products so that it is exactly zero at baseline.
  const V X = V(R.collagen_III_to_I) *
              std::max(V(0), std::max(r3, V(0)) * V(P.rho1_0) - r1 * V(P.rho3_0)) * V(K.inv_base);
  const V mmp = V(R.mmp_degradation) * c;
  // X vanishes with r3 (X <= k31 r3 rho1_0 / base), so the floor only avoids 0/0 (a floor
  // above the smallest normal number of V).
  const V inv_r3 = V(1) / std::max(r3, V(sizeof(V) == sizeof(double) ? 1e-300 : 1e-37));
  const V X_rate = X * inv_r3;
  r3 = patankar(r3, V(R.collagen_III_fraction_new) * S + V(R.collagen_turnover) * V(P.rho3_0),
                V(R.collagen_turnover) + mmp + X_rate, dt);
  // The I gain is what III lost to conversion in this (linearly implicit) update: mass moves.
  const V converted = dt * X_rate * r3;
  r1 = patankar(r1,
                (V(1) - V(R.collagen_III_fraction_new)) * S + V(R.collagen_turnover) * V(P.rho1_0),
                V(R.collagen_turnover) + mmp, dt) +
       converted;
  const V cap_e = V(K.elastin_on) * std::max(V(0), V(1) - e * V(P.e_max_inv));
  e = patankar(e, V(R.elastin_synthesis) * active * cap_e + V(R.elastin_turnover) * V(P.e0),
               V(R.elastin_turnover) + mmp, dt);
  p = (p + dt * V(K.pigment_rate) * c) * V(K.inv_p);
}

/// Richardson's value from step doubling, 2 halves - full, or the two-half-step value where that
/// would be negative or is not a number (the Patankar updates are positive; their extrapolation
/// need not be).
template <class V>
inline V extrapolated(const V halves, const V full) {
  const V y = V(2) * halves - full;
  return y >= V(0) ? y : halves;
}

/// react_voxel extrapolated from step doubling, 2 R(dt/2)^2 - R(dt) per slow species: second
/// order in dt where react_voxel is first, for three evaluations instead of one (the lean
/// scheme's kinetics). `P`, `K` are the plane and constants of the full step, `Ph`, `Kh` of the
/// half step (the same plane, constants for dt/2).
template <class V, class Plane, class Constants>
inline void react_voxel_extrapolated(V& w, V& h, const V c, const V g, V& f, V& r3, V& r1, V& e,
                                     V& p, const Plane& P, const Constants& K, const Plane& Ph,
                                     const Constants& Kh, const Rates& R, const V dt) {
  V bw = w, bh = h, bf = f, b3 = r3, b1 = r1, be = e, bp = p;
  react_voxel(w, h, c, g, f, r3, r1, e, p, P, R, dt, K);
  react_voxel(bw, bh, c, g, bf, b3, b1, be, bp, Ph, R, V(0.5) * dt, Kh);
  react_voxel(bw, bh, c, g, bf, b3, b1, be, bp, Ph, R, V(0.5) * dt, Kh);
  w = extrapolated(bw, w);
  h = extrapolated(bh, h);
  f = extrapolated(bf, f);
  r3 = extrapolated(b3, r3);
  r1 = extrapolated(b1, r1);
  e = extrapolated(be, e);
  p = extrapolated(bp, p);
}

/// The weight of a fast signal's source at the step's start in its effective source over a step
/// of x = dt lambda, for lod_lean: S_eff = S_new + wt (S_old - S_new), wt = 1/x - 1/(e^x - 1)
/// (1/2 at x -> 0, 0 at x -> inf). With the fitted decay (LodDiffusion::implicit_decay) the
/// signal's lateral mean then relaxes exactly towards a source that varies linearly over the step.
inline double source_weight(double x) {
  if (x < 1e-4) return 0.5 - x / 12.0;
  return 1.0 / x - 1.0 / std::expm1(x);
}

/// One x-line of the delta-form right-hand side: out = dt (L u + decay (a1 s1 + a2 s2 - u)) with
/// the 7-point operator (periodic in x; yp/ym/zp/zm the neighbour lines, a line repeated where a
/// face is no-flux, whose coefficient is then zero), plus the Robin surface flux where `w_top` is
/// given. `lagged` (lod_lean): `out` holds the source at the step's start on entry, and the source
/// is a1 s1 + a2 s2 moved toward it by `wt` (source_weight). Each variant is its own loop: a
/// branch inside it had kept the compiler from vectorising the line (the whole step 2.9x slower).
/// The coefficients of that right-hand side and its value at one voxel (u its value, xp ... zm
/// its neighbours', s1 and s2 its sources, `old` its lagged source), shared by the line and the
/// plane loops.
struct FastRhs {
  double cx, cy, dn, up, decay, a1, a2, wt, dt;
  template <bool Lagged>
  double value(double ui, double xp, double xm, double yp, double ym, double zp, double zm,
               double s1, double s2, double old) const {
    const double L =
        cx * (xp + xm - 2.0 * ui) + cy * (yp + ym - 2.0 * ui) + dn * (zp - ui) - up * (ui - zm);
    double source = a1 * s1 + a2 * s2;
    if constexpr (Lagged) source += wt * (old - source);
    return dt * (L + decay * (source - ui));
  }
};

template <bool Lagged, class T>
inline void fast_rhs_line_loop(const T* a, const T* yp, const T* ym, const T* zp, const T* zm,
                               const T* s1, const T* s2, double wt, T* out, std::size_t nx,
                               double cx, double cy, double dn, double up, double decay, double a1,
                               double a2, double dt) {
  const FastRhs rhs{cx, cy, dn, up, decay, a1, a2, wt, dt};
  auto value = [&](std::size_t i, double xp, double xm) {
    return rhs.value<Lagged>(a[i], xp, xm, yp[i], ym[i], zp[i], zm[i], s1[i], s2[i], out[i]);
  };
  if (nx == 1) {
    out[0] = T(value(0, a[0], a[0]));
  } else {
    out[0] = T(value(0, a[1], a[nx - 1]));
#pragma omp simd
    for (std::size_t i = 1; i < nx - 1; ++i) out[i] = T(value(i, a[i + 1], a[i - 1]));
    out[nx - 1] = T(value(nx - 1, a[0], a[nx - 2]));
  }
}

template <class T>
inline void fast_rhs_line_body(const T* a, const T* yp, const T* ym, const T* zp, const T* zm,
                               const T* s1, const T* s2, bool lagged, double wt, const T* w_top,
                               T* out, std::size_t nx, double cx, double cy, double dn, double up,
                               double decay, double a1, double a2, double dt, double P_intact,
                               double P_open, double film, double inv_dz) {
  if (lagged)
    fast_rhs_line_loop<true>(a, yp, ym, zp, zm, s1, s2, wt, out, nx, cx, cy, dn, up, decay, a1, a2,
                             dt);
  else
    fast_rhs_line_loop<false>(a, yp, ym, zp, zm, s1, s2, wt, out, nx, cx, cy, dn, up, decay, a1, a2,
                              dt);
  if (w_top) {
    for (std::size_t i = 0; i < nx; ++i) {
      out[i] += T(dt * topical_permeability(P_intact, P_open, double(w_top[i])) *
                  (film - double(a[i])) * inv_dz);
    }
  }
}

/// Calls body(o, oyp, oym) for every x-line of a plane: the line's offset from the plane's first
/// line and its y neighbours', y periodic as HealingModel requires (lines `pitch` apart). The
/// plane kernels below run their line bodies through it, one call per plane.
template <class Body>
inline void for_each_line(std::size_t ny, std::size_t pitch, Body&& body) {
  for (std::size_t j = 0; j < ny; ++j)
    body(pitch * j, pitch * (j + 1 == ny ? 0 : j + 1), pitch * (j == 0 ? ny - 1 : j - 1));
}

/// fast_rhs_line_loop's right-hand side on a whole plane (`zp`, `zm`, `s1`, `s2` and `out` point
/// at the plane's first line in their arrays), for nx >= 3 and ny >= 2. Runs of whole lines go
/// through one flat loop each (the first line, blocks of the lines between, the last: within a
/// run the y neighbours are a fixed distance away), the x neighbours at +-1 across line ends and
/// padding, so the loop has no scalar ends per line; each line's two end voxels are then computed
/// again with their periodic x neighbours (lagged: from their old sources, kept aside before the
/// run overwrote them), and the padding the run wrote is set back to zero. Every voxel gets
/// fast_rhs_line_loop's arithmetic.
template <bool Lagged, class T>
inline void fast_rhs_plane_loop(const T* a, const T* zp, const T* zm, const T* s1, const T* s2,
                                double wt, T* out, std::size_t nx, std::size_t ny,
                                std::size_t pitch, double cx, double cy, double dn, double up,
                                double decay, double a1, double a2, double dt) {
  const FastRhs rhs{cx, cy, dn, up, decay, a1, a2, wt, dt};
  auto value = [&](std::size_t i, double xp, double xm, double yp, double ym, double old) {
    return rhs.value<Lagged>(a[i], xp, xm, yp, ym, zp[i], zm[i], s1[i], s2[i], old);
  };
  const auto p = std::ptrdiff_t(pitch);
  // Lines [j0, j1), whose y neighbours are `yp` and `ym` elements away.
  auto lines = [&](std::size_t j0, std::size_t j1, std::ptrdiff_t yp, std::ptrdiff_t ym) {
    constexpr std::size_t most = 64;  // lines per run (their end voxels' old sources kept aside)
    for (std::size_t b0 = j0; b0 < j1; b0 += most) {
      const std::size_t b1 = std::min(j1, b0 + most);
      std::array<double, 2 * most> kept{};
      if constexpr (Lagged)
        for (std::size_t j = b0; j < b1; ++j) {
          kept[2 * (j - b0)] = double(out[pitch * j]);
          kept[2 * (j - b0) + 1] = double(out[pitch * j + nx - 1]);
        }
      // The run reads one element either side of [i0, i1): both inside the plane's lines.
      const std::size_t i0 = pitch * b0 + 1, i1 = pitch * (b1 - 1) + nx - 1;
#pragma omp simd
      for (std::size_t i = i0; i < i1; ++i) {
        const auto n = std::ptrdiff_t(i);
        out[i] = T(value(i, a[i + 1], a[i - 1], a[n + yp], a[n + ym], double(out[i])));
      }
      for (std::size_t j = b0; j < b1; ++j) {
        const std::size_t o = pitch * j, e = o + nx - 1;
        const auto no = std::ptrdiff_t(o), ne = std::ptrdiff_t(e);
        out[o] = T(value(o, a[o + 1], a[e], a[no + yp], a[no + ym], kept[2 * (j - b0)]));
        out[e] = T(value(e, a[o], a[e - 1], a[ne + yp], a[ne + ym], kept[2 * (j - b0) + 1]));
        if (j + 1 < b1) std::fill(out + e + 1, out + o + pitch, T(0));
      }
    }
  };
  const std::ptrdiff_t wrap = p * std::ptrdiff_t(ny - 1);
  lines(0, 1, p, wrap);
  lines(1, ny - 1, p, -p);
  lines(ny - 1, ny, -wrap, -p);
}

/// fast_rhs_line_body on every x-line of one plane (`zp`, `zm`, `s1`, `s2`, `w_top` and `out`
/// point at the plane's first line in their arrays): through fast_rhs_plane_loop where the plane
/// is at least 3 x 2 voxels.
template <class T>
inline void fast_rhs_plane_body(const T* a, const T* zp, const T* zm, const T* s1, const T* s2,
                                bool lagged, double wt, const T* w_top, T* out, std::size_t nx,
                                std::size_t ny, std::size_t pitch, double cx, double cy, double dn,
                                double up, double decay, double a1, double a2, double dt,
                                double P_intact, double P_open, double film, double inv_dz) {
  if (nx < 3 || ny < 2) {
    for_each_line(ny, pitch, [&](std::size_t o, std::size_t oyp, std::size_t oym) {
      fast_rhs_line_body(a + o, a + oyp, a + oym, zp + o, zm + o, s1 + o, s2 + o, lagged, wt,
                         w_top ? w_top + o : nullptr, out + o, nx, cx, cy, dn, up, decay, a1, a2,
                         dt, P_intact, P_open, film, inv_dz);
    });
    return;
  }
  if (lagged)
    fast_rhs_plane_loop<true>(a, zp, zm, s1, s2, wt, out, nx, ny, pitch, cx, cy, dn, up, decay, a1,
                              a2, dt);
  else
    fast_rhs_plane_loop<false>(a, zp, zm, s1, s2, wt, out, nx, ny, pitch, cx, cy, dn, up, decay, a1,
                               a2, dt);
  if (w_top)
    for_each_line(ny, pitch, [&](std::size_t o, std::size_t, std::size_t) {
      for (std::size_t i = o; i < o + nx; ++i)
        out[i] += T(dt * topical_permeability(P_intact, P_open, double(w_top[i])) *
                    (film - double(a[i])) * inv_dz);
    });
}

// Compiled in src/healing/kinetics.cpp (SIMD clones).
void fast_rhs_plane(const double* a, const double* zp, const double* zm, const double* s1,
                    const double* s2, bool lagged, double wt, const double* w_top, double* out,
                    std::size_t nx, std::size_t ny, std::size_t pitch, double cx, double cy,
                    double dn, double up, double decay, double a1, double a2, double dt,
                    double P_intact, double P_open, double film, double inv_dz);
void fast_rhs_plane(const float* a, const float* zp, const float* zm, const float* s1,
                    const float* s2, bool lagged, double wt, const float* w_top, float* out,
                    std::size_t nx, std::size_t ny, std::size_t pitch, double cx, double cy,
                    double dn, double up, double decay, double a1, double a2, double dt,
                    double P_intact, double P_open, double film, double inv_dz);

/// Fast species c, g, s: their index among the delta arrays (0, 1, 2).
enum class Fast : std::size_t { c = 0, g = 1, s = 2 };
/// The species a fast index stands for.
inline constexpr Species species_of(Fast fast) {
  constexpr std::array<Species, 3> species{Species::c, Species::g, Species::s};
  return species[std::size_t(fast)];
}

/// The weights (a1, a2) of a fast species' sources (s1, s2): c's of damage and blood, g's of blood
/// and c; none for the topical agent. Its source is a1 s1 + a2 s2, in that order (fast_rhs_planes
/// and lod_lean's store of the sources at the step's start must agree to the bit).
inline std::pair<double, double> source_rates(const Rates& R, Fast fast) {
  switch (fast) {
    case Fast::c:
      return {R.inflammation_per_damage, R.inflammation_per_blood};
    case Fast::g:
      return {R.growth_factor_per_blood, R.growth_factor_per_inflammation};
    default:
      return {0.0, 0.0};
  }
}

/// Right-hand sides of the delta-form step for the fast signals, dt * F(u^n):
///   F_c = div(D_c grad c) + lambda_c (a_cw w + a_ch h - c)
///   F_g = div(D_g grad g) + lambda_g (a_gh h + a_gc c - g)
///   F_s = div(D_s grad s) - k_s(z) s + [plane 0, film on] P(x,y) (s_film - s) / dz
/// (topical agent: vascular clearance in the dermis, Robin flux through the surface whose
/// permeability opens with the damage of the surface voxel) written into delta species 0, 1, 2.
/// Inflammation is driven by damage and blood and cleared with the neutrophil half-life; growth
/// factor is released by the clot (platelets) and by macrophages and decays with the TGF-beta
/// half-life (docs/healing.md).
/// This is planes [k0, k1) of one fast species' right-hand side, written into `out` (an array of
/// the field's species layout: the delta array, or in a step out of place the species' own array
/// in the result, which holds nothing else until the increment's addition); the LOD solver calls
/// it just before it sweeps those planes (one at a time in 3D), so they are still in cache for
/// the sweep. The sources (w, h, c) are read from `u`, the species itself from `own`: the step's
/// input, which the fused reactions of a step out of place do not copy into `u` (the increment's
/// addition writes it there).
template <class T>
void fast_rhs_planes(const Field<T>& u, const Field<T>& own, T* out, const HealingModel& model,
                     double dt, double film, Fast fast, std::size_t k0, std::size_t k1,
                     bool old_source = false) {
  const auto& G = u.grid();
  const auto nx = G.nx(), ny = G.ny(), nz = G.nz();
  const auto& R = model.rates();
  const double idx2 = 1.0 / (G.spacing[0] * G.spacing[0]),
               idy2 = 1.0 / (G.spacing[1] * G.spacing[1]),
               idz2 = 1.0 / (G.spacing[2] * G.spacing[2]);
  const T* w = u.species_data(idx(Species::w));
  const T* h = u.species_data(idx(Species::h));
  const T* c = u.species_data(idx(Species::c));
  const T* a = own.species_data(idx(species_of(fast)));
  // Sources (source_rates' s1, s2): c from damage and blood, g from blood and c; the topical agent
  // has none, so its zero-weighted source terms read its own array (no extra memory traffic).
  const T* src1 = fast == Fast::c ? w : fast == Fast::g ? h : a;
  const T* src2 = fast == Fast::c ? h : fast == Fast::g ? c : a;
  const std::size_t d = diffusing_of(species_of(fast));
  const bool flux = surface_flux(species_of(fast), film);  // through plane 0
  const auto [a1, a2] = source_rates(R, fast);
  const double P_intact = R.topical_permeability_intact, P_open = model.topical_permeability_open();
  const double inv_dz = 1.0 / G.spacing[2];
  const bool lagged = old_source && fast != Fast::s;  // the topical agent has no source
  if (G.is_column()) {
    // The depth column: one-voxel lines, planes ps apart. The line body runs inline down the
    // column (a call to the SIMD-cloned line kernel per voxel, with the 3D loop's offsets, had
    // cost more than its arithmetic); the lateral neighbours are the voxel itself.
    const auto& face = model.face_diffusivity(d);
    const std::size_t ps = u.pitch();
    for (std::size_t k = k0; k < k1; ++k) {
      const std::size_t o = ps * k, ozp = k + 1 < nz ? o + ps : o, ozm = k > 0 ? o - ps : o;
      const double up = k > 0 ? face[k - 1] * idz2 : 0.0;
      const double dn = k + 1 < nz ? face[k] * idz2 : 0.0;
      const double decay = model.linear_decay(d, k);
      fast_rhs_line_body(a + o, a + o, a + o, a + ozp, a + ozm, src1 + o, src2 + o, lagged,
                         lagged ? source_weight(dt * decay) : 0.0, flux && k == 0 ? w + o : nullptr,
                         out + o, 1, 0.0, 0.0, dn, up, decay, a1, a2, dt, P_intact, P_open, film,
                         inv_dz);
    }
    return;
  }
  for (std::size_t k = k0; k < k1; ++k) {
    const double D = model.planes()[k].D[d];
    const double up = k > 0 ? model.face_diffusivity(d)[k - 1] * idz2 : 0.0;
    const double dn = k + 1 < nz ? model.face_diffusivity(d)[k] * idz2 : 0.0;
    const double decay = model.linear_decay(d, k);
    const double wt = lagged ? source_weight(dt * decay) : 0.0;
    const std::size_t o = u.offset(0, 0, k);
    const std::size_t ozp = k + 1 < nz ? u.offset(0, 0, k + 1) : o;
    const std::size_t ozm = k > 0 ? u.offset(0, 0, k - 1) : o;
    fast_rhs_plane(a + o, a + ozp, a + ozm, src1 + o, src2 + o, lagged, wt,
                   flux && k == 0 ? w + o : nullptr, out + o, nx, ny, u.pitch(), D * idx2, D * idy2,
                   dn, up, decay, a1, a2, dt, P_intact, P_open, film, inv_dz);
  }
}

/// a = in + du on one x-line of a fast species (`in` may be `a` itself, or the step's input when
/// the step runs out of place, which then needs no copy of the fast species). The delta form is
/// not positivity preserving in sharp transients; where the sum is negative the value is cut to
/// zero and the cut mass is taken from the positive values of the same x-line in proportion, so
/// the limiter is positive and conservative (docs/healing.md). The LOD solver calls it right
/// after the line's depth solve. The common pass (no negative value) is a vectorisable add; the
/// sums of the rare limited line are taken in order afterwards.
template <class T>
inline void add_increment_line_body(T* a, const T* in, const T* du, std::size_t nx) {
  // The smallest sum (NaN passes unseen, as in a comparison): one vector min per lane group,
  // where an or of comparison masks had cost four instructions.
  T lowest = 0;
#pragma omp simd reduction(min : lowest)
  for (std::size_t i = 0; i < nx; ++i) {
    const T x = in[i] + du[i];
    a[i] = x;
    lowest = std::min(lowest, x);
  }
  if (!(lowest < T(0))) return;
  double neg = 0.0, pos = 0.0;
  for (std::size_t i = 0; i < nx; ++i) {
    neg += a[i] < T(0) ? double(a[i]) : 0.0;
    pos += a[i] > T(0) ? double(a[i]) : 0.0;
  }
  const double keep = pos + neg > 0.0 ? (pos + neg) / pos : 0.0;
  for (std::size_t i = 0; i < nx; ++i) a[i] = a[i] > T(0) ? T(double(a[i]) * keep) : T(0);
}

/// add_increment_line on the nz x-lines of one y-slab (lines `plane_stride` apart in all arrays).
template <class T>
inline void add_increment_slab_body(T* a, const T* in, const T* du, std::size_t nx,
                                    std::size_t nz, std::size_t plane_stride) {
  if (nx == 1) {
    // One-voxel lines (the depth column): the limiter reduces to a clamp at zero, which
    // vectorises down the column.
    for (std::size_t k = 0; k < nz; ++k) {
      const T x = in[plane_stride * k] + du[plane_stride * k];
      a[plane_stride * k] = x > T(0) ? x : T(0);
    }
    return;
  }
  // The rows lie a plane apart, beyond the hardware prefetcher's reach: without help every row
  // is a wait on memory. Each row is requested a few rows ahead.
  constexpr std::size_t ahead = 4;
  // (Only `in`: a step out of place adds into the increment's own row, which the depth solve has
  // just written.)
  for (std::size_t k = 0; k < ahead && k < nz; ++k) prefetch_row(in + plane_stride * k, nx);
  for (std::size_t k = 0; k < nz; ++k) {
    if (k + ahead < nz) prefetch_row(in + plane_stride * (k + ahead), nx);
    add_increment_line_body(a + plane_stride * k, in + plane_stride * k, du + plane_stride * k,
                            nx);
  }
}

// Compiled in src/healing/kinetics.cpp (SIMD clones).
void add_increment_slab(double* a, const double* in, const double* du, std::size_t nx,
                        std::size_t nz, std::size_t plane_stride);
void add_increment_slab(float* a, const float* in, const float* du, std::size_t nx,
                        std::size_t nz, std::size_t plane_stride);

/// react_planes_body's loop; Carry: `src` is not `u` and the caller asked for the fast species
/// to be copied across; Extrapolate: react_voxel_extrapolated instead of react_voxel; InPlace:
/// `src` is `u`, so each slow species (f excepted when `f_out` is given) is read and written
/// through one pointer (the loop then holds 7 fewer pointers, which had spilled).
template <class T, bool Carry, bool Extrapolate, bool InPlace = false>
bool react_planes_loop(const Field<T>& src, Field<T>& u, const HealingModel& model, double dt,
                       std::size_t k0, std::size_t k1, T* f_out) {
  const auto nx = u.grid().nx(), ny = u.grid().ny();
  const auto& R = model.rates();
  bool ok = true;
  const T* in[species_count];
  T* out[species_count];
  for (std::size_t q = 0; q < species_count; ++q) {
    in[q] = src.species_data(q);
    out[q] = u.species_data(q);
  }
  if (f_out) out[idx(Species::f)] = f_out;
  // In place, the written pointers are the read ones (as the compiler can see).
  auto written = [&](std::size_t q, std::size_t o) {
    if constexpr (InPlace)
      if (q != idx(Species::f) || !f_out) return const_cast<T*>(in[q]) + o;
    return out[q] + o;
  };
  // The kinetics are per voxel with one set of constants per plane, so a plane runs as one loop
  // over its lines and their padding (the last line's excepted): no scalar remainder per line.
  // The padding's values (zero in, finite out) are set back to zero after the plane.
  const std::size_t pitch = u.pitch(), run = (ny - 1) * pitch + nx;
  for (std::size_t k = k0; k < k1; ++k) {
    const auto& P = model.planes()[k];
    const ReactConstants K(P, R, dt), H(P, R, 0.5 * dt);
    const std::size_t o = u.offset(0, 0, k);
    const T *const iw = in[0] + o, *const ih = in[1] + o, *const c = in[2] + o,
                   *const g = in[3] + o, *const i_f = in[4] + o, *const i3 = in[5] + o,
                   *const i1 = in[6] + o, *const ie = in[7] + o, *const ip = in[8] + o,
                   *const is = in[9] + o;
    T *const w = written(0, o), *const h = written(1, o), *const oc = out[2] + o,
             *const og = out[3] + o, *const f = written(4, o), *const r3 = written(5, o),
             *const r1 = written(6, o), *const e = written(7, o), *const p = written(8, o),
             *const os = out[9] + o;
    // Finiteness from the bits of the slow species' sum (a NaN or infinity in any of them makes
    // it one; they are non-negative, so no finite sum reaches an overflow that could fake one):
    // its exponent field, all ones only there, through an unsigned max (vectorisable, unlike
    // std::isfinite, and independent of the floating-point flags react_planes is built with).
    using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
    constexpr Bits exponent = sizeof(T) == 8 ? Bits(0x7ff0000000000000ull) : Bits(0x7f800000u);
    Bits bad = 0;
#pragma omp simd reduction(max : bad)
    for (std::size_t i = 0; i < run; ++i) {
      T vw = iw[i], vh = ih[i], vf = i_f[i], v3 = i3[i], v1 = i1[i], ve = ie[i], vp = ip[i];
      if constexpr (Extrapolate)
        react_voxel_extrapolated(vw, vh, c[i], g[i], vf, v3, v1, ve, vp, P, K, P, H, R, T(dt));
      else
        react_voxel(vw, vh, c[i], g[i], vf, v3, v1, ve, vp, P, R, T(dt), K);
      bad = std::max(bad, std::bit_cast<Bits>(vw + vh + vf + v3 + v1 + ve + vp) & exponent);
      w[i] = vw;
      h[i] = vh;
      f[i] = vf;
      r3[i] = v3;
      r1[i] = v1;
      e[i] = ve;
      p[i] = vp;
      if constexpr (Carry) {  // the fast species, which the reactions leave alone
        oc[i] = c[i];
        og[i] = g[i];
        os[i] = is[i];
      }
    }
    ok = ok && bad != exponent;
    if (pitch > nx)
      for (std::size_t j = 0; j + 1 < ny; ++j)
        for (T* a : {w, h, f, r3, r1, e, p})
          std::fill(a + pitch * j + nx, a + pitch * (j + 1), T(0));
  }
  return ok;
}

/// Reactions on every voxel of planes [k0, k1): `src` in, `u` out (the same field for a step in
/// place; a different one for a step out of place, which then also carries
/// the fast species across unless `carry_fast` is false, for a caller that reads them from `src`
/// and writes them into `u` itself, so the state needs no separate copy). With `f_out`, the
/// fibroblasts are written there (an array laid out like one species of `u`) instead of into `u`:
/// chemotaxis reads them as its old values. `extrapolate`: the lean scheme's second-order
/// kinetics (react_voxel_extrapolated). The loop body; react_planes dispatches to a compiled
/// copy built for the widest SIMD of the running CPU. Returns false if any value became
/// non-finite.
template <class T>
bool react_planes_body(const Field<T>& src, Field<T>& u, const HealingModel& model, double dt,
                       std::size_t k0, std::size_t k1, T* f_out = nullptr, bool carry_fast = true,
                       bool extrapolate = false) {
  const bool carry = &src != &u && carry_fast;
  if (extrapolate) {
    if (carry) return react_planes_loop<T, true, true>(src, u, model, dt, k0, k1, f_out);
    return &src == &u ? react_planes_loop<T, false, true, true>(src, u, model, dt, k0, k1, f_out)
                      : react_planes_loop<T, false, true>(src, u, model, dt, k0, k1, f_out);
  }
  if (carry) return react_planes_loop<T, true, false>(src, u, model, dt, k0, k1, f_out);
  return &src == &u ? react_planes_loop<T, false, false, true>(src, u, model, dt, k0, k1, f_out)
                    : react_planes_loop<T, false, false>(src, u, model, dt, k0, k1, f_out);
}

/// Reactions down the depth column (nx = ny = 1, planes `plane_stride` apart), `src` in and `u`
/// out as in react_planes_body: the SIMD loop runs over planes, each lane with its own plane's
/// parameters from `table`. Returns false if any value became non-finite.
template <class T>
bool react_column_body(const Field<T>& src, Field<T>& u, const ReactColumn& table, const Rates& R,
                       double dt, bool extrapolate = false) {
  const std::size_t nz = u.grid().nz(), ps = u.pitch();
  const T* in[species_count];
  T* out[species_count];
  for (std::size_t q = 0; q < species_count; ++q) {
    in[q] = src.species_data(q);
    out[q] = u.species_data(q);
  }
  if (&src != &u)
    for (const std::size_t q : {idx(Species::c), idx(Species::g), idx(Species::s)})
      for (std::size_t k = 0; k < nz; ++k) out[q][ps * k] = in[q][ps * k];
  const double inv_h = ReactConstants::blood_factor(R, dt);
  const double inv_p = ReactConstants::pigment_factor(R, dt);
  const double half_inv_h = ReactConstants::blood_factor(R, 0.5 * dt),
               half_inv_p = ReactConstants::pigment_factor(R, 0.5 * dt);
  T bad = 0;
#pragma omp simd reduction(+ : bad)
  for (std::size_t k = 0; k < nz; ++k) {
    const ReactColumn::Lane L = table.lane(k, inv_h, inv_p);
    const std::size_t o = ps * k;
    T vw = in[0][o], vh = in[1][o], vf = in[4][o], v3 = in[5][o], v1 = in[6][o], ve = in[7][o],
      vp = in[8][o];
    if (extrapolate) {
      const ReactColumn::Lane Lh = table.lane(k, half_inv_h, half_inv_p);
      react_voxel_extrapolated(vw, vh, in[2][o], in[3][o], vf, v3, v1, ve, vp, L, L, Lh, Lh, R,
                               T(dt));
    } else {
      react_voxel(vw, vh, in[2][o], in[3][o], vf, v3, v1, ve, vp, L, R, T(dt), L);
    }
    bad += (vw - vw) + (vh - vh) + (vf - vf) + (v3 - v3) + (v1 - v1) + (ve - ve) + (vp - vp);
    out[0][o] = vw;
    out[1][o] = vh;
    out[4][o] = vf;
    out[5][o] = v3;
    out[6][o] = v1;
    out[7][o] = ve;
    out[8][o] = vp;
  }
  return bad == T(0);
}

/// |y - x| / (atol + rtol |y|): one species' term of the error norms below.
template <class V>
inline V relative_gap(const V x, const V y, const V atol, const V rtol) {
  return std::abs(y - x) / (atol + rtol * std::abs(y));
}

/// The absolute tolerances of the seven slow species (w, h, f, rho3, rho1, e, p), in that order,
/// from one per species, in the estimates' arithmetic T.
template <class T>
inline std::array<T, 7> slow_tolerances(const double* per_species) {
  std::array<T, 7> out;
  std::size_t n = 0;
  for (const Species s :
       {Species::w, Species::h, Species::f, Species::rho3, Species::rho1, Species::e, Species::p})
    out[n++] = T(per_species[idx(s)]);
  return out;
}

/// Zero if every value is finite, NaN otherwise (x - x; vectorisable, unlike std::isfinite): the
/// estimates below sum it over every value they computed, since their max would drop a NaN.
template <class... V>
inline auto non_finite(V... v) {
  return ((v - v) + ...);
}

/// The error norm of the estimates below: the largest relative_gap over the seven slow species
/// of one voxel, full (a) against the reference (b), `atol` in the order w h f rho3 rho1 e p.
/// Plain values rather than an aggregate, so GCC keeps them in SIMD registers.
template <class V>
inline V slow_gap(V aw, V ah, V af, V a3, V a1, V ae, V ap, V bw, V bh, V bf, V b3, V b1, V be,
                  V bp, const V* atol, const V rtol) {
  const V x =
      std::max(std::max(relative_gap(aw, bw, atol[0], rtol), relative_gap(ah, bh, atol[1], rtol)),
               std::max(relative_gap(af, bf, atol[2], rtol), relative_gap(a3, b3, atol[3], rtol)));
  return std::max(x, std::max(std::max(relative_gap(a1, b1, atol[4], rtol),
                                       relative_gap(ae, be, atol[5], rtol)),
                              relative_gap(ap, bp, atol[6], rtol)));
}

/// The kinetics' local error for a step dt from `src`, which it only reads: per voxel, the
/// reaction update over dt against two over dt/2 (step doubling of R alone, in registers; c and g
/// frozen at their values in src, as in the step), max over the voxels of planes [k0, k1) and the
/// seven slow species of |halves - full| / (atol_q + rtol |halves|); `atol` has one entry per
/// species (the slow ones are read). Infinite if a value became non-finite. The in-place
/// adaptive schemes (Integrator: lod_euler, lod_lean) size their step on this before it touches the
/// state, so a refused step costs one read of the field and needs no copy of it.
template <class T>
double react_error_planes_body(const Field<T>& src, const HealingModel& model, double dt,
                               std::size_t k0, std::size_t k1, const double* atol_, double rtol_) {
  const auto nx = src.grid().nx(), ny = src.grid().ny();
  const auto& R = model.rates();
  const T* in[species_count];
  for (std::size_t q = 0; q < species_count; ++q) in[q] = src.species_data(q);
  const std::array<T, 7> atol = slow_tolerances<T>(atol_);
  const T rtol = T(rtol_), full_dt = T(dt), half_dt = T(0.5 * dt);
  T worst = 0, bad = 0;
  for (std::size_t k = k0; k < k1; ++k) {
    const auto& P = model.planes()[k];
    const ReactConstants K(P, R, dt), H(P, R, 0.5 * dt);
    for (std::size_t j = 0; j < ny; ++j) {
      const std::size_t o = src.offset(0, j, k);
      const T *const iw = in[0] + o, *const ih = in[1] + o, *const c = in[2] + o,
                     *const g = in[3] + o, *const i_f = in[4] + o, *const i3 = in[5] + o,
                     *const i1 = in[6] + o, *const ie = in[7] + o, *const ip = in[8] + o;
#pragma omp simd reduction(max : worst) reduction(+ : bad)
      for (std::size_t i = 0; i < nx; ++i) {
        T aw = iw[i], ah = ih[i], af = i_f[i], a3 = i3[i], a1 = i1[i], ae = ie[i], ap = ip[i];
        T bw = aw, bh = ah, bf = af, b3 = a3, b1 = a1, be = ae, bp = ap;
        react_voxel(aw, ah, c[i], g[i], af, a3, a1, ae, ap, P, R, full_dt, K);
        react_voxel(bw, bh, c[i], g[i], bf, b3, b1, be, bp, P, R, half_dt, H);
        react_voxel(bw, bh, c[i], g[i], bf, b3, b1, be, bp, P, R, half_dt, H);
        const T e =
            slow_gap(aw, ah, af, a3, a1, ae, ap, bw, bh, bf, b3, b1, be, bp, atol.data(), rtol);
        bad += non_finite(aw, ah, af, a3, a1, ae, ap, bw, bh, bf, b3, b1, be, bp);
        worst = std::max(worst, e);
      }
    }
  }
  return bad == T(0) ? double(worst) : std::numeric_limits<double>::infinity();
}

/// Adds `correction` to `value` where the sum stays non-negative (the coupling correction; a
/// correction that is not a number is dropped, and the pass's error norm reports it).
template <class V>
inline V corrected(const V value, const V correction) {
  const V y = value + correction;
  return y >= V(0) ? y : value;
}

/// The error a step dt made by freezing c and g in its kinetics, measured after the step, which
/// left u at the new values and the increments dc, dg (arrays laid out like one species of u)
/// of c and g: per voxel, the reactions over dt/2 from u's slow species with the new c and g
/// against the same with the old (c - dc, g - dg), whose difference is about dt/2 dR/d(c,g)
/// (dc, dg), the splitting error of the coupling; max over planes [k0, k1) and the slow
/// species of |difference| / (atol_q + rtol |value|). In registers; infinite if a value became
/// non-finite. Correct: the difference is also added to u's slow species (where they stay
/// non-negative), which turns the kinetics' frozen c and g into the average of their old and new
/// values, second order (the lean scheme); otherwise u is only read.
template <class T, bool Correct>
double coupling_error_planes_loop(Field<T>& u, const T* dc_, const T* dg_,
                                  const HealingModel& model, double dt, std::size_t k0,
                                  std::size_t k1, const double* atol_, double rtol_) {
  const auto nx = u.grid().nx(), ny = u.grid().ny();
  const auto& R = model.rates();
  const T* in[species_count];
  T* out[species_count];
  for (std::size_t q = 0; q < species_count; ++q) {
    in[q] = u.species_data(q);
    out[q] = u.species_data(q);
  }
  const std::array<T, 7> atol = slow_tolerances<T>(atol_);
  const T rtol = T(rtol_), half_dt = T(0.5 * dt);
  T worst = 0, bad = 0;
  for (std::size_t k = k0; k < k1; ++k) {
    const auto& P = model.planes()[k];
    const ReactConstants H(P, R, 0.5 * dt);
    for (std::size_t j = 0; j < ny; ++j) {
      const std::size_t o = u.offset(0, j, k);
      const T *const iw = in[0] + o, *const ih = in[1] + o, *const c = in[2] + o,
                     *const g = in[3] + o, *const i_f = in[4] + o, *const i3 = in[5] + o,
                     *const i1 = in[6] + o, *const ie = in[7] + o, *const ip = in[8] + o,
                     *const dc = dc_ + o, *const dg = dg_ + o;
      T *const ow = out[0] + o, *const oh = out[1] + o, *const o_f = out[4] + o,
               *const o3 = out[5] + o, *const o1 = out[6] + o, *const oe = out[7] + o,
               *const op = out[8] + o;
#pragma omp simd reduction(max : worst) reduction(+ : bad)
      for (std::size_t i = 0; i < nx; ++i) {
        T aw = iw[i], ah = ih[i], af = i_f[i], a3 = i3[i], a1 = i1[i], ae = ie[i], ap = ip[i];
        T bw = aw, bh = ah, bf = af, b3 = a3, b1 = a1, be = ae, bp = ap;
        react_voxel(aw, ah, c[i], g[i], af, a3, a1, ae, ap, P, R, half_dt, H);
        react_voxel(bw, bh, std::max(T(0), c[i] - dc[i]), std::max(T(0), g[i] - dg[i]), bf, b3, b1,
                    be, bp, P, R, half_dt, H);
        const T e =
            slow_gap(bw, bh, bf, b3, b1, be, bp, aw, ah, af, a3, a1, ae, ap, atol.data(), rtol);
        bad += non_finite(aw, ah, af, a3, a1, ae, ap, bw, bh, bf, b3, b1, be, bp);
        worst = std::max(worst, e);
        if constexpr (Correct) {
          ow[i] = corrected(iw[i], aw - bw);
          oh[i] = corrected(ih[i], ah - bh);
          o_f[i] = corrected(i_f[i], af - bf);
          o3[i] = corrected(i3[i], a3 - b3);
          o1[i] = corrected(i1[i], a1 - b1);
          oe[i] = corrected(ie[i], ae - be);
          op[i] = corrected(ip[i], ap - bp);
        }
      }
    }
  }
  return bad == T(0) ? double(worst) : std::numeric_limits<double>::infinity();
}

template <class T>
double coupling_error_planes_body(Field<T>& u, const T* dc, const T* dg, const HealingModel& model,
                                  double dt, std::size_t k0, std::size_t k1, const double* atol,
                                  double rtol, bool correct) {
  return correct ? coupling_error_planes_loop<T, true>(u, dc, dg, model, dt, k0, k1, atol, rtol)
                 : coupling_error_planes_loop<T, false>(u, dc, dg, model, dt, k0, k1, atol, rtol);
}

/// coupling_error_planes_body down the depth column (nx = ny = 1), a plane per SIMD lane.
template <class T>
double coupling_error_column_body(Field<T>& u, const T* dc, const T* dg, const ReactColumn& table,
                                  const Rates& R, double dt, const double* atol_, double rtol_,
                                  bool correct) {
  const std::size_t nz = u.grid().nz(), ps = u.pitch();
  T* in[species_count];
  for (std::size_t q = 0; q < species_count; ++q) in[q] = u.species_data(q);
  const std::array<T, 7> atol = slow_tolerances<T>(atol_);
  const T rtol = T(rtol_), half_dt = T(0.5 * dt);
  const double half_inv_h = ReactConstants::blood_factor(R, 0.5 * dt),
               half_inv_p = ReactConstants::pigment_factor(R, 0.5 * dt);
  T worst = 0, bad = 0;
#pragma omp simd reduction(max : worst) reduction(+ : bad)
  for (std::size_t k = 0; k < nz; ++k) {
    const ReactColumn::Lane Lh = table.lane(k, half_inv_h, half_inv_p);
    const std::size_t o = ps * k;
    T aw = in[0][o], ah = in[1][o], af = in[4][o], a3 = in[5][o], a1 = in[6][o], ae = in[7][o],
      ap = in[8][o];
    T bw = aw, bh = ah, bf = af, b3 = a3, b1 = a1, be = ae, bp = ap;
    const T c = in[2][o], g = in[3][o];
    react_voxel(aw, ah, c, g, af, a3, a1, ae, ap, Lh, R, half_dt, Lh);
    react_voxel(bw, bh, std::max(T(0), c - dc[o]), std::max(T(0), g - dg[o]), bf, b3, b1, be, bp,
                Lh, R, half_dt, Lh);
    const T e = slow_gap(bw, bh, bf, b3, b1, be, bp, aw, ah, af, a3, a1, ae, ap, atol.data(), rtol);
    bad += non_finite(aw, ah, af, a3, a1, ae, ap, bw, bh, bf, b3, b1, be, bp);
    worst = std::max(worst, e);
    if (correct) {
      in[0][o] = corrected(in[0][o], aw - bw);
      in[1][o] = corrected(in[1][o], ah - bh);
      in[4][o] = corrected(in[4][o], af - bf);
      in[5][o] = corrected(in[5][o], a3 - b3);
      in[6][o] = corrected(in[6][o], a1 - b1);
      in[7][o] = corrected(in[7][o], ae - be);
      in[8][o] = corrected(in[8][o], ap - bp);
    }
  }
  return bad == T(0) ? double(worst) : std::numeric_limits<double>::infinity();
}

/// react_error_planes_body down the depth column (nx = ny = 1), a plane per SIMD lane as in
/// react_column_body.
template <class T>
double react_error_column_body(const Field<T>& src, const ReactColumn& table, const Rates& R,
                               double dt, const double* atol_, double rtol_) {
  const std::size_t nz = src.grid().nz(), ps = src.pitch();
  const T* in[species_count];
  for (std::size_t q = 0; q < species_count; ++q) in[q] = src.species_data(q);
  const std::array<T, 7> atol = slow_tolerances<T>(atol_);
  const T rtol = T(rtol_), full_dt = T(dt), half_dt = T(0.5 * dt);
  const double inv_h = ReactConstants::blood_factor(R, dt),
               inv_p = ReactConstants::pigment_factor(R, dt);
  const double half_inv_h = ReactConstants::blood_factor(R, 0.5 * dt),
               half_inv_p = ReactConstants::pigment_factor(R, 0.5 * dt);
  T worst = 0, bad = 0;
#pragma omp simd reduction(max : worst) reduction(+ : bad)
  for (std::size_t k = 0; k < nz; ++k) {
    const ReactColumn::Lane L = table.lane(k, inv_h, inv_p),
                            Lh = table.lane(k, half_inv_h, half_inv_p);
    const std::size_t o = ps * k;
    T aw = in[0][o], ah = in[1][o], af = in[4][o], a3 = in[5][o], a1 = in[6][o], ae = in[7][o],
      ap = in[8][o];
    T bw = aw, bh = ah, bf = af, b3 = a3, b1 = a1, be = ae, bp = ap;
    const T c = in[2][o], g = in[3][o];
    react_voxel(aw, ah, c, g, af, a3, a1, ae, ap, L, R, full_dt, L);
    react_voxel(bw, bh, c, g, bf, b3, b1, be, bp, Lh, R, half_dt, Lh);
    react_voxel(bw, bh, c, g, bf, b3, b1, be, bp, Lh, R, half_dt, Lh);
    const T e = slow_gap(aw, ah, af, a3, a1, ae, ap, bw, bh, bf, b3, b1, be, bp, atol.data(), rtol);
    bad += non_finite(aw, ah, af, a3, a1, ae, ap, bw, bh, bf, b3, b1, be, bp);
    worst = std::max(worst, e);
  }
  return bad == T(0) ? double(worst) : std::numeric_limits<double>::infinity();
}

}  // namespace punctum::healing::detail

namespace punctum::healing::detail {

/// Compiled in src/healing/kinetics.cpp with floating-point traps assumed off (so the branch-free
/// voxel update vectorises) and, where the toolchain allows, one clone per SIMD width.
bool react_planes(const Field<double>& src, Field<double>& u, const HealingModel& model, double dt,
                  std::size_t k0, std::size_t k1, double* f_out = nullptr, bool carry_fast = true,
                  bool extrapolate = false);
bool react_planes(const Field<float>& src, Field<float>& u, const HealingModel& model, double dt,
                  std::size_t k0, std::size_t k1, float* f_out = nullptr, bool carry_fast = true,
                  bool extrapolate = false);
/// The depth column's reactions (react_column_body), compiled like react_planes.
bool react_column(const Field<double>& src, Field<double>& u, const ReactColumn& table,
                  const Rates& R, double dt, bool extrapolate = false);
bool react_column(const Field<float>& src, Field<float>& u, const ReactColumn& table,
                  const Rates& R, double dt, bool extrapolate = false);

/// The kinetics' step-doubling error (react_error_planes_body, react_error_column_body),
/// compiled like react_planes.
double react_error_planes(const Field<double>& src, const HealingModel& model, double dt,
                          std::size_t k0, std::size_t k1, const double* atol, double rtol);
double react_error_planes(const Field<float>& src, const HealingModel& model, double dt,
                          std::size_t k0, std::size_t k1, const double* atol, double rtol);
double react_error_column(const Field<double>& src, const ReactColumn& table, const Rates& R,
                          double dt, const double* atol, double rtol);
double react_error_column(const Field<float>& src, const ReactColumn& table, const Rates& R,
                          double dt, const double* atol, double rtol);

/// The coupling's splitting error after a step, and with `correct` its correction
/// (coupling_error_planes_body, coupling_error_column_body), compiled like react_planes.
double coupling_error_planes(Field<double>& u, const double* dc, const double* dg,
                             const HealingModel& model, double dt, std::size_t k0, std::size_t k1,
                             const double* atol, double rtol, bool correct);
double coupling_error_planes(Field<float>& u, const float* dc, const float* dg,
                             const HealingModel& model, double dt, std::size_t k0, std::size_t k1,
                             const double* atol, double rtol, bool correct);
double coupling_error_column(Field<double>& u, const double* dc, const double* dg,
                             const ReactColumn& table, const Rates& R, double dt,
                             const double* atol, double rtol, bool correct);
double coupling_error_column(Field<float>& u, const float* dc, const float* dg,
                             const ReactColumn& table, const Rates& R, double dt,
                             const double* atol, double rtol, bool correct);

/// The chemotactic outflow rate of a voxel whose growth factor is `ga` (sum over its faces of
/// max(0, c (g_neighbour - ga)), 1/s, faces in the order x+, x-, y+, y-, z+, z-): one expression
/// for the rate kernel and the flux kernel, so both find the same rate to the bit.
template <class T>
inline T outflow_rate(T ga, T xp, T xm, T yp, T ym, T zp, T zm, T cx, T cy, T cdn, T cup) {
  return std::max(T(0), cx * (xp - ga)) + std::max(T(0), cx * (xm - ga)) +
         std::max(T(0), cy * (yp - ga)) + std::max(T(0), cy * (ym - ga)) +
         std::max(T(0), cdn * (zp - ga)) + std::max(T(0), cup * (zm - ga));
}

/// Lines of the chemotaxis kernels (x periodic; neighbour lines as in fast_rhs_line_body). The
/// wrapped ends are peeled so the interior loop vectorises. Like the kinetics, they compute in the
/// storage type T (a float field's in float, twice the SIMD lanes).
template <class T>
inline double chemotaxis_rate_line_body(const T* row, const T* yp, const T* ym, const T* zp,
                                        const T* zm, std::size_t nx, double cx_, double cy_,
                                        double cdn_, double cup_) {
  const T cx = T(cx_), cy = T(cy_), cdn = T(cdn_), cup = T(cup_);
  auto rate = [&](std::size_t i, T xp, T xm) {
    return outflow_rate(row[i], xp, xm, yp[i], ym[i], zp[i], zm[i], cx, cy, cdn, cup);
  };
  if (nx == 1) return double(rate(0, row[0], row[0]));
  T best = std::max(rate(0, row[1], row[nx - 1]), rate(nx - 1, row[0], row[nx - 2]));
#pragma omp simd reduction(max : best)
  for (std::size_t i = 1; i < nx - 1; ++i) best = std::max(best, rate(i, row[i + 1], row[i - 1]));
  return double(best);
}

/// f = old - dt * (net upwind outflow of the excess over the residents f0) on one x-line; returns
/// the line's largest outflow rate (chemotaxis_rate_line_body's, from the same differences of g),
/// with which the caller checks the substep it chose.
template <class T>
inline double chemotaxis_flux_line_body(T* f, const T* old, const T* oyp, const T* oym,
                                        const T* ozp, const T* ozm, const T* g, const T* gyp,
                                        const T* gym, const T* gzp, const T* gzm, std::size_t nx,
                                        double cx_, double cy_, double cdn_, double cup_,
                                        double f0_, double f0dn_, double f0up_, double dt_) {
  const T cx = T(cx_), cy = T(cy_), cdn = T(cdn_), cup = T(cup_), f0 = T(f0_), f0dn = T(f0dn_),
          f0up = T(f0up_), dt = T(dt_);
  // The rate's maximum is passed in (not captured), so the SIMD loop's reduction sees its own.
  auto value = [&](std::size_t i, std::size_t xp, std::size_t xm, T& most) {
    const T ga = g[i];
    // Upwind face flux (times h / h^2) v = c (g_b - ga): v > 0 carries this voxel's excess out,
    // v < 0 the neighbour's in. The outflow is the voxel's rate (outflow_rate's sum, in its
    // order) times its excess, so the rate comes with the flux.
    T out = 0, in = 0;
    auto face = [&](T c, T gb, T ob, T fb0) {
      const T v = c * (gb - ga);
      out += std::max(T(0), v);
      in += std::min(T(0), v) * std::max(T(0), ob - fb0);
    };
    face(cx, g[xp], old[xp], f0);
    face(cx, g[xm], old[xm], f0);
    face(cy, gyp[i], oyp[i], f0);
    face(cy, gym[i], oym[i], f0);
    face(cdn, gzp[i], ozp[i], f0dn);
    face(cup, gzm[i], ozm[i], f0up);
    most = std::max(most, out);
    return old[i] - dt * (out * std::max(T(0), old[i] - f0) + in);
  };
  T best = 0;
  if (nx == 1) {
    f[0] = value(0, 0, 0, best);
    return double(best);
  }
  f[0] = value(0, 1, nx - 1, best);
#pragma omp simd reduction(max : best)
  for (std::size_t i = 1; i < nx - 1; ++i) f[i] = value(i, i + 1, i - 1, best);
  f[nx - 1] = value(nx - 1, 0, nx - 2, best);
  return double(best);
}

/// The lines of one plane (for_each_line; the z pointers at the planes above and below, or the
/// plane itself at a no-flux face) through the line bodies above: chemotaxis_rate_line_body's
/// maximum and chemotaxis_flux_line_body's update.
template <class T>
inline double chemotaxis_rate_plane_body(const T* g, const T* zp, const T* zm, std::size_t nx,
                                         std::size_t ny, std::size_t pitch, double cx, double cy,
                                         double cdn, double cup) {
  double best = 0.0;
  for_each_line(ny, pitch, [&](std::size_t o, std::size_t oyp, std::size_t oym) {
    best = std::max(best, chemotaxis_rate_line_body(g + o, g + oyp, g + oym, zp + o, zm + o, nx, cx,
                                                    cy, cdn, cup));
  });
  return best;
}
template <class T>
inline double chemotaxis_flux_plane_body(T* f, const T* old, const T* ozp, const T* ozm, const T* g,
                                         const T* gzp, const T* gzm, std::size_t nx, std::size_t ny,
                                         std::size_t pitch, double cx, double cy, double cdn,
                                         double cup, double f0, double f0dn, double f0up,
                                         double dt) {
  double best = 0.0;
  for_each_line(ny, pitch, [&](std::size_t o, std::size_t oyp, std::size_t oym) {
    best =
        std::max(best, chemotaxis_flux_line_body(f + o, old + o, old + oyp, old + oym, ozp + o,
                                                 ozm + o, g + o, g + oyp, g + oym, gzp + o, gzm + o,
                                                 nx, cx, cy, cdn, cup, f0, f0dn, f0up, dt));
  });
  return best;
}

/// max_n |a_n - b_n| / (atol + rtol |a_n|), the step-doubling error norm of one run of a species
/// (a: two half steps, b: one full step), while b becomes the Richardson value 2 a - b, or a
/// where that is negative. In the storage type T, like the kernels.
template <class T>
inline double extrapolate_max_difference_body(const T* a, T* b, std::size_t n, double atol_,
                                              double rtol_) {
  const T atol = T(atol_), rtol = T(rtol_);
  T worst = 0;
#pragma omp simd reduction(max : worst)
  for (std::size_t q = 0; q < n; ++q) {
    const T x = a[q], y = b[q];
    worst = std::max(worst, relative_gap(y, x, atol, rtol));
    b[q] = extrapolated(x, y);
  }
  return double(worst);
}

// Compiled in src/healing/kinetics.cpp (SIMD clones).
double chemotaxis_rate_plane(const double* g, const double* zp, const double* zm, std::size_t nx,
                             std::size_t ny, std::size_t pitch, double cx, double cy, double cdn,
                             double cup);
double chemotaxis_rate_plane(const float* g, const float* zp, const float* zm, std::size_t nx,
                             std::size_t ny, std::size_t pitch, double cx, double cy, double cdn,
                             double cup);
double chemotaxis_flux_plane(double* f, const double* old, const double* ozp, const double* ozm,
                             const double* g, const double* gzp, const double* gzm, std::size_t nx,
                             std::size_t ny, std::size_t pitch, double cx, double cy, double cdn,
                             double cup, double f0, double f0dn, double f0up, double dt);
double chemotaxis_flux_plane(float* f, const float* old, const float* ozp, const float* ozm,
                             const float* g, const float* gzp, const float* gzm, std::size_t nx,
                             std::size_t ny, std::size_t pitch, double cx, double cy, double cdn,
                             double cup, double f0, double f0dn, double f0up, double dt);
double extrapolate_max_difference(const double* a, double* b, std::size_t n, double atol,
                                  double rtol);
double extrapolate_max_difference(const float* a, float* b, std::size_t n, double atol,
                                  double rtol);

/// Fibroblast chemotaxis up the growth-factor gradient, -div(chi u grad g) with u = (f - f0)+ the
/// recruited excess: first-order upwind (donor-cell) face fluxes, so the update is conservative
/// (every face flux leaves one voxel and enters its neighbour) and positivity preserving when each
/// substep satisfies dt * sum_out(v/h) <= 1; dt is split into as many substeps as that needs.
/// Chemotactic sensitivity follows the fibroblast diffusivity's layer scaling (zero where
/// fibroblasts do not live, e.g. into the epidermis).
template <class T>
class Chemotaxis {
 public:
  Chemotaxis(const HealingModel& model, int threads)
      : model_(&model),
        threads_(std::max(1, threads)),
        scratch_(Field<T>::stride_for(model.grid())),
        plane_rate_(model.grid().nz(), 0.0) {
    const auto& R = model.rates();
    const auto nz = model.grid().nz();
    lateral_.assign(nz, 0.0);
    face_.assign(nz, 0.0);
    if (R.diffusivity_fibroblast > 0.0 && R.chemotaxis_fibroblast > 0.0) {
      const double chi_per_D = R.chemotaxis_fibroblast / R.diffusivity_fibroblast;
      for (std::size_t k = 0; k < nz; ++k) {
        lateral_[k] = chi_per_D * model.planes()[k].D[2];
        if (k + 1 < nz) face_[k] = chi_per_D * model.face_diffusivity(2)[k];
      }
    }
  }

  /// Largest outflow rate sum_out chi dg / h^2 over the grid, 1/s (a max: thread-count
  /// independent).
  double max_rate(const Field<T>& u) const {
    const auto& G = u.grid();
    const auto nx = G.nx(), ny = G.ny(), nz = G.nz();
    const T* g = u.species_data(idx(Species::g));
    if (G.is_column()) {
      // The depth column: no lateral faces, one loop down the column (the line body inline, with
      // the voxel as its own lateral neighbours; no line call per voxel).
      const std::size_t ps = u.pitch();
      double best = 0.0;
      for (std::size_t k = 0; k < nz; ++k) {
        const T* row = g + ps * k;
        const T* zp = k + 1 < nz ? row + ps : row;
        const T* zm = k > 0 ? row - ps : row;
        const Faces c = faces(G, k);
        best = std::max(best,
                        chemotaxis_rate_line_body(row, row, row, zp, zm, 1, 0.0, 0.0, c.dn, c.up));
      }
      return best;
    }
    return punctum::detail::parallel_max(threads_, std::ptrdiff_t(nz), [&](std::ptrdiff_t kk) {
      const auto k = std::size_t(kk);
      const Faces c = faces(G, k);
      const T* plane = g + u.offset(0, 0, k);
      const T* zp = k + 1 < nz ? g + u.offset(0, 0, k + 1) : plane;
      const T* zm = k > 0 ? g + u.offset(0, 0, k - 1) : plane;
      return chemotaxis_rate_plane(plane, zp, zm, nx, ny, u.pitch(), c.x, c.y, c.dn, c.up);
    });
  }

  /// Substeps of one chemotaxis step dt at the outflow rate `rate` (1/s): the fewest that keep
  /// each within the positivity limit (0.9 of it); 0 when nothing flows.
  static std::size_t substeps(double rate, double dt) {
    return rate > 0.0 ? std::size_t(std::ceil(dt * rate / 0.9)) : 0;
  }

  /// Advances f by dt under chemotaxis at outflow rate `rate` (max_rate of u's g, 1/s); returns
  /// the number of substeps taken.
  std::size_t apply(Field<T>& u, double dt, double rate) {
    const std::size_t n = substeps(rate, dt);
    if (n > 0) more_substeps(u, u.species_data(idx(Species::g)), dt / double(n), n);
    return n;
  }
  std::size_t apply(Field<T>& u, double dt) { return apply(u, dt, max_rate(u)); }

  /// `count` substeps `sub` (s) of u's f up the gradient of `g` (after react_then_flux's first).
  void more_substeps(Field<T>& u, const T* g, double sub, std::size_t count) {
    for (std::size_t m = 0; m < count; ++m) substep(u, g, sub);
  }

  struct Fused {
    bool ok;      ///< every reaction value finite
    double rate;  ///< the largest outflow rate of g, 1/s: max_rate's, to the bit
  };
  /// The reactions and one chemotaxis substep `sub` (s) in a wavefront over planes: `react(k0,
  /// k1)` must write the reacted fibroblasts of planes [k0, k1) into old() (and the other species
  /// it updates into u); the flux of plane k follows as soon as planes k - 1, k, k + 1 have
  /// reacted, while they are still in cache, and writes u's f. This replaces a reaction pass, a
  /// copy of f and a flux pass with one pass; the arithmetic is that of reacting every plane and
  /// then calling substep, so the result is the same to the bit. Each thread takes a contiguous
  /// block of planes and finishes the fluxes of its two edge planes, which need its neighbours'
  /// planes, after every block has reacted. `done(k)` follows plane k's flux on the same thread
  /// (the split step's lateral diffusion sweeps, while the plane is in cache). The flux finds g's
  /// outflow rate on the way (the same differences of g), so a caller that chose `sub` before
  /// knowing the rate can check it without max_rate's pass, and undo the substep with redo() if
  /// it was not the one the rate asks for.
  template <class React, class Done>
  Fused react_then_flux(Field<T>& u, const T* g, double sub, React&& react, Done&& done) {
    const std::size_t nz = u.grid().nz();
    const T* old = scratch_.data();
    // Whether plane k's flux needs only planes of the block [k0, k1) (or none beyond the grid).
    auto inside = [nz](std::size_t k, std::size_t k0, std::size_t k1) {
      return (k > k0 || k == 0) && (k + 1 < k1 || k + 1 == nz);
    };
    // Plane k's flux and what follows it, on the thread that finishes the plane.
    auto finish = [&](std::size_t k) {
      plane_rate_[k] = flux_plane(u, g, old, k, sub);
      done(k);
    };
    const bool ok = punctum::detail::parallel_chunks(
        threads_, std::ptrdiff_t(nz),
        [&](std::ptrdiff_t b0, std::ptrdiff_t b1) {
          const auto k0 = std::size_t(b0), k1 = std::size_t(b1);
          bool fine = true;
          for (std::size_t k = k0; k < k1; ++k) {
            fine = react(k, k + 1) && fine;
            if (k > k0 && inside(k - 1, k0, k1)) finish(k - 1);
          }
          if (k1 > k0 && inside(k1 - 1, k0, k1)) finish(k1 - 1);
          return fine;
        },
        [&](std::ptrdiff_t b0, std::ptrdiff_t b1) {
          const auto k0 = std::size_t(b0), k1 = std::size_t(b1);
          if (k1 == k0) return true;
          if (!inside(k0, k0, k1)) finish(k0);
          if (k1 - 1 != k0 && !inside(k1 - 1, k0, k1)) finish(k1 - 1);
          return true;
        });
    return {ok, *std::max_element(plane_rate_.begin(), plane_rate_.end())};
  }

  /// Undoes react_then_flux's substep and advances f by dt in n substeps (n >= 0) up the gradient
  /// of `g` instead: old() still holds the reacted f, so the first substep's flux reads it there
  /// (n = 0: f goes back to it).
  void redo(Field<T>& u, const T* g, double dt, std::size_t n) {
    if (n == 0) {
      copy_planes(u, scratch_.data(), u.species_data(idx(Species::f)));
      return;
    }
    flux_pass(u, g, dt / double(n));
    more_substeps(u, g, dt / double(n), n - 1);
  }

  /// Where react_then_flux's reactions write f (laid out like one species of the field).
  T* old() { return scratch_.data(); }

 private:
  /// One explicit upwind substep of u's f up the gradient of g by dt (which must keep
  /// dt * max_rate within 0.9).
  void substep(Field<T>& u, const T* g, double dt) {
    if (u.grid().is_column()) {
      column_substep(u, g, dt);
      return;
    }
    copy_planes(u, u.species_data(idx(Species::f)), scratch_.data());
    flux_pass(u, g, dt);
  }

  /// One species' planes (laid out like u's) copied from `from` to `to`, a plane per task.
  void copy_planes(const Field<T>& u, const T* from, T* to) const {
    const std::size_t plane = u.pitch() * u.grid().ny();
    punctum::detail::parallel_for(threads_, std::ptrdiff_t(u.grid().nz()), [&](std::ptrdiff_t k) {
      std::copy(from + std::size_t(k) * plane, from + std::size_t(k + 1) * plane,
                to + std::size_t(k) * plane);
    });
  }

  /// Every plane's flux of one substep dt into u's f, from the old values in old().
  void flux_pass(Field<T>& u, const T* g, double dt) const {
    punctum::detail::parallel_for(threads_, std::ptrdiff_t(u.grid().nz()), [&](std::ptrdiff_t k) {
      flux_plane(u, g, scratch_.data(), std::size_t(k), dt);
    });
  }

  /// The chemotactic coefficients chi / h^2 of plane k's faces (1/s per unit of g): lateral,
  /// and down to plane k + 1 and up to k - 1; zero on a face the grid does not have.
  struct Faces {
    double x, y, dn, up;
  };
  Faces faces(const Grid3& G, std::size_t k) const {
    const auto nz = G.nz();
    const double hx2 = G.spacing[0] * G.spacing[0], hy2 = G.spacing[1] * G.spacing[1],
                 hz2 = G.spacing[2] * G.spacing[2];
    return {G.nx() > 1 ? lateral_[k] / hx2 : 0.0, G.ny() > 1 ? lateral_[k] / hy2 : 0.0,
            k + 1 < nz ? face_[k] / hz2 : 0.0, k > 0 ? face_[k - 1] / hz2 : 0.0};
  }

  /// One substep's flux on plane k: u's f from the old values (every plane's) and g; returns the
  /// plane's largest outflow rate.
  double flux_plane(Field<T>& u, const T* g, const T* old, std::size_t k, double dt) const {
    const auto& G = u.grid();
    const auto nx = G.nx(), ny = G.ny(), nz = G.nz();
    T* f = u.species_data(idx(Species::f));
    const auto& planes = model_->planes();
    const double f0 = planes[k].f0;
    const double f0dn = k + 1 < nz ? planes[k + 1].f0 : 0.0, f0up = k > 0 ? planes[k - 1].f0 : 0.0;
    const Faces c = faces(G, k);
    const std::size_t o = u.offset(0, 0, k);
    const std::size_t ozp = k + 1 < nz ? u.offset(0, 0, k + 1) : o,
                      ozm = k > 0 ? u.offset(0, 0, k - 1) : o;
    return chemotaxis_flux_plane(f + o, old + o, old + ozp, old + ozm, g + o, g + ozp, g + ozm, nx,
                                 ny, u.pitch(), c.x, c.y, c.dn, c.up, f0, f0dn, f0up, dt);
  }

  /// substep on the depth column: only the depth faces, in one pass down the column that keeps
  /// the previous plane's old value in a register instead of copying f. The upwind flux of
  /// chemotaxis_flux_line_body with its lateral faces zero, summed face by face (the 3D kernel
  /// sums the outflow rate first and multiplies by the excess once: equal in exact arithmetic,
  /// not to the bit).
  void column_substep(Field<T>& u, const T* g, double dt) {
    const auto& G = u.grid();
    const std::size_t nz = G.nz(), ps = u.pitch();
    const double hz2 = G.spacing[2] * G.spacing[2];
    T* f = u.species_data(idx(Species::f));
    const auto& planes = model_->planes();
    double above = 0.0;  // the old f of plane k - 1
    for (std::size_t k = 0; k < nz; ++k) {
      const double ga = g[ps * k], ok = f[ps * k];
      const double ua = std::max(0.0, ok - planes[k].f0);
      auto flux = [&](double c, double gb, double ob, double fb0) {
        const double v = c * (gb - ga);
        return v > 0.0 ? v * ua : v * std::max(0.0, ob - fb0);
      };
      const double dn = k + 1 < nz ? flux(face_[k] / hz2, g[ps * (k + 1)], f[ps * (k + 1)],
                                          planes[k + 1].f0)
                                   : 0.0;
      const double up =
          k > 0 ? flux(face_[k - 1] / hz2, g[ps * (k - 1)], above, planes[k - 1].f0) : 0.0;
      above = ok;
      f[ps * k] = T(ok - dt * (dn + up));
    }
  }

  const HealingModel* model_;
  int threads_;
  aligned_vector<T> scratch_;
  std::vector<double> plane_rate_;  // react_then_flux's outflow rate per plane, 1/s
  std::vector<double> lateral_, face_;
};

}  // namespace punctum::healing::detail
