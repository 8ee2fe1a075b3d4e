#include "punctum/healing/model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"
#include "punctum/detail/embedded_tables.hpp"

namespace punctum::healing {

namespace {

constexpr std::array<std::string_view, species_count> species_names = {
    "w", "h", "c", "g", "f", "rho3", "rho1", "e", "p", "s"};
constexpr std::array<std::string_view, species_count> species_units = {
    "1", "1", "1", "1", "cells/m^3", "kg/m^3", "kg/m^3", "kg/m^3", "1", "kg/m^3"};

const detail::CsvTable& rates_table() {
  static const detail::CsvTable t(detail::tables::healing_rates, "data/healing/rates.csv");
  return t;
}
const detail::CsvTable& wound_table() {
  static const detail::CsvTable t(detail::tables::healing_wound, "data/healing/wound.csv");
  return t;
}
const detail::CsvTable& modifiers_table() {
  static const detail::CsvTable t(detail::tables::healing_patient_modifiers,
                                  "data/healing/patient_modifiers.csv");
  return t;
}

/// Table units are the ones people quote (per day); the solver runs in seconds.
double to_si(double value, const std::string& unit) {
  if (unit.find("/day") != std::string::npos || unit.find("day)") != std::string::npos)
    return value / 1.0_days;
  return value;
}

}  // namespace

std::string_view to_string(Species s) {
  return species_names[idx(s)];
}
std::string_view unit_of(Species s) {
  return species_units[idx(s)];
}

Species species_from_string(std::string_view name) {
  for (std::size_t i = 0; i < species_count; ++i)
    if (species_names[i] == name) return Species(i);
  throw InvalidParameter("species", "'" + std::string(name) + "'",
                         "one of w, h, c, g, f, rho3, rho1, e, p, s", "");
}

double& Rates::by_name(std::string_view n) {
#define PUNCTUM_RATE(field) \
  if (n == #field) return field;
  PUNCTUM_RATE(diffusivity_inflammatory)
  PUNCTUM_RATE(diffusivity_growth_factor)
  PUNCTUM_RATE(diffusivity_fibroblast)
  PUNCTUM_RATE(diffusivity_topical)
  PUNCTUM_RATE(chemotaxis_fibroblast)
  PUNCTUM_RATE(inflammation_decay)
  PUNCTUM_RATE(inflammation_per_damage)
  PUNCTUM_RATE(inflammation_per_blood)
  PUNCTUM_RATE(growth_factor_decay)
  PUNCTUM_RATE(growth_factor_per_inflammation)
  PUNCTUM_RATE(growth_factor_per_blood)
  PUNCTUM_RATE(fibroblast_proliferation)
  PUNCTUM_RATE(fibroblast_apoptosis)
  PUNCTUM_RATE(fibroblast_capacity_factor)
  PUNCTUM_RATE(growth_factor_half_saturation)
  PUNCTUM_RATE(damage_repair_dermis)
  PUNCTUM_RATE(damage_repair_epidermis)
  PUNCTUM_RATE(blood_clearance)
  PUNCTUM_RATE(collagen_synthesis)
  PUNCTUM_RATE(collagen_III_fraction_new)
  PUNCTUM_RATE(collagen_III_to_I)
  PUNCTUM_RATE(collagen_turnover)
  PUNCTUM_RATE(collagen_capacity_factor)
  PUNCTUM_RATE(mmp_degradation)
  PUNCTUM_RATE(elastin_synthesis)
  PUNCTUM_RATE(elastin_turnover)
  PUNCTUM_RATE(elastin_capacity_factor)
  PUNCTUM_RATE(pigment_per_inflammation)
  PUNCTUM_RATE(pigment_decay)
  PUNCTUM_RATE(topical_clearance)
  PUNCTUM_RATE(topical_permeability_intact)
  PUNCTUM_RATE(blood)
#undef PUNCTUM_RATE
  throw InvalidParameter("rate", "'" + std::string(n) + "'",
                         "a parameter of data/healing/rates.csv", "");
}

std::vector<std::string> Rates::names() {
  std::vector<std::string> out;
  const auto& t = rates_table();
  for (std::size_t r = 0; r < t.rows(); ++r) out.push_back(t.text(r, "parameter"));
  out.push_back("blood");
  return out;
}

Rates Rates::defaults() {
  Rates r;
  const auto& t = rates_table();
  for (std::size_t row = 0; row < t.rows(); ++row)
    r.by_name(t.text(row, "parameter")) = to_si(t.number(row, "value"), t.text(row, "unit"));
  return r;
}

WoundConstants WoundConstants::defaults() {
  WoundConstants w;
  const auto& t = wound_table();
  // Each row is read by name below; a row beyond these six would be silently unused.
  if (t.rows() != 6)
    throw std::logic_error("data/healing/wound.csv: expected the 6 wound constants, found " +
                           std::to_string(t.rows()) + " rows");
  w.halo_width_factor = t.value("halo_width_factor", "parameter");
  w.halo_damage = t.value("halo_damage", "parameter");
  w.blood_capillary = t.value("blood_capillary", "parameter");
  w.blood_plexus = t.value("blood_plexus", "parameter");
  w.plexus_band = t.value("plexus_band", "parameter");
  w.collagen_removed = t.value("collagen_removed", "parameter");
  return w;
}

Rates apply_patient(Rates r, const Patient& patient, const Aftercare& aftercare) {
  patient.validate();
  const auto& t = modifiers_table();
  for (std::size_t row = 0; row < t.rows(); ++row) {
    const auto& factor = t.text(row, "factor");
    const double m = t.number(row, "multiplier");
    double mult = 1.0;
    if (factor == "diabetes")
      mult = patient.diabetes ? m : 1.0;
    else if (factor == "diabetes_hba1c") {
      // Christman 2011: healing rate falls linearly with HbA1c above the 6 % target.
      if (patient.diabetes && patient.hba1c_percent && *patient.hba1c_percent > 6.0)
        mult = std::max(0.2, 1.0 + m * (*patient.hba1c_percent - 6.0));
    } else if (factor == "anticoagulant")
      mult = patient.anticoagulant ? m : 1.0;
    else if (factor == "haemophilia")
      mult = patient.haemophilia ? m : 1.0;
    else if (factor == "keloid_tendency")
      mult = patient.keloid_tendency ? m : 1.0;
    else if (factor == "smoking")
      mult = patient.smoker ? m : 1.0;
    else if (factor == "recent_radiation")
      mult = patient.recent_radiation ? m : 1.0;
    else if (factor == "vitamin_c")
      mult = patient.vitamin_c_preparation ? m : 1.0;
    else if (factor == "uv_exposure")
      mult = aftercare.uv_exposure ? m : 1.0;
    else if (factor == "fitzpatrick")
      mult = std::max(0.2, 1.0 + m * (patient.fitzpatrick - 3));
    else if (factor == "age")
      mult = std::max(0.3, 1.0 + m * std::max(0.0, patient.age_years - 30.0));
    else
      throw std::logic_error("data/healing/patient_modifiers.csv: unknown factor " + factor);
    r.by_name(t.text(row, "parameter")) *= mult;
  }
  return r;
}

HealingModel::HealingModel(const SkinModel& skin, const Patient& patient, const Grid3& grid,
                           const Aftercare& aftercare)
    : HealingModel(skin, apply_patient(Rates::defaults(), patient, aftercare), grid) {}

HealingModel::HealingModel(const SkinModel& skin, const Rates& rates, const Grid3& grid)
    : skin_(skin), rates_(rates), wound_(WoundConstants::defaults()), grid_(grid) {
  grid_.validate();
  static const char* axis[2] = {"x", "y"};
  for (int a = 0; a < 2; ++a) {
    if (!grid_.periodic[a])
      throw InvalidParameter(std::string("grid.periodic.") + axis[a], "false",
                             "true (the patch is periodic laterally)", "");
    // A periodic line of two voxels couples each voxel to the other twice; the cyclic solver
    // needs three or more (one voxel is the laterally averaged column).
    if (grid_.shape[a] == 2)
      throw InvalidParameter(std::string("grid.shape.") + axis[a], "2", "1 or >= 3", "voxels");
  }
  if (grid_.periodic[2])
    throw InvalidParameter("grid.periodic.z", "true", "false (no-flux at depth)", "");
  build();
}

double HealingModel::baseline(Species s, std::size_t k) const {
  const auto& P = planes_.at(k);
  switch (s) {
    case Species::f:
      return P.f0;
    case Species::rho3:
      return P.rho3_0;
    case Species::rho1:
      return P.rho1_0;
    case Species::e:
      return P.e0;
    default:
      return 0.0;
  }
}

void HealingModel::build() {
  const auto nz = grid_.nz();
  const auto& R = rates_;
  planes_.assign(nz, {});
  const std::array<double, diffusing_count> D_free = {
      R.diffusivity_inflammatory, R.diffusivity_growth_factor, R.diffusivity_fibroblast,
      R.diffusivity_topical};
  std::ptrdiff_t deepest_epidermis = -1;
  for (std::size_t k = 0; k < nz; ++k) {
    auto& P = planes_[k];
    const double depth = grid_.centre(2, k);
    P.layer = skin_.layer_at(depth);
    const auto& bio = skin_.layer(P.layer).biology;
    P.f0 = bio.fibroblast_density;
    P.f_max_inv = P.f0 > 0 ? 1.0 / (R.fibroblast_capacity_factor * P.f0) : 0.0;
    P.rho1_0 = bio.collagen_I;
    P.rho3_0 = bio.collagen_III;
    P.e0 = bio.elastin;
    const double rho0 = P.rho1_0 + P.rho3_0;
    P.rho_max_inv = rho0 > 0 ? 1.0 / (R.collagen_capacity_factor * rho0) : 0.0;
    P.e_max_inv = P.e0 > 0 ? 1.0 / (R.elastin_capacity_factor * P.e0) : 0.0;
    const bool epi = is_epidermis(P.layer);
    P.repair = epi ? R.damage_repair_epidermis : R.damage_repair_dermis;
    P.repair_by_fibroblasts = !epi && P.f0 > 0;
    P.topical_clearance = epi ? 0.0 : R.topical_clearance;
    const double scale = bio.diffusivity_scale;
    // The stratum corneum's barrier to the topical agent is the surface flux condition; inside
    // the grid the agent moves through the SC voxels as through viable epidermis.
    const double scale_s = P.layer == LayerKind::stratum_corneum
                               ? skin_.layer(LayerKind::viable_epidermis).biology.diffusivity_scale
                               : scale;
    P.D = {D_free[0] * scale, D_free[1] * scale, P.f0 > 0 ? D_free[2] * scale : 0.0,
           D_free[3] * scale_s};
    if (P.layer == LayerKind::viable_epidermis) deepest_epidermis = std::ptrdiff_t(k);
  }
  if (deepest_epidermis < 0) {
    // Epidermis thinner than the first voxel: the melanocytes live in the plane that holds the
    // dermal-epidermal junction.
    const double junction = skin_.epidermis_thickness();
    for (std::size_t k = 0; k < nz; ++k)
      if (grid_.origin[2] + double(k + 1) * grid_.spacing[2] >= junction) {
        deepest_epidermis = std::ptrdiff_t(k);
        break;
      }
  }
  if (deepest_epidermis >= 0) planes_[std::size_t(deepest_epidermis)].basal_epidermis = true;
  for (std::size_t d = 0; d < diffusing_count; ++d) {
    faces_[d].assign(nz > 0 ? nz - 1 : 0, 0.0);
    for (std::size_t k = 0; k + 1 < nz; ++k) {
      const double a = planes_[k].D[d], b = planes_[k + 1].D[d];
      // Harmonic mean: the flux through two half-voxels in series (exact for piecewise-constant D).
      faces_[d][k] = (a > 0 && b > 0) ? 2.0 * a * b / (a + b) : 0.0;
    }
  }
  permeability_open_ = 2.0 * planes_[0].D[3] / grid_.spacing[2];
}

}  // namespace punctum::healing
