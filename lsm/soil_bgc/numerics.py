"""Mass-conserving, non-negative transfer of the soil fluxes of one step (SCIENCE.md section 3).

Every process of the soil model is written as fluxes between state
variables: a flux takes an amount from its source row and gives it to its
target row, or out of the soil (target ``OUT``: CO2, gases, leaching, plant
uptake, booked by the caller).  The processes propose amounts for the step
(kg m-2, explicit in time); when the proposed outflows of a pool exceed its
content, all of them are scaled down in proportion (flux limiting
proportional to pool content), so no pool goes negative and no mass is
created or destroyed: what leaves one row arrives in another or is returned
as an outflow the ledger sees.

Fluxes of one process that must keep their ratio (the C and the N of a
depolymerisation flux, which leave the substrate at its C:N) share a
``group``: the group takes the smallest factor of its members, so limiting
never changes a flux's stoichiometry.

The limiting factor of a pool is ``content / demand`` shrunk by a few units
of rounding (``1 - 8 eps``), so that the sum of the limited outflows can
never exceed the content by a rounding error: a fully drained pool keeps a
relative 1e-15 of its content, and the books stay exact.  Sums over fluxes
run in the fixed flux order (``numpy.add.at``), the same on every rank, for
bit-for-bit results.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["OUT", "FluxTable", "LimitedStep", "transfer"]

#: Target of a flux that leaves the soil state (respiration, gas loss, leaching, plant uptake).
OUT = -1
_SHRINK = 1.0 - 8.0 * np.finfo(float).eps


class FluxTable(NamedTuple):
    """Static description of the fluxes: per flux its source row, target row (or ``OUT``) and group."""

    source: np.ndarray
    target: np.ndarray
    group: np.ndarray

    @classmethod
    def build(cls, fluxes) -> FluxTable:
        """From ``(source, target, group)`` triples."""
        s, t, g = (np.array(x, dtype=np.intp) for x in zip(*fluxes, strict=True))
        if np.any(s < 0):
            raise ValueError("every flux needs a source row")
        return cls(s, t, g)

    @property
    def ngroup(self) -> int:
        return int(self.group.max()) + 1 if len(self.group) else 0


class LimitedStep(NamedTuple):
    """Result of :func:`transfer`: the new state and the fluxes actually moved (kg m-2 over the step)."""

    values: np.ndarray
    moved: np.ndarray
    #: Factor applied to each flux (1 = unlimited), shape ``(nflux, ncolumn)``.
    factor: np.ndarray


def transfer(values: np.ndarray, table: FluxTable, proposed: np.ndarray) -> LimitedStep:
    """Move the proposed amounts ``proposed[flux, column]`` (kg m-2, >= 0) between the rows of ``values``.

    Returns the new state, the amounts moved and the factors.  The sum of all
    rows plus the amounts sent ``OUT`` equals the old sum to rounding.
    """
    proposed = np.asarray(proposed, dtype=float)
    if np.any(proposed < 0.0) or not np.all(np.isfinite(proposed)):
        raise ValueError("proposed soil fluxes must be finite and non-negative")
    demand = np.zeros_like(values)
    np.add.at(demand, table.source, proposed)
    limit = np.ones_like(values)
    short = demand > values
    np.divide(np.maximum(values, 0.0), demand, out=limit, where=short)
    limit[short] *= _SHRINK
    per_flux = limit[table.source]
    per_group = np.ones((table.ngroup, values.shape[1]))
    np.minimum.at(per_group, table.group, per_flux)
    factor = per_group[table.group]
    moved = proposed * factor
    new = values.copy()
    np.subtract.at(new, table.source, moved)
    inside = table.target != OUT
    np.add.at(new, table.target[inside], moved[inside])
    return LimitedStep(new, moved, factor)
