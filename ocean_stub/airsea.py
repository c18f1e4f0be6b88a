"""Air-sea CO2 exchange: Schmidt number, piston velocity, bulk flux (SCIENCE.md section 5).

Bulk formula (Wanninkhof 2014, Limnol. Oceanogr. Methods 12, 351)::

    F_down = k K0 (fCO2_air - fCO2_sea)         [mol m-2 s-1, + into the ocean]

with the gas transfer (piston) velocity ``k`` (m s-1), the solubility ``K0``
of Weiss (1974) converted from mol kg-1 atm-1 to mol m-3 atm-1 by the
seawater density, and the CO2 fugacities in atm. Weiss's K0 is defined
against the fugacity, so both sides of the difference are fugacities:
``carbonate_system(...).fco2_uatm`` in the water and :func:`fco2_air_uatm`
(dry mole fraction -> partial pressure in water-saturated air -> fugacity)
in the air. Passing partial pressures on both sides instead biases the flux
by the fugacity factor, about -0.3 %.

Sign: the coupler field ``fgco2`` is positive INTO THE ATMOSPHERE (the
opposite of CMIP's fgco2), so :func:`co2_flux_mol_m2_s` returns
``F_up = -F_down``: positive where the ocean outgasses.

Sea ice blocks exchange: the flux is scaled by the ice-free fraction of the
ocean area, and is per m2 of ocean (open water plus ice), which is the area
the coupler weights ``fgco2`` by.
"""

from __future__ import annotations

import numpy as np

from ocean_stub.carbonate import UATM_PER_ATM, ZERO_CELSIUS_K, fugacity_factor

#: Molar mass of carbon, kg mol-1 (IUPAC conventional atomic weight 12.011 g mol-1).
MOLAR_MASS_C_KG_MOL = 12.011e-3

#: Schmidt number of CO2 in seawater (S = 35), Sc = A + B t + C t^2 + D t^3 + E t^4, t in degC,
#: valid -2..40 degC (Wanninkhof 2014, table 1; Sc(20 degC) = 668 there).
SCHMIDT_CO2_SEAWATER_W14 = (2116.8, -136.25, 4.7353, -0.092307, 0.0007555)
#: Schmidt number to which the transfer velocity is referenced (CO2 in seawater at 20 degC, Wanninkhof 1992).
SCHMIDT_REFERENCE = 660.0
#: Wanninkhof (2014) coefficient: k = 0.251 <U10^2> (Sc/660)^-0.5, k in cm h-1 for U10 in m s-1.
W14_COEFFICIENT_CM_H_PER_M2_S2 = 0.251
#: m s-1 per cm h-1.
M_S_PER_CM_H = 0.01 / 3600.0

#: Reference seawater density, kg m-3, for callers without temperature and salinity (S = 35 at about
#: 19 degC; :func:`seawater_density_kg_m3` gives 1021.6-1028 over the open surface ocean, so within 0.4 %).
RHO_SEAWATER_REFERENCE_KG_M3 = 1025.0

#: ITS-90 -> IPTS-68 temperature factor, t68 = 1.00024 t90 (Saunders 1990), for the EOS-80 fit.
T68_PER_T90 = 1.00024


def schmidt_number_co2(T_K):
    """Schmidt number (kinematic viscosity / diffusivity, dimensionless) of CO2 in seawater at ``T_K`` (K).

    Wanninkhof (2014) table 1 fourth-order fit for S = 35, valid from -2 to
    40 degC; it replaces the third-order fit of Wanninkhof (1992), which was
    fitted below 30 degC and falls to 86 at 40 degC, where this fit gives 270.
    """
    t_c = np.asarray(T_K, dtype=float) - ZERO_CELSIUS_K
    a, b, c, d, e = SCHMIDT_CO2_SEAWATER_W14
    return a + t_c * (b + t_c * (c + t_c * (d + t_c * e)))


def piston_velocity_m_s(wind_m_s, schmidt, wind_variance_m2_s2=0.0):
    """Gas transfer velocity of CO2, m s-1 (Wanninkhof 2014).

    ``k = 0.251 <U10^2> (Sc/660)^-0.5`` cm h-1 with ``U10`` the 10 m wind speed
    (m s-1). The law is quadratic in the wind, so it needs the mean of the
    *square*: with a time-mean wind ``wind_m_s`` and its variance about that
    mean ``wind_variance_m2_s2`` (m2 s-2), ``<U^2> = mean^2 + variance``.
    Leaving the variance out matters: for Rayleigh-distributed speeds
    ``<U^2> = (4/pi) <U>^2``, 27 % more than the squared mean (close to the
    ratio 0.39/0.31 of Wanninkhof's 1992 coefficients for long-term and
    steady winds).
    """
    u2 = np.square(np.asarray(wind_m_s, dtype=float)) + wind_variance_m2_s2
    k_cm_h = W14_COEFFICIENT_CM_H_PER_M2_S2 * u2 / np.sqrt(np.asarray(schmidt, dtype=float) / SCHMIDT_REFERENCE)
    return k_cm_h * M_S_PER_CM_H


def seawater_density_kg_m3(T_K, S):
    """Density of seawater at one standard atmosphere, kg m-3 (EOS-80).

    One-atmosphere equation of state of Millero & Poisson (1981, Deep-Sea
    Res. 28A, 625), as adopted in UNESCO (1981) and Fofonoff & Millard (1983,
    UNESCO Tech. Pap. Mar. Sci. 44), over the pure-water density of Bigg
    (1967)::

        rho = rho_w(t) + A(t) S + B(t) S^1.5 + C S^2,

    t in degC on IPTS-68 (converted from ITS-90 here). 1023.343 kg m-3 at
    S = 35, t68 = 25 degC; valid 0-40 degC, S 0.5-43 (used down to -2 degC).
    """
    t = (np.asarray(T_K, dtype=float) - ZERO_CELSIUS_K) * T68_PER_T90
    S = np.asarray(S, dtype=float)
    rho_w = 999.842594 + t * (6.793952e-2 + t * (-9.095290e-3 + t * (1.001685e-4
                                                                     + t * (-1.120083e-6 + t * 6.536332e-9))))
    a = 8.24493e-1 + t * (-4.0899e-3 + t * (7.6438e-5 + t * (-8.2467e-7 + t * 5.3875e-9)))
    b = -5.72466e-3 + t * (1.0227e-4 - t * 1.6546e-6)
    c = 4.8314e-4
    return rho_w + a * S + b * S * np.sqrt(S) + c * S * S


def water_vapour_pressure_atm(T_K, S):
    """Saturation vapour pressure of water over seawater, atm (Weiss & Price 1980, Mar. Chem. 8, 347, eq. 10).

    Their fit of Goff & Gratch (1946) with the lowering by sea salt of
    Robinson (1954); valid 0-40 degC, S 0-40.
    """
    T_K = np.asarray(T_K, dtype=float)
    return np.exp(24.4543 - 67.4509 * (100.0 / T_K) - 4.8489 * np.log(T_K / 100.0) - 0.000544 * np.asarray(S))


def pco2_air_uatm(xco2_ppm, T_K, S, p_atm=1.0):
    """Partial pressure of CO2 (uatm) in air saturated with water vapour at the sea surface.

    ``pCO2 = xCO2 (P - pH2O)``: the atmosphere's CO2 is a dry-air mole
    fraction (ppm = umol mol-1), the air in contact with the water is at
    barometric pressure ``p_atm`` (atm) and saturated with vapour at the sea
    surface temperature ``T_K`` (K) and salinity ``S``.
    """
    return np.asarray(xco2_ppm, dtype=float) * (p_atm - water_vapour_pressure_atm(T_K, S))


def fco2_air_uatm(xco2_ppm, T_K, S, p_atm=1.0):
    """CO2 fugacity (uatm) of water-saturated air at the sea surface, the air side of the bulk flux."""
    return pco2_air_uatm(xco2_ppm, T_K, S, p_atm) * fugacity_factor(np.asarray(T_K, dtype=float), p_atm)


def co2_flux_mol_m2_s(pco2_atm_uatm, pco2_sea_uatm, K0, k, ice_free_fraction=1.0,
                      rho_kg_m3=RHO_SEAWATER_REFERENCE_KG_M3):
    """Air-sea CO2 flux, mol C m-2 s-1 of ocean area, POSITIVE INTO THE ATMOSPHERE (the sign of ``fgco2``).

    ``F_up = f_ice_free k K0 rho (fCO2_sea - fCO2_air) / 1e6``.

    Parameters
    ----------
    pco2_atm_uatm, pco2_sea_uatm
        CO2 in the air and in the surface water, uatm. Pass fugacities
        (:func:`fco2_air_uatm` and ``CarbonateState.fco2_uatm``), the
        quantity Weiss's K0 is defined for; the names keep the convention of
        the flux formula, F = k K0 (pCO2_atm - pCO2_sea).
    K0
        Solubility, mol kg-1 atm-1 (``carbonate.k0_weiss1974`` or
        ``CarbonateState.k0_mol_kg_atm``).
    k
        Piston velocity, m s-1 (:func:`piston_velocity_m_s`).
    ice_free_fraction
        Open-water fraction of the ocean area, 0..1.
    rho_kg_m3
        Seawater density converting K0 to mol m-3 atm-1. The default is the
        constant :data:`RHO_SEAWATER_REFERENCE_KG_M3` (1025); pass
        :func:`seawater_density_kg_m3` for the local value (within 0.4 % of it).
    """
    dp_atm = (np.asarray(pco2_sea_uatm, dtype=float) - np.asarray(pco2_atm_uatm, dtype=float)) / UATM_PER_ATM
    return ice_free_fraction * k * K0 * rho_kg_m3 * dp_atm


def co2_flux_kg_c_m2_s(flux_mol_m2_s):
    """Convert a carbon flux from mol C m-2 s-1 to kg C m-2 s-1 (the coupler's unit); the sign is kept."""
    return np.asarray(flux_mol_m2_s, dtype=float) * MOLAR_MASS_C_KG_MOL
