"""Coarse woody debris: wood litter lies apart from the soil's litter and fragments into it at first order."""

import numpy as np
import pytest

from lsm.soil_bgc import column, isotopes
from lsm.soil_bgc.kinetics import VMAX_ACTIVATION_ENERGY_J_MOL, arrhenius_factor
from lsm.soil_bgc.nitrogen_inputs import G_M2_YR
from lsm.soil_bgc.pools import C_ROWS
from tests.lsm.soil_bgc.conftest import DAY, make_drivers, make_state

WOOD_G_M2_YR = 200.0


def _wood_drivers(n, t_k):
    d = make_drivers(n, t_k=t_k)
    wood = WOOD_G_M2_YR * G_M2_YR * np.ones(n)
    return d._replace(litter_cwd_c=wood, litter_cwd_n=wood / 500.0)


def test_debris_follows_the_exact_solution_of_first_order_fragmentation():
    """Constant input I and rate k f_T: the daily map C' = (C + I dt) exp(-k f_T dt) from an empty pool gives
    C_n = C* (1 - exp(-n k f_T dt)) with C* = I dt exp(-k f_T dt) / (1 - exp(-k f_T dt)) ~ I / (k f_T)."""
    t = np.array([273.15, 283.15, 298.15])
    d = _wood_drivers(3, t)
    state = make_state(3)
    k = column.SoilBgcParameters().cwd_fragmentation_s * arrhenius_factor(t, VMAX_ACTIVATION_ENERGY_J_MOL)
    decay = np.exp(-k * DAY)
    steady = d.litter_cwd_c * DAY * decay / (1.0 - decay)
    days = 3 * 365
    for _ in range(days):
        f = column.step(state, d, DAY)
    np.testing.assert_allclose(state.c("coarse_woody_debris"), steady * (1.0 - decay ** days), rtol=1e-12)
    # the debris keeps the wood's C:N; it fragments into R, which is where the N goes too
    np.testing.assert_allclose(state.n("coarse_woody_debris"), state.c("coarse_woody_debris") / 500.0, rtol=1e-12)
    np.testing.assert_allclose(f.fragmented_cwd_c, (state.c("coarse_woody_debris") / decay) * (1.0 - decay),
                               rtol=1e-12)
    # 0.001 d-1 at 25 degC: residence of 2.7 years in the tropics, ~16 at 0 degC
    assert 1.0 / (k[2] * 365 * DAY) == pytest.approx(2.74, abs=0.01)
    assert 12.0 < 1.0 / (k[0] * 365 * DAY) < 20.0
    assert steady[0] > 5.0 * steady[2]


def test_wood_is_not_occluded_in_aggregates_until_it_has_fragmented():
    """The same wood entering as debris or straight into R (as it did before the debris pool): after a year the
    wood has added several times more to the aggregates by the R route, and the books close either way."""
    t = 283.15
    debris = _wood_drivers(1, t)
    straight = debris._replace(litter_str_c=debris.litter_str_c + debris.litter_cwd_c,
                               litter_str_n=debris.litter_str_n + debris.litter_cwd_n,
                               litter_cwd_c=0.0, litter_cwd_n=0.0)
    none = debris._replace(litter_cwd_c=0.0, litter_cwd_n=0.0)
    got = {}
    for name, d in (("debris", debris), ("straight", straight), ("none", none)):
        state = make_state(1)
        state.c("aggregate")[:] = 0.0
        state.n("aggregate")[:] = 0.0
        c0 = state.total_c().copy()
        inputs = lost = 0.0
        for _ in range(365):
            f = column.step(state, d, DAY)
            inputs, lost = inputs + f.input_c, lost + f.respiration_c + f.lost_c
        np.testing.assert_allclose(state.total_c(), c0 + inputs - lost, rtol=1e-12)
        got[name] = state.c("aggregate")[0]
    assert got["straight"] - got["none"] > 4.0 * (got["debris"] - got["none"]) > 0.0


def test_debris_carries_the_isotopes_of_the_wood():
    """Wood of a distinct 13C and 14C ratio: the debris holds it exactly, and the soil's isotope books close."""
    n = 2
    d = _wood_drivers(n, 288.15)
    r = isotopes.atmosphere_ratios(-26.0)
    wood_r = isotopes.atmosphere_ratios(-20.0)
    d = d._replace(litter_met_iso=r[:, None] * d.litter_met_c, litter_str_iso=r[:, None] * d.litter_str_c,
                   litter_cwd_iso=wood_r[:, None] * d.litter_cwd_c)
    state = make_state(n)
    shadow = r[:, None, None] * state.values[C_ROWS][None]
    for _ in range(30):
        before = shadow.sum(axis=1).copy()
        f = column.step(state, d, DAY, shadow=shadow)
        x = f.isotopes
        np.testing.assert_allclose(shadow.sum(axis=1) - before, x.input - x.respired - x.leached_doc - x.decayed,
                                   rtol=0, atol=1e-12 * before.max())
    k = list(C_ROWS).index(column.CW_C)
    np.testing.assert_allclose(shadow[0, k] / state.c("coarse_woody_debris"), wood_r[0], rtol=1e-12)
    with pytest.raises(ValueError, match="wood litter"):
        column.step(state, d._replace(litter_cwd_iso=None), DAY, shadow=shadow)
