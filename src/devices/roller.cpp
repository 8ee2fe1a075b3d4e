#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/detail/parallel.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/rng.hpp"
#include "punctum/core/units.hpp"
#include "punctum/detail/embedded_tables.hpp"
#include "punctum/devices/detail/coverage.hpp"
#include "punctum/devices/device.hpp"

namespace punctum {

namespace {

/// Surface sweep of a tip on radius R about an axis at height H, buried for |phi| < phi_b, while
/// the drum rolls without slip at radius H: x(phi) = H phi - R sin phi.
double trochoid_sweep(double H, double R, double phi_b) {
  return 2.0 * std::abs(H * phi_b - R * std::sin(phi_b));
}

}  // namespace

double roller_rigid_sweep(double drum_radius, double needle_length, double immersion) {
  require_positive("drum_radius", drum_radius, "m");
  require_positive("needle_length", needle_length, "m");
  require_in_range("immersion", immersion, 0.0, needle_length, "m");
  const double R = drum_radius + needle_length, H = R - immersion;
  return trochoid_sweep(H, R, std::acos(H / R));
}

Roller::Spec Roller::preset_spec(int needles, double needle_length) {
  static const punctum::detail::CsvTable t(punctum::detail::tables::devices_rollers,
                                           "data/devices/rollers.csv");
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (int(t.number(r, "needles")) != needles) continue;
    Spec s;  // the defaults are data/devices/defaults.csv's (a test holds them to it)
    s.drum_diameter = t.number(r, "drum_diameter_mm") * 1e-3;
    s.drum_width = t.number(r, "drum_width_mm") * 1e-3;
    s.rows = int(t.number(r, "rows"));
    s.needles_per_row = int(t.number(r, "needles_per_row"));
    s.needle.length = needle_length;
    s.needle.shaft_diameter = t.number(r, "needle_diameter_mm") * 1e-3;
    return s;
  }
  throw InvalidParameter("roller preset", std::to_string(needles), "one of 192, 540, 600, 1200",
                         "needles");
}

Roller Roller::preset(int needles, double needle_length) {
  return Roller(preset_spec(needles, needle_length));
}

Roller::Roller(Spec spec, HandVariation hand) : spec_(std::move(spec)), hand_(hand) {
  spec_.needle.validate();
  require_in_range("roller.drum_diameter", in_mm(spec_.drum_diameter), 5.0, 100.0, "mm");
  require_in_range("roller.drum_width", in_mm(spec_.drum_width), 2.0, 100.0, "mm");
  require_in_range("roller.rows", spec_.rows, 1, 100, "");
  require_in_range("roller.needles_per_row", spec_.needles_per_row, 3, 500, "");
  require_in_range("roller.hand_force", spec_.hand_force, 0.1, 100.0, "N");
  require_in_range("roller.hand_speed", in_mm(spec_.hand_speed), 1.0, 500.0, "mm/s");
  require_in_range("roller.reposition_time", spec_.reposition_time, 0.0, 60.0, "s");
  const double pitch = std::numbers::pi * spec_.drum_diameter / spec_.needles_per_row;
  if (pitch < spec_.needle.shaft_diameter)
    throw InvalidParameter("roller.needles_per_row", std::to_string(spec_.needles_per_row),
                           "few enough that needles (" +
                               detail::format_number(in_mm(spec_.needle.shaft_diameter)) +
                               " mm) fit around the drum",
                           "");
}

std::vector<double> Roller::settings() const {
  const Spec& s = spec_;
  return devices::detail::with_needle_and_hand(
      {s.drum_diameter, s.drum_width, double(s.rows), double(s.needles_per_row), s.hand_force,
       s.hand_speed, s.reposition_time},
      s.needle, hand_);
}

std::string Roller::describe() const {
  char buf[200];
  std::snprintf(
      buf, sizeof buf,
      "Roller %d needles (%d rows x %d), drum %.0f x %.0f mm, %.2f mm needles, %.1f N, %.0f mm/s",
      needles(), spec_.rows, spec_.needles_per_row, in_mm(spec_.drum_diameter),
      in_mm(spec_.drum_width), in_mm(spec_.needle.length), spec_.hand_force,
      in_mm(spec_.hand_speed));
  return buf;
}

double Roller::holes_per_area_per_pass() const {
  return double(needles()) / (std::numbers::pi * spec_.drum_diameter * spec_.drum_width);
}

RollerContact Roller::contact(const SkinModel& skin, double hand_force) const {
  require_positive("hand_force", hand_force, "N");
  const double r = 0.5 * spec_.drum_diameter, L = spec_.needle.length, R = r + L;
  const double dphi = 2.0 * std::numbers::pi / spec_.needles_per_row;
  // Self-consistent contact: the immersion e (tip depth below the undeformed surface) sets how many
  // needles are in the skin (|phi| < acos((R - e)/R)), hence each one's share of the hand force and
  // its entry speed, hence the depth it reaches and a new immersion.
  double e = L;
  RollerContact c;
  for (int it = 0; it < 60; ++it) {
    const double H = R - e;
    const double phi = std::acos(std::clamp(H / R, -1.0, 1.0));
    c.needles_in_contact = spec_.rows * std::max(1.0, 2.0 * phi / dphi);
    c.force_per_needle = hand_force / c.needles_in_contact;
    // Tip velocity normal to the skin, d/dt (R cos phi) with phi' = v / H.
    c.entry_speed = std::max(spec_.hand_speed * R / H * std::sin(phi), 1e-5);
    c.axis_height = H;
    const InsertionModel model(spec_.needle, skin, c.entry_speed);
    c.insertion = model.insert({.force = c.force_per_needle});
    const double e_new =
        std::min(L, c.insertion.punctured ? c.insertion.depth_reached + c.insertion.final_deflection
                                          : c.insertion.final_deflection);
    if (std::abs(e_new - e) < 1e-8) break;
    e = 0.5 * (e + e_new);
  }
  const double p = c.insertion.depth_reached;
  if (c.insertion.punctured) {
    // The tip is in the tissue while it is deeper than the tent: R cos phi > R - p.
    const double phi_b = std::acos(std::clamp((R - p) / R, -1.0, 1.0));
    c.entry_angle = phi_b;
    c.rigid_sweep = trochoid_sweep(c.axis_height, R, phi_b);
    c.insertion.tear_length = tear_length(c.rigid_sweep, p);
  }
  return c;
}

PunctureMap Roller::treat(const SkinModel& skin, const Session& session) const {
  session.validate();
  using devices::detail::Line;
  std::vector<Line> lines;
  for (int pass = 0; pass < session.passes; ++pass) {
    const double dir = session.directions[std::size_t(pass) % session.directions.size()];
    auto l = devices::detail::cover_with_lines(session, pass, dir, spec_.drum_width,
                                               hand_.placement_jitter);
    lines.insert(lines.end(), l.begin(), l.end());
  }
  std::vector<double> t_start(lines.size() + 1, 0.0);
  for (std::size_t k = 0; k < lines.size(); ++k)
    t_start[k + 1] = t_start[k] + lines[k].length() / spec_.hand_speed + spec_.reposition_time;

  const Rng rng(session.seed);
  std::vector<std::vector<Puncture>> per_stroke(lines.size());
  const double row_pitch = spec_.drum_width / spec_.rows;
  const devices::detail::AreaTest area(session);
  const long n_lines = long(lines.size());
  punctum::detail::parallel_for_dynamic(session.resolved_threads(), n_lines, 1, [&](std::ptrdiff_t k) {
    const Line& L = lines[std::size_t(k)];
    auto hand = rng.stream("roller_stroke", session.index, std::uint64_t(k));
    const double force = spec_.hand_force * std::max(0.2, 1.0 + hand_.force_cv * hand.normal());
    const RollerContact c = contact(skin, force);
    const double pitch = c.axis_height * 2.0 * std::numbers::pi / spec_.needles_per_row;
    const double phase = pitch * hand.uniform();
    auto& out = per_stroke[std::size_t(k)];
    std::uint32_t contact_index = 0;
    for (long step = 0;; ++step) {
      const double u_base = L.u0 + phase + double(step) * pitch;
      if (u_base > L.u1) break;
      for (int row = 0; row < spec_.rows; ++row) {
        // Rows are staggered by pitch/rows (helical needle pattern).
        const double u = u_base + pitch * row / spec_.rows;
        if (u > L.u1) continue;
        const double v = -0.5 * spec_.drum_width + (row + 0.5) * row_pitch;
        auto wobble =
            rng.stream(Purpose::needle_scatter, session.index, std::uint64_t(k), contact_index++);
        Puncture p;
        p.x = L.ox + u * L.dx + v * L.nx + hand_.needle_wobble * wobble.normal();
        p.y = L.oy + u * L.dy + v * L.ny + hand_.needle_wobble * wobble.normal();
        if (!area.contains(p.x, p.y)) continue;
        p.time = t_start[std::size_t(k)] + (u - L.u0) / spec_.hand_speed;
        p.punctured = c.insertion.punctured;
        p.depth = c.insertion.depth_reached;
        p.entry_angle = c.entry_angle;
        p.channel_radius = c.insertion.channel_radius[0];
        p.tear_length = c.insertion.tear_length;
        p.tear_dir_x = L.dx;
        p.tear_dir_y = L.dy;
        p.deepest_layer = c.insertion.deepest_layer;
        p.vessels = c.insertion.vessels;
        p.stroke = std::uint32_t(k);
        p.needle = std::uint32_t(row * spec_.needles_per_row + (step % spec_.needles_per_row));
        out.push_back(p);
      }
    }
  });
  PunctureMap map;
  std::size_t total = 0;
  for (const auto& v : per_stroke) total += v.size();
  map.punctures.reserve(total);
  for (const auto& v : per_stroke) map.punctures.insert(map.punctures.end(), v.begin(), v.end());
  map.statistics =
      compute_statistics(map.punctures, session, lines.size(),
                         t_start.back() - (lines.empty() ? 0.0 : spec_.reposition_time));
  map.session = session;
  map.device = describe();
  return map;
}

}  // namespace punctum
