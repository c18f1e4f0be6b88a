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
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEPOSITION_NH4_FRACTION", "biological_n_fixation", "G_M2_YR"]

SECONDS_PER_YEAR = 365.0 * 86400.0
#: One g m-2 yr-1 in kg m-2 s-1.
G_M2_YR = 1e-3 / SECONDS_PER_YEAR
#: Share of deposition arriving as NHx (the rest as NOy -> NO3-).
DEPOSITION_NH4_FRACTION = 0.5
#: Saturating fixation rate of the CLM4 relation, g N m-2 yr-1, and its NPP coefficient, (g C m-2 yr-1)-1.
BNF_MAX_G_M2_YR = 1.8
BNF_NPP_COEFFICIENT = 0.003


def biological_n_fixation(npp_annual_kg_m2_s):
    """Biological N fixation, kg N m-2 s-1, from the annual mean NPP in kg C m-2 s-1 (negative NPP fixes none)."""
    npp_g_m2_yr = np.maximum(np.asarray(npp_annual_kg_m2_s, dtype=float), 0.0) / G_M2_YR
    return BNF_MAX_G_M2_YR * -np.expm1(-BNF_NPP_COEFFICIENT * npp_g_m2_yr) * G_M2_YR
