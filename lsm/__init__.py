"""lsm: the land component (surface data, hydrology, energy, vegetation, soil_bgc, agriculture).

Built in later issues; the coupler runs with the test components of
``tests/components.py`` until then.
"""
