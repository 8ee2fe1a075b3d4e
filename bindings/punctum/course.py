"""Treatment courses: a device on a patient's skin, session after session, followed for months.

Example::

    import punctum
    result = punctum.simulate(
        skin=punctum.SkinModel.preset("cheek", sex="female", age=45),
        device=punctum.Pen(needles=12, depth_mm=1.0, frequency_Hz=100, hand_speed_mm_s=20),
        protocol=punctum.Protocol(sessions=4, spacing_days=28, horizon_days=182),
        patient=punctum.Patient(age_years=45),
    )
    print(result.summary())
    result.observables["collagen_change_percent"].plot()
"""

from __future__ import annotations

import dataclasses
import errno
import inspect
import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomllib
import xarray as xr

from punctum import _core
from punctum._errors import (
    MAX_THREADS,
    parameter_error,
    require_in_range,
    require_int,
    require_per_session,
)
from punctum.devices import _LAYERS, Pen, Roller, Stamp
from punctum.patient import Patient
from punctum.sweep import point_threads

__all__ = [
    "CancellationToken",
    "CourseResult",
    "Protocol",
    "SimulationConfig",
    "reference_course",
    "course_point",
    "simulate",
]

_DEVICES = {"pen": Pen, "roller": Roller, "stamp": Stamp}
#: The [skin] section of a configuration: a body-site preset and the sex and age it is aged to.
SKIN_DEFAULTS = {"site": "cheek", "sex": "female", "age": 45.0}
#: SimulationConfig's default run table: the options every recorded configuration states, with
#: rtol (_RUN_ALWAYS), whose default depends on the fidelity (simulate's rtol=None).
RUN_DEFAULTS = {
    "fidelity": "3d",
    "seed": 0,
    "patch_width_mm": 2.0,
    "voxel_um": 20.0,
    "condition": "none",
    "scheme": _core.course_default_scheme,
}
#: The [run] section: the keyword arguments of :func:`simulate` that describe the run (not where
#: its output goes or how it reports progress). docs/guide/configuration.md documents each.
RUN_KEYS = (
    "fidelity",
    "seed",
    "threads",
    "patch_width_mm",
    "voxel_um",
    "depth_mm",
    "rtol",
    "precision",
    "scheme",
    "condition",
    "output_days",
    "snapshot_days",
    "rate_multipliers",
    "exact_outputs",
)


@dataclass
class Protocol:
    """What the clinic does. Times in days from the first session; ``session_days`` (explicit
    session times) overrides ``sessions`` and ``spacing_days``. ``passes`` is one count for
    every session or a list with one per session."""

    sessions: int = 4
    spacing_days: float = 28.0
    horizon_days: float = 182.0
    session_days: list[float] | None = None
    area_cm2: float = 4.0
    passes: int | list[int] = 1
    directions_deg: list[float] | None = None
    uv_exposure: bool = False
    occlusion: bool = False
    cold_pack: bool = False
    vitamin_c_weeks: float = 0.0
    serum_concentration_kg_m3: float = 0.0
    serum_delay_h: float = 0.0
    serum_duration_h: float = 4.0
    cost_per_session: float = 0.0

    def __post_init__(self) -> None:
        # Counts are integers: 2.5 sessions must not quietly become 2 (3.0 is taken as 3).
        self.sessions = require_int("sessions", self.sessions, 1, 52, "sessions")
        require_in_range("spacing_days", self.spacing_days, 1, 365, "days")
        require_in_range("horizon_days", self.horizon_days, 1, 5 * 365.25, "days")
        require_in_range("area_cm2", self.area_cm2, 0.01, 1000, "cm^2")
        if not isinstance(self.passes, (list, tuple)):
            self.passes = require_int("passes", self.passes, 1, 100, "passes")
        require_in_range("vitamin_c_weeks", self.vitamin_c_weeks, 0, 52, "weeks")
        require_in_range(
            "serum_concentration_kg_m3", self.serum_concentration_kg_m3, 0, 2000, "kg/m^3"
        )
        require_in_range("serum_delay_h", self.serum_delay_h, 0, 336, "h")
        require_in_range("serum_duration_h", self.serum_duration_h, 0, 336, "h")
        require_in_range("cost_per_session", self.cost_per_session, 0, 1e7, "currency units")
        times = self.times_days()
        for i, t in enumerate(times):
            require_in_range(
                f"session_days[{i}]",
                t,
                times[i - 1] + 1 / 24 if i else 0.0,
                self.horizon_days,
                "days",
            )
        if isinstance(self.passes, (list, tuple)):
            require_per_session("passes", self.passes, len(times), "an integer in [1, 100]")
            self.passes = [
                require_int(f"passes[{i}]", n, 1, 100, "passes") for i, n in enumerate(self.passes)
            ]

    def times_days(self) -> list[float]:
        if self.session_days is not None:
            return [float(t) for t in self.session_days]
        return [i * float(self.spacing_days) for i in range(int(self.sessions))]

    def passes_per_session(self) -> list[int]:
        """The passes of each session, in session order."""
        sessions = len(self.times_days())
        if isinstance(self.passes, list):
            require_per_session("passes", self.passes, sessions, "an integer in [1, 100]")
            return list(self.passes)
        return [self.passes] * sessions


class CancellationToken:
    """Set from any thread to stop a running simulation at its next progress check."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass
class SimulationConfig:
    """Everything :func:`simulate` needs, as plain values that round-trip through TOML.
    ``device`` is one device table for every session or a list with one per session (TOML
    ``[[device]]``)."""

    skin: dict[str, Any] = field(default_factory=SKIN_DEFAULTS.copy)
    patient: Patient = field(default_factory=Patient)
    device: dict[str, Any] | list[dict[str, Any]] = field(
        default_factory=lambda: {
            "kind": "pen",
            "needles": 12,
            "depth_mm": 1.0,
            "frequency_Hz": 100.0,
            "hand_speed_mm_s": 20.0,
        }
    )
    protocol: Protocol = field(default_factory=Protocol)
    run: dict[str, Any] = field(default_factory=RUN_DEFAULTS.copy)

    def __post_init__(self) -> None:
        if isinstance(self.patient, dict):
            self.patient = Patient(**self.patient)
        if isinstance(self.protocol, dict):
            self.protocol = Protocol(**self.protocol)
        if isinstance(self.device, (list, tuple)):
            sessions = len(self.protocol.times_days())
            require_per_session("device", self.device, sessions, "one device table")
            self.device = list(self.device)
            for i, table in enumerate(self.device):
                _check_device_table(f"device[{i}]", table)
        else:
            _check_device_table("device", self.device)
        for section, known in (("skin", SKIN_DEFAULTS), ("run", RUN_KEYS)):
            unknown = sorted(set(getattr(self, section)) - set(known))
            if unknown:
                raise parameter_error(f"{section} keys", unknown, "keys among " + ", ".join(known))

    def to_dict(self) -> dict[str, Any]:
        out = {
            "skin": dict(self.skin),
            "patient": self.patient.to_dict(),
            "device": (
                [dict(d) for d in self.device]
                if isinstance(self.device, list)
                else dict(self.device)
            ),
            "protocol": dataclasses.asdict(self.protocol),
            "run": dict(self.run),
        }
        return _drop_none(out)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimulationConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise parameter_error("config sections", sorted(unknown), f"{sorted(known)}")
        return cls(**data)

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_toml(cls, text: str) -> SimulationConfig:
        return cls.from_dict(tomllib.loads(text))

    @classmethod
    def load(cls, path: str | os.PathLike) -> SimulationConfig:
        return cls.from_toml(Path(path).read_text())

    def build(self) -> dict[str, Any]:
        """The objects :func:`simulate` takes (``device``: a list when the configuration has one
        device per session)."""
        skin_cfg = {**SKIN_DEFAULTS, **self.skin}
        skin = _core.SkinModel.preset(
            skin_cfg["site"], sex=skin_cfg["sex"], age=float(skin_cfg["age"])
        )
        if isinstance(self.device, list):
            device: Any = [_build_device(table) for table in self.device]
        else:
            device = _build_device(self.device)
        return {
            "skin": skin,
            "device": device,
            "protocol": self.protocol,
            "patient": self.patient,
            **self.run,
        }


def _check_device_table(name: str, table: Any) -> None:
    """A device section (``name``: ``device`` or ``device[i]``): a table whose kind is known."""
    if not isinstance(table, dict):
        raise parameter_error(name, table, "a table of a device's settings with its kind")
    kind = table.get("kind")
    if kind not in _DEVICES:
        raise parameter_error(f"{name}.kind", kind, "one of " + ", ".join(_DEVICES))


def _device_kind(dev: Any) -> str | None:
    """``"pen"``, ``"roller"`` or ``"stamp"`` for a punctum device or its core object; None for
    anything else."""
    core = getattr(dev, "_core", dev)
    return next((k for k, cls in _DEVICES.items() if isinstance(core, cls._core_type)), None)


def _build_device(table: dict[str, Any]) -> Any:
    return _DEVICES[table["kind"]](**{k: v for k, v in table.items() if k != "kind"})


def _drop_none(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _drop_none(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [_drop_none(v) for v in d]
    return d


def reference_course() -> SimulationConfig:
    """Cheek, 45-year-old woman, pen at 1.0 mm, 4 sessions 4 weeks apart, 6-month follow-up.

    The pen (12-needle cartridge, 100 Hz) glides at 20 mm/s in one pass: slow enough that the
    needles do not drag (at the ~115 mm/s that 300 stamps/cm^2 would need, the mechanics tears
    0.3 mm slits). One pass over a 300 cm^2 face takes 7.8 min in the device model, faster than
    the 10-20 min clinics report (docs/validation.md, CLI-10). The stamp density is then
    ~1700/cm^2: many stamps land on or next to earlier ones."""
    return SimulationConfig()


@dataclass
class CourseResult:
    """A course's outcomes: ``observables`` over time (xarray, with units), per-session outcomes,
    the punctures in the simulated patch, collagen depth profiles, and the HDF5 file if written."""

    observables: xr.Dataset
    sessions: pd.DataFrame
    punctures: pd.DataFrame
    profiles: xr.Dataset
    completed: bool
    config: SimulationConfig | None = None
    path: Path | None = None

    @property
    def fields(self):
        """Field snapshots (time, z, y, x) from the HDF5 file, loaded lazily."""
        if self.path is None:
            raise ValueError("no HDF5 output: run simulate(..., output=PATH, snapshot_days=[...])")
        import h5py

        from punctum import io

        with h5py.File(self.path, "r") as f:
            if "fields" not in f:
                raise ValueError(f"{self.path} holds no snapshots: pass snapshot_days=[...]")
            names = f["fields"].attrs["species"]
        names = str(io._attr_value(names)).split(",")
        return xr.Dataset({name: io.read_fields(self.path, species=name) for name in names})

    def to_netcdf(self, path: str | os.PathLike) -> Path:
        self.observables.to_netcdf(path)
        return Path(path)

    def to_hdf5(self, path: str | os.PathLike) -> Path:
        """Copies the course's HDF5 file (written by simulate(output=...)) to ``path``."""
        import shutil

        if self.path is None:
            raise ValueError("no HDF5 output: run simulate(..., output=PATH)")
        shutil.copyfile(self.path, path)
        return Path(path)

    def value_at(self, name: str, day: float) -> float:
        da = self.observables[name]
        return float(da.sel(time_days=day, method="nearest"))

    def summary_values(self) -> dict[str, float]:
        """The headline outcomes as plain numbers (what sweeps collect per point)."""
        obs = self.observables
        return _summary_values(
            obs["time_days"].values,
            {name: obs[name].values for name in obs.data_vars},
            self.sessions.to_dict("records"),
            float(obs.attrs.get("total_cost", 0.0)),
        )

    def summary(self) -> str:
        v = self.summary_values()
        rows = [
            ("collagen gain at end", f"{v['collagen_gain_percent']:+.2f} %"),
            (
                "  collagen I / III",
                f"{v['collagen_I_gain_percent']:+.2f} % / {v['collagen_III_gain_percent']:+.2f} %",
            ),
            ("dermal thickness change", f"{v['dermal_thickness_change_um']:+.1f} um"),
            ("elastin change", f"{v['elastin_change_percent']:+.2f} %"),
            (
                "downtime per session (mean, max)",
                f"{v['downtime_days_mean']:.1f} d, {v['downtime_days_max']:.1f} d",
            ),
            ("epidermal closure (mean)", f"{v['closure_time_h_mean']:.1f} h"),
            ("pinpoint bleeding", f"{v['bleeding_points_per_cm2']:.0f} points/cm^2"),
            ("bruising (plexus hits)", f"{v['bruising_points_per_cm2']:.1f} points/cm^2"),
            ("depth reached (mean)", f"{v['mean_depth_mm']:.2f} mm"),
            ("puncture density", f"{v['density_per_cm2']:.0f} /cm^2 per session"),
            ("treatment time", f"{v['treatment_time_min']:.1f} min per session"),
            ("pigmentation-risk index (peak)", f"{v['pigment_activation_peak']:.3f}"),
        ]
        if "condition_fill_fraction" in v:
            rows.append(("condition fill", f"{100 * v['condition_fill_fraction']:.1f} %"))
        if v["total_cost"]:
            rows.append(("cost", f"{v['total_cost']:.0f}"))
        width = max(len(r[0]) for r in rows)
        head = f"punctum course over {v['horizon_days']:.0f} days"
        if not self.completed:
            head += " (INTERRUPTED: partial result)"
        return "\n".join([head] + [f"  {k:<{width}}  {val}" for k, val in rows])


def _summary_values(
    times_days: np.ndarray,
    series: dict[str, np.ndarray],
    sessions: list[dict[str, Any]],
    total_cost: float,
) -> dict[str, float]:
    """Headline outcomes from the series (over time) and the session rows (_session_row)."""

    def column(name: str, valid_from_zero: bool = False) -> np.ndarray:
        v = np.array([float(s[name]) for s in sessions], dtype=float)
        return v[v >= 0] if valid_from_zero else v

    def stat(v: np.ndarray, how) -> float:
        return float(how(v)) if v.size else float("nan")

    down = column("downtime_days", True)
    closure = column("closure_time_h", True)
    out = {
        "horizon_days": float(times_days[-1]),
        "collagen_gain_percent": float(series["collagen_change_percent"][-1]),
        "collagen_I_gain_percent": float(series["collagen_I_change_percent"][-1]),
        "collagen_III_gain_percent": float(series["collagen_III_change_percent"][-1]),
        "elastin_change_percent": float(series["elastin_change_percent"][-1]),
        "dermal_thickness_change_um": float(series["dermal_thickness_change_um"][-1]),
        "downtime_days_mean": stat(down, np.mean),
        "downtime_days_max": stat(down, np.max),
        "closure_time_h_mean": stat(closure, np.mean),
        "peak_erythema": stat(column("peak_erythema"), np.max),
        "bleeding_points_per_cm2": stat(column("bleeding_points_per_cm2"), np.mean),
        "bruising_points_per_cm2": stat(column("bruising_points_per_cm2"), np.mean),
        "peak_blood_ul_per_cm2": float(np.max(series["blood_ul_per_cm2"])),
        "pigment_activation_peak": float(np.max(series["pigment_activation_max"])),
        "serum_dermis_peak_ug_per_cm2": float(np.max(series["serum_dermis_ug_per_cm2"])),
        "density_per_cm2": stat(column("density_per_cm2"), np.mean),
        "treatment_time_min": stat(column("treatment_time_s"), np.mean) / 60.0,
        "mean_depth_mm": stat(column("mean_depth_mm"), np.mean),
        "total_cost": float(total_cost),
    }
    if "condition_fill_fraction" in series:
        out["condition_fill_fraction"] = float(series["condition_fill_fraction"][-1])
    return out


def _session_row(s: dict[str, Any]) -> dict[str, Any]:
    """A session's outcomes from the core, in days and hours (-1: did not happen)."""
    row = {k: v for k, v in s.items() if k != "punctures"}
    row["time_days"] = row.pop("time_s") / 86400.0
    downtime, closure = row.pop("downtime_s"), row.pop("closure_time_s")
    row["downtime_days"] = downtime / 86400.0 if downtime >= 0 else -1.0
    row["closure_time_h"] = closure / 3600.0 if closure >= 0 else -1.0
    return row


def _observables(raw: _core.CourseResult, attrs: dict[str, Any]) -> xr.Dataset:
    t = np.asarray(raw.times_s) / 86400.0
    data = {
        name: (
            "time_days",
            np.asarray(values),
            {"units": units, "long_name": name, "description": desc},
        )
        for name, units, desc, values in raw.series
    }
    return xr.Dataset(data, coords={"time_days": ("time_days", t, {"units": "d"})}, attrs=attrs)


def _sessions(
    raw: _core.CourseResult, plan: list[dict[str, Any]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The session table and the punctures; ``plan`` is the sessions the core was given, whose
    device kind, needle length and passes each row states next to the device's description."""
    rows, punct = [], []
    for i, s in enumerate(raw.sessions):
        row = _session_row(s)
        core_device = plan[i]["device"]
        planned = {
            "device_kind": _device_kind(core_device),
            "needle_length_mm": float(core_device.needle.length_mm),
            "passes": int(plan[i]["passes"]),
        }
        rows.append({"device": row.pop("device"), **planned, **row})
        cols = dict(s["punctures"])
        codes = np.asarray(cols.pop("deepest_layer_code"), dtype=int)
        df = pd.DataFrame(cols)
        df.insert(0, "session", i)
        df["deepest_layer"] = pd.Categorical.from_codes(codes, categories=_LAYERS)
        punct.append(df)
    sessions = pd.DataFrame(rows)
    punctures = pd.concat(punct, ignore_index=True) if punct else pd.DataFrame()
    return sessions, punctures


#: Run options every recorded configuration states (the keys of SimulationConfig's default run
#: table); the others are stated when they differ from simulate()'s default (they change the
#: result: the stored config rebuilds the course). A file must say what it ran without the code of
#: the version that wrote it: the course default rtol changed from 1e-3 to 3e-3 on 22 Nov 2026,
#: and the default scheme from Richardson at 3e-3 to lean at the fidelity's rtol (5e-4 in 3D,
#: 2e-3 in the column) later that day (a file written in between states its rtol but not its
#: scheme, "richardson"; docs/course.md, "Accuracy").
_RUN_ALWAYS = (*RUN_DEFAULTS, "rtol")


def _config_that_ran(
    skin: Any,
    device: Any,
    protocol: Protocol,
    patient: Patient,
    given: SimulationConfig | None,
    run_values: dict[str, Any],
) -> SimulationConfig:
    """The configuration of what runs, built from the arguments the core is given, so that the
    recorded provenance (``config_toml``) rebuilds this course even when a ``config`` passed
    along says otherwise. A given ``config`` contributes only the run keys it spells out (a
    default written out, ``threads``), each with the value that ran, and the device section of
    a core device object, which describes no configuration of its own. A list of devices (one
    per session) is recorded as a list of device tables."""

    def table(dev: Any, i: int | None) -> dict[str, Any]:
        if hasattr(dev, "_core"):  # a punctum device, which knows the settings it was made with
            return {"kind": _device_kind(dev), **getattr(dev, "_kwargs", {})}
        given_device = given.device if given is not None else None
        if isinstance(given_device, list):
            given_device = given_device[i] if i is not None and i < len(given_device) else None
        return dict(given_device) if given_device is not None else {"kind": "pen"}

    if isinstance(device, list):
        dev_cfg: Any = [table(dev, i) for i, dev in enumerate(device)]
    else:
        dev_cfg = table(device, None)
    spelled_out = set(given.run) if given is not None else set()
    defaults = _RUN_SIGNATURE.parameters
    run = {
        k: v
        for k, v in run_values.items()
        if k in _RUN_ALWAYS
        or k in spelled_out
        or (k != "threads" and v and v != defaults[k].default)
    }
    return SimulationConfig(
        skin={"site": skin.site, "sex": skin.sex, "age": skin.age_years},
        patient=patient,
        device=dev_cfg,
        protocol=protocol,
        run=run,
    )


def _session_devices(device: Any, sessions: int) -> list[Any]:
    """The device of each session: ``device`` for all, or the list's, checked to be devices."""

    def check(name: str, dev: Any) -> Any:
        if _device_kind(dev) is None:
            raise parameter_error(name, dev, "a punctum Pen, Roller or Stamp")
        return dev

    if isinstance(device, (list, tuple)):
        require_per_session("device", device, sessions, "one device")
        return [check(f"device[{i}]", dev) for i, dev in enumerate(device)]
    return [check("device", device)] * sessions


def _warn_if_another_person(skin: Any, patient: Patient) -> None:
    """The skin preset sets the layers' thicknesses by sex and age, the patient the healing's age
    and sex factors: a course whose two describe different people (a sweep over
    ``patient.age_years`` that leaves ``skin.age`` alone, say) models neither of them."""
    if patient.sex != skin.sex or abs(float(patient.age_years) - float(skin.age_years)) > 1.0:
        warnings.warn(
            f"patient ({patient.sex}, {float(patient.age_years):g} years) and skin preset "
            f"({skin.sex}, {float(skin.age_years):g} years) describe different people: the "
            "layers' thicknesses follow the skin, the healing's age and sex factors the patient; "
            "build the skin with SkinModel.preset(site, sex=..., age=...) for the same person "
            "(in a configuration or sweep: skin.sex / skin.age with patient.sex / "
            "patient.age_years)",
            UserWarning,
            stacklevel=4,
        )


def _run_core(
    skin: Any = None,
    device: Any = None,
    protocol: Protocol | None = None,
    patient: Patient | None = None,
    *,
    fidelity: str = "3d",
    seed: int = 0,
    threads: int | None = None,
    progress: bool = True,
    output: str | os.PathLike | None = None,
    snapshot_days: list[float] | None = None,
    output_days: list[float] | None = None,
    condition: str = "none",
    patch_width_mm: float = 2.0,
    voxel_um: float = 20.0,
    depth_mm: float | None = None,
    rtol: float | None = None,
    precision: str = "double",
    scheme: str = _core.course_default_scheme,
    rate_multipliers: dict[str, float] | None = None,
    exact_outputs: bool = False,
    cancel: CancellationToken | None = None,
    config: SimulationConfig | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every_days: float = 7.0,
    resume_from: str | os.PathLike | None = None,
) -> tuple[Any, SimulationConfig, str, Path | None, list[dict[str, Any]]]:
    """:func:`simulate`'s parameters (its signature is this one); runs the course in the core and
    returns (raw result, resolved config, that config as TOML, output path, the sessions given
    to the core)."""
    # Integers, checked before anything is built or written: the core would truncate 2.5 or
    # take True as 1. The seed is the core's uint64.
    seed = require_int("seed", seed, 0, 2**64 - 1, allowed="an integer in [0, 2^64)")
    if rtol is None:  # the fidelity's default (the core's), recorded as the value that ran
        rtol = _core.course_default_rtol_for(fidelity)
    if threads is not None:
        threads = require_int("threads", threads, 0, MAX_THREADS, "threads")
    if checkpoint is not None:
        require_in_range("checkpoint_every_days", checkpoint_every_days, 1e-3, 5 * 365.25, "days")
    if resume_from is not None and not Path(resume_from).is_file():
        raise FileNotFoundError(
            errno.ENOENT, "resume_from: no checkpoint file", os.fspath(resume_from)
        )
    if skin is None or device is None or protocol is None:  # defaults: the reference course
        ref = reference_course()
        built = ref.build()
        skin = skin if skin is not None else built["skin"]
        device = device if device is not None else built["device"]
        protocol = protocol if protocol is not None else ref.protocol
    patient = patient if patient is not None else Patient(age_years=skin.age_years, sex=skin.sex)
    _warn_if_another_person(skin, patient)
    times_days = protocol.times_days()
    devices = _session_devices(device, len(times_days))
    config = _config_that_ran(
        skin,
        devices if isinstance(device, (list, tuple)) else device,
        protocol,
        patient,
        config,
        {
            "fidelity": fidelity,
            "seed": seed,
            "patch_width_mm": patch_width_mm,
            "voxel_um": voxel_um,
            "condition": condition,
            "depth_mm": depth_mm,
            "rtol": rtol,
            "precision": precision,
            "scheme": scheme,
            "output_days": list(output_days) if output_days is not None else None,
            "snapshot_days": list(snapshot_days) if snapshot_days is not None else None,
            "rate_multipliers": dict(rate_multipliers) if rate_multipliers is not None else None,
            "exact_outputs": exact_outputs,
            "threads": threads,
        },
    )
    horizon_days = float(protocol.horizon_days)
    sessions = [
        {
            "time_s": t * 86400.0,
            "device": getattr(dev, "_core", dev),
            "area_cm2": protocol.area_cm2,
            "passes": passes,
            "directions_deg": protocol.directions_deg,
        }
        for t, dev, passes in zip(times_days, devices, protocol.passes_per_session(), strict=True)
    ]
    protocol_options = {
        k: getattr(protocol, k)
        for k in (
            "uv_exposure",
            "occlusion",
            "cold_pack",
            "vitamin_c_weeks",
            "serum_concentration_kg_m3",
            "serum_delay_h",
            "serum_duration_h",
            "cost_per_session",
        )
    }
    options = {
        "fidelity": fidelity,
        "patch_width_mm": patch_width_mm,
        "voxel_um": voxel_um,
        "depth_mm": depth_mm or 0.0,
        "output_times_days": output_days or [],
        "snapshot_times_days": snapshot_days or [],
        "condition": condition,
        "seed": int(seed),
        "threads": int(threads or 0),
        "rtol": rtol,
        "precision": str(precision),
        "scheme": str(scheme),
        "rate_multipliers": {str(k): float(v) for k, v in (rate_multipliers or {}).items()},
        "exact_outputs": bool(exact_outputs),
        "checkpoint_path": os.fspath(checkpoint) if checkpoint is not None else "",
        "checkpoint_interval_days": float(checkpoint_every_days) if checkpoint is not None else 0.0,
        "resume_from": os.fspath(resume_from) if resume_from is not None else "",
    }

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=round(horizon_days), unit="day", desc="course", mininterval=1.0)

    def on_progress(t_s: float) -> bool:
        if bar is not None:
            bar.update(int(t_s / 86400.0) - bar.n)
        return not (cancel is not None and cancel.cancelled)

    out_path = Path(output) if output is not None else None
    config_toml = config.to_toml()
    made = [
        folder
        for path in (out_path, checkpoint)
        if path is not None
        for folder in make_folder(Path(path).absolute().parent)
    ]
    try:
        raw = _core.run_course(
            skin,
            patient._to_core(),
            sessions,
            horizon_days * 86400.0,
            protocol_options,
            options,
            on_progress,
            out_path,
            config_toml if out_path is not None else "",
        )
        if bar is not None and raw.completed:
            # The solver reports progress at most every 0.2 s, so its last report can predate the
            # end; a completed course reached its horizon (a cancelled one stops where it was).
            bar.update(bar.total - bar.n)
    except Exception:
        # The core refused a run option, or failed: it leaves no file behind, and the folders
        # made for its files go too (an interrupt keeps them: its HDF5 file is valid).
        remove_made_folders(made)
        raise
    finally:
        if bar is not None:
            bar.close()
    return raw, config, config_toml, out_path, sessions


def make_folder(folder: Path) -> list[Path]:
    """Creates ``folder`` and its missing parents; returns those it made, deepest first (what
    :func:`remove_made_folders` takes back)."""
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return made


def remove_made_folders(made: list[Path]) -> None:
    """Removes the folders :func:`make_folder` made, deepest first, while they are empty."""
    for folder in made:
        try:
            folder.rmdir()
        except OSError:
            break


_RUN_SIGNATURE = inspect.signature(_run_core)


def simulate(*args: Any, **kwargs: Any) -> CourseResult:
    """Run a treatment course and return its :class:`CourseResult`.

    Defaults are the reference course (cheek, 45-year-old woman, pen at 1.0 mm, 4 sessions 4
    weeks apart, 6-month follow-up). ``device`` is one device for every session, or a list
    with one per session (``[Pen(depth_mm=0.5), Pen(depth_mm=1.0)]``), as ``protocol.passes``
    may be; ``result.sessions`` states each session's device. ``fidelity``: ``"3d"`` (a
    periodic patch of ``patch_width_mm`` at ``voxel_um``) or ``"column"`` (the lateral average,
    for fast sweeps).
    ``output``: an HDF5 file (with an XDMF sidecar when ``snapshot_days`` are given). The GIL is
    released while the course runs; a tqdm bar updates about once a second; Ctrl-C raises
    KeyboardInterrupt within a second and still leaves a valid (partial) file; ``cancel``
    stops the run from another thread and returns the partial result. ``rate_multipliers``
    scales healing rates of data/healing/rates.csv by name (``{"collagen_synthesis": 1.5}``),
    after the patient modifiers: what sensitivity studies vary. Observables at ``output_days``
    are interpolated linearly between the integrator's accepted steps (dense output);
    ``exact_outputs=True`` steps to every output time instead (slower, for checking).
    ``precision="float"`` integrates the healing field in float32: half its memory, faster on
    fields beyond the cache, outcomes far closer to the default ``"double"`` than the
    integrator's tolerance (figures in docs/course.md). The default ``scheme="lean"``
    integrates in time with the adaptive split step in place, in 1.5 times the field's memory:
    second-order kinetics, the signals' relaxation exact for a source linear over the step, and
    outcomes about as close to converged ones as adaptive Richardson's at the same ``rtol`` in
    the column, about twice as far in 3D, where its lateral transport is first order (hence the
    default ``rtol=None``: the fidelity's, 5e-4 in 3D and 2e-3 in the column).
    ``scheme="richardson"`` extrapolates a step pair (3.2 times the field's memory, more time
    per step, every species' error controlled); ``scheme="euler"`` is lean's step with
    first-order kinetics, which needs a far tighter ``rtol`` for the same accuracy (figures in
    docs/course.md). The
    result's ``config`` (and the ``config_toml`` it records) is the configuration of what ran,
    built from these arguments: a ``config`` passed along cannot contradict it.

    Long courses can be checkpointed and resumed: ``checkpoint=PATH`` saves the state (atomically,
    replacing the previous checkpoint) every ``checkpoint_every_days`` of simulated time;
    ``resume_from=PATH`` continues from such a file and reproduces the uninterrupted course bit
    for bit (a checkpoint of another course, seed or tolerance is refused). A resumed run's HDF5
    file holds every observable but only the snapshots after the resume point.
    """
    try:
        bound = _RUN_SIGNATURE.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"simulate(): {e}") from None
    bound.apply_defaults()
    raw, config, config_toml, out_path, plan = _run_core(*bound.args, **bound.kwargs)
    attrs = {
        "punctum_version": _core.__version__,
        "seed": int(config.run["seed"]),
        "fidelity": config.run["fidelity"],
        "condition": config.run["condition"],
        "completed": int(raw.completed),
        "total_cost": float(raw.total_cost),
        "integrator_steps": int(raw.integrator_steps),
        "config_toml": config_toml,
    }
    sessions_df, punctures_df = _sessions(raw, plan)
    observables = _observables(raw, attrs)
    return CourseResult(
        observables=observables,
        sessions=sessions_df,
        punctures=punctures_df,
        profiles=_profiles(raw, observables["time_days"]),
        completed=raw.completed,
        config=config,
        path=out_path,
    )


def _profiles(raw: _core.CourseResult, time_days: xr.DataArray) -> xr.Dataset:
    """Collagen against depth: before and after the course, and at every output time
    (``time_days``, the observables' coordinate): collagen I, III and the change of I + III
    against each plane's baseline, NaN where it has none."""
    depth_um = np.asarray(raw.depth_m) * 1e6
    baseline = np.asarray(raw.collagen_profile_baseline)
    collagen_I = np.asarray(raw.collagen_I_profiles)
    collagen_III = np.asarray(raw.collagen_III_profiles)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(
            baseline > 0, 100.0 * (collagen_I + collagen_III - baseline) / baseline, np.nan
        )
    over_time = ("time_days", "depth_um")
    return xr.Dataset(
        {
            "collagen_baseline": ("depth_um", baseline, {"units": "kg/m^3"}),
            "collagen_final": (
                "depth_um",
                np.asarray(raw.collagen_profile_final),
                {"units": "kg/m^3"},
            ),
            "collagen_I": (over_time, collagen_I, {"units": "kg/m^3", "long_name": "collagen I"}),
            "collagen_III": (
                over_time,
                collagen_III,
                {"units": "kg/m^3", "long_name": "collagen III"},
            ),
            "collagen_change_percent": (
                over_time,
                change,
                {"units": "%", "long_name": "collagen I + III change"},
            ),
        },
        coords={
            "depth_um": ("depth_um", depth_um, {"units": "um"}),
            "time_days": time_days,
        },
    )


simulate.__signature__ = _RUN_SIGNATURE.replace(return_annotation=CourseResult)


def _point_kwargs(cfg: SimulationConfig) -> dict[str, Any]:
    """``simulate`` keyword arguments of a sweep point: the configuration's, on the sweep's
    ``threads_per_point`` OpenMP threads (:func:`punctum.sweep_point_threads`) unless
    ``run.threads`` sets them."""
    kwargs = cfg.build()
    if kwargs.get("threads") is None:
        kwargs["threads"] = point_threads()
    return kwargs


def course_point(config: dict[str, Any] | SimulationConfig) -> dict[str, Any]:
    """One sweep point: a course from a configuration (nested dict, as ``SimulationConfig``
    writes it), run without a progress bar on the sweep's ``threads_per_point`` OpenMP threads
    (:func:`punctum.sweep_point_threads`; 1 outside a sweep) unless ``run.threads`` says
    otherwise. Returns the headline outcomes and the collagen change on whole days."""
    cfg = (
        config
        if isinstance(config, SimulationConfig)
        else SimulationConfig.from_dict(
            {k: (dict(v) if isinstance(v, dict) else v) for k, v in config.items()}
        )
    )
    kwargs = _point_kwargs(cfg)
    # The core result straight to numbers: no DataFrames, xarray or puncture columns per point.
    raw, *_ = _run_core(**kwargs, progress=False)
    times = np.asarray(raw.times_s) / 86400.0
    series = {name: np.asarray(values) for name, _, _, values in raw.series}
    rows = [_session_row(s) for s in raw.session_outcomes]
    out: dict[str, Any] = _summary_values(times, series, rows, float(raw.total_cost))
    days = np.arange(0.0, np.floor(cfg.protocol.horizon_days) + 1.0)
    out["collagen_change_daily_percent"] = np.interp(days, times, series["collagen_change_percent"])
    return out
