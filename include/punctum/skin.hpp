#pragma once
#include "punctum/skin/layer.hpp"
#include "punctum/skin/skin_model.hpp"
