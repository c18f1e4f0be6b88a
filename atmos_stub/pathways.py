"""Prescribed concentration and emission pathways of the CMIP6/C4MIP experiments.

Idealised CO2 paths (Eyring et al. 2016, GMD 9, 1937; Jones et al. 2016,
GMD 9, 2853): ``constant`` (piControl), ``1pct`` (1 %/yr compounded from the
preindustrial value, 1pctCO2 and its -bgc/-rad variants), ``abrupt4x``.
Scenario paths (``historical``, ``ssp126``, ``ssp245``, ``ssp585``) read the
packaged RCMIP tables (Nicholls et al. 2020) by calendar year; their annual
values are treated as means centred on the middle of each year.
"""

from __future__ import annotations

import cftime

from coupler.errors import InputDataError, NamelistError

IDEALISED = ("constant", "1pct", "abrupt4x")
SCENARIOS = ("historical", "ssp126", "ssp245", "ssp585")


def decimal_year(date: cftime.datetime) -> float:
    """Calendar year plus the fraction of it elapsed at ``date``."""
    start = cftime.datetime(date.year, 1, 1, calendar=date.calendar)
    end = cftime.datetime(date.year + 1, 1, 1, calendar=date.calendar)
    return date.year + (date - start).total_seconds() / (end - start).total_seconds()


class Pathway:
    """CO2, N2O and CH4 mole fractions and emissions of one experiment over time.

    ``years_since_start`` (float) drives the idealised paths; the calendar
    year drives the scenario tables.
    """

    def __init__(self, kind: str, co2_preindustrial_ppm: float, n2o_preindustrial_ppb: float,
                 ch4_preindustrial_ppb: float, pct_per_yr: float = 1.0, abrupt_factor: float = 4.0,
                 scenario_file: str | None = None):
        if kind not in IDEALISED + SCENARIOS:
            raise NamelistError(f"&atmos: co2_path: unknown path {kind!r}")
        self.kind = kind
        self.c0, self.n0, self.m0 = co2_preindustrial_ppm, n2o_preindustrial_ppb, ch4_preindustrial_ppb
        self.rate = 1.0 + pct_per_yr / 100.0
        self.factor = abrupt_factor
        self.table = None
        if kind in SCENARIOS:
            from .scenarios import load_scenario

            self.table = load_scenario(kind, scenario_file)

    def _lookup(self, column: str, year: float) -> float:
        """Table value at ``year``: annual values are centred on mid-year, held for the outer half-years."""
        first, last = float(self.table.years[0]), float(self.table.years[-1])
        centred = year - 0.5
        if last < centred <= last + 0.5:
            centred = last
        elif first - 0.5 <= centred < first:
            centred = first
        if not first <= centred <= last:
            raise InputDataError(f"{self.table.path}: the run reached year {year:.3f}, but table {self.table.name!r} "
                                 f"covers {first:g}-{last + 1:g} (annual means centred mid-year); choose another "
                                 f"co2_path or a shorter run")
        return float(self.table.value(column, centred))

    def co2_ppm(self, years_since_start: float, year: float) -> float:
        if self.kind == "constant":
            return self.c0
        if self.kind == "1pct":
            return self.c0 * self.rate**years_since_start
        if self.kind == "abrupt4x":
            return self.c0 * self.factor
        return self._lookup("co2_ppm", year)

    def n2o_ppb(self, year: float) -> float:
        return self.n0 if self.table is None else self._lookup("n2o_ppb", year)

    def ch4_ppb(self, year: float) -> float:
        return self.m0 if self.table is None else self._lookup("ch4_ppb", year)

    def co2_emissions_pgc_yr(self, year: float, landuse: bool) -> tuple[float, float]:
        """Fossil and land-use CO2 emissions (Pg C yr-1); zero for idealised paths."""
        if self.table is None:
            return 0.0, 0.0
        fossil = self._lookup("fossil_emissions_PgC_per_yr", year)
        return fossil, (self._lookup("landuse_emissions_PgC_per_yr", year) if landuse else 0.0)

    def n2o_emissions_tgn_yr(self, year: float) -> float:
        """Anthropogenic N2O emissions (Tg N yr-1); zero for idealised paths."""
        return 0.0 if self.table is None else self._lookup("n2o_emissions_TgN_per_yr", year)
