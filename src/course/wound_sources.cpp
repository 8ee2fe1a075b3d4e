#include "punctum/course/wound_sources.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace punctum {

std::vector<Puncture> punctures_in_window(PunctureMap map, double width) {
  const double e = map.session.extent();
  const double x0 = 0.5 * (e - width), y0 = 0.5 * (e - width);
  // Filtered in place: a session has ~10^4 records of ~90 bytes, and the column's window holds
  // them all.
  auto& punctures = map.punctures;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < punctures.size(); ++i) {
    const Puncture& p = punctures[i];
    if (!p.punctured) continue;
    const double x = p.x - x0, y = p.y - y0;
    if (x < 0.0 || y < 0.0 || x >= width || y >= width) continue;
    if (kept != i) punctures[kept] = p;
    punctures[kept].x = x;
    punctures[kept].y = y;
    ++kept;
  }
  punctures.erase(punctures.begin() + std::ptrdiff_t(kept), punctures.end());
  // A 3D patch's window is a sliver of the map: keep only its punctures' storage.
  if (2 * kept < punctures.capacity()) punctures.shrink_to_fit();
  return std::move(punctures);
}

std::vector<healing::WoundChannel> wound_channels(const std::vector<Puncture>& punctures,
                                                  const Needle& needle) {
  std::vector<healing::WoundChannel> out;
  out.reserve(punctures.size());
  const double taper = needle.taper_length();  // a tangent: once, not per puncture
  for (const auto& p : punctures) {
    if (!p.punctured || p.depth <= 0.0) continue;
    healing::WoundChannel ch;
    ch.x = p.x;
    ch.y = p.y;
    ch.depth = p.depth;
    ch.radius = std::max(p.channel_radius, 1e-6);
    ch.tip_length = std::min(p.depth, taper);
    ch.tear_length = p.tear_length;
    ch.tear_dir_x = p.tear_dir_x;
    ch.tear_dir_y = p.tear_dir_y;
    out.push_back(ch);
  }
  return out;
}

}  // namespace punctum
