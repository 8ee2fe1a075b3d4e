#include "punctum/course/course.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/detail/parallel.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/rng.hpp"
#include "punctum/core/units.hpp"
#include "punctum/core/version.hpp"
#include "punctum/course/wound_sources.hpp"
#include "punctum/detail/embedded_tables.hpp"
#include "punctum/healing/integrator.hpp"
#include "punctum/healing/model.hpp"
#include "punctum/healing/observables.hpp"
#include "punctum/healing/state.hpp"
#include "punctum/healing/wound.hpp"
#include "punctum/io/checkpoint.hpp"

namespace punctum {

using healing::Species;
using healing::idx;

std::string_view to_string(Fidelity f) { return f == Fidelity::patch3d ? "3d" : "column"; }

Fidelity fidelity_from_string(std::string_view name) {
  if (name == "3d" || name == "patch3d") return Fidelity::patch3d;
  if (name == "column" || name == "1d") return Fidelity::column;
  throw InvalidParameter("fidelity", "'" + std::string(name) + "'", "one of 3d, column", "");
}

std::string_view to_string(Precision p) { return p == Precision::float64 ? "double" : "float"; }

Precision precision_from_string(std::string_view name) {
  if (name == "double" || name == "float64") return Precision::float64;
  if (name == "float" || name == "float32") return Precision::float32;
  throw InvalidParameter("precision", "'" + std::string(name) + "'", "one of double, float", "");
}

std::string_view to_string(TimeScheme s) {
  switch (s) {
    case TimeScheme::richardson:
      return "richardson";
    case TimeScheme::euler:
      return "euler";
    case TimeScheme::lean:
      return "lean";
  }
  return "?";
}

TimeScheme time_scheme_from_string(std::string_view name) {
  if (name == "richardson") return TimeScheme::richardson;
  if (name == "euler") return TimeScheme::euler;
  if (name == "lean") return TimeScheme::lean;
  throw InvalidParameter("scheme", "'" + std::string(name) + "'", "one of richardson, euler, lean",
                         "");
}

healing::Scheme to_healing_scheme(TimeScheme s) {
  switch (s) {
    case TimeScheme::euler:
      return healing::Scheme::lod_euler;
    case TimeScheme::lean:
      return healing::Scheme::lod_lean;
    case TimeScheme::richardson:
      break;
  }
  return healing::Scheme::lod_richardson;
}

double default_rtol(Fidelity fidelity) {
  return fidelity == Fidelity::patch3d ? 5e-4 : 2e-3;
}

void CourseOptions::validate() const {
  require_in_range("patch_width", in_mm(patch_width), 0.2, 20.0, "mm");
  require_in_range("voxel", in_um(voxel), 2.0, 200.0, "um");
  if (depth != 0.0) require_in_range("depth", in_mm(depth), 0.2, 10.0, "mm");
  if (rtol != 0.0) require_in_range("rtol", rtol, 1e-8, 0.1, "1");
  require_in_range("threads", threads, 0, 1024, "threads");
  require_in_range("checkpoint_interval", in_days(checkpoint_interval), 0.0, 5 * 365.25, "days");
  if (checkpoint_interval > 0.0 && checkpoint_path.empty())
    throw InvalidParameter("checkpoint_path", "''", "a file path when checkpoint_interval > 0", "");
  const auto known = healing::Rates::names();
  for (const auto& [name, factor] : rate_multipliers) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InvalidParameter("rate_multipliers", "'" + name + "'", "a rate of data/healing/rates.csv (" + list + ")", "");
    }
    require_in_range("rate_multipliers." + name, factor, 1e-3, 1e3, "1 (multiplier)");
  }
  for (double t : output_times) require_in_range("output_times", in_days(t), 0.0, 5 * 365.25, "days");
  for (double t : snapshot_times)
    require_in_range("snapshot_times", in_days(t), 0.0, 5 * 365.25, "days");
}

const TimeSeries& CourseResult::series_named(std::string_view name) const {
  for (const auto& s : series)
    if (s.name == name) return s;
  std::string all;
  for (const auto& s : series) all += (all.empty() ? "" : ", ") + s.name;
  throw InvalidParameter("series", "'" + std::string(name) + "'", "one of " + all, "");
}

double CourseResult::at(std::string_view name, double t) const {
  const auto& s = series_named(name);
  if (times.empty()) return std::nan("");
  std::size_t best = 0;
  for (std::size_t i = 1; i < times.size(); ++i)
    if (std::abs(times[i] - t) < std::abs(times[best] - t)) best = i;
  return s.values[best];
}

namespace {

double table_value(std::string_view quantity) {
  static const detail::CsvTable t(detail::tables::course_observables, "data/course/observables.csv");
  return t.value(quantity, "quantity");
}

/// Rates of the healing kinetics for this patient, aftercare and preparation.
healing::Rates course_rates(const Patient& patient, const Protocol& protocol) {
  Patient p = patient;
  if (protocol.preparation.vitamin_c_weeks >= table_value("vitamin_c_preparation_weeks"))
    p.vitamin_c_preparation = true;
  healing::Aftercare care;
  care.uv_exposure = protocol.aftercare.uv_exposure;
  healing::Rates rates = healing::apply_patient(healing::Rates::defaults(), p, care);
  static const detail::CsvTable t(detail::tables::course_aftercare, "data/course/aftercare.csv");
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const auto& which = t.text(r, "aftercare");
    const bool on = (which == "occlusion" && protocol.aftercare.occlusion) ||
                    (which == "cold_pack" && protocol.aftercare.cold_pack);
    if (on) rates.by_name(t.text(r, "rate")) *= t.number(r, "multiplier");
  }
  return rates;
}

}  // namespace

/// The column stands for the lateral average of the treated area: it takes every puncture of the
/// largest square window all sessions share (capped at 2 cm, which holds ~10^3 punctures).
double column_width(const Protocol& protocol) {
  double w = 20e-3;
  for (const auto& s : protocol.sessions) w = std::min(w, s.session.extent());
  return w;
}

namespace {

/// The samples each session's epidermal closure is read from: the session's time, every half hour
/// to 6 h, every 3 h to 3 days (channels close within ~1-2 days). They are taken whatever output
/// times the user chose, so the per-session outcomes do not depend on them.
std::vector<double> closure_window_times(const Protocol& protocol) {
  std::vector<double> t;
  for (const auto& s : protocol.sessions) {
    t.push_back(s.time);
    for (double h = 0.5; h < 6.0; h += 0.5) t.push_back(s.time + h * 3600.0);
    for (double h = 6.0; h < 72.0; h += 3.0) t.push_back(s.time + h * 3600.0);
  }
  return t;
}

/// Default output times: the closure windows right after each session, daily otherwise (the
/// horizon is added to every output list).
std::vector<double> default_output_times(const Protocol& protocol) {
  std::vector<double> t = closure_window_times(protocol);
  for (double d = 0.0; d <= in_days(protocol.horizon) + 1e-9; d += 1.0) t.push_back(d * 86400.0);
  return t;
}

/// Requested times closer than this are the same output time, s.
constexpr double same_time = 1e-6;

std::vector<double> sorted_within(std::vector<double> t, double horizon) {
  std::erase_if(t, [horizon](double x) { return x < 0.0 || x > horizon * (1 + 1e-12); });
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end(),
                      [](double a, double b) { return std::abs(a - b) < same_time; }),
          t.end());
  return t;
}

enum class EventKind : int { session = 0, serum_on = 1, serum_off = 2, output = 3, snapshot = 4, end = 5 };
struct Event {
  double time;
  EventKind kind;
  std::size_t index;
};

/// What a checkpoint must match to be resumed: what shapes the trajectory. The initial state
/// carries the condition and the grid; then the skin's layers; the rates carry the patient, the
/// aftercare and the multipliers; the events and output times; each session's device (every
/// number of its spec, needle and hand: Device::settings) and settings; the serum, the
/// tolerance, the seed and how outputs are taken.
template <class T>
std::uint64_t course_fingerprint(const healing::HealingState<T>& st, const SkinModel& skin,
                                 const healing::Rates& rates, const std::vector<Event>& events,
                                 const std::vector<double>& outputs, const Protocol& protocol,
                                 const CourseOptions& o) {
  std::uint64_t h = fnv1a_basis;
  const auto mix = [&h](const auto& v) { h = fnv1a(h, &v, sizeof v); };
  const auto& G = st.field.grid();
  for (std::size_t a = 0; a < 3; ++a) mix(G.shape[a]), mix(G.spacing[a]);
  for (std::size_t q = 0; q < st.field.species(); ++q)
    for (std::size_t k = 0; k < G.nz(); ++k)
      for (std::size_t j = 0; j < G.ny(); ++j)
        for (T v : st.field.line(q, j, k)) mix(v);
  // The layers' mechanics shape the punctures, their diffusivity scales the transport: every
  // field on its own (whole structs would hash their padding).
  for (const auto& L : skin.layers()) {
    mix(int(L.kind)), mix(L.thickness);
    mix(L.mechanics.shear_modulus), mix(L.mechanics.ogden_alpha), mix(L.mechanics.toughness);
    mix(L.mechanics.rate_exponent);
    mix(L.biology.fibroblast_density), mix(L.biology.collagen_I), mix(L.biology.collagen_III);
    mix(L.biology.elastin), mix(L.biology.diffusivity_scale);
  }
  for (const auto& name : healing::Rates::names()) mix(rates.by_name(name));
  for (double t : outputs) mix(t);  // the checkpoint's output counter indexes this list
  for (const auto& e : events) mix(e.time), mix(int(e.kind)), mix(e.index);
  for (const auto& plan : protocol.sessions) {
    for (double v : plan.device->settings()) mix(v);
    mix(plan.session.area), mix(int(plan.session.shape)), mix(plan.session.passes);
    mix(plan.session.cell_size);
    for (double d : plan.session.directions) mix(d);
  }
  mix(protocol.serum.concentration);
  mix(o.resolved_rtol()), mix(o.seed), mix(o.exact_outputs), mix(int(o.precision)),
      mix(int(o.scheme));
  return h;
}

/// Lateral region of a condition as a per-(i, j) weight (volume fraction of the column inside).
std::vector<double> region_weights(const ConditionSpec& spec, const Grid3& g) {
  std::vector<double> w(g.nx() * g.ny(), 0.0);
  // The column cannot place a local lesion; it stands for the tissue inside the condition's
  // region (the scar, wrinkle or stria itself), so the whole column carries the deficit. (Weighting
  // it by the region's share of the treated area made the deficit tiny and the fill fraction the
  // whole area's gain divided by it: -32 000 %.)
  const bool column = g.is_column();
  if (spec.region == ConditionRegion::whole || column) {
    std::fill(w.begin(), w.end(), 1.0);
    return w;
  }
  const auto ext = g.extent();
  constexpr int ns = 4;
  for (std::size_t j = 0; j < g.ny(); ++j)
    for (std::size_t i = 0; i < g.nx(); ++i) {
      double inside = 0.0;
      for (int sy = 0; sy < ns; ++sy)
        for (int sx = 0; sx < ns; ++sx) {
          const double x = (double(i) + (sx + 0.5) / ns) * g.spacing[0] - 0.5 * ext[0];
          const double y = (double(j) + (sy + 0.5) / ns) * g.spacing[1] - 0.5 * ext[1];
          const bool in = spec.region == ConditionRegion::disc ? std::hypot(x, y) <= spec.size
                                                               : std::abs(x) <= spec.size;
          inside += in ? 1.0 / (ns * ns) : 0.0;
        }
      w[i + g.nx() * j] = inside;
    }
  return w;
}

struct SeriesInfo {
  const char* name;
  const char* units;
  const char* description;
};
constexpr SeriesInfo series_info[] = {
    {"collagen_change_percent", "%", "dermal collagen I+III vs the skin before treatment"},
    {"collagen_I_change_percent", "%", "dermal collagen I vs its baseline"},
    {"collagen_III_change_percent", "%", "dermal collagen III vs its baseline"},
    {"collagen_papillary_change_percent", "%", "papillary-dermis collagen vs baseline"},
    {"collagen_reticular_change_percent", "%", "reticular-dermis collagen vs baseline"},
    {"collagen_III_fraction", "1", "collagen III / (I + III) in the dermis"},
    {"elastin_change_percent", "%", "dermal elastin vs baseline"},
    {"fibroblast_change_percent", "%", "dermal fibroblasts vs baseline"},
    {"dermal_thickness_change_um", "um", "new collagen mass per area / mean dermal collagen"},
    {"inflammation_index", "1", "mean inflammatory signal in the papillary dermis"},
    {"oedema_index", "1", "mean inflammatory signal over the dermis"},
    {"growth_factor_index", "1", "mean growth factor over the dermis"},
    {"blood_ul_per_cm2", "uL/cm^2", "extravasated blood per skin area"},
    {"epidermal_damage_max", "1", "largest epidermal damage"},
    {"open_channel_fraction", "1", "mean epidermal damage: the open share of the surface barrier"},
    {"pigment_activation_max", "1", "largest melanogenic activation in the basal epidermis"},
    {"serum_dermis_ug_per_cm2", "ug/cm^2", "topical agent present in the dermis per skin area"},
    {"condition_fill_fraction", "1", "share of the condition's collagen deficit restored"},
    {"surface_depression_um", "um", "remaining surface depression of the condition"},
};
inline constexpr std::size_t series_count = std::size(series_info);
/// The two condition series (the last of series_info) exist only for a course with a condition.
inline constexpr std::size_t condition_series = 2;
/// One sample of every series, in series_info's order (a fixed array: the column course samples
/// hundreds of times, and a map of named values per sample cost more than the sampling).
using Sample = std::array<double, series_count>;
/// What is measured at one output time: the series, and the depth profiles (lateral mean collagen
/// I of every plane, then III, kg/m^3).
struct Measured {
  Sample series{};
  std::vector<double> profile;
};
/// A series' index in series_info, at compile time (a misspelt name does not compile).
consteval std::size_t series_index(std::string_view name) {
  for (std::size_t q = 0; q < series_count; ++q)
    if (series_info[q].name == name) return q;
  throw "not a series of series_info";
}

/// Everything measured from the field at one output time.
struct Sampler {
  const healing::HealingModel& model;
  const Grid3& g;
  std::vector<char> dermis, papillary, reticular, epidermis;  // per plane
  /// The dermis's matrix and cells, kg (fibroblasts: cells).
  struct Dermal {
    double I = 0, III = 0, elastin = 0, fibroblasts = 0, papillary = 0, reticular = 0;
    double collagen() const { return I + III; }
  };
  double patch_area;
  Dermal baseline;                  // what the changes are measured against
  double mean_dermal_collagen = 0;  // kg/m^3
  // condition region
  std::vector<double> region;  // lateral weights
  std::vector<char> region_planes;
  double region_initial = 0, region_baseline = 0, depression0 = 0;
  bool has_condition = false;
  int threads;
  /// Each plane's sums of every species, in storage order (species_count per plane).
  mutable std::vector<healing::PlaneStats> planes;

  Sampler(const healing::HealingModel& m, const Grid3& grid, int threads_)
      : model(m), g(grid), threads(threads_), planes(grid.nz() * healing::species_count) {
    const std::size_t nz = g.nz();
    dermis.resize(nz), papillary.resize(nz), reticular.resize(nz), epidermis.resize(nz);
    patch_area = g.extent()[0] * g.extent()[1];
    const double plane_volume = patch_area * g.spacing[2];
    double dermis_volume = 0.0;
    for (std::size_t k = 0; k < nz; ++k) {
      const LayerKind L = m.planes()[k].layer;
      papillary[k] = L == LayerKind::papillary_dermis;
      reticular[k] = L == LayerKind::reticular_dermis;
      dermis[k] = papillary[k] || reticular[k];
      epidermis[k] = is_epidermis(L);
      if (!dermis[k]) continue;
      const double I = m.baseline(Species::rho1, k), III = m.baseline(Species::rho3, k);
      baseline.I += I * plane_volume;
      baseline.III += III * plane_volume;
      baseline.elastin += m.baseline(Species::e, k) * plane_volume;
      baseline.fibroblasts += m.baseline(Species::f, k) * plane_volume;
      (papillary[k] ? baseline.papillary : baseline.reticular) += (I + III) * plane_volume;
      dermis_volume += plane_volume;
    }
    mean_dermal_collagen = baseline.collagen() / std::max(dermis_volume, 1e-300);
  }

  /// Sum over the region (weights x planes) of species s, kg.
  template <class T>
  double region_sum(const Field<T>& u, Species s) const {
    double total = 0.0;
    for (std::size_t k = 0; k < g.nz(); ++k) {
      if (!region_planes[k]) continue;
      for (std::size_t j = 0; j < g.ny(); ++j) {
        const auto line = u.line(idx(s), j, k);
        for (std::size_t i = 0; i < g.nx(); ++i) total += region[i + g.nx() * j] * line[i];
      }
    }
    return total * g.voxel_volume();
  }

  template <class T>
  void apply_condition(const ConditionSpec& spec, healing::HealingState<T>& st) {
    if (spec.kind == ConditionKind::none) return;
    has_condition = true;
    region = region_weights(spec, g);
    region_planes.assign(g.nz(), 0);
    const SkinModel& skin = model.skin();
    const double top = skin.top(LayerKind::papillary_dermis);
    const double bottom = top + spec.dermis_fraction * skin.dermis_thickness();
    for (std::size_t k = 0; k < g.nz(); ++k) {
      const double z = g.centre(2, k);
      region_planes[k] = dermis[k] && z >= top && z <= bottom;
    }
    region_baseline = region_sum(st.field, Species::rho1) + region_sum(st.field, Species::rho3);
    for (std::size_t k = 0; k < g.nz(); ++k) {
      if (!region_planes[k]) continue;
      for (std::size_t j = 0; j < g.ny(); ++j)
        for (std::size_t i = 0; i < g.nx(); ++i) {
          const double w = region[i + g.nx() * j];
          const double fc = 1.0 - w * (1.0 - spec.collagen_factor);
          const double fe = 1.0 - w * (1.0 - spec.elastin_factor);
          st.field(idx(Species::rho1), i, j, k) *= T(fc);
          st.field(idx(Species::rho3), i, j, k) *= T(fc);
          st.field(idx(Species::e), i, j, k) *= T(fe);
        }
    }
    region_initial = region_sum(st.field, Species::rho1) + region_sum(st.field, Species::rho3);
    depression0 = spec.depression;
    // Changes are measured against the patient's skin before treatment, the condition included:
    // a scar's deficit is not a loss the course caused (and its fill has a series of its own).
    // Summed as sample() sums, so every change is exactly zero before the first session.
    baseline =
        dermal([&](Species s, std::size_t k) { return healing::plane_stats(st.field, s, k).sum; });
    st.event_pending = true;
  }

  /// The dermis's totals from `plane(s, k)`, the sum of species s over plane k.
  template <class PlaneSum>
  Dermal dermal(PlaneSum&& plane) const {
    const double V = g.voxel_volume();
    Dermal d;
    for (std::size_t k = 0; k < g.nz(); ++k) {
      if (!dermis[k]) continue;
      const double I = plane(Species::rho1, k) * V, III = plane(Species::rho3, k) * V;
      d.I += I, d.III += III;
      d.elastin += plane(Species::e, k) * V;
      d.fibroblasts += plane(Species::f, k) * V;
      (papillary[k] ? d.papillary : d.reticular) += I + III;
    }
    return d;
  }

  /// Mean damage of the papillary dermis: the share of its volume that is wounded.
  template <class T>
  double papillary_damage(const healing::HealingState<T>& st) const {
    double sum = 0.0;
    std::size_t n_planes = 0;
    for (std::size_t k = 0; k < g.nz(); ++k) {
      if (!papillary[k]) continue;
      sum += healing::plane_stats(st.field, Species::w, k).sum;
      ++n_planes;
    }
    return n_planes ? sum / double(n_planes * g.nx() * g.ny()) : 0.0;
  }

  template <class T>
  Measured measure(const healing::HealingState<T>& st) const {
    const auto& u = st.field;
    const double V = g.voxel_volume();
    const std::size_t n_lat = g.nx() * g.ny();
    // The planes' sums first, in parallel (a pass over most of the field, every time an output
    // is sampled); then the totals over them in plane order, as one thread would add them.
    punctum::detail::parallel_for(threads, std::ptrdiff_t(g.nz()), [&](std::ptrdiff_t kk) {
      const auto k = std::size_t(kk);
      for (const Species sp : healing::all_species) {
        // Blood and collagen (the depth profiles) everywhere, damage and pigment in the
        // epidermis, the rest in the dermis.
        const bool needed = sp == Species::h || sp == Species::rho1 || sp == Species::rho3 ||
                            ((sp == Species::w || sp == Species::p) ? epidermis[k] : dermis[k]);
        planes[k * healing::species_count + idx(sp)] =
            needed ? healing::plane_stats(u, sp, k) : healing::PlaneStats{};
      }
    });
    auto stats = [&](Species s, std::size_t k) {
      return planes[k * healing::species_count + idx(s)];
    };
    const Dermal now = dermal([&](Species s, std::size_t k) { return stats(s, k).sum; });
    double ery = 0, oed = 0, blood = 0, serum = 0;
    double w_epi = 0, p_max = 0, gf = 0, open = 0;
    std::size_t n_epi = 0;
    std::size_t n_pap = 0, n_derm = 0;
    for (std::size_t k = 0; k < g.nz(); ++k) {
      auto plane = [&](Species s) { return stats(s, k).sum; };
      blood += plane(Species::h) * V;
      // The surface barrier: the epidermal planes (the stratum corneum alone is thinner than a
      // voxel at the usual 20-40 um).
      if (epidermis[k]) {
        const auto damage = stats(Species::w, k);
        open += damage.sum / double(n_lat), ++n_epi;
        w_epi = std::max(w_epi, damage.max);
        p_max = std::max(p_max, stats(Species::p, k).max);
      }
      if (!dermis[k]) continue;
      const double c_mean = plane(Species::c) / double(n_lat);
      if (papillary[k]) ery += c_mean, ++n_pap;
      oed += c_mean;
      gf += plane(Species::g) / double(n_lat);
      ++n_derm;
      serum += plane(Species::s) * V;
    }
    const auto pct = [](double now, double base) { return base > 0 ? 100.0 * (now - base) / base : 0.0; };
    Measured measured;
    Sample& out = measured.series;
    out[series_index("collagen_change_percent")] = pct(now.collagen(), baseline.collagen());
    out[series_index("collagen_I_change_percent")] = pct(now.I, baseline.I);
    out[series_index("collagen_III_change_percent")] = pct(now.III, baseline.III);
    out[series_index("collagen_papillary_change_percent")] = pct(now.papillary, baseline.papillary);
    out[series_index("collagen_reticular_change_percent")] = pct(now.reticular, baseline.reticular);
    out[series_index("collagen_III_fraction")] =
        now.collagen() > 0 ? now.III / now.collagen() : 0.0;
    out[series_index("elastin_change_percent")] = pct(now.elastin, baseline.elastin);
    out[series_index("fibroblast_change_percent")] = pct(now.fibroblasts, baseline.fibroblasts);
    // New collagen laid down at the dermis's mean concentration thickens it by mass / density.
    out[series_index("dermal_thickness_change_um")] =
        in_um((now.collagen() - baseline.collagen()) / patch_area /
              std::max(mean_dermal_collagen, 1e-300));
    out[series_index("inflammation_index")] = n_pap ? ery / double(n_pap) : 0.0;
    out[series_index("oedema_index")] = n_derm ? oed / double(n_derm) : 0.0;
    out[series_index("growth_factor_index")] = n_derm ? gf / double(n_derm) : 0.0;
    out[series_index("blood_ul_per_cm2")] = blood / patch_area * 1e9 * 1e-4;  // m^3/m^2 -> uL/cm^2
    out[series_index("epidermal_damage_max")] = w_epi;
    out[series_index("open_channel_fraction")] = n_epi ? open / double(n_epi) : 0.0;
    out[series_index("pigment_activation_max")] = p_max;
    out[series_index("serum_dermis_ug_per_cm2")] = serum / patch_area * 1e9 * 1e-4;  // kg/m^2 -> ug/cm^2
    if (has_condition) {
      const double region_now = region_sum(u, Species::rho1) + region_sum(u, Species::rho3);
      const double deficit = region_baseline - region_initial;
      const double fill = std::abs(deficit) > 0 ? (region_now - region_initial) / deficit : 0.0;
      out[series_index("condition_fill_fraction")] = fill;
      out[series_index("surface_depression_um")] = in_um(depression0 * std::max(0.0, 1.0 - fill));
    }
    // The depth profiles, from the same plane sums.
    const std::size_t nz = g.nz();
    measured.profile.resize(2 * nz);
    for (std::size_t k = 0; k < nz; ++k) {
      measured.profile[k] = stats(Species::rho1, k).sum / double(n_lat);
      measured.profile[nz + k] = stats(Species::rho3, k).sum / double(n_lat);
    }
    return measured;
  }
};


}  // namespace

Grid3 course_grid(const SkinModel& skin, const CourseOptions& options, double column_width) {
  options.validate();
  const double depth = options.depth > 0.0
                           ? options.depth
                           : std::min(skin.bottom(LayerKind::reticular_dermis) + 0.3e-3,
                                      skin.total_thickness());
  const std::size_t nz = std::max<std::size_t>(4, std::size_t(std::ceil(depth / options.voxel)));
  if (options.fidelity == Fidelity::column) {
    const double w = column_width > 0.0 ? column_width : options.patch_width;
    return Grid3({1, 1, nz}, {w, w, depth / double(nz)});
  }
  const std::size_t n = std::max<std::size_t>(4, std::size_t(std::lround(options.patch_width / options.voxel)));
  return Grid3({n, n, nz}, {options.patch_width / double(n), options.patch_width / double(n),
                            depth / double(nz)});
}

namespace {

/// The field as the snapshot sink takes it: a float64 field itself, a float32 one widened
/// (exactly) into `wide`.
const Field<double>& as_float64(const Field<double>& u, Field<double>&) { return u; }
const Field<double>& as_float64(const Field<float>& u, Field<double>& wide) {
  if (wide.species() != u.species()) wide = Field<double>(u.grid(), u.species());
  const Grid3& g = u.grid();
  for (std::size_t q = 0; q < u.species(); ++q)
    for (std::size_t k = 0; k < g.nz(); ++k)
      for (std::size_t j = 0; j < g.ny(); ++j) {
        const auto from = u.line(q, j, k);
        std::copy(from.begin(), from.end(), wide.line(q, j, k).begin());
      }
  return wide;
}

/// run_course with the healing field in Real (CourseOptions::precision).
template <class Real>
CourseResult run_course_as(const SkinModel& skin, const Patient& patient, const Protocol& protocol,
                           const CourseOptions& options, const CourseProgress& progress,
                           const SnapshotSink& snapshots) {
  patient.validate();
  protocol.validate();
  // Outputs and snapshots lie within the follow-up: the course ends at its horizon.
  const double horizon_days = in_days(protocol.horizon) * (1 + 1e-12);
  for (double t : options.output_times)
    require_in_range("output_times", in_days(t), 0.0, horizon_days, "days");
  for (double t : options.snapshot_times)
    require_in_range("snapshot_times", in_days(t), 0.0, horizon_days, "days");
  const Grid3 grid = course_grid(skin, options, column_width(protocol));
  const double window = options.fidelity == Fidelity::column ? grid.extent()[0] : options.patch_width;
  healing::Rates rates = course_rates(patient, protocol);
  for (const auto& [name, factor] : options.rate_multipliers) rates.by_name(name) *= factor;
  const healing::HealingModel model(skin, rates, grid);
  healing::HealingState<Real> st = healing::make_state<Real>(model);
  healing::IntegratorOptions iopt;
  iopt.threads = options.threads;  // the integrator runs a column on one thread
  iopt.rtol = options.resolved_rtol();
  iopt.scheme = to_healing_scheme(options.scheme);
  healing::Integrator<Real> integrator(model, iopt);
  Field<double> wide;  // a float32 field's snapshots, widened

  Sampler sampler(model, grid, integrator.threads());
  const ConditionSpec condition = ConditionSpec::lookup(options.condition);
  sampler.apply_condition(condition, st);

  CourseResult result;
  result.horizon = protocol.horizon;
  result.total_cost = protocol.total_cost();
  result.seed = options.seed;
  result.condition = std::string(to_string(options.condition));
  result.fidelity = std::string(to_string(options.fidelity));
  for (std::size_t k = 0; k < grid.nz(); ++k) result.depth.push_back(grid.centre(2, k));
  const auto profile = [&] {
    auto I = healing::depth_profile(st, Species::rho1), III = healing::depth_profile(st, Species::rho3);
    for (std::size_t k = 0; k < I.size(); ++k) I[k] += III[k];
    return I;
  };
  result.collagen_profile_baseline = profile();

  std::vector<Event> events;
  for (std::size_t i = 0; i < protocol.sessions.size(); ++i) {
    const double t = protocol.sessions[i].time;
    events.push_back({t, EventKind::session, i});
    if (protocol.serum.applied()) {
      events.push_back({t + protocol.serum.delay, EventKind::serum_on, i});
      events.push_back({t + protocol.serum.delay + protocol.serum.duration, EventKind::serum_off, i});
    }
  }
  // The outputs the user asked for (or the defaults), and those the course samples: these plus
  // the sessions' closure windows, which the per-session outcomes are read from and which are
  // dropped from the result's series at the end unless asked for.
  // The horizon is always among them: the summary's end state is read there.
  const auto requested = [&] {
    auto t = options.output_times.empty() ? default_output_times(protocol) : options.output_times;
    t.push_back(protocol.horizon);
    return sorted_within(std::move(t), protocol.horizon);
  }();
  const auto outputs = [&] {
    auto t = closure_window_times(protocol);
    t.insert(t.end(), requested.begin(), requested.end());
    return sorted_within(std::move(t), protocol.horizon);
  }();
  // Dense output: the integrator keeps its own pace and each output time is interpolated between
  // the accepted steps that bracket it; with exact_outputs it steps to every output instead.
  if (options.exact_outputs)
    for (std::size_t i = 0; i < outputs.size(); ++i) events.push_back({outputs[i], EventKind::output, i});
  events.push_back({protocol.horizon, EventKind::end, 0});
  const auto snaps = sorted_within(options.snapshot_times, protocol.horizon);
  for (std::size_t i = 0; i < snaps.size(); ++i) events.push_back({snaps[i], EventKind::snapshot, i});
  std::erase_if(events, [&](const Event& e) { return e.time > protocol.horizon * (1 + 1e-12); });
  // At equal times: wounds first, then serum, then measurements (a t = 0 output sees the wound).
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && int(a.kind) < int(b.kind));
  });

  // Sampled values per series (series_info's order); a course without a condition leaves the
  // condition series out.
  std::array<std::vector<double>, series_count> values;
  const std::size_t sampled_series = series_count - (sampler.has_condition ? 0 : condition_series);
  std::size_t first_event = 0;
  // Dense output state: the next output not yet emitted and the last sample taken at a step end.
  const std::vector<double> soft_outputs = options.exact_outputs ? std::vector<double>{} : outputs;
  std::size_t next_out = 0;
  bool have_prev = false;
  double prev_t = 0.0;
  // The emitted depth profiles (rows of nz values, one per output).
  const std::size_t nz = grid.nz();
  // Sized even when never measured (exact outputs): a checkpoint stores it and resume checks it.
  Measured prev{.profile = std::vector<double>(2 * nz)};
  std::vector<double> rows_I, rows_III;
  double last_checkpoint = 0.0;
  // Taken from the initial state, before any session or restart changes it; only a run that
  // writes or reads checkpoints needs it.
  const bool checkpoints = options.checkpoint_interval > 0.0 || !options.resume_from.empty();
  const std::uint64_t fingerprint =
      checkpoints ? course_fingerprint(st, skin, rates, events, outputs, protocol, options) : 0;
  const auto session_outcome = [&](std::size_t index, bool wound) {
    const SessionPlan& plan = protocol.sessions[index];
    Session session = plan.session;
    session.seed = options.seed;
    session.threads = options.threads;
    session.index = std::uint32_t(index);
    PunctureMap map = plan.device->treat(skin, session);
    SessionOutcome out;
    out.time = plan.time;
    out.device = map.device;
    out.statistics = map.statistics;
    out.bleeding_points_per_cm2 = map.statistics.bleeding_fraction * map.statistics.density * 1e-4;
    out.bruising_points_per_cm2 = map.statistics.deep_plexus_fraction * map.statistics.density * 1e-4;
    out.patch_punctures = punctures_in_window(std::move(map), window);
    if (wound) {
      const double before = sampler.papillary_damage(st);
      healing::apply_wounds(st, model, wound_channels(out.patch_punctures, plan.device->needle()),
                            integrator.threads());
      out.fresh_injury = sampler.papillary_damage(st) - before;
    }
    result.sessions.push_back(std::move(out));
  };

  if (!options.resume_from.empty()) {
    const auto cp = io::Checkpoint::load(options.resume_from);
    // A checkpoint of another version, or a damaged one, is refused by the entry's name: a
    // missing entry, a value of the wrong kind or an array of the wrong length would otherwise
    // surface as a bare std::out_of_range.
    const auto foreign = [&](const std::string& key, const std::string& what) {
      return InvalidParameter(
          "resume_from", options.resume_from.string(),
          "a checkpoint written by this punctum version (" + what + " '" + key + "')", "");
    };
    const auto find = [&](const auto& map, const std::string& key,
                          const char* what) -> const auto& {
      const auto it = map.find(key);
      if (it == map.end()) throw foreign(key, what);
      return it->second;
    };
    const auto entry = [&](const std::string& key) -> const io::Scalar& {
      return find(cp.scalars, key, "it lacks the scalar");
    };
    const auto scalar = [&](const std::string& key) {
      const auto* v = std::get_if<double>(&entry(key));
      if (!v) throw foreign(key, "not a number:");
      return *v;
    };
    const auto count = [&](const std::string& key) {
      const auto* v = std::get_if<std::uint64_t>(&entry(key));
      if (!v) throw foreign(key, "not a count:");
      return *v;
    };
    const auto named = [&](const std::string& key) -> const io::NamedArray& {
      return find(cp.arrays, key, "it lacks the array");
    };
    const auto array = [&](const std::string& key, std::size_t size) -> const std::vector<double>& {
      const auto& values = named(key).values;
      if (values.size() != size) throw foreign(key, "wrong length of");
      return values;
    };
    // The fingerprint covers the seed and the events too.
    const auto stored = cp.scalars.find("course_fingerprint");
    const auto* stored_fingerprint =
        stored == cp.scalars.end() ? nullptr : std::get_if<std::uint64_t>(&stored->second);
    if (!stored_fingerprint || *stored_fingerprint != fingerprint)
      throw InvalidParameter("resume_from", options.resume_from.string(),
                             "a checkpoint of this course (same skin, patient, protocol, options and seed)",
                             "");
    io::fill_field(named("field"), st.field, "field");
    st.time = scalar("time");
    st.topical_surface = scalar("topical_surface");
    st.event_pending = count("event_pending") != 0;
    healing::IntegratorStats stats;
    stats.accepted = count("accepted");
    stats.rejected = count("rejected");
    integrator.restore(scalar("next_dt"), stats);
    result.times = named("times").values;
    const std::size_t n_times = result.times.size();
    if (n_times > outputs.size()) throw foreign("times", "more outputs than the course has in");
    first_event = count("next_event");
    next_out = count("next_output");
    if (first_event > events.size()) throw foreign("next_event", "out of range:");
    if (next_out > outputs.size()) throw foreign("next_output", "out of range:");
    for (std::size_t q = 0; q < sampled_series; ++q)
      values[q] = array(std::string("series.") + series_info[q].name, n_times);
    rows_I = array("profiles.collagen_I", n_times * nz);
    rows_III = array("profiles.collagen_III", n_times * nz);
    prev.profile = array("previous_profile", 2 * nz);
    for (std::size_t q = 0; q < sampled_series; ++q)
      prev.series[q] = scalar(std::string("previous.") + series_info[q].name);
    have_prev = count("have_previous_sample") != 0;
    prev_t = scalar("previous_sample_time");
    const std::uint64_t sessions_done = count("sessions_done");
    if (sessions_done > protocol.sessions.size()) throw foreign("sessions_done", "out of range:");
    const auto& injury = array("fresh_injury", sessions_done);
    for (std::size_t i = 0; i < sessions_done; ++i) {
      session_outcome(i, false);
      result.sessions[i].fresh_injury = injury[i];
    }
    last_checkpoint = st.time;
  }
  const auto save_checkpoint = [&](std::size_t next_event) {
    io::Checkpoint cp;
    cp.arrays["field"] = io::to_named_array(st.field);
    cp.arrays["times"] = {{result.times.size()}, result.times};
    std::vector<double> injury;
    for (const auto& s : result.sessions) injury.push_back(s.fresh_injury);
    cp.arrays["fresh_injury"] = {{injury.size()}, injury};
    for (std::size_t q = 0; q < sampled_series; ++q)
      cp.arrays[std::string("series.") + series_info[q].name] = {{values[q].size()}, values[q]};
    cp.arrays["profiles.collagen_I"] = {{result.times.size(), nz}, rows_I};
    cp.arrays["profiles.collagen_III"] = {{result.times.size(), nz}, rows_III};
    cp.arrays["previous_profile"] = {{prev.profile.size()}, prev.profile};
    cp.scalars["time"] = st.time;
    cp.scalars["topical_surface"] = st.topical_surface;
    cp.scalars["next_dt"] = integrator.next_dt();
    cp.scalars["event_pending"] = std::uint64_t(st.event_pending);
    cp.scalars["accepted"] = std::uint64_t(integrator.stats().accepted);
    cp.scalars["rejected"] = std::uint64_t(integrator.stats().rejected);
    cp.scalars["seed"] = std::uint64_t(options.seed);  // provenance: course_fingerprint checks it
    cp.scalars["course_fingerprint"] = fingerprint;
    cp.scalars["next_event"] = std::uint64_t(next_event);
    cp.scalars["next_output"] = std::uint64_t(next_out);
    cp.scalars["have_previous_sample"] = std::uint64_t(have_prev);
    cp.scalars["previous_sample_time"] = prev_t;
    for (std::size_t q = 0; q < sampled_series; ++q)
      cp.scalars[std::string("previous.") + series_info[q].name] = prev.series[q];
    cp.scalars["sessions_done"] = std::uint64_t(result.sessions.size());
    cp.metadata["punctum_version"] = punctum::version;
    cp.save(options.checkpoint_path);
  };

  // Appends the output at time t: the measurement `to`, or with `from` the two interpolated
  // linearly at fraction f from `from` to `to`.
  const auto emit = [&](double t, const Measured& to, const Measured* from = nullptr,
                        double f = 0.0) {
    const auto lerp = [f](double a, double b) { return a + f * (b - a); };
    result.times.push_back(t);
    for (std::size_t q = 0; q < sampled_series; ++q)
      values[q].push_back(from ? lerp(from->series[q], to.series[q]) : to.series[q]);
    for (std::size_t k = 0; k < 2 * nz; ++k)
      (k < nz ? rows_I : rows_III)
          .push_back(from ? lerp(from->profile[k], to.profile[k]) : to.profile[k]);
  };
  const auto take_sample = [&] {
    prev = sampler.measure(st);
    prev_t = st.time;
    have_prev = true;
  };
  const auto maybe_checkpoint = [&](std::size_t next_event) {
    if (options.checkpoint_interval > 0.0 &&
        st.time - last_checkpoint >= options.checkpoint_interval * (1 - 1e-12)) {
      save_checkpoint(next_event);
      last_checkpoint = st.time;
    }
  };
  // Integrates to the event e at time T, emitting the outputs before T by linear interpolation
  // between the samples at the ends of the step that crosses them. A sample is taken at a step's
  // start only when the step may reach the next output. Returns false if progress said stop.
  const auto advance = [&](std::size_t e, double T) {
    const double eps = 1e-9 * std::max(1.0, std::abs(T));
    while (T - st.time > eps) {
      const bool pending = next_out < soft_outputs.size() && soft_outputs[next_out] < T - eps;
      if (pending && !(have_prev && prev_t == st.time) &&
          st.time + integrator.proposed_dt(st, T) >= soft_outputs[next_out]) {
        take_sample();
      }
      integrator.advance_step(st, T);
      if (pending && st.time >= soft_outputs[next_out]) {
        auto cur = sampler.measure(st);
        while (next_out < soft_outputs.size() && soft_outputs[next_out] <= st.time &&
               soft_outputs[next_out] < T - eps) {
          const double o = soft_outputs[next_out++];
          emit(o, cur, &prev, (o - prev_t) / (st.time - prev_t));
        }
        prev = std::move(cur);
        prev_t = st.time;
        have_prev = true;
        maybe_checkpoint(e);
      }
      if (progress && !progress(st.time)) return false;
    }
    return true;
  };

  bool stopped = false;
  for (std::size_t e = first_event; e < events.size(); ++e) {
    const Event& ev = events[e];
    if (ev.time > st.time && !advance(e, ev.time)) {
      stopped = true;
      break;
    }
    switch (ev.kind) {
      case EventKind::session:
        session_outcome(ev.index, true);
        have_prev = false;  // the sample at this time predates the wound
        break;
      case EventKind::serum_on:
        healing::apply_topical(st, protocol.serum.concentration);
        have_prev = false;
        break;
      case EventKind::serum_off:
        healing::apply_topical(st, 0.0);
        have_prev = false;
        break;
      case EventKind::output:  // exact_outputs
        emit(st.time, sampler.measure(st));
        maybe_checkpoint(e + 1);
        break;
      case EventKind::snapshot:
        if (snapshots) snapshots(st.time, as_float64(st.field, wide));
        break;
      case EventKind::end:
        break;
    }
    // Outputs at this very time, after every event of the time (a t = 0 output sees the wound).
    const bool last_of_time = e + 1 == events.size() || events[e + 1].time > ev.time;
    const double eps = 1e-9 * std::max(1.0, std::abs(ev.time));
    if (last_of_time && next_out < soft_outputs.size() && soft_outputs[next_out] <= ev.time + eps) {
      if (!(have_prev && prev_t == st.time)) take_sample();
      while (next_out < soft_outputs.size() && soft_outputs[next_out] <= ev.time + eps) {
        ++next_out;
        emit(st.time, prev);
      }
    }
  }
  result.completed = !stopped;
  result.collagen_profile_final = profile();
  result.integrator_steps = integrator.stats().accepted;
  result.integrator_rejected = integrator.stats().rejected;
  for (std::size_t q = 0; q < sampled_series; ++q)
    result.series.push_back({series_info[q].name, series_info[q].units, series_info[q].description,
                             std::move(values[q])});

  // Erythema: each session's fresh papillary injury releases vasoactive mediators whose effect
  // decays first-order, E(t) = sum_s A dW_s exp(-(t - t_s) / tau) (docs/course.md).
  const double tau = table_value("erythema_decay_time_h") * 3600.0;
  const double amplitude =
      protocol.aftercare.cold_pack ? table_value("cold_pack_erythema_factor") : 1.0;
  const auto erythema = [&](double t) {
    double e = 0.0;
    for (const auto& s : result.sessions)
      if (t >= s.time) e += amplitude * s.fresh_injury * std::exp(-(t - s.time) / tau);
    return e;
  };

  // Per-session outcomes. Redness from E itself, which between sessions decays as one
  // exponential, E(t) = E(t_k) exp(-(t - t_k) / tau): its peak is E right after the session, and
  // its downtime the first time E falls below the threshold, after later sessions if it had not
  // resolved before them (the skin stayed red); -1 if not within the follow-up. Closure from the
  // sampled open share of the epidermis (the closure windows are always sampled).
  const double erythema_threshold = table_value("erythema_threshold");
  const double closure_fraction = table_value("closure_open_fraction");
  const auto& open = result.series_named("open_channel_fraction").values;
  // When the decaying `v` first fell below `level`, between samples i - 1 and i: log-linear
  // interpolation (exact for a first-order decay, which channel closure follows), so the time
  // does not snap to the samples. a >= level > b; a series that reached zero lands on t1.
  const auto crossing = [&](std::size_t i, const std::vector<double>& v, double level) {
    const double t1 = result.times[i];
    const double t0 = result.times[i - 1], a = v[i - 1], b = v[i];
    if (!(b > 0.0)) return t1;
    return t0 + (t1 - t0) * std::log(a / level) / std::log(a / b);
  };
  const std::size_t sessions_done = result.sessions.size();
  for (std::size_t s = 0; s < sessions_done; ++s) {
    auto& out = result.sessions[s];
    const double next =
        s + 1 < sessions_done ? result.sessions[s + 1].time : protocol.horizon + 1.0;
    // Closed when the open share of the surface falls below a fraction of its value right
    // after the session (the sample at the session's time, taken after its wounds).
    double open0 = -1.0;
    for (std::size_t i = 0; i < result.times.size() && result.times[i] < next; ++i) {
      if (result.times[i] < out.time) continue;
      if (open0 < 0) open0 = open[i];
      else if (open[i] < closure_fraction * open0) {
        out.closure_time = crossing(i, open, closure_fraction * open0) - out.time;
        break;
      }
    }
    out.peak_erythema = erythema(out.time);
    if (out.peak_erythema < erythema_threshold) {
      out.downtime = 0.0;  // never visibly red
      continue;
    }
    for (std::size_t k = s; k < sessions_done; ++k) {
      const double tk = result.sessions[k].time;
      const double end = k + 1 < sessions_done ? result.sessions[k + 1].time : protocol.horizon;
      const double below = tk + tau * std::log(erythema(tk) / erythema_threshold);
      if (below < end || k + 1 == sessions_done) {
        if (below <= protocol.horizon) out.downtime = below - out.time;
        break;
      }
    }
  }

  // Only the outputs asked for: result.times[i] is outputs[i] (each emitted once, in order; a
  // resumed run restores a prefix), so they are picked by index, requested merged into outputs
  // with sorted_within's tolerance (same_time).
  {
    std::vector<char> asked(outputs.size());
    for (std::size_t i = 0, r = 0; i < outputs.size(); ++i) {
      while (r < requested.size() && requested[r] < outputs[i] - same_time) ++r;
      asked[i] = r < requested.size() && std::abs(requested[r] - outputs[i]) < same_time;
    }
    // Keeps the rows (of `width` values, one per output) of the outputs asked for.
    const auto filter = [&](std::vector<double>& v, std::size_t width) {
      std::size_t n = 0;
      for (std::size_t i = 0; i < v.size() / width; ++i)
        if (asked[i])
          std::copy_n(v.begin() + std::ptrdiff_t(i * width), width,
                      v.begin() + std::ptrdiff_t(n++ * width));
      v.resize(n * width);
    };
    for (auto& series : result.series) filter(series.values, 1);
    filter(result.times, 1);
    filter(rows_I, nz);
    filter(rows_III, nz);
    result.collagen_I_profiles = std::move(rows_I);
    result.collagen_III_profiles = std::move(rows_III);
  }
  // The erythema series at the outputs.
  {
    std::vector<double> e(result.times.size());
    for (std::size_t i = 0; i < result.times.size(); ++i) e[i] = erythema(result.times[i]);
    const auto at =
        std::find_if(result.series.begin(), result.series.end(),
                     [](const TimeSeries& t) { return t.name == "inflammation_index"; });
    result.series.insert(at,
                         {"erythema_index", "1",
                          "acute vascular response: fresh papillary injury decaying with tau", e});
  }
  return result;
}

}  // namespace

CourseResult run_course(const SkinModel& skin, const Patient& patient, const Protocol& protocol,
                        const CourseOptions& options, const CourseProgress& progress,
                        const SnapshotSink& snapshots) {
  return options.precision == Precision::float32
             ? run_course_as<float>(skin, patient, protocol, options, progress, snapshots)
             : run_course_as<double>(skin, patient, protocol, options, progress, snapshots);
}

}  // namespace punctum
