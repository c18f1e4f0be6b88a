"""Restart sets: atomic, complete-or-absent, readable on any number of ranks.

A set lives in ``OUT/rest/YYYY-MM-DD-SSSSS/`` with one netCDF file per
component (``land.r.nc``, ``atmos.r.nc``, ``ocean.r.nc``) and the coupler's
(``coupler.r.nc``). Files hold global arrays in global cell order, so a set
written on N ranks is read on M. The set is first written into a hidden
``.NAME.partial`` folder, each file under a temporary name renamed when
complete; the folder is renamed when every file is in, and only then is
``OUT/rpointer`` replaced (write-to-temp and ``os.replace``) to name it. A
crash at any moment leaves the previous pointer and its set untouched.
"""

from __future__ import annotations

import os
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
        for dim, index in (cell_dims or {}).items():
            nc.createDimension(dim, len(index))
            v = nc.createVariable(f"{dim}_index", "i8", (dim,), zlib=True)
            v.long_name = "global flat cell index (j * nlon + i)"
            v[:] = index
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
            dtype = "i8" if value.dtype.kind in "iub" else "f8"
            var = nc.createVariable(name, dtype, tuple(dims), zlib=True, complevel=1)
            var.setncatts(dict(vattrs))
            var[...] = value
    _fsync_file(tmp)
    os.replace(tmp, path)


def open_restart_file(path: Path) -> netCDF4.Dataset:
    nc = open_netcdf(path, "restart file", RestartError)
    schema = getattr(nc, "lsmc_restart_schema", None)
    if schema is None:
        nc.close()
        raise RestartError(f"{path}: not an lsmc restart file (no lsmc_restart_schema attribute)")
    if int(schema) != RESTART_SCHEMA:
        version = getattr(nc, "lsmc_version", "unknown")
        nc.close()
        raise RestartError(f"{path}: restart schema {schema} (written by lsmc {version}) cannot be read by "
                           f"lsmc {__version__} (schema {RESTART_SCHEMA})")
    return nc


def read_variable(nc: netCDF4.Dataset, name: str, path: Path) -> np.ndarray:
    if name not in nc.variables:
        raise RestartError(f"{path}: variable {name!r} missing")
    try:
        var = nc.variables[name]
        var.set_auto_mask(False)
        value = np.asarray(var[...])
    except (RuntimeError, OSError, ValueError) as exc:
        raise RestartError(f"{path}: variable {name!r} cannot be read ({exc})") from None
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
                if not np.all(np.isfinite(value)):
                    raise RestartError(f"{path}: variable {var.name!r} holds NaN or infinite values")
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
