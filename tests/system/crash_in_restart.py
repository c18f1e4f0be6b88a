"""Run ``lsmc`` but die abruptly while writing the ``CRASH_AT_SET``-th restart set (fault injection).

The process is killed (``os._exit``, no clean-up, as SIGKILL or a node
failure would) after the first component file of that set is half written
under its temporary name.  Used by ``tests/system/test_faults.py``.
"""

import os
import sys

import coupler.driver
import coupler.restart

CRASH_AT_SET = int(os.environ["CRASH_AT_SET"])
_sets = {"n": 0}
_write_set = coupler.driver.Driver.write_restart_set
_write_file = coupler.restart.write_netcdf_atomic


def _counting_set(self, debug=False):
    _sets["n"] += 1
    return _write_set(self, debug)


def _dying_file(path, *args, **kwargs):
    if _sets["n"] == CRASH_AT_SET:
        with open(f"{path}.tmp", "wb") as fh:  # half a file, as a killed writer leaves it
            fh.write(b"\x89HDF\r\n\x1a\n" + b"\0" * 4096)
        os._exit(137)
    return _write_file(path, *args, **kwargs)


coupler.driver.Driver.write_restart_set = _counting_set
coupler.restart.write_netcdf_atomic = _dying_file
coupler.driver.write_netcdf_atomic = _dying_file

if __name__ == "__main__":
    from coupler.cli import main

    sys.exit(main(sys.argv[1:]))
