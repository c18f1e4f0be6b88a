"""Near-surface boundary-layer response to land heat fluxes.

The weather generator gives the observed climate, which is in equilibrium
with the real land's heat fluxes. When the modelled land partitions its
available energy differently (irrigation, drought, a different canopy), the
near-surface air should respond: more latent and less sensible heat cools
and moistens it. A mixed layer of depth ``h`` carries anomalies of potential
temperature ``theta`` (K) and specific humidity ``q`` (kg/kg) relative to the
generator's weather, forced by the departure of the land's fluxes from a
reference partition and relaxed toward the free troposphere with timescale
``tau`` (entrainment and advection; Betts 1992, QJRMS 118; a 1-day
timescale is typical of mixed-layer renewal, Stull 1988):

    rho c_p h dtheta/dt = f_land (H - H_ref)           - rho c_p h theta / tau
    rho h     dq/dt     = f_land (LE - LE_ref) / L_v   - rho h q / tau

Both are linear with forcing constant over a step and are integrated
exactly. The reference partition of net radiation follows the Budyko
framework in Fu's (1981) form (Zhang et al. 2004, WRR 40, W02502, w = 2.6):
the long-term evaporative fraction ET/PET of a cell of aridity
``phi = PET/P`` is ``(1 + phi - (1 + phi^w)^(1/w)) / phi``.

The anomaly enthalpy ``rho c_p h theta + rho h L_v q`` per m2 is the
atmosphere's energy inventory: the land's fluxes enter it (booked by the
coupler), the reference fluxes and the relaxation leave it (named external
terms), so its books close every step.
"""

from __future__ import annotations

import numpy as np

#: Near-surface air density, kg m-3 (standard atmosphere at sea level, 15 degC).
RHO_AIR = 1.225
#: Specific heat of dry air at constant pressure, J kg-1 K-1.
CP_AIR = 1004.64
#: Latent heat of vaporisation at 0 degC, J kg-1 (the one value used model-wide for ET <-> LE).
LATENT_HEAT_VAPORISATION = 2.501e6
#: Stefan-Boltzmann constant, W m-2 K-4.
STEFAN_BOLTZMANN = 5.670374419e-8


def budyko_evaporative_fraction(pet_kg_m2_s: np.ndarray, precip_kg_m2_s: np.ndarray, w: float = 2.6) -> np.ndarray:
    """Long-term ET/PET from Fu's equation (Zhang et al. 2004), in [0, 1]."""
    p = np.maximum(precip_kg_m2_s, 1e-12)
    pet = np.maximum(pet_kg_m2_s, 1e-12)
    phi = pet / p
    et_over_p = 1.0 + phi - (1.0 + phi**w) ** (1.0 / w)
    return np.clip(et_over_p / phi, 0.0, 1.0)


class BoundaryLayer:
    """Per-cell temperature and humidity anomalies of the near-surface mixed layer."""

    def __init__(self, n: int, height_m: float, relaxation_s: float):
        self.theta_K = np.zeros(n)
        self.q_kg_kg = np.zeros(n)
        self.height_m = float(height_m)
        self.relaxation_s = float(relaxation_s)

    @property
    def heat_capacity_J_m2_K(self) -> float:
        return RHO_AIR * CP_AIR * self.height_m

    def enthalpy_J_m2(self) -> np.ndarray:
        """Anomaly enthalpy per m2 of cell, J m-2."""
        return RHO_AIR * self.height_m * (CP_AIR * self.theta_K + LATENT_HEAT_VAPORISATION * self.q_kg_kg)

    def step(self, dt_s: float, sensible_W_m2: np.ndarray, latent_W_m2: np.ndarray) -> None:
        """Advance with the cell-area anomaly forcings (W m-2 of cell), constant over the step."""
        decay = -np.expm1(-dt_s / self.relaxation_s)
        gain = self.relaxation_s * decay
        ch = self.heat_capacity_J_m2_K
        cq = RHO_AIR * self.height_m * LATENT_HEAT_VAPORISATION
        self.theta_K = self.theta_K * (1.0 - decay) + sensible_W_m2 / ch * gain
        self.q_kg_kg = self.q_kg_kg * (1.0 - decay) + latent_W_m2 / cq * gain
