"""History: CF-1.8 netCDF time means per component and stream.

Stream ``h<k>`` of component ``role`` is ``OUT/hist/<case>.<role>.h<k>.nc``,
one record per period (step, day, month or year), appended, with
``time`` at the middle of the period, ``time_bnds``, the calendar, and the
CMIP fx fields ``areacella`` (m2) and ``sftlf`` / ``sftof`` (%) so totals can
be computed from the file alone. Values are means over the component's own
area fraction of each cell; cells outside its domain hold the fill value.

The coupler accumulates ``value * dt`` on the ranks that own the cells; the
sums are part of the coupler restart, so a continued run writes the same
means as an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np

from . import __version__

FILL_VALUE = np.float32(1.0e20)


@dataclass
class Accumulator:
    """Running sums of ``value * dt`` for one component in one stream."""

    sums: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)
    weight_s: float = 0.0

    def add(self, fields: dict[str, tuple[np.ndarray, dict[str, str]]], dt: float) -> None:
        for name, (value, attrs) in fields.items():
            if name in self.sums:
                self.sums[name] += value * dt
                if name not in self.attrs:  # sums restored from a restart before the component had fields
                    self.attrs[name] = attrs
            else:
                # np.array keeps 0-d sums (global quantities) as arrays, updated in place
                self.sums[name] = np.array(np.asarray(value, dtype=np.float64) * dt)
                self.attrs[name] = attrs
        self.weight_s += dt

    def reset(self) -> None:
        for v in self.sums.values():
            v[...] = 0.0
        self.weight_s = 0.0


class HistoryWriter:
    """Writes the records of one component's stream (on the writing rank only)."""

    def __init__(self, path: Path, role: str, grid: Any, cells: np.ndarray, fraction: np.ndarray,
                 fraction_name: str, case: str, frequency: str, ref_date: str, calendar: str):
        self.path = Path(path)
        self.role, self.grid, self.cells = role, grid, cells
        self.fraction, self.fraction_name = fraction, fraction_name
        self.case, self.frequency = case, frequency
        self.ref_date, self.calendar = ref_date, calendar
        self.nc: netCDF4.Dataset | None = None

    def _open(self) -> netCDF4.Dataset:
        """The file stays open across records (reopening costs milliseconds); ``sync`` makes it durable."""
        if self.nc is None:
            new = not self.path.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.nc = netCDF4.Dataset(self.path, "w" if new else "a", format="NETCDF4")
            if new:
                self._create(self.nc)
        return self.nc

    def sync(self) -> None:
        if self.nc is not None:
            self.nc.sync()

    def close(self) -> None:
        if self.nc is not None:
            self.nc.close()
            self.nc = None

    def _create(self, nc: netCDF4.Dataset) -> None:
        g = self.grid
        nc.setncatts({"title": f"lsmc {self.role} history, {self.frequency} means", "Conventions": "CF-1.8",
                      "source": f"lsmc {__version__}", "case": self.case, "frequency": self.frequency,
                      "realm": {"land": "land", "atmos": "atmos", "ocean": "ocnBgchem"}.get(self.role, self.role)})
        nc.createDimension("time", None)
        nc.createDimension("lat", g.nlat)
        nc.createDimension("lon", g.nlon)
        nc.createDimension("bnds", 2)
        t = nc.createVariable("time", "f8", ("time",))
        t.setncatts({"units": f"days since {self.ref_date}", "calendar": self.calendar, "standard_name": "time",
                     "bounds": "time_bnds", "axis": "T"})
        nc.createVariable("time_bnds", "f8", ("time", "bnds"))
        for name, axis, centres, bounds, std, units in (
                ("lat", "Y", g.lat, g.lat_bnds, "latitude", "degrees_north"),
                ("lon", "X", g.lon, g.lon_bnds, "longitude", "degrees_east")):
            v = nc.createVariable(name, "f8", (name,))
            v.setncatts({"standard_name": std, "units": units, "bounds": f"{name}_bnds", "axis": axis})
            v[:] = centres
            nc.createVariable(f"{name}_bnds", "f8", (name, "bnds"))[:] = bounds
        a = nc.createVariable("areacella", "f8", ("lat", "lon"))
        a.setncatts({"standard_name": "cell_area", "units": "m2", "long_name": "grid-cell area"})
        a[:] = g.area
        frac = np.zeros(g.ncells)
        frac[self.cells] = self.fraction
        std = {"sftlf": "land_area_fraction", "sftof": "sea_area_fraction"}[self.fraction_name]
        f = nc.createVariable(self.fraction_name, "f8", ("lat", "lon"))
        f.setncatts({"standard_name": std, "units": "%", "cell_methods": "area: mean"})
        f[:] = 100.0 * frac.reshape(g.shape)

    def write(self, t0_days: float, t1_days: float, means: dict[str, np.ndarray], attrs: dict[str, dict[str, str]]) -> None:
        nc = self._open()
        n = len(nc.dimensions["time"])
        nc.variables["time"][n] = 0.5 * (t0_days + t1_days)
        nc.variables["time_bnds"][n, :] = [t0_days, t1_days]
        where = {"land": "land", "ocean": "sea", "atmos": ""}.get(self.role, "")
        for name in sorted(means):
            scalar = np.ndim(means[name]) == 0
            if name not in nc.variables:
                a = dict(attrs[name])
                if scalar:  # a global quantity: a plain time series in double precision
                    v = nc.createVariable(name, "f8", ("time",))
                    a.setdefault("cell_methods", "time: mean")
                else:
                    v = nc.createVariable(name, "f4", ("time", "lat", "lon"), zlib=True, complevel=4,
                                          fill_value=FILL_VALUE)
                    a.setdefault("cell_methods",
                                 f"area: mean where {where} time: mean" if where else "area: time: mean")
                    a.setdefault("cell_measures", "area: areacella")
                v.setncatts(a)
            if scalar:
                nc.variables[name][n] = float(means[name])
                continue
            full = np.full(self.grid.ncells, FILL_VALUE, dtype=np.float32)
            full[self.cells] = means[name]
            nc.variables[name][n] = full.reshape(self.grid.shape)


def trim_records(path: Path, until_days: float, what: str) -> int:
    """Drop the records of an appended file (history stream, ``budget.nc``) that end after ``until_days``.

    A run killed after its last restart set may have written records past
    it; the continued run writes them again, so without this they would be
    there twice.  The records are those along the unlimited ``time``
    dimension, ending at ``time_bnds[:, 1]`` (history) or ``time``
    (budget), days since the reference date.  The file is rewritten
    through a temporary name and ``os.replace`` (netCDF cannot shrink a
    dimension), so a crash here leaves the old file.  Returns the number of
    records dropped.  A file the crash left unreadable raises
    :class:`~coupler.errors.RestartError` naming it.
    """
    import os

    from .errors import RestartError

    path = Path(path)
    if not path.exists():
        return 0
    try:
        with netCDF4.Dataset(path) as nc:
            end = nc["time_bnds"][:, 1] if "time_bnds" in nc.variables else nc["time"][:]
            keep = int(np.count_nonzero(np.asarray(end, dtype=float) <= until_days + 1e-9))
            total = len(nc.dimensions["time"])
            if keep == total:
                return 0
            tmp = path.with_name(f".{path.name}.trim")
            with netCDF4.Dataset(tmp, "w", format="NETCDF4") as out:
                out.setncatts({a: nc.getncattr(a) for a in nc.ncattrs()})
                for name, dim in nc.dimensions.items():
                    out.createDimension(name, None if dim.isunlimited() else len(dim))
                for name, var in nc.variables.items():
                    filters = var.filters() or {}
                    fill = var.getncattr("_FillValue") if "_FillValue" in var.ncattrs() else None
                    new = out.createVariable(name, var.dtype, var.dimensions, zlib=bool(filters.get("zlib")),
                                             complevel=filters.get("complevel") or 4, fill_value=fill)
                    new.setncatts({a: var.getncattr(a) for a in var.ncattrs() if a != "_FillValue"})
                    data = var[:keep] if var.dimensions[:1] == ("time",) else var[:]
                    if np.size(data):
                        new[:] = data
    except (OSError, KeyError, IndexError) as exc:
        raise RestartError(f"{path}: {what} is unreadable, probably damaged when the run was killed ({exc}); "
                           f"move it aside to continue (its records up to the restart set are lost)") from None
    os.replace(tmp, path)
    return total - keep

