"""Drivers and states of test soil columns (a temperate loam under moderate moisture)."""

import numpy as np
import pytest

from lsm.soil_bgc import column
from lsm.soil_bgc.microbes import THETA_B
from lsm.soil_bgc.mycorrhiza import mixed_parameters
from lsm.soil_bgc.nitrogen_inputs import G_M2_YR
from lsm.soil_bgc.pools import SoilState

DAY = 86400.0


def make_drivers(n, *, ecm=0.0, t_k=288.15, litter_g_m2_yr=500.0, met_cn=20.0, str_cn=100.0, fixation_g=1.0,
                 deposition_g=0.15, demand_g_m2_yr=8.0, dt=DAY, theta=0.25, porosity=0.45, drainage_mm_yr=200.0):
    one = np.ones(n)
    lit = litter_g_m2_yr * G_M2_YR
    return column.SoilDrivers(
        litter_met_c=0.4 * lit * one, litter_met_n=0.4 * lit / met_cn * one,
        litter_str_c=0.6 * lit * one, litter_str_n=0.6 * lit / np.asarray(str_cn) * one,
        n_deposition=deposition_g * G_M2_YR * one, n_fixation=fixation_g * G_M2_YR * one,
        t_soil_k=t_k * one, theta=theta * one, porosity=porosity * one,
        drainage=drainage_mm_yr / (365 * DAY) * one, water_kg_m2=1000.0 * theta * one, fines=0.6 * one,
        clay=0.2 * one, root_c=0.2 * one, plant_n_demand=demand_g_m2_yr * G_M2_YR * dt * one,
        mycorrhiza=mixed_parameters(np.asarray(ecm) * one))


def make_state(n, maom_c=9.0):
    """A soil near the steady state of :func:`make_drivers` (found by running the column)."""
    s = SoilState.zeros(n)
    values = {"litter_labile": (0.037, 20.0), "litter_recalcitrant": (0.18, 60.0), "dom": (0.009, 10.0),
              "microbes_active": (0.2, THETA_B), "enzyme_labile": (2.5e-4, THETA_B),
              "enzyme_recalcitrant": (3.8e-4, THETA_B), "maom": (maom_c, 10.0), "maom_stable": (0.5 * maom_c, 10.0),
              "aggregate": (0.18, 60.0)}
    for pool, (c, cn) in values.items():
        s.c(pool)[:] = c
        s.n(pool)[:] = c / cn
    s.n("nh4")[:] = 1.4e-3
    s.n("no3")[:] = 1.5e-2
    return s


@pytest.fixture
def drivers():
    return make_drivers
