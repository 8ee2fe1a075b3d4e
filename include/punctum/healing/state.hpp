#pragma once
// HealingState: the field of all species on the model's grid, the time, the topical film on the
// surface, and whether an event (a wound) just changed the field so the integrator must restart
// its time step small.

#include <cstddef>
#include <string>

#include "punctum/core/error.hpp"
#include "punctum/core/field.hpp"
#include "punctum/healing/model.hpp"

namespace punctum::healing {

template <class T = double>
struct HealingState {
  Field<T> field;                ///< species_count species, units unit_of(Species)
  double time = 0.0;             ///< s since the state was made
  double topical_surface = 0.0;  ///< agent concentration in the surface film, kg/m^3 (0: none)
  bool event_pending = true;     ///< set by events; the integrator restarts at dt_initial
};

/// Physical memory of this machine, bytes (0 if unknown).
std::size_t physical_memory_bytes();

/// Throws ResourceError (with the estimate) if `bytes` exceeds `limit` (0: 80 % of physical
/// memory).
void require_memory(std::size_t bytes, std::size_t limit, const std::string& what);

/// The unwounded state: every species at its plane's baseline (an exact fixed point of the
/// kinetics).
template <class T = double>
HealingState<T> make_state(const HealingModel& model, std::size_t memory_limit_bytes = 0) {
  const auto& g = model.grid();
  require_memory(Field<T>::stride_for(g) * species_count * sizeof(T), memory_limit_bytes,
                 "healing state");
  HealingState<T> st{Field<T>(g, species_count, T(0)), 0.0, 0.0, true};
  for (std::size_t k = 0; k < g.nz(); ++k)
    for (Species s : all_species) {
      const T v = T(model.baseline(s, k));
      if (v == T(0)) continue;
      for (std::size_t j = 0; j < g.ny(); ++j)
        for (auto& x : st.field.line(idx(s), j, k)) x = v;
    }
  return st;
}

}  // namespace punctum::healing
