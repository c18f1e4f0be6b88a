"""CIME-style system tests of the full coupled model (lsm, atmos_stub, ocean_stub) at a coarse resolution.

``tests/lsm/test_land_component.py`` covers PEM (1 and 3 ranks) and ERP (a
restart written on 2 ranks continued on 1) of the same configuration; here:
SEQ (sequential against concurrent layout), ERI (extra restart sets at odd
steps do not change answers, continuing from one does not either) and the
proleptic Gregorian calendar across a leap day, each bit-for-bit with
``lsmc compare`` on history, budget and restart files.
"""

import pytest

from .conftest import assert_identical, lsmc

pytestmark = pytest.mark.system

NML = """
&driver
  case_name = 'full'
  start_date = '{start}'
  calendar = '{calendar}'
  stop_option = 'ndays'
  stop_n = {days}
  coupling_interval_s = 3600
  ocean_interval_s = 21600
  restart_option = '{restart_option}'
  restart_n = {restart_n}
  history_frequencies = 'day', 'month'
  layout = '{layout}'
  land_model = 'lsm'
  atmos_model = 'atmos_stub'
  ocean_model = 'ocean_stub'
  land_resolution_deg = 15.0
  atmos_resolution_deg = 15.0
  ocean_resolution_deg = 15.0
/
"""


def full(tmp_path, name, days=2, layout="sequential", calendar="noleap", start="1852-02-28",
         restart_option="never", restart_n=1):
    path = tmp_path / f"{name}.nml"
    path.write_text(NML.format(days=days, layout=layout, calendar=calendar, start=start,
                               restart_option=restart_option, restart_n=restart_n))
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Two days on one rank, sequential, no restarts but the final set."""
    tmp = tmp_path_factory.mktemp("full")
    lsmc("run", full(tmp, "ref"), "--out", tmp / "ref")
    return tmp / "ref"


@pytest.mark.mpi
def test_seq_concurrent_layout_on_three_ranks_matches_sequential(reference, tmp_path):
    lsmc("run", full(tmp_path, "seq", layout="concurrent"), "--out", tmp_path / "seq", nranks=3)
    assert_identical(reference, tmp_path / "seq")


@pytest.mark.mpi
def test_eri_extra_restart_sets_change_nothing_and_continue_exactly(reference, tmp_path):
    eri = tmp_path / "eri"
    lsmc("run", full(tmp_path, "eri", restart_option="nsteps", restart_n=7), "--out", eri, nranks=2)
    sets = sorted(p.name for p in (eri / "rest").iterdir())
    assert len(sets) == 48 // 7 + 1  # every 7th hour and the end
    # continue from the 5th set (hour 35), on one rank, to the end
    short = tmp_path / "short"
    lsmc("run", full(tmp_path, "short", restart_option="nsteps", restart_n=7), "--out", short, "--steps", 35)
    lsmc("run", "--out", short, "--continue", "--steps", 13)
    assert_identical(reference, short)
    # the extra sets are in eri and not in the reference: compare what both hold
    for folder in (eri / "rest").iterdir():
        if folder.name != sets[-1]:
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    assert_identical(reference, eri)


def test_proleptic_gregorian_restart_across_a_leap_day(tmp_path):
    """1852 is a leap year: 28 Feb + 2 days ends on 1 March; a restart on 29 Feb continues exactly."""
    ref, rst = tmp_path / "ref", tmp_path / "rst"
    lsmc("run", full(tmp_path, "greg", calendar="proleptic_gregorian"), "--out", ref)
    assert (ref / "rpointer").read_text().strip() == "rest/1852-03-01-00000"
    lsmc("run", full(tmp_path, "greg1", days=1, calendar="proleptic_gregorian"), "--out", rst)
    assert (rst / "rpointer").read_text().strip() == "rest/1852-02-29-00000"
    lsmc("run", "--out", rst, "--continue", "--days", 1)
    for folder in (rst / "rest").iterdir():
        if folder.name == "1852-02-29-00000":
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    assert_identical(ref, rst)
