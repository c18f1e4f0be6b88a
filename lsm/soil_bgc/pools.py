"""Declaration of the soil pools: one place from which state, restart, history and inventory follow.

Vertical resolution: one soil column per tile, the root zone as a single
bulk layer.  The microbial model is driven by the root-zone means of the
physics (temperature, water-filled pore space, drainage) weighted by the
root distribution, where most litter enters and most microbial activity
happens.  A layered model multiplies the state and the cost by the number of
layers (six here) for vertical transport terms (bioturbation, DOC
advection) whose parameters are poorly constrained at the global scale, and
its deep layers are the slowest part of a spin-up.

Every organic pool carries carbon and nitrogen; mineral N pools carry N only.
All amounts are kg m-2 of ground (kg C m-2 or kg N m-2).  The state is one
``float64`` array of shape ``(nvar, ncolumn)``, so a step can update every
pool of every column with whole-array numpy operations; ``SoilState.c(name)``
and ``.n(name)`` are views into it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["POOLS", "Pool", "SoilState", "pool_index"]


@dataclass(frozen=True)
class Pool:
    """One soil pool: short name, long name, and the elements it carries."""

    name: str
    long_name: str
    elements: tuple[str, ...]
    #: ``"organic"`` (C and N) or ``"mineral"`` (N only).
    kind: str

    def variables(self) -> tuple[str, ...]:
        """State variable names, ``<pool>_c`` / ``<pool>_n``."""
        return tuple(f"{self.name}_{e.lower()}" for e in self.elements)


_CN = ("C", "N")

#: The pools of SCIENCE.md section 3, in state order.
POOLS: tuple[Pool, ...] = (
    Pool("litter_labile", "labile (metabolic) litter L", _CN, "organic"),
    Pool("litter_recalcitrant", "recalcitrant (structural) litter R", _CN, "organic"),
    Pool("coarse_woody_debris", "coarse woody debris (dead stems and coarse roots), fragmenting into R", _CN,
         "organic"),
    Pool("dom", "dissolved organic matter", _CN, "organic"),
    Pool("microbes_active", "active microbial biomass B_a", _CN, "organic"),
    Pool("microbes_dormant", "dormant microbial biomass B_d", _CN, "organic"),
    Pool("enzyme_labile", "enzymes acting on labile litter", _CN, "organic"),
    Pool("enzyme_recalcitrant", "enzymes acting on recalcitrant litter and MAOM", _CN, "organic"),
    Pool("maom", "exchangeable mineral-associated organic matter (Langmuir balance with DOM)", _CN, "organic"),
    Pool("maom_stable", "strongly bound mineral-associated organic matter (slow, not exchangeable)", _CN, "organic"),
    Pool("aggregate", "aggregate-protected organic matter", _CN, "organic"),
    Pool("nh4", "ammonium NH4+", ("N",), "mineral"),
    Pool("no3", "nitrate NO3-", ("N",), "mineral"),
)

_POOL_INDEX = {p.name: i for i, p in enumerate(POOLS)}
#: State variable names in state order.
VARIABLES: tuple[str, ...] = tuple(v for p in POOLS for v in p.variables())
_VAR_INDEX = {v: i for i, v in enumerate(VARIABLES)}
#: Row indices of all carbon and of all nitrogen variables.
C_ROWS = np.array([i for i, v in enumerate(VARIABLES) if v.endswith("_c")])
N_ROWS = np.array([i for i, v in enumerate(VARIABLES) if v.endswith("_n")])


def pool_index(name: str) -> int:
    """Position of pool ``name`` in :data:`POOLS` (KeyError naming the valid pools otherwise)."""
    try:
        return _POOL_INDEX[name]
    except KeyError:
        raise KeyError(f"unknown soil pool {name!r}; valid pools: {', '.join(_POOL_INDEX)}") from None


class SoilState:
    """Soil pools of ``ncolumn`` columns, kg m-2, as one array ``values[nvar, ncolumn]``."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[0] != len(VARIABLES):
            raise ValueError(f"soil state must have shape ({len(VARIABLES)}, ncolumn), got {values.shape}")
        self.values = values

    @classmethod
    def zeros(cls, ncolumn: int) -> SoilState:
        return cls(np.zeros((len(VARIABLES), ncolumn)))

    def _row(self, variable: str) -> np.ndarray:
        try:
            return self.values[_VAR_INDEX[variable]]
        except KeyError:
            raise KeyError(f"unknown soil variable {variable!r}; valid: {', '.join(VARIABLES)}") from None

    def c(self, pool: str) -> np.ndarray:
        """Carbon of ``pool`` (a view; writing to it updates the state), kg C m-2."""
        return self._row(f"{pool}_c")

    def n(self, pool: str) -> np.ndarray:
        """Nitrogen of ``pool`` (a view), kg N m-2."""
        return self._row(f"{pool}_n")

    def total_c(self) -> np.ndarray:
        """Soil organic carbon of each column, kg C m-2."""
        return self.values[C_ROWS].sum(axis=0)

    def total_n(self) -> np.ndarray:
        """Organic plus mineral nitrogen of each column, kg N m-2."""
        return self.values[N_ROWS].sum(axis=0)

    def as_dict(self) -> dict[str, np.ndarray]:
        """Every state variable by name (views), for restart and history."""
        return {v: self.values[i] for i, v in enumerate(VARIABLES)}

    def copy(self) -> SoilState:
        return SoilState(self.values.copy())
