#pragma once
namespace punctum {
#ifdef PUNCTUM_VERSION
inline constexpr const char* version = PUNCTUM_VERSION;
#else
inline constexpr const char* version = "unknown";
#endif
}  // namespace punctum
