"""punctum's HDF5 output read back with h5py, xarray and pandas in the same process, and h5py's
files read with punctum's reader: the two HDF5 libraries (punctum's system one, h5py's bundled
one) must coexist. Also: XDMF sidecar validity, checkpoints, atomicity, bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import h5py
import numpy as np
import punctum
import punctum.io as pio
import pytest

GRID = punctum.Grid3(shape=(6, 5, 4), spacing_m=(20e-6, 20e-6, 25e-6), origin_m=(1e-3, 0.0, 0.0))
NX, NY, NZ = GRID.shape
TIMES = np.array([0.0, 3600.0, 86400.0, 7 * 86400.0])


def snapshot(n: int, species: int) -> np.ndarray:
    z, y, x = np.meshgrid(np.arange(NZ), np.arange(NY), np.arange(NX), indexing="ij")
    return (species + 1) * np.sin(0.3 * x + n) * np.cos(0.2 * y) + 0.01 * z


def write_course_like(path: Path, *, seed: int = 42) -> None:
    """A file shaped like the course's output, written by the C++ writer."""
    with pio.H5Writer(path) as w:
        w.write_provenance(config='[device]\nkind = "pen"\nneedle_length_mm = 1.0\n', seed=seed)
        w.write_dataset("/observables/time", TIMES, "s", ["time"])
        w.write_dataset(
            "/observables/erythema_index", np.array([0.0, 0.8, 0.3, 0.05]), "1", ["time"]
        )
        w.write_dataset("/observables/bleeding_points", np.array([0, 12, 12, 12]), "1", ["time"])
        profile = np.arange(len(TIMES) * 3, dtype=float).reshape(len(TIMES), 3)
        w.write_dataset("/observables/collagen_profile", profile, "kg/m^3", ["time", "depth"])
        w.write_dataset("/observables/depth", np.array([1e-4, 3e-4, 5e-4]), "m", ["depth"])
        w.write_table(
            "/punctures",
            {
                "x": np.array([1e-4, 2e-4, 3e-4]),
                "session": np.array([0, 0, 1], dtype=np.int64),
                "deepest_layer": np.array([2, 3, 3], dtype=np.uint8),
                "capillary_hit": np.array([True, False, True]),
                "device": ["pen", "pen", "roller"],
            },
            units={
                "x": "m",
                "session": "1",
                "deepest_layer": "1",
                "capillary_hit": "1",
                "device": "",
            },
        )
        w.define_fields("/fields", GRID, [("collagen_I", "kg/m^3"), ("damage", "1")])
        for n, t in enumerate(TIMES):
            assert w.append_fields("/fields", t, [snapshot(n, 0), snapshot(n, 1)]) == n


def test_hdf5_libraries_in_this_process():
    # The premise of this file: two different HDF5 libraries answer in one process.
    assert pio.hdf5_available()
    assert pio.hdf5_library_version().startswith("1.")


def test_cpp_writer_output_reads_with_h5py(tmp_path):
    path = tmp_path / "course.h5"
    write_course_like(path)
    with h5py.File(path, "r") as f:
        assert list(f["observables"]) == [
            "time",
            "erythema_index",
            "bleeding_points",
            "collagen_profile",
            "depth",
        ], "creation order is kept"
        np.testing.assert_array_equal(f["observables/time"][()], TIMES)
        assert f["observables/time"].attrs["units"] == "s"
        assert f["observables/collagen_profile"].attrs["dims"] == "time,depth"
        assert f["observables/bleeding_points"].dtype == np.int64
        assert list(f["punctures"]) == ["x", "session", "deepest_layer", "capillary_hit", "device"]
        assert f["punctures/capillary_hit"].dtype == np.bool_
        assert f["punctures/deepest_layer"].dtype == np.uint8
        assert list(f["punctures/device"].asstr()[()]) == ["pen", "pen", "roller"]
        collagen = f["fields/collagen_I"]
        assert collagen.shape == (len(TIMES), NZ, NY, NX)
        assert collagen.chunks == (1, NZ, NY, NX)
        assert collagen.compression == "gzip" and collagen.shuffle
        assert collagen.maxshape == (None, NZ, NY, NX)
        assert collagen.attrs["units"] == "kg/m^3"
        np.testing.assert_array_equal(collagen[2], snapshot(2, 0))
        np.testing.assert_allclose(
            f["fields/x"][()], 1e-3 + (np.arange(NX) + 0.5) * 20e-6, rtol=1e-15
        )
        prov = f["provenance"].attrs
        assert prov["punctum_version"] == punctum.__version__
        assert prov["seed"] == 42 and prov["config_format"] == "toml"
        assert prov["hdf5_version"] == pio.hdf5_library_version()


def test_open_result_gives_labelled_time_series_with_units_and_provenance(tmp_path):
    path = tmp_path / "course.h5"
    write_course_like(path, seed=2**64 - 1)
    ds = pio.open_result(path)
    assert ds["erythema_index"].dims == ("time",)
    assert ds["collagen_profile"].dims == ("time", "depth")
    assert ds["erythema_index"].attrs["units"] == "1"
    assert ds["time"].attrs["units"] == "s" and ds["depth"].attrs["units"] == "m"
    np.testing.assert_array_equal(ds["time"].values, TIMES)
    assert float(ds["erythema_index"].sel(time=3600.0)) == 0.8
    assert ds.attrs["punctum_version"] == punctum.__version__
    assert ds.attrs["seed"] == 2**64 - 1, "uint64 seeds survive"
    assert "needle_length_mm = 1.0" in ds.attrs["config"]
    assert ds.attrs["created_utc"].endswith("Z") and ds.attrs["host"]


def test_reopened_course_carries_the_attributes_of_the_in_memory_result(tmp_path):
    """open_result used to drop the file's root attributes (completed, condition, total_cost,
    integrator_steps) and to name the configuration only `config`."""
    path = tmp_path / "course.h5"
    r = punctum.simulate(
        protocol=punctum.Protocol(sessions=1, horizon_days=5, cost_per_session=120.0),
        fidelity="column",
        seed=11,
        output=path,
        progress=False,
    )
    memory = dict(r.observables.attrs)
    assert {"completed", "seed", "punctum_version", "config_toml", "fidelity"} <= set(memory)
    reopened = pio.open_result(path).attrs
    assert {k: reopened.get(k) for k in memory} == memory
    assert reopened["total_cost"] == 120.0 and reopened["seed"] == 11


def test_read_punctures_gives_a_dataframe_with_units(tmp_path):
    path = tmp_path / "course.h5"
    write_course_like(path)
    df = pio.read_punctures(path)
    assert list(df.columns) == ["x", "session", "deepest_layer", "capillary_hit", "device"]
    assert df["capillary_hit"].dtype == bool and df["session"].dtype == np.int64
    assert list(df["device"]) == ["pen", "pen", "roller"]
    assert df.attrs["units"]["x"] == "m"


def test_read_fields_is_lazy_and_exact(tmp_path):
    import dask.array

    path = tmp_path / "course.h5"
    write_course_like(path)
    collagen = pio.read_fields(path, "collagen_I")
    assert isinstance(collagen.data, dask.array.Array), "dask-backed, nothing read yet"
    assert collagen.dims == ("time", "z", "y", "x")
    assert collagen.data.chunksize == (1, NZ, NY, NX)
    assert collagen.attrs["units"] == "kg/m^3"
    assert collagen["time"].attrs["units"] == "s" and collagen["z"].attrs["units"] == "m"
    np.testing.assert_array_equal(collagen.sel(time=86400.0).values, snapshot(2, 0))
    np.testing.assert_array_equal(
        pio.read_fields(path, "damage").isel(time=3).values, snapshot(3, 1)
    )
    with pytest.raises(ValueError, match="choose one"):
        pio.read_fields(path)
    # No HDF5 handle is held between reads: the file can be replaced while the array lives.
    write_course_like(path)
    assert collagen.isel(time=0).shape == (NZ, NY, NX)


def test_xdmf_sidecar_is_valid_and_points_at_existing_datasets(tmp_path):
    path = tmp_path / "course.h5"
    write_course_like(path)
    xmf = tmp_path / "course.xmf"
    root = ET.parse(xmf).getroot()
    assert root.tag == "Xdmf"
    collections = root.findall("./Domain/Grid")
    assert len(collections) == 1 and collections[0].get("CollectionType") == "Temporal"
    steps = collections[0].findall("Grid")
    assert len(steps) == len(TIMES)
    with h5py.File(path, "r") as f:
        for n, step in enumerate(steps):
            assert float(step.find("Time").get("Value")) == TIMES[n]
            topology = step.find("Topology")
            assert topology.get("TopologyType") == "3DCoRectMesh"
            assert [int(v) for v in topology.get("Dimensions").split()] == [NZ + 1, NY + 1, NX + 1]
            origin, spacing = (np.array(item.text.split(), float) for item in step.find("Geometry"))
            np.testing.assert_array_equal(origin, [0.0, 0.0, 1e-3])  # z, y, x
            np.testing.assert_array_equal(spacing, [25e-6, 20e-6, 20e-6])
            attributes = step.findall("Attribute")
            assert {a.get("Name") for a in attributes} == {"collagen_I", "damage"}
            for attribute in attributes:
                assert attribute.get("Center") == "Cell"
                slab = attribute.find("DataItem")
                assert [int(v) for v in slab.get("Dimensions").split()] == [NZ, NY, NX]
                selection, source = slab.findall("DataItem")
                start, stride, count = np.array(selection.text.split(), int).reshape(3, 4)
                assert list(start) == [n, 0, 0, 0] and list(stride) == [1, 1, 1, 1]
                assert list(count) == [1, NZ, NY, NX]
                file_name, dataset = source.text.strip().split(":")
                assert (xmf.parent / file_name).resolve() == path.resolve()
                assert dataset in f
                assert tuple(int(v) for v in source.get("Dimensions").split()) == f[dataset].shape


def test_xdmf_opens_in_vtks_xdmf_reader(tmp_path):
    # ParaView's "XDMF Reader" is VTK's vtkXdmfReader: read the sidecar with it and check the
    # time steps, the cell-centred image geometry and one snapshot's values.
    xdmf = pytest.importorskip("vtkmodules.vtkIOXdmf2")
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline

    write_course_like(tmp_path / "course.h5")
    reader = xdmf.vtkXdmfReader()
    reader.SetFileName(str(tmp_path / "course.xmf"))
    reader.UpdateInformation()
    steps = reader.GetOutputInformation(0).Get(vtkStreamingDemandDrivenPipeline.TIME_STEPS())
    np.testing.assert_array_equal(steps, TIMES)
    reader.UpdateTimeStep(TIMES[2])
    image = reader.GetOutputDataObject(0)
    assert image.GetDimensions() == (NX + 1, NY + 1, NZ + 1)  # points, x y z
    np.testing.assert_allclose(image.GetOrigin(), (1e-3, 0.0, 0.0), rtol=1e-15)
    np.testing.assert_allclose(image.GetSpacing(), (20e-6, 20e-6, 25e-6), rtol=1e-15)
    assert image.GetNumberOfCells() == NX * NY * NZ
    values = vtk_to_numpy(image.GetCellData().GetArray("collagen_I")).reshape(NZ, NY, NX)
    np.testing.assert_array_equal(values, snapshot(2, 0))


def test_h5reader_reads_h5py_written_files(tmp_path):
    path = tmp_path / "from_h5py.h5"
    with h5py.File(path, "w") as f:
        f["a"] = np.arange(6, dtype=np.float32).reshape(2, 3)
        f["a"].attrs["units"] = "m"
        f["a"].attrs["dims"] = "row,col"
        f.attrs["count"] = 3
        f.attrs["scale"] = 0.5
        f.attrs["label"] = "written by h5py"
        f.attrs["vector"] = np.array([1.0, 2.0])
        f.attrs["fixed"] = np.bytes_("fixed-length")
        t = f.create_group("table")
        t["flag"] = np.array([True, False, True])
        t["name"] = np.array(["x", "yy", "zzz"], dtype=h5py.string_dtype())
        t["n"] = np.array([1, 2, 3], dtype=np.int32)
    with pio.H5Reader(path) as r:
        a = r.read_dataset("/a")
        np.testing.assert_array_equal(a["values"], np.arange(6.0).reshape(2, 3))
        assert a["units"] == "m" and a["dims"] == ["row", "col"]
        attrs = r.attributes("/")
        assert attrs["count"] == 3 and attrs["scale"] == 0.5 and attrs["label"] == "written by h5py"
        assert attrs["fixed"] == "fixed-length"
        np.testing.assert_array_equal(attrs["vector"], [1.0, 2.0])
        columns, units = r.read_table("/table")
        np.testing.assert_array_equal(columns["flag"], [True, False, True])
        assert columns["name"] == ["x", "yy", "zzz"]
        np.testing.assert_array_equal(columns["n"], [1, 2, 3])
        assert units["flag"] == ""


def test_interleaved_use_of_both_libraries(tmp_path):
    for i in range(5):
        ours, theirs = tmp_path / f"ours{i}.h5", tmp_path / f"theirs{i}.h5"
        write_course_like(ours, seed=i)
        with h5py.File(ours, "r") as f:
            assert f["provenance"].attrs["seed"] == i
            with h5py.File(theirs, "w") as g:
                g["copy"] = f["fields/damage"][()]
                g["copy"].attrs["units"] = f["fields/damage"].attrs["units"]
        with pio.H5Reader(theirs) as r:
            copy = r.read_dataset("/copy")
        np.testing.assert_array_equal(copy["values"][i % len(TIMES)], snapshot(i % len(TIMES), 1))
        assert copy["units"] == "1"
        assert int(pio.open_result(ours).attrs["seed"]) == i
        # punctum and h5py holding the same file open to read.
        with pio.H5Reader(ours) as r, h5py.File(ours, "r") as f:
            np.testing.assert_array_equal(
                r.read_snapshot("/fields", "collagen_I", 1), f["fields/collagen_I"][1]
            )


COEXISTENCE_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    order, flags = sys.argv[1], sys.argv[2]
    if flags == "global":
        sys.setdlopenflags(os.RTLD_NOW | os.RTLD_GLOBAL)
    if order == "h5py-first":
        import h5py
        import punctum.io as pio
    else:
        import punctum.io as pio
        import h5py
    import punctum
    path = sys.argv[3]
    grid = punctum.Grid3((3, 2, 2), (1e-5, 1e-5, 1e-5))
    with pio.H5Writer(path + "/ours.h5") as w:
        w.write_dataset("/v", np.arange(4.0), "m")
        w.define_fields("/fields", grid, [("c", "1")])
        w.append_fields("/fields", 0.0, [np.ones((2, 2, 3))])
    with h5py.File(path + "/ours.h5", "r") as f:
        assert f["v"].attrs["units"] == "m" and f["fields/c"].chunks == (1, 2, 2, 3)
    with h5py.File(path + "/theirs.h5", "w") as f:
        f["w"] = np.arange(3.0)
        f["w"].attrs["units"] = "s"
    with pio.H5Reader(path + "/theirs.h5") as r:
        assert r.read_dataset("/w")["units"] == "s"
    print(pio.hdf5_library_version(), h5py.version.hdf5_version)
    """
)


@pytest.mark.parametrize("flags", ["default", "global"])
@pytest.mark.parametrize("order", ["h5py-first", "punctum-first"])
def test_coexistence_in_a_fresh_process(tmp_path, order, flags):
    # A fresh interpreter per case: load order and RTLD_GLOBAL decide which HDF5 symbols win.
    # Without isolation, "global" breaks (h5py fails to import, or punctum's calls run inside
    # h5py's HDF5 2.x); punctum loads its extension RTLD_LOCAL | RTLD_DEEPBIND to prevent both.
    result = subprocess.run(
        [sys.executable, "-c", COEXISTENCE_SCRIPT, order, flags, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    ours, theirs = result.stdout.split()
    assert ours == pio.hdf5_library_version(), "punctum's calls reach punctum's own HDF5"
    assert theirs == h5py.version.hdf5_version


def test_checkpoint_round_trip_is_bit_exact(tmp_path):
    rng = np.random.default_rng(7)
    state = rng.standard_normal((50, 4, 3)) * 10.0 ** rng.uniform(-300, 300, (50, 4, 3))
    tiny = np.finfo(float).smallest_subnormal
    state.flat[:6] = [
        tiny,
        -tiny,
        np.finfo(float).max,
        np.finfo(float).min,
        -0.0,
        np.finfo(float).tiny,
    ]
    path = tmp_path / "run.ckpt.h5"
    pio.save_checkpoint(
        path,
        {"state": state, "times": np.array([0.5, 1.5])},
        {"step": 1234, "rng_counter": 2**64 - 1, "dt_s": 1e-300, "negative": -(2**63)},
        {"config": "[protocol]\nsessions = 4"},
    )
    arrays, scalars, metadata = pio.load_checkpoint(path)
    assert arrays["state"].shape == state.shape
    assert np.array_equal(arrays["state"].view(np.uint64), state.view(np.uint64)), "bit for bit"
    assert scalars == {"step": 1234, "rng_counter": 2**64 - 1, "dt_s": 1e-300, "negative": -(2**63)}
    assert metadata == {"config": "[protocol]\nsessions = 4"}
    with pytest.raises(punctum.ParameterError, match="rng_counter"):
        pio.save_checkpoint(path, {}, {"rng_counter": 2**64})
    with pytest.raises(pio.IoError):
        pio.load_checkpoint(_not_a_checkpoint(tmp_path))


def _not_a_checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1.0
    return path


def test_failed_write_leaves_the_previous_result_untouched(tmp_path):
    path = tmp_path / "course.h5"
    write_course_like(path, seed=1)
    before = path.read_bytes()
    with pytest.raises(punctum.ParameterError, match="/fields/damage"), pio.H5Writer(path) as w:
        w.write_dataset("/observables/time", TIMES, "s", ["time"])
        w.define_fields("/fields", GRID, [("collagen_I", "kg/m^3"), ("damage", "1")])
        w.append_fields("/fields", 0.0, [snapshot(0, 0), np.zeros((NZ, NY, NX + 1))])
    assert path.read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p], "temporary file removed"


def test_bad_inputs_name_what_is_wrong(tmp_path):
    w = pio.H5Writer(tmp_path / "bad.h5")
    with pytest.raises(punctum.ParameterError, match="units of '/observables/x'"):
        w.write_dataset("/observables/x", np.zeros(3), "")
    w.define_fields("/fields", GRID, [("c", "1")])
    w.append_fields("/fields", 10.0, [snapshot(0, 0)])
    with pytest.raises(punctum.ParameterError, match="strictly after"):
        w.append_fields("/fields", 5.0, [snapshot(0, 0)])
    with pytest.raises(pio.IoError, match="/nowhere"):
        w.set_attribute("/nowhere", "units", "m")
    assert isinstance(pio.IoError("x"), OSError)
    w.discard()
    assert not (tmp_path / "bad.h5").exists()


def test_interposed_hdf5_is_detected_not_silently_used(tmp_path):
    # With the isolation switched off and h5py's HDF5 loaded globally first, punctum's HDF5 calls
    # would run in h5py's library; the writer must refuse rather than write through a foreign ABI.
    result = subprocess.run(
        [sys.executable, "-c", COEXISTENCE_SCRIPT, "h5py-first", "global", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PUNCTUM_DEEPBIND": "0"},
    )
    if result.returncode == 0 and result.stdout.split()[0] == result.stdout.split()[1]:
        pytest.skip("h5py uses the same HDF5 as punctum here: nothing to interpose")
    assert result.returncode != 0
    assert "interposes punctum's" in result.stderr


def _toy_run(tmp_path: Path, out: str, stop_at: int | None = None, restart: bool = False) -> None:
    """A stand-in for the course loop: state advanced by a counter-based RNG, a snapshot per step,
    a checkpoint + partial output at step 3. `stop_at` simulates a crash after that step."""
    ckpt, partial = tmp_path / "run.ckpt.h5", tmp_path / "run.partial.h5"
    grid = punctum.Grid3((4, 3, 2), (1e-5, 1e-5, 1e-5))
    if restart:
        arrays, scalars, _ = pio.load_checkpoint(ckpt)
        state, first = arrays["state"], scalars["step"] + 1
        writer = pio.H5Writer.resume(partial, tmp_path / out)
    else:
        state, first = np.zeros((2, 3, 4)), 0
        writer = pio.H5Writer(tmp_path / out)
        writer.write_provenance("seed = 9", seed=9, created_utc="2026-01-01T00:00:00Z", host="h")
        writer.define_fields("/fields", grid, [("u", "1")])
    for step in range(first, 6):
        noise = np.random.Generator(np.random.Philox(key=9, counter=step)).standard_normal(
            state.shape
        )
        state = 0.9 * state + noise
        writer.append_fields("/fields", 60.0 * step, [state])
        if step == 3 and not restart:
            pio.save_checkpoint(ckpt, {"state": state}, {"step": step, "rng_counter": step})
            writer.save_partial(partial)
        if step == stop_at:
            writer.discard()
            return
    writer.write_dataset("/observables/final_mean", np.array([state.mean()]), "1")
    writer.commit()


def test_restart_reproduces_the_uninterrupted_output_byte_for_byte(tmp_path):
    _toy_run(tmp_path, "uninterrupted.h5")
    _toy_run(tmp_path, "crashed.h5", stop_at=4)
    assert not (tmp_path / "crashed.h5").exists(), "a crashed run leaves no result behind"
    _toy_run(tmp_path, "restarted.h5", restart=True)
    a, b = tmp_path / "uninterrupted.h5", tmp_path / "restarted.h5"
    assert a.read_bytes() == b.read_bytes()
    with h5py.File(b, "r") as f:
        assert f["fields/u"].shape == (6, 2, 3, 4)
