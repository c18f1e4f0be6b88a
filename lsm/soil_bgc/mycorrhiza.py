"""Mycorrhizal types and plant nitrogen uptake from the soil (SCIENCE.md section 3, mechanism 10).

Plants take up nitrogen through their roots and mycorrhizal fungi:

- **arbuscular mycorrhizal (AM)** plants take mineral N (NH4+, NO3-) only;
  AM fungi extend the roots' absorbing surface but do not mine organic
  matter (Read & Perez-Moreno 2003, New Phytol. 157, 475);
- **ectomycorrhizal (ECM)** plants (and the ericoid ones counted with them)
  also take dissolved organic N, amino acids and peptides released by
  proteolysis, directly through their fungi ("organic N mining"; Lindahl &
  Tunlid 2015, New Phytol. 205, 1443).

Plant uptake competes with microbial immobilisation for the same NH4+ and
NO3-, and ECM uptake with saprotroph uptake for the same DON.  The soil
column proposes every demand on a pool and scales them down in proportion
when the pool cannot meet them all (:mod:`lsm.soil_bgc.numerics`): the
"relative demand" competition of CLM4 (Thornton et al. 2007, Global
Biogeochem. Cycles 21, GB4018).  When ECM take organic N, saprotrophs are
left N-limited, grow less, make fewer enzymes and decompose litter more
slowly: the Gadgil effect (Gadgil & Gadgil 1971, Nature 233, 133) emerges
from this competition, strongest where litter is N-poor (Smith & Wan 2019,
New Phytol. 223, 1595; Fernandez & Kennedy 2016, New Phytol. 209, 1382),
and ECM soils store more carbon per unit nitrogen (Averill et al. 2014,
Nature 505, 543).  Nothing in the code prescribes either result.

The fungi take organic N as amino acids and peptides, which carry C at the
C:N of protein, :data:`AMINO_ACID_CN` (3.25, below), not at the C:N of the
bulk dissolved organic matter, whose carbon is mostly carbohydrate and
phenolics that the saprotrophs use.  That carbon is respired by the fungi
and leaves the soil as CO2 (``fungal_respiration_c``), so carbon stays
booked.  (Taking DOC at the bulk C:N made the fungi of N-poor soils remove
~50 kg of C per kg of N and starve the saprotrophs to extinction in the
global spin-up: a runaway Gadgil effect that no field study shows.)

Uptake kinetics
---------------
Potential uptake of each form is Michaelis-Menten in the soil pool (DON for
organic N) and linear in fine-root carbon,
``U_max = vmax f_T B_root S / (K + S) dt``, where ``f_T = Q10^((T - 25 degC)/10 K)``.
The actual uptake is the smaller of the potential and the plant's demand,
shared among the forms in proportion to their potentials.

Parameters
----------
- :data:`ROOT_VMAX_N`: 8.6e-8 kg N per kg root C per s, the NH4+ influx
  capacity of ~10 umol g-1 root dry weight h-1 measured in conifer and
  grass roots (Kronzucker et al. 1996, Plant Physiol. 110, 773; Bassirirad
  2000, New Phytol. 147, 155), at 0.45 g C per g dry weight; NO3- takes the
  same capacity (the two are of one order in Bassirirad's compilation).
- :data:`ROOT_KM_N`: 2.0e-4 kg N m-2 of the 1 m soil layer: 50 uM, the
  high-affinity transport systems' half-saturation (Kronzucker et al. 1996:
  20-40 uM NH4+; nitrate 10-100 uM), in 300 L of soil water per m2.
- :data:`UPTAKE_Q10`: 2.0 (Bassirirad 2000: Q10 of NH4+ and NO3- uptake
  1.5-3 between 5 and 25 degC).
- :data:`ECM_DON_VMAX`: the same influx capacity per root carbon for amino
  acids: ECM roots take glycine and glutamine at rates similar to NH4+
  (Persson & Nasholm 2001, Physiol. Plant. 113, 352; Nasholm et al. 2009,
  New Phytol. 182, 31).
- :data:`ECM_DON_KM_N`: the half-saturation of amino-acid uptake, in the
  dissolved organic N itself: :data:`ROOT_KM_N`, 50 uM N.  Amino-acid
  transporters of ECM roots and fungi have Km of tens of uM (Wallenda & Read
  1999, Plant Cell Environ. 22, 179; Nasholm et al. 2009), the range of the
  ammonium ones.  The fungi meet the N of the DOM, not its C: uptake slows as
  the saprotrophs and the fungi strip DON, whatever DOC remains.  (A
  half-saturation in DOC, as first written, kept the fungi at full capacity
  in DOM of C:N 900 and left the forest soils of the global spin-up without
  mineral N, issue 6.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lsm.soil_bgc.kinetics import q10_factor

__all__ = [
    "AMINO_ACID_CN",
    "AM",
    "ECM",
    "MycorrhizalType",
    "MycorrhizalParameters",
    "mixed_parameters",
    "PlantUptake",
    "potential_plant_n_uptake",
    "ROOT_VMAX_N",
    "ROOT_KM_N",
    "UPTAKE_Q10",
    "UPTAKE_T_REF_K",
]

#: Influx capacity of mineral N per root carbon at 25 degC, kg N kg-1 C s-1 (~10 umol g-1 DW h-1).
ROOT_VMAX_N = 10e-6 * 1e3 * 14.007e-3 / 3600.0 / 0.45  # mol g-1 h-1 -> kg N kg-1 DW s-1 -> per kg C
#: Half-saturation of root uptake, kg N m-2 of the soil layer (50 uM in 300 L m-2 of soil water).
ROOT_KM_N = 50e-6 * 14.007e-3 * 300.0
#: Temperature sensitivity of root N uptake (Bassirirad 2000).
UPTAKE_Q10 = 2.0
UPTAKE_T_REF_K = 298.15
#: Half-saturation of DON (amino-acid) uptake by ECM fungi, kg N m-2 of DON: that of the mineral forms.
ECM_DON_KM_N = ROOT_KM_N
ECM_DON_VMAX = ROOT_VMAX_N
#: C:N (mass) of the amino acids and peptides that ECM fungi take: protein is ~52 % C and N x 6.25 (Jones'
#: factor), so C:N = 0.52 x 6.25 = 3.25 (Jones 1931, USDA Circ. 183; Mariotti et al. 2008, Crit. Rev. Food
#: Sci. Nutr. 48, 177).
AMINO_ACID_CN = 3.25


@dataclass(frozen=True)
class MycorrhizalType:
    """Uptake traits of one mycorrhizal association (per kg fine-root C, at 25 degC)."""

    name: str
    #: Mineral N (NH4+ and NO3-) influx capacity, kg N kg-1 C s-1.
    vmax_mineral: float
    #: Organic N (DON) influx capacity through the fungi, kg N kg-1 C s-1 (0: no organic uptake).
    vmax_organic: float


#: Arbuscular mycorrhiza: mineral N only.
AM = MycorrhizalType("AM", vmax_mineral=ROOT_VMAX_N, vmax_organic=0.0)
#: Ectomycorrhiza (and ericoid): mineral N and dissolved organic N.
ECM = MycorrhizalType("ECM", vmax_mineral=ROOT_VMAX_N, vmax_organic=ECM_DON_VMAX)


class MycorrhizalParameters(NamedTuple):
    """Per-tile uptake traits of a mixture of AM and ECM plants."""

    vmax_mineral: np.ndarray
    vmax_organic: np.ndarray


def mixed_parameters(ecm_fraction) -> MycorrhizalParameters:
    """Traits of tiles whose plants are a share ``ecm_fraction`` (0-1) ECM and the rest AM, mixed linearly."""
    f = np.clip(np.asarray(ecm_fraction, dtype=float), 0.0, 1.0)
    return MycorrhizalParameters(AM.vmax_mineral + f * (ECM.vmax_mineral - AM.vmax_mineral),
                                 AM.vmax_organic + f * (ECM.vmax_organic - AM.vmax_organic))


class PlantUptake(NamedTuple):
    """Plant N uptake proposed for one step, kg N m-2 (before competition), and the DOC carried."""

    nh4: np.ndarray
    no3: np.ndarray
    don: np.ndarray
    #: Dissolved organic C taken with ``don`` at the DOM C:N, respired by the fungi, kg C m-2.
    doc: np.ndarray


def potential_plant_n_uptake(demand, root_c, nh4, no3, dom_c, dom_n, t_soil_k, params: MycorrhizalParameters,
                             dt) -> PlantUptake:
    """Plant uptake of NH4+, NO3- and DON over a step of ``dt`` s, kg N m-2 (see the module docstring).

    ``demand`` kg N m-2 over the step (the plant's, >= 0); ``root_c`` fine-root
    carbon, kg C m-2; pools kg m-2; ``t_soil_k`` K.  Each form's capacity is
    ``vmax f_T root_c S / (K + S) dt``; their sum is capped by ``demand`` and
    the cap shared in proportion to the capacities.  The result is a
    proposal: the soil column shares each pool with the microbes.
    """
    f_t = q10_factor(t_soil_k, UPTAKE_Q10, UPTAKE_T_REF_K) * dt * np.maximum(np.asarray(root_c, dtype=float), 0.0)
    cap_nh4 = params.vmax_mineral * f_t * _saturation(nh4, ROOT_KM_N)
    cap_no3 = params.vmax_mineral * f_t * _saturation(no3, ROOT_KM_N)
    # amino acids are met at their own concentration, the DON (not the DOC that carries them)
    dom_c, dom_n = np.broadcast_arrays(np.asarray(dom_c, dtype=float), np.asarray(dom_n, dtype=float))
    n_per_c = np.divide(dom_n, dom_c, out=np.zeros(dom_c.shape), where=dom_c > 0.0)
    cap_don = params.vmax_organic * f_t * _saturation(dom_n, ECM_DON_KM_N) * (n_per_c > 0.0)
    cap = cap_nh4 + cap_no3 + cap_don
    take = np.minimum(np.maximum(np.asarray(demand, dtype=float), 0.0), cap)
    share = np.divide(take, cap, out=np.zeros_like(cap), where=cap > 0.0)
    don = cap_don * share
    # the C of amino acids, or of the DOM itself where that is richer in N than protein
    c_per_n = np.minimum(AMINO_ACID_CN, np.divide(1.0, n_per_c, out=np.zeros_like(n_per_c), where=n_per_c > 0.0))
    doc = don * c_per_n
    return PlantUptake(cap_nh4 * share, cap_no3 * share, don, doc)


def _saturation(s, k):
    s = np.maximum(np.asarray(s, dtype=float), 0.0)
    return s / (k + s)
