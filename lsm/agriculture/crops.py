"""Crop phenology on the crop tiles: sowing, development to maturity, allocation (SCIENCE.md section 4).

One crop tile per crop type (PFT ``c3_crop``, ``c4_crop``, ``legume_crop``),
parameterised as CLM5's spring wheat, temperate corn and temperate soybean:
the prognostic crop model of CLM5 (Lawrence et al. 2018, CLM5 Technical
Note, chapter "Crops and Irrigation"; Levis et al. 2012, J. Climate 25,
4839; Drewniak et al. 2013, Geosci. Model Dev. 6, 495), which took its
phenology from AgroIBIS (Kucharik & Brye 2003).  Every function works on
arrays of shape ``(ntile,)``; tiles that are not crops carry crop index -1
and are never sown.  Units: K, s, kg m-2 inside; growing degree days (GDD)
in K d, the sowing window in days of the year of the ``noleap`` calendar
(1 = 1 January; in leap years of other calendars the window shifts by one
day after 28 February).

Growing degree days
-------------------
Each step adds ``clip(T - T_base, 0, cap) dt / 1 d`` (:func:`gdd_increment`;
Lawrence et al. 2018 eq. 25.3: base 0, 8 and 10 degC, the daily increment
capped at 26, 30 and 30 K d for wheat, maize and soybean).  ``T`` is the
step's mean air temperature: with daily steps this is the daily-mean method
of crop science (McMaster & Wilhelm 1997, Agric. For. Meteorol. 87, 291),
with sub-daily steps CLM's per-step accumulation.  The development clock of
the crop is the GDD since sowing; CLM counts emergence on a soil-temperature
GDD, here the air-temperature sum serves for every phase.

The climatological GDD that sets the maturity requirement is, as in CLM5,
the GDD above the crop's base accumulated over the warm half-year (1 April
to 30 September in the north, 1 October to 31 March in the south) and
averaged over 20 years (a running mean, weights ``1 / min(n, 20)`` after the
n-th season, CLM's ``gdd020``/``gdd820``/``gdd1020``):
:func:`update_gdd_climatology` keeps it from the model's own climate and
:func:`window_gdd` computes it from a year of daily temperatures to
initialise a cold start (a tile whose climatology is 0 is never sown).
CLM gates sowing of every crop on ``gdd820`` (base 8 degC); here each crop
uses its own base.

Sowing (:func:`sowing_ready`)
-----------------------------
Inside the hemisphere's window, the crop is sown once the 10-day mean air
temperature exceeds ``sowing_t10_k`` (CLM5 ``planttemp``), the 10-day mean
of the daily minimum exceeds ``sowing_t10_min_k`` (``minplanttemp``; only if
the caller provides it) and the climatological GDD is at least
``sowing_min_gdd`` (``gddmin`` = 50 K d).  A crop not sown by the last day
of the window is sown then, if its climatological GDD is above 0 (CLM5's
forced planting).  The hemisphere is north for latitude > 0 (CLM).  One
season a year: once sown, a tile is not sown again until its crop year
restarts (1 January in the north, day 182 in the south, CLM's
``jdayyrstart``) with no crop in the field.

Maturity requirement (:func:`gdd_to_maturity`)
-----------------------------------------------
``clip(f G, GDD_min, GDD_max) + offset`` with ``G`` the climatological GDD:
maize ``f`` = 0.85 within [950, 1700] K d plus 150 K d (CLM5 code,
``PlantCrop``: the offset applies to normal sowing, not to forced sowing),
so 1100-1850 K d; spring wheat ``min(G_0, 1700)``; soybean
``min(G_10, 1900)`` (CLM5 ``hybgdd``; Lawrence et al. 2018 eq. 25.2).

Phases (:func:`phase`)
----------------------
0 no crop (fallow), 1 sown but not emerged, 2 vegetative (leaf emergence to
the start of grain fill), 3 grain fill, 4 mature: harvest in this step.
Emergence at ``emergence_fraction`` of the GDD to maturity (CLM5
``lfemerg``), grain fill at ``grain_fill_fraction`` of it (``grnfill``; for
maize lowered by 0.002 per day of comparative relative maturity above 73 d,
at most by 0.1: CLM5 after Kucharik 2003, Earth Interact. 7, 1), harvest
when the GDD since sowing reach the requirement or the season reaches
``max_season_days`` (``mxmat``).  CLM5's second trigger of grain fill,
reaching the crop's largest LAI, is left to the vegetation model, which
tapers leaf allocation near its ``LAI_MAX``.

Allocation (:func:`allocation`)
-------------------------------
Fractions of new growth to leaf, fine root and grain, after CLM5
(Lawrence et al. 2018 eqs. 25.4-25.5).  The vegetation model has no stem
pool for crops, so "leaf" is CLM's leaf plus live stem (the straw);
:attr:`CropAllocation.stem_share` tells which part of it CLM would put in
the stem.  Fine roots get ``a_froot = a_i - (a_i - a_f) min(1, GDD/GDD_mat)``
in phases 2 and 3.  In phase 2 the rest is shoot, split into leaf
``(1 - a_froot) a_leaf^i (e^-b - e^(-b h)) / (e^-b - 1)`` (``h`` = GDD over
those at grain-fill onset, ``b`` = 0.1) and stem.  In phase 3 CLM5 multiplies
the leaf and stem allocation in every time step by ``1 - x^d`` (``x`` the
progress through grain fill); at its 30-minute step that takes them to
their final values ``a_leaf^f``, ``a_stem^f`` within a few days of the onset
(for wheat to 1/e within ~20 K d of a 680 K d grain fill), so the result
depends on the step length.  Here the limit is taken: from the onset of
grain fill, shoot allocation is ``a_leaf^f + a_stem^f`` and grain takes the
rest.  Over an idealised season with growth uniform in GDD and no turnover
this gives harvest indices of 0.41 (wheat), 0.52 (maize) and 0.32
(soybean), near the target values (the closed form of eq. 25.5 in the
Technical Note, applied once, gives 0.20, 0.34 and 0.30).  Before emergence
and outside the season there is no growth to allocate; the fractions are
then (1, 0, 0).  The three fractions sum to exactly 1 (as ``leaf + froot +
grain``).

State
-----
:class:`CropState` holds every variable as ``float64`` (flags as 0/1) so a
restart reproduces a run bit for bit; :data:`STATE_VARIABLES` lists them with
units for restart and history.  :func:`step` advances a step: climatology,
crop year, sowing, the GDD and day counters, phase and harvest.  Grain pools
are filled by the caller from :func:`allocation` and emptied at harvest with
:meth:`CropState.take_grain` (see :mod:`lsm.agriculture.harvest`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from lsm.pfts import NPFT, pft_index

__all__ = [
    "CROPS",
    "CROP_PARAMETERS",
    "CROP_TYPES",
    "STATE_VARIABLES",
    "CropAllocation",
    "CropEvents",
    "CropParameters",
    "CropState",
    "allocation",
    "crop_index_from_pft",
    "crop_phase",
    "development_fraction",
    "gdd_increment",
    "gdd_to_maturity",
    "grain_fill_fraction",
    "phase",
    "sowing_ready",
    "step",
    "update_gdd_climatology",
    "window_gdd",
]

SECONDS_PER_DAY = 86400.0
T_FREEZE = 273.15
#: Crop types in the order of the crop index (the order of :mod:`lsm.agriculture.fertiliser`).
CROP_TYPES: tuple[str, ...] = ("c3_crop", "c4_crop", "legume_crop")

# Phases returned by :func:`phase`.
FALLOW, SOWN, VEGETATIVE, GRAIN_FILL, MATURE = 0, 1, 2, 3, 4

#: Climatological GDD window, days of the year (noleap): 1 April-30 September north, 1 October-31 March
#: south (CLM5 ``gdd820`` etc., Lawrence et al. 2018 section "Planting").
GDD_WINDOW_NORTH = (91, 273)
GDD_WINDOW_SOUTH = (274, 90)
#: Years of the running mean of the climatological GDD (CLM5: 20-year means).
GDD_CLIMATOLOGY_YEARS = 20.0
#: First day of the crop year, north and south (CLM5 ``jdayyrstart``: 1 and 182).
CROP_YEAR_START_NORTH, CROP_YEAR_START_SOUTH = 1, 182
# Comparative relative maturity of maize from its GDD requirement, d (Kucharik 2003 fig. 2, as in CLM5):
# crm = clip((GDD_mat + 53.683) / 13.882, 73, 135).
_CRM_INTERCEPT, _CRM_SLOPE, _CRM_MIN, _CRM_MAX = 53.683, 13.882, 73.0, 135.0
#: Largest lowering of the grain-fill fraction of maize by the maturity rating (CLM5: 0.1).
GRAIN_FILL_CRM_MAX_SHIFT = 0.1

#: Carbon share of grain dry matter (CLM5 yield conversion, Lawrence et al. 2018 eq. 25.9: 45 %).
GRAIN_C_FRACTION = 0.45


def _grain_cn(protein_g_per_100g: float, water_g_per_100g: float, n_to_protein: float) -> float:
    """Grain C:N from its protein and water content (per 100 g as sold) and its N-to-protein factor."""
    n_fraction_dry = protein_g_per_100g / n_to_protein / (100.0 - water_g_per_100g)
    return GRAIN_C_FRACTION / n_fraction_dry


def _doy(month: int, day: int) -> int:
    """Day of the year of a date in the noleap calendar."""
    return (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)[month - 1] + day


@dataclass(frozen=True)
class CropParameters:
    """Phenology and allocation parameters of one crop type (namelist-overridable; SI units)."""

    #: PFT name of the crop type (:mod:`lsm.pfts`).
    name: str
    #: Base temperature of the growing-degree sum, K.
    gdd_base_k: float
    #: Largest GDD increment per day, K d d-1 (CLM5 ``mxtmp``).
    gdd_cap_k: float
    #: 10-day mean air temperature the crop needs to be sown, K (CLM5 ``planttemp``).
    sowing_t10_k: float
    #: 10-day mean of the daily minimum air temperature the crop needs to be sown, K (CLM5 ``minplanttemp``).
    sowing_t10_min_k: float
    #: Smallest climatological GDD of a tile where the crop is sown normally, K d (CLM5 ``gddmin``).
    sowing_min_gdd: float
    #: Sowing window, first and last day of the year (noleap), northern hemisphere.
    sowing_start_north: int
    sowing_end_north: int
    #: Sowing window, southern hemisphere (CLM5: the northern window six months later).
    sowing_start_south: int
    sowing_end_south: int
    #: GDD to maturity = clip(fraction x climatological GDD, min, max) + offset (offset for normal sowing only), K d.
    gdd_maturity_fraction: float
    gdd_maturity_min: float
    gdd_maturity_max: float
    gdd_maturity_offset: float
    #: Leaf emergence at this fraction of the GDD to maturity (CLM5 ``lfemerg``).
    emergence_fraction: float
    #: Grain fill starts at this fraction of the GDD to maturity (CLM5 ``grnfill``).
    grain_fill_fraction: float
    #: Lowering of the grain-fill fraction per day of comparative relative maturity above 73 d, d-1 (maize).
    grain_fill_crm_slope: float
    #: Longest season from sowing to harvest, d (CLM5 ``mxmat``).
    max_season_days: float
    #: Fine-root share of growth at sowing and at maturity (CLM5 ``arooti``, ``arootf``).
    froot_alloc_initial: float
    froot_alloc_final: float
    #: Leaf share of shoot growth at emergence (CLM5 ``fleafi``) and the shape of its decline (``bfact``).
    leaf_alloc_initial: float
    leaf_alloc_decline: float
    #: Leaf and stem shares of growth during grain fill (CLM5 ``aleaff``, ``astemf``).
    leaf_alloc_final: float
    stem_alloc_final: float
    #: Harvest index of modern cultivars, grain over aboveground dry matter at maturity (a target for checks).
    harvest_index: float
    #: Grain C:N, g C g-1 N.
    grain_cn: float
    #: Carbon respired per carbon built into grain, the growth respiration of grain (C:C).  Default the
    #: vegetation's 0.25 for every tissue; the protein- and oil-rich seed of a legume costs more.
    grain_growth_respiration: float = 0.25

    def __post_init__(self):
        if self.name not in CROP_TYPES:
            raise ValueError(f"crop {self.name!r} is not one of {CROP_TYPES}")
        for f in ("emergence_fraction", "grain_fill_fraction", "froot_alloc_initial", "froot_alloc_final",
                  "leaf_alloc_initial", "leaf_alloc_final", "stem_alloc_final", "harvest_index"):
            if not 0.0 <= getattr(self, f) <= 1.0:
                raise ValueError(f"{self.name}: {f} must be in [0, 1]")
        if not self.emergence_fraction < self.grain_fill_fraction:
            raise ValueError(f"{self.name}: emergence_fraction must be below grain_fill_fraction")
        if max(self.froot_alloc_initial, self.froot_alloc_final) + self.leaf_alloc_final + self.stem_alloc_final > 1.0:
            raise ValueError(f"{self.name}: final leaf and stem shares plus the root share exceed 1")
        for f in ("sowing_start_north", "sowing_end_north", "sowing_start_south", "sowing_end_south"):
            if not 1 <= getattr(self, f) <= 365:
                raise ValueError(f"{self.name}: {f} must be a day of the year in [1, 365]")
        if not self.grain_growth_respiration >= 0.0:
            raise ValueError(f"{self.name}: grain_growth_respiration must be >= 0")
        if not (self.gdd_cap_k > 0.0 and self.max_season_days > 0.0 and self.grain_cn > 0.0):
            raise ValueError(f"{self.name}: gdd_cap_k, max_season_days and grain_cn must be positive")
        if not 0.0 <= self.gdd_maturity_min <= self.gdd_maturity_max:
            raise ValueError(f"{self.name}: need 0 <= gdd_maturity_min <= gdd_maturity_max")
        if not (self.gdd_maturity_fraction > 0.0 and self.gdd_maturity_offset >= 0.0 and self.leaf_alloc_decline > 0.0):
            raise ValueError(f"{self.name}: gdd_maturity_fraction and leaf_alloc_decline must be > 0, offset >= 0")


#: Spring wheat (CLM5 ``spring wheat``; Lawrence et al. 2018 tables "Crop phenology and morphology parameters"
#: and "Crop allocation parameters", clm5_params.nc).
C3_CROP = CropParameters(
    name="c3_crop",
    gdd_base_k=T_FREEZE + 0.0,            # CLM5 baset, eq. 25.3
    gdd_cap_k=26.0,                       # CLM5 eq. 25.3: 0 <= T - Tf <= 26
    sowing_t10_k=280.15,                  # CLM5 planttemp
    sowing_t10_min_k=272.15,              # CLM5 minplanttemp
    sowing_min_gdd=50.0,                  # CLM5 gddmin
    sowing_start_north=_doy(4, 1), sowing_end_north=_doy(6, 15),    # CLM5 table: April 1 - June 15
    sowing_start_south=_doy(10, 1), sowing_end_south=_doy(12, 15),  # six months later
    gdd_maturity_fraction=1.0, gdd_maturity_min=0.0, gdd_maturity_max=1700.0,  # min(GDD0, hybgdd 1700)
    gdd_maturity_offset=0.0,
    emergence_fraction=0.05,              # CLM5 lfemerg
    grain_fill_fraction=0.6,              # CLM5 grnfill
    grain_fill_crm_slope=0.0,
    max_season_days=150.0,                # CLM5 mxmat
    froot_alloc_initial=0.1, froot_alloc_final=0.0,     # CLM5 arooti, arootf
    leaf_alloc_initial=0.9, leaf_alloc_decline=0.1,     # CLM5 fleafi, bfact
    leaf_alloc_final=0.0, stem_alloc_final=0.05,        # CLM5 aleaff, astemf
    # 0.40-0.50 for modern wheat (Hay 1995, Ann. Appl. Biol. 126, 197; Unkovich et al. 2010, Adv. Agron. 105, 173).
    harvest_index=0.45,
    # Hard red winter wheat, 12.61 g protein and 13.10 g water per 100 g (USDA SR Legacy NDB 20072), N x 5.83
    # (Jones 1931, USDA Circ. 183): 2.49 % N of dry matter, C:N 18.1.  CLM5's graincn is 50 for every crop.
    grain_cn=_grain_cn(12.61, 13.10, 5.83),
)

#: Maize (CLM5 ``temperate corn``; sources as for :data:`C3_CROP`).
C4_CROP = CropParameters(
    name="c4_crop",
    gdd_base_k=T_FREEZE + 8.0,            # CLM5 baset
    gdd_cap_k=30.0,                       # CLM5 eq. 25.3
    sowing_t10_k=283.15,                  # CLM5 planttemp
    sowing_t10_min_k=279.15,              # CLM5 minplanttemp
    sowing_min_gdd=50.0,                  # CLM5 gddmin
    sowing_start_north=_doy(4, 1), sowing_end_north=_doy(6, 15),    # CLM5 table: April 1 - June 15
    sowing_start_south=_doy(10, 1), sowing_end_south=_doy(12, 15),
    # CLM5 PlantCrop: max(950, min(0.85 GDD8, hybgdd 1700)) + 150 at normal sowing (1100-1850 K d).
    gdd_maturity_fraction=0.85, gdd_maturity_min=950.0, gdd_maturity_max=1700.0, gdd_maturity_offset=150.0,
    emergence_fraction=0.03,              # CLM5 lfemerg
    grain_fill_fraction=0.65,             # CLM5 grnfill, lowered with the maturity rating (Kucharik 2003)
    grain_fill_crm_slope=0.002,           # CLM5: huigrain = grnfill - 0.002 (crm - 73), >= grnfill - 0.1
    max_season_days=165.0,                # CLM5 mxmat
    froot_alloc_initial=0.4, froot_alloc_final=0.05,
    leaf_alloc_initial=0.8, leaf_alloc_decline=0.1,
    leaf_alloc_final=0.0, stem_alloc_final=0.0,
    harvest_index=0.50,                   # ~0.5 for modern hybrids (Hay 1995; Unkovich et al. 2010)
    # Yellow dent corn grain, 9.42 g protein, 10.37 g water per 100 g (USDA SR Legacy NDB 20014), N x 6.25
    # (Jones 1931): 1.68 % N of dry matter, C:N 26.8.
    grain_cn=_grain_cn(9.42, 10.37, 6.25),
)

#: Soybean (CLM5 ``temperate soybean``; sources as for :data:`C3_CROP`).
LEGUME_CROP = CropParameters(
    name="legume_crop",
    gdd_base_k=T_FREEZE + 10.0,           # CLM5 baset
    gdd_cap_k=30.0,                       # CLM5 eq. 25.3
    sowing_t10_k=286.15,                  # CLM5 planttemp
    sowing_t10_min_k=279.15,              # CLM5 minplanttemp
    sowing_min_gdd=50.0,                  # CLM5 gddmin
    sowing_start_north=_doy(5, 1), sowing_end_north=_doy(6, 15),    # CLM5 table: May 1 - June 15
    sowing_start_south=_doy(11, 1), sowing_end_south=_doy(12, 15),
    gdd_maturity_fraction=1.0, gdd_maturity_min=0.0, gdd_maturity_max=1900.0,  # min(GDD10, hybgdd 1900)
    gdd_maturity_offset=0.0,
    emergence_fraction=0.03,              # CLM5 lfemerg
    grain_fill_fraction=0.5,              # CLM5 grnfill (0.7 in CLM4.5)
    grain_fill_crm_slope=0.0,
    max_season_days=150.0,                # CLM5 mxmat
    froot_alloc_initial=0.2, froot_alloc_final=0.2,
    leaf_alloc_initial=0.85, leaf_alloc_decline=0.1,
    leaf_alloc_final=0.0, stem_alloc_final=0.3,
    harvest_index=0.45,                   # 0.40-0.50 (Hay 1995; Unkovich et al. 2010)
    # Mature soybean seeds, 36.49 g protein, 8.54 g water per 100 g (USDA SR Legacy NDB 16108), N x 5.71
    # (Jones 1931): 6.99 % N of dry matter, C:N 6.4 at 45 % C (oil-rich seed holds ~50 % C: C:N ~7).
    grain_cn=_grain_cn(36.49, 8.54, 5.71),
    # Sinclair & de Wit (1975, Science 189, 565): 0.50 g of soybean seed per g of glucose against 0.75 for
    # wheat and rice; at 0.4 g C per g glucose and ~0.5 g C per g of soybean seed, 0.8 g C of glucose builds
    # 0.5 g C of seed, i.e. 0.6 g C respired per g C built (cereal grain: 0.2, near the default 0.25).
    grain_growth_respiration=0.6,
)

#: Parameters of every crop type, in crop-index order (:data:`CROP_TYPES`).
CROPS: tuple[CropParameters, ...] = (C3_CROP, C4_CROP, LEGUME_CROP)
#: The same, keyed by PFT name.
CROP_PARAMETERS: dict[str, CropParameters] = {c.name: c for c in CROPS}

_NUMERIC = tuple(f.name for f in fields(CropParameters) if f.name != "name")


@lru_cache(maxsize=8)
def _table(crops: tuple[CropParameters, ...]) -> dict[str, np.ndarray]:
    """Each numeric parameter as an array over crop types (built once per parameter set)."""
    if tuple(c.name for c in crops) != CROP_TYPES:
        raise ValueError(f"crops must be given in the order {CROP_TYPES}")
    return {name: np.array([float(getattr(c, name)) for c in crops]) for name in _NUMERIC}


class _PerTile(dict):
    """Parameters per tile, each gathered from the crop-type table when first asked for."""

    def __init__(self, table: dict[str, np.ndarray], idx: np.ndarray):
        super().__init__()
        self._table, self._idx = table, idx

    def __missing__(self, name: str) -> np.ndarray:
        value = self[name] = self._table[name][self._idx]
        return value


def _lookup(crop_index, crops: tuple[CropParameters, ...]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(is a crop tile, parameters per tile); non-crop tiles get crop 0's values, to be masked by the caller."""
    ci = np.asarray(crop_index, dtype=np.float64)
    valid = ci >= 0.0
    idx = np.where(valid, ci, 0.0).astype(np.intp)
    return valid, _PerTile(_table(crops), idx)


def crop_index_from_pft(pft) -> np.ndarray:
    """Crop index (float64) of each tile from its PFT: 0, 1, 2 for :data:`CROP_TYPES`, -1 for other PFTs."""
    lut = np.full(NPFT, -1.0)
    for i, name in enumerate(CROP_TYPES):
        lut[pft_index(name)] = float(i)
    return lut[np.asarray(pft)]


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


# ----------------------------------------------------------------------------
# Growing degree days
# ----------------------------------------------------------------------------


def gdd_increment(t_air_k, dt_s: float, crop_index, crops: tuple[CropParameters, ...] = CROPS) -> np.ndarray:
    """Growing degree days of one step, K d: ``clip(T - T_base, 0, cap) dt / 86400 s`` (0 off crop tiles).

    ``t_air_k``: the step's mean air temperature (daily mean with daily steps), K.
    """
    valid, p = _lookup(crop_index, crops)
    rate = np.clip(_f64(t_air_k) - p["gdd_base_k"], 0.0, p["gdd_cap_k"])
    return np.where(valid, rate * (dt_s / SECONDS_PER_DAY), 0.0)


def _in_window(day_of_year, start, end) -> np.ndarray:
    """Day within [start, end], the window wrapping around the new year when start > end."""
    d = np.floor(_f64(day_of_year))
    start, end = _f64(start), _f64(end)
    return np.where(start <= end, (d >= start) & (d <= end), (d >= start) | (d <= end))


def window_gdd(t_air_daily_k, latitude_deg, crop_index, crops: tuple[CropParameters, ...] = CROPS) -> np.ndarray:
    """Climatological GDD of one year of daily mean air temperatures, K d.

    ``t_air_daily_k``: shape ``(365, ntile)``, day 1 to 365.  The sum runs over
    the hemisphere's window (1 April-30 September north, 1 October-31 March
    south), as CLM5's ``gdd020``/``gdd820``/``gdd1020``: the value to
    initialise ``CropState.gdd_climatology`` at a cold start.
    """
    t = _f64(t_air_daily_k)
    if t.ndim != 2 or t.shape[0] != 365:
        raise ValueError(f"t_air_daily_k must have shape (365, ntile), got {t.shape}")
    days = np.arange(1, 366)[:, None]
    north = _f64(latitude_deg) > 0.0
    inside = np.where(north, _in_window(days, *GDD_WINDOW_NORTH), _in_window(days, *GDD_WINDOW_SOUTH))
    inc = gdd_increment(t, SECONDS_PER_DAY, np.broadcast_to(_f64(crop_index), t.shape[1:]), crops)
    return np.sum(np.where(inside, inc, 0.0), axis=0)


def update_gdd_climatology(state: CropState, increment, day_of_year, latitude_deg) -> np.ndarray:
    """Accumulate the step's GDD in the hemisphere's window and fold each complete window into the 20-year mean.

    A window is counted from its first day only, so a run starting mid-window
    waits for the next one.  Updates ``state`` in place; returns the tiles
    whose window closed in this step.
    """
    north = _f64(latitude_deg) > 0.0
    d = np.floor(_f64(day_of_year))
    inside = np.where(north, _in_window(d, *GDD_WINDOW_NORTH), _in_window(d, *GDD_WINDOW_SOUTH))
    first = np.where(north, d == GDD_WINDOW_NORTH[0], d == GDD_WINDOW_SOUTH[0])
    crop = state.crop_index >= 0.0
    was_open = state.gdd_window_open > 0.5
    opening = crop & ~was_open & first
    closing = crop & was_open & ~inside
    window = np.where(opening, 0.0, state.gdd_window)
    counting = crop & (was_open | opening) & inside
    window = np.where(counting, window + _f64(increment), window)
    years = np.where(closing, state.gdd_years + 1.0, state.gdd_years)
    weight = 1.0 / np.minimum(np.maximum(years, 1.0), GDD_CLIMATOLOGY_YEARS)
    state.gdd_climatology = np.where(closing, state.gdd_climatology + (window - state.gdd_climatology) * weight,
                                     state.gdd_climatology)
    state.gdd_years = years
    state.gdd_window = np.where(closing, 0.0, window)
    state.gdd_window_open = np.where(opening, 1.0, np.where(closing, 0.0, state.gdd_window_open))
    return closing


# ----------------------------------------------------------------------------
# Sowing and maturity
# ----------------------------------------------------------------------------


def _sowing(day_of_year, latitude_deg, t10_k, sown, crop_index, t10_min_k, annual_gdd, crops):
    """(normal sowing, forced sowing) masks; see :func:`sowing_ready`."""
    valid, p = _lookup(crop_index, crops)
    north = _f64(latitude_deg) > 0.0
    start = np.where(north, p["sowing_start_north"], p["sowing_start_south"])
    end = np.where(north, p["sowing_end_north"], p["sowing_end_south"])
    free = valid & ~np.asarray(sown, dtype=bool)
    window = _in_window(day_of_year, start, end)
    warm = _f64(t10_k) > p["sowing_t10_k"]
    if t10_min_k is not None:
        warm &= _f64(t10_min_k) > p["sowing_t10_min_k"]
    if annual_gdd is None:
        climate_ok = forced_ok = np.ones_like(warm)
    else:
        g = _f64(annual_gdd)
        climate_ok, forced_ok = g >= p["sowing_min_gdd"], g > 0.0
    normal = free & window & warm & climate_ok
    last_day = np.floor(_f64(day_of_year)) == end
    forced = free & ~normal & last_day & forced_ok
    return normal, forced


def sowing_ready(day_of_year, latitude_deg, t10_k, sown, crop_index, *, t10_min_k=None, annual_gdd=None,
                 crops: tuple[CropParameters, ...] = CROPS) -> np.ndarray:
    """Tiles whose crop is sown in this step (bool).

    ``day_of_year`` (1-365, scalar or per tile); ``latitude_deg``: north > 0;
    ``t10_k``: 10-day running mean air temperature, K; ``sown`` (bool or 0/1):
    a crop is in the field or was already sown this crop year; ``t10_min_k``:
    10-day mean of the daily minimum temperature, K (criterion skipped if
    None); ``annual_gdd``: climatological GDD, K d (criteria skipped if
    None).  Sowing inside the window when warm enough, or forced on the last
    day of the window (module docstring).
    """
    normal, forced = _sowing(day_of_year, latitude_deg, t10_k, sown, crop_index, t10_min_k, annual_gdd, crops)
    return normal | forced


def gdd_to_maturity(annual_gdd, crop_index, forced=False, crops: tuple[CropParameters, ...] = CROPS) -> np.ndarray:
    """GDD from sowing to maturity, K d: ``clip(f G, min, max)`` plus the offset unless sowing was forced (0 off crops).

    ``annual_gdd``: climatological GDD above the crop's base (``CropState.gdd_climatology``), K d.
    """
    valid, p = _lookup(crop_index, crops)
    g = np.clip(p["gdd_maturity_fraction"] * _f64(annual_gdd), p["gdd_maturity_min"], p["gdd_maturity_max"])
    g = g + np.where(np.asarray(forced, dtype=bool), 0.0, p["gdd_maturity_offset"])
    return np.where(valid, g, 0.0)


def grain_fill_fraction(gdd_maturity, crop_index, crops: tuple[CropParameters, ...] = CROPS) -> np.ndarray:
    """Fraction of the GDD to maturity at which grain fill starts (maize: lowered for late hybrids, CLM5)."""
    _, p = _lookup(crop_index, crops)
    crm = np.clip((_f64(gdd_maturity) + _CRM_INTERCEPT) / _CRM_SLOPE, _CRM_MIN, _CRM_MAX)
    shift = np.minimum(p["grain_fill_crm_slope"] * (crm - _CRM_MIN), GRAIN_FILL_CRM_MAX_SHIFT)
    return p["grain_fill_fraction"] - shift


def development_fraction(gdd_since_sowing, gdd_maturity, sown) -> np.ndarray:
    """GDD since sowing over the GDD to maturity, 0 where no crop is in the field (fertiliser schedule input)."""
    live = np.asarray(sown, dtype=np.float64) > 0.5
    m = _f64(gdd_maturity)
    return np.where(live & (m > 0.0), _f64(gdd_since_sowing) / np.where(m > 0.0, m, 1.0), np.where(live, 1.0, 0.0))


def phase(gdd_since_sowing, gdd_maturity, days_since_sowing, max_days, *, sown, emergence_fraction,
          grain_fill_fraction) -> np.ndarray:
    """Crop phase per tile (int8): 0 fallow, 1 sown, 2 vegetative, 3 grain fill, 4 mature (harvest now).

    Harvest when the GDD since sowing reach ``gdd_maturity`` or
    ``days_since_sowing`` reaches ``max_days``; emergence and grain fill at
    the given fractions of ``gdd_maturity``.  ``sown``: a crop is in the field.
    """
    g, m = _f64(gdd_since_sowing), _f64(gdd_maturity)
    live = np.asarray(sown, dtype=np.float64) > 0.5
    mature = (g >= m) | (_f64(days_since_sowing) >= _f64(max_days))
    filling = g >= _f64(grain_fill_fraction) * m
    emerged = g >= _f64(emergence_fraction) * m
    out = np.where(mature, MATURE, np.where(filling, GRAIN_FILL, np.where(emerged, VEGETATIVE, SOWN)))
    return np.where(live, out, FALLOW).astype(np.int8)


def crop_phase(state: CropState, crops: tuple[CropParameters, ...] = CROPS) -> np.ndarray:
    """:func:`phase` of the crops in ``state``."""
    _, p = _lookup(state.crop_index, crops)
    return phase(state.gdd_since_sowing, state.gdd_maturity, state.days_since_sowing, p["max_season_days"],
                 sown=state.sown, emergence_fraction=p["emergence_fraction"],
                 grain_fill_fraction=grain_fill_fraction(state.gdd_maturity, state.crop_index, crops))


# ----------------------------------------------------------------------------
# Allocation
# ----------------------------------------------------------------------------


class CropAllocation(NamedTuple):
    """Fractions of new growth per tile; ``leaf + froot + grain == 1`` exactly."""

    #: Leaf and live stem (aboveground vegetative growth: the vegetation model's crop leaf pool).
    leaf: np.ndarray
    froot: np.ndarray
    grain: np.ndarray
    #: Part of ``leaf`` that CLM5 puts into the live stem, 0-1 (diagnostic).
    stem_share: np.ndarray


def allocation(phase, gdd_fraction, crop_index, grain_fill_fraction=None,
               crops: tuple[CropParameters, ...] = CROPS) -> CropAllocation:
    """Allocation of new growth to (leaf incl. stem, fine root, grain) per tile (module docstring).

    ``phase``: from :func:`phase`; ``gdd_fraction``: GDD since sowing over
    the GDD to maturity; ``grain_fill_fraction``: fraction at which grain
    fill started (per tile, from :func:`grain_fill_fraction`; the crop's
    ``grain_fill_fraction`` if None), used for the leaf/stem split only.
    Phases 0, 1 and 4 and non-crop tiles get (1, 0, 0).
    """
    valid, p = _lookup(crop_index, crops)
    ph = np.asarray(phase)
    f = np.clip(_f64(gdd_fraction), 0.0, 1.0)
    gf = p["grain_fill_fraction"] if grain_fill_fraction is None else _f64(grain_fill_fraction)
    vegetative = valid & (ph == VEGETATIVE)
    filling = valid & (ph == GRAIN_FILL)
    growing = vegetative | filling

    root = p["froot_alloc_initial"] - (p["froot_alloc_initial"] - p["froot_alloc_final"]) * f
    froot = np.where(growing, root, 0.0)
    # CLM5 leaf share of shoot growth (J. Norman's curve): fleafi at emergence falling to 0 at grain-fill onset.
    b = p["leaf_alloc_decline"]
    h = np.clip(f / np.where(gf > 0.0, gf, 1.0), 0.0, 1.0)
    leaf_of_shoot = p["leaf_alloc_initial"] * (np.exp(-b) - np.exp(-b * h)) / (np.exp(-b) - 1.0)
    shoot_final = p["leaf_alloc_final"] + p["stem_alloc_final"]
    leaf = np.where(vegetative, 1.0 - froot, np.where(filling, shoot_final, 1.0))
    # Rounding cannot make the grain share negative: leaf + froot <= 1 by the parameter checks.
    grain = np.where(filling, np.maximum(1.0 - (leaf + froot), 0.0), 0.0)
    stem_share = np.where(vegetative, 1.0 - leaf_of_shoot,
                          np.where(filling & (shoot_final > 0.0),
                                   p["stem_alloc_final"] / np.where(shoot_final > 0.0, shoot_final, 1.0), 0.0))
    return CropAllocation(leaf=leaf, froot=froot, grain=grain, stem_share=stem_share)


# ----------------------------------------------------------------------------
# State
# ----------------------------------------------------------------------------

#: Restart and history variables of :class:`CropState`: (name, units, description), each float64 (ntile,).
STATE_VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("crop_index", "1", "crop type: 0 c3_crop, 1 c4_crop, 2 legume_crop; -1 not a crop tile"),
    ("sown", "1", "1 while a crop is in the field (sown, not yet harvested), else 0"),
    ("sown_this_year", "1", "1 once the crop has been sown in the current crop year (one season a year)"),
    ("gdd_since_sowing", "K d", "growing degree days above the crop's base since sowing"),
    ("days_since_sowing", "d", "days since sowing"),
    ("gdd_maturity", "K d", "growing degree days from sowing to maturity of the current crop"),
    ("grain_c", "kg m-2", "grain carbon"),
    ("grain_n", "kg m-2", "grain nitrogen"),
    ("gdd_window", "K d", "growing degree days of the current climatological window (Apr-Sep N, Oct-Mar S)"),
    ("gdd_window_open", "1", "1 while the climatological window is being counted"),
    ("gdd_climatology", "K d", "20-year running mean of the window's growing degree days"),
    ("gdd_years", "1", "number of complete windows in the running mean"),
)


@dataclass
class CropState:
    """Crop phenology state of every tile (float64 arrays of shape ``(ntile,)``, see :data:`STATE_VARIABLES`)."""

    crop_index: np.ndarray
    sown: np.ndarray
    sown_this_year: np.ndarray
    gdd_since_sowing: np.ndarray
    days_since_sowing: np.ndarray
    gdd_maturity: np.ndarray
    grain_c: np.ndarray
    grain_n: np.ndarray
    gdd_window: np.ndarray
    gdd_window_open: np.ndarray
    gdd_climatology: np.ndarray
    gdd_years: np.ndarray

    @classmethod
    def zeros(cls, ntile: int, crop_index=-1.0) -> CropState:
        """Every variable 0 except ``crop_index`` (default -1: no crop on any tile)."""
        state = cls(*(np.zeros(ntile) for _ in STATE_VARIABLES))
        state.crop_index = np.broadcast_to(_f64(crop_index), (ntile,)).copy()
        return state

    @classmethod
    def for_pft(cls, pft, gdd_climatology=0.0) -> CropState:
        """A fallow state for tiles of PFT ``pft``, with an initial climatological GDD (K d; counts as one year)."""
        ci = crop_index_from_pft(pft)
        state = cls.zeros(ci.shape[0], ci)
        crop = ci >= 0.0
        state.gdd_climatology = np.where(crop, np.broadcast_to(_f64(gdd_climatology), ci.shape), 0.0)
        state.gdd_years = np.where(crop & (state.gdd_climatology > 0.0), 1.0, 0.0)
        return state

    @property
    def ntile(self) -> int:
        return len(self.crop_index)

    def copy(self) -> CropState:
        return CropState(*(getattr(self, name).copy() for name, _, _ in STATE_VARIABLES))

    def as_dict(self) -> dict[str, np.ndarray]:
        """Every state variable by name, for restart and history."""
        return {name: getattr(self, name) for name, _, _ in STATE_VARIABLES}

    def take_grain(self, mask) -> tuple[np.ndarray, np.ndarray]:
        """Grain C and N (kg m-2) of the tiles in ``mask``, which are emptied; 0 elsewhere."""
        m = np.asarray(mask, dtype=bool)
        c, n = np.where(m, self.grain_c, 0.0), np.where(m, self.grain_n, 0.0)
        self.grain_c = np.where(m, 0.0, self.grain_c)
        self.grain_n = np.where(m, 0.0, self.grain_n)
        return c, n


class CropEvents(NamedTuple):
    """What :func:`step` did on each tile."""

    #: Crop sown in this step (its GDD and day counters start with this step).
    sown: np.ndarray
    #: Sowing was forced on the last day of the window.
    forced: np.ndarray
    #: Crop mature: harvest it in this step (``sown`` is already 0 again).
    harvest: np.ndarray
    #: Phase after the step (:func:`phase`; 4 on harvest).
    phase: np.ndarray
    #: GDD since sowing over GDD to maturity after the step (0 without a crop; the fertiliser schedule input).
    development_fraction: np.ndarray
    #: GDD of the step above the crop's base, K d.
    gdd_increment: np.ndarray


def step(state: CropState, t_air_k, t10_k, day_of_year, latitude_deg, dt_s: float, *, t10_min_k=None,
         crops: tuple[CropParameters, ...] = CROPS) -> CropEvents:
    """Advance the crop phenology of every tile by one step of ``dt_s`` seconds (``state`` updated in place).

    ``t_air_k``: the step's mean air temperature; ``t10_k``: its 10-day
    running mean (``VegState.t_run_k``); ``t10_min_k``: 10-day mean of the
    daily minimum (optional), all K; ``day_of_year``: 1-365 at the step's
    start.  Order: climatological window, crop year, sowing (a crop sown now
    counts this step's warmth), GDD and day counters, phase, harvest.  The
    caller allocates growth with :func:`allocation`, and on ``harvest`` removes
    the crop (:meth:`CropState.take_grain`, :func:`lsm.agriculture.harvest.harvest`).
    """
    if not dt_s > 0.0:
        raise ValueError("dt_s must be positive")
    inc = gdd_increment(t_air_k, dt_s, state.crop_index, crops)
    update_gdd_climatology(state, inc, day_of_year, latitude_deg)

    north = _f64(latitude_deg) > 0.0
    d = np.floor(_f64(day_of_year))
    new_year = np.where(north, d == CROP_YEAR_START_NORTH, d == CROP_YEAR_START_SOUTH) & (state.sown < 0.5)
    state.sown_this_year = np.where(new_year, 0.0, state.sown_this_year)

    busy = (state.sown > 0.5) | (state.sown_this_year > 0.5)
    normal, forced = _sowing(day_of_year, latitude_deg, t10_k, busy, state.crop_index, t10_min_k,
                             state.gdd_climatology, crops)
    sow = normal | forced
    state.gdd_maturity = np.where(sow, gdd_to_maturity(state.gdd_climatology, state.crop_index, forced, crops),
                                  state.gdd_maturity)
    state.sown = np.where(sow, 1.0, state.sown)
    state.sown_this_year = np.where(sow, 1.0, state.sown_this_year)
    state.gdd_since_sowing = np.where(sow, 0.0, state.gdd_since_sowing)
    state.days_since_sowing = np.where(sow, 0.0, state.days_since_sowing)

    live = state.sown > 0.5
    state.gdd_since_sowing = np.where(live, state.gdd_since_sowing + inc, state.gdd_since_sowing)
    state.days_since_sowing = np.where(live, state.days_since_sowing + dt_s / SECONDS_PER_DAY,
                                       state.days_since_sowing)
    ph = crop_phase(state, crops)
    harvest = ph == MATURE
    dev = development_fraction(state.gdd_since_sowing, state.gdd_maturity, state.sown)
    state.sown = np.where(harvest, 0.0, state.sown)
    return CropEvents(sown=sow, forced=forced, harvest=harvest, phase=ph, development_fraction=dev,
                      gdd_increment=inc)
