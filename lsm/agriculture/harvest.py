"""Harvest of the crop tiles and the product pools that return harvested carbon to the air (SCIENCE.md section 4).

Harvest (:func:`harvest`)
-------------------------
At maturity (:mod:`lsm.agriculture.crops`, phase 4) the whole crop leaves
the tile in one step, as in CLM5 (Lawrence et al. 2018, CLM5 Technical Note,
crop chapter, "Harvest"):

- the grain, carbon and nitrogen, is removed entirely (CLM5 routes it to a
  grain product pool, "food");
- of the straw, the aboveground vegetative biomass (leaves and stems, with
  the non-structural reserve they hold), the fraction
  ``straw_removal_fraction`` is removed (feed, bedding, fuel, building) and
  the rest stays on the field as stubble and residue;
- the residue left and all roots go to the litter, split into metabolic and
  structural litter after Parton et al. (1987, Soil Sci. Soc. Am. J. 51,
  1173) exactly as :mod:`lsm.vegetation` splits plant litter (its public
  :func:`~lsm.vegetation.lignin_to_n` and
  :func:`~lsm.vegetation.parton_metabolic_fraction` are called):
  ``fm = 0.85 - 0.018 L/N`` with the litter's lignin:N mass ratio, clipped
  to ``[0, 1 - lignin]``; structural litter takes N at C:N 150 up to the N
  there is, metabolic litter the rest.  Here ``L/N`` comes from the actual
  C and N of the residue (the plant's N at harvest), computed separately for
  the aboveground residue and the roots.  Lignin is the crop PFTs' herbaceous
  value, 17 % of leaf and stem carbon and 25 % of fine-root carbon
  (:mod:`lsm.pfts`, Biome-BGC; White et al. 2000); the reserve carries none.

CLM5 returns all leaves and stems to the litter; removing part of the straw
follows the crop residue removal fraction that later CTSM versions added.  The default, 0.4, is a global middle value: crop residues are
~3.5-4 Gt of dry matter a year, of which a third to a half is taken off the
field for feed, bedding, fuel and building or burnt (Smil 1999, BioScience
49, 299; Lal 2005, Environ. Int. 31, 575).  Removed straw is booked to the
product pools, so residue burning shows up as product decay.

Every amount is returned (:class:`HarvestResult`) in kg m-2 over the step,
with ``removed + returned == harvested`` for C and N on every tile to
rounding (a few units in the last place).

Product pools (:class:`ProductPools`)
-------------------------------------
Removed grain and straw enter product pools that decay to the atmosphere
with first-order kinetics, ``dP/dt = -P / tau``: a 1-year pool (food, feed,
bedding and fuel are consumed within the year) and a 10-year pool (straw
built into long-lived goods; none by default).  CLM5 uses the same pools for
crops (grain to ``cropprod1``) and 10- and 100-year pools for wood (CNProductsMod;
Lawrence et al. 2018).  Here ``tau`` is the e-folding time of each pool, 1 and
10 years; CLM5's rate constants (7.2e-8 and 7.2e-9 s-1) instead remove ~90 %
of a pool within its nominal lifetime (e-folding 0.44 and 4.4 years).
:func:`decay` uses the exact exponential over a step, ``P (1 - exp(-dt/tau))``
(``-np.expm1``), so no pool goes negative and the pools lose exactly what
is returned as the flux.  The carbon flux is the coupler field ``fprod``
(kg C m-2 s-1, positive into the atmosphere); the N flux leaves the land
(food and feed N ends in sewage and manure outside the model's books).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lsm.pfts import PFTS, pft_index
from lsm.vegetation import SECONDS_PER_YEAR, STRUCTURAL_CN, lignin_to_n, parton_metabolic_fraction

__all__ = [
    "PRODUCT_10YR_FRACTION",
    "PRODUCT_VARIABLES",
    "ROOT_LIGNIN",
    "STRAW_LIGNIN",
    "STRAW_REMOVAL_FRACTION",
    "TAU_10YR_S",
    "TAU_1YR_S",
    "HarvestResult",
    "ProductDecay",
    "ProductInputs",
    "ProductPools",
    "decay",
    "deposit",
    "harvest",
    "split_removals",
]

#: Share of the straw (aboveground vegetative C and N) removed at harvest, 0-1: a third to a half of global
#: crop residues is taken off the field (Smil 1999, BioScience 49, 299; Lal 2005, Environ. Int. 31, 575).
STRAW_REMOVAL_FRACTION = 0.4
#: Lignin fraction of crop leaf and stem carbon, and of fine-root carbon (the crop PFTs of :mod:`lsm.pfts`:
#: Biome-BGC herbaceous litter; all crop PFTs have the same values).
STRAW_LIGNIN = PFTS[pft_index("c3_crop")].leaf_lignin
ROOT_LIGNIN = PFTS[pft_index("c3_crop")].froot_lignin
#: E-folding times of the 1-year and 10-year product pools, s.
TAU_1YR_S = 1.0 * SECONDS_PER_YEAR
TAU_10YR_S = 10.0 * SECONDS_PER_YEAR
#: Share of harvest removals that goes to the 10-year pool (the rest to the 1-year pool; CLM5 puts all
#: crop products in its 1-year pool).
PRODUCT_10YR_FRACTION = 0.0


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


# ----------------------------------------------------------------------------
# Harvest
# ----------------------------------------------------------------------------


class HarvestResult(NamedTuple):
    """Carbon and nitrogen moved by a harvest, kg m-2 over the step; each ``(ntile,)``."""

    #: Everything the crop held before the harvest (grain + leaf + stem + reserve + fine root).
    harvested_c: np.ndarray
    harvested_n: np.ndarray
    #: Removed from the tile: all grain plus the removed straw.
    removed_c: np.ndarray
    removed_n: np.ndarray
    grain_c: np.ndarray
    grain_n: np.ndarray
    straw_removed_c: np.ndarray
    straw_removed_n: np.ndarray
    #: Returned to the litter: aboveground residue left plus roots (``= litter_met + litter_str``).
    returned_c: np.ndarray
    returned_n: np.ndarray
    residue_c: np.ndarray
    residue_n: np.ndarray
    root_c: np.ndarray
    root_n: np.ndarray
    litter_met_c: np.ndarray
    litter_met_n: np.ndarray
    litter_str_c: np.ndarray
    litter_str_n: np.ndarray
    #: Lignin fraction of the structural litter carbon, 0-1 (0 where there is none).
    litter_str_lignin: np.ndarray


def _parton_split(c, n, lignin_c):
    """(metabolic C, metabolic N, structural C, structural N) of litter with carbon ``c``, N ``n``, lignin C."""
    has_c = c > 0.0
    f_lig = np.divide(lignin_c, c, out=np.zeros_like(c), where=has_c)
    cn = np.divide(c, n, out=np.zeros_like(c), where=n > 0.0)
    # Litter without N is all structural unless it holds no lignin either (then the Parton intercept applies).
    ln = np.where(n > 0.0, lignin_to_n(f_lig, cn), np.where(lignin_c > 0.0, np.inf, 0.0))
    fm = parton_metabolic_fraction(ln, f_lig)
    met_c = fm * c
    str_c = c - met_c
    str_n = np.minimum(str_c / STRUCTURAL_CN, n)
    return met_c, n - str_n, str_c, str_n


def harvest(grain_c, grain_n, leaf_c, leaf_n, stem_c, stem_n, froot_c, froot_n,
            straw_removal_fraction=STRAW_REMOVAL_FRACTION, *, reserve_c=0.0, reserve_n=0.0,
            straw_lignin=STRAW_LIGNIN, root_lignin=ROOT_LIGNIN) -> HarvestResult:
    """Harvest the whole crop: remove grain and part of the straw, return the rest to the litter.

    Pools in kg m-2 (per tile or scalars): grain, leaf, stem (0 where the
    stem is kept in the leaf pool) and fine root C and N; ``reserve_c`` and
    ``reserve_n``: non-structural carbon and the plant's N store, harvested
    with the straw.  ``straw_removal_fraction`` (0-1, per tile or scalar):
    share of the straw removed.  ``straw_lignin``, ``root_lignin``: lignin
    fraction of leaf/stem and of fine-root carbon.  The caller zeroes the
    plant pools.  Returns :class:`HarvestResult`.
    """
    arrays = np.broadcast_arrays(*(_f64(x) for x in (grain_c, grain_n, leaf_c, leaf_n, stem_c, stem_n,
                                                     froot_c, froot_n, reserve_c, reserve_n)))
    if any(np.any(~np.isfinite(a) | (a < 0.0)) for a in arrays):
        raise ValueError("harvested pools must be finite and >= 0")
    g_c, g_n, l_c, l_n, s_c, s_n, r_c, r_n, x_c, x_n = arrays
    frac = np.broadcast_to(_f64(straw_removal_fraction), g_c.shape)
    if np.any(~(frac >= 0.0) | ~(frac <= 1.0)):
        raise ValueError("straw_removal_fraction must be in [0, 1]")

    straw_c, straw_n = l_c + s_c + x_c, l_n + s_n + x_n
    removed_straw_c, removed_straw_n = frac * straw_c, frac * straw_n
    residue_c, residue_n = straw_c - removed_straw_c, straw_n - removed_straw_n
    # Lignin is spread evenly through the straw, so the residue keeps the straw's lignin fraction.
    straw_lig = _f64(straw_lignin) * (l_c + s_c)
    residue_lig = straw_lig * np.divide(residue_c, straw_c, out=np.zeros_like(straw_c), where=straw_c > 0.0)

    a_met_c, a_met_n, a_str_c, a_str_n = _parton_split(residue_c, residue_n, residue_lig)
    root_lig = _f64(root_lignin) * r_c
    b_met_c, b_met_n, b_str_c, b_str_n = _parton_split(r_c, r_n, root_lig)
    met_c, met_n = a_met_c + b_met_c, a_met_n + b_met_n
    str_c, str_n = a_str_c + b_str_c, a_str_n + b_str_n

    return HarvestResult(
        harvested_c=g_c + straw_c + r_c, harvested_n=g_n + straw_n + r_n,
        removed_c=g_c + removed_straw_c, removed_n=g_n + removed_straw_n,
        grain_c=g_c.copy(), grain_n=g_n.copy(),
        straw_removed_c=removed_straw_c, straw_removed_n=removed_straw_n,
        returned_c=met_c + str_c, returned_n=met_n + str_n,
        residue_c=residue_c, residue_n=residue_n, root_c=r_c.copy(), root_n=r_n.copy(),
        litter_met_c=met_c, litter_met_n=met_n, litter_str_c=str_c, litter_str_n=str_n,
        # All lignin is structural; the clip only removes rounding when the structural litter is all lignin.
        litter_str_lignin=np.minimum(np.divide(residue_lig + root_lig, str_c, out=np.zeros_like(str_c),
                                               where=str_c > 0.0), 1.0),
    )


# ----------------------------------------------------------------------------
# Product pools
# ----------------------------------------------------------------------------

#: Restart and history variables of :class:`ProductPools`: (name, units, description), each float64 (ntile,).
PRODUCT_VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("c_1yr", "kg m-2", "carbon of the 1-year product pool (grain and straw)"),
    ("n_1yr", "kg m-2", "nitrogen of the 1-year product pool"),
    ("c_10yr", "kg m-2", "carbon of the 10-year product pool"),
    ("n_10yr", "kg m-2", "nitrogen of the 10-year product pool"),
)


@dataclass
class ProductPools:
    """Harvested products awaiting decay to the atmosphere, kg m-2 of tile; see :data:`PRODUCT_VARIABLES`."""

    c_1yr: np.ndarray
    n_1yr: np.ndarray
    c_10yr: np.ndarray
    n_10yr: np.ndarray

    @classmethod
    def zeros(cls, ntile: int) -> ProductPools:
        return cls(*(np.zeros(ntile) for _ in PRODUCT_VARIABLES))

    def copy(self) -> ProductPools:
        return ProductPools(*(getattr(self, name).copy() for name, _, _ in PRODUCT_VARIABLES))

    def as_dict(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name, _, _ in PRODUCT_VARIABLES}

    def total_c(self) -> np.ndarray:
        return self.c_1yr + self.c_10yr

    def total_n(self) -> np.ndarray:
        return self.n_1yr + self.n_10yr


class ProductInputs(NamedTuple):
    """Harvest removals by product pool, kg m-2."""

    c_1yr: np.ndarray
    n_1yr: np.ndarray
    c_10yr: np.ndarray
    n_10yr: np.ndarray


def split_removals(result: HarvestResult, fraction_10yr=PRODUCT_10YR_FRACTION) -> ProductInputs:
    """Split a harvest's removals (grain and removed straw) between the 1-year and 10-year pools.

    ``fraction_10yr`` (0-1, scalar or per tile) of the removals goes to the
    10-year pool, the rest to the 1-year pool; the two add up to the removals.
    """
    f = _f64(fraction_10yr)
    if np.any(~(f >= 0.0) | ~(f <= 1.0)):
        raise ValueError("fraction_10yr must be in [0, 1]")
    c10, n10 = f * result.removed_c, f * result.removed_n
    return ProductInputs(c_1yr=result.removed_c - c10, n_1yr=result.removed_n - n10, c_10yr=c10, n_10yr=n10)


def deposit(pools: ProductPools, inputs: ProductInputs) -> None:
    """Add harvest removals to the pools (in place)."""
    pools.c_1yr = pools.c_1yr + inputs.c_1yr
    pools.n_1yr = pools.n_1yr + inputs.n_1yr
    pools.c_10yr = pools.c_10yr + inputs.c_10yr
    pools.n_10yr = pools.n_10yr + inputs.n_10yr


class ProductDecay(NamedTuple):
    """Decay of the product pools over one step."""

    #: Carbon to the atmosphere, kg C m-2 s-1 (the coupler field ``fprod``).
    c_flux: np.ndarray
    #: Nitrogen leaving the land, kg N m-2 s-1.
    n_flux: np.ndarray
    #: Amounts lost by each pool over the step, kg m-2.
    c_loss_1yr: np.ndarray
    n_loss_1yr: np.ndarray
    c_loss_10yr: np.ndarray
    n_loss_10yr: np.ndarray

    @property
    def c_loss(self) -> np.ndarray:
        """Carbon lost over the step, kg C m-2."""
        return self.c_loss_1yr + self.c_loss_10yr

    @property
    def n_loss(self) -> np.ndarray:
        """Nitrogen lost over the step, kg N m-2."""
        return self.n_loss_1yr + self.n_loss_10yr


def decay(pools: ProductPools, dt_s: float, tau_1yr_s: float = TAU_1YR_S,
          tau_10yr_s: float = TAU_10YR_S) -> ProductDecay:
    """Exact first-order decay of the product pools over ``dt_s`` seconds; the pools are reduced in place.

    Each pool loses ``P (1 - exp(-dt/tau))``; the pools fall by exactly the
    returned losses.  Fluxes are the losses divided by ``dt_s``.
    """
    if not (dt_s > 0.0 and tau_1yr_s > 0.0 and tau_10yr_s > 0.0):
        raise ValueError("dt_s and the e-folding times must be positive")
    f1 = -np.expm1(-dt_s / tau_1yr_s)
    f10 = -np.expm1(-dt_s / tau_10yr_s)
    c1, n1 = pools.c_1yr * f1, pools.n_1yr * f1
    c10, n10 = pools.c_10yr * f10, pools.n_10yr * f10
    pools.c_1yr = pools.c_1yr - c1
    pools.n_1yr = pools.n_1yr - n1
    pools.c_10yr = pools.c_10yr - c10
    pools.n_10yr = pools.n_10yr - n10
    inv = 1.0 / dt_s
    return ProductDecay(c_flux=(c1 + c10) * inv, n_flux=(n1 + n10) * inv,
                        c_loss_1yr=c1, n_loss_1yr=n1, c_loss_10yr=c10, n_loss_10yr=n10)
