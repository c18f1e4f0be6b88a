"""Surface energy balance and soil heat: FAO-56 examples, analytic solutions, exact closure."""

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from lsm import constants as C
from lsm import energy as E

SIGMA = C.STEFAN_BOLTZMANN


# ---------------------------------------------------------------------------------------
# Constants and thermodynamics
# ---------------------------------------------------------------------------------------

def test_constants_match_coupler_wide_values():
    from atmos_stub import boundary_layer, weather

    assert C.LATENT_HEAT_VAPORISATION == boundary_layer.LATENT_HEAT_VAPORISATION
    assert C.CP_AIR == boundary_layer.CP_AIR
    assert C.STEFAN_BOLTZMANN == boundary_layer.STEFAN_BOLTZMANN == weather.STEFAN_BOLTZMANN
    assert C.EPSILON_WATER == weather.EPSILON_WATER
    assert C.ZERO_CELSIUS_K == weather.ZERO_CELSIUS_K


def test_saturation_vapour_pressure_matches_atmosphere_and_fao56():
    from atmos_stub.weather import saturation_vapour_pressure_Pa as atmos_es

    t = np.linspace(200.0, 330.0, 1301)
    np.testing.assert_allclose(E.saturation_vapour_pressure_Pa(t), atmos_es(t), rtol=1e-15)
    # FAO-56 Annex 2 Table 2.3: e°(T) = 1.228, 2.338, 4.243 kPa at 10, 20, 30 degC.
    np.testing.assert_allclose(1e-3 * E.saturation_vapour_pressure_Pa(np.array([10.0, 20.0, 30.0]) + 273.15),
                               [1.228, 2.338, 4.243], atol=6e-4)
    # Slope against a centred difference, away from the ice/water switch at 0 degC.
    t = np.concatenate([np.linspace(220.0, 272.0, 50), np.linspace(274.0, 320.0, 50)])
    h = 1e-4
    fd = (E.saturation_vapour_pressure_Pa(t + h) - E.saturation_vapour_pressure_Pa(t - h)) / (2 * h)
    np.testing.assert_allclose(E.saturation_vapour_pressure_slope_Pa_K(t), fd, rtol=1e-7)


def test_saturation_specific_humidity_inverts_huss_and_dew_point():
    t = np.array([230.0, 260.0, 273.15, 290.0, 310.0])
    ps = np.array([60000.0, 80000.0, 101325.0, 95000.0, 101325.0])
    e = E.saturation_vapour_pressure_Pa(t)
    huss = 0.622 * e / (ps - 0.378 * e)           # the atmosphere's definition
    np.testing.assert_allclose(E.saturation_specific_humidity(t, ps), huss, rtol=1e-14)
    np.testing.assert_allclose(E._dew_point_K(huss, ps), t, atol=1e-9)


# ---------------------------------------------------------------------------------------
# FAO-56 (Allen et al. 1998, FAO Irrigation and Drainage Paper 56, chapter 4)
# ---------------------------------------------------------------------------------------

def _fao_es_kPa(t_C):
    return 1e-3 * E.saturation_vapour_pressure_Pa(np.asarray(t_C) + 273.15)


def _fao_extraterrestrial_MJ_m2_day(lat_rad, doy):
    """FAO-56 eq. 21-25 and 34: daily Ra and daylight hours N."""
    dr = 1.0 + 0.033 * np.cos(2 * np.pi * doy / 365)
    decl = 0.409 * np.sin(2 * np.pi * doy / 365 - 1.39)
    ws = np.arccos(-np.tan(lat_rad) * np.tan(decl))
    ra = 24 * 60 / np.pi * 0.0820 * dr * (ws * np.sin(lat_rad) * np.sin(decl)
                                          + np.cos(lat_rad) * np.cos(decl) * np.sin(ws))
    return ra, 24 / np.pi * ws


def test_fao56_aerodynamic_resistance_of_grass_is_208_over_u2():
    # FAO-56 eq. 4 box: h = 0.12 m, zm = zh = 2 m gives ra = 208 / u2.
    u2 = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
    ra = E.aerodynamic_resistance_s_m(u2, 0.12, zm_m=2.0)
    np.testing.assert_allclose(ra * u2, 208.0, atol=0.5)
    # Taller canopies are rougher: lower resistance at the same wind.
    assert np.all(np.diff(E.aerodynamic_resistance_s_m(3.0, np.array([0.1, 0.5, 2.0, 5.0]), zm_m=10.0)) < 0)


def test_fao56_example_18_daily_et0_brussels():
    """Example 18: Brussels (50°48'N, 100 m), 6 July (J = 187); ET0 = 3.9 mm/day.

    Inputs: Tmax 21.5 degC, Tmin 12.3 degC, RHmax 84 %, RHmin 63 %, wind 10 km/h
    at 10 m, sunshine n = 9.25 h, G = 0, albedo 0.23.  Published intermediate
    values are checked on the way.
    """
    tmax, tmin, rhmax, rhmin = 21.5, 12.3, 84.0, 63.0
    z, lat, doy, n_sun = 100.0, np.radians(50.0 + 48.0 / 60.0), 187, 9.25
    u10 = 10.0 / 3.6

    p = 101.3 * ((293.0 - 0.0065 * z) / 293.0) ** 5.26                 # eq. 7
    assert round(p, 1) == 100.1
    assert round(0.665e-3 * p, 4) == 0.0666                              # eq. 8
    u2 = u10 * 4.87 / np.log(67.8 * 10.0 - 5.42)                         # eq. 47
    assert round(u2, 3) == 2.078
    es = 0.5 * (_fao_es_kPa(tmax) + _fao_es_kPa(tmin))                    # eq. 12
    ea = 0.5 * (_fao_es_kPa(tmin) * rhmax / 100 + _fao_es_kPa(tmax) * rhmin / 100)   # eq. 17
    assert round(es, 3) == 1.997 and round(ea, 3) == 1.409
    tmean = 0.5 * (tmax + tmin)
    assert round(1e-3 * E.saturation_vapour_pressure_slope_Pa_K(tmean + 273.15), 3) == 0.122   # eq. 13
    ra_toa, daylength = _fao_extraterrestrial_MJ_m2_day(lat, doy)
    assert round(ra_toa, 2) == 41.09 and round(daylength, 1) == 16.1
    rs = (0.25 + 0.50 * n_sun / daylength) * ra_toa                      # eq. 35
    rso = (0.75 + 2e-5 * z) * ra_toa                                     # eq. 37
    assert round(rs, 2) == 22.07 and round(rso, 2) == 30.90
    rnl = (4.903e-9 * 0.5 * ((tmax + 273.16) ** 4 + (tmin + 273.16) ** 4)
           * (0.34 - 0.14 * np.sqrt(ea)) * (1.35 * rs / rso - 0.35))      # eq. 39
    rn = (1 - 0.23) * rs - rnl
    assert round(rnl, 2) == 3.71 and round(rn, 2) == 13.28

    et0 = E.reference_et0_fao56(rn - 0.0, tmean, u2, es, ea, p, period="day")
    assert round(float(et0), 1) == 3.9

    # The same day through the model's Penman-Monteith with the FAO grass
    # resistances (ra from eq. 4, rs = 70 s/m) and the model's own constants:
    # FAO's fixed lambda = 2.45 MJ/kg and rounded coefficients differ by ~2 %.
    ra = E.aerodynamic_resistance_s_m(u2, 0.12, zm_m=2.0)
    le = E.penman_monteith_latent_heat(rn * 1e6 / 86400, tmean + 273.15, (es - ea) * 1e3, p * 1e3, ra, 70.0)
    et_mm_day = le / C.LATENT_HEAT_VAPORISATION * 86400
    assert et_mm_day == pytest.approx(float(et0), rel=0.03)


def test_fao56_example_19_hourly_et0_senegal():
    """Example 19: N'Diaye, Senegal (16°13'N, 8 m), 1 October, hourly ET0.

    14-15 h: T = 38 degC, RH = 52 %, u2 = 3.3 m/s, published Rn = 1.749 and
    G = 0.1 Rn = 0.175 MJ m-2 h-1 -> ET0 = 0.63 mm/hour.
    02-03 h: T = 28 degC, RH = 90 %, u2 = 1.9 m/s, Rn = -0.100, G = 0.5 Rn ->
    ET0 = 0.0 mm/hour.
    """
    p = 101.3 * ((293.0 - 0.0065 * 8.0) / 293.0) ** 5.26
    assert round(0.665e-3 * p, 4) == 0.0673
    t = np.array([38.0, 28.0])
    rh = np.array([52.0, 90.0])
    u2 = np.array([3.3, 1.9])
    rn = np.array([1.749, -0.100])
    g = np.array([0.1, 0.5]) * rn
    es = _fao_es_kPa(t)
    ea = es * rh / 100
    np.testing.assert_allclose(es[0], 6.625, atol=5e-4)
    np.testing.assert_allclose(ea[0], 3.445, atol=5e-4)
    np.testing.assert_allclose(1e-3 * E.saturation_vapour_pressure_slope_Pa_K(t[0] + 273.15), 0.358, atol=5e-4)
    et0 = E.reference_et0_fao56(rn - g, t, u2, es, ea, p, period="hour")
    assert round(float(et0[0]), 2) == 0.63
    assert abs(float(et0[1])) < 0.05


def test_penman_monteith_limits():
    tas, ps, ra = 293.15, 101325.0, 50.0
    a = 300.0
    # No surface conductance: no evaporation.
    assert E.penman_monteith_latent_heat(a, tas, 1000.0, ps, ra, np.inf) == 0.0
    # Saturated air, wet surface: equilibrium evaporation Delta/(Delta + gamma) A (Slatyer & McIlroy 1961).
    d, g = E.saturation_vapour_pressure_slope_Pa_K(tas), E.psychrometric_constant_Pa_K(ps)
    assert E.penman_monteith_latent_heat(a, tas, 0.0, ps, ra, 0.0) == pytest.approx(d / (d + g) * a, rel=1e-14)
    # Larger canopy resistance, less evaporation.
    les = E.penman_monteith_latent_heat(a, tas, 1000.0, ps, ra, np.array([0.0, 50.0, 200.0, 1000.0]))
    assert np.all(np.diff(les) < 0)


# ---------------------------------------------------------------------------------------
# Surface energy balance
# ---------------------------------------------------------------------------------------

def _random_forcing(rng, n):
    tas = rng.uniform(235.0, 315.0, n)
    ps = rng.uniform(55000.0, 104000.0, n)
    huss = rng.uniform(0.02, 1.05, n) * E.saturation_specific_humidity(tas, ps)   # includes supersaturation
    ra = E.aerodynamic_resistance_s_m(rng.uniform(0.0, 20.0, n), rng.uniform(0.02, 35.0, n))
    rs = np.where(rng.random(n) < 0.15, np.inf, rng.uniform(0.0, 3000.0, n))
    return {"rsds_W_m2": rng.uniform(0.0, 1150.0, n), "rlds_W_m2": rng.uniform(120.0, 480.0, n), "tas_K": tas,
            "huss_kg_kg": huss, "ps_Pa": ps, "albedo": rng.uniform(0.03, 0.9, n),
            "emissivity": rng.uniform(0.85, 1.0, n),
            "ra_s_m": ra, "rs_s_m": rs, "t_soil_K": tas + rng.uniform(-20.0, 20.0, n),
            "g_soil_W_m2_K": rng.uniform(0.5, 150.0, n)}


def _check_closure(seb, forcing):
    scale = np.abs(seb.rn_W_m2) + np.abs(seb.h_W_m2) + np.abs(seb.le_W_m2) + np.abs(seb.g_W_m2)
    imbalance = seb.rn_W_m2 - (seb.h_W_m2 + seb.le_W_m2 + seb.g_W_m2)
    assert np.all(np.abs(imbalance) <= 1e-12 * scale)
    # The residual H equals the flux-gradient H: Newton converged.
    rho = E.air_density_kg_m3(forcing["ps_Pa"], forcing["tas_K"], forcing["huss_kg_kg"])
    h_flux = rho * C.CP_AIR * (seb.ts_K - forcing["tas_K"]) / forcing["ra_s_m"]
    assert np.all(np.abs(seb.h_W_m2 - h_flux) <= 1e-6 * (1.0 + scale))
    # One latent heat everywhere: ET is LE / L bit for bit.
    assert np.array_equal(seb.et_kg_m2_s, seb.le_W_m2 / C.LATENT_HEAT_VAPORISATION)
    np.testing.assert_allclose(seb.rn_W_m2, E.net_radiation_W_m2(
        forcing["rsds_W_m2"], forcing["rlds_W_m2"], seb.ts_K, forcing["albedo"], forcing["emissivity"]), rtol=1e-15,
        atol=1e-12)
    np.testing.assert_allclose(seb.g_W_m2, forcing["g_soil_W_m2_K"] * (seb.ts_K - forcing["t_soil_K"]),
                               rtol=1e-15, atol=1e-12)


def test_energy_balance_closes_for_many_random_tiles():
    forcing = _random_forcing(np.random.default_rng(20240601), 20000)
    seb = E.solve_surface_energy_balance(**forcing)
    assert np.all(np.isfinite(seb.ts_K))
    assert seb.iterations <= 12
    _check_closure(seb, forcing)


@settings(max_examples=150, deadline=None)
@given(rsds=st.floats(0.0, 1200.0), rlds=st.floats(100.0, 500.0), tas=st.floats(220.0, 320.0),
       rh=st.floats(0.0, 1.0), ps=st.floats(50000.0, 105000.0), albedo=st.floats(0.02, 0.95),
       emissivity=st.floats(0.8, 1.0), wind=st.floats(0.0, 30.0), height=st.floats(0.01, 40.0),
       rs=st.one_of(st.floats(0.0, 1e4), st.just(np.inf)), dt_soil=st.floats(-30.0, 30.0),
       g_soil=st.floats(0.0, 300.0), le_max=st.one_of(st.none(), st.floats(0.0, 800.0)))
def test_energy_balance_closes_hypothesis(rsds, rlds, tas, rh, ps, albedo, emissivity, wind, height, rs, dt_soil,
                                          g_soil, le_max):
    forcing = {"rsds_W_m2": np.array([rsds]), "rlds_W_m2": np.array([rlds]), "tas_K": np.array([tas]),
               "huss_kg_kg": rh * E.saturation_specific_humidity(np.array([tas]), ps), "ps_Pa": np.array([ps]),
               "albedo": np.array([albedo]), "emissivity": np.array([emissivity]),
               "ra_s_m": E.aerodynamic_resistance_s_m(np.array([wind]), height), "rs_s_m": np.array([rs]),
               "t_soil_K": np.array([tas + dt_soil]), "g_soil_W_m2_K": np.array([g_soil])}
    seb = E.solve_surface_energy_balance(**forcing, le_max_W_m2=le_max)
    _check_closure(seb, forcing)
    if le_max is not None:
        assert seb.le_W_m2[0] <= le_max


def _radiative_convective_residual(ts, a, s, lw, e, ta, tg, chi, g):
    return (1 - a) * s + e * lw - e * SIGMA * ts**4 - chi * (ts - ta) - g * (ts - tg)


def test_zero_latent_heat_matches_scalar_radiative_convective_root():
    """rs = inf and dry air: LE = 0, Ts solves (1-a)S + eL - e sigma Ts^4 = rho cp (Ts-Ta)/ra + g (Ts-Tg)."""
    rng = np.random.default_rng(7)
    n = 40
    forcing = _random_forcing(rng, n)
    forcing["rs_s_m"] = np.full(n, np.inf)
    forcing["huss_kg_kg"] = np.zeros(n)
    seb = E.solve_surface_energy_balance(**forcing)
    assert np.all(seb.le_W_m2 == 0.0)
    rho = E.air_density_kg_m3(forcing["ps_Pa"], forcing["tas_K"], forcing["huss_kg_kg"])
    for i in range(n):
        a, s, lw = forcing["albedo"][i], forcing["rsds_W_m2"][i], forcing["rlds_W_m2"][i]
        e, ta, tg = forcing["emissivity"][i], forcing["tas_K"][i], forcing["t_soil_K"][i]
        chi, g = rho[i] * C.CP_AIR / forcing["ra_s_m"][i], forcing["g_soil_W_m2_K"][i]

        ts = brentq(_radiative_convective_residual, 100.0, 500.0, args=(a, s, lw, e, ta, tg, chi, g),
                    xtol=1e-13, rtol=4 * np.finfo(float).eps)
        assert abs(seb.ts_K[i] - ts) < 1e-8


def test_bulk_balance_agrees_with_penman_monteith_near_air_temperature():
    """Penman-Monteith is the balance linearised about Ta: they agree when Ts - Ta is small."""
    n = 50
    rng = np.random.default_rng(3)
    tas = rng.uniform(280.0, 300.0, n)
    ps = np.full(n, 100000.0)
    huss = 0.7 * E.saturation_specific_humidity(tas, ps)
    ra = E.aerodynamic_resistance_s_m(rng.uniform(2.0, 6.0, n), 0.12, zm_m=2.0)
    rs = rng.uniform(30.0, 150.0, n)
    forcing = {"rsds_W_m2": rng.uniform(50.0, 200.0, n), "rlds_W_m2": SIGMA * tas**4 * 0.8, "tas_K": tas,
               "huss_kg_kg": huss, "ps_Pa": ps, "albedo": 0.23, "emissivity": 0.98, "ra_s_m": ra, "rs_s_m": rs,
               "t_soil_K": tas, "g_soil_W_m2_K": 5.0}
    seb = E.solve_surface_energy_balance(**forcing)
    assert np.max(np.abs(seb.ts_K - tas)) < 3.0
    ea = huss * ps / (C.EPSILON_WATER + (1 - C.EPSILON_WATER) * huss)
    vpd = E.saturation_vapour_pressure_Pa(tas) - ea
    le_pm = E.penman_monteith_latent_heat(seb.rn_W_m2 - seb.g_W_m2, tas, vpd, ps, ra, rs)
    # Two differences remain: the curvature of the saturation curve, O((Ts - Ta)^2), which
    # makes the bulk flux larger for either sign of Ts - Ta, and specific humidity versus
    # vapour pressure (q = eps e / (p - 0.378 e) is ~1 % above eps e / p).
    ratio = seb.le_W_m2 / le_pm
    assert np.all((ratio > 1.0) & (ratio < 1.06))
    close = np.abs(seb.ts_K - tas) < 0.5
    assert close.sum() >= 5 and np.all(ratio[close] < 1.02)


def test_moisture_limit_wet_surface_and_dew():
    n = 3
    base = {"rsds_W_m2": np.full(n, 700.0), "rlds_W_m2": np.full(n, 350.0), "tas_K": np.full(n, 298.0),
            "huss_kg_kg": np.full(n, 0.008), "ps_Pa": np.full(n, 100000.0), "albedo": 0.2, "emissivity": 0.97,
            "ra_s_m": np.full(n, 40.0), "rs_s_m": np.array([0.0, 0.0, np.inf]), "t_soil_K": np.full(n, 295.0),
            "g_soil_W_m2_K": np.full(n, 20.0)}
    wet = E.solve_surface_energy_balance(**base)
    limited = E.solve_surface_energy_balance(**base, le_max_W_m2=np.array([np.inf, 50.0, 50.0]))
    assert limited.le_W_m2[1] == 50.0 and wet.le_W_m2[1] > 50.0
    assert limited.ts_K[1] > wet.ts_K[1] and limited.h_W_m2[1] > wet.h_W_m2[1]   # drying heats the surface
    assert wet.le_W_m2[2] == 0.0
    assert wet.le_W_m2[0] > wet.le_W_m2[2]
    # Clear calm night over a cold surface in moist air: dew (negative LE) even with closed stomata.
    night = E.solve_surface_energy_balance(0.0, 250.0, 283.0, 0.0095, 100000.0, 0.2, 0.98, 200.0, np.inf,
                                           278.0, 2.0)
    assert night.le_W_m2 < 0.0 and night.ts_K < 283.0


def test_parallel_resistance_partitions_latent_heat():
    ra = np.array([50.0, 50.0, 50.0])
    rs_eff, share = E.parallel_surface_resistance_s_m(ra, 100.0, 400.0, np.array([1.0, 0.0, 0.6]))
    np.testing.assert_allclose(rs_eff[:2], [100.0, 400.0], rtol=1e-14)
    conductance = 0.6 / 150.0 + 0.4 / 450.0
    np.testing.assert_allclose(1.0 / (ra[2] + rs_eff[2]), conductance, rtol=1e-14)
    np.testing.assert_allclose(share, [1.0, 0.0, 0.6 / 150.0 / conductance], rtol=1e-14)


# ---------------------------------------------------------------------------------------
# Soil heat
# ---------------------------------------------------------------------------------------

def test_soil_thermal_properties_are_physical():
    sand = np.array([0.92, 0.40, 0.10])
    clay = np.array([0.03, 0.20, 0.60])
    porosity = (50.5 - 0.142 * 100 * sand - 0.037 * 100 * clay) / 100        # Cosby et al. (1984)
    theta = np.linspace(0.0, 1.0, 11)[:, None] * porosity
    cap, k = E.soil_thermal_properties(sand, clay, porosity, theta)
    assert np.all(np.diff(k, axis=0) >= 0) and np.all(np.diff(cap, axis=0) > 0)
    # Dry mineral soils conduct 0.15-0.35 W/m/K, saturated ones 1-3 W/m/K
    # (Farouki 1981; Abu-Hamdeh 2003); saturated sand conducts best.
    assert np.all((k[0] > 0.15) & (k[0] < 0.35))
    assert np.all((k[-1] > 1.0) & (k[-1] < 3.5)) and k[-1, 0] > k[-1, 1] > k[-1, 2]
    # Heat capacity: ~1.1-1.4 MJ/m3/K dry, 2.5-3.3 MJ/m3/K saturated (de Vries 1963).
    assert np.all((cap[0] > 1.0e6) & (cap[0] < 1.45e6)) and np.all((cap[-1] > 2.5e6) & (cap[-1] < 3.3e6))


def _random_soil(rng, n, nlayer=6):
    dz = np.array(E.DEFAULT_LAYER_THICKNESS_M)[:nlayer]
    sand, clay = rng.uniform(0.05, 0.9, n), rng.uniform(0.03, 0.5, n)
    clay = np.minimum(clay, 0.97 - sand)
    porosity = rng.uniform(0.35, 0.55, n)
    theta = rng.uniform(0.0, 1.0, (nlayer, n)) * porosity
    cap, k = E.soil_thermal_properties(sand, clay, porosity, theta)
    t = 285.0 + rng.normal(0.0, 5.0, (nlayer, n))
    return t, cap, k, dz


def test_soil_step_heat_content_change_equals_ground_flux():
    rng = np.random.default_rng(11)
    n = 500
    t, cap, k, dz = _random_soil(rng, n)
    dt = 3600.0
    g = rng.uniform(-300.0, 300.0, n)
    t_new = E.soil_heat_step(t, cap, k, dz, g, dt)
    stored = np.sum(cap * dz[:, None] * (t_new - t), axis=0)
    # Rounding scale: the largest flux the step moves (the surface flux or an interior one).
    interior = np.max(np.abs(k[:-1] * (t_new[:-1] - t_new[1:])) / dz[:-1, None], axis=0)
    assert np.all(np.abs(stored - g * dt) <= 1e-12 * (np.abs(g) + interior) * dt)
    ledger = E.column_energy_J_m2(t_new, cap, dz) - E.column_energy_J_m2(t, cap, dz)
    assert np.all(np.abs(ledger - g * dt) <= 1e-12 * E.column_energy_J_m2(t, cap, dz))
    # Zero flux conserves heat and relaxes toward a uniform profile.
    t_iso = t
    for _ in range(200):
        t_iso = E.soil_heat_step(t_iso, cap, k, dz, 0.0, 86400.0 * 30)
    np.testing.assert_allclose(E.column_energy_J_m2(t_iso, cap, dz), E.column_energy_J_m2(t, cap, dz), rtol=1e-13)
    assert np.max(np.ptp(t_iso, axis=0)) < 1e-3


def test_constant_flux_gives_the_analytic_parabolic_profile():
    """Uniform soil, flux G in at the top, none at the bottom: after the transient,
    T(z, t) = T0 + G t/(C D) + G/(k D) ((D - z)^2/2 - D^2/6), which the
    finite-volume backward-Euler scheme reproduces exactly at the nodes."""
    nlayer, depth = 20, 1.0
    dz = np.full(nlayer, depth / nlayer)
    z = (np.arange(nlayer) + 0.5) * depth / nlayer
    k = np.array([0.8, 1.5, 2.5])
    cap = np.array([1.5e6, 2.5e6, 3.0e6])
    g = np.array([20.0, -15.0, 5.0])
    t0 = 280.0
    t = np.full((nlayer, 3), t0)
    dt, nstep = 2.0e5, 80
    for _ in range(nstep):
        t = E.soil_heat_step(t, cap, k, dz, g, dt)
    mean = np.sum(t * dz[:, None], axis=0) / depth
    np.testing.assert_allclose(mean - t0, g * nstep * dt / (cap * depth), rtol=1e-12)
    shape = g / (k * depth) * ((depth - z[:, None]) ** 2 / 2 - depth**2 / 6)
    np.testing.assert_allclose((t - mean) - (shape - np.sum(shape * dz[:, None], axis=0) / depth), 0.0, atol=1e-9)


def test_sinusoidal_surface_temperature_damping_depth():
    """Periodic surface temperature over a deep uniform soil:
    T = Tm + A exp(-z/d) sin(w t - z/d), d = sqrt(2 kappa / w) (Carslaw & Jaeger 1959)."""
    nlayer, layer = 50, 0.015
    dz = np.full(nlayer, layer)
    z = (np.arange(nlayer) + 0.5) * layer
    k = np.array([0.6, 1.8])
    cap = np.array([1.5e6, 2.4e6])
    kappa = k / cap
    w = 2 * np.pi / 86400.0
    d = np.sqrt(2 * kappa / w)
    tm, amp = 285.0, 8.0

    def analytic(time):
        return tm + amp * np.exp(-z[:, None] / d) * np.sin(w * time - z[:, None] / d)

    dt = 300.0
    steps = int(1.5 * 86400 / dt)
    t = analytic(0.0)
    g_top = 2 * k / layer
    worst = 0.0
    for step in range(1, steps + 1):
        ts = tm + amp * np.sin(w * step * dt)
        d0, u = E.soil_heat_response(t, cap, k, dz, dt)
        g = g_top * (ts - t[0] - d0[0]) / (1 + g_top * u[0])           # implicit Dirichlet
        t_new = t + d0 + g * u
        np.testing.assert_allclose(g, g_top * (ts - t_new[0]), rtol=1e-9, atol=1e-9)
        t = t_new
        if step * dt >= 86400 / 2:
            worst = max(worst, np.max(np.abs(t - analytic(step * dt))[z < 3 * d.max()]))
    # Backward Euler at w dt = 0.022 and dz/d <= 0.15: within 1 % of the surface amplitude
    # (0.4 % measured) over the top three damping depths.
    assert worst < 0.01 * amp


# ---------------------------------------------------------------------------------------
# Coupled surface + soil step (what the land component calls)
# ---------------------------------------------------------------------------------------

def test_coupled_steps_close_energy_every_step():
    rng = np.random.default_rng(5)
    n = 200
    t_soil, cap, k, dz = _random_soil(rng, n)
    forcing = _random_forcing(rng, n)
    del forcing["t_soil_K"], forcing["g_soil_W_m2_K"]
    rsds_peak = forcing.pop("rsds_W_m2")
    dt = 3600.0
    e0 = E.column_energy_J_m2(t_soil, cap, dz)
    g_total = np.zeros(n)
    for hour in range(24):
        rsds = rsds_peak * max(0.0, np.sin(2 * np.pi * (hour - 6) / 24))
        seb, t_new = E.step_surface_and_soil(dt, rsds, t_soil_K=t_soil, heat_capacity_J_m3_K=cap,
                                             conductivity_W_m_K=k, dz_m=dz, **forcing)
        scale = np.abs(seb.rn_W_m2) + np.abs(seb.h_W_m2) + np.abs(seb.le_W_m2) + np.abs(seb.g_W_m2)
        assert np.all(np.abs(seb.rn_W_m2 - (seb.h_W_m2 + seb.le_W_m2 + seb.g_W_m2)) <= 1e-12 * scale)
        stored = np.sum(cap * dz[:, None] * (t_new - t_soil), axis=0)
        assert np.all(np.abs(stored - seb.g_W_m2 * dt) <= 1e-12 * (scale + 1e3) * dt)
        # Implicit coupling: G is driven by the NEW top-layer temperature.
        np.testing.assert_allclose(seb.g_W_m2, 2 * k[0] / dz[0] * (seb.ts_K - t_new[0]), rtol=1e-9, atol=1e-9)
        g_total += seb.g_W_m2 * dt
        t_soil = t_new
    ledger = E.column_energy_J_m2(t_soil, cap, dz) - e0
    assert np.all(np.abs(ledger - g_total) <= 1e-12 * 24 * e0)


def test_performance_report(capsys):
    rng = np.random.default_rng(1)
    n = 10_000
    t_soil, cap, k, dz = _random_soil(rng, n)
    forcing = _random_forcing(rng, n)
    del forcing["t_soil_K"], forcing["g_soil_W_m2_K"]
    nstep = 5
    start = time.perf_counter()
    for _ in range(nstep):
        seb, t_soil = E.step_surface_and_soil(1800.0, t_soil_K=t_soil, heat_capacity_J_m3_K=cap,
                                              conductivity_W_m_K=k, dz_m=dz, **forcing)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\nstep_surface_and_soil: {elapsed / (n * nstep) * 1e9:.0f} ns per tile-step "
              f"({n} tiles, {len(dz)} layers, {seb.iterations} Newton iterations)")
