#pragma once
// HealingModel: the kinetics of the healing field (species, sourced rates, patient modifiers) and
// its per-depth parameters on a Grid3 (layer baselines, diffusivities, harmonic-mean face
// coefficients). Every equation and number: docs/healing.md; tables: data/healing/*.csv.
//
//   auto skin = punctum::SkinModel::preset("cheek", punctum::Sex::female, 45.0);
//   punctum::healing::HealingModel model(skin, patient, punctum::Grid3::patch(1e-3, 1.5e-3,
//   20e-6));

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "punctum/core/grid.hpp"
#include "punctum/patient/patient.hpp"
#include "punctum/skin/skin_model.hpp"

namespace punctum::healing {

/// The species of the healing field, in storage order (DESIGN.md, Healing).
enum class Species : int { w = 0, h, c, g, f, rho3, rho1, e, p, s };
inline constexpr std::size_t species_count = 10;
inline constexpr std::array<Species, species_count> all_species = {
    Species::w,    Species::h,    Species::c, Species::g, Species::f,
    Species::rho3, Species::rho1, Species::e, Species::p, Species::s};
/// The species that diffuse, in the order of the diffusion kernel's coefficient arrays.
inline constexpr std::array<Species, 4> diffusing_species = {Species::c, Species::g, Species::f,
                                                             Species::s};
inline constexpr std::size_t diffusing_count = diffusing_species.size();
/// A species' position in diffusing_species (diffusing_count for one that does not diffuse).
inline constexpr std::size_t diffusing_of(Species s) {
  std::size_t d = 0;
  while (d < diffusing_count && diffusing_species[d] != s) ++d;
  return d;
}

std::string_view to_string(Species s);
/// The SI unit the field stores for `s` ("1" for dimensionless).
std::string_view unit_of(Species s);
/// Parses "w", "h", ..., "rho3", "rho1", ...; throws InvalidParameter naming the choices.
Species species_from_string(std::string_view name);
inline constexpr std::size_t idx(Species s) {
  return std::size_t(s);
}

/// Permeability of the skin surface to the topical agent, m/s: it opens from intact (P_intact)
/// to open skin (P_open) with the damage w of the surface voxel (clamped to [0, 1]).
inline double topical_permeability(double P_intact, double P_open, double w) {
  return P_intact + (P_open - P_intact) * std::min(std::max(w, 0.0), 1.0);
}

/// Whether species `s` carries the Robin surface flux P (s_film - s) at z = 0: the topical agent
/// while a film is on the skin. Without a film the surface is no-flux (a wiped serum takes
/// nothing with it: the agent in the skin does not evaporate). The explicit flux of the delta
/// form's right-hand side and the implicit surface row of its solve both ask this.
inline constexpr bool surface_flux(Species s, double film) {
  return s == Species::s && film != 0.0;
}

/// Rate constants, SI (s, m, kg, cells). Defaults come from data/healing/rates.csv.
struct Rates {
  double diffusivity_inflammatory = 0, diffusivity_growth_factor = 0, diffusivity_fibroblast = 0,
         diffusivity_topical = 0;             ///< m^2/s, scaled per layer
  double chemotaxis_fibroblast = 0;           ///< m^2/s per unit g
  double inflammation_decay = 0;              ///< 1/s
  double inflammation_per_damage = 0;         ///< 1
  double inflammation_per_blood = 0;          ///< 1
  double growth_factor_decay = 0;             ///< 1/s
  double growth_factor_per_inflammation = 0;  ///< 1
  double growth_factor_per_blood = 0;         ///< 1
  double fibroblast_proliferation = 0;        ///< 1/s
  double fibroblast_apoptosis = 0;            ///< 1/s
  double fibroblast_capacity_factor = 0;      ///< 1
  double growth_factor_half_saturation = 0;   ///< 1
  double damage_repair_dermis = 0;            ///< 1/s
  double damage_repair_epidermis = 0;         ///< 1/s
  double blood_clearance = 0;                 ///< 1/s
  double collagen_synthesis = 0;              ///< kg/(cell s)
  double collagen_III_fraction_new = 0;       ///< 1
  double collagen_III_to_I = 0;               ///< 1/s
  double collagen_turnover = 0;               ///< 1/s
  double collagen_capacity_factor = 0;        ///< 1
  double mmp_degradation = 0;                 ///< 1/s per unit c
  double elastin_synthesis = 0;               ///< kg/(cell s)
  double elastin_turnover = 0;                ///< 1/s
  double elastin_capacity_factor = 0;         ///< 1
  double pigment_per_inflammation = 0;        ///< 1/s per unit c
  double pigment_decay = 0;                   ///< 1/s
  double topical_clearance = 0;               ///< 1/s (dermis and hypodermis)
  double topical_permeability_intact = 0;     ///< m/s, intact stratum corneum
  double blood = 1.0;                         ///< multiplier on wound bleeding (patient), 1

  /// The table values of data/healing/rates.csv.
  static Rates defaults();
  /// Mutable access by the table's parameter name; throws InvalidParameter for unknown names.
  double& by_name(std::string_view name);
  double by_name(std::string_view name) const {
    return const_cast<Rates&>(*this).by_name(name);
  }
  static std::vector<std::string> names();
};

/// Conditions during healing that are not patient traits.
struct Aftercare {
  bool uv_exposure = false;  ///< unprotected sun exposure during the healing weeks
};

/// `base` with the patient modifiers of data/healing/patient_modifiers.csv applied.
Rates apply_patient(Rates base, const Patient& patient, const Aftercare& aftercare = {});

/// Wound-source constants (data/healing/wound.csv).
struct WoundConstants {
  double halo_width_factor = 0, halo_damage = 0, blood_capillary = 0, blood_plexus = 0,
         plexus_band = 0, collagen_removed = 0;
  static WoundConstants defaults();
};

/// What the kinetics need to know of one depth plane k.
struct PlaneParams {
  LayerKind layer = LayerKind::papillary_dermis;
  double f0 = 0;         ///< resident fibroblasts, cells/m^3
  double f_max_inv = 0;  ///< 1/carrying capacity (0 where fibroblasts cannot live), m^3
  double rho1_0 = 0, rho3_0 = 0, e0 = 0;  ///< baselines, kg/m^3
  double rho_max_inv = 0, e_max_inv = 0;  ///< 1/ceilings (0: no synthesis), m^3/kg
  double repair = 0;                      ///< damage repair rate at f = f0, 1/s
  bool repair_by_fibroblasts = false;
  bool basal_epidermis = false;             ///< melanocytes live here (pigment p)
  double topical_clearance = 0;             ///< 1/s
  std::array<double, diffusing_count> D{};  ///< diffusivity in this plane, m^2/s
};

class HealingModel {
 public:
  HealingModel(const SkinModel& skin, const Patient& patient, const Grid3& grid,
               const Aftercare& aftercare = {});
  HealingModel(const SkinModel& skin, const Rates& rates, const Grid3& grid);

  const SkinModel& skin() const { return skin_; }
  const Rates& rates() const { return rates_; }
  const WoundConstants& wound() const { return wound_; }
  const Grid3& grid() const { return grid_; }
  const std::vector<PlaneParams>& planes() const { return planes_; }
  /// Harmonic-mean diffusivity on the face between planes k and k+1 (size nz-1), m^2/s.
  const std::vector<double>& face_diffusivity(std::size_t diffusing) const {
    return faces_[diffusing];
  }
  /// First-order decay of diffusing species `diffusing` (diffusing_species' order) in plane k,
  /// 1/s: the fast signals' own decay and the topical agent's vascular clearance; 0 for
  /// fibroblasts. The delta form's right-hand side and its factorised operator both read it, so
  /// a quasi-steady profile stays exact.
  double linear_decay(std::size_t diffusing, std::size_t k) const {
    switch (diffusing) {
      case 0: return rates_.inflammation_decay;
      case 1: return rates_.growth_factor_decay;
      case 3: return planes_[k].topical_clearance;
      default: return 0.0;
    }
  }
  /// The baseline (unwounded) value of species s in plane k, in unit_of(s).
  double baseline(Species s, std::size_t k) const;
  /// Surface permeability of the stratum corneum where it is destroyed (w = 1), m/s.
  double topical_permeability_open() const { return permeability_open_; }
  /// Is the grid a 1-D depth column (nx = ny = 1: the laterally averaged fidelity)?
  bool is_column() const { return grid_.is_column(); }

 private:
  void build();
  SkinModel skin_;
  Rates rates_;
  WoundConstants wound_;
  Grid3 grid_;
  std::vector<PlaneParams> planes_;
  std::array<std::vector<double>, diffusing_count> faces_;
  double permeability_open_ = 0;
};

}  // namespace punctum::healing
