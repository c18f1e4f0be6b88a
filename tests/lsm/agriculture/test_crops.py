"""Crop phenology: growing degree days, sowing, maturity, phases, allocation, state."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm.agriculture.crops import (
    CROP_TYPES,
    CROPS,
    STATE_VARIABLES,
    CropParameters,
    CropState,
    allocation,
    crop_index_from_pft,
    gdd_increment,
    gdd_to_maturity,
    grain_fill_fraction,
    phase,
    sowing_ready,
    step,
    update_gdd_climatology,
    window_gdd,
)
from lsm.pfts import NPFT, pft_index

DAY = 86400.0
TF = 273.15
WHEAT, MAIZE, SOY, NONE = 0.0, 1.0, 2.0, -1.0
APR1, JUN15, MAY1, OCT1, NOV1, DEC15 = 91, 166, 121, 274, 305, 349


def run_year(state, t_air_k, lat, dt_s, days, t10_k=None, start_day=1):
    """Step ``state`` through ``days`` days at constant temperatures; return the events of every step."""
    steps_per_day = int(round(DAY / dt_s))
    t10 = t_air_k if t10_k is None else t10_k
    out = []
    for d in range(days):
        doy = (start_day - 1 + d) % 365 + 1
        for _ in range(steps_per_day):
            out.append((doy, step(state, t_air_k, t10, doy, lat, dt_s)))
    return out


# ---------------------------------------------------------------- growing degree days


def test_gdd_increment_hand_computed_with_base_and_cap():
    ci = np.array([WHEAT, WHEAT, WHEAT, MAIZE, MAIZE, MAIZE, SOY, NONE])
    t_c = np.array([15.0, 30.0, -5.0, 20.0, 40.0, 5.0, 25.0, 25.0])
    got = gdd_increment(t_c + TF, DAY, ci)
    # wheat base 0 cap 26; maize base 8 cap 30 (40 - 8 = 32 -> 30); soybean base 10; no crop -> 0
    np.testing.assert_allclose(got, [15.0, 26.0, 0.0, 12.0, 30.0, 0.0, 15.0, 0.0], rtol=0, atol=1e-12)
    # a quarter day at 15 degC for wheat, half a day at 25 degC for soybean
    assert gdd_increment(np.array([15.0 + TF]), DAY / 4, np.array([WHEAT]))[0] == pytest.approx(3.75, rel=1e-13)
    assert gdd_increment(np.array([25.0 + TF]), DAY / 2, np.array([SOY]))[0] == pytest.approx(7.5, rel=1e-13)


def test_gdd_of_a_day_in_six_hour_steps():
    # maize, steps at 10, 20, 30, 45 degC: (2 + 12 + 22 + min(37, 30)) / 4 = 16.5 K d
    total = sum(float(gdd_increment(np.array([t + TF]), DAY / 4, np.array([MAIZE]))[0]) for t in (10, 20, 30, 45))
    assert total == pytest.approx(16.5, rel=1e-14)


# ---------------------------------------------------------------- sowing


@pytest.mark.parametrize("lat, start, end", [(45.0, APR1, JUN15), (-30.0, OCT1, DEC15)])
def test_sowing_window_of_maize_in_each_hemisphere(lat, start, end):
    days = np.arange(1, 366)
    n = days.size
    ci, latitude, sown = np.full(n, MAIZE), np.full(n, lat), np.zeros(n, bool)
    warm = sowing_ready(days, latitude, np.full(n, TF + 20.0), sown, ci, annual_gdd=np.full(n, 2000.0))
    assert np.array_equal(days[warm], np.arange(start, end + 1))
    # cold (10-day mean 10 degC, not above maize's 10 degC): only the forced sowing on the window's last day
    cold = sowing_ready(days, latitude, np.full(n, TF + 10.0), sown, ci, annual_gdd=np.full(n, 2000.0))
    assert np.array_equal(days[cold], [end])
    # forced sowing needs some climatological warmth; nothing is sown twice
    assert not sowing_ready(end, lat, TF + 10.0, False, MAIZE, annual_gdd=0.0)
    assert not sowing_ready(days, latitude, np.full(n, TF + 20.0), np.ones(n, bool), ci).any()


def test_sowing_criteria_of_each_crop():
    ci = np.array([WHEAT, MAIZE, SOY])
    lat = np.full(3, 40.0)
    # 10-day means of 8, 11 and 14 degC pass wheat (7), maize (10) and soybean (13)
    assert sowing_ready(MAY1 + 5, lat, TF + np.array([8.0, 11.0, 14.0]), np.zeros(3), ci).all()
    assert not sowing_ready(MAY1 + 5, lat, TF + np.array([6.5, 9.5, 12.5]), np.zeros(3), ci).any()
    # the daily-minimum criterion (wheat -1, maize and soybean 6 degC) and the climatological GDD (50 K d)
    assert not sowing_ready(MAY1 + 5, lat, TF + 20.0, np.zeros(3), ci, t10_min_k=np.full(3, TF - 2.0)).any()
    assert sowing_ready(MAY1 + 5, lat, TF + 20.0, np.zeros(3), ci, t10_min_k=np.full(3, TF + 7.0)).all()
    assert not sowing_ready(MAY1 + 5, lat, TF + 20.0, np.zeros(3), ci, annual_gdd=np.full(3, 40.0)).any()
    # soybean's window opens on 1 May; tiles without a crop are never sown
    assert list(sowing_ready(MAY1 - 1, lat, TF + 20.0, np.zeros(3), ci)) == [True, True, False]
    assert not sowing_ready(MAY1 + 5, 40.0, TF + 20.0, False, NONE)


def test_step_forces_sowing_on_the_last_day_and_sows_once_a_year():
    # wheat at 30 degC matures in 1700 / 26 = 66 days, inside its sowing window: it must not be resown
    state = CropState.zeros(2, np.array([WHEAT, MAIZE]))
    state.gdd_climatology[:] = [3000.0, 366.0]
    state.gdd_years[:] = 1.0
    events = run_year(state, np.array([TF + 30.0, TF + 10.0]), np.array([50.0, 50.0]), DAY, 365)
    sow_days = [[doy for doy, ev in events if ev.sown[k]] for k in range(2)]
    harvest_days = [[doy for doy, ev in events if ev.harvest[k]] for k in range(2)]
    assert sow_days[0] == [APR1] and harvest_days[0] == [APR1 + 65]
    # maize at 10 degC is never warm enough: forced on 15 June
    assert sow_days[1] == [JUN15]
    assert [bool(ev.forced[1]) for doy, ev in events if doy == JUN15] == [True]


# ---------------------------------------------------------------- maturity


def test_gdd_to_maturity_rules():
    ci = np.array([MAIZE, MAIZE, MAIZE, MAIZE, WHEAT, WHEAT, SOY, SOY, NONE])
    g = np.array([2000.0, 1500.0, 1000.0, 100.0, 3000.0, 800.0, 2500.0, 1200.0, 3000.0])
    # maize clip(0.85 G, 950, 1700) + 150; wheat min(G, 1700); soybean min(G, 1900)
    np.testing.assert_allclose(gdd_to_maturity(g, ci),
                               [1850.0, 1425.0, 1100.0, 1100.0, 1700.0, 800.0, 1900.0, 1200.0, 0.0], rtol=1e-15)
    # forced sowing: no 150 K d offset for maize
    np.testing.assert_allclose(gdd_to_maturity(g[:4], ci[:4], forced=True), [1700.0, 1275.0, 950.0, 950.0],
                               rtol=1e-15)


def test_phase_thresholds_against_clm5_reference_values():
    # CLM5 reference run (US Great Plains, clm5_params.nc): gddmaturity -> huigrain of temperate corn,
    # spring wheat and soybean, with huileaf = lfemerg x gddmaturity.
    gddmat = np.array([1477.2873853187507, 1700.0, 1259.2610846357402])
    ci = np.array([MAIZE, WHEAT, SOY])
    huigrain = grain_fill_fraction(gddmat, ci) * gddmat
    np.testing.assert_allclose(huigrain, [850.0767538833009, 1020.0, 629.6305423178701], rtol=1e-12)
    emergence = np.array([CROPS[int(i)].emergence_fraction for i in ci]) * gddmat
    np.testing.assert_allclose(emergence, [44.318621559562516, 85.0, 37.77783253907221], rtol=1e-12)


def test_phase_sequence():
    g = np.array([0.0, 29.9, 30.0, 599.0, 600.0, 999.0, 1000.0, 10.0, 500.0])
    days = np.array([0.0, 5.0, 5.0, 50.0, 60.0, 100.0, 110.0, 150.0, 20.0])
    sown = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0])
    got = phase(g, 1000.0, days, 150.0, sown=sown, emergence_fraction=0.03, grain_fill_fraction=0.6)
    assert got.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 0]


@pytest.mark.parametrize("dt_s", [DAY, DAY / 4])
def test_maize_season_at_constant_20c_lasts_gdd_maturity_over_12_days(dt_s):
    # A synthetic year at 20 degC gives the climatology: 183 days x 12 K d = 2196 K d above 8 degC.
    t = np.full((365, 1), TF + 20.0)
    lat = np.array([40.0])
    clim = window_gdd(t, lat, np.array([MAIZE]))
    assert clim[0] == pytest.approx(183 * 12.0, rel=1e-14)
    state = CropState.zeros(1, MAIZE)
    state.gdd_climatology, state.gdd_years = clim, np.ones(1)
    events = run_year(state, t[0], lat, dt_s, 365)
    sown = [doy for doy, ev in events if ev.sown[0]]
    harvested = [(doy, ev) for doy, ev in events if ev.harvest[0]]
    assert sown == [APR1] and len(harvested) == 1
    gdd_mat = state.gdd_maturity[0]
    assert gdd_mat == pytest.approx(1850.0)  # 0.85 x 2196 = 1867 -> 1700, + 150
    season = state.days_since_sowing[0]
    assert abs(season - gdd_mat / 12.0) <= dt_s / DAY
    assert state.gdd_since_sowing[0] >= gdd_mat and season < CROPS[1].max_season_days
    assert state.sown[0] == 0.0


def test_cold_climate_maize_is_harvested_at_the_maximum_season_length():
    # At 10 degC maize accumulates 2 K d a day: forced sowing on 15 June, gdd_maturity 950 K d is out of reach.
    t = np.full((365, 1), TF + 10.0)
    lat = np.array([60.0])
    state = CropState.zeros(1, MAIZE)
    state.gdd_climatology, state.gdd_years = window_gdd(t, lat, np.array([MAIZE])), np.ones(1)
    events = run_year(state, t[0], lat, DAY, 365)
    (sow_day,) = [doy for doy, ev in events if ev.sown[0]]
    (harvest,) = [(doy, ev) for doy, ev in events if ev.harvest[0]]
    assert sow_day == JUN15 and state.gdd_maturity[0] == pytest.approx(950.0)
    assert harvest[0] == JUN15 + 164 and state.days_since_sowing[0] == pytest.approx(165.0)
    assert state.gdd_since_sowing[0] == pytest.approx(330.0)
    assert harvest[1].phase[0] == 4


def test_climatology_from_the_model_matches_window_gdd():
    # Two years of a seasonal cycle, daily steps: after the first complete window the running mean equals the
    # window's GDD; the southern tile counts October to March.
    doy = np.arange(1, 366)
    lat = np.array([45.0, -35.0, 45.0])
    ci = np.array([MAIZE, SOY, NONE])
    t = TF + 12.0 - 14.0 * np.cos(2.0 * np.pi * (doy[:, None] - 15.0) / 365.0) * np.sign(lat)[None, :]
    state = CropState.zeros(3, ci)
    for year in range(2):
        for d in doy:
            update_gdd_climatology(state, gdd_increment(t[d - 1], DAY, ci), d, lat)
    expected = window_gdd(t, lat, ci)
    assert expected[0] > 1000.0 and expected[1] > 500.0 and expected[2] == 0.0
    # north: windows of years 1 and 2 complete; south: the window starting 1 October of year 1 has closed
    assert state.gdd_years.tolist() == [2.0, 1.0, 0.0]
    np.testing.assert_allclose(state.gdd_climatology, expected, rtol=1e-12)


# ---------------------------------------------------------------- allocation


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.floats(0.0, 1.5), st.integers(-1, 2)), min_size=1, max_size=50))
def test_allocation_sums_to_exactly_one(rows):
    ph, f, ci = (np.array(x) for x in zip(*rows))
    a = allocation(ph, f, ci.astype(float))
    assert np.all(a.leaf + a.froot + a.grain == 1.0)
    for x in a:
        assert np.all((x >= 0.0) & (x <= 1.0))
    assert np.all(a.grain[ph != 3] == 0.0)


def test_allocation_follows_clm5_and_gives_grain_only_in_grain_fill():
    rng = np.random.default_rng(7)
    n = 2000
    ci = rng.integers(0, 3, n).astype(float)
    f = rng.uniform(0.0, 1.0, n)
    gf = grain_fill_fraction(np.full(n, 1500.0), ci)
    ph = phase(f, 1.0, 0.0, 200.0, sown=np.ones(n), emergence_fraction=0.04, grain_fill_fraction=gf)
    a = allocation(ph, f, ci, gf)
    assert np.all(a.grain[ph < 3] == 0.0) and np.all(a.grain[ph == 3] > 0.0)
    assert np.all(a.leaf + a.froot + a.grain == 1.0)
    # fine roots: arooti - (arooti - arootf) f in phases 2 and 3
    p = {k: np.array([getattr(c, k) for c in CROPS])[ci.astype(int)] for k in
         ("froot_alloc_initial", "froot_alloc_final", "stem_alloc_final", "leaf_alloc_initial")}
    growing = ph >= 2
    expected_root = p["froot_alloc_initial"] - (p["froot_alloc_initial"] - p["froot_alloc_final"]) * f
    np.testing.assert_allclose(a.froot[growing], expected_root[growing], rtol=1e-14)
    # grain fill: the shoot keeps only the final stem share (maize 0, wheat 0.05, soybean 0.3)
    filling = ph == 3
    np.testing.assert_allclose(a.leaf[filling], p["stem_alloc_final"][filling], rtol=0, atol=0)
    # at emergence CLM5 puts fleafi of the shoot into leaves, none at the onset of grain fill
    a0 = allocation(np.full(3, 2), np.zeros(3), np.array([WHEAT, MAIZE, SOY]))
    np.testing.assert_allclose(1.0 - a0.stem_share, [0.9, 0.8, 0.85], rtol=1e-14)
    a1 = allocation(np.full(3, 2), np.array([0.6, 0.65, 0.5]) - 1e-12, np.array([WHEAT, MAIZE, SOY]))
    np.testing.assert_allclose(a1.stem_share, 1.0, atol=1e-9)
    # outside the season everything (there is nothing) would go to leaves
    a2 = allocation(np.array([0, 1, 4, 2]), np.full(4, 0.5), np.array([MAIZE, MAIZE, MAIZE, NONE]))
    assert a2.leaf.tolist() == [1.0] * 4 and a2.grain.tolist() == [0.0] * 4


def test_idealised_season_harvest_index_near_target():
    # Growth uniform in GDD from emergence to maturity, no turnover: grain over aboveground growth.
    f = np.linspace(0.0, 1.0, 20001)
    his = []
    for i, crop in enumerate(CROPS):
        ci = np.full(f.size, float(i))
        gdd_mat = 1850.0 if crop.name == "c4_crop" else 1700.0
        gf = grain_fill_fraction(np.full(f.size, gdd_mat), ci)
        ph = phase(f, 1.0, 0.0, 365.0, sown=np.ones(f.size), emergence_fraction=crop.emergence_fraction,
                   grain_fill_fraction=gf)
        a = allocation(ph, f, ci, gf)
        growing = ph >= 2
        grain, shoot = a.grain[growing].sum(), a.leaf[growing].sum()
        his.append(grain / (grain + shoot))
        assert abs(his[-1] - crop.harvest_index) < 0.15
    # the values quoted in the module docstring
    np.testing.assert_allclose(his, [0.41, 0.52, 0.32], atol=0.01)


# ---------------------------------------------------------------- state


def test_state_variables_are_float64_and_restart_bit_for_bit():
    pft = np.array([pft_index(c) for c in CROP_TYPES] + [pft_index("c3_grass")])
    state = CropState.for_pft(pft, gdd_climatology=1500.0)
    assert state.crop_index.tolist() == [0.0, 1.0, 2.0, -1.0]
    assert [name for name, _, _ in STATE_VARIABLES] == list(state.as_dict())
    lat = np.array([40.0, 40.0, -20.0, 40.0])
    rng = np.random.default_rng(3)
    temps = TF + 15.0 + 10.0 * rng.standard_normal((400, 4))
    for d in range(200):
        step(state, temps[d], temps[d], d % 365 + 1, lat, DAY)
    restart = {k: v.copy() for k, v in state.as_dict().items()}
    assert all(v.dtype == np.float64 and v.shape == (4,) for v in restart.values())
    resumed = CropState(**restart)
    for d in range(200, 400):
        a = step(state, temps[d], temps[d], d % 365 + 1, lat, DAY)
        b = step(resumed, temps[d], temps[d], d % 365 + 1, lat, DAY)
        assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert all(np.array_equal(x, y) for x, y in zip(state.as_dict().values(), resumed.as_dict().values()))


def test_take_grain_empties_the_harvested_tiles():
    state = CropState.zeros(3, MAIZE)
    state.grain_c[:], state.grain_n[:] = [0.3, 0.4, 0.5], [0.01, 0.02, 0.03]
    c, n = state.take_grain(np.array([True, False, True]))
    assert c.tolist() == [0.3, 0.0, 0.5] and n.tolist() == [0.01, 0.0, 0.03]
    assert state.grain_c.tolist() == [0.0, 0.4, 0.0] and state.grain_n.tolist() == [0.0, 0.02, 0.0]


def test_crop_index_from_pft_and_parameter_checks():
    idx = crop_index_from_pft(np.arange(NPFT))
    assert [idx[pft_index(c)] for c in CROP_TYPES] == [0.0, 1.0, 2.0]
    assert np.sum(idx >= 0) == 3 and idx.dtype == np.float64
    # grain C:N from grain protein: wheat ~18, maize ~27, soybean ~6 (module sources)
    assert [round(c.grain_cn, 1) for c in CROPS] == [18.1, 26.8, 6.4]
    with pytest.raises(ValueError):
        CropParameters(**{**CROPS[0].__dict__, "grain_fill_fraction": 0.01})
    with pytest.raises(ValueError):
        CropParameters(**{**CROPS[1].__dict__, "sowing_end_north": 400})
    with pytest.raises(ValueError):
        step(CropState.zeros(1, MAIZE), TF, TF, 1, 0.0, 0.0)
