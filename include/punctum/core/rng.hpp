#pragma once
// Counter-based random numbers (Random123 Philox4x64-10). A stream is addressed by
// (seed, purpose, a, b, c): e.g. (seed, Purpose::needle_scatter, session, stroke, needle). Draw n of
// a stream is a pure function of that address and n, so results never depend on the thread count,
// the order in which work is scheduled, or on how many numbers another stream drew.

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <string_view>

namespace punctum {

/// What a stream is for. New purposes go at the end so existing streams keep their numbers.
enum class Purpose : std::uint32_t {
  generic = 0,
  needle_scatter = 1,   // per-needle variation of geometry and skin response
  stroke_jitter = 2,    // hand placement of strokes
  vessel_hit = 3,       // whether a channel meets a vessel
  skin_variation = 4,   // voxel-level tissue heterogeneity
  sweep_sample = 5,     // sampled sweep designs
};

/// FNV-1a (64 bit): the offset basis and one byte's step.
inline constexpr std::uint64_t fnv1a_basis = 1469598103934665603ull;
constexpr std::uint64_t fnv1a_step(std::uint64_t h, unsigned char byte) {
  return (h ^ byte) * 1099511628211ull;
}
/// FNV-1a of n bytes, continued from h.
inline std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = fnv1a_step(h, p[i]);
  return h;
}

/// FNV-1a, for keying a stream by a free-form name (stable across platforms and runs).
constexpr std::uint64_t stream_name_hash(std::string_view name) {
  std::uint64_t h = fnv1a_basis;
  for (char ch : name) h = fnv1a_step(h, static_cast<unsigned char>(ch));
  return h;
}

class RandomStream {
 public:
  using engine = r123::Philox4x64;

  RandomStream(std::uint64_t seed, std::uint64_t purpose, std::uint64_t a = 0, std::uint64_t b = 0,
               std::uint64_t c = 0)
      : key_{{seed, purpose}}, base_{{a, b, c, 0}} {}

  /// Uniform in (0, 1): never exactly 0 or 1, so log() and inverse CDFs are safe.
  double uniform() {
    if (cached_ == 4) refill();
    return to_open_unit(block_[cached_++]);
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Standard normal (Box–Muller on two uniforms; both values of a pair are used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = uniform(), u2 = uniform();
    const auto [first, second] = box_muller(u1, u2);
    spare_ = second;
    has_spare_ = true;
    return first;
  }
  /// No normal() exceeds this in magnitude: the smallest uniform is 2^-54, so the Box–Muller radius
  /// sqrt(-2 ln u1) is at most sqrt(108 ln 2) = 8.652.
  static constexpr double max_normal = 8.66;
  /// The pair of standard normals of two uniforms, in the order normal() returns them. For callers
  /// that draw the uniforms of many streams first and transform them after, so that the streams'
  /// counter rounds overlap instead of each waiting behind the previous log and sincos.
  static std::array<double, 2> box_muller(double u1, double u2) {
    const double r = std::sqrt(-2.0 * std::log(u1));
    return {r * std::cos(2.0 * std::numbers::pi * u2), r * std::sin(2.0 * std::numbers::pi * u2)};
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }

 private:
  void refill() {
    engine::ctr_type ctr = {{base_[0], base_[1], base_[2], blocks_}};
    const auto out = engine{}(ctr, key_);
    for (int i = 0; i < 4; ++i) block_[i] = out.v[i];
    ++blocks_;
    cached_ = 0;
  }
  static double to_open_unit(std::uint64_t x) {
    // 53 random bits, shifted by half an ulp: (k + 0.5) / 2^53 lies strictly inside (0, 1).
    return (static_cast<double>(x >> 11) + 0.5) * 0x1.0p-53;
  }

  engine::key_type key_;
  std::array<std::uint64_t, 4> base_;
  std::array<std::uint64_t, 4> block_{};
  std::uint64_t blocks_ = 0;
  int cached_ = 4;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

/// The run's seed, from which every stream is derived.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }

  RandomStream stream(Purpose purpose, std::uint64_t a = 0, std::uint64_t b = 0,
                      std::uint64_t c = 0) const {
    return RandomStream(seed_, static_cast<std::uint64_t>(purpose), a, b, c);
  }
  RandomStream stream(std::string_view name, std::uint64_t a = 0, std::uint64_t b = 0,
                      std::uint64_t c = 0) const {
    // High bit set: named streams never collide with the enumerated purposes.
    return RandomStream(seed_, stream_name_hash(name) | (1ull << 63), a, b, c);
  }

 private:
  std::uint64_t seed_;
};

}  // namespace punctum
