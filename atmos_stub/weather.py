"""Stochastic surface weather for the land, from each cell's annual-mean climate.

:class:`WeatherGenerator` turns a cell's mean annual temperature (MAT), mean
precipitation rate (MAP) and observed-land fraction ``f`` (continentality)
plus a warming anomaly ``dT`` into interval means of the seven fields the
land imports: ``tas`` (K), ``pr`` (kg m-2 s-1), ``rsds`` and ``rlds``
(W m-2), ``huss`` (kg/kg), ``ps`` (Pa) and ``sfcWind`` (m s-1).

Air temperature, K::

    tas = MAT + dT + S(t) + D(t) + x_d

- ``S``: seasonal cycle, a sinusoid of the year fraction with a peak-to-peak
  range from Conrad's continentality index (Conrad 1946, Trans. AGU 27, 663:
  ``K = 1.7 A / sin(|lat| + 10 deg) - 14`` for the annual range ``A`` in K),
  inverted for ``A`` with ``K = K_land f``, ``K_land = 40`` (Conrad's index is
  0 for oceanic climates, 30-60 in continental interiors, 100 at Verkhoyansk), and
  divided by ``sin(pi/12)/(pi/12)`` because ``A`` is a range of monthly means.
  Coldest at the winter solstice plus a lag of ``60 - 30 f`` days (about one
  month over continents and two over oceans, Trenberth 1983, Bull. Amer.
  Meteor. Soc. 64, 1276); half a year later in the south.  A whole sinusoid
  period is one calendar year, so its annual mean is zero and the annual
  mean of ``tas`` is ``MAT + dT`` up to the weather noise.
- ``D``: diurnal cycle ``(DTR/2) cos(2 pi (t_local - 14 h)/24 h)``: the
  maximum about two hours after solar noon (Parton & Logan 1981, Agric.
  Meteorol. 23, 205); zero mean over each day.  The daily range DTR is
  8-16 K over land (larger when drier), 1 K over the ocean, reduced by 40 % on
  wet days (clouds and rain cut DTR by 25-50 %, Dai, Trenberth & Karl 1999,
  J. Climate 12, 2451) and scaled by the day's insolation relative to
  ``S0/pi`` (so it vanishes in polar night).
- ``x_d``: a daily first-order autoregressive anomaly, lag-one correlation
  0.7 (Richardson 1981, Water Resour. Res. 17, 182, models daily temperature
  residuals as a lag-one process with correlations of this size), standard
  deviation ``(1 + 3 |sin lat|) K`` over land and ``(0.5 + 1.5 |sin lat|) K``
  over ocean, blended by ``f``.

Precipitation: a first-order two-state Markov chain of wet and dry days
(Richardson 1981; Wilks & Wilby 1999, Prog. Phys. Geogr. 23, 329) with
stationary wet-day frequency ``pi_w = clip(0.7 (1 - exp(-MAP / 1000 mm)),
0.02, 0.7)`` (about 3 % of days in deserts with 50 mm/yr, 30 % at 600 mm/yr,
65 % in rain forests; cf. Sun et al. 2006, J. Climate 19, 916) and
persistence ``r = p11 - p01 = 0.35`` (the lag-one autocorrelation of
occurrence, typically 0.2-0.5; Wilks & Wilby 1999): ``p01 = pi_w (1 - r)``,
``p11 = p01 + r``.  Wet-day amounts are exponential (Richardson 1981) with
mean ``mu = MAP_day / pi_w``, so the expected daily total is ``MAP_day``.
A cumulative departure ``B`` (kg m-2) from the climatological total anchors
the long-run mean: amounts are scaled by ``max(0, 1 - B / (tau MAP_day))``
with ``tau = 90`` days, so ``B`` is mean-reverting, the long-run mean is
MAP exactly and a run of N days misses MAP only by ``B_N / (N MAP_day)``.
It damps precipitation variability slower than ``tau`` (weather generators
underestimate interannual variance anyway, Katz & Parlange 1998, Water
Resour. Res. 34, 1469); ``anchor_days = 0`` switches it off, and then a
14-year mean misses MAP by a standard deviation of 2.5 % in climates wetter
than 1000 mm/yr and 10-16 % in deserts.  Rain
falls at a constant rate for 2-14 h (mean 8 h; rain falls on a few hours of
a wet day, e.g. Trenberth et al. 2003, Bull. Amer. Meteor. Soc. 84, 1205)
starting at a random time inside the UTC day.

Radiation: ``rsds = Q_toa * (a_s + b_s n/N)`` (Angstrom-Prescott, FAO-56
coefficients a_s = 0.25, b_s = 0.50: 0.75 for a cloudless day, Allen et
al. 1998, FAO Irrigation and Drainage Paper 56, eq. 35-36) with ``Q_toa`` the
exact interval mean of :mod:`coupler.insolation` and relative sunshine
``n/N`` drawn uniformly in [0.5, 1] on dry days and [0.1, 0.5] on wet days;
these ranges give a global annual mean of about 181 W m-2 against the
observed 185 W m-2 (Wild et al. 2013, Clim. Dyn. 40, 3107).
``rlds = eps sigma tas^4`` with the clear-sky emissivity of Brutsaert (1975,
Water Resour. Res. 11, 742) ``eps_clr = 1.24 (e / T)^(1/7)`` (e in hPa) raised
by the cloud fraction ``c = 1 - s``, ``s = (a_s + b_s n/N)/(a_s + b_s)``:
``eps = c + (1 - c) eps_clr`` (Crawford & Duchon 1999, J. Appl. Meteor. 38, 474).
Brutsaert's formula assumes a standard lapse rate; under the surface
inversions of polar and continental winters it gives emissivities of 0.2-0.5
and longwave far below observed, so ``eps_clr`` is at least 0.765, the
clear-sky value König-Langlo & Augstein (1994, Theor. Appl. Climatol. 50, 1)
found at Arctic and Antarctic stations.

Humidity: vapour pressure ``e = RH e_s(T_day)`` from the day's mean
temperature (dew points change little within a day), capped at
``e_s(tas)``, with the Tetens-Murray saturation pressure over water (ice
below 0 degC; Murray 1967, J. Appl. Meteor. 6, 203); ``RH = 0.9`` on wet
days, on dry days ``0.35 + 0.4 pi_w / 0.7`` over land (30-50 % in deserts,
70-80 % in humid regions) and 0.8 over ocean (Dai 2006, J. Climate 19,
3589); ``huss = 0.622 e / (ps - 0.378 e)``.  ``ps`` is the US Standard
Atmosphere (1976) pressure at the cell's elevation (101325 Pa at sea level).
``sfcWind`` is Weibull with shape 2 (Rayleigh; e.g. Justus et al. 1978, J.
Appl. Meteor. 17, 350) around a climatological mean of 3 m/s over land
(McVicar et al. 2012, J. Hydrol. 416, 182: global land mean ~3.3 m/s) and
7 m/s over ocean (~7.4 m/s, e.g. Wanninkhof 2014), drawn daily.

Randomness comes only from :mod:`coupler.rng`, one stream keyed by (seed,
global cell index, ``16 * day + k``) for the k-th draw of calendar day
``day`` (the cftime ordinal day number): a cell's weather is the same on any
rank and in any order, and every interval of a day uses that day's draws.
The per-cell state carried from day to day (yesterday wet or dry, the
temperature anomaly, the precipitation departure, today's precipitation
amount) is what :meth:`WeatherGenerator.get_state` returns; restoring it
continues bit-for-bit.

Interval means are exact for the linear parts (seasonal and diurnal
sinusoids, the anomaly, rain windows, insolation), so the 24 hourly means
of ``tas``, ``pr``, ``rsds``, ``ps`` and ``sfcWind`` average to the daily
mean to rounding; ``huss`` and ``rlds`` are evaluated at the interval-mean
temperature.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gamma

import numpy as np

from atmos_stub.climatology import SECONDS_PER_CLIMATOLOGY_YEAR
from coupler.insolation import (
    SOLAR_CONSTANT_W_M2,
    days_in_year,
    integrated_cos_zenith,
    orbit,
    sun_geometry,
)
from coupler import rng

__all__ = [
    "FIELD_NAMES",
    "WeatherGenerator",
    "WeatherParameters",
    "saturation_vapour_pressure_Pa",
    "standard_pressure_Pa",
]

FIELD_NAMES = ("tas", "pr", "rsds", "rlds", "huss", "ps", "sfcWind")

SECONDS_PER_DAY = 86400
STEFAN_BOLTZMANN = 5.670374419e-8  # W m-2 K-4 (CODATA 2018)
ZERO_CELSIUS_K = 273.15
EPSILON_WATER = 0.622  # ratio of the molar masses of water and dry air

# All draws come from one rng stream; a day's k-th draw for a cell uses the
# counter step DRAWS_PER_DAY * day + k, so every (day, purpose) pair has its
# own counter and one Philox call yields all of a day's draws (the cost of a
# call is mostly per call, not per number).
WEATHER_STREAM = 0x57474E31  # "WGN1"
DRAWS_PER_DAY = 16
_K_OCCURRENCE, _K_AMOUNT, _K_TEMP_U1, _K_TEMP_U2 = 0, 1, 2, 3
_K_SUNSHINE, _K_STORM_LENGTH, _K_STORM_START, _K_WIND = 4, 5, 6, 7
_N_DAILY = 8
_K_INIT_WET, _K_INIT_U1, _K_INIT_U2 = 8, 9, 10


@dataclass(frozen=True)
class WeatherParameters:
    """Parameters of the weather generator (sources in the module docstring)."""

    #: Conrad continentality index of land with observed data (0 = oceanic, 100 = Verkhoyansk); typical interiors 30-60.
    continentality_land: float = 40.0
    #: Lag of the coldest day after the winter solstice over ocean and over land, days.
    seasonal_lag_ocean_days: float = 60.0
    seasonal_lag_land_days: float = 30.0
    #: Local solar time of the daily maximum temperature, hours.
    tmax_local_hour: float = 14.0
    #: Daily temperature range on dry days over the wettest and the driest land, and over ocean, K.
    dtr_land_humid_K: float = 8.0
    dtr_land_arid_K: float = 16.0
    dtr_ocean_K: float = 1.0
    #: Factor on the diurnal range on wet days.
    dtr_wet_factor: float = 0.6
    #: Daily temperature anomaly: lag-one correlation and standard deviations, K.
    anomaly_lag1: float = 0.7
    anomaly_sd_land_K: tuple[float, float] = (1.0, 3.0)   # a + b |sin lat|
    anomaly_sd_ocean_K: tuple[float, float] = (0.5, 1.5)
    #: Wet-day frequency pi_w = clip(max (1 - exp(-MAP / scale)), min, max).
    wet_fraction_max: float = 0.7
    wet_fraction_min: float = 0.02
    wet_fraction_scale_mm: float = 1000.0
    #: Markov persistence r = p11 - p01.
    persistence: float = 0.35
    #: Restoring time of the cumulative precipitation departure, days (0 = off).
    anchor_days: float = 90.0
    #: Rain duration on a wet day, uniform between these, hours.
    storm_hours: tuple[float, float] = (2.0, 14.0)
    #: Angstrom-Prescott coefficients and relative sunshine ranges on dry and wet days.
    angstrom_a: float = 0.25
    angstrom_b: float = 0.50
    sunshine_dry: tuple[float, float] = (0.5, 1.0)
    sunshine_wet: tuple[float, float] = (0.1, 0.5)
    #: Relative humidity: wet days; dry days over arid land, humid land and ocean.
    rh_wet: float = 0.9
    rh_dry_land_arid: float = 0.35
    rh_dry_land_humid: float = 0.75
    rh_dry_ocean: float = 0.8
    #: Lower bound of the clear-sky emissivity: 0.765 observed at polar stations (Konig-Langlo & Augstein 1994).
    emissivity_clear_min: float = 0.765
    #: Climatological 10 m wind speed over land and ocean, m s-1.
    wind_land_m_s: float = 3.0
    wind_ocean_m_s: float = 7.0

    def __post_init__(self):
        if not 0.0 <= self.persistence < 1.0:
            raise ValueError("persistence must be in [0, 1)")
        if not 0.0 < self.wet_fraction_min <= self.wet_fraction_max <= 1.0:
            raise ValueError("need 0 < wet_fraction_min <= wet_fraction_max <= 1")
        if not 0.0 <= self.anomaly_lag1 < 1.0:
            raise ValueError("anomaly_lag1 must be in [0, 1)")
        if not 0.0 < self.storm_hours[0] <= self.storm_hours[1] <= 24.0:
            raise ValueError("storm_hours must satisfy 0 < min <= max <= 24")
        if self.anchor_days < 0:
            raise ValueError("anchor_days must be >= 0")


def saturation_vapour_pressure_Pa(t_K) -> np.ndarray:
    """Tetens formula with Murray's (1967) coefficients: over water above 0 degC, over ice below, Pa."""
    tc = np.asarray(t_K, dtype=np.float64) - ZERO_CELSIUS_K
    water = tc >= 0.0
    a = np.where(water, 17.27, 21.875)
    b = np.where(water, 237.3, 265.5)
    return 610.78 * np.exp(a * tc / (tc + b))


def standard_pressure_Pa(elevation_m) -> np.ndarray:
    """US Standard Atmosphere (1976) troposphere: ``101325 (1 - 2.25577e-5 z)^5.25588`` Pa."""
    z = np.asarray(elevation_m, dtype=np.float64)
    return 101325.0 * (1.0 - 2.25577e-5 * z) ** 5.25588


def _box_muller(u1, u2):
    """Standard normal deviates from two independent uniforms on (0, 1) (Box & Muller 1958)."""
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def _sinc(x):
    """sin(x)/x, 1 at 0 (x is a scalar: the same for every cell)."""
    return 1.0 if x == 0.0 else float(np.sin(x) / x)


def seasonal_cycle(lat_deg, data_fraction, params: WeatherParameters | None = None, continentality=None):
    """The seasonal cycle ``S(y) = sc cos(2 pi y) + ss sin(2 pi y)`` of air temperature (``y``: year fraction).

    Returns ``(range_K, sc, ss)``: the peak-to-peak range of the sinusoid, K,
    and its two coefficients, K (module docstring: Conrad's continentality
    inverted for the range, coldest at the winter solstice plus a lag).
    ``continentality`` is Conrad's index of each cell
    (:attr:`atmos_stub.climatology.Climatology.continentality`); without it
    every cell's land has ``continentality_land``.
    """
    p = params or WeatherParameters()
    lat = np.asarray(lat_deg, dtype=np.float64)
    f = np.asarray(data_fraction, dtype=np.float64)
    k = p.continentality_land * f if continentality is None else np.asarray(continentality, dtype=np.float64)
    monthly_range = (k + 14.0) * np.sin(np.deg2rad(np.abs(lat) + 10.0)) / 1.7
    seasonal_range = monthly_range / _sinc(np.pi / 12.0)
    lag = p.seasonal_lag_ocean_days + (p.seasonal_lag_land_days - p.seasonal_lag_ocean_days) * f
    # Northern winter solstice ~21 December: 354 days after 1 January in a 365-day year.
    coldest = (354.0 + lag) / 365.0 + np.where(lat < 0.0, 0.5, 0.0)
    half = 0.5 * seasonal_range
    return seasonal_range, -half * np.cos(2.0 * np.pi * coldest), -half * np.sin(2.0 * np.pi * coldest)


def mean_daily_temperature_K(mat_K, lat_deg, data_fraction, params: WeatherParameters | None = None,
                             continentality=None) -> np.ndarray:
    """Climatological daily mean air temperature of the 365 days of a year, ``MAT + S``, K, shape ``(365, n)``.

    The generator's weather without its anomalies (whose mean is zero): what
    a model driven by it sees on average, e.g. to initialise a climatology of
    growing degree days before the model has one of its own.
    """
    _, sc, ss = seasonal_cycle(lat_deg, data_fraction, params, continentality)
    y = (np.arange(365.0) + 0.5)[:, None] / 365.0
    w = _sinc(np.pi / 365.0)  # mean of the sinusoid over each day
    return np.asarray(mat_K, dtype=np.float64) + w * (sc * np.cos(2.0 * np.pi * y) + ss * np.sin(2.0 * np.pi * y))


class WeatherGenerator:
    """Interval-mean surface weather for a set of cells (see the module docstring).

    Parameters
    ----------
    lat_deg, lon_deg : array_like (n,)
        Cell-centre latitude and longitude (degrees north / east).
    cells : array_like of int (n,)
        GLOBAL flat indices of the cells, the keys of the random draws.
    mat_K, map_kg_m2_s, data_fraction : array_like (n,)
        Climatology per cell (:func:`atmos_stub.climatology.load_climatology`).
    continentality : array_like (n,), optional
        Conrad's index per cell (the climatology's); ``params.continentality_land`` times ``data_fraction``
        when omitted.
    seed : int
        Random seed (0 <= seed < 2**32).
    calendar : str
        cftime calendar of the dates passed to :meth:`fields`.
    elevation_m : array_like (n,), optional
        Surface elevation for ``ps``; sea level when omitted.
    params : WeatherParameters, optional
    """

    def __init__(self, lat_deg, lon_deg, cells, mat_K, map_kg_m2_s, data_fraction, seed,
                 calendar: str = "noleap", elevation_m=None, params: WeatherParameters | None = None,
                 continentality=None):
        p = self.params = params or WeatherParameters()
        self.cells = np.asarray(cells, dtype=np.int64).reshape(-1)
        n = self.cells.size

        def per_cell(x, name):
            a = np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)).copy()
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} must be finite")
            return a

        self.lat = per_cell(lat_deg, "lat_deg")
        self.lon = per_cell(lon_deg, "lon_deg")
        self.mat_K = per_cell(mat_K, "mat_K")
        self.map_kg_m2_s = per_cell(map_kg_m2_s, "map_kg_m2_s")
        f = per_cell(data_fraction, "data_fraction")
        if np.any(self.map_kg_m2_s < 0) or np.any((f < 0) | (f > 1)):
            raise ValueError("map_kg_m2_s must be >= 0 and data_fraction in [0, 1]")
        self.data_fraction = f
        self.seed = int(seed)
        self.calendar = calendar

        abs_sin = np.abs(np.sin(np.deg2rad(self.lat)))

        k = None if continentality is None else per_cell(continentality, "continentality")
        self.seasonal_range_K, self._sc, self._ss = seasonal_cycle(self.lat, f, p, k)

        # Diurnal cycle phase: D = amp (cos(W t) cos(th) - sin(W t) sin(th)), th = W (lon/15 h - t_max).
        theta = 2.0 * np.pi * (self.lon / 360.0 - p.tmax_local_hour / 24.0)
        self._dcos, self._dsin = np.cos(theta), np.sin(theta)

        # Precipitation occurrence and amounts.
        map_mm_yr = self.map_kg_m2_s * SECONDS_PER_CLIMATOLOGY_YEAR
        self.wet_frequency = np.clip(p.wet_fraction_max * -np.expm1(-map_mm_yr / p.wet_fraction_scale_mm),
                                     p.wet_fraction_min, p.wet_fraction_max)
        self._p01 = self.wet_frequency * (1.0 - p.persistence)
        self._p11 = self._p01 + p.persistence
        self._expected_day = self.map_kg_m2_s * SECONDS_PER_DAY
        self._mean_wet_amount = self._expected_day / self.wet_frequency
        self._anchor = p.anchor_days * self._expected_day

        aridity = 1.0 - self.wet_frequency / p.wet_fraction_max
        dtr_land = p.dtr_land_humid_K + (p.dtr_land_arid_K - p.dtr_land_humid_K) * aridity
        self._dtr_dry = f * dtr_land + (1.0 - f) * p.dtr_ocean_K
        rh_land = p.rh_dry_land_arid + (p.rh_dry_land_humid - p.rh_dry_land_arid) * (1.0 - aridity)
        self._rh_dry = f * rh_land + (1.0 - f) * p.rh_dry_ocean

        sd_land = p.anomaly_sd_land_K[0] + p.anomaly_sd_land_K[1] * abs_sin
        sd_ocean = p.anomaly_sd_ocean_K[0] + p.anomaly_sd_ocean_K[1] * abs_sin
        self.anomaly_sd_K = f * sd_land + (1.0 - f) * sd_ocean

        self._wind_scale = (f * p.wind_land_m_s + (1.0 - f) * p.wind_ocean_m_s) / gamma(1.5)
        self.ps_Pa = (np.full(n, 101325.0) if elevation_m is None
                      else np.broadcast_to(standard_pressure_Pa(elevation_m), (n,)).astype(np.float64))

        # Chain state (valid for calendar day self._day) and the interval bookkeeping.
        self._day = -1
        self._wet = np.zeros(n, dtype=bool)
        self._anom = np.zeros(n)
        self._departure = np.zeros(n)
        self._pr_day = np.zeros(n)
        self._next_elapsed = None
        self._cache_day = None
        self._draws_day = None

    # ------------------------------------------------------------------ state
    def get_state(self) -> dict[str, np.ndarray]:
        """Per-cell arrays that let a new generator continue bit-for-bit (copies)."""
        n = self.cells.size
        nxt = -1 if self._next_elapsed is None else self._next_elapsed
        return {
            "weather_day": np.full(n, self._day, dtype=np.int64),
            "weather_next_elapsed_s": np.full(n, nxt, dtype=np.int64),
            "weather_wet": self._wet.astype(np.int8),
            "weather_tas_anomaly_K": self._anom.copy(),
            "weather_pr_departure_kg_m2": self._departure.copy(),
            "weather_pr_day_kg_m2": self._pr_day.copy(),
        }

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned (for the same cells, in the same order)."""
        n = self.cells.size
        arrays = {}
        for key in ("weather_day", "weather_next_elapsed_s", "weather_wet", "weather_tas_anomaly_K",
                    "weather_pr_departure_kg_m2", "weather_pr_day_kg_m2"):
            if key not in state:
                raise ValueError(f"weather state lacks {key!r}")
            a = np.asarray(state[key]).reshape(-1)
            if a.size != n:
                raise ValueError(f"weather state {key!r} has {a.size} values for {n} cells")
            arrays[key] = a
        for key in ("weather_day", "weather_next_elapsed_s"):
            if n and np.any(arrays[key] != arrays[key][0]):
                raise ValueError(f"weather state {key!r} differs between cells")
        self._day = int(arrays["weather_day"][0]) if n else -1
        nxt = int(arrays["weather_next_elapsed_s"][0]) if n else -1
        self._next_elapsed = None if nxt < 0 else nxt
        self._wet = arrays["weather_wet"].astype(bool)
        self._anom = arrays["weather_tas_anomaly_K"].astype(np.float64).copy()
        self._departure = arrays["weather_pr_departure_kg_m2"].astype(np.float64).copy()
        self._pr_day = arrays["weather_pr_day_kg_m2"].astype(np.float64).copy()
        self._cache_day = None

    # ------------------------------------------------------------ day update
    def _uniforms(self, day: int, first: int, count: int) -> np.ndarray:
        """Draws ``first .. first + count - 1`` of ``day`` for every cell, shape (count, n)."""
        steps = DRAWS_PER_DAY * day + np.arange(first, first + count, dtype=np.int64)[:, None]
        return rng.uniform(self.seed, WEATHER_STREAM, self.cells[None, :], steps)

    def _daily_draws(self, day: int) -> np.ndarray:
        if self._draws_day != day:
            self._draws = self._uniforms(day, 0, _N_DAILY)
            self._draws_day = day
        return self._draws

    def _initialise(self, day: int) -> None:
        """Yesterday's chain state drawn from the stationary distribution, keyed by ``day``."""
        u = self._uniforms(day, _K_INIT_WET, 3)
        self._wet = u[0] < self.wet_frequency
        self._anom = self.anomaly_sd_K * _box_muller(u[1], u[2])
        self._departure = np.zeros(self.cells.size)

    def _advance(self, day: int) -> None:
        """Move the chain from the state of ``day - 1`` to ``day``."""
        p = self.params
        u = self._daily_draws(day)
        self._wet = u[_K_OCCURRENCE] < np.where(self._wet, self._p11, self._p01)
        scale = 1.0
        if p.anchor_days > 0:
            ratio = np.zeros(self.cells.size)
            np.divide(self._departure, self._anchor, out=ratio, where=self._anchor > 0)
            scale = np.maximum(0.0, 1.0 - ratio)
        amount = scale * self._mean_wet_amount * -np.log(u[_K_AMOUNT])
        self._pr_day = np.where(self._wet, amount, 0.0)
        self._departure = self._departure + (self._pr_day - self._expected_day)
        rho = p.anomaly_lag1
        eps = _box_muller(u[_K_TEMP_U1], u[_K_TEMP_U2])
        self._anom = rho * self._anom + np.sqrt(1.0 - rho * rho) * self.anomaly_sd_K * eps
        self._day = day

    def _derive_day(self, day: int, date) -> None:
        """Quantities constant over ``day`` that follow from the chain state and the day's draws."""
        p = self.params
        doy = date.dayofyr
        ny = days_in_year(date.year, self.calendar)
        decl, dist, eot = orbit(doy, ny)
        a, b, h0 = sun_geometry(self.lat, decl)
        sin_h0 = np.sin(h0)
        self._sun = (a, b, h0, sin_h0, np.deg2rad(self.lon), float(eot))
        self._toa_scale = SOLAR_CONSTANT_W_M2 * float(dist)
        q_day = self._toa_scale / np.pi * (a * h0 + b * sin_h0)
        self.toa_daily_mean_W_m2 = q_day

        wet = self._wet
        lo_w, hi_w = p.sunshine_wet
        lo_d, hi_d = p.sunshine_dry
        u = self._daily_draws(day)
        u_sun = u[_K_SUNSHINE]
        sunshine = np.where(wet, lo_w + (hi_w - lo_w) * u_sun, lo_d + (hi_d - lo_d) * u_sun)
        clear = p.angstrom_a + p.angstrom_b
        self._transmissivity = p.angstrom_a + p.angstrom_b * sunshine
        self._cloud = 1.0 - self._transmissivity / clear

        light = np.minimum(1.0, q_day / (SOLAR_CONSTANT_W_M2 / np.pi))
        self._diurnal_amp = 0.5 * self._dtr_dry * np.where(wet, p.dtr_wet_factor, 1.0) * light
        self._rh = np.where(wet, p.rh_wet, self._rh_dry)

        h_lo, h_hi = p.storm_hours
        length = 3600.0 * (h_lo + (h_hi - h_lo) * u[_K_STORM_LENGTH])
        start = (SECONDS_PER_DAY - length) * u[_K_STORM_START]
        self._storm = (start, start + length, self._pr_day / length)

        self._wind = self._wind_scale * np.sqrt(-np.log(u[_K_WIND]))
        # Seasonal term averaged over the whole day, for the day's dew point.
        y0 = (doy - 1) / ny
        self._year = (doy, ny)
        self._seasonal_day = self._seasonal_mean(y0, y0 + 1.0 / ny)
        self._cache_day = day

    def _seasonal_mean(self, y0: float, y1: float) -> np.ndarray:
        ym = 0.5 * (y0 + y1)
        w = _sinc(np.pi * (y1 - y0))
        return w * (self._sc * np.cos(2.0 * np.pi * ym) + self._ss * np.sin(2.0 * np.pi * ym))

    # ---------------------------------------------------------------- fields
    def fields(self, elapsed_s_start: int, dt_s: int, date_start, dT_K=0.0) -> dict[str, np.ndarray]:
        """Interval means over ``[date_start, date_start + dt_s]`` of the seven weather fields.

        Calls must cover consecutive intervals (each starting where the last
        ended); an interval must lie within one UTC day.  A new day advances
        the per-cell chain once, with that day's draws.

        Parameters
        ----------
        elapsed_s_start : int
            Model seconds at the interval start (used to check that intervals are consecutive).
        dt_s : int
            Interval length, s (e.g. 3600; 86400 gives daily means).
        date_start : cftime.datetime
            Date of the interval start, in the generator's calendar.
        dT_K : float or array (n,)
            Warming anomaly added to ``tas`` (and to the dew point).
        """
        elapsed_s_start, dt_s = int(elapsed_s_start), int(dt_s)
        if self._next_elapsed is not None and elapsed_s_start != self._next_elapsed:
            raise ValueError(f"WeatherGenerator.fields: interval starts at {elapsed_s_start} s but the previous one "
                             f"ended at {self._next_elapsed} s; only consecutive intervals are supported")
        t0 = date_start.hour * 3600 + date_start.minute * 60 + date_start.second
        t1 = t0 + dt_s
        if dt_s <= 0 or t1 > SECONDS_PER_DAY:
            raise ValueError(f"WeatherGenerator.fields: the interval [{t0}, {t1}] s must lie within one day")
        day = int(date_start.toordinal())
        if self._day < 0:
            self._initialise(day)
            self._advance(day)
        elif day == self._day + 1:
            self._advance(day)
        elif day != self._day:
            raise ValueError(f"WeatherGenerator.fields: day {day} does not follow day {self._day}")
        if self._cache_day != day:
            self._derive_day(day, date_start)
        out = self._interval_means(t0, t1, dT_K)
        self._next_elapsed = elapsed_s_start + dt_s
        return out

    def _interval_means(self, t0: int, t1: int, dT_K) -> dict[str, np.ndarray]:
        p = self.params
        dt = float(t1 - t0)
        doy, ny = self._year
        y0 = (doy - 1 + t0 / SECONDS_PER_DAY) / ny
        y1 = (doy - 1 + t1 / SECONDS_PER_DAY) / ny
        seasonal = self._seasonal_mean(y0, y1)

        # Diurnal cosine averaged over the interval: midpoint value times sinc(half width).
        w = 2.0 * np.pi / SECONDS_PER_DAY
        tm = 0.5 * (t0 + t1)
        sinc = _sinc(0.5 * w * dt)
        cm, sm = sinc * np.cos(w * tm), sinc * np.sin(w * tm)
        diurnal = self._diurnal_amp * (cm * self._dcos - sm * self._dsin)

        base = self.mat_K + dT_K + self._anom
        tas = base + seasonal + diurnal
        t_day = base + self._seasonal_day

        start, end, rate = self._storm
        overlap = np.clip(np.minimum(end, t1) - np.maximum(start, t0), 0.0, None)
        pr = rate * overlap / dt

        a, b, h0, sin_h0, lon_rad, eot = self._sun
        h1 = 2.0 * np.pi * ((t0 + eot) / SECONDS_PER_DAY - 0.5) + lon_rad
        h2 = h1 + w * dt
        cosz = (integrated_cos_zenith(a, b, h0, h2, sin_h0) - integrated_cos_zenith(a, b, h0, h1, sin_h0)) / (w * dt)
        np.maximum(cosz, 0.0, out=cosz)  # rounding near sunrise/sunset (see insolation.mean_cos_zenith)
        rsds = self._toa_scale * cosz * self._transmissivity

        e_sat = saturation_vapour_pressure_Pa(tas)
        e = np.minimum(self._rh * saturation_vapour_pressure_Pa(t_day), e_sat)
        huss = EPSILON_WATER * e / (self.ps_Pa - (1.0 - EPSILON_WATER) * e)
        eps_clear = np.maximum(1.24 * (0.01 * e / tas) ** (1.0 / 7.0), p.emissivity_clear_min)
        emissivity = self._cloud + (1.0 - self._cloud) * eps_clear
        rlds = emissivity * STEFAN_BOLTZMANN * tas ** 4

        return {"tas": tas, "pr": pr, "rsds": rsds, "rlds": rlds, "huss": huss,
                "ps": self.ps_Pa.copy(), "sfcWind": self._wind.copy()}

