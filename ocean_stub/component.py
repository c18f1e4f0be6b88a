"""The ocean carbon component: mixed-layer cells over interior boxes, carbonate chemistry, pumps.

Tracers: dissolved inorganic carbon (DIC), total alkalinity (ALK) and
phosphate (PO4), in mol m-3, in every surface cell and interior box. Each
substep:

- air-sea CO2 flux ``F = k K0 (pCO2_atm - pCO2_sea)`` (Wanninkhof 2014) with
  pCO2_sea from the carbonate system of the cell's DIC, ALK, SST and
  salinity (solubility pump: warmer water holds less CO2);
- export production and its remineralisation at depth (biological pump);
- transport by ventilation, overturning and mixing (``circulation.py``),
  weakening with warming;
- river carbon from the land enters the outlet cells as DIC.

The carbon inventory (Pg C) is sum(volume x DIC) over cells and boxes.
``spinup_days > 0`` makes the component average the forcing it receives over
that many days and then jump to the exact steady state of its own equations
under that mean forcing (the jump is the named ledger term
``spinup_adjustment``); ``tools/make_ocean_init.py`` ships the result as the
default initial state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from coupler.component import Component, StateVariable
from coupler.config import Setting
from coupler.constants import KG_PER_PG
from coupler.errors import InputDataError

from . import airsea, carbonate
from .biology import ALK_PER_P_ORGANIC, REDFIELD_C_P, BiologyParameters, export_phosphorus, remineralisation_fractions
from .circulation import Circulation, CirculationParameters
from .geometry import BANDS, DEEP, SEAWATER_DENSITY_KG_M3, THERMOCLINE, Geometry

DIC, ALK, PO4 = 0, 1, 2
TRACERS = ("dic", "alk", "po4")
KG_C_PER_MOL = airsea.MOLAR_MASS_C_KG_MOL
INIT_FILE = Path(__file__).parent / "data" / "ocean_init.nc"

_CIRC = CirculationParameters()
_BIO = BiologyParameters()


class OceanComponent(Component):
    role = "ocean"
    quantities = ("carbon",)
    imports = ("co2_bgc", "tos", "sfcWind", "rsds", "friver_c")
    optional_imports = ("friver_c",)
    exports = ("fgco2",)
    settings = [
        Setting("substeps", int, 1, bounds=(1, 1000),
                description="Internal steps per ocean interval (daily steps are stable: the fastest rate, "
                            "phosphate uptake, is ~1/30 day-1)."),
        Setting("salinity_psu", float, 34.7, "PSU", bounds=(25.0, 40.0),
                description="Surface salinity (global mean, Antonov et al. 2010)."),
        Setting("mean_po4_umol_kg", float, 2.17, "umol kg-1", bounds=(0.1, 10.0),
                description="Global mean phosphate of the initial state (Garcia et al. 2010, WOA09)."),
        Setting("mean_alk_umol_kg", float, 2363.0, "umol kg-1", bounds=(1000.0, 4000.0),
                description="Global mean alkalinity of the initial state (Key et al. 2004, GLODAP)."),
        Setting("initial_state", str, "", description="Initial state file; '' = the packaged spun-up state "
                "when its grid matches; 'none' (or no match) = a uniform ocean in equilibrium with 284.3 ppm."),
        Setting("spinup_days", int, 0, "day", bounds=(0, 36500),
                description="Average the forcing this many days, then jump to the steady state (spin-up)."),
        Setting("psi_north_sv", float, _CIRC.psi_north_sv, "Sv", bounds=(0.0, 100.0),
                description="Northern (NADW) overturning at zero warming."),
        Setting("psi_south_sv", float, _CIRC.psi_south_sv, "Sv", bounds=(0.0, 100.0),
                description="Southern (AABW) overturning at zero warming."),
        Setting("kappa_low_m_s", float, _CIRC.kappa_low_m_s, "m s-1", bounds=(0.0, 1e-3),
                description="Low-latitude surface-thermocline ventilation velocity."),
        Setting("kappa_high_m_s", float, _CIRC.kappa_high_m_s, "m s-1", bounds=(0.0, 1e-3),
                description="High-latitude surface-thermocline ventilation velocity."),
        Setting("vertical_mixing_sv", float, _CIRC.vertical_mixing_sv, "Sv", bounds=(0.0, 1000.0),
                description="Thermocline-deep exchange within a band."),
        Setting("horizontal_mixing_sv", float, _CIRC.horizontal_mixing_sv, "Sv", bounds=(0.0, 1000.0),
                description="Exchange between adjacent bands."),
        Setting("overturning_sensitivity_per_K", float, _CIRC.overturning_sensitivity_per_K, "K-1",
                bounds=(0.0, 0.5), description="Fractional weakening of the overturning per K of SST warming."),
        Setting("ventilation_sensitivity_per_K", float, _CIRC.ventilation_sensitivity_per_K, "K-1",
                bounds=(0.0, 0.5), description="Fractional weakening of ventilation and mixing per K."),
        Setting("v_max_mol_m3_s", float, _BIO.v_max_mol_m3_s, "mol P m-3 s-1", bounds=(0.0, 1e-6),
                description="Maximum phosphate uptake rate."),
        Setting("rain_ratio", float, _BIO.rain_ratio, "1", bounds=(0.0, 0.5), description="CaCO3 : organic C export."),
    ]

    # ------------------------------------------------------------------ init
    def init(self, config, comm, decomp, clock):
        super().init(config, comm, decomp, clock)
        c = config
        self.elapsed_s = clock.elapsed_s
        lat, _ = decomp.local_lat_lon()
        self.geometry = Geometry(lat, decomp.local_area * decomp.local_fraction, self.global_sum)
        self.circ = Circulation(self.geometry, CirculationParameters(
            c.psi_north_sv, c.psi_south_sv, c.kappa_low_m_s, c.kappa_high_m_s, c.vertical_mixing_sv,
            c.horizontal_mixing_sv, c.overturning_sensitivity_per_K, c.ventilation_sensitivity_per_K))
        self.bio = BiologyParameters(v_max_mol_m3_s=c.v_max_mol_m3_s, rain_ratio=c.rain_ratio)
        n = decomp.nlocal
        self.surface = np.zeros((3, n))
        self.interior = np.zeros((3, 3, 2))
        self.sst_ref_K = 0.0
        self.forcing = {"co2_bgc": np.full(n, 284.3), "tos": np.full(n, 288.0), "sfcWind": np.full(n, 7.0),
                        "rsds": np.full(n, 150.0), "friver_c": np.zeros(n)}
        self.mean_flux = np.zeros(n)
        self.export_c = np.zeros(n)
        self.terms: dict = {}
        self.spin_acc = np.zeros((6, n))  # sums of: light, gas coefficient, sst, co2, river, 1 (days)
        self.spin_days = 0.0
        self._initial_state()
        self._diagnose()

    def read_restart(self, path: str) -> None:
        super().read_restart(path)
        self._diagnose()

    def _initial_state(self) -> None:
        choice = self.config.initial_state
        if choice != "none":
            path = Path(choice) if choice else INIT_FILE
            if path.exists() and self._read_initial(path, required=bool(choice)):
                return
            if choice:
                raise InputDataError(f"{path}: ocean initial state file not found")
        # uniform interior and surface, DIC in equilibrium with 284.3 ppm at the local climatological SST
        rho = SEAWATER_DENSITY_KG_M3
        alk = self.config.mean_alk_umol_kg * 1e-6 * rho
        self.surface[ALK] = alk
        self.surface[PO4] = self.config.mean_po4_umol_kg * 1e-6 * rho
        sst = 273.15 + 28.0 * np.cos(np.radians(self.geometry.lat_deg)) ** 2
        self.surface[DIC] = carbonate.dic_at_pco2(np.full(self.decomp.nlocal, 284.3), alk / rho, sst,
                                                  self.config.salinity_psu) * rho
        total, volume = self.global_sum(self.surface[DIC] * self.geometry.volume_m3, self.geometry.volume_m3)
        self.interior[DIC] = total / volume
        self.interior[ALK] = alk
        self.interior[PO4] = self.config.mean_po4_umol_kg * 1e-6 * rho
        self.sst_ref_K = self._global_mean(sst)

    def _read_initial(self, path: Path, required: bool) -> bool:
        """Take surface values of this grid's cells and the interior from a shipped state; False if the grid differs."""
        from coupler.ncfile import open_netcdf

        with open_netcdf(path, "ocean initial state", InputDataError) as nc:
            grid = self.decomp.grid
            if (len(nc.dimensions["lat"]), len(nc.dimensions["lon"])) != grid.shape:
                if required:
                    raise InputDataError(f"{path}: grid {len(nc.dimensions['lat'])}x{len(nc.dimensions['lon'])} "
                                         f"does not match the ocean grid {grid.shape[0]}x{grid.shape[1]}")
                return False
            for k, name in enumerate(TRACERS):
                if name not in nc.variables or f"{name}_interior" not in nc.variables:
                    raise InputDataError(f"{path}: variable {name!r} or {name + '_interior'!r} missing")
                full = np.asarray(nc.variables[name][:], dtype=np.float64).reshape(-1)
                self.surface[k] = full[self.decomp.local_cells]
                self.interior[k] = np.asarray(nc.variables[f"{name}_interior"][:], dtype=np.float64)
            self.sst_ref_K = float(nc.variables["sst_ref"][...])
        if not np.all(np.isfinite(self.surface)):
            raise InputDataError(f"{path}: the state has no values for some ocean cells of this land mask")
        return True

    def _global_mean(self, values: np.ndarray) -> float:
        total, area = self.global_sum(values * self.geometry.area_m2, self.geometry.area_m2)
        return total / area

    # ------------------------------------------------------------ contract
    def state_variables(self):
        return [StateVariable("surface", "mol m-3", "DIC, ALK, PO4 of the mixed layer", stock=True),
                StateVariable("interior", "mol m-3", "DIC, ALK, PO4 of the interior boxes", per_cell=False,
                              stock=True),
                StateVariable("spin_acc", "1", "spin-up forcing sums"),
                StateVariable("spin_days", "day", "days of spin-up forcing summed", per_cell=False),
                StateVariable("sst_ref_K", "K", "reference global-mean SST for the warming", per_cell=False),
                StateVariable("elapsed_s", "s", "component time", per_cell=False)]

    def import_state(self, fields):
        for name in self.forcing:
            if name in fields:
                self.forcing[name] = fields[name]

    def _coefficients(self) -> dict[str, np.ndarray]:
        """Forcing-dependent coefficients of the equations, per cell."""
        f, c = self.forcing, self.config
        sst = f["tos"]
        k0 = carbonate.equilibrium_constants(sst, c.salinity_psu).k0_mol_kg_atm
        k = airsea.piston_velocity_m_s(f["sfcWind"], airsea.schmidt_number_co2(sst))
        # mol m-2 s-1 per uatm: k (m s-1) x K0 (mol kg-1 atm-1) x rho (kg m-3) x 1e-6 atm per uatm
        gas = k * k0 * SEAWATER_DENSITY_KG_M3 * 1e-6
        # fugacity of CO2 in moist air over the sea surface (Weiss & Price 1980; Weiss 1974)
        fco2_atm = airsea.fco2_air_uatm(f["co2_bgc"], sst, c.salinity_psu)
        river = f["friver_c"] / KG_C_PER_MOL  # mol C s-1 per outlet cell
        return {"light": self.bio.light_factor(f["rsds"]), "gas": gas, "sst": sst, "fco2_atm": fco2_atm,
                "river": river}

    def warming_K(self, sst: np.ndarray) -> float:
        return self._global_mean(sst) - self.sst_ref_K

    def tendencies(self, surface: np.ndarray, interior: np.ndarray, coef: dict, rates: dict,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(d surface/dt, d interior/dt, air-sea flux into the ocean mol m-2 s-1, organic C export mol m-2 s-1)."""
        g, c = self.geometry, self.config
        rho = SEAWATER_DENSITY_KG_M3
        fco2_sea = carbonate.carbonate_system(surface[DIC] / rho, surface[ALK] / rho, coef["sst"],
                                              c.salinity_psu).fco2_uatm
        flux_in = coef["gas"] * (coef["fco2_atm"] - fco2_sea)
        export_p = export_phosphorus(surface[PO4], coef["light"], coef["sst"], g.h_m, self.bio)
        rain = self.bio.rain_ratio
        per_area = np.stack([flux_in - REDFIELD_C_P * (1.0 + rain) * export_p,
                             (ALK_PER_P_ORGANIC - 2.0 * rain * REDFIELD_C_P) * export_p,
                             -export_p])
        carried = export_p * g.area_m2  # mol P s-1 leaving each cell as organic matter
        arrays = self.circ.surface_sums(surface, rates) + g.by_band(carried)
        sums = np.array(self.global_sum(*arrays))
        d_surface, d_interior = self.circ.tendencies(surface, interior, rates, sums[:-3])
        d_surface = d_surface + per_area / g.h_m
        d_surface[DIC] += coef["river"] / g.volume_m3
        export_band = sums[-3:]  # mol P s-1 per band
        frac = remineralisation_fractions()
        remin = np.zeros_like(interior)
        for layer in (THERMOCLINE, DEEP):
            remin[DIC, :, layer] += REDFIELD_C_P * export_band * frac[layer]
            remin[ALK, :, layer] -= ALK_PER_P_ORGANIC * export_band * frac[layer]
            remin[PO4, :, layer] += export_band * frac[layer]
        remin[DIC, :, DEEP] += rain * REDFIELD_C_P * export_band
        remin[ALK, :, DEEP] += 2.0 * rain * REDFIELD_C_P * export_band
        return d_surface, d_interior + remin / g.box_volume_m3, flux_in, REDFIELD_C_P * export_p

    def run(self, until_elapsed_s):
        span = until_elapsed_s - self.elapsed_s
        dt = span / self.config.substeps
        coef = self._coefficients()
        rates = self.circ.rates(self.warming_K(coef["sst"]))
        flux_sum = np.zeros(self.decomp.nlocal)
        export_sum = np.zeros(self.decomp.nlocal)
        for _ in range(self.config.substeps):
            d_surface, d_interior, flux_in, export_c = self.tendencies(self.surface, self.interior, coef, rates)
            self.surface = self.surface + dt * d_surface
            self.interior = self.interior + dt * d_interior
            flux_sum += flux_in * dt
            export_sum += export_c * dt
        self.mean_flux = -flux_sum / span * KG_C_PER_MOL  # kg C m-2 s-1 INTO the atmosphere
        self.export_c = export_sum / span
        self.elapsed_s = until_elapsed_s
        self.terms = {}
        if self.config.spinup_days:
            self._spinup_step(coef, span)
        self._diagnose()

    def _diagnose(self) -> None:
        """Global carbon (Pg C) and export (Pg C yr-1), in one reduction, for the books and history."""
        surface_mol, export = self.global_sum(self.surface[DIC] * self.geometry.volume_m3,
                                              self.export_c * self.geometry.area_m2)
        interior_mol = float(np.sum(self.interior[DIC] * self.geometry.box_volume_m3))
        self.carbon = (surface_mol + interior_mol) * KG_C_PER_MOL / KG_PER_PG
        self.export_pgc_yr = export * KG_C_PER_MOL * 365.0 * 86400.0 / KG_PER_PG

    def _spinup_step(self, coef: dict, span: float) -> None:
        days = span / 86400.0
        if self.spin_days >= self.config.spinup_days:
            return
        self.spin_acc += days * np.stack([coef["light"], coef["gas"], coef["sst"], coef["fco2_atm"], coef["river"],
                                          np.ones(self.decomp.nlocal)])
        self.spin_days += days
        if self.spin_days >= self.config.spinup_days:
            from .spinup import solve_steady_state

            mean = self.spin_acc / self.spin_acc[5]
            coef = {"light": mean[0], "gas": mean[1], "sst": mean[2], "fco2_atm": mean[3], "river": mean[4]}
            self.sst_ref_K = self._global_mean(coef["sst"])
            after_run = self.carbon_pgc()
            self.surface, self.interior = solve_steady_state(self, coef)
            self.terms = {"carbon": {"spinup_adjustment": self.carbon_pgc() - after_run}}

    def budget_terms(self):
        return self.terms

    def export_state(self):
        return {"fgco2": self.mean_flux}

    def carbon_pgc(self) -> float:
        self._diagnose()
        return self.carbon

    def inventory(self):
        return {"carbon": self.carbon}

    def history_fields(self):
        rho = SEAWATER_DENSITY_KG_M3
        chem = carbonate.carbonate_system(self.surface[DIC] / rho, self.surface[ALK] / rho, self.forcing["tos"],
                                          self.config.salinity_psu)
        per_cell = {
            "fgco2": (-self.mean_flux, {"units": "kg m-2 s-1", "standard_name":
                                        "surface_downward_mass_flux_of_carbon_dioxide_expressed_as_carbon",
                                        "long_name": "air-sea CO2 flux, positive INTO the ocean (CMIP convention)"}),
            "dissic": (self.surface[DIC], {"units": "mol m-3", "long_name": "surface dissolved inorganic carbon",
                                           "standard_name": "mole_concentration_of_dissolved_inorganic_carbon_in_sea_water"}),
            "talk": (self.surface[ALK], {"units": "mol m-3", "long_name": "surface total alkalinity",
                                         "standard_name": "sea_water_alkalinity_expressed_as_mole_equivalent"}),
            "po4": (self.surface[PO4], {"units": "mol m-3", "long_name": "surface phosphate"}),
            "ph": (chem.ph_total, {"units": "1", "long_name": "surface pH (total scale)",
                                "standard_name": "sea_water_ph_reported_on_total_scale"}),
            "spco2": (chem.pco2_uatm * 0.101325, {"units": "Pa", "long_name": "surface aqueous partial pressure of CO2",
                                                    "standard_name": "surface_partial_pressure_of_carbon_dioxide_in_sea_water"}),
            "epc100": (self.export_c, {"units": "mol m-2 s-1", "long_name": "downward flux of particulate organic "
                                       "carbon at 100 m", "standard_name":
                                       "sinking_mole_flux_of_particulate_organic_matter_expressed_as_carbon_in_sea_water"}),
        }
        per_cell["epc100_global"] = (np.array(self.export_pgc_yr), {"units": "Pg C yr-1",
                                                                     "long_name": "global export production"})
        per_cell["cOcean"] = (np.array(self.carbon), {"units": "Pg C", "long_name": "ocean carbon"})
        for b, band in enumerate(BANDS):
            for layer, lname in ((THERMOCLINE, "thermocline"), (DEEP, "deep")):
                per_cell[f"dissic_{band}_{lname}"] = (np.array(self.interior[DIC, b, layer]),
                                                      {"units": "mol m-3", "long_name": f"DIC of the {band} {lname} box"})
        return per_cell
