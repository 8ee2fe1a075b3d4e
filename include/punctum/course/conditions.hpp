#pragma once
// Skin conditions as initial states of the healing field: a local deficit (or excess) of dermal
// collagen and elastin over a region, with a surface depression for scars and wrinkles. The
// outcome metric of each is the fill fraction: how much of the initial collagen deficit the
// course has restored in that region. Parameters and sources: data/course/conditions.csv.

#include <string>
#include <string_view>
#include <vector>

namespace punctum {

enum class ConditionKind : int {
  none = 0,
  atrophic_acne_scar,
  wrinkle,
  striae,
  enlarged_pores,
  photoaging,
  surgical_scar,
};
std::string_view to_string(ConditionKind kind);
ConditionKind condition_from_string(std::string_view name);
std::vector<std::string> condition_names();

enum class ConditionRegion : int { disc = 0, band = 1, whole = 2 };

/// One condition's geometry and tissue changes (a row of data/course/conditions.csv).
struct ConditionSpec {
  ConditionKind kind = ConditionKind::none;
  ConditionRegion region = ConditionRegion::whole;
  double size = 0.0;              ///< disc radius or band half-width, m
  double dermis_fraction = 1.0;   ///< upper fraction of the dermis affected, 1
  double collagen_factor = 1.0;   ///< collagen in the region relative to the layer baseline, 1
  double elastin_factor = 1.0;    ///< elastin likewise, 1
  double depression = 0.0;        ///< surface depression at the centre, m
  static ConditionSpec lookup(ConditionKind kind);
};

}  // namespace punctum
