#pragma once
// Healing: the reaction-diffusion field of wound healing and collagen deposition (docs/healing.md).
#include "punctum/healing/integrator.hpp"
#include "punctum/healing/model.hpp"
#include "punctum/healing/observables.hpp"
#include "punctum/healing/single_puncture.hpp"
#include "punctum/healing/state.hpp"
#include "punctum/healing/wound.hpp"
