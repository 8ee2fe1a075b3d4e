// The per-voxel kinetics loop, compiled once here rather than in every includer: without
// floating-point trap semantics (punctum never enables FP traps) GCC if-converts the branch-free
// update and vectorises it, and on x86-64 Linux one clone per SIMD width is selected at load time.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "punctum/healing/detail/kinetics.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PUNCTUM_SIMD_CLONES __attribute__((flatten, target_clones("avx512f", "avx2", "default")))
#else
#define PUNCTUM_SIMD_CLONES
#endif

namespace punctum::healing::detail {

PUNCTUM_SIMD_CLONES bool react_planes(Field<double>& u, const HealingModel& model, double dt,
                                      std::size_t k0, std::size_t k1) {
  return react_planes_body(u, model, dt, k0, k1);
}

PUNCTUM_SIMD_CLONES bool react_planes(Field<float>& u, const HealingModel& model, double dt,
                                      std::size_t k0, std::size_t k1) {
  return react_planes_body(u, model, dt, k0, k1);
}

}  // namespace punctum::healing::detail
