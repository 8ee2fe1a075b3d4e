#pragma once
// A single needle puncture healing over days to months, in either fidelity, as a time series of
// observables: the simplest end-to-end use of the healing field (Python:
// punctum.healing.single_puncture) and a template for the course module.

#include <functional>
#include <string>
#include <vector>

#include "punctum/healing/integrator.hpp"
#include "punctum/healing/observables.hpp"
#include "punctum/patient/patient.hpp"
#include "punctum/skin/skin_model.hpp"

namespace punctum::healing {

struct SinglePunctureOptions {
  double depth = 1e-3;      ///< channel depth, m
  double radius = 100e-6;   ///< channel radius, m
  double tip_length = 0.0;  ///< conical tip length, m
  double days = 60.0;       ///< simulated time after the puncture, days
  bool column = false;      ///< 1-D depth column instead of the 3D patch
  double width = 0.6e-3;    ///< patch width (column: the lateral area per puncture is width^2), m
  double voxel = 25e-6;     ///< voxel edge, m
  double margin = 0.5e-3;   ///< grid depth below the channel tip, m
  Aftercare aftercare{};
  IntegratorOptions integrator{};
  void validate() const;
};

struct PunctureSeries {
  Grid3 grid;
  std::vector<Observables> samples;  ///< at t = 0 (after the wound) and after every accepted step
  IntegratorStats stats;
};

/// Runs one puncture at the centre of the patch. `progress(t)` (t in s) returning false stops
/// the run early; the samples so far are returned.
PunctureSeries simulate_single_puncture(const SkinModel& skin, const Patient& patient,
                                        const SinglePunctureOptions& options,
                                        const std::function<bool(double)>& progress = {});

}  // namespace punctum::healing
