"""Species over 60 days after a single 1 mm puncture (cheek, female, 45 y): 3D patch and 1-D column.

Writes docs/figures/healing_single_puncture.png. Run from the repository root:

    python scripts/plot_single_puncture.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import punctum  # noqa: E402
from punctum.healing import SPECIES, single_puncture  # noqa: E402

SCALE = {"kg": (1e9, "µg"), "cells": (1.0, "cells"), "m^3": (1e12, "nL (signal × volume)")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/figures/healing_single_puncture.png")
    parser.add_argument("--days", type=float, default=60.0)
    args = parser.parse_args()

    skin = punctum.SkinModel.preset("cheek", sex="female", age=45)
    runs = {
        "3D patch 0.6 mm, 25 µm voxels": single_puncture(
            skin, depth_mm=1.0, days=args.days, fidelity="3d"
        ),
        "1-D column (same area)": single_puncture(
            skin, depth_mm=1.0, days=args.days, fidelity="column"
        ),
    }
    fig, axes = plt.subplots(2, 5, figsize=(17, 6.5), sharex=True)
    for ax, (name, (meaning, _unit)) in zip(axes.flat, SPECIES.items(), strict=True):
        for (label, ds), style in zip(runs.items(), ("-", "--"), strict=True):
            var = ds[f"{name}_excess"]
            factor, unit = SCALE[var.attrs["units"]]
            ax.plot(ds["time_days"], var * factor, style, label=label)
        ax.axhline(0.0, color="0.7", lw=0.8)
        ax.set_title(f"{name}: {meaning}", fontsize=9)
        ax.set_ylabel(f"change from baseline, {unit}", fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in axes[1]:
        ax.set_xlabel("days after puncture")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(
        "Single 1 mm puncture (radius 100 µm), cheek, female 45 y: "
        "volume integrals of each species' change from the unwounded baseline",
        fontsize=11,
    )
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
