#pragma once
// Single-needle insertion into layered skin (reduced order, see docs/mechanics.md).
//
//   1. Tenting: before puncture the tip indents the surface like a blunted cone on an
//   incompressible
//      half-space (Sneddon):  F = c_t (8/pi) mu_eff cot(theta) delta^2,
//      mu_eff = Boussinesq-weighted harmonic mean of the cutis layers' moduli for the contact
//      radius a = r_tip + (2/pi) delta tan(theta), each stiffened by one-term Ogden at the cone's
//      representative strain and by the strain rate (mu (rate/rate_ref)^m); the prefactor c_t
//      (data/mechanics/constants.csv) brings the tent to the measured 0.1-0.5 mm.
//   2. Puncture of the stratum corneum (first barrier), energy criterion in the toughness-dominated
//      regime of Shergold & Fleck plus the blunt-face pressure:  F_p = kappa J_SC r_tip + p_c
//      A_tip.
//   3. Penetration: advancing the crack through the layer at the tip needs kappa J(z) R(p), plus
//      shaft friction tau 2 pi R p. The surface around the needle stays deflected by the tenting
//      law under the current force, so the tip position below the undeformed surface is p + w(F).
//   4. The depth reached is the largest p for which the force stays within the load available, the
//      tip within its travel, and the hub (or drum, or cartridge face) has not met the skin (p <=
//      L).

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>

#include "punctum/mechanics/needle.hpp"
#include "punctum/skin/skin_model.hpp"

namespace punctum {

/// Bitmask of vascular beds a channel reaches.
enum VesselHit : std::uint8_t {
  vessel_none = 0,
  vessel_capillary_loops = 1,
  vessel_superficial_plexus = 2,
  vessel_deep_plexus = 4,
};

/// Constants of the insertion model (data/mechanics/constants.csv; see docs/mechanics.md).
struct MechanicsConstants {
  double crack_shape_factor = 0.0;          ///< kappa, 1
  double tip_face_critical_pressure = 0.0;  ///< p_c, Pa
  double shaft_friction_traction = 0.0;     ///< tau, Pa
  double strain_rate_length_factor = 0.0;   ///< strain rate = v / (factor d), 1
  double tear_accommodation_strain = 0.0;   ///< gamma_f, 1
  double bed_of_nails_zone_radius = 0.0;    ///< m
  double manual_pressing_speed = 0.0;       ///< m/s
  double tent_stiffness_factor = 0.0;       ///< c_t, 1
  /// The tabulated values.
  static const MechanicsConstants& standard();
};

/// What drives one needle: the load available and how far the tip may travel.
struct NeedleLoad {
  /// Largest force the device can put on this needle, N (+inf: unlimited).
  double force = std::numeric_limits<double>::infinity();
  /// Largest tip advance below the undeformed surface, m (+inf: unlimited, e.g. a hand press).
  double travel = std::numeric_limits<double>::infinity();
  /// Surface depression from neighbouring needles of the same array per newton on this needle,
  /// m/N (bed of nails; 0 for a single needle). Counts against `travel` only.
  double neighbour_compliance = 0.0;
  /// Rigid-skin lateral travel of the tip while buried (roller trochoid, hand motion), m.
  double lateral_sweep = 0.0;
};

enum class DepthLimit : std::uint8_t {
  not_punctured = 0,  ///< the stratum corneum held
  force = 1,          ///< the load ran out
  travel = 2,         ///< the tip reached its set travel (pen depth)
  hub = 3,            ///< hub, drum or face met the skin: needle fully buried
};
std::string_view to_string(DepthLimit limit);

struct InsertionResult {
  bool punctured = false;
  double depth_reached = 0.0;        ///< channel depth below the surface, m (0 if not punctured)
  double peak_force = 0.0;           ///< largest force on the needle, N
  double puncture_force = 0.0;       ///< force that breaches the stratum corneum, N
  double tenting_at_puncture = 0.0;  ///< surface deflection at the puncture force, m
  double final_deflection = 0.0;     ///< surface deflection at the end of the stroke, m
  LayerKind deepest_layer = LayerKind::stratum_corneum;  ///< deepest layer breached
  std::uint8_t vessels = vessel_none;                    ///< VesselHit bitmask
  DepthLimit limited_by = DepthLimit::not_punctured;
  /// Channel radius at fractions 0, 1/4, 1/2, 3/4, 1 of depth_reached (surface first), m.
  std::array<double, 5> channel_radius{};
  double tear_length = 0.0;  ///< surface tear along the lateral sweep, m
};

/// A needle, a skin and an insertion speed, with everything that does not depend on the load
/// precomputed, so that a device can insert millions of needles cheaply.
class InsertionModel {
 public:
  InsertionModel(const Needle& needle, const SkinModel& skin, double speed,
                 const MechanicsConstants& constants = MechanicsConstants::standard());

  InsertionResult insert(const NeedleLoad& load) const;

  /// Tenting law: force for a surface deflection delta (m), N.
  double tent_force(double delta) const;
  /// Inverse of the tenting law: surface deflection under force F (N), m.
  double deflection(double force) const;
  /// Force to breach the stratum corneum, N.
  double puncture_force() const { return puncture_force_; }
  /// Force to advance the tip at penetration p (m), N (crack + shaft friction).
  double penetration_force(double p) const;
  /// Effective shear modulus of the cutis for a contact radius a (m), Pa, rate and Ogden included.
  double effective_modulus(double contact_radius) const;
  /// Multiplier on the moduli from the insertion strain rate, 1.
  double rate_factor() const { return rate_factor_; }

  const Needle& needle() const { return needle_; }
  double speed() const { return speed_; }

 private:
  static constexpr int cutis_layers = 4;  // SC, VE, papillary, reticular
  Needle needle_;
  double speed_;
  MechanicsConstants c_;
  std::array<double, cutis_layers + 1> z_{};     // layer boundaries, m
  std::array<double, cutis_layers> inv_mu_{};    // 1 / stiffened modulus, 1/Pa
  std::array<double, layer_count + 1> zb_{};     // all layer boundaries (toughness lookup)
  std::array<double, layer_count> toughness_{};  // J/m^2
  VascularDepths vessels_{};
  double rate_factor_ = 1.0;
  double cone_factor_ = 0.0;    // c_t (8/pi) cot(theta)
  double contact_slope_ = 0.0;  // (2/pi) tan(theta)
  double puncture_force_ = 0.0;
  double puncture_tent_ = 0.0;  // deflection at the puncture force, m
  double r_tip_ = 0.0, r_shaft_ = 0.0, tan_theta_ = 0.0;

  // Penetration segments between breakpoints (layer boundaries, end of taper, needle length): the
  // force is F(p) = A p^2 + B p + C inside each, rising; ends precomputed with their deflections.
  struct Segment {
    double s0, s1;   // m
    double A, B, C;  // N/m^2, N/m, N
    double F0, F1;   // force just inside the start and the end, N
    double w0, w1;   // deflection under F0, F1, m
  };
  std::array<Segment, layer_count + 2> seg_{};
  int n_seg_ = 0;

  double segment_force(const Segment& s, double p) const { return (s.A * p + s.B) * p + s.C; }
  double deflection_from(double force, double guess) const;
  double modulus_and_log_slope(double a, double& dlnmu_da) const;
};

/// One insertion, building the model on the fly (use InsertionModel for many).
InsertionResult insert(const Needle& needle, const SkinModel& skin, double speed,
                       const NeedleLoad& load);

/// Surface tear left by a buried needle dragged laterally by `lateral_sweep` (m) in a channel of
/// depth `depth` (m): the skin absorbs gamma_f * depth by shearing, the rest tears. Never exceeds
/// the sweep.
double tear_length(double lateral_sweep, double depth,
                   const MechanicsConstants& constants = MechanicsConstants::standard());

}  // namespace punctum
