"""Mineral fertiliser and manure: global amounts, schedule, forms, rate maps."""

from pathlib import Path

import netCDF4
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coupler.constants import EARTH_RADIUS_M
from coupler.errors import InputDataError
from lsm.agriculture.fertiliser import (
    CROP_TYPES,
    FertiliserParameters,
    FertiliserState,
    RateMapError,
    application,
    global_n_input_tg_yr,
    manure_rates,
    mineral_rate_by_pft,
    read_rate_map,
    split_forms,
    tile_mineral_rates,
)
from lsm.pfts import CROP_PFTS, NPFT, PFT_NAMES, pft_index

DAY = 86400.0
SURFACE = Path(__file__).parents[3] / "lsm" / "data" / "surface_0.5deg.nc"
C3, C4, LEG = (pft_index(c) for c in CROP_TYPES)


def crop_areas_m2() -> dict[str, float]:
    """Area of each crop PFT in the packaged surface map, m2."""
    with netCDF4.Dataset(SURFACE) as nc:
        lat_b = np.deg2rad(nc["lat_bnds"][:])
        lon_b = np.deg2rad(nc["lon_bnds"][:])
        land = np.ma.filled(nc["landfrac"][:], 0.0)
        frac = np.ma.filled(nc["pft_fraction"][:], 0.0)
        names = list(nc["pft_name"][:])
    cell = EARTH_RADIUS_M ** 2 * np.outer(np.sin(lat_b[:, 1]) - np.sin(lat_b[:, 0]), lon_b[:, 1] - lon_b[:, 0])
    return {c: float(np.sum(cell * land * frac[names.index(c)])) for c in CROP_TYPES}


# ---------------------------------------------------------------- amounts


def test_default_rates_give_the_global_input_on_the_packaged_map():
    areas = crop_areas_m2()
    assert 13e12 < sum(areas.values()) < 15e12  # 13.67 million km2 of crops in the map
    mineral, manure = global_n_input_tg_yr(areas)
    # module docstring: 102.1 and 25.5 Tg N yr-1
    assert mineral == pytest.approx(102.1, abs=0.1)
    assert manure == pytest.approx(25.5, abs=0.1)
    assert 100.0 <= mineral <= 120.0        # ~110 Tg N yr-1 of synthetic N in 2010 (Nishina et al. 2017)
    assert 20.0 <= manure <= 30.0           # manure N applied to cropland (Zhang et al. 2017)


def test_default_rates_give_the_global_input_on_15_million_km2():
    areas = crop_areas_m2()
    scale = 15e12 / sum(areas.values())
    mineral, manure = global_n_input_tg_yr({c: a * scale for c, a in areas.items()})
    assert mineral == pytest.approx(112.0, abs=0.1)
    assert 100.0 <= mineral <= 120.0
    assert 20.0 <= manure <= 30.0
    # by hand: the default kg N ha-1 yr-1 times the crop shares of 1500 Mha
    shares = {c: a / sum(areas.values()) for c, a in areas.items()}
    by_hand = 1500e6 * (75 * shares["c3_crop"] + 100 * shares["c4_crop"] + 20 * shares["legume_crop"]) / 1e9
    assert mineral == pytest.approx(by_hand, rel=1e-12)


def test_rates_by_pft_are_in_si_and_zero_off_cropland():
    rate = mineral_rate_by_pft()
    assert rate.shape == (NPFT,)
    np.testing.assert_allclose(rate[[C3, C4, LEG]], [75e-4, 100e-4, 20e-4], rtol=1e-15)
    others = [i for i in range(NPFT) if i not in CROP_PFTS]
    assert np.all(rate[others] == 0.0)
    assert set(PFT_NAMES[i] for i in CROP_PFTS) == set(CROP_TYPES)
    # legume < cereals < maize, as in the fertiliser-use statistics
    assert rate[LEG] < rate[C3] < rate[C4]
    np.testing.assert_array_equal(tile_mineral_rates(np.array([C4, 0, LEG])), rate[[C4, 0, LEG]])


def test_manure_is_the_requested_share_of_all_n():
    p = FertiliserParameters(manure_n_share=0.3)
    mineral = np.array([0.0, 1e-2, 7.5e-3])
    manure = manure_rates(mineral, p)
    np.testing.assert_allclose(manure[1:] / (manure[1:] + mineral[1:]), 0.3, rtol=1e-14)
    assert manure[0] == 0.0


def test_parameters_reject_bad_values():
    with pytest.raises(ValueError, match="3 values"):
        FertiliserParameters(mineral_n_rate_kg_ha_yr=(100.0, 150.0))
    with pytest.raises(ValueError, match=">= 0"):
        FertiliserParameters(mineral_n_rate_kg_ha_yr=(100.0, -1.0, 20.0))
    with pytest.raises(ValueError, match="manure_n_share"):
        FertiliserParameters(manure_n_share=1.0)
    with pytest.raises(ValueError, match="nitrate_fraction"):
        FertiliserParameters(nitrate_fraction=1.2)
    with pytest.raises(ValueError, match="application_days"):
        FertiliserParameters(application_days=0.0)
    # a namelist list is accepted and frozen as a tuple
    assert FertiliserParameters(mineral_n_rate_kg_ha_yr=[1, 2, 3]).mineral_n_rate_kg_ha_yr == (1.0, 2.0, 3.0)


# ---------------------------------------------------------------- schedule


def run_season(dt_s, mineral, manure, ramp_days, params, season_days=150.0, state=None):
    """Sow at t = 0 and step through a season; development rises linearly to 1 over ``ramp_days``.

    Returns the summed application (every field) and the cumulative N at the end of each step.
    """
    n = len(mineral)
    state = FertiliserState.zeros(n) if state is None else state
    nstep = int(round(season_days * DAY / dt_s))
    totals = None
    times, cumulative = [], []
    running = np.zeros(n)
    for k in range(nstep):
        t = k * dt_s
        dev = np.minimum(t / (ramp_days * DAY), 1.0)
        out = application(state, k == 0, dev, mineral, manure, dt_s, params)
        totals = list(out) if totals is None else [a + b for a, b in zip(totals, out)]
        running = running + out.total_n
        times.append(t + dt_s)
        cumulative.append(running.copy())
    return type(out)(*totals), np.array(times), np.array(cumulative), state


RATES = np.array([75e-4, 100e-4, 20e-4, 0.0, 3e-2])
RAMPS = np.array([100.0, 120.0, 90.0, 100.0, 40.0])


@pytest.mark.parametrize("params", [FertiliserParameters(),
                                    FertiliserParameters(application_days=20.0, basal_fraction=1.0),
                                    FertiliserParameters(application_days=3.7, manure_nh4_fraction=0.5)])
def test_season_totals_do_not_depend_on_the_step_length(params):
    manure = manure_rates(RATES, params)
    results = {}
    # 30 min to 5 days, and 7 h, which divides neither a day nor the dates of the events
    for dt in (1800.0, 3600.0, 3 * 3600.0, 7 * 3600.0, DAY, 5 * DAY):
        totals, _, _, state = run_season(dt, RATES, manure, RAMPS, params, season_days=210.0)
        results[dt] = totals
        assert np.all(state.scheduled_n() == 0.0)     # everything of the season was applied
        np.testing.assert_allclose(totals.mineral_n, RATES, rtol=0, atol=1e-15)
        np.testing.assert_allclose(totals.manure_n, manure, rtol=0, atol=1e-15)
    ref = results[1800.0]
    for totals in results.values():
        for a, b in zip(totals, ref):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_doses_are_spread_evenly_at_the_documented_times():
    p = FertiliserParameters()           # 20 % at sowing over 1 day, 80 % from 25 % of the GDD, over 1 day
    manure = manure_rates(RATES, p)
    season = RATES + manure
    ramp = np.full(len(RATES), 100.0)    # the top-dressing starts on day 25
    for dt in (1800.0, 3 * 3600.0, 6 * 3600.0):
        _, times, cumulative, _ = run_season(dt, RATES, manure, ramp, p, season_days=40.0)

        def at(days, times=times, cumulative=cumulative):
            return cumulative[np.argmin(np.abs(times - days * DAY))]

        np.testing.assert_allclose(at(0.5), 0.5 * 0.2 * season, rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(at(1.0), 0.2 * season, rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(at(25.0), 0.2 * season, rtol=1e-12, atol=1e-18)   # nothing between the doses
        np.testing.assert_allclose(at(25.25), (0.2 + 0.25 * 0.8) * season, rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(at(26.0), season, rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(at(40.0), season, rtol=1e-12, atol=1e-18)


def test_top_dressing_not_reached_is_dropped_at_the_next_sowing():
    p = FertiliserParameters()
    state = FertiliserState.zeros(1)
    rate = np.array([1e-2])
    first = application(state, True, 0.0, rate, 0.0, DAY, p)
    assert first.mineral_n[0] == pytest.approx(0.2e-2, rel=1e-15)
    assert state.held_mineral_n[0] == pytest.approx(0.8e-2, rel=1e-15)
    # crop lost at 10 % of its GDD; a new crop is sown: its own season replaces the old top-dressing
    application(state, False, 0.1, rate, 0.0, DAY, p)
    second = application(state, True, 0.0, rate, 0.0, DAY, p)
    assert second.mineral_n[0] == pytest.approx(0.2e-2, rel=1e-15)
    assert state.held_mineral_n[0] == pytest.approx(0.8e-2, rel=1e-15)


def test_overlapping_doses_lose_nothing():
    # top-dressing due while the basal dose is still being spread over 20 days
    p = FertiliserParameters(application_days=20.0)
    state = FertiliserState.zeros(2)
    rate = np.array([1e-2, 2e-2])
    applied = application(state, True, 0.0, rate, 0.0, DAY, p).mineral_n
    for day in range(1, 60):
        applied = applied + application(state, False, 0.05 * day, rate, 0.0, DAY, p).mineral_n
    np.testing.assert_allclose(applied, rate, rtol=1e-14)
    assert np.all(state.scheduled_n() == 0.0)


def test_application_rejects_bad_input():
    state = FertiliserState.zeros(2)
    with pytest.raises(ValueError, match="dt_s"):
        application(state, True, 0.0, 1e-2, 0.0, 0.0)
    with pytest.raises(ValueError, match="mineral_n_kg_m2_yr"):
        application(state, True, 0.0, np.array([1e-2, np.nan]), 0.0, DAY)
    with pytest.raises(ValueError, match="development_fraction"):
        application(state, True, -0.1, 1e-2, 0.0, DAY)


# ---------------------------------------------------------------- forms


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1),
       nitrate=st.floats(0.0, 1.0), nh4_manure=st.floats(0.0, 1.0),
       cn=st.floats(5.0, 40.0), lignin=st.floats(0.0, 0.5))
def test_split_matches_the_parameters(seed, nitrate, nh4_manure, cn, lignin):
    rng = np.random.default_rng(seed)
    p = FertiliserParameters(nitrate_fraction=nitrate, manure_nh4_fraction=nh4_manure, manure_cn=cn,
                             manure_lignin_fraction_c=lignin)
    mineral, manure = rng.uniform(0.0, 0.05, 20), rng.uniform(0.0, 0.02, 20)
    out = split_forms(mineral, manure, p)
    # exact up to rounding (the complements are written as the module forms them: x - f x, not (1 - f) x)
    tight = dict(rtol=1e-14, atol=1e-18)
    np.testing.assert_allclose(out.no3_n, nitrate * mineral, **tight)
    np.testing.assert_allclose(out.nh4_n, (mineral - nitrate * mineral) + nh4_manure * manure, **tight)
    np.testing.assert_allclose(out.nh4_n + out.no3_n + out.manure_met_n + out.manure_str_n, mineral + manure, **tight)
    np.testing.assert_allclose(out.manure_c, cn * manure, **tight)
    fm = p.manure_metabolic_fraction
    assert 0.0 <= fm <= 1.0 - lignin
    np.testing.assert_allclose(out.manure_met_c, fm * cn * manure, **tight)
    organic = manure - nh4_manure * manure
    np.testing.assert_allclose(out.manure_str_n, np.minimum((1 - fm) * cn * manure / 150.0, organic), **tight)
    for part in out:
        assert np.all(part >= 0.0)


def test_default_manure_split():
    p = FertiliserParameters()
    # Parton et al. (1987) at lignin 20.8 % of C and C:N 14.5: L/N = 0.208 x 14.5 / 0.64 = 4.71
    assert p.manure_metabolic_fraction == pytest.approx(0.85 - 0.018 * 0.208 * 14.5 / 0.64, rel=1e-12)
    out = split_forms(np.array([0.0]), np.array([1.0]), p)
    assert out.nh4_n[0] == 0.0 and out.no3_n[0] == 0.0          # default manure N is all organic
    assert out.manure_c[0] == pytest.approx(14.5)
    assert out.manure_str_c[0] / out.manure_str_n[0] == pytest.approx(150.0)


def test_application_forms_follow_the_parameters():
    p = FertiliserParameters(application_days=2.0)
    state = FertiliserState.zeros(3)
    rate = np.array([1e-2, 0.0, 5e-3])
    out = application(state, True, 0.0, rate, manure_rates(rate, p), DAY, p)
    ref = split_forms(out.mineral_n, out.manure_n, p)
    for a, b in zip(out, ref):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(out.no3_n, 0.13 * 0.2 * 0.5 * rate, rtol=1e-14)


# ---------------------------------------------------------------- rate maps


def write_map(path, lat=(-45.0, 45.0), lon=(-90.0, 0.0, 90.0, 180.0), values=None, units="kg N ha-1 yr-1",
              skip=(), fill=None):
    nlat, nlon = len(lat), len(lon)
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("lat", nlat)
        nc.createDimension("lon", nlon)
        if "lat" not in skip:
            nc.createVariable("lat", "f8", ("lat",))[:] = lat
        nc.createVariable("lon", "f8", ("lon",))[:] = lon
        for k, crop in enumerate(CROP_TYPES):
            if crop in skip:
                continue
            v = nc.createVariable(crop, "f8", ("lat", "lon"), fill_value=fill)
            if units is not None:
                v.units = units
            data = (np.arange(nlat * nlon, dtype=float).reshape(nlat, nlon) + 100.0 * k) if values is None \
                else values[k]
            v[:] = data
    return path


def test_read_rate_map_and_sample_tiles(tmp_path):
    path = write_map(tmp_path / "rates.nc", lat=(45.0, -45.0))     # north to south, lon -180..180
    m = read_rate_map(path)
    np.testing.assert_array_equal(m.lat, [-45.0, 45.0])
    np.testing.assert_array_equal(m.lon, [0.0, 90.0, 180.0, 270.0])
    # file row 0 is 45 N: c3 values 0..3 at lon -90, 0, 90, 180 -> 270, 0, 90, 180 E
    assert m.rate_kg_m2_yr[0, 1, 3] == pytest.approx(0.0 * 1e-4)
    assert m.rate_kg_m2_yr[0, 1, 0] == pytest.approx(1.0e-4)
    pft = np.array([C3, C4, LEG, 0, C3])
    lat = np.array([40.0, -50.0, 10.0, 40.0, 44.0])
    lon = np.array([-95.0, 359.0, 80.0, 0.0, 200.0])
    rates = m.tile_rates(lat, lon, pft)
    # c3 at (45N, 270E) = 0; c4 at (45S, 0E, across the date line from 359E) = 100 + 5; legume at (45N, 90E)
    # = 200 + 2; bare ground 0; c3 at (45N, 180E) = 3
    np.testing.assert_allclose(rates, np.array([0.0, 105.0, 202.0, 0.0, 3.0]) * 1e-4, rtol=1e-15)


def test_map_units_are_converted_and_fill_values_fall_back(tmp_path):
    values = np.full((3, 2, 4), 10.0)
    values[1, 0, 0] = -9999.0
    path = write_map(tmp_path / "g.nc", values=values, units="g N m-2 yr-1", fill=-9999.0)
    m = read_rate_map(path)
    assert np.isnan(m.rate_kg_m2_yr[1, 0, 3])        # c4 at 45 S, -90 E = 270 E, the last sorted longitude
    assert np.isnan(m.rate_kg_m2_yr).sum() == 1
    pft = np.array([C4, C4])
    rates = m.tile_rates(np.array([-45.0, 45.0]), np.array([-90.0, -90.0]), pft, fallback_kg_m2_yr=7e-3)
    np.testing.assert_allclose(rates, [7e-3, 10e-3], rtol=1e-15)


@pytest.mark.parametrize("case, message", [
    ("missing_file", "fertiliser rate map not found"),
    ("missing_variable", "variable 'legume_crop' (mineral N rate of legume_crop) is missing"),
    ("missing_lat", "coordinate variable 'lat' is missing"),
    ("wrong_units", "units 'kg N m-2 s-1'; expected one of"),
    ("no_units", "no units attribute"),
    ("negative", "1 negative values"),
    ("nan", "1 NaN or infinite values"),
])
def test_map_errors_name_the_file_and_the_problem(tmp_path, case, message):
    path = tmp_path / f"{case}.nc"
    values = np.ones((3, 2, 4))
    if case == "missing_variable":
        write_map(path, skip=("legume_crop",))
    elif case == "missing_lat":
        write_map(path, skip=("lat",))
    elif case == "wrong_units":
        write_map(path, units="kg N m-2 s-1")
    elif case == "no_units":
        write_map(path, units=None)
    elif case in ("negative", "nan"):
        values[2, 1, 3] = -5.0 if case == "negative" else np.nan
        write_map(path, values=values)
    with pytest.raises(RateMapError) as err:
        read_rate_map(path)
    text = str(err.value)
    assert text.startswith(str(path)), text
    assert message in text, text
    assert isinstance(err.value, ValueError) and isinstance(err.value, InputDataError)


def test_map_with_a_wrong_shape_is_refused(tmp_path):
    path = tmp_path / "shape.nc"
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("lat", 2)
        nc.createDimension("lon", 3)
        nc.createVariable("lat", "f8", ("lat",))[:] = [0.0, 1.0]
        nc.createVariable("lon", "f8", ("lon",))[:] = [0.0, 1.0, 2.0]
        for crop in CROP_TYPES:
            v = nc.createVariable(crop, "f8", ("lon", "lat"))
            v.units = "kg N ha-1 yr-1"
    with pytest.raises(RateMapError, match=r"shape \(3, 2\), expected"):
        read_rate_map(path)
