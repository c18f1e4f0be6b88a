"""Ocean carbon-cycle feedbacks and historical sink of ocean_stub (issue 4 acceptance numbers).

Runs, with the atmosphere stub and the observed land mask (10 degree land and
atmosphere, the ocean on its default 4 degree grid, daily coupling):

- 1pctCO2 and 1pctCO2-bgc for 140 years -> beta_O and gamma_O at 2x and 4x
  CO2 (Arora et al. 2020 definitions: beta from the -bgc run, gamma from
  coupled minus -bgc over the coupled run's warming);
- historical 1850-2014 (observed CO2, AR6 forcing) -> the 2010-2014 ocean sink.

The three runs go in parallel (about 8 minutes each on one core of this
machine). Usage: python benchmarks/ocean_feedbacks.py [--years N] [--json FILE]
Not a test: it prints numbers next to their CMIP6 / observed references.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import netCDF4
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEG = (10.0, 10.0, 4.0)


def run(args: tuple[str, str, int]) -> str:
    kind, out, years = args
    from tests.ocean.ocean_config import ocean_driver

    atmos = {"coupled": "  co2_path = '1pct'\n  c4mip = 'coupled'",
             "bgc": "  co2_path = '1pct'\n  c4mip = 'bgc'",
             "historical": "  co2_path = 'historical'\n  forcing_agents = 'ar6_total'"}[kind]
    drv = ocean_driver(Path(out), atmos=atmos, deg=DEG)
    drv.run("nyears", years)
    return out


def series(out: str, comp: str, var: str) -> np.ndarray:
    with netCDF4.Dataset(Path(out) / "out" / "hist" / f"ocn.{comp}.h0.nc") as nc:
        return np.asarray(nc[var][:])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--years", type=int, default=140)
    p.add_argument("--json")
    a = p.parse_args()
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [("coupled", f"{tmp}/cou", a.years), ("bgc", f"{tmp}/bgc", a.years),
                ("historical", f"{tmp}/hist", 165)]
        with ProcessPoolExecutor(max_workers=2) as pool:
            list(pool.map(run, jobs))
        cou, bgc = series(f"{tmp}/cou", "ocean", "cOcean"), series(f"{tmp}/bgc", "ocean", "cOcean")
        co2, warming = series(f"{tmp}/bgc", "atmos", "co2"), series(f"{tmp}/cou", "atmos", "tas_anomaly")
        for label, year in (("2xCO2", 70), ("4xCO2", 140)):
            i = year - 1
            if i >= len(cou):
                continue
            d_bgc, d_cou = bgc[i] - bgc[0], cou[i] - cou[0]
            results[label] = {"co2_ppm": float(co2[i]), "warming_K": float(warming[i]),
                              "beta_O_PgC_per_ppm": float(d_bgc / (co2[i] - 284.3)),
                              "gamma_O_PgC_per_K": float((d_cou - d_bgc) / warming[i])}
        hist = series(f"{tmp}/hist", "ocean", "cOcean")
        results["historical_sink_2010_2014_PgC_per_yr"] = float((hist[164] - hist[159]) / 5.0)
        results["historical_uptake_1850_2014_PgC"] = float(hist[164] - hist[0])
    for label in ("2xCO2", "4xCO2"):
        if label in results:
            r = results[label]
            print(f"{label}: CO2 {r['co2_ppm']:.0f} ppm, warming {r['warming_K']:.2f} K, beta_O "
                  f"{r['beta_O_PgC_per_ppm']:.3f} Pg C/ppm, gamma_O {r['gamma_O_PgC_per_K']:.1f} Pg C/K")
    print("CMIP6 at 4xCO2 (Arora et al. 2020): beta_O 0.79 +/- 0.07 Pg C/ppm, gamma_O -17 +/- 5 Pg C/K")
    print(f"historical ocean sink 2010-2014: {results['historical_sink_2010_2014_PgC_per_yr']:.2f} Pg C/yr "
          f"(GCB/AR6 2.5 +/- 0.6); uptake 1850-2014 {results['historical_uptake_1850_2014_PgC']:.0f} Pg C")
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
