"""Mineral nitrogen fertiliser and manure on the crop tiles (SCIENCE.md section 4).

Amounts
-------
Every crop type (PFT ``c3_crop``, ``c4_crop``, ``legume_crop``) receives a
mineral N rate per year, from :class:`FertiliserParameters` or from a map
(:func:`read_rate_map`), and manure N in proportion: manure is the share
``manure_n_share`` of all N applied, so ``manure = mineral s / (1 - s)``.
One crop season a year is assumed (no double cropping): the whole annual
rate is the dose of the season that starts at sowing.

The default rates are area-weighted global means, not the recommended rate
of an intensively managed field (~150 kg N ha-1 for intensive maize): each
crop tile stands for all the cropland of its type, fallow and low-input
fields included.  The three major cereals take half of the >100 Tg N yr-1 of
mineral fertiliser, maize 16 %, rice 16 %, wheat 18 % (Ladha et al. 2016,
Sci. Rep. 6, 19355); over harvested areas of ~160 Mha (maize, rice) and
~220 Mha (wheat) that is ~100 kg N ha-1 for maize and rice and ~80 for
wheat.  The C3 tile also holds the less fertilised C3 crops, the C4 tile
sorghum and millet (little N) and sugar cane (much), the legume tile
soybean and pulses (~10-20 kg N ha-1).  Global check of the defaults
(75, 100, 20 kg N ha-1 yr-1; the test suite repeats it)::

    crop area of the packaged surface map (lsm/data/surface_0.5deg.nc):
        c3 9.518, c4 2.802, legume 1.351 = 13.670 million km2
    mineral N = 9.518e12 m2 x 7.5e-3 + 2.802e12 x 1.0e-2 + 1.351e12 x 2.0e-3 kg N m-2
              = 71.4 + 28.0 + 2.7 = 102.1 Tg N yr-1
    the same shares on 15 million km2 of cropland: 112.0 Tg N yr-1
    manure N = mineral x 0.2 / 0.8 = 25.5 (packaged map) or 28.0 Tg N yr-1

against ~110 Tg N yr-1 of synthetic fertiliser in 2010 (Nishina et al. 2017,
Earth Syst. Sci. Data 9, 149) and manure N applied to cropland below one
fifth of the 131 Tg N yr-1 excreted in 2014, i.e. <26 Tg N yr-1 (Zhang et
al. 2017, Earth Syst. Sci. Data 9, 667).  Gridded rates, e.g. the 0.5 degree
fertiliser map of Lu & Tian (2017, Earth Syst. Sci. Data 9, 181), can replace
the defaults through :func:`read_rate_map`.

Forms
-----
Mineral N enters the soil as NH4+ and NO3-: NO3- was 13 % of global
synthetic N fertiliser in 2010, having fallen from 35 % in 1961 as urea took
over (Nishina et al. 2017).  Urea is counted as NH4+ because it hydrolyses
within days.  Manure carries carbon at the whole-manure C:N 14.5 of LPJmL 5
(``manure_cn``; von Bloh et al. 2018, Geosci. Model Dev. 11, 2789); a share
``manure_nh4_fraction`` of its N may be ammoniacal (default 0: all manure N
is organic and enters the litter; LPJmL uses 2/3).  The organic part splits
into metabolic and structural litter like plant litter in
:mod:`lsm.vegetation`: the metabolic share of C is Parton et al.'s (1987,
Soil Sci. Soc. Am. J. 51, 1173) ``0.85 - 0.018 L/N``, with lignin 13 % of
manure dry matter (20.8 % of its C; ``ASTLIG`` = 0.13 of the solid beef,
dairy and swine manure additions in the DayCent ``omad.100`` file of the
U.S. greenhouse-gas inventory set-up) giving 0.765; the structural litter
takes N at C:N 150 (Parton et al. 1987) and the metabolic litter the rest.

Schedule
--------
LPJmL 5's split (von Bloh et al. 2018; ``nfert_split_frac`` = 0.2 and the
``fphu > 0.25`` rule of its fertiliser routine): the basal dose, 20 % of the
season's N, starts at sowing; the top-dressing, the other 80 %, starts when
the crop has accumulated 25 % of the growing degree days it needs to reach
maturity.  Each dose is spread at a constant rate over ``application_days``
(default 1 day, LPJmL's daily step), so the amount applied does not depend
on the model step: a step of length ``dt`` applies ``pending min(dt, t_left)
/ t_left`` of what is pending.  CLM5 instead spreads the whole season's N
over the 20 days after leaf emergence (Lawrence et al. 2018, CLM5 Technical
Note, crop chapter): ``basal_fraction = 1`` and ``application_days = 20``
reproduce that.

Units: kg m-2 and s inside; the namelist edge takes kg N ha-1 yr-1 and days.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, NamedTuple

import numpy as np

from coupler.constants import KG_PER_TG
from coupler.errors import InputDataError
from coupler.ncfile import open_netcdf
from lsm.pfts import NPFT, pft_index
from lsm.vegetation import STRUCTURAL_CN, lignin_to_n, parton_metabolic_fraction

__all__ = [
    "CROP_TYPES",
    "RATE_UNITS",
    "STATE_VARIABLES",
    "FertiliserParameters",
    "FertiliserState",
    "FertiliserApplication",
    "RateMap",
    "RateMapError",
    "mineral_rate_by_pft",
    "tile_mineral_rates",
    "manure_rates",
    "global_n_input_tg_yr",
    "application",
    "split_forms",
    "read_rate_map",
]

#: Crop PFTs that are fertilised, in the order of the per-crop parameters.
CROP_TYPES: tuple[str, ...] = ("c3_crop", "c4_crop", "legume_crop")
#: kg N ha-1 -> kg N m-2.
KG_M2_PER_KG_HA = 1.0e-4
SECONDS_PER_DAY = 86400.0
#: Years per crop season: one season a year, so a season's dose is the annual rate x 1 yr.
YEARS_PER_SEASON = 1.0
#: Units accepted for the rates of a map, and their factor to kg N m-2 yr-1.
RATE_UNITS: dict[str, float] = {
    "kg N ha-1 yr-1": 1.0e-4, "kg ha-1 yr-1": 1.0e-4, "kg N/ha/yr": 1.0e-4, "kg/ha/yr": 1.0e-4,
    "kg N ha-1 a-1": 1.0e-4, "g N m-2 yr-1": 1.0e-3, "gN/m2/yr": 1.0e-3, "kg N m-2 yr-1": 1.0,
}

#: Global mean mineral N rates of (c3_crop, c4_crop, legume_crop), kg N ha-1 yr-1: ~80-100 for the
#: cereals (Ladha et al. 2016 shares of >100 Tg N over FAOSTAT harvested areas), lowered for the low-input
#: crops and fallow of the C3 tile; maize ~100 with sorghum/millet (little N) and sugar cane; soybean and
#: pulses ~10-20.  Global check in the module docstring: 102-112 Tg N yr-1 (~110 in 2010, Nishina et al. 2017).
DEFAULT_MINERAL_N_KG_HA_YR = (75.0, 100.0, 20.0)
#: Manure share of all N applied: <26 Tg N yr-1 of manure (Zhang et al. 2017) next to ~105 of mineral N.
MANURE_N_SHARE = 0.2
#: Share of mineral N applied as nitrate: 13 % in 2010 (Nishina et al. 2017, Earth Syst. Sci. Data 9, 149).
NITRATE_FRACTION = 0.13
#: Whole-manure C:N, g C g-1 N (LPJmL 5 ``manure_cn``; von Bloh et al. 2018).
MANURE_CN = 14.5
#: Lignin fraction of manure C: 13 % of dry matter (DayCent solid manure) x 0.64 g C g-1 lignin / 0.40 g C g-1 DM.
MANURE_LIGNIN_FRACTION_C = 0.13 * 0.64 / 0.40
#: Basal share of the season's N, applied from sowing (LPJmL 5 ``nfert_split_frac``).
BASAL_FRACTION = 0.2
#: Fraction of the growing degree days to maturity that triggers the top-dressing (LPJmL 5: fphu > 0.25).
TOPDRESS_DEVELOPMENT_FRACTION = 0.25


class RateMapError(InputDataError, ValueError):
    """A fertiliser rate map is missing or malformed (an :class:`InputDataError` and a ``ValueError``)."""


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


# ----------------------------------------------------------------------------
# Parameters
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FertiliserParameters:
    """Namelist parameters of fertiliser and manure (sources in the module docstring).

    Per-crop values follow the order of :data:`CROP_TYPES`.  Edge units are
    the namelist's (kg N ha-1 yr-1, days); the properties give SI.
    """

    #: Mineral N applied per year to (c3_crop, c4_crop, legume_crop), kg N ha-1 yr-1.
    mineral_n_rate_kg_ha_yr: tuple[float, ...] = DEFAULT_MINERAL_N_KG_HA_YR
    #: Share of all N applied that is manure, 0 <= s < 1.
    manure_n_share: float = MANURE_N_SHARE
    #: Share of mineral N applied as NO3- (the rest as NH4+, urea included).
    nitrate_fraction: float = NITRATE_FRACTION
    #: Whole-manure C:N, g C g-1 N.
    manure_cn: float = MANURE_CN
    #: Share of manure N that is ammoniacal (to NH4+); the rest is organic and goes to the litter.
    manure_nh4_fraction: float = 0.0
    #: Lignin fraction of manure carbon (sets the metabolic share of its C).
    manure_lignin_fraction_c: float = MANURE_LIGNIN_FRACTION_C
    #: C:N of the structural part of manure, g C g-1 N (structural litter of Parton et al. 1987).
    manure_structural_cn: float = STRUCTURAL_CN
    #: Share of the season's N applied from sowing; the rest is the top-dressing.
    basal_fraction: float = BASAL_FRACTION
    #: Fraction of the growing degree days to maturity at which the top-dressing starts.
    topdress_development_fraction: float = TOPDRESS_DEVELOPMENT_FRACTION
    #: Days over which each dose is spread at a constant rate.
    application_days: float = 1.0

    def __post_init__(self):
        rates = tuple(float(r) for r in self.mineral_n_rate_kg_ha_yr)
        if len(rates) != len(CROP_TYPES):
            raise ValueError(f"mineral_n_rate_kg_ha_yr needs {len(CROP_TYPES)} values ({', '.join(CROP_TYPES)}), "
                             f"got {len(rates)}")
        if not all(np.isfinite(rates)) or min(rates) < 0.0:
            raise ValueError("mineral_n_rate_kg_ha_yr must be finite and >= 0")
        object.__setattr__(self, "mineral_n_rate_kg_ha_yr", rates)
        for name in ("nitrate_fraction", "manure_nh4_fraction", "basal_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]")
        if not 0.0 <= self.manure_n_share < 1.0:
            raise ValueError("manure_n_share must be in [0, 1)")
        if not 0.0 <= self.manure_lignin_fraction_c < 1.0:
            raise ValueError("manure_lignin_fraction_c must be in [0, 1)")
        if not (self.manure_cn > 0.0 and self.manure_structural_cn > 0.0):
            raise ValueError("manure_cn and manure_structural_cn must be positive")
        if not self.topdress_development_fraction >= 0.0:
            raise ValueError("topdress_development_fraction must be >= 0")
        if not 0.0 < self.application_days <= 366.0:
            raise ValueError("application_days must be in (0, 366]")

    @property
    def mineral_n_rate_kg_m2_yr(self) -> dict[str, float]:
        """Mineral N rate of each crop type, kg N m-2 yr-1."""
        return {c: r * KG_M2_PER_KG_HA for c, r in zip(CROP_TYPES, self.mineral_n_rate_kg_ha_yr)}

    @property
    def application_s(self) -> float:
        """Spreading time of one dose, s."""
        return self.application_days * SECONDS_PER_DAY

    @property
    def manure_metabolic_fraction(self) -> float:
        """Metabolic share of manure C: ``0.85 - 0.018 L/N`` (Parton et al. 1987) at the manure's lignin and C:N."""
        f_lig = self.manure_lignin_fraction_c
        return float(parton_metabolic_fraction(lignin_to_n(f_lig, self.manure_cn), f_lig))


def mineral_rate_by_pft(params: FertiliserParameters = FertiliserParameters()) -> np.ndarray:
    """Mineral N rate of every PFT, kg N m-2 yr-1, shape (NPFT,); 0 for PFTs that are not fertilised."""
    rate = np.zeros(NPFT)
    for crop, r in params.mineral_n_rate_kg_m2_yr.items():
        rate[pft_index(crop)] = r
    return rate


def tile_mineral_rates(tile_pft, params: FertiliserParameters = FertiliserParameters()) -> np.ndarray:
    """Default mineral N rate of each tile from its PFT, kg N m-2 yr-1, shape (ntile,)."""
    return mineral_rate_by_pft(params)[np.asarray(tile_pft)]


def manure_rates(mineral_kg_m2_yr, params: FertiliserParameters = FertiliserParameters()) -> np.ndarray:
    """Manure N rate that makes manure the share ``manure_n_share`` of all N, kg N m-2 yr-1."""
    s = params.manure_n_share
    return _f64(mineral_kg_m2_yr) * (s / (1.0 - s))


def global_n_input_tg_yr(crop_area_m2: Mapping[str, float],
                         params: FertiliserParameters = FertiliserParameters()) -> tuple[float, float]:
    """Global (mineral, manure) N input, Tg N yr-1, of the default rates over the crop areas (m2 per crop type)."""
    unknown = set(crop_area_m2) - set(CROP_TYPES)
    if unknown:
        raise KeyError(f"unknown crop types {sorted(unknown)}; valid: {', '.join(CROP_TYPES)}")
    rates = params.mineral_n_rate_kg_m2_yr
    mineral = sum(area * rates[crop] for crop, area in crop_area_m2.items()) / KG_PER_TG
    return mineral, float(manure_rates(mineral, params))


# ----------------------------------------------------------------------------
# State and application
# ----------------------------------------------------------------------------

#: Restart variables of :class:`FertiliserState`: (name, units, description), each of shape (ntile,).
STATE_VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("held_mineral_n", "kg m-2", "mineral N of the season's top-dressing, waiting for its development stage"),
    ("held_manure_n", "kg m-2", "manure N of the season's top-dressing, waiting for its development stage"),
    ("pending_mineral_n", "kg m-2", "mineral N of the dose being spread, not yet applied"),
    ("pending_manure_n", "kg m-2", "manure N of the dose being spread, not yet applied"),
    ("seconds_left", "s", "time left to spread the pending dose"),
)


@dataclass
class FertiliserState:
    """Fertiliser still to come on each tile; every field (ntile,), see :data:`STATE_VARIABLES`."""

    held_mineral_n: np.ndarray
    held_manure_n: np.ndarray
    pending_mineral_n: np.ndarray
    pending_manure_n: np.ndarray
    seconds_left: np.ndarray

    @classmethod
    def zeros(cls, ntile: int) -> "FertiliserState":
        return cls(*(np.zeros(ntile) for _ in STATE_VARIABLES))

    @property
    def ntile(self) -> int:
        return len(self.seconds_left)

    def copy(self) -> "FertiliserState":
        return FertiliserState(*(getattr(self, name).copy() for name, _, _ in STATE_VARIABLES))

    def scheduled_n(self) -> np.ndarray:
        """N (mineral + manure) held or pending, kg m-2: what the season will still apply."""
        return self.held_mineral_n + self.held_manure_n + self.pending_mineral_n + self.pending_manure_n


class FertiliserApplication(NamedTuple):
    """What one step adds to the soil of each tile, kg m-2 over the step (not rates); each (ntile,)."""

    nh4_n: np.ndarray
    no3_n: np.ndarray
    manure_met_c: np.ndarray
    manure_met_n: np.ndarray
    manure_str_c: np.ndarray
    manure_str_n: np.ndarray
    #: Mineral and manure N applied this step (``nh4_n`` holds the ammoniacal manure N too).
    mineral_n: np.ndarray
    manure_n: np.ndarray

    @property
    def total_n(self) -> np.ndarray:
        return self.mineral_n + self.manure_n

    @property
    def manure_c(self) -> np.ndarray:
        return self.manure_met_c + self.manure_str_c


def _tile_array(name, x, n) -> np.ndarray:
    a = np.broadcast_to(_f64(x), (n,))
    if not np.all(np.isfinite(a)) or np.any(a < 0.0):
        raise ValueError(f"{name} must be finite and >= 0")
    return a


def application(state: FertiliserState, sown, development_fraction, mineral_n_kg_m2_yr, manure_n_kg_m2_yr,
                dt_s: float, params: FertiliserParameters = FertiliserParameters()) -> FertiliserApplication:
    """Fertiliser and manure added to each tile over one step of ``dt_s`` seconds.

    ``sown`` (bool, ntile): the crop was sown at the start of this step, which
    starts the season's dose of ``mineral_n_kg_m2_yr`` and ``manure_n_kg_m2_yr``
    (kg N m-2 yr-1, one season a year); ``development_fraction`` (ntile): the
    current crop's growing degree days over those it needs to mature (0 at
    sowing), which releases the top-dressing at
    ``params.topdress_development_fraction``.  A top-dressing never applied
    (crop harvested before the stage) is dropped at the next sowing.

    ``state`` is updated in place (its arrays are replaced).  Returns
    :class:`FertiliserApplication` in kg m-2 over the step.
    """
    n = state.ntile
    if not dt_s > 0.0:
        raise ValueError("dt_s must be positive")
    sown = np.broadcast_to(np.asarray(sown, dtype=bool), (n,))
    dev = _tile_array("development_fraction", development_fraction, n)
    season_mineral = _tile_array("mineral_n_kg_m2_yr", mineral_n_kg_m2_yr, n) * YEARS_PER_SEASON
    season_manure = _tile_array("manure_n_kg_m2_yr", manure_n_kg_m2_yr, n) * YEARS_PER_SEASON
    window = params.application_s
    fb = params.basal_fraction

    # Sowing opens a season: its basal dose joins whatever is still being spread, the rest waits.
    basal_mineral, basal_manure = season_mineral * fb, season_manure * fb
    held_mineral = np.where(sown, season_mineral - basal_mineral, state.held_mineral_n)
    held_manure = np.where(sown, season_manure - basal_manure, state.held_manure_n)
    pending_mineral = state.pending_mineral_n + np.where(sown, basal_mineral, 0.0)
    pending_manure = state.pending_manure_n + np.where(sown, basal_manure, 0.0)
    seconds = np.where(sown, window, state.seconds_left)

    # The top-dressing restarts the clock for all that is pending, so nothing is lost if doses overlap.
    due = (dev >= params.topdress_development_fraction) & ((held_mineral > 0.0) | (held_manure > 0.0))
    pending_mineral = pending_mineral + np.where(due, held_mineral, 0.0)
    pending_manure = pending_manure + np.where(due, held_manure, 0.0)
    held_mineral = np.where(due, 0.0, held_mineral)
    held_manure = np.where(due, 0.0, held_manure)
    seconds = np.where(due, window, seconds)

    # Constant rate over the window; the last step of a dose takes exactly what is left.
    finishing = seconds <= dt_s
    share = np.where(finishing, 1.0, dt_s / np.where(finishing, 1.0, seconds))
    mineral = np.where(finishing, pending_mineral, pending_mineral * share)
    manure = np.where(finishing, pending_manure, pending_manure * share)

    state.held_mineral_n, state.held_manure_n = held_mineral, held_manure
    state.pending_mineral_n = np.where(finishing, 0.0, pending_mineral - mineral)
    state.pending_manure_n = np.where(finishing, 0.0, pending_manure - manure)
    state.seconds_left = np.maximum(seconds - dt_s, 0.0)
    return split_forms(mineral, manure, params)


def split_forms(mineral_n, manure_n, params: FertiliserParameters = FertiliserParameters()) -> FertiliserApplication:
    """Split applied mineral and manure N (kg m-2) into NH4+, NO3- and manure litter C and N."""
    mineral, manure = _f64(mineral_n), _f64(manure_n)
    no3 = mineral * params.nitrate_fraction
    manure_nh4 = manure * params.manure_nh4_fraction
    organic_n = manure - manure_nh4
    manure_c = manure * params.manure_cn          # whole-manure C:N, ammoniacal N included (as LPJmL)
    str_c = manure_c * (1.0 - params.manure_metabolic_fraction)
    str_n = np.minimum(str_c / params.manure_structural_cn, organic_n)
    return FertiliserApplication(
        nh4_n=(mineral - no3) + manure_nh4, no3_n=no3,
        manure_met_c=manure_c - str_c, manure_met_n=organic_n - str_n,
        manure_str_c=str_c, manure_str_n=str_n,
        mineral_n=mineral, manure_n=manure,
    )



# ----------------------------------------------------------------------------
# Rate maps
# ----------------------------------------------------------------------------


class RateMap(NamedTuple):
    """Mineral N rates of a map on its own grid.

    ``lat`` (nlat,) increasing, degrees north; ``lon`` (nlon,) increasing in
    [0, 360), degrees east; ``rate_kg_m2_yr`` (ncrop, nlat, nlon) in the
    order of :data:`CROP_TYPES`, kg N m-2 yr-1, NaN where the file has no
    value (_FillValue).
    """

    path: Path
    lat: np.ndarray
    lon: np.ndarray
    rate_kg_m2_yr: np.ndarray

    def tile_rates(self, lat_deg, lon_deg, tile_pft, fallback_kg_m2_yr=None) -> np.ndarray:
        """Mineral N rate of each tile from the nearest map cell, kg N m-2 yr-1, shape (ntile,).

        Tiles that are not a crop type get 0; tiles whose cell has no value
        get ``fallback_kg_m2_yr`` (e.g. :func:`tile_mineral_rates`), 0 if None.
        """
        pft = np.asarray(tile_pft)
        lat_t = np.broadcast_to(_f64(lat_deg), pft.shape)
        lon_t = np.broadcast_to(_f64(lon_deg), pft.shape) % 360.0
        i = _nearest(self.lat, lat_t)
        # nearest longitude on the circle: candidates either side of the insertion point, wrapping around
        nlon = len(self.lon)
        right = np.searchsorted(self.lon, lon_t) % nlon
        left = (right - 1) % nlon
        d_right = np.abs((self.lon[right] - lon_t + 180.0) % 360.0 - 180.0)
        d_left = np.abs((self.lon[left] - lon_t + 180.0) % 360.0 - 180.0)
        j = np.where(d_left <= d_right, left, right)
        rate = np.zeros(pft.shape)
        for k, crop in enumerate(CROP_TYPES):
            here = pft == pft_index(crop)
            rate = np.where(here, self.rate_kg_m2_yr[k, i, j], rate)
        fallback = np.zeros(pft.shape) if fallback_kg_m2_yr is None else np.broadcast_to(_f64(fallback_kg_m2_yr),
                                                                                             pft.shape)
        return np.where(np.isnan(rate), fallback, rate)


def _nearest(coord: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the nearest value of the increasing ``coord`` to each ``x`` (the lower one on a tie)."""
    if len(coord) == 1:
        return np.zeros(x.shape, dtype=int)
    hi = np.clip(np.searchsorted(coord, x), 1, len(coord) - 1)
    lo = hi - 1
    return np.where(x - coord[lo] <= coord[hi] - x, lo, hi)


def _coordinate(nc, path: Path, name: str, what: str) -> np.ndarray:
    if name not in nc.variables:
        raise RateMapError(f"{path}: coordinate variable {name!r} is missing (a fertiliser rate map needs "
                           f"'lat', 'lon' and one variable per crop type)")
    var = nc.variables[name]
    if var.ndim != 1:
        raise RateMapError(f"{path}: coordinate {name!r} must be 1-D, has shape {var.shape}")
    values = np.ma.filled(var[:].astype(np.float64), np.nan)
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise RateMapError(f"{path}: coordinate {name!r} is empty or has missing or non-finite values")
    d = np.diff(values)
    if not (np.all(d > 0) or np.all(d < 0)):
        raise RateMapError(f"{path}: coordinate {name!r} must be strictly increasing or decreasing ({what})")
    return values


def read_rate_map(path: str | Path, variables: Mapping[str, str] | None = None) -> RateMap:
    """Read a map of mineral N rates per crop type; errors (:class:`RateMapError`) name the file and the problem.

    The netCDF file holds 1-D ``lat`` (degrees north) and ``lon`` (degrees
    east, -180..180 or 0..360, any order) and, for each crop type of
    :data:`CROP_TYPES`, a ``(lat, lon)`` variable named after it (or as
    ``variables`` maps crop type to name) with a ``units`` attribute from
    :data:`RATE_UNITS` (e.g. ``"kg N ha-1 yr-1"``).  Values must be finite and
    >= 0; _FillValue cells mean "no data" (NaN in the map).
    """
    path = Path(path)
    names = {crop: crop for crop in CROP_TYPES}
    if variables is not None:
        unknown = set(variables) - set(CROP_TYPES)
        if unknown:
            raise KeyError(f"unknown crop types {sorted(unknown)}; valid: {', '.join(CROP_TYPES)}")
        names.update(variables)
    with open_netcdf(path, "fertiliser rate map", RateMapError) as nc:
        lat = _coordinate(nc, path, "lat", "degrees north")
        lon = _coordinate(nc, path, "lon", "degrees east")
        if np.any(np.abs(lat) > 90.0):
            raise RateMapError(f"{path}: latitudes must lie in [-90, 90], found {lat.min()} to {lat.max()}")
        rates = np.empty((len(CROP_TYPES), len(lat), len(lon)))
        for k, crop in enumerate(CROP_TYPES):
            name = names[crop]
            if name not in nc.variables:
                raise RateMapError(f"{path}: variable {name!r} (mineral N rate of {crop}) is missing")
            var = nc.variables[name]
            if var.shape != (len(lat), len(lon)):
                raise RateMapError(f"{path}: variable {name!r} has shape {var.shape}, expected (lat, lon) = "
                                   f"{(len(lat), len(lon))}")
            units = getattr(var, "units", None)
            units = None if units is None else str(units)
            if units is None or units.strip() not in RATE_UNITS:
                found = "no units attribute" if units is None else f"units {units!r}"
                raise RateMapError(f"{path}: variable {name!r} has {found}; expected one of "
                                   f"{', '.join(repr(u) for u in RATE_UNITS)}")
            data = var[:]
            values = np.ma.filled(np.ma.asarray(data).astype(np.float64), np.nan)
            present = ~np.ma.getmaskarray(data)
            bad = present & ~np.isfinite(values)
            if np.any(bad):
                raise RateMapError(f"{path}: variable {name!r} has {int(bad.sum())} NaN or infinite values that are "
                                   f"not its _FillValue")
            if np.any(values[present] < 0.0):
                raise RateMapError(f"{path}: variable {name!r} has {int((values[present] < 0).sum())} negative "
                                   f"values (minimum {values[present].min()})")
            rates[k] = values * RATE_UNITS[units.strip()]
    # Put the map on increasing latitude and longitude in [0, 360) for the nearest-cell lookup.
    lon360 = lon % 360.0
    if len(np.unique(lon360)) != len(lon360):
        raise RateMapError(f"{path}: longitudes repeat once taken modulo 360")
    i, j = np.argsort(lat), np.argsort(lon360)
    return RateMap(path, lat[i], lon360[j], rates[:, i][:, :, j])
