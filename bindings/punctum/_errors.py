"""Python-side input checks, worded like the C++ core's InvalidParameter: the parameter, its
value, the allowed range and the unit, as a ``punctum.ParameterError`` (a ``ValueError``) that
also carries them as attributes."""

from __future__ import annotations

import math
from typing import Any

from punctum import _core


def parameter_error(parameter: str, value: Any, allowed: str, unit: str = "") -> ValueError:
    shown = repr(value)
    text = f"{parameter} = {shown}"
    if unit and unit != "1":
        text += f" {unit}"
    text += f" is invalid: allowed {allowed}"
    if unit and unit != "1":
        text += f" (unit: {unit})"
    err = _core.ParameterError(text)
    err.parameter, err.value, err.allowed, err.unit = parameter, shown, allowed, unit
    return err


def require_in_range(parameter: str, value: Any, lo: float, hi: float, unit: str) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and lo <= value <= hi):
        raise parameter_error(parameter, value, f"[{lo:g}, {hi:g}]", unit)
