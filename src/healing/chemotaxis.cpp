// The chemotaxis kernels, compiled here on their own: their upwind fluxes and outflow rates are
// made of max(0, x) and min(0, x), which GCC turns into one SIMD max or min only when it may
// ignore NaN and the sign of zero (otherwise a compare and a masked move each). Neither matters
// here: a NaN in g or f is reported by the reactions that read them, and a signed zero changes
// no sum. Both kernels are built with the same flags, so the flux finds max_rate's rate to the
// bit. One clone per SIMD width, as the kinetics.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math", "finite-math-only", "no-signed-zeros")
#endif

#include "punctum/healing/detail/kinetics.hpp"
#include "simd_clones.hpp"

namespace punctum::healing::detail {

#define PUNCTUM_CHEMOTAXIS_PLANES(T)                                                             \
  PUNCTUM_SIMD_CLONES double chemotaxis_rate_plane(                                              \
      const T* g, const T* zp, const T* zm, std::size_t nx, std::size_t ny, std::size_t pitch,   \
      double cx, double cy, double cdn, double cup) {                                            \
    return chemotaxis_rate_plane_body(g, zp, zm, nx, ny, pitch, cx, cy, cdn, cup);               \
  }                                                                                              \
  PUNCTUM_SIMD_CLONES double chemotaxis_flux_plane(                                              \
      T* f, const T* old, const T* ozp, const T* ozm, const T* g, const T* gzp, const T* gzm,    \
      std::size_t nx, std::size_t ny, std::size_t pitch, double cx, double cy, double cdn,       \
      double cup, double f0, double f0dn, double f0up, double dt) {                              \
    return chemotaxis_flux_plane_body(f, old, ozp, ozm, g, gzp, gzm, nx, ny, pitch, cx, cy, cdn, \
                                      cup, f0, f0dn, f0up, dt);                                  \
  }

PUNCTUM_CHEMOTAXIS_PLANES(double)
PUNCTUM_CHEMOTAXIS_PLANES(float)
#undef PUNCTUM_CHEMOTAXIS_PLANES

}  // namespace punctum::healing::detail
