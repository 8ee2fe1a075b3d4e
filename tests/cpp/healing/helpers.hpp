#pragma once
// Shared fixtures for the healing tests: small grids, uniform or two-layer skins, and rates with
// the kinetics switched off so the numerics can be checked against analytic solutions.
#include <cmath>
#include <cstring>

#include "punctum/core/rng.hpp"
#include "punctum/healing.hpp"

namespace punctum::healing::testing {

inline SkinModel cheek() {
  return SkinModel::preset("cheek", Sex::female, 45.0);
}

/// The cheek stack with every layer's solute diffusivity scale set to `scale`.
inline SkinModel uniform_diffusivity_skin(double scale = 1.0) {
  auto layers = cheek().layers();
  for (auto& L : layers) L.biology.diffusivity_scale = scale;
  return SkinModel(layers, "uniform");
}

/// Custom stack: layer thicknesses (m) and diffusivity scales, the rest from the cheek.
inline SkinModel stack(std::array<double, layer_count> thickness,
                       std::array<double, layer_count> scale) {
  auto layers = cheek().layers();
  for (std::size_t i = 0; i < layer_count; ++i) {
    layers[i].thickness = thickness[i];
    layers[i].biology.diffusivity_scale = scale[i];
  }
  return SkinModel(layers, "test stack");
}

/// Default rates with every reaction off (pure transport).
inline Rates transport_only() {
  Rates r = Rates::defaults();
  r.inflammation_decay = r.growth_factor_decay = 0;
  r.fibroblast_proliferation = r.fibroblast_apoptosis = 0;
  r.damage_repair_dermis = r.damage_repair_epidermis = r.blood_clearance = 0;
  r.collagen_synthesis = r.collagen_turnover = r.collagen_III_to_I = r.mmp_degradation = 0;
  r.elastin_synthesis = r.elastin_turnover = 0;
  r.pigment_per_inflammation = r.pigment_decay = 0;
  r.topical_clearance = r.topical_permeability_intact = 0;
  r.chemotaxis_fibroblast = 0;
  return r;
}

template <class T>
bool bit_identical(const Field<T>& a, const Field<T>& b) {
  return a.bytes() == b.bytes() &&
         std::memcmp(a.species_data(0), b.species_data(0), a.bytes()) == 0;
}

}  // namespace punctum::healing::testing
