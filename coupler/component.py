"""The component contract (ARCHITECTURE.md section 2) and what components share.

A component (land, ocean, atmosphere, or a test component) subclasses
:class:`Component` and implements ``init``, ``import_state``, ``run``,
``export_state``, ``inventory`` and ``history_fields``. It declares its
prognostic state once in ``state_variables()``; restart writing and reading,
and the NaN/negative-stock check, come from that declaration. Components
never import each other: they see only the coupler's field registry, their
namelist group, their grid decomposition and their MPI communicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .config import Group, Setting
from .errors import StateError
from .grid import LatLonGrid
from .reprosum import reprosum_many


@dataclass
class Decomposition:
    """The cells of one component's domain and their split over its ranks.

    ``cells`` are the global flat indices (row-major ``j * nlon + i``) of every
    cell where the component's area fraction is positive, in increasing order;
    ``fraction`` is that fraction (0-1) per domain cell. Rank ``r`` of the
    component's communicator owns ``cells[offsets[r]:offsets[r+1]]``, a
    contiguous block, so gathering blocks in rank order gives global order.
    """

    grid: LatLonGrid
    cells: np.ndarray
    fraction: np.ndarray
    offsets: np.ndarray
    rank: int
    #: Fractions of each domain cell covered by the other components (atmosphere only: "land", "ocean").
    cover: dict[str, np.ndarray] = field(default_factory=dict)

    def local_cover(self, role: str) -> np.ndarray:
        return self.cover[role][self.local]

    @property
    def nranks(self) -> int:
        return len(self.offsets) - 1

    @property
    def local(self) -> slice:
        """This rank's block; empty on ranks that do not host the component (``rank == -1``)."""
        if self.rank < 0:
            return slice(0, 0)
        return slice(int(self.offsets[self.rank]), int(self.offsets[self.rank + 1]))

    @property
    def local_cells(self) -> np.ndarray:
        return self.cells[self.local]

    @property
    def local_fraction(self) -> np.ndarray:
        return self.fraction[self.local]

    @property
    def local_area(self) -> np.ndarray:
        """Whole-cell area of each local cell, m2."""
        return self.grid.area_flat[self.local_cells]

    @property
    def nlocal(self) -> int:
        block = self.local
        return block.stop - block.start

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    def local_lat_lon(self) -> tuple[np.ndarray, np.ndarray]:
        """Centre latitude and longitude (degrees) of each local cell."""
        j, i = np.divmod(self.local_cells, self.grid.nlon)
        return self.grid.lat[j], self.grid.lon[i]

    def describe_cell(self, local_index: int) -> str:
        cell = int(self.local_cells[local_index])
        j, i = divmod(cell, self.grid.nlon)
        return f"cell {cell} (lat {self.grid.lat[j]:.3f}, lon {self.grid.lon[i]:.3f})"


@dataclass
class StateVariable:
    """A declared prognostic variable: restart, and stock checks, come from it.

    ``per_cell`` arrays have the local cells as their LAST axis (so a
    (npools, ncells) array is allowed); other values are global scalars or
    small arrays identical on every rank. ``stock`` marks a mass or energy
    stock that must stay finite and non-negative.
    """

    name: str
    units: str
    long_name: str = ""
    per_cell: bool = True
    stock: bool = False


class Component:
    """Base class of every component.

    Subclasses set ``role`` ("land", "atmos" or "ocean"), ``settings`` (their
    namelist group schema), ``imports`` and ``exports`` (registry field
    names), and implement the contract methods.
    """

    role: ClassVar[str] = ""
    settings: ClassVar[list[Setting]] = []
    imports: ClassVar[tuple[str, ...]] = ()
    #: Imports the component can do without: left out of ``import_state`` when no component sends them.
    optional_imports: ClassVar[tuple[str, ...]] = ()
    exports: ClassVar[tuple[str, ...]] = ()
    #: Exchanged fields whose mass or energy does not come from (or go to) this component's inventory.
    external_fields: ClassVar[tuple[str, ...]] = ()
    #: Quantities this component keeps books for (keys of ``inventory()``).
    quantities: ClassVar[tuple[str, ...]] = ()

    # --- set-up (class level, before ranks are assigned) -------------------
    @classmethod
    def books(cls, config: Group) -> tuple[str, ...]:
        """Quantities kept in books under the settings ``config`` (default :attr:`quantities`)."""
        return tuple(cls.quantities)

    @classmethod
    def domain_fraction(cls, config: Group, grid: LatLonGrid) -> np.ndarray | None:
        """Area fraction (0-1, flat per cell) this component covers, or None.

        Only the land answers (from its surface data); the coupler derives the
        ocean fraction as one minus the land fraction, and the atmosphere
        covers every cell.
        """
        return None

    @classmethod
    def work_weights(cls, config: Group, grid: LatLonGrid, cells: np.ndarray) -> np.ndarray:
        """Relative cost of each domain cell, for balancing the decomposition."""
        return np.ones(len(cells))

    # --- the contract -------------------------------------------------------
    def init(self, config: Group, comm: Any, decomp: Decomposition, clock: Any) -> None:
        self.config = config
        self.comm = comm
        self.decomp = decomp
        self.clock = clock

    def import_state(self, fields: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def run(self, until_elapsed_s: int) -> None:
        """Advance to ``until_elapsed_s`` (seconds since the reference date)."""
        raise NotImplementedError

    def export_state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def inventory(self) -> dict[str, float]:
        """Global totals in ledger units (Pg C, Tg N, kg water, J), summed reproducibly."""
        return {}

    def budget_terms(self) -> dict[str, dict[str, float]]:
        """External sources (+) and sinks (-) during the last ``run``, per quantity, named.

        For example ``{"carbon": {"fossil_emissions": 0.03}}`` in Pg C. Flows
        through exchanged fields are booked by the coupler, not here.
        """
        return {}

    def history_fields(self) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
        """Values to average into history, with CF attributes.

        Per-cell arrays (local cells) become (time, lat, lon) variables; 0-d
        values (global quantities, identical on every rank of the component)
        become (time,) series.
        """
        return {}

    def state_variables(self) -> list[StateVariable]:
        return []

    def get_state(self, name: str) -> Any:
        return getattr(self, name)

    def set_state(self, name: str, value: Any) -> None:
        setattr(self, name, value)

    def write_restart(self, path: str) -> None:
        from .restart import write_component_restart

        write_component_restart(self, path)

    def read_restart(self, path: str) -> None:
        from .restart import read_component_restart

        read_component_restart(self, path)

    # --- shared helpers ----------------------------------------------------
    def global_sum(self, *arrays: np.ndarray) -> list[float]:
        """Reproducible sums over the component's ranks (one reduction for all)."""
        return [float(v) for v in reprosum_many(list(arrays), self.comm)]

    def check_state(self, date: Any) -> None:
        """Stop with cell, variable and date if a declared stock is NaN or negative."""
        for var in self.state_variables():
            if not var.stock:
                continue
            value = np.asarray(self.get_state(var.name))
            bad = ~np.isfinite(value) | (value < 0)
            if not bad.any():
                continue
            flat = np.argwhere(bad)[0]
            what = "NaN" if np.isnan(value[tuple(flat)]) else f"{value[tuple(flat)]!r}"
            where = self.decomp.describe_cell(int(flat[-1])) if var.per_cell else f"index {tuple(flat)}"
            raise StateError(f"{self.role}: {var.name} is {what} at {where} at {date}")
