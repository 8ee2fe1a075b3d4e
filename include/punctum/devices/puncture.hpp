#pragma once
// What a treatment session leaves in the skin: one record per needle contact, and the statistics of
// the map. Plain value types for downstream modules (the course turns punctures into wounds).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "punctum/skin/layer.hpp"

namespace punctum {

struct Puncture {
  double x = 0.0, y = 0.0;      ///< position in the treated area, m
  double time = 0.0;            ///< since the start of the session, s
  double depth = 0.0;           ///< channel depth, m (0 if not punctured)
  double entry_angle = 0.0;     ///< needle axis from the surface normal at entry, rad
  double channel_radius = 0.0;  ///< at the surface, m
  double tear_length = 0.0;     ///< surface tear along (tear_dir_x, tear_dir_y), m
  double tear_dir_x = 1.0, tear_dir_y = 0.0;
  LayerKind deepest_layer = LayerKind::stratum_corneum;
  std::uint8_t vessels = 0;  ///< VesselHit bitmask: 1 loops, 2 superficial plexus, 4 deep plexus
  bool punctured = false;
  std::uint32_t stroke = 0, needle = 0;
};

enum class AreaShape : int { square = 0, disc = 1 };
std::string_view to_string(AreaShape shape);
AreaShape area_shape_from_string(std::string_view name);

/// What the operator does: how much area, in what shape, how many passes, in which directions.
struct Session {
  double area = 4e-4;  ///< treated area, m^2 (0.01-1000 cm^2)
  AreaShape shape = AreaShape::square;
  int passes = 1;  ///< 1-100
  /// Stroke directions (rad from the x axis), cycled over passes: horizontal, vertical, diagonals.
  std::vector<double> directions = {0.0, 1.5707963267948966, 0.7853981633974483, 2.356194490192345};
  std::uint64_t seed = 0;
  std::uint32_t index = 0;  ///< session number within a course (keys the RNG)
  double cell_size = 1e-3;  ///< cell edge for uniformity and missed-area statistics, m
  /// OpenMP threads for generating the map and its statistics (0: the OpenMP default). The map is
  /// the same for any count; a course passes its own, so a one-thread sweep point stays on one.
  int threads = 0;
  void validate() const;
  /// The thread count to use: `threads`, or the OpenMP default when it is 0.
  int resolved_threads() const;
  /// Side of the bounding square, m (the area is [0, extent)^2, a disc is inscribed).
  double extent() const;
  bool contains(double x, double y) const;
};

struct PunctureStatistics {
  double area = 0.0;                    ///< m^2
  std::size_t strokes = 0;              ///< pen stamps, roller strips, stamp presses
  std::size_t contacts = 0;             ///< needle contacts inside the area
  std::size_t punctures = 0;            ///< contacts that breached the stratum corneum
  double density = 0.0;                 ///< punctures per m^2
  double density_cv = 0.0;              ///< coefficient of variation of counts over cells, 1
  double poisson_cv = 0.0;              ///< what a uniform random (Poisson) map would give, 1
  double mean_nearest_neighbour = 0.0;  ///< m
  double clark_evans = 0.0;             ///< mean NN / (0.5 / sqrt(density)): 1 random, >1 regular
  double overlap_fraction = 0.0;        ///< punctures whose channel meets an earlier one, 1
  double missed_area_fraction = 0.0;    ///< cells with no puncture, 1
  double treatment_time = 0.0;          ///< s
  double mean_depth = 0.0, sd_depth = 0.0, min_depth = 0.0, max_depth = 0.0;  ///< m, punctured only
  double mean_tear_length = 0.0;                                              ///< m
  double bleeding_fraction = 0.0;  ///< punctures reaching the capillary loops, 1
  double superficial_plexus_fraction = 0.0, deep_plexus_fraction = 0.0;
  std::array<double, layer_count> deepest_layer_fraction{};
};

struct PunctureMap {
  std::vector<Puncture> punctures;
  PunctureStatistics statistics;
  Session session;
  std::string device;  ///< description of the device that made it
};

/// Statistics of a map over a session's area (treatment time supplied by the device).
PunctureStatistics compute_statistics(const std::vector<Puncture>& punctures,
                                      const Session& session, std::size_t strokes,
                                      double treatment_time);

}  // namespace punctum
