"""The atmosphere component: CO2 and N2O reservoirs, energy-balance climate, surface weather.

Each coupling interval it

1. adds the surface fluxes the coupler hands it (land NEE, product decay and
   N2O; the ocean's air-sea flux) and the emissions of the experiment to the
   reservoirs, or, concentration-driven, follows the prescribed path and
   books the difference as compatible emissions (a named external source);
2. steps the two-layer energy balance model with the forcing of ``co2_rad``
   plus the non-CO2 agents, and maps the global warming onto each cell;
3. updates the near-surface boundary layer with the land's heat fluxes;
4. generates the weather of the NEXT interval (what the land imports at the
   start of it) from the observed climatology, or reads it from CF files.

Global quantities (reservoirs, temperature) are replicated on every rank of
the component and updated from reproducible sums, so they are identical on
any decomposition. SCIENCE.md section 6.
"""

from __future__ import annotations

import numpy as np

from coupler.component import Component, StateVariable
from coupler.config import Setting
from coupler.constants import KG_PER_PG, KG_PER_TG
from coupler.errors import NamelistError

from . import climate
from .boundary_layer import (
    LATENT_HEAT_VAPORISATION,
    STEFAN_BOLTZMANN,
    BoundaryLayer,
    budyko_evaporative_fraction,
)
from .pathways import IDEALISED, SCENARIOS, Pathway, decimal_year
from .reservoirs import SECONDS_PER_YEAR, CarbonReservoir, N2OReservoir

WEATHER_FIELDS = ("tas", "pr", "rsds", "rlds", "huss", "ps", "sfcWind")
#: Reference surface albedo and emissivity for the Budyko reference partition of net radiation.
REFERENCE_ALBEDO = 0.2
REFERENCE_EMISSIVITY = 0.97


class AtmosComponent(Component):
    role = "atmos"
    quantities = ("carbon", "nitrogen", "energy")
    imports = ("nee", "fprod", "fn2o", "fgco2", "hfls", "hfss")
    optional_imports = imports
    exports = ("co2", "co2_bgc", "co2_rad", "ndep", "tos") + WEATHER_FIELDS
    #: deposition and radiation come from outside the atmosphere's books (it keeps only CO2, N2O and
    #: the boundary-layer enthalpy anomaly)
    external_fields = ("ndep", "rsds", "rlds")
    settings = [
        Setting("co2_mode", str, "concentration", choices=("concentration", "emission"),
                description="CO2 follows `co2_path` (compatible emissions diagnosed) or evolves with emissions."),
        Setting("co2_path", str, "constant", choices=IDEALISED + SCENARIOS,
                description="Prescribed CO2 path (concentration mode) and emission table (emission mode)."),
        Setting("c4mip", str, "coupled", choices=("coupled", "bgc", "rad"),
                description="`bgc`: only co2_bgc follows the path (radiation sees preindustrial CO2); "
                            "`rad`: only co2_rad follows it (Jones et al. 2016)."),
        Setting("co2_preindustrial_ppm", float, 284.3, "ppm", bounds=(100.0, 2000.0),
                description="Preindustrial (1850) CO2 (Meinshausen et al. 2017)."),
        Setting("co2_init_ppm", float, 0.0, "ppm", bounds=(0.0, 1e5),
                description="Initial CO2 in emission mode; 0 takes it from `co2_path` at the start date."),
        Setting("pct_per_yr", float, 1.0, "% yr-1", bounds=(0.0, 10.0), description="Growth rate of the 1pct path."),
        Setting("abrupt_factor", float, 4.0, "1", bounds=(0.1, 16.0), description="CO2 factor of the abrupt path."),
        Setting("landuse_emissions", bool, True,
                description="Emission mode: add the table's land-use emissions (until the land models land use)."),
        Setting("n2o_mode", str, "concentration", choices=("concentration", "emission"),
                description="N2O follows the path or evolves with soil, other natural and anthropogenic sources."),
        Setting("n2o_preindustrial_ppb", float, 273.0, "ppb", bounds=(0.0, 2000.0),
                description="Preindustrial (1850) N2O (Meinshausen et al. 2017)."),
        Setting("n2o_lifetime_yr", float, 116.0, "yr", bounds=(1.0, 1000.0),
                description="N2O atmospheric lifetime (Prather et al. 2015)."),
        Setting("n2o_other_natural_tgn_yr", float, 5.7, "Tg N yr-1", bounds=(0.0, 100.0),
                description="Natural N2O sources outside soils (ocean 3.4, atmospheric chemistry and others; "
                            "Tian et al. 2020) that balance the preindustrial sink with ~5.6 from soils."),
        Setting("ch4_preindustrial_ppb", float, 808.2, "ppb", bounds=(0.0, 10000.0),
                description="Preindustrial (1850) CH4 (Meinshausen et al. 2017)."),
        Setting("forcing_agents", str, "ghg", choices=("co2", "ghg", "ar6_total"),
                description="`co2`: CO2 only; `ghg`: CO2, N2O and CH4; `ar6_total`: CO2 plus the non-CO2 part of "
                            "the AR6 total effective radiative forcing (1750-2019)."),
        Setting("climate_feedback_W_m2_K", float, climate.DEFAULT_LAMBDA, "W m-2 K-1", bounds=(0.1, 5.0),
                description="Climate feedback parameter lambda (ECS = F2x / lambda)."),
        Setting("ocean_exchange_W_m2_K", float, climate.DEFAULT_GAMMA, "W m-2 K-1", bounds=(0.0, 5.0),
                description="Heat exchange coefficient between the upper and deep layers."),
        Setting("upper_heat_capacity_W_yr_m2_K", float, climate.DEFAULT_C, "W yr m-2 K-1", bounds=(0.1, 100.0),
                description="Heat capacity of the upper (mixed-layer) box."),
        Setting("deep_heat_capacity_W_yr_m2_K", float, climate.DEFAULT_CD, "W yr m-2 K-1", bounds=(1.0, 10000.0),
                description="Heat capacity of the deep ocean box."),
        Setting("weather", str, "generator", choices=("generator", "files"),
                description="Surface weather from the stochastic generator on the observed climatology, or files."),
        Setting("forcing_files", str, [], shape="list",
                description="CF netCDF forcing files (tas, pr, rsds, rlds, huss, ps, sfcWind) for `weather = 'files'`."),
        Setting("boundary_layer_feedback", bool, True,
                description="Land heat fluxes change near-surface temperature and humidity."),
        Setting("boundary_layer_height_m", float, 1000.0, "m", bounds=(10.0, 5000.0),
                description="Depth of the mixed layer that carries the anomalies (Stull 1988)."),
        Setting("boundary_layer_relaxation_s", float, 86400.0, "s", bounds=(600.0, 1e7),
                description="Relaxation of the anomalies toward the free troposphere (Betts 1992)."),
        Setting("ndep_land_tgn_yr", float, 17.0, "Tg N yr-1", bounds=(0.0, 1000.0),
                description="Nitrogen deposition on land, spread in proportion to precipitation "
                            "(1860 value of Galloway et al. 2004)."),
        Setting("ndep_follows_scenario", bool, False,
                description="Scale deposition with the scenario's anthropogenic N2O emissions relative to 1850."),
    ]

    # ------------------------------------------------------------------ init
    def init(self, config, comm, decomp, clock):
        super().init(config, comm, decomp, clock)
        c = config
        self.elapsed_s = clock.elapsed_s
        self.dt_s = clock.dt
        self.pathway = Pathway(c.co2_path, c.co2_preindustrial_ppm, c.n2o_preindustrial_ppb,
                               c.ch4_preindustrial_ppb, c.pct_per_yr, c.abrupt_factor)
        if c.forcing_agents == "ar6_total":
            from .scenarios import load_scenario, load_total_erf

            self.total_erf = load_total_erf()
            self.observed = load_scenario("ssp245")
        if c.co2_mode == "emission" and c.co2_path in IDEALISED and c.co2_path != "constant":
            raise NamelistError(f"&atmos: co2_path: {c.co2_path!r} is a concentration path; "
                                "emission mode takes 'constant' (no emissions) or a scenario")
        year = decimal_year(clock.now)
        start_ppm = c.co2_init_ppm if (c.co2_mode == "emission" and c.co2_init_ppm > 0) else \
            self.pathway.co2_ppm(0.0, year)
        self.co2 = CarbonReservoir(start_ppm)
        self.n2o = N2OReservoir(self.pathway.n2o_ppb(year), c.n2o_lifetime_yr)
        self.ebm = climate.TwoLayerEBM.from_literature_units(
            lambda_W_m2_K=c.climate_feedback_W_m2_K, gamma_W_m2_K=c.ocean_exchange_W_m2_K,
            c_upper_W_yr_m2_K=c.upper_heat_capacity_W_yr_m2_K, c_deep_W_yr_m2_K=c.deep_heat_capacity_W_yr_m2_K)
        self.area = decomp.local_area
        self.frac_land = decomp.local_cover("land")
        lat, lon = decomp.local_lat_lon()
        self.lat = lat
        # normalised over the whole domain (replicated), so the pattern does not depend on the decomposition
        glat = decomp.grid.lat[decomp.cells // decomp.grid.nlon]
        pattern = climate.warming_pattern(glat, decomp.cover["land"], decomp.grid.area_flat[decomp.cells])
        self.pattern = np.ascontiguousarray(pattern[decomp.local])
        self.bl = BoundaryLayer(decomp.nlocal, c.boundary_layer_height_m, c.boundary_layer_relaxation_s)
        self._setup_weather(lat, lon)
        self._setup_deposition()
        self.terms: dict = {}
        self.received = {name: np.zeros(decomp.nlocal) for name in self.imports}
        self.present: tuple[str, ...] = ()
        self.current = self._weather(self.elapsed_s)
        self.during = dict(self.current)

    def _setup_weather(self, lat: np.ndarray, lon: np.ndarray) -> None:
        from .climatology import load_climatology, sst_climatology_K

        grid = self.decomp.grid
        mat, precip, data_frac, continentality = (a[self.decomp.local_cells] for a in load_climatology(grid))
        self.mat_K, self.map_kg_m2_s = mat, precip
        self.sst_clim_K = sst_climatology_K(lat)
        if self.config.weather == "files":
            from .forcing_file import ForcingFiles

            if not self.config.forcing_files:
                raise NamelistError("&atmos: forcing_files: weather = 'files' needs at least one file")
            self.source = ForcingFiles(self.config.forcing_files, grid, self.decomp.local_cells)
        else:
            from .weather import WeatherGenerator

            self.source = WeatherGenerator(lat, lon, self.decomp.local_cells, mat, precip, data_frac,
                                           seed=self.clock.seed, calendar=self.clock.calendar,
                                           continentality=continentality)
        # Budyko reference evaporative fraction from annual-mean net radiation as potential ET
        from coupler.insolation import daily_mean_insolation

        days = np.arange(365) + 0.5
        toa = np.mean(daily_mean_insolation(lat[:, None], days[None, :]), axis=1)
        # annual net radiation: all-sky transmissivity ~0.55 and net longwave ~ -60 W m-2 (global means of
        # Trenberth et al. 2009, BAMS 90, 311: 161 of 341 W m-2 absorbed at the surface, 63 net longwave loss)
        rn = (1.0 - REFERENCE_ALBEDO) * 0.55 * toa - 60.0
        pet = np.maximum(rn, 1.0) / LATENT_HEAT_VAPORISATION
        self.ef_ref = budyko_evaporative_fraction(pet, precip)

    def _setup_deposition(self) -> None:
        """Deposition per m2 of land, proportional to precipitation, summing to the global total."""
        weight = self.map_kg_m2_s * self.frac_land * self.area
        (total,) = self.global_sum(weight)
        per_land_m2 = np.where(self.frac_land > 0, self.map_kg_m2_s, 0.0)
        self.ndep_shape = per_land_m2 / total if total > 0 else per_land_m2 * 0.0  # m-2 (fraction of global per m2)
        self.ndep_1850 = self.pathway.n2o_emissions_tgn_yr(1850.5) if self.pathway.table is not None else 0.0

    # ------------------------------------------------------------ contract
    def state_variables(self):
        per_cell = [StateVariable("bl_theta", "K", "boundary-layer temperature anomaly"),
                    StateVariable("bl_q", "kg kg-1", "boundary-layer humidity anomaly")]
        weather = [StateVariable(f"weather__{k}", "", f"weather generator state {k}")
                   for k in sorted(self.source.get_state())] if hasattr(self.source, "get_state") else []
        cached = [StateVariable(f"next__{k}", "", f"weather of the next interval: {k}") for k in WEATHER_FIELDS]
        scalars = [StateVariable("co2_pgc", "Pg C", "atmospheric CO2", per_cell=False, stock=True),
                   StateVariable("n2o_tgn", "Tg N", "atmospheric N2O", per_cell=False, stock=True),
                   StateVariable("ebm_T", "K", "upper-layer temperature anomaly", per_cell=False),
                   StateVariable("ebm_TD", "K", "deep-layer temperature anomaly", per_cell=False),
                   StateVariable("elapsed_s", "s", "component time", per_cell=False)]
        return per_cell + weather + cached + scalars

    def get_state(self, name):
        if name.startswith("weather__"):
            return self.source.get_state()[name[9:]]
        if name.startswith("next__"):
            return self.current[name[6:]]
        return {"bl_theta": lambda: self.bl.theta_K, "bl_q": lambda: self.bl.q_kg_kg,
                "co2_pgc": lambda: self.co2.mass_pgc, "n2o_tgn": lambda: self.n2o.mass_tgn,
                "ebm_T": lambda: self.ebm.T, "ebm_TD": lambda: self.ebm.T_deep,
                "elapsed_s": lambda: self.elapsed_s}[name]()

    def set_state(self, name, value):
        if name.startswith("weather__"):
            state = self.source.get_state()
            state[name[9:]] = value
            self.source.set_state(state)
        elif name.startswith("next__"):
            self.current[name[6:]] = value
        elif name == "bl_theta":
            self.bl.theta_K = value
        elif name == "bl_q":
            self.bl.q_kg_kg = value
        elif name == "co2_pgc":
            self.co2.mass_pgc = float(value)
        elif name == "n2o_tgn":
            self.n2o.mass_tgn = float(value)
        elif name == "ebm_T":
            self.ebm.T = float(value)
        elif name == "ebm_TD":
            self.ebm.T_deep = float(value)
        elif name == "elapsed_s":
            self.elapsed_s = int(value)

    def import_state(self, fields):
        self.present = tuple(n for n in self.imports if n in fields)
        for name in self.present:
            self.received[name] = fields[name]
        self.frac_ocean = fields.get("frac_ocean", np.zeros(self.decomp.nlocal))
        self.frac_land_import = fields.get("frac_land", self.frac_land)

    def run(self, until_elapsed_s):
        c = self.config
        dt = until_elapsed_s - self.elapsed_s
        r, fl, fo = self.received, self.frac_land_import, self.frac_ocean
        carbon_flux = fl * (r["nee"] + r["fprod"]) + fo * r["fgco2"]  # kg C m-2 s-1 of cell
        n2o_flux = fl * r["fn2o"]
        carbon_in, n2o_in = self.global_sum(carbon_flux * self.area, n2o_flux * self.area)
        surface_pgc = carbon_in * dt / KG_PER_PG
        soil_n2o_tgn = n2o_in * dt / KG_PER_TG
        year_mid = decimal_year(self.clock.date_at(self.elapsed_s + dt // 2))
        years = (self.elapsed_s + 0.5 * dt) / SECONDS_PER_YEAR
        carbon_terms: dict[str, float] = {}
        nitrogen_terms: dict[str, float] = {}
        # --- CO2
        if c.co2_mode == "emission":
            fossil, landuse = self.pathway.co2_emissions_pgc_yr(year_mid, c.landuse_emissions)
            carbon_terms = {"fossil_emissions": fossil * dt / SECONDS_PER_YEAR,
                            "landuse_emissions": landuse * dt / SECONDS_PER_YEAR}
            self.co2.add(surface_pgc, sum(carbon_terms.values()))
        else:
            target = self._path_co2(until_elapsed_s)
            carbon_terms = {"compatible_emissions": self.co2.prescribe(surface_pgc, target)}
        # --- N2O
        if c.n2o_mode == "emission":
            other = (c.n2o_other_natural_tgn_yr + self.pathway.n2o_emissions_tgn_yr(year_mid)) * dt / SECONDS_PER_YEAR
            loss = self.n2o.step(soil_n2o_tgn + other, dt)
            nitrogen_terms = {"n2o_other_sources": other, "n2o_stratospheric_loss": -loss}
        else:
            target = self.pathway.n2o_ppb(decimal_year(self.clock.date_at(until_elapsed_s)))
            loss, compatible = self.n2o.prescribe(soil_n2o_tgn, target, dt)
            nitrogen_terms = {"n2o_stratospheric_loss": -loss, "n2o_compatible_emissions": compatible}
        # --- climate
        self.forcing_W_m2 = self._forcing(years, year_mid)
        self.ebm.step(self.forcing_W_m2, dt)
        # --- boundary layer, forced over this interval's weather by the land's departure from the reference
        energy_terms = self._boundary_layer(dt)
        self.terms = {"carbon": carbon_terms, "nitrogen": nitrogen_terms, "energy": energy_terms}
        self.during = self.current
        self.elapsed_s = until_elapsed_s
        self.current = self._weather(until_elapsed_s)

    def _path_co2(self, elapsed_s: int) -> float:
        years = elapsed_s / SECONDS_PER_YEAR
        return self.pathway.co2_ppm(years, decimal_year(self.clock.date_at(elapsed_s)))

    def co2_pair(self) -> tuple[float, float]:
        """(co2_bgc, co2_rad) in ppm for the C4MIP configuration."""
        now = self.co2.ppm
        pre = self.config.co2_preindustrial_ppm
        return {"coupled": (now, now), "bgc": (now, pre), "rad": (pre, now)}[self.config.c4mip]

    def _forcing(self, years: float, year_mid: float) -> float:
        c = self.config
        _, co2_rad = self.co2_pair()
        f = climate.co2_forcing(co2_rad, c.co2_preindustrial_ppm)
        if c.forcing_agents == "ghg":
            f += climate.non_co2_ghg_forcing(self.n2o.ppb, self.pathway.ch4_ppb(year_mid), co2_rad,
                                             c.n2o_preindustrial_ppb, c.ch4_preindustrial_ppb)
        elif c.forcing_agents == "ar6_total":
            f += self._ar6_non_co2(year_mid - 0.5)
        return float(f)

    def _ar6_non_co2(self, year: float) -> float:
        """Non-CO2 part of the AR6 total ERF: total minus the CO2 ERF of the observed CO2 of that year.

        After the table's last year (2019) N2O and CH4 follow the path and the
        other agents (aerosols, ozone, land use, ...) stay at their last value.
        """
        c = self.config
        last = float(self.total_erf.years[-1])
        at = min(year, last)
        observed = float(self.observed.value("co2_ppm", at))
        non_co2 = float(self.total_erf.value(at)) - climate.co2_forcing(observed, c.co2_preindustrial_ppm)
        if year > last:
            def ghg(y):
                return climate.non_co2_ghg_forcing(self.pathway.n2o_ppb(y + 0.5), self.pathway.ch4_ppb(y + 0.5),
                                                   self.co2.ppm, c.n2o_preindustrial_ppb, c.ch4_preindustrial_ppb)
            non_co2 += ghg(year) - ghg(last)
        return non_co2

    def _boundary_layer(self, dt: int) -> dict[str, float]:
        if not ("hfls" in self.present and "hfss" in self.present):
            return {}
        fl = self.frac_land_import
        if not self.config.boundary_layer_feedback:
            (received,) = self.global_sum(fl * (self.received["hfss"] + self.received["hfls"]) * self.area)
            return {"surface_fluxes_not_retained": -received * dt}
        w = self.current  # the weather in effect during this interval (exported at its start)
        rn = ((1.0 - REFERENCE_ALBEDO) * w["rsds"] + REFERENCE_EMISSIVITY * w["rlds"]
              - REFERENCE_EMISSIVITY * STEFAN_BOLTZMANN * w["tas"] ** 4)
        le_ref = self.ef_ref * np.maximum(rn, 0.0)
        h_ref = rn - le_ref
        before = self.bl.enthalpy_J_m2()
        self.bl.step(dt, fl * (self.received["hfss"] - h_ref), fl * (self.received["hfls"] - le_ref))
        change, received, reference = self.global_sum(
            (self.bl.enthalpy_J_m2() - before) * self.area,
            fl * (self.received["hfss"] + self.received["hfls"]) * self.area,
            fl * (h_ref + le_ref) * self.area)
        received *= dt
        reference *= dt
        # the relaxation toward the free troposphere is what the exact update removed beyond the fluxes
        return {"reference_surface_fluxes": -reference, "free_troposphere_exchange": change - received + reference}

    def _weather(self, elapsed_s: int) -> dict[str, np.ndarray]:
        """Weather of the interval starting at ``elapsed_s``, with warming and boundary-layer anomalies."""
        dT = self.pattern * self.ebm.T
        date = self.clock.date_at(elapsed_s)
        if self.config.weather == "files":
            w = dict(self.source.fields(elapsed_s, self.dt_s, date))
        else:
            w = dict(self.source.fields(elapsed_s, self.dt_s, date, dT))
        w["tas"] = w["tas"] + self.bl.theta_K
        w["huss"] = np.maximum(w["huss"] + self.bl.q_kg_kg, 1e-6)
        return w

    def budget_terms(self):
        return self.terms

    def export_state(self):
        bgc, rad = self.co2_pair()
        n = self.decomp.nlocal
        out = dict(self.current)
        out["co2"] = np.full(n, bgc)
        out["co2_bgc"] = np.full(n, bgc)
        out["co2_rad"] = np.full(n, rad)
        out["tos"] = np.maximum(self.sst_clim_K + self.pattern * self.ebm.T, 271.35)
        scale = 1.0
        if self.config.ndep_follows_scenario and self.ndep_1850 > 0:
            year = decimal_year(self.clock.date_at(self.elapsed_s))
            scale = self.pathway.n2o_emissions_tgn_yr(year) / self.ndep_1850
        out["ndep"] = self.ndep_shape * (self.config.ndep_land_tgn_yr * scale * KG_PER_TG / SECONDS_PER_YEAR)
        return out

    def inventory(self):
        (enthalpy,) = self.global_sum(self.bl.enthalpy_J_m2() * self.area)
        return {"carbon": self.co2.mass_pgc, "nitrogen": self.n2o.mass_tgn, "energy": enthalpy}

    def history_fields(self):
        w = self.during
        bgc, rad = self.co2_pair()
        out = {name: (w[name], {"units": u, "standard_name": s}) for name, u, s in (
            ("tas", "K", "air_temperature"), ("pr", "kg m-2 s-1", "precipitation_flux"),
            ("rsds", "W m-2", "surface_downwelling_shortwave_flux_in_air"),
            ("rlds", "W m-2", "surface_downwelling_longwave_flux_in_air"),
            ("huss", "1", "specific_humidity"), ("sfcWind", "m s-1", "wind_speed"))}
        out["co2"] = (np.array(bgc), {"units": "1e-6", "long_name": "CO2 mole fraction seen by biogeochemistry (ppm)"})
        out["co2_rad"] = (np.array(rad), {"units": "1e-6", "long_name": "CO2 mole fraction seen by radiation (ppm)"})
        out["n2o"] = (np.array(self.n2o.ppb), {"units": "1e-9", "long_name": "N2O mole fraction (ppb)"})
        out["tas_anomaly"] = (np.array(self.ebm.T), {"units": "K", "long_name": "global-mean surface warming "
                                                     "(two-layer model, upper layer)"})
        out["erf"] = (np.array(getattr(self, "forcing_W_m2", 0.0)), {"units": "W m-2",
                                                                      "long_name": "effective radiative forcing"})
        return out
