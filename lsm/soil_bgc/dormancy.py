"""Microbial dormancy: active and dormant biomass (SCIENCE.md section 3, mechanism 5).

Most soil microbial biomass is dormant at any time (Lennon & Jones 2011,
Nat. Rev. Microbiol. 9, 119).  Following MEND with dormancy (Wang, Mayes,
Gu & Schadt 2014, PLoS ONE 9, e89252; Wang et al. 2015, ISME J. 9, 226),
active biomass
``B_A`` becomes dormant when its substrate runs short and dormant biomass
``B_D`` is revived when substrate returns, both at the specific maintenance
rate ``V_m``, switched by the saturation of the substrate
``phi = S / (K + S)``:

    deactivation  ``(1 - phi) V_m f_T B_A``,    reactivation  ``phi V_m f_T B_D``,

and dormant cells pay a maintenance ``beta V_m f_T B_D`` with ``beta`` =
0.001 (MEND), respired and their N mineralised at the biomass C:N.  Dormant
biomass neither takes up, nor makes enzymes, nor dies; so a community
starved through a dry or frozen season survives as dormant cells and
wakes when substrate returns, and never dies out, which a model with
active biomass only does in soils that are cold or dry for long.  ``S`` is
the soluble DOC at the reaction site (DAMM), so drought that cuts the
diffusion of substrate deactivates too.  Deactivation by low water potential
and the revival on rewetting are in :mod:`lsm.soil_bgc.rewetting` (issue 7).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["DORMANT_MAINTENANCE_FRACTION", "SWITCH_RATE_S", "Switching", "switching"]

#: Maintenance of dormant relative to active cells, ``beta`` (MEND, Wang et al. 2015, ISME J. 9, 226).
DORMANT_MAINTENANCE_FRACTION = 0.001
#: ``V_m``, s-1: 0.01 h-1, the order of the specific maintenance rate of growing soil bacteria (Wang & Post
#: 2012, FEMS Microbiol. Ecol. 81, 610); revives most of a dormant community within days of a substrate pulse,
#: as after wet-up (Placella et al. 2012, PNAS 109, 10931).
SWITCH_RATE_S = 0.01 / 3600.0


class Switching(NamedTuple):
    """Amounts over a step, kg C m-2: active -> dormant, dormant -> active, dormant maintenance respiration."""

    deactivated_c: np.ndarray
    reactivated_c: np.ndarray
    dormant_maintenance_c: np.ndarray


def switching(active_c, dormant_c, substrate, half_saturation, maintenance_rate_s, temperature_factor, dt,
              switch_rate_s: float = SWITCH_RATE_S, beta: float = DORMANT_MAINTENANCE_FRACTION,
              drought=None) -> Switching:
    """Deactivation, reactivation and dormant maintenance over a step of ``dt`` s (see the module docstring).

    ``active_c``/``dormant_c`` kg C m-2; ``substrate`` and ``half_saturation``
    in one unit (kg C m-2); ``maintenance_rate_s`` the active cells' ``m_R``
    and ``switch_rate_s`` ``V_m``, s-1 at the reference temperature, both
    scaled by ``temperature_factor``.  Each amount is
    the exponential loss of its source over the step, so none exceeds it.
    ``drought`` (0-1, :func:`lsm.soil_bgc.rewetting.drought_dormancy`), when
    given, scales ``phi`` by ``1 - drought``: low water potential deactivates
    and keeps cells dormant whatever the substrate.
    """
    s = np.maximum(np.asarray(substrate, dtype=float), 0.0)
    phi = s / (half_saturation + s)
    if drought is not None:
        phi = phi * (1.0 - np.asarray(drought, dtype=float))
    f_dt = np.asarray(temperature_factor, dtype=float) * dt
    v = switch_rate_s * f_dt
    deactivated = np.asarray(active_c, dtype=float) * -np.expm1(-(1.0 - phi) * v)
    b_d = np.asarray(dormant_c, dtype=float)
    reactivated = b_d * -np.expm1(-phi * v)
    return Switching(deactivated, reactivated, b_d * -np.expm1(-beta * maintenance_rate_s * f_dt))
