#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include "punctum/core/detail/csv.hpp"
#include "punctum/core/detail/parallel.hpp"
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
  return punctum::detail::resolve_threads(threads);
}

double Session::extent() const {
  return shape == AreaShape::square ? std::sqrt(area) : 2.0 * std::sqrt(area / std::numbers::pi);
}

bool Session::contains(double x, double y) const {
  return devices::detail::AreaTest(*this).contains(x, y);
}

HandVariation HandVariation::standard() {
  using devices::detail::default_value;
  return {default_value("hand_force_cv"), default_value("placement_jitter"),
          default_value("needle_wobble")};
}

namespace devices::detail {

std::vector<double> with_needle_and_hand(std::vector<double> spec, const Needle& n,
                                         const HandVariation& hand) {
  spec.insert(spec.end(), {n.length, n.shaft_diameter, n.tip_radius, n.cone_half_angle,
                           double(n.hollow), n.wall_thickness, hand.force_cv,
                           hand.placement_jitter, hand.needle_wobble});
  return spec;
}

double default_value(std::string_view name) {
  static const punctum::detail::CsvTable t(punctum::detail::tables::devices_defaults,
                                           "data/devices/defaults.csv");  // parsed once
  return t.value(name);
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

/// A punctured channel as the neighbour search sees it: position, reach (channel radius plus half
/// the tear) and rank among the punctured ones (a lower rank is earlier in the map).
struct GridPoint {
  double x, y, reach;
  std::uint32_t rank;
  std::uint32_t cell;  // in the grid below
};

/// Punctures sorted into a uniform grid of cells (compressed rows: the points of cell c are
/// point[start[c]] .. point[start[c + 1]]). Cells are numbered row by row, so a run of cells along
/// a grid row is one contiguous range of points.
struct CellGrid {
  double h;
  int n;
  std::vector<std::uint32_t> start;
  std::unique_ptr<GridPoint[]> point;  // every element is written by the sort: no zeroing first
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
  const double e = session.extent();

  // One pass over the records in map order for the punctured ones' depth, tear and vessel sums and
  // their counts in cells of the session's cell size.
  const int side = std::max(1, int(std::floor(e / session.cell_size)));  // cells per side
  const double edge = e / side;
  std::vector<std::uint32_t> count(std::size_t(side) * side, 0);
  std::size_t n_hit = 0;
  double s = 0, s2 = 0, tear = 0, min_depth = 1e30, max_depth = 0.0, max_reach = 0.0;
  std::size_t loops = 0, sup = 0, deep = 0;
  // Counted as integers: summing 1.0 per puncture gives the same exact counts without a chain of
  // dependent floating-point additions to one slot.
  std::array<std::size_t, layer_count> layers{};
  for (const auto& p : punctures) {
    if (!p.punctured) continue;
    ++n_hit;
    s += p.depth;
    s2 += p.depth * p.depth;
    tear += p.tear_length;
    min_depth = std::min(min_depth, p.depth);
    max_depth = std::max(max_depth, p.depth);
    loops += (p.vessels & 1) != 0;
    sup += (p.vessels & 2) != 0;
    deep += (p.vessels & 4) != 0;
    ++layers[std::size_t(p.deepest_layer)];
    max_reach = std::max(max_reach, 2.0 * p.channel_radius + p.tear_length);
    const int cx = std::clamp(int(p.x / edge), 0, side - 1);
    const int cy = std::clamp(int(p.y / edge), 0, side - 1);
    ++count[std::size_t(cy) * side + cx];
  }
  st.punctures = n_hit;
  st.density = double(n_hit) / session.area;

  // Counts over the cells whose centre lies inside the area.
  {
    double sum = 0, sum2 = 0;
    std::size_t cells = 0, empty = 0;
    const devices::detail::AreaTest area(session);  // the shape's extent once, not per cell
    for (int j = 0; j < side; ++j)
      for (int i = 0; i < side; ++i) {
        if (!area.contains((i + 0.5) * edge, (j + 0.5) * edge)) continue;
        const double c = count[std::size_t(j) * side + i];
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

  if (n_hit == 0) return st;

  // Depth and vessel statistics.
  const double n = double(n_hit);
  st.min_depth = min_depth;
  st.max_depth = max_depth;
  st.mean_depth = s / n;
  st.sd_depth = std::sqrt(std::max(0.0, s2 / n - st.mean_depth * st.mean_depth));
  st.mean_tear_length = tear / n;
  st.bleeding_fraction = double(loops) / n;
  st.superficial_plexus_fraction = double(sup) / n;
  st.deep_plexus_fraction = double(deep) / n;
  for (std::size_t l = 0; l < layer_count; ++l)
    st.deepest_layer_fraction[l] = double(layers[l]) / n;

  // Nearest neighbours and overlaps on a cell grid at least one mean spacing and one channel reach
  // wide, so overlapping channels always lie in touching cells.
  const double spacing = 1.0 / std::sqrt(st.density);
  CellGrid grid(e, std::max({spacing, max_reach, 1e-5}));
  const int g = grid.n;
  const std::size_t cells = std::size_t(g) * std::size_t(g);
  // Counting sort of the punctured records into cells, straight from the map (no compact copy
  // first: scratch allocated above the map a course keeps lands on fresh pages): counts, running
  // totals (each cell's end), then the points placed backwards so every start[c] ends at its
  // cell's beginning and ranks stay ascending in a cell.
  std::vector<std::uint32_t> cell_of(n_hit);  // by rank
  grid.start.assign(cells + 1, 0);
  for (std::size_t i = 0, k = 0; i < punctures.size(); ++i) {
    if (!punctures[i].punctured) continue;
    cell_of[k] =
        std::uint32_t(std::size_t(grid.index(punctures[i].y)) * g + grid.index(punctures[i].x));
    ++grid.start[cell_of[k++]];
  }
  for (std::size_t c = 1; c < cells; ++c) grid.start[c] += grid.start[c - 1];
  grid.start[cells] = std::uint32_t(n_hit);
  grid.point = std::make_unique_for_overwrite<GridPoint[]>(n_hit);
  for (std::size_t i = punctures.size(), k = n_hit; i-- > 0;) {
    const Puncture& p = punctures[i];
    if (!p.punctured) continue;
    --k;
    grid.point[--grid.start[cell_of[k]]] = {p.x, p.y, p.channel_radius + 0.5 * p.tear_length,
                                            std::uint32_t(k), cell_of[k]};
  }

  // Squared distance to the nearest other point and whether the channel meets an earlier one, per
  // grid point. Channels overlap if the discs (plus half the tears) meet. The inner loops are
  // branch-free: a run of cells holds a few points, so mispredicted branches would cost more than
  // the arithmetic.
  std::vector<double> best2(n_hit, 1e300);
  std::vector<unsigned char> overlap(n_hit, 0);
  // Point q against the points q+1..along and lo..hi (one loop: its exit is the branch that
  // mispredicts), updating both sides, so each pair is measured once. Raw pointers and a copy of
  // the point: the byte stores to `overlap` may alias anything, and would otherwise reload them.
  const auto pairs = [points = grid.point.get(), near = best2.data(), meets = overlap.data()](
                         std::uint32_t q, std::uint32_t along, std::uint32_t lo, std::uint32_t hi) {
    const GridPoint p = points[q];
    double b = near[q];
    unsigned char ov = meets[q];
    const std::uint32_t first = along - (q + 1), others = first + (hi - lo);
    for (std::uint32_t i = 0; i < others; ++i) {
      const std::uint32_t o = i < first ? q + 1 + i : lo + (i - first);
      const GridPoint& other = points[o];
      const double dx = other.x - p.x, dy = other.y - p.y, d2 = dx * dx + dy * dy;
      const double touch = p.reach + other.reach;
      const bool meet = d2 < touch * touch;
      b = std::min(b, d2);
      near[o] = std::min(near[o], d2);
      ov |= meet & (other.rank < p.rank);
      meets[o] |= meet & (p.rank < other.rank);
    }
    near[q] = b;
    meets[q] = ov;
  };
  // First every pair in touching cells, from the point whose cell comes first: the later points of
  // its own cell and the next cell along the row (one range), and the three cells of the next row.
  // A row's pairs write that row and the next, so rows two apart never touch the same points: even
  // rows run in parallel, then odd ones. Minima and "or" do not depend on the order, and the sums
  // are taken in map order afterwards, so the result is identical for any thread count.
  const int nt = session.resolved_threads();
  for (int parity = 0; parity < 2; ++parity) {
    punctum::detail::parallel_for(nt, (g - parity + 1) / 2, [&](std::ptrdiff_t i) {
      const int cy = parity + 2 * int(i);
      const std::size_t row = std::size_t(cy) * g;
      // The row's points in one loop (cells hold about one point each: a loop per cell would
      // mispredict its exit every time).
      for (std::uint32_t q = grid.start[row]; q < grid.start[row + g]; ++q) {
        const std::size_t own = grid.point[q].cell, cx = own - row;
        const std::uint32_t along = grid.start[own + (cx + 1 < std::size_t(g) ? 2 : 1)];
        std::uint32_t lo = 0, hi = 0;
        if (cy + 1 < g) {
          lo = grid.start[own + g - (cx > 0)];
          hi = grid.start[own + g + (cx + 1 < std::size_t(g)) + 1];
        }
        pairs(q, along, lo, hi);
      }
    });
  }
  // A point whose nearest lies beyond one cell scans rings of cells further out on its own; after
  // ring r every point within r*h has been seen.
  std::vector<double> nearest(n_hit);
  std::vector<unsigned char> overlapping(n_hit);
  punctum::detail::parallel_for(nt, std::ptrdiff_t(n_hit), [&](std::ptrdiff_t q) {
    const GridPoint& p = grid.point[std::size_t(q)];
    double b = best2[std::size_t(q)];
    bool ov = overlap[std::size_t(q)];
    if (b > grid.h * grid.h) {  // the first ring's test below, kept out of the common path
      const int cx = int(p.cell % std::uint32_t(g)), cy = int(p.cell / std::uint32_t(g));
      // The points of cells lo..hi of row j, clipped to the grid (never the point's own cell).
      const auto run = [&](int j, int lo, int hi) {
        lo = std::max(lo, 0);
        hi = std::min(hi, g - 1);
        if (j < 0 || j >= g || lo > hi) return;
        const std::size_t row = std::size_t(j) * g;
        for (std::uint32_t o = grid.start[row + lo]; o < grid.start[row + hi + 1]; ++o) {
          const GridPoint& other = grid.point[o];
          const double dx = other.x - p.x, dy = other.y - p.y, d2 = dx * dx + dy * dy;
          const double touch = p.reach + other.reach;
          b = std::min(b, d2);
          ov |= (d2 < touch * touch) & (other.rank < p.rank);
        }
      };
      for (int ring = 2; ring <= g && b > ((ring - 1) * grid.h) * ((ring - 1) * grid.h); ++ring) {
        run(cy - ring, cx - ring, cx + ring);
        run(cy + ring, cx - ring, cx + ring);
        for (int j = cy - ring + 1; j <= cy + ring - 1; ++j) {
          run(j, cx - ring, cx - ring);
          run(j, cx + ring, cx + ring);
        }
      }
    }
    nearest[p.rank] = b < 1e300 ? std::sqrt(b) : -1.0;
    overlapping[p.rank] = ov;
  });
  double nn_sum = 0.0;
  std::size_t nn_count = 0, overlaps = 0;
  for (std::size_t k = 0; k < n_hit; ++k) {
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
