"""Healing field: the reaction-diffusion model of wound healing and collagen deposition.

The kinetics, numerics and every number's source are described in ``docs/healing.md``; the
solver is the C++ core (``punctum::healing``). This module offers the single-puncture run::

    import punctum
    skin = punctum.SkinModel.preset("cheek", sex="female", age=45)
    ds = punctum.healing.single_puncture(skin, depth_mm=1.0, days=60, fidelity="3d")
    ds["rho3_excess"].plot()      # collagen III gained over baseline, kg
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from punctum import _core
from punctum._errors import parameter_error
from punctum.patient import Patient

_MEANINGS = {
    "w": "tissue damage",
    "h": "extravasated blood / platelet load",
    "c": "inflammatory signal",
    "g": "growth factor (TGF-beta/PDGF)",
    "f": "fibroblast density",
    "rho3": "collagen III",
    "rho1": "collagen I",
    "e": "elastin",
    "p": "melanogenic activation",
    "s": "topical agent",
}
#: species name -> (meaning, SI unit of the stored field), in the core's storage order (names
#: and units from the C++ core, so the columns of its arrays line up by construction)
SPECIES = {name: (_MEANINGS[name], unit) for name, unit in _core.healing_species()}

_INTEGRAL_UNITS = {"1": "m^3", "cells/m^3": "cells", "kg/m^3": "kg"}

FIDELITIES = ("3d", "column")


def rate_names() -> list[str]:
    """Healing rates (data/healing/rates.csv, plus ``blood``) that
    ``simulate(rate_multipliers=...)`` and ``run.rate_multipliers`` in a configuration can scale."""
    return list(_core.healing_rate_names())


def single_puncture(
    skin: _core.SkinModel | None = None,
    *,
    depth_mm: float = 1.0,
    days: float = 60.0,
    fidelity: str = "3d",
    patient: Patient | None = None,
    radius_um: float = 100.0,
    tip_length_mm: float = 0.0,
    width_mm: float = 0.6,
    voxel_um: float = 25.0,
    threads: int = 0,
    scheme: str = "richardson",
    rtol: float = 1e-3,
    uv_exposure: bool = False,
    progress: Callable[[float], bool] | None = None,
) -> xr.Dataset:
    """Heal one needle channel of ``depth_mm`` and ``radius_um`` over ``days``.

    ``fidelity`` is ``"3d"`` (a periodic patch ``width_mm`` wide, voxels of ``voxel_um``) or
    ``"column"`` (the laterally averaged depth column: one puncture per ``width_mm``^2).
    ``scheme`` is the adaptive integrator that holds the local error per step to ``rtol``:
    ``"richardson"`` (step doubling, second order, every slow species' error controlled; the
    default here, and what the figure in docs/healing.md uses), ``"lean"`` (in place at 1.5x the
    field's memory, second-order kinetics: the course's default) or ``"euler"`` (in place, first
    order). Their accuracy against each other: docs/healing.md, "Schemes and adaptivity".
    ``progress(t_days)`` is called after every step; returning False stops the run early.

    Returns an ``xarray.Dataset`` over ``time_days`` with, for every species ``s``:
    ``s_excess`` (volume integral of the change from the unwounded baseline), ``s_total`` (volume
    integral) and ``s_max`` (largest voxel value), each with a ``units`` attribute.
    """
    if fidelity not in FIDELITIES:
        raise parameter_error("fidelity", fidelity, "one of " + ", ".join(FIDELITIES))
    skin = skin if skin is not None else _core.SkinModel.preset("cheek", "female", 45.0)
    patient = patient if patient is not None else Patient(age_years=skin.age_years, sex=skin.sex)
    raw = _core.healing_single_puncture(
        skin,
        patient._to_core(),
        depth_mm=depth_mm,
        radius_um=radius_um,
        tip_length_mm=tip_length_mm,
        days=days,
        fidelity=fidelity,
        width_mm=width_mm,
        voxel_um=voxel_um,
        threads=threads,
        scheme=scheme,
        rtol=rtol,
        uv_exposure=uv_exposure,
        progress=progress,
    )
    time = np.asarray(raw["time_days"])
    data = {}
    for q, (name, (meaning, unit)) in enumerate(SPECIES.items()):
        integral = _INTEGRAL_UNITS[unit]
        data[f"{name}_excess"] = (
            "time_days",
            np.asarray(raw["excess"])[:, q],
            {"units": integral, "long_name": f"{meaning}: change from baseline, volume integral"},
        )
        data[f"{name}_total"] = (
            "time_days",
            np.asarray(raw["total"])[:, q],
            {"units": integral, "long_name": f"{meaning}: volume integral"},
        )
        data[f"{name}_max"] = (
            "time_days",
            np.asarray(raw["maximum"])[:, q],
            {"units": unit, "long_name": f"{meaning}: largest voxel value"},
        )
    return xr.Dataset(
        data,
        coords={"time_days": ("time_days", time, {"units": "days"})},
        attrs={
            "fidelity": fidelity,
            "grid_shape_xyz": tuple(raw["shape"]),
            "voxel_volume_m3": raw["voxel_volume_m3"],
            "depth_mm": depth_mm,
            "radius_um": radius_um,
            "site": skin.site,
            "scheme": scheme,
            "rtol": rtol,
            "steps_accepted": raw["steps_accepted"],
            "steps_rejected": raw["steps_rejected"],
        },
    )


__all__ = ["FIDELITIES", "SPECIES", "single_puncture"]
