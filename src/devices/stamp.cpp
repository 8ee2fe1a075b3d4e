#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "punctum/core/detail/parallel.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/rng.hpp"
#include "punctum/core/units.hpp"
#include "punctum/devices/detail/coverage.hpp"
#include "punctum/devices/device.hpp"
#include "punctum/mechanics/array.hpp"

namespace punctum {

Stamp::Stamp(Spec spec, HandVariation hand) : spec_(spec), hand_(hand) {
  spec_.needle.validate();
  require_in_range("stamp.rows", spec_.rows, 1, 100, "");
  require_in_range("stamp.columns", spec_.columns, 1, 100, "");
  require_in_range("stamp.spacing", in_mm(spec_.spacing),
                   std::max(0.05, in_mm(spec_.needle.shaft_diameter)), 20.0, "mm");
  require_in_range("stamp.hand_force", spec_.hand_force, 0.1, 200.0, "N");
  require_in_range("stamp.press_speed", spec_.press_speed, 1e-5, 10.0, "m/s");
  require_in_range("stamp.reposition_time", spec_.reposition_time, 0.0, 60.0, "s");
}

double Stamp::zone_radius() const {
  // The plate carries the skin beyond its own footprint; inside, the skin between needles sinks.
  return std::min(MechanicsConstants::standard().bed_of_nails_zone_radius,
                  0.5 * spec_.spacing * std::max(spec_.rows, spec_.columns));
}

std::vector<double> Stamp::settings() const {
  const Spec& s = spec_;
  return devices::detail::with_needle_and_hand(
      {double(s.rows), double(s.columns), s.spacing, s.hand_force, s.press_speed,
       s.reposition_time},
      s.needle, hand_);
}

std::string Stamp::describe() const {
  char buf[200];
  std::snprintf(buf, sizeof buf, "Stamp %d x %d needles at %.2f mm, %.2f mm needles, %.1f N",
                spec_.rows, spec_.columns, in_mm(spec_.spacing), in_mm(spec_.needle.length),
                spec_.hand_force);
  return buf;
}

InsertionResult Stamp::press(const SkinModel& skin, double hand_force) const {
  const InsertionModel model(spec_.needle, skin, spec_.press_speed);
  return insert_array(model, spec_.rows * spec_.columns, 1.0 / (spec_.spacing * spec_.spacing),
                      zone_radius(), hand_force, std::numeric_limits<double>::infinity());
}

PunctureMap Stamp::treat(const SkinModel& skin, const Session& session) const {
  session.validate();
  const double e = session.extent();
  const double wx = spec_.columns * spec_.spacing, wy = spec_.rows * spec_.spacing;
  const Rng rng(session.seed);
  struct Press {
    double x0, y0;  // first needle
  };
  std::vector<Press> presses;
  for (int pass = 0; pass < session.passes; ++pass) {
    // Each pass tiles the area with footprints from a random origin, so passes interleave.
    auto origin = rng.stream("stamp_pass", session.index, std::uint64_t(pass));
    const double ox = -wx * origin.uniform(), oy = -wy * origin.uniform();
    for (double y = oy; y < e; y += wy)
      for (double x = ox; x < e; x += wx) presses.push_back({x, y});
  }
  const InsertionModel model(spec_.needle, skin, spec_.press_speed);
  const double radius = zone_radius();
  const double density = 1.0 / (spec_.spacing * spec_.spacing);
  const devices::detail::AreaTest area(session);
  std::vector<std::vector<Puncture>> per_press(presses.size());
  const long n = long(presses.size());
  punctum::detail::parallel_for_dynamic(session.resolved_threads(), n, 16, [&](std::ptrdiff_t k) {
    auto hand = rng.stream("stamp_press", session.index, std::uint64_t(k));
    const double force = spec_.hand_force * std::max(0.2, 1.0 + hand_.force_cv * hand.normal());
    const double jx = hand_.placement_jitter * hand.normal(),
                 jy = hand_.placement_jitter * hand.normal();
    const InsertionResult r = insert_array(model, spec_.rows * spec_.columns, density, radius,
                                           force, std::numeric_limits<double>::infinity());
    auto& out = per_press[std::size_t(k)];
    for (int i = 0; i < spec_.rows; ++i)
      for (int j = 0; j < spec_.columns; ++j) {
        const std::uint32_t needle = std::uint32_t(i * spec_.columns + j);
        auto wobble = rng.stream(Purpose::needle_scatter, session.index, std::uint64_t(k), needle);
        Puncture p;
        p.x = presses[std::size_t(k)].x0 + (j + 0.5) * spec_.spacing + jx +
              hand_.needle_wobble * wobble.normal();
        p.y = presses[std::size_t(k)].y0 + (i + 0.5) * spec_.spacing + jy +
              hand_.needle_wobble * wobble.normal();
        if (!area.contains(p.x, p.y)) continue;
        p.time = double(k) * spec_.reposition_time;
        p.punctured = r.punctured;
        p.depth = r.depth_reached;
        p.channel_radius = r.channel_radius[0];
        p.deepest_layer = r.deepest_layer;
        p.vessels = r.vessels;
        p.stroke = std::uint32_t(k);
        p.needle = needle;
        out.push_back(p);
      }
  });
  PunctureMap map;
  for (const auto& v : per_press) map.punctures.insert(map.punctures.end(), v.begin(), v.end());
  // Presses whose footprint misses the area entirely are not made.
  std::size_t made = 0;
  for (const auto& v : per_press) made += !v.empty();
  map.statistics =
      compute_statistics(map.punctures, session, made, double(made) * spec_.reposition_time);
  map.session = session;
  map.device = describe();
  return map;
}

}  // namespace punctum
