#pragma once
// Patient factors and pre-treatment screening. Screening informs the clinician or researcher; it
// never changes a simulation by itself (the healing module reads the Patient's factors directly).

#include <optional>
#include <string>
#include <vector>

#include "punctum/skin/skin_model.hpp"

namespace punctum {

struct Patient {
  double age_years = 45.0;
  Sex sex = Sex::female;
  int fitzpatrick = 3;  ///< skin phototype I-VI as 1-6
  bool diabetes = false;
  std::optional<double> hba1c_percent;  ///< glycated haemoglobin, % (only with diabetes)
  bool anticoagulant = false;           ///< anticoagulant or antiplatelet use
  bool haemophilia = false;             ///< or another bleeding disorder
  bool keloid_tendency = false;
  bool smoker = false;
  bool recent_radiation = false;  ///< radiation therapy to the area within 12 months
  bool pregnant_or_breastfeeding = false;
  bool active_acne = false;
  bool active_infection = false;  ///< incl. herpes simplex in the area
  bool eczema = false;
  bool psoriasis = false;
  bool open_wound = false;
  bool cancer = false;
  bool recent_isotretinoin = false;    ///< within the last 6 months
  bool vitamin_c_preparation = false;  ///< topical vitamin A/C for >= 4 weeks before

  /// Throws InvalidParameter for out-of-range values (age 0-120 years, Fitzpatrick 1-6,
  /// HbA1c 3-20 %, HbA1c without diabetes).
  void validate() const;
};

/// What the screening needs to know of the intended treatment.
struct TreatmentPlan {
  std::string site = "cheek";
  double needle_length = 1.0e-3;  ///< m
  int sessions = 4;
  bool pen_device = true;  ///< pen-specific labelling rules apply
  void validate() const;
};

enum class Severity : int { info = 0, caution = 1, contraindicated = 2 };
std::string_view to_string(Severity s);

struct ScreeningFinding {
  Severity severity;
  std::string condition;  ///< key in data/patient/screening.csv
  std::string reason;
  std::string source;
};

/// Findings sorted most severe first; empty when nothing applies.
std::vector<ScreeningFinding> screen(const Patient& patient, const TreatmentPlan& plan);

/// True if any finding is `contraindicated`.
bool has_contraindication(const std::vector<ScreeningFinding>& findings);

}  // namespace punctum
