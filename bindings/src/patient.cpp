#include <pybind11/stl.h>

#include <punctum/patient.hpp>

#include "module.hpp"

namespace punctum::bindings {

void register_patient(py::module_& m) {
  // The Python package wraps these in dataclasses (punctum.Patient, punctum.TreatmentPlan); the
  // validation rules live here, in C++, once.
  py::class_<Patient>(m, "Patient")
      .def(py::init<>())
      .def_readwrite("age_years", &Patient::age_years)
      .def_property("sex", [](const Patient& p) { return std::string(to_string(p.sex)); },
                    [](Patient& p, const std::string& s) { p.sex = sex_from_string(s); })
      .def_readwrite("fitzpatrick", &Patient::fitzpatrick)
      .def_readwrite("diabetes", &Patient::diabetes)
      .def_readwrite("hba1c_percent", &Patient::hba1c_percent)
      .def_readwrite("anticoagulant", &Patient::anticoagulant)
      .def_readwrite("haemophilia", &Patient::haemophilia)
      .def_readwrite("keloid_tendency", &Patient::keloid_tendency)
      .def_readwrite("smoker", &Patient::smoker)
      .def_readwrite("recent_radiation", &Patient::recent_radiation)
      .def_readwrite("pregnant_or_breastfeeding", &Patient::pregnant_or_breastfeeding)
      .def_readwrite("active_acne", &Patient::active_acne)
      .def_readwrite("active_infection", &Patient::active_infection)
      .def_readwrite("eczema", &Patient::eczema)
      .def_readwrite("psoriasis", &Patient::psoriasis)
      .def_readwrite("open_wound", &Patient::open_wound)
      .def_readwrite("cancer", &Patient::cancer)
      .def_readwrite("recent_isotretinoin", &Patient::recent_isotretinoin)
      .def_readwrite("vitamin_c_preparation", &Patient::vitamin_c_preparation)
      .def("validate", &Patient::validate);

  py::class_<TreatmentPlan>(m, "TreatmentPlan")
      .def(py::init<>())
      .def_readwrite("site", &TreatmentPlan::site)
      .def_property("needle_length_mm", [](const TreatmentPlan& p) { return p.needle_length * 1e3; },
                    [](TreatmentPlan& p, double mm) { p.needle_length = mm * 1e-3; })
      .def_readwrite("sessions", &TreatmentPlan::sessions)
      .def_readwrite("pen_device", &TreatmentPlan::pen_device)
      .def("validate", &TreatmentPlan::validate);

  m.def(
      "screen",
      [](const Patient& p, const TreatmentPlan& plan) {
        py::list out;
        for (const auto& f : screen(p, plan)) {
          py::dict d;
          d["severity"] = std::string(to_string(f.severity));
          d["condition"] = f.condition;
          d["reason"] = f.reason;
          d["source"] = f.source;
          out.append(d);
        }
        return out;
      },
      py::arg("patient"), py::arg("plan"));
}

}  // namespace punctum::bindings
