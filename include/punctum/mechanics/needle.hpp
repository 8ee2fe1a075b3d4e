#pragma once
// Needle geometry: a cone of half-angle theta with a blunted tip of radius r_tip, running into a
// cylindrical shaft of diameter d. A hollow needle's tip is an annular face of width
// `wall_thickness` (Davis et al. 2004's "interfacial area").
//
//   punctum::Needle n{.length = 1.5_mm, .shaft_diameter = 0.25_mm, .tip_radius = 4_um};
//   n.validate();

#include <numbers>
#include <string>

namespace punctum {

struct Needle {
  double length = 1.5e-3;           ///< exposed length beyond the hub, m (0.1-3 mm)
  double shaft_diameter = 0.25e-3;  ///< m (20 um - 1 mm)
  double tip_radius = 4e-6;         ///< radius of the blunted tip, m (0.1-100 um)
  double cone_half_angle = 10.0 * std::numbers::pi / 180.0;  ///< taper half-angle, rad (2-60 deg)
  bool hollow = false;
  double wall_thickness = 0.0;  ///< hollow only: radial width of the annular tip face, m

  /// Throws InvalidParameter (name, value, allowed range, unit) for any out-of-range field.
  void validate() const;

  double shaft_radius() const { return 0.5 * shaft_diameter; }
  /// Length of the taper from the tip to the full shaft radius, m (may exceed `length`).
  double taper_length() const;
  /// Needle radius at a distance `s` behind the tip (s >= 0), m.
  double radius_at(double s) const;
  /// Area of the tip face that meets the skin first, m^2: pi r_tip^2 (solid) or the annulus
  /// pi (2 r_tip t - t^2) (hollow).
  double tip_face_area() const;

  std::string describe() const;
};

}  // namespace punctum
