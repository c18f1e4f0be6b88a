"""Stochastic weather generator: climate reproduction, reproducibility, restarts, physics bounds."""

import datetime as dt

import cftime
import numpy as np
import pytest

from atmos_stub.climatology import SECONDS_PER_CLIMATOLOGY_YEAR, load_climatology
from coupler.insolation import toa_insolation_mean
from atmos_stub.weather import (
    FIELD_NAMES,
    WeatherGenerator,
    WeatherParameters,
    saturation_vapour_pressure_Pa,
    standard_pressure_Pa,
)
from coupler.grid import LatLonGrid

GRID = LatLonGrid.regular(2.0)
REF = cftime.datetime(2001, 1, 1, calendar="noleap")
SEED = 20240611

# 2 degree cells: (name, flat index) with MAT (degC) / MAP (mm/yr) of the packaged climatology.
NAMED = {
    "tropical wet (Amazon)": 7888,     # 26.5 degC, 2471 mm
    "desert (Gobi)": 11932,            # 5.1 degC, 117 mm
    "desert (central Australia)": 5826,  # 21.4 degC, 256 mm
    "boreal (Yakutia)": 13745,         # -10.8 degC, 243 mm
    "mid-latitude (Germany)": 12424,   # 8.7 degC, 817 mm
}


@pytest.fixture(scope="module")
def clim():
    return load_climatology(GRID)


def lat_lon(cells, grid=GRID):
    cells = np.asarray(cells)
    return grid.lat[cells // grid.nlon], grid.lon[cells % grid.nlon]


def generator(clim, cells, seed=SEED, calendar="noleap", grid=GRID, **kw):
    lat, lon = lat_lon(cells, grid)
    return WeatherGenerator(lat, lon, cells, clim.mat_K[cells], clim.map_kg_m2_s[cells],
                            clim.data_fraction[cells], seed, calendar=calendar, **kw)


def run(gen, nsteps, dt_s, start=0, ref=REF, dT=0.0):
    """Consecutive intervals from step ``start``; returns dict of (nsteps, n) arrays."""
    out = {k: [] for k in FIELD_NAMES}
    for s in range(start, start + nsteps):
        f = gen.fields(s * dt_s, dt_s, ref + dt.timedelta(seconds=s * dt_s), dT)
        for k in FIELD_NAMES:
            out[k].append(f[k])
    return {k: np.array(v) for k, v in out.items()}


@pytest.fixture(scope="module")
def fourteen_years(clim):
    """14 noleap years of daily means at every 5th well-observed land cell plus the named cells.

    Daily calls (dt = 86400 s) are the hourly generator run with one interval
    per day: test_daily_call_equals_mean_of_hourly_calls proves that tas and pr
    are then the means of the 24 hourly values, to rounding.
    """
    land = np.flatnonzero(clim.data_fraction > 0.5)[::5]
    cells = np.union1d(land, list(NAMED.values()))
    gen = generator(clim, cells)
    ndays = 14 * 365
    tas = np.zeros(cells.size)
    pr = np.zeros(cells.size)
    wet = np.zeros((ndays, cells.size), dtype=bool)
    for d in range(ndays):
        f = gen.fields(d * 86400, 86400, REF + dt.timedelta(days=d))
        tas += f["tas"]
        pr += f["pr"]
        wet[d] = f["pr"] > 0
    return cells, tas / ndays, pr / ndays, wet, gen


def test_mat_and_map_are_reproduced(clim, fourteen_years):
    cells, tas, pr, _, _ = fourteen_years
    dmat = tas - clim.mat_K[cells]
    rmap = pr / clim.map_kg_m2_s[cells] - 1.0
    map_mm = clim.map_kg_m2_s[cells] * SECONDS_PER_CLIMATOLOGY_YEAR
    # Expected sampling errors of a 14-year mean (5110 days):
    # - MAT: the seasonal and diurnal cycles average to zero exactly, so only the
    #   AR(1) anomaly (sd s = 1-4 K, lag-one correlation 0.7) is left:
    #   s sqrt((1 + 0.7) / (1 - 0.7) / 5110) = 0.03-0.13 K, so 0.5 K is > 3.7 sd.
    # - MAP: with the 90-day anchoring the error is the final cumulative departure
    #   B / (5110 MAP_day): measured sd 0.25 % (MAP > 1000 mm), 0.4-0.6 % (150-1000 mm),
    #   1.1 % (50-150 mm) and 2.5 % (< 50 mm, where ~7 rain days a year make each event
    #   ~1 % of the 14-year total).  Without anchoring these are 2.6, 4-6, 9.5 and 16 %.
    for name, k in NAMED.items():
        i = np.searchsorted(cells, k)
        assert abs(dmat[i]) < 0.5, name
        assert abs(rmap[i]) < 0.05, name
    assert np.mean(np.abs(dmat) < 0.5) > 0.99
    assert abs(np.mean(dmat)) < 0.02
    assert abs(np.mean(rmap)) < 0.005
    assert np.mean(np.abs(rmap) < 0.05) > 0.97
    assert np.mean(np.abs(rmap[map_mm >= 50]) < 0.05) > 0.995
    assert np.mean(np.abs(rmap[map_mm < 50]) < 0.05) > 0.85


def test_dry_spells_persist(fourteen_years):
    """Markov persistence: dry spells are longer than for independent days of the same frequency."""
    _, _, _, wet, gen = fourteen_years
    freq = wet.mean(axis=0)
    ok = (freq > 0.05) & (freq < 0.6)
    dry_days = (~wet).sum(axis=0)
    spell_starts = (~wet[0]).astype(int) + np.sum(~wet[1:] & wet[:-1], axis=0)
    mean_dry_spell = dry_days[ok] / spell_starts[ok]
    independent = 1.0 / freq[ok]   # geometric run length of independent days
    # Theory: 1 / p01 = 1 / (pi (1 - r)) = 1.54 / pi for r = 0.35.
    ratio = mean_dry_spell / independent
    assert np.median(ratio) == pytest.approx(1.0 / (1.0 - gen.params.persistence), rel=0.05)
    assert np.mean(ratio > 1.2) > 0.95
    # Lag-one autocorrelation of occurrence is the persistence p11 - p01.
    w = wet[:, ok].astype(float)
    a, b = w[1:] - w[1:].mean(axis=0), w[:-1] - w[:-1].mean(axis=0)
    r1 = (a * b).mean(axis=0) / (a.std(axis=0) * b.std(axis=0))
    assert np.mean(r1) == pytest.approx(gen.params.persistence, abs=0.02)
    # Wet-day frequency follows MAP as designed.
    assert np.mean(np.abs(freq - gen.wet_frequency) < 0.05) > 0.95


def test_daily_call_equals_mean_of_hourly_calls(clim):
    cells = np.array(list(NAMED.values()) + [100, 9000, 15000])
    hourly = run(generator(clim, cells), 24 * 10, 3600)
    daily = run(generator(clim, cells), 10, 86400)
    for k in ("tas", "pr", "rsds", "ps", "sfcWind"):
        h = hourly[k].reshape(10, 24, -1).mean(axis=1)
        np.testing.assert_allclose(h, daily[k], rtol=1e-12, atol=1e-12 * np.abs(daily[k]).max(), err_msg=k)
    assert np.any(daily["pr"] > 0) and np.any(daily["pr"] == 0)


def test_decomposition_independence(clim):
    cells = np.flatnonzero(clim.data_fraction > 0)[::37]
    whole = run(generator(clim, cells), 60, 3600)
    # Two blocks in the opposite order, the second one also shuffled.
    half = cells.size // 2
    m = cells.size - half
    perm = (np.arange(m) * 7) % m if m % 7 else np.arange(m)[::-1]   # a fixed shuffle
    assert np.unique(perm).size == m
    second = cells[half:][perm]
    b2 = run(generator(clim, second), 60, 3600)
    b1 = run(generator(clim, cells[:half]), 60, 3600)
    for k in FIELD_NAMES:
        assert np.array_equal(b1[k], whole[k][:, :half]), k
        assert np.array_equal(b2[k], whole[k][:, half:][:, perm]), k


@pytest.mark.parametrize("stop", [30, 48])  # mid-day and at a day boundary
def test_restart_is_bit_for_bit(clim, stop):
    cells = np.flatnonzero(clim.data_fraction > 0)[::53]
    dT = np.linspace(0.0, 2.0, cells.size)
    straight = run(generator(clim, cells), 100, 3600, dT=dT)
    first = generator(clim, cells)
    run(first, stop, 3600, dT=dT)
    state = {k: np.array(v) for k, v in first.get_state().items()}
    second = generator(clim, cells)
    second.set_state(state)
    rest = run(second, 100 - stop, 3600, start=stop, dT=dT)
    for k in FIELD_NAMES:
        assert np.array_equal(rest[k], straight[k][stop:]), k


def test_only_consecutive_intervals(clim):
    gen = generator(clim, [7888])
    gen.fields(0, 3600, REF)
    with pytest.raises(ValueError, match="consecutive"):
        gen.fields(7200, 3600, REF + dt.timedelta(seconds=7200))
    with pytest.raises(ValueError, match="within one day"):
        gen.fields(3600, 86400, REF + dt.timedelta(seconds=3600))


@pytest.mark.parametrize("calendar,year,ndays", [("noleap", 2001, 365), ("proleptic_gregorian", 2004, 366)])
def test_cycles_average_to_zero_over_a_year(clim, calendar, year, ndays):
    """Without the random anomaly the annual mean of tas is MAT + dT exactly (seasonal and diurnal cycles cancel)."""
    cells = np.array(list(NAMED.values()) + [5, 16000])
    params = WeatherParameters(anomaly_sd_land_K=(0.0, 0.0), anomaly_sd_ocean_K=(0.0, 0.0))
    gen = generator(clim, cells, calendar=calendar, params=params)
    ref = cftime.datetime(year, 1, 1, calendar=calendar)
    tas = run(gen, ndays, 86400, ref=ref, dT=1.5)["tas"]
    np.testing.assert_allclose(tas.mean(axis=0), clim.mat_K[cells] + 1.5, rtol=0, atol=1e-9)
    # Seasons: the northern mid-latitude land cell is colder in January than in July,
    # by about the Conrad range (K = 40 at 49 N: (40 + 14) sin(59 deg) / 1.7 = 27 K of
    # monthly means); the southern one the other way round.
    germany, australia = list(cells).index(12424), list(cells).index(5826)
    jan, jul = tas[:31].mean(axis=0), tas[181:212].mean(axis=0)
    assert jul[germany] - jan[germany] == pytest.approx(27.2, abs=2.0)
    assert jan[australia] > jul[australia] + 10


def test_diurnal_cycle_peaks_in_the_afternoon(clim):
    k = NAMED["desert (central Australia)"]
    gen = generator(clim, [k], params=WeatherParameters(anomaly_sd_land_K=(0.0, 0.0)))
    tas = run(gen, 24 * 20, 3600)["tas"].reshape(20, 24)
    _, lon = lat_lon([k])
    # Hour of the maximum (UTC) should be near 14:00 local mean solar time.
    local_peak = (np.argmax(tas, axis=1) + 0.5 + lon[0] / 15.0) % 24
    assert np.all(np.abs(local_peak - 14.0) <= 1.0)
    assert np.all(tas.max(axis=1) - tas.min(axis=1) > 4.0)


def test_fields_are_finite_and_physically_bounded(clim):
    grid = LatLonGrid.regular(6.0)
    c = load_climatology(grid)
    cells = np.arange(grid.ncells)
    lat, lon = lat_lon(cells, grid)
    for month in (1, 7):
        gen = WeatherGenerator(lat, lon, cells, c.mat_K, c.map_kg_m2_s, c.data_fraction, SEED)
        ref = cftime.datetime(2001, month, 1, calendar="noleap")
        f = run(gen, 72, 3600, ref=ref)
        for k in FIELD_NAMES:
            assert np.all(np.isfinite(f[k])), k
        assert np.all((f["tas"] > 180) & (f["tas"] < 335))
        assert np.all(f["pr"] >= 0) and f["pr"].max() < 0.05
        assert np.all(f["rsds"] >= 0)
        assert np.all((f["rlds"] > 50) & (f["rlds"] < 600))
        assert np.all((f["huss"] > 0) & (f["huss"] < 0.04))
        assert np.all(f["ps"] == 101325.0)
        assert np.all(f["sfcWind"] >= 0) and f["sfcWind"].max() < 40
        # Vapour pressure never exceeds saturation at the air temperature.
        e = f["huss"] * f["ps"] / (0.622 + 0.378 * f["huss"])
        assert np.all(e <= saturation_vapour_pressure_Pa(f["tas"]) * (1 + 1e-12))
        # Surface sunshine never exceeds what arrives at the top of the atmosphere;
        # on a clear day the atmosphere passes 0.75 of it (Angstrom-Prescott a + b).
        for s in range(0, 72, 7):
            t0 = (s % 24) * 3600.0
            toa = toa_insolation_mean(lat, lon, 1 + (ref.dayofyr - 1) + s // 24, t0, t0 + 3600.0)
            assert np.all(f["rsds"][s] <= 0.75 * toa + 1e-9)


def test_daily_rsds_below_toa(clim):
    cells = np.flatnonzero(clim.data_fraction > 0)[::41]
    gen = generator(clim, cells)
    for d in range(40):
        f = gen.fields(d * 86400, 86400, REF + dt.timedelta(days=d * 1))
        assert np.all(f["rsds"] <= gen.toa_daily_mean_W_m2 + 1e-9)
        assert np.all(f["rsds"] >= 0.25 * gen.toa_daily_mean_W_m2 - 1e-9)


def test_global_annual_means_match_observed_budgets():
    """One year of daily means over the globe against observed global means.

    Wild et al. (2013, Clim. Dyn. 40, 3107): surface downward shortwave 185 and
    longwave 342 W m-2; GPCP V2.3 precipitation 2.7 mm/day (Adler et al. 2018);
    surface air temperature ~288 K.  The generator is not tuned to be exact:
    10 % (shortwave), 5 % (longwave), 15 % (precipitation) and 3 K are the bounds.
    """
    grid = LatLonGrid.regular(4.0)
    c = load_climatology(grid)
    cells = np.arange(grid.ncells)
    lat, lon = lat_lon(cells, grid)
    gen = WeatherGenerator(lat, lon, cells, c.mat_K, c.map_kg_m2_s, c.data_fraction, SEED)
    mean = run(gen, 365, 86400)
    w = grid.area_flat / grid.area_flat.sum()
    g = {k: float(np.sum(w * v.mean(axis=0))) for k, v in mean.items()}
    assert g["rsds"] == pytest.approx(185.0, rel=0.10)
    assert g["rlds"] == pytest.approx(342.0, rel=0.05)
    assert g["pr"] * 86400 == pytest.approx(2.7, rel=0.15)
    assert g["tas"] == pytest.approx(288.0, abs=3.0)


def test_warming_shifts_temperature_and_humidity(clim):
    cells = np.array(list(NAMED.values()))
    base = run(generator(clim, cells), 48, 3600)
    warm = run(generator(clim, cells), 48, 3600, dT=2.0)
    np.testing.assert_allclose(warm["tas"] - base["tas"], 2.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(warm["pr"], base["pr"])
    # Clausius-Clapeyron: ~6-7 % per K near the surface (Held & Soden 2006) -> 12-16 % for 2 K,
    # more in the cold (ice) range.
    ratio = warm["huss"] / base["huss"]
    assert np.all((ratio > 1.10) & (ratio < 1.25))
    assert np.all(warm["rlds"] > base["rlds"])


def test_state_round_trip_and_elevation(clim):
    cells = np.array([7888, 11932])
    gen = generator(clim, cells, elevation_m=np.array([0.0, 1500.0]))
    f = gen.fields(0, 3600, REF)
    assert f["ps"][0] == 101325.0
    # US Standard Atmosphere: 84.6 kPa at 1500 m.
    assert f["ps"][1] == pytest.approx(84556.0, rel=1e-3)
    assert standard_pressure_Pa(1500.0) == pytest.approx(f["ps"][1])
    state = gen.get_state()
    assert set(state) >= {"weather_wet", "weather_tas_anomaly_K", "weather_pr_departure_kg_m2"}
    assert all(v.shape == (2,) for v in state.values())
    with pytest.raises(ValueError):
        gen.set_state({k: v[:1] for k, v in state.items()})
