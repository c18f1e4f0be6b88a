"""Leaf and canopy photosynthesis with Medlyn stomatal conductance, vectorised over tiles.

Every function works on arrays of shape ``(ntile,)`` (scalars broadcast);
each tile carries one PFT index into :data:`lsm.pfts.PFTS`.  CO2 and O2 are
mole fractions (umol mol-1 and mmol mol-1): the Michaelis constants of
Bernacchi et al. (2001) are quoted as mole fractions at sea level, and CLM's
convention of scaling them by the surface pressure gives the same ratios
``ci / Kc``, so working in mole fractions loses nothing.  Leaf rates are
umol CO2 m-2 leaf s-1, conductances mol m-2 s-1 (for water vapour unless
said otherwise), temperatures K.

C3 leaves: Farquhar, von Caemmerer & Berry (1980)
-------------------------------------------------
- Rubisco-limited gross rate ``Wc = Vcmax (ci - G*) / (ci + Kc (1 + O / Ko))``
- RuBP (electron-transport) limited rate ``Wj = J (ci - G*) / (4 ci + 8 G*)``
- ``J`` is the smaller root of ``theta_J J^2 - (I2 + Jmax) J + I2 Jmax = 0``
  with ``theta_J = 0.7`` and ``I2 = 0.5 (1 - f) APAR``, ``f = 0.15``
  (von Caemmerer 2000, Biochemical models of leaf photosynthesis, eq. 2.14;
  the same constants as CLM5, Lawrence et al. 2018 technical note ch. 9).
- Co-limitation: smaller root of ``theta_cj A^2 - (Wc + Wj) A + Wc Wj = 0``,
  ``theta_cj = 0.98`` (Collatz et al. 1991, Agric. For. Meteorol. 54, 107;
  CLM5); ``theta_cj = 1`` gives ``min(Wc, Wj)`` exactly.  Triose-phosphate
  limitation is not represented.
- Net assimilation ``An = A - Rd``; ``Rd25 = 0.015 Vcmax25`` (Collatz et al.
  1991).
- Temperature: Kc, Ko and G* follow Arrhenius functions with the Bernacchi
  et al. (2001, Plant Cell Environ. 24, 253) constants (Kc25 404.9 umol mol-1,
  Ea 79.43 kJ mol-1; Ko25 278.4 mmol mol-1, 36.38 kJ mol-1; G*25 42.75
  umol mol-1, 37.83 kJ mol-1).  Vcmax and Jmax follow the peaked Arrhenius
  function with the thermal acclimation of Kattge & Knorr (2007, Plant Cell
  Environ. 30, 1176): Ha 71.513 / 49.884 kJ mol-1, Hd 200 kJ mol-1, entropy
  ``dS = 668.39 - 1.07 Tg`` / ``659.70 - 0.75 Tg`` J mol-1 K-1 with the
  growth temperature ``Tg`` (degC, clipped to their 11-35 degC range as in
  CLM5).  Rd uses CLM5's Ha 46.39 kJ mol-1, Hd 150.65 kJ mol-1, dS 490.
- ``Jmax25 = 1.67 Vcmax25`` (Medlyn et al. 2002, Plant Cell Environ. 25, 1167).

C4 leaves: Collatz, Ribas-Carbo & Berry (1992, Aust. J. Plant Physiol. 19, 519)
--------------------------------------------------------------------------------
- Rubisco ``Wc = Vcmax``, light ``Wj = alpha APAR`` (alpha 0.04 mol mol-1
  absorbed), PEP carboxylase ``We = kp ci`` with ``kp = 18000 Vcmax``
  (mol m-2 s-1 per mole fraction; their 0.7 mol m-2 s-1 at Vmax 39
  umol m-2 s-1) scaled with Q10 = 2;
- co-limitation in two steps, ``theta = 0.83`` (Wc, Wj) then ``beta = 0.93``
  (with We);
- ``Vcmax(T) = Vcmax25 2^((T-25)/10) / ((1 + e^{0.3(13-T)}) (1 + e^{0.3(T-36)}))``,
  ``Rd = 0.021 Vcmax25 2^((T-25)/10) / (1 + e^{1.3(T-55)})`` (T in degC).

Leaf nitrogen
-------------
Photosynthetic capacity is proportional to leaf N per area, ``Na = 1 / (SLA
C:N)``.  Leaves of a PFT are assumed to keep the PFT's SLA, so
``Vcmax25 = Vcmax25_pft * CN_pft / CN_leaf``: the Kattge et al. (2009, Glob.
Change Biol. 15, 976) trait means in :mod:`lsm.pfts` are the values at the
reference C:N, and the linear Vcmax-Na relation through the origin follows
the N-use-efficiency form used by CLM4.5 (``Vcmax25 = Na FLNR FNR act``,
Oleson et al. 2013 eq. 8.17).  Jmax25 and Rd25 scale with Vcmax25.

Stomatal conductance: Medlyn et al. (2011, Glob. Change Biol. 17, 2134)
------------------------------------------------------------------------
``gs = g0 + 1.6 (1 + g1 / sqrt(D)) An / Ca`` (D in kPa), with g1 by PFT from
Lin et al. (2015, Nature Clim. Change 5, 459) as adopted in CLM5
(``medlynslope``) and ``g0 = 1e-4 mol m-2 s-1`` (CLM5 ``medlynintercept``).
Gas diffusion closes the system: ``An = gs / 1.6 (Ca - ci)`` (boundary-layer
conductance is left to the energy module).  Writing ``xi = 1 + g1/sqrt(D)``
and eliminating gs gives

    F(ci) = An(ci) [1 - xi (1 - ci/Ca)] - g0/1.6 (Ca - ci) = 0.

With ``g0 = 0`` the root is analytic, ``ci/Ca = g1 / (g1 + sqrt(D))``
(Medlyn's optimal ci).  For ``g0 > 0`` the root lies in ``(ci0, Ca)``, where
``ci0`` is that analytic value: at ``ci0`` the bracket vanishes and
``F = -g0/1.6 (Ca - ci0) < 0``; at ``Ca``, ``F = An(Ca) > 0`` whenever the leaf
gains carbon at all; and wherever ``An >= 0`` both terms increase with ci,
so the root is unique.  :func:`_solve_ci` brackets it and bisects,
vectorised over tiles: each halving is guaranteed, so a fixed count of
``N_BISECT`` iterations reaches ``(Ca - ci0) 2^-N`` on every tile with no
per-tile convergence test, and a last secant step inside that bracket takes
ci to far below 1e-6 umol mol-1.  If ``An(Ca) <= 0`` (dark or
near the light compensation point) the stomatal term is zero, ``gs = g0``,
and ci is set to Ca (the small difference ``1.6 Rd / g0`` is irrelevant to
a leaf that does not photosynthesise).

Soil water stress ``beta`` (0-1, from the hydrology) multiplies Vcmax and
Jmax (a non-stomatal limitation, Egea et al. 2011, Agric. For. Meteorol.
151, 1370; CLM4.5 applies ``btran`` to Vcmax).  Through the Medlyn coupling
gs falls in proportion to An, so transpiration is also reduced.

Canopy: integral over LAI with exponential extinction
----------------------------------------------------
Absorbed PAR per unit leaf area at cumulative leaf area index L below the
top is ``k PAR exp(-k L)`` (Beer's law, ``k = 0.5``, spherical leaf angles).
Leaf N, and with it Vcmax, Jmax and Rd, declines as ``exp(-kn L)`` with
``kn = exp(0.00963 Vcmax25 - 2.43)`` (about 0.15; Lloyd et al. 2010,
Biogeosciences 7, 1833, as in CLM5), more slowly than light: lower leaves
are light-limited, which is what moderates the canopy's CO2 response
compared with a light-saturated leaf.  (With ``kn = k`` every leaf would be
a scaled copy of the top leaf and the integral would collapse to the
Sellers et al. 1992 big leaf, ``(1 - exp(-k LAI)) / k`` times the top leaf,
which overstates Rubisco limitation and the CO2 response.)  The integral
over ``0..LAI`` uses ``N_LAYER = 6`` Gauss-Legendre points, exact to the
precision of the smooth integrand, with layers on a leading array axis.
Sunlit and shaded leaves are not separated (de Pury & Farquhar 1997, Plant
Cell Environ. 20, 537): every leaf at depth L sees the mean light of its
layer, so the canopy needs no solar geometry, at the cost of ignoring
sunflecks.

Canopy conductance for Penman-Monteith is the same integral of leaf gs
(residual g0 included), converted from mol m-2 s-1 to m s-1 with the molar
volume of the air, ``R T / P``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lsm.pfts import NPFT, PFT_NAMES, pft_index, trait

__all__ = [
    "JMAX25_TO_VCMAX25",
    "KG_C_PER_UMOL_CO2",
    "K_EXTINCTION",
    "MEDLYN_G0",
    "MEDLYN_G1",
    "O2_MMOL_MOL",
    "R_GAS",
    "CanopyFluxes",
    "LeafRates",
    "c3_gross_rates",
    "c3_kinetics",
    "c4_gross_rate",
    "canopy_photosynthesis",
    "diffuse_fraction_erbs",
    "sun_shade_partition",
    "colimit",
    "electron_transport",
    "g1_of",
    "leaf_photosynthesis",
    "mol_to_m_per_s",
    "peaked_arrhenius",
    "vcmax25_from_leaf_cn",
]

#: Universal gas constant, J mol-1 K-1.
R_GAS = 8.314462618
#: kg C in one umol CO2 (12.011 g mol-1).
KG_C_PER_UMOL_CO2 = 12.011e-9
#: Light extinction coefficient for PAR (spherical leaf-angle distribution).
K_EXTINCTION = 0.5
#: O2 mole fraction of dry air, mmol mol-1.
O2_MMOL_MOL = 209.5
#: Medlyn residual conductance, mol H2O m-2 s-1 (CLM5 ``medlynintercept``).
MEDLYN_G0 = 1.0e-4
#: Jmax25 / Vcmax25 (Medlyn et al. 2002).
JMAX25_TO_VCMAX25 = 1.67
#: Rd25 / Vcmax25 for C3 leaves (Collatz et al. 1991).
RD25_TO_VCMAX25_C3 = 0.015
#: Rd25 / Vcmax25 for C4 leaves (Collatz et al. 1992).
RD25_TO_VCMAX25_C4 = 0.021
#: Curvature of the electron-transport light response (brief; von Caemmerer 2000).
THETA_J = 0.7
#: Fraction of absorbed PAR not reaching photosystems (spectral correction, von Caemmerer 2000).
F_SPECTRAL = 0.15
#: Rubisco/RuBP co-limitation curvature for C3 (Collatz et al. 1991; CLM5).
THETA_CJ_C3 = 0.98
#: C4 co-limitation curvatures (Collatz et al. 1992): Rubisco-light, then with PEP carboxylase.
THETA_C4 = 0.83
BETA_C4 = 0.93
#: C4 quantum efficiency, mol CO2 per mol absorbed photons (Collatz et al. 1992).
ALPHA_C4 = 0.04
#: C4 initial slope of the CO2 response per unit Vcmax25 (Collatz et al. 1992: 0.7 / 39e-6).
KP_TO_VCMAX25_C4 = 18000.0
#: Vertical decline of leaf N (and Vcmax) with cumulative LAI, kn = exp(0.00963 Vcmax25 - 2.43)
#: (Lloyd et al. 2010, Biogeosciences 7, 1833; CLM5).
KN_SLOPE, KN_INTERCEPT = 0.00963, -2.43
#: Gauss-Legendre layers for the integral over LAI.
N_LAYER = 6
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(N_LAYER)
_GL_NODES = 0.5 * (_GL_NODES + 1.0)  # mapped to relative depth 0-1
_GL_WEIGHTS = 0.5 * _GL_WEIGHTS
#: Two-big-leaf radiation constants for PAR (de Pury & Farquhar 1997, table 2): leaf scattering, canopy
#: reflection of beam and diffuse light, extinction of diffuse light with scattering.
SIGMA_LEAF, RHO_BEAM, RHO_DIFFUSE, KD_SCATTERED = 0.15, 0.029, 0.036, 0.719
#: Smallest cos(zenith) used for the beam extinction (sun 5.7 degrees above the horizon): hourly means
#: around sunrise and sunset include dark minutes and would give an unphysical beam path.
COS_ZENITH_MIN = 0.1
#: Bisection iterations for ci before the final secant step (see :func:`_solve_ci`).
N_BISECT = 24

# Bernacchi et al. (2001): value at 25 degC and activation energy (J mol-1).
_KC25, _KC_HA = 404.9, 79430.0  # umol mol-1
_KO25, _KO_HA = 278.4, 36380.0  # mmol mol-1
_GS25, _GS_HA = 42.75, 37830.0  # umol mol-1
# Kattge & Knorr (2007) acclimated peaked Arrhenius parameters.
_VC_HA, _VC_HD, _VC_S0, _VC_S1 = 71513.0, 200000.0, 668.39, -1.07
_JM_HA, _JM_HD, _JM_S0, _JM_S1 = 49884.0, 200000.0, 659.70, -0.75
# CLM5 leaf respiration (Lawrence et al. 2018, table 9.x ``lmrha``, ``lmrhd``, ``lmrse``).
_RD_HA, _RD_HD, _RD_S = 46390.0, 150650.0, 490.0
_T25 = 298.15

#: Medlyn slope g1 by PFT, kPa^0.5 (Lin et al. 2015 as CLM5 ``medlynslope``):
#: needleleaf trees 2.35, broadleaf evergreen 4.12, broadleaf deciduous 4.45,
#: shrubs 4.70, C3 grass 5.25, C4 grass 1.62, C3 crops 5.79, C4 crops (maize) 1.79.
_G1_BY_NAME = {
    "bare": 0.0,
    "needleleaf_evergreen_tree": 2.35,
    "needleleaf_deciduous_tree": 2.35,
    "broadleaf_evergreen_tropical_tree": 4.12,
    "broadleaf_evergreen_temperate_tree": 4.12,
    "broadleaf_deciduous_temperate_tree": 4.45,
    "broadleaf_deciduous_tropical_tree": 4.45,
    "shrub": 4.70,
    "shrub_boreal": 4.70,
    "c3_grass": 5.25,
    "c4_grass": 1.62,
    "c3_crop": 5.79,
    "c4_crop": 1.79,
    "legume_crop": 5.79,
}
MEDLYN_G1 = np.array([_G1_BY_NAME[name] for name in PFT_NAMES])
assert MEDLYN_G1.shape == (NPFT,)

_VCMAX25 = trait("vcmax25")
_LEAF_CN = trait("leaf_cn")
_IS_C4 = trait("pathway") == "C4"


class LeafRates(NamedTuple):
    """Leaf gas exchange (per m2 leaf)."""

    #: Net assimilation, umol CO2 m-2 s-1.
    an: np.ndarray
    #: Gross assimilation (An + Rd), umol CO2 m-2 s-1.
    a_gross: np.ndarray
    #: Leaf (day) respiration, umol CO2 m-2 s-1.
    rd: np.ndarray
    #: Stomatal conductance to water vapour, mol m-2 s-1.
    gs: np.ndarray
    #: Intercellular CO2 mole fraction, umol mol-1.
    ci: np.ndarray


class CanopyFluxes(NamedTuple):
    """Canopy totals per m2 ground."""

    #: Gross primary production, kg C m-2 s-1 (photosynthesis before any respiration).
    gpp_kg_m2_s: np.ndarray
    #: Leaf respiration in the canopy, kg C m-2 s-1 (diagnostic; see :mod:`lsm.vegetation`).
    leaf_resp_kg_m2_s: np.ndarray
    #: Canopy conductance to water vapour, mol m-2 s-1.
    gc_mol_m2_s: np.ndarray
    #: Canopy conductance to water vapour, m s-1 (for Penman-Monteith).
    gc_m_s: np.ndarray
    #: Intercellular CO2 of the top leaf, umol mol-1.
    ci: np.ndarray


def vcmax25_from_leaf_cn(pft, leaf_cn=None):
    """Vcmax at 25 degC at the canopy top, umol m-2 s-1, proportional to leaf N per area.

    ``leaf_cn`` (g C g-1 N) defaults to the PFT reference, where the result is
    the PFT's ``vcmax25``.
    """
    pft = np.asarray(pft)
    v = _VCMAX25[pft]
    if leaf_cn is None:
        return v
    return v * _LEAF_CN[pft] / np.asarray(leaf_cn, dtype=float)


def _arrhenius(t_k, ha):
    return np.exp(ha / (R_GAS * _T25) * (1.0 - _T25 / t_k))


def peaked_arrhenius(t_k, ha, hd, ds):
    """Peaked Arrhenius factor, 1 at 25 degC (Kattge & Knorr 2007 eq. 1; CLM5)."""
    norm = 1.0 + np.exp((ds * _T25 - hd) / (R_GAS * _T25))
    return _arrhenius(t_k, ha) * norm / (1.0 + np.exp((ds * t_k - hd) / (R_GAS * t_k)))


def c3_kinetics(t_leaf_k):
    """Bernacchi et al. (2001) ``(Kc umol mol-1, Ko mmol mol-1, Gamma* umol mol-1)`` at leaf temperature."""
    return (_KC25 * _arrhenius(t_leaf_k, _KC_HA),
            _KO25 * _arrhenius(t_leaf_k, _KO_HA),
            _GS25 * _arrhenius(t_leaf_k, _GS_HA))


def electron_transport(i2, jmax, theta=THETA_J):
    """Smaller root of ``theta J^2 - (I2 + Jmax) J + I2 Jmax = 0``, umol e- m-2 s-1.

    Written as ``2 c / (b + sqrt(b^2 - 4 a c))`` so it stays accurate (and 0)
    when ``I2 Jmax`` is 0.
    """
    b = i2 + jmax
    c = i2 * jmax
    disc = np.sqrt(np.maximum(b * b - 4.0 * theta * c, 0.0))
    denom = b + disc
    return np.where(denom > 0.0, 2.0 * c / np.where(denom > 0.0, denom, 1.0), 0.0)


def colimit(a, b, theta):
    """Smooth minimum: smaller root of ``theta x^2 - (a + b) x + a b = 0`` (``theta = 1``: min)."""
    s = a + b
    disc = np.sqrt(np.maximum(s * s - 4.0 * theta * a * b, 0.0))
    return (s - disc) / (2.0 * theta)


def c3_gross_rates(ci, vcmax, j, kc, ko, gamma_star, o2=O2_MMOL_MOL):
    """Farquhar ``(Wc, Wj)`` in umol m-2 s-1 for ci (umol mol-1), O2 (mmol mol-1)."""
    return _c3_rates(ci, vcmax, j, kc * (1.0 + o2 / ko), gamma_star)


def _c3_rates(ci, vcmax, j, km, gamma_star):
    """``(Wc, Wj)`` with the effective Michaelis constant ``km = Kc (1 + O / Ko)`` already formed."""
    wc = vcmax * (ci - gamma_star) / (ci + km)
    wj = j * (ci - gamma_star) / (4.0 * ci + 8.0 * gamma_star)
    return wc, wj


def c4_gross_rate(ci, vcmax_t, apar, kp):
    """Collatz et al. (1992) gross rate, umol m-2 s-1; ``kp`` in umol m-2 s-1 per umol mol-1."""
    wj = ALPHA_C4 * apar
    m = colimit(vcmax_t, wj, THETA_C4)
    return colimit(m, kp * ci, BETA_C4)


def _leaf_parameters(pft, t_leaf_k, apar, beta, leaf_cn, t_growth_k, capacity_scale, shape):
    """Temperature-adjusted capacities of a leaf, broadcast to ``shape``; returns ``(params, Rd)``."""
    pft = np.asarray(pft)
    t = np.asarray(t_leaf_k, dtype=float)
    tc = t - 273.15
    beta = np.clip(np.asarray(beta, dtype=float), 0.0, 1.0)
    v25 = vcmax25_from_leaf_cn(pft, leaf_cn) * capacity_scale
    c4 = _IS_C4[pft]

    # C3 branch
    tg = np.clip(np.asarray(t_growth_k, dtype=float) - 273.15, 11.0, 35.0)
    vcmax3 = v25 * beta * peaked_arrhenius(t, _VC_HA, _VC_HD, _VC_S0 + _VC_S1 * tg)
    jmax3 = JMAX25_TO_VCMAX25 * v25 * beta * peaked_arrhenius(t, _JM_HA, _JM_HD, _JM_S0 + _JM_S1 * tg)
    rd3 = RD25_TO_VCMAX25_C3 * v25 * peaked_arrhenius(t, _RD_HA, _RD_HD, _RD_S)
    kc, ko, gstar = c3_kinetics(t)
    j = electron_transport(0.5 * (1.0 - F_SPECTRAL) * apar, jmax3)

    # C4 branch
    q = 2.0 ** ((tc - 25.0) / 10.0)
    vcmax4 = v25 * beta * q / ((1.0 + np.exp(0.3 * (13.0 - tc))) * (1.0 + np.exp(0.3 * (tc - 36.0))))
    kp4 = KP_TO_VCMAX25_C4 * 1e-6 * v25 * beta * q  # per umol mol-1 of ci
    rd4 = RD25_TO_VCMAX25_C4 * v25 * q / (1.0 + np.exp(1.3 * (tc - 55.0)))

    rd = np.broadcast_to(np.where(c4, rd4, rd3), shape)
    # Rubisco-limited Wc = vcmax (ci - G*) / (ci + km), with km = Kc (1 + O/Ko)
    params = {"c4": c4, "vcmax3": vcmax3, "j": j, "gstar": gstar, "km": kc * (1.0 + O2_MMOL_MOL / ko),
              "vcmax4": vcmax4, "apar": np.asarray(apar, dtype=float), "kp4": kp4, "rd": rd}
    return {k: np.broadcast_to(v, shape) for k, v in params.items()}, rd


def _gross_c3(ci, p):
    """Farquhar gross assimilation of C3 leaves, umol m-2 s-1."""
    return colimit(*_c3_rates(ci, p["vcmax3"], p["j"], p["km"], p["gstar"]), THETA_CJ_C3)


def _gross_c4(ci, p):
    """Collatz gross assimilation of C4 leaves, umol m-2 s-1."""
    return c4_gross_rate(ci, p["vcmax4"], p["apar"], p["kp4"])


def _gross(ci, p):
    """Gross assimilation, umol m-2 s-1, for the leaf parameters ``p`` (C3 and C4 leaves evaluated apart)."""
    out = np.empty(np.shape(ci))
    for mask, fn in ((~p["c4"], _gross_c3), (p["c4"], _gross_c4)):
        if np.any(mask):
            out[mask] = fn(ci[mask], {k: v[mask] for k, v in p.items()})
    return out


def _solve_ci(gross, p, ca, xi, g0):
    """Root of ``F(ci) = An(ci) [1 - xi (1 - ci/Ca)] - g0/1.6 (Ca - ci)`` on ``(ci0, Ca)`` (1-d arrays).

    ``gross(ci, p)`` is the gross assimilation of these leaves.  ``N_BISECT``
    halvings shrink the bracket to ``(Ca - ci0) 2^-N_BISECT``; a final secant
    step between the bracket ends, where F changes sign, takes the root to
    well below 1e-6 umol mol-1 (F is smooth on that scale).
    """
    ci0 = ca * (1.0 - 1.0 / xi)
    if np.all(g0 == 0.0):
        return ci0
    rd, leak = p["rd"], g0 / 1.6

    def f(ci):
        return (gross(ci, p) - rd) * (1.0 - xi * (1.0 - ci / ca)) - leak * (ca - ci)

    lo, hi = ci0.copy(), ca.astype(float)
    for _ in range(N_BISECT):  # iterations over the bracket, not over tiles
        mid = 0.5 * (lo + hi)
        neg = f(mid) < 0.0
        lo = np.where(neg, mid, lo)
        hi = np.where(neg, hi, mid)
    f_lo, f_hi = f(lo), f(hi)
    span = f_hi - f_lo
    t = np.where(span > 0.0, -f_lo / np.where(span > 0.0, span, 1.0), 0.5)
    return lo + np.clip(t, 0.0, 1.0) * (hi - lo)


def leaf_photosynthesis(pft, apar_umol_m2_s, t_leaf_k, vpd_pa, co2_umol_mol, beta=1.0,
                        leaf_cn=None, t_growth_k=_T25, g0=MEDLYN_G0, capacity_scale=1.0):
    """Net assimilation and stomatal conductance of a leaf, solved jointly for ci.

    Parameters (arrays of shape (ntile,) or scalars): ``pft`` index;
    ``apar_umol_m2_s`` absorbed PAR per m2 leaf (umol photons m-2 s-1);
    ``t_leaf_k`` leaf temperature; ``vpd_pa`` leaf-to-air vapour pressure
    deficit (Pa); ``co2_umol_mol`` CO2 mole fraction at the leaf surface;
    ``beta`` soil water stress (1 = none); ``leaf_cn`` leaf C:N (g g-1,
    default PFT reference); ``t_growth_k`` growth temperature for
    acclimation (e.g. a 10-day mean of air temperature); ``g0`` residual
    conductance (mol m-2 s-1); ``capacity_scale`` multiplies Vcmax25 (and
    with it Jmax25 and Rd25) for leaves below the canopy top.

    The root for ci is sought only on leaves that gain carbon at ``ci = Ca``
    (about half of them at any hour): the others keep ``ci = Ca``.  Each leaf's
    result depends on its own inputs only, so it is independent of how tiles
    are spread over ranks.
    """
    pft = np.asarray(pft)
    apar = np.maximum(np.asarray(apar_umol_m2_s, dtype=float), 0.0)
    ca = np.asarray(co2_umol_mol, dtype=float)
    shape = np.broadcast_shapes(np.shape(pft), np.shape(apar), np.shape(ca), np.shape(t_leaf_k),
                                np.shape(vpd_pa), np.shape(capacity_scale))
    p, rd = _leaf_parameters(pft, t_leaf_k, apar, beta, leaf_cn, t_growth_k, capacity_scale, shape)
    # D floored at 50 Pa: the Medlyn form diverges as D -> 0 (saturated air).
    sqrt_d = np.sqrt(np.maximum(np.asarray(vpd_pa, dtype=float), 50.0) * 1e-3)
    xi = np.broadcast_to(1.0 + MEDLYN_G1[pft] / sqrt_d, shape)
    g0 = np.asarray(g0, dtype=float)
    ca_b = np.broadcast_to(ca, shape).astype(float)
    a_gross = _gross(ca_b, p)
    on = a_gross - rd > 0.0
    ci = ca_b.copy()
    g0_b = np.broadcast_to(g0, shape)
    for mask, gross in ((on & ~p["c4"], _gross_c3), (on & p["c4"], _gross_c4)):
        if np.any(mask):
            sub = {k: v[mask] for k, v in p.items()}
            ci[mask] = _solve_ci(gross, sub, ca_b[mask], xi[mask], g0_b[mask])
            a_gross[mask] = gross(ci[mask], sub)
    an = a_gross - rd
    gs = g0 + 1.6 * xi * np.maximum(an, 0.0) / ca
    return LeafRates(an=an, a_gross=a_gross, rd=rd, gs=np.broadcast_to(gs, shape), ci=ci)


def mol_to_m_per_s(g_mol_m2_s, t_k, p_pa):
    """Convert a conductance from mol m-2 s-1 to m s-1 with the molar volume ``R T / P`` (m3 mol-1)."""
    return g_mol_m2_s * R_GAS * np.asarray(t_k, dtype=float) / np.asarray(p_pa, dtype=float)


def diffuse_fraction_erbs(clearness_index):
    """Diffuse fraction of global radiation from the clearness index ``kt = rsds / Q_toa`` (Erbs et al. 1982).

    Erbs, Klein & Duffie (1982, Solar Energy 28, 293), hourly correlation:
    ``1 - 0.09 kt`` for ``kt <= 0.22``, a quartic for ``0.22 < kt <= 0.8``,
    0.165 above.
    """
    kt = np.clip(np.asarray(clearness_index, dtype=float), 0.0, 1.0)
    quartic = 0.9511 - 0.1604 * kt + 4.388 * kt**2 - 16.638 * kt**3 + 12.336 * kt**4
    return np.where(kt <= 0.22, 1.0 - 0.09 * kt, np.where(kt <= 0.8, quartic, 0.165))


def sun_shade_partition(par, lai, cos_zenith, diffuse_fraction, kn):
    """Two-big-leaf partition of de Pury & Farquhar (1997): leaf area, absorbed PAR and capacity of each.

    ``par`` incident PAR (umol m-2 s-1), ``lai`` (m2 m-2), ``cos_zenith`` of
    the sun (clipped at ``COS_ZENITH_MIN``), ``diffuse_fraction`` of PAR,
    ``kn`` the extinction of leaf N.  Returns ``(lai_sun, lai_shade,
    apar_sun, apar_shade, cap_sun, cap_shade)`` per m2 ground; ``cap`` is the
    integral over the big leaf of ``exp(-kn L)``, the capacity relative to a
    canopy-top leaf.  Beam extinction ``kb = 0.5 / cos Z`` (spherical leaves),
    with scattering ``kb' = 0.46 / cos Z`` and diffuse ``kd' = 0.719``; leaf
    scattering 0.15 and canopy reflection 0.029 (beam) and 0.036 (diffuse)
    for PAR (de Pury & Farquhar 1997, Plant Cell Environ. 20, 537, table 2
    and eqs. 13-20).
    """
    mu = np.maximum(np.asarray(cos_zenith, dtype=float), COS_ZENITH_MIN)
    kb, kbs, kd = 0.5 / mu, 0.46 / mu, KD_SCATTERED
    i_b = par * (1.0 - diffuse_fraction)
    i_d = par * diffuse_fraction
    lai_sun = -np.expm1(-kb * lai) / kb
    absorbed = (1.0 - RHO_BEAM) * i_b * -np.expm1(-kbs * lai) + (1.0 - RHO_DIFFUSE) * i_d * -np.expm1(-kd * lai)
    apar_sun = (i_b * (1.0 - SIGMA_LEAF) * -np.expm1(-kb * lai)
                + i_d * (1.0 - RHO_DIFFUSE) * kd / (kd + kb) * -np.expm1(-(kd + kb) * lai)
                + i_b * ((1.0 - RHO_BEAM) * kbs / (kbs + kb) * -np.expm1(-(kbs + kb) * lai)
                         - (1.0 - SIGMA_LEAF) * -np.expm1(-2.0 * kb * lai) / 2.0))
    cap_total = -np.expm1(-kn * lai) / kn
    cap_sun = -np.expm1(-(kn + kb) * lai) / (kn + kb)
    return (lai_sun, np.maximum(lai - lai_sun, 0.0), apar_sun, np.maximum(absorbed - apar_sun, 0.0),
            cap_sun, np.maximum(cap_total - cap_sun, 0.0))


def canopy_photosynthesis(pft, par_umol_m2_s, lai, t_leaf_k, vpd_pa, co2_umol_mol, p_pa=101325.0,
                          beta=1.0, leaf_cn=None, t_growth_k=_T25, g0=MEDLYN_G0, cos_zenith=None,
                          diffuse_fraction=None):
    """Canopy GPP, leaf respiration and conductance per m2 ground, integrated over LAI.

    ``par_umol_m2_s`` is PAR incident on the top of the canopy (umol photons
    m-2 s-1; about 4.6 umol J-1 times the PAR part, ~45 %, of ``rsds``);
    ``lai`` one-sided leaf area index (m2 m-2); ``p_pa`` surface pressure;
    other arguments as :func:`leaf_photosynthesis`.  Bare tiles and tiles
    without leaves return zero GPP, respiration and conductance.

    With ``cos_zenith`` and ``diffuse_fraction`` (0-1) the canopy is two big
    leaves, sunlit and shaded (:func:`sun_shade_partition`), each solved as
    one leaf with its mean light and capacity: the leaf equations are
    homogeneous of degree one in light and capacity, so a big leaf of area
    ``A`` with absorbed PAR ``I`` and capacity ``C`` is ``A`` leaves with
    ``I / A`` and ``C / A`` (de Pury & Farquhar 1997).  Sunlit leaves are
    light-saturated while shaded ones are not, which a mean light per layer
    misses.  Without them, the mean-light integral over ``N_LAYER`` layers
    described in the module docstring is used.
    """
    pft = np.asarray(pft)
    shape = np.broadcast_shapes(pft.shape, np.shape(lai), np.shape(par_umol_m2_s))
    lai = np.broadcast_to(np.maximum(np.asarray(lai, dtype=float), 0.0), shape)
    par = np.broadcast_to(np.maximum(np.asarray(par_umol_m2_s, dtype=float), 0.0), shape)
    vegetated = _VCMAX25[pft] > 0.0
    kn = np.exp(KN_SLOPE * vcmax25_from_leaf_cn(pft, leaf_cn) + KN_INTERCEPT)
    if cos_zenith is None:
        # Layers on a leading axis: (N_LAYER, ntile).
        depth = _GL_NODES[:, None] * lai
        apar = K_EXTINCTION * par * np.exp(-K_EXTINCTION * depth)
        scale = np.exp(-kn * depth)
        weight = _GL_WEIGHTS[:, None] * np.where(vegetated, lai, 0.0)
    else:
        lai_sun, lai_sh, apar_sun, apar_sh, cap_sun, cap_sh = sun_shade_partition(
            par, lai, cos_zenith, np.asarray(diffuse_fraction, dtype=float), kn)
        area = np.stack([lai_sun, lai_sh])
        safe = np.where(area > 0.0, area, 1.0)
        apar = np.stack([apar_sun, apar_sh]) / safe
        scale = np.stack([cap_sun, cap_sh]) / safe
        weight = np.where(vegetated, area, 0.0)
    leaf = leaf_photosynthesis(pft, apar, t_leaf_k, vpd_pa, co2_umol_mol, beta, leaf_cn, t_growth_k, g0,
                               capacity_scale=scale)
    gpp = np.sum(weight * leaf.a_gross, axis=0) * KG_C_PER_UMOL_CO2
    resp = np.sum(weight * leaf.rd, axis=0) * KG_C_PER_UMOL_CO2
    gc = np.sum(weight * leaf.gs, axis=0)
    return CanopyFluxes(gpp_kg_m2_s=gpp, leaf_resp_kg_m2_s=resp, gc_mol_m2_s=gc,
                        gc_m_s=mol_to_m_per_s(gc, t_leaf_k, p_pa), ci=leaf.ci[0])


def g1_of(name: str) -> float:
    """Medlyn g1 of PFT ``name``, kPa^0.5."""
    return float(MEDLYN_G1[pft_index(name)])
