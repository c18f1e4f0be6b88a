"""CF forcing files: interpolation against the analytic values written, remapping, bad inputs."""

import datetime as dt
import itertools

import cftime
import netCDF4
import numpy as np
import pytest

from atmos_stub.forcing_file import FORCING_VARIABLES, ForcingFiles
from coupler.insolation import toa_insolation_mean
from coupler.errors import InputDataError
from coupler.grid import LatLonGrid

CAL = "noleap"
START = cftime.datetime(2001, 1, 1, calendar=CAL)
STEP_H = 3
NREC = 16  # 3-hourly for 2 days
UNITS = {"tas": "K", "pr": "kg m-2 s-1", "rsds": "W m-2", "rlds": "W m-2", "huss": "1", "ps": "Pa",
         "sfcWind": "m s-1"}


# Analytic fields of time (hours since START) and cell centre (degrees).  State
# variables are linear in time, so linear interpolation must return them exactly;
# pr and rsds are quadratic, so interval means test the piecewise-linear integral.
def field(var, t_h, lat, lon):
    t_h, lat, lon = np.broadcast_arrays(np.asarray(t_h, float), lat, lon)
    return {
        "tas": 280.0 + 0.1 * lat + 0.01 * lon + 0.5 * t_h,
        "huss": 0.005 + 2e-5 * t_h + 1e-5 * (lat + 90) / 10,
        "ps": 100000.0 + 10.0 * t_h + lon,
        "sfcWind": 5.0 + 0.01 * t_h + 0.01 * lon,
        "pr": 1e-5 * (1.0 + (t_h / 10.0) ** 2) * (1 + (lat + 90) / 180),
        "rsds": 100.0 + 0.1 * t_h ** 2 + lon / 10,
        "rlds": 300.0 + 0.5 * t_h,
    }[var]


def write_forcing(path, deg=10.0, variables=FORCING_VARIABLES, units=None, bounds=False, descending=False,
                  lon180=False, t_offset_h=0.0, nrec=NREC, calendar=CAL, time_units=True, edit=None,
                  lat_range=(-90.0, 90.0)):
    lat = np.arange(lat_range[0] + deg / 2, lat_range[1], deg)
    lon = np.arange(deg / 2, 360.0, deg) - (180.0 if lon180 else 0.0)
    if descending:
        lat = lat[::-1]
    t_h = t_offset_h + STEP_H * np.arange(nrec) + (STEP_H / 2 if bounds else 0.0)
    units = {**UNITS, **(units or {})}
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", None)
        ds.createDimension("lat", lat.size)
        ds.createDimension("lon", lon.size)
        tv = ds.createVariable("time", "f8", ("time",))
        if time_units:
            tv.units = "hours since 2001-01-01 00:00:00"
        tv.calendar = calendar
        tv[:] = t_h
        if bounds:
            ds.createDimension("nv", 2)
            tv.bounds = "time_bnds"
            ds.createVariable("time_bnds", "f8", ("time", "nv"))[:] = np.column_stack(
                [t_h - STEP_H / 2, t_h + STEP_H / 2])
        ds.createVariable("lat", "f8", ("lat",))[:] = lat
        ds.createVariable("lon", "f8", ("lon",))[:] = lon
        ds["lat"].units, ds["lon"].units = "degrees_north", "degrees_east"
        for var in variables:
            v = ds.createVariable(var, "f4" if var == "tas" else "f8", ("time", "lat", "lon"),
                                  fill_value=1e20)
            v.units = units[var]
            # With bounds a flux record stands for the mean over its bounds; the test
            # takes it to be the analytic value at the record's time stamp.
            data = field(var, t_h[:, None, None], lat[None, :, None], np.mod(lon, 360.0)[None, None, :])
            if edit is not None:
                data = edit(var, data)
            v[:] = data
    return path


def model_cells(grid, lats, lons):
    j = np.searchsorted(grid.lat_edges, lats, side="right") - 1
    i = np.searchsorted(grid.lon_edges, np.mod(lons, 360), side="right") - 1
    return j * grid.nlon + i


GRID10 = LatLonGrid.regular(10.0)
CELLS10 = model_cells(GRID10, np.array([-85.0, -45.0, 5.0, 45.0, 75.0]), np.array([5.0, 95.0, 185.0, 275.0, 355.0]))


def at(hours):
    return START + dt.timedelta(seconds=round(hours * 3600))


def test_direct_grid_states_and_point_fluxes(tmp_path):
    path = write_forcing(tmp_path / "forcing.nc")
    lat = GRID10.lat[CELLS10 // GRID10.nlon]
    lon = GRID10.lon[CELLS10 % GRID10.nlon]
    with ForcingFiles([path], GRID10, CELLS10) as ff:
        for t0_h, dt_s in ((0.0, 3600), (4.0, 3600), (2.5, 3600), (10.0, 7200), (44.0, 3600)):
            f = ff.fields(int(t0_h * 3600), dt_s, at(t0_h))
            t1_h = t0_h + dt_s / 3600
            tm = 0.5 * (t0_h + t1_h)
            for var in ("tas", "huss", "ps", "sfcWind", "rlds"):
                # Linear in time: interpolation at the midpoint (or the interval mean) is exact.
                rtol = 1e-6 if var == "tas" else 1e-12  # tas is stored as float32
                np.testing.assert_allclose(f[var], field(var, tm, lat, lon), rtol=rtol, err_msg=var)
            for var in ("pr", "rsds"):
                # Mean of the piecewise-linear interpolant through the 3-hourly nodes, by hand.
                nodes = STEP_H * np.arange(NREC)
                total = 0.0
                for a, b in itertools.pairwise(nodes):
                    lo, hi = max(a, t0_h), min(b, t1_h)
                    if hi > lo:
                        fa, fb = field(var, a, lat, lon), field(var, b, lat, lon)
                        m = 0.5 * (lo + hi)
                        total = total + (hi - lo) * (fa + (fb - fa) * (m - a) / (b - a))
                np.testing.assert_allclose(f[var], total / (t1_h - t0_h), rtol=1e-12, err_msg=var)
            assert set(f) == set(FORCING_VARIABLES)


def test_time_bounds_fluxes_are_record_means_and_rsds_follows_the_sun(tmp_path):
    path = write_forcing(tmp_path / "bounded.nc", bounds=True)
    lat = GRID10.lat[CELLS10 // GRID10.nlon]
    lon = GRID10.lon[CELLS10 % GRID10.nlon]
    hourly = []
    with ForcingFiles([path], GRID10, CELLS10) as ff:
        for h in range(48):
            hourly.append(ff.fields(h * 3600, 3600, at(h)))
        # An interval across a record boundary averages the two records.
        cross = ff.fields(int(2.5 * 3600), 3600, at(2.5))
    rec = lambda var, k: field(var, STEP_H * k + STEP_H / 2, lat, lon)
    for h in range(48):
        k = h // STEP_H
        np.testing.assert_allclose(hourly[h]["pr"], rec("pr", k), rtol=1e-12)
        np.testing.assert_allclose(hourly[h]["rlds"], rec("rlds", k), rtol=1e-12)
    np.testing.assert_allclose(cross["pr"], 0.5 * (rec("pr", 0) + rec("pr", 1)), rtol=1e-12)
    # rsds: each record's energy is kept, distributed by the top-of-atmosphere insolation.
    rsds = np.array([h["rsds"] for h in hourly])
    for k in range(NREC):
        np.testing.assert_allclose(rsds[3 * k:3 * k + 3].mean(axis=0), rec("rsds", k), rtol=1e-12)
    for h in range(48):
        doy = 1 + h // 24
        toa = toa_insolation_mean(lat, lon, doy, (h % 24) * 3600.0, (h % 24 + 1) * 3600.0)
        k = h // STEP_H
        rec_toa = np.mean([toa_insolation_mean(lat, lon, doy, ((3 * k + i) % 24) * 3600.0,
                                               ((3 * k + i) % 24 + 1) * 3600.0) for i in range(3)], axis=0)
        expected = np.where(rec_toa > 0, rec("rsds", k) * toa / np.where(rec_toa > 0, rec_toa, 1), rec("rsds", k))
        np.testing.assert_allclose(rsds[h], expected, rtol=1e-9, atol=1e-9)
    # The polar-night cell (85 S is polar day in January; 75 N is polar night) gets the
    # file's values spread evenly; a mid-latitude cell is dark at night.
    north = np.flatnonzero(lat == 75.0)[0]
    np.testing.assert_allclose(rsds[:, north], [rec("rsds", h // 3)[north] for h in range(48)], rtol=1e-12)
    assert np.any(rsds[:, np.flatnonzero(lat == 45.0)[0]] == 0.0)


def test_conservative_remap_to_coarser_grid(tmp_path):
    path = write_forcing(tmp_path / "fine.nc")
    coarse = LatLonGrid.regular(20.0)
    cells = np.arange(coarse.ncells)[::7]
    with ForcingFiles([path], coarse, cells) as ff:
        f = ff.fields(6 * 3600, 3600, at(6.0))
    # Area-weighted mean over the four 10 degree cells of each 20 degree cell (exact areas).
    fine_lat = GRID10.lat
    fine_lon = GRID10.lon
    for var in ("tas", "ps", "sfcWind"):
        vals = field(var, 6.5, fine_lat[:, None], fine_lon[None, :])
        if var == "tas":
            vals = vals.astype(np.float32).astype(np.float64)
        expect = []
        for c in cells:
            j, i = divmod(int(c), coarse.nlon)
            a = GRID10.area[2 * j:2 * j + 2, 2 * i:2 * i + 2]
            expect.append(np.sum(a * vals[2 * j:2 * j + 2, 2 * i:2 * i + 2]) / a.sum())
        np.testing.assert_allclose(f[var], expect, rtol=1e-12, err_msg=var)


def test_descending_latitudes_and_signed_longitudes_read_the_same(tmp_path):
    plain = write_forcing(tmp_path / "plain.nc")
    other = write_forcing(tmp_path / "other.nc", descending=True, lon180=True)
    with ForcingFiles([plain], GRID10, CELLS10) as a, ForcingFiles([other], GRID10, CELLS10) as b:
        fa, fb = a.fields(3600, 3600, at(1.0)), b.fields(3600, 3600, at(1.0))
    for var in FORCING_VARIABLES:
        np.testing.assert_allclose(fb[var], fa[var], rtol=1e-12, err_msg=var)


def test_variables_split_over_files_and_time(tmp_path):
    # One file per variable group, and a second day in a second file.
    a = write_forcing(tmp_path / "states_day1.nc", variables=("tas", "huss", "ps", "sfcWind"), nrec=8)
    b = write_forcing(tmp_path / "states_day2.nc", variables=("tas", "huss", "ps", "sfcWind"), nrec=8,
                      t_offset_h=24.0)
    c = write_forcing(tmp_path / "fluxes.nc", variables=("pr", "rsds", "rlds"))
    lat = GRID10.lat[CELLS10 // GRID10.nlon]
    lon = GRID10.lon[CELLS10 % GRID10.nlon]
    with ForcingFiles([c, b, a], GRID10, CELLS10) as ff:
        f = ff.fields(int(22.0 * 3600), 3 * 3600, at(22.0))  # midpoint 23.5 h: across the two files
    np.testing.assert_allclose(f["ps"], field("ps", 23.5, lat, lon), rtol=1e-12)


def test_file_calendar_differs_from_model_calendar(tmp_path):
    # A 'standard' calendar file in a non-leap year serves a noleap model by date.
    path = write_forcing(tmp_path / "gregorian.nc", calendar="standard")
    lat = GRID10.lat[CELLS10 // GRID10.nlon]
    lon = GRID10.lon[CELLS10 % GRID10.nlon]
    with ForcingFiles([path], GRID10, CELLS10) as ff:
        f = ff.fields(0, 3600, START)
    np.testing.assert_allclose(f["ps"], field("ps", 0.5, lat, lon), rtol=1e-12)


# ---------------------------------------------------------------- bad inputs
def bad(tmp_path, name, **kw):
    return write_forcing(tmp_path / name, **kw)


def expect_error(paths, *patterns, grid=GRID10, cells=CELLS10, when=1.0):
    with pytest.raises(InputDataError) as err, ForcingFiles(paths, grid, cells) as ff:
        ff.fields(int(when * 3600), 3600, at(when))
    for p in patterns:
        assert p in str(err.value), (p, str(err.value))
    return str(err.value)


def test_missing_file(tmp_path):
    expect_error([tmp_path / "absent.nc"], "absent.nc", "not found")


def test_not_netcdf(tmp_path):
    path = tmp_path / "garbage.nc"
    path.write_text("time,tas\n0,280\n")
    expect_error([path], "garbage.nc")


def test_missing_variable(tmp_path):
    path = bad(tmp_path, "no_rlds.nc", variables=("tas", "pr", "rsds", "huss", "ps", "sfcWind"))
    expect_error([path], "no_rlds.nc", "'rlds'")


@pytest.mark.parametrize("var,unit,expected", [("tas", "degC", "K"), ("pr", "mm/day", "kg m-2 s-1"),
                                               ("rsds", "J m-2", "W m-2"), ("huss", "g/kg", "1 or kg kg-1"),
                                               ("ps", "hPa", "Pa"), ("sfcWind", "km/h", "m s-1")])
def test_wrong_units(tmp_path, var, unit, expected):
    path = bad(tmp_path, f"units_{var}.nc", units={var: unit})
    expect_error([path], f"units_{var}.nc", repr(var), repr(unit), repr(expected))


def test_time_outside_files(tmp_path):
    path = bad(tmp_path, "short.nc")
    expect_error([path], "short.nc", "outside", when=46.0)   # last record at 45 h
    bounded = bad(tmp_path, "short_bounds.nc", bounds=True)
    expect_error([bounded], "short_bounds.nc", "outside", when=48.0)  # last bound at 48 h


def test_time_without_units(tmp_path):
    path = bad(tmp_path, "no_time_units.nc", time_units=False)
    expect_error([path], "no_time_units.nc", "units")


def test_nan_in_a_needed_cell(tmp_path):
    j, i = divmod(int(CELLS10[2]), GRID10.nlon)

    def poke(var, data):
        if var == "huss":
            data = data.copy()
            data[0, j, i] = np.nan
        return data

    path = bad(tmp_path, "nan.nc", edit=poke)
    msg = expect_error([path], "nan.nc", "'huss'", f"cell {CELLS10[2]}")
    assert "missing" in msg
    # A hole outside the needed cells is fine.
    with ForcingFiles([path], GRID10, np.delete(CELLS10, 2)) as ff:
        assert np.all(np.isfinite(ff.fields(3600, 3600, at(1.0))["huss"]))


def test_fill_value_in_a_needed_cell_after_remapping(tmp_path):
    def poke(var, data):
        if var == "tas":
            data = data.copy()
            data[:, 9, 0] = 1e20   # the _FillValue: masked on reading
        return data

    path = bad(tmp_path, "fill.nc", edit=poke)
    coarse = LatLonGrid.regular(20.0)
    expect_error([path], "fill.nc", "'tas'", "missing", grid=coarse, cells=np.arange(coarse.ncells))


def test_impossible_values(tmp_path):
    path = bad(tmp_path, "negative_rain.nc", edit=lambda var, d: -d if var == "pr" else d)
    expect_error([path], "negative_rain.nc", "'pr'", "outside")


def test_wrong_dimensions(tmp_path):
    path = tmp_path / "transposed.nc"
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", 2)
        ds.createDimension("lat", 18)
        ds.createDimension("lon", 36)
        ds.createVariable("time", "f8", ("time",))[:] = [0, 3]
        ds["time"].units = "hours since 2001-01-01"
        ds.createVariable("lat", "f8", ("lat",))[:] = np.arange(-85, 90, 10)
        ds.createVariable("lon", "f8", ("lon",))[:] = np.arange(5, 360, 10)
        v = ds.createVariable("tas", "f4", ("time", "lon", "lat"))
        v.units = "K"
        v[:] = 280.0
    expect_error([path], "transposed.nc", "(time, lat, lon)")


def test_regional_file_does_not_cover_the_cells(tmp_path):
    path = bad(tmp_path, "regional.nc", lat_range=(-40.0, 40.0))
    expect_error([path], "regional.nc", "covers only")


def test_no_files():
    with pytest.raises(InputDataError):
        ForcingFiles([], GRID10, CELLS10)
