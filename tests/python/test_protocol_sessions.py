"""A device and passes per session: simulate(device=[...]), Protocol(passes=[...]) and the
configuration's list of device tables (column fidelity, two sessions: fast)."""

from __future__ import annotations

import numpy as np
import punctum
import pytest
from punctum.cli import _load_config
from punctum.sweep import get_dotted, set_dotted

SKIN = punctum.SkinModel.preset("cheek", sex="female", age=45)
TWO = punctum.Protocol(sessions=2, spacing_days=28, horizon_days=60)


def pen(depth_mm=1.0):
    return punctum.Pen(needles=12, depth_mm=depth_mm, frequency_Hz=100, hand_speed_mm_s=20)


def run(device, protocol=TWO, **kw):
    return punctum.simulate(
        skin=SKIN,
        device=device,
        protocol=protocol,
        patient=punctum.Patient(age_years=45),
        fidelity="column",
        progress=False,
        **kw,
    )


def assert_same_series(a, b):
    for name in a.observables.data_vars:
        assert np.array_equal(a.observables[name].values, b.observables[name].values), name


@pytest.fixture(scope="module")
def courses():
    return {
        "shallow": run(pen(0.5)),
        "shallow_then_deep": run([pen(0.5), pen(1.5)]),
        "deep": run(pen(1.5)),
    }


def test_a_deeper_second_session_reaches_deeper_reddens_longer_and_bleeds_more(courses):
    r = courses["shallow_then_deep"]
    depth = r.punctures.groupby("session")["depth_mm"]
    assert depth.mean()[1] > 3 * depth.mean()[0] and depth.max()[1] > depth.max()[0]
    s = r.sessions
    assert s["device_kind"].tolist() == ["pen", "pen"]
    assert s["needle_length_mm"].tolist() == [0.5, 1.5]
    assert s["device"].str.contains("depth 0.50 mm").tolist() == [True, False]
    # Deeper: more fresh papillary injury, so longer redness.
    assert s["downtime_days"][1] > 2 * s["downtime_days"][0] > 0
    # At 0.5 mm every puncture already passes the capillary loops (bleeding sites = density);
    # the deeper channels release far more blood.
    sites = s["bleeding_points_per_cm2"] / s["density_per_cm2"]
    assert sites[1] >= sites[0] > 0.9
    obs = r.observables
    blood, t = obs["blood_ul_per_cm2"].values, obs["time_days"].values
    assert blood[t >= 28].max() > 10 * blood[t < 28].max()
    # Each session answers to its own device: as in the course that used that device throughout.
    assert s["downtime_days"][0] == pytest.approx(
        courses["shallow"].sessions["downtime_days"][0], rel=1e-9
    )
    assert s["downtime_days"][1] == pytest.approx(
        courses["deep"].sessions["downtime_days"][1], rel=0.05
    )
    gain = {k: c.summary_values()["collagen_gain_percent"] for k, c in courses.items()}
    assert gain["shallow"] < gain["shallow_then_deep"] < gain["deep"]


def test_one_identical_device_per_session_is_the_single_device_course_bit_for_bit(courses):
    for devices in ([pen(0.5), pen(0.5)], (pen(0.5), pen(0.5))):
        r = run(devices)
        assert_same_series(r, courses["shallow"])
        assert r.punctures.equals(courses["shallow"].punctures)
        assert r.sessions.equals(courses["shallow"].sessions)


def test_sessions_state_the_kind_and_needle_length_of_each_device():
    roller = punctum.Roller(preset=192, needle_length_mm=1.0)
    r = run([pen(0.5), roller])
    assert r.sessions["device_kind"].tolist() == ["pen", "roller"]
    assert r.sessions["needle_length_mm"].tolist() == [0.5, 1.0]
    assert r.sessions["device"][1].startswith("Roller")
    assert [d["kind"] for d in r.config.device] == ["pen", "roller"]


@pytest.mark.parametrize(
    ("device", "parameter", "value", "allowed"),
    [
        ([pen(), pen(), pen()], "device", "a list of 3", "one device, or a list of 2"),
        ([pen()], "device", "a list of 1", "one device, or a list of 2"),
        ([], "device", "a list of 0", "one device, or a list of 2"),
        ([pen(), "pen"], "device[1]", "'pen'", "a punctum Pen, Roller or Stamp"),
        ([{"kind": "pen"}, pen()], "device[0]", "{'kind': 'pen'}", "a punctum Pen, Roller or"),
    ],
)
def test_a_wrong_device_list_names_the_parameter_before_anything_is_written(
    tmp_path, device, parameter, value, allowed
):
    with pytest.raises(punctum.ParameterError) as info:
        run(device, output=tmp_path / "sub" / "course.h5")
    err = info.value
    assert (err.parameter, err.value) == (parameter, value)
    assert err.allowed.startswith(allowed)
    assert list(tmp_path.iterdir()) == []


def test_passes_per_session_scale_the_punctures():
    r = run(pen(1.0), protocol=punctum.Protocol(sessions=2, horizon_days=40, passes=[1, 3]))
    counts = r.punctures.groupby("session").size()
    assert 2.7 < counts[1] / counts[0] < 3.3
    assert r.sessions["passes"].tolist() == [1, 3]
    density = r.sessions["density_per_cm2"]
    assert 2.7 < density[1] / density[0] < 3.3


@pytest.mark.parametrize(
    ("passes", "parameter", "value"),
    [
        ([1, 2, 3], "passes", "a list of 3"),
        ([1], "passes", "a list of 1"),
        ([1, 0], "passes[1]", "0"),
        ([1, 2.5], "passes[1]", "2.5"),
        ([True, 2], "passes[0]", "True"),
    ],
)
def test_a_wrong_passes_list_names_the_parameter(passes, parameter, value):
    with pytest.raises(punctum.ParameterError) as info:
        punctum.Protocol(sessions=2, passes=passes)
    assert (info.value.parameter, info.value.value) == (parameter, value)


def test_passes_list_follows_session_days_and_round_trips():
    p = punctum.Protocol(session_days=[0, 7, 21], horizon_days=40, passes=(1, 2.0, 3))
    assert p.passes == [1, 2, 3] and p.passes_per_session() == [1, 2, 3]
    cfg = punctum.SimulationConfig(protocol=p)
    assert punctum.SimulationConfig.from_toml(cfg.to_toml()).protocol == p
    assert punctum.Protocol(sessions=3, passes=2).passes_per_session() == [2, 2, 2]


def per_session_config() -> punctum.SimulationConfig:
    table = {"kind": "pen", "needles": 12, "frequency_Hz": 100.0, "hand_speed_mm_s": 20.0}
    return punctum.SimulationConfig(
        device=[{**table, "depth_mm": 0.5}, {**table, "depth_mm": 1.5}],
        protocol=punctum.Protocol(sessions=2, spacing_days=28, horizon_days=60, passes=[1, 2]),
        run={"fidelity": "column", "seed": 3},
    )


def test_a_config_with_a_device_per_session_round_trips_and_its_record_rebuilds_the_course(
    courses,
):
    cfg = per_session_config()
    text = cfg.to_toml()
    again = punctum.SimulationConfig.from_toml(text)
    assert again.to_dict() == cfg.to_dict()
    built = again.build()["device"]
    assert [type(d) for d in built] == [punctum.Pen, punctum.Pen]
    assert [d.needle.length_mm for d in built] == [0.5, 1.5]
    # The same list written as TOML's array of tables reads the same.
    pen_table = 'kind = "pen"\nneedles = 12\nfrequency_Hz = 100.0\nhand_speed_mm_s = 20.0\n'
    aot = (
        f"[[device]]\n{pen_table}depth_mm = 0.5\n[[device]]\n{pen_table}depth_mm = 1.5\n"
        "[protocol]\nsessions = 2\nspacing_days = 28.0\nhorizon_days = 60.0\npasses = [1, 2]\n"
        '[run]\nfidelity = "column"\nseed = 3\n'
    )
    assert punctum.SimulationConfig.from_toml(aot).to_dict() == cfg.to_dict()

    r = punctum.simulate(**again.build(), config=again, progress=False)
    assert (r.config.device, r.config.protocol) == (cfg.device, cfg.protocol)
    recorded = punctum.SimulationConfig.from_toml(r.observables.attrs["config_toml"])
    assert [d["depth_mm"] for d in recorded.device] == [0.5, 1.5]
    rerun = punctum.simulate(**recorded.build(), progress=False)
    assert_same_series(rerun, r)
    # Without a config, the devices passed are what the record states.
    assert [d["depth_mm"] for d in courses["shallow_then_deep"].config.device] == [0.5, 1.5]
    rebuilt = courses["shallow_then_deep"].config.build()
    assert_same_series(punctum.simulate(**rebuilt, progress=False), courses["shallow_then_deep"])


@pytest.mark.parametrize(
    ("device", "parameter"),
    [
        ([{"kind": "pen"}], "device"),
        ([{"kind": "pen"}, {"kind": "laser"}], "device[1].kind"),
        ([{"kind": "pen"}, {"depth_mm": 1.0}], "device[1].kind"),
        ([{"kind": "pen"}, "pen"], "device[1]"),
    ],
)
def test_a_wrong_device_list_in_a_config_names_the_entry(device, parameter):
    with pytest.raises(punctum.ParameterError) as info:
        punctum.SimulationConfig(device=device, protocol={"sessions": 2})
    assert info.value.parameter == parameter


def test_cli_sets_a_device_key_on_every_session_and_keeps_the_reference_settings(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text(
        '[[device]]\nkind = "pen"\ndepth_mm = 0.5\n'
        '[[device]]\nkind = "roller"\npreset = 192\n'
        "[protocol]\nsessions = 2\npasses = [1, 4]\n"
    )
    cfg = _load_config(str(path), ["device.hand_speed_mm_s=25"])
    reference = punctum.reference_course().device
    # The pen inherits the reference pen's settings; the roller, of another kind, does not.
    assert cfg.device[0] == {**reference, "depth_mm": 0.5, "hand_speed_mm_s": 25}
    assert cfg.device[1] == {"kind": "roller", "preset": 192, "hand_speed_mm_s": 25}
    assert cfg.protocol.passes == [1, 4]


def test_cli_runs_a_config_with_a_device_per_session(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "course.toml"
    path.write_text(
        '[[device]]\nkind = "pen"\ndepth_mm = 0.5\n[[device]]\nkind = "pen"\ndepth_mm = 1.5\n'
        "[protocol]\nsessions = 2\nspacing_days = 7\nhorizon_days = 20\n"
        '[run]\nfidelity = "column"\n'
    )
    out = tmp_path / "run"
    args = ["run", str(path), "--set", "device.needles=16", "-o", str(out), "--no-progress"]
    r = subprocess.run(
        [sys.executable, "-m", "punctum", *args], capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr
    cfg = punctum.SimulationConfig.load(out / "config.toml")
    assert [(d["depth_mm"], d["needles"]) for d in cfg.device] == [(0.5, 16), (1.5, 16)]
    stored = punctum.io.read_provenance(out / "course.h5")["config"]
    assert punctum.SimulationConfig.from_toml(stored).device == cfg.device


def test_a_sweep_axis_sets_the_key_of_every_session_device():
    base = per_session_config().to_dict()
    assert get_dotted(base, "device.depth_mm") == [0.5, 1.5]
    point = set_dotted(base, "device.hand_speed_mm_s", 30.0)
    assert [d["hand_speed_mm_s"] for d in point["device"]] == [30.0, 30.0]
    assert [d["depth_mm"] for d in point["device"]] == [0.5, 1.5]
    assert [d["hand_speed_mm_s"] for d in base["device"]] == [20.0, 20.0]  # a copy


def test_a_device_table_merged_onto_a_device_list_sets_every_session():
    # A sweep's base config with one [[device]] per session, overlaid by a single [base.device]
    # table: the table's keys reach every session's device, as --set and sweep axes do.
    from punctum.cli import _merge_sections

    data = {"device": [{"kind": "pen", "depth_mm": 0.5}, {"kind": "pen", "depth_mm": 1.5}]}
    _merge_sections(data, {"device": {"hand_speed_mm_s": 15.0}})
    assert data["device"] == [
        {"kind": "pen", "depth_mm": 0.5, "hand_speed_mm_s": 15.0},
        {"kind": "pen", "depth_mm": 1.5, "hand_speed_mm_s": 15.0},
    ]
