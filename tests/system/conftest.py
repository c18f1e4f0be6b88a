"""Helpers for CIME-style system tests: run ``lsmc`` as a user would, serial or under mpiexec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.mpirun import mpirun

REPO = Path(__file__).resolve().parents[2]

#: A small, fast coupled configuration of the test components.
SMALL = """
&driver
  case_name = 'small'
  start_date = '0001-01-01'
  calendar = '{calendar}'
  stop_option = 'ndays'
  stop_n = {days}
  coupling_interval_s = 10800
  ocean_interval_s = 86400
  restart_option = '{restart_option}'
  restart_n = {restart_n}
  history_frequencies = 'day', 'month'
  layout = '{layout}'
  land_model = '{repo}/tests/components.py:{land_class}'
  atmos_model = '{atmos_model}'
  ocean_model = '{ocean_model}'
  land_resolution_deg = 4.0
  atmos_resolution_deg = 6.0
  ocean_resolution_deg = 10.0
/
&land
{land}
/
&atmos
{atmos}
/
"""


def small_namelist(tmp_path: Path, name: str = "small.nml", days: int = 10, layout: str = "sequential",
                   calendar: str = "noleap", restart_option: str = "never", restart_n: int = 1,
                   land: str = "", atmos: str | None = None, real_atmos: bool = False,
                   real_ocean: bool = False) -> Path:
    """A small test configuration; ``real_atmos`` swaps in atmos_stub and a land that sends heat fluxes."""
    path = tmp_path / name
    path.write_text(SMALL.format(days=days, layout=layout, calendar=calendar, restart_option=restart_option,
                                 restart_n=restart_n, land=land, repo=REPO,
                                 land_class="HeatFluxLand" if real_atmos else "PoolLand",
                                 atmos_model="atmos_stub" if real_atmos else f"{REPO}/tests/components.py:ReservoirAtmos",
                                 atmos=atmos if atmos is not None else ("" if real_atmos else "  emissions_pgc_yr = 10.0"),
                                 ocean_model="ocean_stub" if real_ocean else f"{REPO}/tests/components.py:ReservoirOcean"))
    return path


def lsmc(*args: str, nranks: int = 0, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the command line; ``nranks`` > 0 runs it under mpiexec."""
    cmd = [sys.executable, "-m", "coupler.cli", *map(str, args)]
    if nranks:
        try:
            return mpirun(nranks, cmd, timeout=timeout, cwd=REPO)
        except AssertionError:
            if check:
                raise
            return mpirun_unchecked(nranks, cmd, timeout)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"lsmc {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def mpirun_unchecked(nranks: int, cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    import os

    from tests.mpirun import _mpiexec

    env = dict(os.environ, HYDRA_LAUNCHER="fork", HYDRA_IFACE="lo")
    return subprocess.run([_mpiexec(), "-n", str(nranks), *cmd], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)


def assert_identical(a: Path, b: Path) -> None:
    proc = lsmc("compare", a, b, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture
def small(tmp_path):
    return lambda **kw: small_namelist(tmp_path, **kw)
