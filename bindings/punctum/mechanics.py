"""Needle mechanics: geometry and single-needle insertion into layered skin.

Units are in the names: ``length_mm``, ``speed_m_s``, ``force_N``. The model (tenting, puncture by
an energy criterion, penetration under force and travel limits) and its constants are described in
``docs/mechanics.md``.

Example::

    import punctum
    skin = punctum.SkinModel.preset("cheek", sex="female", age=45)
    needle = punctum.Needle(length_mm=1.5, shaft_diameter_mm=0.25, tip_radius_um=4)
    r = punctum.insert(needle, skin, speed_m_s=0.01, force_N=0.3)
    r.depth_reached_mm, r.deepest_layer, r.vessels
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from punctum._core import InsertionResult, Needle, insert

__all__ = ["InsertionResult", "Needle", "insert", "insertion_table"]


def insertion_table(
    needle: Needle,
    skin,
    *,
    speeds_m_s: Iterable[float] = (0.001,),
    forces_N: Iterable[float | None] = (None,),
    travels_mm: Iterable[float | None] = (None,),
) -> pd.DataFrame:
    """Insert over every combination of speed, force and travel; one row per insertion."""
    rows = []
    for v in speeds_m_s:
        for f in forces_N:
            for t in travels_mm:
                r = insert(needle, skin, speed_m_s=v, force_N=f, travel_mm=t).to_dict()
                r.update(speed_m_s=v, force_N=f, travel_mm=t)
                r["vessels"] = ",".join(r["vessels"])
                r["channel_radius_surface_um"] = r.pop("channel_radius_um")[0]
                rows.append(r)
    return pd.DataFrame(rows)
