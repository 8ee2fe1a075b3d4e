"""Parameter sweeps on Dask: a laptop or a cluster, with the same call.

A sweep maps a *point function* over a design of parameter values. The point function takes a
configuration (a nested mapping, or dataclasses) and returns a mapping of outcome names to scalars
or 1-D arrays, or an ``xarray.Dataset``. Each finished point is written to the ``resume``
directory at once (atomically), so a rerun with the same directory skips what is done; a point
that raises is recorded as failed with its error and does not stop the sweep; points on a worker
that dies are recomputed by Dask elsewhere.

Example::

    ds = punctum.sweep(
        base_config,
        {"device.length_mm": [0.5, 1.0, 1.5], "protocol.spacing_days": [14, 28, 42]},
        func=my_point_function,
    )
    ds["collagen_gain_percent"].plot()   # one dimension per swept parameter
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import json
import math
import os
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from punctum import _core
from punctum._errors import MAX_THREADS, parameter_error, require_int

PointFunction = Callable[[Any], Any]

_DESIGNS = ("grid", "random", "sobol")
_STATUS_OK, _STATUS_FAILED = "ok", "failed"
# Set by _run_chunk for the points it runs; a context variable, so chunks that share a worker
# process (a Dask worker with several threads) each see their own.
_point_threads: contextvars.ContextVar[int] = contextvars.ContextVar("point_threads", default=1)


def point_threads() -> int:
    """The OpenMP threads the running sweep gives each point (``threads_per_point``; 1 outside
    a sweep). A point function passes it on as ``threads=``;
    :func:`punctum.course.course_point` does so unless its configuration's ``run.threads`` says
    otherwise. (The environment cannot carry
    it: a worker's OpenMP runtime reads ``OMP_NUM_THREADS`` once, when punctum is imported.)"""
    return _point_threads.get()


# ----------------------------------------------------------------------------------------------
# Configurations addressed by dotted names


def _is_table_list(node: Any) -> bool:
    """A list of mappings, such as one device table per session."""
    return isinstance(node, list) and bool(node) and all(isinstance(t, Mapping) for t in node)


def get_dotted(config: Any, name: str) -> Any:
    """``get_dotted(cfg, "device.length_mm")`` for nested mappings and dataclasses; through a
    list of mappings (one device per session), the list of their values."""

    def get(node: Any, parts: list[str]) -> Any:
        for i, part in enumerate(parts):
            if _is_table_list(node):
                return [get(table, parts[i:]) for table in node]
            if isinstance(node, Mapping):
                if part not in node:
                    allowed = f"a key of the configuration ({_keys(node)})"
                    raise parameter_error("axis", name, allowed)
                node = node[part]
            elif dataclasses.is_dataclass(node):
                if part not in {f.name for f in dataclasses.fields(node)}:
                    raise parameter_error("axis", name, f"a field of {type(node).__name__}")
                node = getattr(node, part)
            else:
                raise parameter_error("axis", name, "a path through mappings or dataclasses")
        return node

    return get(config, name.split("."))


def set_dotted(config: Any, name: str, value: Any) -> Any:
    """A copy of ``config`` with the dotted field replaced (dataclasses re-validate on replace);
    through a list of mappings (one device per session), in every one of them."""
    if _is_table_list(config):
        return [set_dotted(table, name, value) for table in config]
    head, _, rest = name.partition(".")
    if isinstance(config, Mapping):
        if head not in config:
            raise parameter_error("axis", name, f"a key of the configuration ({_keys(config)})")
        out = dict(config)
        out[head] = set_dotted(config[head], rest, value) if rest else value
        return out
    if dataclasses.is_dataclass(config):
        if head not in {f.name for f in dataclasses.fields(config)}:
            raise parameter_error("axis", name, f"a field of {type(config).__name__}")
        inner = set_dotted(getattr(config, head), rest, value) if rest else value
        return dataclasses.replace(config, **{head: inner})
    raise parameter_error("axis", name, "a path through mappings or dataclasses")


def _keys(mapping: Mapping) -> str:
    return ", ".join(sorted(map(str, mapping)))


# ----------------------------------------------------------------------------------------------
# Designs


@dataclasses.dataclass(frozen=True)
class Design:
    """The points of a sweep: ``values[i]`` maps each axis name to its value at point ``i``."""

    kind: str
    axes: dict[str, list[Any]]  # grid: the values; sampled: [low, high]
    values: list[dict[str, Any]]
    shape: tuple[int, ...]  # grid shape, or (n_samples,)

    @classmethod
    def from_matrix(
        cls,
        kind: str,
        names: Sequence[str],
        matrix: np.ndarray,
        bounds: Mapping[str, Sequence[float]],
    ) -> Design:
        """A design from explicit points (rows of ``matrix``), e.g. a SALib sample."""
        values = [{n: float(row[k]) for k, n in enumerate(names)} for row in np.asarray(matrix)]
        return cls(kind, {n: [float(b) for b in bounds[n]] for n in names}, values, (len(values),))

    def manifest(self) -> dict[str, Any]:
        return {"design": self.kind, "axes": self.axes, "n_points": len(self.values)}


def make_design(
    axes: Mapping[str, Sequence[Any]],
    design: str = "grid",
    n_samples: int | None = None,
    seed: int = 0,
) -> Design:
    if design not in _DESIGNS:
        raise parameter_error("design", design, "one of " + ", ".join(_DESIGNS))
    if not axes:
        raise parameter_error("axes", dict(axes), "at least one axis")
    names = list(axes)
    if design == "grid":
        lists = {n: list(np.asarray(axes[n]).tolist()) for n in names}
        for n, vals in lists.items():
            if len(vals) == 0:
                raise parameter_error(f"axes[{n!r}]", vals, "a non-empty list of values")
        shape = tuple(len(lists[n]) for n in names)
        values = [
            {n: lists[n][i] for n, i in zip(names, idx, strict=True)} for idx in np.ndindex(*shape)
        ]
        return Design("grid", lists, values, shape)

    if n_samples is None or n_samples < 1:
        raise parameter_error("n_samples", n_samples, ">= 1 for sampled designs")
    bounds = {}
    for n in names:
        rng_ = list(axes[n])
        if len(rng_) != 2 or not (float(rng_[0]) < float(rng_[1])):
            raise parameter_error(f"axes[{n!r}]", rng_, "a (low, high) pair with low < high")
        bounds[n] = [float(rng_[0]), float(rng_[1])]
    if design == "random":
        unit = np.random.default_rng(seed).random((n_samples, len(names)))
    else:
        from scipy.stats import qmc

        unit = qmc.Sobol(d=len(names), scramble=True, seed=seed).random(n_samples)
    values = [
        {n: bounds[n][0] + u[k] * (bounds[n][1] - bounds[n][0]) for k, n in enumerate(names)}
        for u in unit
    ]
    return Design(design, bounds, values, (n_samples,))


# ----------------------------------------------------------------------------------------------
# Running points


def _as_dataset(result: Any) -> xr.Dataset:
    if isinstance(result, xr.Dataset):
        return result
    if isinstance(result, Mapping):
        data_vars = {}
        for name, value in result.items():
            arr = np.asarray(value)
            if arr.ndim == 0:
                data_vars[name] = ((), arr)
            elif arr.ndim == 1:
                data_vars[name] = ((f"{name}_index",), arr)
            else:
                raise TypeError(f"outcome {name!r} has {arr.ndim} dimensions; return a Dataset")
        return xr.Dataset(data_vars)
    raise TypeError(
        f"a point function must return a mapping or an xarray.Dataset, not {type(result)}"
    )


def _as_record(result: Any) -> dict[str, Any]:
    """A point's outcomes as ``xarray.Dataset.to_dict(data="list")`` gives them (what the
    resume files hold and ``Dataset.from_dict`` reads). A mapping of scalars and 1-D series, what
    ``course_point`` returns, is converted directly: building a Dataset per point cost about as
    much as a column course's Python side."""
    if isinstance(result, Mapping):
        dims: dict[str, int] = {}
        data_vars: dict[str, Any] = {}
        for name, value in result.items():
            arr = np.asarray(value)
            if arr.ndim == 0:
                data_vars[name] = {"dims": (), "attrs": {}, "data": arr.item()}
            elif arr.ndim == 1:
                dims[f"{name}_index"] = arr.size
                data_vars[name] = {"dims": (f"{name}_index",), "attrs": {}, "data": arr.tolist()}
            else:
                raise TypeError(f"outcome {name!r} has {arr.ndim} dimensions; return a Dataset")
        return {"coords": {}, "attrs": {}, "dims": dims, "data_vars": data_vars}
    return _as_dataset(result).to_dict(data="list")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def _run_chunk(
    func: PointFunction,
    base: Any,
    points: list[tuple[int, dict[str, Any]]],
    resume_dir: str | None,
    threads: int,
) -> list[dict[str, Any]]:
    """Runs on a worker: evaluates points one by one and persists each as it finishes."""
    token = _point_threads.set(threads)
    try:
        return _run_points(func, base, points, resume_dir)
    finally:
        _point_threads.reset(token)


def _run_points(
    func: PointFunction,
    base: Any,
    points: list[tuple[int, dict[str, Any]]],
    resume_dir: str | None,
) -> list[dict[str, Any]]:
    out = []
    for index, params in points:
        t0 = time.perf_counter()
        try:
            config = base
            for name, value in params.items():
                config = set_dotted(config, name, value)
            result = _as_record(func(config))
            record = {
                "index": index,
                "params": params,
                "status": _STATUS_OK,
                "error": "",
                "result": result,
            }
        except Exception as exc:  # a failing point is data, not the end of the sweep
            record = {
                "index": index,
                "params": params,
                "status": _STATUS_FAILED,
                "error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}",
                "result": None,
            }
        record["seconds"] = time.perf_counter() - t0
        if resume_dir is not None:
            _write_atomic(Path(resume_dir) / "points" / f"{index:08d}.json", json.dumps(record))
        out.append(record)
    return out


def _load_finished(resume_dir: Path) -> dict[int, dict[str, Any]]:
    done = {}
    for path in (resume_dir / "points").glob("*.json"):
        record = json.loads(path.read_text())
        done[int(record["index"])] = record
    return done


def _prepare_resume(resume: str | os.PathLike | None, manifest: dict[str, Any]) -> Path | None:
    if resume is None:
        return None
    root = Path(resume)
    (root / "points").mkdir(parents=True, exist_ok=True)
    path = root / "sweep.json"
    if path.exists():
        old = json.loads(path.read_text())
        if old != manifest:
            raise parameter_error(
                "resume",
                str(root),
                "a directory of the same sweep (its design, axes or base configuration differ; "
                "use a new directory)",
            )
    else:
        _write_atomic(path, json.dumps(manifest, indent=2, sort_keys=True))
    return root


def _config_digest(base: Any) -> str:
    def default(o: Any) -> Any:
        if dataclasses.is_dataclass(o):
            return {"__type__": type(o).__name__, **dataclasses.asdict(o)}
        return repr(o)

    text = json.dumps(base, sort_keys=True, default=default)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _OwnedClient:
    """An embedded LocalCluster (spawned processes, one thread each) that we shut down."""

    def __init__(self, n_workers: int | None):
        from distributed import Client, LocalCluster

        n = n_workers or max(1, os.cpu_count() or 1)
        self.cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        )
        self.client = Client(self.cluster)

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


def _connect(client: Any, n_workers: int | None) -> tuple[Any, _OwnedClient | None]:
    from distributed import Client

    if client is None:
        owned = _OwnedClient(n_workers)
        return owned.client, owned
    if isinstance(client, Client):
        return client, None
    if isinstance(client, str):  # scheduler address
        return Client(client), None
    if hasattr(client, "scheduler_address"):  # LocalCluster, SLURMCluster, ...
        return Client(client), None
    raise parameter_error(
        "client",
        type(client).__name__,
        "None (embedded cluster), a distributed.Client, a scheduler address or a cluster object",
    )


def run_points(
    func: PointFunction,
    base: Any,
    design: Design,
    *,
    client: Any = None,
    resume: str | os.PathLike | None = None,
    n_workers: int | None = None,
    threads_per_point: int = 1,
    chunk_size: int | None = None,
    progress: bool = True,
    retries: int = 2,
) -> dict[int, dict[str, Any]]:
    """Evaluates every point of ``design`` (skipping those already in ``resume``)."""
    # The course's own bound on `threads`: a larger value would fail every point.
    threads_per_point = require_int(
        "threads_per_point", threads_per_point, 1, MAX_THREADS, "threads"
    )
    manifest = {
        **design.manifest(),
        "base": _config_digest(base),
        "func": f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}",
    }
    root = _prepare_resume(resume, manifest)
    records = _load_finished(root) if root is not None else {}
    todo = [(i, v) for i, v in enumerate(design.values) if i not in records]
    if todo and client == "serial":
        from tqdm.auto import tqdm

        with tqdm(
            total=len(design.values),
            initial=len(records),
            unit="point",
            disable=not progress,
            mininterval=1.0,
            desc="sweep",
        ) as bar:
            for chunk in _chunks(todo, chunk_size or 16):
                for record in _run_chunk(
                    func, base, chunk, None if root is None else str(root), threads_per_point
                ):
                    records[record["index"]] = record
                bar.update(len(chunk))
    elif todo:
        from distributed import as_completed
        from tqdm.auto import tqdm

        dask_client, owned = _connect(client, n_workers)
        try:
            n_workers_now = max(1, len(dask_client.scheduler_info().get("workers", {})) or 1)
            size = chunk_size or max(1, min(64, math.ceil(len(todo) / (8 * n_workers_now))))
            futures = [
                dask_client.submit(
                    _run_chunk,
                    func,
                    base,
                    chunk,
                    None if root is None else str(root),
                    threads_per_point,
                    pure=False,
                    retries=retries,
                )
                for chunk in _chunks(todo, size)
            ]
            bar = tqdm(
                total=len(design.values),
                initial=len(records),
                unit="point",
                disable=not progress,
                mininterval=1.0,
                desc="sweep",
            )
            try:
                for future in as_completed(futures):
                    chunk = future.result()  # each result() gathers from the cluster again
                    for record in chunk:
                        records[record["index"]] = record
                    bar.update(len(chunk))
            finally:
                bar.close()
        finally:
            if owned is not None:
                owned.close()
    return records


def _assemble(design: Design, records: dict[int, dict[str, Any]]) -> xr.Dataset:
    names = list(design.axes)
    template = next(
        (xr.Dataset.from_dict(r["result"]) for r in records.values() if r["status"] == _STATUS_OK),
        xr.Dataset(),
    )
    point_sets = []
    for i in range(len(design.values)):
        r = records[i]
        if r["status"] == _STATUS_OK:
            ds = xr.Dataset.from_dict(r["result"])
        else:  # same variables as a good point, filled with NaN
            ds = (
                xr.full_like(template.astype(float), np.nan) if template.data_vars else xr.Dataset()
            )
        ds["status"] = ((), r["status"])
        ds["error"] = ((), r["error"])
        ds["seconds"] = ((), float(r.get("seconds", np.nan)))
        point_sets.append(ds)
    stacked = xr.concat(
        point_sets,
        dim="point",
        coords="minimal",
        compat="override",
        join="outer",
        combine_attrs="override",
    )
    if design.kind == "grid":
        index = {
            n: ("point", [design.values[i][n] for i in range(len(design.values))]) for n in names
        }
        stacked = stacked.assign_coords(index)
        if len(names) == 1:  # a single axis is a plain dimension, not a MultiIndex
            stacked = stacked.swap_dims({"point": names[0]})
        else:
            stacked = stacked.set_index(point=names).unstack("point")
        stacked = stacked.transpose(*names, ...)
    else:
        stacked = stacked.rename({"point": "sample"})
        for n in names:
            stacked = stacked.assign_coords(
                {n: ("sample", [design.values[i][n] for i in range(len(design.values))])}
            )
    stacked.attrs.update(
        design=design.kind,
        axes=json.dumps(design.axes),
        n_points=len(design.values),
        n_failed=int(sum(r["status"] != _STATUS_OK for r in records.values())),
        punctum_version=_core.__version__,
    )
    return stacked


def sweep(
    base: Any,
    axes: Mapping[str, Sequence[Any]],
    *,
    func: PointFunction,
    client: Any = None,
    design: str = "grid",
    n_samples: int | None = None,
    seed: int = 0,
    resume: str | os.PathLike | None = None,
    n_workers: int | None = None,
    threads_per_point: int = 1,
    chunk_size: int | None = None,
    progress: bool = True,
) -> xr.Dataset:
    """Run ``func`` over a parameter design and return the outcomes as an xarray.Dataset.

    ``axes`` maps dotted parameter names (``"device.length_mm"``) to a list of values (grid
    design: one dimension per axis) or a ``(low, high)`` range (``"random"`` and ``"sobol"``
    designs, ``n_samples`` points on a ``sample`` dimension, reproducible from ``seed``).

    ``client``: ``"serial"`` runs every point in this process (no Dask; for debugging and
    designs too small to be worth a cluster); ``None`` starts an embedded Dask LocalCluster
    (spawned processes) and shuts it down afterwards; ``threads_per_point`` (default 1) reaches
    a point as ``punctum.sweep_point_threads()``, which :func:`punctum.course.course_point`
    passes on as ``threads=`` (a point function of your own passes it on the same way);
    a ``distributed.Client``, a scheduler address, or a cluster object (``LocalCluster``,
    dask-jobqueue's ``SLURMCluster``) works unchanged.

    ``resume``: a directory where each point is written as it finishes; rerunning with the same
    directory skips finished points. Failed points carry ``status == "failed"`` and the error.
    """
    d = make_design(axes, design, n_samples, seed)
    for name in d.axes:
        get_dotted(base, name)  # bad axis names fail before any work is scheduled
    records = run_points(
        func,
        base,
        d,
        client=client,
        resume=resume,
        n_workers=n_workers,
        threads_per_point=threads_per_point,
        chunk_size=chunk_size,
        progress=progress,
    )
    return _assemble(d, records)
