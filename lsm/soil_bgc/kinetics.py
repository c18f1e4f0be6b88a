"""Enzyme kinetics and environmental modifiers of depolymerisation (SCIENCE.md section 3, item 4).

Pure, vectorised numpy functions: every argument is a scalar or an array over
soil columns (and layers) and arrays broadcast; nothing loops over cells.
Units are SI: pools in kg C m-3 of soil unless a function says otherwise,
time in s, temperature in K, energies in J mol-1.

Rate laws for one enzyme ``E`` acting on one substrate ``S``
------------------------------------------------------------
``vmax`` is the catalytic capacity per unit enzyme (s-1); ``E``, ``S`` and
the half-saturation constant share one unit (kg C m-3), and the rate is in
that unit per second (kg C m-3 s-1).

- Forward Michaelis-Menten, ``vmax E S / (K_m + S)``: saturates in substrate
  only, so it is the limit for scarce enzyme (``E << K_m + S``, the
  laboratory assay).  In soil it has no bound in ``E``.
- Reverse Michaelis-Menten, ``vmax S E / (K_e + E)`` (Schimel & Weintraub
  2003, Soil Biol. Biochem. 35, 549): saturates in enzyme only, the limit for
  scarce substrate (``S << K + E``).
- Equilibrium chemistry approximation (ECA), ``vmax E S / (K_m + S + E)``
  (Tang & Riley 2013, Biogeosciences 10, 8329), for one enzyme on one
  substrate: saturates in both.  It tends to forward MM with relative error
  ``E / (K_m + S + E)`` when ``E << K_m + S``, to reverse MM (``K_e = K_m``)
  with relative error ``S / (K_m + S + E)`` when ``S << K_m + E``, and to
  ``vmax E S / K_m`` when both are small.  Because ``K_m + S + E`` exceeds
  both ``E`` and ``S``, the ECA rate never exceeds ``vmax min(E, S)`` nor
  ``vmax E S / K_m``, nor either MM form.  It is the default rate law of the
  depolymerisation in this package.

Temperature
-----------
``arrhenius_factor`` is ``exp(-Ea / R (1/T - 1/Tref))``, 1 at ``Tref``
(25 degC by default).  Defaults:

- Vmax: ``Ea = 47 kJ mol-1`` for hydrolytic enzymes, the value Allison,
  Wallenstein & Bradford (2010, Nat. Geosci. 3, 336) used for Vmax of both
  depolymerisation and DOC uptake (an equivalent Q10 of 1.93 at 15 degC).
- K_m: no default temperature response (``Ea = 0``).  Its sensitivity
  differs between enzymes in size and even sign (German et al. 2012, Glob.
  Change Biol. 18, 1468); Allison et al. (2010) used a linear ``K_m(T)``.
  :func:`km_at_temperature` takes an activation energy for studies that
  want one; a rising K_m offsets part of the rise of Vmax at low substrate.

Moisture and oxygen: DAMM (Davidson et al. 2012, Glob. Change Biol. 18, 371)
-----------------------------------------------------------------------------
The Dual Arrhenius and Michaelis-Menten model moves the substrate and O2 to
the reaction site by diffusion, which gives both ends of the moisture
response without an empirical curve:

- soluble substrate at the site ``S_sol = p S D_liq theta^3``: the cube of
  the liquid water content is the solute-diffusion (connectivity) limit, so
  a drying soil starves the enzymes smoothly;
- O2 at the site ``O2 = D_gas 0.209 a^(4/3)`` with air-filled porosity
  ``a = porosity - theta``: gas diffusion through air-filled pores, so a
  wet soil suffocates (``O2 -> 0`` at saturation);
- ``oxygen_limitation = O2 / (kM_O2 + O2)``.

Published Harvard Forest values (Davidson et al. 2012): ``p = 4.14e-4``,
``D_liq = 3.17``, ``D_gas = 1.67``, ``kM_O2 = 0.121`` L O2 L-1 air,
``kM_Sx = 9.95e-7 g C cm-3 soil`` (= 9.95e-4 kg C m-3), porosity 0.68.
``D_liq`` and ``D_gas`` are normalisations: ``1 / 0.68^3 = 3.18`` and
``1 / 0.68^(4/3) = 1.67`` (both published numbers imply porosity 0.681), so
that ``S_sol = p S`` in saturated soil and ``O2 = 0.209`` in dry soil
(``a = porosity``).  A global model has other porosities, so by default
these functions apply that normalisation to the local porosity
(``D_liq = porosity^-3``, ``D_gas = porosity^-4/3``); passing
``d_liq=DAMM_D_LIQ, d_gas=DAMM_D_GAS`` reproduces the paper exactly.  With
the fixed 1.67, any soil more porous than 0.68 would hold more O2 than the
atmosphere.

Intended use for an oxidative enzyme:
``equilibrium_chemistry_rate(vmax_at_temperature(v25, T), E,
damm_soluble_substrate(S, theta, porosity), km_at_temperature(k25, T)) *
oxygen_limitation(damm_oxygen(theta, porosity))``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DAMM_D_GAS",
    "DAMM_D_LIQ",
    "DAMM_KM_O2",
    "DAMM_KM_SX_KG_M3",
    "DAMM_O2_AIR",
    "DAMM_POROSITY",
    "DAMM_P_SOLUBLE",
    "GAS_CONSTANT",
    "KM_ACTIVATION_ENERGY_J_MOL",
    "T_REF_K",
    "VMAX_ACTIVATION_ENERGY_J_MOL",
    "air_filled_porosity",
    "arrhenius_factor",
    "damm_gas_diffusion_coefficient",
    "damm_liquid_diffusion_coefficient",
    "damm_oxygen",
    "damm_soluble_substrate",
    "equilibrium_chemistry_rate",
    "equivalent_q10",
    "km_at_temperature",
    "michaelis_menten_rate",
    "oxygen_limitation",
    "q10_factor",
    "reverse_michaelis_menten_rate",
    "vmax_at_temperature",
]

# --- Constants ------------------------------------------------------------------

#: Molar gas constant, J mol-1 K-1 (CODATA 2018; the value of lsm.photosynthesis.R_GAS).
GAS_CONSTANT = 8.314462618
#: Reference temperature of Vmax and K_m, K (25 degC, the usual enzyme-assay temperature).
T_REF_K = 298.15
#: Activation energy of Vmax of hydrolytic enzymes, J mol-1 (Allison et al. 2010, Nat. Geosci. 3, 336).
VMAX_ACTIVATION_ENERGY_J_MOL = 47.0e3
#: Activation energy of K_m, J mol-1: none by default (see the module docstring).
KM_ACTIVATION_ENERGY_J_MOL = 0.0

# DAMM, Davidson et al. (2012, Glob. Change Biol. 18, 371), fitted at Harvard Forest.
#: Soluble fraction of the total substrate C, 1.
DAMM_P_SOLUBLE = 4.14e-4
#: Dimensionless liquid-phase diffusion coefficient of the substrate, 1 (= 1 / 0.68^3 to 0.3 %).
DAMM_D_LIQ = 3.17
#: Dimensionless diffusion coefficient of O2 in air, 1 (= 1 / 0.68^(4/3) to 0.1 %).
DAMM_D_GAS = 1.67
#: Volume fraction of O2 in air, L L-1, as used by DAMM (0.2095 for dry air; kM_O2 was fitted with 0.209).
DAMM_O2_AIR = 0.209
#: Half-saturation constant of O2, L O2 L-1 air.
DAMM_KM_O2 = 0.121
#: Half-saturation constant of soluble substrate, kg C m-3 soil (9.95e-7 g C cm-3 soil).
DAMM_KM_SX_KG_M3 = 9.95e-4
#: Total porosity of the Harvard Forest soil the parameters were fitted to, m3 m-3.
#: 0.68 is implied by D_LIQ and D_GAS; the bulk/particle densities behind it were not checked.
DAMM_POROSITY = 0.68


def _f(x):
    return np.asarray(x, dtype=float)


def _safe_ratio(num, den):
    """``num / den`` with 0 where ``den == 0`` (there ``num`` is 0 as well for the rate laws below)."""
    num, den = np.broadcast_arrays(_f(num), _f(den))
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den > 0.0)
    return out


# --- Rate laws ------------------------------------------------------------------


def equilibrium_chemistry_rate(vmax, enzyme, substrate, k_m):
    """ECA depolymerisation rate ``vmax E S / (K_m + S + E)``, kg C m-3 s-1.

    Tang & Riley (2013, Biogeosciences 10, 8329), one enzyme on one substrate.
    ``vmax`` s-1 per unit enzyme; ``enzyme``, ``substrate``, ``k_m`` in one
    unit (kg C m-3).  Tends to forward MM when ``E << K_m + S`` and to reverse
    MM (``K_e = K_m``) when ``S << K_m + E``; bounded by ``vmax min(E, S)``.
    """
    e, s = _f(enzyme), _f(substrate)
    # S / (K + S + E) lies in [0, 1], so forming it first cannot overflow.
    return _f(vmax) * e * _safe_ratio(s, _f(k_m) + s + e)


def michaelis_menten_rate(vmax, enzyme, substrate, k_m):
    """Forward Michaelis-Menten rate ``vmax E S / (K_m + S)``, kg C m-3 s-1.

    Valid when enzyme is scarce, ``E << K_m + S``; unbounded in ``E``.
    Units as :func:`equilibrium_chemistry_rate`.
    """
    s = _f(substrate)
    return _f(vmax) * _f(enzyme) * _safe_ratio(s, _f(k_m) + s)


def reverse_michaelis_menten_rate(vmax, enzyme, substrate, k_e):
    """Reverse Michaelis-Menten rate ``vmax S E / (K_e + E)``, kg C m-3 s-1.

    Schimel & Weintraub (2003, Soil Biol. Biochem. 35, 549): saturation in
    enzyme, first order in substrate; valid when ``S << K_e + E``.  ``k_e``
    is the half-saturation enzyme concentration (kg C m-3).
    """
    e = _f(enzyme)
    return _f(vmax) * _f(substrate) * _safe_ratio(e, _f(k_e) + e)


# --- Temperature ----------------------------------------------------------------


def arrhenius_factor(t_k, activation_energy_j_mol, t_ref_k=T_REF_K):
    """Arrhenius factor ``exp(-Ea / R (1/T - 1/Tref))``, 1; exactly 1 at ``T = Tref``.

    ``t_k``, ``t_ref_k`` in K, ``activation_energy_j_mol`` in J mol-1.
    """
    t, t_ref = _f(t_k), _f(t_ref_k)
    return np.exp(-_f(activation_energy_j_mol) / GAS_CONSTANT * (1.0 / t - 1.0 / t_ref))


def q10_factor(t_k, q10, t_ref_k):
    """Q10 factor ``q10^((T - Tref) / 10 K)``, 1; exactly 1 at ``T = Tref``."""
    return _f(q10) ** ((_f(t_k) - _f(t_ref_k)) / 10.0)


def equivalent_q10(activation_energy_j_mol, t_k):
    """Q10 of an Arrhenius process between ``T`` and ``T + 10 K``: ``exp(10 Ea / (R T (T + 10)))``."""
    t = _f(t_k)
    return np.exp(10.0 * _f(activation_energy_j_mol) / (GAS_CONSTANT * t * (t + 10.0)))


def vmax_at_temperature(vmax_ref, t_k, activation_energy_j_mol=VMAX_ACTIVATION_ENERGY_J_MOL, t_ref_k=T_REF_K):
    """Vmax at soil temperature ``t_k`` from its value at ``t_ref_k``, s-1.

    Default ``Ea = 47 kJ mol-1`` (Allison et al. 2010, Nat. Geosci. 3, 336).
    """
    return _f(vmax_ref) * arrhenius_factor(t_k, activation_energy_j_mol, t_ref_k)


def km_at_temperature(km_ref, t_k, activation_energy_j_mol=KM_ACTIVATION_ENERGY_J_MOL, t_ref_k=T_REF_K):
    """Half-saturation constant at soil temperature ``t_k`` from its value at ``t_ref_k`` (unit of ``km_ref``).

    Arrhenius with its own activation energy, by default none (K_m
    independent of temperature; see the module docstring).  A rising K_m
    offsets part of the rise of Vmax, which is why it is kept separate from
    the Vmax factor.
    """
    return _f(km_ref) * arrhenius_factor(t_k, activation_energy_j_mol, t_ref_k)


# --- Moisture and oxygen (DAMM) ------------------------------------------------


def air_filled_porosity(theta, porosity, theta_ice=0.0):
    """Air-filled porosity ``a = porosity - theta - theta_ice``, clipped to ``[0, porosity]``, m3 m-3.

    ``theta`` is the volumetric liquid water content; ice (default none, as
    in DAMM) fills pores too, so frozen soil is not aerated by its missing
    liquid water.
    """
    phi = _f(porosity)
    return np.clip(phi - _f(theta) - _f(theta_ice), 0.0, phi)


def damm_liquid_diffusion_coefficient(porosity):
    """DAMM's ``D_liq`` normalised to a porosity: ``porosity^-3``, 1 (3.18 at 0.68; published 3.17)."""
    return _f(porosity) ** -3.0


def damm_gas_diffusion_coefficient(porosity):
    """DAMM's ``D_gas`` normalised to a porosity: ``porosity^(-4/3)``, 1 (1.672 at 0.68; published 1.67)."""
    return _f(porosity) ** (-4.0 / 3.0)


def damm_soluble_substrate(substrate, theta, porosity, p_soluble=DAMM_P_SOLUBLE, d_liq=None):
    """Soluble substrate at the reaction site ``S_sol = p S D_liq theta^3``, unit of ``substrate``.

    Davidson et al. (2012, Glob. Change Biol. 18, 371).  ``substrate`` in
    kg C m-3 soil (linear in it, so kg C m-2 of a layer works too when the
    half-saturation constant is converted alike), ``theta`` liquid water
    content and ``porosity`` in m3 m-3; ``theta`` is clipped to
    ``[0, porosity]``.  ``d_liq=None`` uses ``porosity^-3`` (``S_sol = p S``
    at saturation); ``d_liq=DAMM_D_LIQ`` is the published 3.17.
    """
    phi = _f(porosity)
    d = damm_liquid_diffusion_coefficient(phi) if d_liq is None else _f(d_liq)
    w = np.clip(_f(theta), 0.0, phi)
    return _f(p_soluble) * _f(substrate) * d * w**3


def damm_oxygen(theta, porosity, d_gas=None, o2_air=DAMM_O2_AIR, theta_ice=0.0):
    """O2 at the reaction site ``O2 = D_gas o2_air a^(4/3)``, L O2 L-1 air.

    Davidson et al. (2012).  ``a`` is :func:`air_filled_porosity`; ``O2``
    is 0 at saturation.  ``d_gas=None`` uses ``porosity^(-4/3)`` (``O2 =
    o2_air`` in dry soil, ``a = porosity``, never above it);
    ``d_gas=DAMM_D_GAS`` is the published 1.67.
    """
    phi = _f(porosity)
    d = damm_gas_diffusion_coefficient(phi) if d_gas is None else _f(d_gas)
    a = air_filled_porosity(theta, phi, theta_ice)
    return d * _f(o2_air) * a ** (4.0 / 3.0)


def oxygen_limitation(o2, k_m_o2=DAMM_KM_O2):
    """Michaelis-Menten O2 limitation ``O2 / (kM_O2 + O2)``, 1.

    ``o2`` and ``k_m_o2`` in L O2 L-1 air; default ``kM_O2 = 0.121``
    (Davidson et al. 2012).
    """
    o = _f(o2)
    return _safe_ratio(o, _f(k_m_o2) + o)
