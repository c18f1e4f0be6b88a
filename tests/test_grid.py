"""Tests of coupler.grid: lat-lon grid geometry and block decomposition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coupler.constants import EARTH_RADIUS_M
from coupler.grid import LatLonGrid, block_decomposition, sin_difference

EPS = np.finfo(np.float64).eps
SPHERE = 4.0 * math.pi * EARTH_RADIUS_M**2


def test_regular_2x2_attributes():
    g = LatLonGrid.regular(2.0)
    assert (g.nlat, g.nlon, g.shape, g.ncells) == (90, 180, (90, 180), 16200)
    assert g.is_global
    assert g.resolution_label() == "2x2"
    np.testing.assert_array_equal(g.lat, np.arange(-89.0, 90.0, 2.0))
    np.testing.assert_array_equal(g.lon, np.arange(1.0, 360.0, 2.0))
    assert g.lat_bnds.shape == (90, 2) and g.lon_bnds.shape == (180, 2)
    np.testing.assert_array_equal(g.lat_bnds[0], [-90.0, -88.0])
    np.testing.assert_array_equal(g.lon_bnds[-1], [358.0, 360.0])
    assert g.area.shape == (90, 180) and g.area_flat.shape == (16200,)
    assert g.area_flat[5 * 180 + 7] == g.area[5, 7]  # flat index j * nlon + i


@pytest.mark.parametrize("res", [(0.25,), (0.5,), (0.9, 1.25), (1.0,), (1.875,), (2.0,), (2.5, 3.75),
                                 (4.0, 5.0), (10.0,), (30.0, 60.0), (180.0, 360.0)])
def test_global_area_sums_to_sphere(res):
    g = LatLonGrid.regular(*res)
    # Each cell area carries a few ulps of relative error; so does their sum.
    assert abs(math.fsum(g.area_flat) / SPHERE - 1.0) <= 4 * EPS


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-89_999_999, 89_999_999), max_size=40, unique=True),
       st.lists(st.integers(1, 359_999_999), max_size=40, unique=True),
       st.integers(-180, 180))
def test_irregular_global_area_sums_to_sphere(lats_udeg, lons_udeg, lon0):
    # Random edges on a micro-degree lattice, so they stay distinct after the shift.
    lat = np.concatenate([[-90.0], np.sort(lats_udeg) * 1e-6, [90.0]])
    lon = lon0 + np.concatenate([[0.0], np.sort(lons_udeg) * 1e-6, [360.0]])
    g = LatLonGrid(lat, lon)
    assert g.is_global
    assert np.all(g.area > 0)
    assert abs(math.fsum(g.area_flat) / SPHERE - 1.0) <= 4 * EPS


def test_analytic_cell_area_and_symmetry():
    g = LatLonGrid([0.0, 30.0], [10.0, 100.0])
    # R^2 * (pi/2) * (sin 30 - sin 0) = pi R^2 / 4
    assert g.area[0, 0] == pytest.approx(math.pi * EARTH_RADIUS_M**2 / 4, rel=2 * EPS, abs=0)
    assert not g.is_global
    r = LatLonGrid.regular(3.0, 5.0)
    np.testing.assert_allclose(r.area, r.area[::-1], rtol=2 * EPS)  # north-south symmetric
    np.testing.assert_array_equal(r.area, r.area[:, ::-1])  # equal columns


def test_sin_difference_is_accurate_near_poles():
    # Thin polar bands: sin(90) - sin(90 - w) = 2 sin^2(w/2), w the exact width.
    for edge in (90.0 - 1e-6, 89.9, 88.48059501, 60.0):
        w = math.radians(90.0 - edge)  # 90 - edge is exact (Sterbenz)
        ref = 2 * math.sin(w / 2) ** 2
        assert sin_difference(edge, 90.0) == pytest.approx(ref, rel=4 * EPS, abs=0)
        assert sin_difference(-90.0, -edge) == pytest.approx(ref, rel=4 * EPS, abs=0)
    assert sin_difference(-90.0, 90.0) == 2.0
    # Equator-straddling and ordinary bands against the plain difference.
    for a, b in ((-10.0, 30.0), (0.0, 45.0), (-60.0, -20.0), (-1e-3, 2e-3)):
        ref = math.sin(math.radians(b)) - math.sin(math.radians(a))
        assert sin_difference(a, b) == pytest.approx(ref, rel=4 * EPS, abs=0)


def test_regular_rejects_non_divisors():
    with pytest.raises(ValueError):
        LatLonGrid.regular(7.0)
    with pytest.raises(ValueError):
        LatLonGrid.regular(2.0, 7.0)
    with pytest.raises(ValueError):
        LatLonGrid.regular(0.0)
    g = LatLonGrid.regular(0.1)
    assert g.nlat == 1800 and g.lat_edges[0] == -90.0 and g.lat_edges[-1] == 90.0
    assert g.resolution_label() == "0.1x0.1"
    assert LatLonGrid.regular(1.25, 0.9375).resolution_label() == "1.25x0.9375"


@pytest.mark.parametrize("lat, lon", [
    ([0.0, 0.0, 10.0], [0.0, 10.0]),       # not strictly increasing
    ([-91.0, 0.0], [0.0, 10.0]),           # beyond the pole
    ([0.0, 10.0], [0.0, 200.0, 361.0]),    # lon span > 360
    ([0.0], [0.0, 10.0]),                  # too few edges
    ([0.0, np.nan], [0.0, 10.0]),
    ([0.0, 5e-324], [0.0, 10.0]),          # zero-area band
    ([0.0, 10.0], [-1.4227706, 358.5772294 + 1e-13]),  # span exceeds 360 by a sliver
])
def test_invalid_edges(lat, lon):
    with pytest.raises(ValueError):
        LatLonGrid(lat, lon)


def test_is_global_requires_exact_360_span():
    assert LatLonGrid([-90.0, 90.0], [-0.0078125, 359.9921875]).is_global
    # seam + 360 is rounded: the float difference says 360, the exact span does not.
    gap = LatLonGrid([-90.0, 90.0], [-0.3, -0.3 + 360.0])  # 1e-14 deg short
    assert gap.lon_edges[-1] - gap.lon_edges[0] == 360.0 and not gap.is_global
    with pytest.raises(ValueError, match="exactly 360"):
        LatLonGrid([-90.0, 90.0], [0.3, 0.3 + 360.0])  # 1e-14 deg too wide
    assert not LatLonGrid([-80.0, 90.0], [0.0, 360.0]).is_global


def test_equality_and_immutability():
    a = LatLonGrid.regular(2.0)
    b = LatLonGrid(np.linspace(-90, 90, 91), np.linspace(0, 360, 181))
    c = LatLonGrid.regular(2.0, 2.5)
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert a != "2x2"
    with pytest.raises(ValueError):
        a.area[0, 0] = 1.0


def test_cell_centres_xyz_are_unit_vectors():
    g = LatLonGrid.regular(10.0)
    xyz = g.cell_centres_xyz()
    np.testing.assert_allclose(np.linalg.norm(xyz, axis=1), 1.0, rtol=2 * EPS)
    j, i = 3, 5
    lat, lon = math.radians(g.lat[j]), math.radians(g.lon[i])
    np.testing.assert_allclose(xyz[j * g.nlon + i],
                               [math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])


# ---------------------------------------------------------------- blocks

def test_block_decomposition_examples():
    np.testing.assert_array_equal(block_decomposition(np.ones(10), 3), [0, 3, 7, 10])
    np.testing.assert_array_equal(block_decomposition([100, 1, 1], 3), [0, 1, 2, 3])
    np.testing.assert_array_equal(block_decomposition([1, 1], 4), [0, 1, 2, 2, 2])
    np.testing.assert_array_equal(block_decomposition([0, 0, 0, 0], 2), [0, 2, 4])
    np.testing.assert_array_equal(block_decomposition([], 3), [0, 0, 0, 0])
    np.testing.assert_array_equal(block_decomposition([5, 1, 1, 1, 1, 1], 2), [0, 1, 6])
    assert block_decomposition(np.ones(4), 2).dtype == np.int64
    with pytest.raises(ValueError):
        block_decomposition([1, -1], 2)
    with pytest.raises(ValueError):
        block_decomposition([1, 1], 0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=200), st.integers(1, 40))
def test_block_decomposition_properties(weights, nblocks):
    w = np.array(weights, dtype=np.int64)
    offsets = block_decomposition(w, nblocks)
    n = w.size
    assert offsets.shape == (nblocks + 1,) and offsets[0] == 0 and offsets[-1] == n
    sizes = np.diff(offsets)
    assert np.all(sizes >= 0)
    if n >= nblocks:
        assert np.all(sizes >= 1)
    # Every block is either a single item or part of a midpoint-rule block,
    # so it never exceeds the mean share by more than one item.
    total = w.sum() if w.sum() > 0 else n
    unit = w if w.sum() > 0 else np.ones(n, dtype=np.int64)
    block_w = np.add.reduceat(np.append(unit, 0), offsets[:-1])[: nblocks] * (sizes > 0)
    if n:
        assert np.all(block_w * nblocks <= total + nblocks * unit.max())
    assert np.array_equal(offsets, block_decomposition(w, nblocks))  # deterministic
