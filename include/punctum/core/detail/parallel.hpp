#pragma once
// Loops over an index range that run on `threads` OpenMP threads and cost nothing extra on one.
// An OpenMP parallel region whose `if` clause is false still builds a team (a heap allocation and
// bookkeeping, microseconds per region); the depth column and one-thread sweep points pass through
// dozens of regions per step over a few dozen planes, so on one thread the loop runs inline.
// Static schedules and exact reductions (max, and) keep results independent of the thread count.

#include <algorithm>
#include <cstddef>
#include <utility>

#ifdef PUNCTUM_USE_OPENMP
#include <omp.h>
#endif

namespace punctum::detail {

/// The thread count a `threads` option means: itself if positive, else the OpenMP default (1
/// without OpenMP).
inline int resolve_threads(int threads) {
#ifdef PUNCTUM_USE_OPENMP
  return threads > 0 ? threads : omp_get_max_threads();
#else
  (void)threads;
  return 1;
#endif
}

/// body(i) for i in [0, n).
template <class F>
void parallel_for(int threads, std::ptrdiff_t n, F&& body) {
#ifdef PUNCTUM_USE_OPENMP
  if (threads > 1) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::ptrdiff_t i = 0; i < n; ++i) body(i);
    return;
  }
#else
  (void)threads;
#endif
  for (std::ptrdiff_t i = 0; i < n; ++i) body(i);
}

/// body(i) for i in [0, n), handed out `chunk` indices at a time to whichever thread is free: for
/// bodies of uneven cost (a device's strokes). Each body must write only its own outputs, so the
/// result does not depend on which thread ran it.
template <class F>
void parallel_for_dynamic(int threads, std::ptrdiff_t n, std::ptrdiff_t chunk, F&& body) {
#ifdef PUNCTUM_USE_OPENMP
  if (threads > 1) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, chunk)
    for (std::ptrdiff_t i = 0; i < n; ++i) body(i);
    return;
  }
#else
  (void)threads;
  (void)chunk;
#endif
  for (std::ptrdiff_t i = 0; i < n; ++i) body(i);
}

/// max(0, body(0), ..., body(n - 1)); a max is exact, so any thread count gives the same value.
template <class F>
double parallel_max(int threads, std::ptrdiff_t n, F&& body) {
  double best = 0.0;
#ifdef PUNCTUM_USE_OPENMP
  if (threads > 1) {
#pragma omp parallel for num_threads(threads) schedule(static) reduction(max : best)
    for (std::ptrdiff_t i = 0; i < n; ++i) best = std::max(best, double(body(i)));
    return best;
  }
#else
  (void)threads;
#endif
  for (std::ptrdiff_t i = 0; i < n; ++i) best = std::max(best, double(body(i)));
  return best;
}

/// Thread t's share [first, second) of [0, n) among `team` threads: contiguous blocks, as a
/// static schedule hands them out.
inline std::pair<std::ptrdiff_t, std::ptrdiff_t> block_of(std::ptrdiff_t n, std::ptrdiff_t t,
                                                          std::ptrdiff_t team) {
  return {n * t / team, n * (t + 1) / team};
}

/// Splits [0, n) into one contiguous block per thread and runs first(i0, i1) on every block,
/// then, once every block's first has returned, second(i0, i1) on every block: the wavefront
/// pattern, where each block does what only its own rows need and finishes its edges after its
/// neighbours. With one thread: first(0, n), then second(0, n). Returns whether every call
/// returned true (every call runs).
template <class F, class G>
bool parallel_chunks(int threads, std::ptrdiff_t n, F&& first, G&& second) {
#ifdef PUNCTUM_USE_OPENMP
  if (threads > 1) {
    bool ok = true;
#pragma omp parallel num_threads(threads) reduction(&& : ok)
    {
      const auto [i0, i1] = block_of(n, omp_get_thread_num(), omp_get_num_threads());
      ok = first(i0, i1) && ok;
#pragma omp barrier
      ok = second(i0, i1) && ok;
    }
    return ok;
  }
#else
  (void)threads;
#endif
  const bool ok = first(std::ptrdiff_t(0), n);
  return second(std::ptrdiff_t(0), n) && ok;
}

/// body(i0, i1) once per thread on its contiguous block of [0, n) (body(0, n) on one thread);
/// whether every call returned true.
template <class F>
bool parallel_blocks(int threads, std::ptrdiff_t n, F&& body) {
  return parallel_chunks(threads, n, std::forward<F>(body),
                         [](std::ptrdiff_t, std::ptrdiff_t) { return true; });
}

}  // namespace punctum::detail
