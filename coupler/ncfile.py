"""Opening netCDF input files with errors that name the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

import netCDF4

from .errors import LsmcError


def open_netcdf(path: str | Path, what: str, error: type[LsmcError]) -> netCDF4.Dataset:
    """Open ``path`` for reading; a missing or unreadable file raises ``error`` naming it and ``what`` it is."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} not found")
    try:
        return netCDF4.Dataset(path, "r")
    except OSError as exc:
        raise error(f"{path}: not a readable netCDF {what} ({exc})") from None
