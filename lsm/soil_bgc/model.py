"""The soil model of the land component: drivers from the physics and vegetation, state, spin-up.

:class:`SoilModel` holds the soil pools of every tile (one bulk layer of the
top metre, :mod:`lsm.soil_bgc.pools`), builds the drivers of
:func:`lsm.soil_bgc.column.step` from the land's soil physics and
vegetation fluxes, and keeps what the land's books, restart, history and
spin-up (:mod:`lsm.soil_bgc.spinup`) need.  The land component calls :meth:`step` once per
coupling interval, after the vegetation.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import hydrology
from . import column
from .mycorrhiza import mixed_parameters
from .nitrogen import DEFAULT_SOIL_PH
from .nitrogen_inputs import biological_n_fixation
from .pools import C_ROWS, N_ROWS, SoilState
from .spinup import DriverRecord, integrate

__all__ = ["SoilModel", "SoilStep", "cold_start"]

SECONDS_PER_YEAR = 365.0 * 86400.0
DENSITY_WATER = 1000.0
#: Time scale of the running mean NPP that sets biological N fixation, s (one year).
NPP_MEAN_TIME_S = SECONDS_PER_YEAR


class SoilStep(NamedTuple):
    """What one step gives back to the land, per tile."""

    #: Heterotrophic respiration (all CO2 from the soil model), kg C m-2 s-1.
    rh: np.ndarray
    #: Plant N uptake over the step, kg N m-2.
    plant_n_uptake: np.ndarray
    fluxes: column.SoilFluxes
    #: Deposition and fixation over the step, kg N m-2.
    deposition_n: np.ndarray
    fixation_n: np.ndarray


def cold_start(ntile: int, soil_c_kg_m2: float, vegetated=None) -> SoilState:
    """A state with ``soil_c_kg_m2`` of organic C laid out as a mature soil would hold it.

    90 % mineral-associated (a third of it strongly bound), 4 % recalcitrant litter, 2 % aggregate-occluded,
    1.5 % microbial biomass at its C:N, enzymes a 0.5 % of the biomass split
    evenly, the rest labile litter and DOM, each at the C:N of :data:`COLD_START_CN`;
    mineral N 1 g N m-2 as NH4+ and NO3-.  Tiles where ``vegetated`` (bool per tile; default all) is False
    get no organic matter, the steady state of a soil without litter: organic matter laid there is
    decomposed for centuries without a source, its N left as a mineral N pile (bare ground held 213 Pg C
    and 6,000 Tg of mineral N in the spin-up of 2026-11).  Only a start: the spin-up finds the steady state.
    """
    from .microbes import THETA_B

    s = SoilState.zeros(ntile)
    c = float(soil_c_kg_m2) * (np.ones(ntile) if vegetated is None else np.asarray(vegetated, dtype=float))
    shares = {"maom": 0.6, "maom_stable": 0.3, "litter_recalcitrant": 0.04, "aggregate": 0.02, "microbes_active": 0.015,
              "litter_labile": 0.02, "dom": 0.005}
    for pool, share in shares.items():
        s.c(pool)[:] = share * c
        s.n(pool)[:] = share * c / (THETA_B if pool == "microbes_active" else COLD_START_CN[pool])
    for pool in ("enzyme_labile", "enzyme_recalcitrant"):
        s.c(pool)[:] = 0.0025 * shares["microbes_active"] * c
        s.n(pool)[:] = s.c(pool) / THETA_B
    s.n("nh4")[:] = 0.5e-3
    s.n("no3")[:] = 0.5e-3
    return s


#: C:N of the cold start's pools, near the spun-up model's (2026-11: mineral-associated 13.5, free labile litter
#: 43, recalcitrant litter and occluded particulate matter 130, DOM 17) and within the observed ranges (MAOM
#: 8-14, particulate matter 15-40 under grass and 30-100+ under forest; Cotrufo et al. 2019, Nat. Geosci. 12,
#: 989).  A cold start at C:N 10 throughout held 230 g N m-2 more than the steady state, which mineralisation
#: set free and the spin-up left behind as a mineral N pile in soils that lose little N (cold, dry).
COLD_START_CN = {"maom": 13.5, "maom_stable": 13.5, "litter_recalcitrant": 100.0, "aggregate": 100.0,
                 "litter_labile": 40.0, "dom": 17.0}


class SoilModel:
    """Soil pools and drivers of the land's tiles (see the module docstring)."""

    def __init__(self, state: SoilState, *, ecm_fraction, sand, clay, params: column.SoilBgcParameters,
                 nlayer_top: int, dz, ph=DEFAULT_SOIL_PH):
        self.state = state
        self.params = params
        self.mycorrhiza = mixed_parameters(ecm_fraction)
        self.fines = 1.0 - np.asarray(sand, dtype=float)
        self.clay = np.asarray(clay, dtype=float)
        #: Topsoil pH of each tile for nitrification (:func:`lsm.soil_ph.climatological_soil_ph`).
        self.ph = np.broadcast_to(np.asarray(ph, dtype=float), self.clay.shape).copy()
        dz = np.asarray(dz, dtype=float)
        if abs(dz[:nlayer_top].sum() - column.SOIL_LAYER_DEPTH_M) > 1e-9:
            raise ValueError(f"the top {nlayer_top} soil layers must span {column.SOIL_LAYER_DEPTH_M} m")
        self.nlayer = nlayer_top
        self.weights = (dz[:nlayer_top] / dz[:nlayer_top].sum())[:, None]
        # share of each layer's thickness within the topsoil, over the topsoil's depth
        top = np.clip(column.TOPSOIL_DEPTH_M - (np.cumsum(dz[:nlayer_top]) - dz[:nlayer_top]), 0.0, dz[:nlayer_top])
        self.topsoil_weights = (top / top.sum())[:, None]
        self.dz_top = dz[:nlayer_top, None]
        self.npp_annual = np.zeros(state.values.shape[1])
        # Clapp-Hornberger hydraulics of the tiles' texture (the same in every layer) for the water potential
        hyd = hydrology.SoilHydraulics.from_texture(np.asarray(sand, dtype=float), self.clay, nlayer=1)
        self.psi_sat_m, self.clapp_b = hyd.psi_s_m[0], hyd.b[0]
        #: Layer-mean liquid water at the end of the previous step, m3 m-3 (wetting rate of the Birch effect;
        #: a restart variable).  NaN until the first step or :meth:`set_previous_theta`: no wetting then.
        self.theta_previous = np.full(state.values.shape[1], np.nan)
        self.sasu: DriverRecord | None = None
        #: 13C and 14C of the carbon variables, ``(2, ncarbon, ntile)`` kg m-2, or None without isotopes
        #: (:mod:`lsm.soil_bgc.isotopes`).
        self.shadow: np.ndarray | None = None

    def bulk_theta(self, theta) -> np.ndarray:
        """Liquid water of the soil model's layer, m3 m-3: the thickness-weighted mean of the top layers of
        ``theta`` (``(nlayer, ntile)``)."""
        return np.sum(self.weights * theta[:self.nlayer], axis=0)

    def set_previous_theta(self, theta) -> None:
        """Take the layers' water ``theta`` (``(nlayer, ntile)``) as the previous step's (start of a run)."""
        self.theta_previous = self.bulk_theta(theta)

    def step(self, dt: float, veg_fluxes, root_c, plant_n_demand, t_soil_k, theta, porosity,
             vertical_flux, n_deposition, litter_iso=None, n_fertiliser=(0.0, 0.0),
             plant_n_net_export=0.0) -> SoilStep:
        """One step: drivers from the layers' physics (``(nlayer, ntile)`` arrays), the vegetation, the
        N deposition from the atmosphere and the mineral fertiliser ``(NH4+, NO3-)`` (kg N m-2 s-1);
        ``plant_n_net_export``: the plants' N removed by harvest less what legumes fix, kg N m-2 s-1 (for the
        spin-up's record)."""
        k = self.nlayer
        vf = veg_fluxes
        decay = np.exp(-dt / NPP_MEAN_TIME_S)
        self.npp_annual = self.npp_annual * decay + vf.npp * (1.0 - decay)
        fixation = biological_n_fixation(self.npp_annual)
        theta_top = theta[:k]
        theta_bulk = self.bulk_theta(theta)
        theta_previous = np.where(np.isfinite(self.theta_previous), self.theta_previous, theta_bulk)
        drivers = column.SoilDrivers(
            # the wood of the structural litter lies as coarse woody debris until it fragments
            litter_met_c=vf.litter_met_c, litter_met_n=vf.litter_met_n,
            litter_str_c=vf.litter_str_c - vf.litter_wood_c, litter_str_n=vf.litter_str_n - vf.litter_cwd_n,
            litter_cwd_c=vf.litter_wood_c, litter_cwd_n=vf.litter_cwd_n,
            n_deposition=n_deposition, n_fixation=fixation,
            t_soil_k=np.sum(self.weights * t_soil_k[:k], axis=0),
            theta=theta_bulk,
            porosity=np.sum(self.weights * porosity[:k], axis=0),
            drainage=np.maximum(vertical_flux[k], 0.0),
            water_kg_m2=np.sum(theta_top * self.dz_top, axis=0) * DENSITY_WATER,
            fines=self.fines, clay=self.clay, root_c=root_c, plant_n_demand=plant_n_demand,
            mycorrhiza=self.mycorrhiza, theta_previous=theta_previous, psi_sat_m=self.psi_sat_m,
            clapp_b=self.clapp_b, ph=self.ph, theta_topsoil=np.sum(self.topsoil_weights * theta_top, axis=0),
            n_fertiliser_nh4=np.broadcast_to(np.asarray(n_fertiliser[0], dtype=float), theta_bulk.shape),
            n_fertiliser_no3=np.broadcast_to(np.asarray(n_fertiliser[1], dtype=float), theta_bulk.shape),
            plant_n_net_export=np.broadcast_to(np.asarray(plant_n_net_export, dtype=float), theta_bulk.shape))
        if self.shadow is not None:
            drivers = drivers._replace(litter_met_iso=litter_iso[0], litter_str_iso=litter_iso[1] - litter_iso[2],
                                       litter_cwd_iso=litter_iso[2])
        f = column.step(self.state, drivers, dt, self.params, shadow=self.shadow)
        self.theta_previous = theta_bulk
        if self.sasu is not None:
            self.sasu.add(drivers, dt)
        uptake = f.plant_nh4 + f.plant_no3 + f.plant_don
        return SoilStep(f.respiration_c / dt, uptake, f, n_deposition * dt, f.fixation_n)

    # ------------------------------------------------------------------ books
    def carbon_kg_m2(self) -> np.ndarray:
        return self.state.values[C_ROWS].sum(axis=0)

    def nitrogen_kg_m2(self) -> np.ndarray:
        return self.state.values[N_ROWS].sum(axis=0)

    # ------------------------------------------------------------------ spin-up
    def sasu_begin(self) -> None:
        """Start recording the daily drivers of a spin-up cycle for :meth:`sasu_apply`."""
        self.sasu = DriverRecord()

    def sasu_apply(self, years: int, step_s: float, steady_litter_c=None) -> tuple[np.ndarray, np.ndarray]:
        """Integrate the soil alone for ``years`` repetitions of the recorded cycle at steps of ``step_s``.

        See :mod:`lsm.soil_bgc.spinup`.  Returns the soil C and N change per
        column, kg m-2, which the land books as a spin-up term (the offline
        years' inputs and losses are not part of the coupled run).  With
        isotopes the shadows go through the offline years too (recorded litter
        13C and 14C, 14C decaying); the land books their change alike.
        ``steady_litter_c`` (kg C m-2 per column over the cycle), when given,
        is the litter of a steady vegetation, to which larger recorded litter
        is lowered (:meth:`DriverRecord.steady_vegetation_litter`).
        """
        record, self.sasu = self.sasu, None
        if record is None or record.days == 0:
            raise RuntimeError("sasu_apply() needs sasu_begin() and at least one step")
        if steady_litter_c is not None:
            record.steady_vegetation_litter(steady_litter_c)
        before_c, before_n = self.carbon_kg_m2(), self.nitrogen_kg_m2()
        integrate(self.state, record, self.params, years, step_s, shadow=self.shadow)
        return self.carbon_kg_m2() - before_c, self.nitrogen_kg_m2() - before_n
