"""Namelist settings: declared once, read with f90nml, validated with clear errors.

Each namelist group (``&driver``, ``&land``, ``&ocean``, ``&atmos``) has a
schema: a list of :class:`Setting` declaring name, type, default, units,
allowed range or choices, and a description. The same declaration serves
validation, ``lsmc validate``, defaults, and the README table of settings
(``tools/make_settings_table.py``). The driver group is declared here; each
component class declares its own group as ``Component.settings``.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import f90nml

from .errors import NamelistError

_TYPE_NAMES = {bool: "logical", int: "integer", float: "real", str: "character"}


@dataclass(frozen=True)
class Setting:
    """One namelist key of a group.

    ``type`` is bool, int, float or str; ``shape`` is None for a scalar or
    ``"list"`` for a list of values of that type. ``bounds`` is an inclusive
    (low, high) range for numbers (None for an open end); ``choices`` lists
    the allowed strings.
    """

    name: str
    type: type
    default: Any
    units: str = ""
    description: str = ""
    bounds: tuple[float | None, float | None] | None = None
    choices: tuple[str, ...] | None = None
    shape: str | None = None

    def check(self, value: Any, where: str) -> Any:
        """Return ``value`` converted to the declared type, or raise NamelistError."""
        if self.shape == "list":
            values = value if isinstance(value, list) else [value]
            return [self._check_scalar(v, where) for v in values if v is not None]
        if isinstance(value, list):
            raise NamelistError(f"{where}: expected one {_TYPE_NAMES[self.type]} value, got a list {value!r}")
        return self._check_scalar(value, where)

    def _check_scalar(self, value: Any, where: str) -> Any:
        expected = _TYPE_NAMES[self.type]
        if self.type is bool:
            if not isinstance(value, bool):
                raise NamelistError(f"{where}: expected a logical (.true. or .false.), got {value!r}")
        elif self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise NamelistError(f"{where}: expected an integer, got {value!r}")
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise NamelistError(f"{where}: expected a real number, got {value!r}")
            value = float(value)
            if not math.isfinite(value):
                raise NamelistError(f"{where}: expected a finite real number, got {value!r}")
        elif self.type is str:
            if not isinstance(value, str):
                raise NamelistError(f"{where}: expected a quoted {expected} string, got {value!r}")
            if not value.isprintable():
                # a line break or control character in a value is a quote left open or binary junk,
                # and a NUL cannot even be part of a file name
                bad = next(c for c in value if not c.isprintable())
                hint = " (an unclosed quote?)" if bad == "\n" else ""
                raise NamelistError(f"{where}: the string {value!r} holds the non-printing character {bad!r}{hint}")
        if self.bounds is not None:
            low, high = self.bounds
            if (low is not None and value < low) or (high is not None and value > high):
                span = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
                raise NamelistError(f"{where}: value {value!r} is outside the allowed range {span} {self.units}".rstrip())
        if self.choices is not None and value not in self.choices:
            hint = _closest(str(value), self.choices)
            raise NamelistError(
                f"{where}: {value!r} is not one of {', '.join(repr(c) for c in self.choices)}" + hint
            )
        return value

    def type_label(self) -> str:
        label = _TYPE_NAMES[self.type]
        return f"list of {label}" if self.shape == "list" else label

    def allowed_label(self) -> str:
        if self.choices is not None:
            return ", ".join(self.choices)
        if self.bounds is not None:
            low, high = self.bounds
            return f"{'-inf' if low is None else low} .. {'inf' if high is None else high}"
        return ""


def _closest(word: str, candidates: Sequence[str]) -> str:
    lowered = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.5)
    return f"; did you mean {lowered[match[0]]!r}?" if match else ""


@dataclass
class Group:
    """The validated values of one namelist group, read by attribute or key."""

    name: str
    values: dict[str, Any]
    source: str = "<defaults>"
    settings: dict[str, Setting] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["values"][key]
        except KeyError:
            raise AttributeError(f"&{self.__dict__['name']} has no setting {key!r}") from None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def where(self, key: str) -> str:
        """The file, group and key, for error messages about a value."""
        return f"{self.source}: &{self.name}: {key}"


DRIVER_SETTINGS: list[Setting] = [
    Setting("case_name", str, "lsmc", description="Name of the experiment, written into every output file."),
    Setting("start_date", str, "0001-01-01", description="Model date at the start of the run, YYYY-MM-DD[ hh:mm:ss]."),
    Setting("calendar", str, "noleap", choices=("noleap", "proleptic_gregorian"), description="cftime calendar."),
    Setting("stop_option", str, "ndays", choices=("nsteps", "ndays", "nmonths", "nyears"),
            description="Unit of the run length `stop_n`."),
    Setting("stop_n", int, 5, bounds=(0, None), description="Run length in units of `stop_option`."),
    Setting("coupling_interval_s", int, 3600, "s", bounds=(60, 86400),
            description="Land-atmosphere coupling interval; must divide one day."),
    Setting("ocean_interval_s", int, 86400, "s", bounds=(60, 31536000),
            description="Ocean coupling interval (lagged by one interval); a multiple of the coupling interval."),
    Setting("restart_option", str, "nmonths", choices=("never", "nsteps", "ndays", "nmonths", "nyears"),
            description="Restart alarm unit (a set is always written at the end of the run too)."),
    Setting("restart_n", int, 1, bounds=(1, None), description="Restart alarm period in units of `restart_option`."),
    Setting("history_frequencies", str, ["month", "year"], choices=("step", "day", "month", "year"), shape="list",
            description="History streams h0, h1, ... as time means over these periods."),
    Setting("layout", str, "sequential", choices=("sequential", "concurrent"),
            description="`sequential`: every component on all ranks in turn; `concurrent`: atmosphere and ocean on their own ranks."),
    Setting("land_model", str, "lsm", description="Land component: a registered name or `module:Class`."),
    Setting("atmos_model", str, "atmos_stub", description="Atmosphere component: a registered name or `module:Class`."),
    Setting("ocean_model", str, "ocean_stub", description="Ocean component: a registered name, `module:Class` or `none`."),
    Setting("land_resolution_deg", float, 2.0, "degree", bounds=(0.0625, 30.0),
            description="Land grid spacing (regular global lat-lon)."),
    Setting("atmos_resolution_deg", float, 2.0, "degree", bounds=(0.0625, 30.0),
            description="Atmosphere grid spacing (regular global lat-lon)."),
    Setting("ocean_resolution_deg", float, 4.0, "degree", bounds=(0.0625, 30.0),
            description="Ocean surface grid spacing (regular global lat-lon)."),
    Setting("ledger_rtol", float, 1e-12, "1", bounds=(0.0, 1e-3),
            description="Relative tolerance of the per-step ledger check (of the global stock of each quantity)."),
    Setting("seed", int, 20260101, bounds=(0, 2**32 - 1),
            description="Key of the counter-based random numbers (same seed, same weather on any layout)."),
]


def read_namelist_file(path: str | Path) -> dict[str, dict[str, Any]]:
    """Parse a namelist file into {group: {key: value}} with lower-case names."""
    path = Path(path)
    if not path.exists():
        raise NamelistError(f"{path}: namelist file not found")
    if path.is_dir():
        raise NamelistError(f"{path}: is a folder, expected a namelist file")
    try:
        # f90nml prints its scanner state to stdout on an unclosed string, and only warns (dropping the
        # value) when a value has no variable to go to: keep the one, make the other an error
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.filterwarnings("error", message="f90nml: warning", category=UserWarning)
            nml = f90nml.Parser().read(str(path))
    except UserWarning as exc:
        value = re.search(r"Value (.*) is not assigned", str(exc))
        raise NamelistError(f"{path}: cannot parse namelist: value {value.group(1) if value else '?'} is not "
                            f"assigned to any variable (more values than indices?)") from None
    except Exception as exc:  # f90nml raises ValueError, IndexError, ... on bad syntax
        detail = str(exc) or "the file ends inside a string or value (a missing quote?)"
        raise NamelistError(f"{path}: cannot parse namelist: {detail}") from None
    groups: dict[str, dict[str, Any]] = {}
    for gname, gvalues in nml.items():
        if isinstance(gvalues, list):
            raise NamelistError(f"{path}: &{gname}: group appears more than once")
        groups[gname.lower()] = {k.lower(): v for k, v in gvalues.items()}
    return groups


def validate_group(name: str, raw: dict[str, Any], settings: Sequence[Setting], source: str) -> Group:
    """Check raw values against the schema; fill defaults; raise NamelistError on the first problem."""
    by_name = {s.name: s for s in settings}
    by_lower = {s.name.lower(): s for s in settings}  # Fortran namelists are case-insensitive
    values: dict[str, Any] = {}
    for key, value in raw.items():
        setting = by_lower.get(key.lower())
        if setting is None:
            raise NamelistError(f"{source}: &{name}: unknown key {key!r}" + _closest(key, list(by_name)))
        values[setting.name] = setting.check(value, f"{source}: &{name}: {setting.name}")
    for s in settings:
        if s.name not in values:
            values[s.name] = list(s.default) if isinstance(s.default, list) else s.default
    return Group(name, values, source, by_name)


def _check_driver(group: Group) -> None:
    """Rules between &driver values that bounds cannot express, checked before the grids and clock are built."""
    from .clock import interval_problem
    from .grid import _whole

    for role in ("land", "atmos", "ocean"):
        key = f"{role}_resolution_deg"
        try:
            _whole(180.0, group.values[key], key)  # 360 / deg is then whole too
        except ValueError:
            raise NamelistError(f"{group.where(key)}: {group.values[key]!r} degree does not divide 180 "
                                f"(a regular global grid needs a whole number of cells from pole to pole)") from None
    problem = interval_problem(group.coupling_interval_s, group.ocean_interval_s)
    if problem is not None:
        raise NamelistError(f"{group.source}: &driver: {problem}")


@dataclass
class Config:
    """A whole experiment: the validated groups and the file they came from."""

    path: str
    groups: dict[str, Group]
    raw: dict[str, dict[str, Any]]

    def __getitem__(self, name: str) -> Group:
        return self.groups[name]

    @property
    def driver(self) -> Group:
        return self.groups["driver"]


def load_config(path: str | Path, component_settings: dict[str, Sequence[Setting]] | None = None,
                raw: dict[str, dict[str, Any]] | None = None) -> Config:
    """Read and validate a namelist file.

    ``component_settings`` maps the component groups (``land``, ``atmos``,
    ``ocean``) to their schemas; when None only ``&driver`` is validated and
    the component groups are kept raw (the driver validates them once it
    knows which component classes the driver group selects).
    """
    source = str(path)
    raw = read_namelist_file(path) if raw is None else raw
    known = ["driver", "land", "atmos", "ocean"]
    for gname in raw:
        if gname not in known:
            raise NamelistError(f"{source}: unknown group &{gname}" + _closest(gname, known))
    groups = {"driver": validate_group("driver", raw.get("driver", {}), DRIVER_SETTINGS, source)}
    _check_driver(groups["driver"])
    for gname, schema in (component_settings or {}).items():
        groups[gname] = validate_group(gname, raw.get(gname, {}), schema, source)
    return Config(source, groups, raw)


def full_model_driver(case_name: str, deg: float, *, ocean_deg: float | None = None,
                      start_date: str = "1850-01-01", **settings: Any) -> dict[str, Any]:
    """The ``&driver`` group of the full model (lsm, atmos_stub, ocean_stub) at ``deg`` degrees.

    Hourly coupling, no restarts but the final set, yearly history; the ocean
    at ``ocean_deg`` (default the coarser of ``deg`` and 4 degrees, its
    resolution in the presets).  ``settings`` add or replace driver keys.
    For tools, benchmarks and tests that build a run in code; pass the
    result to :func:`write_namelist` as the ``"driver"`` group.
    """
    group = {
        "case_name": case_name, "start_date": start_date, "coupling_interval_s": 3600,
        "restart_option": "never", "history_frequencies": "year",
        "land_model": "lsm", "atmos_model": "atmos_stub", "ocean_model": "ocean_stub",
        "land_resolution_deg": float(deg), "atmos_resolution_deg": float(deg),
        "ocean_resolution_deg": float(max(deg, 4.0) if ocean_deg is None else ocean_deg),
    }
    group.update(settings)
    return group


def write_namelist(path: str | Path, groups: dict[str, dict[str, Any]]) -> None:
    """Write {group: {key: value}} as a namelist file (used to record the run's settings)."""
    nml = f90nml.Namelist({g: dict(v) for g, v in groups.items()})
    nml.write(str(path), force=True)


def settings_table(groups: dict[str, Sequence[Setting]]) -> str:
    """Markdown table of every setting, for the README."""
    lines = []
    for gname, settings in groups.items():
        lines.append(f"\n#### `&{gname}`\n")
        lines.append("| key | type | default | units | allowed | description |")
        lines.append("|---|---|---|---|---|---|")
        for s in settings:
            default = ", ".join(map(repr, s.default)) if isinstance(s.default, list) else repr(s.default)
            lines.append(f"| `{s.name}` | {s.type_label()} | `{default}` | {s.units} | {s.allowed_label()} | {s.description} |")
    return "\n".join(lines) + "\n"
