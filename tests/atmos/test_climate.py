"""Radiative forcing, the two-layer energy balance model and the warming pattern, against
published values and analytic solutions."""

import numpy as np
import pytest

from atmos_stub.climate import (ARCTIC_AMPLIFICATION, CO2_PI_PPM, F2X, LAND_OCEAN_WARMING_RATIO,
                                ONE_PCT_FORCING_RATE_W_M2_S, SECONDS_PER_YEAR, TwoLayerEBM, ch4_forcing,
                                co2_forcing, co2_forcing_etminan, ghg_forcing, n2o_forcing,
                                non_co2_ghg_forcing, warming_pattern)
from coupler.grid import LatLonGrid

# IPCC AR5 WG1 table 8.2 abundances, 1750 and 2011 (CO2 ppm, CH4 and N2O ppb).
C1750, M1750, N1750 = 278.0, 722.0, 270.0
C2011, M2011, N2011 = 390.5, 1803.0, 324.2

DAY_S = 86400.0


# --- forcing -----------------------------------------------------------------------------------

def test_co2_doubling_forcing():
    assert F2X == pytest.approx(5.35 * np.log(2.0), rel=1e-15)
    assert co2_forcing(2 * CO2_PI_PPM) == pytest.approx(3.71, abs=0.01)
    assert co2_forcing(560.0, 280.0) == pytest.approx(3.71, abs=0.01)
    assert co2_forcing(CO2_PI_PPM) == 0.0
    np.testing.assert_allclose(co2_forcing(CO2_PI_PPM * np.array([0.5, 1.0, 4.0])), [-F2X, 0.0, 2 * F2X])


def test_co2_1750_2011_matches_ar5():
    """AR5 table 8.2: CO2 RF 1750-2011 = 1.82 W m-2; Etminan et al. 2016: their fit is within 1 % of it."""
    assert co2_forcing(C2011, C1750) == pytest.approx(1.82, abs=0.005)
    assert co2_forcing_etminan(C2011, N2011, C1750, N1750) == pytest.approx(1.82, rel=0.01)


def test_ch4_1750_2011_matches_etminan():
    """Etminan et al. 2016 (abstract): CH4 RF 1750-2011 is 0.61 W m-2 (AR5: 0.48)."""
    assert ch4_forcing(M2011, N2011, M1750, N1750) == pytest.approx(0.61, abs=0.005)


def test_n2o_1750_2011_matches_ar5():
    """AR5 table 8.2: N2O RF 1750-2011 = 0.17 W m-2; the Etminan fit reproduces it."""
    assert n2o_forcing(N2011, C2011, M2011, N1750, C1750, M1750) == pytest.approx(0.17, abs=0.005)


def test_overlap_terms_have_the_published_sign():
    # More N2O shrinks the CH4 forcing (shared 7-8 um band); more CO2 shrinks the N2O forcing.
    assert ch4_forcing(1800.0, 400.0, 722.0, 400.0) < ch4_forcing(1800.0, 270.0, 722.0, 270.0)
    assert n2o_forcing(324.0, 1000.0, 722.0, 270.0, 1000.0, 722.0) < n2o_forcing(324.0, 278.0, 722.0, 270.0,
                                                                                278.0, 722.0)
    assert non_co2_ghg_forcing(N2011, M2011, C2011, N1750, M1750, C1750) == pytest.approx(
        ch4_forcing(M2011, N2011, M1750, N1750) + n2o_forcing(N2011, C2011, M2011, N1750, C1750, M1750), rel=1e-15)
    total = ghg_forcing(np.array([C2011]), M2011, N2011, C1750, M1750, N1750)
    assert total == pytest.approx(co2_forcing(C2011, C1750) + 0.607 + 0.172, abs=0.002)
    with pytest.raises(ValueError, match="c_ppm must be positive"):
        co2_forcing(0.0)


# --- two-layer model ---------------------------------------------------------------------------

def test_default_ecs_and_tcr():
    ebm = TwoLayerEBM()
    assert ebm.ecs_K == pytest.approx(3.0, abs=1e-12)
    assert 1.6 <= ebm.tcr_K() <= 2.0
    assert ebm.tcr_K() == pytest.approx(1.8, abs=0.05)
    m = ebm.normal_modes()
    assert m.a_fast + m.a_slow == pytest.approx(1.0, abs=1e-14)
    # Fast (mixed layer) and slow (deep ocean) time scales of a few years and a few centuries (G13a).
    assert 2.0 < m.tau_fast_s / SECONDS_PER_YEAR < 6.0
    assert 100.0 < m.tau_slow_s / SECONDS_PER_YEAR < 400.0


def test_long_run_reaches_equilibrium():
    ebm = TwoLayerEBM()
    for _ in range(600):                        # 6000 years in 10-year exact steps
        ebm.step(F2X, 10 * SECONDS_PER_YEAR)
    assert ebm.T == pytest.approx(F2X / ebm.lambda_W_m2_K, rel=1e-9)
    assert ebm.T == pytest.approx(ebm.equilibrium(F2X), rel=1e-9)
    assert ebm.T_D == pytest.approx(ebm.T, rel=1e-9)
    assert ebm.heat_uptake_W_m2(F2X) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("efficacy", [1.0, 1.3])
def test_exact_step_equals_analytic_step_response_at_any_step_length(efficacy):
    ebm = TwoLayerEBM(efficacy=efficacy)
    for years in (0.01, 1.0, 30.0, 500.0):
        ebm.set_state({"T": 0.0, "T_D": 0.0})
        dt = years * SECONDS_PER_YEAR
        ebm.step(4.0, dt)
        T, TD = ebm.step_response(4.0, dt)
        # The modal sum cancels terms of size F/lambda to give a small early T_D, so its own rounding
        # error is a few ulp of F/lambda: that, not the stepping, sets the absolute tolerance.
        ulps = 16 * np.finfo(float).eps * ebm.equilibrium(4.0)
        assert ebm.T == pytest.approx(T, rel=1e-12, abs=ulps)
        assert ebm.T_D == pytest.approx(TD, rel=1e-12, abs=ulps)
    # Splitting a step changes nothing when the forcing is constant.
    a, b = TwoLayerEBM(efficacy=efficacy), TwoLayerEBM(efficacy=efficacy)
    a.step(4.0, 100 * DAY_S)
    for _ in range(100):
        b.step(4.0, DAY_S)
    assert b.T == pytest.approx(a.T, rel=1e-12) and b.T_D == pytest.approx(a.T_D, rel=1e-12)


def test_exact_stepping_matches_analytic_ramp():
    """Daily steps with the ramp's mid-step forcing follow the G13a ramp solution to 1e-6 K."""
    ebm = TwoLayerEBM()
    n = round(70 * SECONDS_PER_YEAR / DAY_S)
    for i in range(n):
        ebm.step(ONE_PCT_FORCING_RATE_W_M2_S * (i + 0.5) * DAY_S, DAY_S)
    T, TD = ebm.ramp_response(ONE_PCT_FORCING_RATE_W_M2_S, n * DAY_S)
    assert abs(ebm.T - T) < 1e-6 and abs(ebm.T_D - TD) < 1e-6


def test_1pct_co2_with_actual_forcing_and_tcr():
    """1pctCO2 forced by 5.35 ln(C(t)/C0), C(t) = C0 1.01^t, stepped daily: TCR from the analytic solution."""
    ebm = TwoLayerEBM()
    n = round(70 * SECONDS_PER_YEAR / DAY_S)
    for i in range(n):
        t_mid_yr = (i + 0.5) * DAY_S / SECONDS_PER_YEAR
        ebm.step(co2_forcing(CO2_PI_PPM * 1.01**t_mid_yr), DAY_S)
    tcr = ebm.tcr_K()
    assert abs(ebm.T - tcr) < 0.1
    assert abs(ebm.T - tcr) < 1e-6          # the forcing is exactly linear in time
    assert 1.6 <= ebm.T <= 2.0
    # Annual steps with the start-of-year forcing lag by half a year of warming (~0.02 K), still well
    # inside 0.1 K: a coarse coupling interval is safe.
    coarse = TwoLayerEBM()
    for year in range(70):
        coarse.step(co2_forcing(CO2_PI_PPM * 1.01**year), SECONDS_PER_YEAR)
    assert 0.0 < tcr - coarse.T < 0.1


def test_ramp_solution_solves_the_equations():
    """Independent check of the normal-mode formulas: residual of both ODEs by finite differences."""
    ebm = TwoLayerEBM(efficacy=1.3)
    k = ONE_PCT_FORCING_RATE_W_M2_S
    t = np.array([1.0, 10.0, 70.0, 300.0]) * SECONDS_PER_YEAR
    h = 1e-3 * SECONDS_PER_YEAR
    T, TD = ebm.ramp_response(k, t)
    dT = (ebm.ramp_response(k, t + h)[0] - ebm.ramp_response(k, t - h)[0]) / (2 * h)
    dTD = (ebm.ramp_response(k, t + h)[1] - ebm.ramp_response(k, t - h)[1]) / (2 * h)
    C, CD, lam, gam, eps = (ebm.c_upper_J_m2_K, ebm.c_deep_J_m2_K, ebm.lambda_W_m2_K, ebm.gamma_W_m2_K,
                            ebm.efficacy)
    np.testing.assert_allclose(C * dT, k * t - lam * T - eps * gam * (T - TD), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(CD * dTD, gam * (T - TD), rtol=1e-6, atol=1e-9)
    assert ebm.ramp_response(k, 0.0) == (0.0, 0.0)


def test_energy_budget_of_a_step():
    """Heat stored in both layers equals the time integral of the heat uptake."""
    ebm = TwoLayerEBM(efficacy=1.3)
    stored, dt = 0.0, DAY_S
    for _ in range(3650):
        before = ebm.heat_uptake_W_m2(F2X)
        ebm.step(F2X, dt)
        stored += 0.5 * (before + ebm.heat_uptake_W_m2(F2X)) * dt
    content = ebm.c_upper_J_m2_K * ebm.T + ebm.c_deep_J_m2_K * ebm.T_D
    assert stored == pytest.approx(content, rel=1e-6)


def test_state_round_trip_is_bit_for_bit():
    a = TwoLayerEBM()
    for _ in range(10):
        a.step(3.0, DAY_S)
    state = a.get_state()
    assert all(type(v) is float for v in state.values())
    b = TwoLayerEBM()
    b.set_state(state)
    for _ in range(10):
        a.step(3.0, DAY_S)
        b.step(3.0, DAY_S)
    assert (a.T, a.T_D) == (b.T, b.T_D)
    c = TwoLayerEBM.from_literature_units(T=0.5, T_D=0.25)
    assert c.c_upper_J_m2_K == TwoLayerEBM().c_upper_J_m2_K == 7.3 * SECONDS_PER_YEAR
    assert c.c_deep_J_m2_K == 106.0 * SECONDS_PER_YEAR and c.T_deep == 0.25
    c.T_deep = 0.5
    assert c.get_state() == {"T": 0.5, "T_D": 0.5}
    with pytest.raises(ValueError):
        TwoLayerEBM(gamma_W_m2_K=-1.0)
    with pytest.raises(ValueError):
        a.step(1.0, 0.0)


# --- warming pattern ---------------------------------------------------------------------------

def pattern_on(grid, land):
    lat = np.broadcast_to(grid.lat[:, None], grid.shape)
    return warming_pattern(lat, land, grid.area)


def test_pattern_global_mean_is_one():
    rng = np.random.default_rng(7)
    for grid in (LatLonGrid.regular(2.0), LatLonGrid.regular(0.5, 1.0)):
        land = rng.uniform(size=grid.shape) * (rng.uniform(size=grid.shape) < 0.3)
        p = pattern_on(grid, land)
        assert np.sum(p * grid.area) / np.sum(grid.area) == pytest.approx(1.0, abs=2e-15)
        assert np.all(p > 0)
    # Broadcasting a (nlat, 1) latitude column gives the same answer.
    grid = LatLonGrid.regular(4.0)
    land = rng.uniform(size=grid.shape)
    np.testing.assert_array_equal(warming_pattern(grid.lat[:, None], land, grid.area), pattern_on(grid, land))


def test_pattern_land_ocean_ratio_and_arctic_amplification():
    grid = LatLonGrid.regular(1.0)
    land = np.zeros(grid.shape)
    land[:, : grid.nlon // 3] = 1.0                 # a land strip at every latitude
    p = pattern_on(grid, land)
    ocean_col, land_col = p[:, -1], p[:, 0]
    np.testing.assert_allclose(land_col / ocean_col, LAND_OCEAN_WARMING_RATIO, rtol=1e-14)
    lat = grid.lat
    arctic = ocean_col[lat > 70].mean()
    tropics = ocean_col[np.abs(lat) < 20].mean()
    assert arctic / tropics > 1.8
    assert arctic / tropics <= ARCTIC_AMPLIFICATION
    # Smooth: no jump of more than 10 % between neighbouring 1-degree bands.
    assert np.max(np.abs(np.diff(ocean_col)) / ocean_col[:-1]) < 0.1
    # The Antarctic is not amplified in the transient pattern (Armour et al. 2016).
    assert ocean_col[lat < -70].mean() == pytest.approx(tropics, rel=1e-6)


def test_pattern_rejects_bad_input():
    with pytest.raises(ValueError, match="land_fraction"):
        warming_pattern([0.0, 10.0], [0.5, 1.5], [1.0, 1.0])
    with pytest.raises(ValueError, match="latitudes"):
        warming_pattern([0.0, 95.0], [0.5, 0.5], [1.0, 1.0])
