"""13C and 14C in the coupled land (issue 7): books in the ledger, spin-up, restarts, history, bad series."""

import numpy as np
import pytest
import xarray as xr

from coupler.driver import Driver, load_experiment
from coupler.errors import InputDataError
from lsm.soil_bgc import isotopes
from tests.lsm.test_land_component import NML, assert_bit_for_bit_on_ranks_and_restart


def namelist(tmp_path, days=2, extra=""):
    path = tmp_path / f"iso{days}.nml"
    # the crop grain and product pools carry no isotopes: isotope runs are without crop management
    path.write_text(NML.format(days=days) + f"&land\n  isotopes = .true.\n  agriculture = .false.\n{extra}/\n")
    return path


def test_isotope_books_close_in_the_ledger_and_pools_take_the_plant_signature(tmp_path):
    config, classes = load_experiment(namelist(tmp_path))
    drv = Driver(config, classes, tmp_path / "out", progress=False)
    land = drv.slots["land"].comp
    assert drv.ledger.quantities == ("carbon", "carbon13", "carbon14", "energy", "nitrogen", "water")
    land.sasu_begin()
    drv.run("ndays", 1)
    land.sasu_apply(soil_years=1, soil_step_s=6 * 3600.0)
    drv.run("ndays", 1)
    for q in ("carbon", "carbon13", "carbon14"):
        assert drv.ledger.max_step_residual[q] < 1e-12, q
    inv = land.inventory()
    # land carbon near -25 per mil (C3 dominated); vegetation carbon without 14C age, while the jump put the
    # slow side pools (aggregates, strongly bound MAOM: residence 1 and 500 years) at their 14C steady state,
    # k / (k + lambda) of the air's ratio (-57 per mil for the bound MAOM), so the land is somewhat aged
    d13 = isotopes.delta13c_permil(inv["carbon13"], inv["carbon"], inv["carbon14"])
    assert -27.0 < d13 < -18.0
    a = land.tile_area
    veg = [float(np.sum(x * a)) for x in (land.veg_shadow[1].sum(axis=0), land.veg_shadow[0].sum(axis=0),
                                          land._veg_carbon())]
    assert abs(isotopes.delta14c_permil(*veg)) < 1.0
    assert -57.0 < isotopes.delta14c_permil(inv["carbon14"], inv["carbon13"], inv["carbon"]) < -1.0
    assert np.all(land.veg_shadow >= 0) and np.all(land.soil.shadow >= 0)
    ds = xr.open_dataset(tmp_path / "out/hist/land.land.h0.nc")
    for v in ("c13Veg", "c13Soil", "c13Litter", "c14Veg", "c14Soil"):
        assert float(ds[v].isel(time=-1).max()) > 0, v
    # C4 grass tiles are isotopically heavy, C3 trees light
    ratio = np.divide(land.veg_shadow[0, 1], land.veg.leaf_c, out=np.full(land.veg.leaf_c.shape, np.nan),
                      where=land.veg.leaf_c > 1e-6)
    leaf = isotopes.delta13c_permil(ratio, 1.0)
    assert np.nanmax(leaf[land.c4]) > -16.0 and np.nanmin(leaf[~land.c4]) < -22.0


@pytest.mark.mpi
def test_isotopes_bit_for_bit_on_ranks_and_restart(tmp_path):
    assert_bit_for_bit_on_ranks_and_restart(tmp_path, namelist)


def test_a_bomb_spike_series_reaches_the_new_assimilate(tmp_path):
    series = tmp_path / "d14c.csv"
    # the run starts at 1850.4956 (1 July): the air jumps from 0 to +800 per mil a few hours later
    series.write_text("year, delta14c\n1849, 0\n1850.4960, 0\n1850.4970, 800\n1851, 800\n")
    config, classes = load_experiment(namelist(tmp_path, 1, f"  delta14c_file = '{series}'\n"))
    drv = Driver(config, classes, tmp_path / "out", progress=False)
    land = drv.slots["land"].comp
    before = land.veg_shadow[1].sum() / land._veg_pools().sum()
    drv.run("ndays", 1)
    assert land.veg_shadow[1].sum() / land._veg_pools().sum() > before
    assert drv.ledger.max_step_residual["carbon14"] < 1e-12


@pytest.mark.parametrize("text, message", [("1850, 0\n1849, 1\n", "increase"), ("1850, 1\n1851, x\n", "line 2"),
                                           ("", "no 'year"), ("1850, -1200\n", "above -1000")])
def test_bad_delta14c_series_names_the_file_and_the_fault(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputDataError, match=message) as err:
        isotopes.read_delta14c_series(path)
    assert str(path) in str(err.value)
