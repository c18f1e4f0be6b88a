"""Restart sets: atomic, complete-or-absent, readable on any number of ranks.

A set lives in ``OUT/rest/YYYY-MM-DD-SSSSS/`` with one netCDF file per
component (``land.r.nc``, ``atmos.r.nc``, ``ocean.r.nc``) and the coupler's
(``coupler.r.nc``). Files hold global arrays in global cell order, so a set
written on N ranks is read on M. The set is first written into a hidden
``.NAME.partial`` folder, each file under a temporary name renamed when
complete; the folder is renamed when every file is in, and only then is
``OUT/rpointer`` replaced (write-to-temp and ``os.replace``) to name it. A
crash at any moment leaves the previous pointer and its set untouched.

Each file lists the variables written (``lsmc_variables``) and each variable
carries the CRC-32 of its values (``lsmc_crc32``), so a file damaged later
(a lost variable, a flipped bit, a hand edit) is refused with a
:class:`RestartError` naming it and the variable instead of being continued from.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np

from . import __version__
from .errors import RestartError
from .ncfile import open_netcdf
from .parallel import gather_cells, on_root

#: Version of the restart file layout; bump when variables or dimensions change.
RESTART_SCHEMA = 1
RPOINTER = "rpointer"
#: Attributes that let a reader tell a damaged file from a good one: the variables written (global) and
#: the CRC-32 of each variable's values.  Compression checks only compressed chunks, and scalars are not
#: compressed, so a flipped bit in a scalar stock would otherwise be read as a valid value.
MANIFEST_ATTR = "lsmc_variables"
CHECKSUM_ATTR = "lsmc_crc32"


def _integer(attr: Any) -> int | None:
    """An attribute's value if it is one integer, else None (a damaged or foreign attribute)."""
    if np.ndim(attr) == 0 and np.issubdtype(np.asarray(attr).dtype, np.integer):
        return int(attr)
    return None


def _checksum(value: np.ndarray) -> int:
    """CRC-32 of an array's values in native byte order (the file may store either order)."""
    return zlib.crc32(np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("=")).tobytes())


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_netcdf_atomic(path: Path, variables: dict[str, tuple[np.ndarray, dict[str, str]]],
                        attrs: dict[str, Any], cell_dims: dict[str, np.ndarray] | None = None) -> None:
    """Write variables to ``path`` through a temporary name, fsync and ``os.replace``.

    ``cell_dims`` maps cell dimension names to the global cell indices along
    them (written as ``<dim>_index``). A variable whose attributes name a
    ``cell_dim`` has that dimension as its last axis; its other axes, like
    those of every other variable, get dimensions named after the variable.
    """
    tmp = path.with_name(path.name + ".tmp")
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
        nc.setncatts(dict(attrs))
        index_names = [f"{dim}_index" for dim in (cell_dims or {})]
        nc.setncattr(MANIFEST_ATTR, " ".join(index_names + list(variables)))
        for dim, index in (cell_dims or {}).items():
            nc.createDimension(dim, len(index))
            v = nc.createVariable(f"{dim}_index", "i8", (dim,), zlib=True)
            v.long_name = "global flat cell index (j * nlon + i)"
            stored = np.asarray(index, dtype=np.int64)
            v.setncattr(CHECKSUM_ATTR, np.int64(_checksum(stored)))
            v[:] = stored
        for name, (value, vattrs) in variables.items():
            value = np.asarray(value)
            cell_dim = vattrs.get("cell_dim")
            lead = value.shape[:-1] if cell_dim else value.shape
            dims = []
            for k, n in enumerate(lead):
                dname = f"{name}_d{k}"
                nc.createDimension(dname, n)
                dims.append(dname)
            if cell_dim:
                dims.append(cell_dim)
            stored = value.astype(np.int64 if value.dtype.kind in "iub" else np.float64)
            var = nc.createVariable(name, stored.dtype, tuple(dims), zlib=True, complevel=1)
            var.setncatts(dict(vattrs) | {CHECKSUM_ATTR: np.int64(_checksum(stored))})
            var[...] = stored
    _fsync_file(tmp)
    os.replace(tmp, path)


def open_restart_file(path: Path) -> netCDF4.Dataset:
    """Open an lsmc restart file of this schema holding every variable its writer listed."""
    nc = open_netcdf(path, "restart file", RestartError)
    try:
        schema = getattr(nc, "lsmc_restart_schema", None)
        if schema is None:
            raise RestartError(f"{path}: not an lsmc restart file (no lsmc_restart_schema attribute)")
        if _integer(schema) != RESTART_SCHEMA:
            version = getattr(nc, "lsmc_version", "unknown")
            raise RestartError(f"{path}: restart schema {schema!r} (written by lsmc {version}) cannot be read by "
                               f"lsmc {__version__} (schema {RESTART_SCHEMA})")
        manifest = getattr(nc, MANIFEST_ATTR, None)  # absent in files written before it was added
        if manifest is not None:
            missing = [name for name in str(manifest).split() if name not in nc.variables]
            if missing:
                raise RestartError(f"{path}: variable {missing[0]!r} missing (the file is damaged: "
                                   f"{len(missing)} of the variables it was written with are gone)")
    except BaseException:
        nc.close()
        raise
    return nc


def read_variable(nc: netCDF4.Dataset, name: str, path: Path) -> np.ndarray:
    """A variable's values, checked against the checksum written with them and for NaN."""
    if name not in nc.variables:
        raise RestartError(f"{path}: variable {name!r} missing")
    try:
        var = nc.variables[name]
        var.set_auto_maskandscale(False)
        value = np.asarray(var[...])
        expected = getattr(var, CHECKSUM_ATTR, None)
    except (RuntimeError, OSError, ValueError) as exc:
        raise RestartError(f"{path}: variable {name!r} cannot be read ({exc})") from None
    if value.dtype.kind not in "iuf":
        raise RestartError(f"{path}: variable {name!r} has type {value.dtype}, expected numbers")
    if expected is not None and _integer(expected) != _checksum(value):
        raise RestartError(f"{path}: variable {name!r} is damaged (its values do not match the checksum "
                           f"written with them)")
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise RestartError(f"{path}: variable {name!r} holds NaN or infinite values")
    return value


def base_attrs(kind: str) -> dict[str, Any]:
    return {"title": f"lsmc {kind} restart", "lsmc_version": __version__, "lsmc_restart_schema": RESTART_SCHEMA,
            "Conventions": "CF-1.8"}


def write_component_restart(comp: Any, path: str) -> None:
    """Gather every declared state variable to the component's root and write one file."""
    decomp, comm = comp.decomp, comp.comm
    variables = {}
    for var in comp.state_variables():
        value = np.asarray(comp.get_state(var.name), dtype=np.float64)
        attrs = {"units": var.units, "long_name": var.long_name}
        if var.per_cell:
            attrs["cell_dim"] = "cell"
            value = gather_cells(comm, value, decomp.counts)
        variables[var.name] = (value, attrs)
    attrs = base_attrs(comp.role) | {"component": comp.role, "component_class": type(comp).__qualname__,
                                     "grid": decomp.grid.resolution_label()}
    on_root(comm, lambda: write_netcdf_atomic(Path(path), variables, attrs, {"cell": decomp.cells}))


def read_component_restart(comp: Any, path: str) -> None:
    """Read a component file written on any number of ranks and scatter it to this decomposition."""
    decomp, comm = comp.decomp, comp.comm
    path = Path(path)
    declared = comp.state_variables()

    def read() -> dict[str, np.ndarray]:
        with open_restart_file(path) as nc:
            if getattr(nc, "component", None) != comp.role:
                raise RestartError(f"{path}: holds component {getattr(nc, 'component', '?')!r}, expected {comp.role!r}")
            cells = read_variable(nc, "cell_index", path)
            if cells.shape != decomp.cells.shape or not np.array_equal(cells, decomp.cells):
                raise RestartError(f"{path}: its {len(cells)} cells do not match this run's {comp.role} domain "
                                   f"of {len(decomp.cells)} cells (different grid or surface data?)")
            out = {}
            for var in declared:
                value = read_variable(nc, var.name, path)
                expected = np.shape(comp.get_state(var.name))
                if var.per_cell:
                    expected = expected[:-1] + (len(cells),)
                if value.shape != expected:
                    raise RestartError(f"{path}: variable {var.name!r} has shape {value.shape}, expected {expected}")
                out[var.name] = value
            return out

    values = on_root(comm, read)
    for var in declared:
        value = values[var.name]
        if var.per_cell:
            comp.set_state(var.name, np.ascontiguousarray(value[..., decomp.local]))
        else:
            comp.set_state(var.name, value.copy() if np.ndim(value) else float(value))


def read_rpointer(outdir: Path) -> Path:
    """The folder of the latest complete restart set in ``outdir``."""
    pointer = outdir / RPOINTER
    if not pointer.exists():
        raise RestartError(f"{pointer}: rpointer missing; there is no complete restart set to continue from")
    text = pointer.read_text().strip()
    if not text:
        raise RestartError(f"{pointer}: rpointer is empty")
    folder = outdir / text
    if not folder.is_dir():
        raise RestartError(f"{pointer}: names restart set {text!r}, which does not exist")
    return folder


def new_set_folder(outdir: Path, name: str) -> tuple[Path, Path]:
    """A fresh partial folder and the final name the set will get (never an existing one)."""
    rest = outdir / "rest"
    rest.mkdir(parents=True, exist_ok=True)
    final = rest / name
    k = 1
    while final.exists():
        final = rest / f"{name}.{k}"
        k += 1
    partial = rest / f".{final.name}.partial"
    if partial.exists():
        for f in partial.iterdir():
            f.unlink()
    else:
        partial.mkdir()
    return partial, final


def commit_set(outdir: Path, partial: Path, final: Path, update_pointer: bool = True) -> None:
    """Rename a complete partial folder to its final name, then point rpointer at it."""
    dfd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    os.replace(partial, final)
    if update_pointer:
        pointer = outdir / RPOINTER
        tmp = outdir / (RPOINTER + ".tmp")
        with open(tmp, "w") as fh:
            fh.write(str(final.relative_to(outdir)) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, pointer)
