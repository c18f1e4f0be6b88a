"""``lsmc spinup`` on two ranks: every collective is called by every rank (no hang), rank 0 alone prints and writes."""

import os
import subprocess
import sys
from pathlib import Path

import netCDF4
import pytest

from tests.mpirun import _mpiexec, mpirun

pytestmark = pytest.mark.mpi

REPO = Path(__file__).resolve().parents[2]


def test_spinup_runs_on_two_ranks(tmp_path):
    out = tmp_path / "init.nc"
    proc = mpirun(2, [sys.executable, "-m", "coupler.cli", "spinup", "--deg", "30", "--cycles", "2",
                      "--cycle-days", "1", "--settle-days", "1", "--out", out, "--no-progress"], timeout=240, cwd=REPO)
    # the land inventory after each jump is a collective: rank 0 alone calling it hung the tool
    assert proc.stdout.count("offline soil years") == 2, proc.stdout
    assert proc.stdout.count("land spin-up at 30 degrees on 2 rank(s)") == 1, proc.stdout  # rank 0 alone prints
    assert proc.stdout.count("settle drift:") == 1, proc.stdout
    with netCDF4.Dataset(out) as nc:
        assert "cell_index" in nc.variables and "land_fraction" in nc.variables
        assert nc.ranks == 2


def test_strict_failure_ends_every_rank(tmp_path):
    # every rank must return the same status: a rank that alone exited non-zero would leave the others waiting
    out = tmp_path / "init.nc"
    cmd = [_mpiexec(), "-n", "2", sys.executable, "-m", "coupler.cli", "spinup", "--deg", "30", "--cycles", "1",
           "--cycle-days", "1", "--settle-days", "1", "--max-drift", "0", "--strict", "--out", str(out),
           "--no-progress"]
    env = {**os.environ, "HYDRA_LAUNCHER": "fork", "HYDRA_IFACE": "lo"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=REPO, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.count("exceeds --max-drift") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert out.exists()
