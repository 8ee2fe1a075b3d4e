#pragma once
// Course: for each session, device -> punctures -> wound sources -> heal until the next event;
// observables at the output times; field snapshots at the snapshot times.
//
//   punctum::CourseResult r = punctum::run_course(skin, patient, protocol, options);
//   r.series_named("collagen_change_percent")

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "punctum/core/field.hpp"
#include "punctum/course/conditions.hpp"
#include "punctum/course/protocol.hpp"
#include "punctum/devices/puncture.hpp"
#include "punctum/patient/patient.hpp"
#include "punctum/skin/skin_model.hpp"

namespace punctum {

namespace healing {
enum class Scheme : int;  // punctum/healing/integrator.hpp
}

enum class Fidelity : int { patch3d = 0, column = 1 };
std::string_view to_string(Fidelity f);
Fidelity fidelity_from_string(std::string_view name);  // "3d" or "column"

/// Number type of the healing field. float32 halves the field's memory and traffic; its
/// outcomes agree with float64 far below the integrator's tolerance (figures: docs/course.md,
/// "Precision"); float64 keeps homeostasis at round-off over years.
enum class Precision : int { float64 = 0, float32 = 1 };
std::string_view to_string(Precision p);             // "double" or "float"
Precision precision_from_string(std::string_view name);  // "double"/"float64" or "float"/"float32"

/// Time integrator of the healing field (docs/healing.md, "Schemes and adaptivity").
/// richardson: adaptive Richardson extrapolation of the split step, second order, its step-doubling
/// error over every slow species; it holds two copies of the field (3.2x the field's memory).
/// euler: the adaptive split step in place (Scheme::lod_euler), first order, error control of the
/// kinetics and of their coupling to the signals, in place (1.5x the field): for grids whose
/// copies do not fit, at a cost in accuracy per step (docs/course.md, "Integrator").
/// lean: the same step in place (Scheme::lod_lean) with second-order kinetics and their coupling
/// to the signals corrected, the same memory: about 1.5x Richardson's error on the course
/// outcomes at the same rtol in half its time (and less error at a third of the rtol in three
/// quarters of it), the inflammatory signal's transient first order (docs/course.md).
enum class TimeScheme : int { richardson = 0, euler = 1, lean = 2 };
std::string_view to_string(TimeScheme s);                   // "richardson", "euler" or "lean"
TimeScheme time_scheme_from_string(std::string_view name);  // "richardson", "euler" or "lean"
/// The healing integrator's scheme that runs a TimeScheme (lod_richardson, lod_euler, lod_lean).
healing::Scheme to_healing_scheme(TimeScheme s);

/// The course's default local error tolerance for a fidelity, with the default lean scheme:
/// 5e-4 on the 3D patch, which keeps the time error of the reference course's outcomes far below
/// the voxels' (docs/course.md, "Accuracy": its collagen gain at 20 um moves 0.04 points from a
/// run converged in time, and 0.42 between 20 and 10 um voxels); 2e-3 in the depth column, which
/// has no lateral transport, whose first-order error sets the 3D value (there 0.02 points and
/// 0.26 h of closure in 202 steps, within the column's 5 ms budget). Until 22 Nov 2026 the default
/// was Richardson at 3e-3 for both (before that, at 1e-3).
double default_rtol(Fidelity fidelity);

struct CourseOptions {
  Fidelity fidelity = Fidelity::patch3d;
  double patch_width = 2e-3;  ///< lateral size of the simulated patch (periodic), m
  double voxel = 20e-6;       ///< voxel edge, m (3D; the column uses it in depth)
  double depth = 0.0;         ///< grid depth, m (0: dermis bottom + 0.3 mm)
  /// Output times, s from the course start, within the horizon; empty: every 30 min for 6 h and
  /// every 3 h to 3 days after each session, daily in between. The horizon is always an output.
  /// (The per-session outcomes do not depend on them: the closure windows are always sampled.)
  std::vector<double> output_times;
  /// Step to every output time (false: dense output — outputs are interpolated linearly between
  /// the accepted steps that bracket them, so they do not shorten the integrator's steps).
  bool exact_outputs = false;
  std::vector<double> snapshot_times;  ///< field snapshots, s within the horizon (through the sink)
  ConditionKind condition = ConditionKind::none;
  std::uint64_t seed = 0;
  int threads = 0;  ///< OpenMP threads (0: the OpenMP default)
  /// Integrator local error tolerance, 1; 0: the fidelity's default (default_rtol).
  double rtol = 0.0;
  Precision precision = Precision::float64;  ///< number type of the healing field
  /// Time integrator of the healing field: lean, as accurate as Richardson at the same rtol on
  /// what a course reports, in less than half its memory (docs/course.md, "Integrator").
  TimeScheme scheme = TimeScheme::lean;
  /// Multipliers on the healing rates of data/healing/rates.csv by parameter name (after the
  /// patient and aftercare modifiers): what sensitivity studies and calibrations vary.
  std::vector<std::pair<std::string, double>> rate_multipliers;
  /// Checkpoints: every `checkpoint_interval` of simulated time (at the next output time) the
  /// state is saved to `checkpoint_path` (atomically, replacing the previous one).
  std::filesystem::path checkpoint_path;
  double checkpoint_interval = 0.0;  ///< s (0: no checkpoints)
  /// Continue from a checkpoint of the same course; the result equals the uninterrupted run.
  std::filesystem::path resume_from;
  void validate() const;
  /// rtol, or the fidelity's default where it is 0.
  double resolved_rtol() const { return rtol > 0.0 ? rtol : default_rtol(fidelity); }
};

/// One observable over the output times.
struct TimeSeries {
  std::string name, units, description;
  std::vector<double> values;
};

/// What one session did: the map over the whole treated area, the punctures that fall in the
/// simulated patch (patch coordinates), and the outcomes measured after it.
struct SessionOutcome {
  double time = 0.0;  ///< s
  std::string device;
  PunctureStatistics statistics;
  std::vector<Puncture> patch_punctures;
  /// s until erythema falls below threshold, later sessions' redness included when it had not
  /// resolved before them (-1: not within the follow-up)
  double downtime = -1.0;
  double closure_time = -1.0;  ///< s until the epidermal channels close (-1: not observed)
  double peak_erythema = 0.0;  ///< erythema index, 1
  double fresh_injury = 0.0;   ///< jump of mean papillary damage at the session (1): drives erythema
  double bleeding_points_per_cm2 = 0.0;  ///< punctures reaching the capillary loops, /cm^2
  double bruising_points_per_cm2 = 0.0;  ///< punctures reaching the deep plexus, /cm^2
};

struct CourseResult {
  std::vector<double> times;  ///< output times, s
  std::vector<TimeSeries> series;
  std::vector<SessionOutcome> sessions;
  std::vector<double> depth;  ///< plane centres, m
  std::vector<double> collagen_profile_baseline;  ///< lateral mean collagen I+III per plane, kg/m^3
  std::vector<double> collagen_profile_final;     ///< at the horizon, kg/m^3
  /// Lateral mean collagen I and III per plane at every output time, kg/m^3, row-major: row i
  /// (depth.size() values, surface first) is at times[i]. Rows are interpolated between
  /// accepted steps as the series are (dense output).
  std::vector<double> collagen_I_profiles, collagen_III_profiles;
  std::string condition;
  std::string fidelity;     ///< "3d" or "column"
  double horizon = 0.0;     ///< s
  double total_cost = 0.0;
  bool completed = false;   ///< false if cancelled: the result covers [0, times.back()]
  std::uint64_t seed = 0;
  std::size_t integrator_steps = 0, integrator_rejected = 0;

  const TimeSeries& series_named(std::string_view name) const;
  /// Value of a series at the output time nearest to t (s).
  double at(std::string_view name, double t) const;
};

/// Called after every accepted integrator step with the course time (s); return false to stop.
using CourseProgress = std::function<bool(double time)>;
/// Receives field snapshots (time s, the state's field, species names and units).
using SnapshotSink = std::function<void(double time, const Field<double>& field)>;

CourseResult run_course(const SkinModel& skin, const Patient& patient, const Protocol& protocol,
                        const CourseOptions& options, const CourseProgress& progress = {},
                        const SnapshotSink& snapshots = {});

/// The grid the course uses for these options and skin (for sinks that define their datasets).
/// The column's lateral size is the treated window `column_width` (m; 0: the patch width).
Grid3 course_grid(const SkinModel& skin, const CourseOptions& options, double column_width = 0.0);
/// Lateral size of the column for a protocol: the largest window every session's map covers.
double column_width(const Protocol& protocol);

}  // namespace punctum
