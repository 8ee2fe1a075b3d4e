from __future__ import annotations

import signal
import subprocess
import sys
import time

import h5py
import punctum
import xarray as xr

PUNCTUM = [sys.executable, "-m", "punctum"]


def cli(*args, cwd=None):
    return subprocess.run([*PUNCTUM, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_run_writes_config_hdf5_xdmf_png_and_summary(tmp_path):
    out = tmp_path / "run"
    r = cli(
        "run",
        "--set",
        "run.fidelity=column",
        "--set",
        "protocol.sessions=2",
        "-o",
        str(out),
        "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    assert "collagen gain at end" in r.stdout
    for name in [
        "config.toml",
        "course.h5",
        "course.xmf",
        "course.png",
        "collagen_depth.png",
        "summary.txt",
    ]:
        assert (out / name).exists(), name
    assert "sessions = 2" in (out / "config.toml").read_text()
    with h5py.File(out / "course.h5") as f:
        assert f.attrs["completed"] == 1
    prov = punctum.io.read_provenance(out / "course.h5")
    assert "sessions = 2" in prov["config"]


def test_run_from_a_config_file_and_inspect_and_plot(tmp_path):
    cfg = tmp_path / "course.toml"
    cfg.write_text(
        '[device]\nkind = "roller"\npreset = 192\nneedle_length_mm = 1.0\n'
        '[protocol]\nsessions = 1\nhorizon_days = 20\n[run]\nfidelity = "column"\n'
    )
    out = tmp_path / "roller"
    r = cli("run", str(cfg), "-o", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert 'kind = "roller"' in (out / "config.toml").read_text()
    ins = cli("inspect", str(out / "course.h5"))
    assert ins.returncode == 0 and "collagen_change_percent" in ins.stdout
    png = tmp_path / "p.png"
    pl = cli("plot", str(out / "course.h5"), "-o", str(png))
    assert pl.returncode == 0 and png.stat().st_size > 2000


def test_run_takes_snapshot_days_from_the_config(tmp_path):
    cfg = tmp_path / "snap.toml"
    cfg.write_text(
        "[protocol]\nsessions = 1\nhorizon_days = 10\n"
        '[run]\nfidelity = "column"\nsnapshot_days = [0.0, 2.0, 5.0]\n'
    )
    r = cli("run", str(cfg), "-o", str(tmp_path / "out"), "--no-progress")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "out" / "course.h5") as f:
        assert list(f["fields/time"][:] / 86400.0) == [0.0, 2.0, 5.0]


def test_bad_input_exits_2_with_the_parameter_named(tmp_path):
    r = cli("run", "--set", "protocol.spacing_days=0", "-o", str(tmp_path / "a"))
    assert r.returncode == 2 and "spacing_days" in r.stderr
    r = cli("run", "--set", "device.kind=laser", "-o", str(tmp_path / "b"))
    assert r.returncode == 2 and "device.kind" in r.stderr
    r = cli("run", str(tmp_path / "missing.toml"))
    assert r.returncode == 2
    r = cli("inspect", str(tmp_path / "missing.h5"))
    assert r.returncode == 2
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("keep me")
    r = cli("run", "-o", str(tmp_path / "full"))
    assert r.returncode == 2 and "not empty" in r.stderr
    assert (tmp_path / "full" / "x").read_text() == "keep me"


def test_a_failed_run_leaves_no_folder_and_the_same_output_runs_again(tmp_path):
    """Bad run options are refused by the core after the folder is made: the folder (and the
    parents made for it) goes again, so a corrected rerun into the same -o is not refused."""
    out = tmp_path / "new" / "run"
    column = ["--set", "run.fidelity=column", "--set", "protocol.sessions=1", "--no-progress"]
    r = cli("run", *column, "--set", "run.voxel_um=1", "-o", str(out))
    assert r.returncode == 2 and "voxel" in r.stderr
    assert not (tmp_path / "new").exists()
    r = cli("run", *column, "--set", "device.depth_mm=99", "-o", str(out))  # refused before
    assert r.returncode == 2 and "depth" in r.stderr
    assert not (tmp_path / "new").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("run", *column, "--set", "run.seed=-1", "-o", str(empty))
    assert r.returncode == 2 and "seed" in r.stderr
    assert empty.is_dir() and not any(empty.iterdir())
    r = cli("run", *column, "--set", "protocol.horizon_days=10", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "course.h5").exists()
    # The folder's config.toml is the configuration the file records (snapshot days included).
    written = punctum.SimulationConfig.load(out / "config.toml")
    recorded = punctum.io.read_provenance(out / "course.h5")["config"]
    assert written.to_dict() == punctum.SimulationConfig.from_toml(recorded).to_dict()
    assert written.run["snapshot_days"] == [0.0, 10.0]


def test_ctrl_c_exits_130_within_a_second_and_leaves_a_valid_partial_file(tmp_path):
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [
            *PUNCTUM,
            "run",
            "--set",
            "run.patch_width_mm=1.0",
            "--set",
            "run.voxel_um=25",
            "--set",
            "protocol.horizon_days=400",
            "--set",
            "protocol.sessions=12",
            # Richardson at 1e-3 (steps as cheap as at its former default 3e-3, twice as many):
            # a course of several seconds, interrupted as soon as its output file appears.
            "--set",
            "run.scheme=richardson",
            "--set",
            "run.rtol=0.001",
            "-o",
            str(out),
            "--no-progress",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell's background job starts with SIGINT ignored, which Python then keeps: the run
        # would finish instead of stopping (how every fresh-clone run of this test launched in
        # the background failed). The child gets the default disposition back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 60
    while not list(out.glob("course.h5.tmp-*")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    sent = time.time()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert time.time() - sent < 3.0  # within a second of the next progress check, plus writing
    assert proc.returncode == 130, err
    with h5py.File(out / "course.h5") as f:
        assert f.attrs["completed"] == 0
        t = f["observables/time"][...]
    assert 0 < t[-1] < 400 * 86400


def test_resume_continues_a_checkpointed_run_to_the_same_result(tmp_path):
    out = tmp_path / "run"
    args = ("--set", "run.fidelity=column", "--no-progress")
    r = cli("run", *args, "-o", str(out), "--checkpoint-every-days", "30")
    assert r.returncode == 0, r.stderr
    assert (out / "checkpoint.h5").exists()
    first = punctum.io.open_result(out / "course.h5")
    r = cli("run", "--resume", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "resumed from" in r.stdout
    again = punctum.io.open_result(out / "course.h5")
    assert list(again.data_vars) == list(first.data_vars)
    for name in first.data_vars:
        assert (again[name].values == first[name].values).all(), name
    # Nothing to resume from, or a resume that would also change the course: exit 2, named.
    r = cli("run", "--resume", str(tmp_path / "elsewhere"), "--no-progress")
    assert r.returncode == 2 and "checkpoint.h5" in r.stderr
    r = cli("run", "--resume", str(out), "--set", "protocol.sessions=2", "--no-progress")
    assert r.returncode == 2 and "--resume" in r.stderr


def sweep_cli(tmp_path, spec_text: str):
    """Runs `punctum sweep` on a sweep file with this text; returns (output folder, dataset)."""
    spec = tmp_path / "sweep.toml"
    spec.write_text(spec_text)
    out = tmp_path / "sweep"
    r = cli("sweep", str(spec), "-o", str(out), "--workers", "1", "--no-progress")
    assert r.returncode == 0, r.stderr
    return out, xr.open_dataset(out / "sweep.nc")


def test_sweep_cli_base_device_of_another_kind_replaces_the_pen(tmp_path):
    # [base.device] of another kind than the reference pen must not inherit the pen's keys
    # (needles, frequency_Hz, ...), or every point fails when the roller is built.
    _, ds = sweep_cli(
        tmp_path,
        '[base.run]\nfidelity = "column"\n[base.protocol]\nsessions = 1\nhorizon_days = 14\n'
        '[base.device]\nkind = "roller"\nneedle_length_mm = 1.0\n'
        '[axes]\n"device.needle_length_mm" = [0.5, 1.0]\n',
    )
    assert (ds["status"] == "ok").all(), ds["error"].values


def test_sweep_cli_writes_netcdf_and_heatmap(tmp_path):
    out, ds = sweep_cli(
        tmp_path,
        '[base.run]\nfidelity = "column"\n[base.protocol]\nsessions = 2\n'
        'horizon_days = 60\n[axes]\n"device.depth_mm" = [0.5, 1.5]\n'
        '"protocol.spacing_days" = [14, 28]\n',
    )
    assert ds["collagen_gain_percent"].shape == (2, 2)
    assert (out / "collagen_gain_percent.png").exists()
    assert float(ds["mean_depth_mm"].sel({"device.depth_mm": 1.5}).min()) > float(
        ds["mean_depth_mm"].sel({"device.depth_mm": 0.5}).max()
    )
