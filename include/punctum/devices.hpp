#pragma once
// Devices: roller, pen and stamp kinematics, sessions, puncture maps and their statistics.
#include "punctum/devices/device.hpp"
#include "punctum/devices/puncture.hpp"
