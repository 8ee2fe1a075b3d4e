#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/detail/parallel.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/rng.hpp"
#include "punctum/core/units.hpp"
#include "punctum/detail/embedded_tables.hpp"
#include "punctum/devices/detail/coverage.hpp"
#include "punctum/devices/device.hpp"
#include "punctum/mechanics/array.hpp"

namespace punctum {

Pen::Spec Pen::cartridge(int needles, double depth) {
  static const punctum::detail::CsvTable t(punctum::detail::tables::devices_pen_cartridges,
                                           "data/devices/pen_cartridges.csv");
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (int(t.number(r, "needles")) != needles) continue;
    Spec s;  // the defaults are data/devices/defaults.csv's (a test holds them to it)
    s.needles = needles;
    s.active_diameter = t.number(r, "active_diameter_mm") * 1e-3;
    s.needle_diameter = t.number(r, "needle_diameter_mm") * 1e-3;
    s.depth = depth;
    s.stroke_amplitude = std::max(s.stroke_amplitude, depth);
    return s;
  }
  throw InvalidParameter("pen cartridge", std::to_string(needles), "one of 9, 12, 16, 24, 36, 42",
                         "needles");
}

Pen::Pen(Spec spec, HandVariation hand) : spec_(spec), hand_(hand) {
  require_in_range("pen.needles", spec_.needles, 1, 100, "");
  require_in_range("pen.depth", in_mm(spec_.depth), 0.25, 2.5, "mm");
  require_in_range("pen.frequency", spec_.frequency, 50.0, 150.0, "Hz");
  require_in_range("pen.hand_speed", in_mm(spec_.hand_speed), 1.0, 500.0, "mm/s");
  require_in_range("pen.stroke_amplitude", in_mm(spec_.stroke_amplitude), in_mm(spec_.depth), 5.0,
                   "mm");
  require_in_range("pen.motor_force", spec_.motor_force, 0.1, 100.0, "N");
  require_in_range("pen.reposition_time", spec_.reposition_time, 0.0, 60.0, "s");
  require_in_range("pen.active_diameter", in_mm(spec_.active_diameter), 0.5, 20.0, "mm");
  // The cartridge face rests on the skin, so the exposed needle is the depth setting.
  needle_.length = spec_.depth;
  needle_.shaft_diameter = spec_.needle_diameter;
  needle_.tip_radius = spec_.tip_radius;
  needle_.cone_half_angle = spec_.cone_half_angle;
  needle_.validate();
}

std::vector<double> Pen::settings() const {
  // The depth, needle diameter, tip and cone enter through needle_, which is built from them.
  const Spec& s = spec_;
  return devices::detail::with_needle_and_hand(
      {double(s.needles), s.frequency, s.hand_speed, s.stroke_amplitude, s.motor_force,
       s.reposition_time, s.active_diameter},
      needle_, hand_);
}

std::string Pen::describe() const {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "Pen %d needles (%.1f mm cartridge), depth %.2f mm, %.0f Hz, %.0f mm/s",
                spec_.needles, in_mm(spec_.active_diameter), in_mm(spec_.depth), spec_.frequency,
                in_mm(spec_.hand_speed));
  return buf;
}

double Pen::tip_speed() const {
  return std::numbers::pi * spec_.frequency * spec_.stroke_amplitude;
}

double Pen::density_per_pass() const {
  return spec_.needles * spec_.frequency / (spec_.hand_speed * spec_.active_diameter);
}

std::vector<std::array<double, 2>> Pen::layout() const {
  // Sunflower (Vogel) spiral: near-uniform spacing in a disc for any needle count.
  const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
  const double R = 0.5 * spec_.active_diameter;
  std::vector<std::array<double, 2>> out(std::size_t(spec_.needles));
  for (int i = 0; i < spec_.needles; ++i) {
    const double rad = R * std::sqrt((i + 0.5) / spec_.needles), ang = i * golden;
    out[std::size_t(i)] = {rad * std::cos(ang), rad * std::sin(ang)};
  }
  return out;
}

InsertionResult Pen::stamp(const SkinModel& skin) const {
  const InsertionModel model(needle_, skin, tip_speed());
  // The needles leave through holes in a cap that rests on the skin: the cap holds the skin between
  // them, so there is no bed-of-nails sink, only the motor force shared.
  InsertionResult r =
      model.insert({.force = shared_force(spec_.motor_force, spec_.needles), .travel = spec_.depth});
  // While the tip is below the surface (cos-shaped stroke of amplitude A reaching depth d) the hand
  // drags it sideways: dwell = acos(1 - 2 d/A) / (pi f).
  const double dwell = std::acos(1.0 - 2.0 * std::min(1.0, spec_.depth / spec_.stroke_amplitude)) /
                       (std::numbers::pi * spec_.frequency);
  r.tear_length = tear_length(spec_.hand_speed * dwell, r.depth_reached);
  return r;
}

PunctureMap Pen::treat(const SkinModel& skin, const Session& session) const {
  session.validate();
  using devices::detail::Line;
  std::vector<Line> lines;
  for (int pass = 0; pass < session.passes; ++pass) {
    const double dir = session.directions[std::size_t(pass) % session.directions.size()];
    auto l = devices::detail::cover_with_lines(session, pass, dir, spec_.active_diameter,
                                               hand_.placement_jitter);
    lines.insert(lines.end(), l.begin(), l.end());
  }
  const InsertionResult hit = stamp(skin);
  const double pitch = spec_.hand_speed / spec_.frequency;
  const Rng rng(session.seed);
  // Stamps per line and their global stroke numbers, fixed before the parallel loop.
  std::vector<double> phase(lines.size());
  std::vector<std::uint64_t> first_stroke(lines.size() + 1, 0);
  std::vector<double> t_start(lines.size() + 1, 0.0);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    phase[k] = pitch * rng.stream("pen_line", session.index, k).uniform();
    const auto stamps =
        std::uint64_t(std::max(0.0, std::floor((lines[k].length() - phase[k]) / pitch) + 1.0));
    first_stroke[k + 1] = first_stroke[k] + stamps;
    t_start[k + 1] = t_start[k] + lines[k].length() / spec_.hand_speed + spec_.reposition_time;
  }
  const auto offsets = layout();
  const std::size_t needles = offsets.size();
  // Each line writes the needles that land in the area to its own stretch of one buffer (room for
  // every needle of its stamps), so lines run in parallel without a buffer each; the punctures are
  // then built once, in line order, from these compact records.
  struct Landed {
    double x, y;
    std::uint32_t stamp, needle;  // stamp within the line (its time follows from it)
  };
  auto landed = std::make_unique_for_overwrite<Landed[]>(first_stroke.back() * needles);
  std::vector<std::size_t> kept(lines.size());
  const devices::detail::AreaTest area(session);
  const double reach = std::abs(hand_.needle_wobble) * RandomStream::max_normal;  // of a wobble
  const long n_lines = long(lines.size());
  punctum::detail::parallel_for_dynamic(session.resolved_threads(), n_lines, 1, [&](std::ptrdiff_t k) {
    const Line& L = lines[std::size_t(k)];
    Landed* const out = landed.get() + first_stroke[std::size_t(k)] * needles;
    std::size_t count = 0;
    // A needle's wobble is the Box–Muller pair of its stream's first two uniforms. A stamp's
    // uniforms are drawn first and transformed after: the needles' independent counter rounds then
    // overlap instead of each waiting behind the previous needle's log and sincos. A needle that
    // no wobble can bring into the area would be dropped whatever it draws, so its stream is not
    // drawn at all (a sixth of a pen session's needles fall beyond the area's edges).
    struct Drawn {
      double x, y;              // position before the wobble
      std::array<double, 2> u;  // the stream's first two uniforms
      std::uint32_t needle;
    };
    std::vector<Drawn> drawn(needles);
    const std::uint64_t n_stamps = first_stroke[std::size_t(k) + 1] - first_stroke[std::size_t(k)];
    for (std::uint64_t s = 0; s < n_stamps; ++s) {
      const double u = L.u0 + phase[std::size_t(k)] + double(s) * pitch;
      const double cx = L.ox + u * L.dx, cy = L.oy + u * L.dy;
      const std::uint64_t stroke = first_stroke[std::size_t(k)] + s;
      std::size_t n_drawn = 0;
      for (std::size_t i = 0; i < needles; ++i) {
        const double x = cx + offsets[i][0], y = cy + offsets[i][1];
        if (!area.may_contain(x, y, reach)) continue;
        auto stream = rng.stream(Purpose::needle_scatter, session.index, stroke, i);
        drawn[n_drawn].x = x;
        drawn[n_drawn].y = y;
        drawn[n_drawn].u[0] = stream.uniform();
        drawn[n_drawn].u[1] = stream.uniform();
        drawn[n_drawn].needle = std::uint32_t(i);
        ++n_drawn;
      }
      for (std::size_t j = 0; j < n_drawn; ++j) {
        const Drawn& d = drawn[j];
        const auto [nx, ny] = RandomStream::box_muller(d.u[0], d.u[1]);
        const double x = d.x + hand_.needle_wobble * nx, y = d.y + hand_.needle_wobble * ny;
        if (area.contains(x, y)) out[count++] = {x, y, std::uint32_t(s), d.needle};
      }
    }
    kept[std::size_t(k)] = count;
  });
  PunctureMap map;
  std::size_t total = 0;
  for (std::size_t count : kept) total += count;
  map.punctures.reserve(total);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    // What every puncture of the line shares: the stamp's channel, dragged along the line.
    Puncture shared;
    shared.punctured = hit.punctured;
    shared.depth = hit.depth_reached;
    shared.entry_angle = 0.0;
    shared.channel_radius = hit.channel_radius[0];
    shared.tear_length = hit.tear_length;
    shared.tear_dir_x = lines[k].dx;
    shared.tear_dir_y = lines[k].dy;
    shared.deepest_layer = hit.deepest_layer;
    shared.vessels = hit.vessels;
    const Landed* const in = landed.get() + first_stroke[k] * needles;
    for (std::size_t j = 0; j < kept[k]; ++j) {
      Puncture& p = map.punctures.emplace_back(shared);
      p.x = in[j].x;
      p.y = in[j].y;
      p.time = t_start[k] + double(in[j].stamp) / spec_.frequency;
      p.stroke = std::uint32_t(first_stroke[k] + in[j].stamp);
      p.needle = in[j].needle;
    }
  }
  landed.reset();  // before the statistics, whose scratch can then reuse its memory
  map.statistics =
      compute_statistics(map.punctures, session, first_stroke.back(),
                         t_start.back() - (lines.empty() ? 0.0 : spec_.reposition_time));
  map.session = session;
  map.device = describe();
  return map;
}

}  // namespace punctum
