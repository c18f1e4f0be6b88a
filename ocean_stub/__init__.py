"""ocean_stub: ocean carbon (carbonate chemistry, boxes, solubility and biological pumps).

Built in a later issue; the coupler runs with the test components of
``tests/components.py`` until then.
"""
