"""13C and 14C shadow pools (issue 7, mechanism 11): decay, discrimination, books and invariance of ratios."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm import vegetation
from lsm.soil_bgc import column, isotopes
from lsm.soil_bgc.pools import C_ROWS

from .conftest import DAY, make_drivers, make_state


def test_14c_in_a_closed_pool_halves_in_5730_years():
    """Exact exponential decay over one half-life (Julian years), in one step and in 5730 yearly steps."""
    c14 = np.array([1.0e-9, 3.0e-12])
    one_step = c14 - isotopes.decay_14c(c14, isotopes.HALF_LIFE_14C_S)
    np.testing.assert_allclose(one_step, 0.5 * c14, rtol=1e-9)
    x = c14.copy()
    for _ in range(5730):
        x -= isotopes.decay_14c(x, isotopes.SECONDS_PER_JULIAN_YEAR)
    np.testing.assert_allclose(x, 0.5 * c14, rtol=1e-9)


def test_delta_notations_round_trip_and_standards():
    atm = isotopes.atmosphere_ratios(-6.4, 0.0)
    assert isotopes.delta13c_permil(atm[0], 1.0, atm[1]) == pytest.approx(-6.4, abs=1e-9)
    assert isotopes.delta14c_permil(atm[1], atm[0], 1.0) == pytest.approx(0.0, abs=1e-9)
    # the bomb peak of the northern hemisphere, ~+900 per mil in 1963-64 (Levin & Kromer 2004)
    bomb = isotopes.atmosphere_ratios(-7.0, 900.0)
    assert isotopes.delta14c_permil(bomb[1], bomb[0], 1.0) == pytest.approx(900.0, abs=1e-9)
    # the standard itself: delta-13C -25 per mil and the modern 14C/12C give Delta-14C = 0 (Stuiver & Polach)
    r13 = isotopes.R13_VPDB * 0.975
    c12 = 1.0 / (1.0 + r13 + isotopes.R14_MODERN)
    assert isotopes.delta14c_permil(isotopes.R14_MODERN * c12, r13 * c12, 1.0) == pytest.approx(0.0, abs=1e-9)


def test_farquhar_discrimination_of_c3_and_c4_leaves():
    """C3: 4.4 + 22.6 ci/ca (Farquhar et al. 1982): 20.2 per mil at ci/ca 0.7, which with air at -6.4 gives
    the -26 per mil of C3 plants; C4 at ci/ca 0.4: ~4 per mil (plants ~-10.4 per mil)."""
    d = isotopes.photosynthetic_discrimination(np.array([0.7, 0.4, 0.0]), np.array([False, True, False]))
    np.testing.assert_allclose(d, [20.22, 4.4 + (-5.7 + 9.0 - 4.4) * 0.4, 4.4])
    atm = isotopes.atmosphere_ratios()
    plant = isotopes.assimilate_ratios(atm, d)
    d13 = isotopes.delta13c_permil(plant[0], 1.0, plant[1])
    np.testing.assert_allclose(d13, (-6.4 - d) / (1.0 + d / 1000.0), rtol=1e-12)
    assert -27.0 < d13[0] < -25.5 and -11.5 < d13[1] < -9.5
    # fresh assimilate keeps the Delta-14C of the air: the factor 2 of the normalisation
    np.testing.assert_allclose(isotopes.delta14c_permil(plant[1], plant[0], 1.0), 0.0, atol=1e-9)


def _soil_shadow(state, ratios):
    return np.asarray(ratios)[:, None, None] * state.values[C_ROWS][None]


def _iso_drivers(n, ratios, **kw):
    d = make_drivers(n, **kw)
    r = np.asarray(ratios)[:, None]
    return d._replace(litter_met_iso=r * d.litter_met_c, litter_str_iso=r * d.litter_str_c)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dt=st.sampled_from([1800.0, 3 * 3600.0, DAY]))
def test_soil_isotope_books_close_per_column(seed, dt):
    """Random pools and inputs with random ratios: every step closes the 13C and 14C books to 1e-12."""
    rng = np.random.default_rng(seed)
    n = 16
    state = make_state(n)
    state.values *= rng.uniform(0.0, 3.0, state.values.shape)
    shadow = state.values[C_ROWS][None] * rng.uniform(0.5, 1.5, (2, len(C_ROWS), n)) * np.array([1e-2, 1e-12])[:, None, None]
    d = make_drivers(n, theta=rng.uniform(0.05, 0.44, n), t_k=rng.uniform(265.0, 310.0, n), dt=dt)
    d = d._replace(litter_met_iso=d.litter_met_c * rng.uniform(0.5, 1.5, (2, n)) * np.array([[1e-2], [1e-12]]),
                   litter_str_iso=d.litter_str_c * rng.uniform(0.5, 1.5, (2, n)) * np.array([[1e-2], [1e-12]]),
                   litter_cwd_c=0.2 * d.litter_str_c, litter_cwd_n=0.2 * d.litter_str_c / 500.0,
                   litter_cwd_iso=0.2 * d.litter_str_c * rng.uniform(0.5, 1.5, (2, n)) * np.array([[1e-2], [1e-12]]))
    for _ in range(3):
        before = shadow.sum(axis=1).copy()
        f = column.step(state, d, dt, shadow=shadow)
        x = f.isotopes
        change = shadow.sum(axis=1) - before
        expected = x.input - x.respired - x.leached_doc - x.decayed
        scale = before + x.input + x.respired
        assert np.all(np.abs(change - expected) <= 1e-12 * scale)
        assert np.all(shadow >= 0.0)
    assert np.all(f.isotopes.decayed[0] == 0.0) and np.all(f.isotopes.decayed[1] > 0.0)


def test_soil_pools_keep_the_ratio_of_their_inputs_without_fractionation():
    """No fractionation in the soil: a column whose pools hold the ratio of its litter keeps it in every pool,
    and the CO2 carries it, over a year of daily steps (the steady state of every pool is the input ratio);
    14C, which decays, is never above the input ratio in any pool."""
    n = 4
    r = isotopes.atmosphere_ratios()
    state = make_state(n)
    shadow = _soil_shadow(state, r)
    d = _iso_drivers(n, r, theta=np.array([0.1, 0.2, 0.3, 0.4]))
    for _ in range(365):
        f = column.step(state, d, DAY, shadow=shadow)
    has_c = state.values[C_ROWS] > 0
    got13 = isotopes.ratio(shadow[0], state.values[C_ROWS])[has_c]
    np.testing.assert_allclose(got13, r[0], rtol=1e-12)
    np.testing.assert_allclose(isotopes.ratio(f.isotopes.respired[0], f.respiration_c), r[0], rtol=1e-12)
    # 14C decays: every pool is depleted by its age, old MAOM most; fast pools within 1e-4 of the input
    r14 = isotopes.ratio(shadow[1], state.values[C_ROWS])
    assert np.all(r14[has_c] <= r[1] * (1 + 1e-12))


def test_soil_13c_relaxes_to_a_new_input_ratio_fastest_in_the_fast_pools():
    """A C3-to-C4 switch of the litter (-26 to -12 per mil): after two years the labile litter has the new ratio,
    the microbes and DOM, which also feed on desorbed MAOM, are in between, MAOM has hardly moved, and the CO2
    mixes old and new carbon as in C3/C4 vegetation-change experiments (Balesdent et al. 1987)."""
    n = 1
    state = make_state(n)
    r_old = isotopes.atmosphere_ratios(-26.0)
    r_new = isotopes.atmosphere_ratios(-12.0)
    shadow = _soil_shadow(state, r_old)
    d = _iso_drivers(n, r_new)
    for _ in range(2 * 365):
        f = column.step(state, d, DAY, shadow=shadow)
    delta = dict(zip(("L", "R", "CWD", "DOM", "B", "BD", "EL", "ER", "M", "MS", "A"),
                     isotopes.delta13c_permil(shadow[0, :, 0], state.values[C_ROWS][:, 0]), strict=True))
    co2 = float(isotopes.delta13c_permil(f.isotopes.respired[0], f.respiration_c)[0])
    assert abs(delta["L"] + 12.0) < 0.1
    # structural litter exchanges with the aggregate-occluded matter, released after about a year: both lag,
    # the occluded more
    assert -17.0 < delta["R"] < -13.0 and -19.0 < delta["A"] < -15.0 and delta["A"] < delta["R"]
    assert -22.0 < delta["DOM"] < -16.0 and -22.0 < delta["B"] < -16.0
    assert -26.0 < delta["M"] < -25.0
    # the strongly bound MAOM, fed by the exchangeable at a few per mil a year, has not moved measurably
    assert -26.0 < delta["MS"] < delta["M"]
    assert delta["M"] < co2 < delta["R"]


def _veg_case(n=6):
    pft = np.array([1, 3, 5, 9, 10, 12])[:n]
    s = vegetation.init_state(pft, leaf_c=0.3, froot_c=0.3, wood_c=3.0, labile_c=0.05)
    return pft, s


def test_vegetation_isotope_books_close_and_no_discrimination_keeps_the_air_ratio():
    pft, s = _veg_case()
    n = len(pft)
    atm = isotopes.atmosphere_ratios()
    start = np.stack([s.labile_c, s.leaf_c, s.froot_c, s.wood_c])
    shadow = atm[:, None, None] * start[None]
    assim = isotopes.assimilate_ratios(atm, np.zeros(n))
    for k in range(96):
        gpp = np.full(n, 2e-7) * (k % 48 < 24)  # half the steps dark: maintenance paid from the pools
        before = shadow.sum(axis=1).copy()
        vf = vegetation.step(s, pft, gpp, 290.0, 288.0, 0.8, 1800.0, n_limitation=False)
        x = isotopes.vegetation_step(shadow, vf.flows, assim, 1800.0)
        change = shadow.sum(axis=1) - before
        expected = x.assimilated - x.respired - x.litter_met - x.litter_str - x.decayed
        assert np.all(np.abs(change - expected) <= 1e-12 * (before + x.assimilated))
        carbon = np.stack([s.labile_c, s.leaf_c, s.froot_c, s.wood_c])
        np.testing.assert_allclose(isotopes.ratio(shadow[0], carbon)[carbon > 0], atm[0], rtol=1e-12)
        np.testing.assert_allclose((x.litter_met + x.litter_str)[0],
                                   (vf.litter_met_c + vf.litter_str_c) * 1800.0 * atm[0], rtol=1e-12)
