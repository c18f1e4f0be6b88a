"""Plant functional types (PFTs) of the land component: one table of traits with sources.

The land surface of every cell is divided into tiles of these PFTs
(:mod:`lsm.surface`); the vegetation, soil biogeochemistry and agriculture
code read their parameters from :data:`PFTS`.  The order of the table is the
order of the ``pft`` dimension of the surface file, so it must not change
without rebuilding ``lsm/data/surface_0.5deg.nc``.

Choice of PFTs
--------------
The set follows the CLM5 natural PFTs (Lawrence et al. 2019, JAMES 11, 4245;
CLM5 technical note, Lawrence et al. 2018, tables "Plant functional types"),
merged where the land-cover data cannot tell them apart (one needleleaf
evergreen tree for the temperate and boreal types, one cold-deciduous
broadleaf tree for the temperate and boreal types) and split where the
mycorrhizal association differs (SCIENCE.md section 2 and 3.10):

- broadleaf evergreen trees: tropical rain forests are mostly AM, temperate
  evergreen broadleaf forests (Eucalyptus, Nothofagus, evergreen Fagaceae)
  mostly ECM or dual;
- shrubs: arctic and boreal shrubs (Betula nana, Salix, Dryas, with
  ericoid Ericaceae) are ECM/ErM, other (warm, temperate and desert) shrubs
  mostly AM;
- crops: C3 cereals, C4 maize (with the other C4 crops: sorghum, millet,
  sugar cane) and a nitrogen-fixing legume (soybean), the three crop types
  whose physiology and nitrogen economy differ most.

Traits and sources
------------------
Units: C:N in g C g-1 N; specific leaf area ``sla`` in m2 leaf (one-sided)
per g C at the canopy top; ``vcmax25`` in umol CO2 m-2 leaf s-1 at 25 degC at
the canopy top; turnover in yr-1 (the fraction of the pool replaced per year,
1/longevity).

- ``leaf_cn``, ``sla``, ``vcmax25``: CLM4.5 technical note table 8.1
  (Oleson et al. 2013, NCAR/TN-503+STR); its ``vcmax25`` values are the
  trait-database means of Kattge et al. (2009, Glob. Change Biol. 15, 976):
  62.6 (needleleaf evergreen), 39.1 (needleleaf deciduous), 57.7 (temperate
  broadleaf deciduous), 41.0 (tropical trees on non-oxisols), 54.0
  (deciduous shrubs), 78.2 (C3 herbaceous), 100.7 (C3 crops); the
  leaf C:N targets are those of the CLM5 allocation table (Lawrence et al.
  2018, table "Allocation and target carbon:nitrogen ratio parameters").
  CLM uses 55.0 for tropical broadleaf evergreen trees (raised above Kattge's
  41 to reduce biases, Bonan et al. 2012) and 51.6 for C4 grass.
- ``froot_cn``: 42 for every PFT in both CLM5 (allocation table) and the
  Biome-BGC ecophysiological constants (White et al. 2000, Earth Interact.
  4(3), 1-85; the ``epc`` files of Biome-BGC 4.1.1).
- ``leaf_lignin`` (lignin fraction of leaf litter C) and ``froot_lignin``:
  Biome-BGC (White et al. 2000): 0.24 for evergreen needleleaf and
  broadleaf forests and evergreen shrubs, 0.17 for deciduous forests and
  grasses, 0.25 for fine roots of every type.  Crops take the herbaceous
  value.  The needleleaf/broadleaf contrast is the litter-quality contrast
  between ECM and AM systems (Phillips et al. 2013, New Phytol. 199, 41).
- ``leaf_turnover``, ``froot_turnover``: Biome-BGC "annual leaf and fine
  root turnover fraction" (White et al. 2000): 0.25 for evergreen needleleaf
  trees and evergreen shrubs, 0.5 for evergreen broadleaf trees, 1 for
  deciduous trees, grasses and annual crops.
- ``ecm_fraction``: share of the PFT's plants (by biomass) associated with
  ectomycorrhizal fungi, the rest arbuscular (AM).  Assignments follow
  Soudzilovskaia et al. (2019, Nat. Commun. 10, 5077) as summarised in the
  data README (needleleaf forests ECM; tropical evergreen forests,
  grasslands, savannas and crops AM; deciduous broadleaf and mixed forests
  a mixture), refined with the plant-family mycorrhizal status of Brundrett
  & Tedersoo (2018, New Phytol. 220, 1108): Pinaceae (Pinus, Picea, Abies,
  Larix) are ECM while Cupressaceae and Taxaceae are AM; Fagaceae,
  Betulaceae, Salicaceae and Tilia are ECM while Acer, Fraxinus and most
  tropical families are AM; Dipterocarpaceae and some Caesalpinioideae
  (e.g. the miombo genera Brachystegia and Julbernardia) are ECM in the
  tropics.  Ericoid mycorrhizas (ErM) of heaths are counted with ECM because
  both mine organic nitrogen with oxidative enzymes (Read & Perez-Moreno
  2003, New Phytol. 157, 475).  :attr:`PFT.mycorrhizal_type` is the
  dominant association.

Leaf habits: ``evergreen``; ``cold-deciduous`` (leaves shed by temperature
and day length); ``drought-deciduous`` (raingreen: shed in the dry season);
``stress-deciduous`` (either trigger, as CLM5 treats grasses and most
shrubs); ``crop`` (sown and harvested by the agriculture module).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PFT", "PFTS", "NPFT", "PFT_NAMES", "pft_index", "trait", "CROP_PFTS", "TREE_PFTS"]

GROWTH_FORMS = ("none", "tree", "shrub", "grass", "crop")
LEAF_HABITS = ("none", "evergreen", "cold-deciduous", "drought-deciduous", "stress-deciduous", "crop")
PATHWAYS = ("none", "C3", "C4")


@dataclass(frozen=True)
class PFT:
    """One plant functional type; numeric traits are 0 for bare ground."""

    name: str
    long_name: str
    growth_form: str
    leaf_habit: str
    pathway: str
    #: Share of the PFT associated with ectomycorrhizal (ECM) fungi, 0-1; the rest is AM.
    ecm_fraction: float
    #: Leaf C:N, g C g-1 N.
    leaf_cn: float
    #: Fine-root C:N, g C g-1 N.
    froot_cn: float
    #: Lignin fraction of leaf-litter carbon, 0-1.
    leaf_lignin: float
    #: Lignin fraction of fine-root litter carbon, 0-1.
    froot_lignin: float
    #: Specific leaf area at the canopy top, m2 g-1 C.
    sla: float
    #: Maximum carboxylation rate at 25 degC at the canopy top, umol m-2 s-1.
    vcmax25: float
    #: Leaf turnover, yr-1 (1 / leaf longevity).
    leaf_turnover: float
    #: Fine-root turnover, yr-1.
    froot_turnover: float
    #: Symbiotic N2 fixer (legume).
    n_fixer: bool = False

    def __post_init__(self):
        if self.growth_form not in GROWTH_FORMS:
            raise ValueError(f"{self.name}: growth_form {self.growth_form!r} not in {GROWTH_FORMS}")
        if self.leaf_habit not in LEAF_HABITS:
            raise ValueError(f"{self.name}: leaf_habit {self.leaf_habit!r} not in {LEAF_HABITS}")
        if self.pathway not in PATHWAYS:
            raise ValueError(f"{self.name}: pathway {self.pathway!r} not in {PATHWAYS}")
        if not 0.0 <= self.ecm_fraction <= 1.0:
            raise ValueError(f"{self.name}: ecm_fraction must be in [0, 1]")

    @property
    def vegetated(self) -> bool:
        return self.growth_form != "none"

    @property
    def is_crop(self) -> bool:
        return self.growth_form == "crop"

    @property
    def is_tree(self) -> bool:
        return self.growth_form == "tree"

    @property
    def mycorrhizal_type(self) -> str:
        """Dominant association: ``"ECM"``, ``"AM"``, or ``"none"`` for bare ground."""
        if not self.vegetated:
            return "none"
        return "ECM" if self.ecm_fraction >= 0.5 else "AM"


#: The PFT table, in the order of the surface file's ``pft`` dimension.
PFTS: tuple[PFT, ...] = (
    PFT("bare", "bare soil, rock, ice and sealed (urban) ground",
        "none", "none", "none", 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    # CLM NET boreal (leaf C:N 40, SLA 0.008, Vcmax25 62.6); most needleleaf
    # evergreen forest is boreal.  ECM 0.9: Pinaceae ECM, Cupressaceae/Taxaceae AM.
    PFT("needleleaf_evergreen_tree", "needleleaf evergreen tree (temperate and boreal)",
        "tree", "evergreen", "C3", 0.9,
        40.0, 42.0, 0.24, 0.25, 0.008, 62.6, 0.25, 0.25),
    # CLM NDT boreal (25, 0.024, 39.1); Larix is obligately ECM.
    PFT("needleleaf_deciduous_tree", "needleleaf deciduous tree (boreal larch)",
        "tree", "cold-deciduous", "C3", 1.0,
        25.0, 42.0, 0.17, 0.25, 0.024, 39.1, 1.0, 1.0),
    # CLM BET tropical (30, 0.012, 55.0); Biome-BGC EBF lignin 0.24, turnover 0.5.
    # ECM 0.1: dipterocarp and caesalpinioid ECM stands in an AM-dominated biome.
    PFT("broadleaf_evergreen_tropical_tree", "broadleaf evergreen tropical tree",
        "tree", "evergreen", "C3", 0.1,
        30.0, 42.0, 0.24, 0.25, 0.012, 55.0, 0.5, 0.5),
    # CLM BET temperate (30, 0.012, 61.5).  ECM 0.6: Eucalyptus (dual AM/ECM),
    # Nothofagus and evergreen Fagaceae (ECM) with AM Lauraceae and Theaceae.
    PFT("broadleaf_evergreen_temperate_tree", "broadleaf evergreen temperate tree",
        "tree", "evergreen", "C3", 0.6,
        30.0, 42.0, 0.24, 0.25, 0.012, 61.5, 0.5, 0.5),
    # CLM BDT temperate/boreal (25, 0.030, 57.7); Biome-BGC DBF lignin 0.17.
    # ECM 0.6: Fagus, Quercus, Betula, Populus ECM; Acer, Fraxinus AM.
    PFT("broadleaf_deciduous_temperate_tree", "broadleaf cold-deciduous tree (temperate and boreal)",
        "tree", "cold-deciduous", "C3", 0.6,
        25.0, 42.0, 0.17, 0.25, 0.030, 57.7, 1.0, 1.0),
    # CLM BDT tropical (25, 0.030, 41.0).  ECM 0.15: miombo Caesalpinioideae.
    PFT("broadleaf_deciduous_tropical_tree", "broadleaf drought-deciduous (raingreen) tropical tree",
        "tree", "drought-deciduous", "C3", 0.15,
        25.0, 42.0, 0.17, 0.25, 0.030, 41.0, 1.0, 1.0),
    # CLM BDS temperate (25, 0.030, 54.0); Biome-BGC shrub lignin 0.24.
    # ECM 0.1: desert and Mediterranean shrubs mostly AM (Cistaceae ECM).
    PFT("shrub", "broadleaf shrub of tropical, temperate and arid climates",
        "shrub", "stress-deciduous", "C3", 0.1,
        25.0, 42.0, 0.24, 0.25, 0.030, 54.0, 1.0, 1.0),
    # CLM BDS boreal (25, 0.030, 54.0).  ECM 0.8: Betula, Salix, Dryas ECM, Ericaceae ErM.
    PFT("shrub_boreal", "broadleaf deciduous shrub, boreal and arctic",
        "shrub", "cold-deciduous", "C3", 0.8,
        25.0, 42.0, 0.17, 0.25, 0.030, 54.0, 1.0, 1.0),
    # CLM C3 grass (25, 0.030, 78.2); Biome-BGC grass lignin 0.17, turnover 1.
    PFT("c3_grass", "C3 grass (including arctic and wetland herbs)",
        "grass", "stress-deciduous", "C3", 0.0,
        25.0, 42.0, 0.17, 0.25, 0.030, 78.2, 1.0, 1.0),
    # CLM C4 grass (25, 0.030, 51.6).
    PFT("c4_grass", "C4 grass",
        "grass", "stress-deciduous", "C4", 0.0,
        25.0, 42.0, 0.17, 0.25, 0.030, 51.6, 1.0, 1.0),
    # CLM temperate cereal (25, 0.070, 100.7).
    PFT("c3_crop", "C3 crop (wheat, rice, barley and other C3 crops)",
        "crop", "crop", "C3", 0.0,
        25.0, 42.0, 0.17, 0.25, 0.070, 100.7, 1.0, 1.0),
    # CLM corn (25, 0.050, 100.7).
    PFT("c4_crop", "C4 crop (maize, sorghum, millet, sugar cane)",
        "crop", "crop", "C4", 0.0,
        25.0, 42.0, 0.17, 0.25, 0.050, 100.7, 1.0, 1.0),
    # CLM soybean (25, 0.070, 100.7); fixes N2 symbiotically.
    PFT("legume_crop", "legume crop (soybean and other N-fixing crops)",
        "crop", "crop", "C3", 0.0,
        25.0, 42.0, 0.17, 0.25, 0.070, 100.7, 1.0, 1.0, n_fixer=True),
)

NPFT = len(PFTS)
PFT_NAMES: tuple[str, ...] = tuple(p.name for p in PFTS)
#: Indices of crop and tree PFTs.
CROP_PFTS: tuple[int, ...] = tuple(i for i, p in enumerate(PFTS) if p.is_crop)
TREE_PFTS: tuple[int, ...] = tuple(i for i, p in enumerate(PFTS) if p.is_tree)

_INDEX = {name: i for i, name in enumerate(PFT_NAMES)}


def pft_index(name: str) -> int:
    """Position of PFT ``name`` in :data:`PFTS` (KeyError naming the valid names otherwise)."""
    try:
        return _INDEX[name]
    except KeyError:
        raise KeyError(f"unknown PFT {name!r}; valid names: {', '.join(PFT_NAMES)}") from None


def trait(name: str) -> np.ndarray:
    """One trait of every PFT as an array of length :data:`NPFT` (e.g. ``trait("leaf_cn")``)."""
    values = [getattr(p, name) for p in PFTS]
    if isinstance(values[0], str):
        return np.array(values, dtype=object)
    return np.array(values, dtype=np.float64 if not isinstance(values[0], bool) else bool)
