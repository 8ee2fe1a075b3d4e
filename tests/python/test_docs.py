"""The documentation cannot drift from the code: generated pages are regenerated and compared,
links resolve, and every Python snippet in README.md and docs/guide/ runs (see
test_snippets_run for the fence convention)."""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------------------------
# docs/model.md: equations from the template, every number from data/**/*.csv


def test_model_docs_are_generated_from_current_tables():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_model_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def model_docs_copy(tmp_path, monkeypatch):
    """The model-docs generator pointed at a scratch copy of data/ and the template."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "model.md.in", tmp_path / "docs" / "model.md.in")
    gen = _load_script("gen_model_docs")
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    monkeypatch.setattr(gen, "TEMPLATE", tmp_path / "docs" / "model.md.in")
    monkeypatch.setattr(gen, "TARGET", tmp_path / "docs" / "model.md")
    return gen, tmp_path


def _edit_csv(path: Path, edit) -> None:
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


def test_model_docs_follow_a_changed_table_value(model_docs_copy):
    gen, root = model_docs_copy
    assert gen.render() == (ROOT / "docs" / "model.md").read_text()

    def triple_synthesis(rows):
        for row in rows:
            if row[0] == "collagen_synthesis":
                row[1] = "6.0e-12"

    _edit_csv(root / "data" / "healing" / "rates.csv", triple_synthesis)
    text = gen.render()
    assert "k_syn = 6e-12 kg/(cell·day) (`collagen_synthesis` [D])" in text
    assert text != (ROOT / "docs" / "model.md").read_text()


def test_model_docs_refuse_a_parameter_the_text_never_places(model_docs_copy):
    gen, root = model_docs_copy
    _edit_csv(
        root / "data" / "healing" / "rates.csv",
        lambda rows: rows.append(["new_rate", "1.0", "1/day", "a new source", "M"]),
    )
    with pytest.raises(SystemExit, match="new_rate"):
        gen.render()


def test_model_docs_refuse_a_table_they_do_not_include(model_docs_copy):
    gen, root = model_docs_copy
    (root / "data" / "healing" / "extra.csv").write_text("a,source,tag\n1,somewhere,M\n")
    with pytest.raises(SystemExit, match="healing/extra"):
        gen.render()


def test_every_data_table_names_its_sources():
    for path in sorted((ROOT / "data").rglob("*.csv")):
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows, path
        assert "source" in rows[0], f"{path} has no source column"
        for row in rows:
            assert row["source"].strip(), f"{path}: a row has no source: {row}"


# ----------------------------------------------------------------------------------------------
# docs/guide/configuration.md: every key, unit, default and range, from the code

CONFIG_PAGE = ROOT / "docs" / "guide" / "configuration.md"


def test_configuration_reference_is_generated_from_the_code():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_config_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def _documented_config() -> dict[tuple[str, str | None, str], dict[str, str]]:
    """(section, device kind or None, key) -> the row's cells, read from the page."""
    rows: dict[tuple[str, str | None, str], dict[str, str]] = {}
    section = kind = None
    for line in CONFIG_PAGE.read_text().splitlines():
        if m := re.match(r"## `\[(\w+)\]`", line):
            section, kind = m.group(1), None
        elif m := re.match(r'### `kind = "(\w+)"`', line):
            kind = m.group(1)
        elif section and (m := re.match(r"\| `(\w+)` \|", line)):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            names = ("key", "unit", "default", "reference", "allowed", "meaning")
            rows[(section, kind, m.group(1))] = dict(zip(names, cells, strict=True))
    return rows


def _code_config_keys() -> set[tuple[str, str | None, str]]:
    import dataclasses
    import inspect

    import punctum
    from punctum import _core, course

    keys = {("skin", None, k) for k in course.SKIN_DEFAULTS}
    keys |= {("patient", None, f.name) for f in dataclasses.fields(punctum.Patient)}
    keys |= {("protocol", None, f.name) for f in dataclasses.fields(punctum.Protocol)}
    keys |= {("run", None, k) for k in course.RUN_KEYS}
    keys.add(("device", None, "kind"))
    for kind, cls in {"pen": _core.Pen, "roller": _core.Roller, "stamp": _core.Stamp}.items():
        signature = cls.__init__.__doc__.splitlines()[0]
        keys |= {("device", kind, k) for k in re.findall(r"(\w+): typing\.", signature)}
    keys.add(("device", "pen", "density_per_cm2"))  # punctum.Pen's own
    # Every option of simulate() is a configuration key or an argument of the call only.
    call_only = {"output", "progress", "cancel", "config"}
    options = inspect.signature(punctum.simulate).parameters.values()
    for p in options:
        if p.kind is p.KEYWORD_ONLY:
            assert p.name in course.RUN_KEYS or p.name in call_only, p.name
    return keys


def test_configuration_reference_documents_every_key_and_no_other():
    import punctum

    documented = _documented_config()
    assert set(documented) == _code_config_keys()
    reference = punctum.reference_course().to_dict()
    for section, values in reference.items():
        kind = reference["device"]["kind"] if section == "device" else None
        for key in values:
            where = (section, None if key == "kind" else kind, key)
            assert where in documented, where
    for (section, _, key), row in documented.items():
        assert row["allowed"] and row["meaning"], (section, key)
        assert row["default"], (section, key)


def _bounds(allowed: str) -> tuple[float, float] | None:
    m = re.match(r"\[([-+0-9.e]+), ([-+0-9.e]+)\]", allowed)
    return (float(m.group(1)), float(m.group(2))) if m else None


def _try(section: str, kind: str | None, key: str, value) -> None:
    import punctum

    if section == "skin":
        punctum.SimulationConfig(skin={"site": "cheek", key: value}).build()
    elif section == "patient":
        extra = {"diabetes": True} if key == "hba1c_percent" else {}
        punctum.Patient(**extra, **{key: value})
    elif section == "protocol":
        # One session (or daily ones) so that no other check of the protocol interferes.
        extra = {"spacing_days": 1.0, "horizon_days": 365.0} if key == "sessions" else {}
        punctum.Protocol(**{"sessions": 1, **extra, key: value})
    elif section == "device":
        punctum.SimulationConfig(device={"kind": kind, key: value}).build()
    else:
        punctum.simulate(fidelity="column", progress=False, **{key: value})


@pytest.mark.parametrize("side", ["below", "above"])
def test_configuration_reference_ranges_are_the_enforced_ones(side):
    """A value just outside each documented [lo, hi] is refused and one just inside accepted,
    so the page can be neither wider nor narrower than the validators. (Run options are only
    checked outside: inside, they would run courses.)"""
    import punctum

    checked = 0
    for (section, kind, key), row in _documented_config().items():
        bounds = _bounds(row["allowed"])
        if bounds is None:
            continue
        edge = bounds[0] if side == "below" else bounds[1]
        sign = -1 if side == "below" else 1
        integer = re.fullmatch(r"`-?\d+`", row["default"]) is not None or key in {
            "rows",
            "needles_per_row",
            "threads",
        }
        step = 1 if integer else max(abs(edge) * 1e-4, 1e-9)
        outside, inside = edge + sign * step, edge - sign * step
        if integer:
            outside, inside = int(outside), int(edge)
        if key in {"output_days", "snapshot_days"}:
            outside, inside = [outside], [inside]
        with pytest.raises(punctum.ParameterError):
            _try(section, kind, key, outside)
        if section != "run" and ";" not in row["allowed"]:  # no bound that depends on others
            _try(section, kind, key, inside)
        checked += 1
    assert checked > 40
