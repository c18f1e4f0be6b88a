"""Long conservation run: the full coupled model for many years, the ledger checked at every step.

Runs lsm, atmos_stub and ocean_stub (preindustrial control, constant CO2) at
a coarse resolution for ``--years`` (default 100), then reads the ledger's
``budget.nc`` and reports, for carbon, nitrogen and water: the worst step
residual relative to the global stock (the run itself stops if one exceeds
the namelist tolerance, 1e-12) and the cumulative residual relative to the
stock at the end (target below 1e-10).

Usage: python benchmarks/long_conservation.py [--years 100] [--deg 30] [--coupling-s 3600]
       [--ranks N] [--out DIR [--continue]] [--json FILE]
Prints a table; with --json also writes the numbers.  Not a test: it asserts nothing, but exits 1 if a target
is missed.  At 30 degrees with hourly coupling a year takes 110-300 s on one core (the step is bound by
Python overheads at so few tiles), so 100 years take 3-8 hours; with 3-hourly coupling (``--coupling-s
10800``, global GPP and latent heat within 3 % of the hourly run's) a year takes ~45 s.  ``--out DIR
--continue`` extends the run in DIR by ``--years`` from its last restart set (written every 10 years and at
the end), with the run's own grid and coupling, so it can be run in pieces; the residuals reported are those
of the whole run so far (the ledger's cumulative residual is part of the coupler restart).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import f90nml
import netCDF4
import numpy as np

REPO = Path(__file__).resolve().parents[1]

NML = """
&driver
  case_name = 'longcons'
  start_date = '1850-01-01'
  stop_option = 'nyears'
  stop_n = {years}
  coupling_interval_s = {coupling}
  ocean_interval_s = 86400
  restart_option = 'nyears'
  restart_n = {restart_n}
  history_frequencies = 'year'
  land_model = 'lsm'
  atmos_model = 'atmos_stub'
  ocean_model = 'ocean_stub'
  land_resolution_deg = {deg}
  atmos_resolution_deg = {deg}
  ocean_resolution_deg = {deg}
/
&atmos
  co2_path = 'constant'
/
"""
#: Targets of the reliability issue: per step (relative to the stock) and cumulative (relative).
STEP_TARGET, CUMULATIVE_TARGET = 1e-12, 1e-10


def residuals(budget: Path) -> dict[str, dict[str, float]]:
    """Worst relative step residual and final relative cumulative residual per quantity in the ledger."""
    out = {}
    with netCDF4.Dataset(budget) as nc:
        for q in ("carbon", "nitrogen", "water"):
            if f"total__{q}" not in nc.variables:
                continue
            stock = np.abs(np.asarray(nc[f"total__{q}"][:], dtype=float))
            step = np.abs(np.asarray(nc[f"residual__global__{q}"][:], dtype=float))
            cum = np.asarray(nc[f"cum_residual__global__{q}"][:], dtype=float)
            out[q] = {"steps": int(stock.size), "stock_end": float(stock[-1]),
                      "worst_step_relative": float(np.max(step / stock)),
                      "cumulative_relative": float(abs(cum[-1]) / stock[-1])}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--years", type=int, default=100)
    p.add_argument("--deg", type=float, default=30.0)
    p.add_argument("--coupling-s", type=int, default=3600)
    p.add_argument("--ranks", type=int, default=1)
    p.add_argument("--out", type=Path, help="run folder (default: a temporary one)")
    p.add_argument("--json", type=Path)
    p.add_argument("--continue", dest="continue_run", action="store_true",
                   help="extend the run in --out by --years from its last restart set")
    args = p.parse_args(argv)
    if args.continue_run and args.out is None:
        p.error("--continue needs --out DIR (the folder of the run to extend)")
    out = args.out or Path(tempfile.mkdtemp(prefix="lsmc-longcons-")) / "run"
    if args.continue_run:
        cmd = [sys.executable, "-m", "coupler.cli", "run", "--continue", "--years", str(args.years), "--out", str(out),
               "--no-progress"]
        # the run keeps its own grid and coupling interval, whatever the defaults here
        driver = f90nml.read(out / "lsmc_in.nml")["driver"]
        args.deg, args.coupling_s = driver["land_resolution_deg"], driver["coupling_interval_s"]
    else:
        nml = out.parent / "longcons.nml"
        out.parent.mkdir(parents=True, exist_ok=True)
        nml.write_text(NML.format(years=args.years, deg=args.deg, coupling=args.coupling_s,
                                  restart_n=min(10, args.years)))
        cmd = [sys.executable, "-m", "coupler.cli", "run", str(nml), "--out", str(out), "--no-progress"]
    if args.ranks > 1:
        cmd = [str(Path(sys.executable).parent / "mpiexec"), "-n", str(args.ranks), *cmd]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          env={**__import__("os").environ, "HYDRA_LAUNCHER": "fork", "HYDRA_IFACE": "lo"})
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, sep="\n")
        return proc.returncode
    res = residuals(out / "budget.nc")
    print(f"{'continued by ' if args.continue_run else ''}{args.years} coupled years at {args.deg:g} degrees, coupling every {args.coupling_s} s, "
          f"{args.ranks} rank(s): {wall:.0f} s wall ({args.years / wall * 86400:.0f} SYPD)")
    print(f"  {'quantity':<9} {'steps':>8} {'worst step (rel.)':>18} {'cumulative (rel.)':>18}")
    ok = True
    for q, r in res.items():
        ok &= r["worst_step_relative"] <= STEP_TARGET and r["cumulative_relative"] <= CUMULATIVE_TARGET
        print(f"  {q:<9} {r['steps']:>8} {r['worst_step_relative']:>18.2e} {r['cumulative_relative']:>18.2e}")
    print(f"  targets: step {STEP_TARGET:g}, cumulative {CUMULATIVE_TARGET:g}: {'met' if ok else 'MISSED'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"years": args.years, "deg": args.deg, "coupling_s": args.coupling_s,
                                         "ranks": args.ranks, "wall_s": wall, "residuals": res}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
