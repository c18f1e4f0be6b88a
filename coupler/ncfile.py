"""Opening netCDF input files with errors that name the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

import netCDF4

from .errors import LsmcError


def open_netcdf(path: str | Path, what: str, error: type[LsmcError]) -> netCDF4.Dataset:
    """Open ``path`` for reading; a missing or unreadable file raises ``error`` naming it and ``what`` it is.

    Every attribute is read once here: netCDF4 reads them lazily, so damage to one would otherwise
    surface later as a bare netCDF4 exception wherever a reader first asks for it.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} not found")
    try:
        nc = netCDF4.Dataset(path, "r")
    except (AttributeError, OSError, RuntimeError) as exc:  # how netCDF4 reports a file it cannot read
        raise error(f"{path}: not a readable netCDF {what} ({exc})") from None
    try:
        for obj in (nc, *nc.variables.values()):
            for name in obj.ncattrs():
                obj.getncattr(name)
    # netCDF4 reports a damaged attribute as AttributeError or RuntimeError, text no longer UTF-8 as ValueError
    except (AttributeError, OSError, RuntimeError, ValueError) as exc:
        nc.close()
        raise error(f"{path}: not a readable netCDF {what} (damaged attributes: {exc})") from None
    return nc
