"""Latitude-longitude grids on the sphere and balanced block decompositions.

Cell areas are exact for the sphere of radius ``EARTH_RADIUS_M``:
``A = R**2 * dlon * (sin(lat2) - sin(lat1))`` (dlon in radians).  The sine
difference is evaluated by :func:`sin_difference` without cancellation, so
thin bands (including polar ones) keep full relative precision; the same
function gives the overlaps in :mod:`coupler.remap`, so areas and overlaps are
consistent.
"""

from __future__ import annotations

import numpy as np

from coupler.constants import EARTH_RADIUS_M

__all__ = ["LatLonGrid", "block_decomposition", "sin_difference", "two_sum"]


def two_sum(a, b):
    """Knuth's error-free sum: ``a + b == hi + lo`` exactly (Knuth, TAOCP vol. 2, 4.2.2)."""
    hi = np.add(a, b)
    bb = hi - a
    lo = (a - (hi - bb)) + (b - bb)
    return hi, lo


def sin_difference(lat1_deg, lat2_deg) -> np.ndarray:
    """``sin(lat2) - sin(lat1)`` for latitudes in degrees, to a few ulps relative.

    Uses ``2 cos(mid) sin(half)`` with ``mid = (lat1 + lat2)/2`` and
    ``half = (lat2 - lat1)/2``.  When both latitudes lie in one hemisphere,
    ``cos(mid)`` is evaluated as the sine of the mean distance to the pole,
    ``((90 - |lat1|) + (90 - |lat2|))/2``, which is exact to rounding even for
    thin bands next to a pole (where ``cos`` of a rounded radian argument
    would lose digits).
    """
    a = np.asarray(lat1_deg, dtype=np.float64)
    b = np.asarray(lat2_deg, dtype=np.float64)
    north = a >= 0.0
    south = b <= 0.0
    to_pole = 0.5 * ((90.0 - np.abs(a)) + (90.0 - np.abs(b)))
    cos_mid = np.where(north | south, np.sin(np.deg2rad(to_pole)), np.cos(np.deg2rad(0.5 * (a + b))))
    return 2.0 * cos_mid * np.sin(np.deg2rad(0.5 * (b - a)))


def _edges(values, name: str) -> np.ndarray:
    edges = np.array(values, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least 2 edges")
    if not np.all(np.isfinite(edges)):
        raise ValueError(f"{name} must be finite")
    if not np.all(np.diff(edges) > 0):
        raise ValueError(f"{name} must be strictly increasing")
    edges.flags.writeable = False
    return edges


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


class LatLonGrid:
    """Lat-lon grid defined by cell edges in degrees.

    Cell ``(j, i)`` spans ``lat_edges[j:j+2]`` x ``lon_edges[i:i+2]``; its flat
    index is ``j * nlon + i`` (row-major, j = latitude index).  Arrays are
    read-only; grids compare equal when their edges are identical.

    Parameters
    ----------
    lat_edges_deg : array_like, shape (nlat + 1,)
        Strictly increasing latitudes within [-90, 90], degrees north.
    lon_edges_deg : array_like, shape (nlon + 1,)
        Strictly increasing longitudes spanning at most 360 degrees east.
    """

    def __init__(self, lat_edges_deg, lon_edges_deg):
        self.lat_edges = _edges(lat_edges_deg, "lat_edges_deg")
        self.lon_edges = _edges(lon_edges_deg, "lon_edges_deg")
        if self.lat_edges[0] < -90.0 or self.lat_edges[-1] > 90.0:
            raise ValueError("latitude edges must lie within [-90, 90]")
        # The span is judged exactly: a rounded difference could hide a
        # sliver of overlap (or gap) at the seam of a nominally global grid.
        span, span_err = two_sum(self.lon_edges[-1], -self.lon_edges[0])
        if span > 360.0 or (span == 360.0 and span_err > 0):
            raise ValueError(
                f"longitude edges must span at most 360 degrees, got 360 + {span - 360.0 + span_err:.3g}; "
                "for a global grid make lon_edges[-1] - lon_edges[0] exactly 360")
        self.nlat = self.lat_edges.size - 1
        self.nlon = self.lon_edges.size - 1
        self.shape = (self.nlat, self.nlon)
        self.ncells = self.nlat * self.nlon
        self.lat = _readonly(0.5 * (self.lat_edges[:-1] + self.lat_edges[1:]))
        self.lon = _readonly(0.5 * (self.lon_edges[:-1] + self.lon_edges[1:]))
        self.lat_bnds = _readonly(np.column_stack([self.lat_edges[:-1], self.lat_edges[1:]]))
        self.lon_bnds = _readonly(np.column_stack([self.lon_edges[:-1], self.lon_edges[1:]]))
        #: sin(lat2) - sin(lat1) per latitude band, (nlat,).
        self.dsinlat = _readonly(sin_difference(self.lat_edges[:-1], self.lat_edges[1:]))
        #: Longitude width per column, radians, (nlon,).
        self.dlon_rad = _readonly(np.deg2rad(np.diff(self.lon_edges)))
        if np.any(self.dsinlat <= 0) or np.any(self.dlon_rad <= 0):
            raise ValueError("cells must have positive area (edges too close together)")
        #: Cell areas, m2, (nlat, nlon).
        self.area = _readonly(EARTH_RADIUS_M**2 * np.outer(self.dsinlat, self.dlon_rad))
        #: Cell areas in flat (row-major) order, m2, (ncells,).
        self.area_flat = self.area.reshape(-1)
        #: True when the cells tile the sphere exactly (lon span exactly 360).
        self.is_global = bool(self.lat_edges[0] == -90.0 and self.lat_edges[-1] == 90.0
                              and span == 360.0 and span_err == 0.0)

    @classmethod
    def regular(cls, dlat_deg: float, dlon_deg: float | None = None) -> "LatLonGrid":
        """Global regular grid: latitudes -90..90 by ``dlat_deg``, longitudes 0..360 by ``dlon_deg``.

        ``dlon_deg`` defaults to ``dlat_deg``.  180/dlat and 360/dlon must be
        integers (to 1e-9 relative, so that e.g. 0.1 is accepted).
        """
        dlon_deg = dlat_deg if dlon_deg is None else dlon_deg
        nlat = _whole(180.0, dlat_deg, "dlat_deg")
        nlon = _whole(360.0, dlon_deg, "dlon_deg")
        return cls(np.linspace(-90.0, 90.0, nlat + 1), np.linspace(0.0, 360.0, nlon + 1))

    def resolution_label(self) -> str:
        """Mean spacing as ``"<dlat>x<dlon>"`` in degrees, e.g. ``"2x2"`` or ``"0.5x0.625"``."""
        dlat = (self.lat_edges[-1] - self.lat_edges[0]) / self.nlat
        dlon = (self.lon_edges[-1] - self.lon_edges[0]) / self.nlon
        return f"{dlat:.6g}x{dlon:.6g}"

    def cell_centres_xyz(self, cells=None) -> np.ndarray:
        """Unit vectors (n, 3) of cell centres (all cells, or flat indices ``cells``)."""
        cells = np.arange(self.ncells) if cells is None else np.asarray(cells, dtype=np.int64)
        lat = np.deg2rad(self.lat[cells // self.nlon])
        lon = np.deg2rad(self.lon[cells % self.nlon])
        return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])

    def __eq__(self, other):
        if not isinstance(other, LatLonGrid):
            return NotImplemented
        return (np.array_equal(self.lat_edges, other.lat_edges)
                and np.array_equal(self.lon_edges, other.lon_edges))

    def __hash__(self):
        return hash((self.lat_edges.tobytes(), self.lon_edges.tobytes()))

    def __repr__(self):
        return (f"LatLonGrid(nlat={self.nlat}, nlon={self.nlon}, "
                f"lat=[{self.lat_edges[0]:g}, {self.lat_edges[-1]:g}], "
                f"lon=[{self.lon_edges[0]:g}, {self.lon_edges[-1]:g}])")


def _whole(span: float, step: float, name: str) -> int:
    if not step > 0:
        raise ValueError(f"{name} must be positive")
    n = round(span / step)
    if n < 1 or abs(n * step - span) > 1e-9 * span:
        raise ValueError(f"{span:g}/{name} must be an integer, got {name}={step!r}")
    return n


def block_decomposition(weights, nblocks: int) -> np.ndarray:
    """Split ordered work items into ``nblocks`` contiguous blocks of balanced weight.

    Rule: with inclusive cumulative weight ``C`` and total ``W``, item i goes
    to block ``b`` when its weight midpoint ``C[i] - w[i]/2`` lies in
    ``[b W / nblocks, (b + 1) W / nblocks)`` (all-zero weights count as unit
    weights).  Offsets are then adjusted minimally so that no block is empty
    when there are at least ``nblocks`` items: offsets are raised to at least
    one item past the previous block, then lowered so that every later block
    keeps at least one item.  With fewer items than blocks, the first blocks
    get one item each and the rest are empty.  Deterministic.

    Parameters
    ----------
    weights : array_like, shape (n,)
        Non-negative finite work per item (e.g. 1 per land cell, or tiles per cell).
    nblocks : int
        Number of blocks (>= 1).

    Returns
    -------
    numpy.ndarray of int64, shape (nblocks + 1,)
        ``offsets``: block b holds items ``offsets[b]:offsets[b + 1]``;
        ``offsets[0] == 0`` and ``offsets[-1] == n``.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    nblocks = int(nblocks)
    if nblocks < 1:
        raise ValueError("nblocks must be >= 1")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    n = w.size
    cum = np.cumsum(w)
    total = cum[-1] if n else 0.0
    if total == 0.0:
        w = np.ones(n)
        cum = np.cumsum(w)
        total = float(n)
    mid = cum - 0.5 * w
    b = np.arange(nblocks + 1, dtype=np.int64)
    offsets = np.searchsorted(mid, b * (total / nblocks), side="left").astype(np.int64)
    offsets[0], offsets[-1] = 0, n
    # offsets[b] >= offsets[b-1] + 1 <=> (offsets - b) non-decreasing: running max.
    shifted = np.maximum.accumulate(offsets - b)
    if n >= nblocks:
        # offsets[b] <= n - (nblocks - b) leaves one item for each later block;
        # capping a non-decreasing sequence keeps it non-decreasing.
        return b + np.minimum(shifted, n - nblocks)
    return np.minimum(b + shifted, n)
