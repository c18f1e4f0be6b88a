"""The ``lsmc`` command line: run, validate, budget, compare, spinup, feedback, plot, diagnose.

Errors a user can cause print one line (``lsmc: error: ...``) and exit
non-zero; in a parallel run the failing rank's message is printed and every
rank stops (MPI Abort), so a job never hangs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from . import __version__
from .errors import LsmcError, NamelistError, OutputError

DEFAULT_NAMELIST = Path("namelists") / "default.nml"
SAVED_NAMELIST = "lsmc_in.nml"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lsmc", description="lsmc: land surface model coupled to ocean and "
                                "atmosphere carbon through a conserving MPI flux coupler.")
    p.add_argument("--version", action="version", version=f"lsmc {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run an experiment (serial, or under mpiexec)")
    r.add_argument("namelist", nargs="?", help=f"namelist file (default {DEFAULT_NAMELIST}; with --continue, "
                   f"the copy saved in the output folder)")
    r.add_argument("--out", help="output folder (default output/<case_name>)")
    length = r.add_mutually_exclusive_group()
    length.add_argument("--years", type=int, help="run length in years (overrides stop_option/stop_n)")
    length.add_argument("--months", type=int, help="run length in months")
    length.add_argument("--days", type=int, help="run length in days")
    length.add_argument("--steps", type=int, help="run length in coupling steps")
    r.add_argument("--continue", dest="continue_run", action="store_true",
                   help="resume from the latest complete restart set in --out and run the given length further")
    r.add_argument("--layout", choices=("sequential", "concurrent"), help="override &driver layout")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    v = sub.add_parser("validate", help="check a namelist and print its settings")
    v.add_argument("namelist")
    b = sub.add_parser("budget", help="print the ledger of a run as a table")
    b.add_argument("outdir")
    b.add_argument("--every", type=int, default=0, help="print every N-th step (default: about 20 rows)")
    c = sub.add_parser("compare", help="bit-for-bit comparison of two output folders")
    c.add_argument("a")
    c.add_argument("b")
    # analysis commands with their own argument parsers (main() hands them the rest of the command line)
    for name, text in DELEGATED_HELP.items():
        sub.add_parser(name, help=text, add_help=False)
    s = sub.add_parser("spinup", help="spin up the land and write its initial state file (serial, or under mpiexec)",
                       description="Spin up the land from its cold start in cycles (each runs the full model for "
                       "a year, jumps wood to its steady state and integrates the soil alone over the year's recorded "
                       "drivers for many years), run a settle period to measure the land carbon drift, and write "
                       "the final state as a land initial state file.")
    s.add_argument("--deg", type=_resolution, default=2.0, metavar="DEGREES",
                   help="land and atmosphere grid spacing in degrees; divides 180, a multiple of 0.5, at most 30 "
                   "(default 2)")
    s.add_argument("--cycles", type=_whole(0), default=3, metavar="N", help="spin-up cycles (default 3)")
    s.add_argument("--soil-years", type=_whole_list, default="100,30,10", metavar="N[,N...]",
                   help="years the soil is integrated alone over each cycle's recorded drivers, one value per "
                   "cycle, the last repeated (default 100,30,10)")
    s.add_argument("--soil-step-hours", type=_real_list, default="24,6,3", metavar="H[,H...]",
                   help="time step of those offline soil years in hours, dividing a day, per cycle like "
                   "--soil-years (default 24,6,3: long steps first, shorter ones to finish)")
    s.add_argument("--cycle-days", type=_whole(1), default=365, metavar="DAYS",
                   help="length of one cycle in days (default 365: a year spans the seasons; shorter only for tests)")
    settle = s.add_mutually_exclusive_group()
    settle.add_argument("--settle", type=_whole(0), default=1, metavar="YEARS",
                        help="years run after the last jump to measure the land carbon drift (default 1; 0: none)")
    settle.add_argument("--settle-days", type=_whole(0), metavar="DAYS",
                        help="the settle period in days instead of years (for short tests)")
    s.add_argument("--out", type=Path, metavar="FILE",
                   help="land initial state file to write (default: the packaged lsm/data/land_init.nc, which "
                   "every run with &land initial_state = '' starts from)")
    s.add_argument("--keep", type=Path, metavar="DIR",
                   help="keep the spin-up run folder (budget, history, restart sets) here (default: a temporary "
                   "folder, removed at the end)")
    s.add_argument("--max-drift", type=_real(0.0), default=0.1, metavar="PGC_PER_YR",
                   help="acceptable |land carbon drift| during the settle period, Pg C/yr (default 0.1)")
    s.add_argument("--strict", action="store_true",
                   help="exit 1 if the drift exceeds --max-drift (default: report OK/EXCEEDS, exit 0)")
    s.add_argument("--namelist", metavar="NML",
                   help="namelist whose groups are merged key by key over the spin-up's settings (e.g. &land "
                   "options); --deg always sets the land and atmosphere resolution")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _whole(minimum: int):
    """argparse type: a whole number >= ``minimum``."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return convert


def _whole_list(text: str) -> list[int]:
    """argparse type: comma-separated whole numbers >= 0."""
    return [_whole(0)(part.strip()) for part in text.split(",")]


def _real_list(text: str) -> list[float]:
    """argparse type: comma-separated step lengths in hours that divide a day."""
    from lsm.soil_bgc.spinup import step_problem

    values = [_real(0.0)(part.strip()) for part in text.split(",")]
    for v in values:
        if step_problem(v) is not None:
            raise argparse.ArgumentTypeError(step_problem(v))
    return values


def _real(minimum: float):
    """argparse type: a finite real number >= ``minimum``."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value >= minimum or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be a finite number >= {minimum:g}, got {text}")
        return value

    return convert


def _resolution(text: str) -> float:
    """argparse type: a grid spacing in degrees that the spin-up's grids and surface data accept."""
    from .spinup import resolution_problem

    value = _real(0.0)(text)
    problem = resolution_problem(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return value


def _world():
    from mpi4py import MPI

    return MPI.COMM_WORLD


def _check_writable(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=outdir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OutputError(f"{outdir}: output folder is not writable ({exc.strerror or exc})") from None
    free = shutil.disk_usage(outdir).free
    if free < 50 * 2**20:
        raise OutputError(f"{outdir}: only {free / 2**20:.0f} MiB free on its disk; lsmc needs at least 50 MiB")


def cmd_run(args: argparse.Namespace) -> int:
    from .config import write_namelist
    from .driver import Driver, load_experiment
    from .parallel import on_root

    world = _world()
    rank = world.Get_rank()
    try:  # every rank reads the same namelist, so these errors happen on all ranks alike
        if args.continue_run and not args.out:
            raise NamelistError("--continue needs --out DIR (the folder of the run to continue)")
        namelist = args.namelist
        if namelist is None:
            namelist = str(Path(args.out) / SAVED_NAMELIST) if args.continue_run else str(DEFAULT_NAMELIST)
        config, classes = load_experiment(namelist)
    except LsmcError as exc:
        exc.collective = True
        raise
    d = config.driver
    if args.layout:
        d.values["layout"] = args.layout
    outdir = Path(args.out) if args.out else Path("output") / d.case_name

    def prepare() -> None:
        _check_writable(outdir)
        if not args.continue_run and (outdir / "rpointer").exists():
            raise OutputError(f"{outdir}: already holds a run (rpointer exists); use --continue to extend it "
                              f"or choose another --out")
        if not args.continue_run:
            write_namelist(outdir / SAVED_NAMELIST, config.raw)

    on_root(world, prepare)
    option, n = d.stop_option, d.stop_n
    for unit, opt in (("years", "nyears"), ("months", "nmonths"), ("days", "ndays"), ("steps", "nsteps")):
        if getattr(args, unit) is not None:
            option, n = opt, getattr(args, unit)
    driver = Driver(config, classes, outdir, world, continue_run=args.continue_run,
                    progress=not args.no_progress)
    start = driver.clock.now
    summary = driver.run(option, n)
    if rank == 0:
        print(f"lsmc {__version__}: {d.case_name} ran {summary['steps']} coupling steps from {start} to "
              f"{driver.clock.now} on {summary['ranks']} rank(s), layout {summary['layout']}")
        print(f"  wall {summary['wall_s']:.2f} s (init {summary['init_s']:.2f} s), {summary['sypd']:.1f} SYPD")
        for role, seconds in summary["components"].items():
            print(f"  {role:<8} {seconds:9.3f} s")
        print(f"  {'coupler':<8} {summary['coupler_s']:9.3f} s")
        print(f"  {'I/O':<8} {summary['io_s']:9.3f} s")
        print(f"  output in {outdir}")
        print(summary["verdict"])
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .driver import load_experiment

    config, classes = load_experiment(args.namelist)
    print(f"{args.namelist}: valid")
    for gname, group in config.groups.items():
        cls = classes.get(gname)
        label = f" ({cls.__module__}:{cls.__name__})" if cls is not None else ""
        print(f"&{gname}{label}")
        for key, value in group.values.items():
            s = group.settings[key]
            flag = "" if key in config.raw.get(gname, {}) else "  (default)"
            print(f"  {key} = {value!r} {s.units}{flag}".rstrip())
    return 0


def cmd_budget(args: argparse.Namespace) -> int:
    from .budget_report import print_budget

    print_budget(Path(args.outdir), args.every)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare_folders

    diffs = compare_folders(Path(args.a), Path(args.b))
    if not diffs:
        print(f"{args.a} and {args.b} are bit-for-bit identical")
        return 0
    print(f"{args.a} and {args.b} differ in {len(diffs)} file(s); first difference:")
    print(f"  {diffs[0]}")
    for d in diffs[1:]:
        print(f"  also: {d}")
    return 1


def cmd_spinup(args: argparse.Namespace) -> int:
    from .spinup import spin_up

    report = spin_up(deg=args.deg, cycles=args.cycles, settle=args.settle, cycle_days=args.cycle_days,
                     out=args.out, keep=args.keep, progress=not args.no_progress, namelist=args.namelist,
                     settle_days=args.settle_days, soil_years=args.soil_years,
                     soil_step_hours=args.soil_step_hours)
    # the report is the same on every rank, so every rank returns the same status (no rank aborts)
    exceeded = report.drift_ok(args.max_drift) is False
    if _world().Get_rank() == 0:
        print(report.table(args.max_drift), flush=True)
        if args.strict and exceeded:
            print(f"lsmc: error: land carbon drift {report.drift_pgc_per_yr:+.4f} Pg C/yr exceeds --max-drift "
                  f"{args.max_drift:g} Pg C/yr (--strict); {report.out} was written all the same",
                  file=sys.stderr, flush=True)
    return 1 if args.strict and exceeded else 0


def _diagnose(argv: list[str]) -> int:
    """``lsmc diagnose NAME ...``: the named diagnostic's own command line."""
    from importlib import import_module

    if not argv or argv[0] not in DIAGNOSTICS:
        print(f"usage: lsmc diagnose {{{','.join(DIAGNOSTICS)}}} [...]  (lsmc diagnose NAME --help)",
              file=sys.stderr)
        return 2
    return import_module(DIAGNOSTICS[argv[0]]).main(argv[1:])


def _delegate(module: str):
    def run(argv: list[str]) -> int:
        from importlib import import_module

        return import_module(module).main(argv)
    return run


#: ``lsmc diagnose NAME``: module with a ``main(argv)``.
DIAGNOSTICS = {"jian2022": "coupler.jian2022"}
DELEGATED_HELP = {
    "feedback": "carbon-climate feedbacks (beta, gamma, TCRE) from the 1pctCO2 family: COUPLED BGC [RAD]",
    "plot": "PNG maps and time series of a run: OUTDIR [--out FIGDIR]",
    "diagnose": "diagnostics against the literature: jian2022 [OUTDIR] (soil respiration chain, Jian et al. 2022)",
}
DELEGATED = {"feedback": _delegate("coupler.feedback"), "plot": _delegate("coupler.plots"), "diagnose": _diagnose}

COMMANDS = {"run": cmd_run, "validate": cmd_validate, "budget": cmd_budget, "compare": cmd_compare,
            "spinup": cmd_spinup}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DELEGATED:
        return DELEGATED[argv[0]](argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "spinup" and args.strict and (args.settle_days == 0 or
                                                     (args.settle_days is None and args.settle == 0)):
        # checked before anything runs: without a settle period there is no drift for --strict to judge
        parser.error("spinup --strict needs a settle period (--settle YEARS or --settle-days DAYS > 0) to "
                     "measure the drift")
    try:
        return COMMANDS[args.command](args)
    except LsmcError as exc:
        return _fail(str(exc), exc.exit_code, exc.collective)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception:
        # a bug, not a user error: keep the traceback, but never leave other ranks hanging
        if args.command in ("run", "spinup") and _world().Get_size() > 1:
            import traceback

            traceback.print_exc()
            _abort(1)
        raise


def _fail(message: str, code: int, collective: bool = False) -> int:
    """Report an error; a rank-local error in a parallel run aborts every rank."""
    rank, size = 0, 1
    if "mpi4py.MPI" in sys.modules:
        rank, size = _world().Get_rank(), _world().Get_size()
    if size > 1 and collective:
        if rank == 0:
            print(f"lsmc: error: {message}", file=sys.stderr)
        return code
    note = f" [rank {rank}]" if size > 1 else ""
    print(f"lsmc: error{note}: {message}", file=sys.stderr)
    if size > 1:
        _abort(code)
    sys.stderr.flush()
    return code


def _abort(code: int) -> None:
    """Stop every rank after this one's message has reached the launcher.

    MPI_Abort kills the job at once; the launcher forwards a rank's output
    asynchronously and dropped the message about one time in ten, so wait a
    moment after flushing.
    """
    import time

    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(ABORT_GRACE_S)
    _world().Abort(code)


#: Seconds a failing rank waits between printing its message and aborting the job.
ABORT_GRACE_S = 1.0


if __name__ == "__main__":
    sys.exit(main())
