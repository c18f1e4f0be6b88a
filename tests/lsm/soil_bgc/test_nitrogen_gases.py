"""Nitrification and denitrification with their gases, and the NO3- loss split against leaching."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm.soil_bgc import column, leaching, nitrogen
from lsm.soil_bgc.column import SOIL_MASS_KG_M2
from tests.lsm.soil_bgc.conftest import DAY, make_drivers, make_state

_w = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(_w, _w)
def test_anoxic_fraction_is_monotonic_in_wfps(w1, w2):
    lo, hi = sorted((w1, w2))
    assert 0.0 <= nitrogen.anoxic_fraction(lo) <= nitrogen.anoxic_fraction(hi) <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=0.999, allow_nan=False))
def test_anoxic_fraction_has_a_continuous_derivative(w):
    """The analytic slope matches central differences, and it changes by no more than its bound over 1e-6."""
    h = 1e-6
    numeric = (nitrogen.anoxic_fraction(w + h) - nitrogen.anoxic_fraction(w - h)) / (2 * h)
    slope = nitrogen.anoxic_fraction_slope(w)
    assert slope > 0.0
    assert numeric == pytest.approx(slope, rel=1e-5, abs=1e-9)
    # |f''| <= 1 / (6 sqrt(3) s^2) for the logistic: the slope is Lipschitz, hence continuous
    bound = 1.0 / (6.0 * np.sqrt(3.0) * nitrogen.ANOXIC_WFPS_WIDTH**2)
    assert abs(nitrogen.anoxic_fraction_slope(w + h) - slope) <= bound * h * (1 + 1e-9)


def test_the_switch_is_centred_on_w_crit():
    w_crit = nitrogen.ANOXIC_WFPS_CRIT
    assert nitrogen.anoxic_fraction(w_crit) == 0.5
    np.testing.assert_allclose(nitrogen.anoxic_fraction([w_crit - 0.1, w_crit + 0.1]),
                               [1 / (1 + np.e**2), 1 / (1 + np.e**-2)], rtol=1e-14)
    assert nitrogen.anoxic_fraction(0.7, w_crit=0.7) == 0.5


def test_the_middle_of_the_switch_follows_del_grosso():
    """``W_crit = (9 - M CO2) / 10``, ``M = 0.145 - 1.25 min(0.113, D_fc)`` (Del Grosso et al. 2000), by hand."""
    ug = SOIL_MASS_KG_M2 * 1e-6  # kg m-2 per ug g-1
    porosity = 0.45
    air = porosity * (1.0 - 0.6)  # at field capacity, WFPS 0.6
    d_fc = air ** (10.0 / 3.0) / porosity**2  # Millington & Quirk: 0.0162
    m = 0.145 - 1.25 * d_fc
    for co2, expected in ((0.0, 0.9), (10.0, 0.1 * (9.0 - m * 10.0)), (1e4, 0.6)):
        got = nitrogen.anoxic_wfps_midpoint(co2 * ug / DAY, porosity, SOIL_MASS_KG_M2)
        assert got == pytest.approx(expected, rel=1e-12)
    # a more open pore space diffuses better (larger D_fc, smaller M): the switch moves to wetter soil
    assert nitrogen.anoxic_wfps_midpoint(10.0 * ug / DAY, 0.6, SOIL_MASS_KG_M2) > 0.1 * (9.0 - m * 10.0)
    # at the same WFPS, a soil that breathes faster is more anoxic
    resp = np.array([0.0, 5.0, 20.0, 50.0]) * ug / DAY
    f = nitrogen.anoxic_fraction(0.75, w_crit=nitrogen.anoxic_wfps_midpoint(resp, porosity, SOIL_MASS_KG_M2))
    assert np.all(np.diff(f) > 0.0)


def test_nitrification_falls_and_denitrification_rises_as_wfps_passes_w_crit():
    resp = np.full(4, 1.0 / (365 * DAY))  # 1 kg C m-2 yr-1
    w_crit = nitrogen.anoxic_wfps_midpoint(resp, 0.45, SOIL_MASS_KG_M2)
    w = w_crit + np.array([-0.1, -0.05, 0.05, 0.1])
    anoxic = nitrogen.anoxic_fraction(w, w_crit=w_crit)
    nh4, no3 = np.full(4, 1e-3), np.full(4, 5e-3)
    nit = nitrogen.nitrification(nh4, np.full(4, 293.15), w, DAY, anoxic=anoxic)
    den = nitrogen.denitrification_rate(no3, resp, anoxic, SOIL_MASS_KG_M2)
    assert np.all(np.diff(nit) < 0.0)
    assert np.all(np.diff(den) > 0.0)
    assert nit[0] > 5 * nit[-1] and den[-1] > 5 * den[0]


def test_denitrification_is_limited_by_the_carbon_supply_or_the_nitrate():
    """Del Grosso et al. (2000): ``min(1.15 NO3^0.57, 0.1 CO2^1.3)`` ug N g-1 d-1 in the anoxic fraction."""
    ug = SOIL_MASS_KG_M2 * 1e-6  # kg m-2 per ug g-1
    no3, co2 = 10.0, 3.0  # ug N g-1 and ug C g-1 d-1: C-limited, 0.1 x 3^1.3 = 0.417 < 1.15 x 10^0.57 = 4.27
    rate = nitrogen.denitrification_rate(no3 * ug, co2 * ug / DAY, 1.0, SOIL_MASS_KG_M2)
    assert rate * DAY * no3 == pytest.approx(0.1 * co2**1.3, rel=1e-12)
    rate = nitrogen.denitrification_rate(0.1 * ug, co2 * ug / DAY, 1.0, SOIL_MASS_KG_M2)  # NO3-limited
    assert rate * DAY * 0.1 == pytest.approx(1.15 * 0.1**0.57, rel=1e-12)
    assert nitrogen.denitrification_rate(0.0, 1e-8, 1.0, SOIL_MASS_KG_M2) == 0.0


def test_the_n2o_share_of_denitrification_falls_in_wet_soil():
    wfps = np.array([0.6, 0.8, 0.95])
    d_r = nitrogen.relative_gas_diffusivity(wfps, 0.45)
    ratio = nitrogen.n2_n2o_ratio(np.full(3, 5e-3), np.full(3, 3e-8), wfps, d_r, SOIL_MASS_KG_M2)
    assert np.all(np.diff(1.0 / (1.0 + ratio)) < 0.0)


def test_the_no_to_n2o_ratio_of_nitrification_rises_with_gas_diffusivity():
    r = nitrogen.no_n2o_ratio(np.array([0.0, 0.1, 0.3, 1.0]))
    assert np.all(np.diff(r) > 0.0) and r[0] > 0.0 and r[-1] < 33.0


def test_the_nitrifier_n2o_yield_rises_from_wilting_point_to_field_capacity():
    """0.2 % of the nitrified N at the wilting point, 1.5 % at field capacity and wetter (DAYCENT; Khalil 2004)."""
    psi_sat, b, phi = 0.478, 5.39, 0.45  # a loam (Clapp & Hornberger 1978)
    w_wp = nitrogen.wfps_at_suction(150.0, psi_sat, b)
    w_fc = nitrogen.wfps_at_suction(3.3, psi_sat, b)
    assert w_wp == pytest.approx((psi_sat / 150.0) ** (1 / b)) and 0.3 < w_wp < w_fc < 0.75
    d_wp, d_fc = (nitrogen.relative_gas_diffusivity(w, phi) for w in (w_wp, w_fc))
    w = np.linspace(0.0, 1.0, 201)
    y = nitrogen.nitrification_n2o_yield(nitrogen.relative_gas_diffusivity(w, phi), d_wp, d_fc)
    assert np.all(np.diff(y) >= 0.0) and np.all(np.diff(y) < 5e-4)  # monotonic, no jump (the ramp is 0.013)
    assert np.all(y[w <= w_wp] == 0.002) and np.all(y[w >= w_fc] == 0.015)
    mid = nitrogen.relative_gas_diffusivity(0.5 * (w_wp + w_fc), phi)
    # linear in the diffusivity, not in WFPS
    assert nitrogen.nitrification_n2o_yield(mid, d_wp, d_fc) == pytest.approx(
        0.002 + 0.013 * (d_wp - mid) / (d_wp - d_fc), rel=1e-12)
    # a sand's field capacity comes at a lower WFPS than a clay's: the same WFPS gives it the higher yield
    sand, clay = (2.8, 0.12), (11.4, 0.405)  # (b, psi_sat m)
    yields = [nitrogen.nitrification_n2o_yield(
        nitrogen.relative_gas_diffusivity(0.45, phi),
        nitrogen.relative_gas_diffusivity(nitrogen.wfps_at_suction(150.0, p, bb), phi),
        nitrogen.relative_gas_diffusivity(nitrogen.wfps_at_suction(3.3, p, bb), phi)) for bb, p in (sand, clay)]
    assert yields[0] > yields[1]


def test_wetting_a_dry_soil_raises_nitrifier_n2o():
    """The same soil watered from near the wilting point to field capacity (irrigation) emits more N2O per N
    nitrified and more N2O in all (Trost et al. 2013: irrigation raises N2O in most field trials)."""
    n = 2
    d = make_drivers(n, theta=np.array([0.17, 0.30]), porosity=0.45)  # WFPS 0.38 and 0.67, both aerobic
    state = make_state(n)
    nit = n2o = 0.0
    for _ in range(10):
        f = column.step(state, d, DAY)
        nit, n2o = nit + f.nitrified_n, n2o + f.n2o_nitrification_n
    assert n2o[1] / nit[1] > 2.0 * n2o[0] / nit[0]
    assert n2o[1] > n2o[0]


def test_the_nitrifier_gases_follow_the_water_of_the_topsoil():
    """Same bulk layer, a topsoil at field capacity or near the wilting point: the same N nitrified, a larger
    N2O share and a smaller NO:N2O ratio from the wet topsoil (DAYCENT takes both from the top 15 cm)."""
    n = 3
    d = make_drivers(n, theta=0.25, porosity=0.45)._replace(theta_topsoil=np.array([0.32, 0.16, 0.25]))
    f = column.step(make_state(n), d, DAY)
    bulk = column.step(make_state(1), make_drivers(1, theta=0.25, porosity=0.45), DAY)
    assert np.all(f.nitrified_n == f.nitrified_n[0])
    share = f.n2o_nitrification_n / f.nitrified_n
    assert share[0] > 2.0 * share[1]
    assert (f.no_n / f.n2o_nitrification_n)[0] < (f.no_n / f.n2o_nitrification_n)[1]
    # a topsoil as wet as the bulk layer gives the bulk layer's gases
    assert f.n2o_nitrification_n[2] == bulk.n2o_nitrification_n[0] and f.no_n[2] == bulk.no_n[0]


@settings(max_examples=100, deadline=None)
# subnormal rates are excluded: a loss of ~1e-316 kg N m-2 carries too few significant bits for a ratio
# to 1e-12 (hypothesis found r = 2.2e-313 s-1); zero, which the model meets, stays in
@given(st.floats(min_value=0.0, max_value=1e-3, allow_subnormal=False),
       st.floats(min_value=0.0, max_value=1e-3, allow_subnormal=False), st.floats(min_value=1.0, max_value=1e6))
def test_the_nitrate_loss_split_sums_to_the_first_order_loss(r_leach, r_denit, dt):
    no3 = 2e-3
    loss = leaching.nitrate_loss(no3, r_leach, r_denit, dt)
    total = no3 * -np.expm1(-(r_leach + r_denit) * dt)
    assert loss.leached + loss.denitrified == pytest.approx(total, rel=1e-12, abs=1e-300)
    assert 0.0 <= loss.leached <= no3 and 0.0 <= loss.denitrified <= no3
    if r_leach + r_denit > 0.0 and total > 0.0:
        assert loss.leached / total == pytest.approx(r_leach / (r_leach + r_denit), rel=1e-12)


def test_the_split_tends_to_all_leaching_or_all_denitrification():
    no3, dt = 2e-3, DAY
    for tiny in (1e-12, 1e-16):
        only_leach = leaching.nitrate_loss(no3, 1e-6, tiny, dt)
        only_denit = leaching.nitrate_loss(no3, tiny, 1e-6, dt)
        total = no3 * -np.expm1(-(1e-6 + tiny) * dt)
        assert only_leach.leached / total == pytest.approx(1.0, abs=2 * tiny / 1e-6)
        assert only_denit.denitrified / total == pytest.approx(1.0, abs=2 * tiny / 1e-6)
    assert leaching.nitrate_loss(no3, 1e-6, 0.0, dt).denitrified == 0.0
    assert leaching.nitrate_loss(no3, 0.0, 1e-6, dt).leached == 0.0


def test_a_labile_carbon_input_at_high_wfps_raises_n2o():
    """Glucose on a wet soil feeds respiration, hence denitrification and its N2O (Del Grosso et al. 2000)."""
    n = 2
    d = make_drivers(n, theta=0.36, porosity=0.45)  # WFPS 0.8
    state = make_state(n)
    state.c("dom")[1] += 0.05  # 50 g C m-2 of glucose
    n2o = np.zeros(n)
    for _ in range(10):
        f = column.step(state, d, DAY)
        n2o += f.n2o_nitrification_n + f.n2o_denitrification_n
    assert n2o[1] > 1.5 * n2o[0]
    assert n2o[0] > 0.0


def test_soil_gases_and_leached_dom_are_booked():
    d = make_drivers(3, theta=np.array([0.2, 0.3, 0.4]), porosity=0.45, drainage_mm_yr=400.0)
    state = make_state(3)
    c0, n0 = state.total_c().copy(), state.total_n().copy()
    f = column.step(state, d, DAY)
    assert np.all(f.leached_doc_c > 0.0) and np.all(f.n2o_nitrification_n > 0.0) and np.all(f.no_n > 0.0)
    assert np.all(np.diff(f.n2_n) > 0.0)
    np.testing.assert_allclose(state.total_c(), c0 + f.input_c - f.respiration_c - f.lost_c, rtol=1e-13)
    np.testing.assert_allclose(state.total_n(), n0 + f.input_n - f.lost_n, rtol=1e-13)
