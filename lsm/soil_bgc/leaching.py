"""Leaching of nitrate with the water that drains out of the soil layer (SCIENCE.md section 3, mechanism 9).

Nitrate is not held by the (mostly negatively charged) soil exchange sites,
so it moves with the soil water: the amount leaving over a step is the
layer's NO3- times the fraction of its water that drains,
``L = NO3 min(q dt / W, 1)`` with ``q`` the drainage (kg m-2 s-1) and ``W``
the water in the layer (kg m-2): CLM4.5 (Oleson et al. 2013, NCAR/TN-503+STR, the
nitrate leaching of its nitrification-denitrification chapter, soluble
fraction 1 for NO3-).  NH4+ is adsorbed and not leached.
The split against denitrification and the leaching of dissolved organic
matter to rivers follow with the nitrogen-gas issue.
"""

from __future__ import annotations

import numpy as np

__all__ = ["nitrate_leaching"]


def nitrate_leaching(no3, drainage_kg_m2_s, water_kg_m2, dt):
    """NO3- carried out of the layer by drainage over ``dt`` s, kg N m-2 (0 <= result <= NO3)."""
    water = np.asarray(water_kg_m2, dtype=float)
    drained = np.maximum(np.asarray(drainage_kg_m2_s, dtype=float), 0.0) * dt
    fraction = np.minimum(np.divide(drained, water, out=np.ones_like(water), where=water > 0.0), 1.0)
    return np.maximum(np.asarray(no3, dtype=float), 0.0) * fraction
