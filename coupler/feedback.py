"""``lsmc feedback COUPLED BGC [RAD] [--json FILE]``: C4MIP carbon-climate feedback metrics.

Reads the output folders of the 1pctCO2 family (namelists/1pctCO2.nml,
-bgc, -rad; atmos_stub setting ``c4mip``) and fits, for land (L) and ocean (O),

    dC_X = beta_X dCO2 + gamma_X dT                  (Friedlingstein et al. 2006, J. Climate 19, 3337)

at 2xCO2 and 4xCO2 (years 70 and 140 of 1pctCO2). Two runs give two such
equations in (beta, gamma); both are solved exactly (Cramer's rule), as in
Arora et al. (2013, J. Climate 26, 5289) and Arora et al. (2020, Biogeosciences
17, 4173, section 2):

* BGC-coupled: runs bgc and coupled. The bgc run warms a little (here via the
  land's heat fluxes on the boundary layer), so beta = (dC_B - gamma dT_B)/dCO2_B
  rather than dC_B/dCO2_B. The uncorrected Friedlingstein et al. (2006) values
  (beta = dC_B/dCO2_B, gamma = (dC_C - beta dCO2_C)/dT_C) are kept in the JSON.
* radiative: runs rad and coupled. In rad the biogeochemistry sees
  preindustrial CO2 (dCO2_R = 0), so gamma = dC_R/dT_R and
  beta = (dC_C - gamma dT_C)/dCO2_C.

dCO2 is the CO2 seen by the biogeochemistry (history ``co2``; ``co2_rad`` is
what radiation sees), dT the change of the areacella-weighted global mean of
``tas``, dC the change of the ledger inventories in ``budget.nc`` (Pg C). From
the coupled run: compatible emissions E = dC_atm + dC_land + dC_ocean (Pg C),
airborne fraction dC_atm/E, and TCRE = dT/E (K per 1000 Pg C; Gillett et al.
2013, J. Climate 26, 6844, define it at 2xCO2).

Every quantity is first reduced to calendar-year means (the yearly history
stream, or the monthly/daily one averaged); each change is the mean over a
window minus the mean of the first year. The window is the 20 years centred on
the target year when all runs reach that far, otherwise the widest centred
window they cover (the last year alone if a run ends at the target).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import cftime
import netCDF4
import numpy as np

from .errors import InputDataError, LsmcError, OutputError

#: (label, years after the start of 1pctCO2): 1.01**70 = 2.007, 1.01**140 = 4.03.
TARGETS = (("2xCO2", 70), ("4xCO2", 140))
#: Half-width of the averaging window, years (a 20-year mean damps interannual variability).
HALF_WINDOW_YR = 10
#: Tolerance when matching time bounds to year boundaries, days.
TOL_DAYS = 1.0e-6
BUDGET_VARIABLES = {"land": "inventory__land__carbon", "ocean": "inventory__ocean__carbon",
                    "atmos": "inventory__atmos__carbon"}
#: Coarsest history stream first: fewer records to read.
STREAM_PREFERENCE = ("year", "month", "day")

CMIP6_SOURCE = ("Arora et al. (2020), Biogeosciences 17, 4173, 11 CMIP6 models, mean +/- 1 standard deviation, "
                "as listed in SCIENCE.md section 7")
#: name: (mean, standard deviation, unit, level the model value is compared at). SCIENCE.md section 7 gives
#: these for 1pctCO2 at 4xCO2; TCRE is compared at 2xCO2, where it is defined (Gillett et al. 2013).
CMIP6 = {
    "beta_L": (0.97, 0.40, "Pg C/ppm", "4xCO2"),
    "beta_O": (0.79, 0.07, "Pg C/ppm", "4xCO2"),
    "gamma_L": (-45.0, 51.0, "Pg C/K", "4xCO2"),
    "gamma_O": (-17.0, 5.0, "Pg C/K", "4xCO2"),
    "tcre": (1.77, 0.37, "K/EgC", "2xCO2"),
}
#: Not in SCIENCE.md section 7 (so not compared): 2xCO2 feedbacks, the 1pctCO2 airborne fraction and emissions.
NO_REFERENCE = "airborne fraction, compatible emissions and 2xCO2 feedback parameters"

EXPECTED_C4MIP = {"coupled": "coupled", "bgc": "bgc", "rad": "rad"}


@dataclass
class Run:
    """Calendar-year means of one run (index 0 = first complete year)."""

    label: str
    folder: Path
    co2_ppm: np.ndarray
    tas_K: np.ndarray
    carbon_pgc: dict[str, np.ndarray]
    stream: Path
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> int:
        return len(self.co2_ppm)


# ------------------------------------------------------------------ reading
def _year_bounds(t0: float, t_end: float, units: str, calendar: str) -> np.ndarray:
    """1 January boundaries (days in ``units``) from the first one at or after ``t0`` past ``t_end``."""
    d0 = cftime.num2date(t0, units, calendar)
    year = d0.year
    start = cftime.date2num(cftime.datetime(year, 1, 1, calendar=calendar), units, calendar)
    if start < t0 - TOL_DAYS:
        year += 1
    out = []
    while True:
        b = float(cftime.date2num(cftime.datetime(year, 1, 1, calendar=calendar), units, calendar))
        out.append(b)
        if b >= t_end - TOL_DAYS:
            return np.array(out)
        year += 1


def _yearly_means(t_start: np.ndarray, t_end: np.ndarray, bounds: np.ndarray, values: dict[str, np.ndarray]):
    """Duration-weighted means per year of records [t_start, t_end]; only the leading complete years."""
    k = np.searchsorted(bounds, t_start + TOL_DAYS, side="right") - 1
    inside = (k >= 0) & (k < len(bounds) - 1)
    inside[inside] &= t_end[inside] <= bounds[k[inside] + 1] + TOL_DAYS  # records straddling a boundary
    w = t_end - t_start
    nyear = len(bounds) - 1
    cover = np.bincount(k[inside], w[inside], minlength=nyear)[:nyear]
    complete = np.abs(cover - np.diff(bounds)) <= 1e-6 * np.diff(bounds) + TOL_DAYS
    n = int(np.argmin(complete)) if not complete.all() else nyear
    out = {}
    for name, v in values.items():
        sums = np.bincount(k[inside], w[inside] * v[inside], minlength=nyear)[:nyear]
        out[name] = sums[:n] / cover[:n]
    return n, out


def _global_mean(nc: netCDF4.Dataset, name: str) -> np.ndarray:
    """Area-weighted (``areacella``) global mean of a (time, lat, lon) field, per record."""
    area = np.asarray(nc.variables["areacella"][:], dtype=np.float64)
    var = nc.variables[name]
    out = np.empty(var.shape[0])
    chunk = 240  # records per read: bounded memory for daily or monthly streams at fine resolution
    for i in range(0, var.shape[0], chunk):
        x = np.ma.masked_invalid(np.ma.asarray(var[i:i + chunk], dtype=np.float64))
        w = np.where(np.ma.getmaskarray(x), 0.0, area)
        out[i:i + chunk] = (x.filled(0.0) * w).sum(axis=(1, 2)) / w.sum(axis=(1, 2))
    return out


def read_stream(path: Path, what: str) -> dict:
    """Per record of an atmos history stream: time bounds (days), CO2 seen by biogeochemistry (ppm), global tas (K)."""
    try:
        with netCDF4.Dataset(path) as nc:
            names = nc.variables
            if "co2" not in names:
                raise InputDataError(f"{what}: {path.name} has no 'co2' (CO2 seen by biogeochemistry); "
                                     f"was it written by atmos_stub?")
            if "time_bnds" not in names or "time" not in names:
                raise InputDataError(f"{what}: {path.name} lacks time or time_bnds")
            out = {"units": names["time"].units, "calendar": getattr(names["time"], "calendar", "standard"),
                   "frequency": getattr(nc, "frequency", ""),
                   "time_bnds": np.asarray(names["time_bnds"][:], dtype=np.float64),
                   "co2": np.asarray(names["co2"][:], dtype=np.float64)}
            if "tas" in names and "areacella" in names:
                out["tas"], out["tas_source"] = _global_mean(nc, "tas"), "tas"
            elif "tas_anomaly" in names:
                # the energy-balance warming: global, but without the boundary-layer response that tas has
                out["tas"] = np.asarray(names["tas_anomaly"][:], dtype=np.float64)
                out["tas_source"] = "tas_anomaly"
            else:
                raise InputDataError(f"{what}: {path.name} has neither tas (with areacella) nor tas_anomaly")
    except OSError as exc:
        raise InputDataError(f"{what}: cannot read {path.name} ({exc})") from None
    return out


def _pick_stream(label: str, folder: Path, budget_days: float) -> Path:
    files = sorted((folder / "hist").glob("*.atmos.h*.nc"))
    freqs = {}
    for path in files:
        try:
            with netCDF4.Dataset(path) as nc:
                freqs[path] = (getattr(nc, "frequency", ""), len(nc.dimensions.get("time", ())))
        except OSError as exc:
            raise InputDataError(f"{label} folder {folder}: cannot read {path.name} ({exc})") from None
    for want in STREAM_PREFERENCE:
        for path, (freq, n) in freqs.items():
            if freq == want and n > 0:
                return path
    have = ", ".join(f"{p.name} ({f or 'no frequency'}, {n} records)" for p, (f, n) in freqs.items()) or "none"
    raise InputDataError(
        f"{label} folder {folder}: no atmosphere history with yearly, monthly or daily means in "
        f"{folder / 'hist'} (found: {have}); the run covers {budget_days:g} days, too short for the "
        f"feedback metrics, which need 1pctCO2 runs of at least 70 years (2xCO2; 80 for a 20-year mean, "
        f"150 for 4xCO2)")


def _check_namelist(label: str, folder: Path, notes: list[str]) -> None:
    """Catch swapped folders: the saved namelist says which C4MIP configuration a run is."""
    path = folder / "lsmc_in.nml"
    if not path.exists():
        notes.append(f"{label}: no lsmc_in.nml, configuration not checked")
        return
    from .config import read_namelist_file

    atmos = read_namelist_file(path).get("atmos", {})
    c4mip = str(atmos.get("c4mip", "coupled")).lower()
    if c4mip != EXPECTED_C4MIP[label]:
        raise InputDataError(f"{label} folder {folder}: its lsmc_in.nml has c4mip = '{c4mip}', expected "
                             f"'{EXPECTED_C4MIP[label]}' (arguments are COUPLED BGC [RAD])")
    path_kind = str(atmos.get("co2_path", "constant")).lower()
    if path_kind != "1pct" or str(atmos.get("co2_mode", "concentration")).lower() != "concentration":
        notes.append(f"{label}: co2_path = '{path_kind}', not the concentration-driven 1pct path; "
                     f"years 70/140 are then not 2x/4xCO2")


def load_run(label: str, folder: Path) -> Run:
    """Yearly global means of CO2 seen by biogeochemistry (ppm), tas (K) and carbon inventories (Pg C)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputDataError(f"{label} folder {folder}: does not exist or is not a folder")
    notes: list[str] = []
    _check_namelist(label, folder, notes)
    bpath = folder / "budget.nc"
    if not bpath.exists():
        raise InputDataError(f"{label} folder {folder}: budget.nc missing (is it an lsmc output folder?)")
    try:
        with netCDF4.Dataset(bpath) as nc:
            missing = [v for v in ("time", *BUDGET_VARIABLES.values()) if v not in nc.variables]
            if missing:
                raise InputDataError(f"{label} folder {folder}: budget.nc lacks {', '.join(missing)}")
            btime = np.asarray(nc.variables["time"][:], dtype=np.float64)
            bunits = nc.variables["time"].units
            bcal = getattr(nc.variables["time"], "calendar", "standard")
            # BudgetFile's fill value is 0.0 (flows absent in a step); an inventory is a value even when zero
            nc.set_auto_mask(False)
            inv = {k: np.asarray(nc.variables[v][:], dtype=np.float64) for k, v in BUDGET_VARIABLES.items()}
    except OSError as exc:
        raise InputDataError(f"{label} folder {folder}: cannot read budget.nc ({exc})") from None
    if btime.size == 0:
        raise InputDataError(f"{label} folder {folder}: budget.nc holds no coupling steps")
    stream = _pick_stream(label, folder, float(btime[-1]))
    rec = read_stream(stream, f"{label} folder {folder}")
    units, calendar, tb, freq = rec["units"], rec["calendar"], rec["time_bnds"], rec["frequency"]
    if rec["tas_source"] != "tas":
        notes.append(f"{label}: no tas with areacella in {stream.name}; dT from {rec['tas_source']}")
    if (units, calendar) != (bunits, bcal):
        raise InputDataError(f"{label} folder {folder}: budget.nc time ({bunits}, {bcal}) differs from "
                             f"{stream.name} ({units}, {calendar})")
    bounds = _year_bounds(tb[0, 0], max(tb[-1, 1], btime[-1]), units, calendar)
    if bounds[0] > tb[0, 0] + TOL_DAYS:
        notes.append(f"{label}: the run does not start on 1 January; its first, partial year is skipped")
    n_hist, hist = _yearly_means(tb[:, 0], tb[:, 1], bounds, {"co2": rec["co2"], "tas": rec["tas"]})
    # a budget row is the state at the end of its coupling step; it stands for the step since the previous row
    bstart = np.concatenate([[tb[0, 0]], btime[:-1]])
    n_budget, carbon = _yearly_means(bstart, btime, bounds, inv)
    n = min(n_hist, n_budget)
    if n == 0:
        raise InputDataError(f"{label} folder {folder}: no complete calendar year in {stream.name} and budget.nc "
                             f"(they cover {tb[-1, 1] - tb[0, 0]:g} and {btime[-1] - tb[0, 0]:g} days); the "
                             f"feedback metrics need 1pctCO2 runs of at least 70 years")
    if freq != "year":
        notes.append(f"{label}: no yearly stream; yearly means from the {freq} stream {stream.name}")
    return Run(label, folder, hist["co2"][:n], hist["tas"][:n], {k: v[:n] for k, v in carbon.items()},
               stream, notes)


# ------------------------------------------------------------------ metrics
def window(n_years: int, target: int) -> tuple[np.ndarray, str] | None:
    """Indices of the yearly means averaged for ``target`` (years since the start) and a description."""
    h = min(HALF_WINDOW_YR, n_years - target)
    if h < 0:
        return None
    if h == 0:
        return np.array([target - 1]), f"year {target} alone (the runs end there; no centred window)"
    text = f"mean of years {target - h + 1}-{target + h}"
    if h < HALF_WINDOW_YR:
        text += f" ({2 * h}-year window: the runs end at year {n_years}, too short for 20 years)"
    return np.arange(target - h, target + h), text


def changes(run: Run, idx: np.ndarray) -> dict[str, float]:
    """Window mean minus first-year mean: CO2 (ppm), T (K), land/ocean/atmos carbon (Pg C)."""
    def d(x):
        return float(np.mean(x[idx]) - x[0])
    return {"dCO2_ppm": d(run.co2_ppm), "dT_K": d(run.tas_K),
            **{f"dC_{k}_PgC": d(v) for k, v in run.carbon_pgc.items()}}


def solve(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """beta (Pg C/ppm), gamma (Pg C/K) for land and ocean from dC = beta dCO2 + gamma dT in runs a and b."""
    det = a["dCO2_ppm"] * b["dT_K"] - a["dT_K"] * b["dCO2_ppm"]
    out = {}
    for key, name in (("land", "L"), ("ocean", "O")):
        ca, cb = a[f"dC_{key}_PgC"], b[f"dC_{key}_PgC"]
        out[f"beta_{name}"] = (ca * b["dT_K"] - a["dT_K"] * cb) / det if det else math.nan
        out[f"gamma_{name}"] = (a["dCO2_ppm"] * cb - ca * b["dCO2_ppm"]) / det if det else math.nan
    return out


def uncorrected(bgc: dict[str, float], cou: dict[str, float]) -> dict[str, float]:
    """Friedlingstein et al. (2006): beta = dC_B/dCO2_B, ignoring the bgc run's warming."""
    out = {}
    for key, name in (("land", "L"), ("ocean", "O")):
        beta = bgc[f"dC_{key}_PgC"] / bgc["dCO2_ppm"] if bgc["dCO2_ppm"] else math.nan
        out[f"beta_{name}"] = beta
        out[f"gamma_{name}"] = ((cou[f"dC_{key}_PgC"] - beta * cou["dCO2_ppm"]) / cou["dT_K"]
                                if cou["dT_K"] else math.nan)
    return out


def _div(a: float, b: float) -> float:
    return a / b if b else math.nan


def compute(coupled: Run, bgc: Run, rad: Run | None = None) -> dict:
    """All metrics at 2x and 4xCO2 as a JSON-ready dict; a level the runs do not reach is None."""
    runs = [r for r in (coupled, bgc, rad) if r is not None]
    n = min(r.years for r in runs)
    shortest = min(runs, key=lambda r: r.years)
    first = TARGETS[0][1]
    if n < first:
        raise InputDataError(f"{shortest.label} folder {shortest.folder}: holds {n} complete year(s), too short to "
                             f"evaluate at 2xCO2 (year {first} of 1pctCO2; 80 years for a 20-year mean)")
    levels: dict[str, dict | None] = {}
    for label, target in TARGETS:
        win = window(n, target)
        if win is None:
            levels[label] = None
            continue
        idx, text = win
        d = {r.label: changes(r, idx) for r in runs}
        c = d["coupled"]
        emissions = c["dC_atmos_PgC"] + c["dC_land_PgC"] + c["dC_ocean_PgC"]
        levels[label] = {
            "target_year": target, "years": [int(idx[0]) + 1, int(idx[-1]) + 1], "window": text,
            "runs": d,
            "bgc_coupled": solve(d["bgc"], c),
            "bgc_coupled_uncorrected": uncorrected(d["bgc"], c),
            "radiative": solve(d["rad"], c) if rad is not None else None,
            "compatible_emissions_PgC": emissions,
            "airborne_fraction": _div(c["dC_atmos_PgC"], emissions),
            "tcre_K_per_EgC": _div(1000.0 * c["dT_K"], emissions),
        }
    x4, x2 = levels["4xCO2"], levels["2xCO2"]
    top = {k: (x4["bgc_coupled"][k] if x4 else None) for k in ("beta_L", "beta_O", "gamma_L", "gamma_O")}
    top["tcre"] = x2["tcre_K_per_EgC"]
    top["airborne_fraction"] = x4["airborne_fraction"] if x4 else None
    return {
        **top,
        "units": {"beta": "Pg C/ppm", "gamma": "Pg C/K", "tcre": "K per 1000 Pg C", "emissions": "Pg C"},
        "evaluated_at": {"beta_L": "4xCO2 (BGC-coupled)", "beta_O": "4xCO2 (BGC-coupled)",
                         "gamma_L": "4xCO2 (BGC-coupled)", "gamma_O": "4xCO2 (BGC-coupled)",
                         "tcre": "2xCO2", "airborne_fraction": "4xCO2"},
        "cmip6": {k: [m - s, m, m + s] for k, (m, s, _, _) in CMIP6.items()},
        "cmip6_source": CMIP6_SOURCE,
        # one line the plot command shows under its title
        "source": "beta, gamma: BGC-coupled method at 4xCO2 of 1pctCO2; CMIP6: mean +/- 1 sd (Arora et al. 2020)",
        "baseline": "mean of the first calendar year of each run",
        "complete_years": n,
        "folders": {r.label: str(r.folder) for r in runs},
        "streams": {r.label: str(r.stream) for r in runs},
        "notes": [note for r in runs for note in r.notes],
        "levels": levels,
    }


# ------------------------------------------------------------------ report
def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) < 1e-9:  # rounding of a quantity that does not change (CO2 seen by rad's biogeochemistry)
        return "0"
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _verdict(name: str, value: float | None) -> str:
    mean, sd, _, _ = CMIP6[name]
    if value is None or not math.isfinite(value):
        return ""
    z = (value - mean) / sd
    where = "inside" if abs(z) <= 1.0 else "OUTSIDE"
    return f"{where} ({value - mean:+.3g}, {z:+.1f} sd)"


def table(result: dict) -> str:
    """The metrics beside the CMIP6 means and spreads of Arora et al. (2020)."""
    lv = result["levels"]
    lines = ["C4MIP carbon-climate feedbacks from 1pctCO2 (Friedlingstein et al. 2006; Arora et al. 2020)"]
    for label, path in result["folders"].items():
        lines.append(f"  {label:<8} {path}")
    for label, _ in TARGETS:
        lines.append(f"  {label}: " + (lv[label]["window"] if lv[label] else
                                       f"not evaluated: the runs hold {result['complete_years']} complete years")
                     + "; changes from the first-year mean")
    head = f"{'quantity':<22}{'method':<9}{'unit':<10}{'2xCO2':>10}{'4xCO2':>10}   {'CMIP6 mean +/- sd':<18} model vs CMIP6"
    lines += ["", head, "-" * len(head)]

    def row(name, method, unit, get, ref=None):
        vals = [get(lv[label]) if lv[label] else None for label, _ in TARGETS]
        cmp_, verdict = "", ""
        if ref:
            mean, sd, _, at = CMIP6[ref]
            cmp_ = f"{mean:g} +/- {sd:g} ({at[:2]})"
            verdict = _verdict(ref, vals[[t[0] for t in TARGETS].index(at)])
        lines.append(f"{name:<22}{method:<9}{unit:<10}{_fmt(vals[0]):>10}{_fmt(vals[1]):>10}   {cmp_:<18} {verdict}")

    for key, unit in (("beta_L", "Pg C/ppm"), ("beta_O", "Pg C/ppm"), ("gamma_L", "Pg C/K"), ("gamma_O", "Pg C/K")):
        row(key, "BGC-cou", unit, lambda level, key=key: level["bgc_coupled"][key], ref=key)
        if lv["2xCO2"]["radiative"] is not None:
            row(key, "rad", unit, lambda level, key=key: level["radiative"][key])
    row("TCRE", "coupled", "K/EgC", lambda level: level["tcre_K_per_EgC"], ref="tcre")
    row("airborne fraction", "coupled", "1", lambda level: level["airborne_fraction"])
    row("compatible emissions", "coupled", "Pg C", lambda level: level["compatible_emissions_PgC"])
    for run in result["folders"]:
        row(f"dCO2 {run}", "", "ppm", lambda level, run=run: level["runs"][run]["dCO2_ppm"])
        row(f"dT {run}", "", "K", lambda level, run=run: level["runs"][run]["dT_K"])
    lines += ["", "dCO2: CO2 seen by the biogeochemistry; dT: areacella-weighted global-mean tas.",
              f"CMIP6: {CMIP6_SOURCE};", "  compared for their (BGC-coupled) method; 'inside' = within 1 sd of the "
              "mean. TCRE compared at 2xCO2, where it is defined", "  (SCIENCE.md lists it beside the 4xCO2 "
              "feedbacks)."]
    lines.append(f"No CMIP6 reference in SCIENCE.md for: {NO_REFERENCE}.")
    lines += [f"note: {n}" for n in result["notes"]]
    return "\n".join(lines)


def _clean(x):
    """NaN and inf as null: strict JSON for the plot command."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _write_json(path: Path, result: dict) -> None:
    try:
        Path(path).write_text(json.dumps(_clean(result), indent=2, allow_nan=False) + "\n")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def feedback(coupled, bgc, rad=None, json_path=None) -> dict:
    """Load the runs, compute, print the table, write COUPLED/feedback.json (and ``json_path``)."""
    runs = [load_run("coupled", Path(coupled)), load_run("bgc", Path(bgc))]
    if rad is not None:
        runs.append(load_run("rad", Path(rad)))
    result = compute(*runs)
    print(table(result))
    _write_json(Path(coupled) / "feedback.json", result)
    if json_path is not None:
        _write_json(Path(json_path), result)
    return result


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("coupled", help="output folder of 1pctCO2 (c4mip = 'coupled')")
    p.add_argument("bgc", help="output folder of 1pctCO2-bgc")
    p.add_argument("rad", nargs="?", help="output folder of 1pctCO2-rad (optional: radiative method)")
    p.add_argument("--json", metavar="FILE", help="also write every number to FILE")


def main(argv: list[str] | None = None) -> int:
    """``lsmc feedback COUPLED BGC [RAD] [--json FILE]``; user errors print one line and return non-zero."""
    p = argparse.ArgumentParser(prog="lsmc feedback", description=__doc__.splitlines()[0])
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        feedback(args.coupled, args.bgc, args.rad, args.json)
    except LsmcError as exc:
        print(f"lsmc: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
