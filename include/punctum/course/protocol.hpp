#pragma once
// Protocol: what a clinic does over a course of treatment. Sessions (time, device, operator
// settings), the follow-up horizon, aftercare, preparation, a topical serum applied after each
// session, and the cost per session. Plain values; the course orchestrator reads them.
//
//   auto pen = std::make_shared<punctum::Pen>(punctum::Pen::cartridge(12));
//   auto protocol = punctum::Protocol::regular(pen, 4, 4_weeks, 26_weeks);

#include <memory>
#include <string>
#include <vector>

#include "punctum/devices/device.hpp"
#include "punctum/devices/puncture.hpp"

namespace punctum {

struct SessionPlan {
  double time = 0.0;                    ///< from the start of the course, s
  std::shared_ptr<const Device> device;  ///< what treats the skin
  Session session;                      ///< area, passes, directions (seed and index set by the course)
};

/// Aftercare during the healing weeks (data/course/aftercare.csv for the effects and sources).
struct Aftercare {
  bool uv_exposure = false;  ///< unprotected sun exposure (no sun protection)
  bool occlusion = false;    ///< occlusive dressing over the treated area for the first day
  bool cold_pack = false;    ///< cold packs right after the session
};

/// Preparation before the first session.
struct Preparation {
  double vitamin_c_weeks = 0.0;  ///< weeks of topical vitamin A/C before the course, weeks
};

/// A topical agent (serum, drug) applied after every session.
struct Serum {
  double concentration = 0.0;  ///< in the surface film, kg/m^3 (0: no serum)
  double delay = 0.0;          ///< from the end of the session to application, s
  double duration = 4.0 * 3600.0;  ///< film left on the skin, s
  bool applied() const { return concentration > 0.0; }
};

struct Protocol {
  std::vector<SessionPlan> sessions;
  double horizon = 26.0 * 7 * 86400.0;  ///< follow-up: simulated time from the first session, s
  Aftercare aftercare;
  Preparation preparation;
  Serum serum;
  double cost_per_session = 0.0;  ///< any currency unit

  /// `count` sessions `spacing` apart with one device, each over `session` (area, passes).
  static Protocol regular(std::shared_ptr<const Device> device, int count, double spacing,
                          double horizon, Session session = {});
  /// Throws InvalidParameter naming the field (sessions ordered, inside the horizon, ...).
  void validate() const;
  double total_cost() const { return cost_per_session * double(sessions.size()); }
};

}  // namespace punctum
