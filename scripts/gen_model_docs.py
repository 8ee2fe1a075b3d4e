#!/usr/bin/env python3
"""Writes docs/model.md from the template docs/model.md.in and the sourced tables under data/.

The library embeds the same CSV files at build time, so every number on the page is the number
the code uses. Placeholders in the template:

    {{table:healing/rates}}          the whole table data/healing/rates.csv
    {{rates:collagen_synthesis}}     one row of a name/value table (data/*/rates.csv): value,
                                     unit, row name and tag, e.g. ``2e-12 kg/(cell·day)
                                     (`collagen_synthesis` [D])``
    {{TAGS}}                         the meaning of the tags

The generator refuses to write a page that misses anything: a placeholder naming a row or table
that does not exist, a row of a name/value table that the text never places, or a table under
data/ that the page does not include (data/validation/ holds targets, not parameters).
Run: python3 scripts/gen_model_docs.py [--check] (--check exits 1 if docs/model.md is out of
date; tests/python/test_docs.py runs it.)
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "docs" / "model.md.in"
TARGET = ROOT / "docs" / "model.md"
TAGS = {
    "S": "read in the source",
    "M": "recalled from the literature, not verified: an estimate to replace",
    "D": "derived here (arithmetic, a scaling argument or a calibration)",
}
# Folders of data/ that hold no model parameters: the validation targets (published values the
# model is compared with) are rendered by scripts/validate in docs/validation.md.
NOT_PARAMETERS = {"validation"}
# Name/value tables: one parameter per row, with a value and a unit column.
_NAME_COLUMNS = ("parameter", "name", "quantity")
_PLACEHOLDER = re.compile(r"\{\{([^{}]+)\}\}")
_UNITS = {"1": "", "1/day": "/day", "1/s": "/s", "m^2/s": "m²/s", "kg/(cell*day)": "kg/(cell·day)"}


@dataclass
class Table:
    path: Path  # relative to ROOT
    header: list[str]
    rows: list[list[str]]

    @property
    def key(self) -> str:  # "healing/rates"
        return self.path.relative_to("data").with_suffix("").as_posix()

    @property
    def stem(self) -> str:  # "rates"
        return self.path.stem

    @property
    def is_parameter_table(self) -> bool:
        return self.header[0] in _NAME_COLUMNS and {"value", "unit"} <= set(self.header)

    def row(self, name: str) -> dict[str, str] | None:
        for r in self.rows:
            if r[0] == name:
                return dict(zip(self.header, r, strict=True))
        return None


def load_tables() -> dict[str, Table]:
    tables = {}
    for path in sorted((ROOT / "data").rglob("*.csv")):
        if path.relative_to(ROOT / "data").parts[0] in NOT_PARAMETERS:
            continue
        with path.open(newline="") as f:
            rows = [r for r in csv.reader(f) if r]
        if rows:
            t = Table(path.relative_to(ROOT), rows[0], rows[1:])
            tables[t.key] = t
    stems = [t.stem for t in tables.values() if t.is_parameter_table]
    dupes = {s for s in stems if stems.count(s) > 1}
    if dupes:
        raise SystemExit(f"parameter tables share a file name, placeholders are ambiguous: {dupes}")
    return tables


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def format_value(text: str, unit: str) -> str:
    try:
        number = float(text)
    except ValueError:
        value = text
    else:
        value = f"{number:.6g}"
        value = re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", value)  # 1e-05 -> 1e-5
    shown = _UNITS.get(unit, unit.replace("^2", "²").replace("^3", "³"))
    return f"{value} {shown}" if shown else value


def render_table(t: Table) -> str:
    lines = [
        "| " + " | ".join(_cell(h) for h in t.header) + " |",
        "|" + "---|" * len(t.header),
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return "\n".join(lines)


def render() -> str:
    tables = load_tables()
    by_stem = {t.stem: t for t in tables.values() if t.is_parameter_table}
    text = TEMPLATE.read_text()
    if text.startswith("<!--"):  # the template's note to editors
        text = text[text.index("-->") + 3 :].lstrip("\n")
    placed: set[tuple[str, str]] = set()
    included: set[str] = set()
    errors: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        body = match.group(1).strip()
        if body == "TAGS":
            return "; ".join(f"**{k}** {v}" for k, v in TAGS.items())
        kind, _, name = body.partition(":")
        if kind == "table":
            if name not in tables:
                errors.append(f"{{{{{body}}}}}: no table data/{name}.csv")
                return match.group(0)
            included.add(name)
            return render_table(tables[name])
        table = by_stem.get(kind)
        row = table.row(name) if table else None
        if row is None:
            errors.append(f"{{{{{body}}}}}: no row {name!r} in a name/value table named {kind!r}")
            return match.group(0)
        placed.add((kind, name))
        return f"{format_value(row['value'], row['unit'])} (`{name}` [{row['tag']}])"

    body = _PLACEHOLDER.sub(substitute, text)
    for t in tables.values():
        if t.key not in included:
            errors.append(f"data/{t.key}.csv is not included: add {{{{table:{t.key}}}}}")
        if t.is_parameter_table:
            for r in t.rows:
                if (t.stem, r[0]) not in placed:
                    errors.append(
                        f"{t.path}: parameter {r[0]!r} is never placed in the text: say where it "
                        f"enters the model with {{{{{t.stem}:{r[0]}}}}}"
                    )
    if errors:
        raise SystemExit("docs/model.md.in:\n  " + "\n  ".join(errors))
    note = (
        "<!-- Generated by scripts/gen_model_docs.py from docs/model.md.in and data/**/*.csv. "
        "Do not edit: edit the template or the tables and regenerate. -->\n"
    )
    return note + body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(
                f"{TARGET.relative_to(ROOT)} is out of date: run python3 scripts/gen_model_docs.py",
                file=sys.stderr,
            )
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
