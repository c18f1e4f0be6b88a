"""Fuzzed bad input: every malformed namelist, surface, forcing or restart file gives one clear error.

Hypothesis mutates valid inputs (characters, lines, keys, values, types,
shapes, attributes, bytes) and checks that reading them either succeeds with
valid data or raises an :class:`~coupler.errors.LsmcError` that names the
file; never an exception from deep inside f90nml, netCDF4 or numpy, and never
a run that goes on with damaged data.  Most cases run in this process (fast);
a few go through the command line as a user would see them.

Example counts (:func:`fuzz`) are kept small so the whole file runs in
under a minute; multiply them locally to search harder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import signal
import tempfile
import time
from pathlib import Path

import cftime
import netCDF4
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atmos_stub.forcing_file import _BOUNDS, FORCING_VARIABLES, ForcingFiles
from coupler.cli import main
from coupler.compare import compare_folders
from coupler.driver import load_experiment
from coupler.errors import LsmcError
from coupler.grid import LatLonGrid
from lsm.pfts import NPFT, PFT_NAMES, pft_index
from lsm.surface import FRACTION_TOLERANCE, load_surface

from .conftest import lsmc, small_namelist

pytestmark = pytest.mark.system


def fuzz(n: int):
    """Hypothesis settings for one fuzz test: ``n`` examples, no deadline, no example database in the repo."""
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fresh(work: Path, name: str) -> Path:
    """A path in a folder of its own (a failed netCDF open can leave the file locked for this process)."""
    return Path(tempfile.mkdtemp(dir=work)) / name


def run_in_process(*argv) -> tuple[int, str]:
    """Exit status and stderr of ``lsmc ARGV`` in this process; any exception but an LsmcError propagates."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


def one_line_error(proc, path: Path) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("lsmc: error: "), proc.stderr
    assert str(path) in proc.stderr, proc.stderr
    return lines[0]


def flip_bytes(path: Path, flips) -> None:
    data = bytearray(path.read_bytes())
    for pos, mask in flips:
        data[pos % len(data)] ^= mask
    path.write_bytes(bytes(data))


def truncate(path: Path, size: int) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: size % len(data)])


BYTES = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 10**6)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1,
                                        max_size=4)),
)


def damage_bytes(path: Path, mutation) -> None:
    if mutation[0] == "truncate":
        truncate(path, mutation[1])
    else:
        flip_bytes(path, mutation[1])


#: Tests in which libhdf5 hung, with the reason: later examples of the same test stop at once (shrinking).
_HDF5_HUNG: dict[str, str] = {}


def xfail_if_hdf5_hangs(path: Path, test: str, seconds: float = 20.0) -> None:
    """Read all of a damaged file in a forked child first; xfail ``test`` if libhdf5 never returns.

    Some damaged metadata (e.g. of HDF5's global heap, which holds netCDF-4 dimension lists) sends
    libhdf5 into an endless loop inside ``nc_open``: an upstream bug that no reader above it can catch,
    and that would otherwise hang the test session.
    """
    if test in _HDF5_HUNG:
        pytest.xfail(_HDF5_HUNG[test])
    pid = os.fork()
    if pid == 0:  # the child reads every attribute and value, then leaves without any clean-up
        try:
            with netCDF4.Dataset(path) as ds:
                ds.set_auto_maskandscale(False)
                for obj in (ds, *ds.variables.values()):
                    for name in obj.ncattrs():
                        obj.getncattr(name)
                for var in ds.variables.values():
                    var[...]
        finally:  # whatever the damage made netCDF4 raise: the child only has to return
            os._exit(0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    _HDF5_HUNG[test] = f"libhdf5 does not return from reading the damaged file {path} (upstream bug)"
    pytest.xfail(_HDF5_HUNG[test])


# ----------------------------------------------------------------------------- namelists
# Values of every type and none, in and out of range, and Fortran syntax f90nml may or may not take.
VALUES = st.one_of(
    st.integers(-10**30, 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["NaN", "Infinity", "-inf", "1e400", ".true.", ".false.", "T", "(1.0, 2.0)", "3*1.0",
                     "1, 2, 3", "", "'unterminated", "1.0d0", "0x10", "1..2", "'x'", '"y"', "'none'", "'lsm'",
                     "'os:path'", "'coupler.config:Setting'", "'/nowhere/plugin.py:Land'", "1 2", "*", "&",
                     "/", "'" + "z" * 100_000 + "'"]),
    # no '.' or ':': a component spec like ':Class' or '..pkg:Class' is test_model_spec_importlib_refuses
    st.text(alphabet=st.characters(blacklist_characters=".:"), max_size=20)
    .map(lambda s: "'" + s.replace("'", "''") + "'"),
)
KEYS = st.one_of(st.sampled_from(["stop_nn", "q_10", "Q10", "STOP_N", "foo(2)", "q10(1)", "a%b", "stop_n(0:1)",
                                  "seed", "substeps(3)", "land_resolution_deg"]),
                 st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True))
TOKENS = st.sampled_from(["=", ",", "/", "&", "'", '"', "!", "*", "(", ")", "%", "\n", " ", "&end", "$", ";",
                          "1", "nan", "\x00", "\t", "é"])
MUTATIONS = st.sampled_from(["delete", "duplicate", "insert", "delete_line", "duplicate_line", "value", "key",
                             "group", "huge", "model"])


@st.composite
def mutated_namelist(draw, text: str) -> bytes:
    """``text`` with one to three random edits, possibly with bytes that are not UTF-8."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(MUTATIONS)
        lines = text.split("\n")
        if kind in ("delete", "duplicate", "insert"):
            i, n = draw(st.integers(0, len(text))), draw(st.integers(1, 6))
            piece = {"delete": "", "duplicate": text[i:i + n] * 2, "insert": draw(TOKENS) + text[i:i + n]}[kind]
            text = text[:i] + piece + text[i + n:]
        elif kind in ("delete_line", "duplicate_line"):
            k = draw(st.integers(0, len(lines) - 1))
            lines[k:k + 1] = [] if kind == "delete_line" else [lines[k], lines[k]]
            text = "\n".join(lines)
        elif kind == "value":
            keyed = [k for k, line in enumerate(lines) if "=" in line]
            if keyed:
                k = draw(st.sampled_from(keyed))
                lines[k] = f"{lines[k].split('=')[0]}= {draw(VALUES)}"
                text = "\n".join(lines)
        elif kind == "key":
            groups = [k for k, line in enumerate(lines) if line.lstrip().startswith("&")] or [0]
            lines.insert(draw(st.sampled_from(groups)) + 1, f"  {draw(KEYS)} = {draw(VALUES)}")
            text = "\n".join(lines)
        elif kind == "group":
            text += f"\n&{draw(st.sampled_from(['oceans', 'lnd', 'driver', 'land', 'foo', '']))}\n  x = 1\n/\n"
        elif kind == "huge":
            text = text.replace("'small'", "'" + "x" * draw(st.integers(1000, 200_000)) + "'")
        else:
            role, value = draw(st.sampled_from(["land", "atmos", "ocean"])), draw(VALUES)
            line = f"{role}_model = {value}"
            text = re.sub(rf"{role}_model = .*", lambda m, line=line: line, text)
    data = text.encode()
    if draw(st.integers(0, 3)) == 0:
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[i:]
    return data


@pytest.fixture(scope="module")
def namelist_text(work) -> str:
    return small_namelist(work, name="valid.nml", land="  q10 = 2.5\n  substeps = 3").read_text()


@fuzz(60)
@given(data=st.data())
def test_mutated_namelist_loads_valid_settings_or_names_the_file(work, namelist_text, data):
    path = fresh(work, "mutated.nml")
    path.write_bytes(data.draw(mutated_namelist(namelist_text)))
    try:
        config, _ = load_experiment(path)
    except LsmcError as exc:
        assert str(path) in str(exc)
        return
    for group in config.groups.values():
        for key, value in group.values.items():
            assert group.settings[key].check(value, group.where(key)) == value


# &driver values that pass their own bounds but may not fit together (coarse grids only: this runs the model).
RUNNABLE = {
    "start_date": st.sampled_from(["'0001-13-01'", "'abc'", "''", "'0001-02-30'", "'99999-01-01'", "'-0001-01-01'",
                                   "'1850-01-01 25:00:00'", "'1850-1-1'", "'2000-02-29'", "'1850-01-01T00:00'"]),
    "calendar": st.sampled_from(["'noleap'", "'proleptic_gregorian'"]),
    "coupling_interval_s": st.one_of(st.integers(60, 86400), st.sampled_from([3600, 7200, 21600, 86400])).map(str),
    "ocean_interval_s": st.one_of(st.integers(60, 31536000), st.sampled_from([10800, 172800])).map(str),
    "land_resolution_deg": st.sampled_from(["3.0", "5.0", "7.0", "11.0", "20.0", "25.0", "30.0"]),
    "atmos_resolution_deg": st.sampled_from(["4.0", "7.0", "8.0", "30.0"]),
    "ocean_resolution_deg": st.sampled_from(["12.0", "13.0", "30.0"]),
    "case_name": st.sampled_from(["''", "'a/b'", "'..'", "'x y'"]),
    "history_frequencies": st.sampled_from(["'step'", "'year'", "'day', 'day'"]),
    "restart_option": st.sampled_from(["'nsteps'", "'never'"]),
    "restart_n": st.integers(1, 10**6).map(str),
    "layout": st.sampled_from(["'sequential'", "'concurrent'"]),
    "seed": st.integers(0, 2**32 - 1).map(str),
}


@fuzz(20)
@given(changes=st.lists(st.sampled_from(sorted(RUNNABLE)), min_size=1, max_size=3, unique=True)
       .flatmap(lambda keys: st.tuples(*[st.tuples(st.just(k), RUNNABLE[k]) for k in keys])))
def test_driver_settings_run_or_stop_with_one_error(work, namelist_text, changes):
    text = namelist_text
    for key, value in changes:
        text = re.sub(rf"^  {key} = .*$", lambda m, key=key, value=value: f"  {key} = {value}", text, flags=re.M)
    path = fresh(work, "driver.nml")
    path.write_text(text)
    code, err = run_in_process("run", path, "--out", path.parent / "out", "--steps", "2", "--no-progress")
    if code != 0:
        assert err.startswith("lsmc: error: "), err
        # exit 2 is a bad input, here the namelist (3 would be a model state the settings led to)
        assert code != 2 or str(path) in err, err


@pytest.mark.parametrize("edit, message", [
    (lambda text: "&driver\n  case_name = 'small\n",
     "cannot parse namelist: the file ends inside a string or value (a missing quote?)"),
    (lambda text: text.replace("stop_n = 10", "stop_n(1) = 10, 11"),
     "cannot parse namelist: value 11 is not assigned to any variable"),
    (lambda text: text.replace("'small'", "'sm\x00all'"),
     "&driver: case_name: the string 'sm\\x00all' holds the non-printing character"),
    (lambda text: text.replace("land_resolution_deg = 4.0", "land_resolution_deg = 7.0"),
     "&driver: land_resolution_deg: 7.0 degree does not divide 180"),
    (lambda text: text.replace("coupling_interval_s = 10800", "coupling_interval_s = 7000"),
     "&driver: coupling_interval_s: 7000 s does not divide one day"),
])
def test_namelist_cases_the_fuzzer_found(work, namelist_text, edit, message):
    path = fresh(work, "found.nml")
    path.write_text(edit(namelist_text))
    with pytest.raises(LsmcError) as err:
        load_experiment(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


@pytest.mark.parametrize("spec", [":PoolLand", "..tests.components:PoolLand"])
def test_model_spec_importlib_refuses(work, namelist_text, spec):
    path = fresh(work, "spec.nml")
    path.write_text(re.sub(r"land_model = .*", f"land_model = '{spec}'", namelist_text))
    with pytest.raises(LsmcError, match=re.escape(str(path))):
        load_experiment(path)


@fuzz(3)
@given(data=st.data())
def test_bad_namelist_through_the_command_line(work, namelist_text, data):
    path = fresh(work, "cli.nml")
    path.write_bytes(data.draw(mutated_namelist(namelist_text)))
    proc = lsmc("validate", path, check=False, timeout=120)
    if proc.returncode != 0:
        one_line_error(proc, path)


# ----------------------------------------------------------------------------- surface files
GRID30 = LatLonGrid.regular(30.0)
SURFACE_VARIABLES = ("lat", "lon", "landfrac", "pft_fraction", "pft_name", "sand", "clay")
FRACTIONS = ("landfrac", "pft_fraction", "sand", "clay")


def surface_fields() -> dict[str, np.ndarray]:
    """Valid fields on GRID30: half land, a coast of partial cells, three PFTs."""
    n = GRID30.ncells
    land = np.zeros(n)
    land[: n // 2] = 1.0
    land[n // 2: n // 2 + 5] = 0.25
    pft = np.zeros((NPFT, n))
    pft[pft_index("bare")] = np.where(land > 0, 0.25, 0.0)
    pft[pft_index("c3_grass")] = np.where(land > 0, 0.5, 0.0)
    pft[pft_index("needleleaf_evergreen_tree")] = np.where(land > 0, 0.25, 0.0)
    return {"landfrac": land.reshape(GRID30.shape), "pft_fraction": pft.reshape((NPFT,) + GRID30.shape),
            "sand": np.where(land > 0, 0.5, np.nan).reshape(GRID30.shape),
            "clay": np.where(land > 0, 0.25, np.nan).reshape(GRID30.shape)}


def write_surface(path: Path, mutation) -> None:
    """A surface file on GRID30 with one structural or value ``mutation`` (``("none",)`` for a valid file)."""
    kind, target = mutation[0], mutation[1] if len(mutation) > 1 else None
    fields = surface_fields()
    with netCDF4.Dataset(path, "w") as ds:
        for name, size in (("lat", GRID30.nlat), ("lon", GRID30.nlon), ("pft", NPFT), ("two", 2)):
            ds.createDimension(name, size)
        for name in SURFACE_VARIABLES:
            if kind == "drop" and target == name:
                continue
            if kind == "form" and target == name:  # the variable in another type or shape
                form = mutation[2]
                if form == "text":
                    v = ds.createVariable(name, str, ("pft",))
                    for k in range(NPFT):
                        v[k] = "x"
                elif form == "chars":
                    ds.createVariable(name, "S1", ("two", "pft"))[:] = np.full((2, NPFT), b"a")
                elif form == "scalar":
                    ds.createVariable(name, "f8", ())[...] = 0.5
                else:
                    dims = {"2d": ("lat", "lon"), "transposed": ("lon", "lat"), "1d": ("pft",)}[form]
                    ds.createVariable(name, "f8", dims)[:] = 0.5
                continue
            if name in ("lat", "lon"):
                values = (GRID30.lat if name == "lat" else GRID30.lon).copy()
                if kind == "coord" and target == name:
                    values[mutation[2] % values.size] = mutation[3]
                ds.createVariable(name, "f8", (name,))[:] = values
            elif name == "pft_name":
                names = list(PFT_NAMES)
                if kind == "pft_name":
                    names[target % NPFT] = mutation[2]
                v = ds.createVariable(name, str, ("pft",))
                for k, pft in enumerate(names):
                    v[k] = pft
            else:
                data = fields[name]
                if kind == "value" and target == name:
                    data.reshape(-1)[mutation[2] % data.size] = mutation[3]
                dims = ("pft", "lat", "lon") if data.ndim == 3 else ("lat", "lon")
                v = ds.createVariable(name, "f8", dims, fill_value=np.nan, zlib=True)
                v[:] = data
                v.units = "1"
                if kind == "attr" and target == name:
                    v.setncattr(mutation[2], mutation[3])
    if kind in ("truncate", "flip"):
        damage_bytes(path, mutation)


SURFACE_MUTATIONS = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(SURFACE_VARIABLES)),
    st.tuples(st.just("form"), st.sampled_from(SURFACE_VARIABLES),
              st.sampled_from(["text", "chars", "scalar", "2d", "transposed", "1d"])),
    st.tuples(st.just("coord"), st.sampled_from(["lat", "lon"]), st.integers(0, 100),
              st.sampled_from([np.nan, np.inf, -1e30, 0.0, 95.0, 500.0])),
    st.tuples(st.just("pft_name"), st.integers(0, 100), st.sampled_from(["", "x", "C3_GRASS", "bare", "é"])),
    st.tuples(st.just("value"), st.sampled_from(FRACTIONS), st.integers(0, 10**4),
              st.sampled_from([np.nan, np.inf, -np.inf, -1.0, -1e-3, 1.001, 2.0, 100.0, 1e30])),
    st.tuples(st.just("attr"), st.sampled_from(FRACTIONS),
              st.sampled_from(["units", "scale_factor", "add_offset", "missing_value", "valid_range", "_Unsigned"]),
              st.sampled_from(["%", "percent", "g kg-1", "K", "abc", 0.0, 100.0, -1.0, np.nan, 1e30,
                               np.array([1.0, 2.0])])),
    BYTES,
)


@fuzz(50)
@given(mutation=SURFACE_MUTATIONS)
def test_corrupt_surface_file_is_refused_naming_it(work, mutation):
    path = fresh(work, "surface.nc")
    write_surface(path, mutation)
    if mutation[0] in ("truncate", "flip"):
        xfail_if_hdf5_hangs(path, "surface")
    try:
        s = load_surface(GRID30, path)
    except LsmcError as exc:
        assert str(path) in str(exc)
        return
    # read without complaint: what the model gets must be valid surface data
    land = s.land_fraction > 0
    assert np.all((s.land_fraction >= 0) & (s.land_fraction <= 1))
    np.testing.assert_allclose(s.pft_fraction[:, land].sum(axis=0), 1.0, rtol=0, atol=1e-12)
    assert np.all((s.pft_fraction >= 0) & (s.pft_fraction <= 1))
    for texture in (s.sand, s.clay, s.silt):
        assert np.all((texture[land] >= 0) & (texture[land] <= 1))
    assert np.all(s.sand[land] + s.clay[land] <= 1 + FRACTION_TOLERANCE)


def test_surface_file_in_percent_is_refused_even_when_its_values_look_like_fractions(work):
    path = fresh(work, "percent.nc")
    write_surface(path, ("attr", "landfrac", "units", "%"))
    with pytest.raises(LsmcError, match="'landfrac' has units '%'; the surface file must hold fractions"):
        load_surface(GRID30, path)


# ----------------------------------------------------------------------------- forcing files
FORCING_UNITS = {"tas": "K", "pr": "kg m-2 s-1", "rsds": "W m-2", "rlds": "W m-2", "huss": "1", "ps": "Pa",
                 "sfcWind": "m s-1"}
MIDDLE = {var: 0.5 * (low + high) for var, (low, high) in _BOUNDS.items()}
NREC = 8  # 3-hourly
START = cftime.datetime(2001, 1, 1, calendar="noleap")


def write_forcing(path: Path, mutation, bounds: bool) -> None:
    """A forcing file on GRID30 with constant weather and one ``mutation``; ``bounds``: CF time bounds."""
    kind, target = mutation[0], mutation[1] if len(mutation) > 1 else None
    t = 3.0 * np.arange(NREC) + (1.5 if bounds else 0.0)
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", None)
        for name, size in (("lat", GRID30.nlat), ("lon", GRID30.nlon), ("nv", 2)):
            ds.createDimension(name, size)
        if not (kind == "drop" and target == "time"):
            tv = ds.createVariable("time", "f8", ("time",))
            tv.units, tv.calendar = "hours since 2001-01-01 00:00:00", "noleap"
            times = t.copy()
            if kind == "time_value":
                times[target % NREC] = mutation[2]
            tv[:] = times
            if kind == "time_attr" and mutation[2] is not None:
                tv.setncattr(target, mutation[2])
            elif kind == "time_attr":
                tv.delncattr(target) if target in tv.ncattrs() else None
            if bounds:
                tv.bounds = "time_bnds"
                edges = np.column_stack([t - 1.5, t + 1.5])
                if kind == "time_bnds":
                    edges[target % NREC, target % 2] = mutation[2]
                if not (kind == "drop" and target == "time_bnds"):
                    ds.createVariable("time_bnds", "f8", ("time", "nv"))[:] = edges
        for name, centres in (("lat", GRID30.lat), ("lon", GRID30.lon)):
            if kind == "drop" and target == name:
                continue
            form = mutation[2] if kind == "coord" and target == name else None
            if form == "text":
                v = ds.createVariable(name, str, (name,))
                for k in range(centres.size):
                    v[k] = "x"
            elif form == "2d":
                ds.createVariable(name, "f8", ("lat", "lon"))[:] = 1.0
            elif form in ("flat_bounds", "gappy_bounds"):
                v = ds.createVariable(name, "f8", (name,))
                v[:] = centres[::-1] if name == "lat" else centres  # north to south: the bounds are flipped too
                v.bounds = f"{name}_bnds"
                if form == "flat_bounds":
                    ds.createVariable(f"{name}_bnds", "f8", (name,))[:] = centres
                else:
                    ds.createVariable(f"{name}_bnds", "f8", (name, "nv"))[:] = np.column_stack([centres - 1,
                                                                                                centres + 2])
            else:
                values = centres.copy()
                if form is not None:
                    values[mutation[3] % values.size] = form
                ds.createVariable(name, "f8", (name,))[:] = values
        for var in FORCING_VARIABLES:
            if kind == "drop" and target == var:
                continue
            dims = mutation[2] if kind == "dims" and target == var else ("time", "lat", "lon")
            text = kind == "text" and target == var
            v = ds.createVariable(var, str if text else "f8", dims, fill_value=None if text else 1e20)
            v.units = FORCING_UNITS[var]
            shape = tuple(NREC if d == "time" else len(ds.dimensions[d]) for d in dims)
            if text:
                for k in np.ndindex(*shape):
                    v[k] = "x"
                continue
            data = np.full(shape, MIDDLE[var])
            if kind == "value" and target == var:
                data.reshape(-1)[mutation[2] % data.size] = mutation[3]
            v[:] = data
            if kind == "units" and target == var:
                if mutation[2] is None:
                    v.delncattr("units")
                else:
                    v.units = mutation[2]
            if kind == "attr" and target == var:
                v.setncattr(mutation[2], mutation[3])
    if kind in ("truncate", "flip"):
        damage_bytes(path, mutation)


ONE_VARIABLE = st.sampled_from(FORCING_VARIABLES)
FORCING_MUTATIONS = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(FORCING_VARIABLES + ("time", "lat", "lon", "time_bnds"))),
    st.tuples(st.just("units"), ONE_VARIABLE,
              st.sampled_from([None, "", "degC", "mm/day", "K", "W m-2", "%", 5.0, "x" * 1000])),
    st.tuples(st.just("time_value"), st.integers(0, 100),
              st.sampled_from([np.nan, np.inf, -1e300, 1e300, 1e15, 0.0, 3.0, -5.0])),
    st.tuples(st.just("time_attr"), st.sampled_from(["units", "calendar", "bounds"]),
              st.sampled_from([None, "", "hours", "hours since", "hours since garbage", "days since 2001-13-01",
                               "fortnights since 2001-01-01", "360_day", "julian", "none", 5, -1.5, "lat"])),
    st.tuples(st.just("time_bnds"), st.integers(0, 100), st.sampled_from([np.nan, -1e10, 1e10, 0.0, 100.0])),
    st.tuples(st.just("coord"), st.sampled_from(["lat", "lon"]),
              st.sampled_from(["text", "2d", "flat_bounds", "gappy_bounds", np.nan, np.inf, 0.0, 1e30, -95.0,
                               200.0]), st.integers(0, 100)),
    st.tuples(st.just("dims"), ONE_VARIABLE, st.sampled_from([("time", "lon", "lat"), ("lat", "lon"),
                                                              ("time", "lat"), ("lat", "time", "lon"),
                                                              ("time", "nv", "lon")])),
    st.tuples(st.just("text"), ONE_VARIABLE),
    st.tuples(st.just("value"), ONE_VARIABLE, st.integers(0, 10**5),
              st.sampled_from([np.nan, np.inf, -np.inf, -1.0, 1e30, 1e20, 0.0, 1e6])),
    st.tuples(st.just("attr"), ONE_VARIABLE,
              st.sampled_from(["scale_factor", "add_offset", "missing_value", "valid_range", "_Unsigned"]),
              st.sampled_from([0.0, -1.0, 1e30, np.nan, "abc", 2.0])),
    BYTES,
)


@fuzz(50)
@given(mutation=FORCING_MUTATIONS, bounds=st.booleans())
def test_corrupt_forcing_file_is_refused_naming_it(work, mutation, bounds):
    path = fresh(work, "forcing.nc")
    write_forcing(path, mutation, bounds)
    if mutation[0] in ("truncate", "flip"):
        xfail_if_hdf5_hangs(path, "forcing")
    try:
        with ForcingFiles([path], GRID30, np.arange(GRID30.ncells)) as files:
            for hour in (0, 5, 11, 19):
                fields = files.fields(hour * 3600, 3600, START + dt.timedelta(hours=hour))
                for var, values in fields.items():
                    low, high = _BOUNDS[var]
                    # rsds is redistributed by the sun within a record, so may exceed the record's bound
                    assert np.all(np.isfinite(values) & (values >= low)), (var, values)
                    assert var == "rsds" or np.all(values <= high), (var, values)
    except LsmcError as exc:
        assert str(path) in str(exc)


# ----------------------------------------------------------------------------- restart files
LATEST = "rest/0001-01-03-00000"
RESTART_FILES = ("land.r.nc", "atmos.r.nc", "ocean.r.nc", "coupler.r.nc")


@pytest.fixture(scope="module")
def two_day_run(work) -> tuple[Path, Path]:
    """A run of the small configuration with restart sets after days 1 and 2, and the same run continued a day."""
    nml = small_namelist(work, name="restart.nml", restart_option="ndays", restart_n=1, days=2)
    base, continued = work / "two_days", work / "continued"
    assert run_in_process("run", nml, "--out", base, "--no-progress")[0] == 0
    shutil.copytree(base, continued)
    assert run_in_process("run", "--out", continued, "--continue", "--days", "1", "--no-progress")[0] == 0
    return base, continued


def rewrite(path: Path, drop=None, value=None, resize=None, global_attr=None, var_attr=None) -> None:
    """Copy a netCDF file with one change, as a damaged or hand-edited file would have it."""
    tmp = path.with_name(path.name + ".edit")
    with netCDF4.Dataset(path) as src, netCDF4.Dataset(tmp, "w") as dst:
        src.set_auto_maskandscale(False)
        attrs = {a: src.getncattr(a) for a in src.ncattrs()}
        if global_attr is not None:
            name, new = global_attr
            if new is None:
                attrs.pop(name, None)
            else:
                attrs[name] = new
        dst.setncatts(attrs)
        for name, dim in src.dimensions.items():
            dst.createDimension(name, max(len(dim) + (resize[1] if resize and resize[0] == name else 0), 0))
        for name, var in src.variables.items():
            if name == drop:
                continue
            v = dst.createVariable(name, var.dtype, var.dimensions)
            v.set_auto_maskandscale(False)  # write the values as they are, whatever scale_factor says
            v.setncatts({a: var.getncattr(a) for a in var.ncattrs()}
                        | ({var_attr[1]: var_attr[2]} if var_attr and var_attr[0] == name else {}))
            data = np.array(var[...])
            if value is not None and value[0] == name:
                data = data.astype(np.float64)
                data.reshape(-1)[value[1] % max(data.size, 1)] = value[2]
            for axis, dname in enumerate(var.dimensions):
                if data.shape[axis]:  # recycle values along a longer dimension, cut them along a shorter one
                    data = np.take(data, np.arange(len(dst.dimensions[dname])) % data.shape[axis], axis=axis)
            with np.errstate(invalid="ignore", over="ignore"):  # NaN or 1e300 into an integer variable
                v[...] = data
    tmp.replace(path)


def damage_restart(path: Path, mutation) -> None:
    kind = mutation[0]
    with netCDF4.Dataset(path) as nc:
        names, dims = list(nc.variables), list(nc.dimensions)
    if kind in ("truncate", "flip"):
        damage_bytes(path, mutation)
    elif kind == "drop":
        rewrite(path, drop=names[mutation[1] % len(names)])
    elif kind == "value":
        rewrite(path, value=(names[mutation[1] % len(names)], mutation[2], mutation[3]))
    elif kind == "resize":
        rewrite(path, resize=(dims[mutation[1] % len(dims)], mutation[2]))
    elif kind == "global_attr":
        rewrite(path, global_attr=mutation[1:])
    else:
        rewrite(path, var_attr=(names[mutation[1] % len(names)], mutation[2], mutation[3]))


RESTART_MUTATIONS = st.one_of(
    BYTES,
    st.tuples(st.just("drop"), st.integers(0, 500)),
    st.tuples(st.just("value"), st.integers(0, 500), st.integers(0, 10**4),
              st.sampled_from([np.nan, np.inf, -1.0, 1e300, 0.0, 2.5, 1e20])),
    st.tuples(st.just("resize"), st.integers(0, 10), st.sampled_from([-1, 1, -10**6])),
    st.tuples(st.just("global_attr"),
              st.sampled_from(["lsmc_restart_schema", "lsmc_variables", "component", "reference_date", "calendar"]),
              st.sampled_from([None, 0, 2, -1, 1.5, "abc", "1", "", "land", "elapsed_s x", np.nan,
                               "0001-01-01 00:00:00", "standard"])),
    st.tuples(st.just("var_attr"), st.integers(0, 500),
              st.sampled_from(["lsmc_crc32", "scale_factor", "add_offset", "units"]),
              st.sampled_from([0, 1.0, 2.0, "x", np.nan])),
)


@fuzz(30)
@given(name=st.sampled_from(RESTART_FILES), mutation=RESTART_MUTATIONS)
def test_corrupt_restart_file_stops_the_continued_run(work, two_day_run, name, mutation):
    base, continued = two_day_run
    out = fresh(work, "out")
    shutil.copytree(base, out)
    path = out / LATEST / name
    damage_restart(path, mutation)
    if mutation[0] in ("truncate", "flip"):
        xfail_if_hdf5_hangs(path, "restart")
    code, err = run_in_process("run", "--out", out, "--continue", "--days", "1", "--no-progress")
    if code != 0:
        assert err.startswith("lsmc: error: ") and str(path) in err, err
    else:  # the damage missed everything the model reads (an attribute it ignores, free space): same answers
        assert compare_folders(continued, out) == []
    shutil.rmtree(out.parent)


def test_changed_scalar_stock_is_caught_by_its_checksum(work, two_day_run):
    out = fresh(work, "out")
    shutil.copytree(two_day_run[0], out)
    path = out / LATEST / "atmos.r.nc"
    with netCDF4.Dataset(path) as nc:
        co2 = float(nc["co2_pgc"][...])
    # a plausible value, as one flipped low-order bit of an uncompressed scalar would leave it
    rewrite(path, value=("co2_pgc", 0, np.nextafter(co2, np.inf)))
    code, err = run_in_process("run", "--out", out, "--continue", "--days", "1", "--no-progress")
    assert code == 2 and err == (f"lsmc: error: {path}: variable 'co2_pgc' is damaged (its values do not match "
                                 f"the checksum written with them)\n")


@fuzz(3)
@given(name=st.sampled_from(RESTART_FILES),
       mutation=st.one_of(st.tuples(st.just("value"), st.integers(1, 500), st.integers(0, 10**4),
                                    st.sampled_from([np.nan, 1e20])),
                          st.tuples(st.just("global_attr"), st.just("lsmc_restart_schema"),
                                    st.sampled_from([None, "abc", 2])),
                          st.tuples(st.just("drop"), st.integers(1, 500))))
def test_corrupt_restart_through_the_command_line(work, two_day_run, name, mutation):
    out = fresh(work, "out")
    shutil.copytree(two_day_run[0], out)
    path = out / LATEST / name
    damage_restart(path, mutation)
    msg = one_line_error(lsmc("run", "--out", out, "--continue", "--days", "1", "--no-progress", check=False,
                              timeout=120), path)
    assert name in msg
    shutil.rmtree(out.parent)
