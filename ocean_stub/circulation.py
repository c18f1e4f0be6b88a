"""Ocean transport: ventilation, a two-cell overturning and mixing between boxes.

Volume transports (m3 s-1; 1 Sv = 1e6 m3 s-1) form two overturning loops
(after the box models of Sarmiento & Toggweiler 1984 and Toggweiler 1999):

- northern (NADW), ``psi_n``: low-latitude thermocline -> low-latitude surface
  (upwelling) -> northern surface (poleward surface flow) -> northern deep
  (sinking) -> low-latitude deep -> low-latitude thermocline;
- southern (AABW), ``psi_s``: southern surface -> southern deep (sinking) ->
  low-latitude deep -> southern thermocline -> southern surface (Southern
  Ocean upwelling).

Every box keeps its volume. Each surface cell also exchanges water with the
thermocline box below at a ventilation velocity ``kappa`` (m s-1,
subduction and entrainment), the boxes of a band mix vertically and the boxes
of adjacent bands mix horizontally (exchange flows in m3 s-1).

Warming weakens the overturning and the ventilation, as in CMIP models under
increasing CO2 (AMOC decline of ~25-40 % at 4xCO2, Gregory et al. 2005, GRL
32, L12703; Weijer et al. 2020, GRL 47; increased stratification, Capotondi
et al. 2012): each scales by ``max(0, 1 - s dT)`` with ``dT`` the global-mean
SST anomaly. This, with the solubility of warmer water, is what makes the
ocean carbon-climate feedback gamma_O.

Tendencies are computed for any number of tracers at once: surface arrays
(ntracer, ncells) in mol m-3 and interior (ntracer, 3 bands, 2 layers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import DEEP, LOW, NORTH, SOUTH, THERMOCLINE, Geometry

SV_M3_S = 1.0e6


@dataclass
class CirculationParameters:
    """Transports at zero warming and their sensitivity to it (defaults give the calibration in README)."""

    psi_north_sv: float = 16.0      # NADW formation, 15-20 Sv (Talley 2013, Oceanography 26)
    psi_south_sv: float = 12.0      # AABW formation, ~10-15 Sv (Orsi et al. 1999)
    # low-latitude thermocline ventilation: 0.2e-6 m s-1 over the low-latitude ocean is ~45 Sv, the
    # subtropical subduction rate (Karstensen & Quadfasel 2002; Qiu & Huang 1995: 30-50 Sv)
    kappa_low_m_s: float = 0.2e-6
    # high-latitude ventilation by deep winter convection (calibrated with export and ocean carbon)
    kappa_high_m_s: float = 2.5e-6
    vertical_mixing_sv: float = 20.0    # thermocline <-> deep within a band
    horizontal_mixing_sv: float = 20.0  # between adjacent bands, per layer
    # weakening per K of global SST warming: with these, 1pctCO2 at 4x (4.0 K) weakens the overturning by 24 %
    # (CMIP5/6 AMOC: 20-40 %, Weijer et al. 2020) and gives gamma_O = -19.7 Pg C/K (CMIP6 -17 +/- 5)
    overturning_sensitivity_per_K: float = 0.06
    ventilation_sensitivity_per_K: float = 0.035

    def factors(self, warming_K: float) -> tuple[float, float]:
        """(overturning, ventilation) multipliers for a global-mean SST anomaly."""
        return (max(0.0, 1.0 - self.overturning_sensitivity_per_K * warming_K),
                max(0.0, 1.0 - self.ventilation_sensitivity_per_K * warming_K))


class Circulation:
    """Transport tendencies on a geometry; conserves every tracer exactly up to rounding."""

    def __init__(self, geometry: Geometry, params: CirculationParameters):
        self.g = geometry
        self.p = params

    def rates(self, warming_K: float) -> dict:
        g, p = self.g, self.p
        over, vent = p.factors(warming_K)
        kappa = np.where(g.band == LOW, p.kappa_low_m_s, p.kappa_high_m_s) * vent
        psi_n, psi_s = p.psi_north_sv * SV_M3_S * over, p.psi_south_sv * SV_M3_S * over
        share = g.area_m2 / g.band_area_m2[g.band]  # the cell's share of its band's area
        # upwelling into low and southern cells; poleward inflow/sinking in northern cells
        through = np.select([g.band == LOW, g.band == SOUTH, g.band == NORTH], [psi_n, psi_s, psi_n]) * share
        return {"ventilation": kappa * g.area_m2, "through": through, "psi_n": psi_n, "psi_s": psi_s,
                "vertical": p.vertical_mixing_sv * SV_M3_S * vent,
                "horizontal": p.horizontal_mixing_sv * SV_M3_S * vent}

    def surface_sums(self, surface: np.ndarray, rates: dict) -> list[np.ndarray]:
        """Per-cell arrays whose global sums the interior needs (one reproducible reduction for all).

        Per band: the ventilation flow itself, then per tracer the ventilated
        and the through-flowing tracer transports.
        """
        g = self.g
        vent = rates["ventilation"] * surface            # (ntr, n)
        thru = rates["through"] * surface
        out = g.by_band(rates["ventilation"])
        for part in g.by_band(vent):
            out.extend(part)
        for part in g.by_band(thru):
            out.extend(part)
        return out

    def tendencies(self, surface: np.ndarray, interior: np.ndarray, rates: dict, sums: np.ndarray,
                   ) -> tuple[np.ndarray, np.ndarray]:
        """d(tracer)/dt, mol m-3 s-1, of the surface cells and the interior boxes.

        ``sums`` are the global sums of :meth:`surface_sums`, in its order.
        """
        g = self.g
        ntr = surface.shape[0]
        sums = np.asarray(sums)
        vent_total = sums[:3]
        s = sums[3:].reshape(2, 3, ntr)
        vent_sum, thru_sum = s[0], s[1]  # (band, tracer): sums of Q_i C_i and U_i C_i
        psi_n, psi_s, vmix, hmix = rates["psi_n"], rates["psi_s"], rates["vertical"], rates["horizontal"]
        x = interior  # (ntr, band, layer)
        thermo = x[:, :, THERMOCLINE][:, g.band]  # (ntr, n): the box under each cell
        # the low-latitude surface water that flows poleward, as a flow-weighted mean concentration
        poleward = thru_sum[LOW] / psi_n if psi_n > 0 else np.zeros(ntr)
        source = np.where(g.band == NORTH, poleward[:, None], thermo)
        d_surface = (rates["ventilation"] * (thermo - surface) + rates["through"] * (source - surface)) / g.volume_m3

        d_int = np.zeros_like(x)
        # ventilation with the surface
        for b in range(3):
            d_int[:, b, THERMOCLINE] += vent_sum[b] - vent_total[b] * x[:, b, THERMOCLINE]
        # northern loop
        d_int[:, LOW, THERMOCLINE] += psi_n * (x[:, LOW, DEEP] - x[:, LOW, THERMOCLINE])
        d_int[:, NORTH, DEEP] += thru_sum[NORTH] - psi_n * x[:, NORTH, DEEP]
        d_int[:, LOW, DEEP] += psi_n * (x[:, NORTH, DEEP] - x[:, LOW, DEEP])
        # southern loop
        d_int[:, SOUTH, DEEP] += thru_sum[SOUTH] - psi_s * x[:, SOUTH, DEEP]
        d_int[:, LOW, DEEP] += psi_s * (x[:, SOUTH, DEEP] - x[:, LOW, DEEP])
        d_int[:, SOUTH, THERMOCLINE] += psi_s * (x[:, LOW, DEEP] - x[:, SOUTH, THERMOCLINE])
        # mixing: vertical within bands, horizontal between adjacent bands
        vert = vmix * (x[:, :, DEEP] - x[:, :, THERMOCLINE])
        d_int[:, :, THERMOCLINE] += vert
        d_int[:, :, DEEP] -= vert
        for a, b in ((SOUTH, LOW), (LOW, NORTH)):
            flux = hmix * (x[:, b, :] - x[:, a, :])
            d_int[:, a, :] += flux
            d_int[:, b, :] -= flux
        return d_surface, d_int / g.box_volume_m3
