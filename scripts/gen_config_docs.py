#!/usr/bin/env python3
"""Writes docs/guide/configuration.md: every key of a punctum configuration (TOML sections skin,
patient, device, protocol, run) with its unit, default, allowed values and meaning.

The keys and defaults are read from the code (the Patient and Protocol dataclasses, the device
constructors' signatures, punctum.course.SKIN_DEFAULTS and RUN_KEYS with simulate()'s defaults);
the allowed ranges are what the validators answer when probed with a bad value (NaN, an
out-of-range integer or an unknown name), so the page states the ranges the code enforces. Only
the meaning of each key is written here, in KEYS below; the generator fails on a key without a
meaning, a meaning without a key, or a unit that disagrees with the validator's.

Needs punctum installed. Run: python3 scripts/gen_config_docs.py [--check]
(--check exits 1 if the page is out of date; tests/python/test_docs.py runs it.)
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import inspect
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import punctum
from punctum import _core
from punctum import course as _course

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "guide" / "configuration.md"
SECTIONS = ("skin", "patient", "device", "protocol", "run")
DEVICE_KINDS = _course._DEVICES
_AUTO = object()


@dataclass
class Key:
    meaning: str
    unit: str = ""  # as the key's name states it; "" for names, flags and pure numbers
    probe: Any = _AUTO  # bad value that makes the validator state the range; None: none exists
    context: dict[str, Any] = field(default_factory=dict)  # other arguments the probe needs
    allowed: str | None = None  # stated here when the code has no single range to probe
    none_means: str | None = None  # what an omitted (None) value does; {table:row} placeholders
    note: str = ""  # appended to the probed range: how a bound depends on other keys


# The meaning of every key. Device keys are "device.<kind>.<name>", or "device.*.<name>" when
# the meaning is the same for every kind.
KEYS: dict[str, Key] = {
    # ---- skin
    "skin.site": Key("body-site preset: layer thicknesses of data/skin/sites.csv", probe="?"),
    "skin.sex": Key("sex of the preset (thicknesses differ)", probe="?"),
    "skin.age": Key(
        "age the preset is aged to (thinner dermis, less collagen, fewer fibroblasts); keep it "
        "equal to patient.age_years",
        "years",
    ),
    # ---- patient
    "patient.age_years": Key(
        "age: slows proliferation, synthesis and epidermal repair (the skin's own ageing is "
        "skin.age)",
        "years",
    ),
    "patient.sex": Key("sex", probe="?"),
    "patient.fitzpatrick": Key(
        "Fitzpatrick phototype I-VI as 1-6: scales the pigment response", "", probe=99
    ),
    "patient.diabetes": Key("diabetes: slower repair and proliferation, longer inflammation"),
    "patient.hba1c_percent": Key(
        "HbA1c of a diabetic patient: dermal repair slows above 6 %",
        "%",
        context={"diabetes": True},
        none_means="not known: no HbA1c effect",
        note="only with diabetes = true",
    ),
    "patient.anticoagulant": Key("anticoagulant or antiplatelet use: more bleeding"),
    "patient.haemophilia": Key("bleeding disorder: more bleeding"),
    "patient.keloid_tendency": Key("keloid tendency: stronger TGF-β response, less breakdown"),
    "patient.smoker": Key("smoking: slower dermal repair, less synthesis"),
    "patient.recent_radiation": Key("radiotherapy of the area: less proliferation and synthesis"),
    "patient.pregnant_or_breastfeeding": Key("screening only"),
    "patient.active_acne": Key("screening only"),
    "patient.active_infection": Key("screening only (incl. herpes)"),
    "patient.eczema": Key("screening only"),
    "patient.psoriasis": Key("screening only"),
    "patient.open_wound": Key("screening only"),
    "patient.cancer": Key("screening only"),
    "patient.recent_isotretinoin": Key("screening only (within 6 months)"),
    "patient.vitamin_c_preparation": Key(
        "vitamin C preparation: more collagen synthesis (also set by protocol.vitamin_c_weeks)"
    ),
    # ---- device
    "device.kind": Key("the device", probe="?"),
    "device.*.tip_radius_um": Key("needle tip radius", "um", note="at most the shaft radius"),
    "device.*.cone_half_angle_deg": Key("needle cone half-angle", "deg"),
    "device.*.needle_diameter_mm": Key("needle shaft diameter", "mm"),
    "device.*.needle_length_mm": Key("exposed needle length", "mm"),
    "device.*.reposition_time_s": Key("time to lift and reposition between strokes", "s"),
    "device.pen.needles": Key("cartridge (data/devices/pen_cartridges.csv)", probe=10**6),
    "device.pen.depth_mm": Key("depth setting: needle travel and exposed length", "mm"),
    "device.pen.frequency_Hz": Key("stamps per second", "Hz"),
    "device.pen.hand_speed_mm_s": Key(
        "glide speed of the hand (sets the density per pass, N f / (v w))",
        "mm/s",
        none_means="{defaults:pen_hand_speed}",
    ),
    "device.pen.density_per_cm2": Key(
        "instead of hand_speed_mm_s: the glide speed that lays this many punctures per pass",
        "/cm^2",
        none_means="use hand_speed_mm_s",
        note="the glide speed it implies must lie in hand_speed_mm_s's range",
    ),
    "device.pen.stroke_amplitude_mm": Key(
        "needle stroke; peak tip speed π f A; at least the depth setting",
        "mm",
        none_means="max(depth_mm, {defaults:pen_stroke_amplitude})",
        note="at the default depth; the lower bound is depth_mm",
    ),
    "device.pen.motor_force_N": Key(
        "thrust on the whole cartridge", "N", none_means="{defaults:pen_motor_force}"
    ),
    "device.pen.needle_diameter_mm": Key(
        "needle shaft diameter", "mm", none_means="the cartridge's (pen_cartridges.csv)"
    ),
    "device.pen.reposition_time_s": Key(
        "time between lines", "s", none_means="{defaults:pen_reposition_time}"
    ),
    "device.roller.preset": Key("roller preset (data/devices/rollers.csv)", probe=10**6),
    "device.roller.hand_force_N": Key(
        "hand force on the drum, shared by the needles in the skin",
        "N",
        none_means="{defaults:roller_hand_force}",
    ),
    "device.roller.hand_speed_mm_s": Key(
        "rolling speed", "mm/s", none_means="{defaults:roller_hand_speed}"
    ),
    "device.roller.drum_diameter_mm": Key("drum diameter", "mm", none_means="the preset's"),
    "device.roller.drum_width_mm": Key("drum width", "mm", none_means="the preset's"),
    "device.roller.rows": Key("needle rows across the drum", none_means="the preset's"),
    "device.roller.needles_per_row": Key(
        "needles around the drum per row",
        none_means="the preset's",
        note="and few enough that the needles fit around the drum",
    ),
    "device.roller.needle_diameter_mm": Key(
        "needle shaft diameter", "mm", none_means="the preset's"
    ),
    "device.roller.reposition_time_s": Key(
        "time between strips", "s", none_means="{defaults:roller_reposition_time}"
    ),
    "device.stamp.rows": Key("needle rows", probe=10**6),
    "device.stamp.columns": Key("needle columns", probe=10**6),
    "device.stamp.spacing_mm": Key(
        "distance between needles", "mm", note="the lower bound is the shaft diameter"
    ),
    "device.stamp.hand_force_N": Key("hand force per press, shared by every needle", "N"),
    "device.stamp.press_speed_mm_s": Key("pressing speed", "mm/s"),
    "device.stamp.reposition_time_s": Key("time per press", "s"),
    # ---- protocol
    "protocol.sessions": Key("number of sessions (ignored when session_days is given)", probe=999),
    "protocol.spacing_days": Key("time between sessions", "days"),
    "protocol.horizon_days": Key("follow-up: simulated time from the first session", "days"),
    "protocol.session_days": Key(
        "explicit session times from the first session (overrides sessions and spacing_days)",
        "days",
        probe=None,
        allowed="increasing, at least 1 h apart, within [0, horizon_days]",
        none_means="sessions × spacing_days",
    ),
    "protocol.area_cm2": Key("area treated per session", "cm^2"),
    "protocol.passes": Key(
        "passes per session: one count for every session, or a list with one per session",
        probe=999,
        note="a list holds one such count per session",
    ),
    "protocol.directions_deg": Key(
        "stroke directions, cycled over the passes",
        "deg",
        probe=None,
        allowed="at least one finite angle",
        none_means="0, 90, 45, 135",
    ),
    "protocol.uv_exposure": Key("unprotected sun exposure while healing (UV modifiers)"),
    "protocol.occlusion": Key("occlusive dressing for the first day (slower epidermal closure)"),
    "protocol.cold_pack": Key("cold packs after the session (less inflammation and redness)"),
    "protocol.vitamin_c_weeks": Key(
        "weeks of vitamin A/C preparation before the course ({observables:"
        "vitamin_c_preparation_weeks} or more turn on the vitamin C modifier)",
        "weeks",
    ),
    "protocol.serum_concentration_kg_m3": Key(
        "topical agent in the surface film after each session (0: none)", "kg/m^3"
    ),
    "protocol.serum_delay_h": Key("from the end of a session to applying the serum", "h"),
    "protocol.serum_duration_h": Key("time the serum film stays on", "h"),
    "protocol.cost_per_session": Key("any currency unit (adds up to total_cost)", "currency"),
    # ---- run
    "run.fidelity": Key(
        '"3d": a periodic patch that resolves channels; "column": its lateral average '
        "(milliseconds, for sweeps)",
        probe="?",
    ),
    "run.seed": Key(
        "seed of every random stream (puncture maps); same seed, same result",
        probe=-1,
    ),
    "run.threads": Key(
        "OpenMP threads; results do not depend on it",
        probe=10**6,
        none_means="the OpenMP default: OMP_NUM_THREADS or every core (also for 0)",
    ),
    "run.patch_width_mm": Key("lateral size of the 3D patch (periodic)", "mm"),
    "run.voxel_um": Key("voxel edge (3D; the column uses it in depth)", "um"),
    "run.depth_mm": Key(
        "depth of the grid", "mm", none_means="bottom of the dermis + 0.3 mm (also for 0)"
    ),
    "run.rtol": Key(
        "local error tolerance of the adaptive integrator",
        none_means=(
            f"the fidelity's default: {_core.course_default_rtol_for('3d'):g} in 3d, "
            f"{_core.course_default_rtol_for('column'):g} in the column (docs/course.md)"
        ),
    ),
    "run.precision": Key(
        "number type of the healing field: float halves its memory and traffic (speed and "
        "accuracy: docs/course.md)",
        probe="?",
    ),
    "run.scheme": Key(
        "time integrator of the healing field: lean (the default) and euler need 1.5x the "
        "field's memory instead of richardson's 3.2x; at the same rtol lean is about as accurate "
        "as richardson in the column and half as accurate in 3D (hence rtol's fidelity "
        "defaults), euler needs a far tighter rtol (accuracy: docs/course.md). A file written "
        "before 22 Nov 2026's scheme change states no scheme: it ran richardson",
        probe="?",
    ),
    "run.condition": Key(
        "skin condition as the initial state (data/course/conditions.csv)", probe="?"
    ),
    "run.output_days": Key(
        "times of the observables",
        "days",
        probe=[-1.0],
        none_means=(
            "every 30 min for 6 h and every 3 h to 3 days after each session, daily in between, "
            "and the horizon"
        ),
        note="at most protocol.horizon_days; the horizon is always an output",
    ),
    "run.snapshot_days": Key(
        "times of field snapshots in the HDF5 file (with an output file)",
        "days",
        probe=[-1.0],
        none_means="none (punctum run: 0, 1, 7, 28 days and the horizon)",
        note="at most protocol.horizon_days",
    ),
    "run.exact_outputs": Key(
        "step to every output time instead of interpolating between accepted steps (dense output)"
    ),
    "run.rate_multipliers": Key(
        "factors on the healing rates by name, after the patient modifiers (sensitivity studies)",
        probe=None,
        none_means="none",
    ),
}

# Unit conversions to a key's unit: validators that state another unit (the C++ core's), and
# data/ tables whose values the docs quote in the key's unit.
_CONVERT = {("um", "mm"): 1e-3, ("m/s", "mm/s"): 1e3, ("m", "mm"): 1e3}


@functools.cache
def _data_rows() -> dict[tuple[str, str], tuple[str, str, str]]:
    """Every named row under data/: (table stem, name) -> (value, unit, path from the root)."""
    rows = {}
    for path in sorted((ROOT / "data").rglob("*.csv")):
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                key = row.get("name") or row.get("parameter") or row.get("quantity")
                if key and "value" in row and "unit" in row:
                    rel = path.relative_to(ROOT).as_posix()
                    rows.setdefault((path.stem, key), (row["value"], row["unit"], rel))
    return rows


def _table_value(ref: str, scale_to: str) -> str:
    """`{defaults:pen_hand_speed}` -> "10 mm/s (data/devices/defaults.csv `pen_hand_speed`)"."""
    stem, _, name = ref.partition(":")
    row = _data_rows().get((stem, name))
    if row is None:
        raise SystemExit(f"{ref}: no such row under data/")
    value, unit, rel = row
    factor = 1.0 if unit == scale_to else _CONVERT.get((unit, scale_to))
    if factor is None:
        raise SystemExit(f"{ref}: unit {unit!r}, key unit {scale_to!r}")
    return f"{float(value) * factor:g} {_show_unit(scale_to)} ({rel} `{name}`)"


def _expand(text: str, unit: str) -> str:
    return re.sub(r"\{(\w+:\w+)\}", lambda m: _table_value(m.group(1), unit), text)


def _show_unit(unit: str) -> str:
    return {"um": "µm", "cm^2": "cm²", "/cm^2": "/cm²", "kg/m^3": "kg/m³"}.get(unit, unit)


# ----------------------------------------------------------------------------------------------
# The keys, from the code


@dataclass
class Entry:
    section: str
    name: str
    kind: str | None  # device kind
    default: Any
    spec: Key = field(repr=False)
    integer: bool = False  # an int-valued key (the probe must be an int)

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.name}"


def _constructor_defaults(kind: str) -> dict[str, tuple[Any, bool]]:
    """Keyword arguments of a device constructor: (default, integer?); None: derived."""
    cls = DEVICE_KINDS[kind]
    doc = getattr(_core, cls.__name__).__init__.__doc__.splitlines()[0]
    out: dict[str, tuple[Any, bool]] = {}
    for name, typ, default in re.findall(r"(\w+): ([^=,]+?) = ([^,)]+)", doc):
        value = None if default == "None" else eval(default)  # literals from pybind's doc
        out[name] = (value, "SupportsInt" in typ)
    python_side = inspect.signature(cls.__init__).parameters
    for name, p in python_side.items():
        if p.kind is p.KEYWORD_ONLY:
            out[name] = (p.default, False)
    return out


def entries() -> list[Entry]:
    out: list[Entry] = []
    for name, default in _course.SKIN_DEFAULTS.items():
        out.append(Entry("skin", name, None, default, KEYS.get(f"skin.{name}")))
    for f in dataclasses.fields(punctum.Patient):
        out.append(Entry("patient", f.name, None, f.default, KEYS.get(f"patient.{f.name}")))
    out.append(Entry("device", "kind", None, "pen", KEYS.get("device.kind")))
    for kind in DEVICE_KINDS:
        for name, (default, integer) in _constructor_defaults(kind).items():
            spec = KEYS.get(f"device.{kind}.{name}") or KEYS.get(f"device.*.{name}")
            out.append(Entry("device", name, kind, default, spec, integer))
    for f in dataclasses.fields(punctum.Protocol):
        out.append(Entry("protocol", f.name, None, f.default, KEYS.get(f"protocol.{f.name}")))
    simulate = inspect.signature(punctum.simulate).parameters
    for name in _course.RUN_KEYS:
        default = simulate[name].default
        out.append(Entry("run", name, None, default, KEYS.get(f"run.{name}")))
    missing = [
        f"{e.section}.{e.kind + '.' if e.kind else ''}{e.name}" for e in out if e.spec is None
    ]
    if missing:
        raise SystemExit("configuration keys without a meaning in KEYS: " + ", ".join(missing))
    used = {
        k
        for e in out
        for k in (
            f"{e.section}.{e.name}",
            f"device.{e.kind}.{e.name}",
            f"device.*.{e.name}",
        )
    }
    stale = sorted(set(KEYS) - used)
    if stale:
        raise SystemExit("KEYS describes keys the configuration does not have: " + ", ".join(stale))
    return out


# ----------------------------------------------------------------------------------------------
# Allowed values, from the validators


def _attempt(e: Entry, value: Any) -> None:
    args = {**e.spec.context, e.name: value}
    if e.section == "skin":
        cfg = {**_course.SKIN_DEFAULTS, **args}
        punctum.SkinModel.preset(cfg["site"], sex=cfg["sex"], age=cfg["age"])
    elif e.section == "patient":
        punctum.Patient(**args)
    elif e.section == "protocol":
        punctum.Protocol(**args)
    elif e.section == "device" and e.name == "kind":
        punctum.SimulationConfig(device={"kind": value})
    elif e.section == "device":
        DEVICE_KINDS[e.kind](**args)
    else:
        punctum.simulate(**{"fidelity": "column", "progress": False, **args})


def _bad_value(e: Entry) -> Any:
    if e.spec.probe is not _AUTO:
        return e.spec.probe
    if isinstance(e.default, bool):
        return None
    if e.integer or isinstance(e.default, int):
        return 10**6
    return math.nan


def allowed(e: Entry) -> tuple[str, str | None]:
    """(allowed values, unit the validator states; None: stated here, not probed)."""
    if e.spec.allowed is not None:
        return e.spec.allowed, None
    if isinstance(e.default, bool):
        return "true, false", None
    if e.name == "rate_multipliers":
        factors = _probe_message(e, {"collagen_synthesis": math.inf})["allowed"]
        return f"{{name: factor}}, factor in {factors}; [names](#rate-multipliers)", None
    bad = _bad_value(e)
    if bad is None:
        raise SystemExit(f"{e.dotted}: no probe and no allowed text")
    m = _probe_message(e, bad)
    return m["allowed"], m["unit"]


def _probe_message(e: Entry, bad: Any) -> dict[str, str]:
    """The refusal of `bad` by the key's validator: its allowed text and the unit it states."""
    try:
        _attempt(e, bad)
    except punctum.ParameterError as err:
        # "1" (dimensionless) is a key without a unit here, as in the message
        return {"allowed": err.allowed, "unit": "" if err.unit == "1" else err.unit}
    raise SystemExit(f"{e.dotted}: the value {bad!r} was accepted; the probe proves nothing")


def _in_key_unit(text: str, stated: str, unit: str) -> str:
    factor = _CONVERT.get((stated, unit))
    if factor is None:
        return text
    m = re.fullmatch(r"\[(\S+), (\S+)\]", text)
    if m is None:
        raise SystemExit(f"cannot convert {text!r} from {stated} to {unit}")
    lo, hi = (float(x) * factor for x in m.groups())
    return f"[{lo:g}, {hi:g}]"


def _check_unit(e: Entry, stated: str | None) -> None:
    # The validators state units as the C++ core thinks of them; accept the key's own unit, the
    # other names they use for it, and the conversions above.
    aliases = {
        "mm": {"mm", "um"},
        "mm/s": {"mm/s", "m/s"},
        "currency": {"currency units"},
        "": {"", "needles", "phototype (I-VI as 1-6)", "sessions", "passes", "threads"},
    }
    if stated is not None and stated not in aliases.get(e.spec.unit, {e.spec.unit}):
        raise SystemExit(f"{e.dotted}: documented unit {e.spec.unit!r}, validator says {stated!r}")


# ----------------------------------------------------------------------------------------------
# The page


def _toml(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) or abs(value) >= 1e6 else f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _row(e: Entry, reference: dict[str, Any]) -> str:
    text, stated = allowed(e)
    _check_unit(e, stated)
    if stated is not None:
        text = _in_key_unit(text, stated, e.spec.unit)
    if e.spec.note:
        text += f"; {e.spec.note}"
    if e.default is None and e.spec.none_means:
        default = "omitted: " + _expand(e.spec.none_means, e.spec.unit)
    else:
        default = f"`{_toml(e.default)}`"
    ref = reference.get(e.name)
    ref = f"`{_toml(ref)}`" if e.name in reference and ref != e.default else ""
    cells = [
        f"`{e.name}`",
        _show_unit(e.spec.unit),
        default,
        ref,
        text.replace("|", "\\|"),
        _expand(e.spec.meaning, e.spec.unit),
    ]
    return "| " + " | ".join(cells) + " |"


_INTRO = """\
<!-- Generated by scripts/gen_config_docs.py from the code (keys, defaults, validators). Do not
     edit: change the code or the meanings in the script and regenerate. -->
# Configuration reference

A punctum configuration is a TOML file with five sections, `[skin]`, `[patient]`, `[device]`,
`[protocol]` and `[run]`; `examples/reference.toml` is the reference course. The same keys
address values from Python (`punctum.SimulationConfig`, whose `to_dict()` is the TOML as nested
dicts), from the command line (`punctum run --set device.depth_mm=1.5`) and in sweeps
(`punctum.sweep(base, {"device.depth_mm": [...]})`). Units are in the key names.

**Default** is what an omitted key means in Python (`SimulationConfig.from_dict`). `punctum run
CONFIG.toml` instead starts from the reference course (`examples/reference.toml`: the default,
or the **reference course** column where that differs) and overrides only the keys the file
sets; a `[device]` of another `kind` replaces the whole section, whose omitted keys then take
their defaults. **Allowed** is what the code checks: a value outside is refused with
`punctum.ParameterError` (exit code 2 from the command line) naming the key, the value, the
range and the unit, before anything runs. Unknown keys and sections are refused too.

This page is generated by `scripts/gen_config_docs.py`: keys and defaults come from the code,
ranges from probing its validators, so they cannot drift (`tests/python/test_docs.py` regenerates
and compares).
"""

_HEAD = (
    "| key | unit | default | reference course (if different) | allowed | meaning |\n"
    "|---|---|---|---|---|---|"
)

_SECTION_TEXT = {
    "skin": "The skin preset: body site, sex and age ([skin.md](../skin.md)).",
    "patient": (
        "The patient's factors ([patient.md](../patient.md)); those marked *screening only* "
        "inform `punctum.screen` and do not change the simulation."
    ),
    "device": (
        "`kind` picks the device; the other keys are that device's constructor arguments "
        "(`punctum.Pen(...)`, `punctum.Roller(...)`, `punctum.Stamp(...)`; "
        "[devices.md](../devices.md)). A key of another kind is refused. One `[device]` table "
        "serves every session; an array of tables, one `[[device]]` per session in session "
        "order, gives each session its own device (`punctum.simulate(device=[...])`). "
        "`punctum run` merges each `[[device]]` onto the reference device by the rule above; "
        "`--set device.KEY=VALUE` and a sweep axis `device.KEY` set the key on every session's "
        "device."
    ),
    "protocol": (
        "What the clinic does (`punctum.Protocol`; [course.md](../course.md)). Times are days "
        "from the first session."
    ),
    "run": (
        "How the course is computed: the keyword arguments of `punctum.simulate` that describe "
        "the run. `output`, `progress` and `cancel` are arguments of the call, not of the "
        "configuration."
    ),
}


def render() -> str:
    reference = punctum.reference_course().to_dict()
    all_entries = entries()
    out = [_INTRO]
    for section in SECTIONS:
        out += [f"## `[{section}]`", "", _SECTION_TEXT[section], ""]
        rows = [e for e in all_entries if e.section == section]
        if section != "device":
            out += [_HEAD] + [_row(e, reference[section]) for e in rows] + [""]
            continue
        kind_row = next(e for e in rows if e.kind is None)
        out += [_HEAD, _row(kind_row, reference["device"]), ""]
        for kind in DEVICE_KINDS:
            ref = reference["device"] if reference["device"]["kind"] == kind else {}
            out += [f'### `kind = "{kind}"`', "", _HEAD]
            out += [_row(e, ref) for e in rows if e.kind == kind] + [""]
    out += [
        "## Rate multipliers",
        "",
        "```toml",
        "[run.rate_multipliers]",
        "collagen_synthesis = 1.5   # 50 % more synthesis per fibroblast",
        "inflammation_decay = 0.5   # inflammation resolves at half the rate",
        "```",
        "",
        "Each factor multiplies a rate of `data/healing/rates.csv` (values and meaning:",
        "[model.md](../model.md#healing-rates-datahealingratescsv)) after the patient and",
        "aftercare modifiers; `blood` is the bleeding multiplier of the wound source. Names:",
        "",
        ", ".join(f"`{n}`" for n in punctum.healing.rate_names()) + ".",
        "",
    ]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the page is out of date")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            rel = TARGET.relative_to(ROOT)
            print(f"{rel} is out of date: run python3 scripts/gen_config_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
