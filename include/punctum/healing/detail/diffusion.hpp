#pragma once
// Implicit diffusion by locally one-dimensional (LOD) backward-Euler sweeps:
//   (I - dt Lx) u* = u,  (I - dt Ly) u** = u*,  (I - dt Lz) u^{n+1} = u**,
// each an M-matrix solve (unconditionally stable, positivity preserving, and with no-flux or
// periodic boundaries its columns sum to one, so mass is conserved to round-off).
//
// Layout and passes (the kernel is memory-bound, so it is organised around memory passes):
//  * Coefficients depend on depth only (the layer), so every x- and y-line of a plane shares one
//    matrix: its factorisation is computed once per dt and only right-hand sides are swept.
//  * Pass 1, per plane k (in L2): x sweep on blocks of `lanes` lines transposed into a small
//    buffer so the recurrence runs across lines in SIMD, then the y sweep across x in SIMD.
//  * Pass 2, per y-slab j (nz x nx, in L2): the z sweep across x in SIMD.
//  * Periodic x/y: cyclic tridiagonal by Sherman-Morrison (Numerical Recipes 2.7).
//  * z: no-flux at depth and at the surface, harmonic-mean face coefficients; the topical agent
//    has a Robin surface flux  -D ds/dz = P(x,y) (s_film - s)  whose per-column diagonal change is
//    one more Sherman-Morrison rank-one correction with a shared precomputed vector.
//  * Fibroblasts diffuse as their excess over the resident density f0(z): the resident cells stay.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "punctum/core/detail/parallel.hpp"
#include "punctum/core/field.hpp"
#include "punctum/healing/model.hpp"

#ifdef PUNCTUM_USE_OPENMP
#include <omp.h>
#endif

namespace punctum::healing::detail {

/// Factorisation of a constant-coefficient periodic tridiagonal matrix diag 1 + 2r, off -r.
template <class T>
struct CyclicFactor {
  std::vector<T> ib, cp, q;  // 1/pivot, super-diagonal multipliers, Sherman-Morrison vector
  T r = 0, bg = 0, sm = 0;
  bool identity = true;

  void resize(std::size_t n) {
    ib.assign(n, T(0));
    cp.assign(n, T(0));
    q.assign(n, T(0));
  }

  /// `scratch` holds 3 n doubles (preallocated: no allocation inside a time step).
  void factor(double r_, std::size_t n, double* scratch) {
    identity = (r_ == 0.0 || n == 1);
    if (identity) return;
    const double b = 1.0 + 2.0 * r_, gamma = -b;
    double* ibd = scratch;
    double* cpd = scratch + n;
    double* qd = scratch + 2 * n;
    for (std::size_t i = 0; i < n; ++i) {
      double bb = b;
      if (i == 0) bb = b - gamma;
      if (i == n - 1) bb = b - r_ * r_ / gamma;
      const double den = (i == 0) ? bb : bb + r_ * cpd[i - 1];
      ibd[i] = 1.0 / den;
      cpd[i] = -r_ * ibd[i];
    }
    // A' q = (gamma, 0, ..., 0, alpha), alpha = -r
    for (std::size_t i = 0; i < n; ++i) {
      const double rhs = (i == 0) ? gamma : (i == n - 1 ? -r_ : 0.0);
      qd[i] = (i == 0) ? rhs * ibd[0] : (rhs + r_ * qd[i - 1]) * ibd[i];
    }
    for (std::size_t i = n - 1; i-- > 0;) qd[i] -= cpd[i] * qd[i + 1];
    const double bgd = (-r_) / gamma;
    for (std::size_t i = 0; i < n; ++i) {
      ib[i] = T(ibd[i]);
      cp[i] = T(cpd[i]);
      q[i] = T(qd[i]);
    }
    r = T(r_);
    bg = T(bgd);
    sm = T(1.0 / (1.0 + qd[0] + bgd * qd[n - 1]));
  }
};

// The lane vectors below (through plane_sweep_body) are passed only between inline functions: the
// ABI note GCC gives for them in the baseline SIMD clone does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
/// One cache line of T as a SIMD vector (GCC/Clang vector extension): the lanes of the x sweep,
/// whose recurrence runs across `lanes` lines at once.
template <class T>
struct LaneVector {
  typedef T type __attribute__((vector_size(cache_line_bytes)));
};
template <class T>
using Lanes = typename LaneVector<T>::type;
template <class T>
inline Lanes<T> load_lanes(const T* p) {
  Lanes<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void store_lanes(T* p, const Lanes<T>& v) {
  std::memcpy(p, &v, sizeof v);
}

#if defined(__GNUC__) && !defined(__clang__)
inline constexpr bool register_transpose = true;
/// Transposes the L x L block held in L vectors (L = lanes of T) in registers: log2 L rounds of
/// a perfect shuffle, each row pair (i, i + L/2) becoming the interleaved low and high halves.
template <class T>
inline void transpose_lanes(Lanes<T>* r) {
  constexpr std::size_t L = cache_line_bytes / sizeof(T);
  using Index = std::conditional_t<sizeof(T) == 8, long long, int>;
  typedef Index Mask __attribute__((vector_size(cache_line_bytes)));
  auto interleave = [](std::size_t half) {  // constants once inlined
    Mask m{};
    for (std::size_t k = 0; k < L / 2; ++k) {
      m[2 * k] = Index(half + k);
      m[2 * k + 1] = Index(L + half + k);
    }
    return m;
  };
  const Mask low = interleave(0), high = interleave(L / 2);
  for (std::size_t round = 1; round < L; round *= 2) {
    Lanes<T> t[L];
    for (std::size_t i = 0; i < L / 2; ++i) {
      t[2 * i] = __builtin_shuffle(r[i], r[i + L / 2], low);
      t[2 * i + 1] = __builtin_shuffle(r[i], r[i + L / 2], high);
    }
    for (std::size_t i = 0; i < L; ++i) r[i] = t[i];
  }
}
#else
inline constexpr bool register_transpose = false;  // other compilers: transposed element-wise
template <class T>
inline void transpose_lanes(Lanes<T>*) {}
#endif

/// One plane of the lateral pass: (optionally) shift by -off, x sweep, y sweep, shift back.
/// fx / fy null: that direction is the identity. `block` holds max(nx, ny) * lanes values,
/// `fact` max(pitch, lanes). VectorRecurrence: the x recurrence carries its lanes (one cache line)
/// in one vector, for a build whose registers hold a cache line (AVX-512), where GCC otherwise
/// keeps them in scalar registers; elsewhere element-wise loops, which GCC vectorises at the
/// build's own width (a cache-line vector would be emulated, 2.5-3x slower). The same bits.
template <class T, bool VectorRecurrence = false>
inline void plane_sweep_body(T* plane, const CyclicFactor<T>* fx, const CyclicFactor<T>* fy, T off,
                             std::size_t nx, std::size_t ny, std::size_t pitch, T* block, T* fact) {
  constexpr std::size_t L = cache_line_bytes / sizeof(T);
  using V = Lanes<T>;
  if (off != T(0))
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) plane[pitch * j + i] -= off;
  if (fx) {
    // x sweep: L lines at a time, transposed so the recurrence over i runs across lines in one
    // SIMD vector. With at least L lines and L columns the transposes run L x L in registers: a
    // last partial group of lines is the group of the plane's last L lines, whose lanes of lines
    // already solved are swept too but not stored; a last partial block of columns overlaps the
    // one before it (both transposes are copies, so a column moved twice moves the same values).
    // Smaller planes transpose element by element, a partial group padded with zero lines.
    const T r = fx->r, bg = fx->bg, sm = fx->sm;
    const T* ib = fx->ib.data();
    const T* cp = fx->cp.data();
    const T* q = fx->q.data();
    T* B = block;
    const bool in_registers = register_transpose && nx >= L && ny >= L;
    for (std::size_t g0 = 0; g0 < ny; g0 += L) {
      // Lines [j0, j0 + nl) are loaded; those from g0 on are this group's to store.
      const std::size_t j0 = in_registers ? std::min(g0, ny - L) : g0;
      const std::size_t nl = std::min(L, ny - j0), first = g0 - j0;
      if (in_registers) {
        for (std::size_t i0 = 0; i0 < nx; i0 += L) {
          const std::size_t c0 = std::min(i0, nx - L);
          V v[L];
          for (std::size_t l = 0; l < L; ++l) v[l] = load_lanes(plane + pitch * (j0 + l) + c0);
          transpose_lanes<T>(v);
          for (std::size_t l = 0; l < L; ++l) store_lanes(B + (c0 + l) * L, v[l]);
        }
      } else {
        for (std::size_t l = 0; l < nl; ++l) {
          const T* src = plane + pitch * (j0 + l);
          for (std::size_t i = 0; i < nx; ++i) B[i * L + l] = src[i];
        }
        for (std::size_t l = nl; l < L; ++l)
          for (std::size_t i = 0; i < nx; ++i) B[i * L + l] = T(0);
      }
      if constexpr (VectorRecurrence) {
        V prev = load_lanes(B) * ib[0];
        store_lanes(B, prev);
        for (std::size_t i = 1; i < nx; ++i) {
          prev = (load_lanes(B + i * L) + r * prev) * ib[i];
          store_lanes(B + i * L, prev);
        }
        V next = prev;
        for (std::size_t i = nx - 1; i-- > 0;) {
          next = load_lanes(B + i * L) - cp[i] * next;
          store_lanes(B + i * L, next);
        }
      } else {
        for (std::size_t l = 0; l < L; ++l) B[l] *= ib[0];
        for (std::size_t i = 1; i < nx; ++i) {
          T* cur = B + i * L;
          const T* prev = cur - L;
          const T b = ib[i];
          for (std::size_t l = 0; l < L; ++l) cur[l] = (cur[l] + r * prev[l]) * b;
        }
        for (std::size_t i = nx - 1; i-- > 0;) {
          T* cur = B + i * L;
          const T* next = cur + L;
          const T c = cp[i];
          for (std::size_t l = 0; l < L; ++l) cur[l] -= c * next[l];
        }
      }
      // Sherman-Morrison factor of each line (element-wise, as the results were computed before
      // the sweep kept its lanes in vectors: the same bits).
      const T* last = B + (nx - 1) * L;
      for (std::size_t l = 0; l < L; ++l) fact[l] = (B[l] + bg * last[l]) * sm;
      if (in_registers) {
        for (std::size_t i0 = 0; i0 < nx; i0 += L) {
          const std::size_t c0 = std::min(i0, nx - L);
          V v[L];
          for (std::size_t l = 0; l < L; ++l) v[l] = load_lanes(B + (c0 + l) * L);
          transpose_lanes<T>(v);
          const V qv = load_lanes(q + c0);
          for (std::size_t l = first; l < L; ++l)
            store_lanes(plane + pitch * (j0 + l) + c0, v[l] - fact[l] * qv);
        }
      } else {
        for (std::size_t l = 0; l < nl; ++l) {
          T* dst = plane + pitch * (j0 + l);
          const T fl = fact[l];
          for (std::size_t i = 0; i < nx; ++i) dst[i] = B[i * L + l] - fl * q[i];
        }
      }
    }
  }
  if (fy) {
    // y sweep: lines along y, the recurrence over j runs across x in SIMD.
    const T r = fy->r, bg = fy->bg, sm = fy->sm;
    const T b0 = fy->ib[0];
    for (std::size_t i = 0; i < nx; ++i) plane[i] *= b0;
    for (std::size_t j = 1; j < ny; ++j) {
      T* cur = plane + pitch * j;
      const T* prev = cur - pitch;
      const T b = fy->ib[j];
      for (std::size_t i = 0; i < nx; ++i) cur[i] = (cur[i] + r * prev[i]) * b;
    }
    for (std::size_t j = ny - 1; j-- > 0;) {
      T* cur = plane + pitch * j;
      const T* next = cur + pitch;
      const T c = fy->cp[j];
      for (std::size_t i = 0; i < nx; ++i) cur[i] -= c * next[i];
    }
    const T* last = plane + pitch * (ny - 1);
    for (std::size_t i = 0; i < nx; ++i) fact[i] = (plane[i] + bg * last[i]) * sm;
    for (std::size_t j = 0; j < ny; ++j) {
      T* cur = plane + pitch * j;
      const T qj = fy->q[j];
      for (std::size_t i = 0; i < nx; ++i)
        cur[i] = cur[i] - fact[i] * qj + off;  // shift back fused
    }
  } else if (off != T(0)) {
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) plane[pitch * j + i] += off;
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// One y-slab of the depth pass (nz rows of nx at `plane_stride`): forward elimination with the
/// shared factorisation (am, ib, cp), back substitution, resident offsets per plane (null: none),
/// and for the topical agent the per-column Robin rows (delta = dt P / dz, null: no-flux) with the
/// film's right-hand side and the rank-one correction along zq.
template <class T>
inline void slab_sweep_body(T* base, std::size_t nx, std::size_t nz, std::size_t plane_stride,
                            const T* am, const T* ib, const T* cp, const T* offsets, const T* delta,
                            T film, const T* zq, T* fact) {
  {
    T* row = base;
    if (delta) {
      for (std::size_t i = 0; i < nx; ++i) row[i] = (row[i] + delta[i] * film) * ib[0];
    } else {
      const T off = offsets ? offsets[0] : T(0);
      for (std::size_t i = 0; i < nx; ++i) row[i] = (row[i] - off) * ib[0];
    }
  }
  // Rows lie a plane apart, beyond the hardware prefetcher's reach: each is requested a few
  // rows ahead of the elimination (the back substitution then finds the slab in cache).
  constexpr std::size_t ahead = 4;
  for (std::size_t k = 1; k <= ahead && k < nz; ++k) prefetch_row(base + plane_stride * k, nx);
  for (std::size_t k = 1; k < nz; ++k) {
    if (k + ahead < nz) prefetch_row(base + plane_stride * (k + ahead), nx);
    T* row = base + plane_stride * k;
    const T* prev = row - plane_stride;
    const T a = am[k], b = ib[k];
    const T off = offsets ? offsets[k] : T(0);
    for (std::size_t i = 0; i < nx; ++i) row[i] = (row[i] - off + a * prev[i]) * b;
  }
  // back substitution, re-adding the resident fibroblasts one plane behind
  for (std::size_t k = nz - 1; k-- > 0;) {
    T* row = base + plane_stride * k;
    T* next = row + plane_stride;
    const T c = cp[k];
    const T off = offsets ? offsets[k + 1] : T(0);
    for (std::size_t i = 0; i < nx; ++i) {
      row[i] -= c * next[i];
      next[i] += off;
    }
  }
  if (offsets) {
    const T off = offsets[0];
    for (std::size_t i = 0; i < nx; ++i) base[i] += off;
  }
  if (delta) {
    const T q0 = zq[0];
    for (std::size_t i = 0; i < nx; ++i) fact[i] = delta[i] * base[i] / (T(1) + delta[i] * q0);
    for (std::size_t k = 0; k < nz; ++k) {
      T* row = base + plane_stride * k;
      const T q = zq[k];
      for (std::size_t i = 0; i < nx; ++i) row[i] -= fact[i] * q;
    }
  }
}

// Compiled in src/healing/diffusion.cpp, one clone per SIMD width where the toolchain allows.
void plane_sweep(double* plane, const CyclicFactor<double>* fx, const CyclicFactor<double>* fy,
                 double off, std::size_t nx, std::size_t ny, std::size_t pitch, double* block,
                 double* fact);
void plane_sweep(float* plane, const CyclicFactor<float>* fx, const CyclicFactor<float>* fy,
                 float off, std::size_t nx, std::size_t ny, std::size_t pitch, float* block,
                 float* fact);
void slab_sweep(double* base, std::size_t nx, std::size_t nz, std::size_t plane_stride,
                const double* am, const double* ib, const double* cp, const double* offsets,
                const double* delta, double film, const double* zq, double* fact);
void slab_sweep(float* base, std::size_t nx, std::size_t nz, std::size_t plane_stride,
                const float* am, const float* ib, const float* cp, const float* offsets,
                const float* delta, float film, const float* zq, float* fact);

/// One array swept by the LOD solver: which factor set, whether it is shifted by the resident
/// fibroblast density, whether it carries the topical Robin surface condition. A delta-form job
/// fuses its neighbours into the sweeps, so the increments never make an extra trip to memory:
/// `fill(fill_context, k0, k1)` writes planes [k0, k1) of `data` (the right-hand side) just before
/// their lateral sweep (one plane at a time; all at once in the depth column), and after each
/// y-slab's depth solve `data` is added to `base` into `target` through `add(target, base, data,
/// nx, nz, plane_stride)` at the slab's start (the positivity limiter); `base` is the target itself
/// for a step in place.
template <class T>
struct SweepJob {
  T* data = nullptr;
  std::size_t set = 0;
  bool shifted = false;
  bool robin = false;
  void (*fill)(const void* context, std::size_t k0, std::size_t k1) = nullptr;
  const void* fill_context = nullptr;
  T* target = nullptr;
  const T* base = nullptr;
  void (*add)(T* target, const T* base, const T* data, std::size_t nx, std::size_t nz,
              std::size_t plane_stride) = nullptr;
};

/// Factor sets: 0-3 diffusion of c, g, f, s; 4-5 the delta-form operators of c and g with their
/// linear decay. A set with a decay (the topical agent's vascular clearance, per plane; c's and
/// g's own in sets 4-5) folds it into every factor as below.
/// A set with decay lambda factorises (1 + dt lambda) I - dt L as
///   (I - dt' Lx)(I - dt' Ly)((1 + dt lambda) I - dt Lz),  dt' = dt / (1 + dt lambda),
/// the symmetric product ((1 + dt lambda) I - dt Lx)(...)(...) / (1 + dt lambda)^2: its splitting
/// terms dt dt' (Lx Ly + Lx Lz + Ly Lz) shrink as the decay grows. (With lambda in the z factor
/// alone the product carries dt lambda dt (Lx + Ly), a first-order error that spreads a fast
/// signal laterally as if its step were 1 + dt lambda times longer: growth factor, lambda dt ~ 5
/// in remodelling, then held the adaptive step.)
inline constexpr std::size_t factor_sets = diffusing_count + 2;
inline constexpr std::size_t delta_set(std::size_t fast) {
  return diffusing_count + fast;
}
/// The diffusing species (index among c, g, f, s) whose operator factor set `set` holds.
inline constexpr std::size_t species_of_set(std::size_t set) {
  return set < diffusing_count ? set : set - diffusing_count;
}

template <class T>
class LodDiffusion {
 public:
  static constexpr std::size_t lanes = cache_line_bytes / sizeof(T);

  /// `plain_fast_sets`: also factorise sets 0 and 1 (plain diffusion of c and g, which apply()
  /// sweeps). The integrator sweeps c and g in delta form only and passes false, which saves a
  /// third of every factorisation (the depth column's prepare is a chain of divisions per step).
  /// `fitted_signal_decay`: c and g's delta-form sets fold in their fitted decay (implicit_decay;
  /// lod_lean's relaxation of the signals, exact for a steady source).
  LodDiffusion(const HealingModel& model, int threads, bool plain_fast_sets = true,
               bool fitted_signal_decay = false)
      : model_(&model),
        grid_(model.grid()),
        threads_(std::max(1, threads)),
        first_set_(plain_fast_sets ? 0 : 2),
        fitted_(fitted_signal_decay) {
    const auto nx = grid_.nx(), ny = grid_.ny(), nz = grid_.nz();
    // Face coefficients D_face / dz^2 of every set, 1/s (prepare multiplies them by dt).
    const double idz2 = 1.0 / (grid_.spacing[2] * grid_.spacing[2]);
    for (std::size_t set = 0; set < factor_sets; ++set) {
      const auto& face = model.face_diffusivity(species_of_set(set));
      zface_[set].resize(face.size());
      for (std::size_t k = 0; k < face.size(); ++k) zface_[set][k] = face[k] * idz2;
    }
    // Lateral matrices depend on the diffusivity and the set's decay (through dt'), and planes
    // of one layer share them: factorise each distinct (D, decay) once.
    auto& keys = lateral_keys_;
    for (std::size_t set = first_set_; set < factor_sets; ++set) {
      const std::size_t d = species_of_set(set);
      lateral_id_[set].resize(nz);
      for (std::size_t k = 0; k < nz; ++k) {
        const LateralKey key{model.planes()[k].D[d], decay_of(set, k), fitted(set) ? 1.0 : 0.0};
        auto it = std::find(keys.begin(), keys.end(), key);
        if (it == keys.end()) it = keys.insert(keys.end(), key);
        lateral_id_[set][k] = std::size_t(it - keys.begin());
      }
    }
    for (auto& F : slots_) {
      F.fx.resize(keys.size());
      F.fy.resize(keys.size());
      for (std::size_t u = 0; u < keys.size(); ++u) {
        F.fx[u].resize(nx);
        F.fy[u].resize(ny);
      }
      for (std::size_t d = 0; d < factor_sets; ++d) {
        F.zam[d].assign(nz, T(0));
        F.zib[d].assign(nz, T(0));
        F.zcp[d].assign(nz, T(0));
      }
      F.zq.assign(nz, T(0));
    }
    scratch_.assign(3 * std::max({nx, ny, nz}), 0.0);
    offsets_.assign(nz, T(0));
    for (std::size_t k = 0; k < nz; ++k) offsets_[k] = T(model.planes()[k].f0);
    zeros_.assign(nz, T(0));
    const std::size_t pitch = Field<T>::pitch_for(nx);
    buffers_.resize(std::size_t(threads_));
    for (auto& b : buffers_) {
      b.block = aligned_vector<T>(std::max(nx, ny) * lanes);
      b.fact = aligned_vector<T>(std::max(pitch, lanes));
      b.delta = aligned_vector<T>(pitch);
    }
  }

  /// Bytes of coefficient and per-thread scratch storage.
  /// (At most: planes of one layer share their lateral factorisation.)
  static std::size_t workspace_bytes(const Grid3& g, int threads) {
    const auto nx = g.nx(), ny = g.ny(), nz = g.nz();
    return sizeof(T) *
           (slot_count * (factor_sets * nz * (3 * (nx + ny) + 3) + nz) + nz +
            std::size_t(std::max(1, threads)) * (std::max(nx, ny) * lanes + 3 * (nx + lanes)));
  }
  std::size_t workspace_bytes() const { return workspace_bytes(grid_, threads_); }

  /// The linear decay a set folds into its operator at plane k, 1/s: the topical agent's vascular
  /// clearance, the delta-form signals' own decay; 0 for plain diffusion.
  /// Sets 0 and 1 are c and g's plain diffusion (apply()), without their decay.
  double decay_of(std::size_t set, std::size_t k) const {
    if (set < 2) return 0.0;
    return model_->linear_decay(species_of_set(set), k);
  }

  /// Whether set `set` folds in its fitted decay: c and g's delta-form sets when asked for.
  bool fitted(std::size_t set) const { return fitted_ && set >= diffusing_count; }

  /// The decay term a factor set folds into its operator for a step dt, 1 (dt lambda in
  /// (1 + dt lambda) I - dt L). A fitted set folds in x / (1 - e^-x) - 1 instead, x = dt lambda:
  /// the delta-form increment of a signal's lateral mean, dt lambda (S - u) / (1 + that), is then
  /// the exact relaxation (1 - e^-x)(S - u) towards a steady source S, not backward Euler's
  /// x / (1 + x) of it (which lags a signal's rise after a wound by half a step, 1 - e^-x at
  /// x = 1 being 0.63 against 0.5). The right-hand side is unchanged, so every steady state stays
  /// exact; the term lies between x/2 and x, so the step stays positive and unconditionally
  /// stable (each mode's increment is a fraction below 1 of its distance to equilibrium).
  static double implicit_decay(double x, bool fitted) {
    if (!fitted) return x;
    if (x < 1e-6) return 0.5 * x + x * x / 12.0;  // the series: no cancellation at tiny steps
    return x / -std::expm1(-x) - 1.0;
  }

  /// Factorise every sweep's matrix for time step dt (cheap: O(nz (nx + ny))). Two step sizes
  /// are kept (Richardson alternates dt and dt/2), so a repeated dt costs nothing.
  void prepare(double dt) {
    if (slots_[cur_].dt == dt) return;
    if (slots_[1 - cur_].dt == dt) {
      cur_ = 1 - cur_;
      return;
    }
    cur_ = 1 - cur_;
    auto& F = slots_[cur_];
    const auto nx = grid_.nx(), ny = grid_.ny(), nz = grid_.nz();
    const double dx2 = grid_.spacing[0] * grid_.spacing[0],
                 dy2 = grid_.spacing[1] * grid_.spacing[1];
    for (std::size_t u = 0; u < lateral_keys_.size(); ++u) {
      const auto [D, decay, fit] = lateral_keys_[u];
      const double dt_lat = dt / (1.0 + implicit_decay(dt * decay, fit != 0.0));
      F.fx[u].factor(D * dt_lat / dx2, nx, scratch_.data());
      F.fy[u].factor(D * dt_lat / dy2, ny, scratch_.data());
    }
    // Thomas factorisation in z of every set, planes outer and sets inner: each set's pivots
    // form a chain of dependent divisions, and interleaving the sets' independent chains keeps
    // the divider busy (a Richardson step factorises twice, and the depth column does little
    // else). Set 3's pivots are kept in double for the Robin vector below.
    std::array<double, factor_sets> cp_prev{};
    double* ib3 = scratch_.data();
    double* cp3 = scratch_.data() + nz;
    for (std::size_t k = 0; k < nz; ++k) {
      for (std::size_t set = first_set_; set < factor_sets; ++set) {
        const double up = k > 0 ? zface_[set][k - 1] * dt : 0.0;
        const double dn = k + 1 < nz ? zface_[set][k] * dt : 0.0;
        const double den = 1.0 + implicit_decay(dt * decay_of(set, k), fitted(set)) + up + dn +
                           (k > 0 ? up * cp_prev[set] : 0.0);
        const double ib = 1.0 / den, cp = -dn * ib;
        cp_prev[set] = cp;
        F.zam[set][k] = T(up);
        F.zib[set][k] = T(ib);
        F.zcp[set][k] = T(cp);
        if (set == 3) {
          ib3[k] = ib;
          cp3[k] = cp;
        }
      }
    }
    {
      // A q = e0 for the Robin rank-one correction of the topical agent.
      double* q = scratch_.data() + 2 * nz;
      for (std::size_t k = 0; k < nz; ++k)
        q[k] = ((k == 0 ? 1.0 : 0.0) + (k > 0 ? double(F.zam[3][k]) * q[k - 1] : 0.0)) * ib3[k];
      for (std::size_t k = nz - 1; k-- > 0;) q[k] -= cp3[k] * q[k + 1];
      for (std::size_t k = 0; k < nz; ++k) F.zq[k] = T(q[k]);
    }
    F.dt = dt;
  }

  /// One LOD step of length prepare()'s dt on the diffusing species of `u` (which holds all
  /// species_count species; w is read for the surface permeability). `film` is the topical
  /// agent's surface concentration, kg/m^3 (0: no film, a no-flux surface).
  void apply(Field<T>& u, double film) {
    if (first_set_ != 0)
      throw std::logic_error("LodDiffusion::apply needs the plain sets (plain_fast_sets = true)");
    std::array<SweepJob<T>, diffusing_count> jobs;
    for (std::size_t d = 0; d < diffusing_count; ++d)
      jobs[d] = {u.species_data(idx(diffusing_species[d])), d, diffusing_species[d] == Species::f,
                 surface_flux(diffusing_species[d], film)};
    solve(jobs.data(), jobs.size(), u.species_data(idx(Species::w)), film);
  }

  /// Sweeps every job's array (same grid layout as the state field). `w` is the damage array for
  /// the topical agent's surface permeability (only read by Robin jobs).
  void solve(const SweepJob<T>* jobs, std::size_t njobs, const T* w, double film) {
    lateral_pass(jobs, njobs);
    depth_pass(jobs, njobs, w, film);
  }

  void lateral_pass(const SweepJob<T>* jobs, std::size_t njobs) {
    const auto nz = grid_.nz();
    if (grid_.is_column()) {  // the depth column: nothing moves laterally
      for (std::size_t jb = 0; jb < njobs; ++jb)
        if (jobs[jb].fill) jobs[jb].fill(jobs[jb].fill_context, 0, nz);
      return;
    }
    punctum::detail::parallel_for(threads_, std::ptrdiff_t(nz), [&](std::ptrdiff_t k) {
      lateral_plane(jobs, njobs, std::size_t(k));
    });
  }

  /// The lateral pass on plane k alone (fill, x and y sweeps of every job), for a caller that
  /// walks the planes itself: the integrator runs it right behind the reactions of the plane.
  /// Must be called from the solver's own threads (thread 0 alone, or an OpenMP team of at most
  /// threads() threads), whose buffers it uses.
  void lateral_plane(const SweepJob<T>* jobs, std::size_t njobs, std::size_t k) {
    const auto nx = grid_.nx(), ny = grid_.ny();
    const auto pitch = Field<T>::pitch_for(nx);
    auto& buf = buffers_[thread_id()];
    for (std::size_t jb = 0; jb < njobs; ++jb) {
      const auto& job = jobs[jb];
      if (job.fill) job.fill(job.fill_context, k, k + 1);
      const auto& fx = slots_[cur_].fx[lateral_id_[job.set][k]];
      const auto& fy = slots_[cur_].fy[lateral_id_[job.set][k]];
      if (fx.identity && fy.identity) continue;
      T* plane = job.data + pitch * ny * k;
      const T off = job.shifted ? offsets_[k] : T(0);
      plane_sweep(plane, fx.identity ? nullptr : &fx, fy.identity ? nullptr : &fy, off, nx, ny,
                  pitch, buf.block.data(), buf.fact.data());
    }
  }

  void depth_pass(const SweepJob<T>* jobs, std::size_t njobs, const T* w, double film) {
    const auto nx = grid_.nx(), ny = grid_.ny(), nz = grid_.nz();
    if (grid_.is_column()) {
      for (std::size_t j0 = 0; j0 < njobs; j0 += column_batch)
        column_depth_pass(jobs + j0, std::min(column_batch, njobs - j0), w[0], film);
      return;
    }
    const auto pitch = Field<T>::pitch_for(nx);
    const std::size_t plane_stride = pitch * ny;
    const Robin robin_delta = robin();
    punctum::detail::parallel_for(threads_, std::ptrdiff_t(ny), [&](std::ptrdiff_t jj) {
      const auto j = std::size_t(jj);
      auto& buf = buffers_[thread_id()];
      for (std::size_t jb = 0; jb < njobs; ++jb) {
        const auto& job = jobs[jb];
        T* base = job.data + pitch * j;
        const auto& F = slots_[cur_];
        const T* am = F.zam[job.set].data();
        const T* ib = F.zib[job.set].data();
        const T* cp = F.zcp[job.set].data();
        const bool shifted = job.shifted;
        const bool robin = job.robin;
        T* delta = buf.delta.data();
        if (robin) {
          const T* w0 = w + pitch * j;
          for (std::size_t i = 0; i < nx; ++i) delta[i] = robin_delta(w0[i]);
        }
        slab_sweep(base, nx, nz, plane_stride, am, ib, cp, shifted ? offsets_.data() : nullptr,
                   robin ? delta : nullptr, T(film), F.zq.data(), buf.fact.data());
        if (job.target)
          job.add(job.target + pitch * j, job.base + pitch * j, base, nx, nz, plane_stride);
      }
    });
  }

 private:
  static constexpr std::size_t column_batch = 4;

  /// The Robin row's diagonal change dt P / dz of a column whose surface voxel has damage w: the
  /// permeability opens from intact to open skin with the damage. The constants are read once
  /// per pass (robin()), not once per column.
  struct Robin {
    double P_intact, P_open, dt, dz;
    T operator()(T w) const {
      return T(dt * topical_permeability(P_intact, P_open, double(w)) / dz);
    }
  };
  Robin robin() const {
    return {model_->rates().topical_permeability_intact, model_->topical_permeability_open(),
            slots_[cur_].dt, grid_.spacing[2]};
  }

  /// The depth column's pass: the jobs' tridiagonal solves in one loop over depth, with the
  /// arithmetic of slab_sweep_body at nx = 1. A single solve runs at the latency of its chain of
  /// dependent multiply-adds; interleaved, the jobs' independent chains overlap. `w0` is the
  /// surface damage (the topical agent's permeability).
  void column_depth_pass(const SweepJob<T>* jobs, std::size_t njobs, T w0, double film) {
    switch (njobs) {
      case 1: return column_depth_batch<1>(jobs, w0, film);
      case 2: return column_depth_batch<2>(jobs, w0, film);
      case 3: return column_depth_batch<3>(jobs, w0, film);
      default: return column_depth_batch<column_batch>(jobs, w0, film);
    }
  }
  /// column_depth_pass for N jobs: N fixed, so the jobs' running values stay in registers (through
  /// memory, every step of the chain also waited for a store to forward). An unshifted job
  /// subtracts and adds zeros (exact), so the loops have no branches.
  template <std::size_t N>
  void column_depth_batch(const SweepJob<T>* jobs, T w0, double film) {
    static_assert(N <= column_batch);
    const std::size_t nz = grid_.nz();
    const auto& F = slots_[cur_];
    std::array<T*, N> u{};
    std::array<const T*, N> am{}, ib{}, cp{}, off{};
    std::array<T, N> delta{}, x{};
    const T surface = robin()(w0);
    for (std::size_t jb = 0; jb < N; ++jb) {
      u[jb] = jobs[jb].data;
      am[jb] = F.zam[jobs[jb].set].data();
      ib[jb] = F.zib[jobs[jb].set].data();
      cp[jb] = F.zcp[jobs[jb].set].data();
      off[jb] = jobs[jb].shifted ? offsets_.data() : zeros_.data();
      delta[jb] = jobs[jb].robin ? surface : T(0);
      x[jb] = jobs[jb].robin ? (u[jb][0] + delta[jb] * T(film)) * ib[jb][0]
                             : (u[jb][0] - off[jb][0]) * ib[jb][0];
      u[jb][0] = x[jb];
    }
    for (std::size_t k = 1; k < nz; ++k)
      for (std::size_t jb = 0; jb < N; ++jb) {
        x[jb] = (u[jb][k] - off[jb][k] + am[jb][k] * x[jb]) * ib[jb][k];
        u[jb][k] = x[jb];
      }
    // Back substitution: x holds plane k + 1's solution before its offset is added back.
    for (std::size_t k = nz - 1; k-- > 0;)
      for (std::size_t jb = 0; jb < N; ++jb) {
        const T y = u[jb][k] - cp[jb][k] * x[jb];
        u[jb][k + 1] = x[jb] + off[jb][k + 1];
        x[jb] = y;
      }
    for (std::size_t jb = 0; jb < N; ++jb) {
      u[jb][0] = x[jb] + off[jb][0];
      if (jobs[jb].robin) {
        const T fact = delta[jb] * u[jb][0] / (T(1) + delta[jb] * F.zq[0]);
        for (std::size_t k = 0; k < nz; ++k) u[jb][k] -= fact * F.zq[k];
      }
      if (jobs[jb].target)
        jobs[jb].add(jobs[jb].target, jobs[jb].base, u[jb], 1, nz, 1);
    }
  }

  struct Buffers {
    aligned_vector<T> block, fact, delta;
  };

  /// This thread's buffers. One thread runs inline (parallel_for opens no team), where an
  /// enclosing OpenMP region's thread number would index past the single buffer.
  std::size_t thread_id() const {
#ifdef PUNCTUM_USE_OPENMP
    return threads_ > 1 ? std::size_t(omp_get_thread_num()) : 0;
#else
    return 0;
#endif
  }

  const HealingModel* model_;
  Grid3 grid_;
  int threads_;
  std::size_t first_set_;                                 // sets below it are not factorised
  std::array<std::vector<double>, factor_sets> zface_;  // face D / dz^2 per set, 1/s
  /// The factorisations for one step size.
  struct Factors {
    double dt = -1.0;
    std::vector<CyclicFactor<T>> fx, fy;  // per distinct lateral matrix (lateral_id_)
    std::array<std::vector<T>, factor_sets> zam, zib, zcp;
    std::vector<T> zq;  // Robin vector of set 3
  };
  static constexpr std::size_t slot_count = 2;
  std::array<Factors, slot_count> slots_;
  std::size_t cur_ = 0;
  std::vector<T> offsets_;  // resident fibroblasts per plane
  std::vector<T> zeros_;    // the offsets of an unshifted job (depth column)
  std::array<std::vector<std::size_t>, factor_sets> lateral_id_;  // plane -> distinct lateral matrix
  bool fitted_;  // c and g's delta-form sets fold in their fitted decay (implicit_decay)
  using LateralKey = std::array<double, 3>;  // diffusivity m^2/s, the set's decay 1/s, fitted
  std::vector<LateralKey> lateral_keys_;     // one per distinct lateral matrix
  std::vector<double> scratch_;
  std::vector<Buffers> buffers_;
};

}  // namespace punctum::healing::detail
