"""The ``punctum`` command line."""

from __future__ import annotations

import argparse
import sys

import punctum


def _report(args: argparse.Namespace) -> int:
    skin = punctum.SkinModel.preset(args.site, sex=args.sex, age=args.age)
    patient = punctum.Patient(
        age_years=args.age,
        sex=args.sex,
        fitzpatrick=args.fitzpatrick,
        diabetes=args.diabetes,
        smoker=args.smoker,
        anticoagulant=args.anticoagulant,
    )
    plan = punctum.TreatmentPlan(site=args.site, needle_length_mm=args.needle_length_mm)
    print(f"punctum {punctum.__version__}\n")
    print(skin)
    print(punctum.screening_report(patient, plan))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="punctum", description=punctum.__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"punctum {punctum.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="skin layer table and screening report for a patient")
    rep.add_argument("--site", default="cheek", choices=punctum.SkinModel.sites())
    rep.add_argument("--sex", default="female", choices=["female", "male"])
    rep.add_argument("--age", type=float, default=45.0, help="years (default 45)")
    rep.add_argument("--fitzpatrick", type=int, default=3, help="phototype 1-6 (default 3)")
    rep.add_argument("--needle-length-mm", type=float, default=1.0, help="mm (default 1.0)")
    rep.add_argument("--diabetes", action="store_true")
    rep.add_argument("--smoker", action="store_true")
    rep.add_argument("--anticoagulant", action="store_true")
    rep.set_defaults(func=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:  # ParameterError: bad input, exit code 2
        print(f"punctum: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
