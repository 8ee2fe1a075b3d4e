from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_parameter_docs_are_generated_from_current_tables():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_parameter_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_data_table_names_its_sources():
    for path in sorted((ROOT / "data").rglob("*.csv")):
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows, path
        assert "source" in rows[0], f"{path} has no source column"
        for row in rows:
            assert row["source"].strip(), f"{path}: a row has no source: {row}"
