"""The Birch effect on rewetting a dry soil, and drought dormancy (SCIENCE.md section 3, mechanisms 5 and 6).

When a dry soil is wetted, its respiration jumps within hours to many times
the rate of a moist soil and decays over days (Birch 1958, Plant Soil 10, 9);
the drier the soil before and the larger the rise of moisture, the larger
the pulse (Lado-Monserrat et al. 2014, Plant Soil 379, 21; Manzoni et al.
2020, Biogeosciences 17, 4007).  Three processes make it here, each a pure,
vectorised function of the step's water potential before and after, and
each switchable on its own (:class:`lsm.soil_bgc.column.SoilBgcParameters`):

a. **Osmotic shock** (:func:`osmotic_shock`).  Cells of a dry soil hold
   osmolytes that balance the low water potential; a sudden rise lets water
   rush in and part of the active biomass bursts (Kieft, Soroker & Firestone
   1987, Soil Biol. Biochem. 19, 119: 17-58 % of the biomass C released on
   wetting dry soil; Blazewicz, Schwartz & Firestone 2014, Ecology 95, 1162:
   bacterial death on wet-up of seasonally dry soil), and surviving cells
   dump their osmolytes (Fierer & Schimel 2003, Soil Sci. Soc. Am. J. 67,
   798: most of the pulse's C is microbial).  Cells can follow a slow rise
   by releasing solutes (Halverson, Jones & Firestone 2000, Soil Sci. Soc.
   Am. J. 64, 1630), so only the rise of water potential beyond an
   acclimation rate kills, which makes the kill grow with the *speed* of
   wetting, not only its size:

       excess = max(psi - psi_prev - r_acc dt, 0)          (MPa over the step)
       f_kill = f_max (1 - exp(-excess / psi_kill))
       killed C:  a share m mineralised at once (CO2; its N to NH4+), 1 - m to DOM (DOC, DON).

b. **Aggregate disruption** (:func:`aggregate_disruption`).  Fast wetting
   of dry aggregates slakes them (entrapped air, differential swelling; Le
   Bissonnais 1996, Eur. J. Soil Sci. 47, 425): dry-wet cycles break
   macroaggregates and expose the organic matter they protected (Denef et al.
   2001, Soil Biol. Biochem. 33, 2145; Six et al. 2004, Soil Tillage Res. 79,
   7), a source of the pulse that is absent when the aggregates are crushed
   beforehand (Navarro-García, Casermeiro & Schimel 2012, Soil Biol. Biochem.
   44, 1).  Released share of the aggregate-protected C and N, to DOM:

       f_agg = f_agg_max (1 - exp(-excess / psi_agg))      (same excess as a.)

c. **Dormancy by water potential** (:func:`drought_dormancy`,
   :func:`rewetting_revival`).  Under drought cells go dormant (Manzoni et
   al. 2014, Soil Biol. Biochem. 73, 69; MEND with dormancy, Wang et al.
   2015, ISME J. 9, 226, whose substrate switch :mod:`lsm.soil_bgc.dormancy`
   holds): the substrate saturation ``phi`` of the switch is multiplied by
   ``1 - D(psi)``, a Hill function of the water potential,

       D(psi) = |psi|^w / (|psi|^w + |psi_D|^w),
       deactivation (1 - phi (1 - D)) V_m f_T B_A,  reactivation phi (1 - D) V_m f_T B_D,

   and on wet-up a part of the dormant cells is resuscitated at once: taxa
   that respond within an hour of wetting, before the others that come up
   over the next days through the substrate switch (Placella, Brodie &
   Firestone 2012, PNAS 109, 10931):

       f_revive = f_rev_max (1 - exp(-rise / psi_rev)),   rise = max(psi - psi_prev, 0).

Water potential is the Clapp-Hornberger matric potential of the bulk layer
(:func:`matric_potential_mpa`); osmotic potential of the soil solution is
neglected.  Where a number could not be taken from the literature the
docstring of its constant says how it was chosen.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["AGGREGATE_DISRUPTION_MAX_FRACTION", "AGGREGATE_DISRUPTION_SCALE_MPA", "CLAPP_HORNBERGER_LOAM_B",
           "CLAPP_HORNBERGER_LOAM_PSI_SAT_M", "DROUGHT_DORMANCY_HILL", "DROUGHT_DORMANCY_PSI_MPA",
           "MPA_PER_M_WATER", "OSMOTIC_ACCLIMATION_MPA_S", "OSMOTIC_KILL_MAX_FRACTION", "OSMOTIC_KILL_SCALE_MPA",
           "OSMOTIC_MINERALISED_FRACTION", "RESIDUAL_SUCTION_M", "REVIVAL_MAX_FRACTION", "REVIVAL_SCALE_MPA",
           "OsmoticShock", "aggregate_disruption", "drought_dormancy", "matric_potential_mpa", "osmotic_shock",
           "potential_rise_mpa", "rewetting_revival", "shock_excess_mpa"]

#: Pressure of 1 m of water head, MPa (``rho_w g`` = 1000 kg m-3 x 9.80665 m s-2).
MPA_PER_M_WATER = 1000.0 * 9.80665 * 1e-6
#: Clapp & Hornberger (1978, Water Resour. Res. 14, 601, Table 2) loam: ``b`` 5.39, ``psi_s`` 47.8 cm; the default
#: hydraulics of a driver that gives none (the test columns are a loam of porosity 0.45).
CLAPP_HORNBERGER_LOAM_B = 5.39
CLAPP_HORNBERGER_LOAM_PSI_SAT_M = 0.478
#: Suction of air-dry soil, m (~ -100 MPa), the floor of the potential as in :mod:`lsm.hydrology`.
RESIDUAL_SUCTION_M = 1.0e4

#: ``f_max``: largest share of the active biomass killed by one wet-up, 0.58, the upper end of the 17-58 % of
#: biomass C released on wetting dry soils (Kieft et al. 1987).
OSMOTIC_KILL_MAX_FRACTION = 0.58
#: ``psi_kill``, MPa: e-folding rise of the kill.  Chosen, not fitted: a wet-up from -10 MPa (a soil dried
#: well below the -1.5 MPa wilting point, as in the seasonally dry soils of Kieft et al. 1987 and Blazewicz
#: et al. 2014) kills 37 % of the active biomass, the middle of Kieft's range, and one from the wilting point
#: about 8 %.
OSMOTIC_KILL_SCALE_MPA = 10.0
#: ``r_acc``, MPa s-1: rise of water potential the cells follow by releasing osmolytes without bursting,
#: 0.1 MPa h-1.  Chosen: bacteria release solutes within minutes of a dilution (Halverson et al. 2000), but
#: the rate a community survives is not measured; 0.1 MPa h-1 lets the diurnal and rain-driven changes of a
#: moist bulk layer (hundredths of an MPa per hour above -0.1 MPa) pass without a kill.
OSMOTIC_ACCLIMATION_MPA_S = 0.1 / 3600.0
#: ``m``: share of the killed C (and N) mineralised at once (CO2, NH4+) rather than released as DOM.  Assumed:
#: the osmolytes and cytoplasm catabolised within the hour by surviving cells (Fierer & Schimel 2003) against
#: the cell walls and macromolecules left as DOM; the split is not constrained by data and 0.5 splits it.
OSMOTIC_MINERALISED_FRACTION = 0.5
#: ``f_agg_max``: largest share of the aggregate-protected organic matter released by one wet-up, 0.25: Denef
#: et al. (2001) found that dry-wet cycles reduced the macroaggregates of their soils by up to about a quarter.
AGGREGATE_DISRUPTION_MAX_FRACTION = 0.25
#: ``psi_agg``, MPa: e-folding rise of the slaking, the same 10 MPa as the kill (chosen): slaking needs dry
#: aggregates (Le Bissonnais 1996), and a moist soil wetted further does not slake.
AGGREGATE_DISRUPTION_SCALE_MPA = 10.0
#: ``psi_D``, MPa: water potential at which the drought factor ``D`` is one half, -1.5 MPa, the conventional
#: permanent wilting point (chosen): bacterial activity is then a small fraction of that of moist soil and
#: stops around -14 MPa (Manzoni, Schimel & Porporato 2012, Ecology 93, 930).
DROUGHT_DORMANCY_PSI_MPA = -1.5
#: ``w``: steepness of ``D`` (chosen), so that ``D`` < 0.001 at field capacity (-0.033 MPa) and > 0.9 at -5 MPa.
DROUGHT_DORMANCY_HILL = 2.0
#: ``f_rev_max``: share of the dormant cells resuscitated at once by a large wet-up.  Assumed one half:
#: Placella et al. (2012) saw a first group of taxa respond within an hour and the others over 24-72 h, without
#: giving the split; the slower half comes up through the substrate switch.
REVIVAL_MAX_FRACTION = 0.5
#: ``psi_rev``, MPa: e-folding rise of the revival (chosen): 1 MPa, so the wet-up of a soil at the wilting
#: point revives ~0.39 f_rev_max of its dormant cells and a rain on moist soil next to none.
REVIVAL_SCALE_MPA = 1.0


def matric_potential_mpa(theta, porosity, psi_sat_m=CLAPP_HORNBERGER_LOAM_PSI_SAT_M, b=CLAPP_HORNBERGER_LOAM_B,
                         residual_suction_m: float = RESIDUAL_SUCTION_M) -> np.ndarray:
    """Clapp-Hornberger matric potential (negative), MPa: ``-psi_s (theta/theta_s)^-b rho_w g``.

    ``theta`` and ``porosity`` (``theta_s``) m3 m-3, ``psi_sat_m`` the
    magnitude of the saturated potential, m; the suction is capped at
    ``residual_suction_m`` (air-dry soil), so a dry or empty layer gives a
    finite potential.  Clapp & Hornberger 1978, Water Resour. Res. 14, 601.
    """
    theta = np.asarray(theta, dtype=float)
    porosity = np.asarray(porosity, dtype=float)
    psi_sat_m = np.asarray(psi_sat_m, dtype=float)
    b = np.asarray(b, dtype=float)
    s_residual = (psi_sat_m / residual_suction_m) ** (1.0 / b)
    s = np.clip(np.divide(theta, porosity, out=np.ones(np.broadcast(theta, porosity).shape), where=porosity > 0),
                s_residual, 1.0)
    return -psi_sat_m * s ** (-b) * MPA_PER_M_WATER


def potential_rise_mpa(psi_previous_mpa, psi_mpa) -> np.ndarray:
    """Rise of water potential over the step, MPa (zero when drying)."""
    return np.maximum(np.asarray(psi_mpa, dtype=float) - np.asarray(psi_previous_mpa, dtype=float), 0.0)


def shock_excess_mpa(psi_previous_mpa, psi_mpa, dt, acclimation_mpa_s: float = OSMOTIC_ACCLIMATION_MPA_S):
    """Rise of water potential over a step of ``dt`` s beyond what cells follow (``r_acc dt``), MPa."""
    return np.maximum(potential_rise_mpa(psi_previous_mpa, psi_mpa) - acclimation_mpa_s * dt, 0.0)


class OsmoticShock(NamedTuple):
    """Amounts of active biomass killed over a step, kg m-2: mineralised (CO2, NH4+) and released to DOM."""

    co2_c: np.ndarray
    dom_c: np.ndarray
    nh4_n: np.ndarray
    dom_n: np.ndarray

    @property
    def killed_c(self) -> np.ndarray:
        return self.co2_c + self.dom_c


def osmotic_shock(active_c, active_n, psi_previous_mpa, psi_mpa, dt, *,
                  max_fraction: float = OSMOTIC_KILL_MAX_FRACTION, scale_mpa: float = OSMOTIC_KILL_SCALE_MPA,
                  acclimation_mpa_s: float = OSMOTIC_ACCLIMATION_MPA_S,
                  mineralised_fraction: float = OSMOTIC_MINERALISED_FRACTION) -> OsmoticShock:
    """Osmotic-shock death of active biomass (``active_c``/``active_n`` kg m-2) on a wet-up over ``dt`` s.

    ``f_kill = f_max (1 - exp(-excess / psi_kill))`` of the biomass, with
    ``excess`` the rise of water potential (MPa) beyond ``r_acc dt``
    (:func:`shock_excess_mpa`); C and N die at the biomass C:N, a share
    ``m`` is mineralised at once and the rest goes to DOM.  Never more than
    ``f_max`` of the biomass, so never more than the pool.  See the module
    docstring for the sources.
    """
    excess = shock_excess_mpa(psi_previous_mpa, psi_mpa, dt, acclimation_mpa_s)
    f = max_fraction * -np.expm1(-excess / scale_mpa)
    c = f * np.asarray(active_c, dtype=float)
    n = f * np.asarray(active_n, dtype=float)
    return OsmoticShock(mineralised_fraction * c, c - mineralised_fraction * c,
                        mineralised_fraction * n, n - mineralised_fraction * n)


def aggregate_disruption(aggregate_c, psi_previous_mpa, psi_mpa, dt, *,
                         max_fraction: float = AGGREGATE_DISRUPTION_MAX_FRACTION,
                         scale_mpa: float = AGGREGATE_DISRUPTION_SCALE_MPA,
                         acclimation_mpa_s: float = OSMOTIC_ACCLIMATION_MPA_S) -> np.ndarray:
    """Aggregate-protected C released to DOM by slaking on a wet-up over ``dt`` s, kg C m-2.

    ``f_agg_max (1 - exp(-excess / psi_agg)) x aggregate_c``, with the same
    wetting-rate ``excess`` as the osmotic shock (a slow rise lets the
    entrapped air escape, Le Bissonnais 1996); the caller moves the N at the
    aggregate C:N.
    """
    excess = shock_excess_mpa(psi_previous_mpa, psi_mpa, dt, acclimation_mpa_s)
    return max_fraction * -np.expm1(-excess / scale_mpa) * np.asarray(aggregate_c, dtype=float)


def drought_dormancy(psi_mpa, psi_half_mpa: float = DROUGHT_DORMANCY_PSI_MPA,
                     hill: float = DROUGHT_DORMANCY_HILL) -> np.ndarray:
    """Drought factor ``D = |psi|^w / (|psi|^w + |psi_D|^w)``, 0-1, of the dormancy switch.

    Multiplies the substrate saturation of :func:`lsm.soil_bgc.dormancy.switching`
    by ``1 - D``: at ``D`` = 1 all active cells go dormant at ``V_m`` and none
    revive, whatever the substrate.  Smooth in ``psi`` (MPa).
    """
    x = (np.abs(np.asarray(psi_mpa, dtype=float)) / abs(psi_half_mpa)) ** hill
    return x / (1.0 + x)


def rewetting_revival(dormant_c, psi_previous_mpa, psi_mpa, *, max_fraction: float = REVIVAL_MAX_FRACTION,
                      scale_mpa: float = REVIVAL_SCALE_MPA) -> np.ndarray:
    """Dormant C resuscitated at once by a wet-up, kg C m-2: ``f_rev_max (1 - exp(-rise / psi_rev)) B_D``.

    ``rise`` is the rise of water potential over the step (MPa,
    :func:`potential_rise_mpa`); the N follows at the dormant C:N.
    """
    rise = potential_rise_mpa(psi_previous_mpa, psi_mpa)
    return max_fraction * -np.expm1(-rise / scale_mpa) * np.asarray(dormant_c, dtype=float)
