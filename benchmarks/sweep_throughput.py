#!/usr/bin/env python3
"""Sweep throughput on the embedded Dask cluster.

1. Points per second of an N-point column sweep of the reference course (goal: 10 000 points in
   <= 1 minute on 2 cores, i.e. >= 167 points/s).
2. Dask overhead for points of ~1 s: wall time x workers / sum of the points' own times - 1
   (goal <= 10 %), with a point function that computes for a fixed wall time.

    python benchmarks/sweep_throughput.py [--points 1000] [--slow-points 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time

import numpy as np
import punctum
from punctum.course import course_point


def busy_point(config):
    """Computes (not sleeps) for config['seconds'] of wall time: a stand-in for a 3D course."""
    t_end = time.perf_counter() + config["seconds"]
    x = 0.0
    while time.perf_counter() < t_end:
        x += float(np.sum(np.sqrt(np.arange(1000.0))))
    return {"x": x}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--slow-points", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    report = {
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "punctum": punctum.__version__,
    }
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, dashboard_address=None, silence_logs=40
        ) as cluster,
        Client(cluster) as client,
    ):
        base = punctum.reference_course().to_dict()
        base["run"]["fidelity"] = "column"
        depths = np.linspace(0.25, 2.5, args.points).round(6).tolist()
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            ds = punctum.sweep(
                base,
                {"device.depth_mm": depths},
                func=course_point,
                client=client,
                resume=os.path.join(tmp, "a"),
                progress=False,
            )
            wall = time.perf_counter() - t0
        own = float(ds["seconds"].sum())
        report["column_sweep"] = {
            "points": args.points,
            "wall_s": wall,
            "points_per_s": args.points / wall,
            "mean_point_s": own / args.points,
            "failed": int(ds.attrs["n_failed"]),
            "projected_10000_points_s": 10000 / (args.points / wall),
        }
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            ds = punctum.sweep(
                {"seconds": 1.0, "i": 0},
                {"i": list(range(args.slow_points))},
                func=busy_point,
                client=client,
                resume=os.path.join(tmp, "b"),
                chunk_size=1,
                progress=False,
            )
            wall = time.perf_counter() - t0
        own = float(ds["seconds"].sum())
        report["dask_overhead_1s_points"] = {
            "points": args.slow_points,
            "wall_s": wall,
            "sum_point_s": own,
            "overhead_fraction": wall * args.workers / own - 1.0,
        }
    for name, values in report.items():
        print(f"{name}: {values}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
