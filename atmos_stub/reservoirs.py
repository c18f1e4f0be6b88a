"""Well-mixed atmospheric reservoirs of CO2 (Pg C) and N2O (Tg N).

Masses are the prognostic variables; mole fractions are diagnosed with fixed
conversion factors. Every change is one of: surface fluxes (booked by the
coupler), fossil and land-use emissions or "compatible emissions" (external
sources, named), and N2O destruction in the stratosphere (external sink,
named). Each update returns exactly the amounts it applied, so the ledger
closes to rounding.
"""

from __future__ import annotations

import math

from coupler.constants import PGC_PER_PPM

#: N2O mass per mole fraction, Tg N per ppb (Prather et al. 2012, GRL 39, L09803; Prather et al. 2015, JGR 120, 5693).
TGN_PER_PPB_N2O = 4.79

SECONDS_PER_YEAR = 365.0 * 86400.0


class CarbonReservoir:
    """Atmospheric CO2 as carbon mass ``mass_pgc`` (Pg C); 2.124 Pg C per ppm."""

    def __init__(self, ppm: float):
        self.mass_pgc = float(ppm) * PGC_PER_PPM

    @property
    def ppm(self) -> float:
        return self.mass_pgc / PGC_PER_PPM

    def add(self, surface_pgc: float, emissions_pgc: float) -> None:
        """Emission-driven step: surface fluxes and emissions change the burden."""
        self.mass_pgc = self.mass_pgc + surface_pgc + emissions_pgc

    def prescribe(self, surface_pgc: float, target_ppm: float) -> float:
        """Concentration-driven step: set the burden; return the compatible emissions (Pg C).

        Compatible emissions are what must have been emitted for the burden to
        follow the prescribed path given the surface fluxes (Jones et al. 2013,
        J. Climate 26, 4398): target - (before + surface).
        """
        target = float(target_ppm) * PGC_PER_PPM
        compatible = target - (self.mass_pgc + surface_pgc)
        self.mass_pgc = target
        return compatible


class N2OReservoir:
    """Atmospheric N2O as nitrogen mass ``mass_tgn`` (Tg N) with a first-order stratospheric sink.

    Lifetime 116 yr by default (Prather et al. 2015). With sources ``S``
    (Tg N s-1) constant over a step, the burden follows exactly
    ``N(t+dt) = N e^{-dt/tau} + S tau (1 - e^{-dt/tau})``; the loss is then
    ``N + S dt - N(t+dt)`` so the books close by construction.
    """

    def __init__(self, ppb: float, lifetime_yr: float = 116.0):
        self.mass_tgn = float(ppb) * TGN_PER_PPB_N2O
        self.tau_s = float(lifetime_yr) * SECONDS_PER_YEAR

    @property
    def ppb(self) -> float:
        return self.mass_tgn / TGN_PER_PPB_N2O

    def step(self, sources_tgn: float, dt_s: float) -> float:
        """Advance with ``sources_tgn`` added over ``dt_s``; return the stratospheric loss (Tg N, >= 0)."""
        decay = -math.expm1(-dt_s / self.tau_s)  # 1 - e^{-dt/tau}, accurate for dt << tau
        rate = sources_tgn / dt_s if dt_s > 0 else 0.0
        new = self.mass_tgn * (1.0 - decay) + rate * self.tau_s * decay
        loss = self.mass_tgn + sources_tgn - new
        self.mass_tgn = new
        return loss

    def prescribe(self, sources_tgn: float, target_ppb: float, dt_s: float) -> tuple[float, float]:
        """Concentration-driven step: return (stratospheric loss, compatible emissions), both Tg N.

        The loss is that of the mean burden over the step; compatible emissions
        close the budget to the prescribed burden.
        """
        target = float(target_ppb) * TGN_PER_PPB_N2O
        loss = 0.5 * (self.mass_tgn + target) * -math.expm1(-dt_s / self.tau_s)
        compatible = target - (self.mass_tgn + sources_tgn - loss)
        self.mass_tgn = target
        return loss, compatible
