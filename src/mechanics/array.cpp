#include "punctum/mechanics/array.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "punctum/core/error.hpp"

namespace punctum {

double neighbour_compliance(double areal_density, double zone_radius, double modulus) {
  if (!(areal_density >= 0.0))
    throw InvalidParameter("areal_density", detail::format_number(areal_density), ">= 0", "1/m^2");
  require_positive("zone_radius", zone_radius, "m");
  require_positive("modulus", modulus, "Pa");
  if (areal_density == 0.0) return 0.0;
  const double r0 = 1.0 / std::sqrt(std::numbers::pi * areal_density);
  return std::max(0.0, areal_density * (zone_radius - r0) / (2.0 * modulus));
}

double shared_force(double total_force, int needles_in_contact) {
  require_positive("total_force", total_force, "N");
  if (needles_in_contact < 1)
    throw InvalidParameter("needles_in_contact", std::to_string(needles_in_contact), ">= 1", "");
  return total_force / double(needles_in_contact);
}

InsertionResult insert_array(const InsertionModel& model, int needles, double areal_density,
                             double zone_radius, double total_force, double travel) {
  if (!(zone_radius >= 0.0))
    throw InvalidParameter("zone_radius", detail::format_number(zone_radius), ">= 0", "m");
  NeedleLoad load;
  load.force = shared_force(total_force, needles);
  load.travel = travel;
  if (needles > 1 && zone_radius > 0.0 && areal_density > 0.0) {
    // Far field of the neighbours: the cutis seen at the scale of the needle spacing.
    const double spacing = 1.0 / std::sqrt(areal_density);
    load.neighbour_compliance =
        neighbour_compliance(areal_density, zone_radius, model.effective_modulus(0.5 * spacing));
  }
  return model.insert(load);
}

}  // namespace punctum
