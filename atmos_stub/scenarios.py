"""Forcing scenarios and historical reference series of the atmosphere.

The tables live in ``atmos_stub/data/scenarios.nc``, built once from the
shared CSV files by ``tools/make_scenarios.py`` (the model never reads the
shared data folder at run time). A user may pass the path of another file of
the same layout: one netCDF4 group per table, each with a strictly increasing
``year`` coordinate and one float variable per column.

Sources (also in the file's ``source`` attributes):

- ``ssp126``, ``ssp245``, ``ssp585``: RCMIP (Nicholls et al. 2020, GMD 13,
  5175) as packaged by the Hector simple climate model (JGCRI); observed
  concentrations and emissions to 2014, scenario after; years 1745-2300.
- ``ar6_erf``: IPCC AR6 WG1 total effective radiative forcing (W m-2)
  relative to 1750, years 1750-2019.
- ``hadcrut4``: HadCRUT4 (Morice et al. 2012) global-mean surface
  temperature anomaly relative to 1850 (K), a smoothed series, 1850-2013.

Time convention: the value of row ``year`` is placed at time ``t = year``
(in years CE, a float), and values in between are linear interpolations, so
``value(c, 1850.5)`` is the mean of the 1850 and 1851 rows. Asking for a
time outside the table is an error, never an extrapolation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coupler.errors import InputDataError
from coupler.ncfile import open_netcdf

#: The packaged file (committed; rebuilt by tools/make_scenarios.py).
PACKAGED_FILE = Path(__file__).parent / "data" / "scenarios.nc"

#: Columns every scenario table must hold (name: units).
SCENARIO_COLUMNS = {
    "co2_ppm": "ppm",
    "ch4_ppb": "ppb",
    "n2o_ppb": "ppb",
    "fossil_emissions_PgC_per_yr": "Pg C yr-1",
    "landuse_emissions_PgC_per_yr": "Pg C yr-1",
    "n2o_emissions_TgN_per_yr": "Tg N yr-1",
}

SCENARIO_NAMES = ("ssp126", "ssp245", "ssp585")

#: The CMIP6 historical period ends in 2014 (Eyring et al. 2016, GMD 9, 1937); to
#: 2014 all three SSP tables hold the same observed data, so 'historical' is
#: ssp245 cut at this year (asking beyond it is an error rather than silently
#: continuing along one scenario).
HISTORICAL_LAST_YEAR = 2014.0

ERF_GROUP, ERF_VARIABLE = "ar6_erf", "total_erf_W_m2"
HADCRUT4_GROUP, HADCRUT4_VARIABLE = "hadcrut4", "tas_anomaly_K"


@dataclass(frozen=True)
class Scenario:
    """One forcing table: ``years`` (float, years CE, strictly increasing) and named columns."""

    name: str
    years: np.ndarray
    columns: dict[str, np.ndarray]
    path: Path
    units: dict[str, str] = field(default_factory=dict)

    def value(self, column: str, year):
        """Linearly interpolated value of ``column`` at ``year`` (float or array, years CE).

        Returns a float for a scalar ``year`` and an array of the same shape
        otherwise. A year outside ``[years[0], years[-1]]`` raises
        InputDataError naming the file, the year and the valid range.
        """
        try:
            values = self.columns[column]
        except KeyError:
            raise InputDataError(f"{self.path}: table {self.name!r} has no column {column!r} "
                                 f"(available: {', '.join(self.columns)})") from None
        return _interp(self.path, self.name, self.years, values, year)


@dataclass(frozen=True)
class Series:
    """A single annual series (total ERF, observed temperature) with ``value(year)``."""

    name: str
    years: np.ndarray
    values: np.ndarray
    units: str
    path: Path

    def value(self, year):
        """Linearly interpolated value at ``year`` (float or array, years CE); no extrapolation."""
        return _interp(self.path, self.name, self.years, self.values, year)


def _interp(path: Path, name: str, years: np.ndarray, values: np.ndarray, year):
    y = np.asarray(year, dtype=np.float64)
    bad = ~((y >= years[0]) & (y <= years[-1]))  # also catches NaN requests
    if np.any(bad):
        first = y[bad].flat[0] if y.ndim else float(y)
        raise InputDataError(f"{path}: year {first:g} is outside the range of table {name!r} "
                             f"({years[0]:g}-{years[-1]:g})")
    out = np.interp(y, years, values)
    return float(out) if y.ndim == 0 else out


def _resolve(path) -> Path:
    return PACKAGED_FILE if path is None else Path(path)


def _read_group(path, group: str, variables) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, str]]:
    """Read ``year`` and ``variables`` of one group, checking everything a table can get wrong."""
    path = _resolve(path)
    nc = open_netcdf(path, "scenario file", InputDataError)
    with nc:
        if group not in nc.groups:
            raise InputDataError(f"{path}: group {group!r} missing (file has: {', '.join(nc.groups) or 'none'})")
        g = nc.groups[group]
        data, units = {}, {}
        for name in ("year", *variables):
            if name not in g.variables:
                raise InputDataError(f"{path}: variable {name!r} missing in group {group!r}")
            var = g.variables[name]
            if var.ndim != 1:
                raise InputDataError(f"{path}: variable {group}/{name} must be 1-D over 'year', has {var.dimensions}")
            # masked (fill-value) points count as missing data, like NaN
            data[name] = np.ma.filled(np.ma.asarray(var[:], dtype=np.float64), np.nan)
            units[name] = getattr(var, "units", "")
    years = data.pop("year")
    if years.size < 2:
        raise InputDataError(f"{path}: group {group!r} needs at least two years, has {years.size}")
    for name, values in (("year", years), *data.items()):
        if values.shape != years.shape:
            raise InputDataError(f"{path}: variable {group}/{name} has {values.size} values, 'year' has {years.size}")
        if not np.all(np.isfinite(values)):
            i = int(np.flatnonzero(~np.isfinite(values))[0])
            where = f"at year {years[i]:g}" if name != "year" else f"at index {i}"
            raise InputDataError(f"{path}: variable {group}/{name} holds NaN or missing values ({where})")
    steps = np.diff(years)
    if np.any(steps <= 0):
        i = int(np.flatnonzero(steps <= 0)[0])
        raise InputDataError(f"{path}: years of group {group!r} are not strictly increasing "
                             f"({years[i]:g} is followed by {years[i + 1]:g})")
    return years, data, units


def load_scenario(name: str, path=None) -> Scenario:
    """Load forcing scenario ``name`` ('ssp126', 'ssp245', 'ssp585' or 'historical').

    ``path`` is a netCDF file of the packaged layout (default: the packaged
    ``scenarios.nc``). 'historical' is ssp245 restricted to years up to 2014.
    """
    key = name.lower()
    if key not in (*SCENARIO_NAMES, "historical"):
        raise InputDataError(f"{_resolve(path)}: unknown scenario {name!r} "
                             f"(valid: {', '.join((*SCENARIO_NAMES, 'historical'))})")
    group = "ssp245" if key == "historical" else key
    years, data, units = _read_group(path, group, SCENARIO_COLUMNS)
    if key == "historical":
        keep = years <= HISTORICAL_LAST_YEAR
        if keep.sum() < 2:
            raise InputDataError(f"{_resolve(path)}: group {group!r} has no historical years up to "
                                 f"{HISTORICAL_LAST_YEAR:g}")
        years, data = years[keep], {k: v[keep] for k, v in data.items()}
    return Scenario(name=key, years=years, columns=data, path=_resolve(path),
                    units={k: units[k] or SCENARIO_COLUMNS[k] for k in SCENARIO_COLUMNS})


def load_total_erf(path=None) -> Series:
    """IPCC AR6 total effective radiative forcing relative to 1750 (W m-2), 1750-2019."""
    years, data, units = _read_group(path, ERF_GROUP, (ERF_VARIABLE,))
    return Series(ERF_GROUP, years, data[ERF_VARIABLE], units[ERF_VARIABLE] or "W m-2", _resolve(path))


def load_hadcrut4(path=None) -> Series:
    """HadCRUT4 global-mean surface temperature anomaly relative to 1850 (K), 1850-2013."""
    years, data, units = _read_group(path, HADCRUT4_GROUP, (HADCRUT4_VARIABLE,))
    return Series(HADCRUT4_GROUP, years, data[HADCRUT4_VARIABLE], units[HADCRUT4_VARIABLE] or "K",
                  _resolve(path))
