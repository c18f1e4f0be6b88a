"""Top-of-atmosphere solar irradiance and solar geometry (shared by the atmosphere and the land).

The orbit is the coupler's, as in CESM's shared orbital code, so every component sees the same sun.

Orbit (one set of values per calendar day, Spencer 1971, Search 2(5), 172;
also Iqbal 1983, "An Introduction to Solar Radiation", ch. 1), with the day
angle ``G = 2 pi (n - 1) / Y`` of day-of-year ``n`` (1 = 1 January) in a year
of ``Y`` days (365 for ``noleap``, 365 or 366 for Gregorian calendars):

- declination, rad:
  ``d = 0.006918 - 0.399912 cos G + 0.070257 sin G - 0.006758 cos 2G
  + 0.000907 sin 2G - 0.002697 cos 3G + 0.00148 sin 3G``
- eccentricity factor ``(r0/r)^2 = 1.000110 + 0.034221 cos G + 0.001280 sin G
  + 0.000719 cos 2G + 0.000077 sin 2G``
- equation of time, minutes: ``229.18 (0.000075 + 0.001868 cos G
  - 0.032077 sin G - 0.014615 cos 2G - 0.040849 sin 2G)``

Geometry (e.g. Hartmann 1994, "Global Physical Climatology", sec. 2.5):
``cos Z = sin(lat) sin(d) + cos(lat) cos(d) cos(h)`` with hour angle
``h = 2 pi (t_utc / 86400 - 1/2) + lon + EoT`` (``h = 0`` at local solar
noon), and ``Q = S0 (r0/r)^2 max(0, cos Z)``.  The sun is up for
``|h| < h0``, ``cos h0 = -tan(lat) tan(d)`` (clamped: ``h0 = 0`` in polar night,
``pi`` in polar day).

Interval means integrate ``max(0, cos Z)`` exactly over the hour angle:
with ``a = sin(lat) sin(d)``, ``b = cos(lat) cos(d)``, one solar day contributes
``P = 2 (a h0 + b sin h0)`` and the antiderivative within a day is
``a (h + h0) + b (sin h + sin h0)`` while the sun is up.  Hence the daily
mean is ``Q_day = (S0/pi) (r0/r)^2 (h0 sin(lat) sin(d) + cos(lat) cos(d) sin h0)``
(Berger 1978, J. Atmos. Sci. 35, 2362; Hartmann 1994 eq. 2.17), and the mean
over any part of the day follows from the same antiderivative, so hourly
means average to the daily mean exactly (to rounding), which point sampling
cannot do.  Declination, distance and equation of time are held for the
whole day, so a day's hour angles span exactly 2 pi.

Solar constant ``S0 = 1361 W m-2`` (total solar irradiance at 1 AU, Kopp &
Lean 2011, Geophys. Res. Lett. 38, L01706).
"""

from __future__ import annotations

import cftime
import numpy as np

__all__ = [
    "SOLAR_CONSTANT_W_M2",
    "daily_mean_insolation",
    "days_in_year",
    "hour_angle",
    "integrated_cos_zenith",
    "mean_cos_zenith",
    "orbit",
    "sun_geometry",
    "toa_insolation",
    "toa_insolation_mean",
]

#: Total solar irradiance at 1 AU, W m-2 (Kopp & Lean 2011).
SOLAR_CONSTANT_W_M2 = 1361.0

_TWO_PI = 2.0 * np.pi


def days_in_year(year: int, calendar: str = "noleap") -> int:
    """Length of ``year`` in days: 365 for ``noleap``, else from the cftime calendar."""
    if calendar in ("noleap", "365_day"):
        return 365
    return (cftime.datetime(year + 1, 1, 1, calendar=calendar)
            - cftime.datetime(year, 1, 1, calendar=calendar)).days


def orbit(day_of_year, n_days_in_year=365):
    """Spencer (1971) orbital terms for day-of-year ``n`` (1-based, may be fractional).

    Returns
    -------
    declination_rad, distance_factor, equation_of_time_s : float or ndarray
        Solar declination (rad), ``(r0/r)**2`` (dimensionless) and the
        equation of time (s; apparent minus mean solar time).
    """
    g = _TWO_PI * (np.asarray(day_of_year, dtype=np.float64) - 1.0) / n_days_in_year
    c1, s1 = np.cos(g), np.sin(g)
    c2, s2 = np.cos(2.0 * g), np.sin(2.0 * g)
    c3, s3 = np.cos(3.0 * g), np.sin(3.0 * g)
    decl = (0.006918 - 0.399912 * c1 + 0.070257 * s1 - 0.006758 * c2
            + 0.000907 * s2 - 0.002697 * c3 + 0.00148 * s3)
    dist = 1.000110 + 0.034221 * c1 + 0.001280 * s1 + 0.000719 * c2 + 0.000077 * s2
    eot_min = 229.18 * (0.000075 + 0.001868 * c1 - 0.032077 * s1 - 0.014615 * c2 - 0.040849 * s2)
    return decl, dist, 60.0 * eot_min


def sun_geometry(lat_deg, decl):
    """``(a, b, h0)``: cos Z = a + b cos h; the sun is up for |h| < h0."""
    lat = np.deg2rad(np.asarray(lat_deg, dtype=np.float64))
    a = np.sin(lat) * np.sin(decl)
    b = np.cos(lat) * np.cos(decl)
    # At the poles b vanishes (cos of a rounded pi/2 is ~6e-17, not 0): the
    # sun is then up all day or not at all, which -a/b's sign still decides.
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(b > 0.0, -a / np.where(b > 0.0, b, 1.0), np.where(a > 0.0, -np.inf, np.inf))
    h0 = np.arccos(np.clip(ratio, -1.0, 1.0))
    return a, b, h0


def hour_angle(lon_deg, seconds_of_day, eot_s):
    """Solar hour angle, rad (0 at local apparent noon; not wrapped)."""
    return _TWO_PI * ((np.asarray(seconds_of_day, dtype=np.float64) + eot_s) / 86400.0 - 0.5) \
        + np.deg2rad(np.asarray(lon_deg, dtype=np.float64))


def integrated_cos_zenith(a, b, h0, h, sin_h0=None):
    """Integral of ``max(0, a + b cos x) dx`` from ``-pi`` to ``h`` (any real ``h``; periodic extension).

    ``sin_h0`` may be passed when the caller already has it (it is constant over a day).
    """
    if sin_h0 is None:
        sin_h0 = np.sin(h0)
    k = np.floor((h + np.pi) / _TWO_PI)
    # Clipping the in-period angle to [-h0, h0] makes the night parts add nothing.
    x = np.clip(h - k * _TWO_PI, -h0, h0)
    return k * (2.0 * (a * h0 + b * sin_h0)) + a * (x + h0) + b * (np.sin(x) + sin_h0)


def toa_insolation(lat_deg, lon_deg, day_of_year, seconds_of_day, n_days_in_year=365):
    """Instantaneous TOA irradiance on a horizontal surface, W m-2.

    ``seconds_of_day`` is UTC time of day (s); ``lon_deg`` east.  Arrays broadcast.
    """
    decl, dist, eot = orbit(day_of_year, n_days_in_year)
    a, b, _ = sun_geometry(lat_deg, decl)
    h = hour_angle(lon_deg, seconds_of_day, eot)
    return SOLAR_CONSTANT_W_M2 * dist * np.maximum(0.0, a + b * np.cos(h))


def toa_insolation_mean(lat_deg, lon_deg, day_of_year, t0_s, t1_s, n_days_in_year=365):
    """Exact mean TOA irradiance over UTC seconds-of-day ``[t0_s, t1_s]``, W m-2.

    The orbit is that of ``day_of_year`` throughout; ``t1_s > t0_s`` (an
    interval of one day, ``[0, 86400]``, gives :func:`daily_mean_insolation`).
    """
    t0 = np.asarray(t0_s, dtype=np.float64)
    t1 = np.asarray(t1_s, dtype=np.float64)
    if np.any(t1 <= t0):
        raise ValueError("toa_insolation_mean needs t1_s > t0_s")
    decl, dist, eot = orbit(day_of_year, n_days_in_year)
    a, b, h0 = sun_geometry(lat_deg, decl)
    h1 = hour_angle(lon_deg, t0, eot)
    h2 = hour_angle(lon_deg, t1, eot)
    return SOLAR_CONSTANT_W_M2 * dist * mean_cos_zenith(a, b, h0, h1, h2)


def mean_cos_zenith(a, b, h0, h1, h2):
    """Mean of ``max(0, a + b cos h)`` over hour angles ``[h1, h2]`` (``h2 > h1``), exact."""
    mean = (integrated_cos_zenith(a, b, h0, h2) - integrated_cos_zenith(a, b, h0, h1)) / (h2 - h1)
    # Near sunrise and sunset the antiderivative's terms cancel to second order,
    # so rounding can leave -1e-16 where the true mean is 0 or just above.
    return np.maximum(mean, 0.0)


def daily_mean_insolation(lat_deg, day_of_year, n_days_in_year=365):
    """Daily-mean TOA irradiance, W m-2 (Berger 1978; Hartmann 1994 eq. 2.17)."""
    decl, dist, _ = orbit(day_of_year, n_days_in_year)
    a, b, h0 = sun_geometry(lat_deg, decl)
    return SOLAR_CONSTANT_W_M2 / np.pi * dist * (a * h0 + b * np.sin(h0))
