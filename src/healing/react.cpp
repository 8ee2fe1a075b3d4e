// The 3D patch's per-voxel kinetics (react_planes), compiled here on their own with
// finite-math and no-signed-zeros: the update's max(0, x) and min(x, 1) then become one SIMD max
// or min each instead of a compare and a masked move, and no finite value changes (only the sign
// of a zero may). Their finiteness check reads the exponent bits of the result, which these flags
// do not touch, so a NaN or an infinity is still reported. One clone per SIMD width.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math", "finite-math-only", "no-signed-zeros")
#endif

#include "punctum/healing/detail/kinetics.hpp"
#include "simd_clones.hpp"

namespace punctum::healing::detail {

PUNCTUM_SIMD_CLONES bool react_planes(const Field<double>& src, Field<double>& u,
                                      const HealingModel& model, double dt, std::size_t k0,
                                      std::size_t k1, double* f_out, bool carry_fast,
                                      bool extrapolate) {
  return react_planes_body(src, u, model, dt, k0, k1, f_out, carry_fast, extrapolate);
}

PUNCTUM_SIMD_CLONES bool react_planes(const Field<float>& src, Field<float>& u,
                                      const HealingModel& model, double dt, std::size_t k0,
                                      std::size_t k1, float* f_out, bool carry_fast,
                                      bool extrapolate) {
  return react_planes_body(src, u, model, dt, k0, k1, f_out, carry_fast, extrapolate);
}

}  // namespace punctum::healing::detail
