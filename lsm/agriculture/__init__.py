"""Agricultural management on the crop tiles (SCIENCE.md section 4).

Crop phenology from sowing to harvest (:mod:`.crops`), harvest and the
product pools that return harvested carbon to the atmosphere (:mod:`.harvest`),
mineral and manure fertiliser (:mod:`.fertiliser`) and irrigation
(:mod:`.irrigation`).  Each module holds vectorised process functions over
the crop tiles of a rank; :mod:`lsm.component` applies them through the
vegetation, soil and hydrology models and books every mass they move.
"""
