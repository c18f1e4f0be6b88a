"""Observed annual-mean climate of each atmosphere cell, and zonal climatologies.

Land: the University of Delaware 0.5 degree air temperature and precipitation
climatology (Willmott & Matsuura; as summarised for Jian et al. 2022, Nat.
Commun. 13, 1733), packaged by ``tools/make_climatology.py`` into
``atmos_stub/data/climatology_0.5deg.nc``.  On a model grid each cell gets
the area-weighted mean over the observed 0.5 degree cells inside it, with
weights from exact overlap areas on the sphere (:class:`coupler.remap.Remapper`):

    data_fraction = sum_k A_k h_k / A,    X = sum_k A_k h_k X_k / sum_k A_k h_k,

where ``A_k`` is the overlap of 0.5 degree cell ``k`` with the model cell of
area ``A`` and ``h_k`` is 1 where the 0.5 degree cell has data.  So X is the
climate of the cell's observed land, which is what the land component needs;
``data_fraction`` tells callers how much of the cell that is.

Continentality: Conrad's index ``K`` (Conrad 1946, Trans. AGU 27, 663; 0 for
oceanic climates, 100 at Verkhoyansk), which sets the seasonal range of the
weather (:func:`atmos_stub.weather.seasonal_cycle`), grows with the distance
``d`` that the prevailing wind has travelled over land since it left the
sea (Driscoll & Yee Fong 1992, Int. J. Climatol. 12, 185):
``K = K_max (1 - exp(-d / L))``, with ``d`` measured along the latitude
circle from the west poleward of 30 degrees (westerlies) and from the east
equatorward (trade winds) on the 0.5 degree data mask (cells without data
are sea).  Towards the equator, where the seasons of insolation fade, the
index falls, so it is scaled by ``|lat| / 30 deg`` there.  ``K_max = 90``
and ``L = 2000 km`` are fitted by eye to the index of approximate long-term
January and July means: Paris 17, Moscow 32, Winnipeg 61, Yakutsk 90,
Manaus ~0, Niamey 29, Alice Springs 38 (this module gives 12, 37, 56, 85,
7, 36, 42).  The fit is empirical: interiors south of 55 N come out more
continental than observed (Kansas City 64 against 49, Beijing 88 against
52).  A single index for all land (40) gave Yakutsk a July of 5 degC and a
January of -25 where it has about 19 and -39 (now 17.6 and -37.5), and
the larch of the Siberian interior died in the spin-up.
A model cell gets ``sum_k A_k h_k K_k / A``: its sea counts as oceanic.

Cells with no land data (open ocean, ice shelves) get zonal climatologies:

- near-surface air temperature: the two-mode Legendre fit of the observed
  annual zonal-mean surface temperature used in diffusive energy-balance
  models, ``T = T0 + T2 P2(sin lat)``, ``T0 = 14.97 degC``, ``T2 = -28.0 degC``
  (North 1975, J. Atmos. Sci. 32, 2033; North, Cahalan & Coakley 1981, Rev.
  Geophys. 19, 91): 29 degC at the equator, -13 degC at the poles;
- precipitation: a smooth zonal profile with the features of the GPCP
  zonal-mean ocean precipitation (ITCZ near 7 N with a weaker southern
  branch, subtropical minima near 20-30 degrees, storm-track maxima near
  45 degrees, dry polar oceans; Adler et al. 2003, J. Hydrometeor. 4, 1147)
  scaled so that its area mean over the sphere is the GPCP V2.3 mean ocean
  precipitation, 2.89 mm/day (Adler et al. 2018, Atmosphere 9, 138, table 3).

:func:`sst_climatology_K` is the "QOBS" zonal sea surface temperature of the
Aqua-Planet Experiment (Neale & Hoskins 2000, Atmos. Sci. Lett. 1, 101),
chosen by its authors to resemble the observed zonal-mean SST.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from coupler.errors import InputDataError
from coupler.grid import LatLonGrid
from coupler.ncfile import open_netcdf
from coupler.remap import Remapper

__all__ = [
    "DEFAULT_PATH",
    "SECONDS_PER_CLIMATOLOGY_YEAR",
    "Climatology",
    "load_climatology",
    "sst_climatology_K",
    "zonal_air_temperature_K",
    "zonal_ocean_precipitation_kg_m2_s",
]

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "climatology_0.5deg.nc"

ZERO_CELSIUS_K = 273.15
#: Freezing point of seawater of salinity ~35 g/kg at the surface, degC (UNESCO 1978 / TEOS-10: -1.9 to -1.8).
SEAWATER_FREEZING_C = -1.8

#: Seconds in the year that converts MAP (mm/yr) to a rate.  The model's default
#: calendar is ``noleap``, so a 365-day year makes one model year of the
#: generator's mean rate exactly MAP (a Gregorian year gets 0.07 % more).
SECONDS_PER_CLIMATOLOGY_YEAR = 365 * 86400

# North et al. (1981) two-mode fit, degC.
_T0_C = 14.97
_T2_C = -28.0

# Aqua-Planet Experiment QOBS: maximum SST (degC) and the latitude (degrees) poleward of which it is 0 degC.
_QOBS_MAX_C = 27.0
_QOBS_EDGE_DEG = 60.0

#: GPCP V2.3 global-mean ocean precipitation, mm/day (Adler et al. 2018, table 3).
GPCP_OCEAN_MEAN_MM_DAY = 2.89

_EXPECTED_SHAPE = (360, 720)

#: Conrad's continentality index far inland, and the distance over land in which the air approaches it, km
#: (fitted to station normals, module docstring).
CONTINENTALITY_MAX = 90.0
CONTINENTALITY_DISTANCE_KM = 2000.0
#: Latitude below which the prevailing surface wind blows from the east (trade winds), degrees.
TRADE_WIND_LATITUDE_DEG = 30.0
EARTH_RADIUS_KM = 6371.0


class Climatology(NamedTuple):
    """Per-cell annual-mean climate on a model grid (flat arrays of length ``grid.ncells``)."""

    #: Mean annual near-surface air temperature, K.
    mat_K: np.ndarray
    #: Mean precipitation rate, kg m-2 s-1 (MAP in mm/yr divided by a 365-day year).
    map_kg_m2_s: np.ndarray
    #: Fraction (0-1) of the cell's area covered by observed land data.
    data_fraction: np.ndarray
    #: Conrad's continentality index of the cell (0 over the sea; module docstring).
    continentality: np.ndarray


def zonal_air_temperature_K(lat_deg) -> np.ndarray:
    """Annual zonal-mean near-surface air temperature, K: ``T0 + T2 P2(sin lat)`` (North et al. 1981)."""
    x = np.sin(np.deg2rad(np.asarray(lat_deg, dtype=np.float64)))
    p2 = 0.5 * (3.0 * x * x - 1.0)
    return ZERO_CELSIUS_K + _T0_C + _T2_C * p2


def _ocean_precip_shape(lat_deg: np.ndarray) -> np.ndarray:
    """Unnormalised zonal ocean precipitation shape (see module docstring); dimensionless."""
    p = lat_deg
    background = 0.3 + 0.5 * np.sqrt(np.cos(np.deg2rad(p)).clip(0.0))
    itcz_north = 3.5 * np.exp(-((p - 7.0) / 6.0) ** 2)
    itcz_south = 1.0 * np.exp(-((p + 7.0) / 7.0) ** 2)
    tropics = 1.5 * np.exp(-(p / 22.0) ** 2)
    storm_tracks = 2.2 * np.exp(-((np.abs(p) - 45.0) / 14.0) ** 2)
    return background + itcz_north + itcz_south + tropics + storm_tracks


def _ocean_precip_scale() -> float:
    # Midpoint rule in sin(lat) over 18000 bands: the area mean of the shape to ~1e-9.
    s_edges = np.sin(np.deg2rad(np.linspace(-90.0, 90.0, 18001)))
    lat_mid = np.linspace(-90.0, 90.0, 18001)
    lat_mid = 0.5 * (lat_mid[:-1] + lat_mid[1:])
    mean = np.sum(_ocean_precip_shape(lat_mid) * np.diff(s_edges)) / 2.0
    return GPCP_OCEAN_MEAN_MM_DAY / mean


_OCEAN_PRECIP_SCALE = _ocean_precip_scale()


def zonal_ocean_precipitation_kg_m2_s(lat_deg) -> np.ndarray:
    """Annual zonal-mean ocean precipitation, kg m-2 s-1 (GPCP-shaped, global mean 2.89 mm/day)."""
    lat = np.asarray(lat_deg, dtype=np.float64)
    return _ocean_precip_shape(lat) * _OCEAN_PRECIP_SCALE / 86400.0


def sst_climatology_K(lat_deg, dT_K=0.0) -> np.ndarray:
    """Zonal sea surface temperature, K: Aqua-Planet "QOBS" plus an anomaly, never below -1.8 degC.

    ``SST = 27 degC * (1 - (sin^2(3 lat/2) + sin^4(3 lat/2)) / 2)`` for
    ``|lat| < 60``, 0 degC poleward (Neale & Hoskins 2000).  ``dT_K`` (scalar
    or per latitude) is added before clamping at the freezing point of
    seawater, so a cooling cannot make liquid water colder than -1.8 degC.
    """
    lat = np.asarray(lat_deg, dtype=np.float64)
    s = np.sin(np.deg2rad(1.5 * lat)) ** 2
    sst_c = np.where(np.abs(lat) < _QOBS_EDGE_DEG, _QOBS_MAX_C * (1.0 - 0.5 * (s + s * s)), 0.0)
    return np.maximum(sst_c + dT_K, SEAWATER_FREEZING_C) + ZERO_CELSIUS_K


def _read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(mat_K, map_mm_yr)`` on the 0.5 degree grid, flat, NaN where there is no data."""
    ds = open_netcdf(path, "climatology file (built by tools/make_climatology.py)", InputDataError)
    try:
        with ds:
            out = []
            for name, units in (("mat", "K"), ("map", "mm yr-1")):
                if name not in ds.variables:
                    raise InputDataError(f"{path}: variable {name!r} is missing")
                var = ds.variables[name]
                if var.shape != _EXPECTED_SHAPE:
                    raise InputDataError(
                        f"{path}: variable {name!r} has shape {var.shape}, expected {_EXPECTED_SHAPE} (0.5 degree grid)")
                if getattr(var, "units", None) != units:
                    raise InputDataError(
                        f"{path}: variable {name!r} has units {getattr(var, 'units', None)!r}, expected {units!r}")
                var.set_auto_maskandscale(True)
                data = np.ma.filled(np.ma.asarray(var[:]).astype(np.float64), np.nan)
                out.append(data.reshape(-1))
            for name, first, step in (("lat", -89.75, 0.5), ("lon", 0.25, 0.5)):
                if name not in ds.variables:
                    raise InputDataError(f"{path}: coordinate {name!r} is missing")
                c = np.asarray(ds.variables[name][:], dtype=np.float64)
                n = _EXPECTED_SHAPE[0] if name == "lat" else _EXPECTED_SHAPE[1]
                if c.shape != (n,) or np.max(np.abs(c - (first + step * np.arange(n)))) > 1e-6:
                    raise InputDataError(f"{path}: coordinate {name!r} is not the 0.5 degree grid starting at {first}")
    except InputDataError:
        raise
    except (OSError, RuntimeError, ValueError) as exc:
        raise InputDataError(f"{path}: corrupt climatology file ({exc})") from None
    mat, pr = out
    has = np.isfinite(mat)
    if not np.array_equal(has, np.isfinite(pr)):
        raise InputDataError(f"{path}: 'mat' and 'map' have data in different cells")
    if np.any(mat[has] < 150.0) or np.any(mat[has] > 350.0):
        raise InputDataError(f"{path}: 'mat' has values outside 150-350 K")
    if np.any(pr[has] < 0.0):
        raise InputDataError(f"{path}: 'map' has negative values")
    return mat, pr


def upwind_land_distance_km(land, lat_deg) -> np.ndarray:
    """Distance, km, the prevailing wind has crossed land to reach each cell of a regular lat-lon mask.

    ``land`` is a boolean ``(nlat, nlon)`` array whose columns are equally
    spaced longitudes eastward around the whole circle; ``lat_deg`` the
    latitude of each row.  The wind blows from the west poleward of
    :data:`TRADE_WIND_LATITUDE_DEG` and from the east equatorward of it; the
    distance runs along the latitude circle from the upwind edge of the
    nearest sea cell to the cell's centre (``n - 1/2`` cells for the
    ``n``-th land cell from the coast, 0 at sea), and a circle of land all
    round gets its whole length.
    """
    land = np.asarray(land, dtype=bool)
    lat = np.asarray(lat_deg, dtype=np.float64).reshape(-1)
    nlat, nlon = land.shape
    # the trade-wind rows are read backwards, so that upwind is always to the left
    easterly = np.abs(lat) < TRADE_WIND_LATITUDE_DEG
    oriented = np.where(easterly[:, None], land[:, ::-1], land)
    twice = np.concatenate([oriented, oriented], axis=1)  # the circle, twice: upwind of the first cells
    index = np.arange(2 * nlon)
    last_sea = np.maximum.accumulate(np.where(twice, -1, index[None, :]), axis=1)[:, nlon:]
    cells = np.where(last_sea < 0, nlon, index[None, nlon:] - last_sea - 0.5)
    cells = np.where(oriented, cells, 0.0)
    cells = np.where(easterly[:, None], cells[:, ::-1], cells)
    cell_km = EARTH_RADIUS_KM * np.deg2rad(360.0 / nlon) * np.cos(np.deg2rad(lat))
    return cells * cell_km[:, None]


def continentality_index(distance_km, lat_deg) -> np.ndarray:
    """Conrad's continentality index after ``distance_km`` of land upwind at ``lat_deg`` (module docstring)."""
    d = np.asarray(distance_km, dtype=np.float64)
    tropics = np.minimum(np.abs(np.asarray(lat_deg, dtype=np.float64)) / TRADE_WIND_LATITUDE_DEG, 1.0)
    return CONTINENTALITY_MAX * -np.expm1(-d / CONTINENTALITY_DISTANCE_KM) * tropics


def load_climatology(grid: LatLonGrid, path=None) -> Climatology:
    """Annual-mean climate of every cell of ``grid`` (see module docstring).

    Parameters
    ----------
    grid : LatLonGrid
        The atmosphere grid.  Any lat-lon grid works (overlaps are exact);
        grids with a spacing that is a multiple of 0.5 degree average whole
        0.5 degree cells.
    path : path-like, optional
        The packaged climatology file (default :data:`DEFAULT_PATH`).

    Raises
    ------
    InputDataError
        The file is missing, unreadable, lacks ``mat``/``map`` or holds bad values; the message names it.
    """
    path = Path(DEFAULT_PATH if path is None else path)
    mat, pr = _read(path)
    has = np.isfinite(mat)
    src = LatLonGrid.regular(0.5)
    remap = Remapper(src, grid)
    covered = remap.map(has.astype(np.float64))
    k_src = continentality_index(upwind_land_distance_km(has.reshape(_EXPECTED_SHAPE), src.lat),
                                src.lat[:, None]).reshape(-1)
    num = remap.map(np.vstack([np.where(has, mat, 0.0), np.where(has, pr, 0.0), np.where(has, k_src, 0.0)]))
    observed = covered > 0.0
    lat = np.repeat(grid.lat, grid.nlon)
    mat_K = zonal_air_temperature_K(lat)
    map_rate = zonal_ocean_precipitation_kg_m2_s(lat)
    den = np.where(observed, covered, 1.0)
    mat_K = np.where(observed, num[0] / den, mat_K)
    map_rate = np.where(observed, num[1] / den / SECONDS_PER_CLIMATOLOGY_YEAR, map_rate)
    # Weights of a cell sum to 1 only to rounding: a fully observed cell may read 1 + 1e-16.
    return Climatology(mat_K, map_rate, np.clip(covered, 0.0, 1.0), num[2])
