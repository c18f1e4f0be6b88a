"""``lsmc plot OUTDIR``: PNG figures of a run from its history files, ledger and feedback parameters.

Reads ``OUTDIR/hist/<case>.<role>.h<k>.nc`` (CF time means, see
:mod:`coupler.history`), ``OUTDIR/budget.nc`` (the ledger every coupling
step, see :class:`coupler.ledger.BudgetFile`) and, when present,
``OUTDIR/feedback.json`` (the carbon-cycle feedback parameters of
``lsmc feedback``), and writes one PNG per figure into ``OUTDIR/plots`` (or
``--out FIGDIR``):

* maps (time means): GPP, Rh, NEE, soil N2O, soil, vegetation and land
  carbon, the air-sea CO2 flux, and the near-surface warming;
* time series: atmospheric CO2, global temperature change, the land and
  ocean carbon sinks, and the ledger residuals;
* the feedback parameters beta and gamma against CMIP6.

Each stream is picked by frequency: the yearly one if it has records, else
the monthly one, else the finest. A figure whose variables are missing is
skipped with a printed note, so short runs and test components still get
the figures they can. Figures are drawn on :class:`matplotlib.figure.Figure`
objects with the Agg canvas: no display and no global pyplot state.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import cftime
import netCDF4
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

from .constants import DAYS_PER_NOLEAP_YEAR, KG_PER_PG, KG_PER_TG, SECONDS_PER_DAY
from .errors import InputDataError, LsmcError, OutputError

#: Seconds in the 365-day year of the "yr-1" in flux units (the land diagnostics use the same year).
SECONDS_PER_YEAR = DAYS_PER_NOLEAP_YEAR * SECONDS_PER_DAY
#: Values at or above this are history fill values (coupler.history.FILL_VALUE is 1e20).
_FILL_THRESHOLD = 1.0e19
#: Stream preference: yearly means first, then monthly, then the finest (ARCHITECTURE: time means).
_PREFERENCE = ("year", "month", "step", "day")
_FREQ_ADJ = {"year": "yearly", "month": "monthly", "day": "daily", "step": "per-step"}
_NO_DATA = "0.82"  # background grey of cells outside a map's domain


class Skip(Exception):
    """A figure cannot be drawn from this output (a variable or stream is missing): a note, not an error."""


# --------------------------------------------------------------------------- reading
@dataclass
class Stream:
    """One history file: ``<case>.<role>.h<k>.nc`` with ``nrec`` records of ``frequency`` means."""

    path: Path
    role: str
    frequency: str
    nrec: int
    variables: frozenset[str]

    @property
    def label(self) -> str:
        return f"{_FREQ_ADJ.get(self.frequency, self.frequency)} stream {self.path.name}"


def _open(path: Path) -> netCDF4.Dataset:
    try:
        nc = netCDF4.Dataset(path)
    except OSError as exc:
        raise InputDataError(f"{path}: cannot read ({exc})") from None
    nc.set_auto_mask(False)  # budget.nc uses 0.0 as fill value: a zero residual must stay a zero
    return nc


def find_streams(outdir: Path) -> dict[str, list[Stream]]:
    """History streams of each role in ``outdir/hist``; raises InputDataError when there are none."""
    outdir = Path(outdir)
    if not outdir.is_dir():
        raise InputDataError(f"{outdir}: no such output folder")
    files = sorted((outdir / "hist").glob("*.nc")) if (outdir / "hist").is_dir() else []
    if not files:
        raise InputDataError(f"{outdir}: no history files (hist/*.nc); is it the output folder of an lsmc run?")
    streams: dict[str, list[Stream]] = {}
    for path in files:
        parts = path.name.split(".")
        if len(parts) < 4 or not parts[-2].startswith("h"):
            continue  # not <case>.<role>.h<k>.nc (e.g. a temporary file of trim_records)
        with _open(path) as nc:
            freq = str(getattr(nc, "frequency", "unknown"))
            nrec = len(nc.dimensions["time"]) if "time" in nc.dimensions else 0
            streams.setdefault(parts[-3], []).append(Stream(path, parts[-3], freq, nrec, frozenset(nc.variables)))
    if not streams:
        raise InputDataError(f"{outdir}: hist/ holds no <case>.<role>.h<k>.nc history files")
    return streams


def pick_stream(streams: dict[str, list[Stream]], role: str, needs: tuple[str, ...] = (),
                min_records: int = 1) -> Stream:
    """The preferred stream of ``role`` holding ``needs`` with at least ``min_records`` records.

    Falls back to the stream with the most records (a single record plots as
    a point) rather than none; raises :class:`Skip` when no stream has the
    variables.
    """
    have = [s for s in streams.get(role, []) if s.nrec > 0 and all(n in s.variables for n in needs)]
    if not have:
        raise Skip(f"no {role} history with {', '.join(needs) or 'records'}")
    rank = {f: i for i, f in enumerate(_PREFERENCE)}
    ordered = sorted(have, key=lambda s: (rank.get(s.frequency, len(rank)), s.path.name))
    for s in ordered:
        if s.nrec >= min_records:
            return s
    return max(ordered, key=lambda s: s.nrec)


@dataclass
class Grid:
    """Cell edges (degrees, longitudes in -180..180 and increasing) and the column order that gives them."""

    lon_edges: np.ndarray
    lat_edges: np.ndarray
    order: np.ndarray
    lat_flip: bool
    area: np.ndarray  # m2, in file order
    fraction: np.ndarray | None  # 0..1 of the component's domain, in file order

    def arrange(self, field: np.ndarray) -> np.ndarray:
        """A (lat, lon) field in the order of the edges."""
        out = field[:, self.order]
        return out[::-1] if self.lat_flip else out


def read_grid(stream: Stream) -> Grid:
    with _open(stream.path) as nc:
        lon = np.asarray(nc["lon"][:], dtype=float)
        lat = np.asarray(nc["lat"][:], dtype=float)
        lon_b = np.asarray(nc["lon_bnds"][:], dtype=float) if "lon_bnds" in nc.variables else _edges_of(lon)
        lat_b = np.asarray(nc["lat_bnds"][:], dtype=float) if "lat_bnds" in nc.variables else _edges_of(lat)
        area = np.asarray(nc["areacella"][:], dtype=float) if "areacella" in nc.variables else \
            np.cos(np.deg2rad(lat))[:, None] * np.ones((1, lon.size))
        frac = None
        for name in ("sftlf", "sftof"):
            if name in nc.variables and stream.role != "atmos":
                frac = np.asarray(nc[name][:], dtype=float) / 100.0
    # maps centred on 0 degrees: shift each column (centre and bounds alike) into -180..180
    shift = np.where(lon > 180.0, -360.0, 0.0)
    order = np.argsort(lon + shift, kind="stable")
    lb = (lon_b + shift[:, None])[order]
    lon_edges = np.append(lb[:, 0], lb[-1, 1])
    flip = lat.size > 1 and lat[0] > lat[-1]
    la = lat_b[::-1, ::-1] if flip else lat_b
    lat_edges = np.append(la[:, 0], la[-1, 1])
    return Grid(lon_edges, lat_edges, order, flip, area, frac)


def _edges_of(centres: np.ndarray) -> np.ndarray:
    """(n, 2) bounds half-way between centres, for files without bounds variables."""
    mid = 0.5 * (centres[1:] + centres[:-1]) if centres.size > 1 else np.array([])
    step = centres[1] - centres[0] if centres.size > 1 else 1.0
    edges = np.concatenate([[centres[0] - 0.5 * step], mid, [centres[-1] + 0.5 * step]])
    return np.stack([edges[:-1], edges[1:]], axis=1)


def read_records(stream: Stream, name: str) -> tuple[np.ndarray, dict[str, str]]:
    """All records of ``name`` as float (fill values and NaN masked), and its attributes."""
    with _open(stream.path) as nc:
        var = nc[name]
        data = np.asarray(var[:], dtype=float)
        attrs = {a: str(var.getncattr(a)) for a in var.ncattrs()}
    return np.ma.masked_where(~np.isfinite(data) | (np.abs(data) >= _FILL_THRESHOLD), data), attrs


@dataclass
class Times:
    """Record times (days since ``units``' reference) with bounds, in the file's calendar."""

    mid: np.ndarray
    bounds: np.ndarray
    units: str
    calendar: str

    def date(self, days: float) -> Any:
        return cftime.num2date(days, self.units, self.calendar)


def read_times(path: Path, bounds: bool = True) -> Times:
    with _open(path) as nc:
        t = nc["time"]
        mid = np.asarray(t[:], dtype=float)
        units, calendar = t.units, getattr(t, "calendar", "standard")
        if bounds and "time_bnds" in nc.variables:
            b = np.asarray(nc["time_bnds"][:], dtype=float).reshape(-1, 2)
        else:
            b = np.stack([np.append(mid[:1], mid[:-1]), mid], axis=1)
    return Times(mid, b, units, calendar)


def _ymd(d: Any) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def period_label(times: Times, i0: int, i1: int, frequency: str) -> str:
    """Records i0..i1-1 as dates, the last day included (time_bnds end at the next period's start)."""
    start = times.date(times.bounds[i0, 0])
    last = times.date(times.bounds[i1 - 1, 1] - 1e-3)  # a second before the end: inside the last day
    if frequency == "year":
        return f"year {start.year}" if start.year == last.year else f"years {start.year}-{last.year}"
    if frequency == "month":
        a, b = f"{start.year:04d}-{start.month:02d}", f"{last.year:04d}-{last.month:02d}"
        return a if a == b else f"{a} to {b}"
    a, b = _ymd(start), _ymd(last)
    return a if a == b else f"{a} to {b}"


def _decimal_year(times: Times, days: np.ndarray) -> np.ndarray:
    out = np.empty(len(days))
    for i, t in enumerate(days):
        y = times.date(t).year
        jan1 = cftime.date2num(cftime.datetime(y, 1, 1, calendar=times.calendar), times.units, times.calendar)
        nxt = cftime.date2num(cftime.datetime(y + 1, 1, 1, calendar=times.calendar), times.units, times.calendar)
        out[i] = y + (t - jan1) / (nxt - jan1)
    return out


def time_axis(times: Times, days: np.ndarray, span_days: float) -> tuple[np.ndarray, str]:
    """x values and axis label: model years for runs of two years or more, else days."""
    if span_days >= 2 * DAYS_PER_NOLEAP_YEAR:
        return _decimal_year(times, np.asarray(days, dtype=float)), "model year"
    ref = times.units.split("since", 1)[-1].strip().split(" ")[0]
    return np.asarray(days, dtype=float), f"time (days since {ref})"


def global_mean(field: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean over the valid cells of each record of a (time, lat, lon) masked field."""
    valid = ~np.ma.getmaskarray(field)
    w = np.where(valid, weights[None], 0.0)
    total = np.where(valid, np.ma.getdata(field), 0.0) * w
    wsum = w.sum(axis=(1, 2))
    return np.ma.masked_where(wsum <= 0, total.sum(axis=(1, 2)) / np.where(wsum > 0, wsum, 1.0))


# --------------------------------------------------------------------------- drawing helpers
def _new_figure(size: tuple[float, float] = (9.0, 5.6)) -> Figure:
    fig = Figure(figsize=size, dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, figdir: Path, name: str) -> Path:
    path = figdir / f"{name}.png"
    try:
        fig.savefig(path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write figure ({exc})") from None
    return path


def _footnote(fig: Figure, text: str) -> None:
    """Small grey source note at the bottom; supxlabel so constrained layout keeps it clear of the colour bar."""
    width = int(fig.get_figwidth() * 17)  # characters of 8-point text that fit across the figure
    fig.supxlabel(textwrap.fill(text, width), x=0.01, ha="left", fontsize=8, color="0.3")


def _coastline(ax: Any, grid: Grid, land: np.ndarray) -> None:
    """Outline the cells that are mostly land (a coastline at the grid's own resolution)."""
    land = grid.arrange(land)
    x, y = grid.lon_edges, grid.lat_edges
    segs = []
    rows, cols = np.nonzero(land[:, 1:] != land[:, :-1])
    segs += [((x[j + 1], y[i]), (x[j + 1], y[i + 1])) for i, j in zip(rows, cols)]
    rows, cols = np.nonzero(land[1:, :] != land[:-1, :])
    segs += [((x[j], y[i + 1]), (x[j + 1], y[i + 1])) for i, j in zip(rows, cols)]
    if segs:
        ax.add_collection(LineCollection(segs, colors="k", linewidths=0.7, alpha=0.6))


def _land_of(streams: dict[str, list[Stream]]) -> tuple[Stream | None, np.ndarray | None]:
    """Land fraction (0..1) from any stream that has sftlf, for coastlines on atmosphere maps."""
    for role in ("atmos", "land"):
        for s in streams.get(role, []):
            if "sftlf" in s.variables:
                with _open(s.path) as nc:
                    return s, np.asarray(nc["sftlf"][:], dtype=float) / 100.0
    return None, None


def draw_map(field: np.ndarray, grid: Grid, title: str, units: str, cmap: str, *, diverging: bool,
             footnote: str, land: np.ndarray | None) -> Figure:
    """One (lat, lon) field on a longitude-latitude map with a colour bar in ``units``.

    Colours span the 1st to 99th percentile (2% of cells may saturate, the
    bar shows it with arrows) so one extreme cell does not wash out the map;
    diverging maps are centred on zero.
    """
    fig = _new_figure()
    ax = fig.add_subplot()
    ax.set_facecolor(_NO_DATA)
    data = np.ma.masked_invalid(grid.arrange(field))
    values = data.compressed()
    norm, extend = None, "neither"
    if values.size:
        if diverging:
            vmax = float(np.percentile(np.abs(values), 99)) or float(np.abs(values).max()) or 1.0
            norm = TwoSlopeNorm(0.0, -vmax, vmax)
            extend = "both" if np.abs(values).max() > vmax else "neither"
        else:
            lo, hi = (float(v) for v in np.percentile(values, [1, 99]))
            lo = 0.0 if values.min() >= 0 and lo < 0.5 * hi else lo  # amounts start at zero when they can
            if hi <= lo:
                hi = lo + (abs(lo) * 0.01 or 1.0)
            norm = Normalize(lo, hi)
            extend = {(False, False): "neither", (True, False): "min", (False, True): "max",
                      (True, True): "both"}[(values.min() < lo, values.max() > hi)]
    mesh = ax.pcolormesh(grid.lon_edges, grid.lat_edges, data, cmap=cmap, norm=norm, shading="flat")
    if land is not None:
        _coastline(ax, grid, land >= 0.5)
    ax.set_xlim(grid.lon_edges[0], grid.lon_edges[-1])
    ax.set_ylim(grid.lat_edges[0], grid.lat_edges[-1])
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(-180, 181, 60))
    ax.set_yticks(np.arange(-90, 91, 30))
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.set_title(title, fontsize=11)
    cb = fig.colorbar(mesh, ax=ax, orientation="horizontal", extend=extend, shrink=0.8, aspect=40, pad=0.02)
    cb.set_label(units)
    if hasattr(cb.formatter, "set_useOffset"):
        cb.formatter.set_useOffset(False)  # an offset ("+1e1") next to the bar is easily missed
    _footnote(fig, footnote)
    return fig


# --------------------------------------------------------------------------- maps
@dataclass(frozen=True)
class MapSpec:
    """A history field mapped in display units: value_display = value_file * factor."""

    role: str
    name: str
    file_units: str
    figure: str
    title: str
    units: str
    factor: float
    cmap: str
    total_factor: float = 0.0  # file units * m2 -> the global total's units (0: no total)
    total_units: str = ""
    diverging: bool = False
    sign: str = ""  # sign convention stated in the title


_FLUX_G = 1.0e3 * SECONDS_PER_YEAR  # kg m-2 s-1 -> g m-2 yr-1
_PG_YR = SECONDS_PER_YEAR / KG_PER_PG  # kg s-1 -> Pg yr-1
MAPS = (
    MapSpec("land", "gpp", "kg m-2 s-1", "map_land_gpp", "Gross primary production (GPP)",
            "g C m$^{-2}$ yr$^{-1}$", _FLUX_G, "YlGn", _PG_YR, "Pg C yr$^{-1}$"),
    MapSpec("land", "rh", "kg m-2 s-1", "map_land_rh", "Heterotrophic (soil) respiration (Rh)",
            "g C m$^{-2}$ yr$^{-1}$", _FLUX_G, "YlOrBr", _PG_YR, "Pg C yr$^{-1}$"),
    MapSpec("land", "nee", "kg m-2 s-1", "map_land_nee", "Net ecosystem exchange (NEE)",
            "g C m$^{-2}$ yr$^{-1}$", _FLUX_G, "RdBu_r", _PG_YR, "Pg C yr$^{-1}$", True,
            "positive = source to the atmosphere"),
    MapSpec("land", "fN2O", "kg m-2 s-1", "map_land_soil_n2o", "Soil N$_2$O emission",
            "mg N m$^{-2}$ yr$^{-1}$", 1.0e6 * SECONDS_PER_YEAR, "PuRd", SECONDS_PER_YEAR / KG_PER_TG,
            "Tg N yr$^{-1}$"),
    MapSpec("land", "cSoil", "kg m-2", "map_land_soil_carbon", "Soil organic carbon (litter excluded)",
            "kg C m$^{-2}$", 1.0, "YlOrBr", 1.0 / KG_PER_PG, "Pg C"),
    MapSpec("land", "cVeg", "kg m-2", "map_land_veg_carbon", "Vegetation carbon", "kg C m$^{-2}$", 1.0,
            "Greens", 1.0 / KG_PER_PG, "Pg C"),
    MapSpec("land", "cLand", "kg m-2", "map_land_carbon", "Land carbon", "kg C m$^{-2}$", 1.0,
            "YlOrBr", 1.0 / KG_PER_PG, "Pg C"),
    MapSpec("ocean", "fgco2", "kg m-2 s-1", "map_ocean_co2_flux", "Air-sea CO$_2$ flux",
            "g C m$^{-2}$ yr$^{-1}$", _FLUX_G, "RdBu_r", _PG_YR, "Pg C yr$^{-1}$", True,
            "positive = outgassing into the atmosphere"),
)


def _upward_sign(attrs: dict[str, str]) -> float | None:
    """+1 if the file's flux is positive into the atmosphere, -1 if into the ocean/land, None if unstated."""
    text = (attrs.get("long_name", "") + " " + attrs.get("standard_name", "")).lower()
    if "into atmosphere" in text or "into the atmosphere" in text or "upward" in text or "+ up" in text:
        return 1.0
    if "into the ocean" in text or "downward" in text:
        return -1.0
    return None


def _mean_window(stream: Stream) -> tuple[int, int, str]:
    """Records to average for a map: the last year of a yearly or monthly stream, else the whole file."""
    n = stream.nrec
    if stream.frequency == "year":
        return n - 1, n, "last record"
    if stream.frequency == "month" and n >= 12:
        return n - 12, n, "last 12 monthly records"
    adj = _FREQ_ADJ.get(stream.frequency, stream.frequency)
    return 0, n, f"the only {adj} record" if n == 1 else f"all {n} {adj} records"


def plot_field_map(spec: MapSpec, streams: dict[str, list[Stream]], figdir: Path) -> Path:
    stream = pick_stream(streams, spec.role, (spec.name,))
    records, attrs = read_records(stream, spec.name)
    if records.ndim != 3:
        raise Skip(f"{spec.name} in {stream.path.name} is not a (time, lat, lon) field")
    grid = read_grid(stream)
    i0, i1, how = _mean_window(stream)
    times = read_times(stream.path)
    # weighted by record length: months differ in days
    field = np.ma.average(records[i0:i1], axis=0, weights=np.diff(times.bounds[i0:i1], axis=1)[:, 0])
    factor, units, title = spec.factor, spec.units, spec.title
    known_units = attrs.get("units", spec.file_units) == spec.file_units
    if not known_units:  # unexpected units: show them as they are, without a global total
        factor, units = 1.0, attrs["units"]
    sign = 1.0
    if spec.diverging:
        # the project's ocean writes fgco2 positive into the ocean (CMIP), the test ocean positive upward
        sign = _upward_sign(attrs) if spec.name == "fgco2" else 1.0
        if sign is None:
            sign, title = 1.0, title + " (sign as in the file)"
        else:
            title += f" ({spec.sign})"
    factor *= sign
    sub = f"time mean of {period_label(times, i0, i1, stream.frequency)} ({how})"
    if spec.total_factor and grid.fraction is not None and known_units:
        # history values are means over the component's fraction of each cell
        total = float(np.ma.sum(field * grid.area * grid.fraction)) * spec.total_factor * sign
        sub += f"; global total {total:.4g} {spec.total_units}"
    domain = {"land": "grey: no land in the cell", "ocean": "grey: no ocean in the cell"}.get(spec.role, "")
    land = grid.fraction if spec.role == "land" else (1.0 - grid.fraction if grid.fraction is not None else None)
    fig = draw_map(field * factor, grid, f"{title}, {units}\n{sub}", f"{re.sub(r' [(][A-Za-z]+[)]$', '', spec.title)} ({units})",
                   spec.cmap, diverging=spec.diverging,
                   footnote=f"{domain}; black outline: cells more than half land; from {stream.label}", land=land)
    return _save(fig, figdir, spec.figure)


def plot_warming_map(streams: dict[str, list[Stream]], figdir: Path) -> Path:
    """tas of the last period minus the first (whole years when the stream spans two years)."""
    stream = pick_stream(streams, "atmos", ("tas",), min_records=2)
    if stream.nrec < 2:
        raise Skip("warming map needs at least two tas records")
    tas, _ = read_records(stream, "tas")
    if tas.ndim != 3:
        raise Skip("tas is not a (time, lat, lon) field")
    n = stream.nrec
    k = 12 if stream.frequency == "month" and n >= 24 else 1  # whole years: the seasonal cycle cancels
    times = read_times(stream.path)
    first, last = period_label(times, 0, k, stream.frequency), period_label(times, n - k, n, stream.frequency)
    diff = tas[n - k:].mean(axis=0) - tas[:k].mean(axis=0)
    grid = read_grid(stream)
    _, land = _land_of(streams)
    if land is not None and land.shape != diff.shape:
        land = None  # the land fraction is on another grid: no outline
    seasonal = "" if stream.frequency == "year" or k == 12 else " (includes the seasonal cycle)"
    fig = draw_map(diff, grid, f"Near-surface air temperature change (tas), K\nmean of {last} minus mean of "
                   f"{first}{seasonal}", "warming (K)", "RdBu_r", diverging=True,
                   footnote=f"black outline: cells more than half land; from {stream.label}", land=land)
    return _save(fig, figdir, "map_atmos_warming")


# --------------------------------------------------------------------------- time series
def _series(stream: Stream, name: str, weights_by: str = "area") -> tuple[np.ndarray, dict[str, str]]:
    """A global quantity per record: the value of a scalar variable or the area mean of a field."""
    values, attrs = read_records(stream, name)
    if values.ndim == 1:
        return values, attrs
    grid = read_grid(stream)
    w = grid.area * (grid.fraction if grid.fraction is not None and weights_by == "domain" else 1.0)
    return global_mean(values, w), attrs


def _span(times: Times) -> float:
    return float(times.bounds[-1, 1] - times.bounds[0, 0]) if times.mid.size else 0.0


def _line_axes(title: str, xlabel: str, ylabel: str, size: tuple[float, float] = (9.0, 5.0)) -> tuple[Figure, Any]:
    fig = _new_figure(size)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=11)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig, ax


def _ppm(values: np.ndarray, attrs: dict[str, str]) -> np.ndarray:
    """Mole fraction in ppm from the file's units ('1e-6' is ppm, '1' or 'mol mol-1' a fraction)."""
    units = attrs.get("units", "1e-6").strip()
    return values * 1.0e6 if units in ("1", "mol mol-1", "mol/mol") else values


def plot_co2(streams: dict[str, list[Stream]], figdir: Path) -> Path:
    stream = pick_stream(streams, "atmos", ("co2",), min_records=2)
    times = read_times(stream.path)
    x, xlabel = time_axis(times, times.mid, _span(times))
    co2, attrs = _series(stream, "co2")
    fig, ax = _line_axes("Atmospheric CO$_2$ (global mean mole fraction), ppm", xlabel, "CO$_2$ (ppm)")
    style = "o-" if stream.nrec < 40 else "-"
    ax.plot(x, _ppm(co2, attrs), style, color="k", label="CO$_2$ seen by the biogeochemistry")
    if "co2_rad" in stream.variables:
        rad, rattrs = _series(stream, "co2_rad")
        rad = _ppm(rad, rattrs)
        if not np.ma.allclose(rad, _ppm(co2, attrs)):
            ax.plot(x, rad, "--", color="tab:red", label="CO$_2$ seen by the radiation")
            ax.legend()
    ax.ticklabel_format(axis="y", useOffset=False)
    _footnote(fig, f"{_FREQ_ADJ.get(stream.frequency)} means from {stream.path.name}")
    return _save(fig, figdir, "timeseries_atmos_co2")


def plot_temperature(streams: dict[str, list[Stream]], figdir: Path) -> Path:
    stream = pick_stream(streams, "atmos", ("tas",), min_records=1)
    has_ebm = "tas_anomaly" in stream.variables
    if stream.nrec < 2 and not has_ebm:
        raise Skip("temperature change needs at least two tas records")
    times = read_times(stream.path)
    x, xlabel = time_axis(times, times.mid, _span(times))
    fig, ax = _line_axes("Global mean near-surface temperature change, K", xlabel, "temperature change (K)")
    style = "o-" if stream.nrec < 40 else "-"
    tas, _ = _series(stream, "tas")
    ref = period_label(times, 0, 1, stream.frequency)
    ax.plot(x, tas - tas[0], style, color="tab:red", label=f"area-mean tas minus its first record ({ref})")
    if has_ebm:
        anom, attrs = _series(stream, "tas_anomaly")
        ax.plot(x, anom, style, color="k", ms=3,
                label=f"tas_anomaly: {attrs.get('long_name', 'global-mean warming of the energy-balance model')}")
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.legend(fontsize=8)
    _footnote(fig, f"{_FREQ_ADJ.get(stream.frequency)} means from {stream.path.name}")
    return _save(fig, figdir, "timeseries_temperature")


def read_budget_raw(outdir: Path) -> tuple[dict[str, np.ndarray], Times]:
    """All variables of ``budget.nc`` as arrays (zeros kept), and its step-end times; Skip if absent."""
    path = Path(outdir) / "budget.nc"
    if not path.exists():
        raise Skip("no budget.nc")
    with _open(path) as nc:
        data = {name: np.asarray(var[:], dtype=float) for name, var in nc.variables.items() if var.ndim == 1}
        units = {name: getattr(var, "units", "") for name, var in nc.variables.items()}
    if data.get("time", np.array([])).size == 0:
        raise Skip("budget.nc holds no coupling steps")
    data["_units"] = units  # type: ignore[assignment]
    times = read_times(path, bounds=False)
    return data, times


def _stock_before_first_step(b: dict[str, np.ndarray], comp: str, q: str) -> float:
    """Inventory before the first recorded step: after it, minus its flows, minus its residual (ledger identity)."""
    inv = b[f"inventory__{comp}__{q}"]
    flows = sum(b[k][0] for k in b if k.startswith(f"flow__{comp}__{q}__"))
    return float(inv[0] - flows - b.get(f"residual__{comp}__{q}", np.zeros(1))[0])


def _bins(times: Times, ends: np.ndarray, span: float) -> tuple[np.ndarray, str]:
    """Index of the last step of each calendar year, month or day (by run length), and the bin name."""
    dates = np.atleast_1d(times.date(np.asarray(ends) - 1e-6))  # a step ending at midnight: the day before
    if span >= 2 * DAYS_PER_NOLEAP_YEAR:
        key, name = [d.year for d in dates], "year"
    elif span >= 60:
        key, name = [(d.year, d.month) for d in dates], "month"
    else:
        key, name = [(d.year, d.month, d.day) for d in dates], "day"
    key = np.array([hash(k) for k in key])
    last = np.nonzero(np.append(key[1:] != key[:-1], True))[0]
    return last, name


def plot_sinks(outdir: Path, figdir: Path) -> Path:
    """Land and ocean carbon uptake: rate of change of the ledger inventories (budget.nc), Pg C/yr."""
    b, times = read_budget_raw(outdir)
    comps = [c for c in ("land", "ocean") if f"inventory__{c}__carbon" in b]
    if not comps:
        raise Skip("budget.nc has no land or ocean carbon inventory")
    t = b["time"]
    # step length from the first two records, or from the step counter (days since the reference date)
    steps = b.get("step", np.zeros(1))
    step = float(t[1] - t[0]) if t.size > 1 else (float(t[0] / steps[0]) if steps[0] > 0 else 0.0)
    if step <= 0:
        raise Skip("cannot tell the length of the coupling step from budget.nc")
    t0 = float(t[0] - step)
    span = float(t[-1] - t0)
    last, bin_name = _bins(times, t, span)
    edges = np.concatenate([[t0], t[last]])
    lengths = np.diff(edges)
    dropped = ""
    if lengths.size >= 3 and lengths[-1] < 0.5 * np.median(lengths):
        # a run ending just into a new month or year: its few days would show as a noisy stub
        dropped = f"; the last {lengths[-1]:g} day(s), a partial {bin_name}, are left out"
        last, edges = last[:-1], edges[:-1]
    days_per_year = {"360_day": 360.0, "noleap": 365.0, "365_day": 365.0, "all_leap": 366.0,
                     "366_day": 366.0}.get(times.calendar, 365.2425)
    x, xlabel = time_axis(times, edges, span)
    bins = {"year": "calendar year", "month": "month", "day": "day"}[bin_name]
    fig, ax = _line_axes(f"Land and ocean carbon sinks, Pg C yr$^{{-1}}$ (positive = uptake)\nrate of change of "
                         f"the carbon stocks in budget.nc over each {bins}", xlabel, "carbon uptake (Pg C yr$^{-1}$)")
    colours = {"land": "tab:green", "ocean": "tab:blue"}
    for c in comps:
        q = "carbon"
        units = b["_units"].get(f"inventory__{c}__{q}", "Pg C")  # type: ignore[union-attr]
        to_pg = {"Pg C": 1.0, "kg": 1.0 / KG_PER_PG, "kg C": 1.0 / KG_PER_PG}.get(units, 1.0)
        stock = np.concatenate([[_stock_before_first_step(b, c, q)], b[f"inventory__{c}__{q}"][last]]) * to_pg
        rate = np.diff(stock) / (np.diff(edges) / days_per_year)
        ax.stairs(rate, x, color=colours[c], lw=2, label=f"{c} (change of the {c} carbon stock)",
                  baseline=None)
        mean = (stock[-1] - stock[0]) / ((edges[-1] - edges[0]) / days_per_year)
        ax.axhline(mean, color=colours[c], ls=":", lw=1, label=f"{c}, mean over the run: {mean:+.3g} Pg C yr$^{{-1}}$")
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.legend(fontsize=8)
    _footnote(fig, "stocks include every carbon pool of the component (e.g. land: vegetation, litter, soil, "
             f"products); short runs show the seasonal cycle, not the long-term sink{dropped}")
    return _save(fig, figdir, "timeseries_carbon_sinks")


def _ledger_rtol(outdir: Path) -> float | None:
    try:
        from .config import DRIVER_SETTINGS, read_namelist_file

        default = next(s.default for s in DRIVER_SETTINGS if s.name == "ledger_rtol")
        path = Path(outdir) / "lsmc_in.nml"
        raw = read_namelist_file(path).get("driver", {}) if path.exists() else {}
        return float(raw.get("ledger_rtol", default))
    except (LsmcError, StopIteration, ImportError, ValueError, TypeError):
        return None


def plot_residuals(outdir: Path, figdir: Path) -> Path:
    """|global residual| / global stock each step and cumulated, log scale, one line per quantity."""
    b, times = read_budget_raw(outdir)
    quantities = sorted(k.split("__")[-1] for k in b if k.startswith("residual__global__"))
    if not quantities:
        raise Skip("budget.nc has no global residuals")
    t = b["time"]
    x, xlabel = time_axis(times, t, float(t[-1] - t[0]))
    fig = _new_figure((10.0, 6.4))
    axes = fig.subplots(2, 1, sharex=True)
    rel = {}
    for q in quantities:
        scale = sum(np.abs(b[k]) for k in b if k.startswith("inventory__") and k.endswith(f"__{q}"))
        scale = scale + np.abs(b.get(f"transit__{q}", 0.0))
        scale = np.where(np.asarray(scale) > 0, scale, 1.0)
        for kind in ("residual", "cum_residual"):
            rel[q, kind] = np.abs(b.get(f"{kind}__global__{q}", np.zeros_like(t))) / scale
    # long runs: the worst step of each of ~1000 windows keeps the figure light and hides no breach
    window = max(1, -(-t.size // 1000))
    xs = x[window - 1::window] if window > 1 else x
    if window > 1 and t.size % window:
        xs = np.append(xs, x[-1])
    worst = {k: np.maximum.reduceat(v, np.arange(0, v.size, window)) for k, v in rel.items()}
    nonzero = np.concatenate([v[v > 0] for v in worst.values()] + [np.array([1e-16])])
    floor = float(np.clip(nonzero.min() / 10.0, 1e-22, 1e-17))  # exact zeros are drawn on this line
    colours = dict(zip(quantities, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")))
    dense = xs.size > 80
    for ax, kind in zip(axes, ("residual", "cum_residual")):
        zero_label = "exactly zero (drawn at the bottom)"
        for q in quantities:
            v = worst[q, kind]
            ax.semilogy(xs, np.where(v > 0, v, np.nan), "-" if dense else ".-", lw=1, color=colours[q], label=q)
            if np.any(v == 0) and not dense:  # a dense series shows its zeros as gaps (see the footnote)
                ax.plot(xs[v == 0], np.full(np.count_nonzero(v == 0), floor), "|", color=colours[q], ms=6,
                        label=zero_label)
                zero_label = None
        ax.axhline(np.finfo(float).eps, color="0.4", ls=":", lw=1,
                   label="double-precision epsilon (2.2e-16)" if kind == "residual" else None)
        ax.set_ylim(floor / 2, None)
        ax.grid(alpha=0.3, which="major")
    rtol = _ledger_rtol(outdir)
    if rtol:
        axes[0].axhline(rtol, color="k", ls="--", lw=1, label=f"ledger tolerance per step ({rtol:g})")
        axes[0].set_ylim(floor / 2, max(axes[0].get_ylim()[1], 3 * rtol))  # the tolerance stays in view
    every = f"; worst step in windows of {window} steps" if window > 1 else ""
    axes[0].set_title("Ledger closure: |global residual| / global stock (dimensionless, log scale)", fontsize=11)
    axes[0].set_ylabel("each coupling step" + ("\n(window maximum)" if window > 1 else ""))
    axes[1].set_ylabel("cumulative since the start")
    axes[1].set_xlabel(xlabel)
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, title="quantity")
    gaps = "; gaps in a line: residuals of exactly zero" if dense else ""
    _footnote(fig, f"stock = sum of |inventories| + coupler transit, per quantity, from budget.nc{every}{gaps}")
    return _save(fig, figdir, "timeseries_ledger_residual")


# --------------------------------------------------------------------------- feedback
FEEDBACK_KEYS = ("beta_L", "beta_O", "gamma_L", "gamma_O")


def read_feedback(path: Path) -> tuple[dict[str, float], dict[str, tuple[float, float, float]], str, str]:
    """Model beta (Pg C ppm-1) and gamma (Pg C K-1), CMIP6 [low, mean, high] per key, source and CMIP6 notes.

    Accepts ``{"beta_L": ..., "beta_O": ..., "gamma_L": ..., "gamma_O": ...,
    "cmip6": {"beta_L": [low, mean, high], ...}}``; the values may also sit
    under ``"model"``; null values (a run too short for them) are left
    out. Optional strings ``"source"`` and ``"cmip6_source"`` are shown.
    Raises Skip when the file is unreadable or has no value.
    """
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise Skip(f"{path.name} is unreadable ({exc})") from None
    if not isinstance(doc, dict):
        raise Skip(f"{path.name} is not a JSON object")
    src = doc.get("model") if isinstance(doc.get("model"), dict) else doc
    values = {}
    for k in FEEDBACK_KEYS:
        v = src.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v):
            values[k] = float(v)
    cmip = {}
    for k, v in (doc.get("cmip6") or {}).items() if isinstance(doc.get("cmip6"), dict) else ():
        try:
            low, mean, high = (float(a) for a in v)
            cmip[k] = (low, mean, high)
        except (TypeError, ValueError):
            continue  # a malformed range is left out, the others still plotted
    if not values:
        raise Skip(f"{path.name} has none of {', '.join(FEEDBACK_KEYS)}")
    note = str(doc.get("source") or doc.get("experiment") or "")
    return values, cmip, note, str(doc.get("cmip6_source") or "")


def plot_feedback(outdir: Path, figdir: Path) -> Path:
    path = Path(outdir) / "feedback.json"
    if not path.exists():
        raise Skip("no feedback.json (written by lsmc feedback)")
    values, cmip, note, cmip_note = read_feedback(path)
    fig = _new_figure((9.0, 4.8))
    axes = fig.subplots(1, 2)
    for ax, (param, units, label) in zip(axes, (
            ("beta", "Pg C ppm$^{-1}$", r"$\beta$: carbon-concentration feedback"),
            ("gamma", "Pg C K$^{-1}$", r"$\gamma$: carbon-climate feedback"))):
        keys = [f"{param}_L", f"{param}_O"]
        pos = np.arange(2)
        model = [values.get(k, np.nan) for k in keys]
        bars = ax.bar(pos - 0.18, model, width=0.34, color=["tab:green", "tab:blue"], label="this model")
        for bar, v in zip(bars, model):
            if np.isfinite(v):
                ax.annotate(f"{v:.3g}", (bar.get_x() + bar.get_width() / 2, v), ha="center",
                            va="bottom" if v >= 0 else "top", fontsize=8)
        shown = False
        for i, k in enumerate(keys):
            if k in cmip:
                low, mean, high = cmip[k]
                ax.errorbar(pos[i] + 0.18, mean, yerr=[[max(mean - low, 0.0)], [max(high - mean, 0.0)]],
                            fmt="D", color="k", capsize=6, label=None if shown else "CMIP6 mean and range")
                shown = True
        ax.axhline(0.0, color="0.4", lw=0.8)
        ax.set_xticks(pos, ["land", "ocean"])
        ax.set_xlim(-0.6, 1.6)  # both slots shown even when a value is missing
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(f"{param} ({units})")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    missing = [k for k in FEEDBACK_KEYS if k not in values]
    sub = ("no CMIP6 ranges in feedback.json" if not cmip else
           f"CMIP6: {cmip_note}" if cmip_note else "CMIP6: ranges as given in feedback.json")
    fig.suptitle("Carbon-cycle feedback parameters: this model against CMIP6" + (f"\n{note}" if note else ""),
                 fontsize=11)
    _footnote(fig, sub + (f"; missing: {', '.join(missing)}" if missing else ""))
    return _save(fig, figdir, "feedback_parameters")


# --------------------------------------------------------------------------- driver
def plot_all(outdir: Path, figdir: Path | None = None, log: Callable[[str], None] = print) -> list[Path]:
    """Write every figure the output supports into ``figdir`` (default ``outdir/plots``); return their paths.

    Raises InputDataError for a missing folder or one without history, and
    OutputError when ``figdir`` cannot be written. A figure that cannot be
    drawn is skipped with a note through ``log``; one that fails for another
    reason is reported the same way (the others are still drawn) and its
    name is in the note, so a bug shows without costing the other figures.
    """
    outdir = Path(outdir)
    streams = find_streams(outdir)
    figdir = Path(figdir) if figdir is not None else outdir / "plots"
    try:
        figdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{figdir}: cannot create the figure folder ({exc})") from None
    jobs: list[tuple[str, Callable[[], Path]]] = []
    for spec in MAPS:
        jobs.append((spec.figure, lambda spec=spec: plot_field_map(spec, streams, figdir)))
    jobs += [("map_atmos_warming", lambda: plot_warming_map(streams, figdir)),
             ("timeseries_atmos_co2", lambda: plot_co2(streams, figdir)),
             ("timeseries_temperature", lambda: plot_temperature(streams, figdir)),
             ("timeseries_carbon_sinks", lambda: plot_sinks(outdir, figdir)),
             ("timeseries_ledger_residual", lambda: plot_residuals(outdir, figdir)),
             ("feedback_parameters", lambda: plot_feedback(outdir, figdir))]
    written = []
    for name, job in jobs:
        try:
            written.append(job())
        except Skip as why:
            log(f"  skipped {name}: {why}")
        except LsmcError:
            raise
        except Exception as exc:  # noqa: BLE001 - one broken figure must not cost the others
            log(f"  FAILED {name}: {type(exc).__name__}: {exc}")
    return written


def main(argv: list[str] | None = None) -> int:
    """``lsmc plot OUTDIR [--out FIGDIR]``; one-line errors, exit 0 when the figures were written."""
    p = argparse.ArgumentParser(prog="lsmc plot", description="Draw PNG figures (maps, time series, ledger "
                                "residuals, feedback parameters) from the output folder of an lsmc run.")
    p.add_argument("outdir", help="output folder of a run (holds hist/ and budget.nc)")
    p.add_argument("--out", dest="figdir", metavar="FIGDIR", help="folder for the PNG files (default OUTDIR/plots)")
    args = p.parse_args(argv)
    figdir = Path(args.figdir) if args.figdir else Path(args.outdir) / "plots"
    try:
        paths = plot_all(Path(args.outdir), figdir)
    except LsmcError as exc:
        print(f"lsmc: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"{len(paths)} figure(s) written to {figdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
