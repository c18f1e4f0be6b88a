"""Ocean geometry, circulation and biological pump: conservation and published numbers."""

import math

import numpy as np
import pytest

from coupler.grid import LatLonGrid
from coupler.reprosum import reprosum_many
from ocean_stub.biology import THERMOCLINE_REMIN_FRACTION, remineralisation_fractions, sea_floor_fraction
from ocean_stub.circulation import Circulation, CirculationParameters
from ocean_stub.geometry import MEAN_DEPTH_M, Geometry, mixed_layer_depth_m


def global_sum(*arrays):
    return [float(v) for v in reprosum_many(list(arrays))]


def geometry(deg=4.0):
    grid = LatLonGrid.regular(deg)
    lat = np.repeat(grid.lat, grid.nlon)
    return Geometry(lat, grid.area_flat * 0.7, global_sum), grid


def test_volumes_and_depth():
    g, grid = geometry()
    total = g.volume_m3.sum() + g.box_volume_m3.sum()
    assert total == pytest.approx(g.total_area_m2 * MEAN_DEPTH_M, rel=1e-13)
    assert g.total_area_m2 == pytest.approx(0.7 * 4 * math.pi * 6.371e6**2, rel=1e-13)
    assert mixed_layer_depth_m(np.array([0.0]))[0] == 40.0 and mixed_layer_depth_m(np.array([75.0]))[0] == 150.0


@pytest.mark.parametrize("warming", [0.0, 3.0])
def test_transport_conserves_every_tracer(warming):
    g, _ = geometry()
    circ = Circulation(g, CirculationParameters())
    rng = np.random.default_rng(3)
    surface = rng.uniform(1.0, 3.0, (3, g.area_m2.size))
    interior = rng.uniform(1.0, 3.0, (3, 3, 2))
    rates = circ.rates(warming)
    sums = global_sum(*circ.surface_sums(surface, rates))
    d_surface, d_interior = circ.tendencies(surface, interior, rates, sums)
    for k in range(3):
        moved = [math.fsum(d_surface[k] * g.volume_m3), math.fsum((d_interior[k] * g.box_volume_m3).ravel())]
        scale = math.fsum(np.abs(d_surface[k]) * g.volume_m3)
        assert abs(sum(moved)) <= 1e-13 * scale
    # uniform tracer: transport changes nothing
    d_surface, d_interior = circ.tendencies(np.ones_like(surface), np.ones_like(interior), rates,
                                            global_sum(*circ.surface_sums(np.ones_like(surface), rates)))
    assert np.max(np.abs(d_surface)) < 1e-22 and np.max(np.abs(d_interior)) < 1e-22


def test_warming_weakens_the_overturning():
    p = CirculationParameters()
    assert p.factors(0.0) == (1.0, 1.0)
    over, vent = p.factors(4.0)
    assert over == pytest.approx(1 - 4 * p.overturning_sensitivity_per_K) and vent < 1.0


def test_martin_curve_fractions():
    # F(1000 m) / F(100 m) = 10^-0.858 = 0.1387 (Martin et al. 1987)
    assert 1.0 - THERMOCLINE_REMIN_FRACTION == pytest.approx(10**-0.858, rel=1e-12)
    assert remineralisation_fractions().sum() == pytest.approx(1.0, rel=1e-15)
    assert sea_floor_fraction() == pytest.approx(37.0**-0.858, rel=1e-12)
