"""Sub-grid heterogeneity: second-order upscaling of Michaelis-Menten rates (SCIENCE.md section 3, item 12).

The soil model carries one mean substrate ``mu_S`` and one mean biomass (or
enzyme) pool ``mu_B`` per column and layer, but at the microscale both are
patchy.  The local rate ``r = Vmax B g(S)`` with the Michaelis-Menten
saturation ``g(S) = S / (K_m + S)`` is nonlinear in ``S``, so the mean rate
``<r>`` differs from the mean-field rate ``Vmax mu_B g(mu_S)`` (Jensen's
inequality; Ruel & Ayres 1999, Trends Ecol. Evol. 14, 361).

Equations
---------
Expanding ``B g(S)`` to second order about ``(mu_B, mu_S)`` and averaging
(the delta method; the "scale transition" of Chesson, Donahue, Melbourne &
Sears 2005, in Metacommunities, Univ. Chicago Press, 279-306, and Melbourne
& Chesson 2006, Ecology 87, 1478) gives::

    <r> ~ Vmax [mu_B g(mu_S) + 0.5 mu_B g''(mu_S) sigma_S^2 + g'(mu_S) sigma_BS]

    g'(S)  =  K_m / (K_m + S)^2          > 0
    g''(S) = -2 K_m / (K_m + S)^3        < 0

with the substrate variance ``sigma_S^2`` and the substrate-biomass
covariance ``sigma_BS``.  ``g`` is concave, so substrate variance alone
lowers the mean rate; biomass sitting where substrate is (``sigma_BS > 0``)
raises it, biomass segregated from substrate (``sigma_BS < 0``) lowers it.
Chakrawal et al. (2020, Geosci. Model Dev. 13, 1399, "Dynamic upscaling of
decomposition kinetics for carbon cycling models") derived this upscaling
for Michaelis-Menten and other decomposition kinetics of a substrate-biomass
model and showed that the mean-field model misses the mean behaviour of a
heterogeneous soil; Wilson & Gerber (2021, Biogeosciences 18, 5669) analyse
the same upscaled Michaelis-Menten terms in dimensionless form.

Dimensionless parameters
------------------------
The pools change in time, so the heterogeneity is parameterised by the
coefficients of variation ``CV_S``, ``CV_B`` and the Pearson correlation
``rho`` of ``B`` and ``S``::

    sigma_S^2 = (CV_S mu_S)^2,        sigma_BS = rho CV_S CV_B mu_S mu_B.

With ``x = mu_S / K_m`` the corrected rate is the mean-field rate times
``1 + delta``::

    delta = -CV_S^2 x / (1 + x)^2  +  rho CV_B CV_S / (1 + x).

The variance term is largest (``-CV_S^2 / 4``) at ``mu_S = K_m`` and
vanishes in both the linear (``x -> 0``) and the saturated (``x -> inf``)
limits; the covariance term is largest in the linear limit.

What the correction neglects and where it holds
-----------------------------------------------
- Third and higher moments.  The leading neglected pure-substrate term is
  ``g'''(mu_S) E[(S - mu_S)^3] / 6``; relative to the mean-field rate it is
  ``skew_S CV_S^3 x^2 / (1 + x)^3``, at most ``0.148 skew_S CV_S^3``.
- The mixed third moment ``0.5 g''(mu_S) cov(B, (S - mu_S)^2)`` (biomass
  correlated with the substrate *spread*), and all higher mixed moments.
- Heterogeneity of ``Vmax`` and ``K_m`` (temperature, moisture, enzyme
  traits) inside the column: only ``S`` and ``B`` vary.
- The dynamics of the moments: the CVs and the correlation are fixed
  parameters here, so the variance and covariance simply scale with
  ``mu_S^2`` and ``mu_S mu_B``; in a real soil the spatial moments change
  as patches are consumed and microbes grow.

The error is ``O(CV^3)`` (``O(CV^4)`` for lognormal fields, whose skewness
is about ``3 CV``).  For joint lognormal fields (the test reference,
evaluated by Gauss-Hermite quadrature) the corrected rate stays within
0.25 % of the exact mean for ``CV_S, CV_B <= 0.3``, any feasible ``rho`` and
``mu_S / K_m`` from 1e-3 to 1e3, against up to ~9 % for the mean-field rate.

Sign and bounds
---------------
The exact mean of a non-negative rate is non-negative and at most
``Vmax mu_B``, but the truncated expansion can leave these bounds at large
CVs.  ``1 + delta >= 1 - CV_S^2 / 4 - max(-rho, 0) CV_B CV_S`` for every
``mu_S / K_m``, so the corrected rate is non-negative whenever
``CV_S^2 / 4 + max(-rho, 0) CV_B CV_S < 1``; :class:`UpscalingParameters`
refuses parameters outside this bound.  With raw moments
(:func:`upscaled_rate_from_moments`) no such check is possible, and that
function returns ``max(rate, 0)``: the floor can only act outside the
validity of the expansion, and it is the one place where a value is cut.
The corrected rate stays below ``Vmax mu_B`` whenever ``rho CV_B CV_S <= 1``.
These functions return rates; they do not limit them by the available
substrate, which the soil model's flux limiter does.

Units: ``vmax`` in s-1 per unit biomass (or enzyme); ``mu_b``, ``mu_s`` and
``km`` in one concentration unit (kg C m-3 in the soil model; kg C m-2 of a
layer works as well); variances and covariances in that unit squared; rates
in that unit per second.  All functions are vectorised numpy over columns
and layers; arguments broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lsm.soil_bgc.kinetics import michaelis_menten_rate

__all__ = [
    "UpscalingParameters",
    "g",
    "g_prime",
    "g_second",
    "relative_correction",
    "substrate_moments",
    "upscaled_michaelis_menten_rate",
    "upscaled_rate",
    "upscaled_rate_from_moments",
]


def _f(x):
    return np.asarray(x, dtype=float)


def _ratio(num, den):
    """``num / den`` with 0 where ``den == 0`` (``K_m = S = 0``: no substrate, no rate)."""
    num, den = np.broadcast_arrays(_f(num), _f(den))
    out = np.zeros(num.shape)
    np.divide(num, den, out=out, where=den > 0.0)
    return out


# --- Michaelis-Menten saturation and its derivatives ----------------------------


def g(s, km):
    """Michaelis-Menten saturation ``S / (K_m + S)``, dimensionless in [0, 1).

    ``s`` and ``km`` in one concentration unit (kg C m-3); 0 where ``K_m + S = 0``.
    """
    s = _f(s)
    return _ratio(s, _f(km) + s)


def g_prime(s, km):
    """First derivative ``dg/dS = K_m / (K_m + S)^2``, per concentration unit (m3 kg-1 C)."""
    k = _f(km)
    return _ratio(k, (k + _f(s)) ** 2)


def g_second(s, km):
    """Second derivative ``d2g/dS2 = -2 K_m / (K_m + S)^3``, per concentration unit squared (m6 kg-2 C)."""
    k = _f(km)
    return -2.0 * _ratio(k, (k + _f(s)) ** 3)


# --- Upscaled rates ------------------------------------------------------------


def upscaled_rate_from_moments(vmax, mu_b, mu_s, km, var_s, cov_bs):
    """Second-order mean rate ``Vmax [mu_B g + 0.5 mu_B g'' var_S + g' cov_BS]``, kg C m-3 s-1.

    ``vmax`` in s-1; ``mu_b``, ``mu_s``, ``km`` in kg C m-3; ``var_s``
    (substrate variance) and ``cov_bs`` (substrate-biomass covariance) in
    (kg C m-3)^2.  With zero moments the result is bit-for-bit the
    mean-field rate of :func:`lsm.soil_bgc.kinetics.michaelis_menten_rate`.
    The result is floored at 0: a negative value means the moments lie far
    outside the validity of the expansion (see the module docstring).
    """
    mu_b, mu_s, km = _f(mu_b), _f(mu_s), _f(km)
    mean_field = michaelis_menten_rate(vmax, mu_b, mu_s, km)
    correction = _f(vmax) * (0.5 * mu_b * g_second(mu_s, km) * _f(var_s) + g_prime(mu_s, km) * _f(cov_bs))
    return np.maximum(mean_field + correction, 0.0)


def _check_heterogeneity(cv_s, cv_b, rho_bs):
    cv_s, cv_b, rho_bs = _f(cv_s), _f(cv_b), _f(rho_bs)
    if np.any(~(cv_s >= 0.0)) or np.any(~(cv_b >= 0.0)):
        raise ValueError("coefficients of variation must be non-negative")
    if np.any(~(np.abs(rho_bs) <= 1.0)):
        raise ValueError("the correlation of biomass and substrate must lie in [-1, 1]")
    return cv_s, cv_b, rho_bs


def substrate_moments(mu_b, mu_s, cv_s, cv_b, rho_bs):
    """Variance and covariance from the dimensionless heterogeneity, ``(var_S, cov_BS)``.

    ``var_S = (CV_S mu_S)^2`` and ``cov_BS = rho CV_S CV_B mu_S mu_B``, both in
    (kg C m-3)^2; ``cv_s``, ``cv_b`` >= 0 and ``rho_bs`` in [-1, 1] are dimensionless.
    """
    cv_s, cv_b, rho_bs = _check_heterogeneity(cv_s, cv_b, rho_bs)
    mu_b, mu_s = _f(mu_b), _f(mu_s)
    return (cv_s * mu_s) ** 2, rho_bs * cv_s * cv_b * mu_s * mu_b


def upscaled_rate(vmax, mu_b, mu_s, km, *, cv_s=0.0, cv_b=0.0, rho_bs=0.0):
    """Second-order mean Michaelis-Menten rate from CVs and correlation, kg C m-3 s-1.

    :func:`upscaled_rate_from_moments` with the moments of
    :func:`substrate_moments`; ``vmax`` in s-1, pools and ``km`` in
    kg C m-3, ``cv_s``, ``cv_b``, ``rho_bs`` dimensionless.  Equal to the
    mean-field rate times ``1 + relative_correction(...)``.
    """
    var_s, cov_bs = substrate_moments(mu_b, mu_s, cv_s, cv_b, rho_bs)
    return upscaled_rate_from_moments(vmax, mu_b, mu_s, km, var_s, cov_bs)


def relative_correction(mu_s, km, *, cv_s=0.0, cv_b=0.0, rho_bs=0.0):
    """Relative change of the rate, ``delta = -CV_S^2 x/(1+x)^2 + rho CV_B CV_S/(1+x)``, dimensionless.

    ``x = mu_S / K_m``, written as ``K_m mu_S / (K_m + mu_S)^2`` and
    ``K_m / (K_m + mu_S)`` so that ``K_m = 0`` gives 0.  ``mu_s``, ``km`` in kg C m-3.
    """
    cv_s, cv_b, rho_bs = _check_heterogeneity(cv_s, cv_b, rho_bs)
    mu_s, km = _f(mu_s), _f(km)
    total = km + mu_s
    return -cv_s**2 * _ratio(km * mu_s, total**2) + rho_bs * cv_b * cv_s * _ratio(km, total)


# --- Parameters -----------------------------------------------------------------


@dataclass(frozen=True)
class UpscalingParameters:
    """Switch and dimensionless heterogeneity of the sub-grid upscaling (SCIENCE.md 3.12).

    Off by default, and all heterogeneity zero by default: no column-scale
    values of the microscale CVs of substrate and biomass, or of their
    correlation, are established well enough to serve as defaults (Chakrawal
    et al. 2020 show that the effect depends on the degree of heterogeneity,
    which differs between soils).  The expansion is tested to 1 % (measured
    < 0.25 %) for CVs up to 0.3; larger CVs are allowed up to the
    non-negativity bound ``CV_S^2 / 4 + max(-rho, 0) CV_B CV_S < 1`` but lose
    accuracy as ``CV^3``.
    """

    #: Apply the correction; ``False`` gives exactly the mean-field Michaelis-Menten rate.
    enabled: bool = False
    #: Coefficient of variation of the substrate within a column, dimensionless (>= 0).
    cv_substrate: float = 0.0
    #: Coefficient of variation of the biomass (or enzyme) within a column, dimensionless (>= 0).
    cv_biomass: float = 0.0
    #: Pearson correlation of biomass and substrate, in [-1, 1]; > 0 co-located, < 0 segregated.
    correlation: float = 0.0

    def __post_init__(self):
        for name in ("cv_substrate", "cv_biomass", "correlation"):
            value = getattr(self, name)
            if not np.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")
        _check_heterogeneity(self.cv_substrate, self.cv_biomass, self.correlation)
        worst = 0.25 * self.cv_substrate**2 + max(-self.correlation, 0.0) * self.cv_biomass * self.cv_substrate
        if worst >= 1.0:
            raise ValueError(
                "heterogeneity too large for the second-order expansion: "
                f"CV_S^2/4 + max(-rho, 0) CV_B CV_S = {worst:.3g} must be < 1"
            )


def upscaled_michaelis_menten_rate(vmax, mu_b, mu_s, km, params: UpscalingParameters):
    """Mean Michaelis-Menten rate of a heterogeneous column, kg C m-3 s-1.

    With ``params.enabled`` false this returns
    :func:`lsm.soil_bgc.kinetics.michaelis_menten_rate` ``(vmax, mu_b, mu_s, km)``
    unchanged (bit-for-bit); otherwise :func:`upscaled_rate` with the
    parameters' CVs and correlation.  ``vmax`` in s-1, pools and ``km`` in kg C m-3.
    """
    if not params.enabled:
        return michaelis_menten_rate(vmax, mu_b, mu_s, km)
    return upscaled_rate(vmax, mu_b, mu_s, km, cv_s=params.cv_substrate, cv_b=params.cv_biomass,
                         rho_bs=params.correlation)
