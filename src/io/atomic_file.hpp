#pragma once
// Atomic replacement of an output file: punctum writes every file (HDF5 results, checkpoints,
// partial copies, XDMF sidecars) beside its target under a temporary name and moves it into
// place only once it is complete, so readers and restarts never see half a file and a failure
// leaves the previous file untouched.

#include <filesystem>

namespace punctum::io::detail {

/// The temporary name a file being written to `target` goes under: beside it (same filesystem,
/// so the final rename is atomic), tagged with the process id so concurrent writers don't meet.
std::filesystem::path temporary_beside(const std::filesystem::path& target);

/// Syncs the complete `temporary`, renames it onto `target` and syncs the directory, so the new
/// name never becomes visible before the data. On failure the temporary is removed and IoError
/// names both paths; `target` keeps its previous content.
void move_into_place(const std::filesystem::path& temporary, const std::filesystem::path& target);

}  // namespace punctum::io::detail
