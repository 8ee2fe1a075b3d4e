#pragma once
// The five layers of skin along depth, with the mechanical and biological parameters the
// mechanics and healing modules read. Values are SI; sources are in data/skin/layers.csv and
// docs/skin.md.

#include <array>
#include <string>
#include <string_view>

namespace punctum {

enum class LayerKind : int {
  stratum_corneum = 0,
  viable_epidermis = 1,
  papillary_dermis = 2,
  reticular_dermis = 3,
  hypodermis = 4,
};
inline constexpr std::size_t layer_count = 5;
inline constexpr std::array<LayerKind, layer_count> all_layers = {
    LayerKind::stratum_corneum, LayerKind::viable_epidermis, LayerKind::papillary_dermis,
    LayerKind::reticular_dermis, LayerKind::hypodermis};

std::string_view to_string(LayerKind kind);
/// Parses "papillary_dermis" (or "papillary dermis"); throws InvalidParameter naming the choices.
LayerKind layer_from_string(std::string_view name);

inline bool is_epidermis(LayerKind k) {
  return k == LayerKind::stratum_corneum || k == LayerKind::viable_epidermis;
}
inline bool is_dermis(LayerKind k) {
  return k == LayerKind::papillary_dermis || k == LayerKind::reticular_dermis;
}

struct LayerMechanics {
  double shear_modulus = 0.0;  ///< small-strain, quasi-static (Ogden mu), Pa
  double ogden_alpha = 2.0;    ///< one-term Ogden strain-stiffening exponent, 1
  double toughness = 0.0;      ///< work of fracture J, J/m^2
  double rate_exponent = 0.0;  ///< mu(rate) = mu * (rate / reference)^m above the reference rate, 1
};

struct LayerBiology {
  double fibroblast_density = 0.0;  ///< baseline, cells/m^3
  double collagen_I = 0.0;          ///< baseline mass concentration, kg/m^3
  double collagen_III = 0.0;        ///< kg/m^3
  double elastin = 0.0;             ///< kg/m^3
  double diffusivity_scale = 1.0;   ///< solute diffusivity relative to papillary dermis, 1
};

struct Layer {
  LayerKind kind = LayerKind::papillary_dermis;
  double thickness = 0.0;  ///< m
  LayerMechanics mechanics;
  LayerBiology biology;
};

/// Strain rate at which the tabulated shear moduli hold (quasi-static indentation), 1/s.
inline constexpr double reference_strain_rate = 0.004;

}  // namespace punctum
