"""Sensitivity analysis (SALib: Morris screening, Sobol indices) and protocol optimisation, both
running their model evaluations through :func:`punctum.sweep`'s engine, so they scale the same way
from a laptop to a cluster."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from punctum._errors import parameter_error
from punctum.sweep import Design, PointFunction, get_dotted, run_points

_METHODS = ("morris", "sobol")


def _problem(
    parameters: Mapping[str, Sequence[float]], log_scale: Sequence[str] = ()
) -> dict[str, Any]:
    """SALib problem; parameters named in ``log_scale`` get bounds (ln low, ln high)."""
    if not parameters:
        raise parameter_error("parameters", dict(parameters), "at least one (low, high) range")
    bounds = []
    for name, rng in parameters.items():
        rng = list(rng)
        if len(rng) != 2 or not float(rng[0]) < float(rng[1]):
            raise parameter_error(f"parameters[{name!r}]", rng, "a (low, high) pair, low < high")
        lo, hi = float(rng[0]), float(rng[1])
        if name in log_scale:
            if lo <= 0.0:
                raise parameter_error(f"parameters[{name!r}]", rng, "low > 0 on a log scale")
            lo, hi = float(np.log(lo)), float(np.log(hi))
        bounds.append([lo, hi])
    return {"num_vars": len(parameters), "names": list(parameters), "bounds": bounds}


def _log_names(parameters: Mapping[str, Sequence[float]], log_scale: bool | Sequence[str]) -> list:
    if log_scale is True:
        return list(parameters)
    if log_scale is False:
        return []
    unknown = [n for n in log_scale if n not in parameters]
    if unknown:
        raise parameter_error("log_scale", unknown, "names of the parameters")
    return list(log_scale)


def _scalar(variable: Mapping[str, Any]) -> float:
    """A scalar outcome from a stored Dataset.to_dict() variable."""
    return float(np.asarray(variable["data"]))


def _outputs(records: Mapping[int, Mapping[str, Any]], n: int, outputs: Sequence[str]) -> dict:
    y = {o: np.full(n, np.nan) for o in outputs}
    for i in range(n):
        r = records[i]
        if r["status"] != "ok":
            raise RuntimeError(f"model evaluation {i} failed ({r['params']}): {r['error']}")
        dv = r["result"]["data_vars"]  # the point's Dataset as stored (to_dict), read directly
        for o in outputs:
            if o not in dv:
                raise parameter_error(
                    "outputs", o, "outcomes the point function returns: " + ", ".join(dv)
                )
            y[o][i] = _scalar(dv[o])
    return y


def sensitivity(
    base: Any,
    parameters: Mapping[str, Sequence[float]],
    *,
    func: PointFunction,
    outputs: Sequence[str],
    method: str = "morris",
    n: int = 64,
    seed: int = 0,
    client: Any = None,
    resume: str | os.PathLike | None = None,
    progress: bool = True,
    log_scale: bool | Sequence[str] = False,
    **run_options: Any,
) -> xr.Dataset:
    """Global sensitivity of scalar ``outputs`` to the uncertain ``parameters`` (dotted name ->
    (low, high)).

    ``method="morris"``: elementary-effects screening, ``n`` trajectories (n·(k+1) runs);
    returns ``mu_star`` (mean |elementary effect|, output units per full parameter range),
    its 95 % confidence half-width ``mu_star_conf``, and ``sigma`` (non-linearity/interaction).

    ``method="sobol"``: Saltelli sampling with ``n`` base samples (n·(k+2) runs); returns
    first-order ``S1``, total ``ST`` and their 95 % confidence half-widths.

    ``log_scale``: True, or the names of parameters sampled uniformly in ln(value) between low and
    high (multipliers, rate constants known to a factor); their ``mu_star`` is then per full
    log range. The model always receives the values themselves.

    The result has dimensions ``(output, parameter)``; ``plot_sensitivity`` draws bars.
    """
    if method not in _METHODS:
        raise parameter_error("method", method, "one of " + ", ".join(_METHODS))
    if n < 2:
        raise parameter_error("n", n, ">= 2", "samples")
    logs = _log_names(parameters, log_scale)
    problem = _problem(parameters, logs)
    for name in problem["names"]:
        get_dotted(base, name)
    if method == "morris":
        from SALib.analyze import morris as analyze
        from SALib.sample import morris as sample

        x = sample.sample(problem, n, num_levels=4, seed=seed)
    else:
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample

        x = sample.sample(problem, n, calc_second_order=False, seed=seed)

    values = x.copy()
    for k, name in enumerate(problem["names"]):
        if name in logs:
            values[:, k] = np.exp(values[:, k])
    design = Design.from_matrix(method, problem["names"], values, dict(parameters))
    records = run_points(
        func, base, design, client=client, resume=resume, progress=progress, **run_options
    )
    y = _outputs(records, len(design.values), outputs)

    names = problem["names"]
    if method == "morris":
        fields = ("mu_star", "mu_star_conf", "sigma")
        res = {
            o: analyze.analyze(problem, x, y[o], conf_level=0.95, num_levels=4, seed=seed)
            for o in outputs
        }
    else:
        fields = ("S1", "S1_conf", "ST", "ST_conf")
        res = {
            # SALib's Sobol analysis reads seed 0 as "unseeded" (`if seed:`) and would draw its
            # bootstrap from the global state; a generator seeded with `seed` is always used.
            o: analyze.analyze(
                problem,
                y[o],
                calc_second_order=False,
                conf_level=0.95,
                seed=np.random.default_rng(seed),
            )
            for o in outputs
        }
    data = {
        f: (("output", "parameter"), np.array([np.asarray(res[o][f], float) for o in outputs]))
        for f in fields
    }
    ds = xr.Dataset(data, coords={"output": list(outputs), "parameter": names})
    ds.attrs.update(
        method=method, n=n, seed=seed, n_runs=len(design.values), log_scale=",".join(logs)
    )
    return ds


def plot_sensitivity(
    result: xr.Dataset,
    path: str | os.PathLike | None = None,
    units: Mapping[str, str] | None = None,
):
    """Horizontal bars per output, most influential first, with 95 % confidence whiskers.

    ``units`` maps an output to its unit, shown on Morris axes (mu* is in output units per full
    parameter range; Sobol indices are dimensionless)."""
    from punctum.plots import _finish, _plt

    plt = _plt()
    key, conf = ("mu_star", "mu_star_conf") if "mu_star" in result else ("ST", "ST_conf")
    outputs = list(result["output"].values)
    fig, axes = plt.subplots(
        1,
        len(outputs),
        figsize=(4.5 * len(outputs), 0.45 * result.sizes["parameter"] + 1.5),
        squeeze=False,
    )
    for ax, out in zip(axes[0], outputs, strict=True):
        v = result[key].sel(output=out).to_series().sort_values()
        c = result[conf].sel(output=out).to_series()[v.index]
        ax.barh(list(v.index), v.values, xerr=c.values, color="#4c72b0")
        if key == "ST":
            s1 = result["S1"].sel(output=out).to_series()[v.index]
            ax.barh(list(v.index), s1.values, color="#dd8452", alpha=0.8, label="S1")
            ax.legend(["ST", "S1"], loc="lower right")
        ax.set_title(out)
        unit = (units or {}).get(out)
        ax.set_xlabel(f"{key} ({unit} per range)" if unit and key == "mu_star" else key)
    return _finish(fig, path)


def optimize(
    base: Any,
    parameters: Mapping[str, Sequence[float]],
    *,
    func: PointFunction,
    objective: str,
    maximize: bool = True,
    constraints: Mapping[str, tuple[str, float]] | None = None,
    integer: Sequence[str] = (),
    seed: int = 0,
    maxiter: int = 30,
    popsize: int = 10,
    client: Any = "serial",
    progress: bool = False,
) -> dict[str, Any]:
    """Best parameters for ``objective`` under outcome ``constraints``.

    ``constraints`` maps an outcome name to ``("<=", limit)`` or ``(">=", limit)``, e.g.
    ``{"downtime_days_max": ("<=", 2.0)}``. Differential evolution (scipy) over the ``parameters``
    box; each generation's population is evaluated through the sweep engine (``client`` as in
    :func:`punctum.sweep`). Parameters named in ``integer`` are rounded (e.g. session counts).
    Returns the best parameters, its outcomes, and the number of evaluations.
    """
    from scipy.optimize import NonlinearConstraint, differential_evolution

    problem = _problem(parameters)
    names = problem["names"]
    for name in names:
        get_dotted(base, name)
    constraints = dict(constraints or {})
    for out, (op, _limit) in constraints.items():
        if op not in ("<=", ">="):
            raise parameter_error(f"constraints[{out!r}]", op, "'<=' or '>='")
    wanted = [objective, *constraints]
    cache: dict[tuple, dict[str, float]] = {}

    def evaluate(matrix: np.ndarray) -> list[dict[str, float]]:
        rows = [tuple(float(v) for v in row) for row in np.atleast_2d(matrix)]
        new = [r for r in dict.fromkeys(rows) if r not in cache]
        if new:
            design = Design.from_matrix("optimize", names, np.array(new), dict(parameters))
            for name in names:
                if name in integer:
                    for v in design.values:
                        v[name] = int(round(v[name]))
            recs = run_points(func, base, design, client=client, progress=progress)
            for i, r in enumerate(new):
                rec = recs[i]
                if rec["status"] != "ok":
                    cache[r] = {w: np.nan for w in wanted}
                    continue
                dv = rec["result"]["data_vars"]
                cache[r] = {w: _scalar(dv[w]) for w in wanted}
        return [cache[r] for r in rows]

    sign = -1.0 if maximize else 1.0

    def f(x: np.ndarray) -> np.ndarray:
        vals = np.array([o[objective] for o in evaluate(x.T if x.ndim == 2 else x)])
        vals = np.where(np.isfinite(vals), sign * vals, np.inf)
        return vals if x.ndim == 2 else vals[0]

    nlcs = []
    for out, (op, limit) in constraints.items():

        def g(x: np.ndarray, out: str = out) -> np.ndarray:
            v = np.array([o[out] for o in evaluate(x.T if x.ndim == 2 else x)])
            return v.reshape(1, -1) if x.ndim == 2 else v[0]  # (constraints, population)

        lo, hi = (-np.inf, limit) if op == "<=" else (limit, np.inf)
        nlcs.append(NonlinearConstraint(g, lo, hi))

    res = differential_evolution(
        f,
        problem["bounds"],
        constraints=nlcs,
        seed=seed,
        maxiter=maxiter,
        popsize=popsize,
        vectorized=True,
        updating="deferred",
        polish=False,
        tol=1e-6,
        integrality=[n in integer for n in names],
    )
    best = {
        n: (int(round(v)) if n in integer else float(v)) for n, v in zip(names, res.x, strict=True)
    }
    outcomes = evaluate(np.array(res.x))[0]
    feasible = all(
        (outcomes[o] <= lim if op == "<=" else outcomes[o] >= lim)
        for o, (op, lim) in constraints.items()
    )
    return {
        "parameters": best,
        "outcomes": outcomes,
        "feasible": feasible,
        "evaluations": len(cache),
        "message": res.message,
    }
