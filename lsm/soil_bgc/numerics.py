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
run in the fixed flux order (sparse incidence products, column by column),
the same on every rank, for bit-for-bit results.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import sparse

__all__ = ["OUT", "FluxTable", "LimitedStep", "carry_shadow", "transfer"]

#: Target of a flux that leaves the soil state (respiration, gas loss, leaching, plant uptake).
OUT = -1
_SHRINK = 1.0 - 8.0 * np.finfo(float).eps


class FluxTable(NamedTuple):
    """Static description of the fluxes: per flux its source row, target row (or ``OUT``) and group.

    ``outflow``/``inflow`` are sparse incidence matrices (row x flux, ones)
    and ``group_members`` lists each group's fluxes padded with ``-1``, so a
    step sums and limits all fluxes with a few whole-array operations.  The
    sparse products add each row's fluxes in the fixed flux order, column by
    column, so the result of a column does not depend on how many columns a
    rank holds (bit-for-bit across decompositions).
    """

    source: np.ndarray
    target: np.ndarray
    group: np.ndarray
    nrow: int
    outflow: sparse.csr_matrix
    inflow: sparse.csr_matrix
    group_members: np.ndarray

    @classmethod
    def build(cls, fluxes, nrow: int | None = None) -> FluxTable:
        """From ``(source, target, group)`` triples; ``nrow`` rows of state (default: the largest row used + 1)."""
        s, t, g = (np.array(x, dtype=np.intp) for x in zip(*fluxes, strict=True))
        if np.any(s < 0):
            raise ValueError("every flux needs a source row")
        nflux = len(s)
        n = int(max(s.max(), t.max()) + 1) if nrow is None else int(nrow)
        flux = np.arange(nflux)
        inside = t != OUT
        outflow = sparse.csr_matrix((np.ones(nflux), (s, flux)), shape=(n, nflux))
        inflow = sparse.csr_matrix((np.ones(inside.sum()), (t[inside], flux[inside])), shape=(n, nflux))
        outflow.sort_indices()
        inflow.sort_indices()
        ngroup = int(g.max()) + 1
        size = np.bincount(g, minlength=ngroup)
        members = np.full((ngroup, max(int(size.max()), 1)), -1, dtype=np.intp)
        order = np.argsort(g, kind="stable")
        rank_in_group = np.arange(nflux) - np.repeat(np.cumsum(size) - size, size)
        members[g[order], rank_in_group] = order
        return cls(s, t, g, n, outflow, inflow, members)

    @property
    def ngroup(self) -> int:
        return self.group_members.shape[0]


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
    if not np.all(proposed >= 0.0) or not np.all(np.isfinite(proposed)):
        raise ValueError("proposed soil fluxes must be finite and non-negative")
    t = table
    rows = values[: t.nrow]
    demand = t.outflow @ proposed
    # a row at a rounding residue below zero (-5e-324 after an exact emptying) with nothing asked of it is
    # not short: comparing with the raw row would divide 0 by 0
    available = np.maximum(rows, 0.0)
    short = demand > available
    limit = np.ones((t.nrow + 1, values.shape[1]))  # the last row stands for the padding of group_members
    np.divide(available, demand, out=limit[:-1], where=short)
    limit[:-1][short] *= _SHRINK
    per_flux = np.vstack([limit[t.source], np.ones((1, values.shape[1]))])
    group_factor = per_flux[t.group_members].min(axis=1)
    factor = group_factor[t.group]
    moved = proposed * factor
    new = values.copy()
    new[: t.nrow] += t.inflow @ moved - t.outflow @ moved
    return LimitedStep(new, moved, factor)


def carry_shadow(shadow: np.ndarray, values: np.ndarray, table: FluxTable, moved: np.ndarray) -> np.ndarray:
    """Move shadow tracers (isotopes) with the fluxes ``moved`` of :func:`transfer`; returns what each flux carried.

    ``shadow`` has shape ``(ntracer, nrow, ncolumn)`` and is updated in
    place; ``values`` are the rows before the transfer.  Each flux carries
    ``moved x shadow / values`` of its source row, the tracer ratio at the
    start of the transfer: since ``moved`` never exceeds the source, neither
    does the tracer it carries, and what leaves one row arrives in another
    or goes ``OUT`` (returned, shape ``(ntracer, nflux, ncolumn)``).  Rows
    whose tracer is zero (nitrogen) carry none.
    """
    t = table
    k, ncol = shadow.shape[0], shadow.shape[2]
    rows = values[: t.nrow]
    ratio = np.divide(shadow[:, : t.nrow], rows, out=np.zeros((k, t.nrow, ncol)), where=rows > 0.0)
    carried = moved[None] * ratio[:, t.source]
    flat = carried.transpose(1, 0, 2).reshape(len(t.source), k * ncol)  # columns stay independent (bit-for-bit)
    change = (t.inflow @ flat - t.outflow @ flat).reshape(t.nrow, k, ncol).transpose(1, 0, 2)
    shadow[:, : t.nrow] += change
    return carried
