from __future__ import annotations

import math

import numpy as np
import punctum
import pytest
import sweep_points


def test_sobol_indices_of_ishigami_match_closed_form(tmp_path):
    # Closed form (a=7, b=0.1): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
    pi = math.pi
    res = punctum.sensitivity(
        {"x1": 0.0, "x2": 0.0, "x3": 0.0},
        {"x1": (-pi, pi), "x2": (-pi, pi), "x3": (-pi, pi)},
        func=sweep_points.ishigami,
        outputs=["y"],
        method="sobol",
        n=1024,
        client="serial",
        progress=False,
    )
    s1 = res["S1"].sel(output="y").values
    st = res["ST"].sel(output="y").values
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=0.05)
    assert res.attrs["n_runs"] == 1024 * (3 + 2)  # Saltelli, first and total order only
    punctum.plot_sensitivity(res, tmp_path / "sobol.png")
    assert (tmp_path / "sobol.png").stat().st_size > 1000


def test_sobol_confidence_intervals_repeat_for_seed_zero():
    # The bootstrap behind S1_conf/ST_conf is seeded by `seed`, 0 included (SALib alone treats 0
    # as no seed), so a study reruns to the same report.
    def run():
        return punctum.sensitivity(
            {"x1": 0.0, "x2": 0.0, "x3": 0.0},
            {"x1": (-math.pi, math.pi), "x2": (-math.pi, math.pi), "x3": (-math.pi, math.pi)},
            func=sweep_points.ishigami,
            outputs=["y"],
            method="sobol",
            n=64,
            seed=0,
            client="serial",
            progress=False,
        )

    a, b = run(), run()
    np.testing.assert_array_equal(a["ST_conf"].values, b["ST_conf"].values)
    np.testing.assert_array_equal(a["S1_conf"].values, b["S1_conf"].values)


def test_morris_ranks_a_linear_model_exactly():
    # Elementary effects of y = 10a + b are exact: mu* = coefficient x range, sigma = 0.
    res = punctum.sensitivity(
        {"a": 0.0, "b": 0.0, "c": 0.0},
        {"a": (0, 1), "b": (0, 2), "c": (0, 1)},
        func=sweep_points.linear,
        outputs=["y"],
        method="morris",
        n=10,
        client="serial",
        progress=False,
    )
    mu = res["mu_star"].sel(output="y").values
    np.testing.assert_allclose(mu, [10.0, 2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(res["sigma"].sel(output="y").values, 0.0, atol=1e-9)
    fig = punctum.plot_sensitivity(res, units={"y": "mm"})
    assert fig.axes[0].get_xlabel() == "mu_star (mm per range)"


def test_morris_on_a_log_scale_is_exact_for_a_log_linear_model():
    # y = 10 ln(a) + b with a log-uniform on [1, e^2]: mu*(a) = 10 x 2 per full log range; the
    # model must receive a itself (ln of a negative sample would be NaN).
    res = punctum.sensitivity(
        {"a": 1.0, "b": 0.0},
        {"a": (1.0, math.e**2), "b": (0.0, 1.0)},
        func=sweep_points.log_linear,
        outputs=["y"],
        method="morris",
        n=6,
        client="serial",
        progress=False,
        log_scale=["a"],
    )
    np.testing.assert_allclose(res["mu_star"].sel(output="y").values, [20.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(res["sigma"].sel(output="y").values, 0.0, atol=1e-9)
    assert res.attrs["log_scale"] == "a"
    with pytest.raises(ValueError, match="log scale"):
        punctum.sensitivity(
            {"a": 1.0},
            {"a": (0.0, 1.0)},
            func=sweep_points.log_linear,
            outputs=["y"],
            log_scale=True,
        )


def test_constrained_optimum_on_the_quarter_disc():
    best = punctum.optimize(
        {"x": 0.0, "y": 0.0},
        {"x": (0, 1), "y": (0, 1)},
        func=sweep_points.quarter_disc,
        objective="sum",
        maximize=True,
        constraints={"radius2": ("<=", 1.0)},
        seed=1,
        maxiter=60,
        popsize=15,
    )
    assert best["feasible"]
    assert best["outcomes"]["sum"] == pytest.approx(math.sqrt(2), abs=0.02)
    assert best["parameters"]["x"] == pytest.approx(1 / math.sqrt(2), abs=0.08)


def test_sensitivity_bad_inputs():
    with pytest.raises(ValueError, match="method"):
        punctum.sensitivity(
            {"a": 0}, {"a": (0, 1)}, func=sweep_points.linear, outputs=["y"], method="fast"
        )
    with pytest.raises(ValueError, match=r"parameters\['a'\]"):
        punctum.sensitivity({"a": 0}, {"a": (1, 0)}, func=sweep_points.linear, outputs=["y"])
