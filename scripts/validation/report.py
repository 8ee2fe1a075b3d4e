"""Evaluate the cases of data/validation/cases.csv, compare each status with the expected one,
and write the tables (CSV + Markdown)."""

from __future__ import annotations

import csv
import math
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from validation import model as m
from validation.cases import CASES, Outcome
from validation.model import Settings

CASES_TABLE = m.DATA / "validation" / "cases.csv"
NOT_MODELLED_TABLE = m.DATA / "validation" / "not_modelled.csv"
STATUSES = ("PASS", "FAIL", "ERROR")
SECTION_TITLES = {
    "2 insertion": "Needle insertion (literature.md §2.1–2.2, §7 V5–V8, V18)",
    "2.3 devices": "Devices: rollers and pens (§2.3–2.4)",
    "4.1 outcomes": "Collagen, elastin and scars (§4.1, §7 V13)",
    "4.2 closure, redness, bleeding": (
        "Channel closure, redness, bleeding, depth by indication (§4.2, §7 V3)"
    ),
    "5 delivery": "Delivery through microchannels (§5)",
    "6 patients": "Patient factors (§6, §7 V16)",
    "clinic claims": "What clinics claim about the treatment",
}
# Relative slack on the tolerance bounds, so that a value equal to a bound (kappa = 1.0) is not
# failed by the last bit of floating point.
BOUND_SLACK = 1e-9


@dataclass
class Result:
    row: dict[str, str]
    status: str
    outcome: Outcome | None = None
    error: str = ""
    seconds: float = 0.0

    @property
    def id(self) -> str:
        return self.row["id"]

    @property
    def expected(self) -> str:
        return self.row["expected"].strip()

    @property
    def matches(self) -> bool:
        return self.status == self.expected


def read_cases(path: Path = CASES_TABLE) -> list[dict[str, str]]:
    rows = m.table(path)
    ids = [r["id"] for r in rows]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate case ids {duplicates}")
    for r in rows:
        if r["expected"].strip() not in ("PASS", "FAIL"):
            raise ValueError(f"{path}: case {r['id']} expects {r['expected']!r}, not PASS or FAIL")
        if r["expected"].strip() == "FAIL" and not r["why"].strip():
            raise ValueError(f"{path}: case {r['id']} is expected to fail without saying why")
    return rows


def bound(text: str) -> float | None:
    return float(text) if text.strip() else None


def within(value: float, low: float | None, high: float | None) -> bool:
    if not math.isfinite(value):
        return False
    if low is not None and value < low - BOUND_SLACK * max(1.0, abs(low)):
        return False
    return not (high is not None and value > high + BOUND_SLACK * max(1.0, abs(high)))


def status_of(outcome: Outcome, low: float | None, high: float | None) -> str:
    if not outcome.values:
        raise ValueError("a case returned no values")
    ok = all(within(float(v), low, high) for _, v in outcome.values)
    return "PASS" if ok else "FAIL"


def evaluate(rows: list[dict[str, str]], settings: Settings, progress=print) -> list[Result]:
    results = []
    for row in rows:
        t0 = time.perf_counter()
        fn = CASES.get(row["id"])
        if fn is None:
            res = Result(row, "ERROR", error="no implementation in scripts/validation/cases.py")
        else:
            try:
                outcome = fn(settings)
                res = Result(
                    row, status_of(outcome, bound(row["low"]), bound(row["high"])), outcome
                )
            except Exception as exc:  # an erroring case is reported, never hidden
                res = Result(row, "ERROR", error=f"{type(exc).__name__}: {exc}")
                # the report and CSV carry the one-line error; the traceback goes to stderr
                print(f"{row['id']}: {traceback.format_exc(limit=4)}", file=sys.stderr, end="")
        res.seconds = time.perf_counter() - t0
        results.append(res)
        if progress:
            flag = "" if res.matches else f"   <-- expected {res.expected}"
            progress(f"{res.id:8s} {res.status:5s} {res.seconds:6.1f} s  {format_model(res)}{flag}")
    return results


# ----------------------------------------------------------------------------------------------
# Formatting


def fmt(v: float) -> str:
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e6:
        return f"{int(v)}"
    if v != 0 and (abs(v) < 1e-2 or abs(v) >= 1e5):
        return f"{v:.2e}"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def format_model(res: Result) -> str:
    """'0.75 d', or 'label: value unit; ...' when a case has several values."""
    if res.outcome is None:
        return res.error
    unit = res.row["unit"]
    unit = "" if unit in ("1", "") else f" {unit}"
    vals = res.outcome.values
    if len(vals) == 1:
        return f"{fmt(vals[0][1])}{unit}"
    return "; ".join(f"{label}: {fmt(v)}{unit}" for label, v in vals)


def format_model_labelled(res: Result) -> str:
    """format_model, with the label of a single value: '1 (F(1.0)/F(0.5))'."""
    text = format_model(res)
    if res.outcome is not None and len(res.outcome.values) == 1 and res.outcome.values[0][0]:
        text += f" ({res.outcome.values[0][0]})"
    return text


def format_tolerance(row: dict[str, str]) -> str:
    lo, hi = bound(row["low"]), bound(row["high"])
    unit = "" if row["unit"] in ("1", "") else f" {row['unit']}"
    if lo is not None and hi is not None:
        return f"{fmt(lo)} … {fmt(hi)}{unit}" if lo != hi else f"= {fmt(lo)}{unit}"
    if lo is not None:
        return f"≥ {fmt(lo)}{unit}"
    return f"≤ {fmt(hi)}{unit}"


def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_row(cells) -> str:
    """One Markdown table row, each cell escaped by :func:`cell`."""
    return "| " + " | ".join(cell(x) for x in cells) + " |"


def figure_lines(figures: list[tuple[str, str]]) -> list[str]:
    """Markdown embedding each (file name under figures/, caption), the caption repeated below."""
    lines: list[str] = []
    for name, caption in figures:
        lines += [f"![{caption}](figures/{name})", "", f"*{caption}*", ""]
    return lines


def write_csv(results: list[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(
            [
                "id",
                "section",
                "status",
                "expected",
                "matches",
                "model",
                "low",
                "high",
                "unit",
                "seconds",
                "error",
            ]
        )
        for r in results:
            w.writerow(
                [
                    r.id,
                    r.row["section"],
                    r.status,
                    r.expected,
                    int(r.matches),
                    format_model(r),
                    r.row["low"],
                    r.row["high"],
                    r.row["unit"],
                    f"{r.seconds:.2f}",
                    r.error,
                ]
            )


def counts(results: list[Result]) -> dict[str, int]:
    return {s: sum(r.status == s for r in results) for s in STATUSES}


def markdown_tables(results: list[Result]) -> list[str]:
    out: list[str] = []
    sections: dict[str, list[Result]] = {}
    for r in results:
        sections.setdefault(r.row["section"], []).append(r)
    for section, rs in sections.items():
        c = counts(rs)
        out += [
            f"## {SECTION_TITLES.get(section, section)}",
            "",
            f"{len(rs)} cases: {c['PASS']} pass, {c['FAIL']} fail"
            + (f", **{c['ERROR']} error**" if c["ERROR"] else "")
            + ".",
            "",
            "| id | case | model input | published (source, tag) | model | tolerance | status |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rs:
            row = r.row
            status = f"**{r.status}**" if r.status != "PASS" else "PASS"
            if not r.matches:
                status += f" (expected {r.expected})"
            model_text = format_model_labelled(r)
            if r.outcome is not None and r.outcome.detail:
                model_text += f"; {r.outcome.detail}"
            out.append(
                md_row(
                    (
                        r.id,
                        row["case"],
                        row["setup"],
                        f"{row['published']} — {row['source']} [{row['tag']}]",
                        model_text,
                        format_tolerance(row),
                        status,
                    )
                )
            )
        out.append("")
        explained = [r for r in rs if r.status != "PASS" or r.row["why"].strip()]
        if explained:
            for r in explained:
                label = (
                    "Why it fails"
                    if r.status == "FAIL"
                    else ("Error" if r.status == "ERROR" else "Note")
                )
                text = r.error if r.status == "ERROR" else r.row["why"]
                if r.status == "FAIL" and not r.row["why"].strip():
                    text = "(unexpected failure: no explanation recorded yet)"
                out.append(f"- **{r.id}** — {label}: {cell(text)}")
            out.append("")
    return out


def not_modelled_table() -> list[str]:
    rows = m.table(NOT_MODELLED_TABLE)
    out = [
        "| literature.md | item | published | source [tag] | why the model cannot speak to it |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            md_row(
                (
                    f"§{r['section']}",
                    r["item"],
                    r["published"],
                    f"{r['source']} [{r['tag']}]",
                    r["reason"],
                )
            )
        )
    return out
