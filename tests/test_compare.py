"""lsmc compare: bit-for-bit, values not pointers or metadata."""

import netCDF4
import numpy as np

from coupler.compare import compare_files


def write(path, values, names, title="a"):
    with netCDF4.Dataset(path, "w") as nc:
        nc.title = title
        nc.createDimension("n", len(values))
        nc.createVariable("x", "f8", ("n",))[:] = values
        v = nc.createVariable("name", str, ("n",))
        for i, s in enumerate(names):
            v[i] = s


def test_equal_values_and_strings_compare_equal_despite_metadata(tmp_path):
    write(tmp_path / "a.nc", [1.0, np.nan], ["x", "y"], title="one")
    write(tmp_path / "b.nc", [1.0, np.nan], ["x", "y"], title="two")
    assert compare_files(tmp_path / "a.nc", tmp_path / "b.nc", "f") is None


def test_one_ulp_and_signed_zero_differ(tmp_path):
    write(tmp_path / "a.nc", [1.0, 0.0], ["x", "y"])
    write(tmp_path / "b.nc", [np.nextafter(1.0, 2.0), 0.0], ["x", "y"])
    diff = compare_files(tmp_path / "a.nc", tmp_path / "b.nc", "f")
    assert diff is not None and diff.variable == "x" and "1 values differ" in diff.detail
    write(tmp_path / "c.nc", [1.0, -0.0], ["x", "y"])
    assert compare_files(tmp_path / "a.nc", tmp_path / "c.nc", "f") is not None


def test_strings_that_differ(tmp_path):
    write(tmp_path / "a.nc", [1.0], ["x"])
    write(tmp_path / "b.nc", [1.0], ["z"])
    diff = compare_files(tmp_path / "a.nc", tmp_path / "b.nc", "f")
    assert diff is not None and diff.variable == "name"
