"""Air-sea CO2 exchange of ocean_stub: Schmidt number, piston velocity, flux sign and units."""

from __future__ import annotations

import numpy as np
import pytest

from ocean_stub import airsea as asx
from ocean_stub import carbonate as cb

ZERO_C = cb.ZERO_CELSIUS_K


def test_schmidt_number_matches_wanninkhof_2014_table_1():
    """Table 1 of Wanninkhof (2014) lists Sc = 668 for CO2 in seawater at 20 degC; the fit gives 668.344."""
    sc20 = float(asx.schmidt_number_co2(20.0 + ZERO_C))
    assert sc20 == pytest.approx(668.344, abs=1e-9)
    assert round(sc20) == 668


def test_schmidt_number_falls_with_temperature_over_the_valid_range():
    sc = asx.schmidt_number_co2(np.linspace(-2.0, 40.0, 85) + ZERO_C)
    assert np.all(np.diff(sc) < 0)
    assert sc[-1] == pytest.approx(269.8, abs=0.1)     # 40 degC
    assert sc[0] > 2000                                # cold water: slow diffusion


def test_piston_velocity_reference_value():
    """k = 0.251 U^2 (Sc/660)^-0.5 cm/h: 25.1 cm/h at U = 10 m/s and Sc = 660."""
    k = asx.piston_velocity_m_s(10.0, 660.0)
    assert k == pytest.approx(25.1 / 100.0 / 3600.0, rel=1e-14)
    assert k * 100.0 * 3600.0 == pytest.approx(25.1, rel=1e-14)


def test_piston_velocity_uses_mean_square_wind_and_schmidt_scaling():
    k_steady = asx.piston_velocity_m_s(10.0, 660.0)
    # <U^2> = mean^2 + variance: a mean of 8 m/s with a 6 m/s standard deviation transfers like a steady 10 m/s.
    assert asx.piston_velocity_m_s(8.0, 660.0, wind_variance_m2_s2=36.0) == pytest.approx(k_steady, rel=1e-14)
    assert asx.piston_velocity_m_s(10.0, 4 * 660.0) == pytest.approx(k_steady / 2, rel=1e-14)
    assert asx.piston_velocity_m_s(0.0, 660.0) == 0.0


def test_k0_against_weiss_1974_check_value():
    """Weiss (1974) K0 at S = 35, 25 degC: ln K0 = -3.5617 (Dickson et al. 2007, ch. 5), i.e. 0.02839 mol kg-1 atm-1."""
    k0 = cb.k0_weiss1974(25.0 + ZERO_C, 35.0)
    assert np.log(k0) == pytest.approx(-3.5617, abs=1e-4)
    # Solubility falls with temperature and salinity (salting out): the solubility pump.
    assert cb.k0_weiss1974(5.0 + ZERO_C, 35.0) > k0 > cb.k0_weiss1974(25.0 + ZERO_C, 38.0)


def test_seawater_density_eos80_check_values():
    """UNESCO (1981) one-atmosphere density: 1023.343 kg m-3 at S = 35, t68 = 25 degC; 1028.106 at 0 degC."""
    def t90(t68):
        return t68 / asx.T68_PER_T90 + ZERO_C

    assert asx.seawater_density_kg_m3(t90(25.0), 35.0) == pytest.approx(1023.343, abs=1e-3)
    assert asx.seawater_density_kg_m3(t90(5.0), 35.0) == pytest.approx(1027.675, abs=1e-3)
    assert asx.seawater_density_kg_m3(t90(0.0), 35.0) == pytest.approx(1028.106, abs=1e-3)
    assert asx.seawater_density_kg_m3(t90(4.0), 0.0) == pytest.approx(999.975, abs=1e-3)  # Bigg (1967) maximum


def test_flux_sign_is_positive_into_the_atmosphere():
    k = asx.piston_velocity_m_s(10.0, 660.0)
    k0 = 0.0284
    outgassing = asx.co2_flux_mol_m2_s(400.0, 500.0, k0, k)   # supersaturated water
    uptake = asx.co2_flux_mol_m2_s(400.0, 300.0, k0, k)
    assert outgassing > 0 > uptake
    assert outgassing == pytest.approx(-uptake, rel=1e-14)
    assert asx.co2_flux_mol_m2_s(400.0, 400.0, k0, k) == 0.0


def test_flux_magnitude_units_and_ice():
    """F = k K0 rho dfCO2: 6.972e-5 m/s * 0.0284 mol/kg/atm * 1025 kg/m3 * 1e-4 atm = 2.03e-7 mol m-2 s-1."""
    k = 25.1 / 100.0 / 3600.0
    f = asx.co2_flux_mol_m2_s(380.0, 480.0, 0.0284, k)
    assert f == pytest.approx(k * 0.0284 * 1025.0 * 100e-6, rel=1e-14)
    assert f == pytest.approx(2.0295e-7, rel=1e-4)
    assert f * 3.1536e7 == pytest.approx(6.40, abs=0.01)          # mol m-2 yr-1, a typical 100 uatm / 10 m/s value
    assert asx.co2_flux_mol_m2_s(380.0, 480.0, 0.0284, k, ice_free_fraction=0.25) == pytest.approx(f / 4, rel=1e-14)
    assert asx.co2_flux_mol_m2_s(380.0, 480.0, 0.0284, k, ice_free_fraction=0.0) == 0.0
    rho = asx.seawater_density_kg_m3(ZERO_C + 10.0, 35.0)
    assert asx.co2_flux_mol_m2_s(380.0, 480.0, 0.0284, k, rho_kg_m3=rho) == pytest.approx(f * rho / 1025.0)
    assert asx.co2_flux_kg_c_m2_s(f) == pytest.approx(f * 12.011e-3, rel=1e-14)
    assert asx.MOLAR_MASS_C_KG_MOL == 12.011e-3


def test_flux_vectorised_over_cells():
    n = 1000
    rng = np.random.default_rng(3)
    T_K = rng.uniform(-2, 32, n) + ZERO_C
    s = rng.uniform(30, 38, n)
    k = asx.piston_velocity_m_s(rng.uniform(0, 20, n), asx.schmidt_number_co2(T_K))
    f = asx.co2_flux_mol_m2_s(np.full(n, 280.0), rng.uniform(200, 500, n), cb.k0_weiss1974(T_K, s), k,
                              ice_free_fraction=rng.uniform(0, 1, n), rho_kg_m3=asx.seawater_density_kg_m3(T_K, s))
    assert f.shape == (n,) and np.all(np.isfinite(f))


def test_air_fugacity_and_equilibrium_dic_match_pyco2sys():
    """Air side: xCO2 (dry, ppm) -> pCO2 in moist air -> fCO2, then the DIC in equilibrium with it.

    PyCO2SYS takes xCO2 directly (par2_type=9) with the same vapour pressure (Weiss & Price 1980) and
    fugacity factor (Weiss 1974), so the two DICs must agree.
    """
    pyco2 = pytest.importorskip("PyCO2SYS")
    t_c = np.linspace(-2.0, 32.0, 18)
    s = np.linspace(30.0, 38.0, 18)
    ta_umol = np.linspace(2200.0, 2450.0, 18)
    x = 280.0
    T_K = t_c + ZERO_C
    fco2 = asx.fco2_air_uatm(x, T_K, s)
    ref = pyco2.sys(par1=ta_umol, par2=x, par1_type=1, par2_type=9, temperature=t_c, salinity=s,
                    opt_k_carbonic=10, opt_pH_scale=1, opt_total_borate=1, opt_k_bisulfate=1, opt_k_fluoride=1,
                    opt_gas_constant=3, total_phosphate=0, total_silicate=0)
    np.testing.assert_allclose(fco2, ref["fCO2"], rtol=1e-12)
    np.testing.assert_allclose(asx.pco2_air_uatm(x, T_K, s), ref["pCO2"], rtol=1e-12)
    dic = cb.dic_at_fco2(fco2, ta_umol * 1e-6, T_K, s) * 1e6
    np.testing.assert_allclose(dic, ref["dic"], atol=1e-6)
    # Water vapour dilutes the dry mole fraction by a few per cent in warm water.
    assert np.all(fco2 < x) and fco2[-1] < 0.96 * x


def test_equilibrated_ocean_has_zero_flux():
    """Water in equilibrium with the air (DIC from the air's fCO2) exchanges no CO2."""
    T_K = np.array([271.0, 288.0, 303.0])
    s = np.array([34.0, 35.0, 36.0])
    ta = np.array([2.30e-3, 2.32e-3, 2.38e-3])
    fco2_air = asx.fco2_air_uatm(280.0, T_K, s)
    dic = cb.dic_at_fco2(fco2_air, ta, T_K, s)
    state = cb.carbonate_system(dic, ta, T_K, s)
    k = asx.piston_velocity_m_s(7.0, asx.schmidt_number_co2(T_K))
    f = asx.co2_flux_mol_m2_s(fco2_air, state.fco2_uatm, state.k0_mol_kg_atm, k)
    np.testing.assert_allclose(f, 0.0, atol=1e-20)


def test_cold_water_holds_more_carbon():
    """Solubility pump: at the same alkalinity, salinity and air CO2, equilibrium DIC falls as the water warms."""
    T_K = np.linspace(-2.0, 30.0, 17) + ZERO_C
    dic = cb.dic_at_fco2(asx.fco2_air_uatm(280.0, T_K, 35.0), 2.3e-3, T_K, 35.0)
    assert np.all(np.diff(dic) < 0)
    assert (dic[0] - dic[-1]) * 1e6 > 150.0   # umol/kg between polar and tropical surface water
