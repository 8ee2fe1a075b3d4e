#include <gtest/gtest.h>

#include <algorithm>

#include <punctum/patient.hpp>
#include <punctum/core.hpp>

using namespace punctum;

namespace {
bool has(const std::vector<ScreeningFinding>& f, const std::string& condition, Severity s) {
  return std::any_of(f.begin(), f.end(), [&](const auto& x) { return x.condition == condition && x.severity == s; });
}
}  // namespace

TEST(Screening, HealthyAdultAtModerateDepthIsClear) {
  Patient p;
  p.age_years = 45;
  p.fitzpatrick = 2;
  TreatmentPlan plan;
  plan.needle_length = 1.0_mm;
  for (const auto& f : screen(p, plan)) EXPECT_EQ(f.severity, Severity::info) << f.condition;
  plan.needle_length = 0.5_mm;
  EXPECT_TRUE(screen(p, plan).empty());
}

TEST(Screening, AbsoluteContraindications) {
  const std::pair<bool Patient::*, const char*> cases[] = {
      {&Patient::active_infection, "active_skin_infection"}, {&Patient::open_wound, "open_wound"},
      {&Patient::active_acne, "active_acne"},                {&Patient::eczema, "eczema"},
      {&Patient::psoriasis, "psoriasis"},                    {&Patient::cancer, "cancer"},
      {&Patient::recent_radiation, "recent_radiation"},      {&Patient::haemophilia, "haemophilia"},
      {&Patient::pregnant_or_breastfeeding, "pregnancy_or_breastfeeding"},
      {&Patient::keloid_tendency, "keloid_tendency"}};
  for (const auto& [flag, condition] : cases) {
    Patient p;
    p.*flag = true;
    const auto f = screen(p, TreatmentPlan{});
    EXPECT_TRUE(has(f, condition, Severity::contraindicated)) << condition;
    EXPECT_TRUE(has_contraindication(f));
    EXPECT_FALSE(f.front().source.empty());
  }
}

TEST(Screening, CautionsAndSortOrder) {
  Patient p;
  p.diabetes = true;
  p.hba1c_percent = 9.1;
  p.anticoagulant = true;
  p.smoker = true;
  p.fitzpatrick = 5;
  p.keloid_tendency = true;
  const auto f = screen(p, TreatmentPlan{});
  EXPECT_TRUE(has(f, "diabetes", Severity::caution));
  EXPECT_TRUE(has(f, "diabetes_poor_control", Severity::caution));
  EXPECT_TRUE(has(f, "anticoagulant", Severity::caution));
  EXPECT_TRUE(has(f, "smoking", Severity::caution));
  EXPECT_TRUE(has(f, "dark_phototype", Severity::caution));
  EXPECT_EQ(f.front().severity, Severity::contraindicated);
  for (std::size_t i = 1; i < f.size(); ++i) EXPECT_GE(int(f[i - 1].severity), int(f[i].severity));
}

TEST(Screening, PlanDependentRules) {
  Patient p;
  TreatmentPlan plan;
  plan.site = "periorbital";
  plan.needle_length = 2.0_mm;  // eyelid epidermis + dermis is ~0.6 mm
  const auto f = screen(p, plan);
  EXPECT_TRUE(has(f, "depth_beyond_dermis", Severity::info));
  EXPECT_TRUE(has(f, "depth_beyond_evaluated", Severity::caution));
  plan.site = "back";
  plan.needle_length = 1.0_mm;
  EXPECT_FALSE(has(screen(p, plan), "depth_beyond_dermis", Severity::info));
  p.age_years = 19;
  EXPECT_TRUE(has(screen(p, plan), "young_patient", Severity::info));
}

TEST(Screening, BadInputsAreNamed) {
  Patient p;
  p.fitzpatrick = 7;
  try {
    screen(p, TreatmentPlan{});
    FAIL();
  } catch (const InvalidParameter& e) {
    EXPECT_EQ(e.parameter(), "fitzpatrick");
    EXPECT_EQ(e.value(), "7");
  }
  Patient q;
  q.hba1c_percent = 7.0;  // without diabetes
  EXPECT_THROW(q.validate(), InvalidParameter);
  q.diabetes = true;
  q.hba1c_percent = 40.0;
  EXPECT_THROW(q.validate(), InvalidParameter);
  TreatmentPlan plan;
  plan.needle_length = 5.0_mm;
  EXPECT_THROW(screen(Patient{}, plan), InvalidParameter);
  plan.needle_length = 1.0_mm;
  plan.site = "elbow";
  EXPECT_THROW(screen(Patient{}, plan), InvalidParameter);
}
