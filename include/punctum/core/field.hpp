#pragma once
// Structure-of-arrays field storage on a Grid3: one contiguous array per species, x fastest, every
// x-line padded to a multiple of 64 bytes so each line starts on a cache line and vector loads of a
// line are aligned; every species array starts on a cache line. A grid one voxel wide in x (the
// depth column) is packed instead: padding its one-voxel lines would multiply its memory and the
// traffic of every whole-field pass by eight. Kernels address a line through `line(s, j, k)`.

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "punctum/core/error.hpp"
#include "punctum/core/grid.hpp"

namespace punctum {

inline constexpr std::size_t cache_line_bytes = 64;

/// Requests the n values at `row` into cache for writing, one request per cache line: for rows a
/// plane apart (a y-slab's), which the hardware prefetcher does not follow.
/// Unrolled four times: a request costs one instruction instead of five (with the loop's).
template <class T>
inline void prefetch_row(const T* row, std::size_t n) {
  constexpr std::size_t line = cache_line_bytes / sizeof(T);
#pragma GCC unroll 4
  for (std::size_t i = 0; i < n; i += line) __builtin_prefetch(row + i, 1);
}

/// Minimal allocator that returns 64-byte-aligned storage (std::vector-compatible).
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n == 0) return nullptr;
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{cache_line_bytes}));
  }
  void deallocate(T* p, std::size_t) noexcept {
    ::operator delete(p, std::align_val_t{cache_line_bytes});
  }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept { return true; }
};

template <class T>
using aligned_vector = std::vector<T, AlignedAllocator<T>>;

template <class T = double>
class Field {
 public:
  static constexpr std::size_t lane = cache_line_bytes / sizeof(T);

  /// Elements between the starts of consecutive x-lines for nx voxels per line.
  static constexpr std::size_t pitch_for(std::size_t nx) {
    return nx == 1 ? 1 : (nx + lane - 1) / lane * lane;
  }
  /// Elements between the starts of consecutive species arrays on grid g.
  static std::size_t stride_for(const Grid3& g) {
    return (pitch_for(g.nx()) * g.ny() * g.nz() + lane - 1) / lane * lane;
  }

  Field() = default;
  Field(const Grid3& grid, std::size_t species, T fill = T(0))
      : grid_(grid), species_(species), pitch_(pitch_for(grid.nx())) {
    grid.validate();
    if (species < 1) throw InvalidParameter("species", std::to_string(species), ">= 1", "1");
    stride_ = stride_for(grid);
    data_.assign(stride_ * species_, fill);
  }

  const Grid3& grid() const { return grid_; }
  std::size_t species() const { return species_; }
  /// Elements between the starts of consecutive x-lines (>= nx, a multiple of 64 bytes; 1 when
  /// nx is 1).
  std::size_t pitch() const { return pitch_; }
  /// Elements between the starts of consecutive species arrays.
  std::size_t species_stride() const { return stride_; }
  /// Bytes held, padding included.
  std::size_t bytes() const { return data_.size() * sizeof(T); }

  std::size_t offset(std::size_t i, std::size_t j, std::size_t k) const {
    return i + pitch_ * (j + grid_.ny() * k);
  }
  T& operator()(std::size_t s, std::size_t i, std::size_t j, std::size_t k) {
    return data_[s * stride_ + offset(i, j, k)];
  }
  const T& operator()(std::size_t s, std::size_t i, std::size_t j, std::size_t k) const {
    return data_[s * stride_ + offset(i, j, k)];
  }

  T* species_data(std::size_t s) { return data_.data() + s * stride_; }
  const T* species_data(std::size_t s) const { return data_.data() + s * stride_; }

  /// The nx valid values of the x-line (j, k) of species s; starts 64-byte aligned if nx > 1.
  std::span<T> line(std::size_t s, std::size_t j, std::size_t k) {
    return {species_data(s) + pitch_ * (j + grid_.ny() * k), grid_.nx()};
  }
  std::span<const T> line(std::size_t s, std::size_t j, std::size_t k) const {
    return {species_data(s) + pitch_ * (j + grid_.ny() * k), grid_.nx()};
  }

  /// Sum of species s over valid voxels (padding excluded), in the field's unit x voxel count.
  double sum(std::size_t s) const {
    double total = 0.0;
    for (std::size_t k = 0; k < grid_.nz(); ++k)
      for (std::size_t j = 0; j < grid_.ny(); ++j)
        for (T v : line(s, j, k)) total += double(v);
    return total;
  }

 private:
  Grid3 grid_{};
  std::size_t species_ = 0, pitch_ = 0, stride_ = 0;
  aligned_vector<T> data_;
};

}  // namespace punctum
