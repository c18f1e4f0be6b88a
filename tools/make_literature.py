"""Build ``coupler/data/literature_jian2022.nc``: the inputs of the Jian et al. (2022) Rs -> GPP bootstrap.

Usage: python tools/make_literature.py --globalc GLOBALC [--literature DIR] [--land DIR] [--out OUT]

Run once; :mod:`coupler.jian2022` reads only the file written here.  Jian,
J. et al. (2022) "Historically inconsistent productivity and respiration
fluxes in the global terrestrial carbon cycle", Nat. Commun. 13, 1733,
doi:10.1038/s41467-022-29391-5, derive GPP from soil respiration as
``GPP = NPP + Ra`` with ``Ra = Rs * (Rroot/Rs) / (Rroot/Ra)``.  Their
analysis code and data are public in github.com/PNNL-TES/GlobalC (commit
:data:`GLOBALC_COMMIT`, 2022-01-25, ``Topdown_GlobalRs.Rmd``,
``functions.R``, ``functions-calc_bootstrap.R``); the four CSV files of
``../shared/data/literature/`` are byte-identical to that commit's
``data/`` files (checked here by SHA-256).  Two inputs of the headline
number are not in ``../shared`` and are read from that commit:

- ``data/srdb-data-v5.csv``: the Global Soil Respiration Database V5 (Jian et
  al. 2021, Earth Syst. Sci. Data 13, 255-267), source of every Rroot/Rs
  (``RC_annual``) value and of the site Rroot/Ra and Ra/GPP values they add;
- ``data/ITONPP.CSV``: the 251 global NPP estimates compiled by Ito (2011,
  Glob. Change Biol. 17, 3161-3175).

``GLOBALC`` is a clone of github.com/PNNL-TES/GlobalC (work tree or bare
git directory; files are read at :data:`GLOBALC_COMMIT` with ``git show``).
The land-cover weights use ``../shared/data/land/igbp_0.5deg.txt`` (the same
file as GlobalC ``data/IGBP.txt``).

What is stored (per distribution; filters that are part of Jian's method
are left to :mod:`coupler.jian2022` so they are visible there):

- ``rs``, ``rs_sd``, ``rs_year``: every row of ``GlobalRs.csv`` (Pg C yr-1).
- ``rc``, ``rc_group``: SRDB-V5 ``RC_annual`` with 0 < RC < 1 (as their
  ``sub_srdb``) and its ecosystem group (``Ecosystem_type``, ``Leaf_habit``).
- ``froot``, ``froot_group``, ``froot_source``: Rroot/Ra, as their
  ``cal_Froot``: ``FlFsFrSummary.csv`` ``Froot`` (or ``100 - Fshoot``) / 100,
  plus SRDB-V5 sites ``Ra_annual / (ER - Rh_annual)`` (ER missing -> GPP, Rh
  missing -> NPP, Ra missing -> Rs - Rh; kept if 0.1 < Froot < 0.9).
- ``ragpp``, ``ragpp_source``: Ra/GPP, as their ``prep_RaGpp``:
  ``RaGPP.csv`` ``RaGPP_ratio`` plus SRDB-V5 ``(ER - NPP) / GPP`` (ER
  missing -> GPP) with 0 < Ra/GPP < 1.
- ``npp``: Ito (2011) NPP estimates (Pg C yr-1), all of them.
- ``gpp``, ``gpp_sd``, ``gpp_year``, ``gpp_method``: ``GlobalGPP_Sum.csv``.
- ``area_fraction``: share of the vegetated and bare land (not water) in
  each IGBP group of GlobalC ``data/igbp_mapping.csv``, by cos(latitude)
  weighted 0.5 degree cells of ``IGBP2001Pr``, as their
  ``IGBP_summary``.

Output: netCDF4, zlib level 9 with shuffle, about 70 kB (mostly per-variable HDF5 overhead).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import netCDF4
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LITERATURE = REPO.parent / "shared" / "data" / "literature"
DEFAULT_LAND = REPO.parent / "shared" / "data" / "land"
DEFAULT_OUT = REPO / "coupler" / "data" / "literature_jian2022.nc"

#: github.com/PNNL-TES/GlobalC commit whose data and code produced the published numbers.
GLOBALC_COMMIT = "9d43778d66eb3d670c1e76b3b1ecac37626c9885"
GLOBALC_URL = "https://github.com/PNNL-TES/GlobalC"

#: Ecosystem groups of the Rroot/Rs records (their ``IGBP2`` of ``sub_srdb``).
RC_GROUPS = ("agriculture", "deciduous_forest", "evergreen_forest", "mixed_forest", "grassland",
             "shrubland_savanna", "other")
#: Ecosystem groups of the Rroot/Ra records (their ``IGBP2`` of ``Froot``).
FROOT_GROUPS = ("deciduous_forest", "evergreen_forest", "mixed_forest", "other")
SOURCES = ("publications", "srdb_v5")
GPP_METHODS = ("Model", "MODIS", "FLUXNET", "SBU", "Mixed", "Isotope", "SIF")
#: IGBP2001Pr class -> group (GlobalC data/igbp_mapping.csv); 0 is water and is left out.
IGBP_TO_GROUP = {1: "EF", 2: "EF", 3: "DF", 4: "DF", 5: "MF", 6: "SH", 7: "SH", 8: "GRA", 9: "GRA",
                 10: "GRA", 11: "WET", 12: "CRO", 13: "URB", 14: "CRO", 15: "SNO", 16: "BSV"}
AREA_GROUPS = ("CRO", "DF", "EF", "MF", "GRA", "SH", "WET", "URB", "SNO", "BSV")
AREA_GROUP_NAMES = ("cropland_and_mosaic", "deciduous_forest", "evergreen_forest", "mixed_forest",
                    "grassland_and_savanna", "shrubland", "wetland", "urban", "snow_and_ice", "barren")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # GlobalGPP_Sum.csv has Windows-1252 characters in its reference text
        return raw.decode("latin-1")


def _rows(raw: bytes) -> list[dict[str, str]]:
    """Rows of a CSV whose leading '#' lines are comments (as R's ``comment.char = "#"``)."""
    lines = [ln for ln in _decode(raw).splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def _num(rows, column: str) -> np.ndarray:
    """A numeric column, NaN where empty or NA (R's ``read.csv``)."""
    return np.array([float(r[column]) if r[column].strip() not in ("", "NA") else np.nan for r in rows])


def _text(rows, column: str) -> np.ndarray:
    return np.array([r[column].strip() for r in rows], dtype=object)


class GlobalC:
    """Files of one commit of a PNNL-TES/GlobalC clone (work tree or git directory)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def read(self, name: str) -> bytes:
        try:
            return subprocess.run(["git", f"--git-dir={self._git_dir()}", "show", f"{GLOBALC_COMMIT}:{name}"],
                                  check=True, capture_output=True).stdout
        except (subprocess.CalledProcessError, FileNotFoundError) as err:
            raise SystemExit(f"{self.path}: cannot read {name} at commit {GLOBALC_COMMIT} of {GLOBALC_URL}: "
                             f"{getattr(err, 'stderr', b'').decode().strip() or err}") from err

    def _git_dir(self) -> Path:
        return self.path / ".git" if (self.path / ".git").exists() else self.path


def rs_estimates(raw: bytes) -> dict[str, np.ndarray]:
    rows = _rows(raw)
    return {"rs": _num(rows, "Rs"), "rs_sd": _num(rows, "SD"), "rs_year": _num(rows, "Pub_year"),
            "rs_reference": _text(rows, "Rs_Reference")}


def _rc_group(ecosystem: np.ndarray, leaf: np.ndarray) -> np.ndarray:
    """Their ``IGBP2`` case_when of ``sub_srdb`` (first match wins), as an index into :data:`RC_GROUPS`."""
    forest = ecosystem == "Forest"
    conditions = [ecosystem == "Agriculture", forest & (leaf == "Deciduous"), forest & (leaf == "Evergreen"),
                  forest & (leaf == "Mixed"), ecosystem == "Grassland", np.isin(ecosystem, ["Savanna", "Shrubland"])]
    return np.select(conditions, range(6), default=RC_GROUPS.index("other")).astype(np.int8)


def _froot_group(ecosystem: np.ndarray, igbp: np.ndarray) -> np.ndarray:
    forest = ecosystem == "Forest"
    conditions = [forest & np.isin(igbp, ["DBF", "Deciduous"]), forest & np.isin(igbp, ["EBF", "ENF", "Evergreen"]),
                  forest & np.isin(igbp, ["MF", "Mixed"])]
    return np.select(conditions, [0, 1, 2], default=FROOT_GROUPS.index("other")).astype(np.int8)


def srdb_ratios(srdb_raw: bytes, froot_raw: bytes, ragpp_raw: bytes) -> dict[str, np.ndarray]:
    """Rroot/Rs, Rroot/Ra and Ra/GPP records built as GlobalC ``functions.R`` does."""
    s = _rows(srdb_raw)
    eco, leaf = _text(s, "Ecosystem_type"), _text(s, "Leaf_habit")
    rc = _num(s, "RC_annual")
    keep = (rc > 0.0) & (rc < 1.0)
    out = {"rc": rc[keep], "rc_group": _rc_group(eco[keep], leaf[keep])}

    gpp, npp, er = _num(s, "GPP"), _num(s, "NPP"), _num(s, "ER")
    rh, ra, rs = _num(s, "Rh_annual"), _num(s, "Ra_annual"), _num(s, "Rs_annual")
    with_c = ~np.isnan(gpp) | ~np.isnan(npp) | ~np.isnan(er)
    er = np.where(np.isnan(er), gpp, er)  # no ER: assume NEP is small
    rh = np.where(np.isnan(rh), npp, rh)  # no Rh: assume NEP is small
    ra = np.where(np.isnan(ra), rs - rh, ra)  # SRDB's Ra_annual is root respiration
    with np.errstate(divide="ignore", invalid="ignore"):
        f_site = ra / (er - rh)
        ragpp_site = (er - npp) / gpp
    f_keep = with_c & (f_site > 0.1) & (f_site < 0.9)
    r_keep = with_c & (ragpp_site > 0.0) & (ragpp_site < 1.0)

    f = _rows(froot_raw)
    fr, fs = _num(f, "Froot"), _num(f, "Fshoot")
    fs = np.where(np.isnan(fs), 100.0 - fr, fs)
    fr = np.where(np.isnan(fr), 100.0 - fs, fr) / 100.0  # percent -> fraction
    if np.isnan(fr).any():
        raise SystemExit("FlFsFrSummary.csv: a row has neither Froot nor Fshoot")
    out["froot"] = np.concatenate([fr, f_site[f_keep]])
    out["froot_group"] = np.concatenate([_froot_group(_text(f, "Ecosystem"), _text(f, "IGBP")),
                                         _froot_group(eco[f_keep], leaf[f_keep])])
    out["froot_source"] = np.repeat(np.int8([0, 1]), [fr.size, int(f_keep.sum())])

    paper = _num(_rows(ragpp_raw), "RaGPP_ratio")
    paper = paper[~np.isnan(paper)]
    out["ragpp"] = np.concatenate([paper, ragpp_site[r_keep]])
    out["ragpp_source"] = np.repeat(np.int8([0, 1]), [paper.size, int(r_keep.sum())])
    return out


def ito_npp(raw: bytes) -> np.ndarray:
    """Ito (2011) NPP estimates, Pg C yr-1: one number a line after a 'NPP' header; blank lines skipped as read.csv."""
    lines = [ln.strip() for ln in _decode(raw).splitlines() if ln.strip() and not ln.startswith("#")]
    if lines[0] != "NPP":
        raise SystemExit(f"ITONPP.CSV: expected header 'NPP', found {lines[0]!r}")
    return np.array([float(x) for x in lines[1:]])


def gpp_estimates(raw: bytes) -> dict[str, np.ndarray]:
    rows = _rows(raw)
    method = _text(rows, "Group2")
    unknown = set(method) - set(GPP_METHODS)
    if unknown:
        raise SystemExit(f"GlobalGPP_Sum.csv: unknown Group2 values {sorted(unknown)}")
    return {"gpp": _num(rows, "GPP"), "gpp_sd": _num(rows, "SD"), "gpp_year": _num(rows, "Year"),
            "gpp_method": np.array([GPP_METHODS.index(m) for m in method], dtype=np.int8)}


def area_fractions(igbp_path: Path) -> np.ndarray:
    """Share of non-water land in each of :data:`AREA_GROUPS`, cos(latitude) weighted, as their IGBP_summary."""
    with open(igbp_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    lat = np.array([float(r["Latitude"]) for r in rows])
    cls = np.array([int(float(r["IGBP2001Pr"])) for r in rows])
    w = np.cos(np.abs(lat) / 180.0 * np.pi)
    total = {g: 0.0 for g in AREA_GROUPS}
    for k, g in IGBP_TO_GROUP.items():  # class 0 (water) and any class outside the mapping are left out
        total[g] += float(w[cls == k].sum())
    area = np.array([total[g] for g in AREA_GROUPS])
    return area / area.sum()


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def write(out: Path, data: dict[str, np.ndarray], provenance: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".nc.tmp")
    opts = {"zlib": True, "complevel": 9, "shuffle": True}
    srdb = "SRDB-V5 (Jian et al. 2021, ESSD 13, 255) via " + GLOBALC_URL + " data/srdb-data-v5.csv"

    def flags(v, names):
        v.flag_values = np.arange(len(names), dtype=np.int8)
        v.flag_meanings = " ".join(names)

    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        ds.title = "Inputs of the Jian et al. (2022) bootstrap of GPP implied by global soil respiration"
        ds.Conventions = "CF-1.8"
        ds.source = (f"Jian et al. (2022) compilation, {GLOBALC_URL} commit {GLOBALC_COMMIT}: data/GlobalRs.csv, "
                     "FlFsFrSummary.csv, RaGPP.csv, GlobalGPP_Sum.csv (identical to ../shared/data/literature), "
                     "data/srdb-data-v5.csv, data/ITONPP.CSV; land cover ../shared/data/land/igbp_0.5deg.txt")
        ds.references = ("Jian et al. (2022) Nat. Commun. 13, 1733, doi:10.1038/s41467-022-29391-5; "
                         "Jian et al. (2021) Earth Syst. Sci. Data 13, 255; Ito (2011) Glob. Change Biol. 17, 3161")
        ds.history = f"created by tools/make_literature.py; inputs (sha256 prefix): {provenance}"
        ds.comment = ("Records as compiled; the filters of Jian et al. (Rs year > 1980, 0.01 < Rroot/Rs < 0.99, "
                      "25 <= NPP <= 83) are applied in coupler/jian2022.py")

        def var(name, dtype, values, dim, units, long_name, source, fill=None, **attrs):
            if dim not in ds.dimensions:
                ds.createDimension(dim, len(values))
            kw = dict(opts)
            if fill is not None:
                kw["fill_value"] = fill
            v = ds.createVariable(name, dtype, (dim,), **kw)
            if units is not None:
                v.units = units
            v.long_name = long_name
            v.source = source
            for k, a in attrs.items():
                setattr(v, k, a)
            if fill is not None:
                values = np.ma.masked_invalid(values)
            v[:] = values
            return v

        lit = "../shared/data/literature/"
        var("rs", "f8", data["rs"], "rs_estimate", "Pg C yr-1", "published global soil respiration estimate",
            lit + "GlobalRs.csv column Rs", fill=np.nan)
        var("rs_sd", "f8", data["rs_sd"], "rs_estimate", "Pg C yr-1", "standard deviation of the estimate",
            lit + "GlobalRs.csv column SD", fill=np.nan, comment="missing where not reported")
        var("rs_year", "f8", data["rs_year"], "rs_estimate", "year", "Pub_year of the estimate",
            lit + "GlobalRs.csv column Pub_year", fill=np.nan,
            comment="publication year, or for most entries the middle of the period covered")
        v = ds.createVariable("rs_reference", str, ("rs_estimate",))
        for k, text in enumerate(data["rs_reference"]):
            v[k] = text
        v.long_name, v.source = "reference of the estimate", lit + "GlobalRs.csv column Rs_Reference"

        var("rc", "f8", data["rc"], "rc_record", "1", "root respiration / soil respiration (Rroot/Rs) of a site",
            srdb + " column RC_annual (0 < RC < 1)")
        v = var("rc_group", "i1", data["rc_group"], "rc_record", None, "ecosystem group of the Rroot/Rs record",
                srdb + " columns Ecosystem_type, Leaf_habit")
        flags(v, RC_GROUPS)

        var("froot", "f8", data["froot"], "froot_record", "1",
            "root respiration / autotrophic respiration (Rroot/Ra) of a site",
            lit + "FlFsFrSummary.csv column Froot (percent, or 100 - Fshoot) / 100; " + srdb
            + " Ra_annual / (ER - Rh_annual), kept if 0.1 < value < 0.9")
        v = var("froot_group", "i1", data["froot_group"], "froot_record", None,
                "ecosystem group of the Rroot/Ra record", "Ecosystem and IGBP (or SRDB Leaf_habit) columns")
        flags(v, FROOT_GROUPS)
        v = var("froot_source", "i1", data["froot_source"], "froot_record", None, "source of the record",
                "FlFsFrSummary.csv or SRDB-V5")
        flags(v, SOURCES)

        var("ragpp", "f8", data["ragpp"], "ragpp_record", "1",
            "autotrophic respiration / gross primary production (Ra/GPP) of a site or biome",
            lit + "RaGPP.csv column RaGPP_ratio; " + srdb + " (ER - NPP) / GPP with 0 < value < 1")
        v = var("ragpp_source", "i1", data["ragpp_source"], "ragpp_record", None, "source of the record",
                "RaGPP.csv or SRDB-V5")
        flags(v, SOURCES)

        var("npp", "f8", data["npp"], "npp_estimate", "Pg C yr-1", "published global terrestrial NPP estimate",
            f"Ito (2011) compilation, {GLOBALC_URL} data/ITONPP.CSV")

        var("gpp", "f8", data["gpp"], "gpp_estimate", "Pg C yr-1", "published global terrestrial GPP estimate",
            lit + "GlobalGPP_Sum.csv column GPP")
        var("gpp_sd", "f8", data["gpp_sd"], "gpp_estimate", "Pg C yr-1", "standard deviation of the estimate",
            lit + "GlobalGPP_Sum.csv column SD", fill=np.nan, comment="missing where not reported")
        var("gpp_year", "f8", data["gpp_year"], "gpp_estimate", "year", "year the estimate refers to",
            lit + "GlobalGPP_Sum.csv column Year")
        v = var("gpp_method", "i1", data["gpp_method"], "gpp_estimate", None, "method group of the estimate",
                lit + "GlobalGPP_Sum.csv column Group2 (MODIS = remote sensing, SBU = site-based upscaling)")
        flags(v, GPP_METHODS)

        v = var("area_fraction", "f8", data["area_fraction"], "igbp_group", "1",
                "fraction of non-water land in the IGBP group (cos-latitude weighted 0.5 degree cells)",
                "../shared/data/land/igbp_0.5deg.txt column IGBP2001Pr grouped as GlobalC data/igbp_mapping.csv")
        v.group_codes = " ".join(AREA_GROUPS)
        v2 = ds.createVariable("igbp_group_name", str, ("igbp_group",))
        for k, name in enumerate(AREA_GROUP_NAMES):
            v2[k] = f"{AREA_GROUPS[k]} {name}"
        v2.long_name = "IGBP group code and name"
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--globalc", type=Path, required=True,
                   help=f"clone of {GLOBALC_URL} (work tree or git directory)")
    p.add_argument("--literature", type=Path, default=DEFAULT_LITERATURE)
    p.add_argument("--land", type=Path, default=DEFAULT_LAND)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = p.parse_args(argv)

    gc = GlobalC(a.globalc)
    raw = {}
    for name in ("GlobalRs.csv", "FlFsFrSummary.csv", "RaGPP.csv", "GlobalGPP_Sum.csv"):
        raw[name] = (a.literature / name).read_bytes()
        if raw[name] != gc.read(f"data/{name}"):  # the headline number was computed from these very bytes
            raise SystemExit(f"{a.literature / name} differs from data/{name} of GlobalC {GLOBALC_COMMIT}")
    raw["srdb-data-v5.csv"] = gc.read("data/srdb-data-v5.csv")
    raw["ITONPP.CSV"] = gc.read("data/ITONPP.CSV")
    igbp = a.land / "igbp_0.5deg.txt"
    raw["igbp_0.5deg.txt"] = igbp.read_bytes()

    data = {**rs_estimates(raw["GlobalRs.csv"]),
            **srdb_ratios(raw["srdb-data-v5.csv"], raw["FlFsFrSummary.csv"], raw["RaGPP.csv"]),
            "npp": ito_npp(raw["ITONPP.CSV"]), **gpp_estimates(raw["GlobalGPP_Sum.csv"]),
            "area_fraction": area_fractions(igbp)}
    provenance = ", ".join(f"{name} {_sha(b)}" for name, b in raw.items())
    write(a.out, data, provenance)
    print(f"wrote {a.out} ({a.out.stat().st_size / 1e3:.1f} kB)")
    for key in ("rs", "rc", "froot", "ragpp", "npp", "gpp"):
        print(f"  {key:6s} {data[key].size:4d} records, median {np.nanmedian(data[key]):.3f}")
    print("  area  " + ", ".join(f"{g} {f:.4f}" for g, f in zip(AREA_GROUPS, data["area_fraction"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
