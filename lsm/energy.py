"""Surface energy balance and soil heat conduction of the land tiles.

Everything is vectorised over tiles: surface fields have shape ``(ntile,)``,
soil fields ``(nlayer, ntile)`` (layer 0 at the top).  Units are SI and are
part of every name or docstring; fluxes are positive in the direction named
(``H``, ``LE`` upward, ``G`` downward into the soil).

Net radiation (W m-2)::

    Rn(Ts) = (1 - albedo) rsds + emissivity rlds - emissivity sigma Ts^4

Aerodynamic resistance (s m-1), neutral log law of FAO-56 eq. 4 (Allen et
al. 1998, FAO Irrigation and Drainage Paper 56)::

    ra = ln((zm - d)/zom) ln((zh - d)/zoh) / (k^2 u_zm)
    d = 2/3 h,  zom = 0.123 h,  zoh = 0.1 zom

Only the neutral form is implemented: stability corrections (Monin-Obukhov)
make ``ra`` depend on ``Ts`` and are left for a later issue.

Surface (skin) energy balance, solved for ``Ts`` by
:func:`solve_surface_energy_balance`::

    Rn(Ts) = H(Ts) + LE(Ts) + G(Ts)
    H  = rho cp (Ts - Ta) / ra
    LE = min(rho L (q_sat(Ts, ps) - q_a) / (ra + rs), LE_max)
    G  = g_soil (Ts - T_soil)

The latent heat flux is the bulk form with saturation at the surface
temperature (the Penman-Monteith equation, FAO-56 eq. 3 and
:func:`penman_monteith_latent_heat`, is its linearisation about ``Ta``).
``rs`` is the surface (canopy or soil) resistance supplied by the caller;
dew (``q_sat(Ts) < q_a``) forms on the surface and bypasses ``rs``.
``LE_max`` is an optional supply limit (water available to evaporate in the
step).  The residual is strictly decreasing in ``Ts``, so there is exactly
one root; it is bracketed analytically and found by safeguarded Newton
iterations.  At the converged ``Ts`` the sensible heat flux is returned as
the residual ``H = Rn - LE - G``: it differs from ``rho cp (Ts - Ta)/ra``
only by the Newton residual (< 1e-6 W m-2) and makes ``Rn = H + LE + G``
hold to rounding, which the coupler's energy ledger requires.
Evapotranspiration is ``ET = LE / LATENT_HEAT_VAPORISATION`` (kg m-2 s-1)
with the one coupler-wide latent heat of :mod:`lsm.constants`.

Soil temperature: heat conduction through ``nlayer`` layers (default
thicknesses 0.05, 0.15, 0.30, 0.50, 0.80, 1.20 m, as the hydrology) with the
ground heat flux ``G`` entering the top and zero flux at the bottom,
finite volumes with nodes at the layer centres, harmonic-mean interface
conductances, backward Euler in time (unconditionally stable)::

    C_i dz_i (T_i' - T_i)/dt = F_{i-1/2}' - F_{i+1/2}'
    F_{1/2} = G,  F_{i+1/2} = (T_i - T_{i+1}) / (dz_i/(2 k_i) + dz_{i+1}/(2 k_{i+1})),  F_{N+1/2} = 0

Summing the layers, the change of the column heat content is ``G dt``
exactly (up to rounding).  Volumetric heat capacity and thermal conductivity
follow de Vries (1963) and Johansen (1975) in the form of CLM4.5 (Oleson et
al. 2013, NCAR/TN-503+STR, section 6.3; Farouki 1981), see
:func:`soil_thermal_properties`.  Freezing and thawing (latent heat of
fusion, frozen conductivity) are left out: soil water is treated as liquid
at all temperatures.

The surface and the soil are coupled implicitly (:func:`step_surface_and_soil`):
the soil's backward Euler solution is linear in ``G``, ``T' = T + dT0 + G u``
(two tridiagonal solves with one factorisation), so ``G = g_top (Ts - T_1')``
with the new top-layer temperature reduces to ``G = g_eff (Ts - T_1*)``,
``T_1* = T_1 + dT0_1``, ``g_eff = g_top / (1 + g_top u_1)``.  The energy
balance is solved with that ``g_eff`` and ``T_1*``, so ``Ts``, ``G`` and the
new soil temperatures are mutually consistent with no explicit-coupling
instability for thin top layers and long steps.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lsm.constants import (
    CONDUCTIVITY_WATER_W_M_K,
    CP_AIR,
    EPSILON_WATER,
    HEAT_CAPACITY_WATER_J_M3_K,
    LATENT_HEAT_VAPORISATION,
    R_DRY_AIR,
    STEFAN_BOLTZMANN,
    VON_KARMAN,
    ZERO_CELSIUS_K,
)

__all__ = [
    "DEFAULT_LAYER_THICKNESS_M",
    "saturation_vapour_pressure_Pa",
    "saturation_vapour_pressure_slope_Pa_K",
    "saturation_specific_humidity",
    "air_density_kg_m3",
    "psychrometric_constant_Pa_K",
    "net_radiation_W_m2",
    "aerodynamic_resistance_s_m",
    "parallel_surface_resistance_s_m",
    "penman_monteith_latent_heat",
    "reference_et0_fao56",
    "SurfaceEnergyBalance",
    "solve_surface_energy_balance",
    "soil_thermal_properties",
    "soil_heat_step",
    "soil_heat_response",
    "step_surface_and_soil",
    "column_energy_J_m2",
]

#: Default soil layer thicknesses, m (same as the hydrology; 3 m in total).
DEFAULT_LAYER_THICKNESS_M = (0.05, 0.15, 0.30, 0.50, 0.80, 1.20)

# Tetens (1930) formula with Murray's (1967, J. Appl. Meteor. 6, 203)
# coefficients, the same as atmos_stub.weather.saturation_vapour_pressure_Pa:
# over water at and above 0 degC, over ice below.  Over water it is FAO-56
# eq. 11 (0.6108 kPa there) and its derivative is FAO-56 eq. 13.
_TETENS_E0_PA = 610.78
_TETENS_A_WATER, _TETENS_B_WATER = 17.27, 237.3
_TETENS_A_ICE, _TETENS_B_ICE = 21.875, 265.5
# The ice branch is singular at -265.5 degC; nothing physical happens below 150 K.
_T_MIN_K = 150.0
# q_sat = eps e / (p - (1 - eps) e) is singular at e = p / (1 - eps); capping e
# keeps q_sat finite and non-decreasing when the bracket reaches hot, low-pressure
# states that the root never approaches.
_E_MAX_FRACTION_OF_PS = 0.5
# Virtual temperature factor (1/eps - 1).
_VIRTUAL = 1.0 / EPSILON_WATER - 1.0

# FAO-56 conventions, used ONLY by reference_et0_fao56 to reproduce the
# published reference ET0 (eq. 6 and 53 embed them): lambda = 2.45 MJ kg-1 and
# gamma = 0.665e-3 P (eq. 8).  The model's own fluxes use lsm.constants.
_FAO56_INV_LAMBDA_KG_MJ = 0.408
_FAO56_GAMMA_PER_KPA = 0.665e-3
_FAO56_CN = {"day": 900.0, "hour": 37.0}   # K mm s3 Mg-1 per period (eq. 6, eq. 53)
_FAO56_CD = 0.34                           # s m-1 (eq. 6, eq. 53)

# Johansen (1975) / de Vries (1963) parameters in the form of CLM4.5
# (Oleson et al. 2013, section 6.3):
_K_SAND_W_M_K, _K_CLAY_W_M_K = 8.80, 2.92        # conductivity of mineral solids
_C_SAND_J_M3_K, _C_CLAY_J_M3_K = 2.128e6, 2.385e6  # heat capacity of mineral solids
_PARTICLE_DENSITY_KG_M3 = 2700.0                  # bulk density = 2700 (1 - porosity)

_NEWTON_MAX_ITER = 80      # bisection alone would reach 1e-14 K within 60 halvings of 250 K
_NEWTON_TOL_K = 1e-10


# --------------------------------------------------------------------------------------
# Thermodynamics of moist air
# --------------------------------------------------------------------------------------

def _tetens_coefficients(t_K):
    tc = np.maximum(np.asarray(t_K, dtype=np.float64), _T_MIN_K) - ZERO_CELSIUS_K
    water = tc >= 0.0
    a = np.where(water, _TETENS_A_WATER, _TETENS_A_ICE)
    b = np.where(water, _TETENS_B_WATER, _TETENS_B_ICE)
    return tc, a, b


def saturation_vapour_pressure_Pa(t_K) -> np.ndarray:
    """Saturation vapour pressure, Pa: ``610.78 exp(a T/(T + b))`` (T in degC).

    Tetens (1930) with Murray's (1967) coefficients, over water (a = 17.27,
    b = 237.3 degC) at and above 0 degC and over ice (21.875, 265.5) below;
    the same formula as the atmosphere's weather generator.  Temperatures
    below 150 K are evaluated at 150 K.
    """
    tc, a, b = _tetens_coefficients(t_K)
    return _TETENS_E0_PA * np.exp(a * tc / (tc + b))


def saturation_vapour_pressure_slope_Pa_K(t_K) -> np.ndarray:
    """``d e_s / dT``, Pa K-1: ``e_s a b / (T + b)^2`` (FAO-56 eq. 13 over water)."""
    tc, a, b = _tetens_coefficients(t_K)
    es = _TETENS_E0_PA * np.exp(a * tc / (tc + b))
    return es * a * b / (tc + b) ** 2


def _qsat_and_slope(t_K, ps_Pa):
    tc, a, b = _tetens_coefficients(t_K)
    es = _TETENS_E0_PA * np.exp(a * tc / (tc + b))
    des = es * a * b / (tc + b) ** 2
    cap = _E_MAX_FRACTION_OF_PS * ps_Pa
    capped = es > cap
    es = np.where(capped, cap, es)
    des = np.where(capped, 0.0, des)
    denom = ps_Pa - (1.0 - EPSILON_WATER) * es
    q = EPSILON_WATER * es / denom
    dq = EPSILON_WATER * ps_Pa / denom**2 * des
    return q, dq


def saturation_specific_humidity(t_K, ps_Pa) -> np.ndarray:
    """Saturation specific humidity, kg kg-1: ``eps e_s / (ps - (1 - eps) e_s)``.

    The inverse of the atmosphere's ``huss = 0.622 e / (ps - 0.378 e)``, so
    ``huss`` at 100 % relative humidity equals this.
    """
    return _qsat_and_slope(t_K, np.asarray(ps_Pa, dtype=np.float64))[0]


def _vapour_pressure_from_q(q, ps_Pa):
    return q * ps_Pa / (EPSILON_WATER + (1.0 - EPSILON_WATER) * q)


def _dew_point_K(q, ps_Pa):
    """Temperature at which ``q_sat = q`` (inverse Tetens); 150 K for dry air."""
    e = _vapour_pressure_from_q(np.maximum(q, 0.0), ps_Pa)
    y = np.log(np.maximum(e, 1e-300) / _TETENS_E0_PA)
    water = y >= 0.0
    a = np.where(water, _TETENS_A_WATER, _TETENS_A_ICE)
    b = np.where(water, _TETENS_B_WATER, _TETENS_B_ICE)
    td = ZERO_CELSIUS_K + b * y / (a - y)
    return np.where(e > 0.0, np.maximum(td, _T_MIN_K), _T_MIN_K)


def air_density_kg_m3(ps_Pa, tas_K, huss_kg_kg=None) -> np.ndarray:
    """Moist-air density ``ps / (R_d T_v)``, kg m-3.

    ``T_v = T (1 + 0.608 q)``; without ``huss`` FAO-56's approximation
    ``T_v = 1.01 T`` (eq. 3 notes) is used.
    """
    ps = np.asarray(ps_Pa, dtype=np.float64)
    t = np.asarray(tas_K, dtype=np.float64)
    tv = 1.01 * t if huss_kg_kg is None else t * (1.0 + _VIRTUAL * np.asarray(huss_kg_kg, dtype=np.float64))
    return ps / (R_DRY_AIR * tv)


def psychrometric_constant_Pa_K(ps_Pa) -> np.ndarray:
    """``gamma = cp ps / (eps L)``, Pa K-1 (FAO-56 eq. 8 with the model's cp and L)."""
    return CP_AIR * np.asarray(ps_Pa, dtype=np.float64) / (EPSILON_WATER * LATENT_HEAT_VAPORISATION)


# --------------------------------------------------------------------------------------
# Radiation, resistances, Penman-Monteith
# --------------------------------------------------------------------------------------

def net_radiation_W_m2(rsds_W_m2, rlds_W_m2, ts_K, albedo, emissivity) -> np.ndarray:
    """``Rn = (1 - albedo) rsds + emissivity rlds - emissivity sigma Ts^4``, W m-2.

    A grey surface absorbs the fraction ``emissivity`` of the incoming
    longwave (Kirchhoff) and reflects the rest.
    """
    return ((1.0 - albedo) * rsds_W_m2 + emissivity * rlds_W_m2
            - emissivity * STEFAN_BOLTZMANN * np.asarray(ts_K, dtype=np.float64) ** 4)


def aerodynamic_resistance_s_m(wind_m_s, canopy_height_m, zm_m=10.0, zh_m=None, min_wind_m_s=0.1) -> np.ndarray:
    """Neutral aerodynamic resistance for heat and vapour, s m-1 (FAO-56 eq. 4).

    ``ra = ln((zm - d)/zom) ln((zh - d)/zoh) / (k^2 u_zm)`` with ``d = 2/3 h``,
    ``zom = 0.123 h``, ``zoh = 0.1 zom`` (Brutsaert 1982 via FAO-56) and
    ``k = 0.41``.  ``zm`` and ``zh`` (default ``zm``) are the heights of the wind
    and of the temperature/humidity measurements, m.  They are raised to at
    least ``d + e zom`` (so each logarithm is >= 1) so that forests taller
    than the forcing height keep a positive resistance (the forcing is then
    taken as given just above the canopy).  Wind is floored at
    ``min_wind_m_s`` because the neutral law would give an infinite
    resistance in calm air, where free convection still mixes.
    For a 0.12 m grass at zm = zh = 2 m this is FAO-56's ``ra = 208 / u2``.
    Stability is not corrected (neutral).
    """
    h = np.maximum(np.asarray(canopy_height_m, dtype=np.float64), 1e-3)
    u = np.maximum(np.asarray(wind_m_s, dtype=np.float64), min_wind_m_s)
    d = 2.0 / 3.0 * h
    zom = 0.123 * h
    zoh = 0.1 * zom
    zm = np.maximum(zm_m, d + np.e * zom)
    zh = np.maximum(zm_m if zh_m is None else zh_m, d + np.e * zom)
    return np.log((zm - d) / zom) * np.log((zh - d) / zoh) / (VON_KARMAN**2 * u)


def parallel_surface_resistance_s_m(ra_s_m, rs_a_s_m, rs_b_s_m, fraction_a):
    """One effective surface resistance for two evaporating surfaces in parallel.

    A tile whose fraction ``f`` evaporates through ``rs_a`` (e.g. the canopy
    resistance from photosynthesis) and ``1 - f`` through ``rs_b`` (e.g. the
    soil-evaporation resistance) has a vapour conductance
    ``f/(ra + rs_a) + (1 - f)/(ra + rs_b)`` (m s-1).  Returns ``(rs_eff,
    share_a)``: the resistance that gives the same ``LE`` in the bulk form
    and the share of ``LE`` that goes through ``a`` (transpiration share).
    """
    ra = np.asarray(ra_s_m, dtype=np.float64)
    ca = fraction_a / (ra + rs_a_s_m)
    cb = (1.0 - fraction_a) / (ra + rs_b_s_m)
    c = ca + cb
    with np.errstate(divide="ignore", invalid="ignore"):
        rs_eff = np.where(c > 0.0, 1.0 / c - ra, np.inf)
        share_a = np.where(c > 0.0, ca / c, 0.0)
    return rs_eff, share_a


def penman_monteith_latent_heat(Rn_minus_G, tas_K, vpd_Pa, ps_Pa, ra, rs) -> np.ndarray:
    """Penman-Monteith latent heat flux, W m-2 (FAO-56 eq. 3; Monteith 1965).

    ``LE = (Delta (Rn - G) + rho cp VPD / ra) / (Delta + gamma (1 + rs/ra))``

    with ``Delta`` the slope of the saturation curve at ``tas`` (Pa K-1),
    ``gamma = cp ps / (eps L)`` (Pa K-1, the model's cp and L), air density
    ``rho = ps / (1.01 R_d tas)`` (FAO-56), ``Rn_minus_G`` in W m-2,
    ``vpd_Pa`` the vapour pressure deficit and ``ra``, ``rs`` in s m-1.
    It is the linearisation of the surface energy balance about the air
    temperature; the coupled model solves the balance itself
    (:func:`solve_surface_energy_balance`).
    """
    delta = saturation_vapour_pressure_slope_Pa_K(tas_K)
    gamma = psychrometric_constant_Pa_K(ps_Pa)
    rho = air_density_kg_m3(ps_Pa, tas_K)
    return (delta * Rn_minus_G + rho * CP_AIR * vpd_Pa / ra) / (delta + gamma * (1.0 + rs / ra))


def reference_et0_fao56(rn_minus_g_MJ_m2, t_C, u2_m_s, es_kPa, ea_kPa, p_kPa, period="day") -> np.ndarray:
    """FAO-56 grass reference evapotranspiration ET0, mm per ``period``.

    ``ET0 = (0.408 Delta (Rn - G) + gamma Cn/(T + 273) u2 (es - ea)) / (Delta + gamma (1 + 0.34 u2))``

    eq. 6 (``period="day"``, Cn = 900, ``Rn - G`` in MJ m-2 day-1) and eq. 53
    (``period="hour"``, Cn = 37, MJ m-2 hour-1), with ``Delta`` from eq. 13 at
    ``t_C`` (kPa degC-1) and ``gamma = 0.665e-3 P`` (eq. 8).  It is the
    Penman-Monteith equation for a 0.12 m grass (ra = 208/u2, rs = 70 s m-1)
    with FAO's conventions (lambda = 2.45 MJ kg-1, eq. 6's rounded
    coefficients); a diagnostic to compare with FAO-56 and crop-coefficient
    methods, not part of the model's energy-conserving path.
    """
    t = np.asarray(t_C, dtype=np.float64)
    delta = 1e-3 * saturation_vapour_pressure_slope_Pa_K(t + ZERO_CELSIUS_K)
    gamma = _FAO56_GAMMA_PER_KPA * np.asarray(p_kPa, dtype=np.float64)
    cn = _FAO56_CN[period]
    num = (_FAO56_INV_LAMBDA_KG_MJ * delta * rn_minus_g_MJ_m2
           + gamma * cn / (t + 273.0) * u2_m_s * (es_kPa - ea_kPa))
    return num / (delta + gamma * (1.0 + _FAO56_CD * u2_m_s))


# --------------------------------------------------------------------------------------
# Surface energy balance
# --------------------------------------------------------------------------------------

class SurfaceEnergyBalance(NamedTuple):
    """Converged surface energy balance of every tile.

    ``rn_W_m2 == h_W_m2 + le_W_m2 + g_W_m2`` to rounding (H is the residual).
    """

    ts_K: np.ndarray          #: surface (skin) temperature, K
    rn_W_m2: np.ndarray       #: net radiation, downward, W m-2
    h_W_m2: np.ndarray        #: sensible heat flux, upward, W m-2
    le_W_m2: np.ndarray       #: latent heat flux, upward, W m-2
    g_W_m2: np.ndarray        #: ground heat flux, downward into the soil, W m-2
    et_kg_m2_s: np.ndarray    #: evapotranspiration LE / L (negative: dew), kg m-2 s-1
    iterations: int           #: Newton iterations used (the slowest tile)


def _seb_terms(ts, absorbed, emis, rho_cp_ra, rho_l, qa, ps, ra, rs, le_max, t_soil, g_soil, tas):
    """Residual ``Rn - H - LE - G`` and its derivative, plus the fluxes at ``ts``."""
    emitted = emis * STEFAN_BOLTZMANN * ts**4
    rn = absorbed - emitted
    h = rho_cp_ra * (ts - tas)
    q, dq = _qsat_and_slope(ts, ps)
    dew = q < qa
    with np.errstate(invalid="ignore"):
        conductance = np.where(dew, 1.0 / ra, 1.0 / (ra + rs))   # m s-1; 1/(ra + inf) = 0
    le = rho_l * (q - qa) * conductance
    dle = rho_l * dq * conductance
    limited = le > le_max
    le = np.where(limited, le_max, le)
    dle = np.where(limited, 0.0, dle)
    g = g_soil * (ts - t_soil)
    f = rn - h - le - g
    df = -4.0 * emitted / ts - rho_cp_ra - dle - g_soil
    return f, df, rn, le, g


def solve_surface_energy_balance(rsds_W_m2, rlds_W_m2, tas_K, huss_kg_kg, ps_Pa, albedo, emissivity,
                                 ra_s_m, rs_s_m, t_soil_K, g_soil_W_m2_K, le_max_W_m2=None
                                 ) -> SurfaceEnergyBalance:
    """Solve ``Rn(Ts) = H(Ts) + LE(Ts) + G(Ts)`` for the skin temperature of every tile.

    Inputs (broadcast to ``(ntile,)``): downward shortwave and longwave
    ``rsds_W_m2``, ``rlds_W_m2``; air temperature ``tas_K``, specific humidity
    ``huss_kg_kg`` and surface pressure ``ps_Pa`` at the forcing height;
    ``albedo`` and ``emissivity`` (0-1, emissivity > 0); aerodynamic
    resistance ``ra_s_m`` (:func:`aerodynamic_resistance_s_m`); surface
    resistance ``rs_s_m`` (canopy and/or soil, ``np.inf`` for no
    evaporation, 0 for a wet surface); the temperature ``t_soil_K`` the
    ground heat flux is driven towards and the conductance ``g_soil_W_m2_K``
    between skin and that temperature (``2 k_1 / dz_1`` for the top soil
    node, or the effective values of :func:`step_surface_and_soil`);
    optionally ``le_max_W_m2`` >= 0, the largest evaporation the water supply
    allows.  Fluxes are defined in the module docstring.

    Root finding: ``F(Ts) = Rn - H - LE - G`` is strictly decreasing.  At
    ``T_lo = min(Ta, T_soil, T_dew, (rlds/sigma)^(1/4)) - 1 K`` net radiation
    is non-negative and H, G, LE are <= 0, so ``F(T_lo) > 0``; at
    ``T_hi = max(Ta, T_soil, (absorbed/(emissivity sigma))^(1/4))`` emission
    exceeds absorption while H, G >= 0, so ``F(T_hi) <= 0`` (the absorbed
    energy includes any condensation flux of supersaturated air).  Newton
    steps that leave the bracket are replaced by bisection.  H is returned as
    the residual ``Rn - LE - G`` at the converged ``Ts`` (see module docstring).
    """
    rsds, rlds, tas, qa, ps, alb, emis, ra, rs, t_soil, g_soil = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in
          (rsds_W_m2, rlds_W_m2, tas_K, huss_kg_kg, ps_Pa, albedo, emissivity,
           ra_s_m, rs_s_m, t_soil_K, g_soil_W_m2_K)))
    le_max = np.inf if le_max_W_m2 is None else np.asarray(le_max_W_m2, dtype=np.float64)

    rho = air_density_kg_m3(ps, tas, qa)
    rho_cp_ra = rho * CP_AIR / ra
    rho_l = rho * LATENT_HEAT_VAPORISATION
    absorbed = (1.0 - alb) * rsds + emis * rlds
    args = (absorbed, emis, rho_cp_ra, rho_l, qa, ps, ra, rs, le_max, t_soil, g_soil, tas)

    condensation = np.maximum(rho_l * (qa - saturation_specific_humidity(tas, ps)) / ra, 0.0)
    t_rad = (np.maximum(rlds, 0.0) / STEFAN_BOLTZMANN) ** 0.25
    lo = np.maximum(np.minimum.reduce([tas, t_soil, _dew_point_K(qa, ps), t_rad]) - 1.0, _T_MIN_K)
    hi = np.maximum.reduce([tas, t_soil, ((absorbed + condensation) / (emis * STEFAN_BOLTZMANN)) ** 0.25])
    hi = np.maximum(hi, lo + 1.0)

    ts = np.clip(tas, lo, hi)
    # a converged tile stops changing, so its answer never depends on how many iterations the slowest
    # tile of the same rank needs (bit-for-bit across decompositions)
    active = np.ones(ts.shape, dtype=bool)
    for iteration in range(1, _NEWTON_MAX_ITER + 1):
        f, df, *_ = _seb_terms(ts, *args)
        positive = f > 0.0
        lo = np.where(positive, ts, lo)
        hi = np.where(positive, hi, ts)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = ts - f / df
        # Inclusive: at convergence the Newton point rounds onto the bracket end it just set.
        inside = (newton >= lo) & (newton <= hi)
        new = np.where(inside, newton, 0.5 * (lo + hi))
        new = np.where((f == 0.0) | ~active, ts, new)
        step = np.abs(new - ts)
        ts = new
        active &= step > _NEWTON_TOL_K
        if not active.any():
            break
    else:
        raise RuntimeError(f"surface energy balance did not converge in {_NEWTON_MAX_ITER} iterations "
                           f"(largest last step {step.max():.3e} K)")

    _, _, rn, le, g = _seb_terms(ts, *args)
    h = rn - le - g
    return SurfaceEnergyBalance(ts, rn, h, le, g, le / LATENT_HEAT_VAPORISATION, iteration)


# --------------------------------------------------------------------------------------
# Soil heat
# --------------------------------------------------------------------------------------

def soil_thermal_properties(sand, clay, porosity, theta):
    """Volumetric heat capacity (J m-3 K-1) and thermal conductivity (W m-1 K-1) of moist soil.

    ``sand`` and ``clay`` are mass fractions (0-1, sand + clay > 0),
    ``porosity`` and ``theta`` volumetric (m3 m-3); all broadcast to
    ``(nlayer, ntile)``.  CLM4.5 (Oleson et al. 2013, section 6.3) forms:

    - heat capacity (de Vries 1963): ``C = c_s (1 - porosity) + 4.188e6 theta``
      with solids ``c_s = (2.128 %sand + 2.385 %clay)/(%sand + %clay) 1e6``;
    - conductivity (Johansen 1975; Farouki 1981):
      ``k = Ke k_sat + (1 - Ke) k_dry`` with Kersten number
      ``Ke = max(log10(S_r) + 1, 0)``, ``S_r = theta / porosity``,
      ``k_sat = k_s^(1 - porosity) 0.57^porosity``,
      ``k_s = (8.80 %sand + 2.92 %clay)/(%sand + %clay)`` (quartz-rich sand
      conducts best) and
      ``k_dry = (0.135 rho_d + 64.7)/(2700 - 0.947 rho_d)``,
      ``rho_d = 2700 (1 - porosity)`` kg m-3.

    Unfrozen soil only (no ice conductivity or heat capacity).
    """
    sand = np.asarray(sand, dtype=np.float64)
    clay = np.asarray(clay, dtype=np.float64)
    porosity = np.asarray(porosity, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    mineral = sand + clay
    c_solid = (_C_SAND_J_M3_K * sand + _C_CLAY_J_M3_K * clay) / mineral
    heat_capacity = c_solid * (1.0 - porosity) + HEAT_CAPACITY_WATER_J_M3_K * theta

    k_solid = (_K_SAND_W_M_K * sand + _K_CLAY_W_M_K * clay) / mineral
    k_sat = k_solid ** (1.0 - porosity) * CONDUCTIVITY_WATER_W_M_K**porosity
    rho_dry = _PARTICLE_DENSITY_KG_M3 * (1.0 - porosity)
    k_dry = (0.135 * rho_dry + 64.7) / (2700.0 - 0.947 * rho_dry)
    saturation = np.clip(theta / porosity, 1e-10, 1.0)
    kersten = np.maximum(np.log10(saturation) + 1.0, 0.0)
    conductivity = kersten * k_sat + (1.0 - kersten) * k_dry
    return heat_capacity, conductivity


def _layers(dz_m, like):
    """Layer thicknesses broadcast to the shape of a soil field."""
    dz = np.asarray(dz_m, dtype=np.float64)
    if dz.ndim == 1 and like.ndim > 1:
        dz = dz.reshape((-1,) + (1,) * (like.ndim - 1))
    return np.broadcast_to(dz, like.shape)


def soil_heat_response(t_soil_K, heat_capacity_J_m3_K, conductivity_W_m_K, dz_m, dt_s):
    """Linear response of a backward-Euler soil step to the ground heat flux.

    Returns ``(dT0_K, u_K_m2_W)``, both ``(nlayer, ntile)``: the new
    temperatures are ``T + dT0 + G u`` for any ground heat flux ``G`` (W m-2)
    held over the step.  ``dT0`` is the redistribution with no surface flux,
    ``u`` the response to 1 W m-2.  Callers that prescribe a surface
    temperature ``Ts`` (or solve for it) get the implicit flux
    ``G = g (Ts - T_1 - dT0_1) / (1 + g u_1)`` with ``g = 2 k_1 / dz_1``.
    """
    t = np.asarray(t_soil_K, dtype=np.float64)
    return _soil_increments(t, np.broadcast_to(heat_capacity_J_m3_K, t.shape),
                            np.broadcast_to(conductivity_W_m_K, t.shape), _layers(dz_m, t), dt_s)


def _soil_increments(t_K, heat_capacity, conductivity, dz, dt_s):
    """Backward-Euler increments for zero surface flux (``dT0``) and per unit flux (``u``, K per W m-2).

    Solves ``(C dz/dt) x_i + K_{i-1/2}(x_i - x_{i-1}) + K_{i+1/2}(x_i - x_{i+1}) = r_i``
    (Thomas algorithm, loop over layers only) for the two right-hand sides
    ``r = F_{i-1/2} - F_{i+1/2}`` of the old temperatures with no surface flux,
    and ``r = e_1``.  Solving for increments rather than temperatures keeps
    rounding relative to the change, not to ~300 K.
    """
    n = t_K.shape[0]
    storage = heat_capacity * dz / dt_s                     # W m-2 K-1
    half_resistance = 0.5 * dz / conductivity               # m2 K W-1
    k_face = 1.0 / (half_resistance[:-1] + half_resistance[1:])   # (n-1, ...) interfaces
    flux = k_face * (t_K[:-1] - t_K[1:])                    # old interior fluxes, W m-2
    rhs0 = np.zeros_like(t_K)
    rhs0[:-1] -= flux
    rhs0[1:] += flux
    rhs = np.stack([rhs0, np.zeros_like(t_K)])
    rhs[1, 0] = 1.0

    diag = storage.copy()
    diag[:-1] += k_face
    diag[1:] += k_face
    # forward elimination (sub- and super-diagonals are -k_face)
    c_prime = np.empty_like(k_face)
    d_prime = np.empty_like(rhs)
    denom = diag[0]
    if n > 1:
        c_prime[0] = -k_face[0] / denom
    d_prime[:, 0] = rhs[:, 0] / denom
    for i in range(1, n):
        denom = diag[i] + k_face[i - 1] * c_prime[i - 1]
        if i < n - 1:
            c_prime[i] = -k_face[i] / denom
        d_prime[:, i] = (rhs[:, i] + k_face[i - 1] * d_prime[:, i - 1]) / denom
    x = d_prime
    for i in range(n - 2, -1, -1):
        x[:, i] = d_prime[:, i] - c_prime[i] * x[:, i + 1]
    return x[0], x[1]


def soil_heat_step(t_soil_K, heat_capacity_J_m3_K, conductivity_W_m_K, dz_m, ground_heat_flux_W_m2, dt_s):
    """New soil temperatures (K, ``(nlayer, ntile)``) after ``dt_s`` with a prescribed ground heat flux.

    Backward Euler with ``G`` (W m-2, downward) into the top layer and no
    flux through the bottom (module docstring); the column heat content
    (:func:`column_energy_J_m2`) rises by ``G dt`` up to rounding.
    ``dz_m`` is ``(nlayer,)`` or ``(nlayer, ntile)``.
    """
    t = np.asarray(t_soil_K, dtype=np.float64)
    d0, u = soil_heat_response(t, heat_capacity_J_m3_K, conductivity_W_m_K, dz_m, dt_s)
    return t + (d0 + np.asarray(ground_heat_flux_W_m2, dtype=np.float64) * u)


def step_surface_and_soil(dt_s, rsds_W_m2, rlds_W_m2, tas_K, huss_kg_kg, ps_Pa, albedo, emissivity,
                          ra_s_m, rs_s_m, t_soil_K, heat_capacity_J_m3_K, conductivity_W_m_K,
                          dz_m=DEFAULT_LAYER_THICKNESS_M, le_max_W_m2=None):
    """One implicitly coupled step of the surface energy balance and soil conduction.

    Returns ``(SurfaceEnergyBalance, t_soil_new_K)``.  The skin sees the new
    top-layer temperature (module docstring), so ``G = 2 k_1/dz_1 (Ts - T_1')``,
    ``Rn = H + LE + G`` and ``column_energy(T') - column_energy(T) = G dt``
    all hold to rounding.
    """
    t = np.asarray(t_soil_K, dtype=np.float64)
    d0, u = soil_heat_response(t, heat_capacity_J_m3_K, conductivity_W_m_K, dz_m, dt_s)
    g_top = 2.0 * np.broadcast_to(conductivity_W_m_K, t.shape)[0] / _layers(dz_m, t)[0]
    g_eff = g_top / (1.0 + g_top * u[0])
    seb = solve_surface_energy_balance(rsds_W_m2, rlds_W_m2, tas_K, huss_kg_kg, ps_Pa, albedo, emissivity,
                                       ra_s_m, rs_s_m, t[0] + d0[0], g_eff, le_max_W_m2)
    return seb, t + (d0 + seb.g_W_m2 * u)


def column_energy_J_m2(T_soil, heat_capacity, dz) -> np.ndarray:
    """Sensible heat content of each soil column, ``sum_i C_i dz_i T_i``, J m-2 (relative to 0 K).

    ``T_soil`` in K and ``heat_capacity`` in J m-3 K-1, ``(nlayer, ntile)``;
    ``dz`` in m, ``(nlayer,)`` or ``(nlayer, ntile)``.  Only differences are
    meaningful (the heat capacity is taken as constant in temperature).
    """
    t = np.asarray(T_soil, dtype=np.float64)
    return np.sum(np.asarray(heat_capacity, dtype=np.float64) * _layers(dz, t) * t, axis=0)
