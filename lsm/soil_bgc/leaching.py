"""Leaching against denitrification, and dissolved organic matter to rivers (SCIENCE.md section 3, mechanism 9).

Nitrate is not held by the (mostly negatively charged) exchange sites of
the soil, so it moves with the soil water.  Drainage ``q`` (kg m-2 s-1)
through a layer holding ``W`` kg m-2 of water renews it at the rate
``r_leach = q / W`` (= ``q / (theta dz)`` with ``q`` in m s-1), the
drainage that the Richards flow of :mod:`lsm.hydrology` computes from the
hydraulic conductivity ``K(WFPS)``.  Denitrification draws on the same
NO3- at ``r_denit`` (:func:`lsm.soil_bgc.nitrogen.denitrification_rate`).
Within a step the two first-order losses act together:

    total = NO3 (1 - exp(-(r_denit + r_leach) dt)),
    leached = total r_leach / (r_denit + r_leach),   denitrified = total - leached,

so the shares sum to one, all of the loss leaches as ``r_denit -> 0`` and
all is denitrified as ``r_leach -> 0``, and the loss never exceeds the pool
(CLM4.5, Oleson et al. 2013, NCAR/TN-503+STR, chapter 15, treats nitrate
leaching at soluble fraction 1 the same way).  NH4+ is adsorbed and stays.

Dissolved organic matter drains too: ``DOM (1 - exp(-r_leach dt))`` of its
C and N leave with the water.  The carbon goes to the ocean through the
coupler as the river flux ``friver_c``; the DON leaves the land as a named
external sink.  Global river DOC export is 0.17-0.25 Pg C/yr (Meybeck 1993,
Water Air Soil Pollut. 70, 443; Dai et al. 2012, Earth-Sci. Rev. 114, 80).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["NitrateLoss", "drainage_rate", "dom_leaching", "nitrate_leaching", "nitrate_loss"]


class NitrateLoss(NamedTuple):
    """NO3- lost over a step, kg N m-2: to drainage and to denitrification."""

    leached: np.ndarray
    denitrified: np.ndarray


def drainage_rate(drainage_kg_m2_s, water_kg_m2):
    """``r_leach = q / W``, s-1 (0 for a layer without water or drainage)."""
    water = np.asarray(water_kg_m2, dtype=float)
    q = np.maximum(np.asarray(drainage_kg_m2_s, dtype=float), 0.0)
    return np.divide(q, water, out=np.zeros_like(q * water), where=water > 0.0)


def nitrate_loss(no3, r_leach, r_denit, dt) -> NitrateLoss:
    """Split the first-order NO3- loss of a step between leaching and denitrification (module docstring)."""
    r_leach = np.maximum(np.asarray(r_leach, dtype=float), 0.0)
    r_total = r_leach + np.maximum(np.asarray(r_denit, dtype=float), 0.0)
    total = np.maximum(np.asarray(no3, dtype=float), 0.0) * -np.expm1(-r_total * dt)
    leached = total * np.divide(r_leach, r_total, out=np.zeros_like(total), where=r_total > 0.0)
    return NitrateLoss(leached, total - leached)


def nitrate_leaching(no3, drainage_kg_m2_s, water_kg_m2, dt):
    """NO3- carried out of the layer by drainage alone over ``dt`` s, kg N m-2 (0 <= result <= NO3)."""
    return nitrate_loss(no3, drainage_rate(drainage_kg_m2_s, water_kg_m2), 0.0, dt).leached


def dom_leaching(dom, r_leach, dt):
    """DOM (C or N) drained out of the layer over ``dt`` s, kg m-2: ``DOM (1 - exp(-r_leach dt))``."""
    return np.maximum(np.asarray(dom, dtype=float), 0.0) * -np.expm1(-np.asarray(r_leach, dtype=float) * dt)
