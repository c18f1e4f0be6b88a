"""Global land totals from a yearly history file (lsm.diagnostics)."""

import netCDF4
import numpy as np

from coupler.constants import KG_PER_PG, KG_PER_TG
from coupler.grid import LatLonGrid
from lsm import diagnostics

YEAR = diagnostics.SECONDS_PER_YEAR


def _history(path, fields, land_percent=100.0):
    grid = LatLonGrid.regular(30.0, 30.0)
    ny, nx = grid.shape
    with netCDF4.Dataset(path, "w") as ds:
        ds.frequency = "year"
        ds.createDimension("time", None)
        ds.createDimension("lat", ny)
        ds.createDimension("lon", nx)
        ds.createVariable("lat", "f8", ("lat",))[:] = np.linspace(-75, 75, ny)
        ds.createVariable("lon", "f8", ("lon",))[:] = np.linspace(15, 345, nx)
        ds.createVariable("areacella", "f8", ("lat", "lon"))[:] = grid.area
        ds.createVariable("sftlf", "f8", ("lat", "lon"))[:] = land_percent
        for name, value in fields.items():
            ds.createVariable(name, "f8", ("time", "lat", "lon"))[0] = value
    return grid


def test_totals_are_area_weighted_sums_in_edge_units(tmp_path):
    names = ("gpp", "npp", "ra", "rh", "rroot", "nee", "evspsbl", "lai", "hfls", "hfss", "cVeg", "cLitter",
             "cSoil", "cMic", "cMAOM", "fNnetmin", "fN2O", "fN2Onit", "fN2Oden", "fDOCleach")
    fields = {n: 1.0 for n in names}
    fields.update(rh=2e-8, rroot=1e-8, cSoil=10.0, cMic=0.2, fNnetmin=3e-11, fN2O=4e-13, fN2Onit=1e-13,
                  fN2Oden=3e-13, fDOCleach=5e-11)
    path = tmp_path / "case.land.h1.nc"
    grid = _history(path, fields, land_percent=50.0)
    land_area = 0.5 * grid.area.sum()
    t = diagnostics.land_totals(path)
    assert np.isclose(t["rh_PgC_yr"], 2e-8 * land_area * YEAR / KG_PER_PG, rtol=1e-12)
    assert np.isclose(t["rs_PgC_yr"], 3e-8 * land_area * YEAR / KG_PER_PG, rtol=1e-12)
    assert np.isclose(t["csoil_PgC"], 10.0 * land_area / KG_PER_PG, rtol=1e-12)
    assert np.isclose(t["cmic_PgC"], 0.2 * land_area / KG_PER_PG, rtol=1e-12)
    assert np.isclose(t["net_mineralisation_TgN_yr"], 3e-11 * land_area * YEAR / KG_PER_TG, rtol=1e-12)
    assert np.isclose(t["n2o_TgN_yr"], 4e-13 * land_area * YEAR / KG_PER_TG, rtol=1e-12)
    assert np.isclose(t["n2o_nitrification_TgN_yr"] + t["n2o_denitrification_TgN_yr"], t["n2o_TgN_yr"], rtol=1e-12)
    assert np.isclose(t["doc_leaching_PgC_yr"], 5e-11 * land_area * YEAR / KG_PER_PG, rtol=1e-12)
    text = diagnostics.format_totals(t)
    assert "rh_PgC_yr" in text and "reference 40-60" in text


def test_soil_model_fields_are_optional(tmp_path):
    names = ("gpp", "npp", "ra", "rh", "rroot", "nee", "evspsbl", "lai", "hfls", "hfss", "cVeg", "cLitter", "cSoil")
    (tmp_path / "hist").mkdir()
    path = tmp_path / "hist" / "case.land.h0.nc"
    _history(path, {n: 1.0 for n in names})
    t = diagnostics.land_totals(path)
    assert "cmic_PgC" not in t and "net_mineralisation_TgN_yr" not in t and "n2o_TgN_yr" not in t
    assert diagnostics.yearly_land_stream(tmp_path) == path
    assert diagnostics.main([str(tmp_path / "missing")]) == 2


def test_soil_n2o_splits_into_managed_and_natural_land(tmp_path):
    """Managed N2O is the cropland flux over the crop area of each cell; natural is the rest of the total."""
    names = ("gpp", "npp", "ra", "rh", "rroot", "nee", "evspsbl", "lai", "hfls", "hfss", "cVeg", "cLitter", "cSoil")
    fields = {n: 1.0 for n in names}
    fields.update({n: 0.0 for n in diagnostics.AGRICULTURE})
    fields.update(fN2O=4e-13, fN2OCrop=9e-13, fHarvest=1e-9)
    path = tmp_path / "case.land.h1.nc"
    grid = _history(path, fields)
    t = diagnostics.land_totals(path)
    surf = diagnostics.load_surface(grid)
    crop = sum(surf.pft_fraction[diagnostics.pft_index(p)] for p in diagnostics.GRAIN_FIELDS.values())
    managed = float(np.sum(9e-13 * crop * grid.area_flat)) * YEAR / KG_PER_TG
    assert managed > 0
    assert np.isclose(t["n2o_managed_TgN_yr"], managed, rtol=1e-12)
    assert np.isclose(t["n2o_managed_TgN_yr"] + t["n2o_natural_TgN_yr"], t["n2o_TgN_yr"], rtol=1e-12)


def test_stocks_by_pft_are_area_weighted_means_of_a_land_state_file(tmp_path, capsys):
    """Uniform stocks give those values for every PFT, and totals of value x land area."""
    from lsm.pfts import PFT_NAMES
    from lsm.soil_bgc.pools import POOLS
    from lsm.surface import load_surface

    surf = load_surface(LatLonGrid.regular(30.0, 30.0))
    cells = surf.land_cells
    path = tmp_path / "land.r.nc"
    with netCDF4.Dataset(path, "w") as ds:
        ds.grid = "30x30"
        ds.createDimension("pft", len(PFT_NAMES))
        ds.createDimension("cell", len(cells))
        ds.createVariable("cell_index", "i4", ("cell",))[:] = cells
        for pool in POOLS:
            for var in pool.variables():
                value = {"nh4_n": 0.002, "no3_n": 0.003}.get(var, 0.5 if var.endswith("_c") else 0.05)
                ds.createVariable(f"soil__{var}", "f8", ("pft", "cell"))[:] = value
        for var in diagnostics.VEG_C:
            ds.createVariable(f"veg__{var}", "f8", ("pft", "cell"))[:] = 1.0
    rows, totals = diagnostics.stocks_by_pft(path)
    organic = sum(p.kind == "organic" for p in POOLS)
    heads = [h for h, _, _ in diagnostics.STOCK_COLUMNS]
    for _, _, values in rows:
        got = dict(zip(heads, values, strict=True))
        assert np.isclose(got["SOC kg C/m2"], 0.5 * organic, rtol=1e-12)
        assert np.isclose(got["litter kg C/m2"], 1.0, rtol=1e-12)
        assert np.isclose(got["microbes g C/m2"], 1000.0, rtol=1e-12)
        assert np.isclose(got["NH4 g N/m2"], 2.0, rtol=1e-12) and np.isclose(got["NO3 g N/m2"], 3.0, rtol=1e-12)
        assert np.isclose(got["veg kg C/m2"], 4.0, rtol=1e-12)
    land = surf.land_area_m2.sum()
    assert np.isclose(sum(a for _, a, _ in rows) * 1e12, land, rtol=1e-9)
    assert np.isclose(totals["soil_organic_c_PgC"], 0.5 * organic * land / KG_PER_PG, rtol=1e-12)
    assert np.isclose(totals["veg_c_PgC"], 4.0 * land / KG_PER_PG, rtol=1e-12)
    assert np.isclose(totals["mineral_n_TgN"], 0.005 * land / KG_PER_TG, rtol=1e-12)
    assert diagnostics.main(["--stocks", str(path)]) == 0
    assert "mineral_n_TgN" in capsys.readouterr().out


def test_stocks_of_a_file_that_is_no_land_state_name_it(tmp_path, capsys):
    path = tmp_path / "other.nc"
    with netCDF4.Dataset(path, "w") as ds:
        ds.title = "not a restart"
    assert diagnostics.main(["--stocks", str(path)]) == 2
    assert str(path) in capsys.readouterr().err
