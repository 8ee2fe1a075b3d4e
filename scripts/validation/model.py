"""Model runs shared by the validation cases and figures: cached, seeded, with the settings of
the run (quick: coarse; full: 3D where single channels or scars matter)."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import punctum

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"

#: every course and puncture map of the validation uses this seed (recorded in the report)
SEED = 0

#: punctum's reference course (the README's main job): the validation's pen and protocol are its
REFERENCE = punctum.reference_course()


@dataclass(frozen=True)
class Settings:
    """quick: every case at coarse settings (column fidelity; scars on an 80 um 3D patch).
    full: histology cases on a 3D patch at 40 um, scars at 40 um; everything else column."""

    quick: bool = False

    @property
    def scar_voxel_um(self) -> float:
        return 80.0 if self.quick else 40.0

    @property
    def histology(self) -> tuple[str, float | None]:
        """(fidelity, voxel_um) of the collagen/elastin histology cases."""
        return ("column", None) if self.quick else ("3d", 40.0)

    def describe(self) -> str:
        fid, vox = self.histology
        return (
            f"{'quick' if self.quick else 'full'}: scar cases on a 2 mm 3D patch at "
            f"{self.scar_voxel_um:.0f} um voxels; histology cases (OUT-01..06) "
            f"{fid}{'' if fid == 'column' else f' at {vox:.0f} um'}; every other course column"
        )


def freeze(**kwargs: Any) -> tuple:
    """Keyword arguments as a hashable, order-independent key."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))


def skin(site: str = "cheek", sex: str = "female", age: float = 45.0) -> punctum.SkinModel:
    return punctum.SkinModel.preset(site, sex=sex, age=age)


def abdomen() -> punctum.SkinModel:
    """The skin the mechanics calibration uses for ex vivo / in vivo rigs (docs/mechanics.md)."""
    return skin("abdomen", "female", 40.0)


def device(kind: str, params: tuple):
    return punctum.course._DEVICES[kind](**dict(params))


def pen(depth_mm: float | None = None, **kw: Any) -> tuple[str, tuple]:
    """The reference course's pen (12 needles at 100 Hz, 1.0 mm, 20 mm/s glide) unless said
    otherwise; a density replaces the glide speed."""
    settings = {k: v for k, v in REFERENCE.device.items() if k != "kind"}
    if depth_mm is not None:
        settings["depth_mm"] = depth_mm
    settings.update(kw)
    if "density_per_cm2" in kw:
        settings.pop("hand_speed_mm_s", None)
    return (REFERENCE.device["kind"], freeze(**settings))


def mf8(needle_length_mm: float = 1.5, **kw: Any) -> tuple[str, tuple]:
    """Dermaroller MF8 (192 needles) with the default hand unless said otherwise."""
    return ("roller", freeze(preset=192, needle_length_mm=needle_length_mm, **kw))


def microneedle_stamp(spacing_mm: float = 0.6) -> tuple[str, tuple]:
    """A 10 x 10 array of sharp 600 um microneedles pressed by hand (the Olatunji needle)."""
    return (
        "stamp",
        freeze(
            rows=10,
            columns=10,
            spacing_mm=spacing_mm,
            needle_length_mm=0.6,
            needle_diameter_mm=0.3,
            tip_radius_um=5.0,
            cone_half_angle_deg=15.0,
            hand_force_N=20.0,
        ),
    )


def course(
    dev: tuple[str, tuple],
    protocol: tuple = (),
    patient: tuple = (),
    site: tuple = ("cheek", "female", 45.0),
    fidelity: str = "column",
    voxel_um: float | None = None,
    condition: str = "none",
) -> punctum.CourseResult:
    """One course, run once per distinct input (cases and figures share runs). ``voxel_um`` sets
    the 3D patch's voxels; None keeps punctum's default (also the column's depth resolution)."""
    # The cache keys on every argument by position, so a default given explicitly (site=...)
    # hits the same run as one left out.
    return _course(dev, protocol, patient, site, fidelity, voxel_um, condition)


@functools.cache
def _course(
    dev: tuple[str, tuple],
    protocol: tuple,
    patient: tuple,
    site: tuple,
    fidelity: str,
    voxel_um: float | None,
    condition: str,
) -> punctum.CourseResult:
    sk = skin(*site)
    pat = dict(patient)
    pat.setdefault("age_years", sk.age_years)
    pat.setdefault("sex", sk.sex)
    return punctum.simulate(
        skin=sk,
        device=device(*dev),
        protocol=punctum.Protocol(**dict(protocol)),
        patient=punctum.Patient(**pat),
        fidelity=fidelity,
        **({} if voxel_um is None else {"voxel_um": voxel_um}),
        condition=condition,
        seed=SEED,
        progress=False,
    )


def one_session(horizon_days: float = 60.0, **kw: Any) -> tuple:
    return freeze(sessions=1, horizon_days=horizon_days, **kw)


def reference_protocol(**kw: Any) -> tuple:
    """The reference course's schedule (4 sessions 28 days apart, followed to day 182)."""
    p = REFERENCE.protocol
    schedule = {
        "sessions": p.sessions,
        "spacing_days": p.spacing_days,
        "horizon_days": p.horizon_days,
    }
    return freeze(**{**schedule, **kw})


@functools.cache
def treat(dev: tuple[str, tuple], area_cm2: float, passes: int, site=("cheek", "female", 45.0)):
    return device(*dev).treat(skin(*site), area_cm2=area_cm2, passes=passes, seed=SEED)


def _peak_and_first_below(v: np.ndarray, fraction: float) -> tuple[int, int | None]:
    """Index of the series' peak, and of the first value after it below ``fraction`` of the
    peak (None if it never falls that low)."""
    i = int(np.argmax(v))
    below = np.nonzero(v[i:] < fraction * v[i])[0]
    return i, (i + int(below[0]) if below.size else None)


def time_to_fraction_after_peak(result: punctum.CourseResult, name: str, fraction: float) -> float:
    """Days from the session to the first output after the series' peak at which it is below
    ``fraction`` of that peak (single-session courses)."""
    obs = result.observables
    t, v = obs["time_days"].values, obs[name].values
    _, j = _peak_and_first_below(v, fraction)
    return float(t[j]) if j is not None else float("nan")


def half_life_of_open_share(result: punctum.CourseResult) -> float:
    """Hours for the open share of the epidermal barrier to halve after the first session, by
    log-linear interpolation between outputs (first-order closure makes that exact)."""
    obs = result.observables
    t, v = obs["time_days"].values, obs["open_channel_fraction"].values
    v0 = v[0]
    j = int(np.nonzero(v < 0.5 * v0)[0][0])
    frac = np.log(v[j - 1] / (0.5 * v0)) / np.log(v[j - 1] / v[j])
    return float((t[j - 1] + frac * (t[j] - t[j - 1])) * 24.0)


@functools.cache
def dermal_damage_half_time(patient: tuple = ()) -> float:
    """Days for the tissue damage of one 1 mm x 100 um channel (column, cheek F 45) to halve from
    its peak: the wound's healing time, from which a healing rate 1/t is read."""
    pat = dict(patient)
    pat.setdefault("age_years", 45.0)
    ds = punctum.healing.single_puncture(
        skin(), depth_mm=1.0, days=60.0, fidelity="column", patient=punctum.Patient(**pat)
    )
    t, w = ds["time_days"].values, ds["w_excess"].values
    i, j = _peak_and_first_below(w, 0.5)
    if j is None:
        raise IndexError("the tissue damage never falls to half its peak")
    crossing = np.interp(0.5 * w[i], [w[j], w[j - 1]], [t[j], t[j - 1]])
    return float(crossing - t[i])


def table(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@functools.cache  # called per model run (sensitivity points); the tables do not change
def table_value(rel: str, key: str, column: str = "value") -> float:
    """A number from one of the sourced tables under data/ (first column is the key)."""
    for row in table(DATA / rel):
        if next(iter(row.values())) == key:
            return float(row[column])
    raise KeyError(f"{key} not in data/{rel}")


def stale_install_warning() -> str | None:
    """A warning when the imported punctum's Python files differ from this checkout's
    bindings/punctum (pip install . updates it); the C++ core cannot be compared this way."""
    installed = Path(punctum.__file__).resolve().parent
    source = ROOT / "bindings" / "punctum"
    if installed == source.resolve() or not source.is_dir():
        return None
    differ = [
        p.name
        for p in sorted(source.glob("*.py"))
        if not (installed / p.name).exists() or (installed / p.name).read_bytes() != p.read_bytes()
    ]
    if not differ:
        return None
    return (
        f"the imported punctum ({installed}) is not this checkout's: {', '.join(differ)} differ; "
        "run `python -m pip install --no-build-isolation .` (or scripts/validation-report)"
    )
