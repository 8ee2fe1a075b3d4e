"""Sensitivity of the reference course's collagen gain at 6 months and redness downtime to the
model's uncertain parameters: Morris screening of all of them, then Sobol indices of the most
influential (scripts/sensitivity_study).

Uncertain parameters: every rate of data/healing/rates.csv not read in a source (tag other than
S), the bleeding multiplier ``blood`` (the blood weights of data/healing/wound.csv are [M]), and
the two constants of the erythema model (data/course/observables.csv: decay time [M], visibility
threshold [D, calibrated]). Each is multiplied by an uncertainty factor x, log-uniform on
[1/2, 2]; for the capacity factors (ceilings relative to the layer baseline) x scales the excess
over 1 instead, so that a ceiling never falls below the baseline.
"""

from __future__ import annotations

import copy
import functools
import math
from typing import Any

import numpy as np
import punctum
from scipy.optimize import brentq

from validation import model as m
from validation.report import figure_lines, md_row

FACTOR_RANGE = (0.5, 2.0)
HORIZON_DAY = m.REFERENCE.protocol.horizon_days
OUTPUTS = ("collagen_gain_6mo_percent", "downtime_mean_days")
#: erythema constants of data/course/observables.csv, varied by recomputing the closed-form
#: erythema (docs/course.md)
ERYTHEMA = ("erythema_decay_time_h", "erythema_threshold")


@functools.cache  # read in every model run; callers only read it
def uncertain_parameters() -> dict[str, dict[str, str]]:
    """name -> {value, unit, source, tag, table} for every parameter the study varies."""
    out = {}
    for row in m.table(m.DATA / "healing" / "rates.csv"):
        if row["tag"].strip() != "S":
            out[row["parameter"]] = {**row, "table": "data/healing/rates.csv"}
    wound = {r["parameter"]: r for r in m.table(m.DATA / "healing" / "wound.csv")}
    out["blood"] = {
        "value": "1",
        "unit": "1",
        "source": "multiplier on the blood a channel releases: "
        + wound["blood_capillary"]["source"]
        + "; "
        + wound["blood_plexus"]["source"],
        "tag": wound["blood_capillary"]["tag"],
        "table": "data/healing/wound.csv",
    }
    for row in m.table(m.DATA / "course" / "observables.csv"):
        if row["quantity"] in ERYTHEMA:
            out[row["quantity"]] = {**row, "table": "data/course/observables.csv"}
    return out


def is_capacity(name: str) -> bool:
    return name.endswith("_capacity_factor")


def rate_multiplier(name: str, x: float, nominal: float) -> float:
    """Multiplier on the rate for uncertainty factor x (on the excess over 1 for ceilings)."""
    if is_capacity(name):
        return (1.0 + (nominal - 1.0) * x) / nominal
    return x


def base_config() -> dict[str, Any]:
    """The reference course on the column, and a unit uncertainty factor per parameter."""
    course = punctum.reference_course().to_dict()
    course["run"]["fidelity"] = "column"
    return {"course": course, "factor": dict.fromkeys(uncertain_parameters(), 1.0)}


def continuous_downtime(result: punctum.CourseResult, tau_factor: float, threshold_factor: float):
    """Mean redness downtime (days) with the erythema decay time and threshold scaled.

    E(t) = sum_s a_s exp(-(t - t_s) / tau) (docs/course.md); the pulse amplitudes a_s come from
    the sessions' peak erythema (E just after each session) with the nominal tau, then the time E
    falls below the threshold is solved exactly (as the course does at the nominal constants).
    Redness still visible at the next session is left out (at 28-day spacing it never is; the
    course would count it on past that session)."""
    tau0 = m.table_value("course/observables.csv", "erythema_decay_time_h") / 24.0
    thr0 = m.table_value("course/observables.csv", "erythema_threshold")
    tau, thr = tau0 * tau_factor, thr0 * threshold_factor
    t_obs = result.observables["time_days"].values
    times = [float(t) for t in result.sessions["time_days"]]
    peaks = [float(p) for p in result.sessions["peak_erythema"]]
    amps: list[float] = []
    for s, ts in enumerate(times):
        e_at = peaks[s]
        tail = sum(a * math.exp(-(ts - tj) / tau0) for a, tj in zip(amps, times[:s], strict=True))
        amps.append(e_at - tail)

    def e(t: float) -> float:
        return sum(
            a * math.exp(-(t - tj) / tau) for a, tj in zip(amps, times, strict=True) if t >= tj
        )

    downs = []
    for s, ts in enumerate(times):
        end = times[s + 1] - 1e-9 if s + 1 < len(times) else float(t_obs[-1])
        if e(ts) < thr:
            downs.append(0.0)
        elif e(end) >= thr:
            continue  # still red at the next session: left out (see the docstring)
        else:
            downs.append(brentq(lambda t: e(t) - thr, ts, end, xtol=1e-9) - ts)
    return float(np.mean(downs)) if downs else float("nan")


def point(config: dict[str, Any]) -> dict[str, float]:
    """One model evaluation: the reference course with every uncertain parameter scaled."""
    factors = config["factor"]
    params = uncertain_parameters()
    course = copy.deepcopy(config["course"])
    course["run"]["rate_multipliers"] = {
        name: rate_multiplier(name, float(x), float(params[name]["value"]))
        for name, x in factors.items()
        if name not in ERYTHEMA
    }
    cfg = punctum.SimulationConfig.from_dict(course)
    # As punctum.course.course_point: the sweep's thread count unless the configuration sets one.
    result = punctum.simulate(**punctum.course._point_kwargs(cfg), progress=False)
    return {
        "collagen_gain_6mo_percent": result.value_at("collagen_change_percent", HORIZON_DAY),
        "downtime_mean_days": continuous_downtime(
            result,
            float(factors.get("erythema_decay_time_h", 1.0)),
            float(factors.get("erythema_threshold", 1.0)),
        ),
    }


def run(
    names: list[str],
    method: str,
    n: int,
    seed: int,
    client: Any = "serial",
    progress: bool = True,
):
    """punctum.sensitivity over the uncertainty factors of ``names`` (the others stay at 1)."""
    return punctum.sensitivity(
        base_config(),
        {f"factor.{name}": FACTOR_RANGE for name in names},
        func=point,
        outputs=list(OUTPUTS),
        method=method,
        n=n,
        seed=seed,
        client=client,
        progress=progress,
        log_scale=True,
    ).assign_coords(parameter=list(names))


def most_influential(morris, per_output: dict[str, int]) -> list[str]:
    """Union of the top ``k`` parameters by Morris mu* for each output, in order of appearance."""
    chosen: list[str] = []
    for output, k in per_output.items():
        ranked = morris["mu_star"].sel(output=output).to_series().sort_values(ascending=False)
        for name in ranked.index[:k]:
            if name not in chosen:
                chosen.append(str(name))
    return chosen


def ranking(morris) -> list[tuple[str, float]]:
    """Parameters by their larger normalised mu* over the outputs (1 = most influential)."""
    mu = morris["mu_star"]
    norm = mu / mu.max("parameter")
    score = norm.max("output").to_series().sort_values(ascending=False)
    return [(str(k), float(v)) for k, v in score.items()]


# ----------------------------------------------------------------------------------------------
# The study and its report (scripts/sensitivity_study)


def fmt(v: float, conf: float | None = None) -> str:
    def one(x: float) -> str:
        if x == 0:
            return "0"
        return f"{x:.2e}" if abs(x) < 1e-3 else f"{x:.3f}"

    return one(v) if conf is None else f"{one(v)} ± {one(conf)}"


def unit_text(info: dict[str, str]) -> str:
    return "" if info["unit"] in ("1", "") else f" {info['unit']}"


def nominal_text(info: dict[str, str]) -> str:
    return f"{info['value']}{unit_text(info)}"


def range_text(name: str, info: dict[str, str]) -> str:
    v = float(info["value"])
    if is_capacity(name):
        lo, hi = 1 + (v - 1) * FACTOR_RANGE[0], 1 + (v - 1) * FACTOR_RANGE[1]
        return f"{lo:.3g}–{hi:.3g} (excess over 1 ×½–×2)"
    return f"{v * FACTOR_RANGE[0]:.3g}–{v * FACTOR_RANGE[1]:.3g}{unit_text(info)}"


def _val(ds, field: str, output: str, name: str) -> float:
    return float(ds[field].sel(output=output, parameter=name))


def _pm(ds, field: str, output: str, name: str) -> str:
    return fmt(_val(ds, field, output, name), _val(ds, f"{field}_conf", output, name))


def reading(morris, sobol, nominal) -> list[str]:
    """What the numbers say, generated from them so that the text follows a regeneration."""
    c_out, d_out = OUTPUTS
    mu_c = morris["mu_star"].sel(output=c_out).to_series().sort_values(ascending=False)
    mu_d = morris["mu_star"].sel(output=d_out).to_series().sort_values(ascending=False)
    healing_d = mu_d.drop([n for n in ERYTHEMA if n in mu_d.index])
    st_c = sobol["ST"].sel(output=c_out).to_series().sort_values(ascending=False)
    s1_c = float(sobol["S1"].sel(output=c_out).sum())
    top4 = ", ".join(f"`{n}` ({v:.1f} %)" for n, v in mu_c.head(4).items())
    zero = [str(n) for n, v in mu_c.items() if v == 0.0 and mu_d[n] == 0.0]
    lines = [
        f"- **Collagen gain** (nominal {nominal[c_out]:+.2f} %) moves by more than its own size "
        f"over the ranges: the largest μ* are {top4}. All four are [M] or [D] numbers that set "
        "how much matrix a recruited fibroblast lays down and where it stops (ceiling, growth-"
        "factor half-saturation and per-inflammation release).",
        f"- Sobol: `{st_c.index[0]}` has the largest total index for collagen "
        f"(ST {st_c.iloc[0]:.2f}); the first-order indices add up to {s1_c:.2f}, so "
        f"{max(0.0, 1 - s1_c):.0%} of the variance among the screened parameters is interaction "
        "(the synthesis rate matters less when the ceiling is low, and so on).",
        f"- **Downtime** (nominal {nominal[d_out]:.2f} d) depends on the erythema constants "
        f"alone: μ* {mu_d.iloc[0]:.2f} d for `{mu_d.index[0]}` and {mu_d.iloc[1]:.2f} d for "
        f"`{mu_d.index[1]}`, against at most {healing_d.iloc[0]:.3f} d for any healing rate "
        f"(`{healing_d.index[0]}`). This is by construction: redness is a pulse driven by the "
        "fresh papillary injury, which the mechanics sets; healing rates reach it only through "
        "the damage left over from the previous session, and no patient factor reaches it "
        "(validation case CLI-14). Its uncertainty is that of the two erythema constants.",
    ]
    if zero:
        lines.append(
            f"- No effect on either output (μ* = 0): {', '.join(f'`{n}`' for n in zero)}. As "
            "they must: there is no serum on the reference course, and elastin and pigment are "
            "outcomes that feed back on nothing (a check that the multipliers reach only their "
            "own terms)."
        )
    lines.append(
        "- Caveats: column fidelity (the lateral average; it overstates the gain against the 3D "
        "patch, docs/course.md); one course; mechanics constants, wound-source weights other "
        "than blood, and skin-layer values are not varied (no multiplier reaches them)."
    )
    return lines


def write_report(path, morris, sobol, chosen, nominal, header_lines, figures) -> None:
    params = uncertain_parameters()
    rank = ranking(morris)
    c_out, d_out = OUTPUTS
    chosen_text = ", ".join(f"`{c}`" for c in chosen)
    lines = [
        "# Sensitivity study",
        "",
        "<!-- Generated by scripts/sensitivity_study; do not edit by hand. -->",
        "",
        *header_lines,
        "",
        "## Question",
        "",
        "How much do the model's uncertain parameters move its two headline predictions for the",
        "reference course (cheek, 45-year-old woman, pen 12 needles at 1.0 mm, 100 Hz, 20 mm/s",
        "glide, 4 sessions 28 days apart; column fidelity)?",
        "",
        f"- **collagen gain at 6 months** (`collagen_change_percent` at day 182): nominal "
        f"{nominal[c_out]:+.2f} %;",
        f"- **redness downtime** (mean over the 4 sessions): nominal {nominal[d_out]:.3f} d. It is "
        "solved exactly from the closed-form erythema pulse (`scripts/validation/"
        "sensitivity.py`); the course's own downtime interpolates the threshold crossing "
        "between outputs log-linearly, which is exact for this pulse and agrees (tested).",
        "",
        "## What it says",
        "",
        *reading(morris, sobol, nominal),
        "",
        "## Method",
        "",
        f"**Parameters** ({len(params)}): every rate in `data/healing/rates.csv` whose tag is "
        "not S (recalled [M], derived or calibrated [D]); the bleeding multiplier `blood` (the "
        "blood weights of `data/healing/wound.csv` are [M]); and the erythema model's decay time "
        "[M] and visibility threshold [D, calibrated] (`data/course/observables.csv`). Rates "
        "tagged S stay fixed. Healing rates are scaled through `simulate(rate_multipliers=...)`; "
        "the erythema constants by recomputing the closed-form pulse "
        "E(t) = Σ a_s exp(−(t − t_s)/τ).",
        "",
        "**Range.** Each parameter is multiplied by an uncertainty factor x, **log-uniform on "
        "[½, 2]** (`punctum.sensitivity(..., log_scale=True)`). Why a factor of two: the [M] "
        "values are recalled or estimated to about that (their sources quote ranges such as "
        "'1-2 weeks', 't½ ~8 h', 'hours to a day'), and a common range makes the ranking one of "
        "the model's structure rather than of unequal guesses. For the diffusivities the "
        "literature spans more (1e-9 to 1e-7 cm²/s for growth factors: ×30), so their influence "
        "is understated here. For the capacity factors (logistic ceilings relative to the layer "
        "baseline) x scales the excess over 1, so that no ceiling falls below the baseline.",
        "",
        f"**Morris screening** of all {len(params)}: {morris.attrs['n']} trajectories, 4 levels, "
        f"{morris.attrs['n_runs']} runs, seed {morris.attrs['seed']}. μ* is the mean absolute "
        "elementary effect in output units per full range (x from ½ to 2), with its 95 % "
        "bootstrap half-width; σ large against μ* means non-linear or interacting.",
        "",
        f"**Sobol indices** of the {len(chosen)} most influential (top 4 for collagen and top 2 "
        f"for downtime by μ*: {chosen_text}), the others at nominal: Saltelli sampling with "
        f"{sobol.attrs['n']} base samples, {sobol.attrs['n_runs']} runs, seed "
        f"{sobol.attrs['seed']}; first-order S1 and total ST with 95 % bootstrap half-widths.",
        "",
        "## The ten most influential parameters",
        "",
        "Ranked by the larger of the two normalised μ* (μ* / the largest μ* of that output).",
        "",
        "| rank | parameter | nominal | range (×½–×2) | tag | source | μ* collagen (%) | σ | "
        "μ* downtime (d) | σ |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, (name, _) in enumerate(rank[:10], 1):
        info = params[name]
        row = (
            i,
            f"`{name}` ({info['table']})",
            nominal_text(info),
            range_text(name, info),
            info["tag"],
            info["source"],
            _pm(morris, "mu_star", c_out, name),
            fmt(_val(morris, "sigma", c_out, name)),
            _pm(morris, "mu_star", d_out, name),
            fmt(_val(morris, "sigma", d_out, name)),
        )
        lines.append(md_row(row))
    lines += ["", "## Sobol indices", ""]
    for out in OUTPUTS:
        lines += [f"**{out}**", "", "| parameter | S1 | ST |", "|---|---|---|"]
        st = sobol["ST"].sel(output=out).to_series().sort_values(ascending=False)
        for name in st.index:
            lines.append(
                f"| `{name}` | {_pm(sobol, 'S1', out, name)} | {_pm(sobol, 'ST', out, name)} |"
            )
        s1sum = float(sobol["S1"].sel(output=out).sum())
        lines += [
            "",
            f"Sum of S1: {s1sum:.2f} (1 − ΣS1: the share of variance in interactions).",
            "",
        ]
    lines += [
        "## Every parameter (Morris)",
        "",
        "| parameter | tag | μ* collagen (%) | σ collagen | μ* downtime (d) | σ downtime |",
        "|---|---|---|---|---|---|",
    ]
    for name, _ in rank:
        row = (
            f"`{name}`",
            params[name]["tag"],
            _pm(morris, "mu_star", c_out, name),
            fmt(_val(morris, "sigma", c_out, name)),
            _pm(morris, "mu_star", d_out, name),
            fmt(_val(morris, "sigma", d_out, name)),
        )
        lines.append(md_row(row))
    lines += ["", "## Figures", "", *figure_lines(figures)]
    lines += [
        "## Regenerate",
        "",
        "```bash",
        "scripts/sensitivity_study    # this page, its figures, build/sensitivity/*.nc",
        "```",
        "",
    ]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import shlex
    import sys
    import time

    from validation.cli import git_commit

    p = argparse.ArgumentParser(
        prog="scripts/sensitivity_study",
        description="Morris, then Sobol, sensitivity of collagen gain and downtime.",
    )
    p.add_argument("--trajectories", type=int, default=20, help="Morris trajectories (default 20)")
    p.add_argument("--sobol-n", type=int, default=512, help="Saltelli base samples (power of 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="Dask workers (0: serial, default)")
    p.add_argument(
        "--out", default=str(m.ROOT / "build" / "sensitivity"), help="raw results (netCDF)"
    )
    p.add_argument(
        "--docs", default=str(m.ROOT / "docs"), help="where sensitivity.md and figures go"
    )
    p.add_argument("--only", nargs="+", metavar="NAME", help="vary only these parameters (tests)")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    warning = m.stale_install_warning()
    if warning:
        print(f"sensitivity_study: warning: {warning}", file=sys.stderr)

    git_commit()  # the checkout as it was before this run rewrote its figures
    t0 = time.perf_counter()
    names = args.only or list(uncertain_parameters())
    unknown = sorted(set(names) - set(uncertain_parameters()))
    if unknown:
        print(f"unknown parameters: {', '.join(unknown)}", file=sys.stderr)
        return 2
    client: Any = "serial"
    owned = None
    if args.workers > 0:
        from punctum.sweep import _OwnedClient

        scripts = str(m.ROOT / "scripts")  # workers import validation.sensitivity by name
        os.environ["PYTHONPATH"] = os.pathsep.join(
            x for x in (scripts, os.environ.get("PYTHONPATH", "")) if x
        )
        # One cluster for the Morris and the Sobol runs, shut down at the end (an error ends the
        # process, and distributed's exit hook the cluster).
        owned = _OwnedClient(args.workers)
        client = owned.client

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    morris = run(names, "morris", args.trajectories, args.seed, client, not args.quiet)
    morris.to_netcdf(os.path.join(out, "morris.nc"))
    k_collagen, k_downtime = (4, 2) if len(names) > 6 else (min(2, len(names)), 1)
    chosen = most_influential(morris, {OUTPUTS[0]: k_collagen, OUTPUTS[1]: k_downtime})
    sobol = run(chosen, "sobol", args.sobol_n, args.seed, client, not args.quiet)
    sobol.to_netcdf(os.path.join(out, "sobol.nc"))
    nominal = point(base_config())

    docs = os.path.abspath(args.docs)
    os.makedirs(os.path.join(docs, "figures"), exist_ok=True)
    top = [n for n, _ in ranking(morris)[:15]]
    punctum.plot_sensitivity(
        morris.sel(parameter=top),
        os.path.join(docs, "figures", "sensitivity_morris.png"),
        units=dict(zip(OUTPUTS, ("%", "d"), strict=True)),
    )
    punctum.plot_sensitivity(sobol, os.path.join(docs, "figures", "sensitivity_sobol.png"))
    figures = [
        (
            "sensitivity_morris.png",
            "Morris mu* (bars, 95 % whiskers) of the 15 most influential parameters for each "
            "output, per full range of the uncertainty factor (x from 1/2 to 2).",
        ),
        (
            "sensitivity_sobol.png",
            "Sobol total (ST, blue, 95 % whiskers) and first-order (S1, orange) indices of the "
            "parameters chosen by the screening.",
        ),
    ]
    wall = time.perf_counter() - t0
    argv_used = argv if argv is not None else sys.argv[1:]
    header = [
        f"- punctum {punctum.__version__}, commit {git_commit()}",
        "- command: `"
        + " ".join(["scripts/sensitivity_study", *map(shlex.quote, argv_used)])
        + "`",
        f"- seed {args.seed} (SALib sampling and bootstrap; the course seed is 0); "
        f"{morris.attrs['n_runs'] + sobol.attrs['n_runs']} model runs, "
        f"{'serial' if args.workers == 0 else f'{args.workers} Dask workers'}, "
        f"wall time {wall / 60:.1f} min",
        f"- raw results: `{os.path.relpath(out, m.ROOT)}/morris.nc`, `sobol.nc` (not committed)",
    ]
    path = os.path.join(docs, "sensitivity.md")
    from pathlib import Path

    write_report(Path(path), morris, sobol, chosen, nominal, header, figures)
    if owned is not None:
        owned.close()
    if not args.quiet:
        print(f"wrote {path} in {wall:.0f} s")
    return 0
