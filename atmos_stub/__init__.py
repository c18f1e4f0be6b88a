"""atmos_stub: atmospheric CO2 and N2O reservoirs, energy-balance climate, surface weather.

Built in a later issue; the coupler runs with the test components of
``tests/components.py`` until then.
"""
