"""Mineral-associated organic matter: the exchangeable Langmuir phase and the strongly bound, slow phase."""

import numpy as np
import pytest

from lsm.soil_bgc import column, kinetics

from tests.lsm.soil_bgc.conftest import DAY, make_drivers, make_state

YEAR = 365.0 * DAY


def _pool(state, name):
    return state.c(name).copy(), state.n(name).copy()


def test_ageing_and_release_move_exactly_their_first_order_amounts():
    """Over a step the exchangeable MAOM loses ``k_a M dt`` to the strongly bound pool and gains ``k_r S dt``
    back, C and N at their pools' C:N; nothing else touches the strongly bound pool."""
    p = column.SoilBgcParameters()
    n = 3
    state = make_state(n)
    state.c("maom_stable")[:] = [0.0, 4.5, 20.0]
    state.n("maom_stable")[:] = state.c("maom_stable") / np.array([1.0, 8.0, 12.0])
    m_c, m_n = _pool(state, "maom")
    s_c, s_n = _pool(state, "maom_stable")
    column.step(state, make_drivers(n), DAY, p)
    aged, released = p.maom_stabilisation_s * m_c * DAY, p.maom_destabilisation_s * s_c * DAY
    np.testing.assert_allclose(state.c("maom_stable"), s_c + aged - released, rtol=1e-13)
    n_released = np.divide(released * s_n, s_c, out=np.zeros(n), where=s_c > 0)
    np.testing.assert_allclose(state.n("maom_stable"), s_n + aged * m_n / m_c - n_released, rtol=1e-13)
    assert p.maom_destabilisation_s == pytest.approx(1.0 / (500.0 * YEAR))


def test_strongly_bound_matter_holds_sorption_sites_but_does_not_desorb():
    """With the same exchangeable MAOM, strongly bound matter lowers the sorption of DOM by the sites it holds,
    ``k_s DOM_sol (S / Q) dt``, and leaves the desorption as it was (an hour: no pool runs short, so the
    limiter scales nothing)."""
    p = column.SoilBgcParameters(maom_stabilisation_s=0.0, maom_destabilisation_s=0.0)
    dt = 3600.0
    d = make_drivers(2, dt=dt)
    state = make_state(2)
    state.c("maom_stable")[:] = [0.0, 6.0]
    state.n("maom_stable")[:] = state.c("maom_stable") / 10.0
    # the DOM at the reaction: what the soil held plus the share of the litter that leaches in at the step's start
    dom = state.c("dom") + p.litter_leaching_fraction * d.litter_met_c * dt
    soluble = kinetics.damm_soluble_substrate(dom, d.theta, d.porosity, p_soluble=1.0)
    capacity = column.maom_capacity(d.fines, p)
    m0 = state.c("maom").copy()
    column.step(state, d, dt, p)
    fewer_sites = p.sorption_s * soluble[1] * 6.0 / capacity[1] * dt
    assert state.c("maom")[0] - state.c("maom")[1] == pytest.approx(fewer_sites, rel=1e-12)
    assert fewer_sites > 1e-8 * m0[0]  # far above the rounding of the pools (~1e-15 m0)
    np.testing.assert_array_equal(state.c("maom_stable"), [0.0, 6.0])


def test_strongly_bound_pool_settles_at_the_ratio_of_its_rates():
    """Integrated for millennia with the exchangeable MAOM held, the strongly bound pool follows
    ``S(t) = (k_a/k_r) M (1 - exp(-k_r t))``: a third of MAOM at steady state, half of it after 350 years."""
    p = column.SoilBgcParameters()
    ka, kr = p.maom_stabilisation_s, p.maom_destabilisation_s
    m = 9.0
    t = np.array([350.0, 3000.0]) * YEAR
    s = ka / kr * m * -np.expm1(-kr * t)
    assert s[0] == pytest.approx(0.5 * ka / kr * m, rel=0.02)
    assert s[1] / (s[1] + m) == pytest.approx(1.0 / 3.0, rel=0.01)
    # the column's own explicit steps over 3000 years of yearly steps of the two fluxes alone
    state_s = 0.0
    for _ in range(3000):
        state_s += (ka * m - kr * state_s) * YEAR
    assert state_s == pytest.approx(s[1], rel=0.01)


def test_books_close_with_the_strongly_bound_pool():
    """C and N of every column close to 1e-12 per step while the strongly bound pool exchanges fast enough to
    move mass (rates x 1e5), from half-filled to over-filled mineral capacity."""
    p = column.SoilBgcParameters(maom_stabilisation_s=1e-8, maom_destabilisation_s=3e-8)
    n = 4
    state = make_state(n)
    state.c("maom_stable")[:] = [0.0, 5.0, 20.0, 60.0]
    state.n("maom_stable")[:] = state.c("maom_stable") / 9.0
    d = make_drivers(n, t_k=np.array([270.0, 285.0, 295.0, 305.0]))
    before = state.c("maom_stable").copy()
    for _ in range(30):
        c0, n0 = state.total_c().copy(), state.total_n().copy()
        f = column.step(state, d, DAY, p)
        np.testing.assert_allclose(state.total_c(), c0 + f.input_c - f.respiration_c - f.lost_c, rtol=1e-12)
        np.testing.assert_allclose(state.total_n(), n0 + f.input_n - f.lost_n, rtol=1e-12)
        assert np.all(state.values >= 0.0)
    assert np.all(np.abs(state.c("maom_stable") - before) > 1e-3)
