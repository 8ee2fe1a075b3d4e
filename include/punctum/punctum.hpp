#pragma once
// Umbrella header: everything a punctum user needs.
#include "punctum/core.hpp"
#include "punctum/patient.hpp"
#include "punctum/skin.hpp"
