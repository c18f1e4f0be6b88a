"""The ledger: books for carbon, nitrogen, water and energy, checked every coupling step.

For every component ``c`` and booked quantity ``q`` the ledger checks

    inventory(c, q, now) - inventory(c, q, before) = sum of flows into c - flows out of c

where flows are the coupler's integrals of exchanged fields (booked when the
sender exports them and when the receiver is handed them) and the external
sources and sinks the component reports (fossil emissions, N2O destruction,
compatible emissions, ...). Globally, for each quantity,

    sum over c of inventory(c, q) + in_transit(q) = initial total(q) + cumulative external(q)

where ``in_transit`` is what the coupler has received from senders and not
yet handed to receivers (the lagged ocean fluxes, river carbon). A per-step
residual larger than ``rtol`` times the global stock of the quantity stops
the run with a table naming component, term, step and error.

Units: Pg C, Tg N, kg of water, J (``coupler.fields.QUANTITY_UNITS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np

from .errors import ConservationError
from .fields import QUANTITY_UNITS

GLOBAL = "global"


@dataclass(frozen=True)
class Flow:
    """An amount (ledger units, positive INTO ``component``) during one step.

    ``external`` flows enter or leave the whole system (emissions, sinks,
    fields handed to a component that keeps no books for the quantity);
    the others move mass between a component and the coupler.
    """

    component: str
    quantity: str
    term: str
    amount: float
    external: bool = False


class Ledger:
    """Per-component and global books; state is a few floats, replicated on every rank."""

    def __init__(self, books: dict[str, tuple[str, ...]], rtol: float):
        self.books = {c: tuple(qs) for c, qs in books.items()}
        self.quantities = tuple(sorted({q for qs in books.values() for q in qs}))
        self.rtol = float(rtol)
        self.inventory: dict[tuple[str, str], float] = {}
        self.transit = {q: 0.0 for q in self.quantities}
        self.initial = {q: 0.0 for q in self.quantities}
        self.cum_external = {q: 0.0 for q in self.quantities}
        self.cum_residual = {q: 0.0 for q in self.quantities}
        self.max_step_residual = {q: 0.0 for q in self.quantities}
        self._throughput: dict[str, float] = {}

    # -- state for restarts ---------------------------------------------------
    def get_state(self) -> dict[str, float]:
        state = {}
        for (c, q), v in self.inventory.items():
            state[f"inventory:{c}:{q}"] = v
        for q in self.quantities:
            state[f"transit:{q}"] = self.transit[q]
            state[f"initial:{q}"] = self.initial[q]
            state[f"cum_external:{q}"] = self.cum_external[q]
            state[f"cum_residual:{q}"] = self.cum_residual[q]
            state[f"max_step_residual:{q}"] = self.max_step_residual[q]
        return state

    def set_state(self, state: dict[str, float]) -> None:
        for key, value in state.items():
            kind, *rest = key.split(":")
            if kind == "inventory":
                self.inventory[(rest[0], rest[1])] = float(value)
            elif hasattr(self, kind):
                getattr(self, kind)[rest[0]] = float(value)

    def start(self, inventories: dict[str, dict[str, float]]) -> None:
        """Open the books with the components' initial inventories."""
        self.inventory = self._booked(inventories)
        for q in self.quantities:
            self.initial[q] = self._total(q)

    def _booked(self, inventories: dict[str, dict[str, float]]) -> dict[tuple[str, str], float]:
        out = {}
        for c, qs in self.books.items():
            for q in qs:
                if q not in inventories.get(c, {}):
                    raise ConservationError(f"ledger: component {c} keeps books for {q} but its inventory() has no {q!r}")
                out[(c, q)] = float(inventories[c][q])
        return out

    def _total(self, q: str) -> float:
        return sum(v for (c, qq), v in self.inventory.items() if qq == q) + self.transit[q]

    def _scale(self, q: str) -> float:
        """Size of the books of ``q``: the stocks plus this step's throughput.

        For carbon the stocks dominate (the 1e-12 tolerance is of the global
        stock); the throughput matters for books whose stock is an anomaly
        that starts at zero (the atmosphere's boundary-layer enthalpy).
        """
        stock = sum(abs(v) for (c, qq), v in self.inventory.items() if qq == q) + abs(self.transit[q])
        stock += self._throughput.get(q, 0.0)
        return stock if stock > 0 else 1.0

    def close_step(self, step: int, date: Any, inventories: dict[str, dict[str, float]], flows: list[Flow],
                   transit_change: dict[str, float]) -> dict[str, float]:
        """Book one coupling step; return the budget row; raise ConservationError on a breach."""
        new_inventory = self._booked(inventories)
        row: dict[str, float] = {}
        for q in self.quantities:
            self.transit[q] += transit_change.get(q, 0.0)
        per_comp_terms: dict[tuple[str, str], list[tuple[str, float]]] = {}
        self._throughput = {}
        for f in flows:
            if f.quantity not in self.transit:
                continue  # no component keeps books for it (e.g. water without a land model)
            self._throughput[f.quantity] = self._throughput.get(f.quantity, 0.0) + abs(f.amount)
            key = (f.component, f.quantity)
            row_key = f"flow:{f.component}:{f.quantity}:{f.term}"
            row[row_key] = row.get(row_key, 0.0) + f.amount
            per_comp_terms.setdefault(key, []).append((f.term, f.amount))
            if f.external:
                self.cum_external[f.quantity] += f.amount
        breaches = []
        for (c, q), now in new_inventory.items():
            change = now - self.inventory[(c, q)]
            terms = per_comp_terms.get((c, q), [])
            residual = change - sum(a for _, a in terms)
            row[f"inventory:{c}:{q}"] = now
            row[f"residual:{c}:{q}"] = residual
            if not abs(residual) <= self.rtol * self._scale(q):  # also catches NaN
                breaches.append((c, q, change, terms, residual))
        self.inventory = new_inventory
        for q in self.quantities:
            total = self._total(q)
            cum = total - (self.initial[q] + self.cum_external[q])
            step_residual = cum - self.cum_residual[q]
            self.cum_residual[q] = cum
            self.max_step_residual[q] = max(self.max_step_residual[q], abs(step_residual) / self._scale(q))
            row[f"total:{q}"] = total
            row[f"transit:{q}"] = self.transit[q]
            row[f"cum_external:{q}"] = self.cum_external[q]
            row[f"residual:{GLOBAL}:{q}"] = step_residual
            row[f"cum_residual:{GLOBAL}:{q}"] = cum
            if not abs(step_residual) <= self.rtol * self._scale(q):
                breaches.append((GLOBAL, q, total, [("in transit", self.transit[q]),
                                                     ("cumulative external", self.cum_external[q])], step_residual))
        if breaches:
            error = ConservationError(self._breach_table(step, date, breaches))
            error.row = row
            error.collective = True  # the books are replicated: every rank finds the same breach
            raise error
        return row

    def _breach_table(self, step: int, date: Any, breaches: list) -> str:
        lines = [f"ledger breach at step {step} ({date}), tolerance {self.rtol:g} x global stock:"]
        lines.append(f"  {'component':<10} {'quantity':<9} {'term':<34} {'amount':>24}")
        for c, q, change, terms, residual in breaches:
            units = QUANTITY_UNITS[q]
            label = "total stock" if c == GLOBAL else "inventory change"
            lines.append(f"  {c:<10} {q:<9} {label:<34} {change:>24.16e} {units}")
            for term, amount in terms:
                lines.append(f"  {c:<10} {q:<9} {term:<34} {amount:>24.16e} {units}")
            lines.append(f"  {c:<10} {q:<9} {'RESIDUAL':<34} {residual:>24.16e} {units}"
                         f"  (allowed {self.rtol * self._scale(q):.3e}, {abs(residual) / self._scale(q):.2e} relative)")
        return "\n".join(lines)

    def verdict(self) -> str:
        parts = []
        for q in self.quantities:
            rel = abs(self.cum_residual[q]) / self._scale(q)
            parts.append(f"{q}: cumulative residual {self.cum_residual[q]:.3e} {QUANTITY_UNITS[q]} "
                         f"({rel:.1e} relative), worst step {self.max_step_residual[q]:.1e}")
        return "ledger closed (tolerance {:g} per step): ".format(self.rtol) + "; ".join(parts)


class BudgetFile:
    """``budget.nc``: one record per coupling step, appended; rows are buffered until ``flush``."""

    def __init__(self, path: Path, ref_date: str, calendar: str):
        self.path = Path(path)
        self.ref_date = ref_date
        self.calendar = calendar
        self.rows: list[tuple[float, int, dict[str, float]]] = []

    def append(self, time_days: float, step: int, row: dict[str, float]) -> None:
        self.rows.append((time_days, step, row))

    def flush(self) -> None:
        if not self.rows:
            return
        new = not self.path.exists()
        with netCDF4.Dataset(self.path, "w" if new else "a", format="NETCDF4") as nc:
            if new:
                nc.title = "lsmc ledger: inventories, flows and residuals every coupling step"
                nc.Conventions = "CF-1.8"
                nc.createDimension("time", None)
                t = nc.createVariable("time", "f8", ("time",))
                t.units = f"days since {self.ref_date}"
                t.calendar = self.calendar
                t.long_name = "end of the coupling step"
                nc.createVariable("step", "i8", ("time",)).long_name = "coupling step since the reference date"
            n0 = len(nc.dimensions["time"])
            n = len(self.rows)
            nc.variables["time"][n0:n0 + n] = [r[0] for r in self.rows]
            nc.variables["step"][n0:n0 + n] = [r[1] for r in self.rows]
            keys = sorted({k for r in self.rows for k in r[2]})
            for key in keys:
                name = key.replace(":", "__")
                if name not in nc.variables:
                    var = nc.createVariable(name, "f8", ("time",), fill_value=0.0)
                    kind, *rest = key.split(":")
                    q = rest[-1] if kind in ("total", "transit", "cum_external") else rest[1]
                    var.units = QUANTITY_UNITS[q]
                    var.long_name = {"inventory": "inventory of {} {}", "residual": "step residual of {} {}",
                                     "cum_residual": "cumulative residual of {} {}", "flow": "flow into {} of {}",
                                     "total": "global total of {}", "transit": "{} in transit in the coupler",
                                     "cum_external": "cumulative external sources of {}"}[kind].format(*rest)
                    if kind == "flow":
                        var.term = rest[2]
                nc.variables[name][n0:n0 + n] = np.array([r[2].get(key, 0.0) for r in self.rows])
        self.rows = []


def read_budget(path: Path) -> dict[str, np.ndarray]:
    with netCDF4.Dataset(path) as nc:
        out = {name: np.asarray(var[:]) for name, var in nc.variables.items()}
        out["_units"] = {name: getattr(var, "units", "") for name, var in nc.variables.items()}
    return out
