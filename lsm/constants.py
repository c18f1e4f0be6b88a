"""Physical constants of the land component.

Components do not import each other, so the land keeps its own copy of the
constants that cross the coupler.  The first block MUST hold the same values
as the coupler-wide ones defined for the atmosphere
(``atmos_stub/boundary_layer.py``): the coupler books the land's latent heat
flux in W m-2 and its evapotranspiration in kg m-2 s-1, and the two only
agree (``ET = LE / LATENT_HEAT_VAPORISATION`` exactly) when every component
converts with one latent heat.  ``tests/lsm/test_energy.py`` compares them.
"""

from __future__ import annotations

# --- Must match the coupler-wide values (atmos_stub/boundary_layer.py) -------

#: Latent heat of vaporisation at 0 degC, J kg-1; the one value used model-wide
#: for ET <-> LE (the temperature dependence of L is neglected on purpose so that
#: the water and energy ledgers convert with a single constant).
LATENT_HEAT_VAPORISATION = 2.501e6
#: Specific heat of dry air at constant pressure, J kg-1 K-1.
CP_AIR = 1004.64
#: Stefan-Boltzmann constant, W m-2 K-4 (CODATA 2018).
STEFAN_BOLTZMANN = 5.670374419e-8

# --- Land-only constants ------------------------------------------------------

#: Melting point of water / 0 degC, K.
ZERO_CELSIUS_K = 273.15
#: Ratio of the molar masses of water vapour and dry air (18.015 / 28.964), as in atmos_stub/weather.py.
EPSILON_WATER = 0.622
#: Gas constant of dry air, J kg-1 K-1 (R* / M_d = 8.314462 / 0.0289644).
R_DRY_AIR = 287.05
#: Von Karman constant (FAO-56 eq. 4 uses 0.41).
VON_KARMAN = 0.41
#: Density of liquid water, kg m-3.
DENSITY_WATER = 1000.0
#: Volumetric heat capacity of liquid water, J m-3 K-1 (4188 J kg-1 K-1 x 1000 kg m-3, as in CLM4.5).
HEAT_CAPACITY_WATER_J_M3_K = 4.188e6
#: Thermal conductivity of liquid water, W m-1 K-1 (CLM4.5, Oleson et al. 2013, Table 2.6).
CONDUCTIVITY_WATER_W_M_K = 0.57
#: Seconds per day.
SECONDS_PER_DAY = 86400.0
