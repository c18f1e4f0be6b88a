"""Faults: a signal stops a run with a restart, a crash while writing restarts loses nothing, a failing rank
stops every rank.

Each test compares with an uninterrupted run bit-for-bit (``lsmc compare``):
history, budget and restart files.
"""

import os
import re
import signal
import subprocess
import sys
import time

import netCDF4
import pytest

from tests.mpirun import _mpiexec

from .conftest import REPO, assert_identical, lsmc

pytestmark = pytest.mark.system

DAYS = 120
STEPS_PER_DAY = 8  # the small configuration couples every 3 hours


def _run_until_signalled(cmd, out, signum, env=None):
    """Start ``cmd``; once its first daily history record is on disk, send ``signum``; return the process."""
    run_env = dict(os.environ, HYDRA_LAUNCHER="fork", HYDRA_IFACE="lo", **(env or {}))
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=run_env)
    hist = out / "hist" / "small.land.h0.nc"
    deadline = time.monotonic() + 300
    while not hist.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # somewhere inside a day, not on its boundary
    assert proc.poll() is None, "the run ended before it could be signalled; make it longer"
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=300)
    return proc.returncode, stdout, stderr


def _steps_done(stderr):
    match = re.search(r"coupling step (\d+)\)", stderr)
    assert match, stderr
    return int(match.group(1))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_run_with_a_restart_and_the_continued_run_is_bit_for_bit(small, tmp_path, signum):
    nml = small(days=DAYS)
    ref, cut = tmp_path / "ref", tmp_path / "cut"
    lsmc("run", nml, "--out", ref)
    code, _, stderr = _run_until_signalled([sys.executable, "-m", "coupler.cli", "run", str(nml), "--out", str(cut),
                                            "--no-progress"], cut, signum)
    assert code == 128 + signum, stderr
    assert f"stopped by {signal.Signals(signum).name}" in stderr and "--continue" in stderr
    assert "Traceback" not in stderr
    done = _steps_done(stderr)
    assert 0 < done < DAYS * STEPS_PER_DAY
    with netCDF4.Dataset(cut / "budget.nc") as nc:  # the ledger holds every step up to the stop
        assert len(nc.dimensions["time"]) == done
    lsmc("run", "--out", cut, "--continue", "--steps", DAYS * STEPS_PER_DAY - done)
    assert_identical(ref, cut)


@pytest.mark.mpi
def test_sigterm_to_mpiexec_stops_every_rank_with_a_restart(small, tmp_path):
    nml = small(days=DAYS, layout="concurrent")
    ref, cut = tmp_path / "ref", tmp_path / "cut"
    lsmc("run", nml, "--out", ref, nranks=3)
    code, _, stderr = _run_until_signalled([_mpiexec(), "-n", "3", sys.executable, "-m", "coupler.cli", "run",
                                            str(nml), "--out", str(cut), "--no-progress"], cut, signal.SIGTERM)
    assert code != 0 and "stopped by SIGTERM" in stderr, stderr
    done = _steps_done(stderr)
    lsmc("run", "--out", cut, "--continue", "--steps", DAYS * STEPS_PER_DAY - done, nranks=2)
    assert_identical(ref, cut)


def test_a_crash_while_writing_a_restart_set_leaves_the_last_one_usable(small, tmp_path):
    """Killed in the middle of the 3rd restart set: the rpointer names the 2nd, which continues bit-for-bit."""
    nml = small(days=6, restart_option="ndays", restart_n=2)
    ref, crash = tmp_path / "ref", tmp_path / "crash"
    lsmc("run", nml, "--out", ref)
    proc = subprocess.run([sys.executable, str(REPO / "tests/system/crash_in_restart.py"), "run", str(nml),
                           "--out", str(crash), "--no-progress"], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, CRASH_AT_SET="3", PYTHONPATH=str(REPO)))
    assert proc.returncode == 137, proc.stdout + proc.stderr
    assert (crash / "rpointer").read_text().strip() == "rest/0001-01-05-00000"
    assert (crash / "rest" / ".0001-01-07-00000.partial").is_dir()  # the broken set, never named
    lsmc("run", "--out", crash, "--continue", "--days", 2)
    assert not (crash / "rest" / ".0001-01-07-00000.partial").exists()
    assert_identical(ref, crash)


@pytest.mark.mpi
@pytest.mark.parametrize("kind", ["bug", "state"])
def test_a_rank_that_fails_stops_every_rank_with_its_message(small, tmp_path, kind):
    nml = small(days=4, land=f"  fail_rank = 1\n  fail_step = 3\n  fail_kind = '{kind}'")
    nml.write_text(nml.read_text().replace(":PoolLand", ":FailingLand"))
    start = time.monotonic()
    proc = lsmc("run", nml, "--out", tmp_path / "out", nranks=2, check=False, timeout=120)
    assert time.monotonic() - start < 120  # no hang
    assert proc.returncode != 0
    assert "deliberate" in proc.stderr and "rank 1" in proc.stderr
