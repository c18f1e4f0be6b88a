"""Convert the forcing tables of ../shared/data/scenarios into atmos_stub/data/scenarios.nc.

Usage: python tools/make_scenarios.py [DATA_DIR] [--out FILE]

DATA_DIR is the shared data folder (default: ../shared/data next to the
repository); FILE defaults to atmos_stub/data/scenarios.nc. The model never
reads DATA_DIR at run time (ARCHITECTURE.md section 1): this script is run
once and its output is committed.

Layout of the output (netCDF4, zlib): one group per table, each with its own
``year`` dimension and coordinate variable and one variable per CSV column.

    /ssp126, /ssp245, /ssp585   fossil_emissions_PgC_per_yr, landuse_emissions_PgC_per_yr,
                                co2_ppm, ch4_ppb, n2o_ppb, n2o_emissions_TgN_per_yr
    /ar6_erf                    total_erf_W_m2          (CSV column RF_tot_constrain)
    /hadcrut4                   tas_anomaly_K           (CSV column tas_constrain)

Values are stored as float64 exactly as parsed from the CSV text (no
rounding, no packing), so the file reproduces the tables to the last digit.
``atmos_stub/scenarios.py`` reads this layout; a user file of the same layout
can replace it.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import netCDF4
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "atmos_stub" / "data" / "scenarios.nc"

SSP_SOURCE = ("RCMIP (Nicholls et al. 2020, Geosci. Model Dev. 13, 5175) as packaged by the Hector "
              "simple climate model (JGCRI); the numbers are data, no code is used. Observed to 2014, "
              "scenario after.")

# name in the file -> (units, long_name) for the SSP columns; the CSV column names are kept.
SSP_COLUMNS = {
    "fossil_emissions_PgC_per_yr": ("Pg C yr-1", "fossil fuel and industry CO2 emissions"),
    "landuse_emissions_PgC_per_yr": ("Pg C yr-1", "land-use change CO2 emissions"),
    "co2_ppm": ("ppm", "global-mean CO2 mole fraction"),
    "ch4_ppb": ("ppb", "global-mean CH4 mole fraction"),
    "n2o_ppb": ("ppb", "global-mean N2O mole fraction"),
    "n2o_emissions_TgN_per_yr": ("Tg N yr-1", "anthropogenic N2O emissions"),
}

# group -> (csv file, {csv column: (variable, units, long_name)}, source, title)
TABLES = {
    "ssp126": ("ssp126.csv", None, SSP_SOURCE, "SSP1-2.6 forcing table"),
    "ssp245": ("ssp245.csv", None, SSP_SOURCE, "SSP2-4.5 forcing table"),
    "ssp585": ("ssp585.csv", None, SSP_SOURCE, "SSP5-8.5 forcing table"),
    "ar6_erf": ("ar6_historical_total_erf.csv",
                {"RF_tot_constrain": ("total_erf_W_m2", "W m-2",
                                      "total effective radiative forcing of all agents relative to 1750")},
                "IPCC AR6 WG1 historical total ERF 1750-2019 (chapter 7, Forster et al. 2021; time series in Annex III, Dentener et al. 2021), as packaged by the Hector simple climate model (JGCRI)",
                "AR6 historical total effective radiative forcing"),
    "hadcrut4": ("hadcrut4_tas_anomaly.csv",
                 {"tas_constrain": ("tas_anomaly_K", "K",
                                    "observed global-mean surface temperature anomaly relative to 1850")},
                 ("HadCRUT4 (Morice et al. 2012, J. Geophys. Res. 117, D08101), as packaged by the Hector "
                  "simple climate model (JGCRI) as a smoothed series relative to 1850"),
                 "HadCRUT4 global-mean temperature anomaly"),
}

YEAR_COLUMNS = ("year", "Date")


def read_csv(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Return (years, {column: values}) of one table; any malformed row is an error naming the file."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [r for r in rows[1:] if r]
    year_col = next((c for c in YEAR_COLUMNS if c in header), None)
    if year_col is None:
        sys.exit(f"{path}: no year column (expected one of {YEAR_COLUMNS})")
    try:
        table = np.array([[float(x) for x in r] for r in body], dtype=np.float64)
    except ValueError as exc:
        sys.exit(f"{path}: non-numeric value ({exc})")
    if table.shape[1] != len(header):
        sys.exit(f"{path}: rows have {table.shape[1]} values but the header has {len(header)}")
    years = table[:, header.index(year_col)]
    if np.any(np.diff(years) <= 0) or np.any(~np.isfinite(table)):
        sys.exit(f"{path}: years not strictly increasing or values not finite")
    return years, {c: table[:, i] for i, c in enumerate(header) if c != year_col}


def write(data_dir: Path, out: Path) -> None:
    scen_dir = data_dir / "scenarios"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".nc.tmp")
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
        nc.title = "lsmc atmosphere forcing scenarios and historical reference series"
        nc.Conventions = "CF-1.8"
        nc.history = "written by tools/make_scenarios.py from ../shared/data/scenarios/*.csv"
        nc.comment = ("Each group is one table; rows are annual values placed at time t = year "
                      "(atmos_stub.scenarios interpolates linearly between them).")
        for group, (fname, columns, source, title) in TABLES.items():
            years, cols = read_csv(scen_dir / fname)
            g = nc.createGroup(group)
            g.title, g.source, g.source_file = title, source, fname
            g.createDimension("year", years.size)
            yv = g.createVariable("year", "f8", ("year",), zlib=True, complevel=9, shuffle=True)
            yv.units = "year CE"
            yv.long_name = "calendar year of the row (value placed at t = year)"
            yv[:] = years
            spec = columns or {c: (c, *SSP_COLUMNS[c]) for c in cols}
            missing = set(spec) - set(cols)
            if missing:
                sys.exit(f"{scen_dir / fname}: columns {sorted(missing)} missing")
            if columns is None and set(cols) != set(SSP_COLUMNS):
                sys.exit(f"{scen_dir / fname}: unexpected columns {sorted(set(cols) - set(SSP_COLUMNS))}")
            for col, (name, units, long_name) in spec.items():
                v = g.createVariable(name, "f8", ("year",), zlib=True, complevel=9, shuffle=True)
                v.units, v.long_name, v.source_column = units, long_name, col
                v[:] = cols[col]
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA,
                    help="shared data folder holding scenarios/ (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output file (default: %(default)s)")
    args = ap.parse_args(argv)
    write(args.data_dir, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
