#include "punctum/course/wound_sources.hpp"

#include <algorithm>

namespace punctum {

std::vector<Puncture> punctures_in_window(const PunctureMap& map, double width) {
  const double e = map.session.extent();
  const double x0 = 0.5 * (e - width), y0 = 0.5 * (e - width);
  std::vector<Puncture> out;
  for (const auto& p : map.punctures) {
    if (!p.punctured) continue;
    const double x = p.x - x0, y = p.y - y0;
    if (x < 0.0 || y < 0.0 || x >= width || y >= width) continue;
    Puncture q = p;
    q.x = x;
    q.y = y;
    out.push_back(q);
  }
  return out;
}

std::vector<healing::WoundChannel> wound_channels(const std::vector<Puncture>& punctures,
                                                  const Needle& needle) {
  std::vector<healing::WoundChannel> out;
  out.reserve(punctures.size());
  for (const auto& p : punctures) {
    if (!p.punctured || p.depth <= 0.0) continue;
    healing::WoundChannel ch;
    ch.x = p.x;
    ch.y = p.y;
    ch.depth = p.depth;
    ch.radius = std::max(p.channel_radius, 1e-6);
    ch.tip_length = std::min(p.depth, needle.taper_length());
    ch.tear_length = p.tear_length;
    ch.tear_dir_x = p.tear_dir_x;
    ch.tear_dir_y = p.tear_dir_y;
    out.push_back(ch);
  }
  return out;
}

}  // namespace punctum
