#pragma once
#include "punctum/core/error.hpp"
#include "punctum/core/field.hpp"
#include "punctum/core/grid.hpp"
#include "punctum/core/rng.hpp"
#include "punctum/core/units.hpp"
#include "punctum/core/version.hpp"
