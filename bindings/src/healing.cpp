#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <punctum/course.hpp>
#include <punctum/healing.hpp>

#include "module.hpp"

namespace punctum::bindings {

void register_healing(py::module_& m) {
  using namespace punctum::healing;
  m.def(
      "healing_species",
      [] {
        std::vector<std::pair<std::string, std::string>> out;
        for (Species s : all_species)
          out.emplace_back(std::string(to_string(s)), std::string(unit_of(s)));
        return out;
      },
      "(name, SI unit) of every healing species, in storage order.");

  m.def("healing_rate_names", &Rates::names,
        "Names of the healing rates (data/healing/rates.csv) that rate_multipliers can scale.");

  m.def(
      "healing_single_puncture",
      [](const SkinModel& skin, const Patient& patient, double depth_mm, double radius_um,
         double tip_length_mm, double days, const std::string& fidelity, double width_mm,
         double voxel_um, int threads, const std::string& scheme, double rtol, bool uv_exposure,
         py::object progress) {
        if (fidelity != "3d" && fidelity != "column")
          throw InvalidParameter("fidelity", "'" + fidelity + "'", "one of '3d', 'column'", "");
        SinglePunctureOptions o;
        o.depth = depth_mm * 1e-3;
        o.radius = radius_um * 1e-6;
        o.tip_length = tip_length_mm * 1e-3;
        o.days = days;
        o.column = fidelity == "column";
        o.width = width_mm * 1e-3;
        o.voxel = voxel_um * 1e-6;
        o.aftercare.uv_exposure = uv_exposure;
        o.integrator.threads = threads;
        o.integrator.scheme = to_healing_scheme(time_scheme_from_string(scheme));
        o.integrator.rtol = rtol;
        PunctureSeries series;
        {
          // The solver runs without the GIL; the callback takes it back to report progress and
          // to let Ctrl-C (or the Python callback returning False) stop the run.
          py::gil_scoped_release release;
          series = simulate_single_puncture(skin, patient, o, [&](double t) {
            py::gil_scoped_acquire acquire;
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();
            if (!progress.is_none()) return progress(t / 86400.0).cast<bool>();
            return true;
          });
        }
        const auto n = series.samples.size();
        py::array_t<double> time(n);
        py::array_t<double> total({n, species_count}), excess({n, species_count}),
            maximum({n, species_count});
        auto tt = time.mutable_unchecked<1>();
        auto to = total.mutable_unchecked<2>();
        auto ex = excess.mutable_unchecked<2>();
        auto mx = maximum.mutable_unchecked<2>();
        for (std::size_t i = 0; i < n; ++i) {
          tt(i) = series.samples[i].time / 86400.0;
          for (std::size_t q = 0; q < species_count; ++q) {
            to(i, q) = series.samples[i].total[q];
            ex(i, q) = series.samples[i].excess[q];
            mx(i, q) = series.samples[i].maximum[q];
          }
        }
        py::dict out;
        out["time_days"] = time;
        out["total"] = total;
        out["excess"] = excess;
        out["maximum"] = maximum;
        out["shape"] = py::make_tuple(series.grid.nx(), series.grid.ny(), series.grid.nz());
        out["voxel_volume_m3"] = series.grid.voxel_volume();
        out["steps_accepted"] = series.stats.accepted;
        out["steps_rejected"] = series.stats.rejected;
        return out;
      },
      py::arg("skin"), py::arg("patient"), py::arg("depth_mm") = 1.0, py::arg("radius_um") = 100.0,
      py::arg("tip_length_mm") = 0.0, py::arg("days") = 60.0, py::arg("fidelity") = "3d",
      py::arg("width_mm") = 0.6, py::arg("voxel_um") = 25.0, py::arg("threads") = 0,
      py::arg("scheme") = "richardson", py::arg("rtol") = healing::IntegratorOptions{}.rtol,
      py::arg("uv_exposure") = false, py::arg("progress") = py::none(),
      "Healing of one needle puncture (see punctum.healing.single_puncture).");
}

}  // namespace punctum::bindings
