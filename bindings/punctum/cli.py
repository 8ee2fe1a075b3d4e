"""The ``punctum`` command line.

    punctum run [CONFIG.toml] [--set key=value ...] [-o DIR]   a treatment course
        [--checkpoint-every-days D]                            ... that can be resumed
    punctum run --resume DIR                                    continue an interrupted course
    punctum sweep SWEEP.toml [--scheduler ADDR] [--workers N] [-o DIR]
    punctum inspect FILE.h5                                     what a result file holds
    punctum plot FILE.h5 [-o PNG]                               outcomes over time
    punctum report [--site ...]                                 skin table and screening

Exit codes: 0 success, 2 bad input, 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import shutil
import sys
from pathlib import Path
from typing import Any

import tomllib

import punctum
from punctum import _core
from punctum.course import RUN_DEFAULTS, make_folder, remove_made_folders
from punctum.sweep import _is_table_list

EXIT_BAD_INPUT, EXIT_INTERRUPTED = 2, 130
#: The checkpoint file of ``punctum run --checkpoint-every-days``, in the output folder.
CHECKPOINT = "checkpoint.h5"


class BadInput(ValueError):
    pass


def _fresh_dir(requested: str | None, stem: str) -> tuple[Path, list[Path]]:
    """A new, empty output folder: the requested one (must not hold files yet) or a stamped one.
    Also returns the folders made for it, deepest first (:func:`_remove_output` takes them)."""
    if requested:
        out = Path(requested)
        if out.exists() and any(out.iterdir()):
            raise BadInput(f"output folder {out} is not empty: choose a new one (-o DIR)")
    else:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("punctum-output") / f"{stem}-{stamp}"
        n = 1
        while out.exists():
            out = Path("punctum-output") / f"{stem}-{stamp}-{n}"
            n += 1
    return out, make_folder(out)


def _remove_output(out: Path, made: list[Path]) -> None:
    """Undoes :func:`_fresh_dir` after a failed run: everything in ``out`` (which was empty) and
    the folders made for it, so that the same ``-o`` works again. A parent that meanwhile holds
    something else stays."""
    for entry in out.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    remove_made_folders(made)


def _apply_sets(data: dict[str, Any], sets: list[str]) -> dict[str, Any]:
    """``--set device.depth_mm=1.5``: the value is read as TOML (numbers, booleans, "strings",
    [lists]); a bare word is taken as a string. A section that is a list of tables (one
    ``[[device]]`` per session) gets the value in every table."""
    for item in sets:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise BadInput(f"--set {item!r}: expected key=value, e.g. device.depth_mm=1.5")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        _set_key(data, key, key.split("."), value)
    return data


def _set_key(node: dict[str, Any], key: str, parts: list[str], value: Any) -> None:
    """Sets ``parts`` (the dotted ``key`` from ``node`` on) to ``value``, in every table of a
    list of tables on the way."""
    head, rest = parts[0], parts[1:]
    if not rest:
        node[head] = value
        return
    inner = node.get(head)
    if isinstance(inner, dict):
        _set_key(inner, key, rest, value)
    elif _is_table_list(inner):
        for table in inner:
            _set_key(table, key, rest, value)
    else:
        raise BadInput(f"--set {key}: no section {head!r} (sections: {', '.join(node)})")


def _merge_sections(data: dict, sections: dict) -> dict:
    """Merges configuration tables onto ``data`` (in place): a table updates its section, and a
    device of another kind replaces the device section instead of inheriting its keys. A list of
    device tables (one ``[[device]]`` per session) replaces a single device table, each of its
    tables inheriting that table's keys by the same rule; a single table merges onto every table
    of such a list."""
    for section, values in sections.items():
        if isinstance(values, dict) and isinstance(data.get(section), dict):
            data[section] = _merged(section, data[section], values)
        elif section == "device" and _is_table_list(values) and isinstance(data.get(section), dict):
            data[section] = [_merged(section, data[section], table) for table in values]
        elif section == "device" and isinstance(values, dict) and _is_table_list(data.get(section)):
            data[section] = [_merged(section, table, values) for table in data[section]]
        else:
            data[section] = values
    return data


def _merged(section: str, base: dict, values: dict) -> dict:
    if section == "device" and "kind" in values and values["kind"] != base.get("kind"):
        return dict(values)
    return {**base, **values}


def _load_config(path: str | None, sets: list[str]) -> punctum.SimulationConfig:
    data = punctum.reference_course().to_dict()
    if path:
        _merge_sections(data, tomllib.loads(Path(path).read_text()))
    return punctum.SimulationConfig.from_dict(_apply_sets(data, sets))


def _run(args: argparse.Namespace) -> int:
    if args.resume is not None:
        return _resume(args)
    config = _load_config(args.config, args.set or [])
    # --snapshot-days, else run.snapshot_days of the configuration, else a default series; it is
    # part of the configuration that runs (snapshot times are integrator stops).
    if args.snapshot_days is not None:
        config.run["snapshot_days"] = list(args.snapshot_days)
    elif "snapshot_days" not in config.run:
        horizon = config.protocol.horizon_days
        config.run["snapshot_days"] = (
            [0.0, 1.0, 7.0, 28.0, horizon] if horizon >= 28 else [0.0, horizon]
        )
    # The folder's config.toml states the rtol that runs (its default depends on the fidelity),
    # so that --resume continues with it whatever a later version's default. (A bad fidelity is
    # left to simulate(), which names it.)
    fidelity = config.run.get("fidelity", RUN_DEFAULTS["fidelity"])
    if "rtol" not in config.run and fidelity in ("3d", "column"):
        config.run["rtol"] = _core.course_default_rtol_for(fidelity)
    kwargs = config.build()  # the skin and device are checked before the folder is made
    out, made = _fresh_dir(args.output, "run")
    every = args.checkpoint_every_days
    checkpoints = _checkpoint_options(out, every) if every is not None else {}
    try:
        (out / "config.toml").write_text(config.to_toml())
        print(f"punctum {punctum.__version__}: course -> {out}")
        result = punctum.simulate(
            **kwargs,
            config=config,
            output=out / "course.h5",
            progress=not args.no_progress,
            **checkpoints,
        )
    except Exception:
        # Nothing of a failed course is worth keeping (simulate refuses bad run options only
        # after the folder exists); an interrupt (KeyboardInterrupt) keeps its valid partial file
        # and the last checkpoint, which `punctum run --resume` continues from.
        _remove_output(out, made)
        print(f"punctum: the run failed; {out} is as it was before it", file=sys.stderr)
        raise
    return _finish_run(out, config, result)


def _checkpoint_options(out: Path, every_days: float | None) -> dict[str, Any]:
    """simulate()'s checkpoint arguments: DIR/checkpoint.h5 every ``every_days`` (None:
    simulate's default interval)."""
    options: dict[str, Any] = {"checkpoint": out / CHECKPOINT}
    if every_days is not None:
        options["checkpoint_every_days"] = every_days
    return options


def _resume(args: argparse.Namespace) -> int:
    """``punctum run --resume DIR``: the course of DIR/config.toml from DIR's checkpoint on,
    checkpointing on (at simulate()'s default interval unless --checkpoint-every-days says
    otherwise); the result equals the uninterrupted course. DIR's files are replaced: the
    observables and plots cover the whole course, the field snapshots only the time after the
    checkpoint."""
    if args.config or args.set or args.output or args.snapshot_days is not None:
        raise BadInput(
            "--resume DIR continues the course recorded in DIR: give no CONFIG, --set, -o or "
            "--snapshot-days"
        )
    out = Path(args.resume)
    if not (out / "config.toml").is_file() or not (out / CHECKPOINT).is_file():
        raise BadInput(
            f"--resume {out}: needs the config.toml and {CHECKPOINT} of a run started with "
            "--checkpoint-every-days"
        )
    config = punctum.SimulationConfig.from_toml((out / "config.toml").read_text())
    print(f"punctum {punctum.__version__}: course -> {out} (resumed from {out / CHECKPOINT})")
    result = punctum.simulate(
        **config.build(),
        config=config,
        output=out / "course.h5",
        progress=not args.no_progress,
        resume_from=out / CHECKPOINT,
        **_checkpoint_options(out, args.checkpoint_every_days),
    )
    return _finish_run(out, config, result)


def _finish_run(out: Path, config: punctum.SimulationConfig, result: Any) -> int:
    """The summary (printed and in summary.txt) and the plots of a finished course."""
    summary = result.summary()
    (out / "summary.txt").write_text(summary + "\n")
    print(summary)
    tables = config.device if isinstance(config.device, list) else [config.device]
    kinds = ", ".join(dict.fromkeys(t["kind"] for t in tables))  # each kind once, in order
    from punctum.plots import plot_profile_change, plot_timeseries

    plot_timeseries(
        result.observables,
        ["collagen_change_percent", "collagen_III_change_percent", "erythema_index"],
        out / "course.png",
        events=list(result.sessions["time_days"]),
        title=f"{config.skin['site']}, {kinds}, {len(result.sessions)} sessions",
    )
    plot_profile_change(result.profiles, out / "collagen_depth.png")
    print(
        f"wrote {out / 'course.h5'}, {out / 'course.xmf'}, {out / 'course.png'}, "
        f"{out / 'collagen_depth.png'}"
    )
    return 0


def _sweep(args: argparse.Namespace) -> int:
    text = Path(args.sweep).read_text()
    spec = tomllib.loads(text)
    if "axes" not in spec or not spec["axes"]:
        raise BadInput(f"{args.sweep}: needs an [axes] table of dotted names -> values")
    base = spec.get("base", {})
    data = _merge_sections(
        _load_config(base.get("config"), []).to_dict(),
        {
            k: v
            for k, v in base.items()
            if k != "config" and (isinstance(v, dict) or _is_table_list(v))
        },
    )
    punctum.SimulationConfig.from_dict(data)  # a bad base fails here, not in every point
    options = spec.get("sweep", {})
    out, _ = _fresh_dir(args.output, "sweep")
    (out / "sweep.toml").write_text(text)
    from punctum.course import course_point

    ds = punctum.sweep(
        data,
        spec["axes"],
        func=course_point,
        client=args.scheduler,
        n_workers=args.workers or None,  # punctum.sweep starts and closes its own cluster
        design=options.get("design", "grid"),
        n_samples=options.get("n_samples"),
        seed=options.get("seed", 0),
        resume=out / "points",
        progress=not args.no_progress,
    )
    ds.to_netcdf(out / "sweep.nc")
    print(f"{ds.attrs['n_points']} points ({ds.attrs['n_failed']} failed) -> {out / 'sweep.nc'}")
    outcome = options.get("plot", "collagen_gain_percent")
    if outcome in ds and options.get("design", "grid") == "grid" and len(spec["axes"]) <= 3:
        from punctum.plots import plot_sweep

        plot_sweep(ds, outcome, out / f"{outcome}.png")
        print(f"wrote {out / (outcome + '.png')}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    import h5py

    path = Path(args.file)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    with h5py.File(path, "r") as f:
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
        for key, value in f.attrs.items():
            print(f"  @{key} = {value}")

        def show(name, obj):
            if isinstance(obj, h5py.Dataset):
                units = punctum.io._attr_value(obj.attrs.get("units", ""))
                print(f"  {name}  {obj.shape} {obj.dtype} [{units}]")

        f.visititems(show)
        has_observables = "observables" in f
    if has_observables:
        ds = punctum.io.open_result(path)
        end = {k: float(v.values[-1]) for k, v in ds.data_vars.items() if v.ndim == 1}
        print("final values:")
        for k, v in end.items():
            print(f"  {k:36s} {v:12.4g} {ds[k].attrs.get('units', '')}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    ds = punctum.io.open_result(path)
    if "time_days" not in ds.coords and "time" in ds.coords:
        ds = ds.assign_coords(
            time_days=("time", ds["time"].values / 86400.0, {"units": "d"})
        ).swap_dims({"time": "time_days"})
    names = args.variables or [
        n for n in ("collagen_change_percent", "erythema_index", "blood_ul_per_cm2") if n in ds
    ]
    out = Path(args.output) if args.output else path.with_suffix(".png")
    from punctum.plots import plot_timeseries

    plot_timeseries(ds, names, out)
    print(f"wrote {out}")
    return 0


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

    run = sub.add_parser("run", help="run a treatment course (default: the reference course)")
    run.add_argument(
        "config",
        nargs="?",
        help="TOML configuration (sections skin, patient, "
        "device, protocol, run); omitted: the reference course",
    )
    run.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a value, e.g. --set device.depth_mm=1.5 (with one [[device]] per "
        "session: on every session's device)",
    )
    run.add_argument("-o", "--output", help="output folder (new or empty)")
    run.add_argument("--snapshot-days", type=float, nargs="*", help="field snapshot times, days")
    run.add_argument("--no-progress", action="store_true")
    run.add_argument(
        "--checkpoint-every-days",
        type=float,
        metavar="D",
        help=f"save the state to DIR/{CHECKPOINT} every D simulated days (resumable)",
    )
    run.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the interrupted course in DIR from its checkpoint",
    )
    run.set_defaults(func=_run)

    sw = sub.add_parser("sweep", help="sweep parameters of a course on Dask")
    sw.add_argument("sweep", help="TOML with [base], [axes] (dotted name -> values), [sweep]")
    sw.add_argument("--scheduler", help="Dask scheduler address (default: an embedded cluster)")
    sw.add_argument("--workers", type=int, help="workers of the embedded cluster")
    sw.add_argument("-o", "--output", help="output folder (new or empty)")
    sw.add_argument("--no-progress", action="store_true")
    sw.set_defaults(func=_sweep)

    ins = sub.add_parser("inspect", help="what a punctum HDF5 file holds")
    ins.add_argument("file")
    ins.set_defaults(func=_inspect)

    pl = sub.add_parser("plot", help="plot outcomes over time from a punctum HDF5 file")
    pl.add_argument("file")
    pl.add_argument("variables", nargs="*", help="observables to plot")
    pl.add_argument("-o", "--output", help="PNG path (default: next to the file)")
    pl.set_defaults(func=_plot)

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
    except KeyboardInterrupt:
        print("punctum: interrupted (partial output kept)", file=sys.stderr)
        return EXIT_INTERRUPTED
    # (tomllib.TOMLDecodeError is a ValueError.)
    except (ValueError, FileNotFoundError, KeyError, TypeError) as err:
        print(f"punctum: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
