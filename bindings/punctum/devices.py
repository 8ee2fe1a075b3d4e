"""Devices: roller, pen and stamp sessions as puncture maps.

``device.treat(skin, area_cm2=..., passes=..., seed=...)`` returns a :class:`TreatmentResult` with
the punctures as a pandas DataFrame (units in the column names), the map statistics as a dict, and
:meth:`TreatmentResult.plot_punctures` for a PNG. Results are identical for any thread count.

Example::

    import punctum
    skin = punctum.SkinModel.preset("cheek", sex="female", age=45)
    roller = punctum.Roller(preset=192, needle_length_mm=1.5, hand_force_N=10)
    result = roller.treat(skin, area_cm2=20, passes=4, seed=1)
    result.statistics["density_per_cm2"], result.punctures.head()
    result.plot_punctures("roller.png")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from punctum import _core
from punctum._errors import parameter_error, require_in_range

__all__ = ["Pen", "Roller", "Stamp", "TreatmentResult", "plot_punctures"]

_LAYERS = [
    "stratum_corneum",
    "viable_epidermis",
    "papillary_dermis",
    "reticular_dermis",
    "hypodermis",
]


def _dataframe(raw: _core.PunctureMap) -> pd.DataFrame:
    cols = raw.columns()
    codes = cols.pop("deepest_layer_code")
    df = pd.DataFrame(cols)
    df.insert(
        df.columns.get_loc("vessels"),
        "deepest_layer",
        pd.Categorical.from_codes(codes, categories=_LAYERS),
    )
    v = df["vessels"].to_numpy()
    df["capillary_loops"] = (v & 1) != 0
    df["superficial_plexus"] = (v & 2) != 0
    df["deep_plexus"] = (v & 4) != 0
    return df


@dataclass
class TreatmentResult:
    """Punctures of one session (DataFrame, units in column names) and their statistics."""

    punctures: pd.DataFrame
    statistics: dict[str, Any]
    device: str
    area_cm2: float
    extent_mm: float
    shape: str
    seed: int
    attrs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _from_core(cls, raw: _core.PunctureMap) -> TreatmentResult:
        return cls(
            punctures=_dataframe(raw),
            statistics=dict(raw.statistics),
            device=raw.device,
            area_cm2=raw.area_cm2,
            extent_mm=raw.extent_mm,
            shape=raw.shape,
            seed=raw.seed,
        )

    def plot_punctures(self, path: str | Path | None = None, **kwargs: Any) -> Path | None:
        """Map of the punctures coloured by depth; writes a PNG when ``path`` is given."""
        return plot_punctures(self, path, **kwargs)

    def __repr__(self) -> str:
        s = self.statistics
        return (
            f"<TreatmentResult {self.device}: {s['punctures']} punctures "
            f"on {self.area_cm2:g} cm^2, "
            f"{s['density_per_cm2']:.1f}/cm^2, mean depth {s['mean_depth_mm']:.3f} mm, "
            f"{s['treatment_time_min']:.1f} min>"
        )


def plot_punctures(
    result: TreatmentResult,
    path: str | Path | None = None,
    *,
    window_mm: float | None = None,
    ax=None,
) -> Path | None:
    """Scatter of puncture positions (mm) coloured by depth (mm), tears drawn as segments.

    ``window_mm`` zooms onto a square of that size at the lower-left corner, useful for dense maps.
    """
    import matplotlib

    if ax is None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    df = result.punctures
    if window_mm is not None:
        df = df[(df["x_mm"] < window_mm) & (df["y_mm"] < window_mm)]
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(6.4, 6.0), dpi=120)
    else:
        fig = ax.figure
    hit = df[df["punctured"]]
    miss = df[~df["punctured"]]
    tears = hit[hit["tear_length_mm"] > 0]
    if len(tears):
        half = 0.5 * tears["tear_length_mm"].to_numpy()
        x, y = tears["x_mm"].to_numpy(), tears["y_mm"].to_numpy()
        dx, dy = tears["tear_dir_x"].to_numpy() * half, tears["tear_dir_y"].to_numpy() * half
        segs = np.stack([np.stack([x - dx, y - dy], 1), np.stack([x + dx, y + dy], 1)], 1)
        ax.add_collection(LineCollection(segs, colors="0.5", linewidths=0.6))
    size = 4.0 if len(df) < 20000 else 0.5
    sc = ax.scatter(
        hit["x_mm"], hit["y_mm"], c=hit["depth_mm"], s=size, cmap="viridis", linewidths=0
    )
    if len(miss):
        ax.scatter(
            miss["x_mm"],
            miss["y_mm"],
            s=size,
            marker="x",
            c="red",
            linewidths=0.5,
            label="not punctured",
        )
        ax.legend(loc="upper right", fontsize=8)
    if len(hit):
        fig.colorbar(sc, ax=ax, label="depth reached (mm)")
    s = result.statistics
    ax.set_title(
        f"{result.device}\n{s['density_per_cm2']:.0f}/cm$^2$, CV {s['density_cv']:.2f}, "
        f"{s['treatment_time_min']:.1f} min",
        fontsize=8,
    )
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    ax.set_aspect("equal")
    extent = window_mm if window_mm is not None else result.extent_mm
    ax.set_xlim(0, extent)
    ax.set_ylim(0, extent)
    if path is None:
        return None
    out = Path(path)
    fig.savefig(out)
    if own:
        plt.close(fig)
    return out


class _Device:
    _core_type: type

    def __init__(self, **kwargs: Any) -> None:
        self._core = self._core_type(**kwargs)
        self._kwargs = kwargs

    def treat(
        self,
        skin,
        *,
        area_cm2: float,
        passes: int = 1,
        seed: int = 0,
        shape: str = "square",
        directions_deg: list[float] | None = None,
        session_index: int = 0,
        cell_size_mm: float = 1.0,
    ) -> TreatmentResult:
        """Treat ``area_cm2`` of ``skin`` in ``passes``; returns a :class:`TreatmentResult`."""
        raw = self._core.treat(
            skin,
            area_cm2=area_cm2,
            passes=passes,
            shape=shape,
            directions_deg=directions_deg,
            seed=seed,
            session_index=session_index,
            cell_size_mm=cell_size_mm,
        )
        result = TreatmentResult._from_core(raw)
        result.attrs.update(device_parameters=dict(self._kwargs), passes=passes, seed=seed)
        return result

    @property
    def needle(self) -> _core.Needle:
        return self._core.needle

    def __getattr__(self, name: str) -> Any:
        if name == "_core":
            raise AttributeError(name)
        return getattr(self._core, name)

    def __repr__(self) -> str:
        return repr(self._core)


class Roller(_Device):
    """Drum roller.

    ``Roller(preset=192, needle_length_mm=1.5, hand_force_N=10, hand_speed_mm_s=20)``;
    presets 192 (Dermaroller MF8), 540, 600, 1200; any drum or needle field can be overridden."""

    _core_type = _core.Roller


class Pen(_Device):
    """Microneedling pen.

    ``Pen(needles=12, depth_mm=1.0, frequency_Hz=100, hand_speed_mm_s=10)``;
    cartridges of 9, 12, 16, 24, 36, 42 needles; 50-150 Hz; depth 0.25-2.5 mm.
    ``density_per_cm2=300`` instead of ``hand_speed_mm_s`` glides at the speed that gives that
    many punctures per cm^2 per pass (density = N f / (v w), w the cartridge's active width)."""

    _core_type = _core.Pen

    def __init__(self, *, density_per_cm2: float | None = None, **kwargs: Any) -> None:
        if density_per_cm2 is not None:
            if "hand_speed_mm_s" in kwargs:
                raise parameter_error(
                    "density_per_cm2",
                    density_per_cm2,
                    "either density_per_cm2 or hand_speed_mm_s, not both",
                    "/cm^2",
                )
            require_in_range("density_per_cm2", density_per_cm2, 1.0, 1e5, "/cm^2")
            probe = _core.Pen(**{**kwargs, "hand_speed_mm_s": 10.0})
            kwargs["hand_speed_mm_s"] = 10.0 * probe.density_per_cm2_per_pass / density_per_cm2
        super().__init__(**kwargs)
        if density_per_cm2 is not None:
            self._kwargs = {
                **{k: v for k, v in kwargs.items() if k != "hand_speed_mm_s"},
                "density_per_cm2": density_per_cm2,
            }


class Stamp(_Device):
    """Needle stamp.

    ``Stamp(rows=6, columns=6, spacing_mm=1, needle_length_mm=1.5, hand_force_N=20)``.
    """

    _core_type = _core.Stamp
