"""Surface data of the land component on the model grid: land fraction, PFTs, soil texture, climate.

The packaged file ``lsm/data/surface_0.5deg.nc`` (built once by
``tools/make_surface_data.py``; sources and rules in its docstring and in
``lsm/data/README.md``) holds, on the global 0.5 degree grid of
:meth:`coupler.grid.LatLonGrid.regular` (latitudes from -90, longitudes 0-360
east):

- ``landfrac(lat, lon)``: land fraction of the cell, 0-1;
- ``pft_fraction(pft, lat, lon)``: fraction of the cell's LAND area covered by
  each plant functional type of :data:`lsm.pfts.PFTS`, summing to 1 over
  ``pft`` wherever ``landfrac > 0``;
- ``pft_name(pft)``: the PFT names, which must be those of :mod:`lsm.pfts` in
  the same order;
- ``sand(lat, lon)``, ``clay(lat, lon)``: mass fractions of the mineral
  topsoil (silt is the rest), needed wherever ``landfrac > 0``.

:func:`load_surface` aggregates it to any lat-lon grid whose cell edges lie
on multiples of 0.5 degree, so every model cell is a union of whole 0.5
degree cells, with exact overlap areas (:class:`coupler.remap.Remapper`):

    land_fraction = sum_k a_k f_k / A,
    X = sum_k a_k f_k X_k / sum_k a_k f_k        (PFT fractions, sand, clay)

for the 0.5 degree cells ``k`` of areas ``a_k`` and land fractions ``f_k``
inside a model cell of area ``A``.  Land area and the area of every PFT are
therefore conserved exactly (to rounding) at any resolution.

User files
----------
A user may replace the packaged file (namelist ``surface_file``) with a file
holding the same variables (``lat``, ``lon``, ``landfrac``,
``pft_fraction``, ``pft_name``, ``sand``, ``clay``) either on the global 0.5
degree grid (aggregated as above) or directly on the model grid (used as
is).  Latitudes may run north to south and longitudes may be -180..180 or
in any order: the file is reordered to the model's layout.

A soil texture map (namelist ``texture_file``) overrides the texture: it
holds ``sand`` and ``clay`` (units ``1`` or none for fractions, ``%`` or
``percent``, ``g kg-1`` or ``g/kg`` as SoilGrids gives them) on the 0.5
degree grid or the model grid; cells where it has no value (_FillValue or
NaN) keep the surface file's texture.  On the 0.5 degree grid it replaces
the texture before aggregation; on the model grid after.

Every bad input raises :class:`coupler.errors.InputDataError` naming the
file and the problem: missing file or variable, wrong shape or grid, PFT
names that are not the model's, surface fractions in units other than ``1``
(or none), land fraction outside [0, 1], PFT fractions
outside [0, 1] or not summing to 1 (tolerance :data:`FRACTION_TOLERANCE`) in a
land cell, texture missing on land, outside [0, 1] or with sand + clay > 1.

Climate: ``mat_K``, ``map_kg_m2_s``, ``climate_data_fraction`` and ``climate_continentality`` come from
:func:`atmos_stub.climatology.load_climatology` (the observed UDel
climatology the weather generator uses), not from the surface file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import netCDF4
import numpy as np

from atmos_stub.climatology import load_climatology
from coupler.config import Setting
from coupler.errors import InputDataError
from coupler.grid import LatLonGrid
from coupler.ncfile import open_netcdf
from coupler.remap import Remapper
from lsm.pfts import CROP_PFTS, NPFT, PFT_NAMES, pft_index, trait

__all__ = [
    "DEFAULT_PATH",
    "FRACTION_TOLERANCE",
    "SOURCE_RESOLUTION_DEG",
    "SURFACE_SETTINGS",
    "SurfaceData",
    "load_surface",
]

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "surface_0.5deg.nc"
#: Resolution of the packaged file; model cell edges must lie on multiples of it, degrees.
SOURCE_RESOLUTION_DEG = 0.5
#: Allowed departure of fractions from [0, 1] and of PFT sums from 1 (float32 files round at ~1e-7).
FRACTION_TOLERANCE = 1e-6
_COORD_TOLERANCE_DEG = 1e-6

#: Namelist keys of the land group that this module reads (the land component lists them).
SURFACE_SETTINGS = (
    Setting("surface_file", str, "", description=(
        "surface data file (landfrac, pft_fraction, pft_name, sand, clay) on the 0.5 degree grid or "
        "the model grid; empty for the packaged lsm/data/surface_0.5deg.nc")),
    Setting("texture_file", str, "", description=(
        "optional soil texture map (sand, clay) on the 0.5 degree grid or the model grid that "
        "overrides the surface file's texture where it has values; empty for none")),
)

_TEXTURE_UNITS = {None: 1.0, "": 1.0, "1": 1.0, "fraction": 1.0, "%": 0.01, "percent": 0.01,
                  "g kg-1": 0.001, "g/kg": 0.001}


@dataclass(frozen=True)
class SurfaceData:
    """Surface data on a model grid; every array is flat over ``grid.ncells`` (index ``j * nlon + i``).

    Fields that describe the land (PFTs, texture, mycorrhizae, crops) refer
    to the cell's land area; texture is NaN and PFT fractions are 0 in cells
    without land.
    """

    grid: LatLonGrid
    #: Land fraction of each cell, 0-1.
    land_fraction: np.ndarray
    #: (NPFT, ncells) fractions of the land area; sum to 1 over PFTs in every land cell.
    pft_fraction: np.ndarray
    #: Sand, clay and silt mass fractions of the mineral topsoil (sum 1); NaN without land.
    sand: np.ndarray
    clay: np.ndarray
    silt: np.ndarray
    #: Mean annual air temperature, K (observed land climatology).
    mat_K: np.ndarray
    #: Mean precipitation rate, kg m-2 s-1.
    map_kg_m2_s: np.ndarray
    #: Fraction of the cell covered by observed climate data, 0-1.
    climate_data_fraction: np.ndarray
    #: Conrad's continentality index of the cell (the weather generator's seasonal range).
    climate_continentality: np.ndarray
    #: Share of the vegetated land area associated with ECM fungi (PFT fractions weighted by
    #: :attr:`lsm.pfts.PFT.ecm_fraction`, bare ground excluded); 0 where nothing grows.
    mycorrhizal_ecm_fraction: np.ndarray
    #: Fraction of the land area under crops (sum of the crop PFTs).
    crop_fraction: np.ndarray
    #: PFT names in the order of ``pft_fraction``.
    pft_names: tuple[str, ...]
    #: Files read.
    path: Path
    texture_file: Path | None = None

    @property
    def land_cells(self) -> np.ndarray:
        """Flat indices of the cells with land."""
        return np.flatnonzero(self.land_fraction > 0.0)

    @property
    def land_area_m2(self) -> np.ndarray:
        """Land area of each cell, m2."""
        return self.grid.area_flat * self.land_fraction


# ----------------------------------------------------------------------------- reading helpers
def _check_model_grid(grid: LatLonGrid) -> None:
    for name, edges in (("latitude", grid.lat_edges), ("longitude", grid.lon_edges)):
        steps = edges / SOURCE_RESOLUTION_DEG
        if np.max(np.abs(steps - np.rint(steps))) > 1e-9:
            raise ValueError(
                f"surface data need model cell {name} edges on multiples of {SOURCE_RESOLUTION_DEG} degree "
                f"(the resolution of the surface file); got {grid!r}")


def _order(file_coord: np.ndarray, centres: np.ndarray, period: float | None):
    """Permutation ``p`` with ``file_coord[p] == centres`` (modulo ``period``), or None if no such one."""
    if file_coord.shape != centres.shape or not np.all(np.isfinite(file_coord)):
        return None
    c = np.mod(file_coord, period) if period else file_coord
    t = np.mod(centres, period) if period else centres
    from_file, from_grid = np.argsort(c, kind="stable"), np.argsort(t, kind="stable")
    if np.max(np.abs(c[from_file] - t[from_grid])) > _COORD_TOLERANCE_DEG:
        return None
    order = np.empty_like(from_file)
    order[from_grid] = from_file
    return order


class _GriddedFile:
    """An open netCDF input whose ``lat``/``lon`` are the 0.5 degree grid or the model grid."""

    def __init__(self, path: Path, what: str, model_grid: LatLonGrid, source_grid: LatLonGrid):
        self.path = path
        self.ds = open_netcdf(path, what, InputDataError)
        try:
            for name in ("lat", "lon"):
                self.require(name)
            lat = self._coord("lat")
            lon = self._coord("lon")
            for grid in (source_grid, model_grid):
                lat_order = _order(lat, grid.lat, None)
                lon_order = _order(lon, grid.lon, 360.0)
                if lat_order is not None and lon_order is not None:
                    self.grid, self.lat_order, self.lon_order = grid, lat_order, lon_order
                    break
            else:
                raise InputDataError(
                    f"{path}: lat ({lat.size}) / lon ({lon.size}) are neither the global "
                    f"{SOURCE_RESOLUTION_DEG} degree grid ({source_grid.nlat} x {source_grid.nlon} cell centres) "
                    f"nor the model grid ({model_grid.nlat} x {model_grid.nlon} cell centres)")
        except BaseException:
            self.ds.close()
            raise

    def close(self):
        self.ds.close()

    def require(self, name: str):
        if name not in self.ds.variables:
            raise InputDataError(f"{self.path}: variable {name!r} is missing")
        return self.ds.variables[name]

    def _coord(self, name: str) -> np.ndarray:
        var = self.ds.variables[name]
        if var.ndim != 1:
            raise InputDataError(f"{self.path}: coordinate {name!r} must be 1-D, has shape {var.shape}")
        return self.numbers(name, var)

    def numbers(self, name: str, var) -> np.ndarray:
        """All of ``var`` as float64, NaN where missing; a damaged or non-numeric variable names the file."""
        var.set_auto_maskandscale(True)
        try:
            raw = var[:]
        except (OSError, RuntimeError, ValueError, TypeError) as exc:
            raise InputDataError(f"{self.path}: variable {name!r} cannot be read ({exc})") from None
        try:
            return np.ma.filled(np.ma.asarray(raw, dtype=np.float64), np.nan)
        except (ValueError, TypeError):
            raise InputDataError(f"{self.path}: variable {name!r} is not numeric") from None

    def field(self, name: str, leading: tuple[int, ...] = (), scale: float = 1.0) -> np.ndarray:
        """Variable ``name`` as float64 (leading..., ncells) on ``self.grid``'s flat layout, NaN where missing."""
        var = self.require(name)
        want = leading + (self.lat_order.size, self.lon_order.size)
        if var.shape != want:
            raise InputDataError(f"{self.path}: variable {name!r} has shape {var.shape}, expected {want}")
        data = self.numbers(name, var) * scale
        data = data[..., self.lat_order, :][..., self.lon_order]
        return data.reshape(leading + (-1,))

    def where(self, flat_index: int) -> str:
        j, i = divmod(int(flat_index), self.grid.nlon)
        return f"lat {self.grid.lat[j]:g}, lon {self.grid.lon[i]:g}"


def _names(f: _GriddedFile, name: str) -> list[str]:
    try:
        values = f.require(name)[:]
        if getattr(values, "dtype", None) is not None and values.dtype.kind == "S":
            values = netCDF4.chartostring(values) if values.ndim > 1 else values.astype(str)
    except (OSError, RuntimeError, ValueError) as exc:  # ValueError: also text no longer UTF-8
        raise InputDataError(f"{f.path}: variable {name!r} cannot be read ({exc})") from None
    return [str(v).strip() for v in np.asarray(values, dtype=object).reshape(-1)]


def _units(f: _GriddedFile, name: str) -> tuple[object, str | None]:
    """The ``units`` attribute of a variable as written, and as a key of :data:`_TEXTURE_UNITS`."""
    units = getattr(f.require(name), "units", None)
    # a number or a list of numbers in place of the text is as wrong as unknown text
    return units, (units.strip() if isinstance(units, str) else None if units is None else repr(units))


def _first_bad(f: _GriddedFile, bad: np.ndarray, name: str, problem: str, values=None) -> None:
    """Raise naming the count of cells where ``bad`` holds and the first of them."""
    if not np.any(bad):
        return
    k = int(np.flatnonzero(bad)[0])
    shown = "" if values is None else f" ({values[k]:.9g})"
    raise InputDataError(
        f"{f.path}: {name} {problem} in {int(bad.sum())} cell(s), first at {f.where(k)}{shown}")


# ----------------------------------------------------------------------------- surface and texture files
def _read_surface(path: Path, model_grid: LatLonGrid, source_grid: LatLonGrid):
    f = _GriddedFile(path, "surface file", model_grid, source_grid)
    try:
        names = _names(f, "pft_name")
        if names != list(PFT_NAMES):
            raise InputDataError(
                f"{path}: pft_name lists {len(names)} PFTs {names}, expected the model's {NPFT}: {list(PFT_NAMES)}")
        for name in ("landfrac", "pft_fraction", "sand", "clay"):
            # other units (percent, or g/kg for texture) would be read as fractions: refuse them
            units, key = _units(f, name)
            if _TEXTURE_UNITS.get(key) != 1.0:
                raise InputDataError(f"{path}: variable {name!r} has units {units!r}; the surface file must "
                                     f"hold fractions (units '1' or none)")
        land = f.field("landfrac")
        pft = f.field("pft_fraction", (NPFT,))
        sand = f.field("sand")
        clay = f.field("clay")
    finally:
        f.close()

    _first_bad(f, ~np.isfinite(land), "landfrac", "is missing")
    positive = land[land > 0.0]
    # Most land cells above 1 means percent, not an outlier.
    hint = " (the file must hold fractions 0-1, not percent)" if np.mean(positive > 1.0) > 0.5 else ""
    _first_bad(f, (land < 0.0) | (land > 1.0), "landfrac", "is outside [0, 1]" + hint, land)
    is_land = land > 0.0
    pft_land = pft[:, is_land]
    bad = np.zeros(land.size, dtype=bool)
    bad[is_land] = np.any(~np.isfinite(pft_land), axis=0)
    _first_bad(f, bad, "pft_fraction", "is missing in a land cell")
    low = np.min(pft, axis=0, where=is_land, initial=0.0)
    high = np.max(pft, axis=0, where=is_land, initial=0.0)
    _first_bad(f, is_land & ((low < -FRACTION_TOLERANCE) | (high > 1.0 + FRACTION_TOLERANCE)),
               "pft_fraction", "is outside [0, 1]", np.where(low < 0.0, low, high))
    total = np.sum(pft, axis=0, where=is_land[None, :])
    _first_bad(f, is_land & (np.abs(total - 1.0) > FRACTION_TOLERANCE), "pft_fraction",
               f"does not sum to 1 over PFTs (tolerance {FRACTION_TOLERANCE:g})", total)
    _check_texture(f, sand, clay, is_land, required=True)

    # Validated: remove the storage rounding so that aggregated fractions sum to 1 to float64 rounding.
    pft = np.where(is_land, np.clip(pft, 0.0, 1.0), 0.0)
    pft = np.divide(pft, pft.sum(axis=0), out=np.zeros_like(pft), where=is_land)
    sand = np.where(is_land, np.clip(sand, 0.0, 1.0), np.nan)
    clay = np.where(is_land, np.clip(clay, 0.0, 1.0), np.nan)
    return f.grid, land, pft, sand, clay


def _check_texture(f: _GriddedFile, sand, clay, cells, required: bool) -> None:
    for name, v in (("sand", sand), ("clay", clay)):
        if required:
            _first_bad(f, cells & ~np.isfinite(v), name, "is missing in a land cell")
        _first_bad(f, cells & ((v < -FRACTION_TOLERANCE) | (v > 1.0 + FRACTION_TOLERANCE)),
                   name, "is outside [0, 1]", v)
    _first_bad(f, cells & (sand + clay > 1.0 + FRACTION_TOLERANCE), "sand + clay", "exceeds 1", sand + clay)


def _read_texture(path: Path, model_grid: LatLonGrid, source_grid: LatLonGrid):
    f = _GriddedFile(path, "soil texture file", model_grid, source_grid)
    try:
        out = []
        for name in ("sand", "clay"):
            units, key = _units(f, name)
            if key not in _TEXTURE_UNITS:
                raise InputDataError(f"{path}: variable {name!r} has units {units!r}; "
                                     f"use one of {sorted(k for k in _TEXTURE_UNITS if k)} or none for fractions")
            out.append(f.field(name, scale=_TEXTURE_UNITS[key]))
    finally:
        f.close()
    sand, clay = out
    has = np.isfinite(sand)
    _first_bad(f, has != np.isfinite(clay), "sand and clay", "have values in different cells")
    _check_texture(f, sand, clay, has, required=False)
    return f.grid, has, np.clip(sand, 0.0, 1.0), np.clip(clay, 0.0, 1.0)


def _override(sand, clay, is_land, has, new_sand, new_clay):
    use = is_land & has
    return np.where(use, new_sand, sand), np.where(use, new_clay, clay)


# ----------------------------------------------------------------------------- public entry point
def load_surface(grid: LatLonGrid, path=None, texture_file=None, climatology_path=None) -> SurfaceData:
    """Surface data of every cell of ``grid`` (see the module docstring).

    Parameters
    ----------
    grid : LatLonGrid
        Model (land) grid; its cell edges must be multiples of 0.5 degree
        (e.g. ``LatLonGrid.regular(2.0)``, the default land resolution, or 1 or 0.5).
    path : path-like, optional
        Surface file; None or "" for the packaged :data:`DEFAULT_PATH`.
    texture_file : path-like, optional
        Soil texture map overriding the surface file's texture; None or "" for none.
    climatology_path : path-like, optional
        Climatology file for :func:`atmos_stub.climatology.load_climatology` (default: packaged).

    Raises
    ------
    InputDataError
        A file is missing or malformed; the message names it and the problem.
    ValueError
        ``grid`` has cell edges off the 0.5 degree lattice.
    """
    _check_model_grid(grid)
    path = Path(DEFAULT_PATH if path in (None, "") else path)
    texture_file = None if texture_file in (None, "") else Path(texture_file)
    source_grid = LatLonGrid.regular(SOURCE_RESOLUTION_DEG)

    file_grid, land, pft, sand, clay = _read_surface(path, grid, source_grid)
    texture = _read_texture(texture_file, grid, source_grid) if texture_file is not None else None
    if texture is not None and texture[0] == file_grid:
        sand, clay = _override(sand, clay, land > 0.0, *texture[1:])
        texture = None

    if file_grid == grid:
        land_m, pft_m, sand_m, clay_m = land, pft, sand, clay
    else:
        remap = Remapper(file_grid, grid)
        land_m = remap.map(land)
        weighted = remap.map(np.vstack([land * pft, land * np.nan_to_num(sand), land * np.nan_to_num(clay)]))
        has_land = land_m > 0.0
        per_land = np.divide(weighted, land_m, out=np.zeros_like(weighted), where=has_land)
        pft_m = per_land[:NPFT]
        sand_m = np.where(has_land, per_land[NPFT], np.nan)
        clay_m = np.where(has_land, per_land[NPFT + 1], np.nan)
        # The weights of a cell sum to 1 only to rounding: a land-only cell may read 1 + 1e-16.
        land_m = np.clip(land_m, 0.0, 1.0)

    if texture is not None:
        tex_grid, has, new_sand, new_clay = texture
        if tex_grid != grid:
            # A 0.5 degree texture map under a model-grid surface file: area mean of the cells with data.
            remap = Remapper(tex_grid, grid)
            covered = remap.map(has.astype(np.float64))
            sums = remap.map(np.vstack([np.where(has, new_sand, 0.0), np.where(has, new_clay, 0.0)]))
            has = covered > 0.0
            new_sand, new_clay = np.divide(sums, covered, out=np.zeros_like(sums), where=has)
        sand_m, clay_m = _override(sand_m, clay_m, land_m > 0.0, has, new_sand, new_clay)

    clim = load_climatology(grid, climatology_path)
    vegetated = 1.0 - pft_m[pft_index("bare")]
    ecm_weighted = trait("ecm_fraction") @ pft_m
    ecm = np.divide(ecm_weighted, vegetated, out=np.zeros_like(ecm_weighted),
                    where=(land_m > 0.0) & (vegetated > FRACTION_TOLERANCE))
    return SurfaceData(
        grid=grid,
        land_fraction=land_m,
        pft_fraction=pft_m,
        sand=sand_m,
        clay=clay_m,
        silt=np.maximum(1.0 - sand_m - clay_m, 0.0),
        mat_K=clim.mat_K,
        map_kg_m2_s=clim.map_kg_m2_s,
        climate_data_fraction=clim.data_fraction,
        climate_continentality=clim.continentality,
        mycorrhizal_ecm_fraction=np.clip(ecm, 0.0, 1.0),
        crop_fraction=pft_m[list(CROP_PFTS)].sum(axis=0),
        pft_names=PFT_NAMES,
        path=path,
        texture_file=texture_file,
    )
