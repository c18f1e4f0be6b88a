"""Top-of-atmosphere insolation against analytic and published values."""

import numpy as np
import pytest

from coupler.insolation import (
    SOLAR_CONSTANT_W_M2,
    daily_mean_insolation,
    days_in_year,
    orbit,
    toa_insolation,
    toa_insolation_mean,
)

S0 = SOLAR_CONSTANT_W_M2


def test_solar_constant_is_kopp_and_lean():
    assert S0 == 1361.0


def test_spencer_orbit_matches_published_extremes():
    days = np.arange(1, 366)
    decl, dist, eot = orbit(days, 365)
    # Obliquity 23.44 degrees; Spencer's series reproduces it to ~0.05 degrees.
    assert np.rad2deg(decl.max()) == pytest.approx(23.44, abs=0.1)
    assert np.rad2deg(decl.min()) == pytest.approx(-23.44, abs=0.1)
    # Eccentricity 0.0167: (r0/r)^2 spans (1 -+ e)^-2 = 0.967 .. 1.034, perihelion in early January.
    assert dist.max() == pytest.approx((1 - 0.0167) ** -2, abs=2e-3)
    assert dist.min() == pytest.approx((1 + 0.0167) ** -2, abs=2e-3)
    assert days[np.argmax(dist)] <= 5
    # Equation of time: about -14 minutes in mid-February, +16 in early November.
    assert eot.min() / 60 == pytest.approx(-14.2, abs=0.6)
    assert eot.max() / 60 == pytest.approx(16.4, abs=0.6)


def test_days_in_year():
    assert days_in_year(2000, "noleap") == 365
    assert days_in_year(2000, "proleptic_gregorian") == 366
    assert days_in_year(1900, "proleptic_gregorian") == 365
    assert days_in_year(2004, "standard") == 366


def test_equator_equinox_daily_mean_is_s0_over_pi():
    # Near the March equinox (21 March = day 80) the sun is overhead at noon at the
    # equator; the daily mean is S0/pi times the distance factor (Hartmann 1994 eq. 2.17).
    decl, dist, _ = orbit(80, 365)
    assert abs(np.rad2deg(decl)) < 0.5
    assert daily_mean_insolation(0.0, 80, 365) == pytest.approx(S0 / np.pi * dist, rel=0.01)


def test_polar_night_is_dark_and_polar_day_is_constant():
    hours = np.arange(0, 86400, 600.0)
    for lat, day in ((80.0, 355), (-80.0, 172), (70.0, 1)):
        assert daily_mean_insolation(lat, day) == 0.0
        assert np.all(toa_insolation(lat, 25.0, day, hours) == 0.0)
        assert np.all(toa_insolation_mean(lat, 25.0, day, hours, hours + 600) == 0.0)
    # At the pole in polar day cos Z = sin(decl) all day.
    decl, dist, _ = orbit(172, 365)
    expected = S0 * dist * np.sin(decl)
    np.testing.assert_allclose(toa_insolation(90.0, 0.0, 172, hours), expected, rtol=1e-12)
    assert daily_mean_insolation(90.0, 172) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("calendar_days,day", [(365, 1), (365, 80), (365, 172), (365, 355), (366, 366)])
def test_hourly_interval_means_average_to_daily_mean(calendar_days, day):
    lat = np.linspace(-90, 90, 37)[:, None]
    lon = np.array([0.0, 37.5, 179.9, 271.0, 359.5])[None, :]
    lat, lon = np.broadcast_arrays(lat, lon)
    t = np.arange(25) * 3600.0
    hourly = np.stack([toa_insolation_mean(lat, lon, day, t[k], t[k + 1], calendar_days) for k in range(24)])
    daily = daily_mean_insolation(lat, day, calendar_days)
    np.testing.assert_allclose(hourly.mean(axis=0), daily, rtol=0, atol=1e-10 * S0)
    assert np.all(hourly >= 0)


def test_interval_mean_equals_quadrature_of_instantaneous():
    # Independent check of the analytic integral: composite Simpson on a fine grid.
    lat, lon, day = np.array([-60.0, 5.0, 45.0, 66.0]), np.array([10.0, 200.0, 300.0, 90.0]), 140
    for t0, t1 in ((0.0, 3600.0), (20000.0, 31000.0), (43200.0, 86400.0)):
        s = np.linspace(t0, t1, 20001)
        f = toa_insolation(lat[:, None], lon[:, None], day, s[None, :])
        h = s[1] - s[0]
        simpson = h / 3 * (f[:, 0] + f[:, -1] + 4 * f[:, 1:-1:2].sum(axis=1) + 2 * f[:, 2:-1:2].sum(axis=1))
        # The kink at sunrise/sunset limits Simpson to ~h^2 accuracy: 1e-5 relative of S0 is ample.
        np.testing.assert_allclose(toa_insolation_mean(lat, lon, day, t0, t1), simpson / (t1 - t0),
                                   rtol=0, atol=1e-5 * S0)


def test_sun_is_highest_at_local_apparent_noon():
    day = 45
    _, _, eot = orbit(day, 365)
    lon = 90.0  # local noon at 06:00 UTC, shifted by the equation of time
    s = np.arange(0, 86400, 10.0)
    q = toa_insolation(30.0, lon, day, s)
    noon = 43200.0 - lon / 360 * 86400 - eot
    assert abs(s[np.argmax(q)] - noon) <= 10.0


def test_global_annual_mean_is_quarter_solar_constant():
    # Area weights are exact: bands of equal width in sin(latitude).
    edges = np.linspace(-1.0, 1.0, 2001)
    lat = np.rad2deg(np.arcsin(0.5 * (edges[:-1] + edges[1:])))
    days = np.arange(1, 366)
    q = daily_mean_insolation(lat[None, :], days[:, None], 365)
    assert q.mean() == pytest.approx(S0 / 4, rel=0.005)


def test_interval_must_be_positive():
    with pytest.raises(ValueError):
        toa_insolation_mean(0.0, 0.0, 1, 100.0, 100.0)
