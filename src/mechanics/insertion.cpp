#include "punctum/mechanics/insertion.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/error.hpp"
#include "punctum/detail/embedded_tables.hpp"

namespace punctum {

namespace {

MechanicsConstants load_constants() {
  const detail::CsvTable t(detail::tables::mechanics_constants, "data/mechanics/constants.csv");
  auto value = [&t](std::string_view name) {
    for (std::size_t r = 0; r < t.rows(); ++r)
      if (t.text(r, "name") == name) return t.number(r, "value");
    throw std::logic_error("data/mechanics/constants.csv lacks " + std::string(name));
  };
  MechanicsConstants c;
  c.crack_shape_factor = value("crack_shape_factor");
  c.tip_face_critical_pressure = value("tip_face_critical_pressure");
  c.shaft_friction_traction = value("shaft_friction_traction");
  c.strain_rate_length_factor = value("strain_rate_length_factor");
  c.tear_accommodation_strain = value("tear_accommodation_strain");
  c.bed_of_nails_zone_radius = value("bed_of_nails_zone_radius");
  c.manual_pressing_speed = value("manual_pressing_speed");
  c.tent_stiffness_factor = value("tent_stiffness_factor");
  return c;
}

/// Secant modulus of a one-term Ogden solid in uniaxial tension at strain eps relative to its
/// small-strain modulus 3 mu: sigma = (2 mu / alpha)(lambda^alpha - lambda^(-alpha/2)).
double ogden_secant_factor(double alpha, double eps) {
  if (eps < 1e-9) return 1.0;
  const double lambda = 1.0 + eps;
  const double sigma_over_mu = 2.0 / alpha * (std::pow(lambda, alpha) - std::pow(lambda, -0.5 * alpha));
  return sigma_over_mu / (3.0 * eps);
}

}  // namespace

const MechanicsConstants& MechanicsConstants::standard() {
  static const MechanicsConstants c = load_constants();
  return c;
}

std::string_view to_string(DepthLimit limit) {
  switch (limit) {
    case DepthLimit::not_punctured: return "not_punctured";
    case DepthLimit::force: return "force";
    case DepthLimit::travel: return "travel";
    case DepthLimit::hub: return "hub";
  }
  return "?";
}

InsertionModel::InsertionModel(const Needle& needle, const SkinModel& skin, double speed,
                               const MechanicsConstants& constants)
    : needle_(needle), speed_(speed), c_(constants) {
  needle_.validate();
  require_in_range("speed", speed, 1e-6, 100.0, "m/s");
  r_tip_ = needle_.tip_radius;
  r_shaft_ = needle_.shaft_radius();
  tan_theta_ = std::tan(needle_.cone_half_angle);

  // Strain rate under the tip ~ v / d; moduli stiffen as (rate / rate_ref)^m above the reference.
  const double strain_rate = speed / (c_.strain_rate_length_factor * needle_.shaft_diameter);
  const double rate_ratio = std::max(1.0, strain_rate / reference_strain_rate);
  // Representative strain under a cone (Tabor): 0.2 cot(beta), beta = pi/2 - theta.
  const double representative_strain = 0.2 * tan_theta_;

  double z = 0.0, m_sum = 0.0, thickness_sum = 0.0;
  z_[0] = 0.0;
  for (int i = 0; i < cutis_layers; ++i) {
    const Layer& L = skin.layers()[std::size_t(i)];
    z += L.thickness;
    z_[std::size_t(i) + 1] = z;
    const double stiffening = ogden_secant_factor(L.mechanics.ogden_alpha, representative_strain) *
                              std::pow(rate_ratio, L.mechanics.rate_exponent);
    inv_mu_[std::size_t(i)] = 1.0 / (L.mechanics.shear_modulus * stiffening);
    m_sum += L.mechanics.rate_exponent * L.thickness;
    thickness_sum += L.thickness;
  }
  rate_factor_ = std::pow(rate_ratio, m_sum / thickness_sum);
  zb_[0] = 0.0;
  for (std::size_t i = 0; i < layer_count; ++i) {
    zb_[i + 1] = skin.bottom(LayerKind(i));
    toughness_[i] = skin.layers()[i].mechanics.toughness;
  }
  vessels_ = skin.vessels();
  cone_factor_ = c_.tent_stiffness_factor * 8.0 / std::numbers::pi / tan_theta_;
  contact_slope_ = 2.0 / std::numbers::pi * tan_theta_;
  puncture_force_ = c_.crack_shape_factor * toughness_[0] * r_tip_ +
                    c_.tip_face_critical_pressure * needle_.tip_face_area();
}

double InsertionModel::effective_modulus(double a) const {
  // On-axis vertical strain under a uniform disc load of radius a on an incompressible half-space:
  // eps_z ~ 1.5 z a^2 / (a^2 + z^2)^(3/2), so layer i carries the weight 1/rho(z_i) - 1/rho(z_i+1).
  // The hypodermis is left out: its deflection is a bowl wider than any device footprint, which the
  // hub, drum or cartridge face rides on, so it does not change the depth relative to the surface.
  double w_sum = 0.0, c_sum = 0.0;
  double inv_rho_top = 1.0 / a;
  const double a2 = a * a;
  for (int i = 0; i < cutis_layers; ++i) {
    const double zb = z_[std::size_t(i) + 1];
    const double inv_rho_bottom = 1.0 / std::sqrt(a2 + zb * zb);
    const double w = inv_rho_top - inv_rho_bottom;
    w_sum += w;
    c_sum += w * inv_mu_[std::size_t(i)];
    inv_rho_top = inv_rho_bottom;
  }
  return w_sum / c_sum;
}

double InsertionModel::tent_force(double delta) const {
  const double a = r_tip_ + contact_slope_ * delta;
  return cone_factor_ * effective_modulus(a) * delta * delta;
}

double InsertionModel::deflection(double force) const {
  if (!(force > 0.0)) return 0.0;
  // Fixed point delta = sqrt(F / (K mu(a(delta)))); mu varies slowly with a, so it contracts fast.
  double delta = std::sqrt(force / (cone_factor_ * effective_modulus(r_tip_)));
  for (int it = 0; it < 30; ++it) {
    const double next =
        std::sqrt(force / (cone_factor_ * effective_modulus(r_tip_ + contact_slope_ * delta)));
    if (std::abs(next - delta) <= 1e-7 * next) return next;
    delta = next;
  }
  return delta;
}

double InsertionModel::penetration_force(double p) const {
  const double R = std::min(r_shaft_, r_tip_ + std::max(0.0, p) * tan_theta_);
  std::size_t k = 0;
  while (k + 1 < layer_count && p >= zb_[k + 1]) ++k;
  return c_.crack_shape_factor * toughness_[k] * R +
         c_.shaft_friction_traction * 2.0 * std::numbers::pi * R * p;
}

InsertionResult InsertionModel::insert(const NeedleLoad& load) const {
  if (!(load.force > 0.0)) throw InvalidParameter("load.force", detail::format_number(load.force), "> 0", "N");
  if (!(load.travel > 0.0)) throw InvalidParameter("load.travel", detail::format_number(load.travel), "> 0", "m");
  if (!(load.neighbour_compliance >= 0.0) || !std::isfinite(load.neighbour_compliance))
    throw InvalidParameter("load.neighbour_compliance", detail::format_number(load.neighbour_compliance),
                           ">= 0 and finite", "m/N");
  if (!(load.lateral_sweep >= 0.0) || !std::isfinite(load.lateral_sweep))
    throw InvalidParameter("load.lateral_sweep", detail::format_number(load.lateral_sweep), ">= 0 and finite", "m");

  const double L = needle_.length;
  const double nc = load.neighbour_compliance;
  InsertionResult r;
  r.puncture_force = puncture_force_;
  const double delta_p = deflection(puncture_force_);

  // Tip position below the undeformed surface while the needle carries force F at penetration p.
  auto tip_position = [&](double p, double F) { return p + deflection(F) + nc * F; };

  const bool punctures = puncture_force_ <= load.force && delta_p + nc * puncture_force_ <= load.travel &&
                         delta_p < L;
  if (!punctures) {
    // The tip stops on the surface: at the force limit, at its travel, or when the hub meets the
    // tent (delta = L). Bisection on F for the travel and hub limits.
    double F = load.force;
    auto over = [&](double f) { return deflection(f) + nc * f > load.travel || deflection(f) >= L; };
    if (!std::isfinite(F) || over(F)) {
      double lo = 0.0, hi = std::isfinite(F) ? F : puncture_force_;
      for (int it = 0; it < 60; ++it) {
        const double mid = 0.5 * (lo + hi);
        (over(mid) ? hi : lo) = mid;
      }
      F = lo;
    }
    r.peak_force = F;
    r.final_deflection = deflection(F);
    return r;
  }

  r.punctured = true;
  r.tenting_at_puncture = delta_p;

  // Breakpoints of the penetration force: layer boundaries and the end of the taper. Between them
  // the force rises monotonically with p, so each limit is met at most once per segment.
  std::array<double, layer_count + 3> bp{};
  std::size_t nbp = 0;
  bp[nbp++] = 0.0;
  for (std::size_t i = 1; i < layer_count; ++i)
    if (zb_[i] < L) bp[nbp++] = zb_[i];
  const double taper = needle_.taper_length();
  if (taper < L) bp[nbp++] = taper;
  bp[nbp++] = L;
  for (std::size_t i = 1; i < nbp; ++i)  // insertion sort: at most 7 entries
    for (std::size_t j = i; j > 0 && bp[j - 1] > bp[j]; --j) std::swap(bp[j - 1], bp[j]);

  auto ok = [&](double p, double F) { return F <= load.force && tip_position(p, F) <= load.travel; };

  double p_end = L, F_end = penetration_force(L - 1e-12);
  DepthLimit limit = DepthLimit::hub;
  for (std::size_t s = 0; s + 1 < nbp; ++s) {
    const double s0 = bp[s], s1 = bp[s + 1];
    if (s1 - s0 <= 0.0) continue;
    const double F0 = penetration_force(s0);
    if (!ok(s0, F0)) {
      // Held at the top of a tougher layer: the needle pushes with whatever the load allows, up to
      // the force or the travel limit, without breaching it.
      p_end = s0;
      limit = F0 > load.force ? DepthLimit::force : DepthLimit::travel;
      double lo = s0 > 0.0 ? penetration_force(s0 - 1e-12) : 0.0, hi = std::min(F0, load.force);
      if (!ok(s0, hi)) {
        limit = DepthLimit::travel;
        for (int it = 0; it < 60 && hi - lo > 1e-9 * hi; ++it) {
          const double mid = 0.5 * (lo + hi);
          (ok(s0, mid) ? lo : hi) = mid;
        }
        hi = lo;
      }
      F_end = hi;
      break;
    }
    const double s1m = s1 - 1e-12;
    const double F1 = penetration_force(s1m);
    if (ok(s1m, F1)) continue;
    // Bisection inside the segment to 1 nm.
    double lo = s0, hi = s1m;
    while (hi - lo > 1e-9) {
      const double mid = 0.5 * (lo + hi);
      (ok(mid, penetration_force(mid)) ? lo : hi) = mid;
    }
    p_end = lo;
    F_end = penetration_force(lo);
    limit = penetration_force(hi) > load.force ? DepthLimit::force : DepthLimit::travel;
    break;
  }

  r.depth_reached = p_end;
  r.limited_by = limit;
  r.peak_force = std::max(puncture_force_, F_end);
  r.final_deflection = deflection(F_end);
  {
    // The deepest layer breached is the one holding the tip (a tip stopped on a boundary has not
    // entered the next layer).
    std::size_t k = 0;
    while (k + 1 < layer_count && p_end > zb_[k + 1]) ++k;
    r.deepest_layer = LayerKind(k);
  }
  std::uint8_t v = vessel_none;
  if (p_end >= vessels_.capillary_loops) v |= vessel_capillary_loops;
  if (p_end >= vessels_.superficial_plexus) v |= vessel_superficial_plexus;
  if (p_end >= vessels_.deep_plexus) v |= vessel_deep_plexus;
  r.vessels = v;
  for (std::size_t i = 0; i < r.channel_radius.size(); ++i) {
    const double z = p_end * double(i) / double(r.channel_radius.size() - 1);
    r.channel_radius[i] = std::min(r_shaft_, r_tip_ + (p_end - z) * tan_theta_);
  }
  r.tear_length = tear_length(load.lateral_sweep, p_end, c_);
  return r;
}

InsertionResult insert(const Needle& needle, const SkinModel& skin, double speed, const NeedleLoad& load) {
  return InsertionModel(needle, skin, speed).insert(load);
}

double tear_length(double lateral_sweep, double depth, const MechanicsConstants& constants) {
  return std::max(0.0, lateral_sweep - constants.tear_accommodation_strain * std::max(0.0, depth));
}

}  // namespace punctum
