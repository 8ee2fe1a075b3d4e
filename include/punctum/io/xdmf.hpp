#pragma once
// XDMF (version 3) sidecar: a small XML file that tells ParaView/VisIt how to read the field
// snapshots of an HDF5 result as a temporal collection of 3-D co-rectilinear grids. Voxel values
// are cell-centred, so the topology counts points (n + 1 per axis) and the geometry gives the
// corner origin and the spacing, both in z, y, x order as XDMF expects.

#include <filesystem>
#include <string>

namespace punctum::io {

/// `result.h5` -> `result.xmf`.
std::filesystem::path xdmf_path_for(const std::filesystem::path& h5_path);

/// The XDMF document for every field series (groups with attribute punctum_kind = "field_series")
/// in the HDF5 file at `h5_path`; dataset references use the file's name only, so the pair can be
/// moved together.
std::string xdmf_document(const std::filesystem::path& h5_path);

/// Writes xdmf_document(h5_path) atomically (temporary file, then rename) to `xmf_path`
/// (default xdmf_path_for(h5_path)). Returns the path written.
std::filesystem::path write_xdmf(const std::filesystem::path& h5_path,
                                 std::filesystem::path xmf_path = {});

}  // namespace punctum::io
