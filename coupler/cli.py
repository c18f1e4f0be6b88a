"""The ``lsmc`` command line: run, validate, budget, compare.

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
    return p


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


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "budget": cmd_budget, "compare": cmd_compare}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except LsmcError as exc:
        return _fail(str(exc), exc.exit_code, exc.collective)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception:
        # a bug, not a user error: keep the traceback, but never leave other ranks hanging
        if args.command == "run" and _world().Get_size() > 1:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
            _world().Abort(1)
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
    sys.stderr.flush()
    if size > 1:
        _world().Abort(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
