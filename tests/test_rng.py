"""Tests of coupler.rng: Philox4x32-10 and decomposition-independent draws."""

from __future__ import annotations

import numpy as np
import pytest

from coupler.rng import normal, philox4x32, uniform

# Random123 kat_vectors, philox4x32 10: counter[4] key[2] -> output[4].
KAT = [
    ("00000000 00000000 00000000 00000000", "00000000 00000000", "6627e8d5 e169c58d bc57ac4c 9b00dbd8"),
    ("ffffffff ffffffff ffffffff ffffffff", "ffffffff ffffffff", "408f276d 41c83b0e a20bc7c6 6d5451fd"),
    ("243f6a88 85a308d3 13198a2e 03707344", "a4093822 299f31d0", "d16cfe09 94fdcceb 5001e420 24126ea1"),
]


def words(text):
    return np.array([int(w, 16) for w in text.split()], dtype=np.uint32)


@pytest.mark.parametrize("counter, key, expected", KAT)
def test_known_answers(counter, key, expected):
    out = philox4x32(words(counter)[:, None], words(key))
    assert out.dtype == np.uint32 and out.shape == (4, 1)
    np.testing.assert_array_equal(out[:, 0], words(expected))


def test_known_answers_vectorised_with_per_column_keys():
    counters = np.stack([words(c) for c, _, _ in KAT], axis=1)
    keys = np.stack([words(k) for _, k, _ in KAT], axis=1)
    expected = np.stack([words(e) for _, _, e in KAT], axis=1)
    np.testing.assert_array_equal(philox4x32(counters, keys), expected)
    # Across block boundaries of the implementation as well.
    big = np.repeat(counters, 20_000, axis=1)
    out = philox4x32(big, np.repeat(keys, 20_000, axis=1))
    np.testing.assert_array_equal(out[:, ::20_000], expected)
    np.testing.assert_array_equal(out[:, 20_000 - 1::20_000], expected)


def test_bad_shapes():
    with pytest.raises(ValueError):
        philox4x32(np.zeros((3, 5), np.uint32), np.zeros(2, np.uint32))
    with pytest.raises(ValueError):
        philox4x32(np.zeros((4, 5), np.uint32), np.zeros((2, 4), np.uint32))
    with pytest.raises(ValueError):
        philox4x32(np.full((4, 2), -1), np.zeros(2, np.uint32))
    with pytest.raises(ValueError):
        philox4x32(np.zeros((4, 2), np.uint32), [2**32, 0])
    with pytest.raises(ValueError):
        uniform(2**32, 0, [0], 0)
    with pytest.raises(ValueError):
        uniform(0, 0, [-1], 0)


def expected_uniform(w0, w1):
    m = (int(w0) << 20) | (int(w1) >> 12)
    return (m + 0.5) / 2.0**52


def test_counter_and_key_layout_against_known_answers():
    # counter = (cell lo, cell hi, step lo, step hi), key = (seed, stream).
    c = words(KAT[2][0])
    k = words(KAT[2][1])
    e = words(KAT[2][2])
    cell = int(c[0]) | (int(c[1]) << 32)
    step = int(c[2]) | (int(c[3]) << 32)
    u = uniform(int(k[0]), int(k[1]), np.array([cell], dtype=np.uint64), step)
    assert u[0] == expected_uniform(e[0], e[1])
    e0 = words(KAT[0][2])
    assert uniform(0, 0, [0], 0)[0] == expected_uniform(e0[0], e0[1])


def test_uniform_range_shape_and_extremes():
    u = uniform(7, 1, np.arange(12).reshape(3, 4), 3)
    assert u.shape == (3, 4) and u.dtype == np.float64
    assert np.all((u > 0) & (u < 1))
    # The conversion maps all-zero and all-one words strictly inside (0, 1).
    assert expected_uniform(0, 0) == 2.0**-53
    assert expected_uniform(2**32 - 1, 2**32 - 1) == 1 - 2.0**-53


def test_statistics_of_one_million_draws():
    n = 1_000_000
    cells = np.arange(n)
    u = uniform(12345, 0, cells, 17)
    # Tolerances are 5 standard errors: var(U) = 1/12, var of the sample
    # variance ~ (1/80 - 1/144)/n.
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt((1 / 80 - 1 / 144) / n)
    counts = np.bincount((u * 100).astype(int), minlength=100)
    chi2 = ((counts - n / 100) ** 2 / (n / 100)).sum()
    assert chi2 < 99 + 5 * np.sqrt(2 * 99)  # 99 degrees of freedom
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 5 / np.sqrt(n)
    z = normal(12345, 1, cells, 17)
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(np.mean(z**3)) < 5 * np.sqrt(15 / n)  # skewness, var(z^3) = 15
    assert abs(np.mean(z**4) - 3) < 5 * np.sqrt(96 / n)  # kurtosis, var(z^4) = 96


def test_decomposition_independence():
    cells = np.arange(100)
    whole = uniform(99, 3, cells, 42)
    halves = np.concatenate([uniform(99, 3, cells[:50], 42), uniform(99, 3, cells[50:], 42)])
    np.testing.assert_array_equal(whole, halves)
    perm = np.random.default_rng(0).permutation(100)
    np.testing.assert_array_equal(uniform(99, 3, cells[perm], 42), whole[perm])
    zw = normal(99, 3, cells, 42)
    np.testing.assert_array_equal(zw, np.concatenate([normal(99, 3, cells[:37], 42),
                                                      normal(99, 3, cells[37:], 42)]))
    # Per-cell steps broadcast like a scalar step.
    np.testing.assert_array_equal(uniform(99, 3, cells, np.full(100, 42)), whole)


def test_every_key_and_counter_component_matters():
    cells = np.arange(1000)
    base = uniform(1, 2, cells, 3)
    for other in (uniform(2, 2, cells, 3), uniform(1, 3, cells, 3), uniform(1, 2, cells, 4),
                  uniform(1, 2, cells + 2**32, 3), uniform(1, 2, cells, 3 + 2**32)):
        assert not np.any(other == base)
