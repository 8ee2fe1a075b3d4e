#pragma once
// Integrator: Lie splitting of the healing field with the stiff part last,
//   u^{n+1} = D(dt) . C(dt) . R(dt) u^n,
// R = per-voxel linearly implicit kinetics of the slow species, C = upwind chemotaxis,
// D = LOD implicit diffusion: fibroblasts directly; the fast linear species c, g, s (signals and
// topical agent, whose relaxation times are minutes to hours) in delta form together with their
// own sources and decay, which keeps their quasi-steady profiles exact for any step; c before g
// (Gauss-Seidel), so g's source is the updated c.
// Schemes:
//   lod_euler       one split step; first order in time (backward-Euler diffusion/kinetics).
//   lod_richardson  two half steps and one full step extrapolated, 2 u_{dt/2} - u_{dt}: second
//                   order; the difference is the local error estimate that drives the adaptive
//                   step (minutes after a wound, days in remodelling).
//   lod_lean        lod_euler's step with second-order kinetics (2 R(dt/2)^2 - R(dt) per voxel)
//                   and their coupling to c and g corrected after the step (the kinetics see the
//                   signals' mean over the step); the signal c stays backward Euler, so the step
//                   is first order, with a far smaller error than lod_euler's in the same memory.
// Adaptive lod_euler (and lod_lean) is the in-place choice: before each step a read-only pass
// estimates the kinetics' local error by step doubling per voxel, in registers
// (react_error_planes), the step then runs in place, and after it a second read-only pass measures
// the error of freezing c and g in the kinetics (coupling_error_planes), which sizes the next step.
// It keeps no copy of the state (the fixed step's memory, against Richardson's two copies), at the
// price of first order and of controlling only the kinetics' error and their coupling
// (docs/healing.md, "Schemes and adaptivity"). Adaptive lod_lean runs the same way; its coupling
// pass also writes the correction, and both estimates measure the uncorrected (first-order)
// kinetics and coupling: an upper bound on the error of what it keeps, as Richardson's difference
// is for its extrapolated state. Events (wounds) set state.event_pending; the next step restarts
// at dt_initial. A topical agent that is nowhere (s = 0 everywhere, no film on the surface) stays
// nowhere, so its solve is skipped: most courses apply no serum, and the result is the same to the
// bit.
//
//   Integrator<double> integ(model, {.threads = 2});
//   integ.advance_to(state, 60 * 86400.0, [](double t) { return keep_going; });

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "punctum/core/detail/parallel.hpp"
#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"
#include "punctum/healing/detail/diffusion.hpp"
#include "punctum/healing/detail/kinetics.hpp"
#include "punctum/healing/model.hpp"
#include "punctum/healing/state.hpp"

namespace punctum::healing {

enum class Scheme : int { lod_euler = 0, lod_richardson = 1, lod_lean = 2 };

struct IntegratorOptions {
  Scheme scheme = Scheme::lod_richardson;
  bool adaptive = true;                ///< error-controlled step (see the schemes above)
  double rtol = 1e-3;                  ///< relative local error per step, 1
  double dt_initial = 60.0;            ///< first step after an event, s
  double dt_min = 1e-3;                ///< below this the step is refused, s
  double dt_max = 2.0 * 86400;         ///< s
  double dt_fixed = 3600.0;            ///< step when not adaptive, s
  int threads = 0;                     ///< 0: OpenMP default; a depth column always runs on 1
  std::size_t memory_limit_bytes = 0;  ///< 0: 80 % of physical memory
};

struct IntegratorStats {
  std::size_t accepted = 0, rejected = 0, chemotaxis_substeps = 0;
  /// Chemotaxis steps run again because the substeps guessed before the growth factor's outflow
  /// rate was known were not the ones it asks for (the result is the same either way).
  std::size_t chemotaxis_redone = 0;
  double last_dt = 0.0, smallest_dt = 0.0, largest_dt = 0.0;  ///< s
};

template <class T = double>
class Integrator {
 public:
  Integrator(const HealingModel& model, IntegratorOptions options = {})
      : model_(&model),
        opt_(options),
        threads_(model.is_column() ? 1 : punctum::detail::resolve_threads(options.threads)),
        diffusion_((validate(options), model), threads_, /*plain_fast_sets=*/false,
                   /*fitted_signal_decay=*/options.scheme == Scheme::lod_lean),
        chemotaxis_(model, threads_),
        column_(model.is_column() ? detail::ReactColumn(model) : detail::ReactColumn()) {
    const std::size_t field = Field<T>::stride_for(model.grid()) * species_count * sizeof(T);
    require_memory(field + workspace_bytes(model.grid(), opt_, threads_), opt_.memory_limit_bytes,
                   memory_need(field));
    if (opt_.scheme == Scheme::lod_richardson) big_ = Field<T>(model.grid(), species_count);
    if (richardson_adaptive(opt_))
      small_ = Field<T>(model.grid(), species_count);
    else
      delta_ = Field<T>(model.grid(), 3);  // only a step in place needs it (increment())
    dt_ = opt_.dt_initial;
    // Error scales: 1 for the dimensionless species, the largest baseline for f, collagen and
    // elastin; the absolute tolerance is rtol times the scale.
    std::array<double, species_count> scale{};
    for (std::size_t k = 0; k < model.grid().nz(); ++k) {
      scale[idx(Species::f)] = std::max(scale[idx(Species::f)], model.planes()[k].f0);
      scale[idx(Species::rho3)] =
          std::max(scale[idx(Species::rho3)], model.planes()[k].rho1_0 + model.planes()[k].rho3_0);
      scale[idx(Species::e)] = std::max(scale[idx(Species::e)], model.planes()[k].e0);
    }
    scale[idx(Species::rho1)] = scale[idx(Species::rho3)];
    for (std::size_t q = 0; q < species_count; ++q)
      atol_[q] = opt_.rtol * (scale[q] > 0.0 ? scale[q] : 1.0);
  }

  /// Bytes the integrator holds besides the state (per scheme), padding included.
  static std::size_t workspace_bytes(const Grid3& g, const IntegratorOptions& o, int threads) {
    const std::size_t stride = Field<T>::stride_for(g);
    // State copies; the delta arrays of c, g and s for a step in place (the adaptive Richardson
    // pair's steps all run out of place and solve the increments in their results); the
    // chemotaxis scratch; the sweeps'.
    const std::size_t copies =
        o.scheme == Scheme::lod_richardson ? (richardson_adaptive(o) ? 2 : 1) : 0;
    const std::size_t deltas = richardson_adaptive(o) ? 0 : 3;
    return sizeof(T) * stride * (copies * species_count + deltas + 1) +
           detail::LodDiffusion<T>::workspace_bytes(g, threads);
  }
  std::size_t workspace_bytes() const { return workspace_bytes(model_->grid(), opt_, threads_); }

  const IntegratorStats& stats() const { return stats_; }
  /// The step the controller tries next, s (what a checkpoint must keep to restart exactly).
  double next_dt() const { return dt_; }
  /// Restores the step controller and counters saved by a checkpoint.
  void restore(double next_dt, const IntegratorStats& stats) {
    require_positive("next_dt", next_dt, "s");
    dt_ = next_dt;
    stats_ = stats;
  }
  const IntegratorOptions& options() const { return opt_; }
  int threads() const { return threads_; }

  /// One step of the configured scheme (no adaptivity), dt in s. No allocation.
  void step(HealingState<T>& st, double dt) {
    require_positive("dt", dt, "s");
    const bool topical = topical_present(st);
    std::optional<double> rate;  // the state's chemotactic outflow rate, found by the step
    if (in_place(opt_)) {
      split_step(st.field, st.field, st.topical_surface, dt, st.time, rate, topical);
      if (lean()) coupling_error(st.field, dt);  // its correction
    } else {
      richardson_attempt(st, dt, rate, topical);
      accept_attempt(st, topical);
    }
    st.time += dt;
    st.event_pending = false;
    note_accepted(dt);
  }

  /// The step the next advance would try from the state's time toward t_limit, s.
  double proposed_dt(const HealingState<T>& st, double t_limit) const {
    if (!opt_.adaptive) return std::min(opt_.dt_fixed, t_limit - st.time);
    return std::min({st.event_pending ? opt_.dt_initial : dt_, opt_.dt_max, t_limit - st.time});
  }

  /// One accepted step toward t_limit (s), never past it: error-controlled (rejected attempts
  /// are retried with a smaller step; the in-place schemes refuse a step before they run it) or
  /// fixed, per the options. Throws NumericalError when the step falls below dt_min.
  void advance_step(HealingState<T>& st, double t_limit) {
    if (!(t_limit > st.time))
      throw InvalidParameter("t_limit", punctum::detail::format_number(t_limit),
                             "> state time " + punctum::detail::format_number(st.time), "s");
    if (!opt_.adaptive) {
      step(st, proposed_dt(st, t_limit));
      return;
    }
    const bool in_place_step = in_place(opt_);
    if (st.event_pending) dt_ = opt_.dt_initial;
    st.event_pending = false;
    // Every attempt starts from the same state, so they all share its chemotactic outflow rate
    // (found by the first split step's flux) and whether the topical agent is present.
    std::optional<double> rate;
    const bool topical = topical_present(st);
    for (;;) {
      const double dt = proposed_dt(st, t_limit);
      // Richardson's attempt runs out of place, so the state is untouched until the step is
      // accepted: a rejected step needs no backup copy. The in-place schemes' estimate only reads
      // the state, and the step runs in place once the estimate accepts it.
      double err =
          in_place_step ? kinetics_error(st.field, dt) : richardson_attempt(st, dt, rate, topical);
      if (!std::isfinite(err)) err = 1e6;
      const double grow = err > 0.0 ? 0.9 / std::sqrt(err) : 4.0;
      if (err <= 1.0) {
        double next_grow = grow, late = 0.0;
        if (in_place_step) {
          split_step(st.field, st.field, st.topical_surface, dt, st.time, rate, topical);
          // The error of the coupling the estimate froze, known only now: it steers the next
          // step (the state is already overwritten); lod_lean also corrects it.
          late = coupling_error(st.field, dt);
          if (!std::isfinite(late)) late = 1e6;
          if (late > 0.0) next_grow = std::min(next_grow, 0.9 / std::sqrt(late));
        } else {
          accept_attempt(st, topical);
        }
        st.time += dt;
        note_accepted(dt);
        dt_ = dt * std::clamp(next_grow, 0.2, 4.0);
        // Only the coupling's error shrinks a step on acceptance; a step merely cut short by
        // t_limit may be below dt_min and is not a failure.
        if (next_grow < grow && dt_ < opt_.dt_min) too_small(st, late);
        return;
      }
      ++stats_.rejected;
      dt_ = dt * std::clamp(grow, 0.1, 0.9);
      if (dt_ < opt_.dt_min) too_small(st, err);
    }
  }

  /// Advances the state to t_end (s). `progress(t)` is called after every accepted step; if it
  /// returns false the run stops there (the state is consistent) and advance_to returns false.
  bool advance_to(HealingState<T>& st, double t_end,
                  const std::function<bool(double)>& progress = {}) {
    if (!(t_end >= st.time))
      throw InvalidParameter("t_end", punctum::detail::format_number(t_end),
                             ">= state time " + punctum::detail::format_number(st.time), "s");
    const double eps = 1e-9 * std::max(1.0, std::abs(t_end));
    while (t_end - st.time > eps) {
      advance_step(st, t_end);
      if (progress && !progress(st.time)) return false;
    }
    return true;
  }

 private:
  [[noreturn]] void too_small(const HealingState<T>& st, double err) const {
    char msg[200];
    std::snprintf(msg, sizeof msg,
                  "healing step fell below dt_min = %g s at t = %.6g days (error norm %.3g)",
                  opt_.dt_min, in_days(st.time), err);
    throw NumericalError(msg);
  }

  /// What the integrator's memory is for, in the message of a grid that does not fit: for the
  /// adaptive Richardson pair, also what the lean scheme would need instead.
  std::string memory_need(std::size_t field) const {
    std::string what = "healing integrator workspace";
    if (!richardson_adaptive(opt_)) return what;
    IntegratorOptions lean = opt_;
    lean.scheme = Scheme::lod_lean;
    char text[160];
    std::snprintf(text, sizeof text,
                  " with adaptive Richardson (adaptive lod_lean, the course's scheme \"lean\", "
                  "would need %.3g GB)",
                  double(field + workspace_bytes(model_->grid(), lean, threads_)) / 1e9);
    return what + text;
  }

  /// The schemes whose step runs in place on the state: lod_euler and lod_lean.
  static bool in_place(const IntegratorOptions& o) { return o.scheme != Scheme::lod_richardson; }

  /// The adaptive Richardson pair, which runs out of place into two copies of the state.
  static bool richardson_adaptive(const IntegratorOptions& o) {
    return o.scheme == Scheme::lod_richardson && o.adaptive;
  }

  static void validate(const IntegratorOptions& o) {
    require_positive("rtol", o.rtol, "1");
    require_positive("dt_initial", o.dt_initial, "s");
    require_positive("dt_min", o.dt_min, "s");
    require_positive("dt_max", o.dt_max, "s");
    require_positive("dt_fixed", o.dt_fixed, "s");
    require_in_range("threads", o.threads, 0, 4096, "1");
  }

  /// One Richardson attempt from the state, whose chemotactic outflow rate is `rate` (found by
  /// the first split step if not yet known): two half
  /// steps and one full step, each started from the state without copying it (the first
  /// reactions read the state and write the slow species of the result, the increments' addition
  /// its fast ones). Returns the error norm and leaves the extrapolated result in big_.
  /// The adaptive Richardson pair runs every split step out of place, so the fast species'
  /// increments are solved in the result itself (increment()): the first half step into big_,
  /// the second from there into small_, then the full step into big_. A fixed step (no small_)
  /// runs the full step into big_ and the half steps in place on the state.
  double richardson_attempt(HealingState<T>& st, double dt, std::optional<double>& rate,
                            bool topical) {
    const double film = st.topical_surface, t = st.time;
    if (!topical) {  // the results' topical agent is the state's, zero: make sure it is there
      clear_topical(big_, big_s_zero_);
      if (richardson_adaptive(opt_)) clear_topical(small_, small_s_zero_);
    } else {
      big_s_zero_ = small_s_zero_ = false;
    }
    std::optional<double> halfway;  // the outflow rate half a step on
    if (richardson_adaptive(opt_)) {
      split_step(big_, st.field, film, 0.5 * dt, t, rate, topical);
      split_step(small_, big_, film, 0.5 * dt, t + 0.5 * dt, halfway, topical);
      split_step(big_, st.field, film, dt, t, rate, topical);
      return extrapolate_and_norm(small_, big_, topical);
    }
    split_step(big_, st.field, film, dt, t, rate, topical);
    split_step(st.field, st.field, film, 0.5 * dt, t, rate, topical);
    split_step(st.field, st.field, film, 0.5 * dt, t + 0.5 * dt, halfway, topical);
    return extrapolate_and_norm(st.field, big_, topical);
  }

  /// Makes the extrapolated result of richardson_attempt() the state. The field swapped out
  /// (the old state, or the half steps' result) has s = 0 if the agent was absent.
  void accept_attempt(HealingState<T>& st, bool topical) {
    std::swap(st.field, big_);
    big_s_zero_ = !topical;
  }

  /// Whether the topical agent can be anywhere during a step from st: a film on the surface, or
  /// a nonzero value in the field (a scan of s, a tenth of one read of the field). Otherwise
  /// every part of the step leaves s = 0 exactly (its delta-form source is -lambda s plus the
  /// film's flux, both zero), so the step skips s's solve.
  bool topical_present(const HealingState<T>& st) const {
    if (st.topical_surface != 0.0) return true;
    const T* s = st.field.species_data(idx(Species::s));  // padding included: it stays zero
    return !punctum::detail::parallel_blocks(
        threads_, std::ptrdiff_t(st.field.species_stride()),
        [&](std::ptrdiff_t i0, std::ptrdiff_t i1) {
          return std::all_of(s + i0, s + i1, [](T v) { return v == T(0); });
        });
  }

  /// Sets s = 0 in an out-of-place result field, unless `zero` says it already is (the flag then
  /// stays true while the agent is absent: a skipped solve writes nothing into s).
  void clear_topical(Field<T>& u, bool& zero) const {
    if (zero) return;
    const std::size_t n = u.species_stride();
    T* s = u.species_data(idx(Species::s));
    punctum::detail::parallel_blocks(threads_, std::ptrdiff_t(n),
                                     [&](std::ptrdiff_t i0, std::ptrdiff_t i1) {
                                       std::fill(s + i0, s + i1, T(0));
                                       return true;
                                     });
    zero = true;
  }

  void note_accepted(double dt) {
    ++stats_.accepted;
    stats_.last_dt = dt;
    stats_.smallest_dt = stats_.accepted == 1 ? dt : std::min(stats_.smallest_dt, dt);
    stats_.largest_dt = std::max(stats_.largest_dt, dt);
  }

  /// The kinetics' step-doubling error norm of a step dt from `u` (react_error_planes), which it
  /// only reads: a max over planes, exact and independent of the thread count.
  double kinetics_error(const Field<T>& u, double dt) const {
    if (model_->is_column())
      return detail::react_error_column(u, column_, model_->rates(), dt, atol_.data(), opt_.rtol);
    return punctum::detail::parallel_max(
        threads_, std::ptrdiff_t(u.grid().nz()), [&](std::ptrdiff_t k) {
          return detail::react_error_planes(u, *model_, dt, std::size_t(k), std::size_t(k) + 1,
                                            atol_.data(), opt_.rtol);
        });
  }

  /// The error of an in-place step dt that froze c and g in its kinetics (coupling_error_planes),
  /// from u after the step and the increments of c and g the step left in the delta arrays;
  /// lod_lean also corrects it in u.
  double coupling_error(Field<T>& u, double dt) const {
    const T* dc = delta_.species_data(std::size_t(detail::Fast::c));
    const T* dg = delta_.species_data(std::size_t(detail::Fast::g));
    if (model_->is_column())
      return detail::coupling_error_column(u, dc, dg, column_, model_->rates(), dt, atol_.data(),
                                           opt_.rtol, lean());
    return punctum::detail::parallel_max(
        threads_, std::ptrdiff_t(u.grid().nz()), [&](std::ptrdiff_t k) {
          return detail::coupling_error_planes(u, dc, dg, *model_, dt, std::size_t(k),
                                               std::size_t(k) + 1, atol_.data(), opt_.rtol, lean());
        });
  }

  /// Richardson in one pass over both results: returns the step-doubling error norm
  /// max |small - big| / (atol + rtol |small|) and overwrites `big` with the second-order
  /// 2 small - big, or with the (positive) two-half-step value where that would go negative.
  /// A max over species and planes: exact, independent of the thread count. Line padding is zero
  /// in both fields, so it adds nothing to either. The depth column's planes are one voxel each:
  /// there a species is one run instead of nz tasks.
  /// Without the topical agent (`topical` false) s is zero in both and is left out.
  double extrapolate_and_norm(const Field<T>& small, Field<T>& big, bool topical) const {
    static_assert(idx(Species::s) == species_count - 1, "s must be the last species");
    const std::size_t nq = topical ? species_count : species_count - 1;
    const std::size_t stride = small.species_stride();
    const T* a = small.species_data(0);
    T* b = big.species_data(0);
    const double rtol = opt_.rtol;
    const std::size_t nz = small.grid().nz(), plane = small.pitch() * small.grid().ny();
    if (model_->is_column())
      return punctum::detail::parallel_max(
          threads_, std::ptrdiff_t(nq), [&](std::ptrdiff_t q) {
            return detail::extrapolate_max_difference(a + std::size_t(q) * stride,
                                                      b + std::size_t(q) * stride, plane * nz,
                                                      atol_[std::size_t(q)], rtol);
          });
    return punctum::detail::parallel_max(
        threads_, std::ptrdiff_t(nq * nz), [&](std::ptrdiff_t qk) {
          const std::size_t q = std::size_t(qk) / nz,
                            at = q * stride + (std::size_t(qk) % nz) * plane;
          return detail::extrapolate_max_difference(a + at, b + at, plane, atol_[q], rtol);
        });
  }

  /// One split step from `from` into `u` (the same field for a step in place: lod_euler, the
  /// fixed Richardson step's halves; another for the adaptive attempt's); `rate` is the chemotactic
  /// outflow rate of `from` (Chemotaxis::max_rate, which depends only on g: the reactions leave it
  /// alone), or empty, and then the step finds it (react_and_chemotaxis) and sets it for the
  /// next step from `from`. `topical` false: the topical agent is absent
  /// (topical_present), and s is not swept; u's s must then already be zero (it is when u is
  /// `from`; richardson_attempt clears the others).
  void split_step(Field<T>& u, const Field<T>& from, double film, double dt, double t0,
                  std::optional<double>& rate, bool topical) {
    // Lie splitting with the stiff part last, R(dt) then C(dt) then D(dt): the fast signals end
    // the step at the quasi-steady profile of the slow species' *new* values (Strang's symmetric
    // order buys nothing here: every part is first order and Richardson supplies the second).
    diffusion_.prepare(dt);
    // Fast signals in delta form: (I - dt' Lx)(I - dt' Ly)(I - dt Lz + dt lambda) du = dt F(u)
    // with dt' = dt / (1 + dt lambda) (LodDiffusion's factor sets),
    // F filled plane by plane just before its lateral sweep (inside the reactions' wavefront for
    // c and s, when there is one) and u = from + du (limited) inside the depth pass.
    // Gauss-Seidel in the coupling c -> g: g's source sees the updated c, so g is not one step
    // behind the inflammation that releases it (which had held the controller's step at hours).
    // The fast species are read from `from` (the reactions and chemotaxis leave them alone)
    // and written into u by their increments' addition: in 3D with chemotaxis, a step out of
    // place copies none of them (the other paths' reactions still carry them across).
    const FastFill fill_c{
        this, &u, &from, dt, film, detail::Fast::c, increment(u, from, detail::Fast::c)};
    const FastFill fill_s{
        this, &u, &from, dt, film, detail::Fast::s, increment(u, from, detail::Fast::s)};
    const FastFill fill_g{
        this, &u, &from, dt, film, detail::Fast::g, increment(u, from, detail::Fast::g)};
    // f (slow) moves in place as its excess over the resident fibroblasts; it is the last job.
    std::array<detail::SweepJob<T>, 3> first;
    std::size_t jobs = 0;
    first[jobs++] = fast_job(fill_c, u);
    if (topical) first[jobs++] = fast_job(fill_s, u);
    first[jobs++] = {u.species_data(idx(Species::f)), diffusing_of(Species::f), true, false};
    // The first group's lateral sweeps run inside the reactions' wavefront when there is one
    // (3D with chemotaxis), f's only if its chemotaxis is then complete (one substep).
    if (lean()) store_old_sources(from);
    const std::size_t swept = react_and_chemotaxis(from, u, dt, t0, rate, first.data(), jobs);
    if (swept < jobs) diffusion_.lateral_pass(first.data() + swept, jobs - swept);
    // In delta form the film enters through F, so the Robin rows get no extra right-hand side.
    diffusion_.depth_pass(first.data(), jobs, u.species_data(idx(Species::w)), 0.0);
    const auto second = fast_job(fill_g, u);
    diffusion_.solve(&second, 1, u.species_data(idx(Species::w)), 0.0);
  }

  /// lod_lean: c's and g's sources at the step's start, a_cw w + a_ch h and a_gh h + a_gc c,
  /// into their delta arrays, where their fills read them (fast_rhs_planes, `old_source`) before
  /// they write the right-hand sides over them.
  void store_old_sources(const Field<T>& from) {
    const auto& R = model_->rates();
    const std::size_t n = from.species_stride();
    const T* w = from.species_data(idx(Species::w));
    const T* h = from.species_data(idx(Species::h));
    const T* c = from.species_data(idx(Species::c));
    T* sc = delta_.species_data(std::size_t(detail::Fast::c));
    T* sg = delta_.species_data(std::size_t(detail::Fast::g));
    const auto [c1, c2] = detail::source_rates(R, detail::Fast::c);
    const auto [g1, g2] = detail::source_rates(R, detail::Fast::g);
    punctum::detail::parallel_blocks(threads_, std::ptrdiff_t(n),
                                     [&](std::ptrdiff_t i0, std::ptrdiff_t i1) {
#pragma omp simd
                                       for (std::ptrdiff_t i = i0; i < i1; ++i) {
                                         sc[i] = T(c1 * double(w[i]) + c2 * double(h[i]));
                                         sg[i] = T(g1 * double(h[i]) + g2 * double(c[i]));
                                       }
                                       return true;
                                     });
  }

  /// What the LOD solver's fill hook needs to compute a fast species' right-hand side planes.
  struct FastFill {
    Integrator* self;
    const Field<T>* u;    // the sources: w and h after the reactions, c after its own solve
    const Field<T>* own;  // the species itself
    double dt, film;
    detail::Fast fast;
    T* out;  // where the right-hand side goes and the increment is solved (increment())
  };
  static void fill_planes(const void* context, std::size_t k0, std::size_t k1) {
    const auto& f = *static_cast<const FastFill*>(context);
    detail::fast_rhs_planes(*f.u, *f.own, f.out, *f.self->model_, f.dt, f.film, f.fast, k0, k1,
                            /*old_source=*/f.self->lean());
  }
  /// Where a fast species' increment is solved: in a step out of place, the species' own array in
  /// the result u, which holds nothing else until the increment's addition (the reactions do not
  /// carry the species, or carry a copy of `from`'s that the fill overwrites, after the column's
  /// chemotaxis has read g there), so the addition is in place and the increment never makes a trip
  /// of its own to memory; in a step in place the delta array, since the fill of the next plane
  /// still reads the species' old values.
  T* increment(Field<T>& u, const Field<T>& from, detail::Fast fast) {
    if (&u != &from) return u.species_data(idx(detail::species_of(fast)));
    return delta_.species_data(std::size_t(fast));
  }
  /// The delta-form job of a fast species (`fill`'s, from its `own` field into u): its increment,
  /// added to the step's input values, becomes u's. c and g sweep their delta-form factor sets;
  /// the topical agent its own (set 3, with its clearance), with the Robin surface row while a
  /// film is on the skin (without one the surface is no-flux: the agent does not leave through it).
  detail::SweepJob<T> fast_job(const FastFill& fill, Field<T>& u) {
    const Species species = detail::species_of(fill.fast);
    const bool topical = fill.fast == detail::Fast::s;
    return {.data = fill.out,
            .set = topical ? diffusing_of(Species::s) : detail::delta_set(std::size_t(fill.fast)),
            .robin = surface_flux(species, fill.film),
            .fill = &fill_planes,
            .fill_context = &fill,
            .target = u.species_data(idx(species)),
            .base = fill.own->species_data(idx(species)),
            .add = &detail::add_increment_slab};
  }

  /// Reactions from `from` into `u`, then chemotaxis on u at outflow rate `rate` (1/s; found here
  /// and set if empty). In 3D the two run fused over planes (Chemotaxis::react_then_flux),
  /// without copying the fast species into u, and behind them the lateral sweeps of the leading
  /// `jobs` whose inputs are then final: c and s always, f (the last job) when its chemotaxis took
  /// one substep. Returns how many of the jobs it swept.
  /// A rate not yet known is not measured by a pass of its own: the first substep's flux finds it
  /// on the way. The substeps are guessed from the last rate found (at least one), and where the
  /// guess was wrong the chemotaxis is redone with the substeps the rate asks for, so the result
  /// never depends on the guess. A rate of zero moves nothing: one substep then leaves f as the
  /// reactions left it, to the bit, as none would.
  std::size_t react_and_chemotaxis(const Field<T>& from, Field<T>& u, double dt, double t,
                                   std::optional<double>& rate, const detail::SweepJob<T>* jobs,
                                   std::size_t njobs) {
    using Chemotaxis = detail::Chemotaxis<T>;
    if (model_->is_column()) {
      if (!rate) rate = chemotaxis_.max_rate(from);
      react_all(from, u, dt, t);
      stats_.chemotaxis_substeps += chemotaxis_.apply(u, dt, *rate);
      return 0;
    }
    const std::size_t tried = rate ? Chemotaxis::substeps(*rate, dt)
                                   : std::max<std::size_t>(1, Chemotaxis::substeps(last_rate_, dt));
    if (tried == 0) {
      react_all(from, u, dt, t);
      return 0;
    }
    // c and s (the jobs before f) right behind each plane's reactions, f (the last) behind its
    // flux. The reactions leave c, g and s unwritten in u, so a failure is located in the species
    // they did write. Chemotaxis climbs the input's g (the reactions do not copy it into u).
    const std::size_t f_job = njobs - 1;
    const T* g = from.species_data(idx(Species::g));
    const auto fused = chemotaxis_.react_then_flux(
        u, g, dt / double(tried),
        [&](std::size_t k0, std::size_t k1) {
          const bool fine = detail::react_planes(from, u, *model_, dt, k0, k1, chemotaxis_.old(),
                                                 /*carry_fast=*/false, lean());
          for (std::size_t k = k0; k < k1; ++k) diffusion_.lateral_plane(jobs, f_job, k);
          return fine;
        },
        [&](std::size_t k) {
          if (tried == 1) diffusion_.lateral_plane(jobs + f_job, 1, k);
        });
    if (!fused.ok) report_nonfinite(u, t, /*skip_fast=*/true);
    if (!rate) rate = fused.rate;
    last_rate_ = *rate;
    const std::size_t n = Chemotaxis::substeps(*rate, dt);
    stats_.chemotaxis_substeps += n;
    if (n == tried || (n == 0 && tried == 1)) {
      chemotaxis_.more_substeps(u, g, dt / double(tried), tried - 1);
      return tried == 1 ? njobs : f_job;
    }
    ++stats_.chemotaxis_redone;
    chemotaxis_.redo(u, g, dt, n);
    return f_job;
  }

  /// lod_lean: the kinetics extrapolated from step doubling, the coupling corrected after the
  /// step.
  bool lean() const { return opt_.scheme == Scheme::lod_lean; }

  /// Reactions from `from` into `u` (which then holds every species).
  void react_all(const Field<T>& from, Field<T>& u, double dt, double t) {
    const auto nz = u.grid().nz();
    if (model_->is_column()) {  // one SIMD loop down the column, a plane per lane
      if (!detail::react_column(from, u, column_, model_->rates(), dt, lean()))
        report_nonfinite(u, t);
      return;
    }
    // One call per thread, on its block of planes.
    const bool ok = punctum::detail::parallel_blocks(
        threads_, std::ptrdiff_t(nz), [&](std::ptrdiff_t k0, std::ptrdiff_t k1) {
          return detail::react_planes(from, u, *model_, dt, std::size_t(k0), std::size_t(k1),
                                      nullptr, true, lean());
        });
    if (!ok) report_nonfinite(u, t);
  }

  /// Throws NumericalError naming the first non-finite value of u (species, voxel, depth);
  /// `skip_fast`: u's c, g and s are not this step's (the fused reactions leave them unwritten).
  [[noreturn]] void report_nonfinite(const Field<T>& u, double t, bool skip_fast = false) const {
    const auto& G = u.grid();
    for (std::size_t q = 0; q < species_count; ++q) {
      const auto sp = Species(q);
      if (skip_fast && (sp == Species::c || sp == Species::g || sp == Species::s)) continue;
      for (std::size_t k = 0; k < G.nz(); ++k)
        for (std::size_t j = 0; j < G.ny(); ++j)
          for (std::size_t i = 0; i < G.nx(); ++i)
            if (!std::isfinite(double(u(q, i, j, k)))) {
              char msg[300];
              std::snprintf(msg, sizeof msg,
                            "healing field became non-finite at t = %.6g days: species %s = %g at "
                            "voxel (i, j, k) = (%zu, %zu, %zu), depth %.1f um",
                            in_days(t), std::string(to_string(Species(q))).c_str(),
                            double(u(q, i, j, k)), i, j, k, G.centre(2, k) * 1e6);
              throw NumericalError(msg);
            }
    }
    throw NumericalError("healing field became non-finite (location not found)");
  }

  const HealingModel* model_;
  IntegratorOptions opt_;
  int threads_;
  detail::LodDiffusion<T> diffusion_;
  detail::Chemotaxis<T> chemotaxis_;
  detail::ReactColumn column_;  // the depth column's kinetics parameters (empty otherwise)
  Field<T> big_, small_, delta_;
  bool big_s_zero_ = false, small_s_zero_ = false;  ///< s known to be zero in big_, small_
  double dt_ = 0.0;
  double last_rate_ = 0.0;  ///< the last chemotactic outflow rate found, 1/s: the next guess
  std::array<double, species_count> atol_{};  ///< absolute error tolerance per species
  IntegratorStats stats_;
};

}  // namespace punctum::healing
