#pragma once
// PUNCTUM_SIMD_CLONES: compile a kernel once per SIMD width (GCC on x86-64 Linux), the widest the
// running CPU supports being picked at load time; elsewhere the kernel is compiled once for the
// baseline ISA. Used by the healing kernels in src/healing/*.cpp.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PUNCTUM_HAVE_SIMD_CLONES 1
#define PUNCTUM_SIMD_CLONES __attribute__((flatten, target_clones("avx512f", "avx2", "default")))
#else
#define PUNCTUM_SIMD_CLONES
#endif
