"""Build the land surface file ``lsm/data/surface_0.5deg.nc`` from ``../shared/data/land/``.

Usage: python tools/make_surface_data.py [LAND_DIR] [OUT]

Run once; the package reads only the file written here (``lsm.surface``
aggregates it to the model grid at run time).  Inputs (data README of
``../shared/data``):

- ``fractional_land_0.5deg.nc``: land fraction of every 0.5 degree cell from
  the NCAR TBASE 5-minute elevation data (Mitchell 2000, JISAO).  It is
  stored as int16 with scale 1e-4, latitudes from 89.75 N down to 89.75 S,
  longitudes 0.25..359.75 E.  Each value is the share of the 6 x 6 = 36
  five-minute pixels of the cell that are land, written with four decimals
  and truncated (1/36 is stored as 0.0277); the values are snapped back to
  k/36 (the check that every value is within 1e-4 of one is part of the
  conversion), then flipped to latitudes ascending from the south.
- ``igbp_0.5deg.txt``: the MODIS IGBP class of each 0.5 degree cell
  (``IGBP2001Pr``, 2001; Jian et al. 2022).  Longitudes -180..180 are
  wrapped to 0..360.
- the University of Delaware climatology, already packaged by
  ``tools/make_climatology.py`` and read through
  :func:`atmos_stub.climatology.load_climatology` (not duplicated here).

Land cover where ``IGBP2001Pr`` has none
----------------------------------------
``IGBP2001Pr`` is 0 (water) for every cell north of about 57 N and for a
few Antarctic and coastal cells: 25.9 million km2 of land, 17 % of the
total, including the whole boreal zone of Siberia, Scandinavia and Canada.
The file's other column, ``RASTERVALU`` (the data README says to ignore
it), is the same MODIS IGBP product sampled at the cell centre: where both
columns have a land class they agree in 82 % of cells, and it has classes
for almost all of the missing high-latitude land.  So the cover of a land
cell (land fraction > 0) is, in order:

1. ``IGBP2001Pr`` if it is a land class (1-16);
2. otherwise ``RASTERVALU`` if that is a land class;
3. otherwise, if the cell is all land in the land-fraction data, both
   columns say water and the nearest cell classified by 1 or 2 is not snow
   and ice: an inland lake or reservoir (the TBASE mask is built from
   elevation, so lakes above sea level count as land: the Laurentian Great
   Lakes, Victoria, Tanganyika, Winnipeg, Vaenern, Baikal, ...).  The model
   has no lake tile; these cells get class 0 and bare ground, which at least
   gives them no terrestrial vegetation and no crops;
4. otherwise the class of the nearest cell (great-circle distance between
   centres) classified by 1 or 2: coastal cells whose majority class is
   water, islands without a record, and the margins of the Antarctic ice
   sheet that the product leaves unclassified.

``landcover_source`` in the output records which rule was used.

From IGBP classes to PFT fractions
----------------------------------
Each class is first split into generic covers (tree, shrub, grass, crop,
bare) from the cover ranges of the IGBP class definitions (Loveland &
Belward 1997, Int. J. Remote Sens. 18, 3289; Friedl et al. 2010, Remote
Sens. Environ. 114, 168), taking the middle of each range and giving the
rest to herbaceous cover or bare ground, in the manner of the land-cover
to PFT cross-walk of Poulter et al. (2015, Geosci. Model Dev. 8, 2315):

===========================  ====  =====  ==========  ====  ======
class                        tree  shrub       grass  crop    bare
===========================  ====  =====  ==========  ====  ======
1-5 forests (>60 % trees)    0.80   0.05        0.15     -       -
6 closed shrublands             -   0.80        0.15     -    0.05
7 open shrublands (10-60 %)     -   0.35  0.65 (1-A)     -  0.65 A
8 woody savannas (30-60 %)   0.45   0.10        0.45     -       -
9 savannas (10-30 %)         0.20   0.10        0.70     -       -
10 grasslands                   -   0.05        0.90     -    0.05
11 permanent wetlands           -      -        1.00     -       -
12 croplands (>60 % crops)      -      -        0.20  0.80       -
13 urban and built-up           -      -        0.40     -    0.60
14 cropland/natural mosaic   0.20   0.05        0.25  0.50       -
15 snow and ice                 -      -           -     -    1.00
16 barren (<10 % vegetated)     -      -        0.05     -    0.95
0 inland water (see above)      -      -           -     -    1.00
===========================  ====  =====  ==========  ====  ======

``A`` is the Holdridge aridity of :func:`lsm.soil_texture.texture_from_climate`
(open shrublands are bare between shrubs in deserts, herb- and moss-covered
in the tundra).  Urban land is 60 % sealed (bare) and 40 % lawns and parks;
wetland vegetation is herbaceous (sedges, reeds, grasses).

The generic covers are then split by climate.  The coldest- and
warmest-month mean temperatures are ``Tc, Tw = MAT -/+ R/2`` with the annual
range ``R`` of monthly means from Conrad's (1946) continentality index, the
same relation and land index (K = 40) the weather generator uses
(:mod:`atmos_stub.weather`): ``R = (K + 14) sin(|lat| + 10 deg) / 1.7``.
With a sinusoidal annual cycle of amplitude R/2 the share of the year
warmer than ``x`` is ``arccos(clip((x - MAT)/(R/2), -1, 1))/pi``.  Climate
zones: tropical where ``Tc >= 15.5 degC`` (the coldest-month limit of
tropical trees and of C4 grasses in LPJ, Sitch et al. 2003, Glob. Change
Biol. 9, 161, after Prentice et al. 1992); boreal (with arctic and alpine)
where fewer than four months are warmer than 10 degC (Koeppen's limit of
the subarctic Dfc/Dwc and tundra ET climates, Koeppen 1936); temperate
between.

- trees: class 1 -> needleleaf evergreen; 3 -> needleleaf deciduous; 2 ->
  broadleaf evergreen tropical (tropical zone) or temperate; 4 -> broadleaf
  deciduous tropical (raingreen) or temperate (cold-deciduous); 5 (mixed,
  neither leaf type above 60 %) -> half needleleaf evergreen and half
  broadleaf deciduous temperate (tropical zone: half broadleaf evergreen,
  half raingreen); the trees of savannas and mosaics -> raingreen in the
  tropics, needleleaf evergreen in the boreal zone, half needleleaf
  evergreen and half broadleaf deciduous in the temperate zone.
- shrubs: boreal/arctic shrub in the boreal zone, the other shrub elsewhere.
- grasses: C4 share after Still et al. (2003, Global Biogeochem. Cycles 17,
  1006), who took the C4 share of open herbaceous cover as the share of
  growing-season months warmer than 22 degC (the C3/C4 crossover
  temperature of Collatz et al. 1998, Oecologia 114, 441): the share of the
  year above 22 degC divided by that above 5 degC (the growing season).
  Monthly precipitation, which Still et al. also used, is not available.
  The herbaceous layer of forests (classes 1-5) is C3: C4 grasses do not
  tolerate the shade of a closed canopy, and Still et al. also counted
  forest cover as C3.
- crops: fixed shares of C3 crops, C4 crops (maize, sorghum, millet, sugar
  cane) and legumes (soybean) per zone, from the zonal make-up of FAOSTAT
  harvested areas of the 2010s (about 1.25 billion ha in all: maize ~190
  Mha, sorghum ~40, millet ~30, sugar cane ~26, soybean ~120, wheat ~215,
  rice ~160): tropical 0.65 / 0.27 / 0.08 (maize, sorghum and millet of
  Africa, India and Brazil, sugar cane; rice-dominated Asia; Brazilian and
  Indian soybean); temperate 0.68 / 0.20 / 0.12 (US, Chinese, European and
  Argentine maize, US, Argentine and Chinese soybean, wheat and barley
  elsewhere); boreal 0.92 / 0.06 / 0.02 (spring cereals, silage maize,
  peas).  Globally this gives C4 crops ~21 % and legumes ~10 % of the crop
  area, as in FAOSTAT.

Soil texture: :func:`lsm.soil_texture.texture_from_climate` with the
cell's MAT, MAP and needleleaf evergreen cover.

Output (zlib level 9 with shuffle): ``landfrac`` (0-1), ``pft_fraction``
(fractions of the land area, 0 in cells without land), ``sand`` and
``clay`` (mass fractions, _FillValue where there is no land),
``igbp_class`` and ``landcover_source`` (provenance), ``pft_name``.
"""

from __future__ import annotations


import sys
from pathlib import Path

import netCDF4
import numpy as np
from scipy.spatial import cKDTree

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from atmos_stub.climatology import SECONDS_PER_CLIMATOLOGY_YEAR, load_climatology  # noqa: E402
from atmos_stub.weather import WeatherParameters  # noqa: E402
from coupler.grid import LatLonGrid  # noqa: E402
from lsm.pfts import NPFT, PFT_NAMES, PFTS, pft_index  # noqa: E402
from lsm.soil_texture import HOLDRIDGE_PET_MM_PER_DEGC, texture_from_climate  # noqa: E402
from tools.netcdf_grid import write_lat_lon  # noqa: E402

DEFAULT_LAND_DIR = REPO.parent / "shared" / "data" / "land"
DEFAULT_OUT = REPO / "lsm" / "data" / "surface_0.5deg.nc"
LAND_FRACTION_FILE = "fractional_land_0.5deg.nc"
IGBP_FILE = "igbp_0.5deg.txt"

NLAT, NLON, DEG = 360, 720, 0.5
NCELL = NLAT * NLON
ZERO_CELSIUS_K = 273.15
#: 5-minute pixels per 0.5 degree cell in the TBASE land fraction.
PIXELS_PER_CELL = 36
FILL_F4 = np.float32(-1.0e30)
FILL_I1 = np.int8(-1)

IGBP_NAMES = (
    "water", "evergreen_needleleaf_forest", "evergreen_broadleaf_forest", "deciduous_needleleaf_forest",
    "deciduous_broadleaf_forest", "mixed_forest", "closed_shrublands", "open_shrublands", "woody_savannas",
    "savannas", "grasslands", "permanent_wetlands", "croplands", "urban_and_built_up",
    "cropland_natural_vegetation_mosaic", "snow_and_ice", "barren",
)
LAND_CLASSES = range(1, 17)
SOURCE_NAMES = ("no_land", "IGBP2001Pr", "RASTERVALU", "inland_water", "nearest_classified_cell")
INLAND_WATER, NEAREST = 3, 4
SNOW_ICE = 15

# Generic covers per IGBP class (module docstring): tree, shrub, grass, crop, bare.
# Open shrublands (7) hold 0.65 of herbs-or-bare, split by aridity below.
TREE, SHRUB, GRASS, CROP, BARE = range(5)
_COVER = np.zeros((17, 5))
_COVER[0] = (0.0, 0.0, 0.0, 0.0, 1.0)
_COVER[1:6] = (0.80, 0.05, 0.15, 0.0, 0.0)
_COVER[6] = (0.0, 0.80, 0.15, 0.0, 0.05)
_COVER[7] = (0.0, 0.35, 0.65, 0.0, 0.0)
_COVER[8] = (0.45, 0.10, 0.45, 0.0, 0.0)
_COVER[9] = (0.20, 0.10, 0.70, 0.0, 0.0)
_COVER[10] = (0.0, 0.05, 0.90, 0.0, 0.05)
_COVER[11] = (0.0, 0.0, 1.0, 0.0, 0.0)
_COVER[12] = (0.0, 0.0, 0.20, 0.80, 0.0)
_COVER[13] = (0.0, 0.0, 0.40, 0.0, 0.60)
_COVER[14] = (0.20, 0.05, 0.25, 0.50, 0.0)
_COVER[15] = (0.0, 0.0, 0.0, 0.0, 1.0)
_COVER[16] = (0.0, 0.0, 0.05, 0.0, 0.95)
OPEN_SHRUBLAND = 7

TROPICAL, TEMPERATE, BOREAL = range(3)
#: Coldest-month mean temperature above which the climate is tropical, degC (module docstring).
TROPICAL_TC_MIN_C = 15.5
#: Boreal: fewer than BOREAL_WARM_MONTHS months warmer than BOREAL_WARM_MONTH_C (Koeppen 1936).
BOREAL_WARM_MONTH_C = 10.0
BOREAL_WARM_MONTHS = 4
FOREST_CLASSES = (1, 2, 3, 4, 5)
#: Still et al. (2003): C4-favourable months warmer than 22 degC; growing season above 5 degC.
C4_CROSSOVER_C = 22.0
GROWING_SEASON_C = 5.0


def _tree_split() -> np.ndarray:
    """Tree PFT shares, (17 classes, 3 zones, NPFT)."""
    ne, nd = pft_index("needleleaf_evergreen_tree"), pft_index("needleleaf_deciduous_tree")
    bet, bett = pft_index("broadleaf_evergreen_tropical_tree"), pft_index("broadleaf_evergreen_temperate_tree")
    bdt, bdtr = pft_index("broadleaf_deciduous_temperate_tree"), pft_index("broadleaf_deciduous_tropical_tree")
    split = np.zeros((17, 3, NPFT))
    split[1, :, ne] = 1.0
    split[2, TROPICAL, bet] = 1.0
    split[2, TEMPERATE:, bett] = 1.0
    split[3, :, nd] = 1.0
    split[4, TROPICAL, bdtr] = 1.0
    split[4, TEMPERATE:, bdt] = 1.0
    split[5, TROPICAL, [bet, bdtr]] = 0.5
    split[5, TEMPERATE:, [ne, bdt]] = 0.5
    for c in (8, 9, 14):
        split[c, TROPICAL, bdtr] = 1.0
        split[c, TEMPERATE, [ne, bdt]] = 0.5
        split[c, BOREAL, ne] = 1.0
    return split


#: Crop PFT shares per zone (tropical, temperate, boreal): C3, C4, legume (module docstring).
CROP_SHARES = np.array([
    (0.65, 0.27, 0.08),
    (0.68, 0.20, 0.12),
    (0.92, 0.06, 0.02),
])


def read_land_fraction(path: Path) -> np.ndarray:
    """Land fraction (0-1), flat on the model's 0.5 degree grid (lat ascending, lon 0..360)."""
    with netCDF4.Dataset(path) as ds:
        lat = np.asarray(ds["lat"][:], dtype=np.float64)
        lon = np.asarray(ds["lon"][:], dtype=np.float64)
        var = ds["data"]
        var.set_auto_maskandscale(False)
        raw = np.asarray(var[:], dtype=np.int64)
        scale = float(getattr(var, "scale_factor", 1.0))
        missing = getattr(var, "missing_value", None)
    if raw.shape != (1, NLAT, NLON):
        raise SystemExit(f"{path}: 'data' has shape {raw.shape}, expected (1, {NLAT}, {NLON})")
    if missing is not None and np.any(raw == missing):
        raise SystemExit(f"{path}: 'data' has missing values")
    centres_lat = -89.75 + DEG * np.arange(NLAT)
    centres_lon = 0.25 + DEG * np.arange(NLON)
    if np.max(np.abs(lat[::-1] - centres_lat)) > 1e-4 or np.max(np.abs(lon - centres_lon)) > 1e-4:
        raise SystemExit(f"{path}: expected lat 89.75..-89.75 and lon 0.25..359.75 (0.5 degree centres)")
    frac = raw[0, ::-1, :].astype(np.float64) * scale
    if frac.min() < 0.0 or frac.max() > 1.0:
        raise SystemExit(f"{path}: land fraction outside [0, 1]")
    k = np.rint(frac * PIXELS_PER_CELL)
    if np.max(np.abs(frac - k / PIXELS_PER_CELL)) > 1e-4 + 1e-12:
        raise SystemExit(f"{path}: values are not k/36 to four decimals; refusing to snap them")
    return (k / PIXELS_PER_CELL).reshape(-1)


def read_igbp(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(primary, raster)`` IGBP classes per flat 0.5 degree cell, -1 where the file has no row."""
    with open(path) as fh:
        header = [h.strip().strip('"') for h in fh.readline().strip().split(",")]
    want = ["FID_", "SiteID", "Latitude", "Longitude", "IGBP2001Pr", "RASTERVALU"]
    if header != want:
        raise SystemExit(f"{path}: expected columns {want}, found {header}")
    data = np.genfromtxt(path, delimiter=",", skip_header=1, usecols=(2, 3, 4, 5), dtype=np.float64)
    if data.ndim != 2 or not np.all(np.isfinite(data)):
        raise SystemExit(f"{path}: non-numeric or missing values in Latitude, Longitude, IGBP2001Pr, RASTERVALU")
    lat, lon, primary, raster = data.T
    fj = (lat + 90.0) / DEG - 0.5
    fi = np.mod(lon, 360.0) / DEG - 0.5
    j, i = np.rint(fj).astype(np.int64), np.rint(fi).astype(np.int64)
    if np.max(np.abs(fj - j)) > 1e-6 or np.max(np.abs(fi - i)) > 1e-6:
        raise SystemExit(f"{path}: some coordinates are not 0.5 degree cell centres")
    flat = j * NLON + i
    if np.unique(flat).size != flat.size:
        raise SystemExit(f"{path}: duplicate cells")
    for name, cls in (("IGBP2001Pr", primary), ("RASTERVALU", raster)):
        if np.any((cls < 0) | (cls > 17) | (cls != np.rint(cls))):
            raise SystemExit(f"{path}: {name} has values outside the IGBP classes 0-17")
    out_p = np.full(NCELL, -1, dtype=np.int64)
    out_r = np.full(NCELL, -1, dtype=np.int64)
    # Class 17 is water in products that do not use 0 for it.
    out_p[flat] = np.where(primary == 17, 0, primary).astype(np.int64)
    out_r[flat] = np.where(raster == 17, 0, raster).astype(np.int64)
    return out_p, out_r


def assign_classes(land: np.ndarray, primary: np.ndarray, raster: np.ndarray, grid: LatLonGrid):
    """IGBP class and its source (index into :data:`SOURCE_NAMES`) of every land cell (-1 elsewhere)."""
    is_land = land > 0.0
    cls = np.full(NCELL, -1, dtype=np.int64)
    src = np.zeros(NCELL, dtype=np.int64)
    ok_p = is_land & (primary >= 1)
    cls[ok_p], src[ok_p] = primary[ok_p], 1
    ok_r = is_land & ~ok_p & (raster >= 1)
    cls[ok_r], src[ok_r] = raster[ok_r], 2
    todo = np.flatnonzero(is_land & (cls < 0))
    known = np.flatnonzero(cls >= 0)
    if todo.size:
        # Chord distance is monotonic in great-circle distance.
        _, nearest = cKDTree(grid.cell_centres_xyz(known)).query(grid.cell_centres_xyz(todo))
        near_cls = cls[known[nearest]]
        lake = (land[todo] == 1.0) & (primary[todo] == 0) & (raster[todo] == 0) & (near_cls != SNOW_ICE)
        cls[todo] = np.where(lake, 0, near_cls)
        src[todo] = np.where(lake, INLAND_WATER, NEAREST)
    return cls, src


def seasonal_extremes_C(mat_C: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coldest- and warmest-month mean temperatures, degC, from MAT and Conrad's continentality."""
    k_land = WeatherParameters().continentality_land
    monthly_range = (k_land + 14.0) * np.sin(np.deg2rad(np.abs(lat_deg) + 10.0)) / 1.7
    return mat_C - 0.5 * monthly_range, mat_C + 0.5 * monthly_range


def _share_of_year_above(x_C, mat_C, half_range):
    return np.arccos(np.clip((x_C - mat_C) / half_range, -1.0, 1.0)) / np.pi


def climate_zone(mat_C: np.ndarray, tc_C: np.ndarray, tw_C: np.ndarray) -> np.ndarray:
    """TROPICAL, TEMPERATE or BOREAL per cell (module docstring)."""
    warm_months = 12.0 * _share_of_year_above(BOREAL_WARM_MONTH_C, mat_C, 0.5 * (tw_C - tc_C))
    return np.where(tc_C >= TROPICAL_TC_MIN_C, TROPICAL,
                    np.where(warm_months < BOREAL_WARM_MONTHS, BOREAL, TEMPERATE))


def c4_grass_share(mat_C: np.ndarray, tc_C: np.ndarray, tw_C: np.ndarray) -> np.ndarray:
    """C4 share of grass cover (Still et al. 2003 rule on a sinusoidal annual cycle)."""
    half = 0.5 * (tw_C - tc_C)
    warm = _share_of_year_above(C4_CROSSOVER_C, mat_C, half)
    season = _share_of_year_above(GROWING_SEASON_C, mat_C, half)
    return np.divide(warm, season, out=np.zeros_like(warm), where=season > 0.0)


def holdridge_aridity(mat_C: np.ndarray, map_mm: np.ndarray) -> np.ndarray:
    """``clip(1 - MAP/PET, 0, 1)`` with Holdridge PET (as in :mod:`lsm.soil_texture`)."""
    pet = HOLDRIDGE_PET_MM_PER_DEGC * np.clip(mat_C, 0.0, 30.0)
    ratio = np.divide(map_mm, pet, out=np.full_like(pet, np.inf), where=pet > 0.0)
    return np.clip(1.0 - ratio, 0.0, 1.0)


def pft_fractions(cls, mat_C, map_mm, lat_deg):
    """PFT fractions of the land area, (NPFT, NCELL); zero columns where ``cls < 0``."""
    tc, tw = seasonal_extremes_C(mat_C, lat_deg)
    zone = climate_zone(mat_C, tc, tw)
    has = cls >= 0
    c = np.where(has, cls, 0)
    cover = _COVER[c] * has[:, None]
    aridity = holdridge_aridity(mat_C, map_mm)
    open_shrub = c == OPEN_SHRUBLAND
    herbs_or_bare = cover[:, GRASS].copy()
    cover[:, GRASS] = np.where(open_shrub, herbs_or_bare * (1.0 - aridity), cover[:, GRASS])
    cover[:, BARE] = np.where(open_shrub, herbs_or_bare * aridity, cover[:, BARE])

    frac = np.zeros((NPFT, NCELL))
    frac[pft_index("bare")] = cover[:, BARE]
    frac += (_tree_split()[c, zone] * cover[:, TREE:TREE + 1]).T
    boreal = zone == BOREAL
    frac[pft_index("shrub_boreal")] = np.where(boreal, cover[:, SHRUB], 0.0)
    frac[pft_index("shrub")] = np.where(boreal, 0.0, cover[:, SHRUB])
    c4 = np.where(np.isin(c, FOREST_CLASSES), 0.0, c4_grass_share(mat_C, tc, tw))
    frac[pft_index("c4_grass")] = cover[:, GRASS] * c4
    frac[pft_index("c3_grass")] = cover[:, GRASS] * (1.0 - c4)
    shares = CROP_SHARES[zone]
    for k, name in enumerate(("c3_crop", "c4_crop", "legume_crop")):
        frac[pft_index(name)] = cover[:, CROP] * shares[:, k]
    return frac


def write(out: Path, land, frac, sand, clay, cls, src, land_dir: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".nc.tmp")
    lat_edges = np.linspace(-90.0, 90.0, NLAT + 1)
    lon_edges = np.linspace(0.0, 360.0, NLON + 1)
    is_land = land > 0.0
    opts = {"zlib": True, "complevel": 9, "shuffle": True}
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        ds.title = "lsmc land surface data: land fraction, plant functional types and soil texture, 0.5 degree"
        ds.Conventions = "CF-1.8"
        ds.source = ("land fraction: NCAR TBASE 5-minute elevation data (Mitchell 2000, JISAO); "
                     "land cover: MODIS IGBP 2001 (IGBP2001Pr, gaps from RASTERVALU) as used by Jian et al. 2022; "
                     "climate for the PFT and texture rules: University of Delaware (Willmott & Matsuura)")
        ds.references = (
            "Jian et al. (2022) Nat. Commun. 13, 1733; Friedl et al. (2010) Remote Sens. Environ. 114, 168; "
            "Loveland & Belward (1997) Int. J. Remote Sens. 18, 3289; Poulter et al. (2015) GMD 8, 2315; "
            "Still et al. (2003) GBC 17, 1006; Sitch et al. (2003) GCB 9, 161; Conrad (1946) Trans. AGU 27, 663; "
            "Holdridge (1967) Life Zone Ecology; Hengl et al. (2017) PLoS ONE 12, e0169748; "
            "Soudzilovskaia et al. (2019) Nat. Commun. 10, 5077")
        ds.history = (f"created by tools/make_surface_data.py from {LAND_FRACTION_FILE} and {IGBP_FILE} "
                      f"(../shared/data/{land_dir.name})")
        ds.comment = ("PFT fractions are fractions of the cell's land area; rules in the docstrings of "
                      "tools/make_surface_data.py, lsm/pfts.py and lsm/soil_texture.py")
        write_lat_lon(ds, lat_edges, lon_edges)
        ds.createDimension("pft", NPFT)
        v = ds.createVariable("pft", "i4", ("pft",))
        v[:] = np.arange(NPFT)
        v.long_name = "plant functional type index (see pft_name and lsm/pfts.py)"
        v = ds.createVariable("pft_name", str, ("pft",))
        for k, name in enumerate(PFT_NAMES):
            v[k] = name
        v.long_name = "plant functional type name"

        v = ds.createVariable("landfrac", "f8", ("lat", "lon"), **opts)
        v.units = "1"
        v.standard_name = "land_area_fraction"
        v.long_name = "land fraction of the cell (k/36 of its 5-minute pixels)"
        v[:] = land.reshape(NLAT, NLON)
        v = ds.createVariable("pft_fraction", "f4", ("pft", "lat", "lon"), **opts)
        v.units = "1"
        v.long_name = "fraction of the cell's land area covered by each plant functional type"
        v.comment = "sums to 1 over pft in every cell with landfrac > 0; 0 elsewhere"
        v[:] = frac.reshape(NPFT, NLAT, NLON).astype(np.float32)
        for name, values, long_name in (("sand", sand, "sand mass fraction of the mineral topsoil"),
                                        ("clay", clay, "clay mass fraction of the mineral topsoil")):
            v = ds.createVariable(name, "f4", ("lat", "lon"), fill_value=FILL_F4, **opts)
            v.units = "1"
            v.long_name = long_name
            v.comment = "silt = 1 - sand - clay; rule of lsm/soil_texture.py (texture_from_climate)"
            v[:] = np.ma.masked_array(values.reshape(NLAT, NLON).astype(np.float32), ~is_land.reshape(NLAT, NLON))
        v = ds.createVariable("igbp_class", "i1", ("lat", "lon"), fill_value=FILL_I1, **opts)
        v.long_name = "IGBP land cover class used for the cell's land"
        v.flag_values = np.arange(17, dtype=np.int8)
        v.flag_meanings = " ".join(IGBP_NAMES)
        v[:] = np.ma.masked_array(cls.reshape(NLAT, NLON).astype(np.int8), ~is_land.reshape(NLAT, NLON))
        v = ds.createVariable("landcover_source", "i1", ("lat", "lon"), **opts)
        v.long_name = "where the cell's IGBP class comes from"
        v.flag_values = np.arange(len(SOURCE_NAMES), dtype=np.int8)
        v.flag_meanings = " ".join(SOURCE_NAMES)
        v[:] = src.reshape(NLAT, NLON).astype(np.int8)
    tmp.replace(out)


def main(argv: list[str]) -> int:
    land_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_LAND_DIR
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    grid = LatLonGrid.regular(DEG)
    land = read_land_fraction(land_dir / LAND_FRACTION_FILE)
    primary, raster = read_igbp(land_dir / IGBP_FILE)
    cls, src = assign_classes(land, primary, raster, grid)

    clim = load_climatology(grid)
    mat_C = clim.mat_K - ZERO_CELSIUS_K
    map_mm = clim.map_kg_m2_s * SECONDS_PER_CLIMATOLOGY_YEAR
    lat = np.repeat(grid.lat, grid.nlon)
    frac = pft_fractions(cls, mat_C, map_mm, lat)
    sand, clay = texture_from_climate(mat_C, map_mm, frac[pft_index("needleleaf_evergreen_tree")])

    is_land = land > 0.0
    total = frac.sum(axis=0)
    if np.max(np.abs(total[is_land] - 1.0)) > 1e-12 or np.any(frac[:, ~is_land] != 0.0):
        raise SystemExit("internal error: PFT fractions do not sum to 1 on land")
    write(out, land, frac, sand, clay, cls, src, land_dir)

    area = grid.area_flat * land
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    print(f"land area {area.sum() / 1e12:.2f} million km2 in {is_land.sum()} cells; class source:",
          ", ".join(f"{SOURCE_NAMES[s]} {area[src == s].sum() / 1e12:.2f}" for s in range(1, len(SOURCE_NAMES))))
    for k, p in enumerate(PFTS):
        print(f"  {p.name:36s} {np.sum(area * frac[k]) / 1e12:7.2f} million km2")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
