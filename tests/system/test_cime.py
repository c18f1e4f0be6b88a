"""CIME-style system tests of the coupler with the test components.

SMS smoke, ERS exact restart, PEM rank counts, SEQ layouts, ERP restart on a
different rank count, each compared bit-for-bit with ``lsmc compare``.
"""

import netCDF4
import numpy as np
import pytest
import xarray as xr

from .conftest import assert_identical, lsmc

pytestmark = pytest.mark.system


def test_sms_smoke(small, tmp_path):
    out = tmp_path / "sms"
    proc = lsmc("run", small(days=3), "--out", out)
    assert "ledger closed" in proc.stdout and "SYPD" in proc.stdout
    assert (out / "rpointer").read_text().strip() == "rest/0001-01-04-00000"
    for role in ("land", "atmos", "ocean"):
        assert (out / "rest/0001-01-04-00000" / f"{role}.r.nc").exists()
        ds = xr.open_dataset(out / "hist" / f"small.{role}.h0.nc")
        assert ds.sizes["time"] == 3
        assert "areacella" in ds and ("sftof" in ds if role == "ocean" else "sftlf" in ds)
        assert "time_bnds" in ds and ds["lat"].attrs["axis"] == "Y" and ds["lon"].attrs["axis"] == "X"
    land = xr.open_dataset(out / "hist/small.land.h0.nc")
    assert float(land["cLand"].isel(time=0).max()) > 0
    with netCDF4.Dataset(out / "budget.nc") as nc:
        assert len(nc.dimensions["time"]) == 3 * 8
        stock = nc["total__carbon"][:]
        assert np.all(np.abs(nc["residual__global__carbon"][:]) <= 1e-12 * stock)
    budget = lsmc("budget", out)
    assert "carbon (Pg C)" in budget.stdout and "fossil_emissions" in budget.stdout


def test_ers_exact_restart(small, tmp_path):
    """A 10-day run equals 5 days + restart + 5 more days, bit-for-bit."""
    ref, rst = tmp_path / "ref", tmp_path / "rst"
    lsmc("run", small(days=10), "--out", ref)
    lsmc("run", small(days=5), "--out", rst)
    lsmc("run", "--out", rst, "--continue", "--days", "5")
    assert_identical(ref, rst)


def test_ers_restart_alarm_mid_run(small, tmp_path):
    """Writing restarts every 2 days does not change answers (ERI-like), and continuing from one does."""
    ref, alarms = tmp_path / "ref", tmp_path / "alarms"
    lsmc("run", small(days=6), "--out", ref)
    lsmc("run", small(days=6, restart_option="ndays", restart_n=2), "--out", alarms)
    assert sorted(p.name for p in (alarms / "rest").iterdir()) == [
        "0001-01-03-00000", "0001-01-05-00000", "0001-01-07-00000"]
    assert_identical(ref, alarms)


@pytest.mark.mpi
def test_pem_rank_counts(small, tmp_path):
    """1, 2 and 3 ranks give bit-for-bit identical history, budget and restarts."""
    nml = small(days=4)
    lsmc("run", nml, "--out", tmp_path / "n1")
    for n in (2, 3):
        lsmc("run", nml, "--out", tmp_path / f"n{n}", nranks=n)
        assert_identical(tmp_path / "n1", tmp_path / f"n{n}")


@pytest.mark.mpi
def test_seq_concurrent_layout(small, tmp_path):
    """Atmosphere and ocean on their own ranks give the same answers as the sequential layout."""
    lsmc("run", small(days=4), "--out", tmp_path / "seq", nranks=3)
    lsmc("run", small(days=4, layout="concurrent"), "--out", tmp_path / "con", nranks=3)
    assert_identical(tmp_path / "seq", tmp_path / "con")
    lsmc("run", small(days=4, layout="concurrent"), "--out", tmp_path / "con2", nranks=2)
    assert_identical(tmp_path / "seq", tmp_path / "con2")


@pytest.mark.mpi
def test_erp_restart_on_other_rank_count(small, tmp_path):
    """A restart written on 2 ranks continues on 3 and matches a serial run."""
    lsmc("run", small(days=6), "--out", tmp_path / "ref")
    lsmc("run", small(days=3), "--out", tmp_path / "erp", nranks=2)
    lsmc("run", "--out", tmp_path / "erp", "--continue", "--days", "3", nranks=3)
    assert_identical(tmp_path / "ref", tmp_path / "erp")


def test_calendar_variant_restart_mid_month(small, tmp_path):
    """proleptic_gregorian, 40 days restarted on day 17: monthly accumulators continue exactly."""
    lsmc("run", small(days=40, calendar="proleptic_gregorian"), "--out", tmp_path / "ref")
    lsmc("run", small(days=17, calendar="proleptic_gregorian"), "--out", tmp_path / "rst")
    lsmc("run", "--out", tmp_path / "rst", "--continue", "--days", "23")
    assert_identical(tmp_path / "ref", tmp_path / "rst")
    ds = xr.open_dataset(tmp_path / "ref/hist/small.land.h1.nc",
                         decode_times=xr.coders.CFDatetimeCoder(use_cftime=True))
    assert ds.sizes["time"] == 1 and ds["time"].dt.calendar == "proleptic_gregorian"


def test_monthly_mean_is_day_weighted_mean_of_daily_means(small, tmp_path):
    """h1 (monthly) equals the mean of the h0 (daily) records of that month; time bounds are exact."""
    lsmc("run", small(days=59), "--out", tmp_path / "o")
    daily = xr.open_dataset(tmp_path / "o/hist/small.atmos.h0.nc", decode_times=False)
    monthly = xr.open_dataset(tmp_path / "o/hist/small.atmos.h1.nc", decode_times=False)
    assert monthly["time_bnds"].values.tolist() == [[0.0, 31.0], [31.0, 59.0]]
    assert monthly["time"].values.tolist() == [15.5, 45.0]
    assert monthly["time"].attrs["calendar"] == "noleap" and monthly["time"].attrs["units"].startswith("days since")
    for m, (lo, hi) in enumerate(((0, 31), (31, 59))):
        expected = daily["co2"].isel(time=slice(lo, hi)).mean("time")
        np.testing.assert_allclose(monthly["co2"].isel(time=m), expected, rtol=1e-14)
        expected = daily["tas"].isel(time=slice(lo, hi)).astype("f8").mean("time")
        np.testing.assert_allclose(monthly["tas"].isel(time=m), expected, rtol=1e-6)  # float32 storage
    assert monthly["co2"].dims == ("time",) and monthly["tas"].dims == ("time", "lat", "lon")
    assert monthly["tas"].attrs["cell_methods"].endswith("time: mean")


def test_validate_prints_settings(small, tmp_path):
    proc = lsmc("validate", small(land="  q10 = 2.5"))
    assert "valid" in proc.stdout and "q10 = 2.5" in proc.stdout
    assert "stop_option = 'ndays'" in proc.stdout and "(default)" in proc.stdout


def test_compare_reports_first_difference(small, tmp_path):
    lsmc("run", small(days=2), "--out", tmp_path / "a")
    lsmc("run", small(days=2, land="  npp_kgC_m2_yr = 0.41"), "--out", tmp_path / "b")
    proc = lsmc("compare", tmp_path / "a", tmp_path / "b", check=False)
    assert proc.returncode == 1
    assert "differ" in proc.stdout and "max |A-B|" in proc.stdout
