"""GPP implied by soil respiration (Jian et al. 2022) and where the model sits in that chain.

Jian, J. et al. (2022) "Historically inconsistent productivity and
respiration fluxes in the global terrestrial carbon cycle", Nat. Commun.
13, 1733, doi:10.1038/s41467-022-29391-5, infer global GPP from global soil
respiration Rs: ``Rroot = Rs * (Rroot/Rs)``, ``Ra = Rroot / (Rroot/Ra)`` and
``GPP = NPP + Ra``, and find 149 (+29/-23) Pg C yr-1 (median and 2.5/97.5 %
of 10,000 draws) against 113 +/- 18 from remote sensing.  Their code
(github.com/PNNL-TES/GlobalC, ``Topdown_GlobalRs.Rmd``) closes the chain
with NPP (Ito 2011), not with Ra/GPP: Ra/GPP enters only their top-down Rs.
The published number is their "scenario 2": Rroot/Rs and Rroot/Ra drawn per
ecosystem group and weighted by the group's land area.  Each draw of every
quantity is the mean of ``sample_size = 10`` values resampled with
replacement (Rs: values plus normal noise of the reported SD; a missing SD
takes the largest coefficient of variation).  :func:`bootstrap` repeats
this with the records packaged by ``tools/make_literature.py``; it gives
147.5 (123.8-179.8) Pg C yr-1 with the default seed (medians 147.3-147.6
for seeds 1-8), within :data:`TOLERANCE_PGC_YR` of the published numbers;
the remaining 1.5 Pg C yr-1 is not Monte Carlo noise (about 0.2) and was not
traced (their R random stream cannot be replayed here).
The chain closed with Ra/GPP instead (``GPP = Ra / (Ra/GPP)``) is
reported beside it as ``gpp_ragpp``.

Random numbers come from :mod:`coupler.rng` (Philox, counter-based): draw
``i`` of a quantity uses counters ``i * sample_size ... + sample_size - 1``
under its own stream, so results are bit-for-bit reproducible for a seed.

Fluxes are Pg C yr-1 throughout; ratios are dimensionless.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import netCDF4
import numpy as np

from . import rng

DATA_FILE = Path(__file__).resolve().parent / "data" / "literature_jian2022.nc"

#: Published Rs-based GPP: median, minus, plus (Pg C yr-1; Jian et al. 2022).
PUBLISHED_GPP_FROM_RS = (149.0, 23.0, 29.0)
#: Published remote-sensing GPP: median and half-width of the 95 % interval (Jian et al. 2022).
PUBLISHED_GPP_REMOTE = (113.0, 18.0)
#: Beer et al. (2010) Science 329, 834: GPP 123 +/- 8 Pg C yr-1.
BEER_2010_GPP = (123.0, 8.0)
#: Published Rs from the soil respiration database and Rs implied by remote-sensing GPP: median, minus, plus.
PUBLISHED_RS = (87.0, 8.0, 9.0)
PUBLISHED_RS_REMOTE = (68.0, 8.0, 10.0)
#: Agreement claimed with the published 149 (+29/-23): median within 3 Pg C yr-1 (2 %),
#: 2.5 and 97.5 percentiles within 4 Pg C yr-1.  The Monte Carlo error of the median at
#: n = 10,000 is about 0.2 Pg C yr-1.
TOLERANCE_PGC_YR = {"median": 3.0, "p2.5": 4.0, "p97.5": 4.0}

SEED = 20190827  # the seed of their R script, for the record (the streams differ)
SAMPLE_SIZE = 10  # values averaged in each draw (their sample_size)
QUANTILES = (0.025, 0.5, 0.975)

# Jian et al.'s filters (Topdown_GlobalRs.Rmd): Rs estimates after 1980, Rroot/Rs away from 0 and 1,
# NPP outliers of a box plot removed.
RS_AFTER_YEAR = 1980.0
RC_RANGE = (0.01, 0.99)
NPP_RANGE = (25.0, 83.0)

# rc_group codes of the data file and the IGBP area group each weights (None: "rest").
_RC_GROUPS = {"agriculture": (0, "CRO"), "deciduous_forest": (1, "DF"), "evergreen_forest": (2, "EF"),
              "mixed_forest": (3, "MF"), "grassland": (4, "GRA"), "shrubland_savanna": (5, "SH")}
_FROOT_GROUPS = {"deciduous_forest": (0, "DF"), "evergreen_forest": (1, "EF"), "mixed_forest": (2, "MF")}
# One rng stream per drawn quantity (never reuse a number for another purpose).
_STREAM = {"rs_index": 1, "rs_noise": 2, "npp": 3, "rc_all": 4, "froot_all": 5, "ragpp": 6,
           **{f"rc_{g}": 10 + k for k, g in enumerate(_RC_GROUPS)},
           **{f"froot_{g}": 20 + k for k, g in enumerate(_FROOT_GROUPS)}}


@dataclass(frozen=True)
class Literature:
    """Records after Jian et al.'s filters; fluxes in Pg C yr-1."""

    rs: np.ndarray
    rs_sd: np.ndarray
    rc: np.ndarray
    rc_group: np.ndarray
    froot: np.ndarray
    froot_group: np.ndarray
    ragpp: np.ndarray
    npp: np.ndarray
    gpp: np.ndarray
    gpp_year: np.ndarray
    gpp_method: tuple[str, ...]
    area: dict[str, float]


@lru_cache(maxsize=4)
def load_literature(path: Path = DATA_FILE) -> Literature:
    """The packaged records (``coupler/data/literature_jian2022.nc``) with the paper's filters applied."""
    with netCDF4.Dataset(path) as ds:
        def get(name):
            return np.ma.filled(ds[name][:].astype(float), np.nan)

        rs, rs_sd, year = get("rs"), get("rs_sd"), get("rs_year")
        keep_rs = (year > RS_AFTER_YEAR) & ~np.isnan(rs)
        rc, rc_group = get("rc"), np.asarray(ds["rc_group"][:])
        keep_rc = (rc > RC_RANGE[0]) & (rc < RC_RANGE[1])
        npp = get("npp")
        keep_npp = (npp >= NPP_RANGE[0]) & (npp <= NPP_RANGE[1])
        methods = ds["gpp_method"].flag_meanings.split()
        codes = ds["area_fraction"].group_codes.split()
        return Literature(
            rs=rs[keep_rs], rs_sd=rs_sd[keep_rs], rc=rc[keep_rc], rc_group=rc_group[keep_rc],
            froot=get("froot"), froot_group=np.asarray(ds["froot_group"][:]), ragpp=get("ragpp"),
            npp=npp[keep_npp], gpp=get("gpp"), gpp_year=get("gpp_year"),
            gpp_method=tuple(methods[m] for m in np.asarray(ds["gpp_method"][:])),
            area=dict(zip(codes, get("area_fraction").tolist())))


def _uniform_index(seed: int, stream: int, n: int, k: int, size: int) -> np.ndarray:
    """(n, k) indices uniform on 0..size-1 (resampling with replacement)."""
    u = rng.uniform(seed, stream, np.arange(n * k, dtype=np.int64), 0)
    # u < 1, but u * size can round up to size for the largest u: clip
    return np.minimum((u * size).astype(np.int64), size - 1).reshape(n, k)


def _resampled_means(values: np.ndarray, seed: int, stream: int, n: int, k: int) -> np.ndarray:
    """Their ``method1``: mean of k values drawn with replacement, n times."""
    return values[_uniform_index(seed, stream, n, k, values.size)].mean(axis=1)


def _resampled_means_sd(values, sd, seed: int, n: int, k: int) -> np.ndarray:
    """Their ``method3``: as method1 plus normal noise of each value's SD; a missing SD takes the largest CV."""
    cv = sd / values
    cv = np.where(np.isnan(cv), np.nanmax(cv), cv)
    idx = _uniform_index(seed, _STREAM["rs_index"], n, k, values.size)
    z = rng.normal(seed, _STREAM["rs_noise"], np.arange(n * k, dtype=np.int64), 0).reshape(n, k)
    return (values[idx] + values[idx] * cv[idx] * z).mean(axis=1)


@dataclass(frozen=True)
class Bootstrap:
    """Distribution of the GPP implied by Rs (Pg C yr-1) and the draws behind it."""

    gpp: np.ndarray  # published route: NPP + Rs * Rroot/Rs / (Rroot/Ra), area-weighted ratios
    draws: dict[str, np.ndarray] = field(repr=False)
    n: int
    seed: int
    sample_size: int

    @property
    def median(self) -> float:
        return float(np.median(self.gpp))

    @property
    def interval(self) -> tuple[float, float]:
        """2.5 and 97.5 percentiles (linear interpolation, R's default type 7)."""
        lo, hi = np.quantile(self.gpp, (QUANTILES[0], QUANTILES[2]))
        return float(lo), float(hi)

    def quantiles(self, name: str = "gpp") -> tuple[float, float, float]:
        x = self.gpp if name == "gpp" else self.draws[name]
        return tuple(float(q) for q in np.quantile(x, QUANTILES))


def _gpp_routes(rs, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """GPP (Pg C yr-1) from Rs (Pg C yr-1, array or scalar) through the drawn ratios."""
    ra = rs * d["rc"] / d["froot"]
    return {"gpp": d["npp"] + ra,  # Jian et al.'s scenario 2 (published)
            "gpp_unweighted": d["npp"] + rs * d["rc_all"] / d["froot_all"],  # their scenario 1
            "gpp_ragpp": ra / d["ragpp"]}  # chain closed with Ra/GPP instead of NPP


def bootstrap(n: int = 10_000, seed: int = SEED, sample_size: int = SAMPLE_SIZE, rs: float | None = None,
              literature: Literature | None = None) -> Bootstrap:
    """Bootstrap of global GPP implied by soil respiration (Jian et al. 2022), Pg C yr-1.

    ``rs`` (Pg C yr-1) replaces the literature Rs draws by one value, e.g. a
    model's, to get the GPP that Rs implies through the literature ratios.
    ``draws`` holds per draw: ``rs``, ``npp`` (Pg C yr-1); ``rc``, ``froot``
    (area-weighted Rroot/Rs and Rroot/Ra), ``rc_all``, ``froot_all``
    (unweighted), ``ragpp``; ``gpp_unweighted`` and ``gpp_ragpp`` (Pg C yr-1).
    """
    lit = literature or load_literature()
    k = sample_size

    def means(values, name):
        return _resampled_means(values, seed, _STREAM[name], n, k)

    d = {"npp": means(lit.npp, "npp"), "rc_all": means(lit.rc, "rc_all"),
         "froot_all": means(lit.froot, "froot_all"), "ragpp": means(lit.ragpp, "ragpp")}
    # Area weighting: each group's own records where it has them, all records for the rest of the land
    # (their calc_bootstrap_gpp).  The weights are the group shares of all non-water land.
    d["rc"] = d["rc_all"] * (1.0 - sum(lit.area[a] for _, a in _RC_GROUPS.values()))
    for name, (code, area) in _RC_GROUPS.items():
        d["rc"] = d["rc"] + means(lit.rc[lit.rc_group == code], f"rc_{name}") * lit.area[area]
    d["froot"] = d["froot_all"] * (1.0 - sum(lit.area[a] for _, a in _FROOT_GROUPS.values()))
    for name, (code, area) in _FROOT_GROUPS.items():
        d["froot"] = d["froot"] + means(lit.froot[lit.froot_group == code], f"froot_{name}") * lit.area[area]
    d["rs"] = (_resampled_means_sd(lit.rs, lit.rs_sd, seed, n, k) if rs is None
               else np.full(n, float(rs)))
    routes = _gpp_routes(d["rs"], d)
    gpp = routes.pop("gpp")
    d.update(routes)
    return Bootstrap(gpp=gpp, draws=d, n=n, seed=seed, sample_size=k)


@dataclass(frozen=True)
class ModelChain:
    """The model's respiration chain (Pg C yr-1 and ratios) and the GPP its Rs implies."""

    path: Path
    record: int
    gpp: float
    npp: float
    ra: float
    rroot: float
    rh: float
    rs: float
    rroot_over_rs: float
    rroot_over_ra: float
    ra_over_gpp: float
    implied: Bootstrap  # literature ratios and NPP applied to the model's Rs


def _ratio(a: float, b: float) -> float:
    return a / b if b != 0.0 else float("nan")


def model_chain(outdir, record: int = -1, n: int = 10_000, seed: int = SEED) -> ModelChain:
    """Ratios Rroot/Rs, Rroot/Ra, Ra/GPP of a run's yearly land history and the GPP implied by its Rs.

    Reads ``OUTDIR/hist/*.land.h*.nc`` with ``frequency = year`` (record
    ``record``, default the last) through :func:`lsm.diagnostics.land_totals`;
    the model's Rs is Rroot + Rh.
    """
    from lsm.diagnostics import land_totals, yearly_land_stream  # the coupler does not import lsm at load

    path = yearly_land_stream(Path(outdir))
    t = land_totals(path, record)
    gpp, npp, ra = t["gpp_PgC_yr"], t["npp_PgC_yr"], t["ra_PgC_yr"]
    rroot, rh, rs = t["rroot_PgC_yr"], t["rh_PgC_yr"], t["rs_PgC_yr"]
    return ModelChain(path=path, record=record, gpp=gpp, npp=npp, ra=ra, rroot=rroot, rh=rh, rs=rs,
                      rroot_over_rs=_ratio(rroot, rs), rroot_over_ra=_ratio(rroot, ra),
                      ra_over_gpp=_ratio(ra, gpp), implied=bootstrap(n=n, seed=seed, rs=rs))


def _log_mean(a: float, b: float) -> float:
    return a if a == b else (a - b) / (math.log(a) - math.log(b))


def verdict(m: ModelChain, boot: Bootstrap) -> str:
    """One sentence: which published GPP the model's GPP sits with, and which link of its chain puts it there.

    Distances are in units of each estimate's half-interval on the model's side.
    The "why" splits the model's GPP minus the soil-respiration route at the
    literature medians, ``NPP + Rs * (Rroot/Rs) / (Rroot/Ra)``, into NPP, Rs,
    Rroot/Rs and Rroot/Ra parts (log-mean Divisia split of the Ra term, exact).
    """
    rs_mid, rs_half = PUBLISHED_GPP_REMOTE
    soil_mid, soil_minus, soil_plus = PUBLISHED_GPP_FROM_RS
    z_remote = (m.gpp - rs_mid) / rs_half
    z_soil = (m.gpp - soil_mid) / (soil_plus if m.gpp > soil_mid else soil_minus)
    side = "remote-sensing" if abs(z_remote) < abs(z_soil) else "soil-respiration"
    placed = (f"sits with the {side} estimate" if min(abs(z_remote), abs(z_soil)) <= 1.0
              else f"lies outside both intervals, nearer the {side} estimate")
    where = (f"The model's GPP of {m.gpp:.0f} Pg C/yr {placed} "
             f"({abs(z_remote):.1f} half-intervals from 113 +/- 18, {abs(z_soil):.1f} from 149 (+29/-23))")
    lit = {k: float(np.median(boot.draws[k])) for k in ("npp", "rs", "rc", "froot")}
    model = {"npp": m.npp, "rs": m.rs, "rc": m.rroot_over_rs, "froot": m.rroot_over_ra}
    if not all(math.isfinite(v) and v > 0 for v in model.values()):
        return where + "; its respiration chain has a zero or undefined link, so no cause can be named."
    ra_lit = lit["rs"] * lit["rc"] / lit["froot"]
    ra_model = m.rs * m.rroot_over_rs / m.rroot_over_ra
    weight = _log_mean(ra_model, ra_lit)
    parts = {"NPP": (m.npp - lit["npp"], m.npp, lit["npp"], ".0f"),
             "Rs": (weight * math.log(m.rs / lit["rs"]), m.rs, lit["rs"], ".0f"),
             "Rroot/Rs": (weight * math.log(m.rroot_over_rs / lit["rc"]), m.rroot_over_rs, lit["rc"], ".2f"),
             "Rroot/Ra": (-weight * math.log(m.rroot_over_ra / lit["froot"]), m.rroot_over_ra, lit["froot"], ".2f")}
    route = lit["npp"] + ra_lit
    ranked = sorted(parts.items(), key=lambda kv: -abs(kv[1][0]))
    named = ", ".join(f"its {name} ({model_v:{fmt}} vs {lit_v:{fmt}}) {delta:+.0f}"
                      for name, (delta, model_v, lit_v, fmt) in ranked)
    return (f"{where} because its GPP is {m.gpp - route:+.0f} Pg C/yr from the soil-respiration route evaluated "
            f"at the literature medians ({route:.0f} = NPP + Rs x Rroot/Rs / (Rroot/Ra)), made up of {named} "
            "Pg C/yr.")


def _range(x: np.ndarray, fmt: str) -> str:
    lo, hi = np.quantile(x, (QUANTILES[0], QUANTILES[2]))
    return f"{np.median(x):{fmt}} ({lo:{fmt}}-{hi:{fmt}}, n={x.size})"


def report(outdir=None, n: int = 10_000, seed: int = SEED, record: int = -1) -> str:
    """Readable table: the literature bootstrap beside the published numbers, then (with ``outdir``) the model."""
    lit = load_literature()
    b = bootstrap(n=n, seed=seed, literature=lit)
    q = {name: b.quantiles(name) for name in ("gpp", "gpp_unweighted", "gpp_ragpp", "rs")}
    m0, mm, mp = PUBLISHED_GPP_FROM_RS
    r0, rm, rp = PUBLISHED_RS
    lines = [
        "Jian et al. (2022) GPP implied by soil respiration, Pg C/yr "
        f"({n} draws, seed {seed}, means of {b.sample_size} resampled records)",
        f"{'':44s}{'median':>8s}{'2.5%':>8s}{'97.5%':>8s}   published",
        f"{'GPP from Rs, area-weighted ratios':44s}{q['gpp'][1]:8.1f}{q['gpp'][0]:8.1f}{q['gpp'][2]:8.1f}"
        f"   {m0:.0f} (+{mp:.0f}/-{mm:.0f}) = {m0 - mm:.0f}-{m0 + mp:.0f}",
        f"{'GPP from Rs, unweighted ratios':44s}{q['gpp_unweighted'][1]:8.1f}{q['gpp_unweighted'][0]:8.1f}"
        f"{q['gpp_unweighted'][2]:8.1f}",
        f"{'GPP from Rs, chain closed by Ra/GPP':44s}{q['gpp_ragpp'][1]:8.1f}{q['gpp_ragpp'][0]:8.1f}"
        f"{q['gpp_ragpp'][2]:8.1f}   (not their method: they close with NPP)",
        f"{'Rs, literature draws':44s}{q['rs'][1]:8.1f}{q['rs'][0]:8.1f}{q['rs'][2]:8.1f}"
        f"   {r0:.0f} (+{rp:.0f}/-{rm:.0f})",
        f"{'GPP remote sensing (Jian et al. 2022)':44s}{PUBLISHED_GPP_REMOTE[0]:8.0f}"
        f"{PUBLISHED_GPP_REMOTE[0] - PUBLISHED_GPP_REMOTE[1]:8.0f}{PUBLISHED_GPP_REMOTE[0] + PUBLISHED_GPP_REMOTE[1]:8.0f}"
        "   113 +/- 18",
        f"{'GPP Beer et al. (2010)':44s}{BEER_2010_GPP[0]:8.0f}{BEER_2010_GPP[0] - BEER_2010_GPP[1]:8.0f}"
        f"{BEER_2010_GPP[0] + BEER_2010_GPP[1]:8.0f}   123 +/- 8",
    ]
    ok = (abs(q["gpp"][1] - m0) <= TOLERANCE_PGC_YR["median"] and abs(q["gpp"][0] - (m0 - mm)) <= TOLERANCE_PGC_YR["p2.5"]
          and abs(q["gpp"][2] - (m0 + mp)) <= TOLERANCE_PGC_YR["p97.5"])
    lines.append(f"reproduction of 149 (+29/-23): {'within' if ok else 'OUTSIDE'} tolerance "
                 f"(median +/-{TOLERANCE_PGC_YR['median']:g}, percentiles +/-{TOLERANCE_PGC_YR['p2.5']:g} Pg C/yr)")
    recent = (lit.gpp_year >= 1980) & np.array([mth != "Model" for mth in lit.gpp_method])
    modis = np.array([mth == "MODIS" for mth in lit.gpp_method])
    lines.append(f"compiled GPP estimates since 1980 without models: median {np.median(lit.gpp[recent]):.0f} "
                 f"(n={recent.sum()}); remote sensing (MODIS group): median {np.median(lit.gpp[modis]):.0f} "
                 f"(n={modis.sum()})")
    if outdir is None:
        return "\n".join(lines)

    m = model_chain(outdir, record=record, n=n, seed=seed)
    iq = m.implied.quantiles("gpp")
    ir = m.implied.quantiles("gpp_ragpp")
    lines += [
        "",
        f"Model: {m.path}, record {m.record}",
        f"{'':12s}{'model':>10s}   literature median (2.5-97.5% of records, n)",
        f"{'Rroot/Rs':12s}{m.rroot_over_rs:10.3f}   {_range(lit.rc, '.2f')} SRDB-V5",
        f"{'Rroot/Ra':12s}{m.rroot_over_ra:10.3f}   {_range(lit.froot, '.2f')} publications + SRDB-V5",
        f"{'Ra/GPP':12s}{m.ra_over_gpp:10.3f}   {_range(lit.ragpp, '.2f')} RaGPP.csv + SRDB-V5",
        f"{'NPP':12s}{m.npp:10.1f}   {_range(lit.npp, '.0f')} Ito (2011)",
        f"{'GPP':12s}{m.gpp:10.1f}   remote sensing 113 +/- 18; from Rs 149 (+29/-23); Beer 123 +/- 8",
        f"{'Rs':12s}{m.rs:10.1f}   SRDB 87 (+9/-8); implied by remote-sensing GPP 68 (+10/-8)",
        f"GPP implied by the model's Rs through the literature NPP and ratios: {iq[1]:.1f} ({iq[0]:.1f}-{iq[2]:.1f});"
        f" closed by Ra/GPP: {ir[1]:.1f} ({ir[0]:.1f}-{ir[2]:.1f})",
        verdict(m, b),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``lsmc diagnose jian2022 [OUTDIR]``: print :func:`report`."""
    p = argparse.ArgumentParser(prog="lsmc diagnose jian2022", description=__doc__.splitlines()[0])
    p.add_argument("outdir", nargs="?", type=Path, help="run folder with hist/ (optional)")
    p.add_argument("--record", type=int, default=-1, help="record (year) of the yearly land stream, default the last")
    p.add_argument("-n", "--draws", type=int, default=10_000, help="bootstrap draws (default 10000)")
    p.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    a = p.parse_args(argv)
    try:
        print(report(a.outdir, n=a.draws, seed=a.seed, record=a.record))
    except FileNotFoundError as err:
        print(f"lsmc: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
