from __future__ import annotations

import os
from pathlib import Path

# Dask workers run in other processes: they find tests/python/sweep_points.py through PYTHONPATH.
_here = str(Path(__file__).parent)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in [_here, os.environ.get("PYTHONPATH", "")] if p
)
