"""Tests of coupler.remap: conservative weights, fraction merging and routing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coupler.grid import LatLonGrid
from coupler.remap import (Remapper, conservative_weights, nearest_ocean_routing,
                           overlap_matrices, route)

REL = 1e-14  # global integrals, relative
ROW = 8 * np.finfo(np.float64).eps  # exactly summed weight rows: a few ulps


@st.composite
def global_grids(draw):
    """Global regular grid, or irregular one with random edges and seam longitude."""
    if draw(st.booleans()):
        dlat = draw(st.sampled_from([1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 30.0]))
        dlon = draw(st.sampled_from([1.25, 2.0, 2.5, 3.75, 5.0, 7.5, 10.0, 24.0, 45.0]))
        return LatLonGrid.regular(dlat, dlon)
    # Edges on a micro-degree lattice (distinct after shifting by lon0).
    lats = draw(st.lists(st.integers(-89_999_999, 89_999_999), max_size=30, unique=True))
    lons = draw(st.lists(st.integers(1, 359_999_999), max_size=30, unique=True))
    # Seams where lon0 + 360 is exact, so the grid is exactly global.
    lon0 = draw(st.sampled_from([0.0, -180.0, 90.0, 17.5, -33.25, -0.0078125]))
    return LatLonGrid(np.concatenate([[-90.0], np.sort(lats) * 1e-6, [90.0]]),
                      lon0 + np.concatenate([[0.0], np.sort(lons) * 1e-6, [360.0]]))


def rel_err(a, b, scale):
    diff = abs(math.fsum(a) - math.fsum(b))
    return diff / scale if scale else diff


def exact_row_sums(m: sp.csr_matrix) -> np.ndarray:
    """Row sums by math.fsum, so only the weights' own rounding shows."""
    return np.array([math.fsum(r) for r in np.split(m.data, m.indptr[1:-1])])


def exact_matvec(m: sp.csr_matrix, f: np.ndarray) -> np.ndarray:
    """``m @ f`` with each row summed by math.fsum (only the products are rounded)."""
    return exact_row_sums(sp.csr_matrix((m.data * f[m.indices], m.indices, m.indptr), shape=m.shape))


# A float matvec adds up to (terms per row) roundings: with tens of thousands
# of source cells per destination cell (e.g. 1 x 1.25 deg onto a 2-cell grid)
# the summation error of W @ f itself reaches 1e-14, whatever the weights.
MAX_TERMS = 1000


def max_terms(m: sp.csr_matrix) -> int:
    return int(np.diff(m.indptr).max())


@settings(max_examples=100, deadline=None)
@given(global_grids(), global_grids(), st.integers(0, 2**32 - 1))
def test_global_integral_conserved(src, dst, seed):
    rng = np.random.default_rng(seed)
    W = conservative_weights(src, dst)
    assert W.shape == (dst.ncells, src.ncells) and isinstance(W, sp.csr_matrix)
    positive = rng.uniform(0.5, 1.5, src.ncells)
    signed = rng.standard_normal(src.ncells)
    for f in (positive, signed):
        before = src.area_flat * f
        scale = math.fsum(np.abs(before))  # signed fields may cancel: relative to |f|
        # The weights conserve (row sums exact, products rounded) ...
        assert rel_err(dst.area_flat * exact_matvec(W, f), before, scale) <= REL
        # ... and so does the float product when rows are not extremely long.
        if max_terms(W) <= MAX_TERMS:
            assert rel_err(dst.area_flat * (W @ f), before, scale) <= REL
    # Every dst cell of a global pair is fully covered: rows sum to 1.
    np.testing.assert_allclose(exact_row_sums(W), 1.0, rtol=0, atol=ROW)
    # Every src cell is partitioned by its overlaps.
    S, L = overlap_matrices(src, dst)
    np.testing.assert_allclose(exact_row_sums(S.T.tocsr()), src.dsinlat, rtol=ROW)
    np.testing.assert_allclose(exact_row_sums(L.T.tocsr()), src.dlon_rad, rtol=ROW)


def test_identity_and_seam_shift_are_exact():
    g = LatLonGrid.regular(2.0)
    f = np.random.default_rng(0).standard_normal(g.ncells)
    np.testing.assert_array_equal(Remapper(g, g).map(f), f)
    # Same cells with the seam at -180 instead of 0: a pure permutation.
    h = LatLonGrid(g.lat_edges, g.lon_edges - 180.0)
    out = Remapper(g, h).map(f).reshape(g.shape)
    np.testing.assert_array_equal(out, np.roll(f.reshape(g.shape), 90, axis=1))


def test_2x2_to_4x4_weights_are_area_fractions():
    src, dst = LatLonGrid.regular(2.0), LatLonGrid.regular(4.0)
    W = conservative_weights(src, dst)
    assert W.nnz == 4 * dst.ncells
    row = W.getrow(10 * dst.nlon + 3).toarray().ravel()
    cols = np.flatnonzero(row)
    expected = [(2 * 10 + a) * src.nlon + 2 * 3 + b for a in (0, 1) for b in (0, 1)]
    np.testing.assert_array_equal(cols, expected)
    np.testing.assert_allclose(row[cols], src.area_flat[cols] / dst.area_flat[10 * dst.nlon + 3], rtol=4e-16)


def test_narrow_cells_across_the_seam_keep_their_width():
    # -1.42277065 + 360 is not representable: the exact wrap keeps the
    # narrow cell [-1.42277065, -1.24368495] whole in the 0..360 frame.
    src = LatLonGrid.regular(2.5)
    dst = LatLonGrid([-90.0, 0.0, 90.0], [-180.0, -1.42277065, -1.24368495, 100.0, 180.0])
    assert dst.is_global
    W = conservative_weights(src, dst)
    np.testing.assert_allclose(exact_row_sums(W), 1.0, rtol=0, atol=ROW)
    back = conservative_weights(dst, src)
    np.testing.assert_allclose(exact_row_sums(back), 1.0, rtol=0, atol=ROW)
    f = np.random.default_rng(7).uniform(1, 2, src.ncells)
    assert rel_err(dst.area_flat * (W @ f), src.area_flat * f, math.fsum(src.area_flat * f)) <= REL


def test_regional_destination_rows_sum_to_one():
    src = LatLonGrid.regular(1.0)
    dst = LatLonGrid(np.linspace(-20.3, 35.7, 15), np.linspace(-40.25, 60.75, 20))  # crosses lon 0
    W = conservative_weights(src, dst)
    np.testing.assert_allclose(exact_row_sums(W), 1.0, rtol=0, atol=ROW)
    f = np.random.default_rng(1).uniform(1, 2, src.ncells)
    g = W @ f
    assert np.all((g >= f.min()) & (g <= f.max()))


def test_partially_covered_destination_rows():
    src = LatLonGrid(np.linspace(-30, 30, 7), np.linspace(0, 90, 10))
    dst = LatLonGrid(np.linspace(-45, 45, 4), np.linspace(0, 180, 3))
    W = conservative_weights(src, dst)
    # Band [-15, 15] x [0, 90] lies fully inside src; [15, 45] x [0, 90] half in sin(lat).
    row_sums = exact_row_sums(W).reshape(dst.shape)
    assert row_sums[1, 0] == pytest.approx(1.0, rel=0, abs=ROW)
    frac = (math.sin(math.radians(30)) - math.sin(math.radians(15))) / (
        math.sin(math.radians(45)) - math.sin(math.radians(15)))
    assert row_sums[2, 0] == pytest.approx(frac, rel=ROW, abs=0)
    assert row_sums[1, 1] == 0.0


@settings(max_examples=50, deadline=None)
@given(global_grids(), global_grids(), st.integers(0, 2**32 - 1))
def test_merge_conserves_fraction_weighted_integral(src, dst, seed):
    rm = Remapper(src, dst)
    assume(max_terms(rm.weights) <= MAX_TERMS)
    rng = np.random.default_rng(seed)
    frac = rng.uniform(0, 1, src.ncells) * (rng.uniform(size=src.ncells) > 0.3)
    fields = rng.uniform(0.1, 10.0, (3, src.ncells))
    merged, dst_frac = rm.merge(fields, frac)
    assert merged.shape == (3, dst.ncells)
    np.testing.assert_array_equal(dst_frac, rm.map(frac))
    assert np.all(merged[:, dst_frac == 0] == 0)
    for k in range(3):
        before = src.area_flat * frac * fields[k]
        after = dst.area_flat * dst_frac * merged[k]
        assert rel_err(after, before, math.fsum(before)) <= REL
        single, single_frac = rm.merge(fields[k], frac)
        np.testing.assert_array_equal(single, merged[k])  # stacked == one at a time, bitwise
        np.testing.assert_array_equal(single_frac, dst_frac)


def test_merge_with_full_fraction_is_plain_map():
    src, dst = LatLonGrid.regular(3.0, 5.0), LatLonGrid.regular(4.0, 2.5)
    rm = Remapper(src, dst)
    f = np.random.default_rng(2).uniform(1, 2, src.ncells)
    merged, frac = rm.merge(f, np.ones(src.ncells))
    np.testing.assert_allclose(frac, 1.0, rtol=0, atol=ROW)
    np.testing.assert_allclose(merged, rm.map(f), rtol=2 * ROW)
    merged0, frac0 = rm.merge(f, np.zeros(src.ncells))
    assert not merged0.any() and not frac0.any()


def test_remapper_is_deterministic_and_reverse_conserves():
    src, dst = LatLonGrid.regular(2.0), LatLonGrid.regular(4.0, 5.0)
    a, b = Remapper(src, dst), Remapper(src, dst)
    for m1, m2 in ((a.weights, b.weights), (a.overlap, b.overlap), (a.reverse_weights, b.reverse_weights)):
        np.testing.assert_array_equal(m1.indptr, m2.indptr)
        np.testing.assert_array_equal(m1.indices, m2.indices)
        np.testing.assert_array_equal(m1.data, m2.data)
    f = np.random.default_rng(3).uniform(0, 1, (2, src.ncells))
    np.testing.assert_array_equal(a.map(f), b.map(f))
    g = np.random.default_rng(4).uniform(0, 1, dst.ncells)
    back = a.map_reverse(g)
    assert rel_err(src.area_flat * back, dst.area_flat * g, math.fsum(dst.area_flat * g)) <= REL
    np.testing.assert_allclose(exact_row_sums(a.overlap.T.tocsr()), src.area_flat, rtol=ROW)
    with pytest.raises(ValueError):
        a.map(np.zeros((1, 1, src.ncells)))


# ---------------------------------------------------------------- routing

def haversine(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * np.arcsin(np.sqrt(a))


def test_routing_matches_brute_force():
    land = LatLonGrid.regular(6.0)
    ocean = LatLonGrid.regular(4.0, 5.0)
    rng = np.random.default_rng(5)
    ofrac = rng.uniform(size=ocean.ncells) * (rng.uniform(size=ocean.ncells) < 0.1)
    land_cells = np.sort(rng.choice(land.ncells, 400, replace=False))
    routing = nearest_ocean_routing(land, land_cells, ocean, ofrac)
    oc = np.flatnonzero(ofrac > 0)
    llat, llon = land.lat[land_cells // land.nlon], land.lon[land_cells % land.nlon]
    olat, olon = ocean.lat[oc // ocean.nlon], ocean.lon[oc % ocean.nlon]
    d = haversine(llat[:, None], llon[:, None], olat[None, :], olon[None, :])
    dsort = np.sort(d, axis=1)
    unique = dsort[:, 1] - dsort[:, 0] > 1e-9  # brute force is unambiguous there
    assert unique.sum() > 300
    np.testing.assert_array_equal(routing[unique], oc[np.argmin(d, axis=1)][unique])
    chosen = d[np.arange(len(land_cells)), np.searchsorted(oc, routing)]
    np.testing.assert_allclose(chosen, dsort[:, 0], rtol=1e-12)


def test_routing_ties_go_to_lowest_index():
    g = LatLonGrid.regular(10.0)
    ofrac = np.zeros(g.ncells)
    j = 9  # row centred at 5 N
    ofrac[j * g.nlon + np.array([3, 7, 17])] = 1.0  # cells 3 and 7 are equidistant from 5
    land = [j * g.nlon + 5, j * g.nlon + 12, j * g.nlon + 0]
    routing = nearest_ocean_routing(g, land, g, ofrac)
    np.testing.assert_array_equal(routing, [j * g.nlon + 3, j * g.nlon + 7, j * g.nlon + 3])
    # Many exact ties: every cell of a ring around a polar land cell.
    ofrac = np.zeros(g.ncells)
    ofrac[17 * g.nlon:] = 1.0  # the whole northernmost row (85 N)
    routing = nearest_ocean_routing(g, [16 * g.nlon + 20], g, ofrac)
    assert routing[0] == 17 * g.nlon + 20
    assert nearest_ocean_routing(g, [], g, ofrac).shape == (0,)
    with pytest.raises(ValueError):
        nearest_ocean_routing(g, land, g, np.zeros(g.ncells))


def test_route_conserves_totals():
    rng = np.random.default_rng(6)
    n_ocean = 500
    routing = rng.integers(0, n_ocean, 2000)
    amounts = rng.uniform(0, 1e12, (3, 2000))
    out = route(amounts, routing, n_ocean)
    assert out.shape == (3, n_ocean)
    for k in range(3):
        np.testing.assert_array_equal(out[k], route(amounts[k], routing, n_ocean))
        assert math.fsum(out[k]) == pytest.approx(math.fsum(amounts[k]), rel=REL, abs=0)
    np.testing.assert_array_equal(route(amounts[0], routing, n_ocean),
                                  np.bincount(routing, weights=amounts[0], minlength=n_ocean))
