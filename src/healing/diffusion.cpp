// The LOD sweep kernels, compiled once here with one clone per SIMD width (x86-64 Linux, GCC),
// selected at load time. On one machine results do not depend on the thread count (element-wise
// arithmetic, no reductions). Across machines they can differ in the last bits: GCC contracts
// a*b + c into FMAs (also in ISO C++ mode) in the avx512f clone, not in the baseline one; turning
// contraction off cost ~10 % of the sweeps' speed, so it stays on.
#include "punctum/healing/detail/diffusion.hpp"
#include "simd_clones.hpp"

namespace punctum::healing::detail {

#if defined(PUNCTUM_HAVE_SIMD_CLONES)
// The lateral sweep picks its x recurrence by the register width (plane_sweep_body): a build for
// AVX-512 carries the lanes in one vector; the AVX2 and baseline clones loop over them.
template <class T>
__attribute__((flatten, target("avx512f"))) void plane_sweep_wide(
    T* plane, const CyclicFactor<T>* fx, const CyclicFactor<T>* fy, T off, std::size_t nx,
    std::size_t ny, std::size_t pitch, T* block, T* fact) {
  plane_sweep_body<T, true>(plane, fx, fy, off, nx, ny, pitch, block, fact);
}
template <class T>
__attribute__((flatten, target_clones("avx2", "default"))) void plane_sweep_narrow(
    T* plane, const CyclicFactor<T>* fx, const CyclicFactor<T>* fy, T off, std::size_t nx,
    std::size_t ny, std::size_t pitch, T* block, T* fact) {
  plane_sweep_body<T, false>(plane, fx, fy, off, nx, ny, pitch, block, fact);
}
template <class T>
void plane_sweep_dispatch(T* plane, const CyclicFactor<T>* fx, const CyclicFactor<T>* fy, T off,
                          std::size_t nx, std::size_t ny, std::size_t pitch, T* block, T* fact) {
  static const bool wide = __builtin_cpu_supports("avx512f");
  (wide ? plane_sweep_wide<T> : plane_sweep_narrow<T>)(plane, fx, fy, off, nx, ny, pitch, block,
                                                       fact);
}
#else
template <class T>
void plane_sweep_dispatch(T* plane, const CyclicFactor<T>* fx, const CyclicFactor<T>* fy, T off,
                          std::size_t nx, std::size_t ny, std::size_t pitch, T* block, T* fact) {
  plane_sweep_body(plane, fx, fy, off, nx, ny, pitch, block, fact);
}
#endif

void plane_sweep(double* plane, const CyclicFactor<double>* fx, const CyclicFactor<double>* fy,
                 double off, std::size_t nx, std::size_t ny, std::size_t pitch, double* block,
                 double* fact) {
  plane_sweep_dispatch(plane, fx, fy, off, nx, ny, pitch, block, fact);
}
void plane_sweep(float* plane, const CyclicFactor<float>* fx, const CyclicFactor<float>* fy,
                 float off, std::size_t nx, std::size_t ny, std::size_t pitch, float* block,
                 float* fact) {
  plane_sweep_dispatch(plane, fx, fy, off, nx, ny, pitch, block, fact);
}
PUNCTUM_SIMD_CLONES void slab_sweep(double* base, std::size_t nx, std::size_t nz,
                                    std::size_t plane_stride, const double* am, const double* ib,
                                    const double* cp, const double* offsets, const double* delta,
                                    double film, const double* zq, double* fact) {
  slab_sweep_body(base, nx, nz, plane_stride, am, ib, cp, offsets, delta, film, zq, fact);
}
PUNCTUM_SIMD_CLONES void slab_sweep(float* base, std::size_t nx, std::size_t nz,
                                    std::size_t plane_stride, const float* am, const float* ib,
                                    const float* cp, const float* offsets, const float* delta,
                                    float film, const float* zq, float* fact) {
  slab_sweep_body(base, nx, nz, plane_stride, am, ib, cp, offsets, delta, film, zq, fact);
}

}  // namespace punctum::healing::detail
