"""MPI driver for tests/mpi/test_reprosum_mpi.py (run under mpiexec).

Every rank builds the same values, shuffles and splits them unevenly in a way
that depends on the number of ranks, and sums its part with reprosum and
reprosum_many.  Rank 0 prints one ``name hex`` line per result, after checking
that all ranks obtained bit-identical results.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

N_VALUES = 100_003


def make_values(seed: int = 20240607) -> dict[str, np.ndarray]:
    """Global test arrays: mixed magnitudes and signs, cancellation, subnormals."""
    rng = np.random.default_rng(seed)
    n = N_VALUES
    a = rng.standard_normal(n) * 10.0 ** rng.integers(-30, 31, n)
    # Exact cancellation pairs of large values hide small ones from naive sums.
    big = rng.uniform(1e15, 1e20, 500)
    a[:500], a[500:1000] = big, -big
    a[1000:1100] = rng.standard_normal(100) * 1e-310  # subnormals
    a[1100:1110] = np.tile([1.5e300, -1.5e300], 5)  # huge, cancelling exactly
    return {
        "a": a,
        "b": a * 3.0,  # rounded once, globally, before splitting
        "c": a[np.abs(a) < 1.0],
        "empty": np.zeros(0),
    }


def split_bounds(n: int, nranks: int) -> np.ndarray:
    """Uneven split points: rank r gets a share proportional to (r + 1)**2."""
    share = np.arange(1, nranks + 1, dtype=np.float64) ** 2
    return np.concatenate([[0], np.round(np.cumsum(share) / share.sum() * n).astype(np.int64)])


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from mpi4py import MPI

    from coupler.reprosum import reprosum, reprosum_many

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    parts = {}
    for i, (name, values) in enumerate(make_values().items()):
        perm = np.random.default_rng(1000 * size + i).permutation(values.size)
        bounds = split_bounds(values.size, size)
        parts[name] = values[perm][bounds[rank]:bounds[rank + 1]]

    results = [("reprosum_a", reprosum(parts["a"], comm))]
    many = reprosum_many([parts["a"], parts["b"], parts["empty"], parts["c"]], comm)
    results += [(f"many_{name}", float(v)) for name, v in zip(["a", "b", "empty", "c"], many)]
    lines = [f"{name} {value.hex()}" for name, value in results]
    gathered = comm.gather(lines, root=0)
    if rank == 0:
        if any(g != lines for g in gathered):
            raise SystemExit(f"ranks disagree: {gathered}")
        print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
