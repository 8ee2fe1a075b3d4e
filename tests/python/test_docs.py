"""The documentation cannot drift from the code: generated pages are regenerated and compared,
links resolve, and every Python snippet in README.md and docs/guide/ runs (see
test_snippets_run for the fence convention)."""

from __future__ import annotations

import csv
import importlib.util
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
