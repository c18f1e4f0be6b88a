"""Crop management in the coupled model: books, harvest, fertiliser, irrigation and switching management off.

One northern growing season (1 April to the end of September) of the full
coupled model at a coarse resolution, with management on and with each
part of it off; every run is made once for the module.
"""

import numpy as np
import pytest
import xarray as xr

from coupler.driver import Driver, load_experiment
from lsm.agriculture.crops import GRAIN_C_FRACTION
from lsm.pfts import CROP_PFTS, pft_index

NML = """
&driver
  case_name = 'agri'
  start_date = '1850-04-01'
  stop_option = 'ndays'
  stop_n = {days}
  coupling_interval_s = 10800
  restart_option = 'never'
  history_frequencies = 'month'
  land_model = 'lsm'
  atmos_model = 'atmos_stub'
  ocean_model = 'ocean_stub'
  land_resolution_deg = {res}
  atmos_resolution_deg = {res}
  ocean_resolution_deg = {res}
/
&land
  irrigated_fraction = 1.0
  {extra}
/
"""
DAYS, RES = 183, 20.0
SECONDS_PER_DAY = 86400.0
CASES = {"on": "", "no_fertiliser": "fertiliser = .false.", "no_irrigation": "irrigation = .false.",
         "off": "agriculture = .false."}


class Season:
    """Season totals of one run, per land cell of the rank (from the monthly history), and its land."""

    def __init__(self, tmp_path, name, extra):
        path = tmp_path / f"{name}.nml"
        path.write_text(NML.format(days=DAYS, res=RES, extra=extra))
        config, classes = load_experiment(path)
        out = tmp_path / name
        self.drv = Driver(config, classes, out, progress=False)
        self.drv.run("ndays", DAYS)
        land = self.land = self.drv.slots["land"].comp
        cells = land.decomp.local_cells
        self.crop_area = np.bincount(land.tile_cell, weights=land.tile_area * np.isin(land.tile_pft, CROP_PFTS),
                                     minlength=land.decomp.nlocal)
        grass = np.isin(land.tile_pft, [pft_index("c3_grass"), pft_index("c4_grass")])
        self.grass_area = np.bincount(land.tile_cell, weights=land.tile_area * grass, minlength=land.decomp.nlocal)
        self.land_area = np.bincount(land.tile_cell, weights=land.tile_area, minlength=land.decomp.nlocal)
        self.totals = {}
        with xr.open_dataset(out / "hist/agri.land.h0.nc") as ds:
            seconds = (ds["time_bnds"][:, 1] - ds["time_bnds"][:, 0]).values / np.timedelta64(1, "s")
            for v in ds.data_vars:
                if "lat" in ds[v].dims and "time" in ds[v].dims:
                    x = np.nan_to_num(ds[v].values.reshape(len(seconds), -1)[:, cells])
                    self.totals[v] = np.tensordot(seconds, x, axes=1)  # per-m2 amounts over the season
        with xr.open_dataset(out / "hist/agri.atmos.h0.nc") as ds:
            seconds = (ds["time_bnds"][:, 1] - ds["time_bnds"][:, 0]).values / np.timedelta64(1, "s")
            self.tas = np.tensordot(seconds, ds["tas"].values.reshape(len(seconds), -1), axes=1) / seconds.sum()

    def crop_total(self, name):
        """Amount over the cropland of all cells, kg (``<name>`` per m2 of cropland, e.g. ``fN2OCrop``)."""
        return float(np.sum(self.totals[name] * self.crop_area))

    def crop_mean(self, name):
        return self.crop_total(name) / float(np.sum(self.crop_area))

    def land_total(self, name):
        """Amount over all land, kg (``<name>`` a cell mean per m2 of land, e.g. ``fFertN``)."""
        return float(np.sum(self.totals[name] * self.land_area))


@pytest.fixture(scope="module")
def seasons(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("agri")
    return {name: Season(tmp, name, extra) for name, extra in CASES.items()}


def test_books_close_with_harvest_products_fertiliser_and_irrigation(seasons):
    s = seasons["on"]
    for q in ("carbon", "nitrogen", "water", "energy"):
        assert s.drv.ledger.max_step_residual[q] < 1e-12, q
    land = s.land
    g = land.agri
    assert np.all(g.products.c_1yr >= 0) and np.sum(g.products.c_1yr * land.tile_area) > 0
    assert s.land_total("fHarvestGrain") > 0 and s.land_total("fFertN") > 0 and s.land_total("irrigation") > 0
    assert s.land_total("fprod") > 0
    assert np.all(land.veg.plant_n >= 0) and np.all(land.soil.state.values >= 0)


def test_cereal_yields_are_those_of_real_fields(seasons):
    """Grain harvested per m2 of the C3 and C4 cereals of the northern cells, as t dry matter ha-1."""
    s = seasons["on"]
    north = s.land.decomp.local_lat_lon()[0] > 0
    for name, pft in (("grainC3Crop", "c3_crop"), ("grainC4Crop", "c4_crop")):
        area = np.bincount(s.land.tile_cell, weights=s.land.tile_area * (s.land.tile_pft == pft_index(pft)),
                           minlength=s.land.decomp.nlocal) * north
        assert area.sum() > 0, pft
        t_ha = np.sum(s.totals[name] * area) / area.sum() / GRAIN_C_FRACTION * 10.0
        assert 1.0 < t_ha < 10.0, (pft, t_ha)


def test_irrigation_raises_latent_heat_lowers_sensible_heat_and_cools_the_air(seasons):
    on, off = seasons["on"], seasons["no_irrigation"]
    assert off.land_total("irrigation") == 0
    assert on.crop_mean("hflsCrop") > off.crop_mean("hflsCrop") + 1.0 * DAYS * SECONDS_PER_DAY  # > 1 W m-2 more
    assert on.crop_mean("hfssCrop") < off.crop_mean("hfssCrop")
    land = on.land
    cropland = on.crop_area > 0.2 * on.land_area
    assert cropland.any()
    cells = land.decomp.local_cells[cropland]
    assert np.mean(on.tas[cells]) < np.mean(off.tas[cells])


def test_fertiliser_raises_yields_and_cropland_n2o(seasons):
    on, off = seasons["on"], seasons["no_fertiliser"]
    assert off.land_total("fFertN") == 0
    assert on.land_total("fHarvestGrain") > 1.2 * off.land_total("fHarvestGrain")
    assert on.crop_total("fN2OCrop") > off.crop_total("fN2OCrop")


def test_fertiliser_induced_emission_factor_is_that_of_ipcc(seasons):
    on, off = seasons["on"], seasons["no_fertiliser"]
    ef = (on.crop_total("fN2OCrop") - off.crop_total("fN2OCrop")) / on.land_total("fFertN")
    assert 0.005 < ef < 0.02, ef


def test_irrigation_raises_cropland_n2o(seasons):
    """Wetter soil, a larger N2O share of nitrification (Trost et al. 2013: irrigation raises N2O in most trials)."""
    on, dry = seasons["on"], seasons["no_irrigation"]
    assert on.crop_total("fN2OCrop") > dry.crop_total("fN2OCrop")


@pytest.mark.xfail(strict=True, reason="issue 8: where crops got more than 250 mm of irrigation over the season, "
                   "their N2O is 1.49 times the rain-fed; field trials give 1.5-2.4 (Trost et al. 2013)")
def test_irrigation_raises_cropland_n2o_as_much_as_in_field_trials(seasons):
    """Where irrigation is substantial (more than 250 mm over the season, as in the trials), not where rain
    leaves little to irrigate."""
    on, dry = seasons["on"], seasons["no_irrigation"]
    crop = on.crop_area > 0
    irrigation_mm = np.divide(on.totals["irrigation"] * on.land_area, on.crop_area, out=np.zeros(crop.shape),
                              where=crop)
    wet = crop & (irrigation_mm > 250.0)
    assert wet.sum() >= 5
    n2o = [np.sum(s.totals["fN2OCrop"][wet] * s.crop_area[wet]) for s in (on, dry)]
    assert n2o[0] > 1.5 * n2o[1]


def test_management_off_lowers_cropland_n2o_and_latent_heat(seasons):
    on, off = seasons["on"], seasons["off"]
    assert off.land.agri is None and "fN2OCrop" not in off.totals
    crop = on.crop_area > 0
    n2o_off = np.sum(off.totals["fN2O"][crop] * off.land_area[crop])
    n2o_on = np.sum(on.totals["fN2O"][crop] * on.land_area[crop])
    assert n2o_off < n2o_on
    le_off = np.sum(off.totals["hfls"][crop] * off.land_area[crop])
    le_on = np.sum(on.totals["hfls"][crop] * on.land_area[crop])
    assert le_off < le_on


def test_cropland_emits_several_times_the_n2o_of_grassland_in_the_same_cells(seasons):
    s = seasons["on"]
    both = (s.crop_area > 0) & (s.grass_area > 0)
    crop_n2o = np.sum(s.totals["fN2OCrop"][both] * s.crop_area[both]) / s.crop_area[both].sum()
    grass_n2o = np.sum(s.totals["fN2OGrass"][both] * s.grass_area[both]) / s.grass_area[both].sum()
    assert crop_n2o > 2.0 * grass_n2o


@pytest.mark.mpi
def test_management_is_bit_for_bit_on_ranks_and_across_a_restart_through_sowing(tmp_path):
    """Twelve days of northern sowing (from 20 April) on 1 and 3 ranks, and 6 + 6 days on 2 ranks."""
    from tests.system.conftest import assert_identical, lsmc

    def make(days):
        path = tmp_path / f"sow{days}.nml"
        path.write_text(NML.format(days=days, res=RES, extra="").replace("1850-04-01", "1850-04-20")
                        .replace("'month'", "'day'"))
        return path

    lsmc("run", make(12), "--out", tmp_path / "n1")
    lsmc("run", make(12), "--out", tmp_path / "n3", nranks=3)
    assert_identical(tmp_path / "n1", tmp_path / "n3")
    lsmc("run", make(6), "--out", tmp_path / "rst", nranks=2)
    lsmc("run", "--out", tmp_path / "rst", "--continue", "--days", "6")
    assert_identical(tmp_path / "n1", tmp_path / "rst")
