"""Soil and snow hydrology of a land tile: snow pack, infiltration, Richards flow, root uptake.

Layout
------
Every tile has the same soil layers of thicknesses ``dz_m`` (nlayer,),
default :data:`DEFAULT_LAYER_THICKNESS_M` (6 layers, 3 m).  The state is the
volumetric water content ``theta`` (nlayer, ntile), m3 m-3, and the snow
water equivalent ``snow_kg_m2`` (ntile,).  Depths ``z`` are positive
downwards from the surface; fluxes between layers are positive downwards.
Every flux leaving :func:`step` is a mean over the step in kg m-2 s-1
(1 m of water = :data:`DENSITY_WATER_KG_M3` kg m-2).

Physics (one call of :func:`step`, operators applied in this order)
-------------------------------------------------------------------
1. Snow.  Snowfall accumulates; melt follows the degree-day model
   ``M = DDF (T_air - T_melt)+`` (Hock 2003, J. Hydrol. 282, 104-115, whose
   table 1 gives snow DDF of 2.5-11.6 mm d-1 K-1; default 3 mm d-1 K-1 at
   the low, forest/temperate end), limited by the pack.  Rain and melt pass
   through the pack at once (no liquid-water holding capacity).
   :func:`partition_precipitation` splits total precipitation with the
   linear "temperature range" rule (all snow at 0 degC, all rain at 2 degC;
   reviewed by Feiccabrino et al. 2015, Hydrology 2, 266).
2. Evapotranspiration from storage.  Root uptake per layer is the demand,
   limited to the water above the wilting point ``theta_wp`` held at the
   start of the step: ``T_i = min(D_i, (theta_i - theta_wp,i)+ dz_i rho / dt)``.
   Soil evaporation then draws on the top layer, limited to the water that
   is left above the residual (air-dry) content ``theta_res``.  The demands
   come from the canopy and energy schemes, which apply their own smooth
   water-stress factors; this supply limit is the hard floor that keeps
   the soil physical.  Taking ET before the water movement of the same step
   (operator splitting) is what guarantees by construction that uptake
   never takes a layer below the wilting point.
3. Infiltration.  Water reaching the surface ``W = rain + melt +
   irrigation`` infiltrates at most at the top layer's saturated
   conductivity (the late-time Green-Ampt/Philip rate, a lower bound of the
   infiltration capacity); the rest is infiltration-excess (Hortonian)
   runoff.  Water that the top layer cannot hold because it saturates
   during the step becomes saturation-excess runoff (limiter A below), so
   the free pore space limits infiltration as well.
4. Vertical flow (Richards equation, mixed form, 1-D)::

       dz_i d(theta_i)/dt = q_{i-1/2} - q_{i+1/2}
       q = K (1 - d psi / dz)                        (positive downwards)
       psi = -psi_s (theta / theta_s)^(-b)           (Clapp & Hornberger 1978)
       K   = K_sat (theta / theta_s)^(2b + 3)        (Campbell 1974)

   with parameters from :func:`lsm.soil_texture.cosby_1984_parameters`.
   Between layers ``u`` (upper) and ``l`` (lower) with centre distance
   ``dzc``: ``q = K_f [1 + (psi_u - psi_l) / dzc]``.  The face conductivity
   is ``K_f = sqrt(Ksat_u Ksat_l) s_f^c_f`` with ``s_f`` the mean relative
   saturation and ``c_f`` the mean exponent of the two layers; for one
   texture this is the mean-water-content rule of CLM4.5 (Oleson et al.
   2013, NCAR/TN-503+STR, eq. 7.85), which unlike a harmonic or geometric
   mean of the two K values still lets water enter a dry layer below a wet
   one.  Because the flux is written with psi, not theta, it is right across
   texture changes between layers (there theta jumps but psi is continuous).
   The bottom boundary is free drainage (``q = K`` of the bottom layer, a
   unit head gradient) or, as a test option, no flux.

Numerical scheme
----------------
In each sub-step of length ``h`` the fluxes are linearised about the
current state and integrated with backward Euler::

    dz_i dtheta_i / h = q_{i-1/2} + dq/dtheta dtheta - (q_{i+1/2} + dq/dtheta dtheta)

a tridiagonal system in ``dtheta`` solved by the Thomas algorithm, looped
over the layers and vectorised over the tiles (CLM4.5 section 7.4 uses the
same linearisation).  Backward Euler damps every mode of the linearised
diffusion for any step length, so there is no explicit stability limit
(``h < dz^2 / (2D)``, sub-second for a 5 cm layer near saturation where D
reaches 1e-4 m2 s-1).  The linearisation is only one Newton iteration,
though, and with K varying as theta^(2b+3) a long step can overshoot and,
left alone, settle into a limit cycle (found with daily steps on sand).
So the sub-step adapts per tile: the local error of backward Euler is
estimated as half the difference between the backward- and forward-Euler
changes of theta (both after the limiters below); a sub-step whose estimate
exceeds ``substep_tolerance`` (default 5e-3 m3 m-3) is redone with half the
length, an accepted one lets the next double, from ``dt / n_substeps`` down
to ``dt / 2**max_halvings``.  Sub-step lengths are dyadic fractions of the
step, counted in integers, so they add up to the step exactly.  Only the
tiles still integrating are computed in each pass; with 30-minute steps
most tiles take one sub-step.

Conservation is exact by construction: the solve yields the interface
fluxes ``q`` (nlayer+1 of them), and the new state is always
``theta + h (q_top - q_bottom) / dz`` of the final fluxes, so the column
changes exactly by what enters at the top minus what leaves at the bottom.
The overshoots are removed by limiters that only change interface fluxes,
i.e. that move water between neighbouring layers and never create or
delete it:

- A, saturation: excess above ``theta_s`` is pushed upward layer by layer;
  what reaches the top is returned to the surface as saturation-excess
  runoff, at most the water that infiltrated in the sub-step (infiltration
  stays >= 0); any remainder (possible only when the whole column is
  saturated and capillary forces pushed water upward) is pushed down and
  leaves as drainage.
- B, residual: a negative bottom flux from the linearisation is set to 0;
  a layer below ``theta_res`` takes the deficit from the layer below; the
  deficit reaching the bottom first reduces drainage and then is drawn up
  from the nearest layers above that hold water above their residual.
  There is always enough such water because the column started above
  ``sum(theta_res dz)``, only gained infiltration and lost non-negative
  drainage.

Water balance: :func:`step` returns ``balance_residual_kg_m2 = dS - (P +
irrigation - R - D - T - E) dt`` per tile, which is rounding error
(~1e-13 kg m-2).

The residual content ``theta_res`` is the Clapp-Hornberger water content at
a suction of :data:`RESIDUAL_SUCTION_M` (1e4 m, about -100 MPa): the
Kelvin equation ``psi = R T / V_w ln(RH)`` puts soil in equilibrium with air
of 48 % relative humidity at 20 degC there, i.e. air-dry soil.  Keeping
theta above it also bounds |psi| by 1e4 m, so the linearised system stays
well scaled.

Not represented: frozen soil, liquid water in the snow pack and
snow energy balance, lateral (subsurface) runoff and groundwater, ponding,
dew (negative demands), and Ksat decaying with depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lsm.soil_texture import HydraulicParameters, cosby_1984_parameters

__all__ = [
    "DENSITY_WATER_KG_M3",
    "DEFAULT_LAYER_THICKNESS_M",
    "RESIDUAL_SUCTION_M",
    "SoilHydraulics",
    "HydrologyState",
    "HydrologyParameters",
    "HydrologyFluxes",
    "layer_depths_m",
    "partition_precipitation",
    "snow_step",
    "limit_evapotranspiration",
    "matric_potential_m",
    "hydraulic_conductivity_m_s",
    "wfps",
    "water_kg_m2",
    "initial_state",
    "step",
]

#: Density of liquid water, kg m-3 (1 m of water = 1000 kg m-2).
DENSITY_WATER_KG_M3 = 1000.0
#: Default soil layer thicknesses, m (6 layers, 3.0 m), top to bottom.
DEFAULT_LAYER_THICKNESS_M = (0.05, 0.15, 0.30, 0.50, 0.80, 1.20)
#: VIC infiltration shape parameter: calibrated values span 0-0.4 (Liang et al. 1994, J. Geophys. Res. 99,
#: 14415; Wood et al. 1992, J. Geophys. Res. 97, 2717); the middle of that range.
VIC_B = 0.2
#: Suction head of the residual (air-dry) water content, m (~ -100 MPa; module docstring).
RESIDUAL_SUCTION_M = 1.0e4
#: Melting point, K.
T_MELT_K = 273.15
#: All precipitation is snow at or below this air temperature, K (0 degC).
T_ALL_SNOW_K = 273.15
#: All precipitation is rain at or above this air temperature, K (2 degC).
T_ALL_RAIN_K = 275.15
#: Degree-day factor of snow, kg m-2 d-1 K-1 (= mm w.e. d-1 K-1; Hock 2003 table 1: 2.5-11.6).
DEGREE_DAY_FACTOR_MM_DAY_K = 3.0
_SECONDS_PER_DAY = 86400.0


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def layer_depths_m(dz_m) -> np.ndarray:
    """Depths of the layer centres below the surface, m (positive down), shape (nlayer,)."""
    dz = _f64(dz_m)
    return np.cumsum(dz) - 0.5 * dz


# ----------------------------------------------------------------------------
# Parameters and state
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SoilHydraulics:
    """Clapp-Hornberger hydraulic parameters of every layer and tile, each (nlayer, ntile).

    Build it with :meth:`from_texture` or :meth:`from_parameters`.  Units:
    ``theta_*`` m3 m-3, ``psi_s_m`` m (magnitude of the saturated matric
    potential), ``b`` dimensionless, ``ksat_m_s`` m s-1.
    """

    theta_s: np.ndarray
    psi_s_m: np.ndarray
    b: np.ndarray
    ksat_m_s: np.ndarray
    theta_fc: np.ndarray
    theta_wp: np.ndarray
    #: Residual (air-dry) water content, the floor of soil evaporation and drainage, m3 m-3.
    theta_res: np.ndarray

    def __post_init__(self):
        shape = _f64(self.theta_s).shape
        if len(shape) != 2:
            raise ValueError(f"hydraulic parameters must have shape (nlayer, ntile), got {shape}")
        for name in ("theta_s", "psi_s_m", "b", "ksat_m_s", "theta_fc", "theta_wp", "theta_res"):
            v = _f64(getattr(self, name))
            if v.shape != shape:
                raise ValueError(f"{name} has shape {v.shape}, expected {shape}")
            if not np.all(np.isfinite(v)) or np.any(v <= 0.0):
                raise ValueError(f"{name} must be finite and positive")
            object.__setattr__(self, name, v)
        if np.any(self.theta_s > 1.0):
            raise ValueError("theta_s must be <= 1")
        if np.any(self.theta_res > self.theta_wp) or np.any(self.theta_wp >= self.theta_s):
            raise ValueError("need theta_res <= theta_wp < theta_s")

    @property
    def nlayer(self) -> int:
        return self.theta_s.shape[0]

    @property
    def ntile(self) -> int:
        return self.theta_s.shape[1]

    @classmethod
    def from_parameters(cls, params: HydraulicParameters, nlayer: int | None = None,
                        residual_suction_m: float = RESIDUAL_SUCTION_M) -> "SoilHydraulics":
        """From :class:`lsm.soil_texture.HydraulicParameters` of shape (ntile,) or (nlayer, ntile).

        1-D parameters (one texture per tile) are repeated over ``nlayer``
        layers (default: the number of :data:`DEFAULT_LAYER_THICKNESS_M`).
        """
        if residual_suction_m <= 0.0:
            raise ValueError("residual_suction_m must be positive")
        arrays = [_f64(v) for v in params]
        if arrays[0].ndim == 1:
            n = len(DEFAULT_LAYER_THICKNESS_M) if nlayer is None else int(nlayer)
            arrays = [np.repeat(v[None, :], n, axis=0) for v in arrays]
        elif arrays[0].ndim != 2 or (nlayer is not None and arrays[0].shape[0] != nlayer):
            raise ValueError("parameters must have shape (ntile,) or (nlayer, ntile)")
        theta_s, psi_s, b = arrays[0], arrays[1], arrays[2]
        # Same retention curve as theta_fc and theta_wp in soil_texture, at the air-dry suction.
        theta_res = theta_s * (psi_s / residual_suction_m) ** (1.0 / b)
        return cls(*arrays, theta_res=theta_res)

    @classmethod
    def from_texture(cls, sand, clay, nlayer: int | None = None,
                     residual_suction_m: float = RESIDUAL_SUCTION_M) -> "SoilHydraulics":
        """From sand and clay mass fractions (0-1), (ntile,) or (nlayer, ntile), via Cosby et al. (1984)."""
        return cls.from_parameters(cosby_1984_parameters(sand, clay), nlayer, residual_suction_m)


@dataclass
class HydrologyState:
    """Prognostic water of the tiles.

    ``theta``: volumetric soil water content (nlayer, ntile), m3 m-3;
    ``snow_kg_m2``: snow water equivalent (ntile,), kg m-2.
    """

    theta: np.ndarray
    snow_kg_m2: np.ndarray

    def copy(self) -> "HydrologyState":
        return HydrologyState(self.theta.copy(), self.snow_kg_m2.copy())


def initial_state(hydraulics: SoilHydraulics, relative_wetness: float = 1.0,
                  snow_kg_m2=0.0) -> HydrologyState:
    """State with ``theta = theta_wp + relative_wetness (theta_fc - theta_wp)`` (1: field capacity)."""
    h = hydraulics
    theta = h.theta_wp + relative_wetness * (h.theta_fc - h.theta_wp)
    theta = np.clip(theta, h.theta_res, h.theta_s)
    snow = np.broadcast_to(_f64(snow_kg_m2), (h.ntile,)).copy()
    return HydrologyState(theta, snow)


@dataclass(frozen=True)
class HydrologyParameters:
    """Namelist parameters of the hydrology (literature defaults in the module docstring)."""

    #: Degree-day factor of snow melt, kg m-2 s-1 K-1 (3 mm d-1 K-1, Hock 2003).
    degree_day_factor_kg_m2_s_K: float = DEGREE_DAY_FACTOR_MM_DAY_K / _SECONDS_PER_DAY
    #: Air temperature above which snow melts, K.
    melt_temperature_K: float = T_MELT_K
    #: The first (and longest) flow sub-step is ``dt / n_substeps`` (rounded up to a power of 2).
    n_substeps: int = 1
    #: Largest accepted local error estimate of a flow sub-step, m3 m-3 (module docstring).
    substep_tolerance: float = 5.0e-3
    #: Sub-steps are never shorter than ``dt / 2**max_halvings``.
    max_halvings: int = 8
    #: ``"free_drainage"`` (unit gradient) or ``"no_flux"`` (a sealed bottom, for tests).
    bottom_boundary: str = "free_drainage"
    #: Shape of the sub-grid distribution of infiltration capacity (VIC/Xinanjiang ``b``; 0 = uniform).
    infiltration_shape_b: float = VIC_B
    #: Depth of the upper soil whose wetness sets the saturated fraction, m (VIC's upper layers).
    saturated_fraction_depth_m: float = 0.5

    def __post_init__(self):
        if self.bottom_boundary not in ("free_drainage", "no_flux"):
            raise ValueError(f"unknown bottom_boundary {self.bottom_boundary!r}")
        if int(self.n_substeps) != self.n_substeps or self.n_substeps < 1:
            raise ValueError("n_substeps must be a positive integer")
        if not self.substep_tolerance > 0.0:
            raise ValueError("substep_tolerance must be positive")
        if int(self.max_halvings) != self.max_halvings or not 0 <= self.max_halvings <= 40 \
                or 2 ** self.max_halvings < self.n_substeps:
            raise ValueError("max_halvings must be an integer in [0, 40] with 2**max_halvings >= n_substeps")
        if self.degree_day_factor_kg_m2_s_K < 0.0:
            raise ValueError("degree_day_factor_kg_m2_s_K must be >= 0")
        if not 0.0 <= self.infiltration_shape_b <= 5.0:
            raise ValueError("infiltration_shape_b must be in [0, 5]")


@dataclass
class HydrologyFluxes:
    """Fluxes of one step, means over the step in kg m-2 s-1 (all >= 0 unless noted)."""

    snowmelt: np.ndarray
    #: Water entering the soil at the surface.
    infiltration: np.ndarray
    #: Total surface runoff = infiltration excess + saturation excess.
    surface_runoff: np.ndarray
    #: Part of the surface water arriving faster than the top layer's Ksat (Hortonian).
    runoff_infiltration_excess: np.ndarray
    #: Part that could not enter because the top layer was saturated.
    runoff_saturation_excess: np.ndarray
    #: Drainage out of the bottom of the column.
    drainage: np.ndarray
    #: Actual root water uptake by layer (nlayer, ntile).
    transpiration: np.ndarray
    transpiration_total: np.ndarray
    soil_evaporation: np.ndarray
    #: Water flux across the layer interfaces (nlayer+1, ntile), positive DOWNWARDS (signed);
    #: row 0 is the infiltration and row nlayer the drainage.  Leaching uses it.
    vertical_flux: np.ndarray
    #: Water-filled pore space theta / theta_s after the step (nlayer, ntile), dimensionless.
    wfps: np.ndarray
    #: dS - (inputs - outputs) dt per tile, kg m-2: rounding error only.
    balance_residual_kg_m2: np.ndarray

    @property
    def evapotranspiration(self) -> np.ndarray:
        """Transpiration + soil evaporation, kg m-2 s-1."""
        return self.transpiration_total + self.soil_evaporation


# ----------------------------------------------------------------------------
# Constitutive relations
# ----------------------------------------------------------------------------


def _relative_saturation(theta, h: SoilHydraulics) -> np.ndarray:
    # Evaluating at theta_res or above keeps psi finite for any input; valid states never go below.
    return np.maximum(theta, h.theta_res) / h.theta_s


def matric_potential_m(theta, hydraulics: SoilHydraulics) -> np.ndarray:
    """Matric potential (negative), m of water: ``-psi_s (theta/theta_s)^-b`` (Clapp & Hornberger 1978)."""
    s = _relative_saturation(theta, hydraulics)
    return -hydraulics.psi_s_m * s ** (-hydraulics.b)


def hydraulic_conductivity_m_s(theta, hydraulics: SoilHydraulics) -> np.ndarray:
    """Unsaturated conductivity ``Ksat (theta/theta_s)^(2b+3)``, m s-1 (Campbell 1974)."""
    s = _relative_saturation(theta, hydraulics)
    return hydraulics.ksat_m_s * s ** (2.0 * hydraulics.b + 3.0)


def wfps(theta, hydraulics: SoilHydraulics) -> np.ndarray:
    """Water-filled pore space ``theta / theta_s``, dimensionless."""
    return _f64(theta) / hydraulics.theta_s


def water_kg_m2(state: HydrologyState, dz_m) -> np.ndarray:
    """Total column water, soil plus snow, kg m-2, shape (ntile,)."""
    dz = _f64(dz_m)
    return DENSITY_WATER_KG_M3 * np.sum(state.theta * dz[:, None], axis=0) + state.snow_kg_m2


# ----------------------------------------------------------------------------
# Snow and evapotranspiration
# ----------------------------------------------------------------------------


def partition_precipitation(pr_kg_m2_s, tas_K, t_all_snow_K=T_ALL_SNOW_K, t_all_rain_K=T_ALL_RAIN_K):
    """Split precipitation into (rain, snowfall), kg m-2 s-1, with a linear ramp in air temperature.

    The snow fraction is 1 at or below ``t_all_snow_K`` and falls linearly to
    0 at ``t_all_rain_K`` (default 0-2 degC; temperature-range method,
    Feiccabrino et al. 2015).  ``rain + snow == pr`` exactly: rain is
    computed as the remainder.
    """
    pr = _f64(pr_kg_m2_s)
    f_snow = np.clip((t_all_rain_K - _f64(tas_K)) / (t_all_rain_K - t_all_snow_K), 0.0, 1.0)
    snow = pr * f_snow
    return pr - snow, snow


def snow_step(snow_kg_m2, snowfall_kg_m2_s, tas_K, dt_s, params: HydrologyParameters):
    """Accumulate snowfall and melt by degree days; returns (new snow kg m-2, melt kg m-2 s-1).

    ``melt = min(DDF (T - T_melt)+, pack / dt)``: the pack, including this
    step's snowfall, is the limit.  Melt is defined as the storage change, so
    the pack balance closes to rounding.
    """
    pack = _f64(snow_kg_m2) + _f64(snowfall_kg_m2_s) * dt_s
    potential = params.degree_day_factor_kg_m2_s_K * np.maximum(_f64(tas_K) - params.melt_temperature_K, 0.0)
    new = np.where(potential * dt_s >= pack, 0.0, pack - potential * dt_s)
    return new, (pack - new) / dt_s


def limit_evapotranspiration(theta, hydraulics: SoilHydraulics, dz_m, dt_s,
                             transpiration_demand_kg_m2_s, soil_evaporation_demand_kg_m2_s):
    """Supply-limited root uptake per layer and soil evaporation, kg m-2 s-1.

    Uptake from layer i is at most the water above the wilting point,
    ``(theta_i - theta_wp)+ dz_i rho / dt``; soil evaporation takes from
    what the top layer has left above ``theta_res``.  Returns
    ``(transpiration (nlayer, ntile), soil_evaporation (ntile,), theta_after)``
    where ``theta_after`` is the state after both withdrawals.
    """
    h = hydraulics
    dz = _f64(dz_m)[:, None]
    to_rate = DENSITY_WATER_KG_M3 * dz / dt_s
    transp = np.minimum(_f64(transpiration_demand_kg_m2_s), np.maximum(theta - h.theta_wp, 0.0) * to_rate)
    theta_after = theta - transp / to_rate
    evap = np.minimum(_f64(soil_evaporation_demand_kg_m2_s),
                      np.maximum(theta_after[0] - h.theta_res[0], 0.0) * to_rate[0])
    theta_after[0] -= evap / to_rate[0]
    return transp, evap, theta_after


# ----------------------------------------------------------------------------
# Vertical flow
# ----------------------------------------------------------------------------


class _Column:
    """Per-tile parameters of the flow solver, fixed over a step; :meth:`take` selects tiles."""

    def __init__(self, h: SoilHydraulics | None, dz: np.ndarray):
        self.dz = dz[:, None]
        self.inv_dzc = (1.0 / np.diff(layer_depths_m(dz)))[:, None]
        if h is None:
            return
        self.theta_s = h.theta_s
        self.theta_res = h.theta_res
        self.psi_s = h.psi_s_m
        self.b = h.b
        self.c = 2.0 * h.b + 3.0
        self.ksat = h.ksat_m_s
        self.c_face = 0.5 * (self.c[:-1] + self.c[1:])
        self.ksat_face = np.sqrt(h.ksat_m_s[:-1] * h.ksat_m_s[1:])
        self.half_inv_theta_s = 0.5 / h.theta_s

    _TILE_FIELDS = ("theta_s", "theta_res", "psi_s", "b", "c", "ksat", "c_face", "ksat_face",
                    "half_inv_theta_s")

    def take(self, idx: np.ndarray) -> "_Column":
        sub = _Column(None, self.dz[:, 0])
        for name in self._TILE_FIELDS:
            setattr(sub, name, getattr(self, name)[:, idx])
        return sub


def _richards_substep(theta, q_top_m_s, col: _Column, dt, free_drainage: bool):
    """One linearised backward-Euler sub-step of length ``dt`` (s, per tile).

    Returns (interface fluxes q (nlayer+1, ntile) m s-1 after the limiters,
    saturation-excess runoff m s-1, error estimate m3 m-3).  The caller forms
    the new state from q.  The error estimate is half the largest difference
    between the backward- and forward-Euler changes of theta, the leading
    local truncation error of backward Euler (h^2/2 |d2theta/dt2|); both
    changes are taken after the limiters, so a layer held at saturation by
    limiter A (a perched water table) does not count as an error.
    """
    n, ntile = theta.shape
    theta_e = np.maximum(theta, col.theta_res)
    s = theta_e / col.theta_s
    log_s = np.log(s)
    psi = -col.psi_s * np.exp(-col.b * log_s)
    dpsi = -col.b * psi / theta_e                     # d psi / d theta > 0

    # Interior faces 1..n-1 (between layer i-1 above and i below).
    s_f = 0.5 * (s[:-1] + s[1:])
    k_f = col.ksat_face * np.exp(col.c_face * np.log(s_f))
    dk_ds = col.c_face * k_f / s_f
    grad = 1.0 + (psi[:-1] - psi[1:]) * col.inv_dzc
    q = np.empty((n + 1, ntile))
    dq_up = np.zeros((n + 1, ntile))                  # d q_face / d theta of the layer above the face
    dq_lo = np.zeros((n + 1, ntile))                  # ... of the layer below
    q[0] = q_top_m_s
    q[1:n] = k_f * grad
    dq_up[1:n] = dk_ds * col.half_inv_theta_s[:-1] * grad + k_f * dpsi[:-1] * col.inv_dzc
    dq_lo[1:n] = dk_ds * col.half_inv_theta_s[1:] * grad - k_f * dpsi[1:] * col.inv_dzc
    if free_drainage:
        k_bot = col.ksat[-1] * np.exp(col.c[-1] * log_s[-1])
        q[n] = k_bot
        dq_up[n] = col.c[-1] * k_bot / theta_e[-1]
    else:
        q[n] = 0.0

    # dz/dt dth_i = (q_i + dq_up_i dth_{i-1} + dq_lo_i dth_i) - (q_{i+1} + dq_up_{i+1} dth_i + dq_lo_{i+1} dth_{i+1})
    dz_dt = col.dz / dt
    lower = -dq_up[:n]
    diag = dz_dt - dq_lo[:n] + dq_up[1:]
    upper = dq_lo[1:]
    rhs = q[:n] - q[1:]
    # Thomas algorithm over layers, vectorised over tiles.
    cp = np.empty((n, ntile))
    rp = np.empty((n, ntile))
    cp[0] = upper[0] / diag[0]
    rp[0] = rhs[0] / diag[0]
    for i in range(1, n):
        m = 1.0 / (diag[i] - lower[i] * cp[i - 1])
        cp[i] = upper[i] * m
        rp[i] = (rhs[i] - lower[i] * rp[i - 1]) * m
    dth = np.empty((n, ntile))
    dth[-1] = rp[-1]
    for i in range(n - 2, -1, -1):
        dth[i] = rp[i] - cp[i] * dth[i + 1]

    # Forward-Euler fluxes, limited like the backward-Euler ones, for the error estimate.
    q_fe = q.copy()
    _limit_fluxes(theta, q_fe, col, dt, free_drainage)
    # Fluxes at the end of the sub-step; only these (never dth) define the new state.
    q[1:n] += dq_up[1:n] * dth[:-1] + dq_lo[1:n] * dth[1:]
    if free_drainage:
        q[n] += dq_up[n] * dth[-1]
    sat_runoff = _limit_fluxes(theta, q, col, dt, free_drainage)
    dq = (q[:-1] - q_fe[:-1]) - (q[1:] - q_fe[1:])
    err = 0.5 * dt * np.max(np.abs(dq) / col.dz, axis=0)
    return q, sat_runoff, err


def _integrate_flow(theta, q_top, col: _Column, dt_s: float, params: "HydrologyParameters"):
    """Integrate the vertical flow over ``dt_s`` with per-tile adaptive sub-steps.

    Sub-steps are ``dt_s / 2^k`` (at most ``dt_s / n_substeps``).  A sub-step
    whose error estimate exceeds ``substep_tolerance`` is rejected and
    halved, one that passes lets the next one double; a sub-step at the
    finest level ``k = max_halvings`` is accepted regardless (the limiters
    still keep it bounded and conservative).  Time is counted in integer
    units of the finest sub-step, so the sub-steps add up to ``dt_s``
    exactly.  Only tiles still integrating are computed in each pass.

    Returns (theta, time-integrated interface fluxes (nlayer+1, ntile) m,
    time-integrated saturation-excess runoff (ntile,) m).
    """
    n, ntile = theta.shape
    free = params.bottom_boundary == "free_drainage"
    levels = int(params.max_halvings)
    unit = dt_s / 2.0 ** levels                       # finest sub-step, s
    first = int(np.ceil(np.log2(params.n_substeps)))
    remaining = np.full(ntile, 2 ** levels, dtype=np.int64)
    longest = 2 ** (levels - first)
    size = np.full(ntile, longest, dtype=np.int64)
    q_int = np.zeros((n + 1, ntile))
    sat_int = np.zeros(ntile)
    theta = theta.copy()
    idx = np.arange(ntile)
    sub = col
    while idx.size:
        units = np.minimum(size[idx], remaining[idx])
        h = units * unit
        th = theta[:, idx]
        q, sat, err = _richards_substep(th, q_top[idx], sub, h, free)
        ok = (err <= params.substep_tolerance) | (units == 1)
        if ok.all():
            acc, q_acc, h_acc = idx, q, h
            theta[:, idx] = th + h * (q[:-1] - q[1:]) / col.dz
        else:
            acc, q_acc, h_acc = idx[ok], q[:, ok], h[ok]
            theta[:, acc] = th[:, ok] + h_acc * (q_acc[:-1] - q_acc[1:]) / col.dz
        q_int[:, acc] += q_acc * h_acc
        sat_int[acc] += sat[ok] * h_acc
        remaining[acc] -= units[ok]
        size[idx] = np.where(ok, np.minimum(2 * units, longest), np.maximum(units // 2, 1))
        busy = remaining[idx] > 0
        if not busy.all():
            idx = idx[busy]
            sub = col.take(idx)
    return theta, q_int, sat_int


def _limit_fluxes(theta, q, col: _Column, dt, free_drainage: bool):
    """Adjust interface fluxes q in place so that theta_res <= theta + dt (q_i - q_{i+1}) / dz <= theta_s.

    Each adjustment moves water across one interface, so the column total
    only changes through q[0] and q[n]; returns the saturation-excess runoff
    (m s-1) taken off the infiltration.  Only the tiles that need a limiter
    are touched, so the cost scales with them.
    """
    ntile = theta.shape[1]
    dz = col.dz
    vol = theta * dz + dt * (q[:-1] - q[1:])               # water per layer, m
    runoff = np.zeros(ntile)
    vol_s = col.theta_s * dz
    over = np.flatnonzero(np.any(vol > vol_s, axis=0))
    if over.size:
        q_o, vol_o = q[:, over], vol[:, over]
        runoff[over] = _remove_excess(q_o, vol_o, vol_s[:, over], dt[over] if np.ndim(dt) else dt,
                                      free_drainage)
        q[:, over], vol[:, over] = q_o, vol_o
    vol_r = col.theta_res * dz
    under = np.flatnonzero(np.any(vol < vol_r, axis=0) | (q[-1] < 0.0))
    if under.size:
        q_u = q[:, under]
        _fill_deficit(q_u, vol[:, under], vol_r[:, under], dt[under] if np.ndim(dt) else dt)
        q[:, under] = q_u
    return runoff


def _remove_excess(q, vol, vol_s, dt, free_drainage: bool):
    """Limiter A on a subset of tiles (q, vol modified in place); returns saturation-excess runoff, m s-1."""
    n = vol.shape[0]
    # Excess above saturation moves up, layer by layer.
    for i in range(n - 1, 0, -1):
        e = np.maximum(vol[i] - vol_s[i], 0.0)
        vol[i] -= e
        vol[i - 1] += e
        q[i] -= e / dt
    # At the top it runs off, but never more than infiltrated (infiltration stays >= 0) ...
    e = np.maximum(vol[0] - vol_s[0], 0.0)
    q_top = np.where(e >= q[0] * dt, 0.0, q[0] - e / dt)   # exactly 0, not -1 ulp
    runoff = q[0] - q_top
    vol[0] -= runoff * dt
    q[0] = q_top
    # ... and the rest, if any, goes back down and leaves with the drainage.
    for i in range(n - 1):
        e = np.maximum(vol[i] - vol_s[i], 0.0)
        vol[i] -= e
        vol[i + 1] += e
        q[i + 1] += e / dt
    if free_drainage:
        e = np.maximum(vol[-1] - vol_s[-1], 0.0)
        vol[-1] -= e
        q[-1] += e / dt
    # (A sealed column can only be left with rounding error here: it cannot hold more than it
    # held before plus what infiltrated, and the excess at the top returns all of that.)
    return runoff


def _fill_deficit(q, vol, vol_r, dt):
    """Limiter B on a subset of tiles (q, vol modified in place): no layer below the residual."""
    n = vol.shape[0]
    # A negative drainage (inflow through the bottom) is an artefact of the linearisation.
    inflow = np.minimum(q[n], 0.0)
    vol[-1] += inflow * dt
    q[n] -= inflow
    # A layer short of water takes it from the layer below ...
    for i in range(n - 1):
        d = np.maximum(vol_r[i] - vol[i], 0.0)
        vol[i] += d
        vol[i + 1] -= d
        q[i + 1] -= d / dt
    # ... the bottom layer from the drainage ...
    d = np.maximum(vol_r[-1] - vol[-1], 0.0)
    short = d >= q[n] * dt
    deficit = np.where(short, d - q[n] * dt, 0.0)
    q[n] = np.where(short, 0.0, q[n] - d / dt)
    # ... and what is still missing comes down from the nearest layers above with water to spare.
    if np.any(deficit > 0.0):
        for j in range(n - 2, -1, -1):
            q[j + 1] += deficit / dt
            take = np.minimum(deficit, np.maximum(vol[j] - vol_r[j], 0.0))
            vol[j] -= take
            deficit = deficit - take


# ----------------------------------------------------------------------------
# The step
# ----------------------------------------------------------------------------


def saturated_fraction(theta, hydraulics, dz, params):
    """Saturated fraction of a tile, 0-1, from the wetness of its upper soil (VIC; Wood et al. 1992).

    Infiltration capacity varies within a tile with a distribution of shape
    ``b``; the saturated area is ``1 - (1 - S)^(b / (1 + b))`` with ``S`` the
    relative wetness (between residual and saturated contents) of the soil
    above ``saturated_fraction_depth_m`` (Liang et al. 1994, eq. 14 with the
    storage written as a wetness).  Rain and melt falling on it run off.
    """
    b = params.infiltration_shape_b
    if b == 0.0:
        return np.zeros(theta.shape[1])
    top = np.cumsum(dz) - dz < params.saturated_fraction_depth_m
    w = dz[top, None]
    s = np.sum((theta[top] - hydraulics.theta_res[top]) * w, axis=0) \
        / np.sum((hydraulics.theta_s[top] - hydraulics.theta_res[top]) * w, axis=0)
    return 1.0 - (1.0 - np.clip(s, 0.0, 1.0)) ** (b / (1.0 + b))


def _nonneg(name, x, shape):
    a = np.broadcast_to(_f64(x), shape)
    if not np.all(a >= 0.0):                              # also catches NaN
        raise ValueError(f"{name} must be >= 0 and not NaN")
    return a


def step(state: HydrologyState, hydraulics: SoilHydraulics, dz_m, dt_s: float,
         rain_kg_m2_s, snowfall_kg_m2_s, irrigation_kg_m2_s, tas_K,
         transpiration_demand_kg_m2_s, soil_evaporation_demand_kg_m2_s,
         params: HydrologyParameters = HydrologyParameters()) -> HydrologyFluxes:
    """Advance the water of all tiles by ``dt_s`` seconds; returns the step's fluxes.

    Inputs (broadcast to (ntile,) unless noted), all >= 0:
    ``rain_kg_m2_s``, ``snowfall_kg_m2_s``, ``irrigation_kg_m2_s`` (kg m-2 s-1),
    ``tas_K`` near-surface air temperature (K), ``transpiration_demand_kg_m2_s``
    per layer (nlayer, ntile), ``soil_evaporation_demand_kg_m2_s``.

    ``state.theta`` and ``state.snow_kg_m2`` are REPLACED by new arrays (the
    old arrays are left untouched, so a caller may keep them).  The state
    must start within ``[theta_res, theta_s]``.
    """
    h = hydraulics
    dz = _f64(dz_m)
    theta0 = _f64(state.theta)
    n, ntile = theta0.shape
    if (n, ntile) != h.theta_s.shape or dz.shape != (n,):
        raise ValueError(f"theta {theta0.shape}, hydraulics {h.theta_s.shape} and dz {dz.shape} disagree")
    if not dt_s > 0.0:
        raise ValueError("dt_s must be positive")
    tile = (ntile,)
    rain = _nonneg("rain_kg_m2_s", rain_kg_m2_s, tile)
    snowfall = _nonneg("snowfall_kg_m2_s", snowfall_kg_m2_s, tile)
    irrigation = _nonneg("irrigation_kg_m2_s", irrigation_kg_m2_s, tile)
    t_demand = _nonneg("transpiration_demand_kg_m2_s", transpiration_demand_kg_m2_s, (n, ntile))
    e_demand = _nonneg("soil_evaporation_demand_kg_m2_s", soil_evaporation_demand_kg_m2_s, tile)
    tas = np.broadcast_to(_f64(tas_K), tile)
    water_before = water_kg_m2(state, dz)

    # 1. Snow.
    snow, melt = snow_step(state.snow_kg_m2, snowfall, tas, dt_s, params)

    # 2. Evapotranspiration from storage (before redistribution: see module docstring).
    transp, evap, theta = limit_evapotranspiration(theta0, h, dz, dt_s, t_demand, e_demand)

    # 3. Water on the saturated part of the tile runs off; elsewhere infiltration capacity = Ksat of the top layer.
    surface_water = rain + melt + irrigation
    saturated_area_runoff = surface_water * saturated_fraction(theta, h, dz, params)
    reaching_soil = surface_water - saturated_area_runoff
    infil_potential = np.minimum(reaching_soil, DENSITY_WATER_KG_M3 * h.ksat_m_s[0])
    hortonian = reaching_soil - infil_potential
    q_top = infil_potential / DENSITY_WATER_KG_M3

    # 4. Richards flow in adaptive sub-steps.
    theta, q_int, sat_int = _integrate_flow(theta, q_top, _Column(h, dz), dt_s, params)
    q_mean = q_int * (DENSITY_WATER_KG_M3 / dt_s)       # kg m-2 s-1

    infiltration = q_mean[0]
    saturation_excess = sat_int * (DENSITY_WATER_KG_M3 / dt_s) + saturated_area_runoff
    drainage = q_mean[n]
    state.theta = theta
    state.snow_kg_m2 = snow

    transp_total = transp.sum(axis=0)
    runoff = hortonian + saturation_excess
    balance = (water_kg_m2(state, dz) - water_before) - dt_s * (
        rain + snowfall + irrigation - runoff - drainage - transp_total - evap)
    return HydrologyFluxes(
        snowmelt=melt,
        infiltration=infiltration,
        surface_runoff=runoff,
        runoff_infiltration_excess=hortonian,
        runoff_saturation_excess=saturation_excess,
        drainage=drainage,
        transpiration=transp,
        transpiration_total=transp_total,
        soil_evaporation=evap,
        vertical_flux=q_mean,
        wfps=theta / h.theta_s,
        balance_residual_kg_m2=balance,
    )
