from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from punctum.plots import plot_sweep, plot_timeseries


def _png_ok(path):
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def test_sweep_plots_for_one_two_and_three_dimensions(tmp_path):
    a, b, c = [0.5, 1.0, 1.5], [14, 28], [1, 2]
    val = np.arange(12.0).reshape(3, 2, 2)
    ds = xr.Dataset(
        {
            "gain": (("a", "b", "c"), val, {"units": "%"}),
            "status": (("a", "b", "c"), np.full((3, 2, 2), "ok")),
        },
        coords={"a": ("a", a, {"units": "mm"}), "b": b, "c": c},
    )
    plot_sweep(ds.isel(b=0, c=0), "gain", tmp_path / "line.png")
    plot_sweep(ds.isel(c=0), "gain", tmp_path / "heat.png")
    plot_sweep(ds, "gain", tmp_path / "panels.png")
    for name in ["line.png", "heat.png", "panels.png"]:
        assert _png_ok(tmp_path / name)


def test_sweep_plot_refuses_zero_dimensions():
    with pytest.raises(ValueError, match="1-3 swept dimensions"):
        plot_sweep(xr.Dataset({"x": ((), 1.0)}), "x")


def test_depth_profile_plot(tmp_path):
    from punctum.plots import plot_depth_profile

    z = np.linspace(0, 1000, 50)
    prof = xr.Dataset(
        {
            "collagen_baseline": ("depth_um", np.full(50, 150.0), {"units": "kg/m^3"}),
            "collagen_final": ("depth_um", np.full(50, 160.0), {"units": "kg/m^3"}),
        },
        coords={"depth_um": ("depth_um", z, {"units": "um"})},
    )
    fig = plot_depth_profile(prof, tmp_path / "d.png", layer_tops_um={"papillary_dermis": 65.0})
    assert _png_ok(tmp_path / "d.png")
    assert fig.axes[0].yaxis_inverted()


def test_profile_change_map_is_symmetric_about_zero(tmp_path):
    from punctum.plots import plot_profile_change

    t, z = np.linspace(0, 180, 40), np.linspace(0, 1000, 50)
    change = np.outer(np.tanh(t / 30), np.exp(-z / 400)) * 6.0
    change[:, :3] = np.nan  # the epidermis: no baseline collagen
    prof = xr.Dataset(
        {"collagen_change_percent": (("time_days", "depth_um"), change, {"units": "%"})},
        coords={
            "time_days": ("time_days", t, {"units": "d"}),
            "depth_um": ("depth_um", z, {"units": "um"}),
        },
    )
    fig = plot_profile_change(prof, tmp_path / "map.png")
    assert _png_ok(tmp_path / "map.png")
    ax = fig.axes[0]
    assert ax.yaxis_inverted()
    lo, hi = ax.collections[0].get_clim()
    assert lo == -hi == pytest.approx(-np.nanmax(change))


def test_timeseries_plot(tmp_path):
    t = np.linspace(0, 100, 50)
    ds = xr.Dataset(
        {"collagen": ("time_days", np.tanh(t / 30), {"units": "%"})},
        coords={"time_days": ("time_days", t, {"units": "d"})},
    )
    fig = plot_timeseries(ds, ["collagen"], tmp_path / "ts.png", events=[0, 28, 56])
    assert _png_ok(tmp_path / "ts.png")
    assert "collagen (%)" in fig.axes[0].get_ylabel()
