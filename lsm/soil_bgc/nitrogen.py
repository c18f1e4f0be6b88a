"""Nitrification of ammonium to nitrate (SCIENCE.md section 3, mechanism 8: the aerobic part).

``F_nit = k_max NH4 f_T f_W dt``, first order in NH4+ as in DAYCENT (Parton
et al. 2001, J. Geophys. Res. 106, 17403) and CLM4.5 (Oleson et al. 2013,
NCAR/TN-503+STR, section 15.8): ``k_max`` = 0.1 d-1 (:data:`NITRIFICATION_RATE_MAX`),
``f_T = -0.06 + 0.13 exp(0.07 T)`` with T in degC (clipped to [0, 1] above
freezing; no nitrification in frozen soil), and the WFPS response of
:func:`wfps_factor`, the smooth Linn & Doran (1984, Soil Sci. Soc. Am. J.
48, 1267) optimum near WFPS 0.6 that falls as the pores fill with water and
O2 runs out.  The NO3- made here is what leaches (:mod:`lsm.soil_bgc.leaching`).
pH dependence, the N2O and NO side products and denitrification belong to
the nitrogen-gas issue and are not in this module yet.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NITRIFICATION_RATE_MAX", "nitrification", "wfps_factor", "nitrification_temperature_factor"]

#: Maximum nitrification rate, s-1 (0.1 d-1; Parton et al. 2001).
NITRIFICATION_RATE_MAX = 0.1 / 86400.0
T_FREEZE = 273.15


def wfps_factor(wfps):
    """Moisture response of aerobic soil processes, 0.05-1: optimum at WFPS 0.6-0.8, lower when dry or waterlogged.

    A smooth form of Linn & Doran (1984) as used in CENTURY/DAYCENT:
    ``min(w/0.6, 1) min(1, 1 - 1.5 (w - 0.8))``, floored at 0.05.
    """
    w = np.clip(np.asarray(wfps, dtype=float), 0.0, 1.0)
    return np.clip(np.minimum(w / 0.6, 1.0) * np.minimum(1.0, 1.0 - 1.5 * (w - 0.8)), 0.05, 1.0)


def nitrification_temperature_factor(t_soil_k):
    """``-0.06 + 0.13 exp(0.07 T[degC])`` clipped to [0, 1], 0 in frozen soil (Parton et al. 2001)."""
    t_c = np.asarray(t_soil_k, dtype=float) - T_FREEZE
    f = np.clip(-0.06 + 0.13 * np.exp(0.07 * t_c), 0.0, 1.0)
    return np.where(t_c > 0.0, f, 0.0)


def nitrification(nh4, t_soil_k, wfps, dt, rate_max=NITRIFICATION_RATE_MAX):
    """NH4+ nitrified over ``dt`` s, kg N m-2: ``NH4 (1 - exp(-k_max f_T f_W dt))`` (never more than NH4)."""
    k = rate_max * nitrification_temperature_factor(t_soil_k) * wfps_factor(wfps)
    return np.maximum(np.asarray(nh4, dtype=float), 0.0) * -np.expm1(-k * dt)
