"""The Python face of the healing field: a single puncture in both fidelities."""

from __future__ import annotations

import numpy as np
import punctum
import pytest


@pytest.fixture(scope="module")
def skin():
    return punctum.SkinModel.preset("cheek", sex="female", age=45)


def test_single_puncture_column_has_the_literature_phases(skin):
    ds = punctum.healing.single_puncture(skin, depth_mm=1.0, days=60, fidelity="column")
    t = ds["time_days"].values
    assert ds["rho3_excess"].attrs["units"] == "kg"
    assert ds["f_excess"].attrs["units"] == "cells"
    t_c = t[np.argmax(ds["c_excess"].values)]
    t_f = t[np.argmax(ds["f_excess"].values)]
    t_3 = t[np.argmax(ds["rho3_excess"].values)]
    assert 1.0 <= t_c <= 3.0  # inflammation peaks on day 1-3
    assert 3.0 <= t_f <= 21.0  # proliferative window
    assert t_3 > t_f  # collagen III follows the fibroblasts
    assert ds["rho1_excess"].values[-1] > ds["rho1_excess"].values[0]  # III -> I remodelling
    assert ds["h_excess"].values[0] > 0  # the 1 mm channel crossed vessels


def test_column_and_3d_agree_on_collagen_within_the_documented_error(skin):
    # healing.md documents 1 % for collagen III at day 21 (25 um voxels, ColumnTracksThe3D-
    # LateralAverage); this coarser, faster 30 um run is held to 25 % (the table's worst f or rho
    # figure, f's at day 60), a loose bound.
    col = punctum.healing.single_puncture(skin, days=21, fidelity="column")
    p3d = punctum.healing.single_puncture(skin, days=21, fidelity="3d", voxel_um=30)
    a, b = float(col["rho3_excess"][-1]), float(p3d["rho3_excess"][-1])
    assert abs(a - b) / abs(b) < 0.25


def test_progress_callback_can_stop_the_run(skin):
    seen = []

    def progress(t_days: float) -> bool:
        seen.append(t_days)
        return t_days < 5.0

    ds = punctum.healing.single_puncture(skin, days=60, fidelity="column", progress=progress)
    assert 5.0 <= ds["time_days"].values[-1] < 60.0
    assert seen


def test_every_scheme_converges_to_the_same_healing(skin):
    # The three adaptive schemes solve the same equations: at rtol 1e-4 lean and Richardson lie
    # ~1e-3 from the converged 1 mm column puncture, euler (first order) ~3e-2 (docs/healing.md,
    # LeanSchemeMatchesRichardsonsAccuracyInEulersMemory). Day 21's collagen III, fibroblast and
    # signal excesses: lean within 1 % of Richardson, euler further from it than lean.
    runs = {
        scheme: punctum.healing.single_puncture(
            skin, days=21, fidelity="column", scheme=scheme, rtol=1e-4
        )
        for scheme in ("richardson", "lean", "euler")
    }
    ref = runs["richardson"]
    for name in ("rho3_excess", "f_excess", "g_excess"):
        gap = {s: abs(float(r[name][-1]) / float(ref[name][-1]) - 1) for s, r in runs.items()}
        assert gap["lean"] < 0.01, (name, gap)
        assert gap["lean"] < gap["euler"], (name, gap)
    for scheme, r in runs.items():
        assert float(r["time_days"][-1]) == pytest.approx(21.0)
        assert (r.attrs["scheme"], r.attrs["rtol"]) == (scheme, 1e-4)  # recorded with the run


def test_bad_input_names_the_parameter(skin):
    with pytest.raises(punctum.ParameterError, match="scheme"):
        punctum.healing.single_puncture(skin, scheme="rk4")
    with pytest.raises(punctum.ParameterError, match="fidelity"):
        punctum.healing.single_puncture(skin, fidelity="2d")
    with pytest.raises(punctum.ParameterError, match="wound.depth"):
        punctum.healing.single_puncture(skin, depth_mm=-1.0)
    with pytest.raises(ValueError, match="voxel"):
        punctum.healing.single_puncture(skin, voxel_um=0.0)
