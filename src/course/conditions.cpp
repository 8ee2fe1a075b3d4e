#include "punctum/course/conditions.hpp"

#include <array>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/error.hpp"
#include "punctum/detail/embedded_tables.hpp"

namespace punctum {

namespace {
constexpr std::array<std::string_view, 7> names = {"none",          "atrophic_acne_scar",
                                                   "wrinkle",       "striae",
                                                   "enlarged_pores", "photoaging",
                                                   "surgical_scar"};
}

std::string_view to_string(ConditionKind kind) { return names[std::size_t(kind)]; }

std::vector<std::string> condition_names() { return {names.begin(), names.end()}; }

ConditionKind condition_from_string(std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return ConditionKind(i);
  std::string all;
  for (auto n : names) all += (all.empty() ? "" : ", ") + std::string(n);
  throw InvalidParameter("condition", "'" + std::string(name) + "'", "one of " + all, "");
}

ConditionSpec ConditionSpec::lookup(ConditionKind kind) {
  ConditionSpec spec;
  spec.kind = kind;
  if (kind == ConditionKind::none) return spec;
  static const detail::CsvTable t(detail::tables::course_conditions, "data/course/conditions.csv");
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (t.text(r, "condition") != to_string(kind)) continue;
    const auto& region = t.text(r, "region");
    spec.region = region == "disc" ? ConditionRegion::disc
                  : region == "band" ? ConditionRegion::band
                                     : ConditionRegion::whole;
    spec.size = t.number(r, "size_um") * 1e-6;
    spec.dermis_fraction = t.number(r, "dermis_fraction");
    spec.collagen_factor = t.number(r, "collagen_factor");
    spec.elastin_factor = t.number(r, "elastin_factor");
    spec.depression = t.number(r, "depression_um") * 1e-6;
    return spec;
  }
  throw std::logic_error("data/course/conditions.csv lacks " + std::string(to_string(kind)));
}

}  // namespace punctum
