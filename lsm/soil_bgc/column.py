"""One step of the microbial-explicit soil carbon-nitrogen model for every column of a rank.

The processes of SCIENCE.md section 3 (mechanisms 1-4 and 10) act on the
pools of :mod:`lsm.soil_bgc.pools` in a bulk layer of the top metre of soil
(:data:`SOIL_LAYER_DEPTH_M`), driven by its mean temperature and water:

::

    litterfall ──> L (labile) ──E_L──┐   (a leached share of the labile input goes to DOM directly)
               └─> R (recalcitrant) ─E_R─┼──> DOM ──uptake──> microbes B ──> CO2 (growth, overflow,
          R <──> aggregates       MAOM ─E_R─┘    │  ^                │    maintenance respiration)
                                  ^   ^ sorption │  └── enzyme turnover, death (1 - f_prot)
                                  │   └──────────┘                   │
                                  └──────── protected necromass f_prot┘
    NH4+ <──> microbes (mineralisation / immobilisation), NH4+ -> NO3- (nitrification; N2O, NO)
    NO3- -> leaching | denitrification (N2O, N2);  DOM -> leaching (DOC to rivers)
    MAOM <──> strongly bound MAOM (ageing over centuries; it holds sites but neither desorbs nor meets enzymes)
    NH4+, NO3-, DON (ECM) -> plants;  deposition, fixation -> NH4+, NO3-
    wood litter -> coarse woody debris (CWD) -> R (fragmentation; CWD is neither occluded nor attacked by enzymes)

A step has two stages, each a set of fluxes moved by the mass-conserving
limiter :func:`lsm.soil_bgc.numerics.transfer`:

A. fragmentation of coarse woody debris into R (first order, Arrhenius), depolymerisation of L and R by
   their enzymes and of MAOM by the
   R-enzymes (equilibrium-chemistry kinetics, Arrhenius; optionally the
   oxidative R-enzymes limited by the O2 around the roots,
   :mod:`lsm.soil_bgc.oxygen`), sorption of DOM to
   minerals (Langmuir), ageing of MAOM into a strongly bound form and its release, aggregate formation and
   breakdown, uptake of DOM by
   the active microbes (Michaelis-Menten in the DAMM soluble substrate,
   O2-limited, optionally upscaled for sub-grid heterogeneity,
   :mod:`lsm.soil_bgc.upscaling`), switching between active and dormant biomass
   (:mod:`lsm.soil_bgc.dormancy`, by water potential too), the Birch effect of a wet-up (osmotic-shock
   death, slaking of aggregates, revival of dormant cells; :mod:`lsm.soil_bgc.rewetting`, from the water
   potential before and after the step), the microbes' bid for mineral N, plant uptake of NH4+, NO3-
   and (ECM) DON, nitrification with its N2O and NO, the NO3- loss split
   between leaching and denitrification (:mod:`lsm.soil_bgc.leaching`,
   :mod:`lsm.soil_bgc.nitrogen`), DOM leaching, enzyme turnover and
   microbial death.  Competing bids on a pool (microbes and plants on NH4+,
   saprotrophs and ECM fungi on DOM) are scaled down in proportion when the
   pool cannot meet them: the relative-demand rule (Thornton et al. 2007).
   Uptake lands in staging rows (the C, N and mineral N the microbes took).
B. microbial metabolism of what was taken up, exactly partitioned by
   :mod:`lsm.soil_bgc.microbes`: maintenance (from uptake first, then
   biomass), co-limited growth with growth and overflow respiration, N
   mineralised or immobilised, unused mineral N returned, and enzyme
   production split by the optimal allocation of :mod:`lsm.soil_bgc.enzymes`.

Every flux is explicit in time over the step and limited so that no pool
goes negative; the books of C and N close to rounding per column: what
leaves the state is respiration, plant uptake, leaching and the N gases, all returned.

Parameters are MEND's (Wang et al. 2013, Ecol. Appl. 23, 255, Table 2),
converted from mg C g-1 soil to kg C m-2 of the layer with
:data:`SOIL_MASS_KG_M2`, and cited per field of :class:`SoilBgcParameters`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lsm.soil_texture import FIELD_CAPACITY_SUCTION_M, WILTING_POINT_SUCTION_M

from . import dormancy, enzymes, isotopes, kinetics, microbes, oxygen, rewetting
from .leaching import dom_leaching, drainage_rate, nitrate_loss
from .mycorrhiza import AMINO_ACID_CN, ROOT_KM_N, MycorrhizalParameters, potential_plant_n_uptake
from .nitrogen import (DEFAULT_SOIL_PH, anoxic_fraction, anoxic_wfps_midpoint, denitrification_rate, n2_n2o_ratio,
                       nitrification, nitrification_n2o_yield, no_n2o_ratio, relative_gas_diffusivity,
                       wfps_at_suction)
from .nitrogen_inputs import DEPOSITION_NH4_FRACTION, fixation_demand_factor, fixation_inhibition
from .numerics import OUT, FluxTable, carry_shadow, transfer
from .pools import C_ROWS, VARIABLES, SoilState
from .upscaling import UpscalingParameters, relative_correction

__all__ = ["SOIL_LAYER_DEPTH_M", "SOIL_MASS_KG_M2", "TOPSOIL_DEPTH_M", "SoilBgcParameters", "SoilDrivers",
           "SoilFluxes", "step"]

#: Depth of the bulk soil layer of the model, m (the "top metre" of soil carbon inventories).
SOIL_LAYER_DEPTH_M = 1.0
#: Depth of the topsoil whose water sets the nitrifiers' gas yields, m: the two upper hydrology layers (DAYCENT
#: uses the top 15 cm).
TOPSOIL_DEPTH_M = 0.2
#: Mass of soil in the layer, kg m-2: bulk density 1.3 g cm-3 (a mineral-soil mean) over 1 m.
SOIL_MASS_KG_M2 = 1300.0 * SOIL_LAYER_DEPTH_M
#: 1 mg C per g soil in kg C m-2 of the layer.
MG_G = 1e-3 * SOIL_MASS_KG_M2
HOUR = 3600.0
#: Relative saturation (liquid water / porosity) at which the sorption rate equals MEND's bulk ``K_ads``: the
#: field-capacity state of incubations (~60 % water-filled pore space, Linn & Doran 1984, Soil Sci. Soc. Am.
#: J. 48, 1267).
SORPTION_REFERENCE_SATURATION = 0.6

# MEND (Wang et al. 2013, Table 2) rates per hour at the 20 degC of its calibration, used at T_REF 25 degC.
_MEND_VP, _MEND_VM, _MEND_VD, _MEND_MR, _MEND_EC = 2.5, 1.0, 5e-4, 2.8e-4, 0.47
_MEND_PEP, _MEND_RE = 0.01, 1e-3


@dataclass(frozen=True)
class SoilBgcParameters:
    """Parameters of the soil model; rates s-1 at 25 degC, amounts kg m-2 of the layer."""

    #: Depolymerisation of labile litter per unit enzyme: MEND ``V_P`` 2.5 h-1.
    vmax_labile_s: float = _MEND_VP / HOUR
    #: Of recalcitrant litter: ``V_P`` x 3.9/14.8 x 10.  With :attr:`km_recalcitrant` ten times
    #: :attr:`km_litter`, the first-order equivalent ``vmax E / K`` keeps CENTURY's structural / metabolic
    #: decay ratio 3.9/14.8 (Parton et al. 1987) at low stocks.
    vmax_recalcitrant_s: float = 10.0 * _MEND_VP * 3.9 / 14.8 / HOUR
    #: Of mineral-associated organic matter by the R-enzymes: MEND ``V_M`` 1 h-1.
    vmax_maom_s: float = _MEND_VM / HOUR
    #: Half-saturation of litter depolymerisation, kg C m-2.  MEND's ``K_P`` (50 mg C g-1, 65 kg C m-2) belongs
    #: to its particulate pool of ~10 mg C g-1; for litter, 0.5 kg C m-2 makes the first-order equivalent
    #: ``vmax E_L / K`` of the labile litter at the steady enzyme pool of a ~0.1 kg C m-2 biomass equal to
    #: CENTURY's metabolic decay rate, 14.8 yr-1 (Parton et al. 1987), as MIMICS calibrates its Vmax/Km to
    #: litter-bag data (Wieder et al. 2014).
    km_litter: float = 0.5
    #: Half-saturation of recalcitrant-litter depolymerisation, 5 kg C m-2: above the 1-5 kg C m-2 of
    #: structural litter on forest floors (Pregitzer & Euskirchen 2004; Pan et al. 2011), so that its decay
    #: stays first order in the litter mass, as litter bags show for lignified litter at any stock (Olson
    #: 1963; Adair et al. 2008, Glob. Change Biol. 14, 2636).  MIMICS goes further: its structural-litter
    #: ``K_m``, ``10 exp(0.035 T + 3.19) / 2`` mg C cm-3 (~250 at 20 degC), lies far above its litter pools and
    #: is ~5 times its metabolic-litter one (Wieder et al. 2015, Global Biogeochem. Cycles 29, 1782).  At
    #: 0.5 kg C m-2 the R-enzymes saturated at forest stocks and, with N-limited microbes making few enzymes,
    #: the structural litter and the aggregates built from it piled up without end.
    km_recalcitrant: float = 5.0
    #: Half-saturation of MAOM depolymerisation: MEND ``K_M`` 250 mg C g-1.
    km_maom: float = 250.0 * MG_G
    #: Maximum specific DOM uptake by active microbes, 0.0125 h-1: between MEND's calibrated
    #: ``(V_D + m_R) / E_c`` = 1.66e-3 h-1, fitted for a biomass that is mostly inactive, and the
    #: ``mu_max / Y`` ~ 0.2-0.6 h-1 of biomass growing on glucose (Blagodatsky et al. 2000, Soil Biol. Biochem.
    #: 32, 1757).  The value is set by the persistence of the community: growth on DOM must outpace
    #: maintenance and death, ``Y vmax S/(K + S) f_O2 > m_R + d``, at the DOM that sorption leaves in a soil
    #: without microbes, also at 30 degC (CUE ~0.3) and in nearly saturated soil; at 0.01 h-1 an extinct
    #: community does not come back near saturation, and above ~0.015 h-1 the biomass of temperate soil
    #: exceeds the observed 1-3 % of soil C (tests/lsm/soil_bgc/test_column.py).
    uptake_vmax_s: float = 0.0125 / HOUR
    #: Half-saturation of DOM uptake, kg C m-2 of the soluble DOM at the reaction site: 0.01 kg C m-2, i.e.
    #: 33 mg C L-1 in the 300 L of water of the layer, within the 10-100 mg C L-1 of soil solutions (Kalbitz et
    #: al. 2000, Soil Sci. 165, 277); MEND's 0.26 mg C g-1 (0.34 kg C m-2) refers to its larger DOC pool.
    km_dom: float = 0.01
    #: Microbial death at the reference biomass: MEND ``(1 - p_EP - p_EM) m_R`` = 2.74e-4 h-1.
    mortality_s: float = (1.0 - 2.0 * _MEND_PEP) * _MEND_MR / HOUR
    #: Density dependence of microbial death, ``k = mortality_s f_T (B / B_ref)^(beta - 1)``: exponent ``beta``
    #: 2, the community-level regulation (predation, viral lysis, competition for space) that Georgiou et al.
    #: (2017, Nat. Commun. 8, 1223) found needed to reproduce the long-term litter manipulations (DIRT), which
    #: first-order death (``beta`` 1) cannot.  With first-order death the microbes persist only where their
    #: uptake per unit biomass beats ``(m_R / Y + m) / V_max`` whatever their number; in wet, warm soils (DAMM
    #: O2 limitation, lower CUE) it did not, and the tropical forest communities of the global spin-up died
    #: out under a growing litter pile.  With ``beta`` 2 a thinning community dies more slowly and recovers.
    mortality_density_exponent: float = 2.0
    #: ``B_ref``, kg C m-2 of the 1 m layer: the biomass at which the death rate is MEND's, 0.1, the order of
    #: the mean soil microbial biomass of the top metre, 0.1-0.2 kg C m-2 (Xu et al. 2013, Global Ecol.
    #: Biogeogr. 22, 737).
    mortality_reference_biomass_kg_m2: float = 0.1
    #: Enzyme production per biomass C: MEND ``(p_EP + p_EM) m_R`` = 5.6e-6 h-1, independent of temperature as
    #: in Allison et al. (2010, Nat. Geosci. 3, 336): warming speeds the enzymes, not their making.  Scaled by
    #: the Arrhenius factor as well as the enzymes' ``V_max``, decomposition went as ``f_T^2`` (Q10 ~4), and
    #: cold soils kept their litter.
    enzyme_production_s: float = 2.0 * _MEND_PEP * _MEND_MR / HOUR
    #: Enzyme turnover: MEND ``r_E`` 1e-3 h-1.
    enzyme_turnover_s: float = _MEND_RE / HOUR
    #: Langmuir sorption of the diffusing DOM (the DAMM soluble substrate, ``DOM (theta/porosity)^3``) to
    #: minerals, x ``(1 - MAOM/Q_max)``: MEND ``K_ads`` = ``K_ba K_des`` = 6e-3 h-1, fitted to bulk DOC, divided
    #: by the diffusing fraction at the relative saturation of :data:`SORPTION_REFERENCE_SATURATION` so that
    #: the bulk rate is MEND's there.  DOM reaches a mineral surface through the same water films as it
    #: reaches a cell; were sorption not limited alike, a drying soil would starve the microbes while the
    #: minerals kept drawing DOM down, and warm, moderately dry soils would lose their microbes for good.
    sorption_s: float = 6.0 * 1e-3 / SORPTION_REFERENCE_SATURATION**3 / HOUR
    #: Desorption at full capacity, x ``MAOM / Q_max``, kg C m-2 s-1: 2.5e-4 mg C g-1 h-1.  MEND's ``K_des``
    #: (1e-3) belongs to its fast adsorbed phase of capacity 1.7 mg C g-1; with the ~30x larger capacity of
    #: the mineral-associated pool here it is scaled down so that MAOM turns over in ~20-30 years at 15 degC,
    #: the fast-cycling fraction of radiocarbon-dated MAOM (Trumbore 2009, Annu. Rev. Earth Planet. Sci. 37,
    #: 47), and the Langmuir equilibrium with DOC fills ~15 % of the capacity.  Slower desorption cannot stand
    #: in for the old, strongly bound MAOM (below): half this rate raised the spun-up soil C into the range of
    #: the inventories but starved the microbes of cold and N-poor soils, which live on the desorbed DOC, and
    #: ~2,300 more tiles lost their community (issue 6).
    desorption_kg_m2_s: float = 2.5e-4 * MG_G / HOUR
    #: MAOM capacity per kg of clay + silt, kg C kg-1: 86 mg C g-1 (Georgiou et al. 2022, Nat. Commun. 13, 3797).
    #: The exchangeable and the strongly bound MAOM share it.
    maom_capacity_per_fines: float = 0.086
    #: Release of strongly bound MAOM to the exchangeable phase, s-1: 500 years.  Sorbed organic matter ages
    #: into inner-sphere (ligand-exchange) complexes and multilayer coatings that neither water nor salt
    #: solutions desorb (Kaiser & Guggenberger 2000, Org. Geochem. 31, 711; the contact zone of Kleber et al.
    #: 2007, Biogeochemistry 85, 9) and that enzymes cannot reach; it comes back only as the bonds weaken
    #: (root-exudate acids, reductive dissolution; Keiluweit et al. 2015, Nat. Clim. Change 5, 588).  500 years
    #: is the centennial-to-millennial turnover of radiocarbon-dated mineral-associated fractions (Trumbore
    #: 2009; Heckman et al. 2022, Glob. Change Biol. 28, 1178).  MEND splits its mineral-associated C the same
    #: way, into an adsorbed phase in exchange with DOC and a slow pool (Wang et al. 2013).
    maom_destabilisation_s: float = 1.0 / (500.0 * 365.0 * 86400.0)
    #: Ageing of exchangeable into strongly bound MAOM, s-1: half the release rate, so that the strongly bound
    #: pool holds half the exchangeable one at steady state (a third of MAOM).  Calibrated: it brings the
    #: spun-up soil C of the top metre to the ~1,500 Pg C of the inventories (Batjes 1996, Eur. J. Soil Sci.
    #: 47, 151: 1,462-1,548), where the exchangeable MAOM alone left ~1,100 (issue 6).  At steady state it
    #: changes no other flux: what ages returns, and the strongly bound matter is out of reach of the microbes.
    maom_stabilisation_s: float = 0.5 / (500.0 * 365.0 * 86400.0)
    #: Fragmentation of coarse woody debris into recalcitrant litter, s-1 at 25 degC: 0.001 d-1, CLM4.5's
    #: ``k_frag`` (Oleson et al. 2013, NCAR/TN-503+STR, section 15.5), with the Arrhenius response of the
    #: enzymes (Q10 2.0 near 15 degC; wood decay across biomes has Q10 ~2-2.5, Weedon et al. 2009, Ecol. Lett. 12,
    #: 45).  It gives 0.06 yr-1 at 0 degC and 0.37 yr-1 at 25 degC, the range of the boreal to tropical decay
    #: constants of dead wood (Harmon et al. 2020, Carbon Balance Manag. 15, 1; Chambers et al. 2000, Oecologia
    #: 122, 380: 0.17 yr-1 in central Amazonia).  Dead wood lies on and above the soil: neither the water of
    #: the root zone nor its minerals act on it, and aggregates cannot occlude it until it has fragmented.
    #: (Entering R directly, wood was occluded at the 60-day aggregate rate, and tropical forest soils held
    #: 20-27 kg C m-2 in aggregates in the 2026-12 spin-up.)
    cwd_fragmentation_s: float = 0.001 / 86400.0
    #: Occlusion of recalcitrant litter in aggregates, s-1: macroaggregates form around fresh particulate matter
    #: and turn over in ~30-90 days (Six et al. 2000, Soil Biol. Biochem. 32, 2099; De Gryze et al. 2006, Eur. J.
    #: Soil Sci. 57, 693): 60 days.
    aggregate_formation_s: float = 1.0 / (60.0 * 86400.0)
    #: Release of occluded matter, s-1: 1 year.  What stays protected is the particulate matter of the
    #: microaggregates formed inside macroaggregates (Six et al. 2000), which outlives the macroaggregate:
    #: occluded light fractions are decades to centuries old in radiocarbon (Schrumpf et al. 2013,
    #: Biogeosciences 10, 1675), so one year is a short, conservative residence.  With it the occluded pool
    #: holds ~6 times the free structural litter and particulate matter makes ~30 % of the spun-up soil C,
    #: the share that mineral-associated matter leaves globally (about two thirds MAOM; Sokol et al. 2022,
    #: Glob. Change Biol. 28, 7152).  A release at the 60-day macroaggregate turnover left it at 8 % and the
    #: soil C of the top metre at ~940 Pg C, below the 1,200-2,500 of the inventories (issue 6).
    aggregate_breakdown_s: float = 1.0 / (365.0 * 86400.0)
    #: Rate of DOM uptake in anoxic soil relative to fully aerated soil: microbes in O2-free microsites go on
    #: by fermentation and other electron acceptors, more slowly.  CENTURY's minimum anaerobic decomposition
    #: factor ``aneref(3)`` = 0.3 (Parton et al. 1988, Biogeochemistry 5, 109; DayCent fix.100).  The
    #: uptake's O2 factor is ``f + (1 - f) O2lim / O2lim_dry`` with the DAMM limitation ``O2lim``: without
    #: the floor DAMM cuts uptake to a third at field capacity and to nothing near saturation, and the
    #: microbes of wet tropical soils died out in the global spin-up.
    anaerobic_uptake_fraction: float = 0.3
    #: Share of the metabolic litter input (C and N) that enters DOM directly, not through the enzymes: the
    #: water-soluble sugars, amino acids and phenolics leached from fresh litter in its first days (10-30 % of
    #: leaf litter mass, about half its metabolic fraction; Berg & McClaugherty 2014, Plant Litter, 3rd ed.;
    #: Soong et al. 2015, Biogeochemistry 124, 27) and the root exudates counted with it.  It keeps a soil
    #: without microbes colonisable: were every input to wait for enzymes that only microbes make, an
    #: extinct community would stay extinct under a growing litter pile.
    litter_leaching_fraction: float = 0.3
    #: Share of the metabolic litter input C that arrives as living microbes (with N at the biomass C:N):
    #: leaves and roots are shed already colonised by phyllosphere and rhizosphere microbes and the endophytic
    #: fungi that start decomposition (Osono 2006, Can. J. Microbiol. 52, 701).  Phyllosphere bacteria at
    #: 1e6-1e7 cells cm-2 (Lindow & Brandl 2003, Appl. Environ. Microbiol. 69, 1875), ~0.1 pg C per cell,
    #: on a leaf of ~5 mg C cm-2 give 2e-5-2e-4 of its C; with the fungi, 1e-3 is an upper estimate.  It
    #: reseeds a soil whose community has died out: without it, an extinct community is a steady state of
    #: the equations, and the N-starved tropical-forest soils of the global spin-up stayed in it, with
    #: litter piling up for ever.  Below the biomass a living community keeps it changes nothing measurable
    #: (0.4 g C m-2 yr-1 against ~150 g C m-2 of biomass).
    litter_inoculum_fraction: float = 1e-3
    #: Share of the enzymes on R when optimal allocation is off (``priming = False``).
    fixed_alpha: float = 0.5
    #: Optimal enzyme allocation on (priming emerges) or a fixed split.
    priming: bool = True
    #: Temperature-dependent physiological yield (Qiao et al. 2019) or the constant :data:`microbes.YIELD_C`.
    temperature_cue: bool = True
    #: Active and dormant biomass (:mod:`lsm.soil_bgc.dormancy`), or active biomass only.  Off by default until
    #: calibrated: with MEND's switching the dormant pool holds (1 - phi) / phi times the active biomass, ~12 %
    #: of soil C in a temperate test column against the observed 1-3 % (issue 7).
    dormancy: bool = False
    #: Birch effect on rewetting a dry soil (:mod:`lsm.soil_bgc.rewetting`), each process switchable: osmotic-shock
    #: death of active biomass and slaking of aggregates, both scaling with the wetting rate, off by default: in a
    #: temperate loam column with a dry summer (-0.8 MPa) and a rain every 6 days, two years hourly, they change
    #: soil C by only +0.08 % but the active biomass by -17 % (a wet-up from -0.8 MPa kills ~2 %) and make 5 % of
    #: the CO2, too much to switch on under the shipped spun-up state, and the offline spin-up (daily means)
    #: cannot see wetting rates.  The water-potential switch of dormancy with the revival of dormant cells on
    #: wet-up is on by default but acts only with ``dormancy``, which holds the dormant pool (default unchanged).
    birch_osmotic_shock: bool = False
    birch_aggregate_disruption: bool = False
    birch_dormant_revival: bool = True
    #: O2 around the roots limits the oxidative (phenol oxidase, lignin-type) R-enzymes
    #: (:func:`lsm.soil_bgc.oxygen.rhizosphere_oxidative_factor`, SCIENCE.md mechanism 8): the "enzymic latch" of
    #: Freeman et al. (2001, Nature 409, 149), phenol oxidase idle without O2 in waterlogged soil.  Off by default
    #: (uncalibrated): on, it multiplies the depolymerisation of R and MAOM by
    #: ``f_an + (1 - f_an) F / F_air``, with the volume-mean laccase O2 factor ``F`` around the roots, that of
    #: fully aerated soil ``F_air`` and the floor ``f_an`` = :attr:`anaerobic_uptake_fraction`.
    rhizosphere_o2: bool = False
    #: Saprotrophs take amino acids and peptides from the DON directly, as the ECM fungi do: the "direct route"
    #: of microbial organic-N uptake (Schimel & Bennett 2004, Ecology 85, 591; Geisseler et al. 2010, Soil Biol.
    #: Biochem. 42, 2058).  On, the N that growth on the DOC uptake needs beyond what the bulk DOM carries is bid
    #: for from the soluble DON and the mineral N in proportion to the two transport capacities (the same
    #: kinetics per biomass, half-saturated at :data:`ROOT_KM_N`), the amino acids carrying C at
    #: :data:`~lsm.soil_bgc.mycorrhiza.AMINO_ACID_CN` into the uptake.  Off (default until the shipped state is
    #: spun up with it), only the ECM fungi strip the DON of its N: in N-poor ECM forests they then take what the
    #: saprotrophs recycle, the saprotrophs dwindle and litter and aggregates pile up without a steady state
    #: (120-470 kg C m-2 in the 2026-12 spin-ups, issue 6), a Gadgil effect far beyond the 11 % slower litter
    #: decay that root exclusion showed in a boreal forest (Sterkenburg et al. 2018, ISME J. 12, 2187).
    saprotroph_amino_acids: bool = False
    #: Specific root length of the fine roots, m kg-1 dry mass: 30 m g-1, a value chosen within the ~10-100 m g-1
    #: of absorptive (first- to third-order) roots (McCormack et al. 2015, New Phytol. 207, 505), towards the low
    #: end because the model's fine roots include the thicker transport orders.  (A 0.3 mm root,
    #: :data:`lsm.soil_bgc.oxygen.ROOT_RADIUS_M`, of tissue density ~0.25 g cm-3 would have ~57 m g-1.)
    #: Used only with ``rhizosphere_o2``, for the root length density.
    specific_root_length_m_kg: float = 30.0e3
    #: Carbon fraction of root dry mass, kg C kg-1: the conventional 0.5.
    root_c_fraction: float = 0.5
    #: Sub-grid heterogeneity of substrate and biomass (:mod:`lsm.soil_bgc.upscaling`, SCIENCE.md mechanism 12):
    #: with ``enabled`` the microbial DOM uptake takes the second-order correction ``1 + delta`` of its
    #: Michaelis-Menten term.  Off by default.
    upscaling: UpscalingParameters = UpscalingParameters()


class SoilDrivers(NamedTuple):
    """What the physics and vegetation give the soil for one step (per column)."""

    #: Litter inputs, kg m-2 s-1: metabolic (to L) and structural (to R) C and N; wood: ``litter_cwd_*``.
    litter_met_c: np.ndarray
    litter_met_n: np.ndarray
    litter_str_c: np.ndarray
    litter_str_n: np.ndarray
    #: Atmospheric N deposition and potential biological N fixation (the step scales it down by the soil's
    #: mineral N, :func:`lsm.soil_bgc.nitrogen_inputs.fixation_inhibition`), kg N m-2 s-1.
    n_deposition: np.ndarray
    n_fixation: np.ndarray
    #: Layer-mean soil temperature, K; liquid water, m3 m-3; porosity, m3 m-3.
    t_soil_k: np.ndarray
    theta: np.ndarray
    porosity: np.ndarray
    #: Water drained out of the layer's bottom, kg m-2 s-1, and water held in the layer, kg m-2.
    drainage: np.ndarray
    water_kg_m2: np.ndarray
    #: Clay + silt mass fraction, 0-1, and clay fraction.
    fines: np.ndarray
    clay: np.ndarray
    #: Fine-root carbon, kg C m-2, and the plants' N demand over the step, kg N m-2.
    root_c: np.ndarray
    plant_n_demand: np.ndarray
    mycorrhiza: MycorrhizalParameters
    #: Soil pH (nitrification); a scalar or one value per column.
    ph: np.ndarray | float = DEFAULT_SOIL_PH
    #: Layer-mean liquid water at the end of the previous step, m3 m-3 (the wetting rate of the Birch effect);
    #: None = ``theta`` (no wetting).
    theta_previous: np.ndarray | None = None
    #: Liquid water of the topsoil (:data:`TOPSOIL_DEPTH_M`), m3 m-3, where the nitrifiers' N2O and NO form and
    #: escape; None = ``theta``.
    theta_topsoil: np.ndarray | None = None
    #: Clapp-Hornberger hydraulics of the layer for its matric potential: magnitude of the saturated potential,
    #: m, and the exponent ``b`` (:func:`lsm.soil_bgc.rewetting.matric_potential_mpa`); default a loam.
    psi_sat_m: np.ndarray | float = rewetting.CLAPP_HORNBERGER_LOAM_PSI_SAT_M
    clapp_b: np.ndarray | float = rewetting.CLAPP_HORNBERGER_LOAM_B
    #: 13C and 14C of the metabolic and structural litter inputs, ``(2, ncolumn)`` kg m-2 s-1 (with isotopes).
    litter_met_iso: np.ndarray | None = None
    litter_str_iso: np.ndarray | None = None
    #: Mineral fertiliser N added to NH4+ and NO3- (:mod:`lsm.agriculture.fertiliser`), kg N m-2 s-1.
    n_fertiliser_nh4: np.ndarray | float = 0.0
    n_fertiliser_no3: np.ndarray | float = 0.0
    #: Plant N leaving the land other than as litter less what the plants gain other than from the soil
    #: (harvest removals less legume fixation), kg N m-2 s-1: not a soil input; the offline spin-up uses it
    #: for the N uptake of a steady vegetation (:mod:`lsm.soil_bgc.spinup`).
    plant_n_net_export: np.ndarray | float = 0.0
    #: Wood litter (dead stems and coarse roots) to the coarse woody debris, C and N, kg m-2 s-1, and its 13C
    #: and 14C, ``(2, ncolumn)`` (with isotopes).
    litter_cwd_c: np.ndarray | float = 0.0
    litter_cwd_n: np.ndarray | float = 0.0
    litter_cwd_iso: np.ndarray | None = None


class SoilFluxes(NamedTuple):
    """Outcome of a step: amounts over the step, kg m-2 (C or N), per column."""

    #: CO2 from the soil: microbial growth, overflow and maintenance respiration and ECM fungal respiration.
    respiration_c: np.ndarray
    overflow_respiration_c: np.ndarray
    fungal_respiration_c: np.ndarray
    #: CO2 of the rewetting pulse mineralised at once (osmotic shock, :mod:`lsm.soil_bgc.rewetting`), part of
    #: ``respiration_c``.
    birch_respiration_c: np.ndarray
    #: N taken by plants: NH4+, NO3-, DON.
    plant_nh4: np.ndarray
    plant_no3: np.ndarray
    plant_don: np.ndarray
    leached_no3: np.ndarray
    #: Nitrogen gases, kg N m-2: N2O from nitrification and from denitrification, NO (nitrification), N2.
    n2o_nitrification_n: np.ndarray
    n2o_denitrification_n: np.ndarray
    no_n: np.ndarray
    n2_n: np.ndarray
    #: Dissolved organic C and N drained out of the layer (the C goes to the rivers), kg m-2.
    leached_doc_c: np.ndarray
    leached_don_n: np.ndarray
    #: Gross N mineralisation (to NH4+) and immobilisation (from NH4+ and NO3-) by the microbes.
    gross_mineralisation_n: np.ndarray
    immobilisation_n: np.ndarray
    nitrified_n: np.ndarray
    #: Depolymerised C of L, R and MAOM.
    depolymerised_l_c: np.ndarray
    depolymerised_r_c: np.ndarray
    depolymerised_maom_c: np.ndarray
    #: Microbial uptake of DOC, effective CUE and enzyme allocation to R of this step.
    uptake_c: np.ndarray
    effective_cue: np.ndarray
    alpha: np.ndarray
    #: External inputs of the step (litter C; litter N + deposition + fixation).
    input_c: np.ndarray
    input_n: np.ndarray
    #: Biological N fixation of the step (the potential fixation after mineral N inhibition), kg N m-2.
    fixation_n: np.ndarray
    #: 13C and 14C fluxes of the step when the isotopes are carried.
    isotopes: SoilIsotopeFluxes | None = None
    #: Multiplier of the R and MAOM depolymerisation by rhizosphere O2 (``rhizosphere_o2``; ones when off), 1.
    oxidative_factor: np.ndarray | None = None
    #: Coarse woody debris fragmented into recalcitrant litter, kg C m-2.
    fragmented_cwd_c: np.ndarray | None = None

    @property
    def lost_c(self) -> np.ndarray:
        """Carbon that left the layer other than as CO2 (leached DOC), kg C m-2."""
        return self.leached_doc_c

    @property
    def lost_n(self) -> np.ndarray:
        """Nitrogen that left the layer: plant uptake, leaching (NO3-, DON) and the gases, kg N m-2."""
        return (self.plant_nh4 + self.plant_no3 + self.plant_don + self.leached_no3 + self.leached_don_n
                + self.n2o_nitrification_n + self.n2o_denitrification_n + self.no_n + self.n2_n)

    @property
    def gaseous_n(self) -> np.ndarray:
        """Nitrogen that left the layer as gas, kg N m-2: N2O (both pathways), NO and N2."""
        return self.n2o_nitrification_n + self.n2o_denitrification_n + self.no_n + self.n2_n

    @property
    def denitrified_n(self) -> np.ndarray:
        """NO3- denitrified, kg N m-2 (N2O + N2)."""
        return self.n2o_denitrification_n + self.n2_n


class SoilIsotopeFluxes(NamedTuple):
    """13C and 14C of the step, ``(2, ncolumn)`` kg m-2: litter input, CO2, leached DOC and 14C decay.

    Books per column: ``shadow after = before + input - respired - leached_doc - decayed``.
    """

    input: np.ndarray
    respired: np.ndarray
    leached_doc: np.ndarray
    decayed: np.ndarray


# --- State rows and flux tables ---------------------------------------------------------------------------

_ROW = {v: i for i, v in enumerate(VARIABLES)}
_NV = len(VARIABLES)
# staging rows after the state: microbial uptake of DOC, of DON and of mineral N
UP_C, UP_N, UP_MIN = _NV, _NV + 1, _NV + 2
_NROW = _NV + 3


#: DAMM O2 limitation of dry, fully aerated soil: uptake is 1 x its rate there.
_O2_LIMITATION_DRY = float(kinetics.oxygen_limitation(kinetics.DAMM_O2_AIR))


def _r(name):
    return _ROW[name]


L_C, L_N = _r("litter_labile_c"), _r("litter_labile_n")
R_C, R_N = _r("litter_recalcitrant_c"), _r("litter_recalcitrant_n")
CW_C, CW_N = _r("coarse_woody_debris_c"), _r("coarse_woody_debris_n")
D_C, D_N = _r("dom_c"), _r("dom_n")
B_C, B_N = _r("microbes_active_c"), _r("microbes_active_n")
BD_C, BD_N = _r("microbes_dormant_c"), _r("microbes_dormant_n")
EL_C, EL_N = _r("enzyme_labile_c"), _r("enzyme_labile_n")
ER_C, ER_N = _r("enzyme_recalcitrant_c"), _r("enzyme_recalcitrant_n")
M_C, M_N = _r("maom_c"), _r("maom_n")
MS_C, MS_N = _r("maom_stable_c"), _r("maom_stable_n")
A_C, A_N = _r("aggregate_c"), _r("aggregate_n")
NH4, NO3 = _r("nh4_n"), _r("no3_n")

# Stage A: (source, target) per flux, by process; C and N of one process share a group.
_STAGE_A = [
    ("fragmentation", [(CW_C, R_C), (CW_N, R_N)]),
    ("dep_l", [(L_C, D_C), (L_N, D_N)]),
    ("dep_r", [(R_C, D_C), (R_N, D_N)]),
    ("dep_m", [(M_C, D_C), (M_N, D_N)]),
    ("sorption", [(D_C, M_C), (D_N, M_N)]),
    ("desorption", [(M_C, D_C), (M_N, D_N)]),
    ("stabilisation", [(M_C, MS_C), (M_N, MS_N)]),
    ("destabilisation", [(MS_C, M_C), (MS_N, M_N)]),
    ("agg_form", [(R_C, A_C), (R_N, A_N)]),
    ("agg_break", [(A_C, R_C), (A_N, R_N)]),
    ("uptake", [(D_C, UP_C), (D_N, UP_N)]),
    ("ecm", [(D_C, OUT), (D_N, OUT)]),
    ("imm_don", [(D_C, UP_C), (D_N, UP_N)]),
    ("imm_nh4", [(NH4, UP_MIN)]),
    ("imm_no3", [(NO3, UP_MIN)]),
    ("plant_nh4", [(NH4, OUT)]),
    ("plant_no3", [(NO3, OUT)]),
    ("nitrification", [(NH4, NO3), (NH4, OUT), (NH4, OUT)]),
    ("leaching", [(NO3, OUT)]),
    ("denitrification", [(NO3, OUT), (NO3, OUT)]),
    ("dom_leaching", [(D_C, OUT), (D_N, OUT)]),
    ("enz_l", [(EL_C, D_C), (EL_N, D_N)]),
    ("enz_r", [(ER_C, D_C), (ER_N, D_N)]),
    ("death", [(B_C, D_C), (B_N, D_N), (B_C, M_C), (B_N, M_N)]),
    ("deactivation", [(B_C, BD_C), (B_N, BD_N)]),
    ("reactivation", [(BD_C, B_C), (BD_N, B_N)]),
    ("dormant_maintenance", [(BD_C, OUT), (BD_N, NH4)]),
    # Birch effect (rewetting): osmotic-shock death (mineralised C to CO2 and N to NH4+, the rest to DOM),
    # slaking of aggregates to DOM, revival of dormant cells
    ("osmotic_shock", [(B_C, OUT), (B_C, D_C), (B_N, NH4), (B_N, D_N)]),
    ("slaking", [(A_C, D_C), (A_N, D_N)]),
    ("revival", [(BD_C, B_C), (BD_N, B_N)]),
]
# Stage B: microbial metabolism, computed exactly from the staging rows.
_STAGE_B = [
    ("resp_uptake", [(UP_C, OUT)]),
    ("growth_c", [(UP_C, B_C)]),
    ("growth_n", [(UP_N, B_N)]),
    ("mineralised", [(UP_N, NH4)]),
    ("immobilised", [(UP_MIN, B_N)]),
    ("unused_nh4", [(UP_MIN, NH4)]),
    ("unused_no3", [(UP_MIN, NO3)]),
    ("starvation", [(B_C, OUT), (B_N, NH4)]),
    ("enz_prod_l", [(B_C, EL_C), (B_N, EL_N)]),
    ("enz_prod_r", [(B_C, ER_C), (B_N, ER_N)]),
]


def _table(stage):
    triples, index = [], {}
    for g, (name, pairs) in enumerate(stage):
        index[name] = len(triples)
        triples += [(s, t, g) for s, t in pairs]
    return FluxTable.build(triples, nrow=_NROW), index


TABLE_A, _IA = _table(_STAGE_A)
TABLE_B, _IB = _table(_STAGE_B)


def _proposals(stage, amounts: dict) -> np.ndarray:
    """Stack the amounts of every process of ``stage`` into the ``(nflux, ncolumn)`` array of its table.

    ``amounts[name]`` holds one array per flux of the process, in the order of
    the stage declaration; negative rounding residues are floored at zero.
    """
    rows = [a for name, pairs in stage for a in _check(name, amounts[name], len(pairs))]
    return np.maximum(np.stack(rows), 0.0)


def _check(name, arrays, n):
    if len(arrays) != n:
        raise ValueError(f"soil process {name!r} needs {n} amounts, got {len(arrays)}")
    return arrays


def _ratio(num, den):
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0.0)


def _cn(c, n):
    """C:N of a pool, infinite where it holds no N or no C (its products then bring no N)."""
    return np.divide(c, n, out=np.full(np.shape(c), np.inf), where=(n > 0.0) & (c > 0.0))


def maom_capacity(fines, params: SoilBgcParameters = SoilBgcParameters()):
    """Langmuir capacity of the layer's minerals for organic C, kg C m-2 (``c_max x fines x soil mass``)."""
    return params.maom_capacity_per_fines * np.asarray(fines, dtype=float) * SOIL_MASS_KG_M2


def _oxidative_multiplier(d: SoilDrivers, respiration_rate, p: SoilBgcParameters):
    """Multiplier of the oxidative depolymerisation by rhizosphere O2, ``f_an + (1 - f_an) F / F_air``, 1.

    ``F`` is the volume-mean laccase O2 factor around the fine roots
    (:func:`lsm.soil_bgc.oxygen.rhizosphere_oxidative_factor`), with the
    root length density of ``root_c`` over the layer, atmospheric O2 in the
    pore air at the outer radius, the Millington-Quirk diffusivity of the
    air-filled pores and the O2 the microbes breathe (``respiration_rate``,
    kg C m-2 s-1, respiratory quotient 1); without roots ``F`` is the factor
    of atmospheric O2.  ``F_air`` is that factor, so soils whose pores
    supply the O2 they consume keep their rate and only wet ones, where the
    diffusivity collapses, slow down.  (DAMM's bulk O2, which already limits
    the uptake, is not used as the outer value: it is another model of the
    same diffusion limitation and would count it twice, slowing R decay by
    ~10 % at a WFPS of 0.56.)  ``f_an`` is the anaerobic floor of the uptake.
    """
    t = d.t_soil_k
    l_v = np.maximum(d.root_c, 0.0) / p.root_c_fraction * p.specific_root_length_m_kg / SOIL_LAYER_DEPTH_M
    # microbial respiration only: root respiration, which also draws on the rhizosphere O2, is not included
    q = oxygen.o2_consumption_rate(np.maximum(respiration_rate, 0.0), SOIL_LAYER_DEPTH_M)
    c_air = oxygen.atmospheric_o2_concentration(t)
    air = np.maximum(d.porosity - d.theta, 0.0)
    factor = oxygen.rhizosphere_oxidative_factor(air, d.porosity, q, l_v, t, c_air)
    aerated = oxygen.oxidative_enzyme_factor(c_air, oxygen.dissolved_to_gas_o2(oxygen.PHENOL_OXIDASE_KM_O2_DISSOLVED, t))
    f_an = p.anaerobic_uptake_fraction
    return f_an + (1.0 - f_an) * factor / aerated


def step(state: SoilState, drivers: SoilDrivers, dt: float, params: SoilBgcParameters = SoilBgcParameters(),
         shadow: np.ndarray | None = None) -> SoilFluxes:
    """Advance every column by ``dt`` s (``state`` updated in place); returns the step's fluxes.

    ``shadow`` (``(2, ncarbon, ncolumn)``, the 13C and 14C of the carbon
    variables in state order, :mod:`lsm.soil_bgc.isotopes`), when given, is
    carried along in place: every carbon flux takes the isotope ratio of its
    source, the litter brings ``drivers.litter_met_iso``/``litter_str_iso``,
    and 14C decays.

    Books per column, to rounding: ``total C after = before + input_c - respiration_c - lost_c``;
    ``total N after = before + input_n - lost_n`` (plant uptake, leaching, gases).
    """
    d = drivers
    p = params
    v = state.values
    ncol = v.shape[1]
    # --- external inputs arrive at the start of the step
    leach = p.litter_leaching_fraction
    inoculum_c = p.litter_inoculum_fraction * d.litter_met_c * dt
    inoculum_n = np.minimum(inoculum_c / microbes.THETA_B, (1.0 - leach) * d.litter_met_n * dt)
    v[B_C] += inoculum_c
    v[B_N] += inoculum_n
    v[D_C] += leach * d.litter_met_c * dt
    v[D_N] += leach * d.litter_met_n * dt
    v[L_C] += (1.0 - leach) * d.litter_met_c * dt - inoculum_c
    v[L_N] += (1.0 - leach) * d.litter_met_n * dt - inoculum_n
    v[R_C] += d.litter_str_c * dt
    v[R_N] += d.litter_str_n * dt
    cwd_c, cwd_n = d.litter_cwd_c * dt, d.litter_cwd_n * dt
    v[CW_C] += cwd_c
    v[CW_N] += cwd_n
    if shadow is not None:
        iso = np.zeros((len(isotopes.ISOTOPES), _NROW, ncol))
        iso[:, C_ROWS] = shadow
        met_iso, str_iso = d.litter_met_iso * dt, d.litter_str_iso * dt
        inoculum_iso = met_iso * _ratio(inoculum_c, d.litter_met_c * dt)
        iso[:, B_C] += inoculum_iso
        iso[:, D_C] += leach * met_iso
        iso[:, L_C] += (1.0 - leach) * met_iso - inoculum_iso
        iso[:, R_C] += str_iso
        if d.litter_cwd_iso is not None:
            cwd_iso = d.litter_cwd_iso * dt
        elif np.any(np.asarray(d.litter_cwd_c) != 0.0):
            raise ValueError("the soil carries isotopes but the wood litter comes without its 13C and 14C")
        else:
            cwd_iso = np.zeros_like(str_iso)
        iso[:, CW_C] += cwd_iso
    dep = d.n_deposition * dt
    dep_nh4 = DEPOSITION_NH4_FRACTION * dep
    # potential fixation, held back by the mineral N of the soil solution before the step's inputs and, for
    # the symbioses, by what root uptake from that soil leaves of the plants' demand
    if np.any(d.n_fixation > 0.0):
        roots = potential_plant_n_uptake(d.plant_n_demand, d.root_c, v[NH4], v[NO3], v[D_C], v[D_N], d.t_soil_k,
                                         d.mycorrhiza, dt)
        fixed = d.n_fixation * dt * fixation_inhibition(v[NH4] + v[NO3], d.water_kg_m2) * fixation_demand_factor(
            d.plant_n_demand, roots.nh4 + roots.no3 + roots.don)
    else:
        fixed = np.zeros(ncol)
    fert_nh4, fert_no3 = d.n_fertiliser_nh4 * dt, d.n_fertiliser_no3 * dt
    v[NH4] += dep_nh4 + fixed + fert_nh4
    v[NO3] += dep - dep_nh4 + fert_no3
    input_c = (d.litter_met_c + d.litter_str_c) * dt + cwd_c
    input_n = (d.litter_met_n + d.litter_str_n) * dt + cwd_n + fixed + dep + fert_nh4 + fert_no3

    # --- environment
    f_t = kinetics.arrhenius_factor(d.t_soil_k, kinetics.VMAX_ACTIVATION_ENERGY_J_MOL)
    o2 = kinetics.oxygen_limitation(kinetics.damm_oxygen(d.theta, d.porosity))
    soluble = kinetics.damm_soluble_substrate(v[D_C], d.theta, d.porosity, p_soluble=1.0)
    yield_c = microbes.cue_temperature(d.t_soil_k) if p.temperature_cue else microbes.YIELD_C

    # --- stage A proposals, kg m-2 over the step
    fragmented = v[CW_C] * -np.expm1(-p.cwd_fragmentation_s * f_t * dt)
    vl, vr, vm = p.vmax_labile_s * f_t, p.vmax_recalcitrant_s * f_t, p.vmax_maom_s * f_t
    dep_l = kinetics.equilibrium_chemistry_rate(vl, v[EL_C], v[L_C], p.km_litter) * dt
    dep_r = kinetics.equilibrium_chemistry_rate(vr, v[ER_C], v[R_C], p.km_recalcitrant) * dt
    dep_m = kinetics.equilibrium_chemistry_rate(vm, v[ER_C], v[M_C], p.km_maom) * dt
    capacity = maom_capacity(d.fines, p)
    # the strongly bound matter occupies sites but does not desorb
    filled = np.clip(_ratio(v[M_C], capacity), 0.0, 1.0)
    occupied = np.clip(_ratio(v[M_C] + v[MS_C], capacity), 0.0, 1.0)
    sorb = p.sorption_s * soluble * (1.0 - occupied) * dt
    desorb = p.desorption_kg_m2_s * filled * dt
    stabilised = p.maom_stabilisation_s * v[M_C] * dt
    destabilised = p.maom_destabilisation_s * v[MS_C] * dt
    agg_form = p.aggregate_formation_s * v[R_C] * dt
    agg_break = p.aggregate_breakdown_s * v[A_C] * dt
    aerobic = p.anaerobic_uptake_fraction + (1.0 - p.anaerobic_uptake_fraction) * o2 / _O2_LIMITATION_DRY
    uptake = p.uptake_vmax_s * f_t * v[B_C] * _ratio(soluble, p.km_dom + soluble) * aerobic * dt
    if p.upscaling.enabled:
        # mean of the Michaelis-Menten uptake over a patchy column (second order; Chakrawal et al. 2020)
        u = p.upscaling
        uptake = uptake * (1.0 + relative_correction(soluble, p.km_dom, cv_s=u.cv_substrate, cv_b=u.cv_biomass,
                                                     rho_bs=u.correlation))
    dom_nc = _ratio(v[D_N], v[D_C])
    # the microbes bid for the mineral N that growth on this uptake could need, up to their transport
    # capacity (the kinetics of their DOC uptake at the biomass C:N, half-saturated like plant roots);
    # what growth does not use returns
    mineral = v[NH4] + v[NO3]
    n_capacity = (p.uptake_vmax_s * f_t * v[B_C] / microbes.THETA_B) * _ratio(mineral, ROOT_KM_N + mineral) * dt
    # (growth is what the uptake leaves after maintenance, which is paid first)
    maintenance = v[B_C] * -np.expm1(-microbes.MAINTENANCE_RATE_REF * f_t * dt)
    growth_c = yield_c * np.maximum(uptake - maintenance, 0.0)
    n_need = np.maximum(growth_c / microbes.THETA_B - uptake * dom_nc, 0.0)
    if p.saprotroph_amino_acids:
        # amino acids reach the cells through the same water films as the DOC (DAMM soluble fraction)
        don_soluble = v[D_N] * _ratio(soluble, v[D_C])
        don_capacity = (p.uptake_vmax_s * f_t * v[B_C] / microbes.THETA_B) * _ratio(
            don_soluble, ROOT_KM_N + don_soluble) * dt
        don_bid = np.minimum(n_need * _ratio(don_capacity, don_capacity + n_capacity), don_capacity)
    else:
        don_bid = np.zeros(ncol)
    n_bid = np.minimum(n_need - don_bid, n_capacity)
    bid_nh4 = n_bid * _ratio(v[NH4], mineral)
    plant = potential_plant_n_uptake(d.plant_n_demand, d.root_c, v[NH4], v[NO3], v[D_C], v[D_N], d.t_soil_k,
                                     d.mycorrhiza, dt)
    # nitrogen gases: nitrifiers lose N2O and NO; denitrifiers in the anoxic fraction draw on the NO3- that
    # drainage also carries away, fed by the C the microbes respire (mechanisms 7 and 9)
    wfps = _ratio(d.theta, d.porosity)
    respiration_rate = (uptake - growth_c) / dt
    # the faster the soil breathes, the drier the soil in which its O2 runs out (Del Grosso et al. 2000)
    anoxic = anoxic_fraction(wfps, w_crit=anoxic_wfps_midpoint(respiration_rate, d.porosity, SOIL_MASS_KG_M2))
    diffusivity = relative_gas_diffusivity(wfps, d.porosity)
    nitrified = nitrification(v[NH4], d.t_soil_k, wfps, dt, ph=d.ph, anoxic=anoxic)
    # the nitrifiers' N2O share rises from the wilting point to field capacity of the soil, and their NO:N2O
    # falls, with the gas diffusivity of the topsoil, where most nitrification happens and its gases escape
    # (DAYCENT takes both from the water of the top 15 cm; Parton et al. 2001)
    diffusivity_top = diffusivity if d.theta_topsoil is None else relative_gas_diffusivity(
        _ratio(d.theta_topsoil, d.porosity), d.porosity)
    n2o_nit = nitrified * nitrification_n2o_yield(
        diffusivity_top, relative_gas_diffusivity(wfps_at_suction(WILTING_POINT_SUCTION_M, d.psi_sat_m, d.clapp_b),
                                                  d.porosity),
        relative_gas_diffusivity(wfps_at_suction(FIELD_CAPACITY_SUCTION_M, d.psi_sat_m, d.clapp_b), d.porosity))
    no_nit = n2o_nit * no_n2o_ratio(diffusivity_top)
    r_leach = drainage_rate(d.drainage, d.water_kg_m2)
    no3_loss = nitrate_loss(v[NO3], r_leach, denitrification_rate(v[NO3], respiration_rate, anoxic,
                                                                   SOIL_MASS_KG_M2), dt)
    n2o_den = no3_loss.denitrified / (1.0 + n2_n2o_ratio(v[NO3], respiration_rate, wfps, diffusivity,
                                                         SOIL_MASS_KG_M2))
    doc_leached = dom_leaching(v[D_C], r_leach, dt)
    enz_l = v[EL_C] * -np.expm1(-p.enzyme_turnover_s * dt)
    enz_r = v[ER_C] * -np.expm1(-p.enzyme_turnover_s * dt)
    death_rate = p.mortality_s * f_t
    if p.mortality_density_exponent != 1.0:
        death_rate = death_rate * (np.maximum(v[B_C], 0.0) / p.mortality_reference_biomass_kg_m2) ** (
            p.mortality_density_exponent - 1.0)
    death = microbes.mortality(v[B_C], v[B_N], death_rate, dt=dt,
                               fraction_protected=microbes.protected_necromass_fraction(d.clay))

    revive_dormant = p.dormancy and p.birch_dormant_revival
    if revive_dormant or p.birch_osmotic_shock or p.birch_aggregate_disruption:
        # water potential of the layer now and at the end of the previous step, MPa (Birch effect, drought
        # dormancy); not computed when no process uses it
        psi = rewetting.matric_potential_mpa(d.theta, d.porosity, d.psi_sat_m, d.clapp_b)
        psi_prev = psi if d.theta_previous is None else rewetting.matric_potential_mpa(
            d.theta_previous, d.porosity, d.psi_sat_m, d.clapp_b)
    if p.dormancy:
        switch = dormancy.switching(v[B_C], v[BD_C], soluble, p.km_dom, microbes.MAINTENANCE_RATE_REF, f_t, dt,
                                    drought=rewetting.drought_dormancy(psi) if revive_dormant else None)
    else:
        switch = dormancy.Switching(*(np.zeros(ncol),) * 3)
    zero = np.zeros(ncol)
    shock = (rewetting.osmotic_shock(v[B_C], v[B_N], psi_prev, psi, dt) if p.birch_osmotic_shock
             else rewetting.OsmoticShock(zero, zero, zero, zero))
    slaked = rewetting.aggregate_disruption(v[A_C], psi_prev, psi, dt) if p.birch_aggregate_disruption else zero
    revived = rewetting.rewetting_revival(v[BD_C], psi_prev, psi) if revive_dormant else zero
    if p.rhizosphere_o2:
        # O2 around the roots limits the oxidative R-enzymes (Freeman et al. 2001): only the proposals change,
        # the limiter keeps the books
        oxidative = _oxidative_multiplier(d, respiration_rate, p)
        dep_r, dep_m = dep_r * oxidative, dep_m * oxidative
    else:
        oxidative = np.ones(ncol)
    ba_nc, bd_nc = _ratio(v[B_N], v[B_C]), _ratio(v[BD_N], v[BD_C])
    l_nc, r_nc, m_nc, a_nc, ms_nc = (_ratio(v[n], v[c]) for c, n in ((L_C, L_N), (R_C, R_N), (M_C, M_N), (A_C, A_N),
                                                                     (MS_C, MS_N)))
    prop = _proposals(_STAGE_A, {
        "fragmentation": (fragmented, fragmented * _ratio(v[CW_N], v[CW_C])),
        "dep_l": (dep_l, dep_l * l_nc),
        "dep_r": (dep_r, dep_r * r_nc),
        "dep_m": (dep_m, dep_m * m_nc),
        "sorption": (sorb, sorb * dom_nc),
        "desorption": (desorb, desorb * m_nc),
        "stabilisation": (stabilised, stabilised * m_nc),
        "destabilisation": (destabilised, destabilised * ms_nc),
        "agg_form": (agg_form, agg_form * r_nc),
        "agg_break": (agg_break, agg_break * a_nc),
        "uptake": (uptake, uptake * dom_nc),
        "ecm": (plant.doc, plant.don),
        "imm_don": (don_bid * AMINO_ACID_CN, don_bid),
        "imm_nh4": (bid_nh4,),
        "imm_no3": (n_bid - bid_nh4,),
        "plant_nh4": (plant.nh4,),
        "plant_no3": (plant.no3,),
        "nitrification": (nitrified - n2o_nit - no_nit, n2o_nit, no_nit),
        "leaching": (no3_loss.leached,),
        "denitrification": (n2o_den, no3_loss.denitrified - n2o_den),
        "dom_leaching": (doc_leached, doc_leached * dom_nc),
        "enz_l": (enz_l, enz_l * _ratio(v[EL_N], v[EL_C])),
        "enz_r": (enz_r, enz_r * _ratio(v[ER_N], v[ER_C])),
        "death": (death.to_dom_c, death.to_dom_n, death.to_protected_c, death.to_protected_n),
        "deactivation": (switch.deactivated_c, switch.deactivated_c * ba_nc),
        "reactivation": (switch.reactivated_c, switch.reactivated_c * bd_nc),
        "dormant_maintenance": (switch.dormant_maintenance_c, switch.dormant_maintenance_c * bd_nc),
        "osmotic_shock": (shock.co2_c, shock.dom_c, shock.nh4_n, shock.dom_n),
        "slaking": (slaked, slaked * a_nc),
        "revival": (revived, revived * bd_nc),
    })

    ext = np.zeros((_NROW, ncol))
    ext[:_NV] = v
    a = transfer(ext, TABLE_A, prop)
    iso_a = None if shadow is None else carry_shadow(iso, ext, TABLE_A, a.moved)
    ext, moved = a.values, a.moved

    def got(name, k=0):
        return moved[_IA[name] + k]

    # --- stage B: metabolism of the uptake
    up_c, up_n, up_min = ext[UP_C], ext[UP_N], ext[UP_MIN]
    maint = microbes.maintenance_respiration(ext[B_C], microbes.MAINTENANCE_RATE_REF, f_t, dt=dt, available_c=up_c,
                                             biomass_n=ext[B_N])
    growth = microbes.co_limited_growth(maint.remaining_uptake_c, up_n, up_min, yield_c, microbes.THETA_B)
    enzyme_made = maint.biomass_c * -np.expm1(-p.enzyme_production_s * dt)
    b_nc = _ratio(maint.biomass_n, maint.biomass_c)
    # allocation that maximises growth on what the enzymes would release now (SESAM-type optimality)
    if p.priming:
        e_total = ext[EL_C] + ext[ER_C]
        alpha = enzymes.optimal_enzyme_allocation(
            e_total, ext[L_C], ext[R_C], _cn(ext[L_C], ext[L_N]), _cn(ext[R_C], ext[R_N]), vl, vr,
            p.km_litter, p.km_recalcitrant,
            up_c / dt, (up_n + n_capacity) / dt, yield_c, microbes.THETA_B,
            second_r=(ext[M_C], _cn(ext[M_C], ext[M_N]), vm, p.km_maom))
    else:
        alpha = np.full(ncol, p.fixed_alpha)
    made_r = alpha * enzyme_made
    made_l = enzyme_made - made_r
    # mineral N bid but not immobilised returns to the pools it came from
    unused = up_min - growth.n_immobilised
    from_nh4 = _ratio(got("imm_nh4"), got("imm_nh4") + got("imm_no3"))
    resp_uptake = maint.from_uptake_c + growth.growth_respiration_c + growth.overflow_respiration_c
    propb = _proposals(_STAGE_B, {
        "resp_uptake": (resp_uptake,),
        "growth_c": (growth.growth_c,),
        "growth_n": (growth.growth_n - growth.n_immobilised,),
        "mineralised": (growth.n_mineralised,),
        "immobilised": (growth.n_immobilised,),
        "unused_nh4": (unused * from_nh4,),
        "unused_no3": (unused - unused * from_nh4,),
        "starvation": (maint.from_biomass_c, maint.n_mineralised),
        "enz_prod_l": (made_l, made_l * b_nc),
        "enz_prod_r": (made_r, made_r * b_nc),
    })
    b = transfer(ext, TABLE_B, propb)
    iso_b = None if shadow is None else carry_shadow(iso, ext, TABLE_B, b.moved)
    ext, mb = b.values, b.moved
    # what is left in the staging rows is rounding: its C is respired, its N returns to NH4+
    rest_c = ext[UP_C]
    ext[NH4] += ext[UP_N] + ext[UP_MIN]
    v[:] = ext[:_NV]

    def gotb(name, k=0):
        return mb[_IB[name] + k]

    fungal = got("ecm", 0)
    birch = got("osmotic_shock")
    iso_fluxes = None
    if shadow is not None:
        def carried(table_iso, index, name, k=0):
            return table_iso[:, index[name] + k]

        iso_rest = iso[:, UP_C].copy()
        iso_respired = (carried(iso_b, _IB, "resp_uptake") + carried(iso_b, _IB, "starvation") + iso_rest
                        + carried(iso_a, _IA, "ecm") + carried(iso_a, _IA, "dormant_maintenance")
                        + carried(iso_a, _IA, "osmotic_shock"))
        shadow[:] = iso[:, C_ROWS]
        lost14 = isotopes.decay_14c(shadow[isotopes.C14], dt)
        shadow[isotopes.C14] -= lost14
        decayed = np.zeros((len(isotopes.ISOTOPES), ncol))
        decayed[isotopes.C14] = lost14.sum(axis=0)
        iso_fluxes = SoilIsotopeFluxes(met_iso + str_iso + cwd_iso, iso_respired, carried(iso_a, _IA, "dom_leaching"), decayed)
    respiration = gotb("resp_uptake") + gotb("starvation") + fungal + rest_c + got("dormant_maintenance") + birch
    overflow = growth.overflow_respiration_c * _ratio(gotb("resp_uptake"), resp_uptake)
    return SoilFluxes(
        respiration_c=respiration,
        overflow_respiration_c=overflow,
        fungal_respiration_c=fungal,
        birch_respiration_c=birch,
        plant_nh4=got("plant_nh4"),
        plant_no3=got("plant_no3"),
        plant_don=got("ecm", 1),
        leached_no3=got("leaching"),
        n2o_nitrification_n=got("nitrification", 1),
        n2o_denitrification_n=got("denitrification"),
        no_n=got("nitrification", 2),
        n2_n=got("denitrification", 1),
        leached_doc_c=got("dom_leaching"),
        leached_don_n=got("dom_leaching", 1),
        gross_mineralisation_n=(gotb("mineralised") + gotb("starvation", 1) + got("dormant_maintenance", 1)
                                + got("osmotic_shock", 2)),
        immobilisation_n=gotb("immobilised"),
        nitrified_n=got("nitrification") + got("nitrification", 1) + got("nitrification", 2),
        depolymerised_l_c=got("dep_l"),
        depolymerised_r_c=got("dep_r"),
        depolymerised_maom_c=got("dep_m"),
        uptake_c=got("uptake"),
        effective_cue=np.where(got("uptake") > 0, _ratio(gotb("growth_c"), got("uptake")), yield_c),
        alpha=alpha,
        input_c=input_c,
        input_n=input_n,
        fixation_n=fixed,
        isotopes=iso_fluxes,
        oxidative_factor=oxidative,
        fragmented_cwd_c=got("fragmentation"),
    )
