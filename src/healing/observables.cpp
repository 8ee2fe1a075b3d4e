// The observables' plane sums, compiled once per SIMD width (x86-64 Linux, GCC): every output
// sample of a course passes over most of the field through them.
#include "punctum/healing/observables.hpp"

#include "simd_clones.hpp"

namespace punctum::healing::detail {

PUNCTUM_SIMD_CLONES PlaneStats plane_stats_lines(const double* first, std::size_t nx,
                                                 std::size_t ny, std::size_t pitch) {
  return plane_stats_lines_body(first, nx, ny, pitch);
}
PUNCTUM_SIMD_CLONES PlaneStats plane_stats_lines(const float* first, std::size_t nx, std::size_t ny,
                                                 std::size_t pitch) {
  return plane_stats_lines_body(first, nx, ny, pitch);
}

}  // namespace punctum::healing::detail
