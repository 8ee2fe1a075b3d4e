from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import punctum
import pytest
import sweep_points
from distributed import Client, LocalCluster
from punctum.sweep import _as_dataset, _as_record, make_design, set_dotted


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def test_grid_sweep_has_one_dimension_per_axis_and_real_values(client):
    base = {"skin": {"site": "cheek"}, "patient": {"age": 30.0}}
    ds = punctum.sweep(
        base,
        {"skin.site": ["cheek", "forehead"], "patient.age": [30.0, 50.0, 70.0]},
        func=sweep_points.skin_point,
        client=client,
        progress=False,
    )
    assert ds["dermis_um"].dims == ("skin.site", "patient.age")
    assert ds.sizes == {"skin.site": 2, "patient.age": 3}
    # Meng 2022 reference values aged at -0.6 %/year after 30 (Branchet 1990).
    cheek = ds["dermis_um"].sel({"skin.site": "cheek"}).values
    np.testing.assert_allclose(cheek, 870.0 * np.array([1.0, 0.88, 0.76]), rtol=1e-12)
    assert (ds["status"] == "ok").all()


def test_time_series_outcomes_keep_their_dimension(client):
    ds = punctum.sweep(
        {"rate": 0.1},
        {"rate": [0.1, 0.2]},
        func=sweep_points.series_point,
        client=client,
        progress=False,
    )
    assert ds["curve"].dims == ("rate", "curve_index")
    np.testing.assert_allclose(
        ds["curve"].sel(rate=0.2).values, np.exp(-0.2 * np.linspace(0, 10, 6))
    )


def test_failing_point_is_recorded_and_does_not_stop_the_sweep(client, tmp_path):
    ds = punctum.sweep(
        {"x": 0},
        {"x": [1, 2, 3, 4]},
        func=sweep_points.failing_point,
        client=client,
        resume=tmp_path / "s",
        progress=False,
    )
    assert list(ds["status"].values) == ["ok", "ok", "failed", "ok"]
    assert "breaks on purpose" in str(ds["error"].sel(x=3).values)
    assert np.isnan(ds["y"].sel(x=3))
    assert ds["y"].sel(x=4) == 16
    assert ds.attrs["n_failed"] == 1


def test_resume_skips_finished_points(client, tmp_path):
    resume = tmp_path / "sweep"
    axes = {"x": list(range(6))}
    first = punctum.sweep(
        {"x": 0, "sleep_s": 0.0},
        axes,
        func=sweep_points.slow_point,
        client=client,
        resume=resume,
        progress=False,
    )
    files = sorted((resume / "points").glob("*.json"))
    assert len(files) == 6
    # Simulate an interrupted sweep: drop two finished points, mark the rest so a recompute shows.
    for f in files[:2]:
        f.unlink()
    for f in files[2:]:
        record = json.loads(f.read_text())
        record["result"]["data_vars"]["y"]["data"] = -1.0
        f.write_text(json.dumps(record))
    second = punctum.sweep(
        {"x": 0, "sleep_s": 0.0},
        axes,
        func=sweep_points.slow_point,
        client=client,
        resume=resume,
        progress=False,
    )
    np.testing.assert_array_equal(second["y"].values[:2], first["y"].values[:2])  # recomputed
    np.testing.assert_array_equal(second["y"].values[2:], -1.0)  # taken from disk, not rerun


def test_resume_refuses_a_different_sweep(client, tmp_path):
    punctum.sweep(
        {"x": 0},
        {"x": [1, 2]},
        func=sweep_points.slow_point,
        client=client,
        resume=tmp_path,
        progress=False,
    )
    with pytest.raises(punctum.ParameterError, match="resume"):
        punctum.sweep(
            {"x": 0},
            {"x": [1, 2, 3]},
            func=sweep_points.slow_point,
            client=client,
            resume=tmp_path,
            progress=False,
        )


def test_point_records_match_what_xarray_writes():
    # Points are persisted without building a Dataset each; the record must be exactly what
    # Dataset.to_dict gives, so Dataset.from_dict (resume, merge) reads it back unchanged.
    import xarray as xr

    outcome = {
        "gain": 1.5,
        "steps": np.int64(289),
        "ratio": np.float64(0.25),
        "daily": np.linspace(0.0, 1.0, 5),
        "flags": [1, 0, 1],
    }
    record = _as_record(outcome)
    assert record == _as_dataset(outcome).to_dict(data="list")
    assert json.loads(json.dumps(record))["data_vars"]["daily"]["data"] == [0, 0.25, 0.5, 0.75, 1]
    back = xr.Dataset.from_dict(record)
    assert back["daily"].dims == ("daily_index",) and float(back["gain"]) == 1.5
    with pytest.raises(TypeError, match="2 dimensions"):
        _as_record({"field": np.zeros((2, 2))})


def test_sampled_designs_are_reproducible_and_in_range():
    a = make_design({"a": (0.5, 2.0), "b": (10, 20)}, "sobol", n_samples=16, seed=3)
    b = make_design({"a": (0.5, 2.0), "b": (10, 20)}, "sobol", n_samples=16, seed=3)
    assert a.values == b.values
    arr = np.array([[v["a"], v["b"]] for v in a.values])
    assert arr[:, 0].min() >= 0.5 and arr[:, 0].max() <= 2.0
    # A scrambled Sobol set of 16 points fills each half of each axis equally.
    assert (arr[:, 0] < 1.25).sum() == 8
    r = make_design({"a": (0, 1)}, "random", n_samples=5, seed=1)
    assert len(r.values) == 5


def test_sampled_sweep_has_sample_dimension(client):
    ds = punctum.sweep(
        {"rate": 0.1},
        {"rate": (0.0, 1.0)},
        func=sweep_points.series_point,
        design="random",
        n_samples=5,
        client=client,
        progress=False,
    )
    assert ds["final"].dims == ("sample",)
    np.testing.assert_allclose(ds["final"].values, np.exp(-10 * ds["rate"].values))


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"design": "latin"}, "design"),
        ({"design": "sobol"}, "n_samples"),
        ({"threads_per_point": 0}, "threads_per_point"),
        ({"threads_per_point": 1.5}, "threads_per_point"),
    ],
)
def test_bad_sweep_arguments(kwargs, parameter):
    with pytest.raises(ValueError) as info:
        punctum.sweep({"x": 0}, {"x": [1]}, func=sweep_points.slow_point, **kwargs)
    assert info.value.parameter == parameter


def test_threads_per_point_reaches_the_points(client):
    # Each point learns its thread count from the sweep, in this process and on Dask workers
    # in other processes (where setting OMP_NUM_THREADS would come too late to count).
    for c in ("serial", client):
        ds = punctum.sweep(
            {"x": 0},
            {"x": [1, 2]},
            func=sweep_points.threads_point,
            client=c,
            threads_per_point=2,
            progress=False,
        )
        assert (ds["threads"] == 2).all(), c
    assert punctum.sweep_point_threads() == 1  # restored after the serial sweep


def test_unknown_axis_fails_before_any_work():
    with pytest.raises(ValueError, match="device.lenght_mm"):
        punctum.sweep(
            {"device": {"length_mm": 1.0}},
            {"device.lenght_mm": [1.0]},
            func=sweep_points.slow_point,
        )
    assert set_dotted({"a": {"b": 1}}, "a.b", 2) == {"a": {"b": 2}}


def _start(args, env):
    return subprocess.Popen(
        [sys.executable, "-m", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def test_killed_worker_every_point_present_exactly_once(tmp_path):
    """A real scheduler and two workers on loopback; one worker is killed mid-sweep."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    sched_file = tmp_path / "scheduler.json"
    procs = [
        _start(
            [
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(sched_file),
            ],
            env,
        )
    ]
    try:
        deadline = time.time() + 30
        while not sched_file.exists() and time.time() < deadline:
            time.sleep(0.1)
        workers = [
            _start(
                [
                    "distributed.cli.dask_worker",
                    "--scheduler-file",
                    str(sched_file),
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                env,
            )
            for _ in range(2)
        ]
        procs += workers
        with Client(scheduler_file=str(sched_file), timeout=30) as c:
            c.wait_for_workers(2, timeout=30)
            n = 40
            resume = tmp_path / "sweep"
            killer_done = []

            def kill_one_worker_when_started():
                while len(list((resume / "points").glob("*.json"))) < 4:
                    time.sleep(0.02)
                os.kill(workers[0].pid, signal.SIGKILL)
                killer_done.append(True)

            import threading

            t = threading.Thread(target=kill_one_worker_when_started, daemon=True)
            t.start()
            ds = punctum.sweep(
                {"x": 0, "sleep_s": 0.05},
                {"x": list(range(n))},
                func=sweep_points.slow_point,
                client=c,
                resume=resume,
                chunk_size=2,
                progress=False,
            )
            t.join(timeout=5)
        assert killer_done, "the worker was never killed: the test did not test anything"
        assert workers[0].wait(timeout=5) == -signal.SIGKILL
        assert ds.sizes["x"] == n
        assert (ds["status"] == "ok").all()
        np.testing.assert_array_equal(ds["y"].values, 2.0 * np.arange(n))
        files = sorted(p.name for p in (resume / "points").glob("*.json"))
        assert files == [f"{i:08d}.json" for i in range(n)]
    finally:
        for p in procs:
            p.kill()
            p.wait()
