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
  MechanicsConstants c;
  c.crack_shape_factor = t.value("crack_shape_factor");
  c.tip_face_critical_pressure = t.value("tip_face_critical_pressure");
  c.shaft_friction_traction = t.value("shaft_friction_traction");
  c.strain_rate_length_factor = t.value("strain_rate_length_factor");
  c.tear_accommodation_strain = t.value("tear_accommodation_strain");
  c.bed_of_nails_zone_radius = t.value("bed_of_nails_zone_radius");
  c.manual_pressing_speed = t.value("manual_pressing_speed");
  c.tent_stiffness_factor = t.value("tent_stiffness_factor");
  return c;
}

/// Secant modulus of a one-term Ogden solid in uniaxial tension at strain eps relative to its
/// small-strain modulus 3 mu: sigma = (2 mu / alpha)(lambda^alpha - lambda^(-alpha/2)).
double ogden_secant_factor(double alpha, double eps) {
  if (eps < 1e-9) return 1.0;
  const double lambda = 1.0 + eps;
  const double sigma_over_mu =
      2.0 / alpha * (std::pow(lambda, alpha) - std::pow(lambda, -0.5 * alpha));
  return sigma_over_mu / (3.0 * eps);
}

}  // namespace

const MechanicsConstants& MechanicsConstants::standard() {
  static const MechanicsConstants c = load_constants();
  return c;
}

std::string_view to_string(DepthLimit limit) {
  switch (limit) {
    case DepthLimit::not_punctured:
      return "not_punctured";
    case DepthLimit::force:
      return "force";
    case DepthLimit::travel:
      return "travel";
    case DepthLimit::hub:
      return "hub";
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
  puncture_tent_ = deflection(puncture_force_);

  // Breakpoints of the penetration force: layer boundaries and the end of the taper. Between them
  // F(p) = kappa J R(p) + 2 pi tau R(p) p with R = r_tip + p tan(theta) (taper) or R_shaft.
  const double L = needle_.length;
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
  const double kappa = c_.crack_shape_factor,
               two_pi_tau = 2.0 * std::numbers::pi * c_.shaft_friction_traction;
  n_seg_ = 0;
  double w_guess = puncture_tent_;
  for (std::size_t i = 0; i + 1 < nbp; ++i) {
    const double s0 = bp[i], s1 = bp[i + 1];
    if (s1 - s0 <= 1e-12) continue;
    const double mid = 0.5 * (s0 + s1);
    std::size_t k = 0;
    while (k + 1 < layer_count && mid >= zb_[k + 1]) ++k;
    const double J = toughness_[k];
    Segment sg{};
    sg.s0 = s0;
    sg.s1 = s1;
    if (mid < taper) {  // R = r_tip + t p
      sg.A = two_pi_tau * tan_theta_;
      sg.B = kappa * J * tan_theta_ + two_pi_tau * r_tip_;
      sg.C = kappa * J * r_tip_;
    } else {  // R = R_shaft
      sg.A = 0.0;
      sg.B = two_pi_tau * r_shaft_;
      sg.C = kappa * J * r_shaft_;
    }
    sg.F0 = segment_force(sg, s0);
    sg.F1 = segment_force(sg, s1);
    sg.w0 = deflection_from(sg.F0, w_guess);
    sg.w1 = deflection_from(sg.F1, sg.w0);
    w_guess = sg.w1;
    seg_[std::size_t(n_seg_++)] = sg;
  }
}

double InsertionModel::modulus_and_log_slope(double a, double& dlnmu_da) const {
  // On-axis vertical strain under a uniform disc load of radius a on an incompressible half-space:
  // eps_z ~ 1.5 z a^2 / (a^2 + z^2)^(3/2), so layer i carries the weight 1/rho(z_i) - 1/rho(z_i+1),
  // rho = sqrt(a^2 + z^2). The hypodermis is left out: its deflection is a bowl wider than any
  // device footprint, which the hub, drum or cartridge face rides on.
  double W = 0.0, C = 0.0, dW = 0.0, dC = 0.0;
  double inv_rho_top = 1.0 / a, d_top = -1.0 / (a * a);  // d(1/rho)/da = -a / rho^3
  const double a2 = a * a;
  for (int i = 0; i < cutis_layers; ++i) {
    const double zb = z_[std::size_t(i) + 1];
    const double inv_rho = 1.0 / std::sqrt(a2 + zb * zb);
    const double d_bottom = -a * inv_rho * inv_rho * inv_rho;
    const double w = inv_rho_top - inv_rho, dw = d_top - d_bottom;
    W += w;
    dW += dw;
    C += w * inv_mu_[std::size_t(i)];
    dC += dw * inv_mu_[std::size_t(i)];
    inv_rho_top = inv_rho;
    d_top = d_bottom;
  }
  dlnmu_da = dW / W - dC / C;
  return W / C;
}

double InsertionModel::effective_modulus(double a) const {
  double unused;
  return modulus_and_log_slope(a, unused);
}

double InsertionModel::tent_force(double delta) const {
  const double a = r_tip_ + contact_slope_ * delta;
  return cone_factor_ * effective_modulus(a) * delta * delta;
}

double InsertionModel::deflection_from(double force, double guess) const {
  if (!(force > 0.0)) return 0.0;
  // Newton on F(delta) = F with dF/d delta = (F / delta)(2 + s delta d ln mu / da); the slope is
  // close to 2, so a few steps from the guess reach machine precision.
  double delta =
      guess > 0.0 ? guess : std::sqrt(force / (cone_factor_ * effective_modulus(r_tip_)));
  for (int it = 0; it < 60; ++it) {
    const double a = r_tip_ + contact_slope_ * delta;
    double dlnmu;
    const double mu = modulus_and_log_slope(a, dlnmu);
    const double F = cone_factor_ * mu * delta * delta;
    const double slope = std::max(2.0 + contact_slope_ * delta * dlnmu, 0.5);
    const double rel = std::clamp((1.0 - force / F) / slope, -10.0, 0.9);
    delta *= 1.0 - rel;
    if (std::abs(rel) < 1e-11) break;
  }
  return delta;
}

double InsertionModel::deflection(double force) const {
  return deflection_from(force, 0.0);
}

double InsertionModel::penetration_force(double p) const {
  const double R = std::min(r_shaft_, r_tip_ + std::max(0.0, p) * tan_theta_);
  std::size_t k = 0;
  while (k + 1 < layer_count && p >= zb_[k + 1]) ++k;
  return c_.crack_shape_factor * toughness_[k] * R +
         c_.shaft_friction_traction * 2.0 * std::numbers::pi * R * p;
}

namespace {

/// Root of an increasing f on [lo, hi] with f(lo) <= 0 < f(hi): Illinois false position, to tol.
template <class F>
double increasing_root(F&& f, double lo, double hi, double f_lo, double f_hi, double tol) {
  int side = 0;
  for (int it = 0; it < 100 && hi - lo > tol; ++it) {
    double x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    const double fx = f(x);
    if (fx <= 0.0) {
      lo = x;
      f_lo = fx;
      if (side == -1) f_hi *= 0.5;
      side = -1;
    } else {
      hi = x;
      f_hi = fx;
      if (side == 1) f_lo *= 0.5;
      side = 1;
    }
  }
  return lo;
}

}  // namespace

InsertionResult InsertionModel::insert(const NeedleLoad& load) const {
  if (!(load.force > 0.0))
    throw InvalidParameter("load.force", detail::format_number(load.force), "> 0", "N");
  if (!(load.travel > 0.0))
    throw InvalidParameter("load.travel", detail::format_number(load.travel), "> 0", "m");
  if (!(load.neighbour_compliance >= 0.0) || !std::isfinite(load.neighbour_compliance))
    throw InvalidParameter("load.neighbour_compliance",
                           detail::format_number(load.neighbour_compliance), ">= 0 and finite",
                           "m/N");
  if (!(load.lateral_sweep >= 0.0) || !std::isfinite(load.lateral_sweep))
    throw InvalidParameter("load.lateral_sweep", detail::format_number(load.lateral_sweep),
                           ">= 0 and finite", "m");

  const double L = needle_.length;
  const double nc = load.neighbour_compliance, F_lim = load.force, travel = load.travel;
  InsertionResult r;
  r.puncture_force = puncture_force_;
  const double delta_p = puncture_tent_;

  const bool punctures =
      puncture_force_ <= F_lim && delta_p + nc * puncture_force_ <= travel && delta_p < L;
  if (!punctures) {
    // The tip stops on the surface: at the force limit, at its travel, or when the hub meets the
    // tent (delta = L). The force that meets the first of these, found on F.
    auto excess = [&](double f) {
      const double w = deflection_from(f, delta_p);
      return std::max(w + nc * f - travel, w - L);
    };
    double F = std::min(F_lim, puncture_force_);
    if (const double e = excess(F); e > 0.0)
      F = increasing_root(excess, 0.0, F, -std::min(travel, L), e, 1e-12 * F);
    r.peak_force = F;
    r.final_deflection = deflection_from(F, delta_p);
    return r;
  }

  r.punctured = true;
  r.tenting_at_puncture = delta_p;

  // The largest penetration p whose force stays within the load and whose tip position
  // p + w(F(p)) + nc F(p) stays within the travel; the force rises within each segment.
  double p_end = L, F_end = seg_[std::size_t(n_seg_ - 1)].F1,
         w_end = seg_[std::size_t(n_seg_ - 1)].w1;
  DepthLimit limit = DepthLimit::hub;
  for (int i = 0; i < n_seg_; ++i) {
    const Segment& sg = seg_[std::size_t(i)];
    const bool force_ok0 = sg.F0 <= F_lim, travel_ok0 = sg.s0 + sg.w0 + nc * sg.F0 <= travel;
    if (!force_ok0 || !travel_ok0) {
      // Held at the top of a tougher layer: the needle pushes with whatever the load allows, up to
      // the force or the travel limit, without breaching it.
      p_end = sg.s0;
      const double F_prev = i > 0 ? seg_[std::size_t(i - 1)].F1 : 0.0;
      const double w_prev = i > 0 ? seg_[std::size_t(i - 1)].w1 : 0.0;
      double F = std::min(sg.F0, F_lim);
      double w = F == sg.F0 ? sg.w0 : deflection_from(F, sg.w0);
      limit = force_ok0 ? DepthLimit::travel : DepthLimit::force;
      if (sg.s0 + w + nc * F > travel) {
        limit = DepthLimit::travel;
        auto g = [&](double f) { return sg.s0 + deflection_from(f, w) + nc * f - travel; };
        F = increasing_root(g, F_prev, F, g(F_prev), g(F), 1e-10 * F);
        w = deflection_from(F, w_prev);
      }
      F_end = F;
      w_end = w;
      break;
    }
    const bool force_ok1 = sg.F1 <= F_lim, travel_ok1 = sg.s1 + sg.w1 + nc * sg.F1 <= travel;
    if (force_ok1 && travel_ok1) continue;
    // The limit falls inside this segment. Force: solve A p^2 + B p + C = F_lim in closed form.
    double p_hi = sg.s1;
    limit = DepthLimit::travel;
    if (!force_ok1) {
      limit = DepthLimit::force;
      if (sg.A > 0.0) {
        const double disc = sg.B * sg.B - 4.0 * sg.A * (sg.C - F_lim);
        p_hi = (-sg.B + std::sqrt(std::max(0.0, disc))) / (2.0 * sg.A);
      } else {
        p_hi = (F_lim - sg.C) / sg.B;
      }
      p_hi = std::clamp(p_hi, sg.s0, sg.s1);
    }
    double F_hi = std::min(segment_force(sg, p_hi), F_lim);
    double w_hi = deflection_from(F_hi, sg.w0);
    double p = p_hi;
    if (p_hi + w_hi + nc * F_hi > travel) {
      limit = DepthLimit::travel;
      double w_last = sg.w0;
      auto g = [&](double q) {
        const double f = segment_force(sg, q);
        w_last = deflection_from(f, w_last);
        return q + w_last + nc * f - travel;
      };
      p = increasing_root(g, sg.s0, p_hi, sg.s0 + sg.w0 + nc * sg.F0 - travel,
                          p_hi + w_hi + nc * F_hi - travel, 1e-9);
      F_hi = segment_force(sg, p);
      w_hi = deflection_from(F_hi, w_last);
    }
    p_end = p;
    F_end = F_hi;
    w_end = w_hi;
    break;
  }

  r.depth_reached = p_end;
  r.limited_by = limit;
  r.peak_force = std::max(puncture_force_, F_end);
  r.final_deflection = w_end;
  {
    // The deepest layer breached is the one holding the tip (a tip stopped on a boundary has not
    // entered the next layer).
    std::size_t k = 0;
    while (k + 1 < layer_count && p_end > zb_[k + 1]) ++k;
    r.deepest_layer = LayerKind(k);
  }
  std::uint8_t v = vessel_none;
  if (p_end > vessels_.capillary_loops) v |= vessel_capillary_loops;
  if (p_end > vessels_.superficial_plexus) v |= vessel_superficial_plexus;
  if (p_end > vessels_.deep_plexus) v |= vessel_deep_plexus;
  r.vessels = v;
  for (std::size_t i = 0; i < r.channel_radius.size(); ++i) {
    const double z = p_end * double(i) / double(r.channel_radius.size() - 1);
    r.channel_radius[i] = std::min(r_shaft_, r_tip_ + (p_end - z) * tan_theta_);
  }
  r.tear_length = tear_length(load.lateral_sweep, p_end, c_);
  return r;
}

InsertionResult insert(const Needle& needle, const SkinModel& skin, double speed,
                       const NeedleLoad& load) {
  return InsertionModel(needle, skin, speed).insert(load);
}

double tear_length(double lateral_sweep, double depth, const MechanicsConstants& constants) {
  return std::max(0.0, lateral_sweep - constants.tear_accommodation_strain * std::max(0.0, depth));
}

}  // namespace punctum
