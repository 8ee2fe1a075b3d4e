#include "punctum/course/output.hpp"

#include "punctum/healing/model.hpp"

namespace punctum {

CourseWriter::CourseWriter(std::filesystem::path path, const Grid3& grid, io::Provenance provenance)
    : writer_(std::move(path)), grid_(grid) {
  writer_.write_provenance(provenance);
}

SnapshotSink CourseWriter::sink() {
  return [this](double time, const Field<double>& field) {
    if (!fields_defined_) {
      std::vector<io::FieldSpec> specs;
      for (auto s : healing::all_species)
        specs.push_back({std::string(healing::to_string(s)), std::string(healing::unit_of(s)), ""});
      writer_.define_fields("fields", grid_, std::move(specs));
      fields_defined_ = true;
    }
    writer_.append_fields("fields", time, field);
  };
}

std::filesystem::path CourseWriter::finish(const CourseResult& r) {
  writer_.create_group("observables");
  writer_.write_dataset("observables/time", r.times, "s", {"time"});
  for (const auto& s : r.series) {
    const std::string path = "observables/" + s.name;
    writer_.write_dataset(path, s.values, s.units, {"time"});
    writer_.set_attribute(path, "description", s.description);
  }

  io::Table sessions;
  std::vector<double> t, downtime, closure, peak, bleed, bruise, density, duration, depth, tear;
  std::vector<std::string> device;
  for (const auto& s : r.sessions) {
    t.push_back(s.time);
    device.push_back(s.device);
    downtime.push_back(s.downtime);
    closure.push_back(s.closure_time);
    peak.push_back(s.peak_erythema);
    bleed.push_back(s.bleeding_points_per_cm2);
    bruise.push_back(s.bruising_points_per_cm2);
    density.push_back(s.statistics.density * 1e-4);
    duration.push_back(s.statistics.treatment_time);
    depth.push_back(s.statistics.mean_depth);
    tear.push_back(s.statistics.mean_tear_length);
  }
  sessions.add("time", "s", t, "session start from the course start")
      .add("device", "", device, "device description")
      .add("downtime", "s", downtime, "until erythema falls below threshold; -1: not reached")
      .add("closure_time", "s", closure, "until the epidermal channels close; -1: not observed")
      .add("peak_erythema", "1", peak, "largest erythema index after the session")
      .add("bleeding_points", "1/cm^2", bleed, "punctures reaching the capillary loops per area")
      .add("bruising_points", "1/cm^2", bruise, "punctures reaching the deep dermal plexus per area")
      .add("density", "1/cm^2", density, "punctures per area over the treated area")
      .add("treatment_time", "s", duration, "time to treat the session's area")
      .add("mean_depth", "m", depth, "mean depth reached")
      .add("mean_tear_length", "m", tear, "mean surface tear length");
  writer_.write_table("sessions", sessions);

  io::Table punctures;
  std::vector<std::int64_t> session, layer, vessels;
  std::vector<double> x, y, d, radius, tear_len, angle;
  for (std::size_t i = 0; i < r.sessions.size(); ++i)
    for (const auto& p : r.sessions[i].patch_punctures) {
      session.push_back(std::int64_t(i));
      x.push_back(p.x);
      y.push_back(p.y);
      d.push_back(p.depth);
      radius.push_back(p.channel_radius);
      tear_len.push_back(p.tear_length);
      angle.push_back(p.entry_angle);
      layer.push_back(std::int64_t(p.deepest_layer));
      vessels.push_back(std::int64_t(p.vessels));
    }
  punctures.add("session", "1", session, "session index")
      .add("x", "m", x, "entry point in patch coordinates")
      .add("y", "m", y, "entry point in patch coordinates")
      .add("depth", "m", d, "channel depth")
      .add("channel_radius", "m", radius, "channel radius at the surface")
      .add("tear_length", "m", tear_len, "surface tear length")
      .add("entry_angle", "rad", angle, "needle axis from the normal at entry")
      .add("deepest_layer", "1", layer,
           "0 stratum corneum, 1 viable epidermis, 2 papillary, 3 reticular, 4 hypodermis")
      .add("vessels", "1", vessels, "bitmask: 1 capillary loops, 2 superficial, 4 deep plexus");
  writer_.write_table("punctures", punctures);

  writer_.create_group("profiles");
  writer_.write_dataset("profiles/depth", r.depth, "m", {"depth"});
  writer_.write_dataset("profiles/collagen_baseline", r.collagen_profile_baseline, "kg/m^3", {"depth"});
  writer_.write_dataset("profiles/collagen_final", r.collagen_profile_final, "kg/m^3", {"depth"});
  // Over time too: collagen I and III per plane at the observables' output times.
  writer_.write_dataset("profiles/time", r.times, "s", {"time"});
  writer_.write_dataset("profiles/collagen_I", r.collagen_I_profiles,
                        {r.times.size(), r.depth.size()}, "kg/m^3", {"time", "depth"});
  writer_.write_dataset("profiles/collagen_III", r.collagen_III_profiles,
                        {r.times.size(), r.depth.size()}, "kg/m^3", {"time", "depth"});

  writer_.set_attribute("/", "completed", std::int64_t(r.completed ? 1 : 0));
  writer_.set_attribute("/", "horizon_s", r.horizon);
  writer_.set_attribute("/", "condition", r.condition);
  writer_.set_attribute("/", "fidelity", r.fidelity);
  writer_.set_attribute("/", "total_cost", r.total_cost);
  writer_.set_attribute("/", "seed", r.seed);
  writer_.set_attribute("/", "integrator_steps", std::uint64_t(r.integrator_steps));
  writer_.commit();
  return writer_.path();
}

}  // namespace punctum
