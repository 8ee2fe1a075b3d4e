#pragma once
// io: HDF5 result files (H5Writer/H5Reader), XDMF sidecars for ParaView, checkpoint/restart.
#include "punctum/io/checkpoint.hpp"
#include "punctum/io/h5.hpp"
#include "punctum/io/table.hpp"
#include "punctum/io/xdmf.hpp"
