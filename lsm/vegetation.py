"""Vegetation carbon per tile: respiration, allocation, phenology and litterfall.

State (arrays of shape ``(ntile,)``, kg C m-2 of ground): ``leaf_c``,
``froot_c`` (fine roots), ``wood_c`` (stem and coarse roots, zero for grasses
and crops) and ``labile_c`` (non-structural storage that carries deciduous
plants through the leafless season and builds the spring flush).  Traits come
from :mod:`lsm.pfts`; parameters it lacks are per-PFT arrays here, each with
its source.  Every step moves carbon between the atmosphere (GPP in, Ra out),
the four pools and the litter handed to the soil model; :func:`step` returns
the balance residual so callers and tests can verify closure.  Plant nitrogen
is one pool, ``plant_n`` (kg N m-2): the N of the tissues at their fixed C:N
plus a store that new growth draws on (see "Nitrogen" below).

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
84, 597; the resorbed N returns to the plant's N store), fine roots none, dead wood has C:N
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
litter is structural (lignin 25 % of C, CENTURY wood) and keeps its dead-wood
N (C:N 500): the soil takes it as coarse woody debris (``litter_wood_c``,
``litter_cwd_n``, part of the structural litter).  The structural litter of
leaves and roots has C:N 150 (Parton et al. 1987) up to the N available; the
rest of the N goes to metabolic litter.  The step returns metabolic and structural C and N
and the lignin fraction of structural C.

Nitrogen
--------
Tissue C:N ratios are fixed, so the N the tissues hold follows from their
carbon (:func:`tissue_n_requirement`): leaves at the PFT's ``leaf_cn``, fine
roots at ``froot_cn``, wood at ``WOOD_N_PER_C`` (the live share
``F_LIVE_WOOD`` at ``LIVE_WOOD_CN``, the rest at ``DEAD_WOOD_CN``), and the
labile storage carbon at the leaf C:N, as CLM pairs each storage C pool with
a storage N pool (Thornton et al. 2007, Global Biogeochem. Cycles 21,
GB4018).  ``plant_n`` is the plant's whole N, tissues plus a store
``plant_n - tissue_n_requirement``; the store gathers the N that litterfall
leaves behind (the resorbed half of leaf N; the live-wood N above the
dead-wood C:N, as CLM retranslocates it when live wood turns into dead wood;
the N of tissue carbon burnt to pay a maintenance deficit, which the plant
keeps) and the N taken up from the soil, and pays for new tissue.  N leaves the plant only in
litter: each step ``plant_n`` falls by the litter N and rises by the uptake
the caller adds with :func:`add_n_uptake`, so plant N is conserved exactly.

Growth is N-limited as in CLM4 (Thornton et al. 2007; the "fpg" of CLM4 and
CLM4.5): the store after the step's turnover and maintenance pays for the N
of everything growth adds to the pools (refill and storage of the labile pool
at the leaf C:N, new leaves, fine roots and wood at theirs; exudates carry no
N).  If the step's growth needs more N than the store holds, all of it
(refill, storage, tissue, exudate and growth respiration alike) is scaled by
``fpg = store / need`` and the carbon not built is never fixed: GPP is
down-regulated by ``(1 - fpg) (growth + growth respiration)`` and the
carbon balance closes with the actual GPP; :func:`step` also returns the
potential GPP.  Maintenance respiration is not limited (deficits are paid
from the pools as above).  The deciduous flush moves labile carbon, which
carries N at the leaf C:N, into leaves and fine roots: a flush into tissue of
a higher C:N frees N into the store; one into tissue of a lower C:N (no PFT
here) is limited by the store as growth is.  So the store never goes below
zero: ``plant_n >= tissue_n_requirement`` to rounding after every step that
began with it.

The plant asks the soil for the N that refills its store to
``N_STORE_FRACTION`` of the tissue N (:func:`n_uptake_demand`).  The soil
model runs after the vegetation in a coupling step, so the uptake it grants
is added after :func:`step` and is used by the next step's growth (a one-step
lag, as in any explicit coupling of plant demand and soil supply; the store
holds one to several months of growth N, so the lag does not limit growth
while the soil grants the demand).  Without a soil N model,
``step(..., n_limitation=False)`` never limits growth (``fpg`` = 1), still
books litter N out of ``plant_n``, and lets the store go negative: for tests
and carbon-only experiments.
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
    "add_n_uptake",
    "allocation_fractions",
    "fine_root_turnover_factor",
    "init_state",
    "lignin_to_n",
    "long_growing_season",
    "n_store",
    "n_uptake_demand",
    "parton_metabolic_fraction",
    "step",
    "tissue_n_requirement",
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
#: N per C of woody tissue, kg N kg-1 C: the live share at the live-wood C:N, the rest at the dead-wood C:N.
WOOD_N_PER_C = F_LIVE_WOOD / LIVE_WOOD_CN + (1.0 - F_LIVE_WOOD) / DEAD_WOOD_CN
#: Target N store as a fraction of the tissue N requirement (model choice).  By analogy with
#: ``RESERVE_FRACTION`` for non-structural carbon: CLM4 (Thornton et al. 2007) keeps the plant's spare N in
#: storage pools paired with storage carbon and a retranslocated-N pool, and trees remobilise stored N for
#: their spring growth (Millard & Grelet 2010, Tree Physiol. 30, 1083).  0.1 of tissue N is 2 g N m-2 for a
#: temperate grass and 4 g N m-2 for a temperate forest, the N its growth draws in about one month (grass)
#: to four to seven months (forests), so the one-step lag between soil uptake and use never limits growth at
#: hourly or daily steps while the soil can supply the demand.
N_STORE_FRACTION = 0.1
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
    #: Plant nitrogen, kg N m-2: tissue N (:func:`tissue_n_requirement`) plus the store.
    plant_n: np.ndarray

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
    #: N of the wood litter (``litter_wood_c`` at the dead-wood C:N, part of ``litter_str_n``), kg N m-2 s-1:
    #: with ``litter_wood_c`` the coarse woody debris of the soil.
    litter_cwd_n: np.ndarray
    #: Leaf area index, m2 m-2 (after the step).
    lai: np.ndarray
    #: Change in vegetation C minus (GPP - Ra - litter) dt with the actual GPP, kg C m-2 (should be ~0).
    residual: np.ndarray
    #: GPP before the down-regulation by N limitation (``gpp`` is the GPP after it).
    gpp_potential: np.ndarray
    #: Fraction of the potential growth built with the N available, 0-1 (1 when not N-limited).
    fpg: np.ndarray
    #: N built into new tissue and storage from the plant's N store, kg N m-2 s-1.
    n_growth: np.ndarray
    #: Litter N leaving the plant, kg N m-2 s-1 (= ``litter_met_n + litter_str_n``).
    n_litter: np.ndarray
    #: The step's carbon movements between the pools, for the isotope shadows (:mod:`lsm.soil_bgc.isotopes`).
    flows: VegCarbonFlows | None = None
    #: Grain carbon and nitrogen grown by managed crops (leaving the plant to the grain pool), kg m-2 s-1.
    grain_c: np.ndarray | None = None
    grain_n: np.ndarray | None = None


class VegCarbonFlows(NamedTuple):
    """Carbon moved in one step, kg C m-2 over the step; pool axes in the order labile, leaf, fine root, wood."""

    #: Pools at the start of the step, ``(4, n)``.
    start: np.ndarray
    #: Litter from each pool (none from labile), ``(4, n)``.
    litter: np.ndarray
    #: Spring flush out of labile, and the part of it that goes to leaves (the rest to fine roots).
    flush: np.ndarray
    flush_leaf: np.ndarray
    #: Pools after turnover and flush, ``(4, n)``: what the maintenance deficit is paid from.
    after_turnover: np.ndarray
    #: Maintenance deficit paid from each pool, ``(4, n)``.
    take: np.ndarray
    #: New assimilate built into each pool, ``(4, n)``.
    growth: np.ndarray
    #: Assimilated carbon (actual GPP over the step) and the part exuded to the soil.
    assimilated: np.ndarray
    exudate: np.ndarray
    #: Share of each pool's litter that is metabolic, ``(4, n)``.
    metabolic_share: np.ndarray


class CropControl(NamedTuple):
    """What the agriculture module (:mod:`lsm.agriculture`) tells :func:`step` about managed crop tiles.

    On tiles in ``managed`` the climate triggers of onset and offset are
    off (the crop is sown and harvested by the agriculture module, which sets
    and clears the pools); leaves and fine roots turn over at the PFT's rate
    while the crop stands, as for an evergreen; growth is allocated to (leaf
    with stem, fine root, grain) by the crop's development
    (:func:`lsm.agriculture.crops.allocation`), and the grain leaves the
    plant into the crop's grain pool, at the grain C:N.
    """

    managed: np.ndarray
    alloc_leaf: np.ndarray
    alloc_froot: np.ndarray
    alloc_grain: np.ndarray
    #: Grain C:N, g C g-1 N (> 0 on managed tiles).
    grain_cn: np.ndarray
    #: Carbon respired per carbon built into grain (C:C; the rest of the plant: ``GROWTH_RESP_FRAC``).
    grain_growth_respiration: np.ndarray | float = GROWTH_RESP_FRAC


def init_state(pft, leaf_c=0.0, froot_c=0.0, wood_c=0.0, labile_c=0.0, t_air_k=288.15,
               soil_water_stress=1.0) -> VegState:
    """A state for tiles of PFT ``pft``; pools of bare tiles and wood of non-woody PFTs are zeroed.

    Plant N starts with a full store: ``(1 + N_STORE_FRACTION)`` times the N the initial pools need.
    """
    pft = np.asarray(pft)
    n = pft.shape
    veg = _VEGETATED[pft]

    def arr(x):
        return np.where(veg, np.broadcast_to(np.asarray(x, dtype=float), n), 0.0)

    state = VegState(
        leaf_c=arr(leaf_c), froot_c=arr(froot_c),
        wood_c=np.where(ALLOCATION[pft, 2] > 0, arr(wood_c), 0.0), labile_c=arr(labile_c),
        leaf_on=np.ones(n, dtype=bool), days_on=np.full(n, MIN_LEAF_ON_DAYS),
        gdd=np.zeros(n), cold_dormant=np.zeros(n, dtype=bool), chilled=np.zeros(n, dtype=bool),
        t_run_k=np.broadcast_to(np.asarray(t_air_k, dtype=float), n).copy(),
        t_ann_k=np.broadcast_to(np.asarray(t_air_k, dtype=float), n).copy(),
        beta_run=np.broadcast_to(np.asarray(soil_water_stress, dtype=float), n).copy(),
        plant_n=np.zeros(n),
    )
    state.plant_n = (1.0 + N_STORE_FRACTION) * tissue_n_requirement(state, pft)
    return state


def _tissue_n(labile_c, leaf_c, froot_c, wood_c, leaf_cn, froot_cn):
    """N of the pools at their C:N, kg N m-2 (``leaf_cn``, ``froot_cn``: 1 on bare tiles, whose pools are 0)."""
    return labile_c / leaf_cn + leaf_c / leaf_cn + froot_c / froot_cn + wood_c * WOOD_N_PER_C


def _cn(pft):
    """Leaf and fine-root C:N per tile, 1 on bare ground (no tissue there) to keep divisions finite."""
    veg = _VEGETATED[pft]
    return np.where(veg, _LEAF_CN[pft], 1.0), np.where(veg, _FROOT_CN[pft], 1.0)


def tissue_n_requirement(state: VegState, pft) -> np.ndarray:
    """N the pools of ``state`` hold at their fixed C:N, kg N m-2 (0 on bare ground).

    ``labile_c / leaf_cn + leaf_c / leaf_cn + froot_c / froot_cn + wood_c WOOD_N_PER_C``: labile storage
    carbon carries N at the leaf C:N, as CLM pairs storage C with storage N (Thornton et al. 2007).
    """
    pft = np.asarray(pft)
    leaf_cn, froot_cn = _cn(pft)
    n = _tissue_n(state.labile_c, state.leaf_c, state.froot_c, state.wood_c, leaf_cn, froot_cn)
    return np.where(_VEGETATED[pft], n, 0.0)


def n_store(state: VegState, pft) -> np.ndarray:
    """The plant's N store, ``plant_n - tissue_n_requirement``, kg N m-2 (>= 0 to rounding under N limitation)."""
    return state.plant_n - tissue_n_requirement(state, pft)


def n_uptake_demand(state: VegState, pft, dt_s) -> np.ndarray:
    """N the plant asks the soil for over the coming soil step, kg N m-2 (not a rate).

    The N that refills the store to ``N_STORE_FRACTION`` of the tissue N,
    ``max((1 + N_STORE_FRACTION) tissue_n_requirement - plant_n, 0)``; 0 on bare ground.  The whole
    shortfall is asked for in one step: the store holds weeks to months of growth N, so it is refilled
    as it is used.  ``dt_s`` (s, > 0) is the length of the step the demand is for; the demand does not depend
    on it, the argument keeps the interface of a rate-limited uptake.  Add what the soil grants with
    :func:`add_n_uptake`; the plant uses it from the next :func:`step` on (one-step lag).
    """
    if not float(dt_s) > 0.0:
        raise ValueError(f"dt_s must be positive, got {dt_s!r}")
    pft = np.asarray(pft)
    target = (1.0 + N_STORE_FRACTION) * tissue_n_requirement(state, pft)
    return np.where(_VEGETATED[pft], np.maximum(target - state.plant_n, 0.0), 0.0)


def add_n_uptake(state: VegState, uptake_kg_m2) -> None:
    """Add the N taken up from the soil over a step (kg N m-2, >= 0) to ``state.plant_n`` in place."""
    uptake = np.asarray(uptake_kg_m2, dtype=float)
    if not np.all(np.isfinite(uptake) & (uptake >= 0.0)):
        raise ValueError("N uptake must be non-negative and finite")
    state.plant_n = state.plant_n + uptake


def _phenology(s: VegState, pft, t_air, t_soil, beta, dt, managed=False):
    """Update running means and the leaf-on state in place; returns (onset, offset) masks.

    Tiles in ``managed`` (crops sown and harvested by the agriculture module) keep their running means but
    have no climate-triggered onset or offset."""
    w10 = -np.expm1(-dt / (RUNNING_MEAN_DAYS * SECONDS_PER_DAY))
    w365 = -np.expm1(-dt / (ANNUAL_MEAN_DAYS * SECONDS_PER_DAY))
    s.t_run_k += w10 * (t_air - s.t_run_k)
    s.t_ann_k += w365 * (t_air - s.t_ann_k)
    s.beta_run += w10 * (beta - s.beta_run)

    deciduous, uses_cold, uses_dry = _DECIDUOUS[pft] & ~managed, _USES_COLD[pft], _USES_DRY[pft]
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


def step(state: VegState, pft, gpp_kg_m2_s, t_air_k, t_soil_k, soil_water_stress, dt_s,
         n_limitation: bool = True, crop: CropControl | None = None) -> VegFluxes:
    """Advance vegetation carbon and nitrogen by ``dt_s`` seconds (state updated in place).

    ``gpp_kg_m2_s``: potential gross photosynthesis (kg C m-2 s-1, before any
    respiration; :func:`lsm.photosynthesis.canopy_photosynthesis` ``gpp``, whose
    leaf respiration must not also be subtracted: leaf respiration is
    accounted here from leaf N).  ``t_air_k``, ``t_soil_k``: air and root-zone
    soil temperature (K).  ``soil_water_stress``: 0 (wilted) to 1 (no stress).

    With ``n_limitation`` (default) growth is limited by the plant's N store
    and GPP is down-regulated to the carbon built (CLM4 fpg; Thornton et al.
    2007); the returned ``gpp`` is the actual GPP.  With ``n_limitation=False``
    growth is never N-limited (``fpg`` = 1, ``gpp`` = the input): ``plant_n``
    still loses the litter N, so its store may go negative (for tests and
    experiments without a soil N model).  Soil N uptake is added by the caller
    with :func:`add_n_uptake` after the step.  ``crop`` (:class:`CropControl`)
    hands managed crop tiles to the agriculture module's phenology and
    allocation; their grain growth is returned as ``grain_c`` and ``grain_n``.
    """
    pft = np.asarray(pft)
    dt = float(dt_s)
    s = state
    t_air = np.asarray(t_air_k, dtype=float)
    t_soil = np.asarray(t_soil_k, dtype=float)
    veg = _VEGETATED[pft]
    gpp = np.where(veg, np.maximum(np.asarray(gpp_kg_m2_s, dtype=float), 0.0), 0.0)
    leaf_cn, froot_cn = _cn(pft)
    beta = np.clip(np.asarray(soil_water_stress, dtype=float), 0.0, 1.0)
    old_total = s.total_c()
    start = np.stack([s.labile_c, s.leaf_c, s.froot_c, s.wood_c])

    managed = np.zeros(pft.shape, dtype=bool) if crop is None else np.asarray(crop.managed, dtype=bool)
    _phenology(s, pft, t_air, t_soil, beta, dt, managed)
    deciduous = _DECIDUOUS[pft] & ~managed

    # Maintenance respiration demand, kg C m-2 s-1.
    f_air = Q10_MR ** ((t_air - T_REF_MR) / 10.0)
    f_soil = Q10_MR ** ((t_soil - T_REF_MR) / 10.0)
    light = np.where(gpp > 0.0, LIGHT_INHIBITION, 1.0)
    mr_leaf = R20_MR * f_air * light * s.leaf_c / leaf_cn
    mr_froot = R20_MR * f_soil * s.froot_c / froot_cn
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
    # Litter N: leaves resorb half their N, wood drops its live-wood N above the dead-wood C:N; both stay in
    # the plant's store, so turnover never takes more N than the litter carbon's tissue held.
    leaf_cn_lit = np.where(veg, _LEAF_LITTER_CN[pft], 1.0)
    n_litter = lit_leaf / leaf_cn_lit + lit_froot / froot_cn + lit_wood / DEAD_WOOD_CN
    a = allocation_fractions(pft, s.leaf_c * 1e3 * _SLA[pft])
    grain_share = np.zeros(pft.shape)
    if crop is not None:
        a = np.where(managed, np.stack([crop.alloc_leaf, crop.alloc_froot, np.zeros(pft.shape)]), a)
        grain_share = np.where(managed, crop.alloc_grain, 0.0)
        grain_cn = np.where(managed, crop.grain_cn, 1.0)
    leaf_share = np.divide(a[0], a[0] + a[1], out=np.zeros_like(a[0]), where=a[0] + a[1] > 0)
    flushing = deciduous & s.leaf_on & (s.days_on < ONSET_DAYS)
    k_flush = np.where(flushing, 1.0 / (ONSET_TAU_DAYS * SECONDS_PER_DAY), lgs / SECONDS_PER_YEAR)
    flush = s.labile_c * -np.expm1(-k_flush * dt)
    if n_limitation:
        # The flush moves labile carbon (N at the leaf C:N) into leaves and fine roots.  Roots of a lower C:N
        # than leaves would need N beyond what the labile carbon carries: limit that part of the flush to the
        # store left after turnover, so the store cannot go negative (roots of a higher C:N free N instead).
        store = s.plant_n - n_litter - _tissue_n(s.labile_c, s.leaf_c - lit_leaf, s.froot_c - lit_froot,
                                                 s.wood_c - lit_wood, leaf_cn, froot_cn)
        flush_need = flush * (1.0 - leaf_share) * np.maximum(1.0 / froot_cn - 1.0 / leaf_cn, 0.0)
        flush = flush * np.divide(np.maximum(store, 0.0), flush_need, out=np.ones_like(flush),
                                  where=flush_need > np.maximum(store, 0.0))
    flush_leaf = flush * leaf_share

    pools = np.stack([s.labile_c - flush, s.leaf_c - lit_leaf + flush_leaf,
                      s.froot_c - lit_froot + (flush - flush_leaf), s.wood_c - lit_wood])

    after_turnover = pools.copy()

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
    g_grain = growth * grain_share
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
    g_leaf, g_froot, g_wood, g_grain = g_leaf * keep, g_froot * keep, g_wood * keep, g_grain * keep
    # Fine roots stay in functional balance with the largest canopy; the surplus goes to wood, or is
    # exuded to the soil by plants without wood.
    spill = np.maximum(g_froot - np.maximum(_FROOT_MAX[pft] - pools[2], 0.0), 0.0)
    g_froot = g_froot - spill
    g_wood = g_wood + np.where(_WOODY[pft], spill, 0.0)
    exudate = np.where(_WOODY[pft], 0.0, spill)
    to_labile = refill + st_leaf + st_froot

    # Nitrogen limitation (CLM4 fpg, Thornton et al. 2007): the N this growth needs at the pools' C:N (the
    # exudate needs none) against the store left after turnover, flush and maintenance.  Scaling every
    # component by fpg keeps the allocation; the carbon not built is not assimilated.
    n_need = to_labile / leaf_cn + g_leaf / leaf_cn + g_froot / froot_cn + g_wood * WOOD_N_PER_C
    if crop is not None:
        n_need = n_need + g_grain / grain_cn
    if n_limitation:
        store = np.maximum(s.plant_n - n_litter - _tissue_n(*pools, leaf_cn, froot_cn), 0.0)
        fpg = np.divide(store, n_need, out=np.ones_like(n_need), where=n_need > store)
    else:
        fpg = np.ones_like(n_need)
    limited = fpg < 1.0
    to_labile, st_froot, g_leaf, g_froot, g_wood, g_grain, exudate = (
        x * fpg for x in (to_labile, st_froot, g_leaf, g_froot, g_wood, g_grain, exudate))
    n_growth = n_need * fpg
    # Down-regulated supply: the maintenance paid plus what is built and its growth respiration (limited tiles
    # have a surplus, so no deficit was taken from the pools).  Unlimited tiles keep the GPP unchanged.
    growth, gresp = growth * fpg, gresp * fpg
    supply = np.where(limited, mr_total + growth + gresp, supply)
    root_built = g_froot + st_froot + CROOT_FRAC * g_wood
    grown = np.stack([to_labile, g_leaf, g_froot, g_wood])
    pools[0] += to_labile
    pools[1] += g_leaf
    pools[2] += g_froot
    pools[3] += g_wood
    s.labile_c, s.leaf_c, s.froot_c, s.wood_c = pools[0], pools[1], pools[2], pools[3]

    root_gr = gresp * np.divide(root_built, growth, out=np.zeros_like(growth), where=growth > 0)
    if crop is not None:
        # Grain of a dearer growth respiration than the other tissues: of the carbon its share of growth took,
        # less is built and the rest respired (Sinclair & de Wit 1975); its N need was reckoned on the larger
        # amount, whose surplus stays in the store.
        built = g_grain * (1.0 + GROWTH_RESP_FRAC) / (1.0 + np.asarray(crop.grain_growth_respiration))
        gresp = gresp + (g_grain - built)
        growth = growth - (g_grain - built)
        g_grain = built
    # Plant N loses the litter N and the grain N; the growth N came from the store, which is part of plant N.
    grain_n = g_grain / grain_cn if crop is not None else np.zeros(pft.shape)
    s.plant_n = s.plant_n - n_litter - grain_n

    # Litter quality.
    fm_leaf, fm_froot = _FM_LEAF[pft], _FM_FROOT[pft]
    met_c = fm_leaf * lit_leaf + fm_froot * lit_froot + exudate
    str_c = (1.0 - fm_leaf) * lit_leaf + (1.0 - fm_froot) * lit_froot + lit_wood
    # wood litter keeps the N of dead wood: it becomes coarse woody debris in the soil, not leaf-like litter
    cwd_n = np.minimum(lit_wood / DEAD_WOOD_CN, n_litter)
    str_n = cwd_n + np.minimum((str_c - lit_wood) / STRUCTURAL_CN, n_litter - cwd_n)
    lignin_c = _LEAF_LIGNIN[pft] * lit_leaf + _FROOT_LIGNIN[pft] * lit_froot + WOOD_LIGNIN * lit_wood
    litter = lit_leaf + lit_froot + lit_wood + exudate

    ra_total = mr_total + gresp
    residual = (s.total_c() - old_total) - (supply - ra_total - litter - g_grain)
    inv = 1.0 / dt
    return VegFluxes(
        gpp=np.where(limited, supply * inv, gpp), npp=(supply - ra_total) * inv, ra=ra_total * inv,
        grain_c=g_grain * inv, grain_n=grain_n * inv,
        mr=mr_total * inv, gr=gresp * inv,
        mr_leaf=mr_leaf, mr_froot=mr_froot, mr_wood=mr_wood,
        root_resp=mr_froot + mr_croot + root_gr * inv,
        litter_leaf_c=lit_leaf * inv, litter_froot_c=lit_froot * inv, litter_wood_c=lit_wood * inv,
        exudate_c=exudate * inv,
        litter_met_c=met_c * inv, litter_str_c=str_c * inv,
        litter_met_n=(n_litter - str_n) * inv, litter_str_n=str_n * inv, litter_cwd_n=cwd_n * inv,
        litter_str_lignin=np.divide(lignin_c, str_c, out=np.zeros_like(str_c), where=str_c > 0),
        lai=s.leaf_c * 1e3 * _SLA[pft],
        residual=residual,
        gpp_potential=gpp, fpg=fpg, n_growth=n_growth * inv, n_litter=n_litter * inv,
        flows=VegCarbonFlows(start=start, litter=np.stack([np.zeros_like(lit_leaf), lit_leaf, lit_froot, lit_wood]),
                             flush=flush, flush_leaf=flush_leaf, after_turnover=after_turnover, take=take,
                             growth=grown, assimilated=supply, exudate=exudate,
                             metabolic_share=np.stack(np.broadcast_arrays(0.0, fm_leaf, fm_froot, 0.0))),
    )
