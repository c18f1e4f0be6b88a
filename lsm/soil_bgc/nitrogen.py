"""Nitrification, denitrification and the nitrogen gases (SCIENCE.md section 3, mechanism 7).

Anoxic fraction
    Heterotrophic respiration consumes O2 faster than it diffuses into
    water-filled pores, so the share of the soil volume without O2 rises
    steeply as the water-filled pore space ``w`` passes a critical value:
    ``f_anox = 1 / (1 + exp(-(w - W_crit) / s))``, a logistic switch
    (infinitely differentiable, strictly increasing) of width ``s`` = 0.05.
    ``W_crit`` is the inflection of the WFPS response of denitrification of
    Del Grosso et al. (2000, Global Biogeochem. Cycles 14, 1045; DAYCENT):
    ``W_crit = (9 - M CO2) / 10`` with the heterotrophic respiration ``CO2``
    in ug C g-1 d-1 and ``M = 0.145 - 1.25 min(0.113, D_fc)`` from the
    relative gas diffusivity at field capacity ``D_fc``.  A soil that
    breathes faster uses up its O2 at a lower water content: the switch sits
    at WFPS 0.9 in a soil that hardly respires and moves towards Linn &
    Doran's (1984, Soil Sci. Soc. Am. J. 48, 1267) onset of anaerobic N2 +
    N2O production at 0.6 (its lower bound here) in a strongly respiring one.
    The logistic's slope at ``W_crit``, ``1/(4 s)`` = 5, is close to that of
    Del Grosso's arctangent, 6.  (A fixed ``W_crit`` of 0.7, used before,
    made ten times more of the bulk top metre anoxic than Del Grosso's
    function at its respiration, and the global soil N2O came out at
    17-22 Tg N yr-1 against the 4-12 of the inventories.)  Without a
    respiration the switch is centred on :data:`ANOXIC_WFPS_CRIT`.

Nitrification (NH4+ -> NO3-)
    ``F_nit = NH4 (1 - exp(-k_max f_T f_W f_pH dt))``, first order in NH4+ as
    in DAYCENT (Parton et al. 2001, J. Geophys. Res. 106, 17403) and CLM4.5
    (Oleson et al. 2013, NCAR/TN-503+STR, section 15.8): ``k_max`` = 0.1 d-1,
    ``f_T = -0.06 + 0.13 exp(0.07 T)`` with T in degC (none in frozen soil),
    ``f_W`` the Linn & Doran moisture response (water films limit the dry
    side, O2 the wet side: ``min(w/0.6, 1) (1 - f_anox)``), and DAYCENT's
    pH response ``0.56 + atan(0.45 pi (pH - 5)) / pi`` (Parton et al. 1996,
    Global Biogeochem. Cycles 10, 401), which falls in acid soils where
    ammonia, the substrate of the ammonia oxidisers, is scarce.

    Nitrifiers lose part of the oxidised N as N2O and NO.  The N2O share
    rises as the soil wets and O2 diffuses in more slowly (nitrifier
    denitrification): as in DAYCENT's trace-gas submodel since its 2013
    revision (site parameters ``N2Oadjust_wp`` and ``N2Oadjust_fc``), it is
    linear in the relative gas diffusivity ``D_r`` from 0.2 % of the
    nitrified N at the wilting point to 1.5 % at field capacity and stays
    there in wetter soil; the range is that of the nitrifier N2O yields of
    Khalil, Mary & Renault (2004, Soil Biol. Biochem. 36, 687: 0.16-1.48 %
    as O2 falls).  Field capacity and wilting point are the water contents at
    suctions of 3.3 and 150 m on the layer's Clapp-Hornberger curve
    (:mod:`lsm.soil_texture`), so a sand reaches the wet end at a lower WFPS
    than a clay.  The column takes the diffusivity of the top 0.2 m for
    this yield and for the NO:N2O ratio below, as DAYCENT takes the water of
    the top 15 cm, where nitrification and its gases are.  (A yield tied to
    the anoxic fraction, used before, stayed at its aerobic 0.2 % in all
    soils drier than the denitrification switch, so
    an irrigated field emitted less N2O than a rain-fed one, against the
    field data: Trost et al. 2013, Agron. Sustain. Dev. 33, 733.)
    NO follows from the NO:N2O ratio of Parton et al. (2001),
    ``R = 15.2 + 35.5 atan(0.68 pi (10 D_r - 1.86)) / pi``, with the relative
    gas diffusivity ``D_r`` of the soil: dry, open soils emit NO, wet ones
    N2O.

Denitrification (NO3- -> N2O, N2)
    In the anoxic fraction, limited by NO3- or by the carbon supply, whichever
    is shorter (Del Grosso et al. 2000, Global Biogeochem. Cycles 14, 1045, as
    in CLM4.5): ``D = f_anox min(1.15 [NO3]^0.57, 0.1 [CO2]^1.3)`` in ug N g-1
    d-1 with [NO3] in ug N g-1 and the heterotrophic respiration [CO2] in ug
    C g-1 d-1.  The model uses it as the first-order rate ``r_denit = D /
    [NO3]`` that :mod:`lsm.soil_bgc.leaching` splits against leaching
    (mechanism 9).  The gases: ``N2O = D / (1 + R_N2:N2O)`` with Del Grosso et
    al.'s ratio ``R = max(0.16 k1, k1 exp(-0.8 [NO3]/[CO2])) max(0.1, 1.5 w -
    0.32)``, ``k1 = max(1.7, 38.4 - 350 D_r)``: more N2 when the soil is wet,
    diffusion slow and NO3- scarce relative to the carbon supply.  The rest
    is N2.  N2 and NO leave the land as named external sinks, N2O goes to the
    atmosphere (``fn2o``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ANOXIC_WFPS_CRIT", "ANOXIC_WFPS_CRIT_MIN", "ANOXIC_WFPS_WIDTH", "FIELD_CAPACITY_WFPS", "NITRIFICATION_RATE_MAX",
    "anoxic_fraction", "anoxic_fraction_slope", "anoxic_wfps_midpoint",
    "denitrification_rate", "n2_n2o_ratio", "nitrification", "nitrification_n2o_yield", "nitrification_ph_factor",
    "nitrification_temperature_factor", "no_n2o_ratio", "relative_gas_diffusivity", "wfps_at_suction", "wfps_factor",
]

#: Maximum nitrification rate, s-1 (0.1 d-1; Parton et al. 2001).
NITRIFICATION_RATE_MAX = 0.1 / 86400.0
T_FREEZE = 273.15
#: Water-filled pore space at the middle of the anoxic switch of a soil without respiration (Del Grosso et al.
#: 2000: the inflection ``9 / 10`` of their WFPS response of denitrification) and the switch's width.
ANOXIC_WFPS_CRIT = 0.9
ANOXIC_WFPS_WIDTH = 0.05
#: Lowest middle of the switch: Linn & Doran's (1984) onset of anaerobic N2 + N2O production, WFPS 0.6.
ANOXIC_WFPS_CRIT_MIN = 0.6
#: Water-filled pore space at field capacity, where Del Grosso et al. (2000) take the soil's gas diffusivity
#: ``D_fc`` (Linn & Doran 1984: aerobic activity peaks near 0.6).
FIELD_CAPACITY_WFPS = 0.6
#: N2O lost per N nitrified at the wilting point and at field capacity and wetter (DAYCENT's ``N2Oadjust_wp``
#: and ``N2Oadjust_fc``; Khalil et al. 2004: 0.16-1.48 %).
NITRIFICATION_N2O_YIELD_WILTING_POINT = 0.002
NITRIFICATION_N2O_YIELD_FIELD_CAPACITY = 0.015
#: Soil pH where the dataset has none: 6.5, the median of topsoils in SoilGrids (Hengl et al. 2017).
DEFAULT_SOIL_PH = 6.5
_SECONDS_PER_DAY = 86400.0
#: ug per g from kg per kg.
_UG_G = 1e6


def _f(x):
    return np.asarray(x, dtype=float)


def anoxic_fraction(wfps, w_crit: float = ANOXIC_WFPS_CRIT, width: float = ANOXIC_WFPS_WIDTH):
    """Anoxic share of the soil volume, 0-1: ``1 / (1 + exp(-(w - W_crit) / s))``."""
    # tanh form of the logistic: no overflow for any w
    return 0.5 * (1.0 + np.tanh(0.5 * (_f(wfps) - w_crit) / width))


def anoxic_wfps_midpoint(respiration_kg_m2_s, porosity, soil_mass_kg_m2):
    """``W_crit = (9 - M CO2) / 10`` of Del Grosso et al. (2000), within [0.6, 0.9], 1 (module docstring).

    ``respiration_kg_m2_s`` the layer's heterotrophic respiration (kg C m-2
    s-1, as ``CO2`` in ug C g-1 d-1 of its ``soil_mass_kg_m2``), ``porosity``
    m3 m-3 (for the gas diffusivity at field capacity).
    """
    co2 = _concentration_ug_g(np.maximum(respiration_kg_m2_s, 0.0), soil_mass_kg_m2) * _SECONDS_PER_DAY
    d_fc = relative_gas_diffusivity(FIELD_CAPACITY_WFPS, porosity)
    m = 0.145 - 1.25 * np.minimum(0.113, d_fc)
    return np.clip(0.1 * (9.0 - m * co2), ANOXIC_WFPS_CRIT_MIN, ANOXIC_WFPS_CRIT)


def anoxic_fraction_slope(wfps, w_crit: float = ANOXIC_WFPS_CRIT, width: float = ANOXIC_WFPS_WIDTH):
    """``d f_anox / d w`` = ``f (1 - f) / s`` (continuous and positive everywhere)."""
    f = anoxic_fraction(wfps, w_crit, width)
    return f * (1.0 - f) / width


def relative_gas_diffusivity(wfps, porosity):
    """Gas diffusivity of the soil relative to free air, 1: Millington & Quirk (1961) ``a^(10/3) / phi^2``.

    ``a = phi (1 - w)`` is the air-filled porosity (Trans. Faraday Soc. 57, 1200).
    """
    phi = _f(porosity)
    a = phi * (1.0 - np.clip(_f(wfps), 0.0, 1.0))
    return np.divide(a ** (10.0 / 3.0), phi * phi, out=np.zeros_like(a * phi), where=phi > 0.0)


def wfps_factor(wfps, anoxic=None):
    """Moisture response of nitrification, 0.05-1: ``min(w/0.6, 1) (1 - f_anox)``, floored at 0.05.

    Water films limit NH4+ supply to the nitrifiers below WFPS 0.6 and O2
    limits them in wetter soil (Linn & Doran 1984).  ``anoxic`` may pass a precomputed
    :func:`anoxic_fraction` of ``wfps``.
    """
    w = np.clip(_f(wfps), 0.0, 1.0)
    f_anox = anoxic_fraction(w) if anoxic is None else _f(anoxic)
    return np.maximum(np.minimum(w / 0.6, 1.0) * (1.0 - f_anox), 0.05)


def nitrification_temperature_factor(t_soil_k):
    """``-0.06 + 0.13 exp(0.07 T[degC])`` clipped to [0, 1], 0 in frozen soil (Parton et al. 2001)."""
    t_c = _f(t_soil_k) - T_FREEZE
    f = np.clip(-0.06 + 0.13 * np.exp(0.07 * t_c), 0.0, 1.0)
    return np.where(t_c > 0.0, f, 0.0)


def nitrification_ph_factor(ph):
    """pH response of nitrification, ~0.1-1: ``0.56 + atan(0.45 pi (pH - 5)) / pi`` (DAYCENT, Parton et al. 1996)."""
    return 0.56 + np.arctan(0.45 * np.pi * (_f(ph) - 5.0)) / np.pi


def nitrification(nh4, t_soil_k, wfps, dt, rate_max=NITRIFICATION_RATE_MAX, ph=DEFAULT_SOIL_PH, anoxic=None):
    """NH4+ nitrified over ``dt`` s, kg N m-2: ``NH4 (1 - exp(-k_max f_T f_W f_pH dt))`` (never more than NH4)."""
    k = rate_max * nitrification_temperature_factor(t_soil_k) * wfps_factor(wfps, anoxic) \
        * nitrification_ph_factor(ph)
    return np.maximum(_f(nh4), 0.0) * -np.expm1(-k * dt)


def wfps_at_suction(suction_m, psi_sat_m, clapp_b):
    """Water-filled pore space at a suction head (m, > 0) on the Clapp-Hornberger curve, capped at 1.

    ``(psi_sat / suction)^(1/b)`` with ``psi_sat_m`` the magnitude of the
    saturated matric potential, m (Clapp & Hornberger 1978).
    """
    return np.minimum((_f(psi_sat_m) / suction_m) ** (1.0 / _f(clapp_b)), 1.0)


def nitrification_n2o_yield(relative_diffusivity, diffusivity_wilting_point, diffusivity_field_capacity):
    """N2O-N lost per N nitrified, 0.002-0.015: linear in ``D_r`` between the wilting point and field capacity.

    ``relative_diffusivity`` is the soil's relative gas diffusivity now and
    the other two its values at the wilting point and at field capacity
    (:func:`relative_gas_diffusivity`); drier than the wilting point the
    yield is 0.2 %, wetter than field capacity 1.5 % (DAYCENT; module
    docstring).
    """
    span = _f(diffusivity_wilting_point) - _f(diffusivity_field_capacity)
    wet = np.divide(_f(diffusivity_wilting_point) - _f(relative_diffusivity), span,
                    out=np.ones(np.broadcast(span, _f(relative_diffusivity)).shape), where=span > 0.0)
    return NITRIFICATION_N2O_YIELD_WILTING_POINT + (NITRIFICATION_N2O_YIELD_FIELD_CAPACITY
                                                    - NITRIFICATION_N2O_YIELD_WILTING_POINT) * np.clip(wet, 0.0, 1.0)


def no_n2o_ratio(relative_diffusivity):
    """NO:N2O ratio of nitrification, 0.17-32 (Parton et al. 2001): ``15.2 + 35.5 atan(0.68 pi (10 D_r - 1.86)) / pi``."""
    return 15.2 + 35.5 * np.arctan(0.68 * np.pi * (10.0 * _f(relative_diffusivity) - 1.86)) / np.pi


def _concentration_ug_g(amount_kg_m2, soil_mass_kg_m2):
    return _f(amount_kg_m2) / soil_mass_kg_m2 * _UG_G


def denitrification_rate(no3_kg_m2, respiration_kg_m2_s, anoxic, soil_mass_kg_m2):
    """First-order denitrification rate ``r_denit``, s-1 (Del Grosso et al. 2000; see the module docstring).

    ``no3_kg_m2`` the layer's NO3- (kg N m-2), ``respiration_kg_m2_s`` its
    heterotrophic respiration (kg C m-2 s-1), ``anoxic`` the anoxic fraction
    and ``soil_mass_kg_m2`` the layer's soil mass.  0 where there is no NO3-.
    """
    no3 = _concentration_ug_g(np.maximum(no3_kg_m2, 0.0), soil_mass_kg_m2)
    co2 = _concentration_ug_g(np.maximum(respiration_kg_m2_s, 0.0), soil_mass_kg_m2) * _SECONDS_PER_DAY
    d = _f(anoxic) * np.minimum(1.15 * no3**0.57, 0.1 * co2**1.3)
    return np.divide(d, no3 * _SECONDS_PER_DAY, out=np.zeros_like(d), where=no3 > 0.0)


def n2_n2o_ratio(no3_kg_m2, respiration_kg_m2_s, wfps, relative_diffusivity, soil_mass_kg_m2):
    """N2:N2O ratio of denitrification (Del Grosso et al. 2000), >= 0.027."""
    no3 = _concentration_ug_g(np.maximum(no3_kg_m2, 0.0), soil_mass_kg_m2)
    co2 = _concentration_ug_g(np.maximum(respiration_kg_m2_s, 0.0), soil_mass_kg_m2) * _SECONDS_PER_DAY
    k1 = np.maximum(1.7, 38.4 - 350.0 * _f(relative_diffusivity))
    # NO3- relative to the C supply: no C, no reduction beyond N2O
    x = np.divide(no3, co2, out=np.full_like(no3 * co2, np.inf), where=co2 > 0.0)
    return np.maximum(0.16 * k1, k1 * np.exp(-0.8 * x)) * np.maximum(0.1, 1.5 * _f(wfps) - 0.32)
