#include "punctum/skin/skin_model.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"
#include "punctum/detail/embedded_tables.hpp"

namespace punctum {

namespace {

constexpr std::array<std::string_view, layer_count> layer_names = {
    "stratum_corneum", "viable_epidermis", "papillary_dermis", "reticular_dermis", "hypodermis"};

const detail::CsvTable& sites_table() {
  static const detail::CsvTable t(detail::tables::skin_sites, "data/skin/sites.csv");
  return t;
}
const detail::CsvTable& layers_table() {
  static const detail::CsvTable t(detail::tables::skin_layers, "data/skin/layers.csv");
  return t;
}
const detail::CsvTable& ageing_table() {
  static const detail::CsvTable t(detail::tables::skin_ageing, "data/skin/ageing.csv");
  return t;
}
const detail::CsvTable& vessels_table() {
  static const detail::CsvTable t(detail::tables::skin_vessels, "data/skin/vessels.csv");
  return t;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

/// Linear decline from the reference age (data/skin/ageing.csv), never below the floor.
double ageing_factor(std::string_view quantity, Sex sex, double age_years) {
  const auto& t = ageing_table();
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (t.text(r, "quantity") != quantity || t.text(r, "sex") != to_string(sex)) continue;
    const double years = std::max(0.0, age_years - t.number(r, "reference_age_years"));
    return std::max(t.number(r, "floor_fraction"),
                    1.0 + t.number(r, "relative_change_per_year") * years);
  }
  throw std::logic_error("data/skin/ageing.csv lacks " + std::string(quantity));
}

}  // namespace

std::string_view to_string(LayerKind kind) { return layer_names[std::size_t(kind)]; }

LayerKind layer_from_string(std::string_view name) {
  std::string key(name);
  std::replace(key.begin(), key.end(), ' ', '_');
  for (std::size_t i = 0; i < layer_count; ++i)
    if (layer_names[i] == key) return LayerKind(i);
  throw InvalidParameter("layer", "'" + std::string(name) + "'",
                         "one of stratum_corneum, viable_epidermis, papillary_dermis, "
                         "reticular_dermis, hypodermis",
                         "");
}

std::string_view to_string(Sex sex) { return sex == Sex::female ? "female" : "male"; }

Sex sex_from_string(std::string_view name) {
  if (name == "female" || name == "f" || name == "F") return Sex::female;
  if (name == "male" || name == "m" || name == "M") return Sex::male;
  throw InvalidParameter("sex", "'" + std::string(name) + "'", "one of female, male", "");
}

SkinModel::SkinModel(std::array<Layer, layer_count> layers, std::string site, Sex sex,
                     double age_years)
    : layers_(layers), site_(std::move(site)), sex_(sex), age_years_(age_years) {
  require_in_range("age", age_years, 0.0, 130.0, "years");
  for (std::size_t i = 0; i < layer_count; ++i) {
    const Layer& L = layers_[i];
    const std::string name(layer_names[i]);
    if (L.kind != LayerKind(i))
      throw InvalidParameter("layers[" + std::to_string(i) + "].kind",
                             std::string(to_string(L.kind)), "the layer " + name + " at position " +
                                                                 std::to_string(i) + " (depth order)",
                             "");
    require_in_range(name + ".thickness", in_um(L.thickness), 0.1, 1e5, "um");
    require_in_range(name + ".shear_modulus", in_kPa(L.mechanics.shear_modulus), 1e-3, 1e7, "kPa");
    require_in_range(name + ".ogden_alpha", L.mechanics.ogden_alpha, 1.0, 40.0, "1");
    require_in_range(name + ".toughness", L.mechanics.toughness, 1.0, 1e5, "J/m^2");
    require_in_range(name + ".rate_exponent", L.mechanics.rate_exponent, 0.0, 1.0, "1");
    require_in_range(name + ".fibroblast_density", L.biology.fibroblast_density * 1e-9, 0.0, 1e6,
                     "cells/mm^3");
    require_in_range(name + ".collagen_I", L.biology.collagen_I, 0.0, 1000.0, "kg/m^3");
    require_in_range(name + ".collagen_III", L.biology.collagen_III, 0.0, 1000.0, "kg/m^3");
    require_in_range(name + ".elastin", L.biology.elastin, 0.0, 1000.0, "kg/m^3");
    require_in_range(name + ".diffusivity_scale", L.biology.diffusivity_scale, 1e-6, 100.0, "1");
  }
  derive_vessels();
}

void SkinModel::derive_vessels() {
  const auto& t = vessels_table();
  auto anchor_depth = [this](const std::string& anchor) {
    for (std::size_t i = 0; i < layer_count; ++i)
      if (anchor == std::string(layer_names[i]) + "_top") return top(LayerKind(i));
    throw std::logic_error("data/skin/vessels.csv: unknown anchor " + anchor);
  };
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const double depth = anchor_depth(t.text(r, "anchor")) + t.number(r, "offset_um") * 1e-6;
    const std::string& v = t.text(r, "vessel");
    if (v == "capillary_loops") vessels_.capillary_loops = depth;
    else if (v == "superficial_plexus") vessels_.superficial_plexus = depth;
    else if (v == "deep_plexus") vessels_.deep_plexus = depth;
    else throw std::logic_error("data/skin/vessels.csv: unknown vessel " + v);
  }
  // The loops sit inside the papillary dermis: a thin custom papillary layer caps them.
  vessels_.capillary_loops = std::min(vessels_.capillary_loops, vessels_.superficial_plexus);
}

std::vector<std::string> SkinModel::sites() {
  std::vector<std::string> out;
  const auto& t = sites_table();
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const auto& s = t.text(r, "site");
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

SkinModel SkinModel::preset(std::string_view site, Sex sex, double age_years) {
  require_in_range("age", age_years, min_age_years, max_age_years, "years");
  const auto& st = sites_table();
  std::size_t row = st.rows();
  for (std::size_t r = 0; r < st.rows(); ++r)
    if (st.text(r, "site") == site && st.text(r, "sex") == to_string(sex)) row = r;
  if (row == st.rows())
    throw InvalidParameter("site", "'" + std::string(site) + "'", "one of " + join(sites()), "");

  const double epi = ageing_factor("epidermis_thickness", sex, age_years);
  const double derm = ageing_factor("dermis_thickness", sex, age_years);
  const double coll = ageing_factor("collagen_density", sex, age_years);
  const double fib = ageing_factor("fibroblast_density", sex, age_years);

  const auto& lt = layers_table();
  std::array<Layer, layer_count> layers{};
  const char* thickness_col[layer_count] = {"stratum_corneum_um", "viable_epidermis_um",
                                            "papillary_dermis_um", "reticular_dermis_um",
                                            "hypodermis_mm"};
  for (std::size_t i = 0; i < layer_count; ++i) {
    const LayerKind kind = LayerKind(i);
    std::size_t r = lt.rows();
    for (std::size_t k = 0; k < lt.rows(); ++k)
      if (lt.text(k, "layer") == layer_names[i]) r = k;
    if (r == lt.rows()) throw std::logic_error("data/skin/layers.csv lacks " + std::string(layer_names[i]));

    Layer& L = layers[i];
    L.kind = kind;
    L.thickness = st.number(row, thickness_col[i]) * (kind == LayerKind::hypodermis ? 1e-3 : 1e-6);
    if (is_epidermis(kind)) L.thickness *= epi;
    if (is_dermis(kind)) L.thickness *= derm;
    L.mechanics.shear_modulus = lt.number(r, "shear_modulus_kPa") * 1e3;
    L.mechanics.ogden_alpha = lt.number(r, "ogden_alpha");
    L.mechanics.toughness = lt.number(r, "toughness_J_m2");
    L.mechanics.rate_exponent = lt.number(r, "rate_exponent");
    L.biology.fibroblast_density = lt.number(r, "fibroblasts_per_mm3") * 1e9 * fib;
    // mg/cm^3 == kg/m^3
    L.biology.collagen_I = lt.number(r, "collagen_I_mg_cm3") * coll;
    L.biology.collagen_III = lt.number(r, "collagen_III_mg_cm3") * coll;
    L.biology.elastin = lt.number(r, "elastin_mg_cm3");
    L.biology.diffusivity_scale = lt.number(r, "diffusivity_scale");
  }
  return SkinModel(layers, std::string(site), sex, age_years);
}

double SkinModel::top(LayerKind kind) const {
  double z = 0.0;
  for (std::size_t i = 0; i < std::size_t(kind); ++i) z += layers_[i].thickness;
  return z;
}

double SkinModel::bottom(LayerKind kind) const { return top(kind) + layer(kind).thickness; }

LayerKind SkinModel::layer_at(double depth) const {
  double z = 0.0;
  for (std::size_t i = 0; i + 1 < layer_count; ++i) {
    z += layers_[i].thickness;
    if (depth < z) return LayerKind(i);
  }
  return LayerKind::hypodermis;
}

SkinModel SkinModel::with_thickness(LayerKind kind, double thickness) const {
  auto layers = layers_;
  layers[std::size_t(kind)].thickness = thickness;
  return SkinModel(layers, site_, sex_, age_years_);
}

std::string SkinModel::table() const {
  std::ostringstream os;
  char buf[256];
  std::snprintf(buf, sizeof buf, "SkinModel: %s, %s, %.0f years\n", site_.c_str(),
                std::string(to_string(sex_)).c_str(), age_years_);
  os << buf;
  std::snprintf(buf, sizeof buf, "%-17s %8s %9s %9s %6s %9s %11s %9s %9s %8s\n", "layer", "top",
                "thickness", "shear mod", "Ogden", "toughness", "fibroblasts", "collagen", "collagen",
                "elastin");
  os << buf;
  std::snprintf(buf, sizeof buf, "%-17s %8s %9s %9s %6s %9s %11s %9s %9s %8s\n", "", "(um)", "(um)",
                "(kPa)", "alpha", "(J/m^2)", "(/mm^3)", "I mg/cm3", "III mg/cm3", "(mg/cm3)");
  os << buf;
  for (const Layer& L : layers_) {
    std::snprintf(buf, sizeof buf, "%-17s %8.1f %9.1f %9.3g %6.1f %9.0f %11.0f %9.1f %9.1f %8.1f\n",
                  std::string(to_string(L.kind)).c_str(), in_um(top(L.kind)), in_um(L.thickness),
                  in_kPa(L.mechanics.shear_modulus), L.mechanics.ogden_alpha, L.mechanics.toughness,
                  L.biology.fibroblast_density * 1e-9, L.biology.collagen_I, L.biology.collagen_III,
                  L.biology.elastin);
    os << buf;
  }
  std::snprintf(buf, sizeof buf,
                "vessels (depth below surface): capillary loops %.0f um, superficial plexus %.0f um, "
                "deep plexus %.0f um\n",
                in_um(vessels_.capillary_loops), in_um(vessels_.superficial_plexus),
                in_um(vessels_.deep_plexus));
  os << buf;
  return os.str();
}

}  // namespace punctum
