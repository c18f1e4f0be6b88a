"""The biological pump: export production from the mixed layer and its remineralisation at depth.

Export of organic phosphorus from each mixed-layer cell (mol P m-2 s-1) is
limited by phosphate (Michaelis-Menten), light (a saturating function of the
daily-mean surface shortwave) and temperature (Eppley 1972, Fish. Bull. 70:
growth x1.066 per K):

    E_P = v_max h PO4 / (PO4 + K_P) * I / (I + K_I) * 1.066^(T - 20 C)

Carbon and alkalinity follow Redfield stoichiometry C:N:P = 106:16:1
(Redfield 1963; Anderson & Sarmiento 1994): exporting 1 mol P removes 106 mol
DIC and, through nitrate assimilation, ADDS 16 + 1 mol alkalinity
(Wolf-Gladrow et al. 2007, Mar. Chem. 106). An optional CaCO3 counter-pump
exports ``rain_ratio`` mol CaCO3 per mol organic C, removing 1 DIC and 2
alkalinity each; it dissolves in the deep box.

Organic export is remineralised in the interior boxes of the same band along
the Martin et al. (1987, Deep-Sea Res. 34) curve F(z) = F(100 m)
(z / 100 m)^-0.858: the fraction between 100 and 1000 m goes to the
thermocline box, the rest (including what would reach the sea floor, as
nothing is buried) to the deep box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import MEAN_DEPTH_M, THERMOCLINE_BASE_M

REDFIELD_C_P = 106.0
REDFIELD_N_P = 16.0
#: Alkalinity gained per mol P of organic matter formed (nitrate and phosphate uptake).
ALK_PER_P_ORGANIC = REDFIELD_N_P + 1.0
MARTIN_EXPONENT = 0.858
MARTIN_REFERENCE_DEPTH_M = 100.0
#: Fraction of export remineralised above the thermocline base (100-1000 m), from the Martin curve.
THERMOCLINE_REMIN_FRACTION = 1.0 - (THERMOCLINE_BASE_M / MARTIN_REFERENCE_DEPTH_M) ** -MARTIN_EXPONENT


@dataclass
class BiologyParameters:
    v_max_mol_m3_s: float = 4.0e-11     # max P uptake, tuned for ~10 Pg C yr-1 export (Henson et al. 2011: 5-12)
    k_po4_mol_m3: float = 1.0e-4        # half saturation 0.1 umol kg-1 (Maier-Reimer 1993; HAMOCC)
    k_light_W_m2: float = 30.0          # half saturation of mixed-layer mean light, W m-2 shortwave
    eppley_base: float = 1.066
    reference_temperature_K: float = 293.15
    rain_ratio: float = 0.07            # CaCO3 : organic C export (Sarmiento et al. 2002, 0.06 +/- 0.03)

    def light_factor(self, rsds_W_m2: np.ndarray) -> np.ndarray:
        return rsds_W_m2 / (rsds_W_m2 + self.k_light_W_m2)


def saturated_export(light: np.ndarray, sst_K: np.ndarray, h_m: np.ndarray, p: BiologyParameters) -> np.ndarray:
    """Export at unlimited phosphate, mol P m-2 s-1: v_max h x light x temperature factors."""
    return p.v_max_mol_m3_s * h_m * light * p.eppley_base ** (sst_K - p.reference_temperature_K)


def export_phosphorus(po4_mol_m3: np.ndarray, light: np.ndarray, sst_K: np.ndarray, h_m: np.ndarray,
                      p: BiologyParameters) -> np.ndarray:
    """Organic phosphorus export out of the mixed layer, mol P m-2 s-1 (per m2 of ocean)."""
    po4 = np.maximum(po4_mol_m3, 0.0)
    return saturated_export(light, sst_K, h_m, p) * po4 / (po4 + p.k_po4_mol_m3)


def remineralisation_fractions() -> np.ndarray:
    """Fractions of organic export remineralised in the (thermocline, deep) boxes; they sum to 1."""
    return np.array([THERMOCLINE_REMIN_FRACTION, 1.0 - THERMOCLINE_REMIN_FRACTION])


def sea_floor_fraction() -> float:
    """Fraction of export that would reach the mean sea floor (remineralised in the deep box here)."""
    return (MEAN_DEPTH_M / MARTIN_REFERENCE_DEPTH_M) ** -MARTIN_EXPONENT
