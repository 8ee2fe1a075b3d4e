"""The validation report in its reduced form (every case, coarse settings) and its helpers.

`scripts/validate --quick` is how CI runs the validation: a case whose status differs from the
`expected` column of data/validation/cases.csv, or that errors, fails this test."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "validate"
TABLE = ROOT / "data" / "validation" / "cases.csv"
sys.path.insert(0, str(ROOT / "scripts"))

from validation import report  # noqa: E402
from validation.cases import CASES  # noqa: E402
from validation.model import table as read  # noqa: E402


def validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--quiet", *args], capture_output=True, text=True
    )


def write_cases(path: Path, rows: list[dict[str, str]]) -> Path:
    """Writes a case table (the columns of the first row) to path."""
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def test_quick_validation_gives_every_case_its_expected_status(tmp_path):
    run = validate("--quick", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    rows = {r["id"]: r for r in read(tmp_path / "validation.csv")}
    expected = {r["id"]: r["expected"] for r in read(TABLE)}
    assert set(rows) == set(expected)
    for case_id, row in rows.items():
        assert row["status"] == expected[case_id], (case_id, row)
        assert row["model"], case_id
    assert (tmp_path / "validation.md").exists()


def flipped_table(tmp_path: Path, case_id: str) -> Path:
    rows = read(TABLE)
    for r in rows:
        if r["id"] == case_id:
            r["expected"] = "FAIL" if r["expected"] == "PASS" else "PASS"
            r["why"] = r["why"] or "deliberately wrong expectation (test)"
    return write_cases(tmp_path / "cases.csv", rows)


@pytest.mark.parametrize("case_id", ["INS-01", "INS-02"])
def test_a_status_that_differs_from_the_expected_one_fails_the_run(tmp_path, case_id):
    table = flipped_table(tmp_path, case_id)
    run = validate("--quick", "--cases", str(table), "--only", case_id, "--out", str(tmp_path))
    assert run.returncode == 1
    assert case_id in run.stderr and "expected" in run.stderr


def test_a_case_without_implementation_is_an_error(tmp_path):
    rows = read(TABLE)
    extra = dict(rows[0], id="NEW-01", expected="PASS", why="")
    path = write_cases(tmp_path / "cases.csv", [*rows, extra])
    run = validate("--quick", "--cases", str(path), "--only", "NEW-01", "--out", str(tmp_path))
    assert run.returncode == 1
    (row,) = read(tmp_path / "validation.csv")
    assert row["status"] == "ERROR" and "no implementation" in row["error"]


def test_tolerance_is_inclusive_and_nan_fails():
    assert report.within(1.0, 1.0, 10.0)
    assert report.within(1.0 - 1e-12, 1.0, None)  # last-bit slack on a bound
    assert not report.within(0.99, 1.0, None)
    assert not report.within(5.0, None, 4.0)
    assert not report.within(math.nan, None, None)
    outcome = report.Outcome([("a", 0.5), ("b", 1.5)])
    assert report.status_of(outcome, 0.0, 1.0) == "FAIL"
    assert report.status_of(outcome, 0.0, 2.0) == "PASS"


def test_case_table_is_sourced_and_matches_the_implementations():
    rows = report.read_cases(TABLE)  # also checks: unique ids, PASS/FAIL, every FAIL says why
    assert {r["id"] for r in rows} == set(CASES)
    for r in rows:
        assert r["source"].strip() and r["tag"].strip() and r["published"].strip(), r["id"]
        assert r["low"].strip() or r["high"].strip(), r["id"]
        if r["low"].strip() and r["high"].strip():
            assert float(r["low"]) <= float(r["high"]), r["id"]
    for r in read(ROOT / "data" / "validation" / "not_modelled.csv"):
        assert r["source"].strip() and r["reason"].strip(), r


def test_committed_report_lists_every_case():
    text = (ROOT / "docs" / "validation.md").read_text()
    missing = [r["id"] for r in read(TABLE) if f"| {r['id']} |" not in text]
    assert not missing, f"docs/validation.md is stale, run scripts/validate: {missing}"


# ----------------------------------------------------------------------------------------------
# Sensitivity study (scripts/sensitivity_study): its model evaluation and a tiny Morris run

from validation import sensitivity  # noqa: E402

#: The erythema decay time of the course's observables table, days.
TAU_DAYS = sensitivity.m.table_value("course/observables.csv", "erythema_decay_time_h") / 24


def test_exact_downtime_agrees_with_the_course():
    import punctum

    r = punctum.simulate(fidelity="column", progress=False)
    course = r.sessions["downtime_days"].to_numpy()
    exact = sensitivity.continuous_downtime(r, 1.0, 1.0)
    # The course solves the threshold crossing of the same first-order pulses in closed form.
    assert course.mean() == pytest.approx(exact, rel=1e-9)
    # E = a exp(-t/tau): doubling tau doubles the downtime; a 4x higher threshold takes
    # tau ln 4 off it.
    assert sensitivity.continuous_downtime(r, 2.0, 1.0) == pytest.approx(2 * exact, rel=1e-6)
    assert sensitivity.continuous_downtime(r, 1.0, 4.0) == pytest.approx(
        exact - TAU_DAYS * math.log(4.0), rel=1e-6
    )


def test_uncertain_parameters_are_the_unsourced_rates_blood_and_erythema():
    params = sensitivity.uncertain_parameters()
    rates = {r["parameter"]: r["tag"] for r in read(ROOT / "data" / "healing" / "rates.csv")}
    assert {n for n, tag in rates.items() if tag != "S"} <= set(params)
    assert not {n for n, tag in rates.items() if tag == "S"} & set(params)
    assert {"blood", "erythema_decay_time_h", "erythema_threshold"} <= set(params)
    # A capacity ceiling never falls below the baseline; other rates take the factor itself.
    assert sensitivity.rate_multiplier("collagen_capacity_factor", 0.5, 1.3) * 1.3 == (
        pytest.approx(1.15)
    )
    assert sensitivity.rate_multiplier("collagen_synthesis", 0.5, 2e-12) == 0.5


def test_tiny_morris_finds_synthesis_and_ignores_the_topical_rates():
    res = sensitivity.run(
        ["collagen_synthesis", "topical_clearance", "erythema_threshold"],
        "morris",
        n=2,
        seed=0,
        progress=False,
    )
    mu = res["mu_star"]
    gain, down = sensitivity.OUTPUTS
    assert float(mu.sel(output=gain, parameter="collagen_synthesis")) > 1.0  # % per range
    # No serum on the reference course: the topical clearance cannot matter.
    assert float(mu.sel(output=gain, parameter="topical_clearance")) == 0.0
    assert float(mu.sel(output=down, parameter="topical_clearance")) == 0.0
    # The threshold moves downtime by tau ln 4 (0.69 d at tau = 12 h) over x = 1/2 .. 2, and not
    # collagen.
    assert float(mu.sel(output=down, parameter="erythema_threshold")) == pytest.approx(
        TAU_DAYS * math.log(4.0), rel=1e-3
    )
    assert float(mu.sel(output=gain, parameter="erythema_threshold")) == 0.0
