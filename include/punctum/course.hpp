#pragma once
#include "punctum/course/conditions.hpp"
#include "punctum/course/course.hpp"
#include "punctum/course/protocol.hpp"
#include "punctum/course/wound_sources.hpp"
