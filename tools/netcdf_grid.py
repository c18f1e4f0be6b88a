"""Coordinates shared by the data conversion scripts: CF latitude and longitude with bounds."""

from __future__ import annotations

import numpy as np


def write_lat_lon(ds, lat_edges: np.ndarray, lon_edges: np.ndarray) -> None:
    """Create ``lat``/``lon`` dimensions, centre variables and ``*_bnds`` (degrees) in an open netCDF file."""
    ds.createDimension("lat", len(lat_edges) - 1)
    ds.createDimension("lon", len(lon_edges) - 1)
    if "bnds" not in ds.dimensions:
        ds.createDimension("bnds", 2)
    for name, edges, units, std in (("lat", lat_edges, "degrees_north", "latitude"),
                                    ("lon", lon_edges, "degrees_east", "longitude")):
        v = ds.createVariable(name, "f8", (name,))
        v[:] = 0.5 * (edges[:-1] + edges[1:])
        v.units, v.standard_name, v.bounds = units, std, f"{name}_bnds"
        b = ds.createVariable(f"{name}_bnds", "f8", (name, "bnds"))
        b[:] = np.column_stack([edges[:-1], edges[1:]])
