"""Bit-for-bit comparison of two output folders (``lsmc compare``, like CESM's cprnc).

Compared: every history file (``hist/*.nc``), ``budget.nc``, and the files
of the final restart set (the one ``rpointer`` names) of folder A must exist
in B with the same relative path and identical variable values, bit for bit
(NaN equal to NaN). File metadata (creation time, history attribute) is not
compared. Restart sets other than A's final one are ignored, so a run
continued from a mid-run restart compares equal to an uninterrupted run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import netCDF4
import numpy as np

from .errors import LsmcError, RestartError
from .restart import read_rpointer


@dataclass
class Difference:
    file: str
    variable: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.variable}: {self.detail}"


def files_to_compare(folder: Path) -> list[Path]:
    """Relative paths of the files that define a run's answers."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LsmcError(f"{folder}: no such output folder")
    files = sorted(p.relative_to(folder) for p in (folder / "hist").glob("*.nc")) if (folder / "hist").is_dir() else []
    if (folder / "budget.nc").exists():
        files.append(Path("budget.nc"))
    try:
        final = read_rpointer(folder)
        files += sorted(p.relative_to(folder) for p in final.glob("*.nc"))
    except RestartError:
        pass
    if not files:
        raise LsmcError(f"{folder}: holds no history, budget or restart files to compare")
    return files


def _bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape, type and bytes: bit-for-bit, so -0.0 differs from 0.0 and NaN equals only NaN.

    Variable-length strings come back as object arrays, whose bytes are
    pointers: those are compared by value.
    """
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "O":
        return a.tolist() == b.tolist()
    return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def compare_files(a: Path, b: Path, label: str) -> Difference | None:
    try:
        na, nb = netCDF4.Dataset(a), netCDF4.Dataset(b)
    except OSError as exc:
        return Difference(label, "-", f"cannot open ({exc})")
    with na, nb:
        for name in na.variables:
            if name not in nb.variables:
                return Difference(label, name, "missing in B")
            va, vb = na.variables[name], nb.variables[name]
            va.set_auto_mask(False)
            vb.set_auto_mask(False)
            xa, xb = np.asarray(va[...]), np.asarray(vb[...])
            if xa.shape != xb.shape:
                return Difference(label, name, f"shape {xa.shape} in A, {xb.shape} in B")
            if not _bits_equal(xa, xb):
                if xa.dtype.kind in "fiu" and xb.dtype.kind in "fiu":
                    with np.errstate(invalid="ignore"):
                        diff = np.abs(xa.astype(np.float64) - xb.astype(np.float64))
                    nan_mismatch = np.isnan(xa.astype(np.float64)) != np.isnan(xb.astype(np.float64))
                    maxdiff = float(np.nanmax(diff)) if np.any(np.isfinite(diff)) else float("nan")
                    count = int(np.count_nonzero((diff != 0) & ~np.isnan(diff)) + nan_mismatch.sum())
                    return Difference(label, name, f"{count} values differ, max |A-B| = {maxdiff:.6e}")
                return Difference(label, name, "values differ")
        for name in nb.variables:
            if name not in na.variables:
                return Difference(label, name, "missing in A")
    return None


def compare_folders(a: Path, b: Path) -> list[Difference]:
    """All differing files (first difference of each); empty when bit-for-bit identical."""
    a, b = Path(a), Path(b)
    out = []
    if not b.is_dir():
        raise LsmcError(f"{b}: no such output folder")
    for rel in files_to_compare(a):
        if not (b / rel).exists():
            out.append(Difference(str(rel), "-", "missing in B"))
            continue
        diff = compare_files(a / rel, b / rel, str(rel))
        if diff is not None:
            out.append(diff)
    return out
