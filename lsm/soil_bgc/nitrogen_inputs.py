"""External nitrogen inputs of the soil: atmospheric deposition and biological fixation.

Both enter the soil's mineral N (NH4+, and NO3- for the oxidised part of
deposition) and are booked as external sources of the land nitrogen books.

- Deposition comes from the atmosphere through the coupler (field ``ndep``,
  ``atmos_stub``'s ``ndep_land_tgn_yr``, 17 Tg N/yr preindustrial after
  Galloway et al. 2004, Biogeochemistry 70, 153).  It arrives half as NHx
  and half as NOy
  (:data:`DEPOSITION_NH4_FRACTION`; Dentener et al. 2006, Global
  Biogeochem. Cycles 20, GB4003, show comparable preindustrial shares).
  Time-varying deposition maps come with the scenario forcing (issue 9).
- Fixation: the empirical relation of CLM4 (Thornton et al. 2007, Global
  Biogeochem. Cycles 21, GB4018) fitted to the compilation of Cleveland et al.
  (1999, Global Biogeochem. Cycles 13, 623):
  ``BNF = 1.8 g N m-2 yr-1 (1 - exp(-0.003 NPP))`` with the annual NPP in
  g C m-2 yr-1, free-living and symbiotic together (the legume crops of
  issue 8 add their own).  Global preindustrial total ~100-130 Tg N/yr for
  an NPP of 55-60 Pg C/yr (Cleveland et al. 1999: 100-290 Tg N/yr;
  Vitousek et al. 2013, Phil. Trans. R. Soc. B 368: ~58 Tg N/yr natural).
  That relation is the *potential* fixation; the soil model
  (:func:`lsm.soil_bgc.column.step`) scales it down by the mineral N of the
  soil solution (:func:`fixation_inhibition`): fixing N2 costs a plant or a
  free-living diazotroph ~6-12 g C per g N more than taking up NH4+ or NO3-
  (Gutschick 1981, Am. Nat. 118, 607), and both nodulation and nitrogenase
  are repressed where mineral N is plentiful (nitrate inhibition of legume
  nodules, Streeter 1988, Crit. Rev. Plant Sci. 7, 1; ammonium repression of
  the nif genes, Dixon & Kahn 2004, Nat. Rev. Microbiol. 2, 621).  Without
  the down-regulation an N-rich soil with no way to lose N (a dry savanna,
  a frozen soil) gains N for ever, and the spin-up piled up mineral N there.
- Fixation on demand: symbiotic fixers are paid by the plant, which invests
  in nodules only while the cheaper uptake of soil N leaves its demand unmet
  (Rastetter et al. 2001, Ecosystems 4, 369; Vitousek et al. 2002,
  Biogeochemistry 57, 1; the cost-based FUN of CLM5, Fisher et al. 2010,
  Global Biogeochem. Cycles 24, GB1014).  The potential fixation is split
  into a free-living part (soil and litter diazotrophs, cryptogamic crusts,
  :data:`FREE_LIVING_FIXATION_SHARE`), held back by mineral N alone, and a
  symbiotic part scaled by the share of the plants' N demand that root
  uptake cannot meet (:func:`fixation_demand_factor`).  A vegetation whose
  demand the soil meets fixes only the free-living part: with the NPP
  relation alone the spin-up fixed ~1 g N m-2 yr-1 in tundra and dry
  grasslands whose soils could not lose it, and their mineral N rose to
  100-250 g N m-2 against the 1-10 of real soils.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEPOSITION_NH4_FRACTION", "FIXATION_HALF_INHIBITION_MOL_L", "FREE_LIVING_FIXATION_SHARE", "G_M2_YR",
           "biological_n_fixation", "fixation_demand_factor", "fixation_inhibition"]

SECONDS_PER_YEAR = 365.0 * 86400.0
#: One g m-2 yr-1 in kg m-2 s-1.
G_M2_YR = 1e-3 / SECONDS_PER_YEAR
#: Share of deposition arriving as NHx (the rest as NOy -> NO3-).
DEPOSITION_NH4_FRACTION = 0.5
#: Saturating fixation rate of the CLM4 relation, g N m-2 yr-1, and its NPP coefficient, (g C m-2 yr-1)-1.
BNF_MAX_G_M2_YR = 1.8
BNF_NPP_COEFFICIENT = 0.003
#: Mineral N (NH4+ + NO3-) of the soil solution that halves fixation, mol N L-1: 2 mM, where nitrate starts
#: to inhibit nodulation and nitrogenase of legumes markedly (1-2 mM; Streeter 1988, Crit. Rev. Plant Sci. 7,
#: 1) and about where ammonium represses the nif genes of free-living diazotrophs (Dixon & Kahn 2004).
FIXATION_HALF_INHIBITION_MOL_L = 2e-3
#: Share of the potential fixation done by free-living diazotrophs (soil, litter, cryptogamic crusts), which
#: the plants' N status does not regulate.  Free-living fixation is a few kg N ha-1 yr-1 against tens for
#: active symbioses (Cleveland et al. 1999; Reed et al. 2011, Annu. Rev. Ecol. Evol. Syst. 42, 489); a fifth
#: of the potential puts the natural total near the 52-77 Tg N yr-1 of Reis Ely et al. (2025, Nature,
#: doi:10.1038/s41586-025-09201-w) when the symbioses run at a fraction of theirs.
FREE_LIVING_FIXATION_SHARE = 0.2
#: kg of N per mol.
N_KG_PER_MOL = 0.014007


def biological_n_fixation(npp_annual_kg_m2_s):
    """Biological N fixation, kg N m-2 s-1, from the annual mean NPP in kg C m-2 s-1 (negative NPP fixes none)."""
    npp_g_m2_yr = np.maximum(np.asarray(npp_annual_kg_m2_s, dtype=float), 0.0) / G_M2_YR
    return BNF_MAX_G_M2_YR * -np.expm1(-BNF_NPP_COEFFICIENT * npp_g_m2_yr) * G_M2_YR


def fixation_inhibition(mineral_n_kg_m2, water_kg_m2):
    """Share of the potential fixation that goes on, ``K / (K + c)`` (0-1), with ``c`` the mineral N
    concentration of the soil water, mol N L-1 (``mineral_n_kg_m2`` kg N m-2 in ``water_kg_m2`` kg m-2 of
    liquid water) and ``K`` :data:`FIXATION_HALF_INHIBITION_MOL_L`.

    A soil without liquid water (dry or frozen) fixes nothing; nodules and
    free-living diazotrophs stop there too (drought: Serraj et al. 1999,
    J. Exp. Bot. 50, 143).
    """
    n = np.maximum(np.asarray(mineral_n_kg_m2, dtype=float), 0.0)
    k_kg = FIXATION_HALF_INHIBITION_MOL_L * N_KG_PER_MOL * np.maximum(np.asarray(water_kg_m2, dtype=float), 0.0)
    return np.divide(k_kg, k_kg + n, out=np.zeros(np.broadcast(n, k_kg).shape), where=(k_kg + n) > 0.0)


def fixation_demand_factor(demand_kg_m2, uptake_kg_m2, free_living_share: float = FREE_LIVING_FIXATION_SHARE):
    """Share of the potential fixation that goes on given the plants' N status, ``f + (1 - f) u`` (0-1).

    ``u = 1 - uptake / demand`` is the share of the plants' N demand over
    the step (kg N m-2) that root uptake from the soil (the proposal, kg N
    m-2) leaves unmet, 0 where there is no demand; ``f`` the free-living
    share.  Symbioses run only where the plants are short of N.
    """
    demand = np.maximum(np.asarray(demand_kg_m2, dtype=float), 0.0)
    uptake = np.maximum(np.asarray(uptake_kg_m2, dtype=float), 0.0)
    met = np.divide(np.minimum(uptake, demand), demand, out=np.ones(np.broadcast(demand, uptake).shape),
                    where=demand > 0.0)
    return free_living_share + (1.0 - free_living_share) * (1.0 - met)
