#pragma once
// A course's HDF5 file: provenance, observables over time, per-session outcomes, the punctures in
// the patch, collagen depth profiles, and (optionally) field snapshots (time, z, y, x) with an
// XDMF sidecar. Written atomically: nothing appears at `path` until finish() succeeds, and an
// interrupted course still finishes a valid file whose root attribute `completed` is 0.
//
//   punctum::CourseWriter out("course.h5", grid, provenance);
//   auto result = punctum::run_course(skin, patient, protocol, options, {}, out.sink());
//   out.finish(result);

#include <filesystem>
#include <memory>

#include "punctum/course/course.hpp"
#include "punctum/io/h5.hpp"

namespace punctum {

class CourseWriter {
 public:
  CourseWriter(std::filesystem::path path, const Grid3& grid, io::Provenance provenance);
  /// A sink for run_course's snapshots (all species, with their units).
  SnapshotSink sink();
  /// Writes everything else and commits the file; returns its path.
  std::filesystem::path finish(const CourseResult& result);

 private:
  io::H5Writer writer_;
  Grid3 grid_;
  bool fields_defined_ = false;
};

}  // namespace punctum
