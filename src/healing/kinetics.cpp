// The depth column's kinetics, the error estimates, the fills and the increments' addition,
// compiled once here rather than in every includer: without floating-point trap semantics
// (punctum never enables FP traps) GCC if-converts the branch-free updates and vectorises them,
// and on x86-64 Linux one clone per SIMD width is selected at load time. The 3D kinetics and the
// chemotaxis kernels have files of their own (react.cpp, chemotaxis.cpp), built with
// finite-math as well.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "punctum/healing/detail/kinetics.hpp"

#include "simd_clones.hpp"

namespace punctum::healing::detail {

PUNCTUM_SIMD_CLONES bool react_column(const Field<double>& src, Field<double>& u,
                                      const ReactColumn& table, const Rates& R, double dt,
                                      bool extrapolate) {
  return react_column_body(src, u, table, R, dt, extrapolate);
}

PUNCTUM_SIMD_CLONES bool react_column(const Field<float>& src, Field<float>& u,
                                      const ReactColumn& table, const Rates& R, double dt,
                                      bool extrapolate) {
  return react_column_body(src, u, table, R, dt, extrapolate);
}

PUNCTUM_SIMD_CLONES double react_error_planes(const Field<double>& src, const HealingModel& model,
                                              double dt, std::size_t k0, std::size_t k1,
                                              const double* atol, double rtol) {
  return react_error_planes_body(src, model, dt, k0, k1, atol, rtol);
}

PUNCTUM_SIMD_CLONES double react_error_planes(const Field<float>& src, const HealingModel& model,
                                              double dt, std::size_t k0, std::size_t k1,
                                              const double* atol, double rtol) {
  return react_error_planes_body(src, model, dt, k0, k1, atol, rtol);
}

PUNCTUM_SIMD_CLONES double react_error_column(const Field<double>& src, const ReactColumn& table,
                                              const Rates& R, double dt, const double* atol,
                                              double rtol) {
  return react_error_column_body(src, table, R, dt, atol, rtol);
}

PUNCTUM_SIMD_CLONES double react_error_column(const Field<float>& src, const ReactColumn& table,
                                              const Rates& R, double dt, const double* atol,
                                              double rtol) {
  return react_error_column_body(src, table, R, dt, atol, rtol);
}

PUNCTUM_SIMD_CLONES double coupling_error_planes(Field<double>& u, const double* dc,
                                                 const double* dg, const HealingModel& model,
                                                 double dt, std::size_t k0, std::size_t k1,
                                                 const double* atol, double rtol, bool correct) {
  return coupling_error_planes_body(u, dc, dg, model, dt, k0, k1, atol, rtol, correct);
}

PUNCTUM_SIMD_CLONES double coupling_error_column(Field<double>& u, const double* dc,
                                                 const double* dg, const ReactColumn& table,
                                                 const Rates& R, double dt, const double* atol,
                                                 double rtol, bool correct) {
  return coupling_error_column_body(u, dc, dg, table, R, dt, atol, rtol, correct);
}

PUNCTUM_SIMD_CLONES double coupling_error_planes(Field<float>& u, const float* dc, const float* dg,
                                                 const HealingModel& model, double dt,
                                                 std::size_t k0, std::size_t k1, const double* atol,
                                                 double rtol, bool correct) {
  return coupling_error_planes_body(u, dc, dg, model, dt, k0, k1, atol, rtol, correct);
}

PUNCTUM_SIMD_CLONES double coupling_error_column(Field<float>& u, const float* dc, const float* dg,
                                                 const ReactColumn& table, const Rates& R,
                                                 double dt, const double* atol, double rtol,
                                                 bool correct) {
  return coupling_error_column_body(u, dc, dg, table, R, dt, atol, rtol, correct);
}

#define PUNCTUM_FAST_RHS_PLANE(T)                                                                 \
  PUNCTUM_SIMD_CLONES void fast_rhs_plane(                                                        \
      const T* a, const T* zp, const T* zm, const T* s1, const T* s2, bool lagged, double wt,     \
      const T* w_top, T* out, std::size_t nx, std::size_t ny, std::size_t pitch, double cx,       \
      double cy, double dn, double up, double decay, double a1, double a2, double dt,             \
      double P_intact, double P_open, double film, double inv_dz) {                               \
    fast_rhs_plane_body(a, zp, zm, s1, s2, lagged, wt, w_top, out, nx, ny, pitch, cx, cy, dn, up, \
                        decay, a1, a2, dt, P_intact, P_open, film, inv_dz);                       \
  }

PUNCTUM_FAST_RHS_PLANE(double)
PUNCTUM_FAST_RHS_PLANE(float)
#undef PUNCTUM_FAST_RHS_PLANE

PUNCTUM_SIMD_CLONES void add_increment_slab(double* a, const double* in, const double* du,
                                            std::size_t nx, std::size_t nz,
                                            std::size_t plane_stride) {
  add_increment_slab_body(a, in, du, nx, nz, plane_stride);
}
PUNCTUM_SIMD_CLONES void add_increment_slab(float* a, const float* in, const float* du,
                                            std::size_t nx, std::size_t nz,
                                            std::size_t plane_stride) {
  add_increment_slab_body(a, in, du, nx, nz, plane_stride);
}

#define PUNCTUM_EXTRAPOLATE(T)                                                           \
  PUNCTUM_SIMD_CLONES double extrapolate_max_difference(const T* a, T* b, std::size_t n, \
                                                        double atol, double rtol) {      \
    return extrapolate_max_difference_body(a, b, n, atol, rtol);                         \
  }

PUNCTUM_EXTRAPOLATE(double)
PUNCTUM_EXTRAPOLATE(float)
#undef PUNCTUM_EXTRAPOLATE

}  // namespace punctum::healing::detail
