"""Grid the University of Delaware land climatology onto the global 0.5 degree grid.

Usage: python tools/make_climatology.py [CSV] [OUT]

Reads ``../shared/data/land/udel_climate_0.5deg.csv`` (one row per observed
0.5 degree land cell: ``Latitude, Longitude`` of the cell centre in degrees,
``MAT`` in degC, ``MAP`` in mm/yr) and writes
``atmos_stub/data/climatology_0.5deg.nc``: ``mat`` (K) and ``map`` (mm yr-1)
on the 360 x 720 grid of :meth:`coupler.grid.LatLonGrid.regular` (0.5)
(latitudes from -90, longitudes from 0 to 360 east), float32, with
``_FillValue`` where the source has no cell. The package reads only this
file at run time, never the CSV.

The CSV longitudes run from -180 to 180; they are wrapped to [0, 360) so the
file's column order is that of the model grid. Every row must be a distinct
0.5 degree cell centre, which is checked, so the gridding loses nothing.
"""

from __future__ import annotations


import sys
from pathlib import Path

import netCDF4
import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from tools.netcdf_grid import write_lat_lon  # noqa: E402

DEFAULT_CSV = REPO.parent / "shared" / "data" / "land" / "udel_climate_0.5deg.csv"
DEFAULT_OUT = REPO / "atmos_stub" / "data" / "climatology_0.5deg.nc"

NLAT, NLON, DEG = 360, 720, 0.5
FILL = np.float32(-1.0e30)
ZERO_CELSIUS_K = 273.15
EXPECTED_ROWS = 85794

SOURCE = ("University of Delaware terrestrial air temperature and precipitation climatology "
          "(Willmott & Matsuura), 0.5 degree land cells, as summarised for Jian et al. (2022)")
REFERENCES = ("Willmott, C. J. and K. Matsuura: Terrestrial Air Temperature and Precipitation: "
              "Monthly and Annual Time Series, University of Delaware; "
              "Jian, J., Bailey, V., Dorheim, K. et al. (2022), Historically inconsistent productivity "
              "and respiration fluxes in the global terrestrial carbon cycle, Nat. Commun. 13, 1733, "
              "doi:10.1038/s41467-022-29391-5")


def read_csv(path: Path) -> dict[str, np.ndarray]:
    with open(path) as fh:
        header = fh.readline().strip().split(",")
    want = ["Latitude", "Longitude", "MAT", "MAP"]
    if header != want:
        raise SystemExit(f"{path}: expected columns {want}, found {header}")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != 4:
        raise SystemExit(f"{path}: expected 4 numeric columns")
    if data.shape[0] != EXPECTED_ROWS:
        print(f"warning: {path} has {data.shape[0]} rows, the documented file has {EXPECTED_ROWS}")
    if not np.all(np.isfinite(data)):
        raise SystemExit(f"{path}: non-numeric or missing values")
    return dict(zip(want, data.T))


def grid_indices(lat: np.ndarray, lon: np.ndarray, path: Path) -> np.ndarray:
    """Flat indices ``j * 720 + i`` of the 0.5 degree cells whose centres the rows give."""
    lon360 = np.mod(lon, 360.0)
    # Centres sit at odd multiples of 0.25 degrees; anything else is not this grid.
    fj = (lat + 90.0) / DEG - 0.5
    fi = lon360 / DEG - 0.5
    j = np.rint(fj).astype(np.int64)
    i = np.rint(fi).astype(np.int64)
    if np.max(np.abs(fj - j)) > 1e-6 or np.max(np.abs(fi - i)) > 1e-6:
        raise SystemExit(f"{path}: some coordinates are not 0.5 degree cell centres")
    if j.min() < 0 or j.max() >= NLAT or i.min() < 0 or i.max() >= NLON:
        raise SystemExit(f"{path}: coordinates outside the globe")
    flat = j * NLON + i
    if np.unique(flat).size != flat.size:
        raise SystemExit(f"{path}: duplicate cells")
    return flat


def write(out: Path, mat_k: np.ndarray, map_mm: np.ndarray, csv: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".nc.tmp")
    lat_edges = np.linspace(-90.0, 90.0, NLAT + 1)
    lon_edges = np.linspace(0.0, 360.0, NLON + 1)
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        ds.title = "Observed mean annual near-surface air temperature and precipitation of land cells, 0.5 degree"
        ds.Conventions = "CF-1.8"
        ds.source = SOURCE
        ds.references = REFERENCES
        ds.history = f"created by tools/make_climatology.py from {csv.name}"
        ds.comment = ("Cells without observed land data hold _FillValue. Source longitudes (-180..180) "
                      "were wrapped to 0..360 east.")
        write_lat_lon(ds, lat_edges, lon_edges)
        opts = {"zlib": True, "complevel": 9, "shuffle": True, "fill_value": FILL}
        v = ds.createVariable("mat", "f4", ("lat", "lon"), **opts)
        v.units = "K"
        v.standard_name = "air_temperature"
        v.long_name = "mean annual near-surface air temperature (source MAT in degC + 273.15)"
        v.cell_methods = "time: mean"
        v[:] = np.ma.masked_invalid(mat_k.reshape(NLAT, NLON)).astype(np.float32)
        v = ds.createVariable("map", "f4", ("lat", "lon"), **opts)
        v.units = "mm yr-1"
        v.long_name = "mean annual precipitation (1 mm yr-1 = 1 kg m-2 yr-1)"
        v.cell_methods = "time: mean"
        v[:] = np.ma.masked_invalid(map_mm.reshape(NLAT, NLON)).astype(np.float32)
    tmp.replace(out)


def main(argv: list[str]) -> int:
    csv = Path(argv[1]) if len(argv) > 1 else DEFAULT_CSV
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    cols = read_csv(csv)
    flat = grid_indices(cols["Latitude"], cols["Longitude"], csv)
    mat_k = np.full(NLAT * NLON, np.nan)
    map_mm = np.full(NLAT * NLON, np.nan)
    mat_k[flat] = cols["MAT"] + ZERO_CELSIUS_K
    map_mm[flat] = cols["MAP"]
    if np.any(cols["MAP"] < 0):
        raise SystemExit(f"{csv}: negative precipitation")
    write(out, mat_k, map_mm, csv)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {flat.size} land cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
