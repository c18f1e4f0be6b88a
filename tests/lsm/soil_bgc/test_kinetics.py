"""Enzyme kinetics and DAMM modifiers: analytic limits, bounds and the published DAMM constants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm.soil_bgc import kinetics as kin

R = 8.314462618

# Non-negative pools and capacities spanning many orders of magnitude, zero included.
pool = st.one_of(st.just(0.0), st.floats(min_value=1e-12, max_value=1e6, allow_nan=False))
capacity = st.one_of(st.just(0.0), st.floats(min_value=1e-12, max_value=1e3, allow_nan=False))
positive = st.floats(min_value=1e-9, max_value=1e6, allow_nan=False)


# --- Rate laws ------------------------------------------------------------------


def test_eca_tends_to_forward_mm_when_enzyme_is_scarce():
    k_m, s = np.array([0.5, 2.0, 40.0]), np.array([1.5, 0.1, 10.0])  # kg C m-3
    e = 1e-3 * (k_m + s)
    vmax = 2e-5
    eca = kin.equilibrium_chemistry_rate(vmax, e, s, k_m)
    mm = kin.michaelis_menten_rate(vmax, e, s, k_m)
    assert np.all(np.abs(eca / mm - 1.0) < 1e-3)
    # The ratio is exactly (K + S) / (K + S + E) = 1 / 1.001.
    np.testing.assert_allclose(eca / mm, 1.0 / 1.001, rtol=1e-13)
    np.testing.assert_allclose(mm, vmax * e * s / (k_m + s), rtol=1e-14)


def test_eca_tends_to_reverse_mm_when_substrate_is_scarce():
    k, e = np.array([0.5, 2.0, 40.0]), np.array([3.0, 0.01, 1.0])
    s = 1e-3 * (k + e)
    vmax = 1e-4
    eca = kin.equilibrium_chemistry_rate(vmax, e, s, k)
    rmm = kin.reverse_michaelis_menten_rate(vmax, e, s, k)
    assert np.all(np.abs(eca / rmm - 1.0) < 1e-3)
    np.testing.assert_allclose(eca / rmm, 1.0 / 1.001, rtol=1e-13)
    np.testing.assert_allclose(rmm, vmax * s * e / (k + e), rtol=1e-14)


def test_eca_saturation_and_linear_limits():
    vmax, k = 1e-3, 2.0
    # Abundant substrate: the enzymes are saturated, rate -> vmax E.
    assert kin.equilibrium_chemistry_rate(vmax, 0.1, 1e9, k) == pytest.approx(vmax * 0.1, rel=1e-8)
    # Abundant enzyme: every substrate molecule is bound, rate -> vmax S (the MM form would diverge).
    assert kin.equilibrium_chemistry_rate(vmax, 1e9, 0.1, k) == pytest.approx(vmax * 0.1, rel=1e-8)
    assert kin.michaelis_menten_rate(vmax, 1e9, 0.1, k) > 1e3 * vmax * 0.1
    # Both dilute: second order, vmax E S / K.
    assert kin.equilibrium_chemistry_rate(vmax, 1e-6, 1e-6, k) == pytest.approx(vmax * 1e-12 / k, rel=1e-5)
    # Zero pools give zero rates, even with K = 0.
    for f in (kin.equilibrium_chemistry_rate, kin.michaelis_menten_rate, kin.reverse_michaelis_menten_rate):
        assert f(vmax, 0.0, 0.0, 0.0) == 0.0
        assert f(vmax, 1.0, 0.0, k) == 0.0
        assert f(vmax, 0.0, 1.0, k) == 0.0


def test_rate_laws_are_vectorised_and_broadcast():
    ncol, nlev = 7, 4
    rng = np.random.default_rng(3)
    e = rng.uniform(0.0, 1.0, (nlev, ncol))
    s = rng.uniform(0.0, 50.0, (nlev, ncol))
    k = rng.uniform(0.1, 10.0, ncol)  # one K per column, broadcast over layers
    r = kin.equilibrium_chemistry_rate(1e-4, e, s, k)
    assert r.shape == (nlev, ncol)
    np.testing.assert_allclose(r, 1e-4 * e * s / (k + s + e), rtol=1e-14)
    assert kin.michaelis_menten_rate(1e-4, e, s, k).shape == (nlev, ncol)
    assert kin.reverse_michaelis_menten_rate(1e-4, e, s, k).shape == (nlev, ncol)


@settings(max_examples=300, deadline=None)
@given(vmax=capacity, e=pool, s=pool, k=pool)
def test_rates_non_negative_finite_and_bounded(vmax, e, s, k):
    eca = kin.equilibrium_chemistry_rate(vmax, e, s, k)
    mm = kin.michaelis_menten_rate(vmax, e, s, k)
    rmm = kin.reverse_michaelis_menten_rate(vmax, e, s, k)
    for r in (eca, mm, rmm):
        assert np.isfinite(r) and r >= 0.0
    slack = 1.0 + 1e-12  # rounding only
    assert eca <= vmax * min(e, s) * slack
    assert eca <= mm * slack and eca <= rmm * slack
    assert mm <= vmax * e * slack and rmm <= vmax * s * slack
    if k > 0.0:
        assert eca <= vmax * e * s / k * slack
    # ECA is symmetric in enzyme and substrate.
    assert eca == pytest.approx(kin.equilibrium_chemistry_rate(vmax, s, e, k), rel=1e-12, abs=0.0)


# --- Temperature ----------------------------------------------------------------


def test_arrhenius_is_one_at_reference_and_has_the_analytic_ratio():
    assert kin.arrhenius_factor(298.15, 47e3) == 1.0
    assert kin.arrhenius_factor(283.0, 47e3, t_ref_k=283.0) == 1.0
    ea = 47e3
    ratio = kin.arrhenius_factor(298.0, ea) / kin.arrhenius_factor(288.0, ea)
    assert ratio == pytest.approx(np.exp(ea / R * (10.0 / (288.0 * 298.0))), rel=1e-13)
    # 47 kJ mol-1 is a Q10 of 1.93 at 15 degC (hand-computed: exp(47000/8.3145 * 10/(288.15*298.15))).
    assert kin.equivalent_q10(ea, 288.15) == pytest.approx(1.9309, abs=1e-4)
    assert kin.arrhenius_factor(298.15, ea, 288.15) == pytest.approx(kin.equivalent_q10(ea, 288.15), rel=1e-13)
    # Warmer is faster, colder slower; zero activation energy is no temperature dependence.
    t = np.array([263.15, 278.15, 298.15, 313.15])
    f = kin.arrhenius_factor(t, ea)
    assert np.all(np.diff(f) > 0) and f[2] == 1.0
    np.testing.assert_array_equal(kin.arrhenius_factor(t, 0.0), 1.0)
    assert kin.GAS_CONSTANT == R


def test_model_defaults_and_gas_constant_match_the_photosynthesis_module():
    from lsm.photosynthesis import R_GAS

    assert kin.GAS_CONSTANT == R_GAS
    assert kin.VMAX_ACTIVATION_ENERGY_J_MOL == 47e3  # Allison et al. (2010)
    assert kin.KM_ACTIVATION_ENERGY_J_MOL == 0.0
    assert kin.T_REF_K == 298.15


def test_q10_factor():
    assert kin.q10_factor(288.15, 2.0, 288.15) == 1.0
    assert kin.q10_factor(298.15, 2.0, 288.15) == pytest.approx(2.0, rel=1e-14)
    assert kin.q10_factor(278.15, 2.0, 288.15) == pytest.approx(0.5, rel=1e-14)
    assert kin.q10_factor(np.array([288.15, 308.15]), 1.5, 288.15) == pytest.approx([1.0, 2.25], rel=1e-14)


def test_vmax_and_km_temperature_dependence():
    t = np.array([278.15, 298.15, 308.15])
    v = kin.vmax_at_temperature(1e-4, t)
    assert np.all(kin.km_at_temperature(5.0, t) == 5.0)  # no K_m temperature response by default
    k = kin.km_at_temperature(5.0, t, activation_energy_j_mol=30e3)
    assert v[1] == 1e-4 and k[1] == 5.0
    np.testing.assert_allclose(v, 1e-4 * np.exp(-47e3 / R * (1 / t - 1 / 298.15)), rtol=1e-14)
    np.testing.assert_allclose(k, 5.0 * np.exp(-30e3 / R * (1 / t - 1 / 298.15)), rtol=1e-14)
    # K_m warms more slowly than Vmax, so at low substrate (rate ~ Vmax/K_m) the apparent
    # activation energy is Ea_V - Ea_K = 17 kJ mol-1.
    e, s = 1e-9, 1e-9  # both << K_m = 5: relative error ~ (E + S) / K_m = 4e-10
    r = kin.equilibrium_chemistry_rate(v, e, s, k)
    assert r[2] / r[1] == pytest.approx(np.exp(-17e3 / R * (1 / 308.15 - 1 / 298.15)), rel=1e-8)


# --- Moisture and oxygen (DAMM) ------------------------------------------------


def test_published_damm_constants_are_the_porosity_normalisation():
    # Davidson et al. (2012): D_liq = 3.17, D_gas = 1.67 at porosity 0.68.
    assert kin.DAMM_D_LIQ == 3.17 and kin.DAMM_D_GAS == 1.67
    assert kin.damm_liquid_diffusion_coefficient(0.68) == pytest.approx(3.17, rel=5e-3)
    assert kin.damm_gas_diffusion_coefficient(0.68) == pytest.approx(1.67, rel=2e-3)
    assert (kin.DAMM_P_SOLUBLE, kin.DAMM_KM_O2, kin.DAMM_O2_AIR) == (4.14e-4, 0.121, 0.209)
    assert kin.DAMM_KM_SX_KG_M3 == pytest.approx(9.95e-7 * 1e-3 / 1e-6, rel=1e-14)  # g cm-3 -> kg m-3


def test_damm_oxygen_is_atmospheric_in_dry_soil_and_zero_at_saturation():
    # Paper's normalisation applied to porosity 0.8: O2 = 0.209 at a = 0.8.
    assert kin.damm_oxygen(0.0, 0.8) == pytest.approx(0.209, rel=1e-14)
    assert kin.damm_oxygen(0.0, 0.8, d_gas=0.8 ** (-4 / 3)) == pytest.approx(0.209, rel=1e-14)
    # The published constant at the published porosity gives the same within its rounding.
    assert kin.damm_oxygen(0.0, kin.DAMM_POROSITY, d_gas=kin.DAMM_D_GAS) == pytest.approx(0.209, rel=2e-3)
    # Saturated (or supersaturated) soil holds no O2; ice also blocks pores.
    phi = np.array([0.4, 0.55, 0.68, 0.9])
    np.testing.assert_array_equal(kin.damm_oxygen(phi, phi), 0.0)
    np.testing.assert_array_equal(kin.damm_oxygen(phi + 0.05, phi), 0.0)
    assert kin.damm_oxygen(0.3, 0.5, theta_ice=0.2) == 0.0
    # O2 = 0.209 (a / porosity)^(4/3), never above the atmosphere, falling with water.
    theta = np.linspace(0.0, 0.5, 51)
    o2 = kin.damm_oxygen(theta, 0.5)
    np.testing.assert_allclose(o2, 0.209 * ((0.5 - theta) / 0.5) ** (4 / 3), rtol=1e-13, atol=1e-300)
    assert np.all(np.diff(o2) < 0) and o2.max() <= 0.209 * (1 + 1e-14)
    # Published form by hand: 1.67 * 0.209 * (0.68 - 0.3)^(4/3).
    assert kin.damm_oxygen(0.3, 0.68, d_gas=1.67) == pytest.approx(1.67 * 0.209 * 0.38 ** (4 / 3), rel=1e-14)


def test_damm_soluble_substrate_rises_as_theta_cubed():
    s_tot = 48.0  # kg C m-3 (Harvard Forest 0.048 g C cm-3)
    theta = np.array([0.05, 0.1, 0.2, 0.4])
    s_sol = kin.damm_soluble_substrate(s_tot, theta, 0.68)
    np.testing.assert_allclose(s_sol[1:] / s_sol[:-1], 8.0, rtol=1e-13)  # doubling theta: x 2^3
    # At saturation the whole soluble fraction reaches the site.
    assert kin.damm_soluble_substrate(s_tot, 0.68, 0.68) == pytest.approx(4.14e-4 * s_tot, rel=1e-14)
    assert kin.damm_soluble_substrate(s_tot, 0.0, 0.68) == 0.0
    # Published form by hand: p S D_liq theta^3.
    assert kin.damm_soluble_substrate(s_tot, 0.3, 0.68, d_liq=kin.DAMM_D_LIQ) == pytest.approx(
        4.14e-4 * 48.0 * 3.17 * 0.027, rel=1e-14
    )
    # Linear in substrate, vectorised over columns.
    s2 = kin.damm_soluble_substrate(np.array([1.0, 2.0, 4.0]), 0.25, np.array([0.5, 0.5, 0.5]))
    np.testing.assert_allclose(s2 / s2[0], [1.0, 2.0, 4.0], rtol=1e-14)


def test_oxygen_limitation():
    assert kin.oxygen_limitation(0.121) == pytest.approx(0.5, rel=1e-14)
    assert kin.oxygen_limitation(0.209) == pytest.approx(0.209 / 0.330, rel=1e-14)
    assert kin.oxygen_limitation(0.0) == 0.0
    assert kin.oxygen_limitation(0.0, 0.0) == 0.0


def test_damm_moisture_response_peaks_at_intermediate_water_content():
    """SCIENCE.md item 4: diffusion limits at low WFPS, O2 at high WFPS -> interior optimum."""
    phi = 0.68
    theta = np.linspace(0.0, phi, 681)
    s_sol = kin.damm_soluble_substrate(48.0, theta, phi)
    f = s_sol / (kin.DAMM_KM_SX_KG_M3 + s_sol) * kin.oxygen_limitation(kin.damm_oxygen(theta, phi))
    assert f[0] == 0.0 and f[-1] == 0.0
    i = int(np.argmax(f))
    assert 0.1 * phi < theta[i] < 0.95 * phi
    assert np.all(np.diff(f[: i + 1]) >= 0) and np.all(np.diff(f[i:]) <= 0)  # single peak


@settings(max_examples=200, deadline=None)
@given(
    s=pool,
    phi=st.floats(min_value=0.2, max_value=0.95),
    wfps=st.floats(min_value=0.0, max_value=1.2),
    o2_km=positive,
)
def test_damm_modifiers_non_negative_finite_and_bounded(s, phi, wfps, o2_km):
    theta = wfps * phi
    s_sol = kin.damm_soluble_substrate(s, theta, phi)
    o2 = kin.damm_oxygen(theta, phi)
    lim = kin.oxygen_limitation(o2, o2_km)
    for x in (s_sol, o2, lim):
        assert np.isfinite(x) and x >= 0.0
    assert s_sol <= kin.DAMM_P_SOLUBLE * s * (1 + 1e-12)
    assert o2 <= 0.209 * (1 + 1e-12)
    assert lim <= 1.0
