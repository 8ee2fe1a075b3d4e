"""Python-side input checks. Their errors are built by the C++ core's InvalidParameter (bound as
``_core.parameter_error``), so they read exactly like the core's own: the parameter, its value,
the allowed range and the unit, as a ``punctum.ParameterError`` (a ``ValueError``) that also
carries them as attributes."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sized
from typing import Any

from punctum import _core

#: The core's bound on a thread count (CourseOptions::validate).
MAX_THREADS = 1024


def is_number(value: Any) -> bool:
    """A real number (Python's or numpy's), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def parameter_error(parameter: str, value: Any, allowed: str, unit: str = "") -> ValueError:
    return _core.parameter_error(parameter, repr(value), allowed, unit)


def require_in_range(parameter: str, value: Any, lo: float, hi: float, unit: str) -> None:
    if not (is_number(value) and math.isfinite(value) and lo <= value <= hi):
        raise parameter_error(parameter, value, f"[{lo:g}, {hi:g}]", unit)


def require_int(
    parameter: str, value: Any, lo: int, hi: int, unit: str = "", allowed: str | None = None
) -> int:
    """``value`` as an ``int`` in [lo, hi]. An integral float (3.0, as TOML or numpy may give) is
    that integer; a bool, a string, a fraction or NaN is refused with "an integer in [lo, hi]",
    an integer outside the range with the range alone (as :func:`require_in_range` words it).
    ``allowed`` replaces both texts."""
    if not is_number(value):
        number = None
    elif isinstance(value, numbers.Integral):
        number = int(value)
    else:
        number = int(value) if float(value).is_integer() else None
    if number is None:
        raise parameter_error(parameter, value, allowed or f"an integer in [{lo}, {hi}]", unit)
    if not lo <= number <= hi:
        raise parameter_error(parameter, value, allowed or f"[{lo}, {hi}]", unit)
    return number


def require_per_session(parameter: str, values: Sized, sessions: int, single: str) -> None:
    """A list with one entry per session of the protocol: ``sessions`` of them. ``single`` is
    what the parameter takes instead of a list ("one device")."""
    if len(values) != sessions:
        raise _core.parameter_error(
            parameter,
            f"a list of {len(values)}",
            f"{single}, or a list of {sessions} (one per session)",
            "",
        )
