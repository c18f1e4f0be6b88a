"""Rhizosphere O2 (mechanism 8) and sub-grid upscaling (mechanism 12) in the soil column step, behind switches."""

import numpy as np
import pytest

from lsm.soil_bgc import column, kinetics
from lsm.soil_bgc.pools import VARIABLES, SoilState
from lsm.soil_bgc.upscaling import UpscalingParameters, relative_correction
from tests.lsm.soil_bgc.conftest import DAY, make_drivers, make_state

HOUR = 3600.0
RHIZO = column.SoilBgcParameters(rhizosphere_o2=True)


def _step_with_books(state, drivers, dt, params):
    """One step; returns the fluxes and the relative C and N book errors per column."""
    c0, n0 = state.total_c().copy(), state.total_n().copy()
    f = column.step(state, drivers, dt, params)
    err_c = (state.total_c() - (c0 + f.input_c - f.respiration_c - f.lost_c)) / state.total_c()
    err_n = (state.total_n() - (n0 + f.input_n - f.lost_n)) / state.total_n()
    return f, err_c, err_n


def _random_columns(seed, n=64):
    rng = np.random.default_rng(seed)
    state = make_state(n)
    state = SoilState(state.values * rng.choice([0.0, 1e-9, 0.1, 1.0, 30.0], size=(len(VARIABLES), n)))
    d = make_drivers(n)._replace(t_soil_k=rng.uniform(250.0, 320.0, n), theta=rng.uniform(0.0, 0.45, n),
                                 drainage=rng.choice([0.0, 1e-6, 1e-3], n), root_c=rng.choice([0.0, 0.2, 2.0], n))
    return state, d


def _columns_at(theta, root_c=0.2, n_per=1):
    theta = np.repeat(np.asarray(theta, dtype=float), n_per)
    n = theta.size
    d = make_drivers(n)._replace(theta=theta, water_kg_m2=1000.0 * theta, root_c=np.full(n, root_c))
    return make_state(n), d


# --- (a) off: bit for bit ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_switches_off_are_bit_for_bit_the_default_step(seed):
    """Both off, even with heterogeneity set, the step is bit for bit the default one (nothing computed)."""
    off = column.SoilBgcParameters(rhizosphere_o2=False, specific_root_length_m_kg=1.0, root_c_fraction=0.3,
                                   upscaling=UpscalingParameters(enabled=False, cv_substrate=0.5, cv_biomass=0.5,
                                                                 correlation=-0.5))
    state, d = _random_columns(seed)
    a, b = SoilState(state.values.copy()), SoilState(state.values.copy())
    for dt in (1800.0, HOUR, DAY):
        fa = column.step(a, d, dt)
        fb = column.step(b, d, dt, off)
        np.testing.assert_array_equal(a.values, b.values)
        for name, x, y in zip(fa._fields, fa, fb):
            if x is None:
                assert y is None, name
            else:
                np.testing.assert_array_equal(x, y, err_msg=name)
        np.testing.assert_array_equal(fa.oxidative_factor, 1.0)


# --- (b) rhizosphere O2 ----------------------------------------------------------------------------------


def test_rhizosphere_o2_leaves_a_well_aerated_column_nearly_unchanged():
    """Dry (WFPS 0.4 %) and moist (WFPS 0.56, the test column of conftest.py): R depolymerisation changes by
    < 1e-3.  The pore air at the outer radius holds atmospheric O2 and the multiplier is normalised by it, so
    only the drawdown around the roots counts, and it matters only near saturation (below)."""
    state, d = _columns_at([0.002, 0.25])
    on, off = SoilState(state.values.copy()), SoilState(state.values.copy())
    f_on = column.step(on, d, HOUR, RHIZO)
    f_off = column.step(off, d, HOUR)
    rel = f_on.depolymerised_r_c / f_off.depolymerised_r_c - 1.0
    assert np.all(np.abs(rel) < 1e-3) and np.all(rel <= 0.0)
    np.testing.assert_allclose(f_on.depolymerised_r_c / f_off.depolymerised_r_c, f_on.oxidative_factor, rtol=1e-12)
    # without roots nothing draws the O2 down: the factor is exactly 1
    no_roots = column.step(SoilState(state.values.copy()), d._replace(root_c=np.zeros(2)), HOUR, RHIZO)
    np.testing.assert_allclose(no_roots.oxidative_factor, 1.0, rtol=1e-12)


def test_rhizosphere_o2_slows_oxidative_decay_of_a_wet_column_and_books_close():
    """Nearly saturated: R and MAOM depolymerisation fall, more so the wetter (lower D_eff); books to 1e-12."""
    theta = np.array([0.40, 0.42, 0.435, 0.44, 0.445, 0.45])  # porosity 0.45
    state, d = _columns_at(theta)
    on, off = SoilState(state.values.copy()), SoilState(state.values.copy())
    f_on, err_c, err_n = _step_with_books(on, d, HOUR, RHIZO)
    f_off = column.step(off, d, HOUR)
    assert np.all(np.abs(err_c) <= 1e-12) and np.all(np.abs(err_n) <= 1e-12)
    assert np.all(f_on.depolymerised_r_c < f_off.depolymerised_r_c)
    assert np.all(f_on.depolymerised_maom_c < f_off.depolymerised_maom_c)
    decay = f_on.depolymerised_r_c + f_on.depolymerised_maom_c
    assert np.all(np.diff(decay) < 0)
    assert np.all(np.diff(f_on.oxidative_factor) < 0)
    # the anaerobic floor of the uptake: saturated soil keeps 30 % (CENTURY aneref(3))
    assert f_on.oxidative_factor[-1] == pytest.approx(RHIZO.anaerobic_uptake_fraction, rel=1e-12)
    # roots draw the O2 down further than the bulk alone near saturation
    no_roots = column.step(SoilState(state.values.copy()), d._replace(root_c=np.zeros(theta.size)), HOUR, RHIZO)
    assert np.all(f_on.oxidative_factor[2:-1] < no_roots.oxidative_factor[2:-1])
    # only the R and MAOM depolymerisation proposals change: L is untouched in this step
    np.testing.assert_array_equal(f_on.depolymerised_l_c, f_off.depolymerised_l_c)


@pytest.mark.parametrize("seed", [2, 3])
def test_rhizosphere_o2_books_close_on_random_columns(seed):
    state, d = _random_columns(seed)
    for dt in (1800.0, DAY):
        for _ in range(3):
            f, err_c, err_n = _step_with_books(state, d, dt, RHIZO)
            assert np.all(state.values >= 0.0)
            assert np.all(np.abs(err_c) <= 1e-12) and np.all(np.abs(err_n) <= 1e-12)
            assert np.all((f.oxidative_factor >= RHIZO.anaerobic_uptake_fraction - 1e-15)
                          & (f.oxidative_factor <= 1.0 + 1e-12))


# --- (c) sub-grid upscaling -------------------------------------------------------------------------------


def _uptake(params, theta=0.25):
    state, d = _columns_at([theta])
    # the step's soluble DOM: after the leached share of the litter input arrives
    dom = state.c("dom") + params.litter_leaching_fraction * d.litter_met_c * HOUR
    soluble = kinetics.damm_soluble_substrate(dom, d.theta, d.porosity, p_soluble=1.0)
    f, err_c, err_n = _step_with_books(state, d, HOUR, params)
    assert np.all(np.abs(err_c) <= 1e-12) and np.all(np.abs(err_n) <= 1e-12)
    return f.uptake_c[0], soluble[0]


def test_upscaling_substrate_variance_lowers_and_correlation_raises_uptake():
    mean_field, soluble = _uptake(column.SoilBgcParameters())
    assert soluble < column.SoilBgcParameters().km_dom  # x = S / K_m < 1: co-location outweighs variance

    def up(cv_s, cv_b, rho):
        u = UpscalingParameters(enabled=True, cv_substrate=cv_s, cv_biomass=cv_b, correlation=rho)
        return _uptake(column.SoilBgcParameters(upscaling=u))[0]

    variance_only = up(0.3, 0.3, 0.0)
    assert variance_only < mean_field
    # the uptake is not limited by DOM in this step: the ratio is exactly the correction 1 + delta
    delta = relative_correction(soluble, column.SoilBgcParameters().km_dom, cv_s=0.3, cv_b=0.3, rho_bs=0.0)
    assert variance_only / mean_field == pytest.approx(1.0 + delta, rel=1e-12)
    assert up(0.3, 0.3, 0.5) > variance_only
    assert up(0.3, 0.3, 0.5) > mean_field
    assert up(0.3, 0.3, -0.5) < variance_only
    # enabled with no heterogeneity: the mean-field rate
    assert up(0.0, 0.0, 0.0) == mean_field


@pytest.mark.parametrize("rho", [-0.9, 0.0, 0.9])
def test_upscaling_books_close_on_random_columns(rho):
    params = column.SoilBgcParameters(rhizosphere_o2=True, upscaling=UpscalingParameters(
        enabled=True, cv_substrate=0.8, cv_biomass=0.8, correlation=rho))
    state, d = _random_columns(7)
    for dt in (HOUR, DAY):
        for _ in range(3):
            _, err_c, err_n = _step_with_books(state, d, dt, params)
            assert np.all(state.values >= 0.0)
            assert np.all(np.abs(err_c) <= 1e-12) and np.all(np.abs(err_n) <= 1e-12)
