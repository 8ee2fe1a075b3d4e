#include "punctum/healing/state.hpp"

#include <unistd.h>

#include <cstdio>

namespace punctum::healing {

std::size_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return (pages > 0 && page > 0) ? std::size_t(pages) * std::size_t(page) : 0;
}

void require_memory(std::size_t bytes, std::size_t limit, const std::string& what) {
  if (limit == 0) limit = std::size_t(0.8 * double(physical_memory_bytes()));
  if (limit == 0 || bytes <= limit) return;
  char msg[512];
  std::snprintf(msg, sizeof msg,
                "%s needs %.3g GB but the limit is %.3g GB: use a coarser grid, a "
                "smaller patch, float storage or the column fidelity",
                what.c_str(), double(bytes) / 1e9, double(limit) / 1e9);
  throw ResourceError(msg);
}

}  // namespace punctum::healing
