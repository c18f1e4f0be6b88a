"""The coupled run loop with fixed lags, layouts, exchanges and books.

Coupling sequence of step n (interval [t_n, t_n + dt]):

1. At an ocean boundary the ocean imports the means of its inputs over the
   previous ocean interval (river carbon, CO2, SST, wind) and runs a whole
   ocean interval; what it exports is handed to the atmosphere during the
   NEXT ocean interval (lag of one ocean interval).
2. Land imports what the atmosphere exported at the end of step n-1;
   the atmosphere imports what the land exported at the end of step n-1 and
   the ocean fluxes of the previous ocean interval.
3. Land and atmosphere run to t_n + dt (at the same time, on different
   ranks, in the ``concurrent`` layout).
4. Exports are gathered in global cell order, remapped, booked, and the
   ledger checks every component and the whole system.

Every data dependency is fixed by this sequence, never by which ranks a
component runs on, so answers are bit-for-bit identical for any layout and
rank count (with per-cell arithmetic and reproducible sums inside the
components).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .clock import Clock, format_date, parse_date
from .component import Component, Decomposition
from .config import Config, load_config, validate_group
from .errors import (
    ConservationError,
    CouplingError,
    LsmcError,
    NamelistError,
    RestartError,
    RunInterrupted,
    StateError,
)
from .fields import check_component_fields, get_field
from .grid import LatLonGrid, block_decomposition
from .history import Accumulator, HistoryWriter, trim_records
from .ledger import BudgetFile, Flow, Ledger
from .parallel import barrier, gather_cells, on_root
from .remap import Remapper, nearest_ocean_routing, route
from .reprosum import reprosum_many
from .restart import (
    base_attrs,
    commit_set,
    new_set_folder,
    open_restart_file,
    read_rpointer,
    read_variable,
    write_netcdf_atomic,
)

ROLES = ("land", "atmos", "ocean")

#: Registered component names; anything else is imported as ``module:Class``.
REGISTERED = {
    "lsm": "lsm.component:LandComponent",
    "atmos_stub": "atmos_stub.component:AtmosComponent",
    "ocean_stub": "ocean_stub.component:OceanComponent",
}


def _load_class(target: str):
    """Import ``module:Class`` or load ``path/to/file.py:Class`` (relative to the current folder)."""
    module_name, _, class_name = target.partition(":")
    if module_name.endswith(".py"):
        path = Path(module_name).resolve()
        if not path.exists():
            raise ImportError(f"no file {path}")
        unique = "lsmc_plugin_" + "_".join(path.with_suffix("").parts[-3:])
        module = sys.modules.get(unique)
        if module is None:
            spec = importlib.util.spec_from_file_location(unique, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[unique] = module
            spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    return getattr(module, class_name)


def resolve_component(spec: str, role: str, source: str) -> type[Component] | None:
    """The component class named by ``&driver <role>_model`` (None for ``none``).

    A registered name, ``package.module:Class``, or ``path/to/file.py:Class``
    for a plug-in component file (a path relative to the current folder).
    """
    if spec == "none":
        if role == "ocean":
            return None
        raise NamelistError(f"{source}: &driver: {role}_model: the {role} component cannot be 'none'")
    target = REGISTERED.get(spec, spec)
    if ":" not in target:
        raise NamelistError(f"{source}: &driver: {role}_model: {spec!r} is neither a registered component "
                            f"({', '.join(REGISTERED)}, none) nor 'module:Class' or 'file.py:Class'")
    try:
        cls = _load_class(target)
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        # importlib raises ValueError for an empty module name (':Class') and TypeError for a relative one
        raise NamelistError(f"{source}: &driver: {role}_model: cannot load component {spec!r} ({exc})") from None
    if not (isinstance(cls, type) and issubclass(cls, Component)) or cls.role != role:
        raise NamelistError(f"{source}: &driver: {role}_model: {spec!r} is not a {role} component")
    return cls


def load_experiment(path: str | Path) -> tuple[Config, dict[str, type[Component] | None]]:
    """Read a namelist, resolve its component classes and validate every group."""
    config = load_config(path)
    d = config.driver
    classes = {role: resolve_component(getattr(d, f"{role}_model"), role, config.path) for role in ROLES}
    for role, cls in classes.items():
        if cls is None:
            if config.raw.get(role):
                raise NamelistError(f"{config.path}: &{role}: the group is set but {role}_model = 'none'")
            continue
        config.groups[role] = validate_group(role, config.raw.get(role, {}), cls.settings, config.path)
    for role, cls in classes.items():
        if cls is not None:
            check_component_fields(role, tuple(cls.imports), tuple(cls.exports))
    return config, classes


@dataclass
class Slot:
    """One component as the coupler sees it, on every rank (``comp`` only where it lives)."""

    role: str
    cls: type[Component]
    world_ranks: list[int]
    decomp: Decomposition
    world_counts: np.ndarray
    comm: Any = None
    comp: Component | None = None
    exports: tuple[str, ...] = ()
    #: Global (domain-cell) arrays of the last export, one row per field in ``exports``.
    last_export: np.ndarray | None = None
    timer: float = 0.0
    external: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def here(self) -> bool:
        return self.comp is not None

    #: Quantities the component keeps books for under this run's settings (:meth:`Component.books`).
    books: tuple[str, ...] = ()


class Driver:
    """Builds the coupled system from a namelist and runs it."""

    def __init__(self, config: Config, classes: dict[str, type[Component] | None], outdir: str | Path,
                 comm: Any = None, continue_run: bool = False, progress: bool = True):
        from mpi4py import MPI

        self.MPI = MPI
        self.world = comm if comm is not None else MPI.COMM_WORLD
        self.rank, self.size = self.world.Get_rank(), self.world.Get_size()
        self.config, self.classes = config, classes
        self.d = config.driver
        self.outdir = Path(outdir)
        self.progress = progress
        self.timers = {"init": 0.0, "coupler": 0.0, "io": 0.0}
        t0 = time.perf_counter()
        self._setup_clock(continue_run)
        self._setup_grids()
        self._setup_slots()
        self._setup_exchange()
        self.ledger = Ledger({s.role: s.books for s in self.slots.values()}, self.d.ledger_rtol)
        self.budget = BudgetFile(self.outdir / "budget.nc", self.ref_text, self.clock.calendar) if self.rank == 0 else None
        self._setup_history()
        if continue_run:
            self._read_restart_set(on_root(self.world, lambda: read_rpointer(self.outdir)))
            on_root(self.world, self._trim_output_after_restart)
        else:
            self._initial_exchange()
        self.timers["init"] = time.perf_counter() - t0
        for slot in self.slots.values():
            slot.timer = 0.0  # component timers measure the run; their init is part of "init"

    # ------------------------------------------------------------------ set-up
    def _setup_clock(self, continue_run: bool) -> None:
        d = self.d
        ref = parse_date(d.start_date, d.calendar, f"{self.config.path}: &driver: start_date")
        self.ref_text = ref.strftime("%Y-%m-%d %H:%M:%S")
        self.clock = Clock(ref, d.coupling_interval_s, d.ocean_interval_s, seed=d.seed)

    def _setup_grids(self) -> None:
        d = self.d
        self.grids = {"land": LatLonGrid.regular(d.land_resolution_deg),
                      "atmos": LatLonGrid.regular(d.atmos_resolution_deg),
                      "ocean": LatLonGrid.regular(d.ocean_resolution_deg)}

    def _assign_ranks(self) -> dict[str, list[int]]:
        everyone = list(range(self.size))
        if self.d.layout == "sequential":
            return {role: everyone for role in ROLES}
        if self.size < 2:
            raise NamelistError(f"{self.config.path}: &driver: layout: 'concurrent' needs at least 2 MPI ranks "
                                f"(this run has {self.size}); use 'sequential'")
        if self.size == 2:
            return {"land": [0], "atmos": [1], "ocean": [1]}
        return {"land": everyone[:-2], "atmos": [self.size - 2], "ocean": [self.size - 1]}

    def _setup_slots(self) -> None:
        ranks = self._assign_ranks()
        land_cls = self.classes["land"]
        land_grid = self.grids["land"]
        frac = land_cls.domain_fraction(self.config["land"], land_grid)
        if frac is None:
            raise CouplingError("the land component must provide its land fraction (domain_fraction)")
        frac = np.asarray(frac, dtype=np.float64).reshape(-1)
        if frac.shape != (land_grid.ncells,) or not np.all(np.isfinite(frac)) or frac.min() < 0 or frac.max() > 1:
            raise CouplingError("the land fraction must be finite, in [0, 1], one value per land-grid cell")
        fractions = {"land": frac, "atmos": np.ones(self.grids["atmos"].ncells)}
        self.remappers: dict[tuple[str, str], Remapper] = {}
        ocean_frac = 1.0 - self._remapper("land", "ocean").map(frac)
        # remapping a fraction of exactly 1 can give 1 - 1e-16; such slivers are not ocean
        ocean_frac[ocean_frac < 1e-12] = 0.0
        fractions["ocean"] = ocean_frac
        self.fractions_full = fractions
        self.slots: dict[str, Slot] = {}
        for role in ROLES:
            cls = self.classes[role]
            color = 0 if (cls is not None and self.rank in ranks[role]) else self.MPI.UNDEFINED
            sub = self.world.Split(color, self.rank)
            if cls is None:
                continue
            grid = self.grids[role]
            cells = np.flatnonzero(fractions[role] > 0)
            weights = cls.work_weights(self.config[role], grid, cells)
            offsets = block_decomposition(np.asarray(weights, dtype=np.float64), len(ranks[role]))
            here = self.rank in ranks[role]
            my = ranks[role].index(self.rank) if here else -1
            decomp = Decomposition(grid, cells, fractions[role][cells], offsets, my)
            if role == "atmos":
                # area fractions (geometry, not mass): remapping rounding may leave 1 + 1e-16
                decomp.cover = {src: np.clip(self._remapper(src, "atmos").map(fractions[src])[cells], 0.0, 1.0)
                                for src in ("land", "ocean")}
            world_counts = np.zeros(self.size, dtype=np.int64)
            world_counts[ranks[role]] = np.diff(offsets)
            slot = Slot(role, cls, ranks[role], decomp, world_counts, sub if here else None,
                        exports=tuple(sorted(cls.exports)), books=tuple(cls.books(self.config.groups[role])))
            self.slots[role] = slot
        for slot in self.slots.values():
            if slot.world_ranks and self.rank in slot.world_ranks:
                slot.comp = slot.cls()
                t0 = time.perf_counter()
                slot.comp.init(self.config[slot.role], slot.comm, slot.decomp, self.clock)
                slot.timer += time.perf_counter() - t0

    def _remapper(self, src: str, dst: str) -> Remapper:
        if (src, dst) not in self.remappers:
            self.remappers[(src, dst)] = Remapper(self.grids[src], self.grids[dst])
        return self.remappers[(src, dst)]

    def _setup_exchange(self) -> None:
        """Remappers, routing and, per receiver, which fields come from whom."""
        self.routes: dict[str, Any] = {}
        self.imports_of: dict[str, list[str]] = {}
        for dst, slot in self.slots.items():
            names = []
            for name in sorted(slot.cls.imports):
                src = get_field(name).source
                if src not in self.slots:
                    names.append(name)
                    continue  # absent component (ocean 'none'): the field is zero
                if name not in self.slots[src].exports and name in slot.cls.optional_imports:
                    continue
                names.append(name)
                if name not in self.slots[src].exports:
                    raise CouplingError(f"{dst} imports {name!r}, which the {src} component "
                                        f"({self.slots[src].cls.__name__}) does not export")
                if get_field(name).kind == "routed":
                    if "routing" not in self.routes:
                        land = self.slots["land"].decomp
                        ocean = self.slots["ocean"].decomp
                        outlet = nearest_ocean_routing(land.grid, land.cells, ocean.grid, self.fractions_full["ocean"])
                        self.routes["routing"] = np.searchsorted(ocean.cells, outlet)
                else:
                    self._remapper(src, dst)
            self.imports_of[dst] = names
        # values handed to each receiver: {dst: {name: global domain array}}
        self.pending: dict[str, dict[str, np.ndarray]] = {dst: {} for dst in self.slots}
        # source-fraction of each receiver cell, per source role
        self.src_fraction: dict[tuple[str, str], np.ndarray] = {}
        # Ocean inputs accumulate over an ocean interval: sum(value * dt) per atmosphere
        # cell for states, kg per land cell for routed fields.
        self.ocean_acc: dict[str, np.ndarray] = {}
        self.ocean_acc_s = 0
        self.ocean_to_atmos_next: dict[str, np.ndarray] = {}
        self.transit_fields: dict[str, float] = {}

    def _setup_history(self) -> None:
        self.streams = list(self.d.history_frequencies)
        self.hist_acc = {(k, role): Accumulator() for k in range(len(self.streams)) for role in self.slots}
        self.hist_start = {k: self.clock.elapsed_s for k in range(len(self.streams))}
        self.hist_writers = {}
        if self.rank == 0:
            self.atmos_land_fraction = self._remapper("land", "atmos").map(self.fractions_full["land"])
        for k, freq in enumerate(self.streams):
            for role, slot in self.slots.items():
                if self.rank != 0:
                    continue
                frac, fname = slot.decomp.fraction, {"land": "sftlf", "ocean": "sftof", "atmos": "sftlf"}[role]
                if role == "atmos":
                    frac = self.atmos_land_fraction[slot.decomp.cells]
                self.hist_writers[(k, role)] = HistoryWriter(
                    self.outdir / "hist" / f"{self.d.case_name}.{role}.h{k}.nc", role, slot.decomp.grid,
                    slot.decomp.cells, frac, fname, self.d.case_name, freq, self.ref_text, self.clock.calendar)

    # ---------------------------------------------------------------- exchange
    def _gather_exports(self, slot: Slot) -> np.ndarray:
        """Every field the slot exports, gathered on every rank in global cell order."""
        nf = len(slot.exports)
        if slot.here:
            exported = slot.comp.export_state()
            missing = [n for n in slot.exports if n not in exported]
            if missing:
                raise CouplingError(f"{slot.role} export_state() lacks {', '.join(missing)}")
            local = np.empty((nf, slot.decomp.nlocal))
            for i, name in enumerate(slot.exports):
                local[i] = exported[name]
        else:
            local = np.empty((nf, 0))
        return gather_cells(self.world, local, slot.world_counts, allgather=True)

    def _distribute(self, src: str, values: np.ndarray, interval_s: int) -> list[Flow]:
        """Map a source's freshly gathered exports onto each receiver and book what is sent.

        Flux fields are booked as sent at the integral the receivers will get,
        the amount delivered to them, so transfers that complete within a step
        leave nothing in transit; routed fields accumulate toward the ocean.
        """
        slot = self.slots[src]
        flows: list[Flow] = []
        src_full_frac = self.fractions_full[src]
        grid = slot.decomp.grid
        by_dst: dict[str, list[str]] = {}
        for name in slot.exports:
            for dst in get_field(name).destinations:
                if dst in self.slots and name in self.imports_of[dst]:
                    by_dst.setdefault(dst, []).append(name)
        row = {name: i for i, name in enumerate(slot.exports)}
        received = {n for names in by_dst.values() for n in names}
        for name in slot.exports:
            f = get_field(name)
            if f.quantity and name not in received:
                # nobody takes it (e.g. runoff with an ocean that keeps no water books): it leaves the
                # system, booked on the sender's grid
                kg = values[row[name]] * slot.decomp.grid.area_flat[slot.decomp.cells] * slot.decomp.fraction
                amount = float(reprosum_many([kg])[0]) * interval_s * f.to_ledger
                flows += self._book_send(src, name, amount)
                flows.append(Flow("coupler", f.quantity, f"{name}_not_received", -amount, external=True))
                self.transit_change[f.quantity] = self.transit_change.get(f.quantity, 0.0) - amount
        for dst, names in by_dst.items():
            dslot = self.slots[dst]
            plain = [n for n in names if get_field(n).kind != "routed"]
            if plain:
                full = np.zeros((len(plain), grid.ncells))
                full[:, slot.decomp.cells] = values[[row[n] for n in plain]]
                merged, dfrac = self.remappers[(src, dst)].merge(full, src_full_frac)
                merged = merged[:, dslot.decomp.cells]
                self.src_fraction[(src, dst)] = dfrac[dslot.decomp.cells]
                fluxes = [i for i, n in enumerate(plain) if get_field(n).kind == "flux"]
                # a receiver cell gets the flux over the overlap of both components' areas; one of
                # the two is always the atmosphere (fraction 1), so that is the product of fractions
                area = dslot.decomp.grid.area_flat[dslot.decomp.cells]
                weight = area * dslot.decomp.fraction * self.src_fraction[(src, dst)]
                totals = reprosum_many([merged[i] * weight for i in fluxes]) if fluxes else []
                for i, name in enumerate(plain):
                    value = merged[i]
                    if dst == "atmos" and src == "ocean":
                        self.ocean_to_atmos_next[name] = value
                        continue
                    if dst == "ocean":
                        self._accumulate_ocean(name, value, interval_s)
                        continue
                    self.pending[dst][name] = value
                for i, total in zip(fluxes, totals):
                    name = plain[i]
                    f = get_field(name)
                    # delivered over the next step, or over the next ocean interval for ocean fluxes
                    amount = float(total) * interval_s * f.to_ledger
                    flows += self._book_send(src, name, amount)
                    if dst == "ocean":
                        continue  # accumulated, delivered (and booked) at the next ocean boundary
                    if not (dst == "atmos" and src == "ocean"):
                        self.transit_fields[f"{name}>{dst}"] = amount
                    else:
                        self.transit_fields[f"{name}>{dst}:rate"] = float(total) * f.to_ledger
            for name in (n for n in names if get_field(n).kind == "routed"):
                f = get_field(name)
                kg_s = values[row[name]] * slot.decomp.grid.area_flat[slot.decomp.cells] * slot.decomp.fraction
                self._accumulate_ocean(name, kg_s, interval_s)
                amount = float(reprosum_many([kg_s])[0]) * interval_s * f.to_ledger
                flows += self._book_send(src, name, amount)
        return flows

    def _book_send(self, src: str, name: str, amount: float) -> list[Flow]:
        f = get_field(name)
        slot = self.slots[src]
        self.transit_change[f.quantity] = self.transit_change.get(f.quantity, 0.0) + amount
        if f.quantity in slot.books and name not in slot.cls.external_fields:
            return [Flow(src, f.quantity, name, -amount)]
        return [Flow("coupler", f.quantity, f"{name}_from_{src}", amount, external=True)]

    def _book_receive(self, dst: str, name: str, amount: float) -> list[Flow]:
        f = get_field(name)
        slot = self.slots[dst]
        self.transit_change[f.quantity] = self.transit_change.get(f.quantity, 0.0) - amount
        if f.quantity in slot.books and name not in slot.cls.external_fields:
            return [Flow(dst, f.quantity, name, amount)]
        return [Flow("coupler", f.quantity, f"{name}_to_{dst}", -amount, external=True)]

    def _accumulate_ocean(self, name: str, value: np.ndarray, interval_s: int) -> None:
        if name in self.ocean_acc:
            self.ocean_acc[name] += value * interval_s
        else:
            self.ocean_acc[name] = value * interval_s

    def _import_fields(self, dst: str) -> tuple[dict[str, np.ndarray], list[Flow]]:
        """Local import dict of ``dst`` and the flows it receives this step."""
        slot = self.slots[dst]
        flows: list[Flow] = []
        fields: dict[str, np.ndarray] = {}
        loc = slot.decomp.local if slot.here else slice(0, 0)
        for name in self.imports_of[dst]:
            f = get_field(name)
            if dst == "atmos" and f.source == "ocean":
                value = self.ocean_to_atmos.get(name) if "ocean" in self.slots else None
                if value is not None and f.kind == "flux":
                    rate = self.transit_fields.get(f"{name}>{dst}:rate:current", 0.0)
                    flows += self._book_receive(dst, name, rate * self.clock.dt)
            elif f.source not in self.slots:
                value = None
            else:
                value = self.pending[dst].get(name)
                if value is not None and f.kind == "flux":
                    flows += self._book_receive(dst, name, self.transit_fields.pop(f"{name}>{dst}", 0.0))
            fields[name] = (np.zeros(slot.decomp.nlocal) if value is None else value[loc])
        for src in ROLES:
            if src != dst and (src, dst) in self.src_fraction:
                fields[f"frac_{src}"] = self.src_fraction[(src, dst)][loc]
            elif src != dst and src not in self.slots:
                fields[f"frac_{src}"] = np.zeros(slot.decomp.nlocal)
        return fields, flows

    def _initial_exchange(self) -> None:
        """Exports right after init open the books (what they carry starts in transit)."""
        self.transit_change = {}
        self.ocean_to_atmos: dict[str, np.ndarray] = {}
        for role in ("land", "atmos"):
            slot = self.slots[role]
            slot.last_export = self._gather_exports(slot)
            self._distribute(role, slot.last_export, self.clock.dt)
        # the initial atmosphere state stands for the interval before the start
        self.ocean_acc_s = self.clock.dt
        if "ocean" in self.slots:
            slot = self.slots["ocean"]
            slot.last_export = self._gather_exports(slot)
            self._distribute("ocean", slot.last_export, self.clock.ocean_dt)
        inventories = self._collect_reports(check=False)[0]
        self.ledger.start(inventories)
        self.ledger.transit = {q: self.transit_change.get(q, 0.0) for q in self.ledger.quantities}
        for q in self.ledger.quantities:
            self.ledger.initial[q] += self.ledger.transit[q]

    def _shift_ocean_fluxes(self) -> None:
        """Ocean exports of the interval just run become the atmosphere's input for the next one."""
        self.ocean_to_atmos = dict(self.ocean_to_atmos_next)
        for key in [k for k in self.transit_fields if k.endswith(":rate")]:
            self.transit_fields[key + ":current"] = self.transit_fields.pop(key)

    def _ocean_inputs(self) -> tuple[dict[str, np.ndarray], list[Flow]]:
        """Means over the last ocean interval of what the ocean imports, and the river flows delivered."""
        slot = self.slots["ocean"]
        flows: list[Flow] = []
        fields: dict[str, np.ndarray] = {}
        loc = slot.decomp.local if slot.here else slice(0, 0)
        span = max(self.ocean_acc_s, 1)
        for name in self.imports_of["ocean"]:
            f = get_field(name)
            acc = self.ocean_acc.get(name)
            if f.kind == "routed":
                per_outlet = np.zeros(len(slot.decomp.cells))
                if acc is not None:
                    per_outlet = route(acc, self.routes["routing"], len(slot.decomp.cells))
                    delivered = float(reprosum_many([per_outlet])[0]) * f.to_ledger
                    flows += self._book_receive("ocean", name, delivered)
                fields[name] = per_outlet[loc] / span  # kg s-1 per outlet cell
            else:
                if acc is not None and f.kind == "flux":
                    weight = slot.decomp.grid.area_flat[slot.decomp.cells] * slot.decomp.fraction * \
                        self.src_fraction[(f.source, "ocean")]
                    delivered = float(reprosum_many([acc * weight])[0]) * f.to_ledger
                    flows += self._book_receive("ocean", name, delivered)
                fields[name] = (acc / span)[loc] if acc is not None else np.zeros(slot.decomp.nlocal)
        for k in self.ocean_acc:
            self.ocean_acc[k] = np.zeros_like(self.ocean_acc[k])
        self.ocean_acc_s = 0
        fields["frac_atmos"] = np.ones(slot.decomp.nlocal)
        fields["frac_land"] = np.zeros(slot.decomp.nlocal)
        return fields, flows

    def _collect_reports(self, check: bool = True) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, dict[str, float]]]]:
        """Inventories and external terms of every component, and state errors, on every rank."""
        mine: dict[str, Any] = {}
        for role, slot in self.slots.items():
            if not slot.here:
                continue
            inv = slot.comp.inventory()
            error = None
            if check:
                try:
                    slot.comp.check_state(self.clock.now)
                except LsmcError as exc:
                    error = exc
            if slot.comm is None or slot.comm.Get_rank() == 0 or error is not None:
                mine[role] = (inv, slot.external, error)
        reports = self.world.allgather(mine)
        inventories, externals = {}, {}
        errors = []
        for rep in reports:
            for role, (inv, ext, error) in rep.items():
                inventories.setdefault(role, inv)
                externals.setdefault(role, ext)
                if error is not None:
                    errors.append(error)
        if errors:
            errors[0].collective = True
            raise errors[0]
        return inventories, externals

    # ---------------------------------------------------------------- stepping
    def step(self) -> None:
        clock = self.clock
        t_start = clock.elapsed_s
        until = t_start + clock.dt
        self.transit_change = {}
        flows: list[Flow] = []
        tc = time.perf_counter()
        ocean_runs = "ocean" in self.slots and clock.is_ocean_boundary()
        if ocean_runs:
            self._shift_ocean_fluxes()
            ocean_in, oflows = self._ocean_inputs()
            flows += oflows
        land_in, lflows = self._import_fields("land")
        atmos_in, aflows = self._import_fields("atmos")
        flows += lflows + aflows
        self.timers["coupler"] += time.perf_counter() - tc
        for slot in self.slots.values():
            slot.external = {}
        if ocean_runs:
            self._run_slot(self.slots["ocean"], ocean_in, t_start + clock.ocean_dt)
        self._run_slot(self.slots["land"], land_in, until)
        self._run_slot(self.slots["atmos"], atmos_in, until)
        tc = time.perf_counter()
        clock.advance()
        for role in ("land", "atmos"):
            slot = self.slots[role]
            slot.last_export = self._gather_exports(slot)
            flows += self._distribute(role, slot.last_export, clock.dt)
        self.ocean_acc_s += clock.dt
        if ocean_runs:
            slot = self.slots["ocean"]
            slot.last_export = self._gather_exports(slot)
            flows += self._distribute("ocean", slot.last_export, clock.ocean_dt)
        inventories, externals = self._collect_reports()
        for role, ext in externals.items():
            for q, terms in ext.items():
                for term, amount in terms.items():
                    flows.append(Flow(role, q, term, float(amount), external=True))
        try:
            row = self.ledger.close_step(clock.step, clock.now, inventories, flows, self.transit_change)
        except ConservationError as exc:
            if self.budget is not None:
                self.budget.append(clock.days(), clock.step, exc.row)
            raise
        self.timers["coupler"] += time.perf_counter() - tc
        ti = time.perf_counter()
        if self.budget is not None:
            self.budget.append(clock.days(), clock.step, row)
        self._accumulate_history(ocean_runs)
        self.timers["io"] += time.perf_counter() - ti

    def _run_slot(self, slot: Slot, fields: dict[str, np.ndarray], until: int) -> None:
        if not slot.here:
            return
        t0 = time.perf_counter()
        slot.comp.import_state(fields)
        slot.comp.run(until)
        slot.external = slot.comp.budget_terms()
        slot.timer += time.perf_counter() - t0

    # ----------------------------------------------------------------- history
    def _accumulate_history(self, ocean_ran: bool) -> None:
        for role, slot in self.slots.items():
            if not slot.here or (role == "ocean" and not ocean_ran):
                continue
            fields = slot.comp.history_fields()
            dt = self.clock.ocean_dt if role == "ocean" else self.clock.dt
            for k in range(len(self.streams)):
                self.hist_acc[(k, role)].add(fields, dt)
        for k, freq in enumerate(self.streams):
            if self.clock.at_period_start(freq):
                self._write_history(k)

    def _gather_accumulator(self, slot: Slot, acc: Accumulator) -> tuple[dict[str, np.ndarray], float, dict]:
        """Sums of one accumulator on world rank 0 (per-cell fields in global order, scalars as 0-d)."""
        root = slot.world_ranks[0]
        names = self.world.bcast(sorted(acc.sums) if slot.here else None, root=root)
        weight = self.world.bcast(acc.weight_s, root=root)
        if not names:
            return {}, weight, {}
        cell_names = [n for n in names if (not slot.here) or np.ndim(acc.sums[n]) > 0]
        cell_names = self.world.bcast(cell_names, root=root)
        scalars = self.world.bcast({n: acc.sums[n] for n in names if n not in cell_names} if slot.here else None,
                                   root=root)
        out = dict(scalars)
        if cell_names:
            local = np.stack([acc.sums[n] for n in cell_names]) if slot.here else np.empty((len(cell_names), 0))
            full = gather_cells(self.world, local, slot.world_counts)
            if self.rank == 0:
                out.update({n: full[i] for i, n in enumerate(cell_names)})
        attrs = self.world.bcast(acc.attrs if slot.here else None, root=root)
        return out, weight, attrs

    def _write_history(self, k: int) -> None:
        t0, t1 = self.clock.days(self.hist_start[k]), self.clock.days()
        for role, slot in self.slots.items():
            acc = self.hist_acc[(k, role)]
            sums, weight, attrs = self._gather_accumulator(slot, acc)
            if sums and weight > 0 and self.rank == 0:
                self.hist_writers[(k, role)].write(t0, t1, {n: v / weight for n, v in sums.items()}, attrs)
            acc.reset()
        self.hist_start[k] = self.clock.elapsed_s

    # ---------------------------------------------------------------- restarts
    def _coupler_state(self) -> tuple[dict[str, tuple[np.ndarray, dict[str, str]]], dict[str, np.ndarray]]:
        """Everything the coupler needs to continue bit-for-bit, as restart variables."""
        variables: dict[str, tuple[np.ndarray, dict[str, str]]] = {}
        cell_dims = {role: slot.decomp.cells for role, slot in self.slots.items()}
        variables["elapsed_s"] = (np.array(self.clock.elapsed_s, dtype=np.int64), {"units": "s"})
        variables["ocean_acc_s"] = (np.array(self.ocean_acc_s, dtype=np.int64), {"units": "s"})
        for key, value in self.ledger.get_state().items():
            variables["ledger__" + key.replace(":", "__")] = (np.array(value), {})
        for key, value in self.transit_fields.items():
            variables["transit__" + key.replace(">", "__to__").replace(":", "__")] = (np.array(value), {})
        for role, slot in self.slots.items():
            for i, name in enumerate(slot.exports):
                variables[f"export__{role}__{name}"] = (slot.last_export[i], {"cell_dim": role})
        for dst, fields in self.pending.items():
            for name, value in fields.items():
                variables[f"pending__{dst}__{name}"] = (value, {"cell_dim": dst})
        for (src, dst), value in self.src_fraction.items():
            variables[f"srcfrac__{src}__{dst}"] = (value, {"cell_dim": dst})
        for name, value in self.ocean_to_atmos.items():
            variables[f"oceanatm__{name}"] = (value, {"cell_dim": "atmos"})
        for name, value in self.ocean_to_atmos_next.items():
            variables[f"oceannext__{name}"] = (value, {"cell_dim": "atmos"})
        for name, value in self.ocean_acc.items():
            dim = "land" if get_field(name).kind == "routed" else "ocean"
            variables[f"oceanacc__{name}"] = (value, {"cell_dim": dim})
        for k in range(len(self.streams)):
            variables[f"hist{k}__start_s"] = (np.array(self.hist_start[k], dtype=np.int64), {"units": "s"})
            for role, slot in self.slots.items():
                sums, weight, _ = self._gather_accumulator(slot, self.hist_acc[(k, role)])
                variables[f"hist{k}__{role}__weight_s"] = (np.array(weight), {"units": "s"})
                for n, value in sums.items():
                    dims = {"cell_dim": role} if np.ndim(value) > 0 else {}
                    variables[f"hist{k}__{role}__{n}"] = (value, dims)
        return variables, cell_dims

    def write_restart_set(self, debug: bool = False) -> Path | None:
        """Write every component's restart and the coupler's as one atomic set."""
        t0 = time.perf_counter()
        name = format_date(self.clock.now) + ("-debug" if debug else "")
        partial, final = on_root(self.world, lambda: new_set_folder(self.outdir, name))
        for slot in self.slots.values():
            if slot.here:
                slot.comp.write_restart(str(partial / f"{slot.role}.r.nc"))
        variables, cell_dims = self._coupler_state()
        attrs = base_attrs("coupler") | {"component": "coupler", "reference_date": self.ref_text,
                                         "calendar": self.clock.calendar, "case": self.d.case_name,
                                         "model_date": str(self.clock.now)}
        barrier(self.world)

        def commit() -> Path:
            write_netcdf_atomic(partial / "coupler.r.nc", variables, attrs, cell_dims)
            if self.budget is not None:
                self.budget.flush()
            for writer in self.hist_writers.values():
                writer.sync()
            commit_set(self.outdir, partial, final, update_pointer=not debug)
            return final

        result = on_root(self.world, commit)
        self.timers["io"] += time.perf_counter() - t0
        return result

    def _read_restart_set(self, folder: Path | None) -> None:
        folder = self.world.bcast(folder, root=0)
        for slot in self.slots.values():
            if slot.here:
                slot.comp.read_restart(str(folder / f"{slot.role}.r.nc"))

        def read() -> dict[str, np.ndarray]:
            path = folder / "coupler.r.nc"
            with open_restart_file(path) as nc:
                if getattr(nc, "reference_date", None) != self.ref_text or getattr(nc, "calendar", None) != self.clock.calendar:
                    raise RestartError(f"{path}: written for start_date {getattr(nc, 'reference_date', '?')} "
                                       f"({getattr(nc, 'calendar', '?')}), but the namelist has {self.ref_text} "
                                       f"({self.clock.calendar})")
                for role, slot in self.slots.items():
                    cells = read_variable(nc, f"{role}_index", path)
                    if not np.array_equal(cells, slot.decomp.cells):
                        raise RestartError(f"{path}: the {role} cells do not match this run's grid")
                return {name: read_variable(nc, name, path) for name in nc.variables}

        values = on_root(self.world, read)
        self.clock.elapsed_s = int(values["elapsed_s"])
        self.ocean_acc_s = int(values["ocean_acc_s"])
        ledger_state = {}
        self.transit_fields, self.ocean_to_atmos, self.ocean_to_atmos_next, self.ocean_acc = {}, {}, {}, {}
        self.pending = {dst: {} for dst in self.slots}
        for name, value in values.items():
            kind, _, rest = name.partition("__")
            if kind == "ledger":
                ledger_state[rest.replace("__", ":")] = float(value)
            elif kind == "transit":
                self.transit_fields[rest.replace("__to__", ">").replace("__", ":")] = float(value)
            elif kind == "export":
                role, fname = rest.split("__")
                slot = self.slots[role]
                if slot.last_export is None:
                    slot.last_export = np.zeros((len(slot.exports), len(slot.decomp.cells)))
                slot.last_export[slot.exports.index(fname)] = value
            elif kind == "pending":
                dst, fname = rest.split("__")
                self.pending[dst][fname] = value
            elif kind == "srcfrac":
                src, dst = rest.split("__")
                self.src_fraction[(src, dst)] = value
            elif kind == "oceanatm":
                self.ocean_to_atmos[rest] = value
            elif kind == "oceannext":
                self.ocean_to_atmos_next[rest] = value
            elif kind == "oceanacc":
                self.ocean_acc[rest] = value
            elif kind.startswith("hist"):
                k = int(kind[4:])
                parts = rest.split("__")
                if parts == ["start_s"]:
                    self.hist_start[k] = int(value)
                elif parts[1] == "weight_s":
                    self.hist_acc[(k, parts[0])].weight_s = float(value)
                elif len(parts) == 2 and parts[1] != "weight_s":
                    role, fname = parts
                    slot = self.slots[role]
                    if slot.here:
                        acc = self.hist_acc[(k, role)]
                        acc.sums[fname] = (np.ascontiguousarray(value[slot.decomp.local]) if np.ndim(value) > 0
                                           else np.array(float(value)))
        self.ledger.set_state(ledger_state)
        # history attributes are static per field: take them from the components
        for k in range(len(self.streams)):
            for role, slot in self.slots.items():
                if slot.here:
                    attrs = {n: a for n, (v, a) in slot.comp.history_fields().items()}
                    self.hist_acc[(k, role)].attrs.update(attrs)

    def _trim_output_after_restart(self) -> None:
        """Drop history and budget records written after the restart set a continued run starts from."""
        days = self.clock.elapsed_s / 86400.0
        for writer in self.hist_writers.values():
            trim_records(writer.path, days, "history file")
        trim_records(self.outdir / "budget.nc", days, "ledger budget file")

    # --------------------------------------------------------------------- run
    def run(self, stop_option: str, stop_n: int) -> dict[str, Any]:
        """Run ``stop_n`` units further; write a restart set at alarms and at the end.

        SIGTERM (a batch system's wallclock limit, ``scancel``) or SIGINT
        (Ctrl-C) on any rank stops the run at the end of the coupling step
        under way: every rank learns of it through a collective flag, a
        restart set is written and :class:`RunInterrupted` is raised, so the
        run continues with ``--continue`` as if it had not stopped.
        """
        with _StopSignals() as stop:
            return self._run(stop_option, stop_n, stop)

    def _run(self, stop_option: str, stop_n: int, stop: "_StopSignals") -> dict[str, Any]:
        d = self.d
        end = self.clock.stop_elapsed(stop_option, stop_n)
        nsteps = (end - self.clock.elapsed_s) // self.clock.dt
        bar = None
        if self.rank == 0 and self.progress and nsteps > 0:
            from tqdm import tqdm

            bar = tqdm(total=nsteps, unit="step", desc=d.case_name, mininterval=1.0, disable=None, leave=False)
        t_run = time.perf_counter()
        try:
            while self.clock.elapsed_s < end:
                self.step()
                if bar is not None:
                    bar.update(1)
                    if bar.n % 24 == 0:
                        sypd = self._sypd(bar.n, time.perf_counter() - t_run)
                        bar.set_postfix_str(f"{self.clock.now.strftime('%Y-%m-%d')}, {sypd:.1f} SYPD")
                if self.clock.elapsed_s < end and self.clock.alarm(d.restart_option, d.restart_n):
                    self.write_restart_set()
                # a control flag, not model data: a plain MAX is exact and the same on every rank
                signum = self.world.allreduce(stop.signum, op=self.MPI.MAX)
                if signum and self.clock.elapsed_s < end:
                    path = self.write_restart_set()
                    self.close()
                    raise RunInterrupted(f"stopped by {signal.Signals(signum).name} at {self.clock.now} (coupling "
                                         f"step {self.clock.elapsed_s // self.clock.dt}); restart set {path} written; "
                                         f"resume with: lsmc run --continue --out {self.outdir}", signum)
        except RunInterrupted:
            if bar is not None:
                bar.close()
            raise
        except LsmcError as exc:
            if bar is not None:
                bar.close()
            # the debug restart set is collective: only when every rank raised the error (the ledger and the
            # stock check gather theirs); a rank-local one goes up to the command line, which aborts the job
            if isinstance(exc, (ConservationError, StateError)) and exc.collective:
                path = self.write_restart_set(debug=True)
                self.close()
                error = type(exc)(f"{exc}\n(debug restart set written to {path}; rpointer still names the last good set)")
                error.collective = True
                raise error from None
            raise
        self.write_restart_set()
        self.close()
        if bar is not None:
            bar.close()
        wall = time.perf_counter() - t_run
        return self.summary(wall, nsteps)

    def close(self) -> None:
        """Close the output files (history files stay open during a run)."""
        for writer in self.hist_writers.values():
            writer.close()

    def _sypd(self, nsteps: int, wall_s: float) -> float:
        """Simulated years per wall-clock day."""
        return nsteps * self.clock.dt / (365.0 * 86400.0) / max(wall_s, 1e-9) * 86400.0

    def summary(self, wall_s: float, nsteps: int) -> dict[str, Any]:
        comp_times = {role: self.world.allreduce(slot.timer, op=self.MPI.MAX) for role, slot in self.slots.items()}
        return {"wall_s": wall_s, "steps": nsteps, "sypd": self._sypd(nsteps, wall_s),
                "components": comp_times,
                "coupler_s": self.world.allreduce(self.timers["coupler"], op=self.MPI.MAX),
                "io_s": self.world.allreduce(self.timers["io"], op=self.MPI.MAX),
                "init_s": self.timers["init"], "verdict": self.ledger.verdict(), "ranks": self.size,
                "layout": self.d.layout}


class _StopSignals:
    """Catch SIGTERM and SIGINT for the length of a run, recording the signal instead of dying.

    Only the main thread can install handlers; elsewhere (a run driven from a
    thread) the signals keep their handlers and ``signum`` stays 0.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self):
        self.signum = 0
        self._previous = {}

    def _handle(self, signum, frame) -> None:
        if self.signum:  # asked twice: the user will not wait for the step to end
            signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))
            os.kill(os.getpid(), signum)
            return
        self.signum = int(signum)

    def __enter__(self) -> "_StopSignals":
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

