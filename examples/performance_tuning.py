"""A performance tuner's run: build the Google Benchmark kernels, run them, print the table.

Each binary reports domain rates as counters (insertions/s, Mvs/s = million voxel-species updates
per second, the fraction of the memory-bandwidth bound measured in the same binary, simulated
days per second). Results are written as JSON per binary so runs can be compared across commits.

    python examples/performance_tuning.py [--build-dir build/cpp] [--filter REGEX] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(build_dir: Path) -> None:
    subprocess.run(
        [
            "cmake",
            "-S",
            str(ROOT),
            "-B",
            str(build_dir),
            "-G",
            "Ninja",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DPUNCTUM_BUILD_BENCHMARKS=ON",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        ["cmake", "--build", str(build_dir), "-j", str(os.cpu_count() or 1)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=str(ROOT / "build" / "cpp"))
    parser.add_argument("--filter", default=".", help="benchmark name regex")
    parser.add_argument("--quick", action="store_true", help="short runs; skip the 3D course")
    parser.add_argument("--out", default="punctum-output/benchmarks")
    args = parser.parse_args()
    build_dir = Path(args.build_dir)
    build(build_dir)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus\n")
    rows = []
    for binary in sorted((build_dir / "benchmarks").glob("bench_*")):
        if not os.access(binary, os.X_OK) or binary.suffix:
            continue
        filt = args.filter
        if args.quick and binary.name == "bench_course":
            filt = "Column"
        json_path = out / f"{binary.name}.json"
        subprocess.run(
            [
                str(binary),
                f"--benchmark_filter={filt}",
                f"--benchmark_min_time={0.05 if args.quick else 0.5}",
                f"--benchmark_out={json_path}",
                "--benchmark_out_format=json",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for b in json.loads(json_path.read_text())["benchmarks"]:
            counters = {
                k: v
                for k, v in b.items()
                if k
                not in {
                    "name",
                    "family_index",
                    "per_family_instance_index",
                    "run_name",
                    "run_type",
                    "repetitions",
                    "repetition_index",
                    "threads",
                    "iterations",
                    "real_time",
                    "cpu_time",
                    "time_unit",
                    "aggregate_name",
                    "aggregate_unit",
                    "label",
                }
            }
            rows.append(
                (binary.name, b["name"], f"{b['real_time']:.4g} {b['time_unit']}", counters)
            )
    width = max(len(r[1]) for r in rows) if rows else 10
    for _binary, name, time_, counters in rows:
        shown = "  ".join(f"{k}={v:.4g}" for k, v in counters.items())
        print(f"{name:<{width}}  {time_:>12}  {shown}")
    print(f"\nJSON per binary in {out}/")


if __name__ == "__main__":
    main()
