#include "punctum/mechanics/needle.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"

namespace punctum {

void Needle::validate() const {
  require_in_range("needle.length", in_mm(length), 0.1, 3.0, "mm");
  require_in_range("needle.shaft_diameter", in_um(shaft_diameter), 20.0, 1000.0, "um");
  require_in_range("needle.tip_radius", in_um(tip_radius), 0.1,
                   std::min(100.0, in_um(shaft_radius())), "um");
  require_in_range("needle.cone_half_angle", cone_half_angle * 180.0 / std::numbers::pi, 2.0, 60.0,
                   "deg");
  if (hollow) {
    require_in_range("needle.wall_thickness", in_um(wall_thickness), 1.0, in_um(tip_radius), "um");
  } else if (wall_thickness != 0.0) {
    throw InvalidParameter("needle.wall_thickness", detail::format_number(in_um(wall_thickness)),
                           "0 for a solid needle (set hollow = true for an annular tip)", "um");
  }
}

double Needle::taper_length() const {
  return std::max(0.0, shaft_radius() - tip_radius) / std::tan(cone_half_angle);
}

double Needle::radius_at(double s) const {
  return std::min(shaft_radius(), tip_radius + std::max(0.0, s) * std::tan(cone_half_angle));
}

double Needle::tip_face_area() const {
  const double r = tip_radius;
  if (!hollow) return std::numbers::pi * r * r;
  const double t = wall_thickness;
  return std::numbers::pi * (2.0 * r * t - t * t);
}

std::string Needle::describe() const {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "%s needle %.3g mm long, shaft %.3g um, tip radius %.3g um, cone %.3g deg",
                hollow ? "hollow" : "solid", in_mm(length), in_um(shaft_diameter),
                in_um(tip_radius), cone_half_angle * 180.0 / std::numbers::pi);
  return buf;
}

}  // namespace punctum
