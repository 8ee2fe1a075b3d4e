#include "punctum/healing/single_puncture.hpp"

#include <algorithm>
#include <cmath>

#include "punctum/core/units.hpp"
#include "punctum/healing/wound.hpp"

namespace punctum::healing {

void SinglePunctureOptions::validate() const {
  require_in_range("days", days, 0.0, 3650.0, "days");
  require_in_range("width", width * 1e3, 0.05, 20.0, "mm");
  require_in_range("voxel", voxel * 1e6, 1.0, 500.0, "um");
  require_in_range("margin", margin * 1e3, 0.0, 10.0, "mm");
  WoundChannel{.depth = depth, .radius = radius, .tip_length = tip_length}.validate();
}

PunctureSeries simulate_single_puncture(const SkinModel& skin, const Patient& patient,
                                        const SinglePunctureOptions& o,
                                        const std::function<bool(double)>& progress) {
  o.validate();
  const double depth = std::min(skin.total_thickness(), o.depth + o.margin);
  const auto nz = std::max<std::size_t>(1, std::size_t(std::ceil(depth / o.voxel)));
  const Grid3 grid = o.column ? Grid3({1, 1, nz}, {o.width, o.width, o.voxel}) : [&] {
    auto n = std::max<std::size_t>(3, std::size_t(std::lround(o.width / o.voxel)));
    return Grid3({n, n, nz}, {o.voxel, o.voxel, o.voxel});
  }();
  HealingModel model(skin, patient, grid, o.aftercare);
  auto st = make_state<double>(model, o.integrator.memory_limit_bytes);
  const auto ext = grid.extent();
  apply_wound(st, model,
              WoundChannel{.x = 0.5 * ext[0],
                           .y = 0.5 * ext[1],
                           .depth = o.depth,
                           .radius = o.radius,
                           .tip_length = o.tip_length});
  Integrator<double> integ(model, o.integrator);
  PunctureSeries out{grid, {observe(st, model)}, {}};
  integ.advance_to(st, o.days * 1.0_days, [&](double t) {
    out.samples.push_back(observe(st, model));
    return progress ? progress(t) : true;
  });
  out.stats = integ.stats();
  return out;
}

}  // namespace punctum::healing
