from __future__ import annotations

import punctum
import pytest


def test_version_is_exposed():
    assert punctum.__version__.count(".") == 2


def test_cheek_preset_table_has_layers_and_units():
    skin = punctum.SkinModel.preset("cheek", sex="female", age=45)
    text = str(skin)
    for name in [
        "stratum_corneum",
        "viable_epidermis",
        "papillary_dermis",
        "reticular_dermis",
        "hypodermis",
    ]:
        assert name in text
    assert "(um)" in text and "(kPa)" in text
    assert [layer.name for layer in skin.layers][0] == "stratum_corneum"


@pytest.mark.parametrize(
    ("site", "sex", "dermis_mm"),
    [
        ("forehead", "female", 0.86),
        ("cheek", "male", 1.14),
        ("periorbital", "female", 0.58),
        ("neck", "male", 0.98),
    ],
)
def test_presets_match_meng_2022(site, sex, dermis_mm):
    # Meng et al. 2022, BMC Med Imaging 22:113, Table 2 (HFUS).
    skin = punctum.SkinModel.preset(site, sex=sex, age=30)
    assert skin.dermis_um == pytest.approx(dermis_mm * 1000, rel=1e-9)


def test_age_thins_dermis_and_lowers_collagen():
    young = punctum.SkinModel.preset("cheek", sex="female", age=30)
    old = punctum.SkinModel.preset("cheek", sex="female", age=70)
    assert old.dermis_um / young.dermis_um == pytest.approx(1 - 0.006 * 40)  # Branchet 1990
    assert old.layer("reticular_dermis").collagen_I_mg_cm3 / young.layer(
        "reticular_dermis"
    ).collagen_I_mg_cm3 == pytest.approx(0.6)  # -1 %/year (Shuster 1975)


def test_dataframe_has_unit_columns():
    df = punctum.SkinModel.preset("back", sex="male", age=50).to_dataframe()
    assert list(df.index) == [
        "stratum_corneum",
        "viable_epidermis",
        "papillary_dermis",
        "reticular_dermis",
        "hypodermis",
    ]
    assert {"thickness_um", "shear_modulus_kPa", "toughness_J_m2"} <= set(df.columns)
    assert (df["thickness_um"] > 0).all()


def test_layer_lookup_and_vessels():
    skin = punctum.SkinModel.preset("cheek")
    assert skin.layer_at(500.0) == "reticular_dermis"
    v = skin.vessel_depths_um
    assert skin.epidermis_um < v["capillary_loops"] < v["superficial_plexus"] < v["deep_plexus"]


@pytest.mark.parametrize(
    ("call", "parameter", "unit"),
    [
        (lambda: punctum.SkinModel.preset("cheek", age=300), "age", "years"),
        (lambda: punctum.SkinModel.preset("elbow"), "site", ""),
        (lambda: punctum.SkinModel.preset("cheek", sex="x"), "sex", ""),
        (
            lambda: punctum.SkinModel.preset("cheek").with_thickness("reticular_dermis", -5.0),
            "reticular_dermis.thickness",
            "um",
        ),
    ],
)
def test_bad_inputs_raise_value_error_naming_parameter(call, parameter, unit):
    with pytest.raises(ValueError) as info:
        call()
    err = info.value
    assert isinstance(err, punctum.ParameterError)
    assert err.parameter == parameter
    assert err.unit == unit
    assert parameter in str(err) and "allowed" in str(err)
