"""punctum: a physics-based simulator of microneedling (collagen induction therapy).

Needles from a roller, pen or stamp puncture layered skin; the micro-wounds heal through a
reaction-diffusion field of inflammation, growth factors, fibroblasts and collagen.

Quick look::

    import punctum
    skin = punctum.SkinModel.preset("cheek", sex="female", age=45)
    print(skin)                       # layer table with units
    patient = punctum.Patient(age_years=45, fitzpatrick=4, smoker=True)
    for finding in punctum.screen(patient, punctum.TreatmentPlan(needle_length_mm=1.0)):
        print(finding)
"""

from __future__ import annotations

from punctum import healing as healing
from punctum._core import (
    Grid3,
    Layer,
    NumericalError,
    ParameterError,
    ResourceError,
    SkinModel,
)
from punctum._core import __version__ as __version__
from punctum.patient import Finding, Patient, TreatmentPlan, screen, screening_report

__all__ = [
    "Finding",
    "Grid3",
    "Layer",
    "NumericalError",
    "ParameterError",
    "Patient",
    "ResourceError",
    "SkinModel",
    "TreatmentPlan",
    "__version__",
    "healing",
    "screen",
    "screening_report",
]
