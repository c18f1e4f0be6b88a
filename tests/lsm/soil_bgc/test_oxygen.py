"""Rhizosphere O2 (SCIENCE.md mechanism 8): analytic vs numerical profiles, mass balance, D_eff monotonicity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm.soil_bgc import oxygen as ox

# A fine root (r0 = 0.15 mm) in a loam with 1 cm of root per cm3 (R = 5.6 mm, R / r0 = 38).
R0 = 1.5e-4
L_V = 1.0e4
R = float(ox.root_half_distance(L_V))
C_R = 8.7  # mol m-3 air, about atmospheric O2 at 20 degC
Q = 1.0e-4  # mol m-3 soil s-1, a respiring rhizosphere
X0 = (R0 / R) ** 2
NO_FLUX_DROP = Q * R**2 * (1.0 - X0 + X0 * np.log(X0)) / 4.0  # c_R - c(r0) times D for a no-flux root


def d_for_drop(fraction):
    """D_eff (m2 s-1) at which a no-flux root sees ``c(r0) = (1 - fraction) c_R``."""
    return NO_FLUX_DROP / (np.asarray(fraction, dtype=float) * C_R)


def max_rel_err(num, ana):
    return np.max(np.abs(num - ana) / np.abs(ana), axis=-1)


# --- Millington-Quirk diffusivity -------------------------------------------------------


def test_millington_quirk_limits_and_form():
    d0 = 2.0e-5
    assert ox.millington_quirk_diffusivity(0.0, 0.45, d0) == 0.0
    assert ox.millington_quirk_diffusivity(1.0, 1.0, d0) == pytest.approx(d0, rel=1e-15)
    phi = np.array([0.35, 0.45, 0.6])
    # Dry soil (a = phi): D0 phi^(4/3); the MQ form is a^(4/3) (a/phi)^2.
    np.testing.assert_allclose(ox.millington_quirk_diffusivity(phi, phi, d0), d0 * phi ** (4.0 / 3.0), rtol=1e-14)
    a = np.array([0.05, 0.2, 0.3])
    np.testing.assert_allclose(ox.millington_quirk_diffusivity(a, phi, d0),
                               d0 * a ** (4.0 / 3.0) * (a / phi) ** 2, rtol=1e-14)
    # Clipped to [0, phi]; increasing in a.
    assert ox.millington_quirk_diffusivity(0.7, 0.45, d0) == ox.millington_quirk_diffusivity(0.45, 0.45, d0)
    assert ox.millington_quirk_diffusivity(-0.1, 0.45, d0) == 0.0
    assert np.all(np.diff(ox.millington_quirk_diffusivity(np.linspace(0, 0.45, 50), 0.45, d0)) > 0)


def test_constants_against_their_sources():
    # O2 in air at 20 degC: 2.01e-5 m2 s-1 (Glinski & Stepniewski 1985); the brief's 2.02e-5 is within 1 %.
    assert ox.O2_DIFFUSIVITY_AIR_20C == pytest.approx(2.01e-5, rel=0.01)
    assert float(ox.o2_diffusivity_in_air(273.15)) == pytest.approx(1.77e-5, rel=1e-12)
    # Air-saturated water at 25 degC and 1 atm of moist air holds 258 umol O2 per kg (Benson & Krause 1984).
    p_o2 = ox.ATMOSPHERIC_O2_MOLE_FRACTION * (101325.0 - 3169.0)
    assert float(ox.henry_o2(298.15)) * p_o2 == pytest.approx(0.258, rel=0.01)
    # Dissolved <-> soil air: air-equilibrated water maps back onto the O2 of the air.
    c_air = float(ox.atmospheric_o2_concentration(293.15))
    c_aq = c_air * float(ox.henry_o2(293.15)) * 8.314462618 * 293.15
    assert float(ox.dissolved_to_gas_o2(c_aq, 293.15)) == pytest.approx(c_air, rel=1e-14)
    assert 0.5 < ox.PHENOL_OXIDASE_KM_O2 < 1.5  # 30 uM dissolved is about a tenth of atmospheric O2
    assert c_air == pytest.approx(8.71, abs=0.01)


def test_geometry_and_consumption_units():
    assert np.pi * R**2 * L_V == pytest.approx(1.0, rel=1e-14)
    # 1 umol CO2 m-2 s-1 from a 0.1 m layer with RQ = 1 consumes 1e-5 mol O2 m-3 s-1.
    assert float(ox.o2_consumption_rate(1e-6 * 0.012011, 0.1)) == pytest.approx(1e-5, rel=1e-12)
    assert float(ox.o2_consumption_rate(1e-6 * 0.012011, 0.1, 0.8)) == pytest.approx(1.25e-5, rel=1e-12)


# --- The analytic solution ----------------------------------------------------------


@pytest.mark.parametrize("c_root", [None, np.array([np.nan, 0.0, 4.0, 8.0])])
def test_analytic_profile_solves_the_equation_and_boundary_conditions(c_root):
    d = d_for_drop(np.array([0.3, 0.5, 0.5, 0.8]))
    r = np.geomspace(R0 * 1.01, R * 0.99, 400)
    h = 1e-4 * r
    c = lambda x: ox.analytic_profile(x, Q, d, C_R, R0, R, c_root)  # noqa: E731
    c1 = (c(r + h) - c(r - h)) / (2 * h)
    c2 = (c(r + h) - 2 * c(r) + c(r - h)) / h**2
    lhs = d[:, None] * (c2 + c1 / r)
    np.testing.assert_allclose(lhs, Q, rtol=1e-4)
    np.testing.assert_allclose(c(np.array([R]))[:, 0], C_R, rtol=1e-14)
    at_root = c(np.array([R0]))[:, 0]
    held = np.isfinite(c_root) if c_root is not None else np.zeros(4, dtype=bool)
    if held.any():
        np.testing.assert_allclose(at_root[held], c_root[held], atol=1e-12)
    # No-flux roots: zero slope at r0, and the minimum is c_R - drop there.
    hr = 1e-6 * R0
    slope = (c(np.array([R0 + hr]))[:, 0] - at_root) / hr
    assert np.all(np.abs(slope[~held]) * R0 < 1e-5 * C_R)
    np.testing.assert_allclose(at_root[~held], C_R - NO_FLUX_DROP / d[~held], rtol=1e-12)


def test_analytic_free_boundary_is_smooth_and_nonnegative():
    d = d_for_drop(np.array([3.0, 10.0]))  # the unconstrained profile would reach -2 c_R and -9 c_R at the root
    zone = ox.anoxic_zone(Q, d, C_R, R0, R)
    assert np.all(zone.inner == R0) and np.all((zone.outer > R0) & (zone.outer < R))
    assert zone.volume_fraction[1] > zone.volume_fraction[0] > 0
    rb = zone.outer[:, None]
    eps = 1e-7 * rb
    c = ox.analytic_profile(np.concatenate([rb - eps, rb, rb + eps], axis=1), Q, d, C_R, R0, R)
    np.testing.assert_allclose(c, 0.0, atol=1e-9 * C_R)  # c and dc/dr vanish at r_b (quadratic contact)
    r = np.geomspace(R0, R, 500)
    prof = ox.analytic_profile(r, Q, d, C_R, R0, R)
    assert np.all(prof >= 0) and np.all(np.diff(prof, axis=-1) >= 0)
    # Everything consumed in the oxic annulus enters at R: 2 pi R D c'(R) = pi Q (R^2 - r_b^2).
    h = 1e-6 * R
    flux = 2 * np.pi * R * d * (ox.analytic_profile(np.array([R]), Q, d, C_R, R0, R)[:, 0]
                                - ox.analytic_profile(np.array([R - h]), Q, d, C_R, R0, R)[:, 0]) / h
    np.testing.assert_allclose(flux, np.pi * Q * (R**2 - zone.outer**2), rtol=1e-5)
    # No anoxia just below the threshold.
    assert np.all(np.isnan(ox.anoxic_zone(Q, d_for_drop(0.999), C_R, R0, R).outer))


# --- Numerical vs analytic ------------------------------------------------------------------


@pytest.mark.parametrize("c_root", [None, np.array([np.nan, 0.0, 2.0, 8.0, np.nan])])
def test_numerical_profile_matches_analytic_to_1e6(c_root):
    # Root-surface O2 from 90 % to 50 % of the bulk; 2000 cells uniform in ln r give < 1e-6 (module docstring).
    d = d_for_drop(np.array([0.1, 0.3, 0.5, 0.4, 0.5]))
    num = ox.numerical_profile(Q, d, C_R, R0, R, c_root=c_root, n_cells=2000)
    ana = ox.analytic_profile(num.radius, Q, d, C_R, R0, R, c_root)
    ok = ana > 0  # relative error is undefined at a root held at 0
    err = np.max(np.where(ok, np.abs(num.o2 - ana) / np.where(ok, ana, 1.0), 0.0), axis=-1)
    assert np.all(err < 1e-6), err
    assert num.radius.shape == (5, 2001) and num.radius[0, 0] == R0 and num.radius[0, -1] == R


def test_numerical_profile_is_second_order():
    d = d_for_drop(0.5)
    errs = []
    for n in (250, 500, 1000):
        num = ox.numerical_profile(Q, d, C_R, R0, R, n_cells=n)
        errs.append(max_rel_err(num.o2, ox.analytic_profile(num.radius, Q, d, C_R, R0, R)))
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    np.testing.assert_allclose(ratios, 4.0, rtol=0.02)


@pytest.mark.parametrize("n_cells", [200, 2000])
def test_mass_balance_zero_order(n_cells):
    d = d_for_drop(np.array([0.1, 0.5, 0.9]))
    c_root = np.array([np.nan, 0.0, 3.0])
    num = ox.numerical_profile(Q, d, C_R, R0, R, c_root=c_root, n_cells=n_cells)
    # Control volumes tile the annulus; consumption is Q times it, all of it entering at R.
    np.testing.assert_allclose(num.volume.sum(axis=-1), np.pi * (R**2 - R0**2), rtol=1e-13)
    np.testing.assert_allclose(num.consumption, Q * num.volume, rtol=1e-15)
    np.testing.assert_allclose(num.influx, num.consumption.sum(axis=-1) + num.root_uptake, rtol=1e-10)
    np.testing.assert_allclose(num.influx[0], Q * np.pi * (R**2 - R0**2), rtol=1e-10)
    assert num.root_uptake[0] == 0.0 and num.root_uptake[1] > 0  # a root held at 0 takes O2 up


def test_mass_balance_michaelis_menten():
    d = d_for_drop(np.array([0.2, 0.7, 2.0]))
    k_m = np.array([0.05, 1.0, 5.0])
    num = ox.numerical_profile(Q, d, C_R, R0, R, k_m=k_m, n_cells=400)
    kinetic = (num.volume * Q * num.o2 / (k_m[:, None] + num.o2)).sum(axis=-1)
    np.testing.assert_allclose(num.influx, kinetic, rtol=1e-10)
    assert np.all(num.o2 > 0) and num.iterations < 30
    # Saturating consumption never exceeds the zero-order rate, so it leaves more O2.
    zero = ox.numerical_profile(Q, d[:2], C_R, R0, R, n_cells=400)
    assert np.all(num.o2[:2] >= zero.o2 - 1e-12)


def test_michaelis_menten_tends_to_zero_order_when_saturated():
    d = d_for_drop(np.array([0.3, 0.6]))
    mm = ox.numerical_profile(Q, d, C_R, R0, R, k_m=1e-8 * C_R, n_cells=500)
    zero = ox.numerical_profile(Q, d, C_R, R0, R, n_cells=500)
    assert np.all(max_rel_err(mm.o2, zero.o2) < 1e-7)
    # And self-converges at second order.
    coarse, fine = (ox.numerical_profile(Q, d, C_R, R0, R, k_m=1.0, n_cells=n) for n in (200, 400))
    finest = ox.numerical_profile(Q, d, C_R, R0, R, k_m=1.0, n_cells=800)
    e1 = np.max(np.abs(coarse.o2 - finest.o2[:, ::4]), axis=-1)
    e2 = np.max(np.abs(fine.o2[:, ::2] - finest.o2[:, ::4]), axis=-1)
    assert np.all((e1 / e2 > 4.0) & (e1 / e2 < 6.0))  # (1 - 1/16) / (1/4 - 1/16) = 5 at second order


@pytest.mark.parametrize("c_root", [None, np.array([np.nan, 0.0, 1.0])])
def test_numerical_free_boundary_matches_analytic(c_root):
    d = d_for_drop(np.array([3.0, 10.0, 6.0]))
    num = ox.numerical_profile(Q, d, C_R, R0, R, c_root=c_root, n_cells=1000)
    ana = ox.analytic_profile(num.radius, Q, d, C_R, R0, R, c_root)
    assert np.all(np.abs(num.o2 - ana) < 2e-4 * C_R)
    zone = ox.anoxic_zone(Q, d, C_R, R0, R, c_root)
    frac = (num.volume * (num.o2 <= 0)).sum(axis=-1) / num.volume.sum(axis=-1)
    np.testing.assert_allclose(frac, zone.volume_fraction, atol=5e-3)
    np.testing.assert_allclose(num.influx, num.consumption.sum(axis=-1) + num.root_uptake, rtol=1e-10)
    mean_num = (num.volume * num.o2).sum(axis=-1) / num.volume.sum(axis=-1)
    np.testing.assert_allclose(mean_num, ox.analytic_mean_o2(Q, d, C_R, R0, R, c_root), rtol=2e-4)
    # The active set method reaches the same discrete solution without the analytic warm start.
    small = dict(c_root=c_root, n_cells=150)
    cold = ox.numerical_profile(Q, d, C_R, R0, R, warm_start=False, **small)
    warm = ox.numerical_profile(Q, d, C_R, R0, R, **small)
    np.testing.assert_allclose(cold.o2, warm.o2, rtol=0, atol=1e-12 * C_R)
    assert warm.iterations <= 3 < cold.iterations


def test_numerical_profile_rejects_bad_input():
    with pytest.raises(ValueError):
        ox.numerical_profile(Q, 1e-9, C_R, R, R0)
    with pytest.raises(ValueError):
        ox.numerical_profile(Q, 0.0, C_R, R0, R)
    with pytest.raises(ValueError):
        ox.analytic_profile(np.array([R0]), -Q, 1e-9, C_R, R0, R)


# --- Rhizosphere means and the oxidative-enzyme factor ---------------------------------------


def test_oxidative_enzyme_factor():
    k = ox.PHENOL_OXIDASE_KM_O2
    assert ox.oxidative_enzyme_factor(k) == pytest.approx(0.5, rel=1e-15)
    assert ox.oxidative_enzyme_factor(0.0) == 0.0 and ox.oxidative_enzyme_factor(0.0, 0.0) == 0.0
    o2 = np.linspace(0.0, 50.0, 200)
    f = ox.oxidative_enzyme_factor(o2)
    assert np.all(np.diff(f) > 0) and np.all(f < 1)
    assert 0.88 < ox.oxidative_enzyme_factor(ox.atmospheric_o2_concentration()) < 0.92


def test_rhizosphere_oxygen_mean_and_limits():
    phi = 0.45
    a = np.array([[0.0, 0.02, 0.05], [0.1, 0.3, 0.45]])  # any column shape
    out = ox.rhizosphere_oxygen(a, phi, Q, L_V, c_bulk=C_R)
    assert out.mean_o2.shape == a.shape
    # Saturated soil with respiration: no air path, no O2 (the D_eff -> 0 limit).
    assert out.mean_o2[0, 0] == 0 and out.oxidative_factor[0, 0] == 0 and out.anoxic_fraction[0, 0] == 1
    d = ox.millington_quirk_diffusivity(a[0, 1:], phi)
    np.testing.assert_allclose(out.d_eff[0, 1:], d, rtol=1e-14)
    # The 200-cell mean agrees with the exact annulus mean of the zero-order solution.
    np.testing.assert_allclose(out.mean_o2[1], ox.analytic_mean_o2(Q, out.d_eff[1], C_R, R0, R), rtol=1e-4)
    # Mean factor of a concave limitation is at most the factor of the mean (Jensen).
    assert np.all(out.oxidative_factor <= ox.oxidative_enzyme_factor(out.mean_o2) + 1e-15)
    # Without consumption there is no gradient: bulk O2 everywhere, even with no air path.
    still = ox.rhizosphere_oxygen(a, phi, 0.0, L_V, c_bulk=C_R)
    np.testing.assert_allclose(still.mean_o2, C_R, rtol=1e-14)
    np.testing.assert_allclose(still.oxidative_factor, ox.oxidative_enzyme_factor(C_R), rtol=1e-14)


@settings(max_examples=40, deadline=None)
@given(
    phi=st.floats(min_value=0.3, max_value=0.65),
    # Air-filled shares of the pores at least 0.01 apart (D_eff at least 3 % apart).
    percent=st.lists(st.integers(min_value=5, max_value=100), min_size=2, max_size=8, unique=True),
    q=st.floats(min_value=1e-6, max_value=1e-3),
    l_v=st.floats(min_value=2e3, max_value=5e4),
    k_m=st.sampled_from([0.0, 0.5, 3.0]),
)
def test_lower_diffusivity_lowers_rhizosphere_o2_and_oxidative_factor(phi, percent, q, l_v, k_m):
    a = phi * np.sort(np.array(percent)) / 100.0  # wetter to drier
    out = ox.rhizosphere_oxygen(a, phi, q, l_v, k_m_consumption=k_m)
    assert np.all(np.diff(out.d_eff) > 0)
    for x in (out.mean_o2, out.oxidative_factor, out.root_surface_o2):
        assert np.all(np.diff(x) >= 0)
    # Strictly, wherever the wetter column still has O2 at the root (no discrete anoxic cell in either).
    oxic = out.root_surface_o2[:-1] > 0
    assert np.all(np.diff(out.mean_o2)[oxic] > 0)
    assert np.all(np.diff(out.oxidative_factor)[oxic] > 0)
    assert np.all(out.mean_o2 <= ox.atmospheric_o2_concentration() * (1 + 1e-14))


# --- The column-level factor (analytic profile at Gauss-Legendre nodes) ---------------------------------


def test_subset_bisection_gives_the_full_bisection_bit_for_bit():
    # Oxic, partly anoxic and root-held columns side by side, and a batch with none anoxic.
    drop = np.array([0.1, 0.9, 1.2, 3.0, 30.0, 0.5, 2.0, 0.0])
    c_root = np.array([np.nan, np.nan, np.nan, np.nan, np.nan, 2.0, 0.5, np.nan])
    args = (np.where(drop > 0, Q, 0.0), d_for_drop(np.where(drop > 0, drop, 1.0)), C_R, R0, R, c_root)
    sub, full = ox._analytic_pieces(*args), ox._analytic_pieces(*args, subset=False)
    assert np.any(sub.anoxic) and not np.all(sub.anoxic)
    for name, a, b in zip(sub._fields, sub, full):
        np.testing.assert_array_equal(a, b, err_msg=name)
    oxic = (Q, d_for_drop(np.array([0.1, 0.5, 0.9])), C_R, R0, R, None)
    for a, b in zip(ox._analytic_pieces(*oxic), ox._analytic_pieces(*oxic, subset=False)):
        np.testing.assert_array_equal(a, b)
    # Scalar columns go through the same path.
    zone = ox.anoxic_zone(Q, float(d_for_drop(3.0)), C_R, R0, R)
    assert 0 < float(zone.volume_fraction) < 1


@pytest.mark.parametrize("l_v", [1.0e3, 1.0e4, 5.0e4, 2.0e5])
def test_oxidative_factor_quadrature_error_is_below_2e5(l_v):
    """16 nodes against 512 on the same integrand: oxic (O2 drawdown at the root up to 99 %) and anoxic.

    The error is largest (1.5e-5) where the root surface is just out of O2 (drop 0.99-1.01)."""
    big_r = float(ox.root_half_distance(l_v))
    x0 = (R0 / big_r) ** 2
    drop = np.array([0.01, 0.3, 0.5, 0.9, 0.99, 1.01, 1.5, 3.0, 10.0, 100.0])
    q = 1.0e-4
    d = q * big_r**2 * (1.0 - x0 + x0 * np.log(x0)) / (4.0 * drop * C_R)
    phi = 0.45
    # the air-filled porosity that gives this D_eff at 20 degC (Millington-Quirk inverted)
    a = (d * phi**2 / ox.O2_DIFFUSIVITY_AIR_20C) ** 0.3
    np.testing.assert_allclose(ox.millington_quirk_diffusivity(a, phi), d, rtol=1e-12)
    f16 = ox.rhizosphere_oxidative_factor(a, phi, q, l_v, c_bulk=C_R, linear_below=0.0)
    f512 = ox.rhizosphere_oxidative_factor(a, phi, q, l_v, c_bulk=C_R, n_nodes=512, linear_below=0.0)
    np.testing.assert_allclose(f16, f512, rtol=2e-5)
    np.testing.assert_allclose(f16[:3], f512[:3], rtol=1e-6)  # drawdown at most half the bulk O2
    assert np.all(np.diff(f16) < 0)


def test_oxidative_factor_first_order_branch_for_small_drawdowns():
    """Drawdown at the root <= 1e-3 of the bulk O2: the expansion is within eps^2/4 (1-eps)^-3 = 2.5e-7."""
    rng = np.random.default_rng(5)
    n, phi = 20000, 0.45
    a, q = rng.uniform(0.001, phi, n), 10 ** rng.uniform(-9, -3, n)
    l_v, c_b = 10 ** rng.uniform(2, 6, n), rng.uniform(0.0, 9.0, n)
    fast = ox.rhizosphere_oxidative_factor(a, phi, q, l_v, 290.0, c_b)
    quad = ox.rhizosphere_oxidative_factor(a, phi, q, l_v, 290.0, c_b, linear_below=0.0)
    expanded = fast != quad
    assert 0.3 * n < np.count_nonzero(expanded) < n  # both branches are exercised
    exact = ox.rhizosphere_oxidative_factor(a[expanded], phi, q[expanded], l_v[expanded], 290.0, c_b[expanded],
                                            n_nodes=256, linear_below=0.0)
    np.testing.assert_allclose(fast[expanded], exact, rtol=2.5e-7)
    np.testing.assert_allclose(fast, quad, rtol=2e-5)


@pytest.mark.parametrize("q", [1e-6, 1e-5, 1e-4, 1e-3])
@pytest.mark.parametrize("l_v", [2e3, 1e4, 5e4])
def test_oxidative_factor_agrees_with_the_numerical_rhizosphere(q, l_v):
    """Against ``rhizosphere_oxygen`` on 2000 cells, wet to dry (oxic and partly anoxic columns).

    Tolerances: the 16-node quadrature is within 2e-5 (relative) of the exact mean, the first-order branch
    of small drawdowns within 2.5e-7 (tests above).  The
    finite-volume reference is second order, ~20 / n^2 = 5e-6 relative at worst in oxic columns (module
    docstring of oxygen.py), so oxic columns agree to 3e-5.  In partly anoxic columns the discrete free
    boundary falls on a node, whose whole control volume (2 ln(R/r0) / n of the log-radius, ~4e-3 of it
    here) is counted anoxic or oxic: the mean factor then differs by up to ~2e-5 absolute at 2000 cells
    (3e-4 at 1000); 5e-5 absolute is allowed.
    """
    phi = 0.45
    a = phi * np.linspace(0.02, 1.0, 40)
    t = 288.15
    c_b = ox.atmospheric_o2_concentration(t)
    num = ox.rhizosphere_oxygen(a, phi, q, l_v, t_k=t, c_bulk=c_b, n_cells=2000)
    ana = ox.rhizosphere_oxidative_factor(a, phi, q, l_v, t, c_b)
    anoxic = num.anoxic_fraction > 0
    assert np.all(~anoxic[a > 0.2])
    np.testing.assert_allclose(ana[~anoxic], num.oxidative_factor[~anoxic], rtol=3e-5)
    np.testing.assert_allclose(ana[anoxic], num.oxidative_factor[anoxic], rtol=0, atol=5e-5)
    if q >= 1e-4:
        assert np.any(anoxic)


def test_oxidative_factor_limits():
    phi, t = 0.45, 293.15
    c_b = np.array([8.0, 8.0, 8.0, 8.0, 0.0, 3.0])
    a = np.array([0.0, 0.0, 0.2, 0.2, 0.2, 0.2])
    q = np.array([1e-5, 0.0, 0.0, 1e-5, 1e-5, 1e-5])
    l_v = np.array([1e4, 1e4, 1e4, 0.0, 1e4, 1e9])
    f = ox.rhizosphere_oxidative_factor(a, phi, q, l_v, t, c_b)
    k = ox.dissolved_to_gas_o2(ox.PHENOL_OXIDASE_KM_O2_DISSOLVED, t)
    bulk = ox.oxidative_enzyme_factor(c_b, k)
    assert f[0] == 0.0                          # no air path, respiring: anoxic
    assert f[1] == bulk[1] and f[2] == bulk[2]  # no consumption: the bulk O2 everywhere
    assert f[3] == bulk[3]                      # no roots: no rhizosphere
    assert f[4] == 0.0                          # no O2 at all
    assert 0.0 < f[5] <= bulk[5]                # roots packed beyond one diameter apart: R capped at 2 r0
    # one column at a time (0-d arrays) through both branches
    for a0, q0 in ((0.2, 1e-6), (0.01, 1e-3)):
        assert float(ox.rhizosphere_oxidative_factor(a0, phi, q0, 2e3, t)) == pytest.approx(
            float(ox.rhizosphere_oxidative_factor(np.array([a0, 0.3]), phi, q0, 2e3, t)[0]), rel=1e-15)
    # Default bulk O2 is atmospheric at t_k, and the factor never exceeds the bulk factor.
    x = ox.rhizosphere_oxidative_factor(np.linspace(0.01, phi, 30), phi, 1e-4, 1e4, t)
    assert np.all(x <= ox.oxidative_enzyme_factor(ox.atmospheric_o2_concentration(t), k))
    with pytest.raises(ValueError):
        ox.rhizosphere_oxidative_factor(0.2, phi, -1e-5, 1e4)


@settings(max_examples=40, deadline=None)
@given(
    phi=st.floats(min_value=0.3, max_value=0.65),
    percent=st.lists(st.integers(min_value=1, max_value=100), min_size=2, max_size=8, unique=True),
    q=st.floats(min_value=1e-7, max_value=1e-3),
    l_v=st.floats(min_value=1e3, max_value=1e5),
    t_k=st.floats(min_value=265.0, max_value=310.0),
)
def test_lower_diffusivity_lowers_the_column_oxidative_factor(phi, percent, q, l_v, t_k):
    a = phi * np.sort(np.array(percent)) / 100.0  # wetter to drier: D_eff rises
    f = ox.rhizosphere_oxidative_factor(a, phi, q, l_v, t_k)
    assert np.all(np.diff(f) >= 0)
    assert np.all((f >= 0) & (f < 1))
