#pragma once
#include "punctum/patient/patient.hpp"
