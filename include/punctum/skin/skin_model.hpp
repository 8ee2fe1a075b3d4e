#pragma once
// SkinModel: an ordered stack of the five layers (z = 0 at the surface, positive inward), the
// depths of the three vascular beds, and where the numbers came from (site, sex, age).
//
//   auto skin = punctum::SkinModel::preset("cheek", punctum::Sex::female, 45.0);
//   skin.layer_at(0.3_mm);  // LayerKind::reticular_dermis

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "punctum/skin/layer.hpp"

namespace punctum {

enum class Sex : int { female = 0, male = 1 };
std::string_view to_string(Sex sex);
Sex sex_from_string(std::string_view name);  // "female"/"f", "male"/"m"

/// Depths below the surface at which a channel starts to meet each vascular bed, m.
struct VascularDepths {
  double capillary_loops = 0.0;     ///< papillary loops (pinpoint bleeding)
  double superficial_plexus = 0.0;  ///< subpapillary plexus (heavier bleeding, bruising)
  double deep_plexus = 0.0;         ///< dermis-hypodermis junction (bruising)
};

class SkinModel {
 public:
  /// A custom stack: exactly one layer of each kind, in depth order, thicknesses > 0.
  explicit SkinModel(std::array<Layer, layer_count> layers, std::string site = "custom",
                     Sex sex = Sex::female, double age_years = 30.0);

  /// A body-site preset (data/skin/sites.csv) for a sex, aged from the 30-year reference
  /// (data/skin/ageing.csv). Sites: forehead, cheek, periorbital, neck, abdomen, thigh, back.
  static SkinModel preset(std::string_view site, Sex sex = Sex::female, double age_years = 30.0);
  static std::vector<std::string> sites();
  /// Allowed patient ages for presets, years (the tables describe adult skin).
  static constexpr double min_age_years = 16.0, max_age_years = 100.0;

  const std::array<Layer, layer_count>& layers() const { return layers_; }
  const Layer& layer(LayerKind kind) const { return layers_[std::size_t(kind)]; }
  double top(LayerKind kind) const;     ///< depth of the layer's upper boundary, m
  double bottom(LayerKind kind) const;  ///< depth of the layer's lower boundary, m
  /// The layer at `depth` (m); depths beyond the stack belong to the hypodermis.
  LayerKind layer_at(double depth) const;
  double total_thickness() const { return bottom(LayerKind::hypodermis); }
  double epidermis_thickness() const { return bottom(LayerKind::viable_epidermis); }
  double dermis_thickness() const {
    return layer(LayerKind::papillary_dermis).thickness + layer(LayerKind::reticular_dermis).thickness;
  }
  const VascularDepths& vessels() const { return vessels_; }

  const std::string& site() const { return site_; }
  Sex sex() const { return sex_; }
  double age_years() const { return age_years_; }

  /// A copy with one layer's thickness replaced (m), e.g. for a patient-specific measurement.
  SkinModel with_thickness(LayerKind kind, double thickness) const;

  /// Human-readable table of the layers with units.
  std::string table() const;

 private:
  void derive_vessels();
  std::array<Layer, layer_count> layers_;
  VascularDepths vessels_;
  std::string site_;
  Sex sex_;
  double age_years_;
};

}  // namespace punctum
