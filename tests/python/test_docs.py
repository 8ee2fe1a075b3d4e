"""The documentation cannot drift from the code: generated pages are regenerated and compared,
links resolve, and every Python snippet in README.md and docs/guide/ runs (see
test_snippets_run for the fence convention)."""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
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
    (root / "data" / "validation").mkdir(exist_ok=True)  # targets, not parameters: left out
    (root / "data" / "validation" / "cases.csv").write_text("a,source,tag\n1,somewhere,S\n")
    assert gen.render() == (ROOT / "docs" / "model.md").read_text()
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


# ----------------------------------------------------------------------------------------------
# docs/guide/configuration.md: every key, unit, default and range, from the code

CONFIG_PAGE = ROOT / "docs" / "guide" / "configuration.md"


def test_configuration_reference_is_generated_from_the_code():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_config_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def _documented_config() -> dict[tuple[str, str | None, str], dict[str, str]]:
    """(section, device kind or None, key) -> the row's cells, read from the page."""
    rows: dict[tuple[str, str | None, str], dict[str, str]] = {}
    section = kind = None
    for line in CONFIG_PAGE.read_text().splitlines():
        if m := re.match(r"## `\[(\w+)\]`", line):
            section, kind = m.group(1), None
        elif m := re.match(r'### `kind = "(\w+)"`', line):
            kind = m.group(1)
        elif section and (m := re.match(r"\| `(\w+)` \|", line)):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            names = ("key", "unit", "default", "reference", "allowed", "meaning")
            rows[(section, kind, m.group(1))] = dict(zip(names, cells, strict=True))
    return rows


def _code_config_keys() -> set[tuple[str, str | None, str]]:
    import dataclasses
    import inspect

    import punctum
    from punctum import _core, course

    keys = {("skin", None, k) for k in course.SKIN_DEFAULTS}
    keys |= {("patient", None, f.name) for f in dataclasses.fields(punctum.Patient)}
    keys |= {("protocol", None, f.name) for f in dataclasses.fields(punctum.Protocol)}
    keys |= {("run", None, k) for k in course.RUN_KEYS}
    keys.add(("device", None, "kind"))
    for kind, cls in {"pen": _core.Pen, "roller": _core.Roller, "stamp": _core.Stamp}.items():
        signature = cls.__init__.__doc__.splitlines()[0]
        keys |= {("device", kind, k) for k in re.findall(r"(\w+): typing\.", signature)}
    keys.add(("device", "pen", "density_per_cm2"))  # punctum.Pen's own
    # Every option of simulate() is a configuration key or an argument of the call only (where
    # its files go and how it runs, not what it computes).
    call_only = {
        "output",
        "progress",
        "cancel",
        "config",
        "checkpoint",
        "checkpoint_every_days",
        "resume_from",
    }
    options = inspect.signature(punctum.simulate).parameters.values()
    for p in options:
        if p.kind is p.KEYWORD_ONLY:
            assert p.name in course.RUN_KEYS or p.name in call_only, p.name
    return keys


def test_configuration_reference_documents_every_key_and_no_other():
    import punctum

    documented = _documented_config()
    assert set(documented) == _code_config_keys()
    reference = punctum.reference_course().to_dict()
    for section, values in reference.items():
        kind = reference["device"]["kind"] if section == "device" else None
        for key in values:
            where = (section, None if key == "kind" else kind, key)
            assert where in documented, where
    for (section, _, key), row in documented.items():
        assert row["allowed"] and row["meaning"], (section, key)
        assert row["default"], (section, key)


def _bounds(allowed: str) -> tuple[float, float] | None:
    m = re.match(r"\[([-+0-9.e]+), ([-+0-9.e]+)\]", allowed)
    return (float(m.group(1)), float(m.group(2))) if m else None


def _try(section: str, kind: str | None, key: str, value) -> None:
    import punctum

    if section == "skin":
        punctum.SimulationConfig(skin={"site": "cheek", key: value}).build()
    elif section == "patient":
        extra = {"diabetes": True} if key == "hba1c_percent" else {}
        punctum.Patient(**extra, **{key: value})
    elif section == "protocol":
        # One session (or daily ones) so that no other check of the protocol interferes.
        extra = {"spacing_days": 1.0, "horizon_days": 365.0} if key == "sessions" else {}
        punctum.Protocol(**{"sessions": 1, **extra, key: value})
    elif section == "device":
        punctum.SimulationConfig(device={"kind": kind, key: value}).build()
    else:
        punctum.simulate(fidelity="column", progress=False, **{key: value})


@pytest.mark.parametrize("side", ["below", "above"])
def test_configuration_reference_ranges_are_the_enforced_ones(side):
    """A value just outside each documented [lo, hi] is refused and one just inside accepted,
    so the page can be neither wider nor narrower than the validators. (Run options are only
    checked outside: inside, they would run courses.)"""
    import punctum

    checked = 0
    for (section, kind, key), row in _documented_config().items():
        bounds = _bounds(row["allowed"])
        if bounds is None:
            continue
        edge = bounds[0] if side == "below" else bounds[1]
        sign = -1 if side == "below" else 1
        integer = re.fullmatch(r"`-?\d+`", row["default"]) is not None or key in {
            "rows",
            "needles_per_row",
            "threads",
        }
        step = 1 if integer else max(abs(edge) * 1e-4, 1e-9)
        outside, inside = edge + sign * step, edge - sign * step
        if integer:
            outside, inside = int(outside), int(edge)
        if key in {"output_days", "snapshot_days"}:
            outside, inside = [outside], [inside]
        with pytest.raises(punctum.ParameterError):
            _try(section, kind, key, outside)
        if section != "run" and ";" not in row["allowed"]:  # no bound that depends on others
            _try(section, kind, key, inside)
        checked += 1
    assert checked > 40


# ----------------------------------------------------------------------------------------------
# Snippets: every ```python block of README.md and docs/guide/*.md runs
#
# Convention: the blocks of one page run in order in one namespace (a later block may use what
# an earlier one made), in a scratch directory, with matplotlib's Agg backend. A block fenced
# ```python no-run is illustrative (it needs a cluster, a scheduler or a long run) and is skipped
# on purpose. ```toml blocks must be valid configurations unless fenced ```toml no-run. A
# ```cpp or ```cmake block fenced with a path (```cpp examples/cpp/main.cpp) must equal that
# file; one fenced with excerpt=PATH must consist of lines of that file.

SNIPPET_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs" / "guide").glob("*.md"))]
_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)


def _blocks(page: Path) -> list[tuple[str, str]]:
    return [(m.group("info").strip(), m.group("body")) for m in _FENCE.finditer(page.read_text())]


def test_snippet_fences_follow_the_convention():
    known = {"python", "python no-run", "toml", "toml no-run", "bash", "text", ""}
    runnable = 0
    for page in SNIPPET_PAGES:
        for info, _ in _blocks(page):
            words = info.split()
            if words and words[0] in {"cpp", "cmake"}:  # compiled: a file, an excerpt or no-run
                assert len(words) == 2, f"{page.name}: fence {info!r} says neither file nor no-run"
                ref = words[1].removeprefix("excerpt=")
                assert ref == "no-run" or (ROOT / ref).is_file(), f"{page.name}: {info!r}"
            else:
                assert info in known, f"{page.name}: fence {info!r}"
            runnable += info == "python"
    assert runnable >= 15, "the extractor found too few runnable snippets"


@pytest.mark.parametrize("page", SNIPPET_PAGES, ids=lambda p: p.name)
def test_snippets_run(page, tmp_path, monkeypatch):
    import time

    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__snippet__"}
    t0 = time.perf_counter()
    for n, (info, body) in enumerate(_blocks(page)):
        if info != "python":
            continue
        try:
            exec(compile(body, f"{page.name} snippet {n}", "exec"), namespace)
        except Exception as err:
            raise AssertionError(f"{page.name}, python block {n} fails:\n{body}") from err
    assert time.perf_counter() - t0 < 15, f"{page.name}: snippets too slow for the test suite"


def test_toml_snippets_are_valid_configurations(tmp_path):
    import punctum
    from punctum.cli import _load_config

    found = 0
    for page in SNIPPET_PAGES:
        for n, (info, body) in enumerate(_blocks(page)):
            if info != "toml":
                continue
            path = tmp_path / f"{page.stem}-{n}.toml"
            path.write_text(body)
            config = _load_config(str(path), [])  # as punctum run reads it
            assert isinstance(config, punctum.SimulationConfig)
            config.build()
            found += 1
    assert found >= 1


def test_cpp_blocks_are_the_compiled_example():
    found = 0
    for page in SNIPPET_PAGES:
        for info, body in _blocks(page):
            words = info.split()
            if not words or words[0] not in {"cpp", "cmake"} or len(words) == 1:
                continue
            ref = words[1]
            if ref == "no-run":
                continue
            if ref.startswith("excerpt="):
                source = (ROOT / ref.removeprefix("excerpt=")).read_text().splitlines()
                lines = {line.strip() for line in source}
                for line in body.splitlines():
                    assert line.strip() in lines, f"{page.name}: {line!r} is not in {ref}"
            else:
                assert body == (ROOT / ref).read_text(), f"{page.name}: block differs from {ref}"
            found += 1
    assert found >= 2


# ----------------------------------------------------------------------------------------------
# Links between the pages resolve, anchors included (GitHub's heading slugs)


def _without_code(text: str) -> str:
    return _FENCE.sub("", text)


@functools.cache  # one parse per page, not per anchor (Path is hashable)
def _slugs(page: Path) -> frozenset[str]:
    slugs: set[str] = set()
    for line in _without_code(page.read_text()).splitlines():
        if m := re.match(r"#{1,6} (.+)", line):
            base = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            slug, n = base, 0
            while slug in slugs:
                n += 1
                slug = f"{base}-{n}"
            slugs.add(slug)
    return frozenset(slugs)


def test_links_between_pages_resolve():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    checked = 0
    for page in pages:
        text = _without_code(page.read_text())
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            assert dest.exists(), f"{page.relative_to(ROOT)}: broken link {target}"
            if anchor and dest.suffix == ".md":
                assert anchor in _slugs(dest), f"{page.relative_to(ROOT)}: no anchor {target}"
            checked += 1
    assert checked > 50


# ----------------------------------------------------------------------------------------------
# Every benchmark counter is explained in the performance guide, and only those


def test_benchmark_counters_are_documented():
    code = {
        name
        for src in (ROOT / "benchmarks").glob("*.cpp")
        for name in re.findall(r'counters\["(\w+)"\]', src.read_text())
    }
    page = (ROOT / "docs" / "guide" / "performance.md").read_text()
    table = page[page.index("| counter | binary | meaning |") :].split("\n\n")[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    assert code, "no counters found in benchmarks/"
    assert code == documented, (
        f"undocumented: {sorted(code - documented)}; gone: {sorted(documented - code)}"
    )


# ----------------------------------------------------------------------------------------------
# The HDF5 layout in the output guide is the layout a course writes


def test_output_guide_lists_every_dataset_with_its_units(tmp_path):
    import h5py
    import punctum

    # With a condition: its two series are written only then.
    path = tmp_path / "course.h5"
    punctum.simulate(
        protocol=punctum.Protocol(sessions=1, horizon_days=3),
        fidelity="column",
        progress=False,
        output=path,
        snapshot_days=[0.0, 3.0],
        condition="atrophic_acne_scar",
    )
    written: dict[str, str] = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                units = obj.attrs.get("units", "")
                written["/" + name] = punctum.io._attr_value(units)

        f.visititems(visit)
        root_attrs = set(f.attrs)
        provenance_attrs = set(f["provenance"].attrs)

    page = (ROOT / "docs" / "guide" / "output.md").read_text()
    documented: dict[str, str] = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 4 and cells[0].startswith("`/"):
            for name in re.findall(r"`(/[\w/]+)`", cells[0]):
                documented[name] = cells[2]
    assert documented == written
    assert set(re.findall(r"^\| `@(\w+)` \|", page, re.M)) == root_attrs
    paragraph = page[page.index("`/provenance`") :].split("\n\n")[0]
    assert set(re.findall(r"`(\w+)`", paragraph)) == provenance_attrs


def test_reference_toml_is_the_reference_course():
    """The guide and README call examples/reference.toml the reference course (reference_course(),
    where punctum run starts)."""
    import punctum
    import tomllib

    with (ROOT / "examples" / "reference.toml").open("rb") as f:
        from_file = punctum.SimulationConfig.from_dict(tomllib.load(f)).to_dict()
    from_file["run"].setdefault("condition", "none")
    assert from_file == punctum.reference_course().to_dict()
