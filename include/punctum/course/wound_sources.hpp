#pragma once
// From punctures to wound sources. A session's map covers the whole treated area; the healing
// patch is a window at its centre, and each puncture inside the window becomes a channel in patch
// coordinates: a needle-shaped channel (tapered over the needle's cone) whose surface slit is
// drawn out along the tear direction for rollers (oblique, dragged entry) and round for pens.

#include <algorithm>
#include <ranges>
#include <vector>

#include "punctum/devices/puncture.hpp"
#include "punctum/healing/wound.hpp"
#include "punctum/mechanics/needle.hpp"

namespace punctum {

/// Punctured channels whose entry lies in the centred square window of side `width` (m) of the
/// map's area, translated to window coordinates [0, width)^2. The map is taken by value and its
/// punctures filtered in place: pass it with std::move when it is done with.
std::vector<Puncture> punctures_in_window(PunctureMap map, double width);

/// The wound channels of a session's punctures (a puncture that did not pierce leaves none), made
/// as the view is read: a session has ~10^4 punctures, and the column only counts the few distinct
/// channels among them. The view refers to `punctures`, which must outlive it, and (a filter view)
/// is read through a non-const reference: pass it on, e.g. to healing::apply_wounds.
inline auto wound_channels(const std::vector<Puncture>& punctures, const Needle& needle) {
  const double taper = needle.taper_length();  // a tangent: once, not per puncture
  return punctures |
         std::views::filter([](const Puncture& p) { return p.punctured && p.depth > 0.0; }) |
         std::views::transform([taper](const Puncture& p) {
           return healing::WoundChannel{.x = p.x,
                                        .y = p.y,
                                        .depth = p.depth,
                                        .radius = std::max(p.channel_radius, 1e-6),
                                        .tip_length = std::min(p.depth, taper),
                                        .tear_length = p.tear_length,
                                        .tear_dir_x = p.tear_dir_x,
                                        .tear_dir_y = p.tear_dir_y};
         });
}

}  // namespace punctum
