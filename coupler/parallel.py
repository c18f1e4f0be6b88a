"""MPI helpers: block gathers and scatters of per-cell arrays in global order.

Per-cell arrays keep the cells on their LAST axis. Blocks are gathered in
rank order, which is global cell order because every decomposition is made
of contiguous blocks. ``comm=None`` means a serial run.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .errors import LsmcError


def rank_of(comm: Any) -> int:
    return 0 if comm is None else comm.Get_rank()


def size_of(comm: Any) -> int:
    return 1 if comm is None else comm.Get_size()


def _cells_first(local: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    lead = local.shape[:-1]
    width = int(np.prod(lead)) if lead else 1
    return np.ascontiguousarray(np.moveaxis(local, -1, 0)).reshape(local.shape[-1], width), lead


def gather_cells(comm: Any, local: np.ndarray, counts: np.ndarray, root: int = 0, allgather: bool = False):
    """Gather per-cell blocks (cells on the last axis) into the global array.

    ``counts[r]`` is the number of cells on rank ``r`` of ``comm``. Returns
    the global array on ``root`` (on every rank with ``allgather``) and None
    elsewhere.
    """
    local = np.asarray(local, dtype=np.float64)
    if comm is None or comm.Get_size() == 1:
        return local.copy()
    from mpi4py import MPI

    flat, lead = _cells_first(local)
    width = flat.shape[1]
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    recv_counts = counts * width
    displs = np.concatenate([[0], np.cumsum(recv_counts)[:-1]])
    if allgather:
        out = np.empty((total, width))
        comm.Allgatherv(flat, [out, recv_counts, displs, MPI.DOUBLE])
    else:
        out = np.empty((total, width)) if comm.Get_rank() == root else None
        comm.Gatherv(flat, [out, recv_counts, displs, MPI.DOUBLE] if out is not None else None, root=root)
        if out is None:
            return None
    return np.moveaxis(out.reshape(total, *lead), 0, -1).copy()


def scatter_cells(comm: Any, global_array: np.ndarray | None, counts: np.ndarray, lead: tuple[int, ...] = (),
                  root: int = 0) -> np.ndarray:
    """Inverse of :func:`gather_cells`: each rank gets its block of cells."""
    counts = np.asarray(counts, dtype=np.int64)
    if comm is None or comm.Get_size() == 1:
        return np.array(global_array, dtype=np.float64)
    from mpi4py import MPI

    width = int(np.prod(lead)) if lead else 1
    me = comm.Get_rank()
    send = None
    if me == root:
        flat, _ = _cells_first(np.asarray(global_array, dtype=np.float64))
        send_counts = counts * width
        displs = np.concatenate([[0], np.cumsum(send_counts)[:-1]])
        send = [flat, send_counts, displs, MPI.DOUBLE]
    out = np.empty((int(counts[me]), width))
    comm.Scatterv(send, out, root=root)
    return np.moveaxis(out.reshape(int(counts[me]), *lead), 0, -1).copy()


def bcast(comm: Any, value: Any, root: int = 0) -> Any:
    return value if comm is None else comm.bcast(value, root=root)


def barrier(comm: Any) -> None:
    if comm is not None:
        comm.Barrier()


def on_root(comm: Any, action: Callable[[], Any], root: int = 0) -> Any:
    """Run ``action`` on ``root`` only; its result, or the LsmcError it raised, reaches every rank.

    File reading and writing happen on one rank; without this, an error there
    would leave the other ranks waiting in the next collective forever.
    """
    result, error = None, None
    if rank_of(comm) == root:
        try:
            result = action()
        except LsmcError as exc:
            error = exc
    result, error = bcast(comm, (result, error), root)
    if error is not None:
        error.collective = True
        raise error
    return result
