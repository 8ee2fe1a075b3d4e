from __future__ import annotations

import subprocess
import sys

import numpy as np
import punctum
import pytest


def test_healthy_patient_moderate_depth_has_no_warnings():
    findings = punctum.screen(
        punctum.Patient(age_years=40, fitzpatrick=2), punctum.TreatmentPlan(needle_length_mm=0.5)
    )
    assert findings == []


def test_contraindication_sorted_first_with_source():
    p = punctum.Patient(smoker=True, keloid_tendency=True, fitzpatrick=5)
    findings = punctum.screen(p, punctum.TreatmentPlan())
    assert findings[0].severity == "contraindicated"
    assert findings[0].condition == "keloid_tendency"
    assert all(f.source for f in findings)
    assert {"smoking", "dark_phototype"} <= {f.condition for f in findings}
    assert "verdict: contraindicated" in punctum.screening_report(p)


def test_screening_never_changes_the_patient():
    p = punctum.Patient(diabetes=True, hba1c_percent=9.0)
    before = p.to_dict()
    punctum.screen(p)
    assert p.to_dict() == before
    assert punctum.Patient.from_dict(before) == p


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"fitzpatrick": 7}, "fitzpatrick"),
        ({"age_years": 300}, "age"),
        ({"hba1c_percent": 7.0}, "hba1c_percent"),
        ({"diabetes": True, "hba1c_percent": 40.0}, "hba1c_percent"),
    ],
)
def test_bad_patient_raises_on_construction(kwargs, parameter):
    with pytest.raises(punctum.ParameterError) as info:
        punctum.Patient(**kwargs)
    assert info.value.parameter == parameter


@pytest.mark.parametrize(
    ("kwargs", "parameter", "allowed", "unit"),
    [
        ({"age_years": "old"}, "age_years", "a number", "years"),
        ({"age_years": True}, "age_years", "a number", "years"),
        ({"fitzpatrick": 2.5}, "fitzpatrick", "an integer in [1, 6]", "phototype (I-VI as 1-6)"),
        ({"fitzpatrick": True}, "fitzpatrick", "an integer in [1, 6]", "phototype (I-VI as 1-6)"),
        ({"fitzpatrick": "3"}, "fitzpatrick", "an integer in [1, 6]", "phototype (I-VI as 1-6)"),
        ({"diabetes": "yes"}, "diabetes", "True or False (a bool)", ""),
        ({"smoker": 1}, "smoker", "True or False (a bool)", ""),
        ({"smoker": "0"}, "smoker", "True or False (a bool)", ""),
        ({"diabetes": True, "hba1c_percent": "7"}, "hba1c_percent", "a number or None", "%"),
        ({"sex": 1}, "sex", "a string: female or male", ""),
    ],
)
def test_wrong_patient_types_are_refused_with_field_value_and_allowed(
    kwargs, parameter, allowed, unit
):
    """A wrong type is a ParameterError naming the field (not the core's bare TypeError), and
    0/1 or a phototype of True is not silently taken as a flag or an integer."""
    with pytest.raises(punctum.ParameterError) as info:
        punctum.Patient(**kwargs)
    err = info.value
    assert err.parameter == parameter and err.value == repr(kwargs[parameter])
    assert err.allowed.startswith(allowed) and err.unit == unit
    assert parameter in str(err) and repr(kwargs[parameter]) in str(err)


def test_integral_phototype_and_numpy_flags_are_taken_as_int_and_bool():
    p = punctum.Patient(fitzpatrick=4.0, smoker=np.bool_(True), age_years=np.float64(50.0))
    assert p.fitzpatrick == 4 and type(p.fitzpatrick) is int
    assert p.smoker is True
    assert "dark_phototype" in {f.condition for f in punctum.screen(p)}


def test_bad_plan_names_needle_length_and_unit():
    with pytest.raises(ValueError, match=r"needle_length = 5 mm .*\[0.1, 3\]"):
        punctum.TreatmentPlan(needle_length_mm=5.0)


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        ({"sessions": 2.5}, "sessions"),
        ({"sessions": "3"}, "sessions"),
        ({"needle_length_mm": "1"}, "needle_length_mm"),
        ({"pen_device": 3}, "pen_device"),
        ({"site": 3}, "site"),
    ],
)
def test_plan_of_the_wrong_type_names_the_field(kwargs, parameter):
    with pytest.raises(punctum.ParameterError, match=parameter):
        punctum.TreatmentPlan(**kwargs)
    plan = punctum.TreatmentPlan(sessions=3.0)  # an integral float is that count
    assert plan.sessions == 3 and type(plan.sessions) is int


def test_cli_report_and_exit_codes():
    ok = subprocess.run(
        [sys.executable, "-m", "punctum", "report", "--age", "45"], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "papillary_dermis" in ok.stdout and "verdict" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "punctum", "report", "--fitzpatrick", "9"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "fitzpatrick" in bad.stderr
