"""O2 diffusion in the rhizosphere: steady reaction-diffusion around a root (SCIENCE.md mechanism 8).

Geometry and equation
---------------------
Each root of radius ``r0`` drains the soil cylinder ``r0 <= r <= R`` around
it, with ``R`` the half-distance between roots: a root length density
``L_v`` (m root m-3 soil) gives each root a cross-section ``1 / L_v``, so
``pi R^2 = 1 / L_v`` (the single-root geometry of Barber-Cushman type
rhizosphere models).  O2 in the soil air, ``c`` (mol m-3 of soil air),
diffuses through the bulk soil with effective diffusivity ``D`` (m2 s-1,
flux per m2 of soil per gradient of the soil-air concentration) and is
consumed by respiration at ``Q`` (mol O2 m-3 soil s-1).  At steady state,
with ``D`` uniform in ``r``::

    D (1/r) d/dr (r dc/dr) = Q,        c(R) = c_R  (bulk-soil O2)            (1)

and at the root surface either no flux, ``dc/dr(r0) = 0``, or a given
concentration ``c(r0) = c0`` (``c0 = 0``: a root that takes all O2 reaching
it; ``c0 > 0``: a root leaking O2 from aerenchyma).

Analytic solution for zero-order consumption
--------------------------------------------
Integrating (1) once, ``r D dc/dr = Q r^2 / 2 + A``; again, with ``c(R) = c_R``::

    c(r) = c_R + Q (r^2 - R^2) / (4 D) + (A / D) ln(r / R).                  (2)

- No-flux root: ``dc/dr(r0) = 0`` gives ``A = -Q r0^2 / 2``, so
  ``c(r) = c_R + Q (r^2 - R^2)/(4D) - (Q r0^2 / (2D)) ln(r/R)``.  Then
  ``dc/dr = Q (r^2 - r0^2) / (2 D r) >= 0``: O2 falls from the bulk soil
  towards the root, and the minimum is at the root surface,
  ``c(r0) = c_R - (Q R^2 / (4D)) (1 - x0 + x0 ln x0)`` with ``x0 = (r0/R)^2``.
  The influx at ``R``, ``2 pi R D dc/dr(R) = pi Q (R^2 - r0^2)`` per m of
  root, is everything the annulus consumes.  (The form with
  ``-(Q R^2 / (2D)) ln(r/R)`` has ``A = -Q R^2 / 2``, i.e. zero flux at ``R``:
  the root supplying all the O2 consumed; it is not the boundary used here.)
- Root held at ``c0``: ``A = [D (c0 - c_R) - Q (r0^2 - R^2) / 4] / ln(r0/R)``.

Anoxia (the free boundary)
--------------------------
Zero-order consumption cannot go on where no O2 is left, so (2) is the
solution only while ``c >= 0`` on ``[r0, R]``; for a no-flux root that is
``c_R >= (Q R^2 / (4D)) (1 - x0 + x0 ln x0)``.  Otherwise this module solves
the free-boundary problem with consumption ``Q H(c)`` (``H`` the step
function): ``c = 0`` on an anoxic annulus ``[r_a, r_b]`` where nothing is
consumed, with ``c`` and ``dc/dr`` continuous at its edges (an obstacle
problem; Crank 1984, *Free and Moving Boundary Problems*, on the
oxygen-consumption problem).  The outer oxic zone is (2) with a no-flux
condition at ``r_b``; ``x_b = (r_b / R)^2`` solves::

    x - 1 - x ln x = -4 D c_R / (Q R^2)

whose left side rises monotonically from -1 (``x -> 0``) to 0 (``x = 1``),
so the root is unique.  For a root held at ``c0`` there is also an inner
oxic zone ``c = Q (r^2 - r_a^2)/(4D) - (Q r_a^2/(2D)) ln(r/r_a)`` with
``y = (r0 / r_a)^2`` solving ``(y - 1 - ln y) / y = 4 D c0 / (Q r0^2)``
(left side falls monotonically from infinity to 0 on ``(0, 1]``).  For a
no-flux root ``r_a = r0`` (an anoxic core at the root).  Both roots are
found by vectorised bisection.

Numerical solution
------------------
:func:`numerical_profile` solves (1) by vertex-centred finite volumes on a
grid uniform in ``ln r`` (geometrically stretched: fine at the root, where
the gradients of a cylindrical problem are steepest), with conservative
fluxes ``G (c_{i+1} - c_i)`` across faces at ``sqrt(r_i r_{i+1})`` and the
cylindrical-shell conductance ``G = 2 pi D / ln(r_{i+1}/r_i)`` per m of root,
which is exact for the source-free (``ln r``) part of the solution.  The
scheme is second order in ``delta = ln(R/r0) / n_cells``; the rest of the
error comes from the ``Q r^2`` part (face-flux error ``sinh(delta)/delta - 1
~ delta^2 / 6``), so the grid must be chosen for the accuracy wanted.  For
``R / r0 ~ 35`` the largest relative error of the profile is about
``2 / n_cells^2`` when the O2 at the root is half the bulk value (2000
cells for 1e-6, as ``tests/lsm/soil_bgc/test_oxygen.py`` uses; 5e-5 with
the default 200 cells), ``0.2 / n_cells^2`` at 90 % of it, and grows as
the root-surface O2 goes to zero (``20 / n_cells^2`` at 10 %).  All columns
are stacked into one block-tridiagonal system solved by
:func:`scipy.linalg.solve_banded`.  Consumption may be zero-order (with the
anoxic free boundary handled as a discrete complementarity problem by a
primal-dual active set method, Hintermueller, Ito & Kunisch 2002, SIAM J.
Optim. 13, 865) or Michaelis-Menten ``Q c / (K + c)`` (Newton iterations).

Effective diffusivity and enzyme limitation
-------------------------------------------
:func:`millington_quirk_diffusivity` gives ``D = D0 a^(10/3) / phi^2``
(Millington & Quirk 1961, Trans. Faraday Soc. 57, 1200) for air-filled
porosity ``a`` and porosity ``phi``.  :func:`rhizosphere_oxygen` averages O2
and the Michaelis-Menten O2 limitation of oxidative enzymes (phenol oxidase,
laccase; :func:`oxidative_enzyme_factor`) over the annulus; the mean factor
is what the soil model can multiply onto the depolymerisation rate of the
recalcitrant (lignin) pool.  :func:`rhizosphere_oxidative_factor` gives the
same mean factor for zero-order consumption from the analytic profile at
Gauss-Legendre nodes, cheaply enough for every column of every step
(:mod:`lsm.soil_bgc.column` with ``rhizosphere_o2``).

Units: m, s, mol; O2 in mol m-3 of soil air unless a name says otherwise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy.linalg import solve_banded

from .kinetics import GAS_CONSTANT

__all__ = [
    "ATMOSPHERIC_O2_MOLE_FRACTION",
    "HENRY_O2_298K",
    "HENRY_O2_TEMPERATURE_K",
    "O2_DIFFUSIVITY_AIR_0C",
    "O2_DIFFUSIVITY_AIR_20C",
    "O2_DIFFUSIVITY_TEMPERATURE_EXPONENT",
    "PHENOL_OXIDASE_KM_O2",
    "PHENOL_OXIDASE_KM_O2_DISSOLVED",
    "ROOT_RADIUS_M",
    "AnoxicZone",
    "RadialProfile",
    "RhizosphereOxygen",
    "analytic_mean_o2",
    "analytic_profile",
    "anoxic_zone",
    "atmospheric_o2_concentration",
    "dissolved_to_gas_o2",
    "henry_o2",
    "millington_quirk_diffusivity",
    "numerical_profile",
    "o2_consumption_rate",
    "o2_diffusivity_in_air",
    "oxidative_enzyme_factor",
    "rhizosphere_oxidative_factor",
    "rhizosphere_oxygen",
    "root_half_distance",
]

# --- Constants ------------------------------------------------------------------

#: Binary diffusivity of O2 in air at 0 degC and 101.325 kPa, m2 s-1
#: (Campbell & Norman 1998, An Introduction to Environmental Biophysics, 2nd ed., Table 3.2: 17.7 mm2 s-1).
O2_DIFFUSIVITY_AIR_0C = 1.77e-5
#: Exponent of the temperature dependence ``D0 ~ (T / 273.15)^n`` of gas diffusivities, 1
#: (Campbell & Norman 1998; Massman 1998, Atmos. Environ. 32, 1111, who reviews other gases, not O2, finds
#: exponents near 1.8, e.g. 1.81 for H2O and CO2).
O2_DIFFUSIVITY_TEMPERATURE_EXPONENT = 1.75
#: Mole fraction of O2 in dry air, 1 (0.2095; Machta & Hughes 1970, Science 168, 1582).
ATMOSPHERIC_O2_MOLE_FRACTION = 0.2095
#: Henry solubility of O2 in water at 298.15 K, mol m-3 Pa-1 (``H^cp``; 1.26e-5 reproduces the
#: air-saturated 258 umol kg-1 of Benson & Krause 1984, Limnol. Oceanogr. 29, 620; Sander 2015,
#: Atmos. Chem. Phys. 15, 4399, compiles 1.2e-5 to 1.3e-5).
HENRY_O2_298K = 1.26e-5
#: Temperature dependence ``d ln H^cp / d(1/T)`` of the O2 solubility, K (Sander 2015: about 1500).
HENRY_O2_TEMPERATURE_K = 1500.0
#: Half-saturation constant of fungal laccases (phenol oxidases) for dissolved O2, mol m-3 water
#: (30 uM; Xu 2001, Appl. Biochem. Biotechnol. 95, 125: about 20-50 uM for five fungal laccases at pH 5.5).
PHENOL_OXIDASE_KM_O2_DISSOLVED = 0.030
#: Radius of an absorptive fine root, m (0.3 mm diameter; absorptive first- and second-order roots are
#: of order 0.1-0.5 mm in diameter, McCormack et al. 2015, New Phytol. 207, 505).
ROOT_RADIUS_M = 1.5e-4

_T20_K = 293.15
_P_STD_PA = 101325.0
#: Number of radial cells of :func:`rhizosphere_oxygen` (about 5e-5 relative accuracy, see the module docstring).
_DEFAULT_CELLS = 200


def o2_diffusivity_in_air(t_k=_T20_K, pressure_pa=_P_STD_PA):
    """Diffusivity of O2 in air ``D0 = 1.77e-5 (T/273.15)^1.75 (101325/p)``, m2 s-1 (Campbell & Norman 1998)."""
    t = np.asarray(t_k, dtype=float)
    return O2_DIFFUSIVITY_AIR_0C * (t / 273.15) ** O2_DIFFUSIVITY_TEMPERATURE_EXPONENT * (
        _P_STD_PA / np.asarray(pressure_pa, dtype=float))


#: Diffusivity of O2 in air at 20 degC and 101.325 kPa, m2 s-1 (2.00e-5; Glinski & Stepniewski 1985,
#: Soil Aeration and its Role for Plants, tabulate 2.01e-5).
O2_DIFFUSIVITY_AIR_20C = float(o2_diffusivity_in_air(_T20_K))


def atmospheric_o2_concentration(t_k=_T20_K, pressure_pa=_P_STD_PA, mole_fraction=ATMOSPHERIC_O2_MOLE_FRACTION):
    """O2 in air ``x p / (R T)``, mol m-3 (8.71 at 20 degC and 101.325 kPa): the bulk-soil O2 of an aerated soil."""
    return mole_fraction * np.asarray(pressure_pa, dtype=float) / (GAS_CONSTANT * np.asarray(t_k, dtype=float))


def henry_o2(t_k=_T20_K):
    """Henry solubility of O2 ``H^cp(T) = H(298.15) exp(1500 (1/T - 1/298.15))``, mol m-3 Pa-1 (Sander 2015)."""
    t = np.asarray(t_k, dtype=float)
    return HENRY_O2_298K * np.exp(HENRY_O2_TEMPERATURE_K * (1.0 / t - 1.0 / 298.15))


def dissolved_to_gas_o2(c_dissolved, t_k=_T20_K):
    """Soil-air O2 in equilibrium with dissolved O2, ``c_gas = c_aq / (H^cp R T)``, mol m-3 air.

    ``c_dissolved`` in mol m-3 water.  At 20 degC ``H^cp R T = 0.033``: water
    holds 1/30 of the O2 of the same volume of air, so 30 uM dissolved is
    about 0.9 mol m-3 of air, a tenth of the atmosphere's O2.
    """
    t = np.asarray(t_k, dtype=float)
    return np.asarray(c_dissolved, dtype=float) / (henry_o2(t) * GAS_CONSTANT * t)


#: Half-saturation constant of phenol oxidase for O2 expressed in the soil air at 20 degC, mol m-3 air
#: (:data:`PHENOL_OXIDASE_KM_O2_DISSOLVED` through :func:`dissolved_to_gas_o2`; about 0.90).
PHENOL_OXIDASE_KM_O2 = float(dissolved_to_gas_o2(PHENOL_OXIDASE_KM_O2_DISSOLVED, _T20_K))


# --- Effective diffusivity, geometry and consumption ---------------------------


def millington_quirk_diffusivity(air_filled_porosity, porosity, d0=O2_DIFFUSIVITY_AIR_20C):
    """Effective O2 diffusivity of a soil ``D_eff = D0 a^(10/3) / phi^2``, m2 s-1.

    Millington & Quirk (1961, Trans. Faraday Soc. 57, 1200) for gas in a
    partly water-filled porous medium; ``a`` air-filled porosity and ``phi``
    total porosity (m3 m-3), ``d0`` the diffusivity in free air (m2 s-1,
    default at 20 degC, :func:`o2_diffusivity_in_air` for other
    temperatures).  ``a^(10/3) / phi^2 = a^(4/3) (a/phi)^2``: the
    ``a^(4/3)`` is the tortuosity-weighted air content SCIENCE.md (and DAMM,
    :func:`lsm.soil_bgc.kinetics.damm_oxygen`) writes, the ``(a/phi)^2`` the
    extra loss of connectivity as water fills the pores.  ``D_eff = 0`` with
    no air (``a = 0``) and ``D0`` for ``a = phi = 1``.  ``a`` is clipped to
    ``[0, phi]``.  Diffusion through water films (1e4 times slower) is
    neglected, so ``D_eff`` vanishes at saturation.
    """
    phi = np.asarray(porosity, dtype=float)
    a = np.clip(np.asarray(air_filled_porosity, dtype=float), 0.0, phi)
    return np.asarray(d0, dtype=float) * a ** (10.0 / 3.0) / phi**2


def root_half_distance(root_length_density):
    """Half-distance between roots ``R = 1 / sqrt(pi L_v)``, m, for root length density ``L_v`` in m m-3."""
    return 1.0 / np.sqrt(np.pi * np.asarray(root_length_density, dtype=float))


def o2_consumption_rate(respiration_c, layer_depth_m, respiratory_quotient=1.0):
    """O2 consumption of a soil layer, mol O2 m-3 soil s-1, from its respiration in kg C m-2 s-1.

    ``Q = respiration / (0.012011 kg C mol-1) / RQ / depth``; ``RQ`` is the
    respiratory quotient (mol CO2 per mol O2), 1 for carbohydrate
    (``CH2O + O2 -> CO2 + H2O``) and below 1 for more reduced substrates.
    """
    return np.asarray(respiration_c, dtype=float) / 0.012011 / (
        np.asarray(respiratory_quotient, dtype=float) * np.asarray(layer_depth_m, dtype=float))


def oxidative_enzyme_factor(o2, k_m=PHENOL_OXIDASE_KM_O2):
    """Michaelis-Menten O2 limitation of oxidative enzymes ``o2 / (k_m + o2)``, 1.

    ``o2`` and ``k_m`` in mol m-3 of soil air; the default ``k_m`` is the
    laccase half-saturation of 30 uM dissolved O2 (Xu 2001) in equilibrium
    with soil air at 20 degC (0.90 mol m-3, about 0.9 at atmospheric O2).
    Use ``dissolved_to_gas_o2(PHENOL_OXIDASE_KM_O2_DISSOLVED, t_k)`` at other
    temperatures.  0 where both are 0.
    """
    o = np.maximum(np.asarray(o2, dtype=float), 0.0)
    den = np.asarray(k_m, dtype=float) + o
    return np.divide(o, den, out=np.zeros(np.broadcast(o, den).shape), where=den > 0)


# --- Analytic solution (zero-order consumption) --------------------------------


class AnoxicZone(NamedTuple):
    """The anoxic annulus ``inner <= r <= outer`` of the free-boundary solution (radii in m).

    ``inner`` and ``outer`` are NaN where the column stays oxic;
    ``volume_fraction`` (1) is its share of the annulus ``[r0, R]``.
    """

    inner: np.ndarray
    outer: np.ndarray
    volume_fraction: np.ndarray


class _Pieces(NamedTuple):
    # c = c_R + b (r^2 - R^2) + e_out ln(r/R) outside r_b, b (r^2 - r_a^2) + e_in ln(r/r_a) inside r_a,
    # zero between: the pieces of the module docstring, kept in this form to avoid cancellation.
    c_r: np.ndarray
    e_out: np.ndarray
    e_in: np.ndarray
    b: np.ndarray
    r_a: np.ndarray
    r_b: np.ndarray
    r0: np.ndarray
    big_r: np.ndarray
    anoxic: np.ndarray


def _bisect_increasing(fun, target, lo, hi, n_iter=100):
    """``z`` in ``[lo, hi]`` with ``fun(z) = target`` for increasing ``fun``, vectorised; 100 halvings."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        below = fun(mid) < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _column_inputs(*args):
    arrs = np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in args])
    return [np.array(x) for x in arrs]


def _check(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root):
    if np.any(~(d_eff > 0)) or np.any(~np.isfinite(d_eff)):
        raise ValueError("d_eff must be positive and finite")
    if np.any(~(consumption >= 0)) or np.any(~(c_bulk >= 0)):
        raise ValueError("consumption and c_bulk must be non-negative")
    if np.any(~(root_radius > 0)) or np.any(~(outer_radius > root_radius)):
        raise ValueError("need 0 < root_radius < outer_radius")
    if np.any(c_root < 0):
        raise ValueError("c_root must be non-negative (NaN for a no-flux root)")


def _bisect_subset(fun, target, lo, where, subset=True):
    """:func:`_bisect_increasing` on ``[lo, 1]`` for the columns ``where`` (1 elsewhere).

    ``subset=False`` bisects every column (the reference the tests compare the subset with).
    """
    if not subset:
        return _bisect_increasing(fun, target, lo, np.ones_like(lo))
    out = np.ones_like(lo)
    if np.any(where):
        out[where] = _bisect_increasing(fun, target[where], lo[where], np.ones(np.count_nonzero(where)))
    return out


def _analytic_pieces(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root, subset=True):
    c_root = np.full_like(np.asarray(c_bulk, dtype=float), np.nan) if c_root is None else c_root
    q, d, c_r, r0, big_r, c0 = _column_inputs(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root)
    _check(q, d, c_r, r0, big_r, c0)
    dirichlet = np.isfinite(c0)
    b = q / (4.0 * d)
    log0 = np.log(r0 / big_r)
    # Integration constant A of (2), divided by D.
    e_unc = np.where(dirichlet, (np.where(dirichlet, c0, 0.0) - c_r - b * (r0**2 - big_r**2)) / log0,
                     -2.0 * b * r0**2)
    # The unconstrained profile's minimum: where dc/dr = 2 b r + e / r = 0, inside [r0, R] (r0 if no-flux).
    with np.errstate(divide="ignore", invalid="ignore"):
        r_star = np.clip(np.sqrt(np.maximum(-e_unc / (2.0 * b), 0.0)), r0, big_r)
    r_star = np.where(q > 0, r_star, big_r)
    c_min = c_r + b * (r_star**2 - big_r**2) + e_unc * np.log(r_star / big_r)
    # Outer free boundary x_b = (r_b / R)^2: x - 1 - x ln x = -4 D c_R / (Q R^2), x in [x0, 1].
    x0 = (r0 / big_r) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.where(q > 0, c_r / (b * big_r**2), 0.0)
    # An anoxic zone needs the no-flux profile to be negative at r0 (g(x0) < -beta) as well as the
    # unconstrained one to dip below zero; the first test keeps a root held at c0 = 0 with a
    # rounding-level negative c_min from being called anoxic.
    anoxic = (q > 0) & (c_min < 0) & (x0 - 1.0 - x0 * np.log(x0) < -beta)
    beta = np.where(anoxic, beta, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.where(anoxic & dirichlet, np.where(dirichlet, c0, 0.0) / (b * r0**2), 0.0)
    # The free boundaries matter only where the column is anoxic (elsewhere r_b = r_a = r0 below), and in
    # most soils no column is: bisect on that subset only, or not at all (elementwise, so the same values).
    x_b = _bisect_subset(lambda x: x - 1.0 - x * np.log(x), -beta, x0, anoxic, subset)
    r_b = np.where(anoxic, big_r * np.sqrt(x_b), r0)
    # Inner free boundary y = (r0 / r_a)^2: (y - 1 - ln y) / y = 4 D c0 / (Q r0^2), decreasing in y.
    y = _bisect_subset(lambda y: -(y - 1.0 - np.log(y)) / y, -gamma, x0, anoxic & dirichlet, subset)
    r_a = np.where(anoxic & dirichlet, np.minimum(r0 / np.sqrt(y), r_b), r0)
    e_out = np.where(anoxic, -2.0 * b * r_b**2, e_unc)
    e_in = -2.0 * b * r_a**2
    return _Pieces(c_r, e_out, e_in, b, r_a, r_b, r0, big_r, anoxic)


def analytic_profile(r, consumption, d_eff, c_bulk, root_radius, outer_radius, c_root=None):
    """Steady O2 around a root with zero-order consumption, exact, mol m-3 air (module docstring, eq. 2).

    ``consumption`` ``Q`` in mol m-3 soil s-1, ``d_eff`` in m2 s-1,
    ``c_bulk`` the O2 at ``outer_radius`` ``R`` (mol m-3 air), radii in m.
    ``c_root=None`` is a no-flux root surface; an array holds the root
    surface at ``c_root`` (mol m-3 air) where finite and is no-flux where NaN.
    Column inputs broadcast to a shape ``S``; ``r`` (m, within ``[r0, R]``)
    has shape ``(m,)`` or ``S + (m,)``, and so has the result.  Where (2)
    would go negative the free-boundary solution is returned (zero on the
    anoxic annulus of :func:`anoxic_zone`).
    """
    p = _analytic_pieces(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root)
    rr = np.asarray(r, dtype=float)
    col = [x[..., None] for x in p]
    c_r, e_out, e_in, b, r_a, r_b, _, big_r, anoxic = col
    outer = c_r + b * (rr**2 - big_r**2) + e_out * np.log(rr / big_r)
    inner = b * (rr**2 - r_a**2) + e_in * np.log(rr / r_a)
    c = np.where(rr >= r_b, outer, np.where(rr <= r_a, inner, 0.0))
    # The oxic pieces are >= 0 in exact arithmetic; clip the rounding at the free boundary.
    return np.where(anoxic, np.maximum(c, 0.0), c)


def anoxic_zone(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root=None):
    """The anoxic annulus of the zero-order free-boundary solution, :class:`AnoxicZone` (m, m, 1).

    Arguments as :func:`analytic_profile`.  A column is anoxic somewhere
    when (2) dips below zero; for a no-flux root that is when
    ``c_bulk < Q R^2 (1 - x0 + x0 ln x0) / (4 D)``, ``x0 = (r0/R)^2``.
    """
    p = _analytic_pieces(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root)
    frac = np.where(p.anoxic, (p.r_b**2 - p.r_a**2) / (p.big_r**2 - p.r0**2), 0.0)
    return AnoxicZone(np.where(p.anoxic, p.r_a, np.nan), np.where(p.anoxic, p.r_b, np.nan), frac)


def _piece_integral(a, b, e, rho, r1, r2):
    """``int_{r1}^{r2} (a + b r^2 + e ln(r/rho)) 2 pi r dr``, m2 mol m-3."""
    def prim(r):
        return a * r**2 + 0.5 * b * r**4 + e * (r**2 * np.log(r / rho) - 0.5 * r**2)
    return np.pi * (prim(r2) - prim(r1))


def analytic_mean_o2(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root=None):
    """Exact volume mean of :func:`analytic_profile` over the annulus ``[r0, R]``, mol m-3 air."""
    p = _analytic_pieces(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root)
    total = _piece_integral(p.c_r - p.b * p.big_r**2, p.b, p.e_out, p.big_r, p.r_b, p.big_r)
    total = total + np.where(p.r_a > p.r0, _piece_integral(-p.b * p.r_a**2, p.b, p.e_in, p.r_a, p.r0, p.r_a), 0.0)
    return total / (np.pi * (p.big_r**2 - p.r0**2))


# --- Numerical solution ----------------------------------------------------------


class RadialProfile(NamedTuple):
    """Finite-volume O2 profile around a root; leading axes are the column shape ``S``.

    ``radius`` (m) and ``o2`` (mol m-3 air) at the ``n_cells + 1`` nodes,
    ``volume`` of each node's control volume per m of root (m2; they sum to
    ``pi (R^2 - r0^2)``), ``consumption`` in each control volume per m of root
    (mol m-1 s-1), ``influx`` across ``r = R`` and ``root_uptake`` into the
    root across ``r = r0`` per m of root (mol m-1 s-1; 0 for a no-flux root),
    and the number of ``iterations`` (linear solves).
    """

    radius: np.ndarray
    o2: np.ndarray
    volume: np.ndarray
    consumption: np.ndarray
    influx: np.ndarray
    root_uptake: np.ndarray
    iterations: int


def _solve_tridiagonal(lower, diag, upper, rhs):
    """Solve every column's tridiagonal system at once as one block-diagonal banded system.

    Row ``i`` of a column reads ``lower_i x_{i-1} + diag_i x_i + upper_i x_{i+1}``;
    ``lower[:, 0]`` and ``upper[:, -1]`` must be 0 so that the columns do not couple.
    """
    n = diag.size
    ab = np.zeros((3, n))
    ab[0, 1:] = upper.ravel()[:-1]
    ab[1] = diag.ravel()
    ab[2, :-1] = lower.ravel()[1:]
    return solve_banded((1, 1), ab, rhs.ravel(), overwrite_ab=True, overwrite_b=True,
                        check_finite=False).reshape(diag.shape)


def numerical_profile(consumption, d_eff, c_bulk, root_radius, outer_radius, *, c_root=None, k_m=0.0,
                      n_cells=_DEFAULT_CELLS, tol=1e-12, max_iter=None, warm_start=True):
    """Steady O2 around a root by finite volumes, :class:`RadialProfile` (module docstring).

    Arguments as :func:`analytic_profile`; consumption is zero-order ``Q``
    where ``k_m`` (mol m-3 air) is 0 and Michaelis-Menten ``Q c / (k_m + c)``
    where it is positive (``Q`` then the rate at O2 saturation).
    ``n_cells`` control volumes span ``[r0, R]`` uniformly in ``ln r``.
    Zero-order columns that run out of O2 get ``c = 0`` where the
    complementarity conditions put them (consumption there is only what
    diffuses in), found by the primal-dual active set method from the analytic
    free boundary (``warm_start``) or from no anoxic node; Michaelis-Menten
    columns are solved by Newton iterations until the update is below ``tol``
    times the largest boundary O2.  ``max_iter`` (default ``n_cells + 50``,
    the active set method's bound) caps the linear solves.
    """
    c_root = np.full_like(np.asarray(c_bulk, dtype=float), np.nan) if c_root is None else c_root
    cols = _column_inputs(consumption, d_eff, c_bulk, root_radius, outer_radius, c_root, k_m)
    shape = cols[0].shape
    q, d, c_r, r0, big_r, c0, km = (x.reshape(-1, 1) for x in cols)
    _check(q, d, c_r, r0, big_r, c0)
    if np.any(~(km >= 0)):
        raise ValueError("k_m must be non-negative")
    if int(n_cells) < 2:
        raise ValueError("n_cells must be at least 2")
    m = int(n_cells) + 1
    max_iter = m + 50 if max_iter is None else int(max_iter)
    dirichlet = np.isfinite(c0)
    c0 = np.where(dirichlet, c0, 0.0)

    # Nodes uniform in ln r; faces at the geometric means; shell conductances 2 pi D / ln(r_{i+1}/r_i).
    s = np.linspace(0.0, 1.0, m)
    r = r0 * (big_r / r0) ** s
    r[:, -1] = big_r[:, 0]
    face = np.sqrt(r[:, :-1] * r[:, 1:])
    g = 2.0 * np.pi * d / np.log(r[:, 1:] / r[:, :-1])
    edges = np.concatenate([r[:, :1], face, r[:, -1:]], axis=1)
    vol = np.pi * np.diff(edges**2, axis=1)
    g_left = np.concatenate([np.zeros_like(r0), g], axis=1)   # no flux into the root side of node 0
    g_right = np.concatenate([g, np.zeros_like(r0)], axis=1)

    fixed = np.zeros(r.shape, dtype=bool)
    fixed[:, -1] = True
    fixed[:, 0] = dirichlet[:, 0]
    c_fixed = np.where(fixed, np.where(np.arange(m) == 0, c0, c_r), 0.0)
    zero_order = np.broadcast_to(km == 0, r.shape)
    km_safe = np.where(km > 0, km, 1.0)

    def net_influx(u):
        left = np.concatenate([u[:, :1], u[:, :-1]], axis=1)
        right = np.concatenate([u[:, 1:], u[:, -1:]], axis=1)
        return g_left * (left - u) + g_right * (right - u)

    def sink(c):
        # Michaelis-Menten, continued linearly below c = 0 so that it stays concave and
        # increasing (Newton then converges monotonically from below after the first step).
        pos = np.maximum(c, 0.0)
        mm = np.where(c >= 0, q * pos / (km_safe + pos), q * c / km_safe)
        dmm = np.where(c >= 0, q * km_safe / (km_safe + pos) ** 2, q / km_safe)
        return np.where(zero_order, q, mm), np.where(zero_order, 0.0, dmm)

    # Unknown: the deviation u = c - c_R from the bulk O2, so that the small differences that carry
    # the fluxes near r = R are not lost to rounding against c_R.
    u_fixed = c_fixed - c_r
    anoxic = np.zeros(r.shape, dtype=bool)
    u = np.where(fixed, u_fixed, 0.0)
    if warm_start and np.any(q > 0):
        # Start from the analytic zero-order solution (same equation, uniform D).  Zero-order columns
        # take their anoxic set from its free boundary, so the active set method only settles the
        # boundary cell (from the empty set it frees one node per iteration).  Michaelis-Menten columns
        # start from it as a near-subsolution (it consumes at least as much), where Newton climbs
        # monotonically instead of first overshooting far below zero.  Either method reaches the same
        # unique discrete solution from any start; only the number of iterations changes.
        c_root_nan = np.where(dirichlet, c0, np.nan)
        zone = anoxic_zone(q, d, c_r, r0, big_r, c_root_nan)
        anoxic = zero_order & ~fixed & (r > zone.inner) & (r < zone.outer)
        u_zero = analytic_profile(r, q[:, 0], d[:, 0], c_r[:, 0], r0[:, 0], big_r[:, 0], c_root_nan[:, 0]) - c_r
        u = np.where(fixed, u_fixed, np.where(anoxic, -c_r, np.where(zero_order, 0.0, u_zero)))
    scale = np.maximum(np.maximum(c_r, c0), np.finfo(float).tiny)
    for it in range(1, max_iter + 1):
        rate, drate = sink(c_r + u)
        held = fixed | anoxic
        resid = np.where(held, u - np.where(fixed, u_fixed, -c_r), vol * rate - net_influx(u))
        diag = np.where(held, 1.0, vol * drate + g_left + g_right)
        lower = np.where(held, 0.0, -g_left)
        upper = np.where(held, 0.0, -g_right)
        delta = _solve_tridiagonal(lower, diag, upper, -resid)
        u = u + delta
        # Zero-order complementarity: a node is anoxic if its O2 would be negative, and stays so while
        # what diffuses in is no more than it could consume (primal-dual active set update).
        inflow = net_influx(u)
        new_anoxic = zero_order & ~fixed & ((c_r + u < 0) | (anoxic & (inflow <= vol * q)))
        changed = np.any(new_anoxic != anoxic)
        anoxic = new_anoxic
        u = np.where(anoxic, -c_r, u)
        # A zero-order column is linear: its solve is final once its anoxic set stops changing.
        if not changed and np.all((np.abs(delta) <= tol * scale) | zero_order):
            break
    else:
        raise RuntimeError(f"numerical_profile did not converge in {max_iter} iterations")

    c = np.where(anoxic, 0.0, c_r + u)
    rate, _ = sink(c)
    use = np.where(anoxic, net_influx(u), vol * rate)
    influx = -g[:, -1] * u[:, -2] + use[:, -1]
    root_uptake = np.where(dirichlet[:, 0], g[:, 0] * (u[:, 1] - u[:, 0]) - use[:, 0], 0.0)
    out = shape + (m,)
    return RadialProfile(r.reshape(out), c.reshape(out), vol.reshape(out), use.reshape(out),
                         influx.reshape(shape), root_uptake.reshape(shape), it)


# --- Column-level quantities ----------------------------------------------------


class RhizosphereOxygen(NamedTuple):
    """Rhizosphere O2 of each column.

    ``mean_o2`` volume mean over the annulus ``[r0, R]`` (mol m-3 air),
    ``oxidative_factor`` volume mean of :func:`oxidative_enzyme_factor`
    (1; the multiplier for oxidative depolymerisation: because the factor is
    concave it is at most the factor of ``mean_o2``), ``root_surface_o2``
    (mol m-3 air), ``anoxic_fraction`` of the annulus volume with no O2 (1;
    zero-order consumption only) and the ``d_eff`` used (m2 s-1).
    """

    mean_o2: np.ndarray
    oxidative_factor: np.ndarray
    root_surface_o2: np.ndarray
    anoxic_fraction: np.ndarray
    d_eff: np.ndarray


def rhizosphere_oxygen(air_filled_porosity, porosity, consumption, root_length_density, *, t_k=_T20_K,
                       c_bulk=None, root_radius=ROOT_RADIUS_M, c_root=None, k_m_consumption=0.0,
                       k_m_oxidative=None, n_cells=_DEFAULT_CELLS):
    """Mean rhizosphere O2 and oxidative-enzyme factor of each column, :class:`RhizosphereOxygen`.

    ``air_filled_porosity`` and ``porosity`` in m3 m-3 give ``D_eff``
    (:func:`millington_quirk_diffusivity` with ``D0`` at ``t_k``, K);
    ``consumption`` in mol O2 m-3 soil s-1 (:func:`o2_consumption_rate`);
    ``root_length_density`` in m m-3 (> 0) gives ``R``
    (:func:`root_half_distance`); ``c_bulk`` defaults to atmospheric O2 at
    ``t_k``; ``root_radius`` in m; ``c_root`` as in :func:`analytic_profile`;
    ``k_m_consumption`` (mol m-3 air) 0 for zero-order consumption (then
    ``consumption`` is the actual bulk rate) or the half-saturation of
    Michaelis-Menten consumption; ``k_m_oxidative`` defaults to the laccase
    ``K_m`` of 30 uM dissolved O2 converted to soil air at ``t_k``.  With no
    air-filled pores (``D_eff = 0``) and ``Q > 0`` the annulus is anoxic: the
    limit ``D_eff -> 0`` of the solution.
    """
    t = np.asarray(t_k, dtype=float)
    d_eff = millington_quirk_diffusivity(air_filled_porosity, porosity, o2_diffusivity_in_air(t))
    c_b = atmospheric_o2_concentration(t) if c_bulk is None else np.asarray(c_bulk, dtype=float)
    k_ox = dissolved_to_gas_o2(PHENOL_OXIDASE_KM_O2_DISSOLVED, t) if k_m_oxidative is None else k_m_oxidative
    big_r = root_half_distance(root_length_density)
    q = np.asarray(consumption, dtype=float)
    closed = ~(d_eff > 0)
    # Any positive D gives the right answer where nothing is consumed; the closed-and-consuming
    # columns are overwritten with their D -> 0 limit below.
    prof = numerical_profile(q, np.where(closed, 1.0, d_eff), c_b, root_radius, big_r, c_root=c_root,
                             k_m=k_m_consumption, n_cells=n_cells)
    vol_total = prof.volume.sum(axis=-1)
    mean_o2 = (prof.volume * prof.o2).sum(axis=-1) / vol_total
    k_ox = np.asarray(k_ox, dtype=float)
    factor = (prof.volume * oxidative_enzyme_factor(prof.o2, k_ox[..., None])).sum(axis=-1) / vol_total
    anoxic = (prof.volume * (prof.o2 <= 0.0)).sum(axis=-1) / vol_total
    suffocated = closed & (q > 0)
    surface = prof.o2[..., 0]
    no_flux_root = np.ones(surface.shape, dtype=bool) if c_root is None else ~np.isfinite(c_root)
    return RhizosphereOxygen(np.where(suffocated, 0.0, mean_o2), np.where(suffocated, 0.0, factor),
                             np.where(suffocated & no_flux_root, 0.0, surface), np.where(suffocated, 1.0, anoxic),
                             np.broadcast_to(d_eff, mean_o2.shape).copy())


#: Gauss-Legendre nodes of :func:`rhizosphere_oxidative_factor` (relative error below 2e-5, see there).
_DEFAULT_NODES = 16


@lru_cache(maxsize=8)
def _gauss_legendre(n):
    x, w = np.polynomial.legendre.leggauss(n)
    x.flags.writeable = w.flags.writeable = False
    return x, w


def rhizosphere_oxidative_factor(air_filled_porosity, porosity, consumption, root_length_density, t_k=_T20_K,
                                 c_bulk=None, n_nodes=_DEFAULT_NODES, *, root_radius=ROOT_RADIUS_M,
                                 linear_below=1e-3):
    """Volume mean of :func:`oxidative_enzyme_factor` around a no-flux root, cheap and analytic, 1.

    The column-level counterpart of ``rhizosphere_oxygen(...).oxidative_factor``
    for zero-order consumption: the exact free-boundary profile of
    :func:`analytic_profile` evaluated at ``n_nodes`` Gauss-Legendre nodes in
    ``u = r^2`` (the volume of a cylindrical shell is uniform in ``r^2``).
    Where the column is anoxic the nodes span only the oxic part ``[r_b^2, R^2]``
    (the factor is 0 on the anoxic annulus): the integrand is then smooth on
    the interval, whereas over ``[r0^2, R^2]`` its kink at ``r_b`` would cost
    several per cent at 16 nodes.  With 16 nodes the relative error is below
    2e-5 for ``L_v`` from 1e3 to 2e5 m m-3 and any O2 drawdown (largest,
    1.5e-5, when the O2 at the root surface is just zero, where the ``ln r``
    part of the profile is steepest on the interval; ~1e-7 at half the bulk
    O2 there).  Where the O2 drawdown at the root is below ``linear_below``
    (1e-3) of the bulk O2, as in all but nearly water-saturated soils, the
    factor is linear enough over the profile to take the first-order
    expansion about ``c_bulk`` with the exact mean O2 instead (error below
    2.5e-7 relative); ``linear_below=0`` uses the quadrature everywhere.

    Arguments as :func:`rhizosphere_oxygen` (``air_filled_porosity`` and
    ``porosity`` m3 m-3, ``consumption`` ``Q`` mol O2 m-3 soil s-1 (>= 0),
    ``root_length_density`` m m-3, ``t_k`` K, ``c_bulk`` mol m-3 of soil air,
    default atmospheric O2 at ``t_k``, ``root_radius`` m), broadcast
    together; the laccase ``K_m`` is converted to soil air at ``t_k``.
    Limits: no air-filled pores (``D_eff = 0``) with ``Q > 0`` is anoxic
    (factor 0, the ``D_eff -> 0`` limit); ``Q = 0`` leaves the bulk O2
    everywhere (the factor of ``c_bulk``), and so does ``L_v = 0`` (no roots,
    no rhizosphere).  ``L_v`` above ``1 / (4 pi r0^2)`` (roots closer than one
    diameter apart) is taken at that bound so that ``R >= 2 r0``.
    """
    if int(n_nodes) < 1 or not 0.0 <= linear_below < 1.0:
        raise ValueError("need n_nodes >= 1 and 0 <= linear_below < 1")
    t = np.asarray(t_k, dtype=float)
    d_eff = millington_quirk_diffusivity(air_filled_porosity, porosity, o2_diffusivity_in_air(t))
    c_b = atmospheric_o2_concentration(t) if c_bulk is None else c_bulk
    k_ox = dissolved_to_gas_o2(PHENOL_OXIDASE_KM_O2_DISSOLVED, t)
    q, d, c_r, l_v, k_ox, r0 = _column_inputs(consumption, d_eff, c_b, root_length_density, k_ox, root_radius)
    if np.any(~(q >= 0)) or np.any(~(c_r >= 0)) or np.any(l_v < 0):
        raise ValueError("consumption, c_bulk and root_length_density must be non-negative")
    rooted = l_v > 0
    closed = ~(d > 0)
    bulk = oxidative_enzyme_factor(c_r, k_ox)
    l_max = 0.25 / (np.pi * r0**2)
    big_r = root_half_distance(np.where(rooted, np.minimum(l_v, l_max), l_max))
    # Columns without a gradient (no roots, no consumption) or without an air path get Q = 0 here
    # (and any positive D): their answer is set below.
    live = rooted & ~closed & (q > 0)
    p = _analytic_pieces(np.where(live, q, 0.0), np.where(closed, 1.0, d), c_r, r0, big_r, None)
    u0, u1 = r0**2, big_r**2
    x0 = u0 / u1
    # Oxic columns: the drawdown at the root, c_R - c(r0), and the exact mean of c - c_R over the annulus
    # (eq. 2 in u = r^2).
    drop = p.b * (u1 - u0) - 0.5 * p.e_out * np.log(x0)
    mean_dev = -0.5 * p.b * (u1 - u0) - 0.5 * p.e_out * (1.0 + x0 * np.log(x0) / (1.0 - x0))
    # A small drawdown (in most soils ~1e-6 of the bulk O2) needs no quadrature: the first-order expansion
    # F(c_R) + F'(c_R) <c - c_R> is within eps^2/4 (1 - eps)^-3 of the mean factor when drop <= eps c_R.
    linear = live & ~p.anoxic & (drop <= linear_below * c_r)
    mean = np.where(linear, bulk + k_ox / (k_ox + c_r) ** 2 * mean_dev, bulk)
    quad = live & ~linear
    if np.any(quad):
        x, w = _gauss_legendre(int(n_nodes))
        c_q, b_q, e_q, k_q = p.c_r[quad], p.b[quad], p.e_out[quad], k_ox[quad]
        u0_q, u1_q = u0[quad], u1[quad]
        lo = np.where(p.anoxic[quad], p.r_b[quad] ** 2, u0_q)
        half = 0.5 * (u1_q - lo)
        u = lo[:, None] + half[:, None] * (x + 1.0)
        # All nodes lie in the outer oxic piece (a no-flux root has no inner one): (2) written in u = r^2,
        # clipped at 0 against rounding next to the free boundary.
        c = c_q[:, None] + b_q[:, None] * (u - u1_q[:, None]) + (0.5 * e_q)[:, None] * np.log(u / u1_q[:, None])
        f = oxidative_enzyme_factor(np.maximum(c, 0.0), k_q[:, None])
        mean[quad] = (f * w).sum(axis=-1) * (half / (u1_q - u0_q))
    return np.where(live, mean, np.where(rooted & closed & (q > 0), 0.0, bulk))
