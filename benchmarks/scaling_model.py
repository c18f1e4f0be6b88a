"""Communication model of a coupling step: what the coupler sends, and the cost it predicts at many ranks.

Usage: python benchmarks/scaling_model.py [--deg 0.5] [--steps 3] [--ranks 1 2 64 1024]
                                          [--alpha-us 1.5] [--beta-gb-s 12] [--json FILE]

Builds the full coupled default (lsm, atmos_stub, ocean_stub, hourly coupling)
at ``--deg`` on one rank, runs ``--steps`` coupling steps after one warm-up
step, and measures each component's time per step, the coupler's own time
(remapping, ledger, reproducible sums) and the bytes the coupler moves. It
then predicts the time of a coupling step on P ranks, every component on
every rank (the sequential layout), with the latency-bandwidth (Hockney)
cost of each collective (Thakur, Rabenseifner & Gropp 2005, Int. J. High
Perform. Comput. Appl. 19, 49):

- allgather of ``n`` bytes in all: ``ceil(log2 P) alpha + (P - 1) / P n beta``
  (recursive doubling / ring), one per component whose exports are due;
- allreduce of a short vector: ``2 ceil(log2 P) alpha`` (the reproducible
  sums' integer allreduce, the stop flag);
- the component reports (inventories and external terms) are allgathered
  as Python objects: ``P`` times their pickled size.

Part of what the coupler does per rank does not shrink with P: every rank
receives every component's exports on the global grid and remaps the full
arrays (:meth:`coupler.driver.Driver._gather_exports` and ``_distribute``,
timed apart); that time is counted whole on every rank. The rest of the
coupler's time (state checks, reproducible sums, history sums, ledger) and
the components scale as 1/P (their cells are split evenly; load imbalance is
ignored). ``alpha`` and ``beta`` default to an InfiniBand HDR-100 cluster
(about 1.5 us MPI latency, 12 GB/s per link); give your machine's values.
History and restart writing are left out (``make bench`` reports them).
Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SECONDS_PER_DAY = 86400.0
BYTES_PER_VALUE = 8  # the coupler exchanges float64


def measure(deg: float, steps: int) -> dict:
    """Times per coupling step (s) and the coupler's payloads at ``deg`` degrees, one rank."""
    import coupler.component as component_mod
    import coupler.driver as driver_mod
    from coupler.config import full_model_driver, write_namelist
    from coupler.driver import Driver, load_experiment

    calls = {"reprosum": 0}
    for mod in (driver_mod, component_mod):  # count the reproducible sums: one allreduce each on P ranks
        original = mod.reprosum_many

        def counted(*args, _original=original, **kwargs):
            calls["reprosum"] += 1
            return _original(*args, **kwargs)

        mod.reprosum_many = counted
    with tempfile.TemporaryDirectory() as tmp:
        nml = Path(tmp) / "m.nml"
        write_namelist(nml, {"driver": full_model_driver("scaling", deg, start_date="1850-07-01")})
        config, classes = load_experiment(nml)
        t0 = time.perf_counter()
        drv = Driver(config, classes, Path(tmp) / "out", progress=False)
        init_s = time.perf_counter() - t0
        global_s = [0.0]
        for name in ("_gather_exports", "_distribute"):  # the work every rank does on the global grid
            method = getattr(drv, name)

            def timed(*args, _method=method, **kwargs):
                t = time.perf_counter()
                try:
                    return _method(*args, **kwargs)
                finally:
                    global_s[0] += time.perf_counter() - t

            setattr(drv, name, timed)
        drv.run("nsteps", 1)
        global_s[0] = 0.0
        for role, slot in drv.slots.items():
            if role != "ocean":  # the ocean runs once a day, at the warm-up step: its time is kept per run
                slot.timer = 0.0
        drv.timers["coupler"] = 0.0
        calls["reprosum"] = 0
        t0 = time.perf_counter()
        drv.run("nsteps", steps)
        wall = time.perf_counter() - t0
        coupling_s = drv.clock.dt
        ocean_runs = 1 + (steps * coupling_s) // drv.clock.ocean_dt
        slots = {}
        for role, slot in drv.slots.items():
            share = coupling_s / drv.clock.ocean_dt if role == "ocean" else 1.0
            slots[role] = {
                "cells": int(slot.decomp.nlocal), "exports": len(slot.exports), "runs_per_coupling_step": share,
                "s_per_step": slot.timer / ocean_runs * share if role == "ocean" else slot.timer / steps,
                "tiles": int(len(slot.comp.tile_pft)) if hasattr(slot.comp, "tile_pft") else None,
            }
        reports = {role: (slot.comp.inventory(), slot.external, None) for role, slot in drv.slots.items()}
        return {"deg": deg, "steps": steps, "coupling_s": coupling_s, "init_s": init_s, "wall_s_per_step": wall / steps,
                "coupler_s_per_step": drv.timers["coupler"] / steps, "coupler_global_s_per_step": global_s[0] / steps,
                "reprosum_per_step": calls["reprosum"] / steps,
                "report_bytes": len(pickle.dumps(reports, protocol=pickle.HIGHEST_PROTOCOL)), "slots": slots}


def allgather_s(nbytes: float, p: int, alpha: float, beta: float) -> float:
    return 0.0 if p == 1 else math.ceil(math.log2(p)) * alpha + (p - 1) / p * nbytes * beta


def allreduce_s(p: int, alpha: float) -> float:
    return 0.0 if p == 1 else 2 * math.ceil(math.log2(p)) * alpha


def predict(m: dict, p: int, alpha: float, beta: float) -> dict:
    """Predicted seconds per coupling step on ``p`` ranks, split into compute, coupler and communication."""
    compute = sum(s["s_per_step"] for s in m["slots"].values()) / p
    exchange = sum(allgather_s(s["exports"] * s["cells"] * BYTES_PER_VALUE, p, alpha, beta)
                   * s["runs_per_coupling_step"] for s in m["slots"].values())
    reports = allgather_s(p * m["report_bytes"], p, alpha, beta)
    sums = (m["reprosum_per_step"] + 1) * allreduce_s(p, alpha)  # + the stop flag
    comm = exchange + reports + sums
    # the coupler's gathering and remapping work on global arrays on every rank; the rest of its time
    # (state checks, reproducible sums of local arrays, history sums, ledger) is per local cell
    glob = m["coupler_global_s_per_step"]
    coupler = glob + (m["coupler_s_per_step"] - glob) / p
    step = compute + coupler + comm
    return {"ranks": p, "compute_s": compute, "coupler_s": coupler, "exchange_s": exchange,
            "reports_s": reports, "sums_s": sums, "step_s": step,
            "sypd": SECONDS_PER_DAY / (step * 365.0 * SECONDS_PER_DAY / m["coupling_s"]),
            "received_mb_per_rank": 0.0 if p == 1 else (sum(s["exports"] * s["cells"] * s["runs_per_coupling_step"]
                                         for s in m["slots"].values()) * BYTES_PER_VALUE
                                     + p * m["report_bytes"]) / 1e6}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deg", type=float, default=0.5)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 64, 1024])
    ap.add_argument("--alpha-us", type=float, default=1.5, help="MPI latency, microseconds")
    ap.add_argument("--beta-gb-s", type=float, default=12.0, help="bandwidth per link, GB/s")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    m = measure(args.deg, args.steps)
    alpha, beta = args.alpha_us * 1e-6, 1.0 / (args.beta_gb_s * 1e9)
    print(f"measured at {args.deg:g} degrees on one rank ({args.steps} coupling steps of {m['coupling_s']:g} s):")
    for role, s in m["slots"].items():
        tiles = f", {s['tiles']} tiles" if s["tiles"] else ""
        print(f"  {role:6s} {s['cells']:7d} cells{tiles}, {s['exports']:2d} exports, "
              f"{s['s_per_step'] * 1e3:9.1f} ms per coupling step")
    print(f"  coupler {m['coupler_s_per_step'] * 1e3:8.1f} ms per step, of which "
          f"{m['coupler_global_s_per_step'] * 1e3:.1f} on global arrays (gather, remap), "
          f"{m['reprosum_per_step']:.0f} reproducible sums per step, "
          f"reports {m['report_bytes'] / 1e3:.1f} kB per rank")
    print(f"predicted, every component on every rank, alpha {args.alpha_us:g} us, beta 1/({args.beta_gb_s:g} GB/s):")
    print(f"{'ranks':>6s} {'compute ms':>11s} {'coupler ms':>11s} {'exchange ms':>12s} {'reports ms':>11s} "
          f"{'sums ms':>8s} {'step ms':>9s} {'SYPD':>8s} {'efficiency':>10s} {'MB in/rank':>10s}")
    rows = [predict(m, p, alpha, beta) for p in args.ranks]
    base = rows[0]["step_s"] * rows[0]["ranks"]
    for r in rows:
        r["efficiency"] = base / (r["step_s"] * r["ranks"])
        print(f"{r['ranks']:6d} {r['compute_s'] * 1e3:11.2f} {r['coupler_s'] * 1e3:11.2f} "
              f"{r['exchange_s'] * 1e3:12.3f} {r['reports_s'] * 1e3:11.3f} {r['sums_s'] * 1e3:8.3f} "
              f"{r['step_s'] * 1e3:9.2f} {r['sypd']:8.2f} "
              f"{r['efficiency']:10.2f} {r['received_mb_per_rank']:10.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"measured": m, "alpha_s": alpha, "beta_s_per_byte": beta,
                                         "predicted": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
