"""Clock: exact integer-second time, calendars, stop lengths and alarms."""

import cftime
import pytest

from coupler.clock import Clock, add_months, format_date, parse_date
from coupler.errors import NamelistError


def make(start="0001-01-01", calendar="noleap", dt=3600, ocean=86400):
    return Clock(parse_date(start, calendar), dt, ocean)


def test_parse_and_format():
    d = parse_date("1850-03-02 06:00:00", "noleap")
    assert (d.year, d.month, d.day, d.hour) == (1850, 3, 2, 6)
    assert format_date(d) == "1850-03-02-21600"
    with pytest.raises(NamelistError, match="cannot read date"):
        parse_date("1850/03/02", "noleap")


def test_year_lengths_by_calendar():
    noleap = make("2000-01-01", "noleap")
    greg = make("2000-01-01", "proleptic_gregorian")
    assert noleap.stop_elapsed("nyears", 1) == 365 * 86400
    assert greg.stop_elapsed("nyears", 1) == 366 * 86400  # 2000 is a leap year
    assert greg.stop_elapsed("nmonths", 2) == (31 + 29) * 86400


def test_add_months_wraps_years():
    d = cftime.datetime(1, 11, 15, calendar="noleap")
    assert add_months(d, 3) == cftime.datetime(2, 2, 15, calendar="noleap")


def test_period_boundaries_and_alarms():
    c = make()
    months = days = years = 0
    for _ in range(365 * 24):
        c.advance()
        days += c.at_period_start("day")
        months += c.at_period_start("month")
        years += c.at_period_start("year")
    assert (days, months, years) == (365, 12, 1)
    assert c.now == cftime.datetime(2, 1, 1, calendar="noleap")
    assert c.alarm("nmonths", 3) and c.alarm("nyears", 1) and not c.alarm("never", 1)


def test_ocean_boundaries():
    c = make(ocean=3 * 3600)
    hits = 0
    for _ in range(24):
        hits += c.is_ocean_boundary()
        c.advance()
    assert hits == 8


def test_interval_rules():
    with pytest.raises(NamelistError, match="does not divide one day"):
        make(dt=7 * 3600)
    with pytest.raises(NamelistError, match="not a multiple of coupling_interval_s"):
        make(dt=3600, ocean=5400)
