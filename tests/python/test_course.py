"""Treatment courses: the clinical trends the sources state, as tests (column fidelity: fast)."""

from __future__ import annotations

import warnings

import numpy as np
import punctum
import pytest

SKIN = punctum.SkinModel.preset("cheek", sex="female", age=45)


def pen(depth_mm=1.0, **kw):
    kw.setdefault("hand_speed_mm_s", 20)
    return punctum.Pen(needles=12, depth_mm=depth_mm, frequency_Hz=100, **kw)


def run(device=None, protocol=None, patient=None, skin=SKIN, **kw):
    return punctum.simulate(
        skin=skin,
        device=device or pen(),
        protocol=protocol or punctum.Protocol(),
        patient=patient or punctum.Patient(age_years=45),
        fidelity="column",
        **{"progress": False, **kw},
    )


@pytest.fixture(scope="module")
def reference():
    return run()


@pytest.fixture(scope="module")
def converged_gain():
    """The reference course's collagen gain at day 182, converged in time (Richardson, 1e-5)."""
    return run(scheme="richardson", rtol=1e-5).value_at("collagen_change_percent", 182)


@pytest.fixture(scope="module")
def euler_default():
    """The reference course by adaptive lod_euler at the column's default rtol."""
    return run(scheme="euler")


def test_reference_course_outputs_have_units_and_sessions(reference):
    obs = reference.observables
    assert obs["time_days"].attrs["units"] == "d"
    for name in ["collagen_change_percent", "erythema_index", "blood_ul_per_cm2"]:
        assert "units" in obs[name].attrs
    assert len(reference.sessions) == 4
    assert list(reference.sessions["time_days"]) == [0.0, 28.0, 56.0, 84.0]
    assert obs["time_days"].values[-1] == pytest.approx(182.0)
    assert reference.completed
    assert {"x_mm", "y_mm", "depth_mm", "deepest_layer"} <= set(reference.punctures.columns)
    assert "collagen gain at end" in reference.summary()


def test_collagen_III_leads_and_I_follows(reference):
    obs = reference.observables
    t = obs["time_days"].values
    first = (t > 0) & (t < 28)
    iii = obs["collagen_III_change_percent"].values[first]
    i = obs["collagen_I_change_percent"].values[first]
    # Proliferative phase: the new matrix is mostly type III (I:III ~ 1:3 in granulation tissue).
    assert iii.max() > i.max()
    assert obs["collagen_change_percent"].values[-1] > 0


def test_depth_profiles_over_time_end_at_the_final_profile_and_change_where_needles_went(
    reference,
):
    prof = reference.profiles
    assert prof["collagen_I"].dims == ("time_days", "depth_um")
    assert prof["collagen_I"].attrs["units"] == "kg/m^3"
    last = prof["collagen_I"].values[-1] + prof["collagen_III"].values[-1]
    np.testing.assert_array_equal(last, prof["collagen_final"].values)
    change = prof["collagen_change_percent"]
    # No collagen in the epidermis, so no relative change there; gain where the pen went.
    assert np.isnan(change.values[:, prof["collagen_baseline"].values == 0]).all()
    tip_um = 1000.0 * reference.punctures["depth_mm"].max()
    reached = change.sel(depth_um=slice(100.0, tip_um)).isel(time_days=-1)
    assert float(reached.mean()) > 1.0


def test_deeper_needles_heal_longer_and_bleed_more():
    shallow, deep = run(pen(0.5)).summary_values(), run(pen(1.5)).summary_values()
    assert deep["mean_depth_mm"] > shallow["mean_depth_mm"]
    assert deep["peak_erythema"] > shallow["peak_erythema"]
    assert deep["downtime_days_mean"] >= shallow["downtime_days_mean"]
    assert deep["peak_blood_ul_per_cm2"] > 10 * shallow["peak_blood_ul_per_cm2"]


def test_redness_resolves_in_about_one_to_three_days_at_facial_settings():
    # Clinical: erythema 3-6 h (roller), ~24 h, 24-48 h (pen labelling); transient AEs <= 7 days.
    for site in ("cheek", "forehead"):
        skin = punctum.SkinModel.preset(site, sex="female", age=45)
        for depth in (1.0, 1.5):
            down = run(pen(depth), skin=skin).sessions["downtime_days"]
            assert ((down >= 1.0) & (down <= 3.0)).all(), (site, depth, list(down))
    assert (run(pen(0.5)).sessions["downtime_days"] < 1.0).all()


def test_bleeding_only_beyond_the_capillary_loops():
    loops_um = SKIN.vessel_depths_um["capillary_loops"]
    for depth_mm in (0.25, 1.0):
        p = run(pen(depth_mm)).punctures
        bleeding = (p["vessels"].to_numpy() & 1) != 0
        beyond = p["depth_mm"].to_numpy() * 1000 > loops_um
        np.testing.assert_array_equal(bleeding, beyond)
    # A measured thick epidermis and the shortest pen setting: channels end above the loops and
    # draw no blood at all.
    thick = SKIN.with_thickness("viable_epidermis", 150.0)
    r = run(pen(0.25), skin=thick)
    assert len(r.punctures) > 0
    assert (r.punctures["depth_mm"] * 1000 < thick.vessel_depths_um["capillary_loops"]).all()
    assert r.observables["blood_ul_per_cm2"].max() == 0.0
    assert r.summary_values()["bleeding_points_per_cm2"] == 0.0


def test_diabetes_slows_recovery():
    healthy = run().summary_values()
    diabetic = run(patient=punctum.Patient(age_years=45, diabetes=True, hba1c_percent=9.0))
    d = diabetic.summary_values()
    assert d["closure_time_h_mean"] > healthy["closure_time_h_mean"]
    assert d["collagen_gain_percent"] < healthy["collagen_gain_percent"]


def test_anticoagulants_bruise_more():
    # A sparser glide, so blood does not saturate the voxels it fills (h <= 1) and the patient's
    # bleeding multiplier shows in full.
    sparse = pen(1.5, hand_speed_mm_s=60)
    healthy = run(sparse).summary_values()
    anticoag = run(sparse, patient=punctum.Patient(age_years=45, anticoagulant=True))
    anticoag = anticoag.summary_values()
    assert anticoag["peak_blood_ul_per_cm2"] > 1.5 * healthy["peak_blood_ul_per_cm2"]


def test_more_sessions_more_collagen_with_diminishing_returns():
    gains = [
        run(
            protocol=punctum.Protocol(sessions=n, spacing_days=28, horizon_days=250)
        ).summary_values()["collagen_gain_percent"]
        for n in (1, 2, 3, 4, 6)
    ]
    assert all(b > a for a, b in zip(gains, gains[1:], strict=False))
    per_session = np.diff(gains[:4])
    assert all(b < a for a, b in zip(per_session, per_session[1:], strict=False))


def test_too_short_spacing_leaves_inflammation_unresolved():
    def unresolved(spacing):
        r = run(protocol=punctum.Protocol(sessions=2, spacing_days=spacing, horizon_days=60))
        obs = r.observables
        t, c = obs["time_days"].values, obs["oedema_index"].values
        before_second = c[np.searchsorted(t, spacing) - 1]
        return before_second / c[t < spacing].max()

    assert unresolved(3) > 0.3
    assert unresolved(28) < 0.05


def test_serum_reaches_dermis_through_open_channels_and_less_as_they_close():
    def dose(delay_h):
        protocol = punctum.Protocol(serum_concentration_kg_m3=10.0, serum_delay_h=delay_h)
        return run(protocol=protocol).summary_values()["serum_dermis_peak_ug_per_cm2"]

    fresh, later, closed = dose(0), dose(24), dose(96)
    assert fresh > later > closed
    assert fresh > 20 * closed


def test_conditions_report_fill(tmp_path):
    protocol = punctum.Protocol(session_days=[1, 29, 57], horizon_days=150)
    r = run(pen(1.5), protocol=protocol, condition="atrophic_acne_scar")
    fill = r.observables["condition_fill_fraction"].values
    depression = r.observables["surface_depression_um"].values
    assert fill[0] == 0.0
    # The column stands for the tissue inside the scar. New collagen is bounded by the dermis's
    # ceiling (1.3 x baseline; scar collagen 0.6: fill at most (1.3 - 0.6)/(1 - 0.6) = 1.75), so
    # the fill cannot run away (it was -32 000 % when the column spread the scar's deficit over
    # the whole treated area); 3.0 is a loose bound above that. The depression (300 um at the
    # start, data/course/conditions.csv) shrinks.
    assert 0.0 < fill[-1] < 3.0
    assert 0.0 <= depression[-1] < depression[0] < 1000.0
    assert "condition fill" in r.summary()
    with pytest.raises(ValueError, match="condition"):
        run(condition="freckles")


def test_cancellation_token_returns_partial_result():
    token = punctum.CancellationToken()
    token.cancel()
    r = run(cancel=token)
    assert not r.completed
    assert "INTERRUPTED" in r.summary()


def test_hdf5_output_is_readable_with_h5py_and_xarray(tmp_path):
    import h5py

    path = tmp_path / "course.h5"
    r = run(output=path, snapshot_days=[1, 30])
    assert path.exists() and (tmp_path / "course.xmf").exists()
    with h5py.File(path, "r") as f:
        assert f.attrs["completed"] == 1
        assert f["observables/collagen_change_percent"].attrs["units"] in (b"%", "%")
        assert f["fields/c"].shape[0] == 2
    ds = punctum.io.open_result(path)
    np.testing.assert_allclose(
        ds["collagen_change_percent"].values, r.observables["collagen_change_percent"].values
    )
    assert ds.attrs["punctum_version"] == punctum.__version__
    # The resolved configuration travels with the file and rebuilds the same course.
    assert punctum.SimulationConfig.from_toml(ds.attrs["config"]).to_dict() == r.config.to_dict()
    # The depth profiles over time: (time, depth) in the file as in memory.
    prof = punctum.io.open_result(path, "/profiles")
    assert prof["collagen_I"].dims == ("time", "depth")
    np.testing.assert_allclose(prof["collagen_III"].values, r.profiles["collagen_III"].values)
    np.testing.assert_allclose(prof["time"].values, ds["time"].values)
    fields = r.fields
    assert fields["c"].dims[0] == "time" and fields["c"].shape[0] == 2
    assert float(fields["rho1"].isel(time=1).max()) > 0


def test_resuming_from_a_checkpoint_reproduces_the_uninterrupted_course(tmp_path, reference):
    ckpt = tmp_path / "checkpoints" / "course.ckpt.h5"
    first = run(checkpoint=ckpt, checkpoint_every_days=30)
    _, scalars, _ = punctum.io.load_checkpoint(ckpt)
    # The last checkpoint lies months into the course: the resumed run replays its last weeks.
    assert 120 * 86400 <= scalars["time"] < 182 * 86400
    resumed = run(resume_from=ckpt)
    for r in (first, resumed):
        for name in reference.observables.data_vars:
            np.testing.assert_array_equal(r.observables[name], reference.observables[name])
        np.testing.assert_array_equal(r.profiles["collagen_I"], reference.profiles["collagen_I"])
        assert r.sessions["downtime_days"].tolist() == reference.sessions["downtime_days"].tolist()
    # Another course is refused, naming the parameter.
    with pytest.raises(ValueError, match="resume_from"):
        run(pen(0.5), resume_from=ckpt)


def test_checkpoint_options_are_checked_before_anything_runs(tmp_path):
    with pytest.raises(FileNotFoundError, match="resume_from"):
        run(resume_from=tmp_path / "none.h5")
    with pytest.raises(ValueError, match="checkpoint_every_days"):
        run(checkpoint=tmp_path / "c.h5", checkpoint_every_days=0)


def test_a_run_the_core_refuses_leaves_no_folder_behind(tmp_path):
    out = tmp_path / "new" / "deeper" / "course.h5"
    with pytest.raises(ValueError, match="patch_width"):
        punctum.simulate(
            output=out, checkpoint=tmp_path / "ck" / "c.h5", patch_width_mm=1e4, progress=False
        )
    assert list(tmp_path.iterdir()) == []


def test_config_round_trips_through_toml():
    cfg = punctum.reference_course()
    text = cfg.to_toml()
    again = punctum.SimulationConfig.from_toml(text)
    assert again.to_dict() == cfg.to_dict()
    with pytest.raises(ValueError, match="device.kind"):
        punctum.SimulationConfig(device={"kind": "laser"})


def test_config_refuses_keys_it_would_ignore():
    with pytest.raises(ValueError, match="thickness_um"):
        punctum.SimulationConfig(skin={"site": "cheek", "thickness_um": 900})
    with pytest.raises(ValueError, match="progress"):
        punctum.SimulationConfig(run={"fidelity": "column", "progress": False})


def test_stored_config_keeps_the_run_options_that_change_the_result():
    protocol = punctum.Protocol(sessions=1, horizon_days=20)
    r = run(protocol=protocol, rtol=1e-4, depth_mm=1.5, output_days=[0.0, 1.0, 20.0])
    cfg = punctum.SimulationConfig.from_toml(r.config.to_toml())
    assert cfg.run["rtol"] == 1e-4 and cfg.run["depth_mm"] == 1.5
    again = punctum.simulate(**cfg.build(), config=cfg, progress=False)
    np.testing.assert_array_equal(
        again.observables["collagen_change_percent"].values,
        r.observables["collagen_change_percent"].values,
    )


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"spacing_days": 0.2}, "spacing_days"),
        ({"sessions": 0}, "sessions"),
        ({"horizon_days": 10, "sessions": 4, "spacing_days": 28}, "session_days[1]"),
    ],
)
def test_bad_protocol_names_the_parameter(kwargs, parameter):
    with pytest.raises(punctum.ParameterError) as info:
        punctum.Protocol(**kwargs)
    assert info.value.parameter == parameter


@pytest.mark.parametrize("value", [2.5, "3", True, None])
@pytest.mark.parametrize("parameter", ["sessions", "passes"])
def test_protocol_counts_must_be_integers(parameter, value):
    """2.5 sessions used to run 2, 2.5 passes reached the core; "3" and True are no counts."""
    with pytest.raises(punctum.ParameterError) as info:
        punctum.Protocol(**{parameter: value})
    err = info.value
    assert err.parameter == parameter and err.value == repr(value)
    assert err.allowed.startswith("an integer in [1, ") and err.unit == parameter


def test_protocol_takes_an_integral_float_as_that_count():
    p = punctum.Protocol(sessions=3.0, passes=np.int64(2))
    assert (p.sessions, p.passes) == (3, 2) and type(p.sessions) is type(p.passes) is int
    assert "sessions = 3\n" in punctum.SimulationConfig(protocol=p).to_toml()


@pytest.mark.parametrize(
    ("parameter", "value", "allowed"),
    [
        ("seed", 2.5, "an integer in [0, 2^64)"),
        ("seed", "3", "an integer in [0, 2^64)"),
        ("seed", True, "an integer in [0, 2^64)"),
        ("seed", -1, "an integer in [0, 2^64)"),
        ("seed", 2**64, "an integer in [0, 2^64)"),
        ("threads", 2.5, "an integer in [0, 1024]"),
        ("threads", "3", "an integer in [0, 1024]"),
        ("threads", True, "an integer in [0, 1024]"),
    ],
)
def test_simulate_refuses_a_seed_or_thread_count_that_is_no_integer(
    tmp_path, parameter, value, allowed
):
    """The core truncated 2.5, read "3" and True as numbers and met -1 with a RuntimeError; the
    refusal comes before anything is written."""
    out = tmp_path / "sub" / "course.h5"
    with pytest.raises(punctum.ParameterError) as info:
        run(protocol=punctum.Protocol(sessions=1, horizon_days=2), output=out, **{parameter: value})
    err = info.value
    assert (err.parameter, err.value, err.allowed) == (parameter, repr(value), allowed)
    assert not (tmp_path / "sub").exists()


def test_recorded_config_is_the_one_that_ran_whatever_config_says(tmp_path):
    """A config passed along with contradicting arguments used to be recorded as it was: the
    provenance said seed 0, 4 sessions, 3D while seed 7, one session, column ran."""
    said = punctum.reference_course()  # 3d, seed 0, 4 sessions over 182 days
    protocol = punctum.Protocol(sessions=1, horizon_days=3)
    r = punctum.simulate(
        protocol=protocol,
        fidelity="column",
        seed=7,
        config=said,
        output=tmp_path / "c.h5",
        progress=False,
    )
    recorded = punctum.SimulationConfig.from_toml(r.observables.attrs["config_toml"])
    assert recorded.to_dict() == r.config.to_dict()
    assert recorded.run["fidelity"] == "column" and recorded.run["seed"] == 7
    # The tolerance and the scheme are recorded even at their defaults (which are the core's),
    # since those defaults changed: a file must say what it ran without the version that wrote it.
    assert recorded.run["rtol"] == punctum._core.course_default_rtol_for("column") == 2e-3
    assert punctum._core.course_default_rtol == punctum._core.course_default_rtol_for("3d") == 5e-4
    assert recorded.run["scheme"] == punctum._core.course_default_scheme == "lean"
    assert recorded.protocol == protocol
    assert (
        punctum.io.read_provenance(tmp_path / "c.h5")["config"]
        == r.observables.attrs["config_toml"]
    )
    again = punctum.simulate(**recorded.build(), progress=False)
    np.testing.assert_array_equal(
        again.observables["collagen_change_percent"].values,
        r.observables["collagen_change_percent"].values,
    )


def test_every_pen_depth_setting_runs():
    # Pens offer 0.25-2.5 mm; the default stroke must cover the deepest settings.
    for depth in (0.25, 2.2, 2.5):
        assert run(pen(depth), protocol=punctum.Protocol(sessions=1, horizon_days=5)).completed


def test_rate_multipliers_scale_the_kinetics_and_bad_names_are_refused(reference):
    # Twice the synthesis rate deposits more collagen. Not twice the gain: deposition saturates
    # at collagen_capacity_factor x baseline, so 1.3 is a margin for "clearly more", not a
    # derived ratio.
    more = run(rate_multipliers={"collagen_synthesis": 2.0})
    gain = more.value_at("collagen_change_percent", 182)
    assert gain > 1.3 * reference.value_at("collagen_change_percent", 182)
    assert "collagen_synthesis" in punctum.healing.rate_names()
    with pytest.raises(punctum.ParameterError) as info:
        run(rate_multipliers={"collagen_synthesiss": 2.0})
    assert info.value.parameter == "rate_multipliers"
    with pytest.raises(punctum.ParameterError) as info:
        run(rate_multipliers={"collagen_synthesis": 0.0})
    assert info.value.parameter == "rate_multipliers.collagen_synthesis"


def test_simulate_names_itself_on_a_misspelt_argument():
    with pytest.raises(TypeError, match=r"simulate\(\).*fidelty"):
        punctum.simulate(fidelty="column")


def test_sweep_points_match_the_full_result(reference):
    # course_point takes a lean path (core result straight to numbers); it must report what
    # CourseResult.summary_values reports for the same course.
    cfg = punctum.reference_course()
    cfg.run["fidelity"] = "column"
    point = punctum.course.course_point(cfg)
    full = punctum.simulate(
        config=cfg,
        progress=False,
        threads=1,
        **{k: v for k, v in cfg.build().items() if k != "threads"},
    ).summary_values()
    for key, value in full.items():
        assert point[key] == pytest.approx(value, nan_ok=True), key


def test_progress_bar_ends_at_the_horizon(capsys):
    # The solver reports progress at most every 0.2 s: a column course finishes well within one
    # interval, yet its bar must end full, not at the last report.
    run(progress=True)
    err = capsys.readouterr().err
    assert "182/182" in err, err[-300:]


def test_progress_bar_of_a_cancelled_course_does_not_end_full(capsys):
    token = punctum.CancellationToken()
    token.cancel()
    r = run(progress=True, cancel=token)
    assert not r.completed
    err = capsys.readouterr().err
    assert "182/182" not in err, err[-300:]


def test_float_precision_matches_double_and_is_recorded(reference):
    # float32 fields: outcomes within 1e-4 of each series' scale of the double run (measured:
    # 7e-7 points of +7.93 % collagen gain in the column, docs/course.md), but not the same bits.
    narrow = run(precision="float")
    for name in ["collagen_change_percent", "inflammation_index", "open_channel_fraction"]:
        a = reference.observables[name].values
        b = narrow.observables[name].values
        assert np.max(np.abs(a - b)) < 1e-4 * np.max(np.abs(a)), name
    assert narrow.value_at("collagen_change_percent", 182) != reference.value_at(
        "collagen_change_percent", 182
    )
    assert narrow.config.run["precision"] == "float"
    assert "precision" not in reference.config.run  # the default is not written out
    with pytest.raises(punctum.ParameterError) as info:
        run(precision="half")
    assert info.value.parameter == "precision"


def test_a_config_without_rtol_runs_at_its_fidelitys_default():
    # The default rtol depends on the fidelity (5e-4 in 3D, 2e-3 in the column): a configuration
    # that switches the reference course to the column and states no rtol runs at the column's,
    # as simulate(fidelity="column") does, and records it.
    cfg = punctum.reference_course()
    assert "rtol" not in cfg.run
    cfg.run["fidelity"] = "column"
    r = punctum.simulate(**cfg.build(), config=cfg, progress=False)
    assert r.config.run["rtol"] == punctum._core.course_default_rtol_for("column") == 2e-3


def test_euler_scheme_runs_is_recorded_and_reruns_from_its_config(converged_gain, euler_default):
    # scheme="euler" (adaptive lod_euler, in place) is first order: at the column's default rtol
    # (2e-3) its collagen gain lies 1.15 points above the converged one (Richardson at 1e-5), at
    # rtol 1e-5 within 0.09. The recorded config reruns it exactly.
    fine = run(scheme="euler", rtol=1e-5)
    gap_coarse = abs(euler_default.value_at("collagen_change_percent", 182) - converged_gain)
    gap_fine = abs(fine.value_at("collagen_change_percent", 182) - converged_gain)
    assert gap_fine < 0.2 * gap_coarse, (gap_coarse, gap_fine)
    assert fine.config.run["scheme"] == "euler"
    cfg = punctum.SimulationConfig.from_toml(fine.config.to_toml())
    again = punctum.simulate(**cfg.build(), config=cfg, progress=False)
    np.testing.assert_array_equal(
        again.observables["collagen_change_percent"].values,
        fine.observables["collagen_change_percent"].values,
    )
    with pytest.raises(punctum.ParameterError) as info:
        run(scheme="rk4")
    assert info.value.parameter == "scheme"


def test_the_default_lean_scheme_is_within_a_tenth_of_the_voxel_error_and_far_closer_than_euler(
    reference, converged_gain, euler_default
):
    # The default scheme="lean" keeps euler's step in place (its memory) with second-order
    # kinetics, the coupling corrected and the signals' relaxation fitted. Its column collagen
    # gain at the column's default rtol (2e-3) lies 0.022 points from the converged one
    # (Richardson at 1e-5); Richardson's at the same rtol 0.049, at its former default 3e-3 0.07;
    # euler's 1.15 (docs/course.md). Bounds: a tenth of the 20 um voxels' error (0.42 points) and a
    # fifth of euler's.
    assert reference.config.run["scheme"] == "lean"
    gaps = {
        scheme: abs(r.value_at("collagen_change_percent", 182) - converged_gain)
        for scheme, r in (("lean", reference), ("euler", euler_default))
    }
    assert gaps["lean"] < 0.042, gaps
    assert gaps["lean"] < 0.2 * gaps["euler"], gaps


def test_a_patient_of_another_age_or_sex_than_the_skin_preset_is_warned_about():
    # The skin preset's layers are a 45-year-old woman's; a 70-year-old patient (or a man) would
    # heal as someone else. Within a year, and with the same sex, nothing is said.
    short = punctum.Protocol(sessions=1, horizon_days=2)
    with pytest.warns(UserWarning, match=r"patient \(female, 70 years\) and skin preset"):
        run(protocol=short, patient=punctum.Patient(age_years=70))
    with pytest.warns(UserWarning, match=r"patient \(male, 45 years\)"):
        run(protocol=short, patient=punctum.Patient(age_years=45, sex="male"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(protocol=short, patient=punctum.Patient(age_years=45.5))
        run(protocol=short, patient=None)
