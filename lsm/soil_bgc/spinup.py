"""Offline spin-up of the soil model on a recorded year of its drivers.

The soil's slowest modes (mineral-associated C exchanging with DOM under
microbial control, microbial biomass in cold soils) relax over decades to
centuries, and in a microbial-explicit model their steady state is set by
physiology, not by inputs: steady DOM sits where uptake balances microbial
losses, whatever the litterfall.  A linearised jump (the matrix or
pool-by-pool semi-analytic spin-up of first-order models, Xia et al. 2012)
therefore misplaces it: tried here, it overshot soil C by a factor of two in
cold columns and oscillated from cycle to cycle.  What converges is
integrating the model itself, so the spin-up does what CLM does with
recycled forcing (Thornton & Rosenbloom 2005, Ecol. Model. 189, 25), at
the cost of the soil alone: while the coupled model runs a cycle, the soil
records the daily means of its drivers (litterfall, temperature, water,
drainage, N inputs, roots and plant N demand); then the soil is integrated
alone for many years over that year, repeated, at a time step that may be
longer than the coupled one.  The plants' N demand is capped at the N of
their litterfall (:meth:`DriverRecord.steady_vegetation_demand_scale`): a
growing vegetation's demand, repeated for a century, would mine the soil.

With isotopes on, the litter's 13C and 14C inputs are recorded too and the
offline years carry the soil's isotope shadows, 14C decaying: the
radiocarbon age of mineral-associated C builds up only over those centuries
(a pool that merely kept its ratio would stay as young as the litter).

The aggregate-occluded pool, first order in and out with constant rates, is
set after each repetition to its steady state over it, ``(k_f / k_b)``
times the mean free structural litter: filled through the litter alone it
would take centuries (:func:`_occluded_steady_state`).

Daily means lose the diurnal cycle of the driving layer-mean temperature,
which in the top metre is a fraction of a kelvin.  A longer step changes
the explicit solution slightly (0.3 % of soil C at steady state between 6 h
and 24 h steps in a temperate column), so a spin-up ends with cycles at
shorter steps and a coupled settle period that measures what is left.
"""

from __future__ import annotations

import numpy as np

from . import column
from .pools import C_ROWS, VARIABLES

__all__ = ["DriverRecord", "FIELDS", "integrate", "step_problem"]

SECONDS_PER_DAY = 86400.0
_R_C, _R_N = VARIABLES.index("litter_recalcitrant_c"), VARIABLES.index("litter_recalcitrant_n")
_A_C, _A_N = VARIABLES.index("aggregate_c"), VARIABLES.index("aggregate_n")
# rows of the same pools in the isotope shadow (carbon variables only)
_R_ISO, _A_ISO = list(C_ROWS).index(_R_C), list(C_ROWS).index(_A_C)
#: Driver fields that vary in time and are recorded (``plant_n_demand`` as a rate, kg N m-2 s-1).
FIELDS = ("litter_met_c", "litter_met_n", "litter_str_c", "litter_str_n", "n_deposition", "n_fixation",
          "t_soil_k", "theta", "porosity", "drainage", "water_kg_m2", "root_c", "plant_n_demand")


class DriverRecord:
    """Daily means of the soil drivers over a spin-up cycle, per column."""

    def __init__(self):
        self.sums: list[np.ndarray] = []  # per day: (nfield, ncol), driver x seconds
        # per day, when the soil carries isotopes: (2, nisotope, ncol), litter 13C/14C inputs (metabolic,
        # structural) x seconds
        self.iso_sums: list[np.ndarray] = []
        self.seconds: list[float] = []
        self.elapsed = 0.0
        self.constant: column.SoilDrivers | None = None

    def add(self, drivers: column.SoilDrivers, dt: float) -> None:
        """Record the drivers of a step of ``dt`` s (``plant_n_demand`` is its amount over the step)."""
        day = int(self.elapsed // SECONDS_PER_DAY)
        self.elapsed += dt
        values = np.stack([np.asarray(getattr(drivers, f), dtype=float) for f in FIELDS])
        values[-1] /= dt
        iso = None if drivers.litter_met_iso is None else np.stack([drivers.litter_met_iso, drivers.litter_str_iso])
        if day == len(self.sums):
            self.sums.append(values * dt)
            self.seconds.append(dt)
            if iso is not None:
                self.iso_sums.append(iso * dt)
        else:
            self.sums[day] += values * dt
            self.seconds[day] += dt
            if iso is not None:
                self.iso_sums[day] += iso * dt
        self.constant = drivers

    @property
    def days(self) -> int:
        return len(self.sums)

    def day(self, k: int, dt: float, demand_scale=1.0) -> column.SoilDrivers:
        """The mean drivers of day ``k`` for steps of ``dt`` s (plant N demand times ``demand_scale``)."""
        mean = self.sums[k] / self.seconds[k]
        fields = dict(zip(FIELDS, mean, strict=True))
        fields["plant_n_demand"] = fields["plant_n_demand"] * dt * demand_scale
        if self.iso_sums:
            fields["litter_met_iso"], fields["litter_str_iso"] = self.iso_sums[k] / self.seconds[k]
        # daily means hold no wetting rate: the offline years leave out the rewetting pulse of the Birch effect
        # (its osmotic shock, slaking and revival; the drought switch of dormancy acts on the daily water)
        return self.constant._replace(theta_previous=None, **fields)

    def steady_vegetation_demand_scale(self) -> np.ndarray:
        """Per column, ``min(1, litter N / plant N demand)`` over the recorded cycle.

        Vegetation at steady state takes up the N it sheds in litter.  A
        cycle recorded while the vegetation still grows (above all the first,
        from a cold start) demands more; repeated for a century offline, that
        excess mined the soil's N until the microbes starved and died out in
        N-poor forests.  The offline soil therefore sees the demand of a
        steady vegetation, as the wood jump assumes one.
        """
        total = np.sum(self.sums, axis=0)
        litter_n = total[FIELDS.index("litter_met_n")] + total[FIELDS.index("litter_str_n")]
        demand = total[FIELDS.index("plant_n_demand")]
        return np.minimum(1.0, np.divide(litter_n, demand, out=np.ones_like(demand), where=demand > 0.0))


def step_problem(hours: float) -> str | None:
    """Why ``hours`` cannot be an offline soil step (it must be positive and divide a day), or None."""
    if not hours > 0 or abs(24.0 / hours - round(24.0 / hours)) > 1e-9:
        return f"a step of {hours:g} hours does not divide a day (e.g. 1, 3, 6, 24)"
    return None


def integrate(state, record: DriverRecord, params: column.SoilBgcParameters, years: int, dt: float,
              shadow: np.ndarray | None = None) -> list[float]:
    """Run the soil ``state`` (in place) alone for ``years`` repetitions of the recorded days.

    ``dt`` (s) must divide a day.  ``shadow``, the soil's 13C and 14C
    (:func:`lsm.soil_bgc.column.step`), is carried along in place with the
    recorded isotope inputs of the litter, and 14C decays: radiocarbon ages
    the slow pools only over the centuries of the offline years.  Returns,
    per repetition, the largest change of a column's soil carbon over it,
    kg C m-2 (how far from steady).
    """
    if record.days == 0:
        raise ValueError("no drivers recorded for the offline soil spin-up")
    if shadow is not None and len(record.iso_sums) != record.days:
        raise ValueError("the soil carries isotopes but the recorded drivers hold no litter isotope inputs")
    if step_problem(dt / 3600.0) is not None:
        raise ValueError(f"offline soil step {dt:g} s must divide a day")
    steps = int(round(SECONDS_PER_DAY / dt))
    scale = record.steady_vegetation_demand_scale()
    v = state.values
    occlusion = params.aggregate_formation_s / params.aggregate_breakdown_s if params.aggregate_breakdown_s > 0 else 0
    change = []
    for _ in range(int(years)):  # a handful of repetitions; each step is vectorised over the columns
        before = state.total_c()
        free = np.zeros((2, v.shape[1]))  # structural litter C and N summed over the steps
        free_iso = None if shadow is None else np.zeros((shadow.shape[0], v.shape[1]))
        nstep = 0
        for k in range(record.days):
            drivers = record.day(k, dt, scale)
            for _ in range(steps):
                free += v[[_R_C, _R_N]]
                if free_iso is not None:
                    free_iso += shadow[:, _R_ISO]
                nstep += 1
                column.step(state, drivers, dt, params, shadow=shadow)
        if occlusion > 0:
            _occluded_steady_state(state, shadow, occlusion * free / nstep,
                                   None if free_iso is None else occlusion * free_iso / nstep)
        change.append(float(np.max(np.abs(state.total_c() - before), initial=0.0)))
    return change


def _occluded_steady_state(state, shadow, occluded, occluded_iso) -> None:
    """Set the aggregate pool to its steady state over the repetition just run (in place).

    Occlusion ``k_f R`` and release ``k_b A`` are first order with constant
    rates, so over a repeated cycle the aggregate pool settles at ``A =
    (k_f / k_b) mean(R)`` (C, N and isotopes alike; exact for the cycle mean,
    the seasonal swing of a pool that turns over in a year aside).  Filled
    from the litter alone it would take centuries, as every occluded unit
    must first escape decomposition as free litter; setting it directly is
    the semi-analytic step of Xia et al. (2012, Geosci. Model Dev. 5, 1259)
    for this linear pool.  The caller books the change with the rest.
    """
    state.values[_A_C], state.values[_A_N] = occluded
    if shadow is not None:
        shadow[:, _A_ISO] = occluded_iso
