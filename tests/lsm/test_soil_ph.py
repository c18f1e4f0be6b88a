"""Climate-derived topsoil pH: Thornthwaite PET, the Slessarev et al. (2016) threshold, the global map."""

import netCDF4
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atmos_stub.climatology import SECONDS_PER_CLIMATOLOGY_YEAR
from atmos_stub.weather import WeatherGenerator
from coupler.grid import LatLonGrid
from lsm import soil_ph as sp
from lsm.soil_bgc.nitrogen import DEFAULT_SOIL_PH, nitrification_ph_factor
from lsm.surface import DEFAULT_PATH, load_surface

K0 = 273.15
DAYS = sp.MONTH_DAYS


def months(*t_c):
    """(12, n) K from one column of 12 degC values per cell."""
    return np.array(t_c, dtype=float).T + K0


# ----------------------------------------------------------------------------- day length, PET
def test_day_length_equator_and_polar():
    assert np.allclose(sp.day_length_hours(0.0, np.arange(1, 366)), 12.0)
    # 80 N: polar day at the June solstice (day 172), polar night at the December one; mirrored at 80 S
    assert sp.day_length_hours([80.0, 80.0, -80.0], [172, 355, 172]).tolist() == [24.0, 0.0, 0.0]


def test_pet_zero_when_no_month_is_above_freezing():
    t = months([-30.0] * 6 + [0.0] * 6, [-5.0] * 12)
    assert sp.thornthwaite_pet_mm_yr(t, [70.0, 45.0]).tolist() == [0.0, 0.0]


def test_pet_constant_temperature_analytic():
    # 12 months at 20 degC on the equator (12 h days every month): I = 12 (20/5)^1.514 = 97.8814,
    # a = 6.75e-7 I^3 - 7.71e-5 I^2 + 1.792e-2 I + 0.49239 = 2.14075,
    # 16 (10 * 20 / I)^a = 73.868 mm per 30 days, times 365/30 for the year = 898.73 mm/yr
    pet = sp.thornthwaite_pet_mm_yr(months([20.0] * 12), [0.0])
    assert pet[0] == pytest.approx(898.731, abs=1e-3)


def test_pet_high_temperature_formula():
    # T >= 26.5 degC: -415.85 + 32.24 T - 0.43 T^2 mm per 30 days, whatever the heat index
    # (Willmott et al. 1985): 164.35 mm at 30 degC; 136.54 at 26.5 (Thornthwaite's table: 135);
    # held at the maximum 188.46 mm (37.5 degC) above.  Equator: 12 h days, so only days/30 scales.
    t = months([30.0] * 12, [30.0] + [0.0] * 11, [26.5] + [-1.0] * 11, [45.0] + [-1.0] * 11, [37.5] + [-1.0] * 11)
    pet = sp.thornthwaite_pet_mm_yr(t, np.zeros(5))
    assert pet[0] == pytest.approx(164.35 * 365 / 30, rel=1e-12)
    assert pet[1] == pytest.approx(164.35 * 31 / 30, rel=1e-12)  # January alone: the cold months add nothing
    assert pet[2] == pytest.approx(136.5425 * 31 / 30, rel=1e-12)
    assert pet[3] == pet[4] == pytest.approx(188.4625 * 31 / 30, rel=1e-12)  # 45 degC is held at 37.5


def test_pet_day_length_correction_and_hemispheres():
    # the same climate half a year shifted in the south has the same PET at the mirrored latitude
    t_north = sp.monthly_air_temperature_K(283.15, 50.0)
    t_south = sp.monthly_air_temperature_K(283.15, -50.0)
    pn, ps = sp.thornthwaite_pet_mm_yr(t_north, [50.0]), sp.thornthwaite_pet_mm_yr(t_south, [-50.0])
    assert pn[0] == pytest.approx(ps[0], rel=0.02)  # month lengths differ slightly, not the physics
    # summer-warm months get the long days: more PET than the same months with 12 h days
    assert pn[0] > sp.thornthwaite_pet_mm_yr(t_north, [0.0])[0]


def test_monthly_temperature_is_the_weather_generators_climatology():
    lat = np.array([-60.0, -20.0, 0.0, 35.0, 62.0])
    mat = np.array([270.0, 295.0, 300.0, 288.0, 268.0])
    f = np.array([1.0, 0.5, 1.0, 0.0, 1.0])
    t = sp.monthly_air_temperature_K(mat, lat, f)
    gen = WeatherGenerator(lat, np.zeros(5), np.arange(5), mat, np.full(5, 1e-5), f, seed=1)
    start = np.concatenate([[0.0], np.cumsum(DAYS)]) / 365.0
    # the generator's (private) seasonal mean over each calendar month, without weather noise
    expected = np.array([mat + gen._seasonal_mean(start[m], start[m + 1]) for m in range(12)])
    assert np.allclose(t, expected, atol=1e-10)
    assert np.allclose(DAYS @ t / 365.0, mat, atol=1e-10)


# ----------------------------------------------------------------------------- pH of the water balance
@given(st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_ph_non_increasing_in_water_balance_and_bounded(d1, d2):
    lo, hi = min(d1, d2), max(d1, d2)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p_lo, p_hi = sp.soil_ph_from_water_balance(lo), sp.soil_ph_from_water_balance(hi)
    assert sp.PH_ACID <= p_hi <= p_lo <= sp.PH_ALKALINE


def test_ph_limits_and_threshold():
    d = np.array([-np.inf, -5000.0, -100 * np.log(5), 0.0, 100 * np.log(5), 5000.0, np.inf])
    ph = sp.soil_ph_from_water_balance(d)
    assert ph[[0, 1]] == pytest.approx([8.0, 8.0], abs=1e-12)  # carbonate plateau where PET >> MAP
    assert ph[[5, 6]] == pytest.approx([5.0, 5.0], abs=1e-12)  # Al-buffered plateau where MAP >> PET
    assert ph[3] == pytest.approx(6.5, abs=1e-12) == DEFAULT_SOIL_PH  # half-way at MAP = PET
    assert ph[[2, 4]] == pytest.approx([7.5, 5.5], abs=1e-12)  # logistic: 5/6 and 1/6 of the range at -/+ s ln 5
    # steep: within +-500 mm/yr of the threshold the pH spans 99 % of its range
    assert np.ptp(sp.soil_ph_from_water_balance([-500.0, 500.0])) > 0.98 * 3.0


def test_ph_feeds_nitrification_in_its_range():
    f = nitrification_ph_factor(sp.soil_ph_from_water_balance(np.linspace(-3000, 3000, 601)))
    assert f.min() == pytest.approx(0.56, abs=1e-3) and 0.98 < f.max() <= 1.0


def test_climatological_ph_default_without_observed_climate():
    ph = sp.climatological_soil_ph([300.0, 300.0], [50.0, 50.0], [20.0, 20.0], [1.0, 0.0])
    assert ph.tolist() == [pytest.approx(8.0, abs=1e-5), DEFAULT_SOIL_PH]


# ----------------------------------------------------------------------------- global map of the real climate
@pytest.fixture(scope="module")
def global_map():
    grid = LatLonGrid.regular(0.5)
    surf = load_surface(grid)
    land = surf.land_cells
    lat, lon = np.repeat(grid.lat, grid.nlon)[land], np.tile(grid.lon, grid.nlat)[land]
    map_mm = surf.map_kg_m2_s[land] * SECONDS_PER_CLIMATOLOGY_YEAR
    ph = sp.climatological_soil_ph(surf.mat_K[land], map_mm, lat, surf.climate_data_fraction[land])
    with netCDF4.Dataset(DEFAULT_PATH) as nc:
        ice = np.asarray(nc["igbp_class"][:]).reshape(-1)[land] == 15  # no soil under ice sheets
    return dict(lat=lat, lon=lon, ph=ph, area=np.where(ice, 0.0, surf.land_area_m2[land]))


def _region_mean(m, lat0, lat1, lon0, lon1):
    w = m["area"] * ((m["lat"] >= lat0) & (m["lat"] <= lat1) & (m["lon"] >= lon0) & (m["lon"] <= lon1))
    return np.sum(w * m["ph"]) / np.sum(w)


def test_global_map_distribution(global_map):
    ph, w = global_map["ph"], global_map["area"] / global_map["area"].sum()  # ice-free land, 131.9 Mkm2
    assert np.all(np.isfinite(ph)) and ph.min() >= 5.0 and ph.max() <= 8.0
    mean, acid, alkaline = np.sum(w * ph), w[ph < 5.5].sum(), w[ph > 7.0].sum()
    # values of this map (Thornthwaite PET on the UDel climatology)
    assert (mean, acid, alkaline) == pytest.approx((6.775, 0.258, 0.517), abs=0.005)
    # plausibility: mean near the SoilGrids median topsoil pH 6.5 (Hengl et al. 2017); acid soils (pH < 5.5)
    # ~30 % of ice-free land (von Uexkull & Mutert 1995, Plant Soil 171, 1); calcareous soils > 30 % of land
    # (Chen & Barak 1982, Adv. Agron. 35, 217), which this map exceeds, having only climate (no parent rock)
    assert 6.3 < mean < 7.2 and 0.2 < acid < 0.35 and 0.3 < alkaline < 0.6
    # bimodal (Slessarev et al. 2016): per pH unit, fewer soils between 5.5 and 7.5 (0.15 of the land per unit,
    # with the 2 % of land without observed climate at 6.5) than in 5-5.5 or 7.5-8 (0.52, 0.87)
    middle = w[(ph >= 5.5) & (ph <= 7.5)].sum() / 2.0
    assert 2.0 * middle < min(acid / 0.5, w[ph > 7.5].sum() / 0.5)


@pytest.mark.parametrize("region, box, low, high", [
    ("Sahara", (18, 30, 0, 30), 7.95, 8.0),
    ("Arabia", (18, 28, 40, 55), 7.95, 8.0),
    ("Australian interior", (-30, -20, 120, 140), 7.95, 8.0),
    ("Amazon", (-10, 0, 290, 310), 5.0, 5.1),
    ("Congo basin", (-4, 4, 15, 28), 5.0, 5.3),
    ("Quebec-Labrador boreal", (48, 58, 285, 300), 5.0, 5.2),
])
def test_global_map_regions(global_map, region, box, low, high):
    # deserts (MAP 30-300 mm/yr, PET 1200-1400) alkaline; rain forests (MAP 1700-2300 > PET 1300-1500) and the
    # wet eastern Canadian boreal zone (MAP ~800 > PET ~400) acid
    assert low <= _region_mean(global_map, *box) <= high, region


def test_the_land_takes_its_soil_ph_from_the_climate_when_asked(tmp_path):
    from coupler.driver import Driver, load_experiment
    from tests.lsm.test_land_component import NML

    path = tmp_path / "ph.nml"
    path.write_text(NML.format(days=1) + "&land\n  soil_ph_from_climate = .true.\n/\n")
    config, classes = load_experiment(path)
    land = Driver(config, classes, tmp_path / "out", progress=False).slots["land"].comp
    assert land.soil.ph.min() < 5.5  # wet tropics
    assert land.soil.ph.max() > 7.5  # deserts
    path.write_text(NML.format(days=1))
    config, classes = load_experiment(path)
    land = Driver(config, classes, tmp_path / "out2", progress=False).slots["land"].comp
    assert np.all(land.soil.ph == 6.5)
