"""tools/make_land_init.py on two ranks: every collective is called by every rank (no hang), the file is written."""

import sys
from pathlib import Path

import netCDF4

from tests.mpirun import mpirun

REPO = Path(__file__).resolve().parents[2]


def test_spin_up_tool_runs_on_two_ranks(tmp_path):
    out = tmp_path / "init.nc"
    proc = mpirun(2, [sys.executable, REPO / "tools" / "make_land_init.py", "--deg", "30", "--cycles", "2",
                      "--cycle-days", "1", "--settle", "0", "--out", out], timeout=240, cwd=REPO)
    # the land inventory after each jump is a collective: rank 0 alone calling it hung the tool
    assert proc.stdout.count("semi-analytic jump") == 2, proc.stdout
    with netCDF4.Dataset(out) as nc:
        assert "cell_index" in nc.variables and "land_fraction" in nc.variables
