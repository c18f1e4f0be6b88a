"""CIME-style system tests with the real atmosphere (atmos_stub) and a land that sends heat fluxes.

Weather generation, the climate model and the boundary layer must be
bit-for-bit identical on 1 and 3 ranks, in both layouts and across restarts.
"""

import pytest
import xarray as xr

from .conftest import assert_identical, lsmc

pytestmark = pytest.mark.system

ATMOS = "  co2_path = '1pct'\n  pct_per_yr = 5.0\n  forcing_agents = 'co2'"


@pytest.mark.mpi
def test_pem_seq_weather_and_climate(small, tmp_path):
    nml = small(days=3, real_atmos=True, atmos=ATMOS)
    lsmc("run", nml, "--out", tmp_path / "n1")
    lsmc("run", nml, "--out", tmp_path / "n3", nranks=3)
    assert_identical(tmp_path / "n1", tmp_path / "n3")
    lsmc("run", small(name="con.nml", days=3, real_atmos=True, atmos=ATMOS, layout="concurrent"),
         "--out", tmp_path / "con", nranks=3)
    assert_identical(tmp_path / "n1", tmp_path / "con")
    atm = xr.open_dataset(tmp_path / "n1/hist/small.atmos.h0.nc")
    assert {"tas", "pr", "rsds", "rlds", "huss", "sfcWind", "co2", "tas_anomaly"} <= set(atm.data_vars)
    assert float(atm["pr"].max()) > 0 and float(atm["rsds"].max()) > 100


def test_ers_weather_and_climate(small, tmp_path):
    lsmc("run", small(days=4, real_atmos=True, atmos=ATMOS), "--out", tmp_path / "ref")
    lsmc("run", small(days=2, real_atmos=True, atmos=ATMOS), "--out", tmp_path / "rst")
    lsmc("run", "--out", tmp_path / "rst", "--continue", "--days", "2")
    assert_identical(tmp_path / "ref", tmp_path / "rst")


def test_every_preset_validates():
    from pathlib import Path

    presets = sorted((Path(__file__).resolve().parents[2] / "namelists").glob("*.nml"))
    assert len(presets) >= 11
    for path in presets:
        proc = lsmc("validate", path)
        assert "valid" in proc.stdout, path


def forcing_namelist(tmp_path, forcing, days=1):
    """A coupled configuration (10 degree atmosphere) whose weather comes from ``forcing``."""
    from .conftest import small_namelist

    nml = small_namelist(tmp_path, name="files.nml", days=days, real_atmos=True,
                         atmos=f"  weather = 'files'\n  forcing_files = '{forcing}'")
    text = nml.read_text().replace("start_date = '0001-01-01'", "start_date = '2001-01-01'")
    nml.write_text(text.replace("atmos_resolution_deg = 6.0", "atmos_resolution_deg = 10.0"))
    return nml


def test_coupled_run_from_a_forcing_file(tmp_path):
    """The land receives the file's weather: the atmosphere history reproduces the file's tas."""
    import numpy as np

    from tests.atmos.test_forcing_file import write_forcing

    forcing = tmp_path / "forcing.nc"
    write_forcing(forcing, deg=10.0, nrec=24)  # 3-hourly, 3 days from 2001-01-01
    lsmc("run", forcing_namelist(tmp_path, forcing), "--out", tmp_path / "o")
    atm = xr.open_dataset(tmp_path / "o/hist/small.atmos.h0.nc")
    f = xr.open_dataset(forcing)
    # the day mean of a field linear in time (0.5 K per hour) is the file's value at hour 12; the
    # boundary-layer anomalies the land adds over land in one day stay well below 1 K
    expected = f["tas"].interp(time=f["time"].values[0] + np.timedelta64(12, "h")).values
    got = atm["tas"].isel(time=0).values
    assert np.nanmax(np.abs(got - expected)) < 1.0
    assert np.nanmean(np.abs(got - expected)) < 0.2


def test_forcing_file_with_wrong_units_is_one_clear_line(tmp_path):
    from tests.atmos.test_forcing_file import write_forcing

    forcing = tmp_path / "bad.nc"
    write_forcing(forcing, deg=10.0, units={"tas": "degC"})
    proc = lsmc("run", forcing_namelist(tmp_path, forcing), "--out", tmp_path / "o", check=False)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0 and len(lines) == 1 and lines[0].startswith("lsmc: error: ")
    assert "bad.nc" in lines[0] and "tas" in lines[0] and "degC" in lines[0]


@pytest.mark.mpi
def test_pem_seq_ers_with_ocean_stub(small, tmp_path):
    """The ocean (chemistry, circulation, biology) is bit-for-bit on 1 and 3 ranks, both layouts, and restarts."""
    def nml(name, **kw):
        return small(name=name, real_atmos=True, real_ocean=True, atmos=ATMOS, **kw)

    lsmc("run", nml("a.nml", days=4), "--out", tmp_path / "n1")
    lsmc("run", nml("a.nml", days=4), "--out", tmp_path / "n3", nranks=3)
    assert_identical(tmp_path / "n1", tmp_path / "n3")
    lsmc("run", nml("c.nml", days=4, layout="concurrent"), "--out", tmp_path / "con", nranks=3)
    assert_identical(tmp_path / "n1", tmp_path / "con")
    lsmc("run", nml("r.nml", days=2), "--out", tmp_path / "rst", nranks=2)
    lsmc("run", "--out", tmp_path / "rst", "--continue", "--days", "2")
    assert_identical(tmp_path / "n1", tmp_path / "rst")
    ocean = xr.open_dataset(tmp_path / "n1/hist/small.ocean.h0.nc")
    assert {"fgco2", "dissic", "talk", "ph", "spco2", "epc100", "cOcean"} <= set(ocean.data_vars)
