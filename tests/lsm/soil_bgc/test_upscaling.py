"""Second-order upscaling of Michaelis-Menten rates against exact means over heterogeneous fields.

The reference is the exact mean of ``vmax B S / (K + S)`` over jointly
lognormal ``(B, S)`` with given means, CVs and Pearson correlation, by
tensor-product Gauss-Hermite quadrature (deterministic and exact to ~1e-12
here); one Monte Carlo check with a fixed seed backs it up.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial.hermite_e import hermegauss

from lsm.soil_bgc import kinetics as kin
from lsm.soil_bgc import upscaling as up

VMAX = 3.0e-5  # s-1
MU_B = 0.7  # kg C m-3
KM = 2.0  # kg C m-3
RATIOS = (0.1, 1.0, 10.0)  # mu_S / K_m

# Probabilists' Gauss-Hermite nodes: E[f(Z)] = sum w f(z) for Z ~ N(0, 1).
_Z, _W = hermegauss(48)
_W = _W / _W.sum()
_Z1, _Z2 = (a.ravel() for a in np.meshgrid(_Z, _Z, indexing="ij"))
_W2 = np.outer(_W, _W).ravel()


def _gaussian_correlation(cv_b, cv_s, rho):
    """Correlation of log B and log S that gives Pearson correlation ``rho`` of B and S."""
    sb, ss = np.sqrt(np.log1p(cv_b**2)), np.sqrt(np.log1p(cv_s**2))
    if sb * ss == 0.0:
        return 0.0
    return np.log1p(rho * cv_b * cv_s) / (sb * ss)


def _lognormal_pair(z1, z2, mu_b, mu_s, cv_b, cv_s, rho):
    """Jointly lognormal (B, S) with the given means, CVs and correlation, from standard normals z1, z2."""
    sb, ss = np.sqrt(np.log1p(cv_b**2)), np.sqrt(np.log1p(cv_s**2))
    r = _gaussian_correlation(cv_b, cv_s, rho)
    assert abs(r) <= 1.0, "correlation not reachable by a bivariate lognormal"
    s = mu_s * np.exp(ss * z1 - 0.5 * ss**2)
    b = mu_b * np.exp(sb * (r * z1 + np.sqrt(1.0 - r * r) * z2) - 0.5 * sb**2)
    return b, s


def _exact_mean_rate(mu_s, cv_s, cv_b=0.0, rho=0.0, vmax=VMAX, mu_b=MU_B, km=KM):
    b, s = _lognormal_pair(_Z1, _Z2, mu_b, mu_s, cv_b, cv_s, rho)
    return _W2 @ (vmax * b * s / (km + s))


# Grid of the acceptance test: CV <= 0.3, several saturations and correlations.
CASES = [
    (x, cv_s, cv_b, rho)
    for x in RATIOS
    for cv_s in (0.1, 0.2, 0.3)
    for cv_b in (0.0, 0.15, 0.3)
    for rho in ((-0.9, -0.5, 0.0, 0.5, 0.9) if cv_b > 0 else (0.0,))
]


def _errors():
    rows = []
    for x, cv_s, cv_b, rho in CASES:
        mu_s = x * KM
        exact = _exact_mean_rate(mu_s, cv_s, cv_b, rho)
        corrected = up.upscaled_rate(VMAX, MU_B, mu_s, KM, cv_s=cv_s, cv_b=cv_b, rho_bs=rho)
        plain = kin.michaelis_menten_rate(VMAX, MU_B, mu_s, KM)
        delta = up.relative_correction(mu_s, KM, cv_s=cv_s, cv_b=cv_b, rho_bs=rho)
        rows.append((corrected / exact - 1.0, plain / exact - 1.0, delta))
    return np.array(rows)


# --- The reference itself -------------------------------------------------------


def test_quadrature_reference_has_the_requested_moments():
    for cv_s, cv_b, rho in [(0.3, 0.3, 0.9), (0.3, 0.15, -0.9), (0.1, 0.3, 0.5)]:
        b, s = _lognormal_pair(_Z1, _Z2, MU_B, 1.3, cv_b, cv_s, rho)
        mean_b, mean_s = _W2 @ b, _W2 @ s
        var_b, var_s = _W2 @ (b - mean_b) ** 2, _W2 @ (s - mean_s) ** 2
        cov = _W2 @ ((b - mean_b) * (s - mean_s))
        np.testing.assert_allclose([mean_b, mean_s], [MU_B, 1.3], rtol=1e-12)
        np.testing.assert_allclose(np.sqrt([var_b / mean_b**2, var_s / mean_s**2]), [cv_b, cv_s], rtol=1e-10)
        np.testing.assert_allclose(cov / np.sqrt(var_b * var_s), rho, rtol=1e-10)


# --- Accuracy against exact means ----------------------------------------------


def test_corrected_rate_matches_exact_mean_within_one_percent_for_cv_up_to_0_3():
    err = _errors()
    worst = np.max(np.abs(err[:, 0]))
    assert worst < 0.01, f"worst relative error {worst:.2e}"
    # Measured worst case on this grid is 0.16 % (mu_S = K, CV_S = 0.3, CV_B = 0.15, rho = -0.5):
    # keep a margin that still fails if a coefficient of the correction were wrong.
    assert worst < 0.003
    # The mean-field rate misses by much more on the same grid.
    assert np.max(np.abs(err[:, 1])) > 0.05


def test_correction_beats_mean_field_wherever_it_matters():
    err = _errors()
    matters = np.abs(err[:, 2]) > 0.005
    assert matters.sum() > len(CASES) // 2
    corrected, plain = np.abs(err[matters, 0]), np.abs(err[matters, 1])
    assert np.all(corrected < plain)
    assert np.all(corrected < 0.3 * plain)


def test_error_of_the_correction_is_higher_order_in_cv():
    """Mean-field error ~ CV^2, corrected error ~ CV^3 or faster (CV^4 for lognormal fields)."""
    cvs = np.array([0.05, 0.1, 0.2])
    for x in RATIOS:
        mu_s = x * KM
        exact = np.array([_exact_mean_rate(mu_s, c) for c in cvs])
        corrected = np.array([up.upscaled_rate(VMAX, MU_B, mu_s, KM, cv_s=c) for c in cvs])
        plain = kin.michaelis_menten_rate(VMAX, MU_B, mu_s, KM)
        slope_corr = np.polyfit(np.log(cvs), np.log(np.abs(corrected / exact - 1.0)), 1)[0]
        slope_plain = np.polyfit(np.log(cvs), np.log(np.abs(plain / exact - 1.0)), 1)[0]
        assert 1.9 < slope_plain < 2.1
        assert slope_corr > 3.0


def test_monte_carlo_mean_of_the_exact_rate():
    rng = np.random.default_rng(20240917)
    n = 1_000_000
    for x, rho in zip(RATIOS, (0.5, -0.5, -0.9)):
        mu_s = x * KM
        z = rng.standard_normal((2, n))
        b, s = _lognormal_pair(z[0], z[1], MU_B, mu_s, 0.3, 0.3, rho)
        r = VMAX * b * s / (KM + s)
        mc, se = r.mean(), r.std() / np.sqrt(n)
        assert abs(mc - _exact_mean_rate(mu_s, 0.3, 0.3, rho)) < 5.0 * se
        corrected = up.upscaled_rate(VMAX, MU_B, mu_s, KM, cv_s=0.3, cv_b=0.3, rho_bs=rho)
        assert abs(corrected / mc - 1.0) < 0.01
        assert abs(kin.michaelis_menten_rate(VMAX, MU_B, mu_s, KM) / mc - 1.0) > 0.01


# --- Signs (Jensen's inequality) -----------------------------------------------


@pytest.mark.parametrize("x", [1e-3, 0.1, 1.0, 10.0, 1e3])
def test_variance_lowers_and_covariance_shifts_the_mean_rate(x):
    mu_s = x * KM
    plain = kin.michaelis_menten_rate(VMAX, MU_B, mu_s, KM)
    var_only = up.upscaled_rate(VMAX, MU_B, mu_s, KM, cv_s=0.3, cv_b=0.3)
    positive = up.upscaled_rate(VMAX, MU_B, mu_s, KM, cv_s=0.3, cv_b=0.3, rho_bs=0.5)
    negative = up.upscaled_rate(VMAX, MU_B, mu_s, KM, cv_s=0.3, cv_b=0.3, rho_bs=-0.5)
    assert var_only < plain
    assert negative < var_only < positive
    # The exact means order the same way.
    e_var, e_pos, e_neg = (_exact_mean_rate(mu_s, 0.3, 0.3, r) for r in (0.0, 0.5, -0.5))
    assert e_var < plain
    assert e_neg < e_var < e_pos


def test_covariance_alone_raises_or_lowers_by_its_sign():
    mu_s = np.array(RATIOS) * KM
    plain = kin.michaelis_menten_rate(VMAX, MU_B, mu_s, KM)
    cov = 0.05 * mu_s * MU_B
    assert np.all(up.upscaled_rate_from_moments(VMAX, MU_B, mu_s, KM, 0.0, cov) > plain)
    assert np.all(up.upscaled_rate_from_moments(VMAX, MU_B, mu_s, KM, 0.0, -cov) < plain)


# --- Switch and exact reduction -------------------------------------------------


def test_disabled_is_plain_michaelis_menten_bit_for_bit():
    rng = np.random.default_rng(3)
    vmax = rng.uniform(1e-6, 1e-3, 200)
    mu_b = np.concatenate([[0.0, 1.0, 0.3], rng.uniform(0.0, 5.0, 197)])
    mu_s = np.concatenate([[1.0, 0.0, 1e6], rng.lognormal(0.0, 3.0, 197)])
    km = np.concatenate([[0.5, 2.0, 0.1], rng.uniform(0.01, 50.0, 197)])
    by_hand = vmax * mu_b * (mu_s / (km + mu_s))
    off = up.UpscalingParameters(enabled=False, cv_substrate=0.3, cv_biomass=0.3, correlation=0.5)
    out = up.upscaled_michaelis_menten_rate(vmax, mu_b, mu_s, km, off)
    assert np.array_equal(out, by_hand)
    assert np.array_equal(out, kin.michaelis_menten_rate(vmax, mu_b, mu_s, km))
    assert np.array_equal(up.upscaled_michaelis_menten_rate(vmax, mu_b, mu_s, km, up.UpscalingParameters()), by_hand)
    # Enabled without heterogeneity, and zero raw moments, reduce exactly as well.
    on = up.UpscalingParameters(enabled=True)
    assert np.array_equal(up.upscaled_michaelis_menten_rate(vmax, mu_b, mu_s, km, on), by_hand)
    assert np.array_equal(up.upscaled_rate_from_moments(vmax, mu_b, mu_s, km, 0.0, 0.0), by_hand)
    # And enabled with heterogeneity differs.
    het = dataclasses.replace(off, enabled=True)
    assert not np.array_equal(up.upscaled_michaelis_menten_rate(vmax, mu_b, mu_s, km, het), by_hand)


def test_enabled_parameters_give_the_cv_form():
    params = up.UpscalingParameters(enabled=True, cv_substrate=0.25, cv_biomass=0.2, correlation=-0.4)
    mu_s = np.array(RATIOS) * KM
    np.testing.assert_array_equal(
        up.upscaled_michaelis_menten_rate(VMAX, MU_B, mu_s, KM, params),
        up.upscaled_rate(VMAX, MU_B, mu_s, KM, cv_s=0.25, cv_b=0.2, rho_bs=-0.4),
    )


def test_defaults_are_off_and_homogeneous():
    p = up.UpscalingParameters()
    assert (p.enabled, p.cv_substrate, p.cv_biomass, p.correlation) == (False, 0.0, 0.0, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.enabled = True


# --- Algebra --------------------------------------------------------------------


def test_saturation_and_analytic_derivatives():
    s = np.array([0.0, 0.01, 0.5, 2.0, 7.0, 300.0])
    k = np.array([0.3, 2.0, 2.0, 2.0, 0.1, 5.0])
    np.testing.assert_allclose(up.g(s, k), s / (k + s), rtol=1e-15)
    h = 1e-5 * (k + s)
    fd1 = (up.g(s + h, k) - up.g(s - h, k)) / (2.0 * h)
    fd2 = (up.g_prime(s + h, k) - up.g_prime(s - h, k)) / (2.0 * h)
    np.testing.assert_allclose(up.g_prime(s, k), fd1, rtol=1e-8)
    np.testing.assert_allclose(up.g_second(s, k), fd2, rtol=1e-8)
    # At S = K: g = 1/2, g' = 1/(4K), g'' = -1/(4K^2).
    assert up.g(2.0, 2.0) == 0.5
    assert up.g_prime(2.0, 2.0) == pytest.approx(1.0 / 8.0, rel=1e-15)
    assert up.g_second(2.0, 2.0) == pytest.approx(-1.0 / 16.0, rel=1e-15)
    # K = 0: a step, flat for S > 0; K = S = 0 gives 0, not NaN.
    np.testing.assert_array_equal(up.g([0.0, 1.0], 0.0), [0.0, 1.0])
    np.testing.assert_array_equal(up.g_prime([0.0, 1.0], 0.0), [0.0, 0.0])
    np.testing.assert_array_equal(up.g_second([0.0, 1.0], 0.0), [0.0, 0.0])


def test_rate_is_the_second_order_expansion_and_its_dimensionless_form():
    mu_s = np.array([0.01, 0.2, 2.0, 20.0, 2000.0])
    mu_b = np.array([0.1, 0.7, 1.0, 3.0, 0.05])
    cv_s, cv_b, rho = 0.28, 0.17, -0.6
    var, cov = (cv_s * mu_s) ** 2, rho * cv_s * cv_b * mu_s * mu_b
    by_hand = VMAX * (mu_b * mu_s / (KM + mu_s) - mu_b * KM * var / (KM + mu_s) ** 3 + KM * cov / (KM + mu_s) ** 2)
    rate = up.upscaled_rate(VMAX, mu_b, mu_s, KM, cv_s=cv_s, cv_b=cv_b, rho_bs=rho)
    np.testing.assert_allclose(rate, by_hand, rtol=1e-13)
    np.testing.assert_allclose(up.substrate_moments(mu_b, mu_s, cv_s, cv_b, rho), (var, cov), rtol=1e-15)
    np.testing.assert_allclose(rate, up.upscaled_rate_from_moments(VMAX, mu_b, mu_s, KM, var, cov), rtol=1e-15)
    delta = up.relative_correction(mu_s, KM, cv_s=cv_s, cv_b=cv_b, rho_bs=rho)
    np.testing.assert_allclose(rate, kin.michaelis_menten_rate(VMAX, mu_b, mu_s, KM) * (1.0 + delta), rtol=1e-13)
    # The variance term peaks at mu_S = K with -CV_S^2 / 4.
    assert up.relative_correction(KM, KM, cv_s=cv_s) == pytest.approx(-(cv_s**2) / 4.0, rel=1e-14)


def test_vectorised_over_columns_and_layers():
    mu_s = np.array([[0.1, 1.0, 10.0], [0.5, 5.0, 50.0]])  # layers x columns
    mu_b = np.array([0.2, 0.7, 1.5])
    km = np.array([[1.0], [4.0]])
    rate = up.upscaled_rate(VMAX, mu_b, mu_s, km, cv_s=0.3, cv_b=0.2, rho_bs=0.4)
    assert rate.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            one = up.upscaled_rate(VMAX, mu_b[j], mu_s[i, j], km[i, 0], cv_s=0.3, cv_b=0.2, rho_bs=0.4)
            assert rate[i, j] == one


# --- Bounds and validation ------------------------------------------------------


def test_large_raw_variance_floors_at_zero_instead_of_a_negative_rate():
    mu_s, var = KM, 9.0 * KM**2  # CV_S = 3, far outside the expansion
    unfloored = VMAX * (MU_B * up.g(mu_s, KM) + 0.5 * MU_B * up.g_second(mu_s, KM) * var)
    assert unfloored < 0.0
    assert up.upscaled_rate_from_moments(VMAX, MU_B, mu_s, KM, var, 0.0) == 0.0
    # Zero pools give zero rates with any heterogeneity.
    assert up.upscaled_rate(VMAX, 0.0, mu_s, KM, cv_s=0.3, cv_b=0.3, rho_bs=1.0) == 0.0
    assert up.upscaled_rate(VMAX, MU_B, 0.0, KM, cv_s=0.3, cv_b=0.3, rho_bs=1.0) == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cv_substrate": -0.1},
        {"cv_biomass": -0.1},
        {"correlation": 1.5},
        {"correlation": float("nan")},
        {"cv_substrate": float("inf")},
        {"cv_substrate": 2.0},  # CV_S^2 / 4 = 1
        {"cv_substrate": 1.0, "cv_biomass": 1.0, "correlation": -0.8},  # 0.25 + 0.8 > 1
    ],
)
def test_parameters_outside_the_valid_range_are_refused(kwargs):
    with pytest.raises(ValueError):
        up.UpscalingParameters(enabled=True, **kwargs)


def test_function_level_checks():
    with pytest.raises(ValueError):
        up.upscaled_rate(VMAX, MU_B, 1.0, KM, cv_s=-0.2)
    with pytest.raises(ValueError):
        up.upscaled_rate(VMAX, MU_B, 1.0, KM, cv_s=0.2, cv_b=0.2, rho_bs=-1.01)


@settings(max_examples=200, deadline=None)
@given(
    cv_s=st.floats(0.0, 1.99),
    cv_b=st.floats(0.0, 3.0),
    rho=st.floats(-1.0, 1.0),
    log_x=st.floats(-6.0, 6.0),
)
def test_valid_parameters_keep_the_rate_between_zero_and_vmax_b(cv_s, cv_b, rho, log_x):
    if 0.25 * cv_s**2 + max(-rho, 0.0) * cv_b * cv_s >= 1.0:
        with pytest.raises(ValueError):
            up.UpscalingParameters(enabled=True, cv_substrate=cv_s, cv_biomass=cv_b, correlation=rho)
        return
    params = up.UpscalingParameters(enabled=True, cv_substrate=cv_s, cv_biomass=cv_b, correlation=rho)
    mu_s = KM * 10.0**log_x
    rate = up.upscaled_michaelis_menten_rate(VMAX, MU_B, mu_s, KM, params)
    factor = 1.0 + up.relative_correction(mu_s, KM, cv_s=cv_s, cv_b=cv_b, rho_bs=rho)
    assert factor > 0.0  # the floor never acts for accepted parameters
    assert rate > 0.0
    if rho * cv_b * cv_s <= 1.0:
        assert rate <= VMAX * MU_B * (1.0 + 1e-12)
