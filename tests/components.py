"""Small components that test the coupler before (and beside) the real ones.

- ``PoolLand``: a carbon pool per land cell with net primary production that
  rises with CO2, Q10 respiration, a river carbon export to the ocean, and a
  nitrogen pool with deposition in and N2O out. ``leak_fraction_per_step``
  destroys part of the pool without booking it, so the ledger must catch it.
- ``ReservoirAtmos``: well-mixed CO2 (Pg C) and N2O (Tg N) reservoirs with
  optional fossil emissions (external source) and N2O stratospheric loss
  (external sink); exports CO2, a latitude-dependent air temperature that
  warms with CO2, SST and nitrogen deposition (an external field).
- ``ReservoirOcean``: a dissolved-carbon column per ocean cell whose pCO2
  follows a buffer-factor law; air-sea flux by a gas-transfer coefficient.

They obey the component contract exactly like the real components and are
named in namelists as ``tests/components.py:PoolLand`` etc. (a plug-in file path,
relative to the folder lsmc runs in).
"""

from __future__ import annotations

import math

import numpy as np

from coupler.component import Component, StateVariable
from coupler.config import Setting
from coupler.constants import KG_PER_PG, KG_PER_TG, PGC_PER_PPM

SECONDS_PER_YEAR = 365.0 * 86400.0
T_REF_K = 288.15
CO2_REF_PPM = 284.3


def continents(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """An analytic land fraction with full-land, coastal and open-ocean cells."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    raw = 0.35 + 0.9 * np.sin(2.0 * lon) * np.cos(lat) + 0.35 * np.sin(3.0 * lat)
    return np.clip(raw, 0.0, 1.0)


class PoolLand(Component):
    role = "land"
    quantities = ("carbon", "nitrogen")
    imports = ("co2", "tas", "ndep")
    exports = ("nee", "fn2o", "friver_c")
    settings = [
        Setting("pool_init_kgC_m2", float, 10.0, "kg C m-2", bounds=(0.0, None), description="Initial carbon pool."),
        Setting("npp_kgC_m2_yr", float, 0.4, "kg C m-2 yr-1", bounds=(0.0, None), description="NPP at 284.3 ppm."),
        Setting("beta", float, 0.6, "1", bounds=(0.0, 5.0), description="NPP increase per e-fold of CO2."),
        Setting("turnover_yr", float, 25.0, "yr", bounds=(1e-6, None), description="Pool turnover time at 15 degC."),
        Setting("q10", float, 2.0, "1", bounds=(1.0, 5.0), description="Respiration Q10."),
        Setting("river_fraction", float, 0.02, "1", bounds=(0.0, 1.0),
                description="Fraction of decomposition leaving as river carbon."),
        Setting("nitrogen_init_kgN_m2", float, 1.0, "kg N m-2", bounds=(0.0, None), description="Initial N pool."),
        Setting("n2o_rate_per_yr", float, 1e-4, "yr-1", bounds=(0.0, None), description="N2O loss rate of the N pool."),
        Setting("substeps", int, 2, bounds=(1, 100), description="Internal steps per coupling interval."),
        Setting("leak_fraction_per_step", float, 0.0, "1", bounds=(0.0, 1.0),
                description="Fraction of the carbon pool destroyed per step without booking (ledger test)."),
        Setting("land_mask", str, "analytic", choices=("analytic", "observed"),
                description="Analytic continents, or the observed land (coverage of the UDel climatology)."),
    ]

    @classmethod
    def domain_fraction(cls, config, grid):
        if config.land_mask == "observed":
            from atmos_stub.climatology import load_climatology

            return np.clip(load_climatology(grid).data_fraction, 0.0, 1.0)
        lat2, lon2 = np.meshgrid(grid.lat, grid.lon, indexing="ij")
        return continents(lat2, lon2).reshape(-1)

    def init(self, config, comm, decomp, clock):
        super().init(config, comm, decomp, clock)
        n = decomp.nlocal
        self.elapsed_s = clock.elapsed_s
        self.pool_c = np.full(n, config.pool_init_kgC_m2)
        self.pool_n = np.full(n, config.nitrogen_init_kgN_m2)
        self.weight = decomp.local_area * decomp.local_fraction  # m2 of land per cell
        self.forcing = {"co2": np.full(n, CO2_REF_PPM), "tas": np.full(n, T_REF_K), "ndep": np.zeros(n)}
        self.mean = {name: np.zeros(n) for name in self.exports}

    def state_variables(self):
        return [StateVariable("pool_c", "kg m-2", "land carbon pool", stock=True),
                StateVariable("pool_n", "kg m-2", "land nitrogen pool", stock=True),
                StateVariable("elapsed_s", "s", "component time", per_cell=False)]

    def import_state(self, fields):
        for name in self.forcing:
            self.forcing[name] = fields[name]

    def run(self, until_elapsed_s):
        c = self.config
        span = until_elapsed_s - self.elapsed_s
        dt = span / c.substeps
        k = (1.0 / (c.turnover_yr * SECONDS_PER_YEAR)) * c.q10 ** ((self.forcing["tas"] - T_REF_K) / 10.0)
        npp = c.npp_kgC_m2_yr / SECONDS_PER_YEAR * (1.0 + c.beta * np.log(self.forcing["co2"] / CO2_REF_PPM))
        kn = c.n2o_rate_per_yr / SECONDS_PER_YEAR
        sums = {name: np.zeros_like(self.pool_c) for name in self.exports}
        for _ in range(c.substeps):
            decomposition = k * self.pool_c
            river = c.river_fraction * decomposition
            nee = (decomposition - river) - npp
            self.pool_c = self.pool_c - dt * (nee + river)
            n2o = kn * self.pool_n
            self.pool_n = self.pool_n + dt * (self.forcing["ndep"] - n2o)
            sums["nee"] += nee * dt
            sums["friver_c"] += river * dt
            sums["fn2o"] += n2o * dt
        self.mean = {name: value / span for name, value in sums.items()}
        if c.leak_fraction_per_step:
            self.pool_c = self.pool_c * (1.0 - c.leak_fraction_per_step)
        self.elapsed_s = until_elapsed_s

    def export_state(self):
        return self.mean

    def inventory(self):
        carbon, nitrogen = self.global_sum(self.pool_c * self.weight, self.pool_n * self.weight)
        return {"carbon": carbon / KG_PER_PG, "nitrogen": nitrogen / KG_PER_TG}

    def history_fields(self):
        return {"cLand": (self.pool_c, {"units": "kg m-2", "long_name": "land carbon pool",
                                         "standard_name": "mass_content_of_carbon_in_vegetation_and_litter_and_soil_and_forestry_and_agricultural_products"}),
                "nee": (self.mean["nee"], {"units": "kg m-2 s-1", "long_name": "net ecosystem exchange (+ up)"})}


class ReservoirAtmos(Component):
    role = "atmos"
    quantities = ("carbon", "nitrogen")
    imports = ("nee", "fn2o", "fgco2")
    exports = ("co2", "tas", "tos", "ndep")
    #: nitrogen deposition is prescribed, not drawn from the N2O reservoir
    external_fields = ("ndep",)
    settings = [
        Setting("co2_init_ppm", float, CO2_REF_PPM, "ppm", bounds=(1.0, 1e5), description="Initial CO2."),
        Setting("n2o_init_tgn", float, 1500.0, "Tg N", bounds=(0.0, None), description="Initial N2O burden."),
        Setting("n2o_lifetime_yr", float, 116.0, "yr", bounds=(1.0, None), description="N2O lifetime (Prather 2015)."),
        Setting("emissions_pgc_yr", float, 0.0, "Pg C yr-1", description="Fossil emissions (external source)."),
        Setting("sensitivity_k", float, 3.0, "K", bounds=(0.0, 10.0), description="Warming per CO2 doubling."),
        Setting("ndep_kgN_m2_yr", float, 5e-4, "kg N m-2 yr-1", bounds=(0.0, None), description="N deposition."),
    ]

    def init(self, config, comm, decomp, clock):
        super().init(config, comm, decomp, clock)
        self.elapsed_s = clock.elapsed_s
        self.co2_pgc = config.co2_init_ppm * PGC_PER_PPM
        self.n2o_tgn = config.n2o_init_tgn
        lat, _ = decomp.local_lat_lon()
        self.t_base = 258.15 + 45.0 * np.cos(np.radians(lat)) ** 2
        self.area = decomp.local_area
        n = decomp.nlocal
        self.forcing = {"nee": np.zeros(n), "fn2o": np.zeros(n), "fgco2": np.zeros(n),
                        "frac_land": np.zeros(n), "frac_ocean": np.zeros(n)}
        self.terms: dict = {}

    def state_variables(self):
        return [StateVariable("co2_pgc", "Pg C", "atmospheric CO2", per_cell=False, stock=True),
                StateVariable("n2o_tgn", "Tg N", "atmospheric N2O", per_cell=False, stock=True),
                StateVariable("elapsed_s", "s", "component time", per_cell=False)]

    def import_state(self, fields):
        for name in self.forcing:
            self.forcing[name] = fields[name]

    def run(self, until_elapsed_s):
        c, f = self.config, self.forcing
        dt = until_elapsed_s - self.elapsed_s
        carbon_flux = f["frac_land"] * f["nee"] + f["frac_ocean"] * f["fgco2"]  # kg C m-2 s-1 of cell area
        carbon_in, n2o_in = self.global_sum(carbon_flux * self.area, f["frac_land"] * f["fn2o"] * self.area)
        fossil = c.emissions_pgc_yr * dt / SECONDS_PER_YEAR
        self.co2_pgc = self.co2_pgc + carbon_in * dt / KG_PER_PG + fossil
        self.n2o_tgn = self.n2o_tgn + n2o_in * dt / KG_PER_TG
        loss = self.n2o_tgn * -math.expm1(-dt / (c.n2o_lifetime_yr * SECONDS_PER_YEAR))
        self.n2o_tgn -= loss
        self.terms = {"carbon": {"fossil_emissions": fossil}, "nitrogen": {"n2o_stratospheric_loss": -loss}}
        self.elapsed_s = until_elapsed_s

    def budget_terms(self):
        return self.terms

    def export_state(self):
        ppm = self.co2_pgc / PGC_PER_PPM
        tas = self.t_base + self.config.sensitivity_k * math.log(ppm / CO2_REF_PPM) / math.log(2.0)
        n = self.decomp.nlocal
        return {"co2": np.full(n, ppm), "tas": tas, "tos": np.maximum(tas, 271.35),
                "ndep": np.full(n, self.config.ndep_kgN_m2_yr / SECONDS_PER_YEAR)}

    def inventory(self):
        return {"carbon": self.co2_pgc, "nitrogen": self.n2o_tgn}

    def history_fields(self):
        ppm = self.co2_pgc / PGC_PER_PPM
        return {"co2": (np.array(ppm), {"units": "1e-6", "long_name": "CO2 mole fraction (ppm)"}),
                "tas": (self.export_state()["tas"], {"units": "K", "standard_name": "air_temperature"})}


class ReservoirOcean(Component):
    role = "ocean"
    quantities = ("carbon",)
    imports = ("co2", "tos", "friver_c")
    exports = ("fgco2",)
    settings = [
        Setting("dic_init_kgC_m2", float, 2.4, "kg C m-2", bounds=(0.0, None), description="Initial carbon column."),
        Setting("revelle", float, 10.0, "1", bounds=(1.0, 20.0), description="Buffer (Revelle) factor."),
        Setting("transfer_kgC_m2_s_ppm", float, 5e-11, "kg C m-2 s-1 ppm-1", bounds=(0.0, None),
                description="Gas transfer coefficient."),
        Setting("substeps", int, 4, bounds=(1, 1000), description="Internal steps per ocean interval."),
    ]

    def init(self, config, comm, decomp, clock):
        super().init(config, comm, decomp, clock)
        n = decomp.nlocal
        self.elapsed_s = clock.elapsed_s
        self.dic = np.full(n, config.dic_init_kgC_m2)
        self.weight = decomp.local_area * decomp.local_fraction
        self.forcing = {"co2": np.full(n, CO2_REF_PPM), "tos": np.full(n, T_REF_K), "friver_c": np.zeros(n)}
        self.mean_flux = np.zeros(n)

    def state_variables(self):
        return [StateVariable("dic", "kg m-2", "ocean carbon column", stock=True),
                StateVariable("elapsed_s", "s", "component time", per_cell=False)]

    def import_state(self, fields):
        for name in self.forcing:
            self.forcing[name] = fields[name]

    def run(self, until_elapsed_s):
        c, f = self.config, self.forcing
        span = until_elapsed_s - self.elapsed_s
        dt = span / c.substeps
        river = f["friver_c"] / self.weight  # kg s-1 per outlet cell -> kg m-2 s-1 of its ocean
        total = np.zeros_like(self.dic)
        for _ in range(c.substeps):
            pco2 = CO2_REF_PPM * (self.dic / c.dic_init_kgC_m2) ** c.revelle * np.exp(0.0423 * (f["tos"] - T_REF_K))
            flux = c.transfer_kgC_m2_s_ppm * (pco2 - f["co2"])  # + into the atmosphere
            self.dic = self.dic + dt * (river - flux)
            total += flux * dt
        self.mean_flux = total / span
        self.elapsed_s = until_elapsed_s

    def export_state(self):
        return {"fgco2": self.mean_flux}

    def inventory(self):
        (carbon,) = self.global_sum(self.dic * self.weight)
        return {"carbon": carbon / KG_PER_PG}

    def history_fields(self):
        return {"fgco2": (self.mean_flux, {"units": "kg m-2 s-1", "long_name": "air-sea CO2 flux (+ into atmosphere)"})}


class HeatFluxLand(PoolLand):
    """``PoolLand`` that also returns the absorbed shortwave as sensible and latent heat.

    The split is a fixed evaporative fraction, so a test can mimic irrigation
    (high fraction) or drought (low) and watch the near-surface air respond.
    The land keeps no energy books: the heat it sends is an external source.
    """

    imports = PoolLand.imports + ("rsds",)
    exports = PoolLand.exports + ("hfls", "hfss")
    settings = PoolLand.settings + [
        Setting("evaporative_fraction", float, 0.5, "1", bounds=(0.0, 1.0), description="LE / (H + LE)."),
        Setting("absorptance", float, 0.6, "1", bounds=(0.0, 1.0),
                description="Fraction of rsds returned as turbulent heat."),
    ]

    def init(self, config, comm, decomp, clock):
        super().init(config, comm, decomp, clock)
        self.forcing["rsds"] = np.zeros(decomp.nlocal)

    def export_state(self):
        out = dict(self.mean)
        available = self.config.absorptance * self.forcing["rsds"]
        out["hfls"] = self.config.evaporative_fraction * available
        out["hfss"] = available - out["hfls"]
        return out


class FailingLand(PoolLand):
    """``PoolLand`` that fails on one rank at one coupling step: a bug (RuntimeError) or a user error."""

    settings = PoolLand.settings + [
        Setting("fail_rank", int, 1, bounds=(0, None), description="World rank that fails."),
        Setting("fail_step", int, 3, bounds=(1, None), description="Coupling step (from 1) at which it fails."),
        Setting("fail_kind", str, "bug", choices=("bug", "state"),
                description="'bug': RuntimeError with a traceback; 'state': a rank-local StateError."),
    ]

    def run(self, until_elapsed_s):
        from mpi4py import MPI

        from coupler.errors import StateError

        c = self.config
        self.steps_run = getattr(self, "steps_run", 0) + 1
        if self.steps_run == c.fail_step and MPI.COMM_WORLD.Get_rank() == c.fail_rank:
            if c.fail_kind == "bug":
                raise RuntimeError(f"deliberate failure on rank {c.fail_rank} at step {c.fail_step}")
            raise StateError(f"deliberate negative stock on rank {c.fail_rank} at step {c.fail_step}")
        super().run(until_elapsed_s)
