"""Observed climatology on model grids, zonal fallbacks and bad files."""

import netCDF4
import numpy as np
import pytest

from atmos_stub.climatology import (
    CONTINENTALITY_DISTANCE_KM,
    CONTINENTALITY_MAX,
    DEFAULT_PATH,
    EARTH_RADIUS_KM,
    GPCP_OCEAN_MEAN_MM_DAY,
    SECONDS_PER_CLIMATOLOGY_YEAR,
    continentality_index,
    load_climatology,
    sst_climatology_K,
    upwind_land_distance_km,
    zonal_air_temperature_K,
    zonal_ocean_precipitation_kg_m2_s,
)
from coupler.errors import InputDataError
from coupler.grid import LatLonGrid

N_LAND_CELLS = 85794  # rows of the source CSV (data README)


@pytest.fixture(scope="module")
def raw():
    with netCDF4.Dataset(DEFAULT_PATH) as ds:
        mat = np.ma.filled(ds["mat"][:].astype(np.float64), np.nan).reshape(-1)
        pr = np.ma.filled(ds["map"][:].astype(np.float64), np.nan).reshape(-1)
    return mat, pr


def test_packaged_file_is_small_and_complete(raw):
    assert DEFAULT_PATH.stat().st_size < 1.5e6
    mat, pr = raw
    assert np.isfinite(mat).sum() == N_LAND_CELLS
    assert np.array_equal(np.isfinite(mat), np.isfinite(pr))
    with netCDF4.Dataset(DEFAULT_PATH) as ds:
        assert ds["mat"].units == "K"
        assert "Willmott" in ds.references and "Jian" in ds.references


def test_known_cell_values(raw):
    # First data rows of the CSV: (-73.25, 81.25, -33.12 degC, 182.59 mm) and
    # (0.75, -64.75 -> 295.25 E, 24.87 degC, 2664.82 mm).
    mat, pr = raw
    for lat, lon, t_c, p_mm in ((-73.25, 81.25, -33.12, 182.59), (0.75, 295.25, 24.87, 2664.82)):
        k = int((lat + 89.75) / 0.5) * 720 + int((lon - 0.25) / 0.5)
        assert mat[k] == pytest.approx(t_c + 273.15, abs=1e-4)
        assert pr[k] == pytest.approx(p_mm, abs=1e-3)


def test_native_grid_reproduces_the_data(raw):
    mat, pr = raw
    grid = LatLonGrid.regular(0.5)
    c = load_climatology(grid)
    has = np.isfinite(mat)
    np.testing.assert_allclose(c.data_fraction[has], 1.0, rtol=0, atol=1e-14)
    assert np.all(c.data_fraction[~has] == 0.0)
    np.testing.assert_allclose(c.mat_K[has], mat[has], rtol=1e-14)
    np.testing.assert_allclose(c.map_kg_m2_s[has] * SECONDS_PER_CLIMATOLOGY_YEAR, pr[has], rtol=1e-13)


def test_coarse_grid_is_exact_area_weighted_mean(raw):
    mat, pr = raw
    fine = LatLonGrid.regular(0.5)
    grid = LatLonGrid.regular(2.0)
    c = load_climatology(grid)
    has = np.isfinite(mat)
    area = fine.area_flat
    # Integrals over the observed land are the same on both grids.
    land_fine = np.sum(area[has])
    land_coarse = np.sum(grid.area_flat * c.data_fraction)
    assert land_coarse == pytest.approx(land_fine, rel=1e-12)
    assert np.sum(grid.area_flat * c.data_fraction * c.mat_K) == pytest.approx(np.sum(area[has] * mat[has]), rel=1e-12)
    # One cell by hand: 2 degree cell (j, i) holds 0.5 degree rows 4j..4j+3 and columns 4i..4i+3.
    j, i = 68, 150  # 46-48 N, 300-302 E (Newfoundland coast: partly land)
    rows = np.arange(4 * j, 4 * j + 4)[:, None] * 720 + np.arange(4 * i, 4 * i + 4)[None, :]
    rows = rows.reshape(-1)
    w = area[rows] * has[rows]
    k = j * grid.nlon + i
    assert 0 < c.data_fraction[k] < 1
    assert c.data_fraction[k] == pytest.approx(w.sum() / grid.area_flat[k], rel=1e-12)
    assert c.mat_K[k] == pytest.approx(np.sum(w * np.nan_to_num(mat[rows])) / w.sum(), rel=1e-13)
    assert c.map_kg_m2_s[k] * SECONDS_PER_CLIMATOLOGY_YEAR == pytest.approx(
        np.sum(w * np.nan_to_num(pr[rows])) / w.sum(), rel=1e-12)


def test_cells_without_data_get_the_zonal_climatology():
    grid = LatLonGrid.regular(10.0)
    c = load_climatology(grid)
    lat = np.repeat(grid.lat, grid.nlon)
    ocean = c.data_fraction == 0
    assert ocean.sum() > 100
    np.testing.assert_array_equal(c.mat_K[ocean], zonal_air_temperature_K(lat[ocean]))
    np.testing.assert_array_equal(c.map_kg_m2_s[ocean], zonal_ocean_precipitation_kg_m2_s(lat[ocean]))
    assert np.all(np.isfinite(c.mat_K)) and np.all(c.map_kg_m2_s > 0)


def test_zonal_air_temperature_fit():
    # T0 + T2 P2(sin lat): equator T0 - T2/2, pole T0 + T2, area mean T0 (P2 integrates to 0).
    assert zonal_air_temperature_K(0.0) == pytest.approx(273.15 + 14.97 + 14.0)
    assert zonal_air_temperature_K(-90.0) == pytest.approx(273.15 + 14.97 - 28.0)
    s = np.linspace(-1, 1, 200001)
    mid = 0.5 * (s[1:] + s[:-1])
    assert np.mean(zonal_air_temperature_K(np.rad2deg(np.arcsin(mid)))) == pytest.approx(273.15 + 14.97, abs=1e-6)


def test_zonal_ocean_precipitation_matches_gpcp_mean_and_shape():
    s = np.linspace(-1, 1, 200001)
    lat = np.rad2deg(np.arcsin(0.5 * (s[1:] + s[:-1])))
    p_mm_day = zonal_ocean_precipitation_kg_m2_s(lat) * 86400
    assert p_mm_day.mean() == pytest.approx(GPCP_OCEAN_MEAN_MM_DAY, rel=1e-6)
    at = lambda x: float(zonal_ocean_precipitation_kg_m2_s(x) * 86400)
    # ITCZ north of the equator, dry subtropics, wetter storm tracks, dry poles (GPCP).
    assert at(7) > 6 and at(7) > at(-7) > at(-20)
    assert at(20) < 2.5 and at(45) > at(25) and at(85) < 1


def test_sst_qobs_and_freezing_clamp():
    lat = np.array([0.0, 30.0, -30.0, 59.0, 60.0, 75.0])
    sst_c = sst_climatology_K(lat) - 273.15
    assert sst_c[0] == pytest.approx(27.0)
    # sin^2(45 deg) = 1/2: 27 (1 - (1/2 + 1/4)/2) = 16.875 degC.
    assert sst_c[1] == pytest.approx(16.875) and sst_c[2] == pytest.approx(16.875)
    assert 0 < sst_c[3] < 0.1 and sst_c[4] == 0 and sst_c[5] == 0
    cooled = sst_climatology_K(lat, dT_K=-5.0) - 273.15
    assert np.all(cooled >= -1.8 - 1e-12) and cooled[5] == pytest.approx(-1.8)
    assert cooled[0] == pytest.approx(22.0)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.nc"
    with pytest.raises(InputDataError, match="nope.nc"):
        load_climatology(LatLonGrid.regular(2.0), path)


def test_corrupt_file(tmp_path):
    path = tmp_path / "corrupt.nc"
    path.write_bytes(b"CDF\x02 this is not really netCDF" * 10)
    with pytest.raises(InputDataError, match="corrupt.nc"):
        load_climatology(LatLonGrid.regular(2.0), path)


def _write(path, names=("mat", "map"), shape=(360, 720), units=None):
    units = units or {"mat": "K", "map": "mm yr-1"}
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("lat", shape[0])
        ds.createDimension("lon", shape[1])
        ds.createVariable("lat", "f8", ("lat",))[:] = -89.75 + 0.5 * np.arange(shape[0])
        ds.createVariable("lon", "f8", ("lon",))[:] = 0.25 + 0.5 * np.arange(shape[1])
        for n in names:
            v = ds.createVariable(n, "f4", ("lat", "lon"), fill_value=np.float32(-1e30))
            v.units = units[n]
            v[:] = 280.0 if n == "mat" else 500.0


def test_missing_variable(tmp_path):
    path = tmp_path / "only_mat.nc"
    _write(path, names=("mat",))
    with pytest.raises(InputDataError, match=r"only_mat.nc.*'map'"):
        load_climatology(LatLonGrid.regular(2.0), path)


def test_wrong_shape_and_units(tmp_path):
    path = tmp_path / "small.nc"
    _write(path, shape=(180, 360))
    with pytest.raises(InputDataError, match="small.nc.*shape"):
        load_climatology(LatLonGrid.regular(2.0), path)
    path = tmp_path / "celsius.nc"
    _write(path, units={"mat": "degC", "map": "mm yr-1"})
    with pytest.raises(InputDataError, match="celsius.nc.*degC"):
        load_climatology(LatLonGrid.regular(2.0), path)


def test_upwind_land_distance_follows_the_westerlies_and_the_trades():
    """Poleward of 30 degrees the distance grows eastward from the west coast, equatorward westward from the
    east coast, by one cell width (at the row's latitude) per cell from half a cell at the coast; the sea is 0
    and a circle of land all round gets its whole length."""
    lat = np.array([45.0, 10.0, -60.0])
    land = np.zeros((3, 8), dtype=bool)
    land[0, 2:6] = True   # westerlies: coast on the west at column 1
    land[1, 2:6] = True   # trades: coast on the east at column 6
    land[2, :] = True     # all round
    d = upwind_land_distance_km(land, lat)
    width = EARTH_RADIUS_KM * np.deg2rad(45.0) * np.cos(np.deg2rad(lat))
    np.testing.assert_allclose(d[0], np.array([0, 0, 0.5, 1.5, 2.5, 3.5, 0, 0]) * width[0], rtol=1e-14)
    np.testing.assert_allclose(d[1], np.array([0, 0, 3.5, 2.5, 1.5, 0.5, 0, 0]) * width[1], rtol=1e-14)
    np.testing.assert_allclose(d[2], 8 * width[2], rtol=1e-14)
    # a coast across the date line: the circle wraps
    wrap = np.zeros((1, 8), dtype=bool)
    wrap[0, [0, 1, 7]] = True
    np.testing.assert_allclose(upwind_land_distance_km(wrap, [50.0])[0, [7, 0, 1]],
                               np.array([0.5, 1.5, 2.5]) * EARTH_RADIUS_KM * np.deg2rad(45.0) * np.cos(np.deg2rad(50)))


def test_continentality_index_rises_inland_and_fades_towards_the_equator():
    assert continentality_index(0.0, 50.0) == 0.0
    assert continentality_index(CONTINENTALITY_DISTANCE_KM, 50.0) == pytest.approx(CONTINENTALITY_MAX * (1 - np.exp(-1)))
    assert continentality_index(1e5, 70.0) == pytest.approx(CONTINENTALITY_MAX)
    assert continentality_index(1e5, 15.0) == pytest.approx(CONTINENTALITY_MAX / 2)
    assert continentality_index(1e5, 0.0) == 0.0


def _cell(grid, lat, lon):
    return int((lat + 90.0) // (180.0 / grid.nlat)) * grid.nlon + int((lon % 360.0) // (360.0 / grid.nlon))


def test_continentality_grows_across_eurasia_and_gives_siberia_its_summer():
    """Along 55-62 N the index rises from the Atlantic coast to the Siberian interior (Conrad's scale: 0
    oceanic, ~90 at Yakutsk), and the generator's mean July at Yakutsk is near the observed 19 degC (a single
    index of 40 for all land gave 6 degC)."""
    from atmos_stub.weather import WeatherParameters, mean_daily_temperature_K

    grid = LatLonGrid.regular(2.0)
    c = load_climatology(grid)
    west_to_east = [_cell(grid, 54.0, -9.0), _cell(grid, 55.7, 37.6), _cell(grid, 56.0, 92.9), _cell(grid, 62.0, 129.7)]
    k = c.continentality[west_to_east]
    assert np.all(np.diff(k) > 0), k
    assert k[0] < 20 and k[-1] > 75
    yakutsk = west_to_east[-1]
    lat = grid.lat[yakutsk // grid.nlon]
    july = slice(181, 212)
    t = mean_daily_temperature_K(c.mat_K[[yakutsk]], [lat], c.data_fraction[[yakutsk]],
                                 continentality=c.continentality[[yakutsk]])[july].mean() - 273.15
    assert 15.0 < t < 23.0, t
    single = mean_daily_temperature_K(c.mat_K[[yakutsk]], [lat], c.data_fraction[[yakutsk]],
                                      WeatherParameters())[july].mean() - 273.15
    assert single < t - 8.0
    assert np.all(c.continentality[c.data_fraction == 0] == 0)
