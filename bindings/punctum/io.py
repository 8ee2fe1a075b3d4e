"""punctum's result files: HDF5 written by the C++ core, read back as labelled arrays.

Layout (docs/output-format.md): ``/provenance`` (attributes), ``/observables`` (time series, each
with ``units`` and ``dims``), ``/punctures`` (a table: one 1-D dataset per column), ``/fields``
(snapshots ``(time, z, y, x)``, chunked one snapshot per chunk, compressed) and an XDMF sidecar
``<stem>.xmf`` for ParaView.

Reading goes through h5py; writing through punctum's own HDF5 (``H5Writer``). The two HDF5
libraries coexist in one process (see the docs for how and why).

    import punctum.io as pio
    obs = pio.open_result("course.h5")           # xarray.Dataset over time, units in attrs
    punctures = pio.read_punctures("course.h5")  # pandas.DataFrame, units in df.attrs["units"]
    collagen = pio.read_fields("course.h5", "collagen_I")  # lazy (dask) DataArray (time, z, y, x)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import tomllib

from punctum._core import IoError
from punctum._core import io as _cio

H5Writer = _cio.H5Writer
H5Reader = _cio.H5Reader
hdf5_available = _cio.hdf5_available
hdf5_library_version = _cio.hdf5_library_version
write_xdmf = _cio.write_xdmf

PathLike = str | os.PathLike

__all__ = [
    "H5Reader",
    "H5Writer",
    "IoError",
    "hdf5_available",
    "hdf5_library_version",
    "load_checkpoint",
    "open_result",
    "read_fields",
    "read_provenance",
    "read_punctures",
    "save_checkpoint",
    "write_xdmf",
]


def save_checkpoint(
    path: PathLike,
    arrays: dict[str, np.ndarray],
    scalars: dict[str, int | float] | None = None,
    metadata: dict[str, str] | None = None,
) -> None:
    """Atomic, bit-exact checkpoint: float64 arrays (any shape), int/float scalars (ints above
    2**63 are stored as uint64, e.g. RNG counters) and string metadata."""
    _cio.save_checkpoint(os.fspath(path), arrays, scalars or {}, metadata or {})


def load_checkpoint(
    path: PathLike,
) -> tuple[dict[str, np.ndarray], dict[str, int | float], dict[str, str]]:
    """(arrays, scalars, metadata) exactly as saved."""
    return _cio.load_checkpoint(os.fspath(path))


def _h5py():
    import h5py

    return h5py


def _attr_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _dims_of(dataset, name: str) -> tuple[str, ...]:
    dims = dataset.attrs.get("dims")
    if dims is not None:
        names = tuple(_attr_value(dims).split(","))
        if len(names) == dataset.ndim:
            return names
    return tuple(f"{name}_dim_{i}" for i in range(dataset.ndim))


def _values_of(dataset) -> np.ndarray:
    if dataset.dtype.kind == "O" or dataset.dtype.kind == "S":
        return np.asarray(dataset.asstr()[()], dtype=object)
    return dataset[()]


def read_provenance(path: PathLike) -> dict[str, Any]:
    """The attributes of ``/provenance`` (punctum_version, config, config_format, seed,
    created_utc, host, hdf5_version); empty if the file has none."""
    h5py = _h5py()
    with h5py.File(path, "r") as f:
        if "provenance" not in f:
            return {}
        return {key: _attr_value(value) for key, value in f["provenance"].attrs.items()}


def open_result(path: PathLike, group: str = "/observables"):
    """The time series under ``group`` as an ``xarray.Dataset``.

    Each dataset becomes a variable with the dims named by its ``dims`` attribute and its
    attributes (``units``, ``description``) kept; a 1-D dataset named like its own dimension
    (``time``) becomes that coordinate. The Dataset's attributes are the file's root attributes
    (``completed``, ``seed``, ``condition``, ``total_cost``, ``integrator_steps``, ...), the
    group's and the provenance (``punctum_version``, ``config``, ...), plus what
    :func:`punctum.simulate` calls them in memory: ``config_toml`` (the TOML ``config``) and
    the ``fidelity`` of its ``[run]``. A course reopened from its file thus carries the attributes
    of the in-memory result. Values are read eagerly (observables are small); use
    :func:`read_fields` for snapshots.
    """
    import xarray as xr

    h5py = _h5py()
    data_vars: dict[str, Any] = {}
    coords: dict[str, Any] = {}
    with h5py.File(path, "r") as f:
        if group not in f:
            raise KeyError(f"{os.fspath(path)} has no group {group!r}")
        for name, item in f[group].items():
            if not isinstance(item, h5py.Dataset):
                continue
            dims = _dims_of(item, name)
            attrs = {key: _attr_value(value) for key, value in item.attrs.items() if key != "dims"}
            entry = (dims, _values_of(item), attrs)
            if dims == (name,):
                coords[name] = entry
            else:
                data_vars[name] = entry
        attrs = {key: _attr_value(value) for key, value in f.attrs.items()}
        attrs.update((key, _attr_value(value)) for key, value in f[group].attrs.items())
    provenance = read_provenance(path)
    attrs.update(provenance)
    attrs.update(_course_attrs(provenance))
    attrs["source_file"] = os.fspath(path)
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _course_attrs(provenance: dict[str, Any]) -> dict[str, Any]:
    """The attributes :func:`punctum.simulate` derives from its configuration, from the
    configuration a file records (nothing when it records none, or not as TOML)."""
    text = provenance.get("config")
    if provenance.get("config_format") != "toml" or not isinstance(text, str):
        return {}
    out: dict[str, Any] = {"config_toml": text}
    try:
        run = tomllib.loads(text).get("run", {})
    except tomllib.TOMLDecodeError:
        return out
    if isinstance(run, dict) and isinstance(run.get("fidelity"), str):
        out["fidelity"] = run["fidelity"]
    return out


def read_punctures(path: PathLike, group: str = "/punctures"):
    """A table group (one 1-D dataset per column) as a ``pandas.DataFrame`` in the stored column
    order; ``df.attrs["units"]`` maps each column to its unit."""
    import pandas as pd

    h5py = _h5py()
    columns: dict[str, Any] = {}
    units: dict[str, str] = {}
    with h5py.File(path, "r") as f:
        if group not in f:
            raise KeyError(f"{os.fspath(path)} has no group {group!r}")
        for name, item in f[group].items():
            if not isinstance(item, h5py.Dataset) or item.ndim != 1:
                continue
            columns[name] = _values_of(item)
            units[name] = _attr_value(item.attrs.get("units", ""))
    frame = pd.DataFrame(columns)
    frame.attrs["units"] = units
    frame.attrs["source_file"] = os.fspath(path)
    return frame


class _LazyH5Dataset:
    """Array-like view of one HDF5 dataset that opens the file only while a block is read, so no
    handle (and no HDF5 file lock) outlives the read and the object pickles to Dask workers."""

    def __init__(self, path: str, name: str, shape: tuple[int, ...], dtype: np.dtype):
        self.path, self.name, self.shape, self.dtype = path, name, shape, dtype
        self.ndim = len(shape)

    def __getitem__(self, key):
        with _h5py().File(self.path, "r") as f:
            return f[self.name][key]


def read_fields(path: PathLike, species: str | None = None, group: str = "/fields"):
    """One species of a field series as a lazy ``xarray.DataArray`` over ``(time, z, y, x)``.

    Backed by Dask with one chunk per stored snapshot; nothing is read until values are asked
    for. Coordinates are the snapshot times (s) and voxel centres (m), each with ``units``.
    ``species`` may be omitted when the series holds a single species.
    """
    import dask.array as da
    import xarray as xr

    h5py = _h5py()
    file_name = os.fspath(Path(path).resolve())
    with h5py.File(file_name, "r") as f:
        if group not in f or _attr_value(f[group].attrs.get("punctum_kind", "")) != "field_series":
            raise KeyError(f"{file_name} has no field series at {group!r}")
        g = f[group]
        names = _attr_value(g.attrs["species"]).split(",")
        if species is None:
            if len(names) != 1:
                raise ValueError(f"field series {group!r} holds {names}; choose one with species=")
            species = names[0]
        if species not in names:
            raise ValueError(f"species={species!r} is not in field series {group!r}: {names}")
        dataset = g[species]
        shape, dtype = dataset.shape, dataset.dtype
        attrs = {key: _attr_value(value) for key, value in dataset.attrs.items() if key != "dims"}
        coords = {}
        for axis in ("time", "z", "y", "x"):
            c = g[axis]
            coords[axis] = ((axis,), c[()], {"units": _attr_value(c.attrs.get("units", ""))})
        grid_attrs = {
            key: _attr_value(g.attrs[key])
            for key in ("origin_xyz_m", "spacing_xyz_m", "shape_xyz", "periodic_xyz")
            if key in g.attrs
        }
    source = _LazyH5Dataset(file_name, f"{group.rstrip('/')}/{species}", shape, dtype)
    chunks = (1, *shape[1:])
    data = da.from_array(
        source,
        chunks=chunks,
        name=f"punctum-{file_name}-{group}-{species}-{shape}",
        meta=np.empty((0,) * len(shape), dtype=dtype),
        lock=False,
    )
    attrs.update({f"grid_{key}": value for key, value in grid_attrs.items()})
    attrs["source_file"] = file_name
    return xr.DataArray(
        data, dims=("time", "z", "y", "x"), coords=coords, name=species, attrs=attrs
    )
