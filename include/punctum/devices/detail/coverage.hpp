#pragma once
// Internals shared by the devices: covering a session's area with parallel lines, the tables,
// and the settings every device has.

#include <vector>

#include "punctum/core/rng.hpp"
#include "punctum/devices/device.hpp"
#include "punctum/devices/puncture.hpp"

namespace punctum::devices::detail {

/// A straight stroke: points o + u d (+ v n across), u in [u0, u1].
struct Line {
  double ox = 0, oy = 0;  ///< origin (the area's centre shifted across by the line's offset), m
  double dx = 1, dy = 0;  ///< unit direction
  double nx = 0, ny = 1;  ///< unit normal (d rotated by +90 deg)
  double u0 = 0, u1 = 0;  ///< extent along d inside the area, m
  double length() const { return u1 - u0; }
};

/// A session's area with its extent computed once: the device loops test every needle, and
/// Session::contains (which delegates here) would take a square root per call.
class AreaTest {
 public:
  explicit AreaTest(const Session& session) : shape_(session.shape), extent_(session.extent()) {}
  bool contains(double x, double y) const {
    if (shape_ == AreaShape::square) return x >= 0.0 && x < extent_ && y >= 0.0 && y < extent_;
    const double dx = x - 0.5 * extent_, dy = y - 0.5 * extent_;
    return dx * dx + dy * dy < 0.25 * extent_ * extent_;
  }
  /// False only if no point (x + a, y + b) with |a|, |b| <= margin is contained: the bounding
  /// square widened by the margin misses (x, y). Exact for computed points too, as rounded
  /// addition is monotonic: x + a can be no further in than x + margin.
  bool may_contain(double x, double y, double margin) const {
    return x + margin >= 0.0 && x - margin < extent_ && y + margin >= 0.0 && y - margin < extent_;
  }

 private:
  AreaShape shape_;
  double extent_;
};

/// Parallel lines `width` apart covering the session area in `direction` (rad), each displaced
/// across by N(0, jitter) drawn from stream (stroke_jitter, session, pass, line). Lines that miss
/// the area are dropped; extents are clipped to the area widened by width/2.
std::vector<Line> cover_with_lines(const Session& session, int pass, double direction, double width,
                                   double jitter);

/// The needle's and the hand's numbers appended to a device's settings() (the part all devices
/// share).
std::vector<double> with_needle_and_hand(std::vector<double> spec, const Needle& n,
                                         const HandVariation& hand);

/// A value of data/devices/defaults.csv by name (the table parsed once).
double default_value(std::string_view name);

}  // namespace punctum::devices::detail
