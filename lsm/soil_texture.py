"""Soil texture: the default rule from climate and land cover, and Cosby et al. (1984) hydraulics.

Texture rule
------------
No soil texture map is shipped with the project, so the packaged surface
file (``tools/make_surface_data.py``) derives sand and clay fractions of
every 0.5 degree land cell from its climate and vegetation with
:func:`texture_from_climate`.  The rule reproduces the zonal pattern of the
world's topsoils in the FAO/IIASA Harmonized World Soil Database (HWSD
v1.2, 2012) and SoilGrids (Hengl et al. 2017, PLoS ONE 12, e0169748):
sandy Arenosols in deserts, clay-rich Ferralsols and Acrisols in the humid
tropics, coarse Podzols under boreal conifers, and loams elsewhere.  Three
indices, each 0-1, move the texture away from a loam (sand 0.40, clay 0.20,
silt 0.40, near the centre of the USDA loam class):

- aridity ``A = clip(1 - MAP / PET, 0, 1)`` with the Holdridge (1967, Life
  Zone Ecology) potential evapotranspiration ``PET = 58.93 mm/yr/degC * Tbio``
  and biotemperature ``Tbio = clip(MAT, 0, 30) degC``: aeolian sands and weak
  weathering make dry soils sandy and poor in clay;
- weathering ``W = clip((MAT - 10)/15, 0, 1) * clip((MAP - 500)/1500, 0, 1)``
  (1 when MAT >= 25 degC and MAP >= 2000 mm/yr): intense chemical weathering
  turns primary minerals into kaolinite and oxides (Ferralsols hold
  typically 40-60 % clay);
- podzolisation ``P`` = the land fraction covered by needleleaf evergreen
  trees: Podzols form in coarse, acid parent material under conifer litter.

``sand = 0.40 + 0.45 A - 0.15 W + 0.25 P`` and
``clay = 0.20 - 0.12 A + 0.25 W - 0.08 P``, each clipped (sand 0.05-0.92,
clay 0.03-0.60) and scaled so that silt keeps at least 0.03.  End members:
desert sand 0.85 / clay 0.08 (loamy sand); humid tropics 0.25 / 0.45 (clay);
closed boreal conifer forest 0.60 / 0.14 (sandy loam); temperate humid
0.40 / 0.20 (loam).  Users with a texture map pass it as the ``texture_file``
(see :func:`lsm.surface.load_surface`).

Hydraulic parameters
--------------------
:func:`cosby_1984_parameters` evaluates the multiple regressions of Cosby
et al. (1984, Water Resour. Res. 20, 682) on sand, silt and clay percentages
(S, Si, C):

- ``b = 3.10 + 0.157 C - 0.003 S``
- ``log10(psi_s / cm) = 1.54 - 0.0095 S + 0.0063 Si``
- ``theta_s = (50.5 - 0.142 S - 0.037 C) / 100``
- ``log10(Ksat / (inch/h)) = -0.60 + 0.0126 S - 0.0064 C``

with the Clapp & Hornberger (1978, Water Resour. Res. 14, 601) retention
curve ``psi = psi_s (theta / theta_s)^-b``, so the water content at suction
head ``h`` is ``theta = theta_s (psi_s / h)^(1/b)``.  Field capacity is taken
at h = 3.3 m (-1/3 bar, about -33 kPa) and the wilting point at h = 150 m
(-15 bar, about -1.5 MPa).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "LOAM_SAND",
    "LOAM_CLAY",
    "texture_from_climate",
    "HydraulicParameters",
    "cosby_1984_parameters",
    "FIELD_CAPACITY_SUCTION_M",
    "WILTING_POINT_SUCTION_M",
]

#: Reference (loam) texture of the rule, mass fractions.
LOAM_SAND = 0.40
LOAM_CLAY = 0.20

#: Holdridge (1967) PET per degree of biotemperature, mm yr-1 degC-1.
HOLDRIDGE_PET_MM_PER_DEGC = 58.93

# Coefficients of the rule (module docstring): response of sand and clay to
# aridity A, weathering W and podzolisation P.
_SAND_A, _SAND_W, _SAND_P = 0.45, -0.15, 0.25
_CLAY_A, _CLAY_W, _CLAY_P = -0.12, 0.25, -0.08
_SAND_RANGE = (0.05, 0.92)
_CLAY_RANGE = (0.03, 0.60)
_MIN_SILT = 0.03

#: Suction heads of field capacity and wilting point, m of water.
FIELD_CAPACITY_SUCTION_M = 3.3
WILTING_POINT_SUCTION_M = 150.0

_M_PER_INCH = 0.0254


def texture_from_climate(mat_C, map_mm_yr, needleleaf_evergreen_fraction=0.0):
    """Sand and clay mass fractions (0-1) of the mineral topsoil from climate and conifer cover.

    Parameters
    ----------
    mat_C : array_like
        Mean annual air temperature, degC.
    map_mm_yr : array_like
        Mean annual precipitation, mm yr-1 (kg m-2 yr-1).
    needleleaf_evergreen_fraction : array_like, optional
        Fraction (0-1) of the land covered by needleleaf evergreen trees.

    Returns
    -------
    (sand, clay) : tuple of numpy.ndarray
        Broadcast to a common shape; ``sand + clay <= 0.97``.
    """
    t = np.asarray(mat_C, dtype=np.float64)
    p = np.asarray(map_mm_yr, dtype=np.float64)
    f_ne = np.asarray(needleleaf_evergreen_fraction, dtype=np.float64)
    pet = HOLDRIDGE_PET_MM_PER_DEGC * np.clip(t, 0.0, 30.0)
    ratio = np.divide(p, pet, out=np.full(np.broadcast(p, pet).shape, np.inf), where=pet > 0.0)
    aridity = np.clip(1.0 - ratio, 0.0, 1.0)
    weathering = np.clip((t - 10.0) / 15.0, 0.0, 1.0) * np.clip((p - 500.0) / 1500.0, 0.0, 1.0)
    podzol = np.clip(f_ne, 0.0, 1.0)
    sand = np.clip(LOAM_SAND + _SAND_A * aridity + _SAND_W * weathering + _SAND_P * podzol, *_SAND_RANGE)
    clay = np.clip(LOAM_CLAY + _CLAY_A * aridity + _CLAY_W * weathering + _CLAY_P * podzol, *_CLAY_RANGE)
    # Scaling both keeps their ratio (the texture's character) while leaving room for silt.
    total = sand + clay
    scale = np.minimum(1.0, (1.0 - _MIN_SILT) / total)
    return sand * scale, clay * scale


class HydraulicParameters(NamedTuple):
    """Clapp-Hornberger / Cosby et al. (1984) soil hydraulic parameters."""

    #: Porosity (volumetric water content at saturation), m3 m-3.
    theta_s: np.ndarray
    #: Saturated matric potential (suction head at air entry, positive), m.
    psi_s_m: np.ndarray
    #: Clapp-Hornberger exponent b, dimensionless.
    b: np.ndarray
    #: Saturated hydraulic conductivity, m s-1.
    ksat_m_s: np.ndarray
    #: Water content at field capacity (suction 3.3 m), m3 m-3.
    theta_fc: np.ndarray
    #: Water content at the wilting point (suction 150 m), m3 m-3.
    theta_wp: np.ndarray


def cosby_1984_parameters(sand, clay, fc_suction_m=FIELD_CAPACITY_SUCTION_M,
                          wp_suction_m=WILTING_POINT_SUCTION_M) -> HydraulicParameters:
    """Hydraulic parameters from sand and clay mass fractions (0-1), Cosby et al. (1984).

    Silt is ``1 - sand - clay``.  ``psi_s_m`` is the magnitude of the
    (negative) saturated matric potential.  Arrays broadcast.

    Raises
    ------
    ValueError
        A fraction is outside [0, 1] or ``sand + clay > 1``.
    """
    s = np.asarray(sand, dtype=np.float64)
    c = np.asarray(clay, dtype=np.float64)
    if np.any(~np.isfinite(s)) or np.any(~np.isfinite(c)):
        raise ValueError("sand and clay must be finite")
    if np.any((s < 0) | (s > 1) | (c < 0) | (c > 1)) or np.any(s + c > 1.0 + 1e-12):
        raise ValueError("sand and clay must be fractions in [0, 1] with sand + clay <= 1")
    sand_pct = 100.0 * s
    clay_pct = 100.0 * c
    silt_pct = 100.0 - sand_pct - clay_pct
    b = 3.10 + 0.157 * clay_pct - 0.003 * sand_pct
    psi_s_m = 0.01 * 10.0 ** (1.54 - 0.0095 * sand_pct + 0.0063 * silt_pct)
    theta_s = (50.5 - 0.142 * sand_pct - 0.037 * clay_pct) / 100.0
    ksat = _M_PER_INCH / 3600.0 * 10.0 ** (-0.60 + 0.0126 * sand_pct - 0.0064 * clay_pct)
    theta_fc = theta_s * (psi_s_m / fc_suction_m) ** (1.0 / b)
    theta_wp = theta_s * (psi_s_m / wp_suction_m) ** (1.0 / b)
    return HydraulicParameters(theta_s, psi_s_m, b, ksat, theta_fc, theta_wp)
