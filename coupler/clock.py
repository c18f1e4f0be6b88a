"""Model clock: cftime dates, integer-second steps, stop and alarm rules.

Time is counted in whole seconds since the experiment's reference date (the
``start_date`` of its first segment), so that dates, alarms and history time
coordinates are exact and identical after any number of restarts.
"""

from __future__ import annotations

import datetime as _dt

import cftime

from .constants import SECONDS_PER_DAY
from .errors import NamelistError


def parse_date(text: str, calendar: str, where: str = "start_date") -> cftime.datetime:
    """Parse ``YYYY-MM-DD[ hh:mm:ss]`` (or with ``T``) into a cftime date."""
    text = text.strip().replace("T", " ")
    try:
        day, _, clock = text.partition(" ")
        y, m, d = (int(p) for p in day.split("-"))
        hh, mm, ss = (int(p) for p in clock.split(":")) if clock else (0, 0, 0)
        return cftime.datetime(y, m, d, hh, mm, ss, calendar=calendar)
    except (ValueError, TypeError) as exc:
        raise NamelistError(f"{where}: cannot read date {text!r} ({exc}); expected YYYY-MM-DD") from None


def format_date(date: cftime.datetime) -> str:
    """Restart folder name of a date: ``YYYY-MM-DD-SSSSS`` (seconds of the day), as CESM."""
    seconds = date.hour * 3600 + date.minute * 60 + date.second
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}-{seconds:05d}"


def add_months(date: cftime.datetime, months: int) -> cftime.datetime:
    """The same day and time ``months`` later (the day must exist in the target month)."""
    index = date.year * 12 + (date.month - 1) + months
    return date.replace(year=index // 12, month=index % 12 + 1)


def interval_problem(coupling_interval_s: int, ocean_interval_s: int) -> str | None:
    """Why the coupling and ocean intervals cannot make a clock (``key: reason``), or None."""
    if SECONDS_PER_DAY % coupling_interval_s:
        return f"coupling_interval_s: {coupling_interval_s} s does not divide one day"
    if ocean_interval_s % coupling_interval_s:
        return (f"ocean_interval_s: {ocean_interval_s} s is not a multiple of coupling_interval_s "
                f"({coupling_interval_s} s)")
    if SECONDS_PER_DAY % ocean_interval_s and ocean_interval_s % SECONDS_PER_DAY:
        return f"ocean_interval_s: {ocean_interval_s} s neither divides one day nor is a whole number of days"
    return None


class Clock:
    """Coupling clock.

    ``ref_date`` is the experiment's reference date (time coordinate origin);
    ``elapsed_s`` the seconds from it to now; ``step`` the coupling steps done
    since it. The coupling interval must divide one day and the ocean interval
    must be a multiple of the coupling interval that divides one day or is a
    whole number of days, so every day, month and year boundary falls on a
    step end.
    """

    def __init__(self, ref_date: cftime.datetime, coupling_interval_s: int, ocean_interval_s: int,
                 elapsed_s: int = 0, seed: int = 0):
        problem = interval_problem(coupling_interval_s, ocean_interval_s)
        if problem is not None:
            raise NamelistError(f"&driver: {problem}")
        self.ref_date = ref_date
        self.calendar = ref_date.calendar
        self.dt = int(coupling_interval_s)
        self.ocean_dt = int(ocean_interval_s)
        self.elapsed_s = int(elapsed_s)
        #: Key of the run's counter-based random numbers (the counter is cell and time step).
        self.seed = int(seed)

    @property
    def step(self) -> int:
        return self.elapsed_s // self.dt

    @property
    def now(self) -> cftime.datetime:
        return self.date_at(self.elapsed_s)

    def date_at(self, elapsed_s: int) -> cftime.datetime:
        return self.ref_date + _dt.timedelta(seconds=int(elapsed_s))

    def seconds_until(self, date: cftime.datetime) -> int:
        delta = date - self.ref_date
        return delta.days * SECONDS_PER_DAY + delta.seconds

    @property
    def next_time(self) -> cftime.datetime:
        """End of the coupling interval that starts now."""
        return self.date_at(self.elapsed_s + self.dt)

    def advance(self) -> None:
        self.elapsed_s += self.dt

    def is_ocean_boundary(self) -> bool:
        """True when an ocean interval starts now."""
        return self.elapsed_s % self.ocean_dt == 0

    def stop_elapsed(self, option: str, n: int) -> int:
        """Elapsed seconds at which a segment of ``n`` ``option`` units started now ends."""
        now = self.now
        if option == "nsteps":
            return self.elapsed_s + n * self.dt
        if option == "ndays":
            return self.elapsed_s + n * SECONDS_PER_DAY
        if option == "nmonths":
            end = add_months(now, n)
        elif option == "nyears":
            end = add_months(now, 12 * n)
        else:
            raise NamelistError(f"&driver: stop_option: unknown unit {option!r}")
        elapsed = self.seconds_until(end)
        if (elapsed - self.elapsed_s) % self.dt:
            raise NamelistError("&driver: the run length is not a whole number of coupling intervals")
        return elapsed

    # Period boundaries, evaluated at "now" (the end of the step just done).
    def at_period_start(self, period: str) -> bool:
        """True when ``now`` is the first instant of a new step/day/month/year."""
        if period == "step":
            return True
        d = self.now
        midnight = d.hour == 0 and d.minute == 0 and d.second == 0
        if period == "day":
            return midnight
        if period == "month":
            return midnight and d.day == 1
        if period == "year":
            return midnight and d.day == 1 and d.month == 1
        raise ValueError(period)

    def alarm(self, option: str, n: int) -> bool:
        """Restart-style alarm: true every ``n`` units counted from the reference date."""
        if option == "never":
            return False
        if option == "nsteps":
            return self.step % n == 0
        if option == "ndays":
            return self.at_period_start("day") and (self.elapsed_s // SECONDS_PER_DAY) % n == 0
        d, r = self.now, self.ref_date
        months = (d.year - r.year) * 12 + (d.month - r.month)
        if option == "nmonths":
            return self.at_period_start("month") and months % n == 0
        if option == "nyears":
            return self.at_period_start("year") and (d.year - r.year) % n == 0
        raise ValueError(option)

    def days(self, elapsed_s: int | None = None) -> float:
        """Time coordinate in days since the reference date."""
        return (self.elapsed_s if elapsed_s is None else elapsed_s) / SECONDS_PER_DAY
