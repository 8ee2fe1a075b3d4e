#pragma once
// Arrays of needles pressed together: load sharing and the bed-of-nails effect.
//
// A rigid array shares its load among the needles in contact (equal lengths -> equal shares).
// Each needle's force also depresses the surface around its neighbours: the Boussinesq far field of
// a point load on an incompressible half-space, w(r) = F / (4 pi mu r). Summed over a lattice of
// areal density n between the own-cell radius r0 = 1/sqrt(pi n) and the zone radius l within which
// the skin does not move with the device face:
//     w_neighbours = F n (l - r0) / (2 mu)
// so dense arrays sink the surface under them and a fixed travel buries each needle less.

#include "punctum/mechanics/insertion.hpp"

namespace punctum {

/// Surface depression under a needle from its neighbours, per newton on each needle, m/N.
/// `areal_density` in needles/m^2, `zone_radius` m (clipped to the array's own radius),
/// `modulus` the cutis effective modulus at that scale, Pa.
double neighbour_compliance(double areal_density, double zone_radius, double modulus);

/// Equal share of a total force among needles in contact, N.
double shared_force(double total_force, int needles_in_contact);

/// Inserts an array pressed with a total force (force control) or driven to a travel: every needle
/// gets the same load, the bed-of-nails depression included. `zone_radius` is the radius within
/// which the skin under the array is free to sink relative to the device (0 when a face between the
/// needles holds it, as a pen cartridge's cap does).
InsertionResult insert_array(const InsertionModel& model, int needles, double areal_density,
                             double zone_radius, double total_force, double travel);

}  // namespace punctum
