from __future__ import annotations

import math

import pandas as pd
import punctum
import pytest


@pytest.fixture(scope="module")
def cheek():
    return punctum.SkinModel.preset("cheek", sex="female", age=45)


def test_mf8_roller_geometry():
    roller = punctum.Roller(preset=192, needle_length_mm=1.5)
    assert roller.needles == 192
    assert roller.holes_per_cm2_per_pass == pytest.approx(15.3, abs=0.05)


def test_roller_treat_returns_dataframe_with_units(cheek):
    roller = punctum.Roller(preset=192, needle_length_mm=1.0, hand_force_N=10, hand_speed_mm_s=20)
    result = roller.treat(cheek, area_cm2=4, passes=2, seed=3)
    df = result.punctures
    assert isinstance(df, pd.DataFrame)
    for col in [
        "x_mm",
        "y_mm",
        "time_s",
        "depth_mm",
        "entry_angle_deg",
        "channel_radius_um",
        "tear_length_mm",
    ]:
        assert col in df.columns
    assert df["x_mm"].between(0, 20).all() and df["y_mm"].between(0, 20).all()
    assert (df["entry_angle_deg"] > 0).all()
    s = result.statistics
    assert s["punctures"] == int(df["punctured"].sum())
    assert s["density_per_cm2"] == pytest.approx(s["punctures"] / 4)
    assert 0 <= s["missed_area_fraction"] <= 1 and s["treatment_time_min"] > 0
    # Same seed, same map; another seed, another map.
    again = roller.treat(cheek, area_cm2=4, passes=2, seed=3)
    pd.testing.assert_frame_equal(df, again.punctures)
    other = roller.treat(cheek, area_cm2=4, passes=2, seed=4)
    assert not df["x_mm"].equals(other.punctures["x_mm"])


def test_pen_density_is_n_f_over_v_w(cheek):
    pen = punctum.Pen(
        needles=12, depth_mm=1.0, frequency_Hz=100, hand_speed_mm_s=120, reposition_time_s=0
    )
    result = pen.treat(cheek, area_cm2=9, passes=1, seed=1, directions_deg=[0])
    assert result.statistics["density_per_cm2"] == pytest.approx(
        pen.density_per_cm2_per_pass, rel=0.05
    )
    assert (result.punctures["entry_angle_deg"] == 0).all()
    assert pen.tip_speed_m_s == pytest.approx(math.pi * 100 * 2e-3)


def test_pen_reaches_deeper_than_a_light_roller(cheek):
    pen = punctum.Pen(needles=12, depth_mm=1.5, frequency_Hz=100)
    roller = punctum.Roller(preset=192, needle_length_mm=1.5)
    light = roller.contact(cheek, hand_force_N=5)
    assert pen.stamp(cheek).depth_reached_mm > light["depth_reached_mm"]
    assert light["force_per_needle_N"] == pytest.approx(5 / light["needles_in_contact"])


def test_stamp_and_plot(tmp_path, cheek):
    stamp = punctum.Stamp(rows=5, columns=5, spacing_mm=1.0, needle_length_mm=1.0, hand_force_N=15)
    result = stamp.treat(cheek, area_cm2=2, passes=1, seed=2, shape="disc")
    assert len(result.punctures) > 0
    png = result.plot_punctures(tmp_path / "stamp.png")
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("factory", "name"),
    [
        (lambda: punctum.Pen(frequency_Hz=200), "pen.frequency"),
        (lambda: punctum.Pen(needles=10), "pen cartridge"),
        (lambda: punctum.Pen(depth_mm=3.0), "pen.depth"),
        (lambda: punctum.Roller(preset=100), "roller preset"),
        (lambda: punctum.Roller(hand_force_N=-1), "roller.hand_force"),
    ],
)
def test_bad_device_parameters(factory, name):
    with pytest.raises(punctum.ParameterError, match=name):
        factory()


def test_bad_session(cheek):
    roller = punctum.Roller()
    with pytest.raises(punctum.ParameterError, match="session.area"):
        roller.treat(cheek, area_cm2=0)
    with pytest.raises(punctum.ParameterError, match="shape"):
        roller.treat(cheek, area_cm2=1, shape="triangle")
