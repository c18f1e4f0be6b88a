"""Coupler costs: reprosum vs np.sum, remapping per coupling step, coupler overhead per step.

Usage: python benchmarks/bench_coupler.py [--json FILE]
Prints a table; with --json also writes the numbers. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coupler.grid import LatLonGrid  # noqa: E402
from coupler.remap import Remapper  # noqa: E402
from coupler.reprosum import reprosum, reprosum_many  # noqa: E402


def best_of(fn, repeat=7, number=10):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def bench_reprosum(n=100_000):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)
    t_np = best_of(lambda: np.sum(x))
    t_rs = best_of(lambda: reprosum(x))
    arrays = [x[i::20] for i in range(20)]
    t_many = best_of(lambda: reprosum_many(arrays))
    return {"n": n, "np_sum_us": t_np * 1e6, "reprosum_us": t_rs * 1e6, "ratio": t_rs / t_np,
            "reprosum_many_20_us": t_many * 1e6}


def bench_remap():
    out = {}
    for land_deg, atm_deg in ((2.0, 2.0), (1.0, 2.0), (0.5, 1.0)):
        src, dst = LatLonGrid.regular(land_deg), LatLonGrid.regular(atm_deg)
        t0 = time.perf_counter()
        rm = Remapper(src, dst)
        build = time.perf_counter() - t0
        rng = np.random.default_rng(2)
        fields = rng.random((5, src.ncells))
        frac = rng.random(src.ncells)
        t = best_of(lambda rm=rm, fields=fields, frac=frac: rm.merge(fields, frac), repeat=5, number=5)
        out[f"{land_deg}->{atm_deg}"] = {"build_s": build, "merge_5_fields_ms": t * 1e3}
    return out


def bench_coupler_overhead(days=5):
    from coupler.driver import Driver, load_experiment

    nml = REPO / "namelists/default.nml"
    config, classes = load_experiment(nml)
    with tempfile.TemporaryDirectory() as tmp:
        drv = Driver(config, classes, Path(tmp) / "out", progress=False)
        summary = drv.run("ndays", days)
    steps = summary["steps"]
    return {"steps": steps, "coupler_ms_per_step": summary["coupler_s"] / steps * 1e3,
            "io_ms_per_step": summary["io_s"] / steps * 1e3,
            "components_ms_per_step": {k: v / steps * 1e3 for k, v in summary["components"].items()},
            "wall_ms_per_step": summary["wall_s"] / steps * 1e3,
            "coupler_share": summary["coupler_s"] / summary["wall_s"], "sypd": summary["sypd"]}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--json")
    args = p.parse_args()
    results = {"reprosum": bench_reprosum(), "remap": bench_remap(), "coupler": bench_coupler_overhead()}
    r = results["reprosum"]
    print(f"reprosum of {r['n']:,} values: {r['reprosum_us']:.0f} us vs np.sum {r['np_sum_us']:.0f} us "
          f"(x{r['ratio']:.1f}); 20 sums in one call {r['reprosum_many_20_us']:.0f} us")
    for pair, v in results["remap"].items():
        print(f"remap {pair} deg: weights built in {v['build_s']:.3f} s; merge of 5 fields {v['merge_5_fields_ms']:.2f} ms")
    c = results["coupler"]
    print(f"coupled default (test components), {c['steps']} steps: wall {c['wall_ms_per_step']:.2f} ms/step, "
          f"coupler {c['coupler_ms_per_step']:.2f} ms/step ({100 * c['coupler_share']:.0f}% of the run), "
          f"I/O {c['io_ms_per_step']:.2f} ms/step, {c['sypd']:.0f} SYPD")
    for k, v in c["components_ms_per_step"].items():
        print(f"  {k}: {v:.3f} ms/step")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
