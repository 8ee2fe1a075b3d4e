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

from punctum._core import (
    Grid3,
    Layer,
    NumericalError,
    ParameterError,
    ResourceError,
    SkinModel,
)
from punctum._core import __version__ as __version__
from punctum.analysis import optimize, plot_sensitivity, sensitivity
from punctum.devices import Pen, Roller, Stamp, TreatmentResult, plot_punctures
from punctum.mechanics import InsertionResult, Needle, insert, insertion_table
from punctum.patient import Finding, Patient, TreatmentPlan, screen, screening_report
from punctum.sweep import sweep

__all__ = [
    "Finding",
    "Grid3",
    "InsertionResult",
    "Layer",
    "Needle",
    "NumericalError",
    "ParameterError",
    "Patient",
    "Pen",
    "ResourceError",
    "Roller",
    "SkinModel",
    "Stamp",
    "TreatmentPlan",
    "TreatmentResult",
    "__version__",
    "optimize",
    "plot_sensitivity",
    "insert",
    "insertion_table",
    "plot_punctures",
    "screen",
    "sensitivity",
    "screening_report",
    "sweep",
]
