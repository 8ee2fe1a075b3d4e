"""Python-side input checks. Their errors are built by the C++ core's InvalidParameter (bound as
``_core.parameter_error``), so they read exactly like the core's own: the parameter, its value,
the allowed range and the unit, as a ``punctum.ParameterError`` (a ``ValueError``) that also
carries them as attributes."""

from __future__ import annotations

import math
from typing import Any

from punctum import _core


def parameter_error(parameter: str, value: Any, allowed: str, unit: str = "") -> ValueError:
    return _core.parameter_error(parameter, repr(value), allowed, unit)


def require_in_range(parameter: str, value: Any, lo: float, hi: float, unit: str) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and lo <= value <= hi):
        raise parameter_error(parameter, value, f"[{lo:g}, {hi:g}]", unit)
