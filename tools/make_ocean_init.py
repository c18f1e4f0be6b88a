"""Spin up ocean_stub to its preindustrial steady state and ship it as the default initial state.

Runs the coupled model (atmos_stub at 284.3 ppm, the observed land mask, the
ocean on its default 4 degree grid) for one year while the ocean averages
its forcing, lets the ocean jump to the exact steady state of its equations
under that forcing (ocean_stub/spinup.py), runs one more year to check the
drift, and writes ``ocean_stub/data/ocean_init.nc``: the surface tracers on
the full grid (cells outside this land mask filled with their band's mean, so
that other masks can start from it) and the interior boxes.

Usage: python tools/make_ocean_init.py [OUTFILE]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import netCDF4
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocean_stub.component import INIT_FILE, TRACERS  # noqa: E402
from ocean_stub.geometry import BANDS  # noqa: E402
from tests.ocean.ocean_config import ocean_driver  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else INIT_FILE
    with tempfile.TemporaryDirectory() as tmp:
        drv = ocean_driver(Path(tmp), ocean="  spinup_days = 365\n  initial_state = 'none'", deg=(10.0, 10.0, 4.0))
        ocean = drv.slots["ocean"].comp
        drv.run("ndays", 365)
        spun = ocean.carbon
        drv.run("ndays", 365)
        drift = ocean.carbon - spun
        grid = ocean.decomp.grid
        cells = ocean.decomp.cells
        out.parent.mkdir(parents=True, exist_ok=True)
        with netCDF4.Dataset(out, "w") as nc:
            nc.title = "ocean_stub preindustrial steady state (284.3 ppm), made by tools/make_ocean_init.py"
            nc.drift_pgc_per_yr_after_spinup = drift
            nc.export_pgc_per_yr = ocean.export_pgc_yr
            nc.carbon_pgc = ocean.carbon
            nc.createDimension("lat", grid.nlat)
            nc.createDimension("lon", grid.nlon)
            nc.createDimension("band", len(BANDS))
            nc.createDimension("layer", 2)
            band = ocean.geometry.band
            for k, name in enumerate(TRACERS):
                full = np.empty(grid.ncells)
                for b in range(len(BANDS)):
                    lat_band = np.digitize(grid.lat[np.arange(grid.ncells) // grid.nlon], (-50.0, 50.0)) == b
                    full[lat_band] = ocean.surface[k][band == b].mean()
                full[cells] = ocean.surface[k]
                v = nc.createVariable(name, "f8", ("lat", "lon"), zlib=True)
                v.units = "mol m-3"
                v[:] = full.reshape(grid.shape)
                vi = nc.createVariable(f"{name}_interior", "f8", ("band", "layer"))
                vi.units = "mol m-3"
                vi[:] = ocean.interior[k]
            s = nc.createVariable("sst_ref", "f8", ())
            s.units = "K"
            s.long_name = "global-mean SST of the spin-up climate (zero warming)"
            s[...] = ocean.sst_ref_K
    print(f"{out}: carbon {spun:.1f} Pg C, export {ocean.export_pgc_yr:.2f} Pg C/yr, "
          f"drift {drift:+.4f} Pg C/yr in the year after spin-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
