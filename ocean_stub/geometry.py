"""Ocean geometry: surface mixed-layer cells over latitude-band interior boxes.

The surface is the ocean part of every cell of the coarse ocean grid (4
degrees by default), a mixed layer of depth ``h(lat)``. Below, the ocean is
split into three latitude bands (south of 50S, 50S-50N, north of 50N), each
with a thermocline box (mixed-layer base to 1000 m) and a deep box (1000 m
to the mean depth 3700 m). With the real land mask the surface area is
~3.6e14 m2 and the volume ~1.34e18 m3 (Charette & Smith 2010,
Oceanography 23(2): mean depth 3682 m, volume 1.335e18 m3).
"""

from __future__ import annotations

import numpy as np

BANDS = ("south", "low", "north")
SOUTH, LOW, NORTH = 0, 1, 2
#: Band edges, degrees: deep water forms poleward of them (Southern Ocean, North Atlantic/Arctic).
BAND_EDGES_DEG = (-50.0, 50.0)
LAYERS = ("thermocline", "deep")
THERMOCLINE, DEEP = 0, 1
#: Base of the thermocline box, m (the permanent thermocline; Sarmiento & Gruber 2006 ch. 2).
THERMOCLINE_BASE_M = 1000.0
#: Mean ocean depth, m (Charette & Smith 2010).
MEAN_DEPTH_M = 3700.0
#: Reference seawater density for converting mol m-3 <-> mol kg-1, kg m-3.
SEAWATER_DENSITY_KG_M3 = 1025.0


def band_of(lat_deg: np.ndarray) -> np.ndarray:
    """Band index (0 south, 1 low, 2 north) of each latitude."""
    return np.digitize(lat_deg, BAND_EDGES_DEG).astype(np.int64)


def mixed_layer_depth_m(lat_deg: np.ndarray) -> np.ndarray:
    """Annual-mean mixed-layer depth, m: ~40 m in the tropics deepening to ~150 m poleward of 60 degrees.

    A smooth fit to the zonal means of the de Boyer Montegut et al. (2004,
    JGR 109, C12003) climatology.
    """
    x = np.minimum(np.abs(lat_deg) / 60.0, 1.0)
    return 40.0 + 110.0 * x**2


class Geometry:
    """Areas and volumes of the local surface cells and of the (replicated) interior boxes."""

    def __init__(self, lat_deg: np.ndarray, ocean_area_m2: np.ndarray, global_sum):
        self.lat_deg = lat_deg
        self.band = band_of(lat_deg)
        self.area_m2 = ocean_area_m2
        self.h_m = mixed_layer_depth_m(lat_deg)
        self.volume_m3 = ocean_area_m2 * self.h_m
        self.masks = np.stack([self.band == b for b in range(len(BANDS))]).astype(np.float64)
        #: indices of the local cells of each band, to sum a band without zero padding
        self.band_cells = [np.flatnonzero(self.band == b) for b in range(len(BANDS))]
        sums = global_sum(*self.by_band(ocean_area_m2), *self.by_band(self.volume_m3))
        self.band_area_m2 = np.array(sums[:3])
        band_mixed_volume = np.array(sums[3:])
        self.box_volume_m3 = np.empty((len(BANDS), len(LAYERS)))
        self.box_volume_m3[:, THERMOCLINE] = self.band_area_m2 * THERMOCLINE_BASE_M - band_mixed_volume
        self.box_volume_m3[:, DEEP] = self.band_area_m2 * (MEAN_DEPTH_M - THERMOCLINE_BASE_M)
        if np.any(self.band_area_m2 <= 0):
            empty = [BANDS[b] for b in range(3) if self.band_area_m2[b] <= 0]
            raise ValueError(f"ocean geometry: no ocean in band(s) {', '.join(empty)}")

    def by_band(self, per_cell: np.ndarray) -> list[np.ndarray]:
        """The values of each band's cells (last axis), for per-band reproducible sums."""
        return [per_cell[..., idx] for idx in self.band_cells]

    @property
    def total_area_m2(self) -> float:
        return float(self.band_area_m2.sum())
