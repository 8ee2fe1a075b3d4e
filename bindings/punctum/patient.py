"""Patient factors and pre-treatment screening.

Screening informs; it never changes a simulation. The rules and their sources live in
``data/patient/screening.csv`` and are evaluated by the C++ core.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from punctum import _core
from punctum._errors import is_number, parameter_error, require_int

#: The phototype's unit, worded as the core's validator words it.
_PHOTOTYPE = "phototype (I-VI as 1-6)"
_SEVERITY_MARK = {"contraindicated": "[X]", "caution": "[!]", "info": "[i]"}


def _require_number(name: str, value: Any, unit: str, optional: bool = False) -> None:
    """A number (None too if ``optional``: not known), or a ParameterError naming the field."""
    if optional and value is None:
        return
    if not is_number(value):
        allowed = "a number" + (" or None (not known)" if optional else "")
        raise parameter_error(name, value, allowed, unit)


def _require_bool(name: str, value: Any) -> bool:
    """A flag: a bool (numpy's too, not 1 or "yes"), as a Python bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise parameter_error(name, value, "True or False (a bool)")
    return bool(value)


def _require_str(name: str, value: Any, allowed: str) -> None:
    if not isinstance(value, str):
        raise parameter_error(name, value, allowed)


@dataclass
class Patient:
    """A patient. Ages in years; Fitzpatrick phototype I-VI as 1-6; HbA1c in %.

    Every field is checked on construction; a bad value raises :class:`punctum.ParameterError`
    (a ``ValueError``) naming the field, its value, the allowed range and the unit.
    """

    age_years: float = 45.0
    sex: str = "female"
    fitzpatrick: int = 3
    diabetes: bool = False
    hba1c_percent: float | None = None
    anticoagulant: bool = False
    haemophilia: bool = False
    keloid_tendency: bool = False
    smoker: bool = False
    recent_radiation: bool = False
    pregnant_or_breastfeeding: bool = False
    active_acne: bool = False
    active_infection: bool = False
    eczema: bool = False
    psoriasis: bool = False
    open_wound: bool = False
    cancer: bool = False
    recent_isotretinoin: bool = False
    vitamin_c_preparation: bool = False

    def __post_init__(self) -> None:
        self._check_types()
        self._to_core().validate()  # the ranges, and what depends on other fields

    def _check_types(self) -> None:
        """Each field of its type before the core sees it: a flag is a bool (not 1 or "yes"),
        the phototype an integer 1-6 (3.0 is taken as 3), ages and HbA1c numbers."""

        _require_number("age_years", self.age_years, "years")
        _require_number("hba1c_percent", self.hba1c_percent, "%", optional=True)
        _require_str("sex", self.sex, "a string: female or male")
        self.fitzpatrick = require_int("fitzpatrick", self.fitzpatrick, 1, 6, _PHOTOTYPE)
        for f in dataclasses.fields(self):
            if isinstance(f.default, bool):  # the flags
                setattr(self, f.name, _require_bool(f.name, getattr(self, f.name)))

    def _to_core(self) -> _core.Patient:
        core = _core.Patient()
        for f in dataclasses.fields(self):
            setattr(core, f.name, getattr(self, f.name))
        return core

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Patient:
        return cls(**data)


@dataclass
class TreatmentPlan:
    """What screening needs to know of the intended treatment."""

    site: str = "cheek"
    needle_length_mm: float = 1.0
    sessions: int = 4
    pen_device: bool = True

    def __post_init__(self) -> None:
        # Types first, as Patient checks them: the core's setters would raise a bare TypeError
        # (or take 3 as True), and 2.5 sessions must not become 2.
        _require_str("site", self.site, "a string: a skin site name")
        _require_number("needle_length_mm", self.needle_length_mm, "mm")
        self.sessions = require_int("sessions", self.sessions, 1, 52, "sessions")
        self.pen_device = _require_bool("pen_device", self.pen_device)
        self._to_core().validate()

    def _to_core(self) -> _core.TreatmentPlan:
        core = _core.TreatmentPlan()
        for f in dataclasses.fields(self):
            setattr(core, f.name, getattr(self, f.name))
        return core


@dataclass(frozen=True)
class Finding:
    severity: str  # "contraindicated", "caution" or "info"
    condition: str
    reason: str
    source: str = field(repr=False)

    def __str__(self) -> str:
        return f"{_SEVERITY_MARK[self.severity]} {self.severity}: {self.reason} ({self.source})"


def screen(patient: Patient, plan: TreatmentPlan | None = None) -> list[Finding]:
    """Screening findings for a patient and plan, most severe first (empty if nothing applies)."""
    plan = plan if plan is not None else TreatmentPlan()
    return [Finding(**f) for f in _core.screen(patient._to_core(), plan._to_core())]


def screening_report(patient: Patient, plan: TreatmentPlan | None = None) -> str:
    """A plain-text screening report."""
    plan = plan if plan is not None else TreatmentPlan()
    findings = screen(patient, plan)
    lines = [
        f"Screening: {patient.sex}, {patient.age_years:g} years, "
        f"Fitzpatrick {patient.fitzpatrick}; {plan.site}, "
        f"needle {plan.needle_length_mm:g} mm, {plan.sessions} sessions",
    ]
    if not findings:
        lines.append("  no findings")
    lines += [f"  {f}" for f in findings]
    verdict = (
        "contraindicated"
        if any(f.severity == "contraindicated" for f in findings)
        else "proceed with caution"
        if any(f.severity == "caution" for f in findings)
        else "no contraindication found"
    )
    lines.append(f"  verdict: {verdict}")
    return "\n".join(lines)
