"""Land spin-up to the preindustrial steady state, shipped as a land initial state (``lsmc spinup``).

Runs the full model (lsm, atmos_stub at a constant 284.3 ppm with its
weather generator, ocean_stub) from the land's cold start.  Each spin-up
cycle runs ``cycle_days`` (a year, so that the means span the seasons) while
the land accumulates what its spin-up needs (``land.sasu_begin()``), then
brings its slow pools towards steady state (``land.sasu_apply(soil_years,
soil_step_s)``: wood jumps semi-analytically, Xia et al. 2012, Geosci. Model
Dev. 5, 1259; the soil is integrated alone over the cycle's recorded
drivers for many years, :mod:`lsm.soil_bgc.spinup`; the change is booked in
the ledger).  How the pools move is the land's business: this module only
calls that pair.  After the cycles the
model runs a settle period without jumps, whose land carbon drift (Pg C/yr)
measures how close the state is to steady.  The land restart of the final
state, with the land and PFT fractions of its grid, is written as a land
initial state (by default the packaged ``lsm/data/land_init.nc``); any grid
can start from it, the land remaps it PFT by PFT.

Works serially and under ``mpiexec -n N``: every rank runs the driver, the
land inventory and the jump are collectives over the land ranks, and only
rank 0 prints and writes files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LsmcError, NamelistError, OutputError

#: Days per year for drift rates (the model's default noleap calendar).
DAYS_PER_YEAR = 365.0
SECONDS_PER_DAY = 86400
#: Acceptance for land after spin-up: |land carbon drift| below this, Pg C/yr.
DEFAULT_MAX_DRIFT_PGC_PER_YR = 0.1
#: Offline soil years per cycle and their steps, hours (cycles past the lists repeat the last value).
DEFAULT_SOIL_YEARS = [100, 30, 10]
DEFAULT_SOIL_STEP_HOURS = [24.0, 6.0, 3.0]
#: Case name of the spin-up run (history files, budget).
CASE_NAME = "land_spinup"
#: Free disk space the run folder needs at least, bytes (budget, history, one restart set per cycle).
MIN_FREE_BYTES = 50 * 2**20


@dataclass
class SpinupReport:
    """What a spin-up did; the same on every MPI rank.

    Attributes
    ----------
    out : Path
        The land initial state file written.
    deg : float
        Land and atmosphere grid spacing, degrees.
    cycle_days : int
        Length of each spin-up cycle, days.
    jumps_pgc : list of float
        Land carbon added (+) or removed (-) at the end of each cycle (wood jump and offline soil years), Pg C.
    land_c_pgc : list of float
        Land carbon after each cycle's jump, Pg C.
    settle_days : float
        Length of the settle run after the last jump, days (0: drift not measured).
    land_c_end_pgc : float
        Land carbon of the state written to ``out``, Pg C.
    drift_pgc_per_yr : float or None
        Land carbon change during the settle run per year, Pg C/yr; None without a settle run.
    ranks : int
        MPI ranks the spin-up ran on.
    wall_s : float
        Wall-clock time of the whole spin-up, s.
    keep : Path or None
        The kept run folder (budget, history, restart sets), if any.
    """

    out: Path
    deg: float
    cycle_days: int
    jumps_pgc: list[float] = field(default_factory=list)
    land_c_pgc: list[float] = field(default_factory=list)
    settle_days: float = 0.0
    land_c_end_pgc: float = 0.0
    drift_pgc_per_yr: float | None = None
    ranks: int = 1
    wall_s: float = 0.0
    keep: Path | None = None

    def drift_ok(self, max_drift: float) -> bool | None:
        """True if ``|drift| <= max_drift`` (Pg C/yr); None if the drift was not measured."""
        if self.drift_pgc_per_yr is None:
            return None
        return abs(self.drift_pgc_per_yr) <= max_drift

    def table(self, max_drift: float = DEFAULT_MAX_DRIFT_PGC_PER_YR) -> str:
        """The report as printed by ``lsmc spinup``: one row per cycle, then the settle drift verdict."""
        lines = [f"land spin-up at {self.deg:g} degrees on {self.ranks} rank(s): {len(self.jumps_pgc)} cycle(s) "
                 f"of {self.cycle_days} days, settle {self.settle_days:g} days, wall {self.wall_s:.1f} s",
                 f"  {'cycle':>5}  {'jump Pg C':>12}  {'land C Pg C':>12}"]
        for k, (jump, carbon) in enumerate(zip(self.jumps_pgc, self.land_c_pgc), start=1):
            lines.append(f"  {k:>5}  {jump:>+12.2f}  {carbon:>12.2f}")
        ok = self.drift_ok(max_drift)
        if ok is None:
            lines.append(f"  settle drift: not measured (no settle period; land C {self.land_c_end_pgc:.2f} Pg C)")
        else:
            lines.append(f"  settle drift: {self.drift_pgc_per_yr:+.4f} Pg C/yr over {self.settle_days:g} days, "
                         f"limit {max_drift:g} Pg C/yr: {'OK' if ok else 'EXCEEDS'}")
        lines.append(f"  land initial state written to {self.out}")
        if self.keep is not None:
            lines.append(f"  run folder kept in {self.keep}")
        return "\n".join(lines)


def resolution_problem(deg: float) -> str | None:
    """Why ``deg`` (degrees) cannot be a spin-up grid, or None if it can.

    The grid must be a regular global grid (180/deg and 360/deg whole), within
    the driver's 30 degree limit, with cell edges on the 0.5 degree lattice of
    the surface data.
    """
    if not (0.5 <= deg <= 30.0):
        return f"grid spacing {deg:g} degrees is outside 0.5 .. 30 degrees"
    for n in (180.0 / deg, 360.0 / deg, deg / 0.5):
        if abs(n - round(n)) > 1e-9 * max(1.0, n):
            return (f"grid spacing {deg:g} degrees must divide 180 and 360 and be a multiple of 0.5 degree "
                    f"(the surface data's resolution), e.g. 2, 4, 10, 15, 20 or 30")
    return None


def _per_cycle(values, cycle: int):
    """The value of ``cycle`` from a per-cycle list whose last value repeats (or a single value)."""
    if np.ndim(values) == 0:
        return values
    return values[min(cycle, len(values) - 1)]


def _argument_problem(deg: float, cycles: int, settle: int, settle_days: int | None, cycle_days: int,
                      soil_years=0, soil_step_hours=24.0) -> str | None:
    problem = resolution_problem(deg)
    if problem is not None:
        return problem
    for years in np.atleast_1d(soil_years):
        if int(years) != years or years < 0:
            return f"soil_years must be whole numbers >= 0, got {soil_years!r}"
    from lsm.soil_bgc.spinup import step_problem

    for hours in np.atleast_1d(soil_step_hours):
        if step_problem(float(hours)) is not None:
            return f"soil_step_hours {soil_step_hours!r}: {step_problem(float(hours))}"
    for name, value, minimum in (("cycles", cycles, 0), ("settle", settle, 0), ("cycle_days", cycle_days, 1),
                                 ("settle_days", 0 if settle_days is None else settle_days, 0)):
        if int(value) != value or value < minimum:
            return f"{name} must be a whole number >= {minimum}, got {value!r}"
    return None


def _writable_folder(folder: Path, what: str) -> None:
    """Create ``folder`` if needed and prove it writable with enough free space; else OutputError."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file, but must be {what}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write there, but it must be {what} ({exc.strerror or exc})") from None
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise OutputError(f"{folder}: only {free / 2**20:.0f} MiB free on its disk; the spin-up needs at least "
                          f"{MIN_FREE_BYTES / 2**20:.0f} MiB")


def _prepare_folders(out: Path, keep: Path | None) -> Path:
    """Check the output file and run folder before anything runs (on rank 0); return the run folder."""
    if out.is_dir():
        raise OutputError(f"{out}: is a folder; the output must name the land initial state file to write")
    _writable_folder(out.parent, "the (writable) folder of the output file")
    if out.exists() and not os.access(out, os.W_OK):
        raise OutputError(f"{out}: exists and is not writable")
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="lsmc-spinup-"))
    _writable_folder(keep, "the (writable) run folder to keep")
    if (keep / "rpointer").exists():
        raise OutputError(f"{keep}: already holds a run (rpointer exists); choose another folder to keep the "
                          f"spin-up in")
    return keep


def spinup_namelist(deg: float, namelist: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The namelist groups of the spin-up run at ``deg`` degrees.

    The full model from the land's cold start (``&land initial_state =
    'none'``) at a constant preindustrial CO2, daily ocean coupling.  A user
    ``namelist`` file is validated on its own first (so errors name it), then
    its groups are merged key by key over these; ``deg`` always sets the land
    and atmosphere resolution.
    """
    from .config import full_model_driver, read_namelist_file
    from .driver import load_experiment

    groups: dict[str, dict[str, Any]] = {
        "driver": full_model_driver(CASE_NAME, deg, ocean_interval_s=SECONDS_PER_DAY),
        "land": {"initial_state": "none"},
        "atmos": {"co2_path": "constant"},
    }
    if namelist is not None:
        config, classes = load_experiment(namelist)
        land_cls = classes["land"]
        if not (hasattr(land_cls, "sasu_begin") and hasattr(land_cls, "sasu_apply")):
            raise NamelistError(f"{namelist}: &driver: land_model = {config.driver.land_model!r} has no "
                                f"semi-analytic spin-up (sasu_begin/sasu_apply); the spin-up needs 'lsm'")
        for gname, values in read_namelist_file(namelist).items():
            groups.setdefault(gname, {}).update(values)
        groups["driver"]["land_resolution_deg"] = groups["driver"]["atmos_resolution_deg"] = float(deg)
    return groups


def spin_up(deg: float = 2.0, cycles: int = 3, settle: int = 1, cycle_days: int = 365,
            out: str | Path | None = None, keep: str | Path | None = None, progress: bool = True,
            namelist: str | Path | None = None, settle_days: int | None = None, comm: Any = None,
            quiet: bool = False, soil_years: int | list[int] = DEFAULT_SOIL_YEARS,
            soil_step_hours: float | list[float] = DEFAULT_SOIL_STEP_HOURS) -> SpinupReport:
    """Spin up the land and write its final state as a land initial state.

    Parameters
    ----------
    deg : float
        Land and atmosphere grid spacing, degrees (divides 180, multiple of 0.5, at most 30).
    cycles : int
        Spin-up cycles (>= 0).
    settle : int
        Years run after the last jump to measure the drift (>= 0); replaced by ``settle_days`` if given.
    cycle_days : int
        Length of each cycle, days (>= 1; 365 spans the seasons, shorter only for tests).
    out : path, optional
        Land initial state file to write (default the packaged ``lsm.component.INIT_FILE``).
    keep : path, optional
        Keep the run folder (budget, history, restart sets) here; default: a temporary folder, removed.
    progress : bool
        Show a progress bar on rank 0.
    namelist : path, optional
        Namelist whose groups are merged over the spin-up's settings (see :func:`spinup_namelist`).
    settle_days : int, optional
        Settle period in days instead of ``settle`` years (for short tests).
    soil_years : int or list of int
        Years the soil is integrated alone over each cycle's recorded drivers (one per cycle, the last
        repeated; see :mod:`lsm.soil_bgc.spinup`).
    soil_step_hours : float or list of float
        Time step of those offline years, hours dividing a day, per cycle like ``soil_years``.
    comm : MPI communicator, optional
        Default ``MPI.COMM_WORLD``; every rank of it must call this function.
    quiet : bool
        Do not print a line per cycle.

    Returns
    -------
    SpinupReport
        The same on every rank.

    Raises
    ------
    ValueError
        A bad argument (before anything runs).
    LsmcError
        A namelist, output folder or model error (``collective`` when every rank raises it).
    """
    from mpi4py import MPI

    from .config import write_namelist
    from .driver import Driver, load_experiment
    from .parallel import on_root
    from .restart import read_rpointer

    t_start = time.perf_counter()
    world = comm if comm is not None else MPI.COMM_WORLD
    rank = world.Get_rank()
    if out is None:
        from lsm.component import INIT_FILE

        out = INIT_FILE
    out, keep = Path(out), (Path(keep) if keep is not None else None)
    problem = _argument_problem(deg, cycles, settle, settle_days, cycle_days, soil_years, soil_step_hours)
    if problem is not None:
        raise ValueError(problem)
    settle_option, settle_n = ("ndays", settle_days) if settle_days is not None else ("nyears", settle)
    try:  # every rank reads the same files, so these errors happen on all ranks alike
        groups = spinup_namelist(deg, namelist)
    except LsmcError as exc:
        exc.collective = True
        raise
    run_dir = on_root(world, lambda: _prepare_folders(out, keep))
    local_tmp = Path(tempfile.mkdtemp(prefix="lsmc-spinup-nml-"))  # per rank: node-local /tmp is fine
    try:
        nml = local_tmp / "spinup.nml"
        write_namelist(nml, groups)
        try:
            config, classes = load_experiment(nml)
        except LsmcError as exc:
            exc.collective = True
            raise
        if keep is not None:
            on_root(world, lambda: write_namelist(keep / "lsmc_in.nml", groups))
        drv = Driver(config, classes, run_dir, world, progress=progress)
        slot = drv.slots["land"]
        land = slot.comp if slot.here else None
        land_root = slot.world_ranks[0]  # rank 0 in every layout today; broadcast from it all the same

        def land_carbon() -> float:
            carbon = land.inventory()["carbon"] if land is not None else None  # a collective over land ranks
            return world.bcast(carbon, root=land_root)

        report = SpinupReport(out=out, deg=float(deg), cycle_days=int(cycle_days), ranks=world.Get_size(), keep=keep)
        for cycle in range(cycles):
            t0 = time.perf_counter()
            if land is not None:
                land.sasu_begin()
            drv.run("ndays", cycle_days)
            years, hours = _per_cycle(soil_years, cycle), _per_cycle(soil_step_hours, cycle)
            t1 = time.perf_counter()
            # a collective over land ranks
            added = land.sasu_apply(soil_years=years, soil_step_s=hours * 3600.0) if land is not None else None
            added = world.bcast(added, root=land_root)
            carbon = land_carbon()
            report.jumps_pgc.append(added)
            report.land_c_pgc.append(carbon)
            if rank == 0 and not quiet:
                print(f"cycle {cycle + 1}/{cycles}: jump {added:+.2f} Pg C after {years} offline soil years at "
                      f"{hours:g} h steps ({time.perf_counter() - t1:.1f} s), land carbon {carbon:.2f} Pg C "
                      f"({time.perf_counter() - t0:.1f} s)", flush=True)
        start, t_settle = land_carbon(), drv.clock.elapsed_s
        if settle_n > 0:
            drv.run(settle_option, settle_n)  # ends with a restart set of the final state
        else:
            drv.write_restart_set()  # the state after the last jump
        drv.close()
        report.land_c_end_pgc = land_carbon()
        report.settle_days = (drv.clock.elapsed_s - t_settle) / SECONDS_PER_DAY
        if report.settle_days > 0:
            report.drift_pgc_per_yr = (report.land_c_end_pgc - start) / (report.settle_days / DAYS_PER_YEAR)
        attrs = {"spinup_cycles": int(cycles), "spinup_cycle_days": int(cycle_days),
                 "spinup_soil_years": str(soil_years), "spinup_soil_step_hours": str(soil_step_hours),
                 "settle_days": report.settle_days, "ranks": world.Get_size()}
        land_cfg = config["land"].values
        on_root(world, lambda: write_init(read_rpointer(run_dir) / "land.r.nc", out, deg, report.drift_pgc_per_yr,
                                          surface_file=land_cfg.get("surface_file"),
                                          texture_file=land_cfg.get("texture_file"), attrs=attrs))
    finally:
        shutil.rmtree(local_tmp, ignore_errors=True)
        if rank == 0 and keep is None:
            shutil.rmtree(run_dir, ignore_errors=True)
    report.wall_s = world.bcast(time.perf_counter() - t_start, root=0)
    return report


def write_init(restart: Path, out: Path, deg: float, drift: float | None, surface_file: str | None = None,
               texture_file: str | None = None, attrs: dict[str, Any] | None = None) -> None:
    """Copy the land restart ``restart`` to ``out`` and add the land and PFT fractions of its grid.

    ``deg`` is the grid spacing (degrees) of the restart, ``drift`` the land
    carbon drift after the spin-up (Pg C/yr; None if not measured),
    ``surface_file``/``texture_file`` the run's surface data (None or '' for
    the packaged ones), ``attrs`` further global attributes.  The file is
    written under a temporary name and renamed, so ``out`` is never half
    written.  Raises OutputError if it cannot be written.
    """
    import netCDF4

    from coupler.grid import LatLonGrid
    from lsm.surface import load_surface

    restart, out = Path(restart), Path(out)
    tmp = out.with_name(out.name + ".tmp")
    surf = load_surface(LatLonGrid.regular(deg), surface_file or None, texture_file or None)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(restart, tmp)
        with netCDF4.Dataset(tmp, "a") as nc:
            cells = np.asarray(nc["cell_index"][:])
            v = nc.createVariable("land_fraction", "f8", ("cell",), zlib=True)
            v.long_name = "land fraction of the cell"
            v.units = "1"
            v[:] = surf.land_fraction[cells]
            nc.createDimension("pft", surf.pft_fraction.shape[0])
            v = nc.createVariable("pft_fraction", "f8", ("pft", "cell"), zlib=True)
            v.long_name = "PFT fractions of the land of the cell"
            v.units = "1"
            v[:] = surf.pft_fraction[:, cells]
            nc.title = "lsm preindustrial spun-up state (284.3 ppm), made by lsmc spinup"
            if drift is not None:
                nc.drift_pgc_per_yr_after_spinup = float(drift)
            for key, value in (attrs or {}).items():
                nc.setncattr(key, value)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{out}: cannot write the land initial state ({exc.strerror or exc})") from None

