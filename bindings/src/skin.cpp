#include <pybind11/stl.h>

#include <punctum/core/error.hpp>
#include <punctum/core/units.hpp>
#include <punctum/skin.hpp>

#include "module.hpp"

namespace punctum::bindings {

void register_skin(py::module_& m) {
  py::class_<Layer>(m, "Layer", "One skin layer (read-only view; SI units unless the name says).")
      .def_property_readonly("name", [](const Layer& l) { return std::string(to_string(l.kind)); })
      .def_property_readonly("thickness_um", [](const Layer& l) { return in_um(l.thickness); })
      .def_property_readonly("shear_modulus_kPa", [](const Layer& l) { return in_kPa(l.mechanics.shear_modulus); })
      .def_property_readonly("ogden_alpha", [](const Layer& l) { return l.mechanics.ogden_alpha; })
      .def_property_readonly("toughness_J_m2", [](const Layer& l) { return l.mechanics.toughness; })
      .def_property_readonly("rate_exponent", [](const Layer& l) { return l.mechanics.rate_exponent; })
      .def_property_readonly("fibroblasts_per_mm3",
                             [](const Layer& l) { return l.biology.fibroblast_density * 1e-9; })
      .def_property_readonly("collagen_I_mg_cm3", [](const Layer& l) { return l.biology.collagen_I; })
      .def_property_readonly("collagen_III_mg_cm3", [](const Layer& l) { return l.biology.collagen_III; })
      .def_property_readonly("elastin_mg_cm3", [](const Layer& l) { return l.biology.elastin; })
      .def_property_readonly("diffusivity_scale", [](const Layer& l) { return l.biology.diffusivity_scale; })
      .def("__repr__", [](const Layer& l) {
        return "<Layer " + std::string(to_string(l.kind)) + " " +
               ::punctum::detail::format_number(in_um(l.thickness)) + " um>";
      });

  py::class_<SkinModel>(m, "SkinModel",
                        "Layered skin at a body site: thicknesses, mechanics, biology, vessels.")
      .def_static(
          "preset",
          [](const std::string& site, const std::string& sex, double age) {
            return SkinModel::preset(site, sex_from_string(sex), age);
          },
          py::arg("site") = "cheek", py::arg("sex") = "female", py::arg("age") = 30.0,
          "Body-site preset (sites(): forehead, cheek, periorbital, neck, abdomen, thigh, back) for "
          "sex 'female'/'male' and age in years (16-100), aged from the 30-year reference.")
      .def_static("sites", &SkinModel::sites)
      .def_property_readonly("site", &SkinModel::site)
      .def_property_readonly("sex", [](const SkinModel& s) { return std::string(to_string(s.sex())); })
      .def_property_readonly("age_years", &SkinModel::age_years)
      .def_property_readonly("layers", [](const SkinModel& s) {
        return std::vector<Layer>(s.layers().begin(), s.layers().end());
      })
      .def("layer", [](const SkinModel& s, const std::string& name) { return s.layer(layer_from_string(name)); },
           py::arg("name"))
      .def("top_um", [](const SkinModel& s, const std::string& name) { return in_um(s.top(layer_from_string(name))); },
           py::arg("layer"), "Depth of the layer's upper boundary, um.")
      .def("layer_at", [](const SkinModel& s, double depth_um) {
             return std::string(to_string(s.layer_at(depth_um * 1e-6)));
           },
           py::arg("depth_um"), "Name of the layer at a depth below the surface (um).")
      .def("with_thickness", [](const SkinModel& s, const std::string& name, double thickness_um) {
             return s.with_thickness(layer_from_string(name), thickness_um * 1e-6);
           },
           py::arg("layer"), py::arg("thickness_um"))
      .def_property_readonly("epidermis_um", [](const SkinModel& s) { return in_um(s.epidermis_thickness()); })
      .def_property_readonly("dermis_um", [](const SkinModel& s) { return in_um(s.dermis_thickness()); })
      .def_property_readonly("vessel_depths_um", [](const SkinModel& s) {
        py::dict d;
        d["capillary_loops"] = in_um(s.vessels().capillary_loops);
        d["superficial_plexus"] = in_um(s.vessels().superficial_plexus);
        d["deep_plexus"] = in_um(s.vessels().deep_plexus);
        return d;
      })
      .def("to_dataframe", [](const SkinModel& s) {
             py::list rows;
             for (const Layer& l : s.layers()) {
               py::dict r;
               r["layer"] = std::string(to_string(l.kind));
               r["top_um"] = in_um(s.top(l.kind));
               r["thickness_um"] = in_um(l.thickness);
               r["shear_modulus_kPa"] = in_kPa(l.mechanics.shear_modulus);
               r["ogden_alpha"] = l.mechanics.ogden_alpha;
               r["toughness_J_m2"] = l.mechanics.toughness;
               r["fibroblasts_per_mm3"] = l.biology.fibroblast_density * 1e-9;
               r["collagen_I_mg_cm3"] = l.biology.collagen_I;
               r["collagen_III_mg_cm3"] = l.biology.collagen_III;
               r["elastin_mg_cm3"] = l.biology.elastin;
               r["diffusivity_scale"] = l.biology.diffusivity_scale;
               rows.append(r);
             }
             return py::module_::import("pandas").attr("DataFrame")(rows).attr("set_index")("layer");
           },
           "The layer table as a pandas DataFrame (units in column names).")
      .def("__str__", &SkinModel::table)
      .def("__repr__", [](const SkinModel& s) {
        return "SkinModel.preset('" + s.site() + "', sex='" + std::string(to_string(s.sex())) +
               "', age=" + ::punctum::detail::format_number(s.age_years()) + ")";
      });
}

}  // namespace punctum::bindings
