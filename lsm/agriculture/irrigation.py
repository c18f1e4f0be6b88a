"""Irrigation demand of the crop tiles, after CLM5 (SCIENCE.md section 4).

The scheme is CLM5's (Lawrence et al. 2018, CLM5 Technical Note, irrigation
chapter, and ``IrrigationMod.F90`` of CTSM with its default namelist), a
soil-moisture-deficit demand in the manner of Ozdogan et al. (2010, J.
Hydrometeorol. 11, 171), evaluated in CLM4 by Leng et al. (2013, J. Geophys.
Res. Atmos. 118, 9789):

1. Once a day, in the step that contains 06:00 local solar time
   (``irrig_start_time`` = 21600 s; local time is UTC + longitude / 15 h),
   every tile in its growing season with no irrigation under way checks its
   root zone, the top ``irrig_depth`` = 0.6 m of soil (a layer that reaches
   below counts with the fraction of its thickness above 0.6 m).
2. Per layer the target water content is that at the matric potential
   ``irrig_target_smp`` = -3400 mm (about field capacity; the Clapp-Hornberger
   curve of :mod:`lsm.hydrology`, capped at saturation) and the wilting point
   that at -150000 mm (CLM5's ``wilting_point_smp``, as
   :data:`lsm.soil_texture.WILTING_POINT_SUCTION_M`).  Summed over the root
   zone they give ``W_target`` and ``W_wilt`` (kg m-2); the soil holds ``W``.
3. If ``W < W_wilt + f (W_target - W_wilt)`` with ``f`` =
   ``irrig_threshold_fraction`` = 1 (irrigate whenever below target), the
   deficit ``D = W_target - W`` is scheduled, at most ``max_irrigation_mm_day``
   (CLM5 has no such cap; default 20 mm d-1, the top of the 8-20 mm d-1
   design capacity of centre-pivot systems, so that the cap binds only when
   a large deficit has built up; Agriculture Victoria, Victorian Resources
   Online, "Efficient irrigation design", step 4.2.2.1), times the
   irrigated share of the tile ``irrigated_fraction`` (default 1).
4. The scheduled water is applied at a constant rate over ``irrig_length`` =
   4 h from the start of that step: a step of length ``dt`` applies
   ``remaining min(dt, t_left) / t_left``, so the water delivered is exactly
   the amount scheduled whatever the step.  CLM5 starts in the step after
   the check only because of the order of its driver; here the check and
   the start share a step, so the flux goes straight to
   :func:`lsm.hydrology.step` (``irrigation_kg_m2_s``, mean over the step).

Like CLM5, a layer at or below freezing ends the root zone (it and every
layer below are skipped) when soil temperatures are given.  Water comes
from outside the column (no river or aquifer limit here); the caller books
it as an input.  State is :class:`IrrigationState`, two arrays per tile
(:data:`STATE_VARIABLES`).  SI units inside (kg m-2, m, s); hours and mm
d-1 at the namelist edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lsm.hydrology import DENSITY_WATER_KG_M3, SoilHydraulics
from lsm.soil_texture import WILTING_POINT_SUCTION_M

__all__ = [
    "STATE_VARIABLES",
    "IrrigationParameters",
    "IrrigationState",
    "IrrigationStep",
    "RootZoneWater",
    "root_zone_weights",
    "water_content_at_suction",
    "local_solar_time_s",
    "check_due",
    "root_zone_water",
    "step",
]

SECONDS_PER_DAY = 86400.0
SECONDS_PER_HOUR = 3600.0
#: Freezing point of soil water, K (CLM5's SHR_CONST_TKFRZ).
T_FREEZE_K = 273.15


@dataclass(frozen=True)
class IrrigationParameters:
    """Namelist parameters of irrigation; defaults are CLM5's (module docstring) unless noted."""

    #: Depth of the root zone whose water is checked, m (CLM5 ``irrig_depth``).
    root_zone_depth_m: float = 0.6
    #: Suction of the target water content, m (CLM5 ``irrig_target_smp`` = -3400 mm).
    target_suction_m: float = 3.4
    #: Suction of the wilting point, m (CLM5 ``wilting_point_smp`` = -150000 mm).
    wilting_suction_m: float = WILTING_POINT_SUCTION_M
    #: Irrigate below ``W_wilt + f (W_target - W_wilt)`` (CLM5 ``irrig_threshold_fraction``).
    threshold_fraction: float = 1.0
    #: Local solar hour of the daily check, h (CLM5 ``irrig_start_time`` = 21600 s).
    start_local_hour: float = 6.0
    #: Hours over which a day's irrigation is applied (CLM5 ``irrig_length`` = 14400 s).
    application_hours: float = 4.0
    #: Largest irrigation of a day, mm d-1 (= kg m-2 per daily event; centre-pivot design capacity 8-20 mm d-1).
    max_irrigation_mm_day: float = 20.0
    #: Share of the tile's area that is irrigated, 0-1: the tile receives this share of the water its root
    #: zone lacks (a tile-mean of irrigated and rain-fed fields; 1 = CLM5's irrigated crop tiles).
    irrigated_fraction: float = 1.0

    def __post_init__(self):
        if not self.root_zone_depth_m > 0.0:
            raise ValueError("root_zone_depth_m must be positive")
        if not 0.0 < self.target_suction_m < self.wilting_suction_m:
            raise ValueError("need 0 < target_suction_m < wilting_suction_m")
        if not 0.0 <= self.threshold_fraction <= 1.0:
            raise ValueError("threshold_fraction must be in [0, 1]")
        if not 0.0 <= self.start_local_hour < 24.0:
            raise ValueError("start_local_hour must be in [0, 24)")
        if not 0.0 < self.application_hours <= 24.0:
            raise ValueError("application_hours must be in (0, 24]")
        if not self.max_irrigation_mm_day >= 0.0:
            raise ValueError("max_irrigation_mm_day must be >= 0")
        if not 0.0 <= self.irrigated_fraction <= 1.0:
            raise ValueError("irrigated_fraction must be in [0, 1]")

    @property
    def start_local_time_s(self) -> float:
        """Local solar time of the daily check, s after midnight."""
        return self.start_local_hour * SECONDS_PER_HOUR

    @property
    def application_s(self) -> float:
        """Duration of a day's irrigation, s."""
        return self.application_hours * SECONDS_PER_HOUR

    @property
    def max_kg_m2_per_event(self) -> float:
        """Largest water of one (daily) event, kg m-2 (1 mm = 1 kg m-2)."""
        return self.max_irrigation_mm_day


#: Restart variables of :class:`IrrigationState`: (name, units, description), each of shape (ntile,).
STATE_VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("remaining_kg_m2", "kg m-2", "irrigation water scheduled but not yet applied"),
    ("seconds_left", "s", "time left to apply the remaining water"),
)


@dataclass
class IrrigationState:
    """Irrigation under way on each tile; fields (ntile,), see :data:`STATE_VARIABLES`."""

    remaining_kg_m2: np.ndarray
    seconds_left: np.ndarray

    @classmethod
    def zeros(cls, ntile: int) -> "IrrigationState":
        return cls(np.zeros(ntile), np.zeros(ntile))

    @property
    def ntile(self) -> int:
        return len(self.seconds_left)

    def copy(self) -> "IrrigationState":
        return IrrigationState(self.remaining_kg_m2.copy(), self.seconds_left.copy())


class RootZoneWater(NamedTuple):
    """Root-zone water of each tile, kg m-2, (ntile,): now, at the target and at the wilting point."""

    water: np.ndarray
    target: np.ndarray
    wilting: np.ndarray


class IrrigationStep(NamedTuple):
    """Result of :func:`step` per tile, each (ntile,)."""

    #: Mean irrigation over the step, kg m-2 s-1 (the hydrology's ``irrigation_kg_m2_s``).
    irrigation_kg_m2_s: np.ndarray
    #: Water applied this step, kg m-2 (= irrigation_kg_m2_s * dt).
    applied_kg_m2: np.ndarray
    #: A daily check found the tile below its threshold and scheduled water.
    started: np.ndarray
    #: Root-zone deficit ``W_target - W`` found by this step's check, kg m-2 (0 where none started).
    deficit_kg_m2: np.ndarray
    #: Water scheduled by this step's check, ``min(deficit, cap) x irrigated_fraction``, kg m-2.
    scheduled_kg_m2: np.ndarray


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def root_zone_weights(dz_m, depth_m: float) -> np.ndarray:
    """Fraction of each layer's thickness within ``depth_m`` of the surface, (nlayer,)."""
    dz = _f64(dz_m)
    top = np.cumsum(dz) - dz
    return np.clip((depth_m - top) / dz, 0.0, 1.0)


def water_content_at_suction(hydraulics: SoilHydraulics, suction_m: float) -> np.ndarray:
    """Water content at a suction head (m, > 0) on the Clapp-Hornberger curve, capped at saturation, m3 m-3."""
    h = hydraulics
    return np.minimum(h.theta_s * (h.psi_s_m / suction_m) ** (1.0 / h.b), h.theta_s)


def local_solar_time_s(utc_seconds: float, lon_deg) -> np.ndarray:
    """Local (mean) solar time, s after local midnight in [0, 86400): UTC + longitude / 360 days."""
    return (float(utc_seconds) + _f64(lon_deg) * (SECONDS_PER_DAY / 360.0)) % SECONDS_PER_DAY


def check_due(utc_seconds: float, dt_s: float, lon_deg, start_local_time_s: float) -> np.ndarray:
    """True where the step ``[utc_seconds, utc_seconds + dt_s)`` contains the daily check time (local solar).

    For steps that follow each other this is true in exactly one step per
    local day, for any step lengths up to a day.
    """
    since_start = (start_local_time_s - local_solar_time_s(utc_seconds, lon_deg)) % SECONDS_PER_DAY
    return since_start < dt_s


def root_zone_water(theta, hydraulics: SoilHydraulics, dz_m,
                    params: IrrigationParameters = IrrigationParameters(), t_soil_K=None) -> RootZoneWater:
    """Water of the root zone now, at the target and at the wilting point, kg m-2 per tile.

    ``theta`` (nlayer, ntile) m3 m-3; ``t_soil_K`` (nlayer, ntile), optional:
    a layer at or below freezing and every layer under it are left out (CLM5).
    """
    theta = _f64(theta)
    if theta.shape != hydraulics.theta_s.shape:
        raise ValueError(f"theta has shape {theta.shape}, hydraulics {hydraulics.theta_s.shape}")
    dz = _f64(dz_m)
    if dz.shape != (theta.shape[0],):
        raise ValueError(f"dz_m has shape {dz.shape}, expected ({theta.shape[0]},)")
    mass = (root_zone_weights(dz, params.root_zone_depth_m) * dz * DENSITY_WATER_KG_M3)[:, None]  # kg m-2 per m3 m-3
    if t_soil_K is not None:
        unfrozen = np.broadcast_to(_f64(t_soil_K), theta.shape) > T_FREEZE_K
        mass = mass * np.cumprod(unfrozen, axis=0)
    target = water_content_at_suction(hydraulics, params.target_suction_m)
    wilting = water_content_at_suction(hydraulics, params.wilting_suction_m)
    return RootZoneWater(np.sum(mass * theta, axis=0), np.sum(mass * target, axis=0), np.sum(mass * wilting, axis=0))


def step(state: IrrigationState, theta, hydraulics: SoilHydraulics, dz_m, growing_season, lon_deg,
         utc_seconds: float, dt_s: float, params: IrrigationParameters = IrrigationParameters(),
         t_soil_K=None) -> IrrigationStep:
    """Irrigation of each tile over the step ``[utc_seconds, utc_seconds + dt_s)``.

    ``theta`` (nlayer, ntile): soil water at the start of the step, m3 m-3;
    ``growing_season`` (bool, ntile): irrigated crop tiles in their season
    (only these start irrigating; water already scheduled is still
    delivered after the season ends); ``lon_deg`` (ntile): longitude,
    degrees east; ``utc_seconds``: time of the step start, s after a UTC
    midnight; ``dt_s`` <= 1 day.  ``state`` is updated in place (its arrays
    are replaced).
    """
    n = state.ntile
    if not 0.0 < dt_s <= SECONDS_PER_DAY:
        raise ValueError("dt_s must be in (0, 86400] s: the check runs once a day")
    season = np.broadcast_to(np.asarray(growing_season, dtype=bool), (n,))
    lon = np.broadcast_to(_f64(lon_deg), (n,))
    if np.shape(theta)[1:] != (n,):
        raise ValueError(f"theta has shape {np.shape(theta)}, the state {n} tiles")

    idle = state.seconds_left <= 0.0
    checked = season & idle & check_due(utc_seconds, dt_s, lon, params.start_local_time_s)
    if checked.any():  # the root zone is looked at once a day per tile
        rz = root_zone_water(theta, hydraulics, dz_m, params, t_soil_K)
        threshold = rz.wilting + params.threshold_fraction * (rz.target - rz.wilting)
        started = checked & (rz.water < threshold)
        deficit = np.where(started, np.maximum(rz.target - rz.water, 0.0), 0.0)
    else:
        started, deficit = np.zeros(n, dtype=bool), np.zeros(n)
    scheduled = np.minimum(deficit, params.max_kg_m2_per_event) * params.irrigated_fraction
    started = started & (scheduled > 0.0)

    remaining = np.where(started, scheduled, state.remaining_kg_m2)
    seconds = np.where(started, params.application_s, state.seconds_left)
    # Constant rate over the application time; the last step takes exactly what is left.
    finishing = seconds <= dt_s
    applied = np.where(finishing, remaining, remaining * (dt_s / np.where(finishing, 1.0, seconds)))
    state.remaining_kg_m2 = np.where(finishing, 0.0, remaining - applied)
    state.seconds_left = np.maximum(seconds - dt_s, 0.0)
    return IrrigationStep(applied / dt_s, applied, started, np.where(started, deficit, 0.0), scheduled * started)
