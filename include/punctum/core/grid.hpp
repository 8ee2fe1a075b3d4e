#pragma once
// Grid3: a uniform Cartesian grid over the treated patch. z = 0 at the skin surface, positive
// inward; x and y lateral (periodic by default: the patch stands for a larger treated area).
// Voxel (i, j, k) has its centre at origin + ((i + 1/2) dx, (j + 1/2) dy, (k + 1/2) dz).

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

#include "punctum/core/error.hpp"

namespace punctum {

struct Grid3 {
  std::array<std::size_t, 3> shape{1, 1, 1};       // (nx, ny, nz), voxels
  std::array<double, 3> spacing{1e-5, 1e-5, 1e-5};  // (dx, dy, dz), m
  std::array<double, 3> origin{0.0, 0.0, 0.0};      // corner of voxel (0,0,0), m
  std::array<bool, 3> periodic{true, true, false};

  Grid3() = default;
  Grid3(std::array<std::size_t, 3> shape_, std::array<double, 3> spacing_,
        std::array<double, 3> origin_ = {0.0, 0.0, 0.0},
        std::array<bool, 3> periodic_ = {true, true, false})
      : shape(shape_), spacing(spacing_), origin(origin_), periodic(periodic_) {
    validate();
  }

  /// A patch `width` x `width` wide and `depth` deep, at voxel size `h` (all in m).
  static Grid3 patch(double width, double depth, double h) {
    require_positive("voxel_size", h * 1e6, "um");
    require_positive("patch_width", width * 1e3, "mm");
    require_positive("patch_depth", depth * 1e3, "mm");
    const auto n = [h](double len) { return std::max<std::size_t>(1, std::size_t(len / h + 0.5)); };
    return Grid3({n(width), n(width), n(depth)}, {h, h, h});
  }

  void validate() const {
    static const char* axis[3] = {"x", "y", "z"};
    for (int a = 0; a < 3; ++a) {
      if (shape[a] < 1)
        throw InvalidParameter(std::string("grid.shape.") + axis[a], std::to_string(shape[a]),
                               ">= 1", "voxels");
      require_positive(std::string("grid.spacing.") + axis[a], spacing[a] * 1e6, "um");
    }
  }

  std::size_t nx() const { return shape[0]; }
  std::size_t ny() const { return shape[1]; }
  std::size_t nz() const { return shape[2]; }
  /// One voxel laterally: the 1-D depth column fidelity (lateral average).
  bool is_column() const { return shape[0] == 1 && shape[1] == 1; }
  std::size_t size() const { return shape[0] * shape[1] * shape[2]; }
  double voxel_volume() const { return spacing[0] * spacing[1] * spacing[2]; }
  std::array<double, 3> extent() const {
    return {shape[0] * spacing[0], shape[1] * spacing[1], shape[2] * spacing[2]};
  }

  /// Centre of voxel index `i` along `axis`, m.
  double centre(int axis, std::size_t i) const { return origin[axis] + (double(i) + 0.5) * spacing[axis]; }

  /// Dense linear index, x fastest.
  std::size_t index(std::size_t i, std::size_t j, std::size_t k) const {
    return i + shape[0] * (j + shape[1] * k);
  }

  /// Neighbour index along `axis` with the grid's boundary rule: periodic wrap, or clamped
  /// (mirror of the voxel itself, i.e. a no-flux wall for a cell-centred scheme).
  std::size_t wrap(int axis, std::ptrdiff_t i) const {
    const auto n = std::ptrdiff_t(shape[axis]);
    if (periodic[axis]) return std::size_t(((i % n) + n) % n);
    return std::size_t(i < 0 ? 0 : (i >= n ? n - 1 : i));
  }

  bool operator==(const Grid3&) const = default;
};

}  // namespace punctum
