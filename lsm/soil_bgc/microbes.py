"""Microbial physiology: stoichiometric N mineralisation, co-limited growth, maintenance and death.

SCIENCE.md section 3, mechanisms 1 (stoichiometric mineralisation /
immobilisation) and 2 (CUE and overflow respiration), plus the maintenance
and mortality terms the microbial pools need.  Every function is a pure,
vectorised numpy function over soil columns (any broadcastable shapes).

Units
-----
Amounts over one step are kg m-2 of ground (kg C m-2 or kg N m-2), rates
kg m-2 s-1, specific rates s-1, element ratios are **mass** ratios
(kg C / kg N), like the vegetation's.  :func:`net_n_mineralisation` and
:func:`co_limited_growth` are homogeneous of degree one in the fluxes, so
they take either amounts per step or rates, as long as all their flux
arguments are of one kind; :func:`maintenance_respiration` and
:func:`mortality` integrate a specific rate over a step ``dt`` and return
amounts.

Stoichiometric homeostasis
--------------------------
Microbial biomass has the fixed C:N ``theta_B`` (:data:`THETA_B`).  Growth
builds biomass at ``theta_B``; maintenance drawn from biomass and death
remove C and N in proportion, so no process here changes the biomass C:N.

Intended order within a step
----------------------------
1. the kinetics give the uptake ``U_C``, ``U_N`` of dissolved organic matter
   and the mineral N ``I_max`` the biomass can immobilise;
2. :func:`maintenance_respiration` is paid from ``U_C`` first and from
   biomass for the rest (starvation);
3. :func:`co_limited_growth` turns the C left over and all of ``U_N`` into
   growth, growth and overflow respiration, and net mineralisation or
   immobilisation;
4. :func:`mortality` sends part of the biomass to DOM and to the protected
   (mineral-associated) pool.

Parameters
----------
- :data:`THETA_B`: microbial biomass C:N.  Cleveland & Liptzin (2007,
  Biogeochemistry 85, 235) found an atomic C:N:P of 60:7:1 in soil microbial
  biomass worldwide, C:N = 8.6 mol/mol; as a mass ratio (x 12.011/14.007)
  that is 7.35 kg C / kg N.
- :data:`YIELD_C`: physiological yield (growth per unit C assimilated,
  maintenance excluded) 0.47, the microbial carbon use efficiency ``E_c`` of
  MEND (Wang et al. 2013, Ecol. Appl. 23, 255, Table 2), a model that also
  books maintenance separately; below the ~0.6 theoretical maximum of
  Sinsabaugh et al. (2013, Ecol. Lett. 16, 930).
- :func:`cue_temperature`: ``eps(T) = 0.475 - 0.016 K-1 (T - 20 degC)``, the
  global fit of Qiao et al. (2019, Sci. Rep. 9, 5621; 780 observations, same
  linear form and slope as Allison et al. 2010, Nat. Geosci. 3, 336).
- :data:`MAINTENANCE_RATE_REF`: 2.8e-4 h-1, the specific maintenance rate
  ``m_R`` of MEND (Wang et al. 2013, Table 2).
- :data:`MORTALITY_RATE_REF`: 5.2e-4 h-1, the turnover ``tau_r`` of
  copiotrophic (r) microbes in MIMICS (Wieder et al. 2014, Biogeosciences 11,
  3899; 2.4e-4 h-1 for oligotrophs, :data:`MORTALITY_RATE_K`), without its
  litter-quality factor ``exp(0.3 f_MET)``.
- :func:`protected_necromass_fraction`: ``f_PHYS = 0.3 exp(1.3 clay)`` of
  MIMICS (r strategists; 0.2 exp(0.8 clay) for K strategists).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lsm.soil_texture import LOAM_CLAY

__all__ = [
    "MOLAR_MASS_C",
    "MOLAR_MASS_N",
    "MICROBIAL_CN_MOLAR",
    "THETA_B",
    "YIELD_C",
    "CUE_REF",
    "CUE_T_REF_K",
    "CUE_T_SLOPE",
    "CUE_MIN",
    "CUE_MAX",
    "MAINTENANCE_RATE_REF",
    "MORTALITY_RATE_REF",
    "MORTALITY_RATE_K",
    "PROTECTED_NECROMASS_FRACTION",
    "mineralisation_threshold_cn",
    "net_n_mineralisation",
    "Growth",
    "co_limited_growth",
    "Maintenance",
    "maintenance_respiration",
    "Mortality",
    "mortality",
    "protected_necromass_fraction",
    "cue_temperature",
]

SECONDS_PER_HOUR = 3600.0

#: Molar masses of C and N, g mol-1 (IUPAC standard atomic weights, conventional values).
MOLAR_MASS_C = 12.011
MOLAR_MASS_N = 14.007

#: Atomic C:N of soil microbial biomass, mol/mol: 60:7 (Cleveland & Liptzin 2007, C:N:P = 60:7:1).
MICROBIAL_CN_MOLAR = 60.0 / 7.0
#: Microbial biomass C:N ``theta_B`` as a mass ratio, kg C / kg N (8.57 mol/mol -> 7.35).
THETA_B = MICROBIAL_CN_MOLAR * MOLAR_MASS_C / MOLAR_MASS_N

#: Physiological yield ``Y`` (growth C per assimilated C, maintenance excluded): MEND ``E_c`` (Wang et al. 2013).
YIELD_C = 0.47

#: CUE at the reference temperature (Qiao et al. 2019, global fit), dimensionless.
CUE_REF = 0.475
#: Reference temperature of :data:`CUE_REF`, K (20 degC).
CUE_T_REF_K = 293.15
#: Decline of CUE with temperature, K-1 (Allison et al. 2010; Qiao et al. 2019).
CUE_T_SLOPE = 0.016
#: Upper clip of the temperature-dependent CUE: the ~0.6 theoretical maximum (Sinsabaugh et al. 2013).
CUE_MAX = 0.6
#: Lower clip: a numerical floor that keeps ``theta_B / eps`` finite; the fit reaches it above ~46.6 degC.
CUE_MIN = 0.05

#: Specific maintenance rate at the reference temperature, s-1 (MEND ``m_R`` = 2.8e-4 h-1, Wang et al. 2013).
MAINTENANCE_RATE_REF = 2.8e-4 / SECONDS_PER_HOUR

#: Specific death rate, s-1: MIMICS ``tau_r`` = 5.2e-4 h-1 (r strategists, Wieder et al. 2014).
MORTALITY_RATE_REF = 5.2e-4 / SECONDS_PER_HOUR
#: MIMICS ``tau_K`` = 2.4e-4 h-1 (K strategists), s-1.
MORTALITY_RATE_K = 2.4e-4 / SECONDS_PER_HOUR

# MIMICS f_PHYS = a exp(b clay) of r strategists (Wieder et al. 2014); K strategists use 0.2, 0.8.
_FPHYS_A = 0.3
_FPHYS_B = 1.3


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


# --- Mechanism 1: threshold element ratio -------------------------------------


def mineralisation_threshold_cn(theta_b=THETA_B, cue=YIELD_C):
    """Threshold element ratio ``TER = theta_B / eps``, kg C / kg N.

    Substrate with C:N ``theta_S < TER`` gives net N mineralisation, with
    ``theta_S > TER`` net immobilisation (SCIENCE.md mechanism 1; Manzoni et
    al. 2012, New Phytol. 196, 79; Mooshammer et al. 2014, Front. Microbiol.
    5, 22).  ``cue`` in (0, 1].
    """
    return _arr(theta_b) / _arr(cue)


def net_n_mineralisation(uptake_c, substrate_cn, cue=YIELD_C, theta_b=THETA_B):
    """Net N mineralisation ``U_C (1/theta_S - eps/theta_B)``, kg N m-2 (or kg N m-2 s-1).

    ``uptake_c`` is the C taken up, kg C m-2 (or a rate), ``substrate_cn`` its
    C:N ``theta_S`` (kg C / kg N).  Positive: mineralisation to NH4+;
    negative: immobilisation demand on mineral N.  Evaluated as
    ``U_C / theta_S * (1 - theta_S / TER)`` (the same expression): the sign
    then changes exactly at ``theta_S == TER``, where the result is exactly 0.
    Assumes C-limited growth at efficiency ``cue``; with N limitation use
    :func:`co_limited_growth`.
    """
    theta_s = _arr(substrate_cn)
    ter = mineralisation_threshold_cn(theta_b, cue)
    return _arr(uptake_c) / theta_s * (1.0 - theta_s / ter)


# --- Mechanism 2: Liebig co-limitation and overflow respiration ----------------


class Growth(NamedTuple):
    """Partition of one step's uptake by :func:`co_limited_growth` (kg m-2, or kg m-2 s-1).

    C: ``growth_c + growth_respiration_c + overflow_respiration_c = uptake_c``.
    N: ``uptake_n + n_immobilised = growth_n + n_mineralised``.
    """

    #: New biomass C ``G_C``.
    growth_c: np.ndarray
    #: New biomass N ``G_N = G_C / theta_B``.
    growth_n: np.ndarray
    #: Growth respiration ``(1 - Y) U_C`` (CO2).
    growth_respiration_c: np.ndarray
    #: Overflow respiration ``Y U_C - G_C`` (CO2), zero unless N-limited.
    overflow_respiration_c: np.ndarray
    #: Uptake N not needed for growth, released as NH4+: ``max(U_N - G_N, 0)``.
    n_mineralised: np.ndarray
    #: Mineral N taken into biomass: ``max(G_N - U_N, 0) <= I_max``.
    n_immobilised: np.ndarray
    #: Effective CUE ``G_C / U_C``, exactly ``Y`` when C-limited (also where ``U_C = 0``), dimensionless.
    effective_cue: np.ndarray
    #: True where growth is N-limited, ``theta_B (U_N + I_max) < Y U_C``.
    n_limited: np.ndarray


def co_limited_growth(uptake_c, uptake_n, n_immobilisable, yield_c=YIELD_C, theta_b=THETA_B) -> Growth:
    """Liebig co-limited growth ``G_C = min(Y U_C, theta_B (U_N + I_max))`` (SCIENCE.md mechanism 2).

    ``uptake_c`` ``U_C`` (kg C m-2) and ``uptake_n`` ``U_N`` (kg N m-2) are the
    assimilated organic C and N, ``n_immobilisable`` ``I_max`` (kg N m-2) the
    NH4+/NO3- the biomass could immobilise this step; all >= 0, or all rates.
    ``yield_c`` is the physiological yield ``Y`` in [0, 1], ``theta_b`` the
    biomass C:N.

    ``(1 - Y) U_C`` is always growth respiration; when N limits, the C the
    yield could build but N cannot support, ``Y U_C - G_C``, leaves as
    overflow respiration (Schimel & Weintraub 2003, Soil Biol. Biochem. 35,
    549; Manzoni et al. 2021, Front. For. Glob. Change 4, 686945), so the
    effective CUE ``G_C / U_C`` falls below ``Y``.  Uptake N beyond the need
    ``G_N = G_C / theta_B`` is mineralised; a shortfall is immobilised, never
    more than ``I_max``.  Both elements balance to rounding.
    """
    u_c, u_n, i_max = np.broadcast_arrays(_arr(uptake_c), _arr(uptake_n), _arr(n_immobilisable))
    y = _arr(yield_c)
    potential_c = y * u_c
    n_supply = u_n + i_max
    n_limited = theta_b * n_supply < potential_c
    growth_c = np.where(n_limited, theta_b * n_supply, potential_c)
    growth_n = np.where(n_limited, n_supply, potential_c / theta_b)
    # Overflow is exactly 0 when C-limited because growth_c is potential_c itself there.
    overflow = potential_c - growth_c
    growth_resp = u_c - potential_c
    n_mineralised = np.maximum(u_n - growth_n, 0.0)
    # N-limited growth takes all the mineral N on offer (exactly I_max, so that U_N + I = G_N to one
    # rounding); when C-limited the clip only removes a last-bit excess, as G_N - U_N <= I_max.
    n_immobilised = np.where(n_limited, i_max, np.minimum(np.maximum(growth_n - u_n, 0.0), i_max))
    # Effective CUE is Y itself unless N limits (then U_C > 0, since Y U_C > theta_B (U_N + I_max) >= 0).
    effective_cue = np.divide(
        growth_c, u_c, out=np.array(np.broadcast_to(y, growth_c.shape), dtype=float), where=n_limited
    )
    return Growth(growth_c, growth_n, growth_resp, overflow, n_mineralised, n_immobilised, effective_cue, n_limited)


# --- Maintenance ----------------------------------------------------------------


class Maintenance(NamedTuple):
    """Result of :func:`maintenance_respiration`, amounts over the step (kg m-2).

    C: ``biomass_c_in + available_c = biomass_c + remaining_uptake_c + respiration_c``;
    N: ``biomass_n_in = biomass_n + n_mineralised``.
    """

    #: Maintenance respiration (CO2), kg C m-2.
    respiration_c: np.ndarray
    #: Part paid from the uptake, kg C m-2.
    from_uptake_c: np.ndarray
    #: Part paid from biomass (starvation), kg C m-2.
    from_biomass_c: np.ndarray
    #: Biomass N freed with ``from_biomass_c`` and mineralised to NH4+, kg N m-2.
    n_mineralised: np.ndarray
    #: Uptake C left for growth, kg C m-2.
    remaining_uptake_c: np.ndarray
    #: Biomass C after the step, kg C m-2.
    biomass_c: np.ndarray
    #: Biomass N after the step, kg N m-2 (C:N unchanged).
    biomass_n: np.ndarray


def maintenance_respiration(
    biomass_c,
    rate_ref=MAINTENANCE_RATE_REF,
    temperature_factor=1.0,
    *,
    dt,
    available_c=0.0,
    biomass_n=None,
    theta_b=THETA_B,
) -> Maintenance:
    """Maintenance respiration ``R_m = B_C (1 - exp(-m f_T dt))``, paid from uptake first, then biomass.

    ``biomass_c`` ``B_C`` kg C m-2; ``rate_ref`` ``m`` specific maintenance
    rate, s-1 (default MEND ``m_R`` = 2.8e-4 h-1, Wang et al. 2013, Ecol.
    Appl. 23, 255); ``temperature_factor`` ``f_T`` (1 at the temperature of
    ``rate_ref``, from the kinetics); ``dt`` step, s; ``available_c`` uptake
    C this step, kg C m-2; ``biomass_n`` kg N m-2 (``B_C / theta_b`` if not
    given).

    The demand is the exact loss of an unfed population over the step, so it
    never exceeds ``B_C``; for ``m f_T dt << 1`` it is ``m f_T B_C dt`` (at
    1 h and the default rate, 1.4e-4 relative difference).  What the uptake
    cannot pay is respired from biomass, whose N leaves in proportion to its
    C (the biomass C:N is kept) and is mineralised.
    """
    b_c = _arr(biomass_c)
    b_n = b_c / theta_b if biomass_n is None else _arr(biomass_n)
    avail = _arr(available_c)
    demand = b_c * -np.expm1(-_arr(rate_ref) * _arr(temperature_factor) * dt)
    from_uptake = np.minimum(demand, avail)
    from_biomass = demand - from_uptake
    lost_fraction = np.divide(from_biomass, b_c, out=np.zeros(np.broadcast(from_biomass, b_c).shape), where=b_c > 0.0)
    n_mineralised = b_n * lost_fraction
    return Maintenance(
        demand,
        from_uptake,
        from_biomass,
        n_mineralised,
        avail - from_uptake,
        b_c - from_biomass,
        b_n - n_mineralised,
    )


# --- Mortality ------------------------------------------------------------------


class Mortality(NamedTuple):
    """Result of :func:`mortality`, amounts over the step (kg m-2).

    ``dead = to_dom + to_protected`` and ``biomass_in = biomass + dead`` for C and for N.
    """

    dead_c: np.ndarray
    dead_n: np.ndarray
    to_dom_c: np.ndarray
    to_dom_n: np.ndarray
    to_protected_c: np.ndarray
    to_protected_n: np.ndarray
    #: Biomass after the step, kg C m-2 / kg N m-2.
    biomass_c: np.ndarray
    biomass_n: np.ndarray


def protected_necromass_fraction(clay_fraction, coefficient=_FPHYS_A, clay_exponent=_FPHYS_B):
    """Fraction of dead microbial matter sent to the protected pool, ``clip(a exp(b clay), 0, 1)``.

    MIMICS ``f_PHYS`` (Wieder et al. 2014, Biogeosciences 11, 3899):
    ``a, b = 0.3, 1.3`` for r strategists (default), ``0.2, 0.8`` for K
    strategists; ``clay_fraction`` 0-1.  The clip (r strategists exceed 1
    above 92 % clay) only moves the split, never the dead mass itself.
    """
    return np.clip(coefficient * np.exp(clay_exponent * _arr(clay_fraction)), 0.0, 1.0)


#: Protected fraction of necromass at the loam clay fraction 0.20 (MIMICS r strategists), 0.389.
PROTECTED_NECROMASS_FRACTION = float(protected_necromass_fraction(LOAM_CLAY))


def mortality(
    biomass_c,
    biomass_n,
    rate=MORTALITY_RATE_REF,
    *,
    dt,
    fraction_protected=PROTECTED_NECROMASS_FRACTION,
) -> Mortality:
    """Microbial death ``D = B (1 - exp(-k dt))``, split between DOM and the protected pool.

    ``biomass_c``/``biomass_n`` kg m-2; ``rate`` ``k`` specific death rate,
    s-1 (default MIMICS ``tau_r`` 5.2e-4 h-1, Wieder et al. 2014; any
    temperature or density modifier multiplies it beforehand); ``dt`` s;
    ``fraction_protected`` ``f`` in [0, 1] (see
    :func:`protected_necromass_fraction`; MEND sends 0.5 of dead biomass to
    DOC, Wang et al. 2013).  ``f D`` goes to the mineral-associated /
    protected pool and ``(1 - f) D`` to DOM, both at the biomass C:N; the
    exponential form is exact for constant ``k`` and never removes more than
    the biomass.
    """
    b_c = _arr(biomass_c)
    b_n = _arr(biomass_n)
    dying = -np.expm1(-_arr(rate) * dt)
    dead_c = b_c * dying
    dead_n = b_n * dying
    f = _arr(fraction_protected)
    prot_c = f * dead_c
    prot_n = f * dead_n
    # Remainders by subtraction, so that every split adds up to its whole to one rounding.
    return Mortality(dead_c, dead_n, dead_c - prot_c, dead_n - prot_n, prot_c, prot_n, b_c - dead_c, b_n - dead_n)


# --- Temperature-dependent CUE --------------------------------------------------


def cue_temperature(
    temperature_k,
    cue_ref=CUE_REF,
    t_ref_k=CUE_T_REF_K,
    slope=CUE_T_SLOPE,
    cue_min=CUE_MIN,
    cue_max=CUE_MAX,
):
    """Temperature-dependent CUE ``eps(T) = clip(eps_ref - m (T - T_ref), eps_min, eps_max)``.

    ``temperature_k`` K; defaults ``eps_ref`` = 0.475 at ``T_ref`` = 20 degC
    and ``m`` = 0.016 K-1 (Qiao et al. 2019, Sci. Rep. 9, 5621, the linear
    form of Allison et al. 2010, Nat. Geosci. 3, 336).  The straight line
    exceeds any physiological value in cold soils (0.79 at 0 degC) and turns
    negative above 50 degC, hence the clip to [0.05, 0.6] (0.6: theoretical
    maximum, Sinsabaugh et al. 2013, Ecol. Lett. 16, 930).  Clipping changes a
    parameter, not a pool: the result is used as the yield of
    :func:`co_limited_growth`, which conserves C and N for any value in
    [0, 1], so it moves no mass.
    """
    eps = _arr(cue_ref) - _arr(slope) * (_arr(temperature_k) - _arr(t_ref_k))
    return np.clip(eps, cue_min, cue_max)
