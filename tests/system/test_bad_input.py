"""Bad input: one clear line naming the problem, a non-zero exit, nothing lost."""

import pytest

from .conftest import lsmc

pytestmark = pytest.mark.system


def one_line_error(proc):
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("lsmc: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_unknown_key(small, tmp_path):
    nml = small()
    nml.write_text(nml.read_text().replace("stop_n =", "stop_nn ="))
    msg = one_line_error(lsmc("run", nml, "--out", tmp_path / "o", check=False))
    assert str(nml) in msg and "&driver" in msg and "'stop_nn'" in msg and "did you mean 'stop_n'" in msg


def test_unknown_component_key(small, tmp_path):
    msg = one_line_error(lsmc("run", small(land="  turnover_years = 3.0"), "--out", tmp_path / "o", check=False))
    assert "&land" in msg and "did you mean 'turnover_yr'" in msg


def test_wrong_type(small, tmp_path):
    msg = one_line_error(lsmc("run", small(land="  q10 = 'two'"), "--out", tmp_path / "o", check=False))
    assert "&land: q10: expected a real number" in msg


def test_out_of_range(small, tmp_path):
    msg = one_line_error(lsmc("run", small(land="  q10 = 9.0"), "--out", tmp_path / "o", check=False))
    assert "&land: q10: value 9.0 is outside the allowed range" in msg


def test_missing_namelist(tmp_path):
    msg = one_line_error(lsmc("run", tmp_path / "absent.nml", "--out", tmp_path / "o", check=False))
    assert "absent.nml: namelist file not found" in msg


def test_missing_rpointer(small, tmp_path):
    (tmp_path / "o").mkdir()
    msg = one_line_error(lsmc("run", small(), "--out", tmp_path / "o", "--continue", check=False))
    assert "rpointer missing" in msg


def test_corrupt_restart_file(small, tmp_path):
    out = tmp_path / "o"
    lsmc("run", small(days=1), "--out", out)
    land = out / "rest/0001-01-02-00000/land.r.nc"
    land.write_bytes(land.read_bytes()[:200])
    msg = one_line_error(lsmc("run", "--out", out, "--continue", "--days", "1", check=False))
    assert "land.r.nc" in msg and "not a readable netCDF restart file" in msg


def test_restart_missing_variable(small, tmp_path):
    import netCDF4

    out = tmp_path / "o"
    lsmc("run", small(days=1), "--out", out)
    path = out / "rest/0001-01-02-00000/ocean.r.nc"
    with netCDF4.Dataset(path, "a") as nc:
        nc.renameVariable("dic", "dic_old")
    msg = one_line_error(lsmc("run", "--out", out, "--continue", "--days", "1", check=False))
    assert "ocean.r.nc" in msg and "variable 'dic' missing" in msg


def test_refuses_to_overwrite_a_run(small, tmp_path):
    out = tmp_path / "o"
    lsmc("run", small(days=1), "--out", out)
    msg = one_line_error(lsmc("run", small(days=1), "--out", out, check=False))
    assert "already holds a run" in msg


def test_unwritable_output(small, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    msg = one_line_error(lsmc("run", small(days=1), "--out", blocker / "sub", check=False))
    assert "not writable" in msg


def test_full_disk_is_refused_before_the_run_starts(small, tmp_path, monkeypatch, capsys):
    """Less than 50 MiB free where the output goes: one clear error naming the folder, and nothing written."""
    from collections import namedtuple

    from coupler import cli

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda path: usage(2**40, 2**40 - 2**20, 2**20))
    out = tmp_path / "o"
    status = cli.main(["run", str(small(days=1)), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert status != 0
    assert f"{out}: only 1 MiB free on its disk; lsmc needs at least 50 MiB" in err
    assert list(out.iterdir()) == []  # no namelist, no restart: nothing started
