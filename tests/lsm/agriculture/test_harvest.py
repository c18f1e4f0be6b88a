"""Harvest books and the product pools that return harvested carbon to the atmosphere."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm.agriculture.harvest import (
    PRODUCT_VARIABLES,
    ROOT_LIGNIN,
    STRAW_LIGNIN,
    STRAW_REMOVAL_FRACTION,
    TAU_10YR_S,
    TAU_1YR_S,
    ProductInputs,
    ProductPools,
    decay,
    deposit,
    harvest,
    split_removals,
)
from lsm.vegetation import SECONDS_PER_YEAR, STRUCTURAL_CN

DAY = 86400.0
POOLS = ("grain_c", "grain_n", "leaf_c", "leaf_n", "stem_c", "stem_n", "froot_c", "froot_n")

amount = st.one_of(st.just(0.0), st.floats(1e-12, 5.0, allow_nan=False, allow_infinity=False))
tile = st.tuples(*(amount for _ in range(10)), st.floats(0.0, 1.0))


def close(a, b, rel):
    """|a - b| <= rel |b| tile by tile (exact equality where b is 0)."""
    return np.all(np.abs(np.asarray(a) - np.asarray(b)) <= rel * np.abs(np.asarray(b)))


# ---------------------------------------------------------------- harvest


@settings(max_examples=300, deadline=None)
@given(st.lists(tile, min_size=1, max_size=40))
def test_harvest_books_close_exactly(rows):
    cols = [np.array(x) for x in zip(*rows)]
    pools, (res_c, res_n), frac = cols[:8], cols[8:10], cols[10]
    h = harvest(*pools, frac, reserve_c=res_c, reserve_n=res_n)
    g_c, g_n, l_c, l_n, s_c, s_n, r_c, r_n = pools
    before_c = np.array([math.fsum(x) for x in zip(g_c, l_c, s_c, r_c, res_c)])
    before_n = np.array([math.fsum(x) for x in zip(g_n, l_n, s_n, r_n, res_n)])
    assert close(h.harvested_c, before_c, 1e-15) and close(h.harvested_n, before_n, 1e-15)
    assert close(h.removed_c + h.returned_c, before_c, 1e-15)
    assert close(h.removed_n + h.returned_n, before_n, 1e-15)
    # the parts add up to their totals
    assert close(h.grain_c + h.straw_removed_c, h.removed_c, 1e-15)
    assert close(h.litter_met_n + h.litter_str_n, h.returned_n, 1e-15)
    assert close(h.residue_c + h.root_c, h.returned_c, 1e-15)
    for x in h:
        assert np.all(x >= 0.0)
    assert np.all(h.litter_str_lignin <= 1.0)


def test_grain_removed_straw_split_roots_returned():
    h = harvest(0.4, 0.012, 0.15, 0.005, 0.25, 0.003, 0.08, 0.002, 0.3)
    assert h.grain_c == 0.4 and h.grain_n == 0.012
    assert h.straw_removed_c == pytest.approx(0.3 * 0.40) and h.straw_removed_n == pytest.approx(0.3 * 0.008)
    assert h.removed_c == pytest.approx(0.4 + 0.12)
    assert h.residue_c == pytest.approx(0.7 * 0.40) and h.root_c == 0.08 and h.root_n == 0.002
    assert h.returned_c == pytest.approx(0.28 + 0.08)
    # nothing removed: only the grain leaves; everything removed: only roots return
    h0 = harvest(0.4, 0.012, 0.15, 0.005, 0.25, 0.003, 0.08, 0.002, 0.0)
    assert h0.removed_c == 0.4 and h0.returned_c == pytest.approx(0.48)
    h1 = harvest(0.4, 0.012, 0.15, 0.005, 0.25, 0.003, 0.08, 0.002, 1.0)
    assert h1.residue_c == 0.0 and h1.returned_c == pytest.approx(0.08) and h1.returned_n == pytest.approx(0.002)
    assert STRAW_REMOVAL_FRACTION == 0.4


def test_residue_split_follows_parton_as_in_the_vegetation_model():
    # Straw alone, C:N 50, lignin 17 % of C: L/N = 0.17 x 50 / 0.64 = 13.28, fm = 0.85 - 0.018 L/N = 0.611
    h = harvest(0.0, 0.0, 1.0, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0)
    ln = STRAW_LIGNIN * 50.0 / 0.64
    fm = 0.85 - 0.018 * ln
    assert h.litter_met_c == pytest.approx(fm, rel=1e-14)
    assert h.litter_str_c == pytest.approx(1.0 - fm, rel=1e-14)
    assert h.litter_str_n == pytest.approx((1.0 - fm) / STRUCTURAL_CN, rel=1e-14)
    assert h.litter_met_n == pytest.approx(0.02 - (1.0 - fm) / STRUCTURAL_CN, rel=1e-13)
    assert h.litter_str_lignin == pytest.approx(STRAW_LIGNIN / (1.0 - fm), rel=1e-14)
    # roots, C:N 42, lignin 25 %: fm = 0.85 - 0.018 x 0.25 x 42 / 0.64
    r = harvest(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.42, 0.01, 0.5)
    assert r.litter_met_c == pytest.approx(0.42 * (0.85 - 0.018 * ROOT_LIGNIN * 42.0 / 0.64), rel=1e-14)
    # N-poor straw (C:N 200) is all structural within the [0, 1 - lignin] clip, and its N too
    p = harvest(0.0, 0.0, 1.0, 0.005, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert p.litter_met_c == 0.0 and p.litter_str_n == 0.005
    # litter without N but with lignin is structural
    z = harvest(0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert z.litter_met_c == 0.0 and z.litter_str_c == 1.0 and z.returned_n == 0.0


def test_harvest_rejects_bad_input():
    with pytest.raises(ValueError):
        harvest(-0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        harvest(0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5)


# ---------------------------------------------------------------- product pools


def test_split_removals_into_the_pools():
    h = harvest(np.array([0.5, 0.3]), np.array([0.02, 0.01]), 0.2, 0.004, 0.1, 0.001, 0.05, 0.001, 0.5)
    default = split_removals(h)
    assert np.array_equal(default.c_1yr, h.removed_c) and np.all(default.c_10yr == 0.0)
    inp = split_removals(h, fraction_10yr=np.array([0.25, 1.0]))
    assert close(inp.c_1yr + inp.c_10yr, h.removed_c, 1e-15) and close(inp.n_1yr + inp.n_10yr, h.removed_n, 1e-15)
    np.testing.assert_allclose(inp.c_10yr, [0.25 * h.removed_c[0], h.removed_c[1]], rtol=1e-15)
    pools = ProductPools.zeros(2)
    deposit(pools, inp)
    assert close(pools.total_c(), h.removed_c, 1e-15) and close(pools.total_n(), h.removed_n, 1e-15)
    assert [name for name, _, _ in PRODUCT_VARIABLES] == list(pools.as_dict())


@pytest.mark.parametrize("steps", [1, 365, 8760])
def test_closed_pool_falls_to_1_over_e_after_tau(steps):
    pools = ProductPools(c_1yr=np.array([2.0]), n_1yr=np.array([0.1]), c_10yr=np.array([3.0]), n_10yr=np.array([0.2]))
    dt = TAU_1YR_S / steps
    for _ in range(steps):
        decay(pools, dt)
    assert pools.c_1yr[0] == pytest.approx(2.0 / math.e, rel=1e-12)
    assert pools.n_1yr[0] == pytest.approx(0.1 / math.e, rel=1e-12)
    assert pools.c_10yr[0] == pytest.approx(3.0 * math.exp(-0.1), rel=1e-12)
    assert TAU_1YR_S == SECONDS_PER_YEAR and TAU_10YR_S == 10.0 * SECONDS_PER_YEAR


def test_cumulative_flux_plus_remainder_equals_the_input():
    rng = np.random.default_rng(11)
    c0, n0 = rng.uniform(0.1, 2.0, (2, 8)), rng.uniform(0.001, 0.05, (2, 8))
    pools = ProductPools(c_1yr=c0[0].copy(), n_1yr=n0[0].copy(), c_10yr=c0[1].copy(), n_10yr=n0[1].copy())
    dt = DAY
    lost_c, lost_n, flux_c = [], [], []
    for _ in range(3 * 365):
        d = decay(pools, dt)
        lost_c.append(d.c_loss)
        lost_n.append(d.n_loss)
        flux_c.append(d.c_flux * dt)
    for k in range(8):
        total_c = math.fsum([x[k] for x in lost_c] + [pools.c_1yr[k], pools.c_10yr[k]])
        total_n = math.fsum([x[k] for x in lost_n] + [pools.n_1yr[k], pools.n_10yr[k]])
        assert total_c == pytest.approx(c0[0, k] + c0[1, k], rel=1e-14)
        assert total_n == pytest.approx(n0[0, k] + n0[1, k], rel=1e-14)
        # the flux (kg C m-2 s-1, fprod) carries the same carbon
        assert math.fsum([x[k] for x in flux_c]) == pytest.approx(math.fsum([x[k] for x in lost_c]), rel=1e-14)


def test_each_step_reduces_the_pools_by_what_it_returns():
    pools = ProductPools(*(np.array([1.3, 0.0, 7.0]) for _ in PRODUCT_VARIABLES))
    before = pools.copy()
    d = decay(pools, 1800.0)
    assert np.array_equal(before.c_1yr - d.c_loss_1yr, pools.c_1yr)
    assert np.array_equal(before.n_10yr - d.n_loss_10yr, pools.n_10yr)
    assert close(pools.total_c() + d.c_loss, before.total_c(), 1e-15)
    assert d.c_flux[1] == 0.0 and np.all(pools.c_1yr >= 0.0)


def test_constant_input_reaches_the_steady_state_input_times_tau():
    rate = np.array([1e-8, 3e-9])      # kg C m-2 s-1 into the 1-year and the 10-year pool
    dt = DAY
    pools = ProductPools.zeros(1)
    inp = ProductInputs(c_1yr=np.array([rate[0] * dt]), n_1yr=np.zeros(1), c_10yr=np.array([rate[1] * dt]),
                        n_10yr=np.zeros(1))
    checks = {10 * 365: None, 300 * 365: None}
    for n in range(1, 300 * 365 + 1):
        deposit(pools, inp)
        d = decay(pools, dt)
        if n in checks:
            checks[n] = (pools.c_1yr[0], pools.c_10yr[0], d.c_flux[0])
    for n, (c1, c10, flux) in checks.items():
        for pool, r, tau in ((c1, rate[0], TAU_1YR_S), (c10, rate[1], TAU_10YR_S)):
            x = dt / tau
            # deposit-then-decay: P_n = P* (1 - exp(-n dt / tau)), P* = input dt / (exp(dt / tau) - 1)
            assert pool == pytest.approx(r * dt / math.expm1(x) * -math.expm1(-n * x), rel=1e-9)
    c1, c10, flux = checks[300 * 365]
    # after 30 e-folding times of the slow pool: input x tau, to first order in dt / tau
    assert c1 == pytest.approx(rate[0] * TAU_1YR_S, rel=DAY / TAU_1YR_S)
    assert c10 == pytest.approx(rate[1] * TAU_10YR_S, rel=DAY / TAU_10YR_S)
    # and the flux to the atmosphere equals the input
    assert flux == pytest.approx(rate.sum(), rel=1e-9)
