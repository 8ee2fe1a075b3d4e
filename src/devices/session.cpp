#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_map>

#ifdef PUNCTUM_USE_OPENMP
#include <omp.h>
#endif

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"
#include "punctum/detail/embedded_tables.hpp"
#include "punctum/devices/detail/coverage.hpp"
#include "punctum/devices/device.hpp"

namespace punctum {

std::string_view to_string(AreaShape shape) {
  return shape == AreaShape::square ? "square" : "disc";
}

AreaShape area_shape_from_string(std::string_view name) {
  if (name == "square") return AreaShape::square;
  if (name == "disc" || name == "circle") return AreaShape::disc;
  throw InvalidParameter("shape", "'" + std::string(name) + "'", "one of square, disc", "");
}

void Session::validate() const {
  require_in_range("session.area", in_cm2(area), 0.01, 1000.0, "cm^2");
  if (passes < 1 || passes > 100)
    throw InvalidParameter("session.passes", std::to_string(passes), "[1, 100]", "");
  if (directions.empty())
    throw InvalidParameter("session.directions", "[]", "at least one angle", "rad");
  for (double d : directions)
    if (!std::isfinite(d))
      throw InvalidParameter("session.directions", detail::format_number(d), "finite", "rad");
  require_in_range("session.cell_size", in_mm(cell_size), 0.1, 10.0, "mm");
  require_in_range("session.threads", threads, 0, 4096, "threads");
}

int Session::resolved_threads() const {
#ifdef PUNCTUM_USE_OPENMP
  return threads > 0 ? threads : omp_get_max_threads();
#else
  return 1;
#endif
}

double Session::extent() const {
  return shape == AreaShape::square ? std::sqrt(area) : 2.0 * std::sqrt(area / std::numbers::pi);
}

bool Session::contains(double x, double y) const {
  const double e = extent();
  if (shape == AreaShape::square) return x >= 0.0 && x < e && y >= 0.0 && y < e;
  const double dx = x - 0.5 * e, dy = y - 0.5 * e;
  return dx * dx + dy * dy < 0.25 * e * e;
}

HandVariation HandVariation::standard() {
  using devices::detail::table_value;
  const auto t = detail::tables::devices_defaults;
  return {table_value("data/devices/defaults.csv", t, "hand_force_cv"),
          table_value("data/devices/defaults.csv", t, "placement_jitter"),
          table_value("data/devices/defaults.csv", t, "needle_wobble")};
}

namespace devices::detail {

double table_value(std::string_view table_name, std::string_view text, std::string_view name) {
  const punctum::detail::CsvTable t(text, std::string(table_name));
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (t.text(r, "name") == name) return t.number(r, "value");
  throw std::logic_error(std::string(table_name) + " lacks " + std::string(name));
}

std::vector<Line> cover_with_lines(const Session& s, int pass, double direction, double width,
                                   double jitter) {
  const double e = s.extent(), c = 0.5 * e;
  Line proto;
  proto.dx = std::cos(direction);
  proto.dy = std::sin(direction);
  proto.nx = -proto.dy;
  proto.ny = proto.dx;
  // Extent of the bounding square across the lines.
  double vmax = 0.0;
  for (double cx : {-c, c})
    for (double cy : {-c, c}) vmax = std::max(vmax, std::abs(cx * proto.nx + cy * proto.ny));
  const int count = std::max(1, int(std::ceil(2.0 * vmax / width)));
  const Rng rng(s.seed);
  std::vector<Line> lines;
  lines.reserve(std::size_t(count));
  for (int j = 0; j < count; ++j) {
    auto stream =
        rng.stream(Purpose::stroke_jitter, s.index, std::uint64_t(pass), std::uint64_t(j));
    const double v = (j - 0.5 * (count - 1)) * width + jitter * stream.normal();
    Line L = proto;
    L.ox = c + v * L.nx;
    L.oy = c + v * L.ny;
    // Clip o + u d to the area widened by width/2 (so the strip's edge still covers the border).
    const double h = 0.5 * width;
    double u0 = -1e30, u1 = 1e30;
    if (s.shape == AreaShape::square) {
      const double o[2] = {L.ox, L.oy}, d[2] = {L.dx, L.dy};
      for (int k = 0; k < 2; ++k) {
        if (std::abs(d[k]) < 1e-12) {
          if (o[k] < -h || o[k] > e + h) u0 = 1, u1 = 0;
          continue;
        }
        double a = (-h - o[k]) / d[k], b = (e + h - o[k]) / d[k];
        if (a > b) std::swap(a, b);
        u0 = std::max(u0, a);
        u1 = std::min(u1, b);
      }
    } else {
      const double R = c + h;
      if (std::abs(v) >= R) continue;
      const double half = std::sqrt(R * R - v * v);
      u0 = -half;
      u1 = half;
    }
    if (u1 <= u0) continue;
    L.u0 = u0;
    L.u1 = u1;
    lines.push_back(L);
  }
  return lines;
}

}  // namespace devices::detail

namespace {

/// Punctures sorted into a uniform grid of cells (compressed rows: start[c] .. start[c+1]), with
/// their coordinates copied in cell order so neighbour scans read contiguous memory.
struct CellGrid {
  double h;
  int n;
  std::vector<std::uint32_t> start, id;
  std::vector<double> x, y, reach;  // reach = channel radius + half the tear
  CellGrid(double extent, double cell) : h(cell), n(std::max(1, int(std::ceil(extent / cell)))) {}
  int index(double v) const { return std::clamp(int(v / h), 0, n - 1); }
};

}  // namespace

PunctureStatistics compute_statistics(const std::vector<Puncture>& punctures,
                                      const Session& session, std::size_t strokes,
                                      double treatment_time) {
  PunctureStatistics st;
  st.area = session.area;
  st.strokes = strokes;
  st.contacts = punctures.size();
  st.treatment_time = treatment_time;
  std::vector<std::uint32_t> hit;
  hit.reserve(punctures.size());
  for (std::uint32_t i = 0; i < punctures.size(); ++i)
    if (punctures[i].punctured) hit.push_back(i);
  st.punctures = hit.size();
  st.density = double(hit.size()) / session.area;
  const double e = session.extent();

  // Cells of the session's cell size whose centre lies inside the area.
  {
    const int n = std::max(1, int(std::floor(e / session.cell_size)));
    const double h = e / n;
    std::vector<std::uint32_t> count(std::size_t(n) * n, 0);
    for (auto i : hit) {
      const auto& p = punctures[i];
      const int cx = std::clamp(int(p.x / h), 0, n - 1), cy = std::clamp(int(p.y / h), 0, n - 1);
      ++count[std::size_t(cy) * n + cx];
    }
    double sum = 0, sum2 = 0;
    std::size_t cells = 0, empty = 0;
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        if (!session.contains((i + 0.5) * h, (j + 0.5) * h)) continue;
        const double c = count[std::size_t(j) * n + i];
        sum += c;
        sum2 += c * c;
        ++cells;
        if (c == 0) ++empty;
      }
    if (cells > 0) {
      const double mean = sum / double(cells);
      const double var = std::max(0.0, sum2 / double(cells) - mean * mean);
      st.density_cv = mean > 0 ? std::sqrt(var) / mean : 0.0;
      st.poisson_cv = mean > 0 ? 1.0 / std::sqrt(mean) : 0.0;
      st.missed_area_fraction = double(empty) / double(cells);
    }
  }

  if (hit.empty()) return st;

  // Depth and vessel statistics.
  double s = 0, s2 = 0, tear = 0;
  st.min_depth = 1e30;
  std::size_t loops = 0, sup = 0, deep = 0;
  for (auto i : hit) {
    const auto& p = punctures[i];
    s += p.depth;
    s2 += p.depth * p.depth;
    tear += p.tear_length;
    st.min_depth = std::min(st.min_depth, p.depth);
    st.max_depth = std::max(st.max_depth, p.depth);
    loops += (p.vessels & 1) != 0;
    sup += (p.vessels & 2) != 0;
    deep += (p.vessels & 4) != 0;
    st.deepest_layer_fraction[std::size_t(p.deepest_layer)] += 1.0;
  }
  const double n = double(hit.size());
  st.mean_depth = s / n;
  st.sd_depth = std::sqrt(std::max(0.0, s2 / n - st.mean_depth * st.mean_depth));
  st.mean_tear_length = tear / n;
  st.bleeding_fraction = double(loops) / n;
  st.superficial_plexus_fraction = double(sup) / n;
  st.deep_plexus_fraction = double(deep) / n;
  for (auto& f : st.deepest_layer_fraction) f /= n;

  // Nearest neighbours and overlaps on a cell grid at least one mean spacing and one channel reach
  // wide; each puncture's values are independent, so the loop runs in parallel and the sums are
  // taken in order afterwards (identical for any thread count).
  double max_reach = 0.0;
  for (auto i : hit)
    max_reach = std::max(max_reach, 2.0 * punctures[i].channel_radius + punctures[i].tear_length);
  const double spacing = 1.0 / std::sqrt(st.density);
  CellGrid grid(e, std::max({spacing, max_reach, 1e-5}));
  const std::size_t cells = std::size_t(grid.n) * std::size_t(grid.n);
  std::vector<std::uint32_t> cell_of(hit.size());
  grid.start.assign(cells + 1, 0);
  for (std::size_t k = 0; k < hit.size(); ++k) {
    const auto& p = punctures[hit[k]];
    cell_of[k] = std::uint32_t(std::size_t(grid.index(p.y)) * grid.n + grid.index(p.x));
    ++grid.start[cell_of[k] + 1];
  }
  for (std::size_t c = 0; c < cells; ++c) grid.start[c + 1] += grid.start[c];
  grid.id.resize(hit.size());
  grid.x.resize(hit.size());
  grid.y.resize(hit.size());
  grid.reach.resize(hit.size());
  {
    std::vector<std::uint32_t> fill(grid.start.begin(), grid.start.end() - 1);
    for (std::size_t k = 0; k < hit.size(); ++k) {
      const auto& p = punctures[hit[k]];
      const std::uint32_t slot = fill[cell_of[k]]++;
      grid.id[slot] = hit[k];
      grid.x[slot] = p.x;
      grid.y[slot] = p.y;
      grid.reach[slot] = p.channel_radius + 0.5 * p.tear_length;
    }
  }
  std::vector<double> nearest(hit.size());
  std::vector<unsigned char> overlapping(hit.size());
  const long n_hit = long(hit.size());
  [[maybe_unused]] const int nt = session.resolved_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
  for (long k = 0; k < n_hit; ++k) {
    const std::uint32_t i = hit[std::size_t(k)];
    const auto& p = punctures[i];
    const double reach_p = p.channel_radius + 0.5 * p.tear_length;
    const int cx = grid.index(p.x), cy = grid.index(p.y);
    double best2 = 1e300;
    bool overlap = false;
    auto scan = [&](int j, int kx) {
      if (j < 0 || kx < 0 || j >= grid.n || kx >= grid.n) return;
      const std::size_t c = std::size_t(j) * grid.n + kx;
      for (std::uint32_t s = grid.start[c]; s < grid.start[c + 1]; ++s) {
        if (grid.id[s] == i) continue;
        const double dx = grid.x[s] - p.x, dy = grid.y[s] - p.y, d2 = dx * dx + dy * dy;
        best2 = std::min(best2, d2);
        // Channels overlap if the discs (plus half the tears) meet; counted against earlier ones.
        const double touch = reach_p + grid.reach[s];
        if (grid.id[s] < i && d2 < touch * touch) overlap = true;
      }
    };
    // Rings of cells around the puncture's own; after ring r every point within r*h has been seen.
    scan(cy, cx);
    for (int ring = 1; ring <= grid.n; ++ring) {
      for (int kx = cx - ring; kx <= cx + ring; ++kx) {
        scan(cy - ring, kx);
        scan(cy + ring, kx);
      }
      for (int j = cy - ring + 1; j <= cy + ring - 1; ++j) {
        scan(j, cx - ring);
        scan(j, cx + ring);
      }
      if (best2 <= (ring * grid.h) * (ring * grid.h)) break;
    }
    nearest[std::size_t(k)] = best2 < 1e300 ? std::sqrt(best2) : -1.0;
    overlapping[std::size_t(k)] = overlap;
  }
  double nn_sum = 0.0;
  std::size_t nn_count = 0, overlaps = 0;
  for (std::size_t k = 0; k < hit.size(); ++k) {
    if (nearest[k] >= 0.0) {
      nn_sum += nearest[k];
      ++nn_count;
    }
    overlaps += overlapping[k];
  }
  st.mean_nearest_neighbour = nn_count ? nn_sum / double(nn_count) : 0.0;
  st.clark_evans = st.mean_nearest_neighbour / (0.5 / std::sqrt(st.density));
  st.overlap_fraction = double(overlaps) / n;
  return st;
}

}  // namespace punctum
