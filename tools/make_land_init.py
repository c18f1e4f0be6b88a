"""Spin up the land to its preindustrial state and ship it as the default initial state.

Runs the coupled model (lsm, atmos_stub at a constant 284.3 ppm with its
weather generator, ocean_stub) from the cold start.  Each spin-up cycle runs
one year while the land accumulates the means and losses of its slow pools
(wood, litter, soil), then jumps them to the steady state of that year
(semi-analytic spin-up, :meth:`lsm.component.LandComponent.sasu_apply`; the
jump is booked in the ledger).  After the cycles it runs ``--settle`` more
years to report the drift, and writes the land restart of the final state,
with the land and PFT fractions of its grid, to ``lsm/data/land_init.nc``.
Any grid can start from the file: the land remaps it PFT by PFT.

Usage: [mpiexec -n N] python tools/make_land_init.py [--deg 4] [--cycles 3] [--settle 1] [--out FILE]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import netCDF4
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coupler.config import full_model_driver, write_namelist  # noqa: E402
from coupler.driver import Driver, load_experiment  # noqa: E402
from coupler.restart import read_rpointer  # noqa: E402
from lsm.component import INIT_FILE  # noqa: E402



def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--deg", type=float, default=4.0)
    p.add_argument("--cycles", type=int, default=3, help="one-year semi-analytic spin-up cycles")
    p.add_argument("--settle", type=int, default=1, help="years run after the last jump (drift)")
    p.add_argument("--cycle-days", type=int, default=365,
                   help="length of a spin-up cycle in days (a year spans the seasons; shorter only for tests)")
    p.add_argument("--out", type=Path, default=INIT_FILE)
    p.add_argument("--keep", type=Path, help="keep the run folder here (history of the spin-up)")
    a = p.parse_args()
    tmp = tempfile.mkdtemp()
    outdir = a.keep or Path(tmp) / "out"
    try:
        nml = Path(tmp) / "spinup.nml"
        write_namelist(nml, {"driver": full_model_driver("land_spinup", a.deg, ocean_interval_s=86400),
                             "land": {"initial_state": "none"}, "atmos": {"co2_path": "constant"}})
        config, classes = load_experiment(nml)
        drv = Driver(config, classes, outdir, progress=True)
        land = drv.slots["land"].comp if drv.slots["land"].here else None
        rank0 = drv.rank == 0
        for cycle in range(a.cycles):
            if land is not None:
                land.sasu_begin()
            drv.run("ndays", a.cycle_days)
            if land is not None:
                added = land.sasu_apply()
                carbon = land.inventory()["carbon"]  # a collective: every land rank calls it
                if rank0:
                    print(f"cycle {cycle + 1}: semi-analytic jump {added:+.1f} Pg C, land carbon "
                          f"{carbon:.1f} Pg C", flush=True)
        start = land.inventory()["carbon"] if land is not None else 0.0
        drv.run("nyears", a.settle)
        drv.write_restart_set()
        end = land.inventory()["carbon"] if land is not None else 0.0
        drv.close()
        if rank0:
            write_init(read_rpointer(outdir) / "land.r.nc", a.out, a.deg, (end - start) / max(a.settle, 1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def write_init(restart: Path, out: Path, deg: float, drift: float) -> None:
    """Copy the land restart and add the land and PFT fractions of its grid."""
    from coupler.grid import LatLonGrid
    from lsm.surface import load_surface

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    shutil.copyfile(restart, tmp)
    surf = load_surface(LatLonGrid.regular(deg))
    with netCDF4.Dataset(tmp, "a") as nc:
        cells = np.asarray(nc["cell_index"][:])
        v = nc.createVariable("land_fraction", "f8", ("cell",), zlib=True)
        v.long_name = "land fraction of the cell"
        v[:] = surf.land_fraction[cells]
        nc.createDimension("pft", surf.pft_fraction.shape[0])
        v = nc.createVariable("pft_fraction", "f8", ("pft", "cell"), zlib=True)
        v.long_name = "PFT fractions of the land of the cell"
        v[:] = surf.pft_fraction[:, cells]
        nc.title = "lsm preindustrial spun-up state (284.3 ppm), made by tools/make_land_init.py"
        nc.drift_pgc_per_yr_after_spinup = drift
    tmp.replace(out)
    print(f"{out}: drift {drift:+.2f} Pg C/yr in the year(s) after spin-up")


if __name__ == "__main__":
    sys.exit(main())
