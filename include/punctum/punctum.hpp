#pragma once
// Umbrella header: everything a punctum user needs.
#include "punctum/core.hpp"
#include "punctum/course.hpp"
#include "punctum/devices.hpp"
#include "punctum/healing.hpp"
#include "punctum/io.hpp"
#include "punctum/mechanics.hpp"
#include "punctum/patient.hpp"
#include "punctum/skin.hpp"
