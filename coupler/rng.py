"""Counter-based random numbers that do not depend on the domain decomposition.

Every draw is a pure function of ``(seed, stream, global cell index, time
step)``: the Philox4x32-10 block cipher-like generator of Salmon, Moraes, Dror
& Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3", SC'11,
doi:10.1145/2063384.2063405, is applied to the counter
``(cell & 0xffffffff, cell >> 32, step & 0xffffffff, step >> 32)`` with key
``(seed, stream)``.  A cell therefore gets the same numbers whichever rank owns
it and in whatever order cells are processed.  Use a different ``stream`` for
each independent purpose (e.g. one per stochastic process or per draw).
"""

from __future__ import annotations

import numpy as np

__all__ = ["philox4x32", "uniform", "normal"]

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_ROUNDS = 10
_BLOCK = 1 << 14


def philox4x32(counter, key) -> np.ndarray:
    """Philox4x32-10 of each column of ``counter`` under ``key``.

    Parameters
    ----------
    counter : array_like of uint32, shape (4, N)
    key : array_like of uint32, shape (2, N) or (2,)

    Returns
    -------
    numpy.ndarray of uint32, shape (4, N)

    32x32 -> 64-bit products are exact in uint64, giving the high and low
    words of each multiply; keys advance by the Weyl constants between rounds.
    """
    ctr = _as_words(counter, "counter")
    k = _as_words(key, "key")
    if ctr.ndim != 2 or ctr.shape[0] != 4:
        raise ValueError("counter must have shape (4, N)")
    if k.shape[0] != 2 or k.ndim not in (1, 2):
        raise ValueError("key must have shape (2,) or (2, N)")
    n = ctr.shape[1]
    if k.ndim == 1:
        k = np.broadcast_to(k[:, None], (2, n))
    elif k.shape[1] != n:
        raise ValueError("key of shape (2, N) must match counter of shape (4, N)")
    out = np.empty((4, n), dtype=np.uint32)
    # Cache-sized blocks with in-place operations: ~2x faster than fresh
    # temporaries for large N.
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        out[:, start:stop] = _philox_block(ctr[:, start:stop], k[:, start:stop])
    return out


def _as_words(a, name: str) -> np.ndarray:
    """Integer array checked to hold 32-bit words (any integer dtype accepted)."""
    a = np.asarray(a)
    if a.dtype != np.uint32:
        if not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"{name} must hold integers")
        if a.size and (a.min() < 0 or a.max() > 0xFFFFFFFF):
            raise ValueError(f"{name} words must be in [0, 2**32)")
    return a


def _philox_block(ctr: np.ndarray, key: np.ndarray) -> np.ndarray:
    c0, c1, c2, c3 = (ctr[i].astype(np.uint64) for i in range(4))
    k0, k1 = (key[i].astype(np.uint64) for i in range(2))
    p0 = np.empty_like(c0)
    p1 = np.empty_like(c0)
    for rnd in range(_ROUNDS):
        if rnd:
            k0 += _W0
            k0 &= _MASK32
            k1 += _W1
            k1 &= _MASK32
        np.multiply(c0, _M0, out=p0)
        np.multiply(c2, _M1, out=p1)
        # (c0, c1, c2, c3) <- (hi(p1) ^ c1 ^ k0, lo(p1), hi(p0) ^ c3 ^ k1, lo(p0));
        # the order below reads every old word before overwriting it.
        np.right_shift(p1, _S32, out=c0)
        c0 ^= c1
        c0 ^= k0
        np.right_shift(p0, _S32, out=c2)
        c2 ^= c3
        c2 ^= k1
        np.bitwise_and(p1, _MASK32, out=c1)
        np.bitwise_and(p0, _MASK32, out=c3)
    return np.stack([c0, c1, c2, c3])


def _u32(value, name: str) -> int:
    v = int(value)
    if not 0 <= v < 2**32:
        raise ValueError(f"{name} must be in [0, 2**32), got {value!r}")
    return v


def _words(seed, stream, cells, step):
    """Philox output words (4, N) for flattened ``cells``/``step`` and the output shape."""
    cells = np.asarray(cells)
    if cells.size and (not np.issubdtype(cells.dtype, np.integer) or cells.min() < 0):
        raise ValueError("cells must be non-negative integers")
    step = np.asarray(step)
    if step.size and (not np.issubdtype(step.dtype, np.integer) or step.min() < 0):
        raise ValueError("step must be a non-negative integer")
    cells, step = np.broadcast_arrays(cells, step)
    shape = cells.shape
    c = cells.reshape(-1).astype(np.uint64)
    s = step.reshape(-1).astype(np.uint64)
    counter = np.stack([c & _MASK32, c >> _S32, s & _MASK32, s >> _S32])
    key = np.array([_u32(seed, "seed"), _u32(stream, "stream")], dtype=np.uint64)
    return philox4x32(counter, key), shape


def _open01(hi_word: np.ndarray, lo_word: np.ndarray) -> np.ndarray:
    """Uniform in (0, 1) from 52 random bits plus a fixed half-ulp.

    ``(m + 0.5) * 2**-52`` with ``m`` the top 32 + 20 bits of the two words:
    a 53-bit mantissa whose last bit is fixed, so every value (the midpoints
    of 2**52 equal cells, from 2**-53 to 1 - 2**-53) is exact and neither
    0 nor 1 can occur (as Random123's open-open fixed-point conversion).
    """
    m = (hi_word.astype(np.uint64) << np.uint64(20)) | (lo_word.astype(np.uint64) >> np.uint64(12))
    return (m.astype(np.float64) + 0.5) * 2.0**-52


def uniform(seed: int, stream: int, cells, step) -> np.ndarray:
    """Uniform(0, 1) deviates, one per cell, keyed by (seed, stream, cell, step).

    Parameters
    ----------
    seed, stream : int in [0, 2**32)
        Key of the generator.
    cells : array_like of non-negative int
        Global cell indices (any shape; must be < 2**64).
    step : int or array_like of non-negative int
        Time step index, broadcast against ``cells``.

    Returns
    -------
    numpy.ndarray of float64 with the broadcast shape, values in the open interval (0, 1).
    """
    words, shape = _words(seed, stream, cells, step)
    return _open01(words[0], words[1]).reshape(shape)


def normal(seed: int, stream: int, cells, step) -> np.ndarray:
    """Standard normal deviates, one per cell, by Box-Muller from the same Philox words.

    ``sqrt(-2 ln u1) cos(2 pi u2)`` with ``u1`` from words 0-1 (so ``u1`` equals
    :func:`uniform` for the same arguments) and ``u2`` from words 2-3 (Box &
    Muller 1958, Ann. Math. Stat. 29, 610-611).  Arguments as :func:`uniform`.
    """
    words, shape = _words(seed, stream, cells, step)
    u1 = _open01(words[0], words[1])
    u2 = _open01(words[2], words[3])
    return (np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)).reshape(shape)
