"""Topsoil pH from the climatic water balance, for nitrification (no pH map is shipped).

The shipped inputs hold no soil pH, so the land derives one from climate, as
Slessarev et al. (2016, Nature 540, 567, "Water balance creates a threshold
in soil pH at the global scale") found it at the global scale in a random
sample of 20,000 of 60,291 soil pH measurements: alkaline, carbonate-buffered
soils where mean annual potential evapotranspiration (PET) exceeds mean
annual precipitation (MAP), and an abrupt fall to acid soils where MAP begins
to exceed PET.  Three steps, all vectorised over cells:

1. :func:`monthly_air_temperature_K`: the twelve calendar-month means of
   air temperature from MAT, the sinusoidal seasonal cycle of the weather
   generator (:mod:`atmos_stub.weather`; range of monthly means from
   Conrad's 1946 continentality index, as ``tools/make_surface_data.py`` also
   uses it).  The shipped climatology has annual means only.
2. :func:`thornthwaite_pet_mm_yr`: Thornthwaite (1948, Geogr. Rev. 38, 55)
   PET with the day-length correction, and above 26.5 degC the quadratic of
   Willmott, Rowe & Mintz (1985, J. Climatol. 5, 589) that reproduces
   Thornthwaite's high-temperature table.  It needs temperature and latitude
   only.  Being a temperature index it runs low in dry, sunny and continental
   summers (radiation- and humidity-based PET is higher there), which puts
   some semi-arid and subhumid soils (e.g. the US Corn Belt) on the acid side,
   and high where the warmest month is barely above 0 degC (small heat index
   ``I``: 300-400 mm/yr in tundra), which puts cold wet soils nearer neutral.
3. :func:`soil_ph_from_water_balance`: a logistic in ``D = MAP - PET``
   (mm/yr) between an alkaline and an acid plateau, half-way at ``D = 0``
   (constants and how they were chosen in their docstrings).

:func:`climatological_soil_ph` chains them for the per-cell climatology of
:class:`lsm.surface.SurfaceData`.  The pH range 5-8 keeps the nitrification
response of DAYCENT (:func:`lsm.soil_bgc.nitrogen.nitrification_ph_factor`,
0.56-0.99 there) inside (0, 1]; the midpoint 6.5 equals
:data:`lsm.soil_bgc.nitrogen.DEFAULT_SOIL_PH`.
"""

from __future__ import annotations

import numpy as np

from atmos_stub.weather import WeatherParameters
from lsm.soil_bgc.nitrogen import DEFAULT_SOIL_PH

__all__ = [
    "PH_ACID",
    "PH_ALKALINE",
    "PH_THRESHOLD_MM_YR",
    "PH_TRANSITION_SCALE_MM_YR",
    "climatological_soil_ph",
    "day_length_hours",
    "monthly_air_temperature_K",
    "soil_ph_from_water_balance",
    "thornthwaite_pet_mm_yr",
]

ZERO_CELSIUS_K = 273.15
#: Days of the calendar months of a 365-day year.
MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
_MONTH_START = np.concatenate([[0.0], np.cumsum(MONTH_DAYS)[:-1]])

#: Alkaline plateau, pH units.  Only the abstract of Slessarev et al. (2016) was readable (paywalled), so the
#: plateaus come from soil chemistry: where PET > MAP carbonates stay in the soil and buffer it (the
#: carbonate buffer range of Ulrich, pH above 6.2, as reviewed by Chadwick & Chorover 2001, Geoderma 100,
#: 321); calcite in equilibrium with soil air of 0.1-1 % CO2 gives pH ~7.3-8.0, 8.3 with atmospheric CO2.
#: Chosen 8.0, inside the ~7.5-8.2 of carbonate-buffered topsoils.
PH_ALKALINE = 8.0
#: Acid plateau, pH units: leached soils where MAP >> PET lose their base cations and are buffered by
#: exchangeable Al at pH ~4.2-5.0 (Ulrich's cation-exchange range, Chadwick & Chorover 2001).  Chosen 5.0,
#: the top of that range, so the midpoint (8 + 5)/2 = 6.5 is the model's default pH (SoilGrids median).
PH_ACID = 5.0
#: Water balance MAP - PET at the midpoint of the transition, mm/yr: 0, the threshold of Slessarev et al.
#: (2016, abstract: "an abrupt transition from alkaline to acid soil pH that occurs at the point where mean
#: annual precipitation begins to exceed mean annual potential evapotranspiration").
PH_THRESHOLD_MM_YR = 0.0
#: Logistic scale of the transition, mm/yr.  Slessarev et al. call the transition abrupt ("small changes in
#: water balance cause a steep transition"); their fitted width was not readable, so it is chosen: with
#: 100 mm/yr the pH falls from 7.5 to 5.5 between D = -161 and +161 mm/yr (ln 5 scales either side), about
#: a tenth of the -1500 to +1800 mm/yr (1st to 99th percentile) of MAP - PET on ice-free land in this map.
PH_TRANSITION_SCALE_MM_YR = 100.0


def day_length_hours(lat_deg, day_of_year) -> np.ndarray:
    """Daylight hours ``N = 24 ws / pi`` (FAO-56, Allen et al. 1998, eqs. 24, 25, 34).

    Declination ``d = 0.409 sin(2 pi J / 365 - 1.39)`` rad and sunset hour
    angle ``ws = arccos(-tan(lat) tan(d))``, the argument clipped to [-1, 1]
    for polar day (24 h) and night (0 h).  Arrays broadcast.
    """
    decl = 0.409 * np.sin(2.0 * np.pi * np.asarray(day_of_year, dtype=float) / 365.0 - 1.39)
    phi = np.deg2rad(np.clip(np.asarray(lat_deg, dtype=float), -90.0, 90.0))
    return 24.0 / np.pi * np.arccos(np.clip(-np.tan(phi) * np.tan(decl), -1.0, 1.0))


def monthly_air_temperature_K(mat_K, lat_deg, data_fraction=1.0, params: WeatherParameters | None = None):
    """Calendar-month mean air temperature, K, ``(12, n)``: the weather generator's climatology.

    ``T_m = MAT - (R/2) sinc(pi h) cos(2 pi (y_m - y_c))`` for month ``m``
    with mid-point year fraction ``y_m`` and length ``h`` (years); ``R = (K +
    14) sin(|lat| + 10 deg) / 1.7`` is the range of monthly means from
    Conrad's (1946) continentality index ``K = K_land f`` and ``y_c`` the
    coldest day, ``354 + lag`` days (``lag = 60 - 30 f`` days; half a year later
    south of the equator), all as in :class:`atmos_stub.weather.WeatherGenerator`;
    ``f`` is the observed-land fraction (``data_fraction``).  The annual mean
    (weighted by month length) is MAT.
    """
    p = params or WeatherParameters()
    lat = np.asarray(lat_deg, dtype=float)
    f = np.asarray(data_fraction, dtype=float)
    monthly_range = (p.continentality_land * f + 14.0) * np.sin(np.deg2rad(np.abs(lat) + 10.0)) / 1.7
    lag = p.seasonal_lag_ocean_days + (p.seasonal_lag_land_days - p.seasonal_lag_ocean_days) * f
    coldest = (354.0 + lag) / 365.0 + np.where(lat < 0.0, 0.5, 0.0)
    h = MONTH_DAYS / 365.0
    mid = (_MONTH_START / 365.0 + 0.5 * h)[:, None]
    # month means of a sinusoid of peak-to-peak R / sinc(1/12) (R is a range of month means, as in the generator)
    shape = np.sinc(h)[:, None] / np.sinc(1.0 / 12.0) * np.cos(2.0 * np.pi * (mid - coldest))
    return np.asarray(mat_K, dtype=float) - 0.5 * monthly_range * shape


def thornthwaite_pet_mm_yr(t_month_K, lat_deg) -> np.ndarray:
    """Annual potential evapotranspiration, mm/yr, of Thornthwaite (1948) with the day-length correction.

    ``t_month_K`` holds the 12 calendar-month means, ``(12, n)`` K; ``lat_deg``
    ``(n,)``.  With ``T`` in degC, heat index ``I = sum((T+/5)^1.514)`` and
    ``a = 6.75e-7 I^3 - 7.71e-5 I^2 + 1.792e-2 I + 0.49239``, the unadjusted
    PET of a month (30 days of 12 h) is 0 for ``T <= 0``, ``16 (10 T / I)^a``
    mm for ``0 < T < 26.5``, and ``-415.85 + 32.24 T - 0.43 T^2`` mm for
    ``T >= 26.5`` degC (Willmott, Rowe & Mintz 1985; ``T`` held at 37.5 degC,
    the quadratic's maximum of 188.4 mm, above).  Each month is scaled by
    ``(days / 30) (N / 12)`` with the daylight hours ``N`` of its middle day
    (:func:`day_length_hours`).
    """
    t = np.asarray(t_month_K, dtype=float) - ZERO_CELSIUS_K
    warm = np.maximum(t, 0.0)
    heat = np.sum((warm / 5.0) ** 1.514, axis=0)
    a = ((6.75e-7 * heat - 7.71e-5) * heat + 1.792e-2) * heat + 0.49239
    ratio = np.divide(10.0 * warm, heat, out=np.zeros_like(warm), where=heat > 0.0)
    th = np.minimum(t, 37.5)
    pet = np.where(t >= 26.5, -415.85 + 32.24 * th - 0.43 * th * th, 16.0 * ratio ** a)
    pet = np.where(t > 0.0, pet, 0.0)
    mid_day = (_MONTH_START + 0.5 * MONTH_DAYS + 0.5)[:, None]
    correction = (MONTH_DAYS[:, None] / 30.0) * day_length_hours(lat_deg, mid_day) / 12.0
    return np.sum(pet * correction, axis=0)


def soil_ph_from_water_balance(map_minus_pet_mm_yr) -> np.ndarray:
    """Topsoil pH from the water balance ``D = MAP - PET``, mm/yr (Slessarev et al. 2016).

    ``pH = pH_acid + (pH_alk - pH_acid) / (1 + exp((D - D0) / s))`` with the
    plateaus :data:`PH_ALKALINE` and :data:`PH_ACID`, threshold
    :data:`PH_THRESHOLD_MM_YR` and scale :data:`PH_TRANSITION_SCALE_MM_YR`;
    written with tanh so it cannot overflow, non-increasing in ``D``, and
    clipped to [pH_acid, pH_alk]; NaN only for NaN input.
    """
    x = (np.asarray(map_minus_pet_mm_yr, dtype=float) - PH_THRESHOLD_MM_YR) / PH_TRANSITION_SCALE_MM_YR
    dry = 0.5 * (1.0 - np.tanh(0.5 * x))  # the logistic 1 / (1 + exp(x))
    return np.clip(PH_ACID + (PH_ALKALINE - PH_ACID) * dry, PH_ACID, PH_ALKALINE)


def climatological_soil_ph(mat_K, map_mm_yr, lat_deg, data_fraction=1.0) -> np.ndarray:
    """Topsoil pH of cells with mean annual temperature ``mat_K`` (K), precipitation ``map_mm_yr``
    (mm/yr), latitude (degrees) and observed-land fraction (0-1): the three steps of the module docstring.

    Cells without observed climate (``data_fraction == 0``: islands and coasts the land climatology misses,
    where :func:`atmos_stub.climatology.load_climatology` falls back on zonal ocean climate) get
    :data:`~lsm.soil_bgc.nitrogen.DEFAULT_SOIL_PH`.
    """
    pet = thornthwaite_pet_mm_yr(monthly_air_temperature_K(mat_K, lat_deg, data_fraction), lat_deg)
    ph = soil_ph_from_water_balance(np.asarray(map_mm_yr, dtype=float) - pet)
    return np.where(np.asarray(data_fraction) > 0.0, ph, DEFAULT_SOIL_PH)
