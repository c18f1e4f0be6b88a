"""The land component: plant-functional-type tiles with hydrology, surface energy and vegetation.

Each land cell holds one tile per plant functional type present in it
(fractions from the surface data), each with its own soil column; all tiles
of a rank are processed together as flat arrays. Every coupling interval,
per tile:

1. photosynthesis (Farquhar/Collatz with Medlyn stomata) from the interval's
   light, temperature, humidity and ``co2_bgc``, with soil water stress;
2. the surface energy balance (Penman-Monteith-type latent heat through the
   canopy and soil resistances, capped by the water the soil can supply) and
   implicit soil heat conduction;
3. hydrology: snow, infiltration, Richards flow, root uptake of the
   transpiration and soil evaporation (which may fall short of demand: the
   latent heat is then what was evaporated and the sensible heat closes the
   balance), runoff and drainage;
4. vegetation carbon and nitrogen: respiration, allocation (limited by the
   plant's N store), phenology, litterfall;
5. the microbial-explicit soil carbon-nitrogen model (:mod:`lsm.soil_bgc`):
   litter, dissolved organic matter, microbes, enzymes, mineral-associated
   and aggregate-protected matter, NH4+ and NO3-; plant N uptake refills the
   plants' N store.

With ``agriculture`` (default) the crop tiles are managed
(:mod:`lsm.agriculture.management`) before the physics of each step:
sowing, harvest (residue to the litter, grain and straw to product pools
that decay to the air as ``fprod``), fertiliser into the soil's mineral N
and litter, and irrigation into the hydrology; the crop's development sets
the vegetation's allocation to leaves, roots and grain.

Books: carbon (vegetation + soil, Pg C), nitrogen (plants + soil, Tg N),
water (soil + snow, kg) and energy (soil heat, J). Net ecosystem exchange,
soil N2O (``fn2o``, to the atmosphere), latent and sensible heat, runoff and
the leached dissolved organic carbon (``friver_c``, to the ocean) leave
through the coupler; precipitation and radiation arrive through it;
evapotranspiration water, upwelling radiation, N fixation, the leaching of
nitrate and dissolved organic N and the NO and N2 gases are named external
terms; N deposition arrives from the atmosphere through the coupler
(``ndep``).  Management adds the external terms manure carbon, crop seed
(C and N), mineral fertiliser, manure N, legume N fixation, the N of
decaying products and irrigation water; grain and product pools are part
of the land's carbon and nitrogen inventories.
"""

from __future__ import annotations

import numpy as np

from pathlib import Path

from atmos_stub.climatology import SECONDS_PER_CLIMATOLOGY_YEAR
from atmos_stub.weather import mean_daily_temperature_K
from coupler import insolation
from coupler.component import Component, StateVariable
from coupler.config import Setting
from coupler.constants import KG_PER_PG, KG_PER_TG
from coupler.errors import InputDataError, NamelistError

from . import energy, hydrology, photosynthesis, soil_ph, vegetation
from .agriculture import fertiliser as agri_fertiliser
from .agriculture import irrigation as agri_irrigation
from .agriculture import management
from .agriculture.crops import crop_index_from_pft, window_gdd
from .constants import LATENT_HEAT_VAPORISATION
from .pfts import NPFT, PFTS, pft_index, trait
from .soil_bgc import column as soil_column
from .soil_bgc import isotopes
from .soil_bgc.model import SoilModel, cold_start
from .soil_bgc.pools import C_ROWS as SOIL_C_ROWS
from .soil_bgc.pools import VARIABLES as SOIL_VARIABLES
from .soil_bgc.upscaling import UpscalingParameters
from .surface import load_surface

#: PAR photons per J of shortwave: 0.5 of shortwave is PAR (Monteith 1965), 4.6 umol J-1 (McCree 1981).
PAR_UMOL_PER_J_SW = 0.5 * 4.6
SECONDS_PER_YEAR = 365.0 * 86400.0
#: The packaged spun-up preindustrial land state (tools/make_land_init.py).
INIT_FILE = Path(__file__).parent / "data" / "land_init.nc"
#: Albedo of vegetated and bare surfaces and of snow (CLM5 and Oleson et al. 2013 typical values).
ALBEDO_VEGETATION, ALBEDO_BARE, ALBEDO_SNOW = 0.15, 0.25, 0.7
EMISSIVITY = 0.97
#: Snow water equivalent that fully covers the surface, kg m-2 (CLM: 10 cm of snow at 100 kg m-3).
SNOW_COVER_SWE_KG_M2 = 10.0


def _management(config, tile_pft, decomp, surf, tile_cell) -> management.Management:
    """Crop management of the rank's tiles from the ``&land`` settings (NamelistError naming a bad key)."""
    where = f"{config.source}: &{config.name}"
    if config.isotopes:
        raise NamelistError(f"{where}: isotopes = .true. needs agriculture = .false.: the crop grain and product "
                            "pools carry no 13C or 14C yet")
    rates = config.fertiliser_n_rate_kg_ha_yr
    try:
        fert = agri_fertiliser.FertiliserParameters(mineral_n_rate_kg_ha_yr=tuple(rates),
                                                    manure_n_share=config.manure_n_share)
    except ValueError as exc:
        raise NamelistError(f"{where}: fertiliser_n_rate_kg_ha_yr = {rates!r}: {exc}") from None
    settings = management.ManagementSettings(
        fertiliser=config.fertiliser, irrigation=config.irrigation,
        straw_removal_fraction=config.straw_removal_fraction, fertiliser_parameters=fert,
        irrigation_parameters=agri_irrigation.IrrigationParameters(irrigated_fraction=config.irrigated_fraction))
    lat, lon = decomp.local_lat_lon()
    lat_t, lon_t = lat[tile_cell], lon[tile_cell]
    cells = decomp.local_cells
    rate = agri_fertiliser.tile_mineral_rates(tile_pft, fert)
    if config.fertiliser_file:
        rate = agri_fertiliser.read_rate_map(config.fertiliser_file).tile_rates(lat_t, lon_t, tile_pft, rate)
    # first guess of the crops' climatological growing degree days, from the mean seasonal cycle of the weather
    daily = mean_daily_temperature_K(surf.mat_K[cells], lat, surf.climate_data_fraction[cells],
                                     continentality=surf.climate_continentality[cells])[:, tile_cell]
    index = crop_index_from_pft(tile_pft)
    gdd = window_gdd(daily, lat_t, index)
    return management.Management(tile_pft, lat_t, lon_t, settings, mineral_n_kg_m2_yr=rate, gdd_climatology=gdd)


def _upscaling(config) -> UpscalingParameters:
    """The sub-grid upscaling of the ``&land`` settings, or a NamelistError naming its keys."""
    keys = ("upscaling_cv_substrate", "upscaling_cv_biomass", "upscaling_correlation")
    try:
        return UpscalingParameters(enabled=config.upscaling, cv_substrate=config.upscaling_cv_substrate,
                                   cv_biomass=config.upscaling_cv_biomass, correlation=config.upscaling_correlation)
    except ValueError as exc:
        values = ", ".join(f"{k} = {config[k]!r}" for k in keys)
        raise NamelistError(f"{config.source}: &{config.name}: {values}: {exc} (CV_S = upscaling_cv_substrate, "
                            "CV_B = upscaling_cv_biomass, rho = upscaling_correlation)") from None


class LandComponent(Component):
    role = "land"
    quantities = ("carbon", "nitrogen", "water", "energy")
    imports = ("co2_bgc", "tas", "pr", "rsds", "rlds", "huss", "ps", "sfcWind", "ndep")
    exports = ("nee", "fprod", "hfls", "hfss", "friver", "fn2o", "friver_c")
    settings = [
        Setting("surface_file", str, "", description="Surface data file ('' = the packaged 0.5 degree data)."),
        Setting("texture_file", str, "", description="Optional sand/clay override file."),
        Setting("priming", bool, True,
                description="Optimal enzyme allocation between labile and recalcitrant substrates (priming "
                            "emerges); false = a fixed even split."),
        Setting("isotopes", bool, False,
                description="Carry 13C and 14C shadow pools of every vegetation and soil carbon pool, with "
                            "photosynthetic discrimination and 14C decay (lsm/soil_bgc/isotopes.py); the ledger "
                            "then keeps books of carbon13 and carbon14."),
        Setting("delta13c_atmosphere_permil", float, isotopes.DELTA13C_ATMOSPHERE_PREINDUSTRIAL_PERMIL, units="permil",
                description="delta-13C (VPDB) of atmospheric CO2 seen by photosynthesis (default preindustrial, "
                            "Francey et al. 1999).", bounds=(-50.0, 50.0)),
        Setting("delta14c_atmosphere_permil", float, 0.0, units="permil",
                description="Delta-14C of atmospheric CO2 when no delta14c_file is given (preindustrial 0).",
                bounds=(-1000.0, 2000.0)),
        Setting("delta14c_file", str, "",
                description="CSV of 'year, Delta-14C (permil)' rows for atmospheric CO2 (e.g. the bomb spike), "
                            "interpolated linearly in decimal years and held constant outside; '' = the "
                            "constant delta14c_atmosphere_permil."),
        Setting("soil_ph_from_climate", bool, False,
                description="Topsoil pH for nitrification from the climatic water balance, MAP - Thornthwaite "
                            "PET (Slessarev et al. 2016; lsm/soil_ph.py); false (default until the shipped state "
                            "is spun up with it) = pH 6.5 everywhere."),
        Setting("dormancy", bool, False,
                description="Active and dormant microbial biomass switching with substrate (MEND, Wang et al. "
                            "2015); false (default until calibrated) = active biomass only."),
        Setting("birch_osmotic_shock", bool, False,
                description="Birch effect: osmotic-shock death of active microbes when a dry soil is wetted, "
                            "scaling with the rise of water potential per time (lsm/soil_bgc/rewetting.py); "
                            "false (default, the spun-up state has none) = no shock."),
        Setting("birch_aggregate_disruption", bool, False,
                description="Birch effect: slaking of aggregates on fast wetting of a dry soil releases "
                            "aggregate-protected C and N to DOM; false (default) = none."),
        Setting("birch_dormant_revival", bool, True,
                description="Dormancy by low water potential and revival of dormant microbes on rewetting (acts "
                            "only with dormancy = true)."),
        Setting("rhizosphere_o2", bool, False,
                description="O2 around the fine roots (steady diffusion, Millington-Quirk) limits the oxidative "
                            "R-enzymes that depolymerise recalcitrant litter and MAOM, down to the anaerobic floor "
                            "(Freeman et al. 2001 'enzymic latch'; lsm/soil_bgc/oxygen.py); false (default, "
                            "uncalibrated) = no O2 limitation of depolymerisation."),
        Setting("saprotroph_amino_acids", bool, False,
                description="Saprotrophs take amino acids from the DON directly, as ECM fungi do (Schimel & "
                            "Bennett 2004), bidding for their N need from DON and mineral N alike; false (default "
                            "until the shipped state is spun up with it) = only ECM fungi take DON selectively."),
        Setting("upscaling", bool, False,
                description="Second-order sub-grid correction of the microbial DOM uptake for heterogeneous "
                            "substrate and biomass (lsm/soil_bgc/upscaling.py); false (default) = mean-field rate."),
        Setting("upscaling_cv_substrate", float, 0.0, "1", bounds=(0.0, 2.0),
                description="Coefficient of variation of the substrate within a column (with upscaling); "
                            "upscaling_cv_substrate^2/4 + max(-upscaling_correlation, 0) upscaling_cv_biomass "
                            "upscaling_cv_substrate must be < 1."),
        Setting("upscaling_cv_biomass", float, 0.0, "1", bounds=(0.0, 2.0),
                description="Coefficient of variation of the microbial biomass within a column (with upscaling)."),
        Setting("upscaling_correlation", float, 0.0, "1", bounds=(-1.0, 1.0),
                description="Correlation of biomass and substrate within a column (with upscaling): > 0 "
                            "co-located (raises uptake), < 0 segregated (lowers it)."),
        Setting("temperature_cue", bool, True,
                description="Microbial yield falls with temperature (Qiao et al. 2019); false = constant 0.47."),
        Setting("n_limitation", bool, True,
                description="Plant growth limited by the plant's nitrogen store (GPP down-regulated); false = "
                            "no N limitation of plants (the soil still supplies what it can)."),
        Setting("agriculture", bool, True,
                description="Crop management on the crop tiles (lsm/agriculture): sowing in a window, growing-"
                            "degree-day development, grain fill and harvest, residue to the litter, grain and "
                            "straw to product pools that decay to the air (fprod); false = the crop PFTs grow as "
                            "stress-deciduous grasses, with no harvest, fertiliser or irrigation."),
        Setting("fertiliser", bool, True,
                description="Mineral N and manure on the crops at sowing and at a top-dressing (acts only with "
                            "agriculture = true; lsm/agriculture/fertiliser.py)."),
        Setting("fertiliser_n_rate_kg_ha_yr", float, list(agri_fertiliser.DEFAULT_MINERAL_N_KG_HA_YR),
                "kg N ha-1 yr-1", shape="list", bounds=(0.0, 1000.0),
                description="Mineral N per year on c3_crop, c4_crop and legume_crop (area-weighted global means, "
                            "Ladha et al. 2016; 102 Tg N/yr on the packaged crop map)."),
        Setting("fertiliser_file", str, "",
                description="Optional netCDF map of mineral N rates (lat, lon and one variable per crop type "
                            "named c3_crop, c4_crop, legume_crop, with units, e.g. 'kg N ha-1 yr-1'); cells "
                            "without a value take fertiliser_n_rate_kg_ha_yr."),
        Setting("manure_n_share", float, agri_fertiliser.MANURE_N_SHARE, "1", bounds=(0.0, 0.95),
                description="Share of all N applied that is manure (organic C and N to the litter)."),
        Setting("irrigation", bool, True,
                description="Irrigation of crops in the field by their root-zone deficit, CLM5 scheme (acts only "
                            "with agriculture = true; lsm/agriculture/irrigation.py); the water is an external "
                            "input of the land water books."),
        Setting("irrigated_fraction", float, 0.2, "1", bounds=(0.0, 1.0),
                description="Share of every crop tile that is irrigated (Siebert et al. 2015: ~300 Mha equipped "
                            "for irrigation of ~1,500 Mha of cropland)."),
        Setting("straw_removal_fraction", float, 0.4, "1", bounds=(0.0, 1.0),
                description="Share of the straw taken off the field at harvest (to the product pools); the rest "
                            "is residue returned to the litter (Smil 1999; Lal 2005)."),
        Setting("initial_soil_c_kg_m2", float, 10.0, "kg C m-2", bounds=(0.0, 1000.0),
                description="Initial soil organic carbon of the cold start (initial_state = 'none')."),
        Setting("initial_leaf_c_kg_m2", float, 0.1, "kg C m-2", bounds=(0.0, 10.0),
                description="Initial leaf carbon of vegetated tiles (roots equal, wood 10x for trees)."),
        Setting("initial_state", str, "",
                description="Initial land state: '' = the packaged spun-up preindustrial state "
                            "(lsm/data/land_init.nc, remapped to this grid), 'none' = the cold start of the "
                            "initial_* settings, or a land restart file of any grid."),
    ]

    # -------------------------------------------------------------- set-up
    _surface_cache: dict = {}

    @classmethod
    def surface(cls, config, grid):
        key = (grid.resolution_label(), config.surface_file, config.texture_file)
        if key not in cls._surface_cache:
            cls._surface_cache[key] = load_surface(grid, config.surface_file or None, config.texture_file or None)
        return cls._surface_cache[key]

    @classmethod
    def books(cls, config):
        return cls.quantities + (("carbon13", "carbon14") if config.isotopes else ())

    @classmethod
    def domain_fraction(cls, config, grid):
        return cls.surface(config, grid).land_fraction

    @classmethod
    def work_weights(cls, config, grid, cells):
        return np.count_nonzero(cls.surface(config, grid).pft_fraction[:, cells] > 0, axis=0).astype(float)

    def init(self, config, comm, decomp, clock):
        super().init(config, comm, decomp, clock)
        surf = self.surface(config, decomp.grid)
        cells = decomp.local_cells
        frac = surf.pft_fraction[:, cells]  # (npft, ncell)
        pft, cell = np.nonzero(frac > 0)
        order = np.lexsort((pft, cell))  # tiles grouped by cell, in PFT order
        self.tile_pft, self.tile_cell = pft[order], cell[order]
        self.tile_frac = frac[self.tile_pft, self.tile_cell]
        # m2 of each tile: cell area x land fraction x the PFT's share of the land
        self.tile_area = decomp.local_area[self.tile_cell] * decomp.local_fraction[self.tile_cell] * self.tile_frac
        nt = len(self.tile_pft)
        self.elapsed_s = clock.elapsed_s
        sand, clay = surf.sand[cells][self.tile_cell], surf.clay[cells][self.tile_cell]
        self.sand, self.clay = sand, clay
        self.dz = np.asarray(hydrology.DEFAULT_LAYER_THICKNESS_M)
        self.hyd = hydrology.SoilHydraulics.from_texture(sand, clay, nlayer=len(self.dz))
        self.water = hydrology.initial_state(self.hyd, relative_wetness=0.8)
        mat = surf.mat_K[cells][self.tile_cell]
        ph = soil_column.DEFAULT_SOIL_PH
        if config.soil_ph_from_climate:
            lat, _ = decomp.local_lat_lon()
            ph = soil_ph.climatological_soil_ph(surf.mat_K[cells], surf.map_kg_m2_s[cells] * SECONDS_PER_CLIMATOLOGY_YEAR,
                                                lat, surf.climate_data_fraction[cells])[self.tile_cell]
        self.t_soil = np.broadcast_to(mat, (len(self.dz), nt)).copy()
        c = config
        woody = np.array([p.growth_form in ("tree", "shrub") for p in PFTS])[self.tile_pft]
        leaf = np.full(nt, c.initial_leaf_c_kg_m2)
        self.veg = vegetation.init_state(self.tile_pft, leaf_c=leaf, froot_c=leaf, wood_c=np.where(woody, 10 * leaf, 0),
                                         labile_c=0.1 * leaf, t_air_k=mat)
        ecm = np.array([p.ecm_fraction for p in PFTS])[self.tile_pft]
        params = soil_column.SoilBgcParameters(priming=c.priming, temperature_cue=c.temperature_cue,
                                                dormancy=c.dormancy, birch_osmotic_shock=c.birch_osmotic_shock,
                                                birch_aggregate_disruption=c.birch_aggregate_disruption,
                                                birch_dormant_revival=c.birch_dormant_revival,
                                                rhizosphere_o2=c.rhizosphere_o2,
                                                saprotroph_amino_acids=c.saprotroph_amino_acids,
                                                upscaling=_upscaling(c))
        self.soil = SoilModel(cold_start(nt, c.initial_soil_c_kg_m2, vegetated=self.tile_pft != pft_index("bare")),
                              ecm_fraction=ecm, sand=sand, clay=clay,
                              params=params,
                              nlayer_top=SOIL_BGC_LAYERS, dz=self.dz, ph=ph)
        self.soil.set_previous_theta(self.water.theta)
        self.agri = _management(c, self.tile_pft, decomp, surf, self.tile_cell) if c.agriculture else None
        self.history_masks = _history_masks(self.tile_pft)
        if self.agri is not None:  # crop roots take up N faster than wild plants' (lsm/agriculture/management.py)
            myc = self.soil.mycorrhiza
            self.soil.mycorrhiza = myc._replace(vmax_mineral=myc.vmax_mineral * self.agri.root_uptake_factor())
        self.height = np.select([trait_array("growth_form", self.tile_pft) == g for g in ("tree", "shrub")],
                                [20.0, 2.0], 0.5)
        self.root_fraction = root_distribution(self.tile_pft, self.dz)
        self.forcing = {name: np.zeros(decomp.nlocal) for name in self.imports}
        self.out = {name: np.zeros(decomp.nlocal) for name in self.exports}
        self.diag: dict[str, np.ndarray] = {}
        self.terms: dict = {}
        self.sasu: dict | None = None
        # carbon and nitrogen set by the spin-up between steps, booked with the next step
        self.pending_carbon_pg = 0.0
        self.pending_nitrogen_tg = 0.0
        self.pending_isotopes_pg = np.zeros(len(isotopes.ISOTOPES))
        self.veg_shadow: np.ndarray | None = None
        if c.isotopes:
            self.delta14c_series = isotopes.read_delta14c_series(c.delta14c_file) if c.delta14c_file else None
            self.c4 = trait_array("pathway", self.tile_pft) == "C4"
            self._init_isotopes()
        choice = config.initial_state
        if choice != "none":
            path = Path(choice) if choice else INIT_FILE
            if path.exists():
                self._read_initial(path)
            elif choice:
                raise InputDataError(f"{path}: land initial state file not found")

    # ---------------------------------------------------------- contract
    _VEG_FIELDS = ("leaf_c", "froot_c", "wood_c", "labile_c", "plant_n", "leaf_on", "days_on", "gdd",
                   "cold_dormant", "chilled", "t_run_k", "t_ann_k", "beta_run")

    def state_variables(self):
        """Tile state is stored densely as (..., PFT, cell), so restarts are per cell and rank-independent."""
        per_tile = [(f"soil__{v}", "kg m-2", f"soil {v}") for v in SOIL_VARIABLES]
        per_tile += [("soil_npp_annual", "kg m-2 s-1", "running annual mean NPP (sets N fixation)"),
                     ("soil_theta_previous", "m3 m-3", "soil model layer water of the previous step (wetting rate)"),
                     ("snow", "kg m-2", "snow water equivalent")]
        per_tile += [(f"veg__{n}", "", f"vegetation {n}") for n in self._VEG_FIELDS]
        if self.config.isotopes:
            per_tile += [(f"{part}_{iso}__{v}", "kg m-2", f"{iso[1:]}{iso[0].upper()} of {part} {v}")
                         for iso in isotopes.ISOTOPES for part, names in (("veg", _VEG_POOLS), ("soil", _SOIL_C))
                         for v in names]
        if self.agri is not None:
            per_tile += [(f"{group}__{v}", u, d) for group, (variables, _) in management.STATE_GROUPS.items()
                         for v, u, d in variables]
        per_layer = [("theta", "m3 m-3", "volumetric soil water"), ("t_soil", "K", "soil temperature")]
        stock = set(management.STOCK_VARIABLES) | {f"soil__{v}" for v in SOIL_VARIABLES} | {
            "snow", "veg__leaf_c", "veg__froot_c", "veg__wood_c", "veg__labile_c", "veg__plant_n", "theta"} | {
            n for n, _, _ in per_tile if n.startswith(("veg_c1", "soil_c1"))}
        return ([StateVariable(n, u, d, stock=n in stock) for n, u, d in per_tile + per_layer]
                + [StateVariable("elapsed_s", "s", "component time", per_cell=False)])

    def _tiles(self, name):
        if name.split("__", 1)[0] in management.STATE_GROUPS:
            return self.agri.get(name)
        if name in _ISOTOPE_VARIABLES:
            part, i, k = _ISOTOPE_VARIABLES[name]
            return (self.veg_shadow if part == "veg" else self.soil.shadow)[i, k]
        if name.startswith("soil__"):
            return self.soil.state.values[_SOIL_ROW[name[6:]]]
        if name == "soil_npp_annual":
            return self.soil.npp_annual
        if name == "soil_theta_previous":
            return self.soil.theta_previous
        if name == "snow":
            return self.water.snow_kg_m2
        if name == "theta":
            return self.water.theta
        if name == "t_soil":
            return self.t_soil
        return getattr(self.veg, name[5:])

    def get_state(self, name):
        if name == "elapsed_s":
            return self.elapsed_s
        tiles = np.asarray(self._tiles(name), dtype=np.float64)
        dense = np.zeros(tiles.shape[:-1] + (NPFT, self.decomp.nlocal))
        dense[..., self.tile_pft, self.tile_cell] = tiles
        return dense

    def set_state(self, name, value):
        if name == "elapsed_s":
            self.elapsed_s = int(value)
            return
        self._set_tiles(name, np.asarray(value)[..., self.tile_pft, self.tile_cell])

    def _set_tiles(self, name, tiles):
        if name.split("__", 1)[0] in management.STATE_GROUPS:
            self.agri.set(name, tiles)
        elif name in _ISOTOPE_VARIABLES:
            part, i, k = _ISOTOPE_VARIABLES[name]
            (self.veg_shadow if part == "veg" else self.soil.shadow)[i, k] = tiles
        elif name.startswith("soil__"):
            self.soil.state.values[_SOIL_ROW[name[6:]]] = tiles
        elif name == "soil_npp_annual":
            self.soil.npp_annual = np.array(tiles, dtype=float)
        elif name == "soil_theta_previous":
            self.soil.theta_previous = np.array(tiles, dtype=float)
        elif name == "snow":
            self.water.snow_kg_m2 = tiles
        elif name == "theta":
            self.water.theta = tiles
        elif name == "t_soil":
            self.t_soil = tiles
        else:
            current = getattr(self.veg, name[5:])
            setattr(self.veg, name[5:], tiles.astype(np.asarray(current).dtype))



    def import_state(self, fields):
        for name in self.imports:
            self.forcing[name] = fields[name]

    def run(self, until_elapsed_s):
        dt = float(until_elapsed_s - self.elapsed_s)
        f = {name: value[self.tile_cell] for name, value in self.forcing.items()}
        nt = len(self.tile_pft)
        ag = None
        if self.agri is not None:  # sowing, harvest, fertiliser and irrigation of the crops
            date = self.clock.date_at(self.elapsed_s)
            utc = date.hour * 3600.0 + date.minute * 60.0 + date.second
            ag = self.agri.begin(self.veg, f["tas"], self.water.theta, self.hyd, self.dz, self.t_soil,
                                 date.dayofyr, utc, dt)
        # --- soil water stress: root-weighted wetness between wilting point and field capacity
        wet = np.clip((self.water.theta - self.hyd.theta_wp) / (self.hyd.theta_fc - self.hyd.theta_wp), 0.0, 1.0)
        beta = np.sum(self.root_fraction * wet, axis=0)
        # --- photosynthesis
        vpd = np.maximum(energy.saturation_vapour_pressure_Pa(f["tas"])
                         - f["huss"] * f["ps"] / (0.622 + 0.378 * f["huss"]), 0.0)
        lai = self.veg.leaf_c * 1e3 * trait("sla")[self.tile_pft]  # kg C -> g C times m2 g-1 C
        cos_zenith, toa = (x[self.tile_cell] for x in self._sun(dt))
        clearness = np.divide(f["rsds"], toa, out=np.ones(nt), where=toa > 0)
        canopy = photosynthesis.canopy_photosynthesis(self.tile_pft, f["rsds"] * PAR_UMOL_PER_J_SW, lai, f["tas"],
                                                      vpd, f["co2_bgc"], f["ps"], beta, cos_zenith=cos_zenith,
                                                      diffuse_fraction=photosynthesis.diffuse_fraction_erbs(clearness),
                                                      # Vcmax and Jmax acclimate to the 10-day mean air
                                                      # temperature, as in CLM5 (Kattge & Knorr 2007)
                                                      t_growth_k=self.veg.t_run_k)
        gpp = np.where(np.isfinite(canopy.gpp_kg_m2_s), canopy.gpp_kg_m2_s, 0.0)
        # --- surface energy balance and soil heat
        snow_cover = np.minimum(self.water.snow_kg_m2 / SNOW_COVER_SWE_KG_M2, 1.0)
        veg_cover = 1.0 - np.exp(-0.5 * lai)
        albedo = (1 - snow_cover) * (veg_cover * ALBEDO_VEGETATION + (1 - veg_cover) * ALBEDO_BARE) \
            + snow_cover * ALBEDO_SNOW
        ra = energy.aerodynamic_resistance_s_m(f["sfcWind"], self.height)
        rs_canopy = 1.0 / np.maximum(canopy.gc_m_s, 1e-6)
        rs_soil = soil_evaporation_resistance(wet[0])
        rs, transp_share = energy.parallel_surface_resistance_s_m(ra, rs_canopy, rs_soil, veg_cover)
        available = np.sum(np.maximum(self.water.theta - self.hyd.theta_wp, 0.0) * self.dz[:, None], axis=0) * 1e3
        le_max = available / dt * LATENT_HEAT_VAPORISATION
        heat_capacity, conductivity = energy.soil_thermal_properties(self.sand, self.clay, self.hyd.theta_s[0],
                                                                     self.water.theta)
        seb, self.t_soil = energy.step_surface_and_soil(dt, f["rsds"], f["rlds"], f["tas"], f["huss"], f["ps"],
                                                        albedo, EMISSIVITY, ra, rs, self.t_soil, heat_capacity,
                                                        conductivity, self.dz, le_max)
        heat_after = energy.column_energy_J_m2(self.t_soil, heat_capacity, self.dz)
        # --- hydrology with the evaporation the energy balance asked for
        et_demand = np.maximum(seb.et_kg_m2_s, 0.0)
        transp_demand = self.root_fraction * (et_demand * transp_share)
        rain, snowfall = hydrology.partition_precipitation(f["pr"], f["tas"])
        irrigation = np.zeros(nt) if ag is None else ag.irrigation_kg_m2_s
        hf = hydrology.step(self.water, self.hyd, self.dz, dt, rain, snowfall, irrigation, f["tas"],
                            transp_demand, et_demand * (1.0 - transp_share))
        # dew (negative demand) condenses into the top layer; net evapotranspiration is then negative
        dew = np.maximum(-seb.et_kg_m2_s, 0.0)
        self.water.theta[0] += dew * dt / (hydrology.DENSITY_WATER_KG_M3 * self.dz[0])
        et = hf.evapotranspiration - dew
        le = et * LATENT_HEAT_VAPORISATION
        h = seb.rn_W_m2 - le - seb.g_W_m2  # the sensible heat closes the balance with the water actually evaporated
        # water gained or lost carries heat at the soil temperature: book it, as the heat capacity changes
        new_capacity, _ = energy.soil_thermal_properties(self.sand, self.clay, self.hyd.theta_s[0], self.water.theta)
        heat_water = energy.column_energy_J_m2(self.t_soil, new_capacity, self.dz) - heat_after
        # --- vegetation and soil carbon
        vf = vegetation.step(self.veg, self.tile_pft, gpp, f["tas"], self.t_soil[1], beta, dt,
                             n_limitation=self.config.n_limitation, crop=None if ag is None else ag.control)
        vx, litter_iso = self._isotope_step(dt, canopy.ci, f["co2_bgc"][self.tile_cell], vf) \
            if self.veg_shadow is not None else (None, None)
        demand = vegetation.n_uptake_demand(self.veg, self.tile_pft, dt)
        if ag is None:
            soil_vf, fert, exported = vf, (0.0, 0.0), 0.0
        else:
            self.agri.add_grain(vf, dt)
            soil_vf, fert = self.agri.with_litter(vf, ag), (ag.fertiliser_nh4, ag.fertiliser_no3)
            legume_n = self.agri.legume_fixation(demand)
            vegetation.add_n_uptake(self.veg, legume_n)
            demand = demand - legume_n
            # net N the crop loses other than to litter, less what it gains other than from the soil (bought seed,
            # legume fixation): the spin-up's record
            exported = (ag.removed_n - ag.seed_n_external - legume_n) / dt
        sf = self.soil.step(dt, soil_vf, self.veg.froot_c, demand, self.t_soil, self.water.theta, self.hyd.theta_s,
                            hf.vertical_flux, f["ndep"], litter_iso=litter_iso, n_fertiliser=fert,
                            plant_n_net_export=exported)
        vegetation.add_n_uptake(self.veg, sf.plant_n_uptake)
        products = None if ag is None else self.agri.decay_products(dt)
        fprod = np.zeros(nt) if products is None else products.c_flux
        rh = sf.rh
        nee = vf.ra + rh - vf.gpp
        if self.sasu is not None:
            # a steady crop drops as litter its NPP and manure less what harvest takes net of bought seed (seed
            # saved from the harvest, a few per mil of NPP, is left out)
            self._sasu_accumulate(dt, vf.litter_wood_c * dt, vf.npp, 0.0 if ag is None else
                                  ag.removed_c - ag.manure_c - ag.seed_c_external)
        # --- cell means over the land of each cell
        runoff = hf.surface_runoff + hf.drainage
        sx = sf.fluxes
        inv = 1.0 / dt
        n2o = sx.n2o_nitrification_n + sx.n2o_denitrification_n
        self.out = {"nee": self._cell_mean(nee), "fprod": self._cell_mean(fprod),
                    "hfls": self._cell_mean(le), "hfss": self._cell_mean(h),
                    "friver": self._cell_mean(runoff), "fn2o": self._cell_mean(n2o * inv),
                    "friver_c": self._cell_mean(sx.leached_doc_c * inv)}
        upwelling = f["rsds"] + f["rlds"] - seb.rn_W_m2
        a = self.tile_area
        iso_parts = [] if vx is None else self._isotope_parts(vx, sx.isotopes)
        agri_parts = [] if ag is None else [x * a for x in (
            ag.manure_c, ag.seed_c_external, ag.mineral_n, ag.manure_n, ag.seed_n_external, legume_n,
            products.n_loss, irrigation * dt)]
        totals = self.global_sum(upwelling * a, et * a, heat_water * a, sf.fixation_n * a, sx.leached_no3 * a,
                                 sx.leached_don_n * a, sx.no_n * a, sx.n2_n * a, *agri_parts, *iso_parts)
        agri_totals, totals = totals[8:8 + len(agri_parts)], totals[:8] + totals[8 + len(agri_parts):]
        self.terms = {"energy": {"upwelling_radiation": -totals[0] * dt,
                                 "heat_carried_by_soil_water": totals[2]},
                      "water": {"evapotranspiration": -totals[1] * dt},
                      "nitrogen": {"biological_n_fixation": totals[3] / KG_PER_TG,
                                   "nitrate_leaching": -totals[4] / KG_PER_TG,
                                   "don_leaching": -totals[5] / KG_PER_TG,
                                   "no_emission": -totals[6] / KG_PER_TG,
                                   "denitrification_n2": -totals[7] / KG_PER_TG}}
        if agri_totals:
            t = agri_totals
            self.terms["carbon"] = {"manure_carbon": t[0] / KG_PER_PG, "crop_seed": t[1] / KG_PER_PG}
            self.terms["nitrogen"].update({"mineral_fertiliser": t[2] / KG_PER_TG, "manure_nitrogen": t[3] / KG_PER_TG,
                                           "crop_seed": t[4] / KG_PER_TG, "legume_n_fixation": t[5] / KG_PER_TG,
                                           "harvested_product_n": -t[6] / KG_PER_TG})
            self.terms["water"]["irrigation"] = t[7]
        if vx is not None:
            self.terms.update(self._isotope_terms(totals[8:]))
        if self.pending_carbon_pg:
            self.terms.setdefault("carbon", {})["semi_analytic_spinup"] = self.pending_carbon_pg
            self.pending_carbon_pg = 0.0
        if self.pending_nitrogen_tg:
            self.terms["nitrogen"]["semi_analytic_spinup"] = self.pending_nitrogen_tg
            self.pending_nitrogen_tg = 0.0
        self.diag = {"gpp": vf.gpp, "npp": vf.npp, "ra": vf.ra, "rh": rh, "nee": nee, "rroot": vf.root_resp,
                     "hfls": le, "hfss": h, "lai": vf.lai, "mrro": runoff, "evspsbl": et, "beta": beta,
                     "fpg": vf.fpg, "fNup": sf.plant_n_uptake * inv, "fBNF": sf.fixation_n * inv,
                     "fNdep": sf.deposition_n * inv, "fNleach": sx.leached_no3 * inv,
                     "fNnetmin": (sx.gross_mineralisation_n - sx.immobilisation_n) * inv,
                     "fNgrossmin": sx.gross_mineralisation_n * inv, "rhOverflow": sx.overflow_respiration_c * inv,
                     "cue": sx.effective_cue, "alphaEnzymeR": sx.alpha,
                     "fN2Onit": sx.n2o_nitrification_n * inv, "fN2Oden": sx.n2o_denitrification_n * inv,
                     "fN2O": n2o * inv, "fNO": sx.no_n * inv, "fN2": sx.n2_n * inv,
                     "fNdenit": sx.denitrified_n * inv, "fNnit": sx.nitrified_n * inv,
                     "fDOCleach": sx.leached_doc_c * inv, "fDONleach": sx.leached_don_n * inv,
                     "rhBirch": sx.birch_respiration_c * inv}
        if ag is not None:
            self.diag.update({"fprod": fprod, "fHarvest": ag.removed_c * inv, "fHarvestGrain": ag.grain_c * inv,
                              "fFertN": (ag.mineral_n + ag.manure_n) * inv, "irrigation": irrigation,
                              "fNfixLegume": legume_n * inv})
        self.elapsed_s = until_elapsed_s

    def _sun(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Mean cos(zenith) while the sun is up and mean TOA irradiance (W m-2) over this step, per cell.

        From the shared orbit of :mod:`coupler.insolation`; the cos(zenith)
        of the sunlit part of the step sets the beam path through the canopy.
        """
        date = self.clock.date_at(self.elapsed_s)
        decl, dist, eot = insolation.orbit(date.dayofyr, insolation.days_in_year(date.year, self.clock.calendar))
        lat, lon = self.decomp.local_lat_lon()
        a, b, h0 = insolation.sun_geometry(lat, decl)
        t0 = date.hour * 3600.0 + date.minute * 60.0 + date.second
        h1 = insolation.hour_angle(lon, t0, eot)
        h2 = h1 + 2.0 * np.pi * dt / 86400.0
        mean = insolation.mean_cos_zenith(a, b, h0, h1, h2)
        # hours of the step with the sun up: overlap of [h1, h2] with [-h0, h0] around the nearest noon
        noon = 2.0 * np.pi * np.round(0.5 * (h1 + h2) / (2.0 * np.pi))
        lit = np.clip(np.minimum(h2, noon + h0) - np.maximum(h1, noon - h0), 0.0, None) / (h2 - h1)
        cos_lit = np.divide(mean, lit, out=np.zeros_like(mean), where=lit > 0)
        return cos_lit, insolation.SOLAR_CONSTANT_W_M2 * dist * mean

    # ------------------------------------------------------------ spin-up
    def sasu_begin(self) -> None:
        """Start accumulating wood's mean and losses and recording the soil drivers for :meth:`sasu_apply`."""
        wood = self.veg.wood_c
        self.sasu = {"time": 0.0, "start": wood.copy(), "mean": np.zeros_like(wood), "loss": np.zeros_like(wood),
                     "npp": np.zeros_like(wood), "removed": np.zeros_like(wood)}
        self.soil.sasu_begin()

    def _sasu_accumulate(self, dt, wood_loss, npp, net_removal_c) -> None:
        self.sasu["time"] += dt
        self.sasu["mean"] += self.veg.wood_c * dt
        self.sasu["loss"] += wood_loss
        self.sasu["npp"] += npp * dt
        self.sasu["removed"] += net_removal_c

    def sasu_apply(self, soil_years: int, soil_step_s: float) -> float:
        """Bring wood and soil towards steady state at the end of a spin-up cycle; returns Pg C added.

        Wood, a first-order pool with input ``I`` and loss rate ``k(t)``, jumps
        to the steady state ``I / k_eff`` of the cycle, ``k_eff = loss / mean
        pool`` (semi-analytic spin-up, Xia et al. 2012, Geosci. Model Dev. 5,
        1259); since ``I = loss + change``, the steady state is ``mean x (loss
        + change) / loss``, and wood's N moves with it at the wood N:C (the
        plant N pool keeps its store).  Tiles that lost nothing keep their
        wood.  The soil, whose microbial kinetics a linear jump misplaces, is
        integrated alone for ``soil_years`` repetitions of the cycle's
        recorded drivers at steps of ``soil_step_s`` s
        (:meth:`lsm.soil_bgc.model.SoilModel.sasu_apply`), its litter at most
        that of a steady vegetation: the cycle's NPP less harvest, plus
        manure.  The
        carbon and nitrogen added or removed are booked as the external term
        ``semi_analytic_spinup`` with the next step, so the ledger stays
        closed.
        """
        acc, self.sasu = self.sasu, None
        if acc is None or acc["time"] <= 0:
            raise RuntimeError("sasu_apply() needs sasu_begin() and at least one step")
        veg_c, veg_n = self._veg_carbon(), self.veg.plant_n.copy()
        wood_before = self.veg.wood_c.copy()
        iso_before = None if self.veg_shadow is None else self._isotope_tiles()
        inflow = np.maximum(acc["loss"] + self.veg.wood_c - acc["start"], 0.0)
        mean = acc["mean"] / acc["time"]
        old_req = vegetation.tissue_n_requirement(self.veg, self.tile_pft)
        self.veg.wood_c = np.divide(mean * inflow, acc["loss"], out=self.veg.wood_c.copy(), where=acc["loss"] > 0)
        self.veg.plant_n = self.veg.plant_n + vegetation.tissue_n_requirement(self.veg, self.tile_pft) - old_req
        dc_soil, dn_soil = self.soil.sasu_apply(soil_years, soil_step_s,
                                                steady_litter_c=acc["npp"] - acc["removed"])
        a = self.tile_area
        if iso_before is not None:  # wood keeps its isotope ratios through the jump (the soil's: SoilModel)
            self.veg_shadow[:, 3] *= np.divide(self.veg.wood_c, wood_before, out=np.ones_like(wood_before),
                                               where=wood_before > 0)
        iso_added = [] if iso_before is None else list((self._isotope_tiles() - iso_before) * a)
        added_c, added_n, *added_iso = self.global_sum((self._veg_carbon() - veg_c + dc_soil) * a,
                                                       (self.veg.plant_n - veg_n + dn_soil) * a, *iso_added)
        if added_iso:
            self.pending_isotopes_pg += np.array(added_iso) / KG_PER_PG
        self.pending_carbon_pg += added_c / KG_PER_PG
        self.pending_nitrogen_tg += added_n / KG_PER_TG
        return added_c / KG_PER_PG

    # ------------------------------------------------------------ isotopes
    def _isotope_tiles(self) -> np.ndarray:
        """13C and 14C of each tile (vegetation and soil), ``(2, ntile)`` kg m-2."""
        return self.veg_shadow.sum(axis=1) + self.soil.shadow.sum(axis=1)

    def _veg_pools(self) -> np.ndarray:
        return np.stack([getattr(self.veg, v) for v in _VEG_POOLS])

    def _init_isotopes(self) -> None:
        """Shadows of a state without isotopes: every pool at the ratio of the tile's assimilate under the
        present air, with a typical ci/ca (0.7 for C3, 0.4 for C4 leaves) and no 14C age.  The 14C of old soil
        carbon then relaxes to its decay-depleted steady state over millennia: a run for 14C needs an isotope
        spin-up or a restart that carries the shadows."""
        assim = isotopes.assimilate_ratios(self._atmosphere_ratios(),
                                           isotopes.photosynthetic_discrimination(np.where(self.c4, 0.4, 0.7), self.c4))
        self.veg_shadow = assim[:, None] * self._veg_pools()[None]
        self.soil.shadow = assim[:, None] * self.soil.state.values[SOIL_C_ROWS][None]

    def _atmosphere_ratios(self) -> np.ndarray:
        """13C/C and 14C/C of the air now (:func:`lsm.soil_bgc.isotopes.atmosphere_ratios`)."""
        c = self.config
        d14 = c.delta14c_atmosphere_permil
        if self.delta14c_series is not None:
            date = self.clock.date_at(self.elapsed_s)
            day = date.dayofyr - 1 + (date.hour * 3600 + date.minute * 60 + date.second) / 86400.0
            d14 = isotopes.interpolate_series(self.delta14c_series, date.year + day / 365.25)
        return isotopes.atmosphere_ratios(c.delta13c_atmosphere_permil, d14)

    def _isotope_step(self, dt, canopy_ci, co2_ppm, vf):
        """Vegetation shadows over the step; returns their fluxes and the litter isotopes for the soil (rates)."""
        ci_ca = np.divide(canopy_ci, co2_ppm, out=np.ones_like(canopy_ci), where=np.isfinite(canopy_ci) & (co2_ppm > 0))
        assim = isotopes.assimilate_ratios(self._atmosphere_ratios(),
                                           isotopes.photosynthetic_discrimination(ci_ca, self.c4))
        vx = isotopes.vegetation_step(self.veg_shadow, vf.flows, assim, dt)
        return vx, (vx.litter_met / dt, vx.litter_str / dt, vx.litter_cwd / dt)

    def _isotope_parts(self, vx, sx) -> list:
        """Per-tile 13C and 14C of the step, kg (photosynthesis, respiration, DOC to rivers, decay, for 13C then
        14C), to be summed with the land's other terms in one reduction (:meth:`_isotope_terms`)."""
        a = self.tile_area
        parts = (vx.assimilated, vx.respired + sx.respired, sx.leached_doc, vx.decayed + sx.decayed)
        return [x[i] * a for i in range(len(isotopes.ISOTOPES)) for x in parts]

    def _isotope_terms(self, totals) -> dict:
        """Ledger terms of carbon13 and carbon14 over the step, Pg, from the global sums of :meth:`_isotope_parts`."""
        sums = np.array(totals).reshape(len(isotopes.ISOTOPES), -1) / KG_PER_PG
        terms = {}
        for i, q in enumerate(("carbon13", "carbon14")):
            terms[q] = {"photosynthesis": sums[i, 0], "respiration": -sums[i, 1], "doc_to_rivers": -sums[i, 2],
                        "radioactive_decay": -sums[i, 3]}
            if self.pending_isotopes_pg[i]:
                terms[q]["semi_analytic_spinup"] = float(self.pending_isotopes_pg[i])
        self.pending_isotopes_pg[:] = 0.0
        return terms

    def _veg_carbon(self) -> np.ndarray:
        return self.veg.leaf_c + self.veg.froot_c + self.veg.wood_c + self.veg.labile_c

    def _carbon_kg_m2(self) -> np.ndarray:
        c = self._veg_carbon() + self.soil.carbon_kg_m2()
        return c if self.agri is None else c + self.agri.carbon_kg_m2()

    def _nitrogen_kg_m2(self) -> np.ndarray:
        n = self.veg.plant_n + self.soil.nitrogen_kg_m2()
        return n if self.agri is None else n + self.agri.nitrogen_kg_m2()

    def _read_initial(self, path: Path) -> None:
        """Take the tile state from a land restart file of any grid, PFT by PFT.

        Each PFT's state is remapped conservatively from the source cells where
        that PFT grows (weights: overlap area x land fraction x PFT fraction of
        the source), so a tile starts from the mean state of the same PFT
        nearby; tiles of a PFT absent from all overlapping source cells keep
        the cold start.  Flags are rounded, soil water is kept within this
        texture's residual and saturated contents.
        """
        from coupler.ncfile import open_netcdf
        from coupler.grid import LatLonGrid
        from coupler.remap import Remapper

        with open_netcdf(path, "land initial state", InputDataError) as nc:
            for name in ("cell_index", "land_fraction", "pft_fraction"):
                if name not in nc.variables:
                    raise InputDataError(f"{path}: variable {name!r} missing (not a land initial state file)")
            try:
                dlat, dlon = (float(x) for x in str(nc.getncattr("grid")).split("x"))
                src = LatLonGrid.regular(dlat, dlon)
            except (AttributeError, ValueError) as err:
                raise InputDataError(f"{path}: no usable 'grid' attribute ({err})") from None
            cells = np.asarray(nc.variables["cell_index"][:], dtype=np.int64)
            land = np.zeros(src.ncells)
            land[cells] = nc.variables["land_fraction"][:]
            pft_frac = np.zeros((NPFT, src.ncells))
            pft_frac[:, cells] = nc.variables["pft_fraction"][:]
            values = {}
            for var in self.state_variables():
                if var.name == "elapsed_s":
                    continue
                if var.name not in nc.variables:
                    if var.name in _OPTIONAL_INITIAL:
                        continue
                    raise InputDataError(f"{path}: variable {var.name!r} missing")
                v = np.asarray(nc.variables[var.name][:], dtype=np.float64)
                if v.shape[-2:] != (NPFT, len(cells)) or not np.all(np.isfinite(v)):
                    raise InputDataError(f"{path}: variable {var.name!r} has shape {v.shape} or non-finite values")
                values[var.name] = v
        remap = Remapper(src, self.decomp.grid)
        local = self.decomp.local_cells
        for name, v in values.items():
            lead = v.shape[:-2]
            current = np.array(self._tiles(name), dtype=np.float64)
            for p in np.unique(self.tile_pft):  # a loop over PFTs at start-up, not over cells
                full = np.zeros((int(np.prod(lead, dtype=int)), src.ncells))
                full[:, cells] = v[..., p, :].reshape(-1, len(cells))
                merged, frac = remap.merge(full, land * pft_frac[p])
                tiles = np.nonzero(self.tile_pft == p)[0]
                found = frac[local[self.tile_cell[tiles]]] > 0
                new = merged[:, local[self.tile_cell[tiles]]].reshape(lead + (len(tiles),))
                current[..., tiles[found]] = new[..., found]
            if name == "theta":
                current = np.clip(current, self.hyd.theta_res, self.hyd.theta_s)
            if name in ("veg__leaf_on", "veg__cold_dormant", "veg__chilled"):
                current = current > 0.5
            self._set_tiles(name, current)
        if "soil_theta_previous" not in values:  # a state written before the Birch effect: no wetting at start
            self.soil.set_previous_theta(self.water.theta)
        if "soil__maom_stable_c" not in values:
            self._split_mineral_associated()
        if self.agri is not None:
            # an initial state is of another date than the run's start, which may lie past the start of the crop
            # year: a field without a crop may be sown in the coming window
            crop = self.agri.crop
            crop.sown_this_year = np.where(crop.sown > 0.5, 1.0, 0.0)
        if self.config.isotopes and not _ISOTOPE_VARIABLES.keys() & values.keys():
            self._init_isotopes()

    def _split_mineral_associated(self) -> None:
        """A state written before the strongly bound MAOM pool: its MAOM is split into exchangeable and strongly
        bound matter at their steady-state ratio, ``stabilisation / destabilisation`` (C and N alike), which
        keeps the total."""
        p = self.soil.params
        bound_share = p.maom_stabilisation_s / (p.maom_stabilisation_s + p.maom_destabilisation_s)
        for e in ("c", "n"):
            total = np.array(self._tiles(f"soil__maom_{e}"))  # the older schema's MAOM held both
            self._set_tiles(f"soil__maom_stable_{e}", total * bound_share)
            self._set_tiles(f"soil__maom_{e}", total - total * bound_share)

    def _cell_mean(self, per_tile: np.ndarray) -> np.ndarray:
        """Land-area mean over each cell's tiles (tile fractions sum to 1 in every cell)."""
        return np.bincount(self.tile_cell, weights=per_tile * self.tile_frac, minlength=self.decomp.nlocal)

    def budget_terms(self):
        return self.terms

    def export_state(self):
        return self.out

    def inventory(self):
        water = hydrology.water_kg_m2(self.water, self.dz)
        heat_capacity, _ = energy.soil_thermal_properties(self.sand, self.clay, self.hyd.theta_s[0], self.water.theta)
        heat = energy.column_energy_J_m2(self.t_soil, heat_capacity, self.dz)
        iso = [] if self.veg_shadow is None else list(self._isotope_tiles() * self.tile_area)
        carbon, nitrogen, water_kg, energy_j, *iso_sums = self.global_sum(self._carbon_kg_m2() * self.tile_area,
                                                                          self._nitrogen_kg_m2() * self.tile_area,
                                                                          water * self.tile_area,
                                                                          heat * self.tile_area, *iso)
        out = {"carbon": carbon / KG_PER_PG, "nitrogen": nitrogen / KG_PER_TG, "water": water_kg, "energy": energy_j}
        if iso_sums:
            out.update(carbon13=iso_sums[0] / KG_PER_PG, carbon14=iso_sums[1] / KG_PER_PG)
        return out

    def _soil_history(self) -> dict:
        """Soil pools and N fluxes in CMIP names where one exists (cSoil excludes litter, as in CMIP6; cLitter
        includes the coarse woody debris, also given alone as cCwd)."""
        st = self.soil.state
        d = self.diag
        kg = {"units": "kg m-2"}
        flux = {"units": "kg m-2 s-1"}
        litter = st.c("litter_labile") + st.c("litter_recalcitrant") + st.c("coarse_woody_debris")
        out = {"cLitter": (litter, kg), "cSoil": (st.total_c() - litter, kg), "cCwd": (st.c("coarse_woody_debris"), kg),
               "cMic": (st.c("microbes_active") + st.c("microbes_dormant"), kg),
               "cMAOM": (st.c("maom") + st.c("maom_stable"), kg), "cMAOMStable": (st.c("maom_stable"), kg),
               "cAggregate": (st.c("aggregate"), kg), "cDOM": (st.c("dom"), kg),
               "nSoil": (st.total_n() - st.n("nh4") - st.n("no3"), kg),
               "nMineralNH4": (st.n("nh4"), kg), "nMineralNO3": (st.n("no3"), kg),
               "nVeg": (self.veg.plant_n, kg)}
        for name in ("fNup", "fBNF", "fNdep", "fNleach", "fNnetmin", "fNgrossmin", "rhOverflow", "fN2Onit",
                     "fN2Oden", "fN2O", "fNO", "fN2", "fNdenit", "fNnit", "fDOCleach", "fDONleach", "rhBirch"):
            out[name] = (d[name], flux)
        out.update({"fpg": (d["fpg"], {"units": "1"}), "cueMic": (d["cue"], {"units": "1"}),
                    "alphaEnzymeR": (d["alphaEnzymeR"], {"units": "1"})})
        return out

    def _isotope_history(self) -> dict:
        """13C and 14C of vegetation, litter and soil (CMIP6 LUMIP/C4MIP names ``c13Veg``...; kg m-2)."""
        if self.veg_shadow is None:
            return {}
        kg = {"units": "kg m-2"}
        out = {}
        litter = [_SOIL_C.index(v) for v in ("litter_labile_c", "litter_recalcitrant_c", "coarse_woody_debris_c")]
        for i, iso in enumerate(("13", "14")):
            soil = self.soil.shadow[i]
            out[f"c{iso}Veg"] = (self.veg_shadow[i].sum(axis=0), kg)
            out[f"c{iso}Litter"] = (soil[litter].sum(axis=0), kg)
            out[f"c{iso}Soil"] = (soil.sum(axis=0) - soil[litter].sum(axis=0), kg)
        return out

    def history_fields(self):
        if not self.diag:
            return {}
        d = self.diag
        flux = {"units": "kg m-2 s-1"}
        fields = {"gpp": (d["gpp"], flux), "npp": (d["npp"], flux), "ra": (d["ra"], flux), "rh": (d["rh"], flux),
                  "nee": (d["nee"], flux), "nbp": (-d["nee"], flux), "rroot": (d["rroot"], flux),
                  "hfls": (d["hfls"], {"units": "W m-2"}), "hfss": (d["hfss"], {"units": "W m-2"}),
                  "lai": (d["lai"], {"units": "1"}), "mrro": (d["mrro"], flux), "evspsbl": (d["evspsbl"], flux),
                  "cVeg": (self.veg.leaf_c + self.veg.froot_c + self.veg.wood_c + self.veg.labile_c,
                           {"units": "kg m-2"}),
                  **self._soil_history(),
                  **self._isotope_history(),
                  "mrso": (hydrology.water_kg_m2(self.water, self.dz), {"units": "kg m-2"}),
                  "tsl": (self.t_soil[0], {"units": "K"})}
        out = {name: (self._cell_mean(v), a) for name, (v, a) in fields.items()}
        out.update(self._agriculture_history())
        return out

    def _subset_mean(self, per_tile: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean over the tiles of each cell in ``mask`` per m2 of those tiles (0 in cells without any)."""
        w = self.tile_frac * mask
        total = np.bincount(self.tile_cell, weights=per_tile * w, minlength=self.decomp.nlocal)
        area = np.bincount(self.tile_cell, weights=w, minlength=self.decomp.nlocal)
        return np.divide(total, area, out=np.zeros_like(total), where=area > 0)

    def _agriculture_history(self) -> dict:
        """Management fluxes and pools (cell means) and the crop and grassland means of N2O, leaching and heat.

        ``<name>Crop`` fields are per m2 of cropland in the cell, ``fN2OGrass`` per m2 of natural grassland,
        ``grain<crop>`` the grain harvested per m2 of that crop (0 where the cell has none).
        """
        if self.agri is None:
            return {}
        d = self.diag
        flux, wm2 = {"units": "kg m-2 s-1"}, {"units": "W m-2"}
        g = self.agri
        fields = {name: (self._cell_mean(d[name]), flux) for name in
                  ("fprod", "fHarvest", "fHarvestGrain", "fFertN", "irrigation", "fNfixLegume")}
        fields["cProduct"] = (self._cell_mean(g.products.total_c()), {"units": "kg m-2"})
        fields["cGrain"] = (self._cell_mean(g.crop.grain_c), {"units": "kg m-2"})
        masks = self.history_masks
        for name, units in (("fN2O", flux), ("fNleach", flux), ("hfls", wm2), ("hfss", wm2)):
            fields[f"{name}Crop"] = (self._subset_mean(d[name], g.managed), units)
        fields["fN2OGrass"] = (self._subset_mean(d["fN2O"], masks["Grass"]), flux)
        for label in ("C3Crop", "C4Crop", "LegumeCrop"):
            fields[f"grain{label}"] = (self._subset_mean(d["fHarvestGrain"], masks[label]), flux)
        return fields


_SOIL_ROW = {v: i for i, v in enumerate(SOIL_VARIABLES)}
#: Vegetation carbon pools in the order of the isotope shadows (:class:`lsm.vegetation.VegCarbonFlows`).
_VEG_POOLS = ("labile_c", "leaf_c", "froot_c", "wood_c")
_SOIL_C = tuple(SOIL_VARIABLES[r] for r in SOIL_C_ROWS)
#: Restart name -> (part, isotope index, pool index) of the isotope shadows.
_ISOTOPE_VARIABLES = {f"{part}_{iso}__{v}": (part, i, k) for i, iso in enumerate(isotopes.ISOTOPES)
                      for part, names in (("veg", _VEG_POOLS), ("soil", _SOIL_C)) for k, v in enumerate(names)}
#: State variables an initial-state file may lack (written before they existed); :meth:`_read_initial` then
#: derives them from the state it read.
_OPTIONAL_INITIAL = ("soil_theta_previous", "soil__maom_stable_c", "soil__maom_stable_n",
                     "soil__coarse_woody_debris_c", "soil__coarse_woody_debris_n", *_ISOTOPE_VARIABLES,
                     *(f"{group}__{v}" for group, (variables, _) in management.STATE_GROUPS.items()
                       for v, _, _ in variables))
#: Soil layers of the physics that make up the soil model's top metre (0.05 + 0.15 + 0.30 + 0.50 m).
SOIL_BGC_LAYERS = 4


def _history_masks(pft: np.ndarray) -> dict[str, np.ndarray]:
    """Tiles of natural grassland and of each crop type, for the history means per m2 of them."""
    return {"Grass": np.isin(pft, [pft_index("c3_grass"), pft_index("c4_grass")]),
            "C3Crop": pft == pft_index("c3_crop"), "C4Crop": pft == pft_index("c4_crop"),
            "LegumeCrop": pft == pft_index("legume_crop")}


def trait_array(name: str, pft: np.ndarray) -> np.ndarray:
    return np.array([getattr(p, name) for p in PFTS])[pft]


def root_distribution(pft: np.ndarray, dz: np.ndarray) -> np.ndarray:
    """Fraction of roots in each layer, (nlayer, ntile): Y = 1 - beta^depth(cm) (Jackson et al. 1996).

    beta = 0.976 for trees and shrubs, 0.943 for grasses and crops (Jackson et al. 1996 biome means).
    """
    bottom_cm = np.cumsum(dz) * 100.0
    woody = np.isin(trait_array("growth_form", pft), ("tree", "shrub"))
    b = np.where(woody, 0.976, 0.943)
    cumulative = 1.0 - b[None, :] ** bottom_cm[:, None]
    cumulative[-1] = 1.0  # roots below the column are assigned to the bottom layer
    return np.diff(np.vstack([np.zeros_like(b), cumulative]), axis=0)


def soil_evaporation_resistance(relative_wetness_top: np.ndarray) -> np.ndarray:
    """Soil surface resistance, s m-1, rising as the top layer dries (Sellers et al. 1992 form)."""
    w = np.clip(relative_wetness_top, 0.0, 1.0)
    return np.exp(8.206 - 4.255 * w)
