"""Ocean cost: one ocean day (4 degree default grid) split by process, and simulated ocean years per day.

Usage: python benchmarks/bench_ocean.py [--json FILE]. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocean_stub import carbonate  # noqa: E402
from tests.ocean.ocean_config import ocean_driver  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--json")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        drv = ocean_driver(Path(tmp), deg=(10.0, 10.0, 4.0))
        ocean = drv.slots["ocean"].comp
        drv.run("ndays", 5)  # warm up
        slot = drv.slots["ocean"]
        t0, c0 = time.perf_counter(), slot.timer
        drv.run("ndays", 100)
        wall = (time.perf_counter() - t0) / 100
        ocean_day = (slot.timer - c0) / 100
        n = ocean.decomp.nlocal
        coef = ocean._coefficients()
        rates = ocean.circ.rates(0.0)
        reps = 50
        t = time.perf_counter()
        for _ in range(reps):
            ocean.tendencies(ocean.surface, ocean.interior, coef, rates)
        tend = (time.perf_counter() - t) / reps
        t = time.perf_counter()
        for _ in range(reps):
            carbonate.carbonate_system(ocean.surface[0] / 1025, ocean.surface[1] / 1025, coef["sst"], 34.7)
        chem = (time.perf_counter() - t) / reps
    res = {"ocean_cells": n, "ocean_ms_per_day": ocean_day * 1e3, "ns_per_cell_day": ocean_day / n * 1e9,
           "tendencies_ms": tend * 1e3, "carbonate_ms": chem * 1e3,
           "ocean_years_per_wallclock_day": 86400.0 / (ocean_day * 365.0),
           "coupled_ms_per_day_10deg_atmos_land": wall * 1e3}
    print(f"ocean_stub at 4 degrees: {n} mixed-layer cells + 6 interior boxes")
    print(f"  one ocean day: {res['ocean_ms_per_day']:.2f} ms ({res['ns_per_cell_day']:.0f} ns per cell-day), "
          f"{res['ocean_years_per_wallclock_day']:.0f} simulated ocean years per wall-clock day")
    print(f"  of which tendencies {res['tendencies_ms']:.2f} ms (carbonate chemistry {res['carbonate_ms']:.2f} ms)")
    print(f"  coupled run (10 degree land and atmosphere, daily coupling): {res['coupled_ms_per_day_10deg_atmos_land']:.2f} ms per day")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
