"""Vegetation carbon per tile: respiration, allocation, phenology and litterfall.

State (arrays of shape ``(ntile,)``, kg C m-2 of ground): ``leaf_c``,
``froot_c`` (fine roots), ``wood_c`` (stem and coarse roots, zero for grasses
and crops) and ``labile_c`` (non-structural storage that carries deciduous
plants through the leafless season and builds the spring flush).  Traits come
from :mod:`lsm.pfts`; parameters it lacks are per-PFT arrays here, each with
its source.  Every step moves carbon between the atmosphere (GPP in, Ra out),
the four pools and the litter handed to the soil model; :func:`step` returns
the balance residual so callers and tests can verify closure.

Autotrophic respiration
-----------------------
Maintenance respiration (MR) is proportional to tissue N (Ryan 1991, Ecol.
Appl. 1, 157: 0.0106 mol C mol-1 N h-1 at 20 degC, i.e. ``R20 = 2.525e-6``
kg C kg-1 N s-1, the CLM4.5/CLM5 ``br_mr``) with ``Q10 = 2``:

    MR_i = R20 N_i 2^((T - 20 degC) / 10),   N_i = C_i / CN_i.

Leaves and stems respond to air temperature, fine and coarse roots to soil
temperature.  Wood respires only through its living cells: live wood (C:N 50,
CLM5 ``livewd_cn``) is ``F_LIVE_WOOD`` of the woody carbon, the steady-state
share of CLM5/Biome-BGC's live wood pool (10 % of new wood is live, live wood
dies at 0.7 yr-1, whole wood at 0.02 yr-1:
``F = (0.1 / 0.72) / (0.1/0.72 + (0.9 + 0.7 * 0.1/0.72) / 0.02)`` = 0.28 %).
Leaf MR is inhibited in the light (the Kok effect): leaves respire
``LIGHT_INHIBITION = 0.7`` of the dark rate while photosynthesising (Atkin et
al. 2000, Plant Physiol. 122, 915; the 30 % reduction used in JULES, Clark
et al. 2011, Geosci. Model Dev. 4, 701).  Growth respiration is 25 % of the
carbon built into new tissue and storage (Ryan 1991; CLM5 uses 0.3), so of a
surplus ``S = GPP - MR`` the plant builds ``S / 1.25`` and respires ``0.2 S``.

When MR exceeds GPP (nights, winter, drought) the deficit is paid from the
pools in the order labile, leaf, fine root, wood: mass moves, none is
created.  If all pools are exhausted MR is cut to what exists.  So that the
nightly deficit does not eat the leaves, evergreen and crop plants (which do
not store carbon for a leafless season in that pool as deciduous plants do)
first refill a reserve of non-structural carbon in the labile pool,
``RESERVE_FRACTION`` = 0.1 of leaf plus fine-root carbon (Martinez-Vilalta
et al. 2016, Ecol. Monogr. 86, 495), from the growth of each step; only the
rest is allocated to tissue.  At steady state the reserve is full and the
tissue pools are those of the fixed allocation.

Root respiration (for Rroot/Rs and Rroot/Ra) is fine-root MR plus the
coarse-root share ``CROOT_FRAC = 0.3 / 1.3`` of wood MR (CLM5 coarse root :
stem allocation 0.3), plus the growth respiration of both.

Allocation
----------
Fixed fractions of growth by growth form from the CLM5 allometry (Lawrence et
al. 2018, allocation parameters): new fine root : new leaf = 1 for all PFTs;
new stem : new leaf = ``2.7 / (1 + exp(-0.004 (NPP - 300))) - 0.4`` for trees,
evaluated at a typical NPP of 600 g C m-2 yr-1 (1.68), and 0.2 for shrubs;
new coarse root : new stem = 0.3.  Trees: leaf 0.239, fine root 0.239, wood
0.522; shrubs 0.442, 0.442, 0.116; grasses and crops 0.5, 0.5, 0.  Fixed
fractions keep the carbon system linear in its pools, so its steady state is
analytic (tested).  LAI = leaf C x SLA (projected, the PFT's canopy-top SLA).

Leaves stop at the growth form's ``LAI_MAX``; their share of growth then goes
to fine roots and wood.  Fine roots stop at the functional balance
(Brouwer 1963; Thornley 1972) with that largest canopy,
``C_leaf,max (a_root k_leaf) / (a_leaf k_root)`` (equal to the largest leaf
carbon for every PFT here); beyond it trees and shrubs put the surplus into
wood, and grasses and crops, which have none, exude it to the soil as root
exudates (surplus-carbon exudation, Prescott et al. 2020, Trends Ecol. Evol.
35, 1110), booked as metabolic litter carbon without N (``exudate_c``;
exudates are mostly sugars and organic acids).  Without the bound a
fast-growing crop kept putting its surplus into roots until their
maintenance ate its GPP.

Phenology
---------
- evergreen PFTs: leaves and fine roots turn over continuously at the PFT's
  ``leaf_turnover`` and ``froot_turnover``.
- crop PFTs: sown and harvested by the agriculture module; without it they
  follow the stress-deciduous phenology below, as CLM's generic crop PFTs do
  when its prognostic crop model is off.  (Kept evergreen, crops held LAI
  5-6 the year round and cropland GPP reached 39 Pg C yr-1 at 10 degrees,
  against 14.8 Pg C yr-1 in the data-driven estimate of Beer et al. 2010,
  Science 329, 834.)
- cold-deciduous (White et al. 1997, Global Biogeochem. Cycles 11, 217):
  onset when the soil growing-degree sum above 0 degC exceeds
  ``exp(4.8 + 0.13 Tann)`` K d (Tann: running annual mean air temperature,
  degC; CLM5 ``crit_onset_gdd``).  The sum runs once the plant has been
  chilled (10-day mean air temperature below ``T_CHILL`` = 5 degC after a
  cold offset) and only while that mean is back above ``T_CHILL``: this
  replaces the calendar start of the sum (1 January in White et al.; the
  winter solstice in CLM), which a calendar-free step cannot know, and keeps
  mild winter days under snow-free soils from triggering an early onset.
  Offset when the 10-day mean air temperature drops below ``T_OFF`` = 10 degC
  after at least ``MIN_LEAF_ON_DAYS`` = 60 days of leaf display (the guard
  stands in for White et al.'s day-length criterion, which stops offsets on
  cool days of late spring).
- drought-deciduous (raingreen): offset when the 10-day mean soil water
  stress factor falls below ``BETA_OFF`` = 0.3, onset when it rises above
  ``BETA_ON`` = 0.5 (hysteresis; thresholds are model choices standing in
  for CLM5's soil water potential criteria).
- stress-deciduous (grasses, most shrubs, as in CLM5): either trigger.

Deciduous PFTs display leaves and fine roots together, as in CLM5 (Lawrence
et al. 2018, phenology chapter, after Thornton et al. 2002, Agric. For.
Meteorol. 113, 185).  At onset the labile pool flushes into leaves and fine
roots (in their allocation ratio) with an e-folding time of
``ONSET_TAU_DAYS`` = 10 days during ``ONSET_DAYS`` = 30 days (CLM5
``ndays_on``); after the flush, the leaf and fine-root shares of growth are
stored in the labile pool for the next year (CLM5 stores the current year's
growth of deciduous PFTs for next year's display).  At offset leaves and
fine roots are shed with an e-folding time of ``OFFSET_TAU_DAYS`` = 15 days
(CLM5 ``ndays_off``) and keep falling while leaves are off.  Shedding the
roots matters: at 25 degC fine roots respire about 2.7 times their carbon per
year (C:N 42), more than any storage could pay through a six-month dry season.

A deciduous plant whose climate never triggers an offset (a stress-deciduous
grass in the wet tropics, a cold-deciduous tree where it never gets cold)
would otherwise keep its leaves and roots for ever and store every year's
growth without bound.  As in CLM5 (Lawrence et al. 2018, "long growing
season", eqs. 20.71-20.73) it shifts to an evergreen habit once leaves have
been displayed for more than a year: with ``LGS = clip(days_on / 365 - 1, 0,
1)``, leaves and fine roots turn over at ``LGS`` times the PFT's
``leaf_turnover``/``froot_turnover``, storage is released to display at
``LGS`` yr-1, the share ``LGS`` of new leaf and root growth is displayed at
once instead of stored, and the reserve of non-structural carbon is kept as
for evergreens.  CLM applies the rule to stress-deciduous types only; here
cold-deciduous offsets have no day-length trigger, so it applies to all
deciduous types.  The next offset ends it (``days_on`` restarts at onset).

Litterfall and its quality
--------------------------
Turnover is exact exponential decay over a step, ``C (1 - exp(-k dt))``, so
pools never go negative.  Wood turns over at ``WOOD_TURNOVER`` = 0.02 yr-1
(CLM5 background mortality).  Continuous fine-root turnover rises with the
running annual mean air temperature with Q10 = 1.4 (Gill & Jackson 2000, New
Phytol. 147, 13), the PFT's ``froot_turnover`` holding at 10 degC, so a
tropical forest (26 degC) renews its fine roots at 0.86 yr-1 instead of 0.5
and holds less root carbon to respire.  Leaf litter leaves half its N behind (resorption efficiency 0.5, Aerts 1996, J. Ecol.
84, 597; retranslocated N is not tracked), fine roots none, dead wood has C:N
500 (CLM5 ``deadwd_cn``).  Leaf and root litter split into metabolic and
structural litter after Parton et al. (1987, Soil Sci. Soc. Am. J. 51, 1173):

    fm = 0.85 - 0.018 L/N,

with ``L/N`` the ratio of lignin to nitrogen mass in the litter (equivalently
per cent lignin over per cent N of dry matter: lignin 20 %, N 1 % gives
``L/N = 20`` and ``fm = 0.49``).  The lignin traits of :mod:`lsm.pfts` are
fractions of litter *carbon*, so lignin mass is ``f_lig C / C_IN_LIGNIN``
with lignin 64 % carbon (lignins are 61-66 % C; Sarkanen & Ludwig 1971,
Lignins) and ``L/N = f_lig CN_litter / 0.64``.  ``fm`` is clipped to
``[0, 1 - f_lig]`` so that all lignin fits in the structural litter.  Wood
litter is structural (lignin 25 % of C, CENTURY wood).  Structural litter
has C:N 150 (Parton et al. 1987) up to the N available; the rest of the N
goes to metabolic litter.  The step returns metabolic and structural C and N
and the lignin fraction of structural C.

Nitrogen uptake and a plant N budget are not represented: tissue N follows
from C and the fixed C:N ratios.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from lsm.pfts import NPFT, PFTS, trait

__all__ = [
    "SECONDS_PER_YEAR",
    "VegFluxes",
    "VegState",
    "allocation_fractions",
    "init_state",
    "lignin_to_n",
    "fine_root_turnover_factor",
    "long_growing_season",
    "parton_metabolic_fraction",
    "step",
]

SECONDS_PER_YEAR = 365.0 * 86400.0
SECONDS_PER_DAY = 86400.0
T_FREEZE = 273.15

#: Maintenance respiration per unit N at 20 degC, kg C kg-1 N s-1 (Ryan 1991; CLM ``br_mr``).
R20_MR = 2.525e-6
Q10_MR = 2.0
T_REF_MR = 293.15
#: Growth respiration per unit C built (Ryan 1991).
GROWTH_RESP_FRAC = 0.25
#: Light inhibition of leaf respiration (Atkin et al. 2000).
LIGHT_INHIBITION = 0.7
#: Target reserve of non-structural carbon in the labile pool of plants that do not store for a leafless
#: season, as a fraction of leaf plus fine-root carbon (NSC is ~11 % of leaf and ~8 % of root dry mass
#: across 1,000 species; Martinez-Vilalta et al. 2016, Ecol. Monogr. 86, 495).
RESERVE_FRACTION = 0.1
#: Temperature response of fine-root turnover (Gill & Jackson 2000) and the mean annual temperature at which
#: the PFT's ``froot_turnover`` applies: Biome-BGC's turnover fractions were compiled mostly from temperate
#: sites, so they are taken at 10 degC (a model choice).
Q10_ROOT_TURNOVER = 1.4
T_REF_ROOT_TURNOVER = T_FREEZE + 10.0
#: Live-wood C:N and dead-wood C:N (CLM5 ``livewd_cn``, ``deadwd_cn``).
LIVE_WOOD_CN = 50.0
DEAD_WOOD_CN = 500.0
# CLM5/Biome-BGC live-wood kinetics: new wood 10 % live, live->dead 0.7 yr-1, mortality 0.02 yr-1.
_FLIVEWD, _LWTOP, _MORT = 0.1, 0.7, 0.02
_LIVE = _FLIVEWD / (_LWTOP + _MORT)
_DEAD = (1.0 - _FLIVEWD + _LWTOP * _LIVE) / _MORT
#: Steady-state live share of woody carbon.
F_LIVE_WOOD = _LIVE / (_LIVE + _DEAD)
#: Coarse-root share of wood (CLM5 coarse root : stem = 0.3).
CROOT_FRAC = 0.3 / 1.3
#: Lignin fraction of wood-litter carbon (CENTURY).
WOOD_LIGNIN = 0.25
#: Leaf N resorption efficiency (Aerts 1996).
LEAF_N_RESORPTION = 0.5
#: Structural litter C:N (Parton et al. 1987).
STRUCTURAL_CN = 150.0
#: Carbon mass fraction of lignin.
C_IN_LIGNIN = 0.64
#: Parton et al. (1987) metabolic fraction coefficients.
PARTON_A, PARTON_B = 0.85, 0.018

# Phenology (see module docstring).
T_CHILL = T_FREEZE + 5.0
T_OFF = T_FREEZE + 10.0
MIN_LEAF_ON_DAYS = 60.0
BETA_OFF, BETA_ON = 0.3, 0.5
ONSET_DAYS = 30.0
ONSET_TAU_DAYS = 10.0
OFFSET_TAU_DAYS = 15.0
RUNNING_MEAN_DAYS = 10.0
ANNUAL_MEAN_DAYS = 365.0

_GF = trait("growth_form")
_HABIT = trait("leaf_habit")
_VEGETATED = _GF != "none"
_LEAF_CN = trait("leaf_cn")
_FROOT_CN = trait("froot_cn")
_LEAF_LIGNIN = trait("leaf_lignin")
_FROOT_LIGNIN = trait("froot_lignin")
_SLA = trait("sla")
_K_LEAF = trait("leaf_turnover") / SECONDS_PER_YEAR
_K_FROOT = trait("froot_turnover") / SECONDS_PER_YEAR
# Crops follow the stress-deciduous phenology until the agriculture module sows and harvests them.
_DECIDUOUS = np.isin(_HABIT, ("cold-deciduous", "drought-deciduous", "stress-deciduous", "crop"))
_USES_COLD = np.isin(_HABIT, ("cold-deciduous", "stress-deciduous", "crop"))
_USES_DRY = np.isin(_HABIT, ("drought-deciduous", "stress-deciduous", "crop"))
# Leaf N per leaf C in litter, after resorption; reciprocal C:N of the other litters.
_LEAF_LITTER_CN = _LEAF_CN / (1.0 - LEAF_N_RESORPTION)


def _alloc_table() -> np.ndarray:
    froot_leaf = 1.0
    stem_leaf_tree = 2.7 / (1.0 + np.exp(-0.004 * (600.0 - 300.0))) - 0.4
    wood_leaf = {"tree": stem_leaf_tree * 1.3, "shrub": 0.2 * 1.3, "grass": 0.0, "crop": 0.0, "none": 0.0}
    table = np.zeros((NPFT, 3))
    for i, p in enumerate(PFTS):  # table construction at import, not a tile loop
        if p.vegetated:
            w = wood_leaf[p.growth_form]
            table[i] = np.array([1.0, froot_leaf, w]) / (1.0 + froot_leaf + w)
    return table


#: Allocation fractions of growth (leaf, fine root, wood) per PFT.
ALLOCATION = _alloc_table()
#: Wood turnover (whole-plant mortality), s-1: 0.02 yr-1 for woody PFTs (CLM5).
WOOD_TURNOVER = np.where(ALLOCATION[:, 2] > 0.0, 0.02, 0.0) / SECONDS_PER_YEAR


#: Largest leaf area index each growth form sustains (upper end of the biome ranges of the global LAI
#: synthesis of Asner, Scurlock & Hicke 2003, Global Ecol. Biogeogr. 12: forests 5-9, crops 4-7, grasslands
#: and shrublands 2-5); leaf allocation tapers off over the last unit of LAI below it.
LAI_MAX = {"none": 0.0, "tree": 7.0, "shrub": 4.0, "grass": 4.0, "crop": 6.0}
_LAI_MAX = np.array([LAI_MAX[g] for g in trait("growth_form")])
_SLA_SAFE = np.where(trait("sla") > 0, trait("sla"), 1.0)  # bare ground has no leaves (LAI_MAX 0)
_WOODY = ALLOCATION[:, 2] > 0.0
#: Largest fine-root carbon, kg C m-2: the fine roots in functional balance (Brouwer 1963; Thornley 1972)
#: with the largest canopy under the PFT's own allocation and turnover, ``C_leaf,max a_root k_leaf /
#: (a_leaf k_root)``.  Beyond it plants without wood exude their surplus carbon to the soil (Prescott et
#: al. 2020, Trends Ecol. Evol. 35, 1110).
_FROOT_MAX = np.divide(_LAI_MAX / (1e3 * _SLA_SAFE) * ALLOCATION[:, 1] * trait("leaf_turnover"),
                       ALLOCATION[:, 0] * trait("froot_turnover"),
                       out=np.zeros(NPFT), where=ALLOCATION[:, 0] * trait("froot_turnover") > 0)


def fine_root_turnover_factor(t_ann_k):
    """Fine-root turnover relative to the PFT's value, ``Q10_ROOT_TURNOVER^((Tann - T_REF_ROOT_TURNOVER) / 10)``.

    Root turnover rises exponentially with mean annual temperature, Q10 = 1.4
    for forest fine roots (Gill & Jackson 2000, New Phytol. 147, 13; the
    lowest of their fitted values, 1.4-1.9 for forest, grassland and shrub
    roots, used for all PFTs).  ``t_ann_k``: running annual mean air
    temperature, K.
    """
    return Q10_ROOT_TURNOVER ** ((np.asarray(t_ann_k) - T_REF_ROOT_TURNOVER) / 10.0)


def long_growing_season(days_on):
    """CLM5 long-growing-season index of a deciduous plant, 0-1 (Lawrence et al. 2018, eq. 20.71).

    0 during the first year of display, rising linearly to 1 after two years
    without an offset: the share of evergreen habit (background litterfall at
    the PFT's turnover, storage released at 1 yr-1, growth displayed at once).
    """
    return np.clip(np.asarray(days_on) / 365.0 - 1.0, 0.0, 1.0)


def allocation_fractions(pft, lai=None) -> np.ndarray:
    """(leaf, fine root, wood) fractions of growth, shape ``(3, ntile)``.

    With ``lai`` the leaf share falls linearly to zero as LAI rises from
    ``LAI_MAX - 1`` to ``LAI_MAX`` and the rest goes to roots and wood in their
    own proportion (allometric limitation as in LPJ, Sitch et al. 2003), so
    leaves cannot grow without bound where turnover is slow; the fractions
    still sum to one.
    """
    a = ALLOCATION[np.asarray(pft)].T.copy()
    if lai is not None:
        keep = np.clip(_LAI_MAX[np.asarray(pft)] - np.asarray(lai), 0.0, 1.0)
        spare = a[0] * (1.0 - keep)
        other = a[1] + a[2]
        share = np.divide(a[1], other, out=np.ones_like(other), where=other > 0)
        a[0] -= spare
        a[1] += spare * share
        a[2] += spare * (1.0 - share)
    return a


def lignin_to_n(lignin_frac_c, litter_cn):
    """Lignin:N mass ratio of litter from its lignin fraction of C and its C:N."""
    return np.asarray(lignin_frac_c) * np.asarray(litter_cn) / C_IN_LIGNIN


def parton_metabolic_fraction(lignin_n_ratio, lignin_frac_c=0.0):
    """Parton et al. (1987) metabolic fraction ``0.85 - 0.018 L/N`` clipped to ``[0, 1 - lignin]``."""
    fm = PARTON_A - PARTON_B * np.asarray(lignin_n_ratio, dtype=float)
    return np.clip(fm, 0.0, 1.0 - np.asarray(lignin_frac_c, dtype=float))


# Litter quality is fixed per PFT: precompute the splits.
_FM_LEAF = np.where(_VEGETATED, parton_metabolic_fraction(lignin_to_n(_LEAF_LIGNIN, _LEAF_LITTER_CN), _LEAF_LIGNIN), 0.0)
_FM_FROOT = np.where(_VEGETATED, parton_metabolic_fraction(lignin_to_n(_FROOT_LIGNIN, _FROOT_CN), _FROOT_LIGNIN), 0.0)


@dataclass
class VegState:
    """Vegetation state of every tile; pools in kg C m-2, updated in place by :func:`step`."""

    leaf_c: np.ndarray
    froot_c: np.ndarray
    wood_c: np.ndarray
    labile_c: np.ndarray
    #: Leaves displayed (deciduous phenology state; always True for evergreens).
    leaf_on: np.ndarray
    #: Days since the last onset.
    days_on: np.ndarray
    #: Soil growing-degree sum above 0 degC since chilling, K d.
    gdd: np.ndarray
    #: Last offset was triggered by cold (the GDD requirement applies to the next onset).
    cold_dormant: np.ndarray
    #: Chilled since the cold offset.
    chilled: np.ndarray
    #: 10-day running mean air temperature, K.
    t_run_k: np.ndarray
    #: Annual running mean air temperature, K.
    t_ann_k: np.ndarray
    #: 10-day running mean soil water stress factor, 0-1.
    beta_run: np.ndarray

    def total_c(self) -> np.ndarray:
        """Vegetation carbon, kg C m-2."""
        return self.labile_c + self.leaf_c + self.froot_c + self.wood_c

    def copy(self) -> VegState:
        return VegState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


class VegFluxes(NamedTuple):
    """Fluxes of one step, kg C (or N) m-2 s-1 averaged over the step unless noted."""

    gpp: np.ndarray
    npp: np.ndarray
    #: Autotrophic respiration = mr + gr.
    ra: np.ndarray
    mr: np.ndarray
    gr: np.ndarray
    mr_leaf: np.ndarray
    mr_froot: np.ndarray
    mr_wood: np.ndarray
    #: Fine- and coarse-root respiration (maintenance and growth).
    root_resp: np.ndarray
    litter_leaf_c: np.ndarray
    litter_froot_c: np.ndarray
    litter_wood_c: np.ndarray
    #: Surplus carbon exuded by fine roots of plants without wood (part of ``litter_met_c``; no N).
    exudate_c: np.ndarray
    litter_met_c: np.ndarray
    litter_str_c: np.ndarray
    litter_met_n: np.ndarray
    litter_str_n: np.ndarray
    #: Lignin fraction of the structural litter carbon, 0-1.
    litter_str_lignin: np.ndarray
    #: Leaf area index, m2 m-2 (after the step).
    lai: np.ndarray
    #: Change in vegetation C minus (GPP - Ra - litter) dt, kg C m-2 (should be ~0).
    residual: np.ndarray


def init_state(pft, leaf_c=0.0, froot_c=0.0, wood_c=0.0, labile_c=0.0, t_air_k=288.15,
               soil_water_stress=1.0) -> VegState:
    """A state for tiles of PFT ``pft``; pools of bare tiles and wood of non-woody PFTs are zeroed."""
    pft = np.asarray(pft)
    n = pft.shape
    veg = _VEGETATED[pft]

    def arr(x):
        return np.where(veg, np.broadcast_to(np.asarray(x, dtype=float), n), 0.0)

    return VegState(
        leaf_c=arr(leaf_c), froot_c=arr(froot_c),
        wood_c=np.where(ALLOCATION[pft, 2] > 0, arr(wood_c), 0.0), labile_c=arr(labile_c),
        leaf_on=np.ones(n, dtype=bool), days_on=np.full(n, MIN_LEAF_ON_DAYS),
        gdd=np.zeros(n), cold_dormant=np.zeros(n, dtype=bool), chilled=np.zeros(n, dtype=bool),
        t_run_k=np.broadcast_to(np.asarray(t_air_k, dtype=float), n).copy(),
        t_ann_k=np.broadcast_to(np.asarray(t_air_k, dtype=float), n).copy(),
        beta_run=np.broadcast_to(np.asarray(soil_water_stress, dtype=float), n).copy(),
    )


def _phenology(s: VegState, pft, t_air, t_soil, beta, dt):
    """Update running means and the leaf-on state in place; returns (onset, offset) masks."""
    w10 = -np.expm1(-dt / (RUNNING_MEAN_DAYS * SECONDS_PER_DAY))
    w365 = -np.expm1(-dt / (ANNUAL_MEAN_DAYS * SECONDS_PER_DAY))
    s.t_run_k += w10 * (t_air - s.t_run_k)
    s.t_ann_k += w365 * (t_air - s.t_ann_k)
    s.beta_run += w10 * (beta - s.beta_run)

    deciduous, uses_cold, uses_dry = _DECIDUOUS[pft], _USES_COLD[pft], _USES_DRY[pft]
    off = ~s.leaf_on
    s.chilled |= off & s.cold_dormant & (s.t_run_k < T_CHILL)
    spring = off & s.chilled & (s.t_run_k >= T_CHILL)
    s.gdd += np.where(spring, np.maximum(t_soil - T_FREEZE, 0.0) * (dt / SECONDS_PER_DAY), 0.0)
    gdd_crit = np.exp(4.8 + 0.13 * (s.t_ann_k - T_FREEZE))
    cold_ok = ~uses_cold | ~s.cold_dormant | (s.gdd >= gdd_crit)
    dry_ok = ~uses_dry | (s.beta_run >= BETA_ON)
    onset = deciduous & off & cold_ok & dry_ok

    cold_off = uses_cold & (s.t_run_k < T_OFF)
    dry_off = uses_dry & (s.beta_run < BETA_OFF)
    offset = deciduous & s.leaf_on & (s.days_on >= MIN_LEAF_ON_DAYS) & (cold_off | dry_off)

    s.leaf_on = (s.leaf_on & ~offset) | onset
    s.days_on = np.where(onset, 0.0, s.days_on + np.where(s.leaf_on, dt / SECONDS_PER_DAY, 0.0))
    s.cold_dormant = np.where(offset, cold_off, np.where(onset, False, s.cold_dormant))
    s.chilled &= ~(onset | offset)
    s.gdd = np.where(onset | offset, 0.0, s.gdd)
    return onset, offset


def step(state: VegState, pft, gpp_kg_m2_s, t_air_k, t_soil_k, soil_water_stress, dt_s) -> VegFluxes:
    """Advance vegetation carbon by ``dt_s`` seconds (state updated in place).

    ``gpp_kg_m2_s``: gross photosynthesis (kg C m-2 s-1, before any
    respiration; :func:`lsm.photosynthesis.canopy_photosynthesis` ``gpp``, whose
    leaf respiration must not also be subtracted: leaf respiration is
    accounted here from leaf N).  ``t_air_k``, ``t_soil_k``: air and root-zone
    soil temperature (K).  ``soil_water_stress``: 0 (wilted) to 1 (no stress).
    """
    pft = np.asarray(pft)
    dt = float(dt_s)
    s = state
    t_air = np.asarray(t_air_k, dtype=float)
    t_soil = np.asarray(t_soil_k, dtype=float)
    veg = _VEGETATED[pft]
    gpp = np.where(veg, np.maximum(np.asarray(gpp_kg_m2_s, dtype=float), 0.0), 0.0)
    beta = np.clip(np.asarray(soil_water_stress, dtype=float), 0.0, 1.0)
    old_total = s.total_c()

    _phenology(s, pft, t_air, t_soil, beta, dt)
    deciduous = _DECIDUOUS[pft]

    # Maintenance respiration demand, kg C m-2 s-1.
    f_air = Q10_MR ** ((t_air - T_REF_MR) / 10.0)
    f_soil = Q10_MR ** ((t_soil - T_REF_MR) / 10.0)
    light = np.where(gpp > 0.0, LIGHT_INHIBITION, 1.0)
    mr_leaf = R20_MR * f_air * light * s.leaf_c / np.where(veg, _LEAF_CN[pft], 1.0)
    mr_froot = R20_MR * f_soil * s.froot_c / np.where(veg, _FROOT_CN[pft], 1.0)
    live_wood_n = s.wood_c * (F_LIVE_WOOD / LIVE_WOOD_CN)
    mr_croot = R20_MR * f_soil * CROOT_FRAC * live_wood_n
    mr_wood = R20_MR * f_air * (1.0 - CROOT_FRAC) * live_wood_n + mr_croot

    # Turnover over the step (exact exponential decay) and the spring flush.  A deciduous plant that has
    # kept its leaves for more than a year shifts to evergreen habit (CLM5 long growing season).
    lgs = np.where(deciduous & s.leaf_on, long_growing_season(s.days_on), 0.0)
    k_shed = np.where(s.leaf_on, 0.0, 1.0 / (OFFSET_TAU_DAYS * SECONDS_PER_DAY))
    k_leaf = np.where(deciduous, k_shed + lgs * _K_LEAF[pft], _K_LEAF[pft])
    k_root = _K_FROOT[pft] * fine_root_turnover_factor(s.t_ann_k)
    k_froot = np.where(deciduous, k_shed + lgs * k_root, k_root)
    lit_leaf = s.leaf_c * -np.expm1(-k_leaf * dt)
    lit_froot = s.froot_c * -np.expm1(-k_froot * dt)
    lit_wood = s.wood_c * -np.expm1(-WOOD_TURNOVER[pft] * dt)
    a = allocation_fractions(pft, s.leaf_c * 1e3 * _SLA[pft])
    leaf_share = np.divide(a[0], a[0] + a[1], out=np.zeros_like(a[0]), where=a[0] + a[1] > 0)
    flushing = deciduous & s.leaf_on & (s.days_on < ONSET_DAYS)
    k_flush = np.where(flushing, 1.0 / (ONSET_TAU_DAYS * SECONDS_PER_DAY), lgs / SECONDS_PER_YEAR)
    flush = s.labile_c * -np.expm1(-k_flush * dt)
    flush_leaf = flush * leaf_share

    pools = np.stack([s.labile_c - flush, s.leaf_c - lit_leaf + flush_leaf,
                      s.froot_c - lit_froot + (flush - flush_leaf), s.wood_c - lit_wood])

    # Carbon budget of the step, kg C m-2.
    supply = gpp * dt
    mr_demand = (mr_leaf + mr_froot + mr_wood) * dt
    surplus = supply - mr_demand
    growth = np.maximum(surplus, 0.0) / (1.0 + GROWTH_RESP_FRAC)
    gresp = np.maximum(surplus, 0.0) - growth
    deficit = np.maximum(-surplus, 0.0)
    # Pay the deficit from labile, leaf, fine root, wood in turn (vectorised over pools).
    before = np.cumsum(pools, axis=0) - pools
    take = np.clip(deficit - before, 0.0, pools)
    paid = supply + take.sum(axis=0)
    mr_scale = np.where(surplus < 0.0, np.divide(paid, mr_demand, out=np.ones_like(paid), where=mr_demand > 0), 1.0)
    mr_leaf, mr_froot, mr_wood, mr_croot = (x * mr_scale for x in (mr_leaf, mr_froot, mr_wood, mr_croot))
    mr_total = np.where(surplus < 0.0, paid, mr_demand)  # kg C m-2 over the step

    # Deciduous plants store the leaf and fine-root shares outside the flush (and when leafless), less
    # the share they display directly once in the long-growing-season (evergreen) habit.
    stored = np.where(deciduous & ~flushing, 1.0 - lgs, 0.0)
    g_leaf, g_froot, g_wood = growth * a[0], growth * a[1], growth * a[2]
    st_leaf, st_froot = stored * g_leaf, stored * g_froot
    g_leaf, g_froot = g_leaf - st_leaf, g_froot - st_froot
    pools -= take
    # leaves never pass LAI_MAX: growth beyond it goes to roots and wood in their own proportion
    room = np.maximum(_LAI_MAX[pft] / (1e3 * _SLA_SAFE[pft]) - pools[1], 0.0)
    excess = np.maximum(g_leaf - room, 0.0)
    other = a[1] + a[2]
    root_part = np.divide(a[1], other, out=np.ones_like(other), where=other > 0)
    g_leaf = g_leaf - excess
    g_froot = g_froot + excess * root_part
    g_wood = g_wood + excess * (1.0 - root_part)
    # Plants without a storage season first refill their reserve of non-structural carbon, from which
    # night-time and winter maintenance is paid, before building tissue.
    evergreen_habit = np.where(deciduous, np.where(flushing, 0.0, lgs), 1.0)
    target = evergreen_habit * RESERVE_FRACTION * (pools[1] + pools[2])
    refill = np.clip(target - pools[0], 0.0, growth - st_leaf - st_froot)
    display = growth - st_leaf - st_froot
    keep = np.divide(display - refill, display, out=np.zeros_like(display), where=display > 0)
    g_leaf, g_froot, g_wood = g_leaf * keep, g_froot * keep, g_wood * keep
    # Fine roots stay in functional balance with the largest canopy; the surplus goes to wood, or is
    # exuded to the soil by plants without wood.
    spill = np.maximum(g_froot - np.maximum(_FROOT_MAX[pft] - pools[2], 0.0), 0.0)
    g_froot = g_froot - spill
    g_wood = g_wood + np.where(_WOODY[pft], spill, 0.0)
    exudate = np.where(_WOODY[pft], 0.0, spill)
    root_built = g_froot + st_froot + CROOT_FRAC * g_wood
    pools[0] += refill + st_leaf + st_froot
    pools[1] += g_leaf
    pools[2] += g_froot
    pools[3] += g_wood
    s.labile_c, s.leaf_c, s.froot_c, s.wood_c = pools[0], pools[1], pools[2], pools[3]

    # Litter quality.
    leaf_cn_lit = np.where(veg, _LEAF_LITTER_CN[pft], 1.0)
    froot_cn = np.where(veg, _FROOT_CN[pft], 1.0)
    fm_leaf, fm_froot = _FM_LEAF[pft], _FM_FROOT[pft]
    met_c = fm_leaf * lit_leaf + fm_froot * lit_froot + exudate
    str_c = (1.0 - fm_leaf) * lit_leaf + (1.0 - fm_froot) * lit_froot + lit_wood
    n_total = lit_leaf / leaf_cn_lit + lit_froot / froot_cn + lit_wood / DEAD_WOOD_CN
    str_n = np.minimum(str_c / STRUCTURAL_CN, n_total)
    lignin_c = _LEAF_LIGNIN[pft] * lit_leaf + _FROOT_LIGNIN[pft] * lit_froot + WOOD_LIGNIN * lit_wood
    litter = lit_leaf + lit_froot + lit_wood + exudate

    ra_total = mr_total + gresp
    residual = (s.total_c() - old_total) - (supply - ra_total - litter)
    inv = 1.0 / dt
    root_gr = gresp * np.divide(root_built, growth, out=np.zeros_like(growth), where=growth > 0)
    return VegFluxes(
        gpp=gpp, npp=(supply - ra_total) * inv, ra=ra_total * inv, mr=mr_total * inv, gr=gresp * inv,
        mr_leaf=mr_leaf, mr_froot=mr_froot, mr_wood=mr_wood,
        root_resp=mr_froot + mr_croot + root_gr * inv,
        litter_leaf_c=lit_leaf * inv, litter_froot_c=lit_froot * inv, litter_wood_c=lit_wood * inv,
        exudate_c=exudate * inv,
        litter_met_c=met_c * inv, litter_str_c=str_c * inv,
        litter_met_n=(n_total - str_n) * inv, litter_str_n=str_n * inv,
        litter_str_lignin=np.divide(lignin_c, str_c, out=np.zeros_like(str_c), where=str_c > 0),
        lai=s.leaf_c * 1e3 * _SLA[pft],
        residual=residual,
    )
