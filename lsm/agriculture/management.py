"""Agricultural management of the land's crop tiles, step by step (SCIENCE.md section 4).

:class:`Management` holds the state of the process modules of this package
for every tile of a rank (non-crop tiles carry crop index -1 and are never
touched) and runs them in the order of a land step:

1. crop phenology (:func:`lsm.agriculture.crops.step`): climatology, sowing,
   development, maturity;
2. harvest (:func:`lsm.agriculture.harvest.harvest`) of the mature crops:
   grain and the removed straw go to the product pools, the residue and the
   roots to the litter; the plant's pools and N are emptied.  A crop tile
   without a crop in the field that still carries vegetation (a state from
   a run without management) is cleared the same way with nothing removed;
3. sowing: the seed, ``SEED_C_KG_M2`` = 3 g C m-2 (CLM5's
   ``initial_seed_at_planting``; Lawrence et al. 2018), becomes the
   seedling's leaves and fine roots in the crop's allocation at emergence
   (CLM5 ``arooti`` to roots), with the N those tissues hold plus the
   plant's usual N store (the seed's own protein).  CLM5 puts the whole
   seed into leaves; here the seedling needs roots because N uptake grows
   with fine-root carbon.  Seed is grain kept from an earlier harvest:
   it is taken from the tile's 1-year product pool where that pool holds it,
   and booked as an external input (``crop_seed``) where it does not (the
   first season of a run);
4. allocation of the step's growth to leaf, fine root and grain
   (:func:`lsm.agriculture.crops.allocation`), handed to
   :func:`lsm.vegetation.step` as a :class:`lsm.vegetation.CropControl`;
5. fertiliser (:func:`lsm.agriculture.fertiliser.application`): mineral N to
   the soil's NH4+ and NO3-, manure to the litter;
6. irrigation (:func:`lsm.agriculture.irrigation.step`) into the hydrology;
7. after the vegetation step, the grain grown joins the grain pool
   (:meth:`Management.add_grain`), and the product pools decay to the air
   (:meth:`Management.decay_products`; the coupler field ``fprod``).

Symbiotic N fixation of the legume crop: a nodulated soybean takes about
half of its N from the air (N derived from the atmosphere 50-60 % on
average in the meta-analysis of Salvagiotti et al. 2008, Field Crops Res.
108, 1); here the share ``LEGUME_NDFA`` = 0.55 of the legume's N demand is
fixed (:meth:`Management.legume_fixation`) and only the rest is asked from
the soil.

Root N uptake of crops: the soil model's uptake capacity per fine-root
carbon, ~10 umol g-1 root dry weight h-1, is that of conifer and grass roots
(:mod:`lsm.soil_bgc.mycorrhiza`).  Crops bred for fertile soils take up N
several times faster per root mass (Chapin 1980, Annu. Rev. Ecol. Syst.
11, 233: species of fertile habitats and crops have the highest absorption
capacities; high-affinity nitrate influx of barley roots, ~3-6 umol g-1
fresh weight h-1, i.e. 30-60 umol g-1 dry weight h-1 at ~10 % dry matter,
Siddiqi et al. 1990, Plant Physiol. 93, 1426).  The crop tiles' capacity is
``CROP_ROOT_UPTAKE_FACTOR`` = 4 times the default (40 umol g-1 DW h-1);
without it a wheat crop, which puts a tenth of its growth into roots,
could not take up the N of its own growth.

Irrigated area: the land has one tile per crop type and cell, irrigated and
rain-fed fields together, and no map of irrigated area is packaged.  The
irrigation of a tile is that of its root-zone deficit times
``irrigated_fraction`` (default 0.2: ~300 Mha of land equipped for
irrigation, Siebert et al. 2015, Hydrol. Earth Syst. Sci. 19, 1521, of
~1,500 Mha of cropland), i.e. the tile-mean water of fields of which that
share is irrigated.

Every amount is kg m-2 of tile over the step unless named a rate (kg m-2
s-1).  Carbon and nitrogen are conserved exactly: what leaves the plants
goes to the litter, the grain pool or the product pools, what enters from
outside (fertiliser, manure, legume fixation, seed not found in the
products, irrigation water) is returned for the land's books.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from lsm import vegetation
from lsm.hydrology import SoilHydraulics
from lsm.pfts import pft_index, trait

from . import crops, fertiliser, harvest, irrigation
from .fertiliser import FertiliserParameters
from .irrigation import IrrigationParameters

__all__ = ["CROP_ROOT_UPTAKE_FACTOR", "LEGUME_NDFA", "SEED_C_KG_M2", "Management", "ManagementSettings", "StepInputs",
           "STATE_GROUPS"]

#: Seed carbon sown, kg C m-2 (CLM5 ``initial_seed_at_planting`` = 3 g C m-2).
SEED_C_KG_M2 = 3.0e-3
#: Share of a legume crop's N demand met by symbiotic fixation (Salvagiotti et al. 2008: 50-60 %).
LEGUME_NDFA = 0.55
#: Root N uptake capacity of crops relative to that of wild plants (Chapin 1980; Siddiqi et al. 1990).
CROP_ROOT_UPTAKE_FACTOR = 4.0
#: Restart groups: prefix -> (variables, attribute of :class:`Management`).
STATE_GROUPS = {"crop": (crops.STATE_VARIABLES, "crop"), "fert": (fertiliser.STATE_VARIABLES, "fert"),
                "irrig": (irrigation.STATE_VARIABLES, "irr"), "product": (harvest.PRODUCT_VARIABLES, "products")}
#: Restart variables that hold carbon or nitrogen (stocks).
STOCK_VARIABLES = ("crop__grain_c", "crop__grain_n", "product__c_1yr", "product__n_1yr", "product__c_10yr",
                   "product__n_10yr")
#: Restart variables that are flags (0/1; rounded after remapping).
FLAG_VARIABLES = ("crop__sown", "crop__sown_this_year", "crop__gdd_window_open", "crop__crop_index")


@dataclass(frozen=True)
class ManagementSettings:
    """Switches and parameters of management from the ``&land`` namelist."""

    fertiliser: bool = True
    irrigation: bool = True
    straw_removal_fraction: float = harvest.STRAW_REMOVAL_FRACTION
    product_10yr_fraction: float = harvest.PRODUCT_10YR_FRACTION
    fertiliser_parameters: FertiliserParameters = field(default_factory=FertiliserParameters)
    irrigation_parameters: IrrigationParameters = field(default_factory=IrrigationParameters)


class StepInputs(NamedTuple):
    """What management does in a step, before the vegetation and soil run; amounts kg m-2 over the step."""

    control: vegetation.CropControl
    #: Irrigation water, kg m-2 s-1 (the hydrology's ``irrigation_kg_m2_s``).
    irrigation_kg_m2_s: np.ndarray
    #: Mineral fertiliser into NH4+ and NO3-, kg N m-2 s-1.
    fertiliser_nh4: np.ndarray
    fertiliser_no3: np.ndarray
    #: Litter from harvest residue, roots and manure, kg m-2 s-1 (added to the vegetation's litter).
    litter_met_c: np.ndarray
    litter_met_n: np.ndarray
    litter_str_c: np.ndarray
    litter_str_n: np.ndarray
    #: External inputs: manure C and N, mineral N, seed C and N not found in the product pool.
    manure_c: np.ndarray
    manure_n: np.ndarray
    mineral_n: np.ndarray
    seed_c_external: np.ndarray
    seed_n_external: np.ndarray
    #: Harvest: grain and all C and N removed to the product pools.
    grain_c: np.ndarray
    removed_c: np.ndarray
    removed_n: np.ndarray
    harvested: np.ndarray


class Management:
    """Crop, fertiliser, irrigation and product state of a rank's tiles (module docstring)."""

    def __init__(self, tile_pft, lat_deg, lon_deg, settings: ManagementSettings,
                 mineral_n_kg_m2_yr=None, gdd_climatology=0.0):
        self.pft = np.asarray(tile_pft)
        n = self.pft.shape[0]
        self.lat = np.broadcast_to(np.asarray(lat_deg, dtype=float), (n,)).copy()
        self.lon = np.broadcast_to(np.asarray(lon_deg, dtype=float), (n,)).copy()
        self.settings = settings
        self.crop = crops.CropState.for_pft(self.pft, gdd_climatology)
        self.fert = fertiliser.FertiliserState.zeros(n)
        self.irr = irrigation.IrrigationState.zeros(n)
        self.products = harvest.ProductPools.zeros(n)
        self.managed = self.crop.crop_index >= 0.0
        ci = np.where(self.managed, self.crop.crop_index, 0).astype(int)
        self.grain_cn = np.where(self.managed, np.array([c.grain_cn for c in crops.CROPS])[ci], 1.0)
        self.legume = self.pft == pft_index("legume_crop")
        # tissue C:N of the crops' leaves and fine roots (1 elsewhere, where no plant is cleared or sown)
        self.leaf_cn = np.where(self.managed, trait("leaf_cn")[self.pft], 1.0)
        self.froot_cn = np.where(self.managed, trait("froot_cn")[self.pft], 1.0)
        self.grain_growth_respiration = np.where(
            self.managed, np.array([c.grain_growth_respiration for c in crops.CROPS])[ci], vegetation.GROWTH_RESP_FRAC)
        self.root_share_at_emergence = np.where(
            self.managed, np.array([c.froot_alloc_initial for c in crops.CROPS])[ci], 0.0)
        fp = settings.fertiliser_parameters
        rate = fertiliser.tile_mineral_rates(self.pft, fp) if mineral_n_kg_m2_yr is None else mineral_n_kg_m2_yr
        self.mineral_rate = np.where(self.managed, np.asarray(rate, dtype=float), 0.0) * settings.fertiliser
        self.manure_rate = fertiliser.manure_rates(self.mineral_rate, fp)

    # ------------------------------------------------------------------ step
    def begin(self, veg: vegetation.VegState, t_air_k, theta, hydraulics: SoilHydraulics, dz_m, t_soil_k,
              day_of_year: int, utc_seconds: float, dt: float) -> StepInputs:
        """Phenology, harvest, sowing, fertiliser and irrigation of the step (``veg`` changed in place)."""
        n = self.pft.shape[0]
        zero = np.zeros(n)
        ev = crops.step(self.crop, t_air_k, veg.t_run_k, day_of_year, self.lat, dt)
        managed = self.managed

        # --- harvest, or clearing of vegetation left on a field without a crop
        leaf_cn, froot_cn = self.leaf_cn, self.froot_cn
        has_plant = (veg.leaf_c + veg.froot_c + veg.labile_c + veg.wood_c > 0.0) | (veg.plant_n != 0.0) \
            | (self.crop.grain_c > 0.0)
        clear = managed & (self.crop.sown < 0.5) & has_plant
        plant_n = np.where(clear, veg.plant_n, 0.0)
        froot_n = np.minimum(np.where(clear, veg.froot_c, 0.0) / froot_cn, plant_n)
        leaf_n = np.minimum(np.where(clear, veg.leaf_c, 0.0) / leaf_cn, plant_n - froot_n)
        grain_c, grain_n = self.crop.take_grain(clear)
        removal = np.where(ev.harvest, self.settings.straw_removal_fraction, 0.0)
        hr = harvest.harvest(grain_c, grain_n, np.where(clear, veg.leaf_c, 0.0), leaf_n, zero, zero,
                             np.where(clear, veg.froot_c, 0.0), froot_n, removal,
                             reserve_c=np.where(clear, veg.labile_c + veg.wood_c, 0.0),
                             reserve_n=plant_n - froot_n - leaf_n)
        for name in ("leaf_c", "froot_c", "labile_c", "wood_c", "plant_n"):
            setattr(veg, name, np.where(clear, 0.0, getattr(veg, name)))
        harvest.deposit(self.products, harvest.split_removals(hr, self.settings.product_10yr_fraction))

        # --- sowing: seed from the 1-year product pool where it holds it, from outside elsewhere
        sow = ev.sown & managed
        seed_c = np.where(sow, SEED_C_KG_M2, 0.0)
        ci = self.crop.crop_index
        seed_root = seed_c * self.root_share_at_emergence
        seed_leaf = seed_c - seed_root
        seed_n = (1.0 + vegetation.N_STORE_FRACTION) * (seed_leaf / leaf_cn + seed_root / froot_cn)
        stored = sow & (self.products.c_1yr >= seed_c) & (self.products.n_1yr >= seed_n)
        self.products.c_1yr = self.products.c_1yr - np.where(stored, seed_c, 0.0)
        self.products.n_1yr = self.products.n_1yr - np.where(stored, seed_n, 0.0)
        veg.leaf_c = veg.leaf_c + seed_leaf
        veg.froot_c = veg.froot_c + seed_root
        veg.plant_n = veg.plant_n + seed_n
        veg.leaf_on = np.where(managed, self.crop.sown > 0.5, veg.leaf_on)
        veg.days_on = np.where(sow, 0.0, veg.days_on)

        # --- allocation of this step's growth
        alloc = crops.allocation(ev.phase, ev.development_fraction, ci,
                                 crops.grain_fill_fraction(self.crop.gdd_maturity, ci))
        control = vegetation.CropControl(managed, alloc.leaf, alloc.froot, alloc.grain, self.grain_cn,
                                         self.grain_growth_respiration)

        # --- fertiliser and manure
        s = self.settings
        if s.fertiliser:
            app = fertiliser.application(self.fert, sow, ev.development_fraction, self.mineral_rate,
                                         self.manure_rate, dt, s.fertiliser_parameters)
        else:
            app = fertiliser.split_forms(zero, zero, s.fertiliser_parameters)

        # --- irrigation of the crops in the field
        if s.irrigation:
            irr = irrigation.step(self.irr, theta, hydraulics, dz_m, managed & (self.crop.sown > 0.5), self.lon,
                                  utc_seconds, dt, s.irrigation_parameters, t_soil_K=t_soil_k).irrigation_kg_m2_s
        else:
            irr = zero

        inv = 1.0 / dt
        return StepInputs(
            control=control, irrigation_kg_m2_s=irr,
            fertiliser_nh4=app.nh4_n * inv, fertiliser_no3=app.no3_n * inv,
            litter_met_c=(hr.litter_met_c + app.manure_met_c) * inv,
            litter_met_n=(hr.litter_met_n + app.manure_met_n) * inv,
            litter_str_c=(hr.litter_str_c + app.manure_str_c) * inv,
            litter_str_n=(hr.litter_str_n + app.manure_str_n) * inv,
            manure_c=app.manure_c, manure_n=app.manure_n, mineral_n=app.mineral_n,
            seed_c_external=np.where(stored, 0.0, seed_c), seed_n_external=np.where(stored, 0.0, seed_n),
            grain_c=hr.grain_c, removed_c=hr.removed_c, removed_n=hr.removed_n, harvested=ev.harvest)

    @staticmethod
    def with_litter(vf: vegetation.VegFluxes, step: StepInputs) -> vegetation.VegFluxes:
        """The vegetation's fluxes with the step's harvest residue and manure added to its litter."""
        return vf._replace(litter_met_c=vf.litter_met_c + step.litter_met_c,
                           litter_met_n=vf.litter_met_n + step.litter_met_n,
                           litter_str_c=vf.litter_str_c + step.litter_str_c,
                           litter_str_n=vf.litter_str_n + step.litter_str_n)

    def root_uptake_factor(self) -> np.ndarray:
        """Factor on the fine roots' N uptake capacity per tile: ``CROP_ROOT_UPTAKE_FACTOR`` on crop tiles."""
        return np.where(self.managed, CROP_ROOT_UPTAKE_FACTOR, 1.0)

    def legume_fixation(self, demand_kg_m2) -> np.ndarray:
        """N fixed symbiotically by legume crops over the step, kg N m-2: ``LEGUME_NDFA`` of their demand."""
        return np.where(self.legume & (self.crop.sown > 0.5), LEGUME_NDFA * np.asarray(demand_kg_m2), 0.0)

    def add_grain(self, vf: vegetation.VegFluxes, dt: float) -> None:
        """Put the grain the vegetation grew over the step into the grain pool."""
        self.crop.grain_c = self.crop.grain_c + vf.grain_c * dt
        self.crop.grain_n = self.crop.grain_n + vf.grain_n * dt

    def decay_products(self, dt: float) -> harvest.ProductDecay:
        """Decay of the product pools over the step (``c_flux`` is ``fprod``)."""
        return harvest.decay(self.products, dt)

    # ------------------------------------------------------------------ books
    def carbon_kg_m2(self) -> np.ndarray:
        """Grain and product carbon of each tile, kg C m-2."""
        return self.crop.grain_c + self.products.total_c()

    def nitrogen_kg_m2(self) -> np.ndarray:
        return self.crop.grain_n + self.products.total_n()

    def get(self, name: str) -> np.ndarray:
        """A restart variable ``<group>__<variable>`` (:data:`STATE_GROUPS`)."""
        group, var = name.split("__", 1)
        return getattr(getattr(self, STATE_GROUPS[group][1]), var)

    def set(self, name: str, value) -> None:
        group, var = name.split("__", 1)
        value = np.array(value, dtype=np.float64)
        if name in FLAG_VARIABLES:
            value = np.round(value)
        setattr(getattr(self, STATE_GROUPS[group][1]), var, value)
