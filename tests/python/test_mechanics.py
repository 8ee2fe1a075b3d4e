from __future__ import annotations

import pandas as pd
import punctum
import pytest


@pytest.fixture(scope="module")
def cheek():
    return punctum.SkinModel.preset("cheek", sex="female", age=45)


def test_needle_keywords_carry_units():
    n = punctum.Needle(
        length_mm=1.5, shaft_diameter_mm=0.25, tip_radius_um=4, cone_half_angle_deg=10
    )
    assert n.length_mm == pytest.approx(1.5)
    assert n.shaft_diameter_mm == pytest.approx(0.25)
    assert n.tip_radius_um == pytest.approx(4.0)
    assert n.taper_length_mm == pytest.approx((0.125 - 0.004) / 0.17632698, rel=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"length_mm": 3.5}, "needle.length"),
        ({"tip_radius_um": 0.0}, "needle.tip_radius"),
        ({"cone_half_angle_deg": 75}, "needle.cone_half_angle"),
        ({"hollow": True}, "needle.wall_thickness"),
    ],
)
def test_bad_needle_raises_parameter_error(kwargs, name):
    with pytest.raises(punctum.ParameterError, match=name):
        punctum.Needle(**kwargs)


def test_olatunji_sharp_microneedle_force(cheek):
    # Olatunji et al. 2013: 0.02-0.03 N per sharp microneedle.
    n = punctum.Needle(
        length_mm=0.6, shaft_diameter_mm=0.3, tip_radius_um=5, cone_half_angle_deg=15
    )
    r = punctum.insert(n, cheek, speed_m_s=0.0005)
    assert r.punctured
    assert 0.02 <= r.puncture_force_N <= 0.03


def test_insert_reports_layers_vessels_and_channel(cheek):
    n = punctum.Needle(length_mm=1.5)
    shallow = punctum.insert(n, cheek, speed_m_s=0.5, travel_mm=0.15)
    deep = punctum.insert(n, cheek, speed_m_s=0.5, force_N=10.0)
    assert deep.depth_reached_mm == pytest.approx(1.5)
    assert deep.limited_by == "hub"
    assert deep.deepest_layer == "hypodermis"
    assert set(deep.vessels) == {"capillary_loops", "superficial_plexus", "deep_plexus"}
    assert shallow.punctured and shallow.depth_reached_mm < 0.15
    loops_um = cheek.vessel_depths_um["capillary_loops"]
    assert ("capillary_loops" in shallow.vessels) == (shallow.depth_reached_mm * 1000 > loops_um)
    radius = deep.channel_radius_um
    assert (
        len(radius) == 5 and radius[0] == pytest.approx(125.0) and radius[-1] == pytest.approx(4.0)
    )


def test_no_puncture_below_threshold_and_depth_rises_with_force(cheek):
    n = punctum.Needle(length_mm=1.5)
    fp = punctum.insert(n, cheek, speed_m_s=0.01).puncture_force_N
    below = punctum.insert(n, cheek, speed_m_s=0.01, force_N=0.9 * fp)
    assert not below.punctured and below.depth_reached_mm == 0 and below.deepest_layer is None
    table = punctum.insertion_table(n, cheek, speeds_m_s=[0.01], forces_N=[0.05, 0.1, 0.2, 0.3])
    assert isinstance(table, pd.DataFrame)
    assert table["depth_reached_mm"].is_monotonic_increasing
    assert table["depth_reached_mm"].iloc[0] < table["depth_reached_mm"].iloc[-1]


def test_bad_load_raises(cheek):
    n = punctum.Needle()
    with pytest.raises(punctum.ParameterError, match="speed"):
        punctum.insert(n, cheek, speed_m_s=0.0)
    with pytest.raises(ValueError, match="load.force"):
        punctum.insert(n, cheek, speed_m_s=0.01, force_N=-1.0)
