#include "punctum/course/wound_sources.hpp"

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

}  // namespace punctum
