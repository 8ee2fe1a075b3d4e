"""Plots (matplotlib, PNG) for punctum's labelled results.

Every function takes an xarray object, labels axes with the ``units`` attribute of each variable
and coordinate, returns the matplotlib Figure and, given ``path``, writes a PNG and closes it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import xarray as xr


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _label(obj: xr.DataArray | xr.Variable, name: str) -> str:
    units = obj.attrs.get("units", "")
    long = obj.attrs.get("long_name", name)
    return f"{long} ({units})" if units and units != "1" else long


def _finish(fig, path: str | os.PathLike | None):
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        _plt().close(fig)
    return fig


def plot_sweep(
    ds: xr.Dataset, var: str, path: str | os.PathLike | None = None, *, x: str | None = None
):
    """A sweep outcome over its parameters: a line for one swept dimension, a heatmap for two,
    a row of heatmaps for three (the third dimension across panels)."""
    plt = _plt()
    da = ds[var]
    if "status" in ds:  # failed points show as gaps, never as zeros
        da = da.where(ds["status"] == "ok")
    dims = [d for d in da.dims if d in ds.coords or d in ds.dims]
    if not dims or len(dims) > 3:
        raise ValueError(f"plot_sweep needs 1-3 swept dimensions; {var!r} has {da.dims}")
    if len(dims) == 1:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(ds[dims[0]].values, da.values, marker="o")
        ax.set_xlabel(_label(ds[dims[0]], dims[0]))
        ax.set_ylabel(_label(ds[var], var))
        return _finish(fig, path)
    xdim = x or dims[-1]
    ydim = next(d for d in dims if d != xdim)
    panels = [d for d in dims if d not in (xdim, ydim)]
    pdim = panels[0] if panels else None
    n = ds.sizes[pdim] if pdim else 1
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n + 1, 3.6), squeeze=False)
    vmin, vmax = float(da.min()), float(da.max())
    for k, ax in enumerate(axes[0]):
        sub = da.isel({pdim: k}) if pdim else da
        sub = sub.transpose(ydim, xdim)
        mesh = ax.pcolormesh(
            range(ds.sizes[xdim]),
            range(ds.sizes[ydim]),
            sub.values,
            vmin=vmin,
            vmax=vmax,
            shading="nearest",
            cmap="viridis",
        )
        ax.set_xticks(range(ds.sizes[xdim]), [f"{v:g}" for v in ds[xdim].values])
        ax.set_yticks(range(ds.sizes[ydim]), [f"{v:g}" for v in ds[ydim].values])
        ax.set_xlabel(_label(ds[xdim], xdim))
        ax.set_ylabel(_label(ds[ydim], ydim))
        if pdim:
            ax.set_title(f"{pdim} = {ds[pdim].values[k]:g}")
    fig.colorbar(mesh, ax=axes[0].tolist(), label=_label(ds[var], var))
    if path is not None:
        # The colorbar steals layout from tight_layout; let the saved bounds fit the labels.
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
    return fig


def plot_timeseries(
    ds: xr.Dataset,
    variables: Sequence[str],
    path: str | os.PathLike | None = None,
    *,
    time: str = "time_days",
    events: Sequence[float] = (),
    title: str | None = None,
):
    """Outcomes over time, one panel per variable, with vertical lines at ``events`` (e.g.
    session times, in the unit of ``time``)."""
    plt = _plt()
    fig, axes = plt.subplots(
        len(variables), 1, figsize=(7, 2.4 * len(variables)), sharex=True, squeeze=False
    )
    for ax, var in zip(axes[:, 0], variables, strict=True):
        ax.plot(ds[time].values, ds[var].values, lw=1.6)
        for t in events:
            ax.axvline(t, color="0.6", lw=0.8, ls="--")
        ax.set_ylabel(_label(ds[var], var))
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel(_label(ds[time], time))
    if title:
        axes[0, 0].set_title(title)
    return _finish(fig, path)


def plot_depth_profile(
    profiles: xr.Dataset,
    path: str | os.PathLike | None = None,
    *,
    layer_tops_um: dict[str, float] | None = None,
):
    """Collagen against depth before and after a course (``CourseResult.profiles``), with the
    layer boundaries drawn when ``layer_tops_um`` (layer -> top depth, um) is given."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 5.5))
    depth = profiles["depth_um"].values
    ax.plot(profiles["collagen_baseline"].values, depth, label="baseline", color="0.5")
    ax.plot(profiles["collagen_final"].values, depth, label="after the course", color="#c44e52")
    for name, top in (layer_tops_um or {}).items():
        ax.axhline(top, color="0.8", lw=0.8)
        ax.text(
            ax.get_xlim()[1],
            top,
            f" {name.replace('_', ' ')}",
            va="bottom",
            ha="right",
            fontsize=7,
            color="0.4",
        )
    ax.invert_yaxis()
    ax.set_xlabel(_label(profiles["collagen_final"], "collagen I + III"))
    ax.set_ylabel(_label(profiles["depth_um"], "depth"))
    ax.legend(loc="lower left")
    return _finish(fig, path)


def plot_profile_change(
    profiles: xr.Dataset,
    path: str | os.PathLike | None = None,
    *,
    var: str = "collagen_change_percent",
):
    """Where and when collagen changed: a map of ``var`` (default the change of collagen I + III
    against each plane's baseline, ``CourseResult.profiles``) over time and depth, red for new
    collagen and blue for loss, on a colour scale symmetric about zero."""
    import numpy as np

    plt = _plt()
    da = profiles[var].transpose("depth_um", "time_days")
    values = da.values
    finite = values[np.isfinite(values)]
    limit = float(np.max(np.abs(finite))) if finite.size else 1.0
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    mesh = ax.pcolormesh(
        da["time_days"].values,
        da["depth_um"].values,
        values,
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        shading="nearest",
    )
    ax.invert_yaxis()
    ax.set_xlabel(_label(da["time_days"], "time"))
    ax.set_ylabel(_label(da["depth_um"], "depth"))
    fig.colorbar(mesh, ax=ax, label=_label(da, var))
    return _finish(fig, path)
