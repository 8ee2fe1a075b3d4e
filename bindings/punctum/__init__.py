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

import os as _os
import sys as _sys

# OpenMP threads that spin while waiting starve other busy processes (parallel sweeps, ctest -j,
# a shared cluster node) and can slow a run by orders of magnitude; wait passively unless the user
# says otherwise. Must be set before _core loads the OpenMP runtime.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _import_core() -> None:
    # punctum._core links the system HDF5 while h5py's wheel bundles its own. Loaded RTLD_LOCAL and
    # (glibc) RTLD_DEEPBIND, each extension binds to its own HDF5 whatever dlopen flags the host
    # process set; see docs/output-format.md, "HDF5 alongside h5py". PUNCTUM_DEEPBIND=0 opts out
    # (sanitizer runtimes refuse RTLD_DEEPBIND).
    if not hasattr(_sys, "getdlopenflags"):
        import punctum._core  # noqa: F401

        return
    flags = _sys.getdlopenflags()
    isolated = _os.RTLD_NOW | _os.RTLD_LOCAL
    if _os.environ.get("PUNCTUM_DEEPBIND", "1") != "0":
        isolated |= getattr(_os, "RTLD_DEEPBIND", 0)
    _sys.setdlopenflags(isolated)
    try:
        import punctum._core  # noqa: F401
    finally:
        _sys.setdlopenflags(flags)


_import_core()

from punctum import healing as healing  # noqa: E402
from punctum import io  # noqa: E402
from punctum._core import (  # noqa: E402
    Grid3,
    IoError,
    Layer,
    NumericalError,
    ParameterError,
    ResourceError,
    SkinModel,
)
from punctum._core import __version__ as __version__  # noqa: E402
from punctum.analysis import optimize, plot_sensitivity, sensitivity  # noqa: E402
from punctum.course import (  # noqa: E402
    CancellationToken,
    CourseResult,
    Protocol,
    SimulationConfig,
    reference_course,
    simulate,
)
from punctum.devices import Pen, Roller, Stamp, TreatmentResult, plot_punctures  # noqa: E402
from punctum.mechanics import InsertionResult, Needle, insert, insertion_table  # noqa: E402
from punctum.patient import Finding, Patient, TreatmentPlan, screen, screening_report  # noqa: E402
from punctum.sweep import point_threads as sweep_point_threads  # noqa: E402
from punctum.sweep import sweep  # noqa: E402

__all__ = [
    "CancellationToken",
    "CourseResult",
    "Protocol",
    "SimulationConfig",
    "reference_course",
    "simulate",
    "Finding",
    "Grid3",
    "InsertionResult",
    "IoError",
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
    "healing",
    "io",
    "screen",
    "sensitivity",
    "screening_report",
    "sweep",
    "sweep_point_threads",
]
