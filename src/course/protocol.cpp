#include "punctum/course/protocol.hpp"

#include <string>

#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"

namespace punctum {

Protocol Protocol::regular(std::shared_ptr<const Device> device, int count, double spacing,
                           double horizon, Session session) {
  require_in_range("sessions", count, 1, 52, "sessions");
  require_in_range("spacing", in_days(spacing), 1.0, 365.0, "days");
  Protocol p;
  for (int i = 0; i < count; ++i) p.sessions.push_back({double(i) * spacing, device, session});
  p.horizon = horizon;
  p.validate();
  return p;
}

void Protocol::validate() const {
  if (sessions.empty()) throw InvalidParameter("sessions", "0", ">= 1 session", "sessions");
  require_in_range("horizon", in_days(horizon), 1.0, 5.0 * 365.25, "days");
  double previous = -1.0;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& s = sessions[i];
    const std::string name = "sessions[" + std::to_string(i) + "]";
    if (!s.device) throw InvalidParameter(name + ".device", "none", "a Roller, Pen or Stamp", "");
    require_in_range(name + ".time", in_days(s.time), previous < 0 ? 0.0 : in_days(previous) + 1.0 / 24,
                     in_days(horizon), "days");
    s.session.validate();
    previous = s.time;
  }
  require_in_range("preparation.vitamin_c_weeks", preparation.vitamin_c_weeks, 0.0, 52.0, "weeks");
  require_in_range("serum.concentration", serum.concentration, 0.0, 2000.0, "kg/m^3");
  require_in_range("serum.delay", in_hours(serum.delay), 0.0, 14 * 24.0, "h");
  require_in_range("serum.duration", in_hours(serum.duration), 0.0, 14 * 24.0, "h");
  require_in_range("cost_per_session", cost_per_session, 0.0, 1e7, "currency units");
}

}  // namespace punctum
