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
4. vegetation carbon: respiration, allocation, phenology, litterfall;
5. soil carbon: litter enters one soil pool that decays with a Q10 and a
   moisture factor (until the microbial soil model replaces it).

Books: carbon (vegetation + soil, Pg C), water (soil + snow, kg) and
energy (soil heat, J). Net ecosystem exchange, latent and sensible heat and
runoff leave through the coupler; precipitation and radiation arrive through
it; evapotranspiration water and upwelling radiation are named external terms.
"""

from __future__ import annotations

import numpy as np

from pathlib import Path

from coupler import insolation
from coupler.component import Component, StateVariable
from coupler.config import Setting
from coupler.constants import KG_PER_PG
from coupler.errors import InputDataError

from . import energy, hydrology, photosynthesis, vegetation
from .constants import LATENT_HEAT_VAPORISATION
from .pfts import NPFT, PFTS, trait
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


class LandComponent(Component):
    role = "land"
    quantities = ("carbon", "water", "energy")
    imports = ("co2_bgc", "tas", "pr", "rsds", "rlds", "huss", "ps", "sfcWind")
    exports = ("nee", "hfls", "hfss", "friver")
    settings = [
        Setting("surface_file", str, "", description="Surface data file ('' = the packaged 0.5 degree data)."),
        Setting("texture_file", str, "", description="Optional sand/clay override file."),
        Setting("soil_turnover_yr", float, 25.0, "yr", bounds=(0.1, 1e4),
                description="Turnover time of the soil carbon pool at 15 degC and optimal moisture "
                            "(global mean soil C residence ~25 yr; Carvalhais et al. 2014)."),
        Setting("soil_q10", float, 1.5, "1", bounds=(1.0, 4.0),
                description="Temperature sensitivity of soil decomposition (Mahecha et al. 2010: 1.4 +/- 0.1)."),
        Setting("litter_turnover_yr", float, 1.5, "yr", bounds=(0.01, 100.0),
                description="Turnover time of litter at 15 degC and optimal moisture (metabolic ~0.3 yr and "
                            "structural ~3 yr litter of CENTURY, Parton et al. 1987, mixed)."),
        Setting("humification_fraction", float, 0.3, "1", bounds=(0.0, 1.0),
                description="Fraction of decomposed litter carbon that enters the soil pool; the rest is respired "
                            "(CENTURY: 0.3-0.45, Parton et al. 1987)."),
        Setting("initial_soil_c_kg_m2", float, 10.0, "kg C m-2", bounds=(0.0, 1000.0),
                description="Initial soil carbon when not starting from a restart."),
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
        self.t_soil = np.broadcast_to(mat, (len(self.dz), nt)).copy()
        c = config
        woody = np.array([p.growth_form in ("tree", "shrub") for p in PFTS])[self.tile_pft]
        leaf = np.full(nt, c.initial_leaf_c_kg_m2)
        self.veg = vegetation.init_state(self.tile_pft, leaf_c=leaf, froot_c=leaf, wood_c=np.where(woody, 10 * leaf, 0),
                                         labile_c=0.1 * leaf, t_air_k=mat)
        self.soil_c = np.full(nt, c.initial_soil_c_kg_m2)
        self.litter_c = np.zeros(nt)
        self.height = np.select([trait_array("growth_form", self.tile_pft) == g for g in ("tree", "shrub")],
                                [20.0, 2.0], 0.5)
        self.root_fraction = root_distribution(self.tile_pft, self.dz)
        self.forcing = {name: np.zeros(decomp.nlocal) for name in self.imports}
        self.out = {name: np.zeros(decomp.nlocal) for name in self.exports}
        self.diag: dict[str, np.ndarray] = {}
        self.terms: dict = {}
        self.sasu: dict | None = None
        self.pending_carbon_pg = 0.0  # carbon set by the spin-up between steps, booked with the next step
        choice = config.initial_state
        if choice != "none":
            path = Path(choice) if choice else INIT_FILE
            if path.exists():
                self._read_initial(path)
            elif choice:
                raise InputDataError(f"{path}: land initial state file not found")

    # ---------------------------------------------------------- contract
    _VEG_FIELDS = ("leaf_c", "froot_c", "wood_c", "labile_c", "leaf_on", "days_on", "gdd", "cold_dormant",
                   "chilled", "t_run_k", "t_ann_k", "beta_run")

    def state_variables(self):
        """Tile state is stored densely as (..., PFT, cell), so restarts are per cell and rank-independent."""
        per_tile = [("soil_c", "kg m-2", "soil carbon"), ("litter_c", "kg m-2", "litter carbon"),
                    ("snow", "kg m-2", "snow water equivalent")]
        per_tile += [(f"veg__{n}", "", f"vegetation {n}") for n in self._VEG_FIELDS]
        per_layer = [("theta", "m3 m-3", "volumetric soil water"), ("t_soil", "K", "soil temperature")]
        stock = {"soil_c", "litter_c", "snow", "veg__leaf_c", "veg__froot_c", "veg__wood_c", "veg__labile_c", "theta"}
        return ([StateVariable(n, u, d, stock=n in stock) for n, u, d in per_tile + per_layer]
                + [StateVariable("elapsed_s", "s", "component time", per_cell=False)])

    def _tiles(self, name):
        if name in ("soil_c", "litter_c"):
            return getattr(self, name)
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
        if name in ("soil_c", "litter_c"):
            setattr(self, name, tiles)
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
                                                      diffuse_fraction=photosynthesis.diffuse_fraction_erbs(clearness))
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
        hf = hydrology.step(self.water, self.hyd, self.dz, dt, rain, snowfall, np.zeros(nt), f["tas"],
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
        vf = vegetation.step(self.veg, self.tile_pft, gpp, f["tas"], self.t_soil[1], beta, dt)
        rh, litter_loss, soil_loss = self._decompose(vf.litter_met_c + vf.litter_str_c, self.t_soil[1],
                                                     hf.wfps[1], dt)
        nee = vf.ra + rh - vf.gpp
        if self.sasu is not None:
            self._sasu_accumulate(dt, vf.litter_wood_c * dt, litter_loss, soil_loss)
        # --- cell means over the land of each cell
        runoff = hf.surface_runoff + hf.drainage
        self.out = {"nee": self._cell_mean(nee), "hfls": self._cell_mean(le), "hfss": self._cell_mean(h),
                    "friver": self._cell_mean(runoff)}
        upwelling = f["rsds"] + f["rlds"] - seb.rn_W_m2
        totals = self.global_sum(upwelling * self.tile_area, et * self.tile_area, heat_water * self.tile_area)
        self.terms = {"energy": {"upwelling_radiation": -totals[0] * dt,
                                 "heat_carried_by_soil_water": totals[2]},
                      "water": {"evapotranspiration": -totals[1] * dt}}
        if self.pending_carbon_pg:
            self.terms["carbon"] = {"semi_analytic_spinup": self.pending_carbon_pg}
            self.pending_carbon_pg = 0.0
        self.diag = {"gpp": vf.gpp, "npp": vf.npp, "ra": vf.ra, "rh": rh, "nee": nee, "rroot": vf.root_resp,
                     "hfls": le, "hfss": h, "lai": vf.lai, "mrro": runoff, "evspsbl": et, "beta": beta}
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

    def _decompose(self, litterfall: np.ndarray, t_soil_K: np.ndarray, wfps: np.ndarray, dt: float):
        """Litter and soil carbon over one step.

        Returns heterotrophic respiration (kg C m-2 s-1) and the carbon that
        left the litter and the soil pool during the step (kg C m-2).

        Both pools decay first-order with the same temperature (Q10) and
        moisture factors; each update is exact for inputs added at the start
        of the step, and every flux is a difference of pools, so carbon is
        conserved to rounding.
        """
        c = self.config
        env = c.soil_q10 ** ((t_soil_K - 288.15) / 10.0) * moisture_factor(wfps)
        k_lit = env / (c.litter_turnover_yr * SECONDS_PER_YEAR)
        k_soil = env / (c.soil_turnover_yr * SECONDS_PER_YEAR)
        litter = self.litter_c + litterfall * dt
        self.litter_c = litter * np.exp(-k_lit * dt)
        decomposed = litter - self.litter_c
        humified = c.humification_fraction * decomposed
        soil = self.soil_c + humified
        self.soil_c = soil * np.exp(-k_soil * dt)
        return (decomposed - humified + soil - self.soil_c) / dt, decomposed, soil - self.soil_c

    # ------------------------------------------------------------ spin-up
    _SLOW_POOLS = ("wood_c", "litter_c", "soil_c")

    def _slow_pool(self, name):
        return self.veg.wood_c if name == "wood_c" else getattr(self, name)

    def sasu_begin(self) -> None:
        """Start accumulating the pool means and losses of the slow pools for :meth:`sasu_apply`."""
        self.sasu = {"time": 0.0}
        for name in self._SLOW_POOLS:
            pool = self._slow_pool(name)
            self.sasu[name] = {"start": pool.copy(), "mean": np.zeros_like(pool), "loss": np.zeros_like(pool)}

    def _sasu_accumulate(self, dt, wood_loss, litter_loss, soil_loss) -> None:
        self.sasu["time"] += dt
        for name, loss in zip(self._SLOW_POOLS, (wood_loss, litter_loss, soil_loss)):
            acc = self.sasu[name]
            acc["mean"] += self._slow_pool(name) * dt
            acc["loss"] += loss

    def sasu_apply(self) -> float:
        """Set wood, litter and soil carbon to the steady state of the accumulated period; returns Pg C added.

        Semi-analytic spin-up (Xia et al. 2012, Geosci. Model Dev. 5, 1259): a
        first-order pool with input ``I`` and loss rate ``k(t)`` has the steady
        state ``I / k_eff`` with ``k_eff = loss / mean pool`` over the period;
        since ``I = loss + change``, the steady state is
        ``mean x (loss + change) / loss``.  Litter feeds the soil pool, so the
        soil's input is taken at the litter's steady state: the humified
        fraction of the litterfall.  Tiles that lost nothing keep their pools.  The carbon added or removed is booked as the external term
        ``semi_analytic_spinup`` with the next step, so the ledger stays closed.
        """
        acc, self.sasu = self.sasu, None
        if acc is None or acc["time"] <= 0:
            raise RuntimeError("sasu_apply() needs sasu_begin() and at least one step")
        before = self._carbon_kg_m2()
        inflows = {name: np.maximum(acc[name]["loss"] + self._slow_pool(name) - acc[name]["start"], 0.0)
                   for name in self._SLOW_POOLS}
        # the soil is fed by litter decay, which at the litter's steady state equals the litterfall
        inflows["soil_c"] = self.config.humification_fraction * inflows["litter_c"]
        for name in self._SLOW_POOLS:
            a = acc[name]
            pool = self._slow_pool(name)
            mean = a["mean"] / acc["time"]
            inflow = inflows[name]
            steady = np.divide(mean * inflow, a["loss"], out=pool.copy(), where=a["loss"] > 0)
            if name == "wood_c":
                self.veg.wood_c = steady
            else:
                setattr(self, name, steady)
        (added,) = self.global_sum((self._carbon_kg_m2() - before) * self.tile_area)
        self.pending_carbon_pg += added / KG_PER_PG
        return added / KG_PER_PG

    def _carbon_kg_m2(self) -> np.ndarray:
        return self.veg.leaf_c + self.veg.froot_c + self.veg.wood_c + self.veg.labile_c + self.litter_c + self.soil_c

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
        carbon, water_kg, energy_j = self.global_sum(self._carbon_kg_m2() * self.tile_area,
                                                     water * self.tile_area,
                                                     heat * self.tile_area)
        return {"carbon": carbon / KG_PER_PG, "water": water_kg, "energy": energy_j}

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
                  "cSoil": (self.soil_c, {"units": "kg m-2"}),
                  "cLitter": (self.litter_c, {"units": "kg m-2"}),
                  "mrso": (hydrology.water_kg_m2(self.water, self.dz), {"units": "kg m-2"}),
                  "tsl": (self.t_soil[0], {"units": "K"})}
        return {name: (self._cell_mean(v), a) for name, (v, a) in fields.items()}


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


def moisture_factor(wfps: np.ndarray) -> np.ndarray:
    """Moisture limitation of decomposition: rises to an optimum near WFPS 0.6, falls when waterlogged.

    A smooth form of the Linn & Doran (1984) response used by CENTURY/DAYCENT.
    """
    w = np.clip(wfps, 0.0, 1.0)
    return np.clip(np.minimum(w / 0.6, 1.0) * np.minimum(1.0, 1.0 - 1.5 * (w - 0.8)), 0.05, 1.0)
