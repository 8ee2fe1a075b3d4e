#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <punctum/core/units.hpp>
#include <punctum/course.hpp>
#include <punctum/course/output.hpp>
#include <punctum/devices/device.hpp>

#include "module.hpp"
#include "progress.hpp"

namespace punctum::bindings {

namespace {

std::shared_ptr<const Device> as_device(const py::handle& obj) {
  if (py::isinstance<Pen>(obj)) return std::make_shared<Pen>(obj.cast<Pen>());
  if (py::isinstance<Roller>(obj)) return std::make_shared<Roller>(obj.cast<Roller>());
  if (py::isinstance<Stamp>(obj)) return std::make_shared<Stamp>(obj.cast<Stamp>());
  throw InvalidParameter("device", py::str(py::type::of(obj)).cast<std::string>(),
                         "a punctum Roller, Pen or Stamp", "");
}

template <class T>
T get(const py::dict& d, const char* key, T fallback) {
  return d.contains(key) && !d[key].is_none() ? d[key].cast<T>() : fallback;
}

Protocol make_protocol(const py::list& sessions, double horizon_s, const py::dict& opts) {
  Protocol p;
  for (const auto& item : sessions) {
    const auto s = item.cast<py::dict>();
    SessionPlan plan;
    plan.time = s["time_s"].cast<double>();
    plan.device = as_device(s["device"]);
    plan.session.area = get<double>(s, "area_cm2", 4.0) * 1e-4;
    plan.session.passes = get<int>(s, "passes", 1);
    plan.session.shape = area_shape_from_string(get<std::string>(s, "shape", "square"));
    if (s.contains("directions_deg") && !s["directions_deg"].is_none()) {
      plan.session.directions.clear();
      for (double deg : s["directions_deg"].cast<std::vector<double>>())
        plan.session.directions.push_back(deg * std::numbers::pi / 180.0);
    }
    plan.session.cell_size = get<double>(s, "cell_size_mm", 1.0) * 1e-3;
    p.sessions.push_back(std::move(plan));
  }
  p.horizon = horizon_s;
  p.aftercare.uv_exposure = get<bool>(opts, "uv_exposure", false);
  p.aftercare.occlusion = get<bool>(opts, "occlusion", false);
  p.aftercare.cold_pack = get<bool>(opts, "cold_pack", false);
  p.preparation.vitamin_c_weeks = get<double>(opts, "vitamin_c_weeks", 0.0);
  p.serum.concentration = get<double>(opts, "serum_concentration_kg_m3", 0.0);
  p.serum.delay = get<double>(opts, "serum_delay_h", 0.0) * 3600.0;
  p.serum.duration = get<double>(opts, "serum_duration_h", 4.0) * 3600.0;
  p.cost_per_session = get<double>(opts, "cost_per_session", 0.0);
  return p;
}

CourseOptions make_options(const py::dict& o) {
  CourseOptions c;
  c.fidelity = fidelity_from_string(get<std::string>(o, "fidelity", "3d"));
  c.patch_width = get<double>(o, "patch_width_mm", 2.0) * 1e-3;
  c.voxel = get<double>(o, "voxel_um", 20.0) * 1e-6;
  c.depth = get<double>(o, "depth_mm", 0.0) * 1e-3;
  for (double d : get<std::vector<double>>(o, "output_times_days", {})) c.output_times.push_back(d * 86400.0);
  for (double d : get<std::vector<double>>(o, "snapshot_times_days", {}))
    c.snapshot_times.push_back(d * 86400.0);
  c.condition = condition_from_string(get<std::string>(o, "condition", "none"));
  c.seed = get<std::uint64_t>(o, "seed", 0);
  c.threads = get<int>(o, "threads", 0);
  c.rtol = get<double>(o, "rtol", c.rtol);
  c.precision = precision_from_string(get<std::string>(o, "precision", "double"));
  c.scheme =
      time_scheme_from_string(get<std::string>(o, "scheme", std::string(to_string(c.scheme))));
  c.exact_outputs = get<bool>(o, "exact_outputs", false);
  c.checkpoint_path = get<std::string>(o, "checkpoint_path", "");
  c.checkpoint_interval = get<double>(o, "checkpoint_interval_days", 0.0) * 86400.0;
  c.resume_from = get<std::string>(o, "resume_from", "");
  if (o.contains("rate_multipliers"))
    for (const auto& [k, v] : o["rate_multipliers"].cast<py::dict>())
      c.rate_multipliers.emplace_back(k.cast<std::string>(), v.cast<double>());
  c.validate();
  return c;
}

py::array_t<double> array(const std::vector<double>& v) { return py::array_t<double>(v.size(), v.data()); }
/// Rows of `columns` (> 0) values (a copy, C order).
py::array_t<double> rows(const std::vector<double>& v, std::size_t columns) {
  return py::array_t<double>({py::ssize_t(v.size() / columns), py::ssize_t(columns)}, v.data());
}

/// Per-session outcomes as dicts; with the punctures in the patch as numpy columns if asked.
py::list sessions(const CourseResult& r, bool with_punctures) {
  py::list out;
  for (const auto& s : r.sessions) {
    py::dict d;
    d["time_s"] = s.time;
    d["device"] = s.device;
    d["downtime_s"] = s.downtime;
    d["closure_time_s"] = s.closure_time;
    d["peak_erythema"] = s.peak_erythema;
    d["bleeding_points_per_cm2"] = s.bleeding_points_per_cm2;
    d["bruising_points_per_cm2"] = s.bruising_points_per_cm2;
    d["density_per_cm2"] = s.statistics.density * 1e-4;
    d["treatment_time_s"] = s.statistics.treatment_time;
    d["mean_depth_mm"] = in_mm(s.statistics.mean_depth);
    d["mean_tear_length_mm"] = in_mm(s.statistics.mean_tear_length);
    d["punctures_in_patch"] = s.patch_punctures.size();
    if (with_punctures) {
      const std::size_t n = s.patch_punctures.size();
      py::array_t<double> x(n), y(n), depth(n), radius(n), tear(n);
      py::array_t<int> layer(n), vessels(n);
      for (std::size_t i = 0; i < n; ++i) {
        const auto& p = s.patch_punctures[i];
        x.mutable_at(i) = in_mm(p.x), y.mutable_at(i) = in_mm(p.y), depth.mutable_at(i) = in_mm(p.depth);
        radius.mutable_at(i) = in_um(p.channel_radius), tear.mutable_at(i) = in_mm(p.tear_length);
        layer.mutable_at(i) = int(p.deepest_layer), vessels.mutable_at(i) = int(p.vessels);
      }
      py::dict cols;
      cols["x_mm"] = x, cols["y_mm"] = y, cols["depth_mm"] = depth;
      cols["channel_radius_um"] = radius, cols["tear_length_mm"] = tear;
      cols["deepest_layer_code"] = layer, cols["vessels"] = vessels;
      d["punctures"] = cols;
    }
    out.append(d);
  }
  return out;
}

}  // namespace

void register_course(py::module_& m) {
  py::class_<CourseResult>(m, "CourseResult")
      .def_property_readonly("times_s", [](const CourseResult& r) { return array(r.times); })
      .def_property_readonly(
          "series",
          [](const CourseResult& r) {
            py::list out;
            for (const auto& s : r.series)
              out.append(py::make_tuple(s.name, s.units, s.description, array(s.values)));
            return out;
          })
      .def_property_readonly("sessions", [](const CourseResult& r) { return sessions(r, true); })
      .def_property_readonly(
          "session_outcomes", [](const CourseResult& r) { return sessions(r, false); },
          "Per-session outcomes without the puncture columns (cheap: for sweeps).")
      .def_property_readonly("depth_m", [](const CourseResult& r) { return array(r.depth); })
      .def_property_readonly(
          "collagen_profile_baseline",
          [](const CourseResult& r) { return array(r.collagen_profile_baseline); })
      .def_property_readonly("collagen_profile_final",
                             [](const CourseResult& r) { return array(r.collagen_profile_final); })
      .def_property_readonly(
          "collagen_I_profiles",
          [](const CourseResult& r) { return rows(r.collagen_I_profiles, r.depth.size()); },
          "Lateral mean collagen I per plane at every output time (time, depth), kg/m^3.")
      .def_property_readonly(
          "collagen_III_profiles",
          [](const CourseResult& r) { return rows(r.collagen_III_profiles, r.depth.size()); },
          "Lateral mean collagen III per plane at every output time (time, depth), kg/m^3.")
      .def_readonly("completed", &CourseResult::completed)
      .def_readonly("horizon_s", &CourseResult::horizon)
      .def_readonly("total_cost", &CourseResult::total_cost)
      .def_readonly("condition", &CourseResult::condition)
      .def_readonly("seed", &CourseResult::seed)
      .def_readonly("integrator_steps", &CourseResult::integrator_steps)
      .def_readonly("integrator_rejected", &CourseResult::integrator_rejected);

  m.def(
      "run_course",
      [](const SkinModel& skin, const Patient& patient, const py::list& sessions, double horizon_s,
         const py::dict& protocol_options, const py::dict& options, py::object progress,
         std::optional<std::filesystem::path> output, const std::string& config_toml) {
        const Protocol protocol = make_protocol(sessions, horizon_s, protocol_options);
        const CourseOptions opts = make_options(options);
        std::unique_ptr<CourseWriter> writer;
        if (output) {
          io::Provenance prov;
          prov.config = config_toml;
          prov.seed = opts.seed;
          writer = std::make_unique<CourseWriter>(*output, course_grid(skin, opts, column_width(protocol)), prov);
        }
        PyProgress bridge(std::move(progress));
        CourseResult result;
        {
          py::gil_scoped_release release;
          result = run_course(skin, patient, protocol, opts,
                              [&bridge](double t) { return bridge(t); },
                              writer ? writer->sink() : SnapshotSink{});
          if (writer) writer->finish(result);  // partial results too: a valid file, completed = 0
        }
        bridge.rethrow();
        return result;
      },
      py::arg("skin"), py::arg("patient"), py::arg("sessions"), py::arg("horizon_s"),
      py::arg("protocol_options"), py::arg("options"), py::arg("progress") = py::none(),
      py::arg("output") = py::none(), py::arg("config_toml") = "");

  m.def("condition_names", &condition_names);
  // The course's default tolerance per fidelity (default_rtol), which simulate() takes as its own;
  // course_default_rtol is the default fidelity's (3D).
  m.def("course_default_rtol_for",
        [](const std::string& fidelity) { return default_rtol(fidelity_from_string(fidelity)); });
  m.attr("course_default_rtol") = default_rtol(CourseOptions{}.fidelity);
  // And its default time scheme (CourseOptions::scheme).
  m.attr("course_default_scheme") = std::string(to_string(CourseOptions{}.scheme));
}

}  // namespace punctum::bindings
