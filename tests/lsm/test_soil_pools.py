"""Litter and soil carbon (first-order pools until the microbial model): steady state and conservation."""

from types import SimpleNamespace

import numpy as np
import pytest

from lsm.component import LandComponent, moisture_factor

YEAR = 365.0 * 86400.0


def pools(n=3):
    config = SimpleNamespace(soil_q10=1.5, litter_turnover_yr=1.5, soil_turnover_yr=25.0, humification_fraction=0.3)
    return SimpleNamespace(config=config, litter_c=np.zeros(n), soil_c=np.zeros(n))


def test_steady_state_matches_analytic():
    p = pools()
    litterfall = np.array([1.0, 0.5, 0.1]) / YEAR  # kg C m-2 s-1
    t, w = np.full(3, 288.15), np.full(3, 0.6)  # reference temperature, optimal moisture
    for _ in range(400):
        LandComponent._decompose(p, litterfall, t, w, YEAR)
    # litter* = I tau_lit, soil* = h I tau_soil at the reference environment (factor 1)
    assert moisture_factor(np.array([0.6]))[0] == 1.0
    np.testing.assert_allclose(p.litter_c * (1 - np.exp(-1 / 1.5)), litterfall * YEAR * np.exp(-1 / 1.5), rtol=1e-9)
    np.testing.assert_allclose(p.soil_c, 0.3 * litterfall * YEAR * 25.0, rtol=2e-2)  # annual steps: ~1 % scheme error


def test_carbon_is_conserved_every_step():
    rng = np.random.default_rng(5)
    p = pools(1000)
    p.litter_c = rng.uniform(0, 2, 1000)
    p.soil_c = rng.uniform(0, 50, 1000)
    for _ in range(20):
        before = p.litter_c + p.soil_c
        fall = rng.uniform(0, 1e-7, 1000)
        dt = 3600.0
        rh, _, _ = LandComponent._decompose(p, fall, rng.uniform(250, 310, 1000), rng.uniform(0, 1, 1000), dt)
        after = p.litter_c + p.soil_c
        np.testing.assert_allclose(after - before, (fall - rh) * dt, rtol=0, atol=1e-15 * before.max())
        assert np.all(rh >= 0) and np.all(p.litter_c >= 0) and np.all(p.soil_c >= 0)


def test_warmer_soil_respires_faster():
    p = pools(2)
    p.soil_c[:] = 10.0
    rh, _, _ = LandComponent._decompose(p, np.zeros(2), np.array([278.15, 298.15]), np.full(2, 0.6), 3600.0)
    # a factor Q10^2 = 2.25 in the rate; over one step the decayed amounts are 1 - exp(-k dt)
    k0 = 1.0 / (25.0 * YEAR) * 1.5 ** (-1.0)
    k1 = 1.0 / (25.0 * YEAR) * 1.5 ** 1.0
    # respiration is a difference of pools (that is what conserves carbon exactly), so it carries the
    # cancellation error ulp(C) / (k dt C) ~ 2e-16 / 5e-6 = 4e-11 relative
    assert rh[1] / rh[0] == pytest.approx(np.expm1(-k1 * 3600.0) / np.expm1(-k0 * 3600.0), rel=1e-9)
