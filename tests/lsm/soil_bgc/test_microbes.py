"""Microbial physiology (SCIENCE.md section 3, mechanisms 1 and 2): analytic cases and mass balance."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lsm.soil_bgc.microbes import (
    CUE_MAX,
    CUE_MIN,
    CUE_REF,
    CUE_T_REF_K,
    MAINTENANCE_RATE_REF,
    MORTALITY_RATE_REF,
    THETA_B,
    YIELD_C,
    co_limited_growth,
    cue_temperature,
    maintenance_respiration,
    mineralisation_threshold_cn,
    mortality,
    net_n_mineralisation,
    protected_necromass_fraction,
)

REL = 1e-15  # mass balance tolerance, relative to the largest flow
HOUR = 3600.0

# Amounts per step, kg m-2: zeros and 12 orders of magnitude (no subnormals, which lose relative precision).
amount = st.one_of(st.just(0.0), st.floats(1e-9, 1e3, allow_nan=False, allow_infinity=False))
fraction = st.floats(0.0, 1.0)
n = st.integers(1, 20)


def columns(*elements):
    """Equal-length float64 arrays (one per element strategy) of 1-20 columns."""
    return n.flatmap(lambda k: st.tuples(*(hnp.arrays(np.float64, k, elements=e) for e in elements)))


def assert_balanced(into, out, scale, rel=REL):
    residual = np.abs(np.asarray(into) - np.asarray(out))
    assert np.all(residual <= rel * np.asarray(scale)), residual.max()


def assert_cn(c, n, cn, whole_c):
    """C = cn N to a few roundings of the amount ``whole_c`` the pool was split from.

    Relative to the pool itself the error grows when it is a small remainder of a large whole
    (e.g. the survivors of a long step); that is rounding of the whole, not a change of C:N.
    """
    assert_balanced(c, cn * np.asarray(n), whole_c, rel=10 * REL)


# --- mechanism 1 -----------------------------------------------------------------


def test_theta_b_is_the_cleveland_liptzin_ratio_as_mass():
    # 60:7 mol/mol times 12.011 / 14.007 g/mol
    assert THETA_B == pytest.approx(60 / 7 * 12.011 / 14.007)
    assert 7.3 < THETA_B < 7.4


def test_net_mineralisation_hand_value():
    # theta_B 8, eps 0.5: TER 16; substrate C:N 10, U_C 1 -> 1/10 - 0.5/8 = 0.0375
    assert mineralisation_threshold_cn(8.0, 0.5) == 16.0
    assert net_n_mineralisation(1.0, 10.0, 0.5, 8.0) == pytest.approx(0.0375, rel=1e-15)
    # C:N 40 > TER: immobilisation demand 1/40 - 1/16 = -0.0375
    assert net_n_mineralisation(1.0, 40.0, 0.5, 8.0) == pytest.approx(-0.0375, rel=1e-15)


@pytest.mark.parametrize("theta_b, cue", [(THETA_B, YIELD_C), (8.6, 0.63), (6.0, 0.3), (10.0, 0.55), (7.0, 1.0)])
def test_sign_flips_exactly_at_the_threshold(theta_b, cue):
    ter = mineralisation_threshold_cn(theta_b, cue)
    below, above = np.nextafter(ter, 0.0), np.nextafter(ter, np.inf)
    u_c = 0.37
    assert net_n_mineralisation(u_c, ter, cue, theta_b) == 0.0
    assert net_n_mineralisation(u_c, below, cue, theta_b) > 0.0
    assert net_n_mineralisation(u_c, above, cue, theta_b) < 0.0
    # away from the threshold it is the formula of SCIENCE.md: U_C (1/theta_S - eps/theta_B)
    theta_s = np.array([3.0, 10.0, 25.0, 80.0, 300.0])
    np.testing.assert_allclose(
        net_n_mineralisation(u_c, theta_s, cue, theta_b), u_c * (1 / theta_s - cue / theta_b), rtol=1e-13
    )


@settings(max_examples=200, deadline=None)
@given(st.floats(1.0, 500.0), st.floats(0.05, 1.0), st.floats(4.0, 15.0), st.floats(1e-6, 10.0))
def test_sign_is_that_of_ter_minus_substrate_cn(theta_s, cue, theta_b, u_c):
    ter = mineralisation_threshold_cn(theta_b, cue)
    assert np.sign(net_n_mineralisation(u_c, theta_s, cue, theta_b)) == np.sign(ter - theta_s)


def test_mechanism_1_is_the_c_limited_case_of_mechanism_2():
    theta_s = np.array([5.0, 12.0, THETA_B / YIELD_C, 30.0, 120.0])
    u_c = np.full(5, 2.0e-3)
    g = co_limited_growth(u_c, u_c / theta_s, n_immobilisable=1.0)  # ample mineral N: C-limited
    assert not g.n_limited.any()
    net = g.n_mineralised - g.n_immobilised
    np.testing.assert_allclose(net, net_n_mineralisation(u_c, theta_s), rtol=1e-12, atol=1e-19)


# --- mechanism 2 -----------------------------------------------------------------


def test_c_and_n_limited_hand_values():
    # U_C 1, Y 0.5, theta_B 8.  N-limited: U_N 0.02 + I_max 0.01 support 0.24 of C.
    g = co_limited_growth(1.0, 0.02, 0.01, 0.5, 8.0)
    assert g.n_limited
    assert g.growth_c == pytest.approx(0.24) and g.growth_n == pytest.approx(0.03)
    assert g.growth_respiration_c == 0.5
    assert g.overflow_respiration_c == pytest.approx(0.26)
    assert g.n_immobilised == pytest.approx(0.01) and g.n_mineralised == 0.0
    assert g.effective_cue == pytest.approx(0.24)
    # C-limited: U_N 0.1, need 0.0625, mineralise 0.0375, no overflow, CUE = Y.
    g = co_limited_growth(1.0, 0.1, 0.01, 0.5, 8.0)
    assert not g.n_limited
    assert g.growth_c == 0.5 and g.growth_n == 0.0625
    assert g.overflow_respiration_c == 0.0
    assert g.n_mineralised == pytest.approx(0.0375) and g.n_immobilised == 0.0
    assert g.effective_cue == 0.5


def test_growth_rises_with_slope_theta_b_until_the_c_plateau():
    u_c, u_n, y = 1.0e-3, 2.0e-5, YIELD_C
    i_max = np.linspace(0.0, 1.0e-4, 2001)
    g = co_limited_growth(u_c, u_n, i_max, y)
    knee = y * u_c / THETA_B - u_n  # N addition at which C supply takes over
    assert 0.0 < knee < i_max[-1]
    expected = np.where(i_max < knee, THETA_B * (u_n + i_max), y * u_c)
    np.testing.assert_allclose(g.growth_c, expected, rtol=1e-14)
    slope = np.diff(g.growth_c) / np.diff(i_max)
    rising = i_max[1:] < knee
    flat = i_max[:-1] > knee
    np.testing.assert_allclose(slope[rising], THETA_B, rtol=1e-8)
    np.testing.assert_allclose(slope[flat], 0.0, atol=1e-12)
    assert g.growth_c.max() == y * u_c


def test_overflow_and_effective_cue_by_limitation():
    rng = np.random.default_rng(1)
    u_c = rng.uniform(1e-6, 1e-3, 1000)
    u_n = u_c / rng.uniform(3.0, 200.0, 1000)
    i_max = rng.uniform(0.0, 1e-5, 1000)
    y = rng.uniform(0.1, 0.7, 1000)
    g = co_limited_growth(u_c, u_n, i_max, y)
    lim = g.n_limited
    assert lim.any() and (~lim).any()
    np.testing.assert_allclose(g.overflow_respiration_c[lim], (y * u_c - g.growth_c)[lim], rtol=1e-15)
    assert np.all(g.overflow_respiration_c[lim] > 0.0)
    assert np.all(g.overflow_respiration_c[~lim] == 0.0)
    assert np.all(g.effective_cue[~lim] == pytest.approx(y[~lim], rel=1e-15))
    assert np.all(g.effective_cue[lim] < y[lim])
    # N-limited growth uses all N on offer; C-limited growth keeps theta_B
    np.testing.assert_array_equal(g.n_immobilised[lim], i_max[lim])
    np.testing.assert_allclose(g.growth_c / g.growth_n, THETA_B, rtol=1e-15)


def test_no_uptake_no_growth():
    g = co_limited_growth(np.zeros(3), np.array([0.0, 1e-4, 0.0]), np.array([0.0, 0.0, 1e-4]))
    np.testing.assert_array_equal(g.growth_c, 0.0)
    np.testing.assert_array_equal(g.n_mineralised, [0.0, 1e-4, 0.0])
    np.testing.assert_array_equal(g.n_immobilised, 0.0)
    np.testing.assert_array_equal(g.effective_cue, YIELD_C)


@settings(max_examples=300, deadline=None)
@given(columns(amount, amount, amount, fraction), st.floats(4.0, 15.0))
def test_growth_conserves_c_and_n_and_never_immobilises_more_than_offered(arrays, theta_b):
    u_c, u_n, i_max, y = arrays
    g = co_limited_growth(u_c, u_n, i_max, y, theta_b)
    flows = (g.growth_c, g.growth_n, g.growth_respiration_c, g.overflow_respiration_c, g.n_mineralised, g.n_immobilised)
    assert all(np.all(f >= 0.0) for f in flows)
    assert_balanced(u_c, g.growth_c + g.growth_respiration_c + g.overflow_respiration_c, u_c)
    assert_balanced(u_n + g.n_immobilised, g.growth_n + g.n_mineralised, np.maximum(u_n + i_max, g.growth_n))
    assert np.all(g.n_immobilised <= i_max)
    assert np.all(g.growth_c <= y * u_c)
    assert np.all(g.effective_cue <= y)


# --- maintenance -------------------------------------------------------------------


def test_maintenance_paid_from_uptake_leaves_biomass_alone():
    b_c, dt = np.array([0.02, 0.05]), HOUR
    m = maintenance_respiration(b_c, MAINTENANCE_RATE_REF, 1.0, dt=dt, available_c=1.0)
    np.testing.assert_allclose(m.respiration_c, MAINTENANCE_RATE_REF * b_c * dt, rtol=2e-4)
    np.testing.assert_array_equal(m.from_biomass_c, 0.0)
    np.testing.assert_array_equal(m.n_mineralised, 0.0)
    np.testing.assert_array_equal(m.biomass_c, b_c)
    np.testing.assert_allclose(m.remaining_uptake_c, 1.0 - m.respiration_c, rtol=1e-15)


def test_starving_biomass_decays_exponentially_and_keeps_theta_b():
    rate, f_t, dt, steps = MAINTENANCE_RATE_REF, 2.0, 6 * HOUR, 400
    b_c = np.array([0.01, 0.1])
    b_n = b_c / THETA_B
    mineralised = np.zeros(2)
    for _ in range(steps):  # time steps, not cells
        m = maintenance_respiration(b_c, rate, f_t, dt=dt, biomass_n=b_n)
        b_c, b_n, mineralised = m.biomass_c, m.biomass_n, mineralised + m.n_mineralised
    np.testing.assert_allclose(b_c, np.array([0.01, 0.1]) * np.exp(-rate * f_t * dt * steps), rtol=1e-12)
    np.testing.assert_allclose(b_c / b_n, THETA_B, rtol=1e-14)
    np.testing.assert_allclose(b_n + mineralised, np.array([0.01, 0.1]) / THETA_B, rtol=1e-14)


def test_partial_uptake_pays_first():
    b_c, dt = 0.1, 10 * 86400.0
    demand = b_c * -np.expm1(-MAINTENANCE_RATE_REF * dt)
    m = maintenance_respiration(b_c, dt=dt, available_c=0.25 * demand)
    assert m.from_uptake_c == 0.25 * demand and m.remaining_uptake_c == 0.0
    assert m.from_biomass_c == pytest.approx(0.75 * demand, rel=1e-15)
    assert m.n_mineralised == pytest.approx(0.75 * demand / THETA_B, rel=1e-14)


@settings(max_examples=300, deadline=None)
@given(
    columns(amount, amount, st.floats(0.0, 20.0), st.floats(4.0, 15.0)),
    st.floats(1.0, 1e7),
)
def test_maintenance_conserves_c_and_n(arrays, dt):
    b_c, avail, f_t, cn = arrays
    b_n = b_c / cn
    m = maintenance_respiration(b_c, MAINTENANCE_RATE_REF, f_t, dt=dt, available_c=avail, biomass_n=b_n)
    for f in m:
        assert np.all(f >= 0.0)
    assert_balanced(b_c + avail, m.biomass_c + m.remaining_uptake_c + m.respiration_c, b_c + avail)
    assert_balanced(b_n, m.biomass_n + m.n_mineralised, b_n)
    assert_balanced(m.respiration_c, m.from_uptake_c + m.from_biomass_c, m.respiration_c)
    assert_cn(m.biomass_c, m.biomass_n, cn, b_c)
    assert_cn(m.from_biomass_c, m.n_mineralised, cn, b_c)


# --- mortality ---------------------------------------------------------------------


def test_mortality_split_and_exponential_decay():
    b_c = np.array([0.02, 0.2])
    d = mortality(b_c, b_c / THETA_B, MORTALITY_RATE_REF, dt=30 * 86400.0, fraction_protected=0.3)
    dying = 1.0 - np.exp(-MORTALITY_RATE_REF * 30 * 86400.0)
    np.testing.assert_allclose(d.dead_c, b_c * dying, rtol=1e-14)
    np.testing.assert_allclose(d.to_protected_c, 0.3 * d.dead_c, rtol=1e-15)
    np.testing.assert_allclose(d.to_dom_c, 0.7 * d.dead_c, rtol=1e-15)
    for c, nn in ((d.to_dom_c, d.to_dom_n), (d.to_protected_c, d.to_protected_n), (d.biomass_c, d.biomass_n)):
        np.testing.assert_allclose(c / nn, THETA_B, rtol=1e-14)


def test_protected_fraction_is_mimics_f_phys():
    assert protected_necromass_fraction(0.2) == pytest.approx(0.3 * np.exp(0.26), rel=1e-15)
    assert protected_necromass_fraction(0.2, 0.2, 0.8) == pytest.approx(0.2 * np.exp(0.16), rel=1e-15)
    assert protected_necromass_fraction(1.0) == 1.0  # clipped: 0.3 e^1.3 = 1.10


@settings(max_examples=300, deadline=None)
@given(columns(amount, st.floats(4.0, 15.0), fraction), st.floats(0.0, 1e8))
def test_mortality_conserves_c_and_n_and_keeps_the_ratio(arrays, dt):
    b_c, cn, f = arrays
    b_n = b_c / cn
    d = mortality(b_c, b_n, MORTALITY_RATE_REF, dt=dt, fraction_protected=f)
    for x in d:
        assert np.all(x >= 0.0)
    for whole, a, b, total in ((b_c, d.biomass_c, d.dead_c, b_c), (b_n, d.biomass_n, d.dead_n, b_n)):
        assert_balanced(whole, a + b, total)
    assert_balanced(d.dead_c, d.to_dom_c + d.to_protected_c, d.dead_c)
    assert_balanced(d.dead_n, d.to_dom_n + d.to_protected_n, d.dead_n)
    for c, nn in ((d.to_dom_c, d.to_dom_n), (d.to_protected_c, d.to_protected_n), (d.biomass_c, d.biomass_n)):
        assert_cn(c, nn, cn, b_c)


# --- temperature-dependent CUE -------------------------------------------------------


def test_cue_temperature_line_and_clip():
    assert cue_temperature(CUE_T_REF_K) == CUE_REF
    assert cue_temperature(CUE_T_REF_K + 5.0) == pytest.approx(CUE_REF - 0.08, rel=1e-14)
    t = np.linspace(233.15, 343.15, 221)  # -40 .. 70 degC
    eps = cue_temperature(t)
    assert eps.min() == CUE_MIN and eps.max() == CUE_MAX
    assert np.all(np.diff(eps) <= 0.0)


def test_clipped_cue_moves_no_mass():
    t = np.linspace(233.15, 343.15, 221)
    u_c, u_n = np.full(t.shape, 1e-3), np.full(t.shape, 1e-5)
    g = co_limited_growth(u_c, u_n, 2e-5, cue_temperature(t))
    assert_balanced(u_c, g.growth_c + g.growth_respiration_c + g.overflow_respiration_c, u_c)
    assert_balanced(u_n + g.n_immobilised, g.growth_n + g.n_mineralised, u_n + 2e-5)
