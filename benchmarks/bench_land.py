"""Land cost: nanoseconds per tile-step, split by process module, and coupled SYPD.

Usage: python benchmarks/bench_land.py [--deg 10 5 2] [--steps 24] [--ranks 1 2] [--json FILE]
                                       [--land isotopes=true --land dormancy=true ...]

Runs the coupled model (lsm + atmos_stub + ocean_stub, hourly coupling) at
each resolution; reports the land's ns per tile-step, the share of each lsm
module (from a profile of one run) and simulated years per day. With
``--ranks 2`` the same run is repeated under mpiexec; ``--land KEY=VALUE``
sets a ``&land`` option (the cost of an optional process is the difference
with and without it). Asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))



def land_options(pairs: list[str]) -> dict:
    """``KEY=VALUE`` strings as namelist values (true/false, numbers, else strings)."""
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        low = value.strip().lower()
        if low in ("true", "false"):
            out[key.strip()] = low == "true"
        else:
            try:
                out[key.strip()] = float(value)
            except ValueError:
                out[key.strip()] = value
    return out


def one(deg: float, steps: int, profile: bool, land_settings: dict | None = None) -> dict:
    from coupler.config import full_model_driver, write_namelist
    from coupler.driver import Driver, load_experiment

    with tempfile.TemporaryDirectory() as tmp:
        nml = Path(tmp) / "b.nml"
        groups = {"driver": full_model_driver("bench", deg, start_date="1850-07-01")}
        if land_settings:
            groups["land"] = land_settings
        write_namelist(nml, groups)
        config, classes = load_experiment(nml)
        drv = Driver(config, classes, Path(tmp) / "out", progress=False)
        land = drv.slots["land"]
        tiles = len(land.comp.tile_pft)
        drv.run("nsteps", 2)  # warm up
        land.timer = 0.0
        t0 = time.perf_counter()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        drv.run("nsteps", steps)
        if profiler:
            profiler.disable()
        wall = time.perf_counter() - t0
        shares = {}
        if profiler:
            by_module: dict[str, float] = defaultdict(float)
            for (filename, _, _), (_, _, tottime, _, _) in pstats.Stats(profiler).stats.items():
                if "/lsm/soil_bgc/" in filename:  # the soil model as one share (issue 6 reports it)
                    by_module["soil_bgc"] += tottime
                elif "/lsm/" in filename:
                    by_module[Path(filename).stem] += tottime
            total = sum(by_module.values()) or 1.0
            shares = {k: v / total for k, v in sorted(by_module.items(), key=lambda kv: -kv[1])}
        return {"deg": deg, "tiles": tiles, "land_ns_per_tile_step": land.timer / steps / tiles * 1e9,
                "sypd": steps * 3600 / (365 * 86400) / wall * 86400, "module_shares": shares}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--deg", type=float, nargs="+", default=[10.0, 5.0])
    p.add_argument("--steps", type=int, default=24)
    p.add_argument("--ranks", type=int, nargs="+", default=[1])
    p.add_argument("--json")
    p.add_argument("--land", action="append", default=[], metavar="KEY=VALUE", help="a &land option")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    land = land_options(a.land)
    if a.child:  # one measurement under mpiexec; rank 0 prints JSON
        res = one(a.deg[0], a.steps, profile=False, land_settings=land)
        from mpi4py import MPI

        if MPI.COMM_WORLD.Get_rank() == 0:
            print(json.dumps(res))
        return 0
    results = []
    for deg in a.deg:
        for n in a.ranks:
            if n == 1:
                res = one(deg, a.steps, profile=True, land_settings=land)
            else:
                mpiexec = Path(sys.executable).parent / "mpiexec"
                out = subprocess.run([str(mpiexec), "-n", str(n), sys.executable, __file__, "--child", "--deg",
                                      str(deg), "--steps", str(a.steps), *(f"--land={x}" for x in a.land)], capture_output=True, text=True,
                                     cwd=REPO, env={"HYDRA_LAUNCHER": "fork", "PATH": "/usr/bin:/bin"})
                res = json.loads(out.stdout.strip().splitlines()[-1])
            res["ranks"] = n
            res["land_options"] = land
            results.append(res)
            shares = ", ".join(f"{k} {100 * v:.0f}%" for k, v in res["module_shares"].items() if v >= 0.02)
            print(f"{deg:>5} deg, {n} rank(s): {res['tiles']} tiles, land {res['land_ns_per_tile_step']:.0f} ns per "
                  f"tile-step, coupled {res['sypd']:.2f} SYPD" + (f"; land time: {shares}" if shares else ""))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
