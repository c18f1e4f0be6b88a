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

The aggregate-occluded pool and the strongly bound MAOM, first order in and
out with constant rates, are set after each repetition to their steady
state over it, ``(k_in / k_out)`` times the mean of the pool that feeds
them (free structural litter, exchangeable MAOM): filled through it alone
they would take centuries to millennia (:func:`_linear_steady_state`).

Daily means lose the diurnal cycle of the driving layer-mean temperature,
which in the top metre is a fraction of a kelvin.  A longer step changes
the explicit solution slightly (0.3 % of soil C at steady state between 6 h
and 24 h steps in a temperate column), so a spin-up ends with cycles at
shorter steps and a coupled settle period that measures what is left.
"""

from __future__ import annotations

import numpy as np

from . import column
from .isotopes import DECAY_RATE_14C_S, ISOTOPES
from .pools import C_ROWS, VARIABLES

__all__ = ["DriverRecord", "FIELDS", "integrate", "step_problem"]

SECONDS_PER_DAY = 86400.0
_R_C, _R_N = VARIABLES.index("litter_recalcitrant_c"), VARIABLES.index("litter_recalcitrant_n")
_A_C, _A_N = VARIABLES.index("aggregate_c"), VARIABLES.index("aggregate_n")
_M_C, _M_N = VARIABLES.index("maom_c"), VARIABLES.index("maom_n")
_MS_C, _MS_N = VARIABLES.index("maom_stable_c"), VARIABLES.index("maom_stable_n")
#: Linear side pools set to their cycle steady state: (feeding C, N rows), (side pool C, N rows), and the
#: parameter names of the rates in and out.
_SIDE_POOLS = (((_R_C, _R_N), (_A_C, _A_N), "aggregate_formation_s", "aggregate_breakdown_s"),
               ((_M_C, _M_N), (_MS_C, _MS_N), "maom_stabilisation_s", "maom_destabilisation_s"))
#: Driver fields that vary in time and are recorded (``plant_n_demand`` as a rate, kg N m-2 s-1).
FIELDS = ("litter_met_c", "litter_met_n", "litter_str_c", "litter_str_n", "n_deposition", "n_fixation",
          "n_fertiliser_nh4", "n_fertiliser_no3", "plant_n_export", "t_soil_k", "theta", "porosity", "drainage",
          "water_kg_m2", "root_c", "plant_n_demand")


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
        shape = np.shape(drivers.theta)
        values = np.stack([np.broadcast_to(np.asarray(getattr(drivers, f), dtype=float), shape) for f in FIELDS])
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
        """Per column, ``(litter N + harvested N) / plant N demand`` over the recorded cycle (1 without demand).

        Vegetation at steady state takes up the N it sheds in litter.  A
        cycle recorded while the vegetation still grows (above all the first,
        from a cold start) demands more; repeated for a century offline, that
        excess mined the soil's N until the microbes starved and died out in
        N-poor forests.  A cycle recorded while it sheds more than it takes up
        (the cold start's leaves and wood dying back, a vegetation whose N
        store is full) demands less; repeated, the difference would pile up
        as mineral N in soils that lose little N.  (Measured in the spin-up
        of 2026-12 this was a small part of the pile: 7,100 Tg of mineral N
        after the first offline integration with the one-sided cap, 6,600
        without it.)  The offline soil therefore sees the demand of a steady
        vegetation both ways, as the wood jump assumes one; root uptake
        capacity still limits what the plants can take.
        """
        total = np.sum(self.sums, axis=0)
        # a crop at steady state also takes up the N its harvest carries away
        litter_n = (total[FIELDS.index("litter_met_n")] + total[FIELDS.index("litter_str_n")]
                    + total[FIELDS.index("plant_n_export")])
        demand = total[FIELDS.index("plant_n_demand")]
        return np.divide(litter_n, demand, out=np.ones_like(demand), where=demand > 0.0)


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
    sides = [(list(feed), list(side), getattr(params, k_in), getattr(params, k_out))
             for feed, side, k_in, k_out in _SIDE_POOLS if getattr(params, k_out) > 0]
    feed_rows = sorted({r for feed, *_ in sides for r in feed})
    iso_rows = [list(C_ROWS).index(r) for r in feed_rows if r in C_ROWS]
    change = []
    for _ in range(int(years)):  # a handful of repetitions; each step is vectorised over the columns
        before = state.total_c()
        mean = np.zeros((len(feed_rows), v.shape[1]))  # the feeding pools summed over the steps
        mean_iso = None if shadow is None else np.zeros((shadow.shape[0], len(iso_rows), v.shape[1]))
        nstep = 0
        for k in range(record.days):
            drivers = record.day(k, dt, scale)
            for _ in range(steps):
                mean += v[feed_rows]
                if mean_iso is not None:
                    mean_iso += shadow[:, iso_rows]
                nstep += 1
                column.step(state, drivers, dt, params, shadow=shadow)
        mean /= max(nstep, 1)
        if mean_iso is not None:
            mean_iso /= max(nstep, 1)
        for feed, side, k_in, k_out in sides:
            steady_iso = None
            if mean_iso is not None:
                # 14C also decays in the side pool: it settles at k_in F / (k_out + lambda)
                loss = k_out + np.array([0.0 if iso != "c14" else DECAY_RATE_14C_S for iso in ISOTOPES])
                steady_iso = (k_in / loss)[:, None] * mean_iso[:, iso_rows.index(list(C_ROWS).index(feed[0]))]
            _linear_steady_state(state, shadow, side, k_in / k_out * mean[[feed_rows.index(r) for r in feed]],
                                 steady_iso)
        change.append(float(np.max(np.abs(state.total_c() - before), initial=0.0)))
    return change


def _linear_steady_state(state, shadow, side, steady, steady_iso) -> None:
    """Set a linear side pool (rows ``side``, C and N) to its steady state over the repetition just run.

    Its input ``k_in F`` from a feeding pool F and its release ``k_out S``
    are first order with constant rates, so over a repeated cycle it
    settles at ``S = (k_in / k_out) mean(F)`` (C, N and 13C alike; 14C,
    which also decays, at ``k_in mean(F) / (k_out + lambda)``: exact for the
    cycle mean, the seasonal swing aside): the aggregates
    (from free structural litter, released in a year) and the strongly
    bound MAOM (from the exchangeable, released over 500 years).  Filled
    through its input alone it would take centuries to millennia, as every
    occluded unit must first escape decomposition as free litter and the
    bound MAOM ages in at a few per mil a year; setting it directly is
    the semi-analytic step of Xia et al. (2012, Geosci. Model Dev. 5, 1259)
    for a linear pool.  The caller books the change with the rest.
    """
    state.values[side[0]], state.values[side[1]] = steady
    if shadow is not None:
        shadow[:, list(C_ROWS).index(side[0])] = steady_iso
