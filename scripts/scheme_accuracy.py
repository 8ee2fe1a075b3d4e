"""The reference course under the three time schemes at several tolerances, against Richardson at
rtol 1e-5: collagen gain, elastin, downtime and closure with their errors, and the wall time.
The table of docs/course.md ("Integrator") comes from

    python3 scripts/scheme_accuracy.py --fidelity 3d
    python3 scripts/scheme_accuracy.py --fidelity column

(3D: about 5 minutes on one thread, most of it the reference).
"""

import argparse
import time

import punctum

RUNS = [
    ("richardson", 1e-5),
    ("lean", None),  # the course default: the fidelity's rtol (5e-4 in 3D, 2e-3 in the column)
    ("lean", 3e-3),
    ("lean", 1e-3),
    ("lean", 1e-4),
    ("richardson", 3e-3),
    ("richardson", 5e-4),
    ("euler", 3e-3),
    ("euler", 5e-4),
    ("euler", 1e-4),
    ("euler", 1e-5),
]
KEYS = [
    "collagen_gain_percent",
    "elastin_change_percent",
    "downtime_days_mean",
    "closure_time_h_mean",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fidelity", choices=["3d", "column"], default="column")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    reference = None  # the first run, Richardson at 1e-5
    for scheme, rtol in RUNS:
        start = time.perf_counter()
        result = punctum.simulate(
            scheme=scheme, rtol=rtol, fidelity=args.fidelity, threads=args.threads, progress=False
        )
        seconds = time.perf_counter() - start
        rtol = result.config.run["rtol"]  # what ran: a default resolved by simulate()
        values = result.summary_values()
        if reference is None:
            reference = values
        cells = " ".join(f"{k}={values[k]:.4f} ({values[k] - reference[k]:+.3g})" for k in KEYS)
        print(
            f"{args.fidelity} {scheme:10s} rtol {rtol:7.0e} {seconds:6.1f} s  {cells}", flush=True
        )


if __name__ == "__main__":
    main()
