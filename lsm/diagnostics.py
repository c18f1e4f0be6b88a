"""Global land totals from a land history file, beside the references of SCIENCE.md section 7.

``python -m lsm.diagnostics OUTDIR [--record -1]`` reads the yearly land
stream (``hist/<case>.land.h<k>.nc`` with ``frequency = year``) and prints
global GPP, NPP, Ra, Rroot, Rh and NEE (Pg C yr-1), the Ra/GPP and
Rroot/Ra ratios, evapotranspiration over land (10^3 km3 yr-1), mean LAI and
evaporative fraction of wet tropical forest and of desert cells, and the
vegetation, litter and soil stocks (Pg C), and, with the soil model, microbial and
mineral-associated carbon (Pg C), net N mineralisation, the soil N2O (by
pathway), NO and N2 emissions and the N leaching (Tg N yr-1), and the DOC
carried to rivers (Pg C yr-1); with crop management, the harvest and
product decay (Pg C yr-1), grain yields per crop type (t dry matter ha-1),
fertiliser and legume N (Tg N yr-1), irrigation water (km3 yr-1), and the
N2O per m2 of cropland and of grassland in cells with both.

Biomes come from the packaged surface data on the history grid: wet
tropical forest is land where broadleaf evergreen tropical trees cover more
than half the land; desert is land where bare ground covers more than 80 %.

``python -m lsm.diagnostics --stocks FILE`` reads a land restart
(``rest/<date>/land.r.nc``) or initial-state file (``lsm/data/land_init.nc``,
``lsmc spinup``'s output) instead and prints, per PFT, the area-weighted mean
soil and vegetation stocks: soil organic carbon and its litter, coarse woody debris,
microbial, mineral-associated and aggregate parts, NH4+ and NO3-, and vegetation carbon,
with global totals. It shows where a spin-up piles up carbon or mineral N.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import netCDF4
import numpy as np

from coupler.constants import KG_PER_PG, KG_PER_TG
from coupler.grid import LatLonGrid

from .agriculture.crops import GRAIN_C_FRACTION
from .pfts import PFT_NAMES, pft_index
from .soil_bgc.pools import POOLS
from .surface import load_surface

SECONDS_PER_YEAR = 365.0 * 86400.0
#: kg of water in one km3.
KG_PER_KM3_WATER = 1.0e12

#: Reference ranges used by the acceptance checks (SCIENCE.md section 7; issue 5).
REFERENCES = {
    "gpp_PgC_yr": (110.0, 150.0),
    "ra_over_gpp": (0.4, 0.6),
    "et_1e3km3_yr": (60.0, 75.0),
    "rh_PgC_yr": (40.0, 60.0),
    "rs_PgC_yr": (68.0, 93.0),
    "csoil_PgC": (1200.0, 2500.0),
    "n2o_TgN_yr": (4.0, 12.0),
    "harvest_PgC_yr": (1.5, 3.5),
    "yield_c3_crop_t_ha": (2.0, 6.0),
    "yield_c4_crop_t_ha": (2.0, 6.0),
}
#: Management fields (present when the land runs with agriculture).
AGRICULTURE = ("fprod", "fHarvest", "fHarvestGrain", "fFertN", "irrigation", "fNfixLegume", "fN2OCrop", "fN2OGrass",
               "grainC3Crop", "grainC4Crop", "grainLegumeCrop")
#: Grain history field -> PFT.
GRAIN_FIELDS = {"grainC3Crop": "c3_crop", "grainC4Crop": "c4_crop", "grainLegumeCrop": "legume_crop"}
#: t ha-1 per kg m-2.
T_HA_PER_KG_M2 = 10.0
#: Soil-model fields read when the history has them (absent when the land runs without the soil model).
OPTIONAL = ("cMic", "cMAOM", "cMAOMStable", "fNnetmin", "fN2O", "fN2Onit", "fN2Oden", "fNO", "fN2", "fNleach",
            "fDONleach", "fDOCleach")
#: Nitrogen fluxes reported in Tg N yr-1 when present: history name -> report key.
N_FLUXES = {"fNnetmin": "net_mineralisation_TgN_yr", "fN2O": "n2o_TgN_yr", "fN2Onit": "n2o_nitrification_TgN_yr",
            "fN2Oden": "n2o_denitrification_TgN_yr", "fNO": "no_TgN_yr", "fN2": "n2_TgN_yr",
            "fNleach": "no3_leaching_TgN_yr", "fDONleach": "don_leaching_TgN_yr"}


def yearly_land_stream(outdir: Path) -> Path:
    """The land history file whose ``frequency`` attribute is ``year``."""
    for path in sorted(Path(outdir, "hist").glob("*.land.h*.nc")):
        with netCDF4.Dataset(path) as ds:
            if getattr(ds, "frequency", "") == "year":
                return path
    raise FileNotFoundError(f"{outdir}/hist: no yearly land history stream (history_frequencies must include 'year')")


def land_totals(path: Path, record: int = -1) -> dict[str, float]:
    """Global totals and biome means of one record of a yearly land history file."""
    with netCDF4.Dataset(path) as ds:
        lat, lon = ds["lat"][:], ds["lon"][:]
        area = np.asarray(ds["areacella"][:], dtype=float).ravel()
        land = np.asarray(ds["sftlf"][:], dtype=float).ravel() / 100.0
        v = {name: np.ma.filled(ds[name][record].astype(float), 0.0).ravel()
             for name in ("gpp", "npp", "ra", "rh", "rroot", "nee", "evspsbl", "lai", "hfls", "hfss",
                          "cVeg", "cLitter", "cSoil")}
        v.update({name: np.ma.filled(ds[name][record].astype(float), 0.0).ravel()
                  for name in OPTIONAL + AGRICULTURE if name in ds.variables})
    grid = LatLonGrid.regular(180.0 / len(lat), 360.0 / len(lon))
    land_area = area * land

    def total(name):  # kg s-1 or kg -> sum over land
        return float(np.sum(v[name] * land_area))

    flux = {n: total(n) * SECONDS_PER_YEAR / KG_PER_PG for n in ("gpp", "npp", "ra", "rh", "rroot", "nee")}
    surf = load_surface(grid)
    trop = (surf.pft_fraction[pft_index("broadleaf_evergreen_tropical_tree")] > 0.5) & (land > 0)
    desert = (surf.pft_fraction[pft_index("bare")] > 0.8) & (land > 0)

    def mean(name, where):
        w = land_area * where
        return float(np.sum(v[name] * w) / np.sum(w)) if np.sum(w) > 0 else float("nan")

    def ef(where):
        le, h = mean("hfls", where), mean("hfss", where)
        return le / (le + h) if le + h > 0 else float("nan")

    return {
        "gpp_PgC_yr": flux["gpp"], "npp_PgC_yr": flux["npp"], "ra_PgC_yr": flux["ra"],
        "rroot_PgC_yr": flux["rroot"], "rh_PgC_yr": flux["rh"], "nee_PgC_yr": flux["nee"],
        "rs_PgC_yr": flux["rroot"] + flux["rh"],
        "ra_over_gpp": flux["ra"] / flux["gpp"], "rroot_over_ra": flux["rroot"] / flux["ra"],
        "et_1e3km3_yr": total("evspsbl") * SECONDS_PER_YEAR / KG_PER_KM3_WATER / 1e3,
        "lai_land_mean": mean("lai", land > 0), "lai_tropical_forest": mean("lai", trop),
        "lai_desert": mean("lai", desert),
        "ef_tropical_forest": ef(trop), "ef_desert": ef(desert),
        "cveg_PgC": total("cVeg") / KG_PER_PG, "clitter_PgC": total("cLitter") / KG_PER_PG,
        "csoil_PgC": total("cSoil") / KG_PER_PG,
        **({"cmic_PgC": total("cMic") / KG_PER_PG} if "cMic" in v else {}),
        **({"cmaom_PgC": total("cMAOM") / KG_PER_PG} if "cMAOM" in v else {}),
        **({"cmaom_stable_PgC": total("cMAOMStable") / KG_PER_PG} if "cMAOMStable" in v else {}),
        **{key: total(name) * SECONDS_PER_YEAR / KG_PER_TG for name, key in N_FLUXES.items() if name in v},
        **({"doc_leaching_PgC_yr": total("fDOCleach") * SECONDS_PER_YEAR / KG_PER_PG} if "fDOCleach" in v else {}),
        **(_agriculture_totals(v, land_area, surf, total) if "fHarvest" in v else {}),
    }


def _agriculture_totals(v, land_area, surf, total) -> dict[str, float]:
    """Harvest, yields, fertiliser, irrigation and the cropland/grassland N2O of one yearly record."""
    out = {"harvest_PgC_yr": total("fHarvest") * SECONDS_PER_YEAR / KG_PER_PG,
           "grain_harvest_PgC_yr": total("fHarvestGrain") * SECONDS_PER_YEAR / KG_PER_PG,
           "product_decay_PgC_yr": total("fprod") * SECONDS_PER_YEAR / KG_PER_PG}
    for name, pft in GRAIN_FIELDS.items():
        area = land_area * surf.pft_fraction[pft_index(pft)].ravel()
        kg_m2_yr = np.sum(v[name] * area) / np.sum(area) * SECONDS_PER_YEAR if np.sum(area) > 0 else float("nan")
        out[f"yield_{pft}_t_ha"] = float(kg_m2_yr / GRAIN_C_FRACTION * T_HA_PER_KG_M2)
    out["fertiliser_TgN_yr"] = total("fFertN") * SECONDS_PER_YEAR / KG_PER_TG
    out["legume_fixation_TgN_yr"] = total("fNfixLegume") * SECONDS_PER_YEAR / KG_PER_TG
    out["irrigation_km3_yr"] = total("irrigation") * SECONDS_PER_YEAR / KG_PER_KM3_WATER
    crop = land_area * sum(surf.pft_fraction[pft_index(p)].ravel() for p in GRAIN_FIELDS.values())
    if "fN2O" in v:  # managed (cropland) and natural land's shares of the soil N2O
        managed = float(np.sum(v["fN2OCrop"] * crop)) * SECONDS_PER_YEAR / KG_PER_TG
        out["n2o_managed_TgN_yr"] = managed
        out["n2o_natural_TgN_yr"] = total("fN2O") * SECONDS_PER_YEAR / KG_PER_TG - managed
    grass = land_area * sum(surf.pft_fraction[pft_index(p)].ravel() for p in ("c3_grass", "c4_grass"))
    both = (crop > 0) & (grass > 0)
    if both.any():
        g_m2_yr = 1e3 * SECONDS_PER_YEAR
        out["n2o_cropland_gN_m2_yr"] = float(np.sum(v["fN2OCrop"] * crop * both) / np.sum(crop * both)) * g_m2_yr
        out["n2o_grassland_gN_m2_yr"] = float(np.sum(v["fN2OGrass"] * grass * both) / np.sum(grass * both)) * g_m2_yr
    return out


#: Columns of the per-PFT stock table: heading, unit factor from kg m-2, soil pools summed (None: vegetation).
STOCK_COLUMNS = (("SOC kg C/m2", 1.0, None), ("litter kg C/m2", 1.0, ("litter_labile", "litter_recalcitrant")),
                 ("CWD kg C/m2", 1.0, ("coarse_woody_debris",)),
                 ("microbes g C/m2", 1e3, ("microbes_active", "microbes_dormant")),
                 ("MAOM kg C/m2", 1.0, ("maom", "maom_stable")), ("aggregate kg C/m2", 1.0, ("aggregate",)),
                 ("NH4 g N/m2", 1e3, ("nh4",)), ("NO3 g N/m2", 1e3, ("no3",)), ("veg kg C/m2", 1.0, ()))
#: Vegetation carbon pools of the land restart.
VEG_C = ("leaf_c", "froot_c", "wood_c", "labile_c")


def stocks_by_pft(path: Path) -> tuple[list[tuple[str, float, list[float]]], dict[str, float]]:
    """Per-PFT mean stocks of a land restart or initial-state file, and global totals.

    Returns rows ``(pft, area 1e12 m2, values)`` in the units of :data:`STOCK_COLUMNS` for every PFT with
    area, and totals: soil organic carbon with litter and DOM, vegetation carbon (Pg C), mineral N (Tg N).
    The PFT areas come from the packaged surface data on the file's grid (its ``grid`` attribute).
    """
    with netCDF4.Dataset(path) as ds:
        try:
            dlat, dlon = (float(x) for x in str(ds.getncattr("grid")).split("x"))
            cells = np.asarray(ds["cell_index"][:]).astype(int)
            tile = {name: np.asarray(ds[name][:], dtype=float) for name in ds.variables
                    if name.startswith(("soil__", "veg__"))}
        except (AttributeError, KeyError, IndexError, ValueError) as err:
            raise ValueError(f"{path}: not a land restart or initial-state file ({err})") from None
    organic = [p.name for p in POOLS if p.kind == "organic"]
    for e in ("c", "n"):  # written before the coarse woody debris pool: it held none
        tile.setdefault(f"soil__coarse_woody_debris_{e}", np.zeros_like(tile.get("soil__nh4_n", np.zeros(0))))
    missing = [f"soil__{n}_c" for n in organic if f"soil__{n}_c" not in tile] + \
              [f"veg__{n}" for n in VEG_C if f"veg__{n}" not in tile]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)}: the stocks need the soil model's pools")
    surf = load_surface(LatLonGrid.regular(dlat, dlon))
    area = surf.pft_fraction[:, cells] * surf.land_area_m2[cells][None, :]  # m2 per (pft, cell)
    soil_c = sum(tile[f"soil__{n}_c"] for n in organic)
    veg_c = sum(tile[f"veg__{n}"] for n in VEG_C)

    def pools(names):
        if names is None:
            return soil_c
        if not names:
            return veg_c
        return sum(tile[f"soil__{n}_n"] if n in ("nh4", "no3") else tile[f"soil__{n}_c"] for n in names)

    columns = [(pools(names), factor) for _, factor, names in STOCK_COLUMNS]
    rows = []
    for k, name in enumerate(PFT_NAMES):
        a = area[k].sum()
        if a > 0.0:
            rows.append((name, a / 1e12, [float(np.sum(x[k] * area[k]) / a * f) for x, f in columns]))
    mineral = tile["soil__nh4_n"] + tile["soil__no3_n"]
    # litter and DOM included: not the top-metre soil carbon of the history's cSoil and its reference range
    totals = {"soil_organic_c_PgC": float(np.sum(soil_c * area)) / KG_PER_PG,
              "veg_c_PgC": float(np.sum(veg_c * area)) / KG_PER_PG,
              "mineral_n_TgN": float(np.sum(mineral * area)) / KG_PER_TG}
    return rows, totals


def format_stocks(rows, totals) -> str:
    head = f"{'pft':34s} {'area 1e12 m2':>12s}" + "".join(f" {h:>17s}" for h, _, _ in STOCK_COLUMNS)
    lines = [head] + [f"{name:34s} {a:12.2f}" + "".join(f" {x:17.3f}" for x in values) for name, a, values in rows]
    return "\n".join(lines + [format_totals(totals)])


def format_totals(t: dict[str, float]) -> str:
    lines = []
    for key, value in t.items():
        ref = REFERENCES.get(key)
        tag = "" if ref is None else f"   (reference {ref[0]:g}-{ref[1]:g}: {'ok' if ref[0] <= value <= ref[1] else 'OUT'})"
        lines.append(f"{key:>22} {value:10.3f}{tag}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lsm.diagnostics", description=__doc__.splitlines()[0])
    p.add_argument("outdir", type=Path, help="run folder, or with --stocks a land restart or initial-state file")
    p.add_argument("--record", type=int, default=-1, help="record (year) of the yearly stream, default the last")
    p.add_argument("--stocks", action="store_true", help="per-PFT soil and vegetation stocks of a land state file")
    a = p.parse_args(argv)
    if a.stocks:
        try:
            rows, totals = stocks_by_pft(a.outdir)
        except (OSError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"{a.outdir}: mean stocks per PFT over its land area")
        print(format_stocks(rows, totals))
        return 0
    try:
        path = yearly_land_stream(a.outdir)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{path}, record {a.record}")
    print(format_totals(land_totals(path, a.record)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
