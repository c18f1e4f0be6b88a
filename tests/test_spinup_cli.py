"""``lsmc spinup``: writes a land initial state a run starts from, reports drift, rejects bad arguments early.

The runs use a 20 degree grid and cycles of a few days (a real spin-up uses
2 degrees and one-year cycles); their jumps and drifts are far from steady
and only serve to exercise the command.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import netCDF4
import pytest

from coupler.cli import main
from coupler.config import full_model_driver, write_namelist
from coupler.driver import Driver, load_experiment

REPO = Path(__file__).resolve().parents[1]
TINY = ["--deg", "20", "--cycles", "1", "--cycle-days", "2", "--no-progress"]


def lsmc(*args) -> subprocess.CompletedProcess:
    """Run the command line as a user would (``lsmc`` is ``coupler.cli:main``, see pyproject.toml)."""
    return subprocess.run([sys.executable, "-m", "coupler.cli", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def in_process(argv, capsys) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``lsmc ARGV`` run in this process (argparse errors exit)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_spinup_writes_an_initial_state_that_a_run_starts_from(tmp_path):
    out = tmp_path / "new" / "land_init.nc"  # the folder does not exist yet: spinup creates it
    keep = tmp_path / "run"
    settings = tmp_path / "settings.nml"  # merged over the spin-up's settings
    settings.write_text("&driver\n  case_name = 'tiny_spinup'\n  coupling_interval_s = 10800\n/\n")
    proc = lsmc("spinup", *TINY, "--settle", "0", "--out", out, "--keep", keep, "--namelist", settings)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    # the report: a header, one row per cycle, the settle verdict, the file written
    assert "jump Pg C" in proc.stdout and "land C Pg C" in proc.stdout
    assert "settle drift: not measured" in proc.stdout
    assert f"land initial state written to {out}" in proc.stdout
    row = re.search(r"^\s+1\s+([+-][\d.]+)\s+([\d.]+)\s*$", proc.stdout, re.M)
    assert row, proc.stdout
    land_c = float(row.group(2))
    assert land_c > 0
    with netCDF4.Dataset(out) as nc:
        for name in ("cell_index", "land_fraction", "pft_fraction", "soil__maom_c"):
            assert name in nc.variables, name
        assert "lsmc spinup" in nc.title and nc.spinup_cycles == 1 and nc.spinup_cycle_days == 2
        assert nc.spinup_soil_years == "[100, 30, 10]" and nc.spinup_soil_step_hours == "[24.0, 6.0, 3.0]"
    assert (keep / "rpointer").exists() and (keep / "budget.nc").exists()
    used = (keep / "lsmc_in.nml").read_text()
    assert "tiny_spinup" in used and "10800" in used and "initial_state = 'none'" in used
    assert not out.with_name(out.name + ".tmp").exists()

    # a run of the same grid starts from the file with the spun-up carbon and steps with closed books
    nml = tmp_path / "from_init.nml"
    write_namelist(nml, {"driver": full_model_driver("from_init", 20.0),
                         "land": {"initial_state": str(out)}, "atmos": {"co2_path": "constant"}})
    config, classes = load_experiment(nml)
    drv = Driver(config, classes, tmp_path / "from_init", progress=False)
    land = drv.slots["land"].comp
    assert land.inventory()["carbon"] == pytest.approx(land_c, abs=0.01)  # the table rounds to 0.01 Pg C
    drv.run("nsteps", 1)
    assert drv.ledger.max_step_residual["carbon"] < 1e-12


@pytest.mark.parametrize("max_drift, strict, status, verdict", [
    ("0", True, 1, "EXCEEDS"),   # a drift of exactly 0 is out of reach: --strict fails
    ("0", False, 0, "EXCEEDS"),  # without --strict the verdict is reported, the exit is 0
    ("1e9", True, 0, "OK"),
])
def test_strict_fails_only_when_the_drift_exceeds_max_drift(tmp_path, max_drift, strict, status, verdict):
    out = tmp_path / "init.nc"
    proc = lsmc("spinup", *TINY, "--settle-days", "1", "--max-drift", max_drift, *(["--strict"] if strict else []),
                "--out", out)
    assert proc.returncode == status, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    line = next(x for x in proc.stdout.splitlines() if "settle drift:" in x)
    assert "Pg C/yr over 1 days" in line and line.endswith(verdict), line
    assert ("exceeds --max-drift" in proc.stderr) == (status != 0)
    assert out.exists()  # the state is written whatever the verdict
    with netCDF4.Dataset(out) as nc:
        drift = float(re.search(r"settle drift: ([+-][\d.]+)", line).group(1))
        assert nc.drift_pgc_per_yr_after_spinup == pytest.approx(drift, abs=1e-4)


def _file(tmp_path):
    f = tmp_path / "a_file"
    f.write_text("x")
    return f


def _old_run(tmp_path):
    (tmp_path / "rpointer").touch()
    return tmp_path


def _other_land(tmp_path):
    f = tmp_path / "other_land.nml"
    f.write_text(f"&driver\n  land_model = '{REPO}/tests/components.py:PoolLand'\n/\n")
    return f


def _bad_namelist(tmp_path):
    f = tmp_path / "bad.nml"
    f.write_text("&land\n  no_such_key = 2.0\n/\n")
    return f


@pytest.mark.parametrize("args, message", [
    (["--cycles", "-1"], "argument --cycles: must be >= 0, got -1"),
    (["--cycles", "two"], "argument --cycles: expected a whole number, got 'two'"),
    (["--cycle-days", "0"], "argument --cycle-days: must be >= 1, got 0"),
    (["--settle-days", "-2"], "argument --settle-days: must be >= 0"),
    (["--settle", "1", "--settle-days", "2"], "not allowed with argument"),
    (["--deg", "7"], "must divide 180 and 360 and be a multiple of 0.5"),
    (["--deg", "45"], "outside 0.5 .. 30 degrees"),
    (["--soil-years", "10,x"], "argument --soil-years: expected a whole number, got 'x'"),
    (["--soil-step-hours", "24,7"], "a step of 7 hours does not divide a day"),
    (["--max-drift", "-0.1"], "argument --max-drift: must be a finite number >= 0"),
    (["--strict", "--settle", "0"], "--strict needs a settle period"),
    (lambda t: ["--out", _file(t) / "init.nc"], "a_file: is a file, but must be the (writable) folder of the output"),
    (lambda t: ["--out", _file(t) / "sub" / "init.nc"], "sub: cannot write there, but it must be the (writable) folder"),
    (lambda t: ["--out", t], "is a folder; the output must name the land initial state file"),
    (lambda t: ["--keep", _file(t)], "a_file: is a file, but must be the (writable) run folder to keep"),
    (lambda t: ["--keep", _old_run(t)], "already holds a run (rpointer exists)"),
    (lambda t: ["--namelist", t / "absent.nml"], "absent.nml: namelist file not found"),
    (lambda t: ["--namelist", _bad_namelist(t)], "bad.nml: &land: unknown key 'no_such_key'"),
    (lambda t: ["--namelist", _other_land(t)], "has no semi-analytic spin-up (sasu_begin/sasu_apply)"),
])
def test_bad_arguments_fail_clearly_before_the_run(tmp_path, capsys, args, message):
    args = args(tmp_path) if callable(args) else args
    out = tmp_path / "never.nc"
    argv = ["spinup", "--deg", "20", "--cycles", "1", "--cycle-days", "1", "--settle", "0", "--no-progress",
            "--out", out, *args]
    code, stdout, stderr = in_process(argv, capsys)
    assert code != 0
    assert message in stderr, stderr
    assert "lsmc" in stderr and "error:" in stderr and "Traceback" not in stderr
    assert "cycle 1" not in stdout and not out.exists()  # nothing ran


def test_make_land_init_tool_is_a_wrapper_of_lsmc_spinup(tmp_path):
    out = tmp_path / "init.nc"
    proc = subprocess.run([sys.executable, REPO / "tools" / "make_land_init.py", "--deg", "30", "--cycles", "1",
                           "--cycle-days", "1", "--settle", "0", "--out", out, "--no-progress"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "offline soil years" in proc.stdout and "land C Pg C" in proc.stdout
    with netCDF4.Dataset(out) as nc:
        assert "pft_fraction" in nc.variables
