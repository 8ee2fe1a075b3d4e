#pragma once
// Needle mechanics: geometry, single-needle insertion into layered skin, arrays.
#include "punctum/mechanics/array.hpp"
#include "punctum/mechanics/insertion.hpp"
#include "punctum/mechanics/needle.hpp"
