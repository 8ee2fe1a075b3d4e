// Mechanics and devices: needles, single insertions, roller / pen / stamp sessions. Python names
// carry their units (length_mm, speed_m_s, frequency_Hz); the C++ side stays SI.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <numbers>
#include <optional>
#include <punctum/core/error.hpp>
#include <punctum/core/units.hpp>
#include <punctum/devices.hpp>
#include <punctum/mechanics.hpp>

#include "module.hpp"

namespace punctum::bindings {

namespace {

constexpr double deg = std::numbers::pi / 180.0;

py::list vessel_names(std::uint8_t v) {
  py::list out;
  if (v & vessel_capillary_loops) out.append("capillary_loops");
  if (v & vessel_superficial_plexus) out.append("superficial_plexus");
  if (v & vessel_deep_plexus) out.append("deep_plexus");
  return out;
}

py::dict result_dict(const InsertionResult& r) {
  py::dict d;
  d["punctured"] = r.punctured;
  d["depth_reached_mm"] = in_mm(r.depth_reached);
  d["peak_force_N"] = r.peak_force;
  d["puncture_force_N"] = r.puncture_force;
  d["tenting_at_puncture_mm"] = in_mm(r.tenting_at_puncture);
  d["final_deflection_mm"] = in_mm(r.final_deflection);
  d["deepest_layer"] =
      r.punctured ? py::object(py::str(std::string(to_string(r.deepest_layer)))) : py::none();
  d["vessels"] = vessel_names(r.vessels);
  d["limited_by"] = std::string(to_string(r.limited_by));
  std::vector<double> radius_um;
  for (double x : r.channel_radius) radius_um.push_back(in_um(x));
  d["channel_radius_um"] = radius_um;
  d["tear_length_mm"] = in_mm(r.tear_length);
  return d;
}

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> a{py::ssize_t(v.size())};
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::dict map_columns(const PunctureMap& map) {
  const auto& p = map.punctures;
  const std::size_t n = p.size();
  std::vector<double> x(n), y(n), t(n), depth(n), angle(n), radius(n), tear(n), tx(n), ty(n);
  std::vector<std::int32_t> layer(n);
  std::vector<std::uint8_t> vessels(n);
  std::vector<bool> punctured(n);
  std::vector<std::uint32_t> stroke(n), needle(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = in_mm(p[i].x);
    y[i] = in_mm(p[i].y);
    t[i] = p[i].time;
    depth[i] = in_mm(p[i].depth);
    angle[i] = p[i].entry_angle / deg;
    radius[i] = in_um(p[i].channel_radius);
    tear[i] = in_mm(p[i].tear_length);
    tx[i] = p[i].tear_dir_x;
    ty[i] = p[i].tear_dir_y;
    layer[i] = p[i].punctured ? int(p[i].deepest_layer) : -1;
    vessels[i] = p[i].vessels;
    punctured[i] = p[i].punctured;
    stroke[i] = p[i].stroke;
    needle[i] = p[i].needle;
  }
  py::dict d;
  d["x_mm"] = to_array(x);
  d["y_mm"] = to_array(y);
  d["time_s"] = to_array(t);
  d["depth_mm"] = to_array(depth);
  d["entry_angle_deg"] = to_array(angle);
  d["channel_radius_um"] = to_array(radius);
  d["tear_length_mm"] = to_array(tear);
  d["tear_dir_x"] = to_array(tx);
  d["tear_dir_y"] = to_array(ty);
  d["deepest_layer_code"] = to_array(layer);
  d["vessels"] = to_array(vessels);
  py::array_t<bool> pa{py::ssize_t(n)};
  for (std::size_t i = 0; i < n; ++i) pa.mutable_data()[i] = punctured[i];
  d["punctured"] = pa;
  d["stroke"] = to_array(stroke);
  d["needle"] = to_array(needle);
  return d;
}

py::dict statistics_dict(const PunctureStatistics& s) {
  py::dict d;
  d["area_cm2"] = in_cm2(s.area);
  d["strokes"] = s.strokes;
  d["contacts"] = s.contacts;
  d["punctures"] = s.punctures;
  d["density_per_cm2"] = s.density * 1e-4;
  d["density_cv"] = s.density_cv;
  d["poisson_cv"] = s.poisson_cv;
  d["mean_nearest_neighbour_mm"] = in_mm(s.mean_nearest_neighbour);
  d["clark_evans"] = s.clark_evans;
  d["overlap_fraction"] = s.overlap_fraction;
  d["missed_area_fraction"] = s.missed_area_fraction;
  d["treatment_time_min"] = in_minutes(s.treatment_time);
  d["mean_depth_mm"] = in_mm(s.mean_depth);
  d["sd_depth_mm"] = in_mm(s.sd_depth);
  d["min_depth_mm"] = in_mm(s.min_depth);
  d["max_depth_mm"] = in_mm(s.max_depth);
  d["mean_tear_length_mm"] = in_mm(s.mean_tear_length);
  d["bleeding_fraction"] = s.bleeding_fraction;
  d["superficial_plexus_fraction"] = s.superficial_plexus_fraction;
  d["deep_plexus_fraction"] = s.deep_plexus_fraction;
  for (std::size_t i = 0; i < layer_count; ++i)
    d[py::str("deepest_layer_fraction_" + std::string(to_string(LayerKind(i))))] =
        s.deepest_layer_fraction[i];
  return d;
}

Session make_session(double area_cm2, int passes, const std::string& shape,
                     std::optional<std::vector<double>> directions_deg, std::uint64_t seed,
                     std::uint32_t session_index, double cell_size_mm) {
  Session s;
  s.area = area_cm2 * 1e-4;
  s.passes = passes;
  s.shape = area_shape_from_string(shape);
  if (directions_deg) {
    s.directions.clear();
    for (double d : *directions_deg) s.directions.push_back(d * deg);
  }
  s.seed = seed;
  s.index = session_index;
  s.cell_size = cell_size_mm * 1e-3;
  return s;
}

template <class D>
void def_treat(py::class_<D>& cls) {
  cls.def(
      "treat",
      [](const D& dev, const SkinModel& skin, double area_cm2, int passes, const std::string& shape,
         std::optional<std::vector<double>> directions_deg, std::uint64_t seed,
         std::uint32_t session_index, double cell_size_mm) {
        const Session s = make_session(area_cm2, passes, shape, directions_deg, seed, session_index,
                                       cell_size_mm);
        py::gil_scoped_release release;
        return dev.treat(skin, s);
      },
      py::arg("skin"), py::kw_only(), py::arg("area_cm2"), py::arg("passes") = 1,
      py::arg("shape") = "square", py::arg("directions_deg") = py::none(), py::arg("seed") = 0,
      py::arg("session_index") = 0, py::arg("cell_size_mm") = 1.0,
      "Treat an area (cm^2; 'square' or 'disc') in passes whose stroke directions (deg) cycle "
      "through "
      "directions_deg (default 0, 90, 45, 135). Returns the raw puncture map; "
      "punctum.Roller/Pen/Stamp "
      "wrap it as a TreatmentResult with a DataFrame.");
}

}  // namespace

void register_mechanics(py::module_& m) {
  py::class_<Needle>(m, "Needle",
                     "Needle geometry: cone with a blunted tip on a cylindrical shaft.")
      .def(py::init([](double length_mm, double shaft_diameter_mm, double tip_radius_um,
                       double cone_half_angle_deg, bool hollow, double wall_thickness_um) {
             Needle n;
             n.length = length_mm * 1e-3;
             n.shaft_diameter = shaft_diameter_mm * 1e-3;
             n.tip_radius = tip_radius_um * 1e-6;
             n.cone_half_angle = cone_half_angle_deg * deg;
             n.hollow = hollow;
             n.wall_thickness = wall_thickness_um * 1e-6;
             n.validate();
             return n;
           }),
           py::kw_only(), py::arg("length_mm") = 1.5, py::arg("shaft_diameter_mm") = 0.25,
           py::arg("tip_radius_um") = 4.0, py::arg("cone_half_angle_deg") = 10.0,
           py::arg("hollow") = false, py::arg("wall_thickness_um") = 0.0)
      .def_property_readonly("length_mm", [](const Needle& n) { return in_mm(n.length); })
      .def_property_readonly("shaft_diameter_mm",
                             [](const Needle& n) { return in_mm(n.shaft_diameter); })
      .def_property_readonly("tip_radius_um", [](const Needle& n) { return in_um(n.tip_radius); })
      .def_property_readonly("cone_half_angle_deg",
                             [](const Needle& n) { return n.cone_half_angle / deg; })
      .def_property_readonly("hollow", [](const Needle& n) { return n.hollow; })
      .def_property_readonly("wall_thickness_um",
                             [](const Needle& n) { return in_um(n.wall_thickness); })
      .def_property_readonly("taper_length_mm",
                             [](const Needle& n) { return in_mm(n.taper_length()); })
      .def_property_readonly("tip_face_area_um2",
                             [](const Needle& n) { return n.tip_face_area() * 1e12; })
      .def("__repr__", &Needle::describe);

  py::class_<InsertionResult>(m, "InsertionResult",
                              "Outcome of one needle insertion (units in names).")
      .def_property_readonly("punctured", [](const InsertionResult& r) { return r.punctured; })
      .def_property_readonly("depth_reached_mm",
                             [](const InsertionResult& r) { return in_mm(r.depth_reached); })
      .def_property_readonly("peak_force_N", [](const InsertionResult& r) { return r.peak_force; })
      .def_property_readonly("puncture_force_N",
                             [](const InsertionResult& r) { return r.puncture_force; })
      .def_property_readonly("tenting_at_puncture_mm",
                             [](const InsertionResult& r) { return in_mm(r.tenting_at_puncture); })
      .def_property_readonly("final_deflection_mm",
                             [](const InsertionResult& r) { return in_mm(r.final_deflection); })
      .def_property_readonly(
          "deepest_layer",
          [](const InsertionResult& r) {
            return r.punctured ? py::object(py::str(std::string(to_string(r.deepest_layer))))
                               : py::none();
          })
      .def_property_readonly("vessels",
                             [](const InsertionResult& r) { return vessel_names(r.vessels); })
      .def_property_readonly(
          "limited_by",
          [](const InsertionResult& r) { return std::string(to_string(r.limited_by)); })
      .def_property_readonly("channel_radius_um",
                             [](const InsertionResult& r) {
                               std::vector<double> v;
                               for (double x : r.channel_radius) v.push_back(in_um(x));
                               return v;
                             })
      .def_property_readonly("tear_length_mm",
                             [](const InsertionResult& r) { return in_mm(r.tear_length); })
      .def("to_dict", &result_dict)
      .def("__repr__", [](const InsertionResult& r) {
        return std::string("<InsertionResult ") + (r.punctured ? "punctured" : "not punctured") +
               ", depth " + ::punctum::detail::format_number(in_mm(r.depth_reached)) +
               " mm, peak " + ::punctum::detail::format_number(r.peak_force) + " N, limited by " +
               std::string(to_string(r.limited_by)) + ">";
      });

  m.def(
      "insert",
      [](const Needle& needle, const SkinModel& skin, double speed_m_s,
         std::optional<double> force_N, std::optional<double> travel_mm, double lateral_sweep_mm) {
        NeedleLoad load;
        if (force_N) load.force = *force_N;
        if (travel_mm) load.travel = *travel_mm * 1e-3;
        load.lateral_sweep = lateral_sweep_mm * 1e-3;
        return insert(needle, skin, speed_m_s, load);
      },
      py::arg("needle"), py::arg("skin"), py::kw_only(), py::arg("speed_m_s"),
      py::arg("force_N") = py::none(), py::arg("travel_mm") = py::none(),
      py::arg("lateral_sweep_mm") = 0.0,
      "Insert one needle at speed_m_s with at most force_N (None: unlimited) and at most travel_mm "
      "of tip "
      "advance below the undeformed surface (None: unlimited); the hub stops the needle at its "
      "length.");

  py::class_<PunctureMap>(m, "PunctureMap",
                          "Raw puncture map of a session (see punctum.TreatmentResult).")
      .def("columns", &map_columns, "Per-contact columns as numpy arrays, units in the names.")
      .def_property_readonly("statistics",
                             [](const PunctureMap& p) { return statistics_dict(p.statistics); })
      .def_property_readonly("device", [](const PunctureMap& p) { return p.device; })
      .def_property_readonly("area_cm2",
                             [](const PunctureMap& p) { return in_cm2(p.session.area); })
      .def_property_readonly("extent_mm",
                             [](const PunctureMap& p) { return in_mm(p.session.extent()); })
      .def_property_readonly(
          "shape", [](const PunctureMap& p) { return std::string(to_string(p.session.shape)); })
      .def_property_readonly("seed", [](const PunctureMap& p) { return p.session.seed; })
      .def("__len__", [](const PunctureMap& p) { return p.punctures.size(); });

  py::class_<Roller> roller(m, "Roller", "Drum roller (dermaroller).");
  roller
      .def(py::init([](int preset, double needle_length_mm, std::optional<double> hand_force_N,
                       std::optional<double> hand_speed_mm_s,
                       std::optional<double> drum_diameter_mm, std::optional<double> drum_width_mm,
                       std::optional<int> rows, std::optional<int> needles_per_row,
                       std::optional<double> needle_diameter_mm, double tip_radius_um,
                       double cone_half_angle_deg, std::optional<double> reposition_time_s) {
             Roller::Spec s = Roller::preset_spec(preset, needle_length_mm * 1e-3);
             if (hand_force_N) s.hand_force = *hand_force_N;
             if (hand_speed_mm_s) s.hand_speed = *hand_speed_mm_s * 1e-3;
             if (drum_diameter_mm) s.drum_diameter = *drum_diameter_mm * 1e-3;
             if (drum_width_mm) s.drum_width = *drum_width_mm * 1e-3;
             if (rows) s.rows = *rows;
             if (needles_per_row) s.needles_per_row = *needles_per_row;
             if (needle_diameter_mm) s.needle.shaft_diameter = *needle_diameter_mm * 1e-3;
             s.needle.tip_radius = tip_radius_um * 1e-6;
             s.needle.cone_half_angle = cone_half_angle_deg * deg;
             if (reposition_time_s) s.reposition_time = *reposition_time_s;
             return Roller(s);
           }),
           py::kw_only(), py::arg("preset") = 192, py::arg("needle_length_mm") = 1.5,
           py::arg("hand_force_N") = py::none(), py::arg("hand_speed_mm_s") = py::none(),
           py::arg("drum_diameter_mm") = py::none(), py::arg("drum_width_mm") = py::none(),
           py::arg("rows") = py::none(), py::arg("needles_per_row") = py::none(),
           py::arg("needle_diameter_mm") = py::none(), py::arg("tip_radius_um") = 4.0,
           py::arg("cone_half_angle_deg") = 10.0, py::arg("reposition_time_s") = py::none(),
           "Start from a preset (192 = Dermaroller MF8, 540, 600, 1200 needles) and override any "
           "field.")
      .def_property_readonly("needle", [](const Roller& r) { return r.needle(); })
      .def_property_readonly("needles", &Roller::needles)
      .def_property_readonly("hand_force_N", [](const Roller& r) { return r.spec().hand_force; })
      .def_property_readonly("hand_speed_mm_s",
                             [](const Roller& r) { return in_mm(r.spec().hand_speed); })
      .def_property_readonly("holes_per_cm2_per_pass",
                             [](const Roller& r) { return r.holes_per_area_per_pass() * 1e-4; })
      .def(
          "contact",
          [](const Roller& r, const SkinModel& skin, std::optional<double> hand_force_N) {
            const auto c = r.contact(skin, hand_force_N ? *hand_force_N : r.spec().hand_force);
            py::dict d = result_dict(c.insertion);
            d["needles_in_contact"] = c.needles_in_contact;
            d["force_per_needle_N"] = c.force_per_needle;
            d["entry_speed_m_s"] = c.entry_speed;
            d["entry_angle_deg"] = c.entry_angle / deg;
            d["rigid_sweep_mm"] = in_mm(c.rigid_sweep);
            return d;
          },
          py::arg("skin"), py::arg("hand_force_N") = py::none(),
          "How one stroke meets the skin: needles in contact, force per needle, depth, tear.")
      .def("__repr__", &Roller::describe);
  def_treat(roller);

  py::class_<Pen> pen(m, "Pen", "Automated microneedling pen.");
  pen.def(
         py::init([](int needles, double depth_mm, double frequency_Hz,
                     std::optional<double> hand_speed_mm_s,
                     std::optional<double> stroke_amplitude_mm, std::optional<double> motor_force_N,
                     std::optional<double> needle_diameter_mm, double tip_radius_um,
                     double cone_half_angle_deg, std::optional<double> reposition_time_s) {
           Pen::Spec s = Pen::cartridge(needles, depth_mm * 1e-3);
           s.frequency = frequency_Hz;
           if (hand_speed_mm_s) s.hand_speed = *hand_speed_mm_s * 1e-3;
           if (stroke_amplitude_mm) s.stroke_amplitude = *stroke_amplitude_mm * 1e-3;
           if (motor_force_N) s.motor_force = *motor_force_N;
           if (needle_diameter_mm) s.needle_diameter = *needle_diameter_mm * 1e-3;
           s.tip_radius = tip_radius_um * 1e-6;
           s.cone_half_angle = cone_half_angle_deg * deg;
           if (reposition_time_s) s.reposition_time = *reposition_time_s;
           return Pen(s);
         }),
         py::kw_only(), py::arg("needles") = 12, py::arg("depth_mm") = 1.0,
         py::arg("frequency_Hz") = 100.0, py::arg("hand_speed_mm_s") = py::none(),
         py::arg("stroke_amplitude_mm") = py::none(), py::arg("motor_force_N") = py::none(),
         py::arg("needle_diameter_mm") = py::none(), py::arg("tip_radius_um") = 4.0,
         py::arg("cone_half_angle_deg") = 10.0, py::arg("reposition_time_s") = py::none(),
         "Cartridge of 9, 12, 16, 24, 36 or 42 needles; depth 0.25-2.5 mm; 50-150 Hz.")
      .def_property_readonly("needle", [](const Pen& p) { return p.needle(); })
      .def_property_readonly("tip_speed_m_s", &Pen::tip_speed)
      .def_property_readonly("density_per_cm2_per_pass",
                             [](const Pen& p) { return p.density_per_pass() * 1e-4; })
      .def_property_readonly("hand_speed_mm_s",
                             [](const Pen& p) { return in_mm(p.spec().hand_speed); })
      .def(
          "stamp", [](const Pen& p, const SkinModel& skin) { return p.stamp(skin); },
          py::arg("skin"), "One stamp of the cartridge into the skin.")
      .def("__repr__", &Pen::describe);
  def_treat(pen);

  py::class_<Stamp> stamp(m, "Stamp", "Needle stamp pressed once per position.");
  stamp
      .def(py::init([](int rows, int columns, double spacing_mm, double needle_length_mm,
                       double needle_diameter_mm, double tip_radius_um, double cone_half_angle_deg,
                       double hand_force_N, double press_speed_mm_s, double reposition_time_s) {
             Stamp::Spec s;
             s.rows = rows;
             s.columns = columns;
             s.spacing = spacing_mm * 1e-3;
             s.needle.length = needle_length_mm * 1e-3;
             s.needle.shaft_diameter = needle_diameter_mm * 1e-3;
             s.needle.tip_radius = tip_radius_um * 1e-6;
             s.needle.cone_half_angle = cone_half_angle_deg * deg;
             s.hand_force = hand_force_N;
             s.press_speed = press_speed_mm_s * 1e-3;
             s.reposition_time = reposition_time_s;
             return Stamp(s);
           }),
           py::kw_only(), py::arg("rows") = 6, py::arg("columns") = 6, py::arg("spacing_mm") = 1.0,
           py::arg("needle_length_mm") = 1.5, py::arg("needle_diameter_mm") = 0.25,
           py::arg("tip_radius_um") = 4.0, py::arg("cone_half_angle_deg") = 10.0,
           py::arg("hand_force_N") = 20.0, py::arg("press_speed_mm_s") = 1.0,
           py::arg("reposition_time_s") = 1.0)
      .def_property_readonly("needle", [](const Stamp& s) { return s.needle(); })
      .def(
          "press",
          [](const Stamp& s, const SkinModel& skin, double hand_force_N) {
            return s.press(skin, hand_force_N);
          },
          py::arg("skin"), py::arg("hand_force_N") = 20.0)
      .def("__repr__", &Stamp::describe);
  def_treat(stamp);
}

}  // namespace punctum::bindings
