"""Point functions for the sweep tests. They live in an importable module (not in a test file)
because Dask workers in other processes import them by name."""

from __future__ import annotations

import time

import numpy as np
import punctum


def skin_point(config):
    """A real punctum quantity: dermis thickness and collagen of a preset at an age."""
    skin = punctum.SkinModel.preset(
        config["skin"]["site"], sex="female", age=config["patient"]["age"]
    )
    return {
        "dermis_um": skin.dermis_um,
        "reticular_collagen_I_mg_cm3": skin.layer("reticular_dermis").collagen_I_mg_cm3,
    }


def series_point(config):
    """A time series whose shape is known: exponential decay with the swept rate."""
    t = np.linspace(0.0, 10.0, 6)
    return {"final": float(np.exp(-config["rate"] * 10.0)), "curve": np.exp(-config["rate"] * t)}


def failing_point(config):
    if config["x"] == 3:
        raise ValueError("x = 3 is the point this test breaks on purpose")
    return {"y": config["x"] ** 2}


def slow_point(config):
    time.sleep(config.get("sleep_s", 0.05))
    return {"y": 2.0 * config["x"]}


def ishigami(config):
    """Ishigami function (a=7, b=0.1) on [-pi, pi]^3: Sobol indices known in closed form."""
    x1, x2, x3 = config["x1"], config["x2"], config["x3"]
    return {"y": np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)}


def linear(config):
    return {"y": 10.0 * config["a"] + 1.0 * config["b"] + 0.0 * config["c"]}


def log_linear(config):
    """y = 10 ln(a) + b: linear in ln(a), so Morris on a log scale is exact for a."""
    return {"y": 10.0 * np.log(config["a"]) + config["b"]}


def quarter_disc(config):
    """Maximise x + y on the unit quarter disc: optimum at (1/sqrt 2, 1/sqrt 2), value sqrt 2."""
    x, y = config["x"], config["y"]
    return {"sum": x + y, "radius2": x * x + y * y}


def threads_point(config):
    """The OpenMP threads the sweep gives this point."""
    return {"threads": punctum.sweep_point_threads()}
