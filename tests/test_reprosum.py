"""Tests of coupler.reprosum: exact, order- and decomposition-independent sums."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coupler.reprosum as rs
from coupler.reprosum import reprosum, reprosum_many

finite = st.floats(allow_nan=False, allow_infinity=False)
# Values clustered near the overflow threshold exercise the rescaled bins.
huge = st.floats(min_value=1e300, max_value=1.7976931348623157e308).flatmap(
    lambda x: st.sampled_from([x, -x]))
subnormal = st.floats(min_value=-2.2250738585072014e-308, max_value=2.2250738585072014e-308)
mixed = st.lists(st.one_of(finite, huge, subnormal), max_size=60)


def exact(values) -> float:
    """Correctly rounded exact sum by rational arithmetic (+-inf beyond the float range)."""
    total = sum(map(Fraction, values), Fraction(0))
    try:
        return float(total)
    except OverflowError:
        return math.inf if total > 0 else -math.inf


def fsum_or_none(values):
    try:
        return math.fsum(values)
    except OverflowError:  # fsum gives up on intermediate overflow
        return None


class FakeComm:
    """Stand-in communicator: the other 'ranks' contribute their local slot matrices."""

    def __init__(self, other_parts):
        self.other_parts = other_parts
        self.allreduce_calls = 0

    def Get_size(self):
        return 1 + len(self.other_parts)

    def Allreduce(self, sendbuf, recvbuf, op=None):
        self.allreduce_calls += 1
        for arrays in self.other_parts:
            recvbuf += rs._local_slots([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays])


@settings(max_examples=500, deadline=None)
@given(mixed)
def test_equals_exact_sum_and_fsum(values):
    result = reprosum(np.array(values, dtype=np.float64))
    assert isinstance(result, float)
    assert result.hex() == exact(values).hex()
    reference = fsum_or_none(values)
    if reference is not None:
        assert result.hex() == reference.hex()


@settings(max_examples=100, deadline=None)
@given(mixed, st.randoms(use_true_random=False))
def test_order_independent(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert reprosum(shuffled).hex() == reprosum(values).hex()


@settings(max_examples=100, deadline=None)
@given(mixed, st.lists(st.integers(0, 60), max_size=4))
def test_decomposition_independent(values, cuts):
    bounds = [0, *sorted(min(c, len(values)) for c in cuts), len(values)]
    parts = [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    comm = FakeComm([[p] for p in parts[1:]])
    assert reprosum(parts[0], comm).hex() == reprosum(values).hex()
    assert comm.allreduce_calls == (1 if len(parts) > 1 else 0)


@pytest.mark.parametrize(
    "values, expected",
    [
        ([1e300, 1.0, -1e300], 1.0),
        ([1e16, 1.0, -1e16], 1.0),
        ([0.1] * 10, math.fsum([0.1] * 10)),
        ([5e-324, 5e-324, -5e-324], 5e-324),
        ([2.2250738585072014e-308, -5e-324], 2.225073858507201e-308),
        ([1.7976931348623157e308, -1.7976931348623157e308, 1e-300], 1e-300),
        ([], 0.0),
        ([-0.0], 0.0),
        ([0.0, -0.0, 0.0], 0.0),
    ],
)
def test_known_sums(values, expected):
    assert reprosum(values).hex() == expected.hex()


def test_huge_values_do_not_overflow_internally():
    values = [1.7e308] * 1000 + [-1.7e308] * 999 + [3.0]
    assert reprosum(values).hex() == exact(values).hex() == (1.7e308 + 3.0).hex()
    assert reprosum([1.7e308] * 3) == math.inf
    assert reprosum([-1.7e308] * 3) == -math.inf


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_gives_nan(bad):
    assert math.isnan(reprosum([1.0, bad, 2.0]))
    assert math.isnan(reprosum([math.inf, -math.inf]))
    # Only the affected array of reprosum_many is NaN.
    out = reprosum_many([[1.0, 2.0], [bad], [3.0]])
    assert out[0] == 3.0 and math.isnan(out[1]) and out[2] == 3.0


def test_non_finite_on_another_rank_gives_nan():
    comm = FakeComm([[[1.0, math.nan], [2.0]]])
    out = reprosum_many([[1.0], [2.0]], comm)
    assert math.isnan(out[0]) and out[1] == 4.0


def test_many_with_empty_arrays_and_shapes():
    rng = np.random.default_rng(3)
    arrays = [np.zeros(0), rng.standard_normal((7, 11)), [], rng.standard_normal(1000) * 1e10,
              np.float32([0.1, 0.2]), np.arange(5), rng.standard_normal(20)[::3]]
    out = reprosum_many(arrays)
    assert out.shape == (len(arrays),) and out.dtype == np.float64
    for result, a in zip(out, arrays):
        ref = math.fsum(np.asarray(a, dtype=np.float64).ravel())
        assert result.hex() == ref.hex()
    assert reprosum_many([]).shape == (0,)


def test_many_uses_one_allreduce():
    rng = np.random.default_rng(4)
    mine = [rng.standard_normal(n) for n in (0, 5, 300)]
    theirs = [[rng.standard_normal(n) for n in (10, 0, 7)], [rng.standard_normal(n) for n in (3, 2, 0)]]
    comm = FakeComm(theirs)
    out = reprosum_many(mine, comm)
    assert comm.allreduce_calls == 1
    for k in range(3):
        allv = np.concatenate([mine[k], theirs[0][k], theirs[1][k]])
        assert out[k].hex() == math.fsum(allv).hex()


def test_small_chunks_and_blocks_give_identical_results(monkeypatch):
    # Exercise multi-row segments and multi-block scatters, including the
    # overflow fallback inside a row that is not the first.
    rng = np.random.default_rng(5)
    x = rng.standard_normal(2000) * 10.0 ** rng.integers(-300, 300, 2000)
    x[1500:1600] = 1.6e308
    x[1600:1700] = -1.6e308
    reference = [exact(x.tolist()), math.fsum(x[:999]), 0.0]
    monkeypatch.setattr(rs, "_CHUNK", 333)
    monkeypatch.setattr(rs, "_BLOCK", 64)
    rescaled_rows = []
    original = rs._rescale_big

    def spy(acc, owner, arrays, segments, rows):
        rescaled_rows.extend(rows.tolist())
        return original(acc, owner, arrays, segments, rows)

    monkeypatch.setattr(rs, "_rescale_big", spy)
    out = reprosum_many([x, x[:999], []])
    assert [v.hex() for v in out] == [v.hex() for v in reference]
    assert rescaled_rows == [4, 5]  # rows holding x[1332:1665] and x[1665:1998]


def test_large_random_arrays_match_fsum_bitwise():
    rng = np.random.default_rng(6)
    for scale_exp in (0, 20, 300):
        x = rng.standard_normal(100_001) * 10.0 ** rng.integers(-scale_exp, scale_exp + 1, 100_001)
        assert reprosum(x).hex() == math.fsum(x).hex()
        assert reprosum(x[::-1]).hex() == reprosum(rng.permutation(x)).hex()


def test_slot_digits_have_headroom():
    rng = np.random.default_rng(7)
    x = rng.standard_normal(50_000) * 10.0 ** rng.integers(-300, 300, 50_000)
    slots = rs._local_slots([x, -x, np.abs(x)])
    digits = slots[:, : rs.NSLOT]
    assert digits.min() >= -(2**31) and digits.max() < 2**32 + 2**31


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=40), max_size=6))
def test_fsum_fast_path_equals_slot_path(lists):
    """The serial fast path and the integer-slot path give the same bits, non-finite and overflow included."""
    from coupler import reprosum as rs

    arrays = [np.array(v, dtype=np.float64) for v in lists]
    slot = rs._local_slots(arrays)
    totals = rs._to_python_ints(slot[:, : rs.NSLOT])
    expected = [math.nan if slot[k, rs.NSLOT] else rs._round(t) for k, t in enumerate(totals)]
    got = rs.reprosum_many(arrays)
    assert [float(x).hex() for x in got] == [float(x).hex() for x in expected]
