"""Surface weather read from CF netCDF forcing files (GSWP3 / CRU-JRA style).

The alternative to :class:`atmos_stub.weather.WeatherGenerator`: the seven
fields the land imports are read from files the user lists, with CMIP names
and units:

=========  ==============  ======================================
variable   units           kind
=========  ==============  ======================================
tas        K               state: value at the interval midpoint
huss       1 or kg kg-1    state
ps         Pa              state
sfcWind    m s-1           state
pr         kg m-2 s-1      flux: mean over the interval
rsds       W m-2           flux (shaped by the sun, see below)
rlds       W m-2           flux
=========  ==============  ======================================

Each variable is ``(time, lat, lon)`` on a regular latitude-longitude grid;
``time`` has CF ``units`` and ``calendar``.  Variables may be spread over
any number of files (one per variable and year, as GSWP3 ships them, or all
in one); their records are joined in time order.

Time: a state variable is interpolated linearly in time to the midpoint of
the coupling interval (with time bounds, the first and last records also
hold for the half-records before and after their time stamps).  A flux is
averaged over the interval so that water and energy totals are kept: when ``time`` has CF ``bounds`` (records are
means over their bounds, CF ``cell_methods = "time: mean"``), the interval
mean is the overlap-weighted mean of the records it meets, which over a
record's span gives back exactly the file's value; without bounds the
records are point values and the interval mean is the exact integral of the
piecewise-linear interpolant.  ``rsds`` means over bounds are further
distributed within each record by the top-of-atmosphere insolation, as the
CESM data atmosphere does for 3- and 6-hourly forcing of CLM (its "coszen"
time interpolation): the part of record ``k`` falling in the interval is
``rsds_k * Q(overlap) / Q(record)`` with ``Q`` the exact insolation integral
of :mod:`coupler.insolation`, so sunlight arrives in daytime only and
each record's energy is kept.

Space: when the file's grid is the atmosphere grid, cells are read
directly; otherwise fields are remapped to it with first-order conservative
weights (:class:`coupler.remap.Remapper`), which requires the file to cover
every cell the model needs.

Every problem with the data (missing file or variable, wrong dimensions or
units, times outside the files, missing values or impossible values in a
needed cell) is an :class:`coupler.errors.InputDataError` naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cftime
import numpy as np

from coupler.insolation import (
    days_in_year,
    integrated_cos_zenith,
    orbit,
    sun_geometry,
)
from coupler.errors import InputDataError
from coupler.grid import LatLonGrid
from coupler.ncfile import open_netcdf
from coupler.remap import Remapper

__all__ = ["FLUX_VARIABLES", "FORCING_VARIABLES", "ForcingFiles"]

FORCING_VARIABLES = ("tas", "pr", "rsds", "rlds", "huss", "ps", "sfcWind")
FLUX_VARIABLES = ("pr", "rsds", "rlds")

# Accepted spellings of the one unit each variable must have (no conversions:
# a file in other units is more likely a mistake than something to guess at).
_UNITS = {
    "tas": ("K", {"K", "kelvin", "Kelvin", "degK", "degrees_K"}),
    "pr": ("kg m-2 s-1", {"kg m-2 s-1", "kg/m2/s", "kg m**-2 s**-1", "kg/m^2/s", "kg m^-2 s^-1", "kg/(m2 s)"}),
    "rsds": ("W m-2", {"W m-2", "W/m2", "W m**-2", "W/m^2", "W m^-2"}),
    "rlds": ("W m-2", {"W m-2", "W/m2", "W m**-2", "W/m^2", "W m^-2"}),
    "huss": ("1 or kg kg-1", {"1", "kg kg-1", "kg/kg", "kg kg**-1", "kg kg^-1"}),
    "ps": ("Pa", {"Pa"}),
    "sfcWind": ("m s-1", {"m s-1", "m/s", "m s**-1", "m s^-1"}),
}

# Values outside these are not weather on Earth: a corrupt file or wrong units.
_BOUNDS = {
    "tas": (150.0, 350.0),
    "pr": (0.0, 0.1),
    "rsds": (0.0, 1500.0),
    "rlds": (0.0, 1000.0),
    "huss": (0.0, 0.1),
    "ps": (3.0e4, 1.2e5),
    "sfcWind": (0.0, 100.0),
}

_COMMON_UNITS = "seconds since 1900-01-01 00:00:00"
_CALENDAR_ALIASES = {"gregorian": "standard", "365_day": "noleap", "366_day": "all_leap"}
_SECONDS_PER_DAY = 86400.0


def _calendar(name: str) -> str:
    name = (name or "standard").strip().lower()
    return _CALENDAR_ALIASES.get(name, name)


def _numbers(path: Path, ds, name: str) -> np.ndarray:
    """Variable ``name`` as float64 with NaN where missing; a damaged or non-numeric one names the file."""
    try:
        raw = ds.variables[name][:]
    except (OSError, RuntimeError, ValueError, TypeError, IndexError) as exc:
        raise InputDataError(f"{path}: variable {name!r} cannot be read ({exc})") from None
    try:
        return np.ma.filled(np.ma.asarray(raw, dtype=np.float64), np.nan)
    except (ValueError, TypeError):
        raise InputDataError(f"{path}: variable {name!r} is not numeric") from None


@dataclass
class _File:
    path: Path
    ds: object
    calendar: str
    times: np.ndarray                 # common-axis seconds, (ntime,)
    bounds: np.ndarray | None         # common-axis seconds, (ntime, 2)
    flip_lat: bool
    weights: object                   # CSR rows of the needed cells, or None when grids match
    direct: np.ndarray | None         # flat source indices of the needed cells when grids match
    variables: list[str] = field(default_factory=list)


@dataclass
class _Series:
    """All records of one variable in time order: file index and record index per time."""

    times: np.ndarray
    bounds: np.ndarray | None
    file_index: np.ndarray
    record: np.ndarray


class ForcingFiles:
    """Interval-mean weather from CF forcing files (see the module docstring).

    Parameters
    ----------
    paths : sequence of path-like
        The forcing files; together they must hold all of ``FORCING_VARIABLES``.
    grid : LatLonGrid
        The atmosphere grid.
    cells : array_like of int
        Global flat indices of the cells this process needs.
    """

    def __init__(self, paths, grid: LatLonGrid, cells):
        self.grid = grid
        self.cells = np.asarray(cells, dtype=np.int64).reshape(-1)
        if self.cells.size and (self.cells.min() < 0 or self.cells.max() >= grid.ncells):
            raise ValueError("cells must be flat indices of the grid")
        self.lat = grid.lat[self.cells // grid.nlon]
        self.lon = grid.lon[self.cells % grid.nlon]
        paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
        if not paths:
            raise InputDataError("no forcing files given")
        self._files: list[_File] = []
        self._remappers: dict[LatLonGrid, Remapper] = {}
        try:
            for path in paths:
                self._files.append(self._open(path))
            self._series = {v: self._join(v) for v in FORCING_VARIABLES}
        except BaseException:
            self.close()
            raise
        calendars = {f.calendar for f in self._files if f.variables}
        if len(calendars) > 1:
            raise InputDataError(
                "forcing files use different calendars: "
                + ", ".join(f"{f.path} ({f.calendar})" for f in self._files if f.variables))
        self.calendar = calendars.pop()
        self._cache: dict[tuple[str, int], np.ndarray] = {}
        self._sun_cache: dict = {}

    # ----------------------------------------------------------- opening
    def close(self) -> None:
        for f in getattr(self, "_files", []):
            try:
                f.ds.close()
            except RuntimeError:  # netCDF4: already closed
                continue

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _open(self, path: Path) -> _File:
        ds = open_netcdf(path, "forcing file", InputDataError)
        try:
            return self._describe(path, ds)
        except BaseException:
            ds.close()
            raise

    def _describe(self, path: Path, ds) -> _File:
        present = [v for v in FORCING_VARIABLES if v in ds.variables]
        if not present:
            raise InputDataError(f"{path}: holds none of the forcing variables {', '.join(FORCING_VARIABLES)}")
        dims = None
        for v in present:
            var = ds.variables[v]
            if var.ndim != 3:
                raise InputDataError(f"{path}: variable {v!r} has dimensions {var.dimensions}, expected (time, lat, lon)")
            if dims is None:
                dims = var.dimensions
            elif var.dimensions != dims:
                raise InputDataError(f"{path}: variables {present[0]!r} and {v!r} have different dimensions")
            units = getattr(var, "units", None)
            expected, accepted = _UNITS[v]
            if units is None or " ".join(str(units).split()) not in accepted:
                raise InputDataError(f"{path}: variable {v!r} has units {units!r}, expected {expected!r}")
        tdim, ydim, xdim = dims
        for d in dims:
            if d not in ds.variables:
                raise InputDataError(f"{path}: coordinate variable {d!r} is missing")
        if ydim.lower() not in ("lat", "latitude") or xdim.lower() not in ("lon", "longitude"):
            raise InputDataError(f"{path}: forcing variables must be (time, lat, lon), found {dims}")
        times, bounds, calendar = self._read_time(path, ds, tdim)
        src, flip = self._read_grid(path, ds, ydim, xdim)
        weights, direct = self._locate(path, src)
        return _File(path, ds, calendar, times, bounds, flip, weights, direct, present)

    def _read_time(self, path: Path, ds, tdim: str):
        tvar = ds.variables[tdim]
        units = getattr(tvar, "units", None)
        if units is None:
            raise InputDataError(f"{path}: {tdim!r} has no units attribute")
        if not isinstance(units, str):
            raise InputDataError(f"{path}: {tdim!r} has units {units!r}, expected text like 'hours since 2001-01-01'")
        calendar = getattr(tvar, "calendar", "standard")
        if not isinstance(calendar, str):
            raise InputDataError(f"{path}: {tdim!r} has calendar {calendar!r}, expected the name of a CF calendar")
        calendar = _calendar(calendar)
        raw = _numbers(path, ds, tdim).reshape(-1)
        if raw.size == 0 or not np.all(np.isfinite(raw)):
            raise InputDataError(f"{path}: {tdim!r} is empty or has missing values")

        def to_common(values):
            try:
                dates = cftime.num2date(values, units, calendar)
                return np.asarray(cftime.date2num(dates, _COMMON_UNITS, calendar), dtype=np.float64)
            except (ValueError, TypeError, OverflowError) as exc:  # OverflowError: dates beyond cftime's range
                raise InputDataError(
                    f"{path}: cannot read {tdim!r} with units {units!r} and calendar {calendar!r} ({exc})") from None

        times = to_common(raw)
        if np.any(np.diff(times) <= 0):
            raise InputDataError(f"{path}: {tdim!r} is not strictly increasing")
        bounds = None
        bname = getattr(tvar, "bounds", None)
        if bname is not None:
            if bname not in ds.variables:
                raise InputDataError(f"{path}: time bounds variable {bname!r} named by {tdim!r} is missing")
            b = _numbers(path, ds, bname)
            if b.shape != (raw.size, 2) or not np.all(np.isfinite(b)):
                raise InputDataError(f"{path}: time bounds {bname!r} must be ({raw.size}, 2) without missing values")
            bounds = to_common(b.reshape(-1)).reshape(-1, 2)
            if (np.any(bounds[:, 1] <= bounds[:, 0]) or np.any(bounds[1:, 0] < bounds[:-1, 1])
                    or np.any(times < bounds[:, 0]) or np.any(times > bounds[:, 1])):
                raise InputDataError(f"{path}: time bounds {bname!r} are not increasing, disjoint intervals "
                                     f"around their times")
        return times, bounds, calendar

    def _read_grid(self, path: Path, ds, ydim: str, xdim: str):
        lat = _numbers(path, ds, ydim).reshape(-1)
        lon = _numbers(path, ds, xdim).reshape(-1)
        flip = lat.size > 1 and lat[0] > lat[-1]
        if flip:
            lat = lat[::-1]
        lat_edges = self._edges(path, ds, ydim, lat, flip)
        lon_edges = self._edges(path, ds, xdim, lon, False)
        lat_edges = np.clip(lat_edges, -90.0, 90.0)
        try:
            return LatLonGrid(lat_edges, lon_edges), flip
        except ValueError as exc:
            raise InputDataError(f"{path}: not a usable lat-lon grid ({exc})") from None

    @staticmethod
    def _edges(path: Path, ds, name: str, centres: np.ndarray, flip: bool) -> np.ndarray:
        """Cell edges from CF bounds or, for a regular axis, half-way between centres."""
        if centres.size < 2 or not np.all(np.isfinite(centres)) or np.any(np.diff(centres) <= 0):
            raise InputDataError(f"{path}: coordinate {name!r} must have at least 2 finite, monotonic values")
        bname = getattr(ds.variables[name], "bounds", None)
        if bname is not None and bname in ds.variables:
            b = _numbers(path, ds, bname)
            if b.shape != (centres.size, 2):
                raise InputDataError(f"{path}: bounds {bname!r} of {name!r} have shape {b.shape}, "
                                     f"expected ({centres.size}, 2)")
            if flip:
                b = b[::-1, ::-1]
            if np.any(b[1:, 0] != b[:-1, 1]):
                raise InputDataError(f"{path}: bounds {bname!r} of {name!r} are not contiguous cells")
            return np.concatenate([b[:, 0], b[-1:, 1]])
        step = np.diff(centres)
        if np.max(np.abs(step - step.mean())) > 1e-6 * abs(step.mean()):
            raise InputDataError(f"{path}: coordinate {name!r} is not regularly spaced and has no bounds")
        d = step.mean()
        return np.concatenate([centres - 0.5 * d, centres[-1:] + 0.5 * d])

    def _locate(self, path: Path, src: LatLonGrid):
        """Weights (CSR rows of the needed cells) or direct indices from ``src`` to the model cells."""
        if src == self.grid or (src.shape == self.grid.shape
                                and np.allclose(src.lat_edges, self.grid.lat_edges, rtol=0, atol=1e-9)
                                and np.allclose(src.lon_edges, self.grid.lon_edges, rtol=0, atol=1e-9)):
            return None, self.cells
        remap = self._remappers.get(src)
        if remap is None:
            remap = self._remappers[src] = Remapper(src, self.grid)
        rows = remap.weights[self.cells]
        cover = np.asarray(rows.sum(axis=1)).reshape(-1)
        bad = np.flatnonzero(np.abs(cover - 1.0) > 1e-9)
        if bad.size:
            c = self.cells[bad[0]]
            raise InputDataError(
                f"{path}: the forcing grid covers only {cover[bad[0]]:.3f} of model cell {c} "
                f"(lat {self.lat[bad[0]]:g}, lon {self.lon[bad[0]]:g}) and {bad.size - 1} other needed cells")
        return rows, None

    def _join(self, var: str) -> _Series:
        have = [(i, f) for i, f in enumerate(self._files) if var in f.variables]
        if not have:
            raise InputDataError(f"no forcing file has variable {var!r} (files: "
                                 + ", ".join(str(f.path) for f in self._files) + ")")
        times = np.concatenate([f.times for _, f in have])
        fidx = np.concatenate([np.full(f.times.size, i) for i, f in have])
        rec = np.concatenate([np.arange(f.times.size) for _, f in have])
        with_bounds = [f.bounds is not None for _, f in have]
        if any(with_bounds) and not all(with_bounds):
            raise InputDataError(f"variable {var!r}: some files have time bounds and some do not: "
                                 + ", ".join(str(f.path) for _, f in have))
        order = np.argsort(times, kind="stable")
        times, fidx, rec = times[order], fidx[order], rec[order]
        dup = np.flatnonzero(np.diff(times) <= 0)
        if dup.size:
            a, b = self._files[fidx[dup[0]]].path, self._files[fidx[dup[0] + 1]].path
            raise InputDataError(f"variable {var!r}: files {a} and {b} both have the time "
                                 f"{self._format(times[dup[0]], self._files[fidx[dup[0]]].calendar)}")
        bounds = None
        if all(with_bounds):
            bounds = np.concatenate([f.bounds for _, f in have])[order]
            if np.any(bounds[1:, 0] < bounds[:-1, 1]):
                raise InputDataError(f"variable {var!r}: time bounds overlap between files")
        return _Series(times, bounds, fidx, rec)

    # ------------------------------------------------------------ reading
    @staticmethod
    def _format(t: float, calendar: str) -> str:
        return str(cftime.num2date(t, _COMMON_UNITS, calendar))

    def _value(self, var: str, k: int) -> np.ndarray:
        """Record ``k`` of ``var`` (series order) on the needed cells, checked."""
        key = (var, k)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        s = self._series[var]
        f = self._files[s.file_index[k]]
        try:
            raw = f.ds.variables[var][s.record[k]]
        except (OSError, RuntimeError, IndexError, ValueError, TypeError) as exc:
            raise InputDataError(f"{f.path}: cannot read {var!r} record {s.record[k]} ({exc})") from None
        try:
            data = np.ma.filled(np.ma.asarray(raw, dtype=np.float64), np.nan)
        except (ValueError, TypeError):
            raise InputDataError(f"{f.path}: variable {var!r} is not numeric") from None
        if f.flip_lat:
            data = data[::-1, :]
        flat = data.reshape(-1)
        values = flat[f.direct] if f.weights is None else f.weights @ flat
        lo, hi = _BOUNDS[var]
        bad = np.flatnonzero(~((values >= lo) & (values <= hi)))
        if bad.size:
            i = bad[0]
            what = "a missing value (NaN or _FillValue)" if not np.isfinite(values[i]) else f"{values[i]:g}, outside [{lo:g}, {hi:g}]"
            raise InputDataError(
                f"{f.path}: {var!r} at {self._format(s.times[k], f.calendar)} has {what} in model cell "
                f"{self.cells[i]} (lat {self.lat[i]:g}, lon {self.lon[i]:g})"
                + (f" and {bad.size - 1} other needed cells" if bad.size > 1 else ""))
        # Keep only a few records per variable: reading moves forward in time.
        stale = [c for c in self._cache if c[0] == var and c[1] < k - 2]
        for c in stale:
            del self._cache[c]
        self._cache[key] = values
        return values

    def _file_time(self, date) -> float:
        """Model date as seconds on the files' common time axis (same Y-M-D h:m:s in the file calendar)."""
        try:
            d = cftime.datetime(date.year, date.month, date.day, date.hour, date.minute, date.second,
                                calendar=self.calendar)
        except ValueError as exc:
            raise InputDataError(f"model date {date} does not exist in the forcing files' calendar "
                                 f"{self.calendar!r} ({exc})") from None
        return float(cftime.date2num(d, _COMMON_UNITS, self.calendar))

    def _out_of_range(self, var: str, t0: float, t1: float) -> InputDataError:
        s = self._series[var]
        lo = s.bounds[0, 0] if s.bounds is not None else s.times[0]
        hi = s.bounds[-1, 1] if s.bounds is not None else s.times[-1]
        files = sorted({str(self._files[i].path) for i in np.unique(s.file_index)})
        return InputDataError(
            f"{var!r}: the interval {self._format(t0, self.calendar)} to {self._format(t1, self.calendar)} is outside "
            f"the forcing data ({self._format(lo, self.calendar)} to {self._format(hi, self.calendar)}) in "
            + ", ".join(files))

    def _state(self, var: str, t0: float, t1: float) -> np.ndarray:
        s = self._series[var]
        tm = 0.5 * (t0 + t1)
        # Records with bounds stand for their whole bounds: before the first
        # and after the last time stamp the nearest record holds.
        lo = s.bounds[0, 0] if s.bounds is not None else s.times[0]
        hi = s.bounds[-1, 1] if s.bounds is not None else s.times[-1]
        if tm < lo or tm > hi:
            raise self._out_of_range(var, t0, t1)
        if tm <= s.times[0]:
            return self._value(var, 0)
        k = int(np.searchsorted(s.times, tm, side="right")) - 1
        if k == s.times.size - 1:
            return self._value(var, k)
        w = (tm - s.times[k]) / (s.times[k + 1] - s.times[k])
        if w == 0.0:
            return self._value(var, k)
        return (1.0 - w) * self._value(var, k) + w * self._value(var, k + 1)

    def _flux_points(self, var: str, t0: float, t1: float) -> np.ndarray:
        """Exact mean over [t0, t1] of the piecewise-linear interpolant of point records."""
        s = self._series[var]
        if t0 < s.times[0] or t1 > s.times[-1]:
            raise self._out_of_range(var, t0, t1)
        first = max(int(np.searchsorted(s.times, t0, side="right")) - 1, 0)
        total = 0.0
        k = first
        while k < s.times.size - 1 and s.times[k] < t1:
            a, b = max(t0, s.times[k]), min(t1, s.times[k + 1])
            if b > a:
                span = s.times[k + 1] - s.times[k]
                mid = 0.5 * (a + b)
                w = (mid - s.times[k]) / span
                total = total + (b - a) * ((1.0 - w) * self._value(var, k) + w * self._value(var, k + 1))
            k += 1
        return total / (t1 - t0)

    def _flux_bounds(self, var: str, t0: float, t1: float) -> np.ndarray:
        """Mean over [t0, t1] of records that are means over their bounds (rsds shaped by the sun)."""
        s = self._series[var]
        b = s.bounds
        first = int(np.searchsorted(b[:, 1], t0, side="right"))
        total = 0.0
        covered = 0.0
        k = first
        while k < b.shape[0] and b[k, 0] < t1:
            lo, hi = max(t0, b[k, 0]), min(t1, b[k, 1])
            if hi > lo:
                length = b[k, 1] - b[k, 0]
                share = self._sun_share(b[k, 0], b[k, 1], lo, hi) if var == "rsds" else (hi - lo) / length
                # The record's integral (mean x length) times the part of it that falls in [lo, hi].
                total = total + self._value(var, k) * length * share
                covered += hi - lo
            k += 1
        if abs(covered - (t1 - t0)) > 1e-6:
            raise self._out_of_range(var, t0, t1)
        return total / (t1 - t0)

    def _sun_share(self, r0: float, r1: float, lo: float, hi: float) -> np.ndarray:
        """Fraction of record [r0, r1]'s top-of-atmosphere sunshine falling in [lo, hi], per cell.

        Where the sun never rises during the record the share is the time fraction,
        so a (small, inconsistent) night-time value in the file is still kept.
        """
        whole = self._toa_integral(r0, r1)
        part = self._toa_integral(lo, hi)
        share = np.full(self.cells.size, (hi - lo) / (r1 - r0))
        np.divide(part, whole, out=share, where=whole > 0)
        return share

    def _toa_integral(self, t0: float, t1: float) -> np.ndarray:
        """Integral of cos(zenith)^+ over [t0, t1] (common-axis seconds), split at midnights."""
        key = (t0, t1)
        hit = self._sun_cache.get(key)
        if hit is not None:
            return hit
        total = np.zeros(self.cells.size)
        t = t0
        while t < t1:
            date = cftime.num2date(t, _COMMON_UNITS, self.calendar)
            sod = date.hour * 3600 + date.minute * 60 + date.second + date.microsecond * 1e-6
            end = min(t1, t + (_SECONDS_PER_DAY - sod))
            decl, dist, eot = orbit(date.dayofyr, days_in_year(date.year, self.calendar))
            a, b, h0 = sun_geometry(self.lat, decl)
            lon = np.deg2rad(self.lon)
            h1 = 2.0 * np.pi * ((sod + eot) / _SECONDS_PER_DAY - 0.5) + lon
            h2 = h1 + 2.0 * np.pi * (end - t) / _SECONDS_PER_DAY
            part = integrated_cos_zenith(a, b, h0, h2) - integrated_cos_zenith(a, b, h0, h1)
            total += dist * np.maximum(part, 0.0)  # rounding can leave -1e-16 around sunrise
            t = end
        if len(self._sun_cache) > 64:
            self._sun_cache.clear()
        self._sun_cache[key] = total
        return total

    def fields(self, elapsed_s_start: int, dt_s: int, date_start) -> dict[str, np.ndarray]:
        """Interval means of the seven forcing fields over ``[date_start, date_start + dt_s]``.

        ``elapsed_s_start`` is accepted for symmetry with the weather generator;
        the files are indexed by date.
        """
        dt_s = int(dt_s)
        if dt_s <= 0:
            raise ValueError("dt_s must be positive")
        t0 = self._file_time(date_start)
        t1 = t0 + dt_s
        out = {}
        for var in FORCING_VARIABLES:
            if var in FLUX_VARIABLES:
                s = self._series[var]
                values = self._flux_bounds(var, t0, t1) if s.bounds is not None else self._flux_points(var, t0, t1)
            else:
                values = self._state(var, t0, t1)
            out[var] = np.array(values, dtype=np.float64, copy=True)
        return out
