#include "punctum/patient/patient.hpp"

#include <algorithm>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"
#include "punctum/detail/embedded_tables.hpp"

namespace punctum {

namespace {
const detail::CsvTable& rules() {
  static const detail::CsvTable t(detail::tables::patient_screening, "data/patient/screening.csv");
  return t;
}

ScreeningFinding finding(const std::string& condition) {
  const auto& t = rules();
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (t.text(r, "condition") != condition) continue;
    const auto& sev = t.text(r, "severity");
    const Severity s = sev == "contraindicated" ? Severity::contraindicated
                       : sev == "caution"       ? Severity::caution
                                                : Severity::info;
    return {s, condition, t.text(r, "reason"), t.text(r, "source")};
  }
  throw std::logic_error("data/patient/screening.csv lacks condition " + condition);
}

// Thresholds that are part of the rules' meaning (see the reasons in screening.csv).
constexpr double poor_control_hba1c_percent = 8.0;
constexpr double evaluated_pen_depth_mm = 1.5;
constexpr double pen_min_age_years = 22.0;
}  // namespace

void Patient::validate() const {
  require_in_range("age", age_years, 0.0, 120.0, "years");
  require_in_range("fitzpatrick", fitzpatrick, 1, 6, "phototype (I-VI as 1-6)");
  if (hba1c_percent) {
    if (!diabetes)
      throw InvalidParameter("hba1c_percent", detail::format_number(*hba1c_percent),
                             "only together with diabetes=true", "%");
    require_in_range("hba1c_percent", *hba1c_percent, 3.0, 20.0, "%");
  }
}

void TreatmentPlan::validate() const {
  require_in_range("needle_length", in_mm(needle_length), 0.1, 3.0, "mm");
  require_in_range("sessions", sessions, 1, 52, "sessions");
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::contraindicated: return "contraindicated";
    case Severity::caution: return "caution";
    default: return "info";
  }
}

std::vector<ScreeningFinding> screen(const Patient& p, const TreatmentPlan& plan) {
  p.validate();
  plan.validate();
  std::vector<ScreeningFinding> out;
  const auto add_if = [&out](bool applies, const char* condition) {
    if (applies) out.push_back(finding(condition));
  };
  add_if(p.active_infection, "active_skin_infection");
  add_if(p.open_wound, "open_wound");
  add_if(p.active_acne, "active_acne");
  add_if(p.eczema, "eczema");
  add_if(p.psoriasis, "psoriasis");
  add_if(p.cancer, "cancer");
  add_if(p.recent_radiation, "recent_radiation");
  add_if(p.pregnant_or_breastfeeding, "pregnancy_or_breastfeeding");
  add_if(p.haemophilia, "haemophilia");
  add_if(p.keloid_tendency, "keloid_tendency");
  add_if(p.anticoagulant, "anticoagulant");
  add_if(p.diabetes, "diabetes");
  add_if(p.diabetes && p.hba1c_percent && *p.hba1c_percent > poor_control_hba1c_percent,
         "diabetes_poor_control");
  add_if(p.smoker, "smoking");
  add_if(p.recent_isotretinoin, "recent_isotretinoin");
  add_if(p.fitzpatrick >= 4, "dark_phototype");
  add_if(p.vitamin_c_preparation, "vitamin_c_preparation");
  add_if(plan.pen_device && in_mm(plan.needle_length) > evaluated_pen_depth_mm,
         "depth_beyond_evaluated");
  add_if(plan.pen_device && p.age_years < pen_min_age_years, "young_patient");

  const double age = std::clamp(p.age_years, SkinModel::min_age_years, SkinModel::max_age_years);
  const SkinModel skin = SkinModel::preset(plan.site, p.sex, age);
  add_if(plan.needle_length > skin.epidermis_thickness() + skin.dermis_thickness(),
         "depth_beyond_dermis");

  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return int(a.severity) > int(b.severity);
  });
  return out;
}

bool has_contraindication(const std::vector<ScreeningFinding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const auto& f) { return f.severity == Severity::contraindicated; });
}

}  // namespace punctum
