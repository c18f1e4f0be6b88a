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
drainage, N inputs, roots and harvest); then the soil is integrated
alone for many years over that year, repeated, at a time step that may be
longer than the coupled one.  The offline soil sees a steady vegetation: its
litter is at most the cycle's NPP less harvest
(:meth:`DriverRecord.steady_vegetation_litter`), and the plants use the N
of that litter and of the harvest from a store whose shortfall their roots
refill as their capacity allows (:func:`integrate`).  A growing or dying
vegetation's litter and N demand, repeated for a century, would fill, mine
or flood the soil: the cold start's dying boreal shrubs and its N-starved
plants, whose store shortfall was asked for step after step, piled up
6,000 Tg of mineral N in the offline years of the 2026-12 spin-up.

With isotopes on, the litter's 13C and 14C inputs are recorded too and the
offline years carry the soil's isotope shadows, 14C decaying: the
radiocarbon age of mineral-associated C builds up only over those centuries
(a pool that merely kept its ratio would stay as young as the litter).

The aggregate-occluded pool and the strongly bound MAOM, first order in and
out with constant rates, are set after each repetition to their steady
state over it, ``(k_in / k_out)`` times the mean of the pool that feeds
them (free structural litter, exchangeable MAOM): filled through it alone
they would take centuries to millennia (:func:`_linear_steady_state`).

The coarse woody debris, fed by the recorded wood litter and fragmenting
at a rate set by temperature alone, is linear too and is set after each
repetition to the periodic steady state of the discrete steps
(:func:`_cwd_steady_state`): at a few per cent a year in cold forests it
would need centuries of offline years, and the structural litter and
aggregates it feeds would keep growing in the coupled years after.

Mineral N, where it is more than the soil's losses can balance at steady
state, is lowered to that steady amount at the end of the offline years
(:func:`_mineral_n_steady_state`): the surplus is the cold start's organic
N, freed where the steady soil holds less organic matter, which a dry or
frozen soil would otherwise keep for millennia.

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
#: Most that the offline years raise a growing vegetation's recorded litter towards its NPP, x: twice.  A
#: vegetation near steady state drops in one year more or less litter than its NPP with the weather (in a control
#: year of the shipped state, NPP / litter of 9 columns in 10 lay within 0.8-1.25), and both ways must count, or
#: the offline soil is fed the lower of the two: lowering alone cut 3.0 of 47.5 Pg C of litter over that year
#: and left the coupled soil gaining ~4 Pg C/yr after the spin-up.  A cold start's young forests drop a
#: fraction of their NPP as litter, and raising all of it fed their soils four times the litter their N could
#: sustain (issue 6): the cap keeps that bounded while the next cycle records what they have grown to.
MAX_LITTER_RAISE = 2.0
_R_C, _R_N = VARIABLES.index("litter_recalcitrant_c"), VARIABLES.index("litter_recalcitrant_n")
_A_C, _A_N = VARIABLES.index("aggregate_c"), VARIABLES.index("aggregate_n")
_M_C, _M_N = VARIABLES.index("maom_c"), VARIABLES.index("maom_n")
_MS_C, _MS_N = VARIABLES.index("maom_stable_c"), VARIABLES.index("maom_stable_n")
_NH4, _NO3 = VARIABLES.index("nh4_n"), VARIABLES.index("no3_n")
_CW_C, _CW_N = VARIABLES.index("coarse_woody_debris_c"), VARIABLES.index("coarse_woody_debris_n")
#: Linear side pools set to their cycle steady state: (feeding C, N rows), (side pool C, N rows), and the
#: parameter names of the rates in and out.
_SIDE_POOLS = (((_R_C, _R_N), (_A_C, _A_N), "aggregate_formation_s", "aggregate_breakdown_s"),
               ((_M_C, _M_N), (_MS_C, _MS_N), "maom_stabilisation_s", "maom_destabilisation_s"))
#: Driver fields that vary in time and are recorded.  The plants' N demand is not: in the coupled model it
#: is the shortfall of their N store, which a soil short of N keeps high step after step; offline it is that
#: of a steady vegetation (:func:`integrate`).
FIELDS = ("litter_met_c", "litter_met_n", "litter_str_c", "litter_str_n", "litter_cwd_c", "litter_cwd_n", "n_deposition",
          "n_fixation",
          "n_fertiliser_nh4", "n_fertiliser_no3", "plant_n_net_export", "t_soil_k", "theta", "porosity", "drainage",
          "water_kg_m2", "root_c", "theta_topsoil")
#: Recorded fields that a driver may leave None, and the field that stands in for them then.
_STAND_IN = {"theta_topsoil": "theta"}
#: The litter inputs, which :meth:`DriverRecord.steady_vegetation_litter` scales together.
_LITTER_FIELDS = ("litter_met_c", "litter_met_n", "litter_str_c", "litter_str_n", "litter_cwd_c", "litter_cwd_n")


class DriverRecord:
    """Daily means of the soil drivers over a spin-up cycle, per column."""

    def __init__(self):
        self.sums: list[np.ndarray] = []  # per day: (nfield, ncol), driver x seconds
        # per day, when the soil carries isotopes: (3, nisotope, ncol), litter 13C/14C inputs (metabolic,
        # structural, wood) x seconds
        self.iso_sums: list[np.ndarray] = []
        self.seconds: list[float] = []
        self.elapsed = 0.0
        self.constant: column.SoilDrivers | None = None

    def add(self, drivers: column.SoilDrivers, dt: float) -> None:
        """Record the drivers of a step of ``dt`` s."""
        day = int(self.elapsed // SECONDS_PER_DAY)
        self.elapsed += dt
        shape = np.shape(drivers.theta)
        values = np.stack([np.broadcast_to(np.asarray(getattr(drivers, f) if getattr(drivers, f) is not None
                                                      else getattr(drivers, _STAND_IN[f]), dtype=float), shape)
                           for f in FIELDS])
        iso = None if drivers.litter_met_iso is None else np.stack(
            [drivers.litter_met_iso, drivers.litter_str_iso,
             np.zeros_like(drivers.litter_str_iso) if drivers.litter_cwd_iso is None else drivers.litter_cwd_iso])
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

    def day(self, k: int) -> column.SoilDrivers:
        """The mean drivers of day ``k`` (no plant N demand: :func:`integrate` sets it step by step)."""
        mean = self.sums[k] / self.seconds[k]
        fields = dict(zip(FIELDS, mean, strict=True))
        fields["plant_n_demand"] = np.zeros_like(fields["theta"])
        if self.iso_sums:
            fields["litter_met_iso"], fields["litter_str_iso"], fields["litter_cwd_iso"] = (self.iso_sums[k]
                                                                                          / self.seconds[k])
        # daily means hold no wetting rate: the offline years leave out the rewetting pulse of the Birch effect
        # (its osmotic shock, slaking and revival; the drought switch of dormancy acts on the daily water)
        return self.constant._replace(theta_previous=None, **fields)

    def steady_vegetation_litter(self, steady_litter_c) -> np.ndarray:
        """Set the recorded litter (C, N and isotopes alike) to a steady vegetation's; returns the scale.

        ``steady_litter_c`` (kg C m-2 per column over the cycle) is what a
        vegetation at steady state drops as litter over the cycle: its NPP
        less the harvest, none where that is negative (Xia et al. 2012,
        Geosci. Model Dev. 5, 1259, take the steady input as NPP).  The
        recorded litter is scaled to it both ways, raised at most
        :data:`MAX_LITTER_RAISE` times.  A vegetation dying back sheds more:
        a cold start's plants where the climate does not suit them (boreal
        shrubs and larch in the 2026-12 spin-up) shed 4-5 g N m-2 over the
        cycle and their few roots took back a tenth of it; repeated for a
        century, the rest piled up as mineral N.  A vegetation near steady
        state sheds more in some columns and less in others as the year's
        weather goes, and its soil must see the mean, its NPP.  A young,
        growing vegetation sheds much less than its NPP, which it can sustain
        only if the soil supplies the N; the cap bounds what the offline soil
        is asked to take and the next cycle records what it has grown to.
        Columns without recorded litter keep theirs (none).
        """
        rows = [FIELDS.index(f) for f in _LITTER_FIELDS]
        total = np.sum(self.sums, axis=0)
        litter_c = sum(total[FIELDS.index(f)] for f in ("litter_met_c", "litter_str_c", "litter_cwd_c"))
        steady = np.maximum(np.asarray(steady_litter_c, dtype=float), 0.0)
        scale = np.minimum(np.divide(steady, litter_c, out=np.ones_like(litter_c), where=litter_c > 0.0),
                           MAX_LITTER_RAISE)
        for day in self.sums:
            day[rows] *= scale
        for day in self.iso_sums:
            day *= scale
        return scale


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
    v = state.values
    # the shortfall of the plants' N store, kg N m-2: a steady vegetation uses the N it sheds as litter and
    # loses net to harvest, and asks the soil for the whole shortfall each step as the coupled plants do
    # (:func:`lsm.vegetation.n_uptake_demand`); root capacity decides when it is refilled
    shortfall = np.zeros(v.shape[1])
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
        # mineral N books of the repetition: summed mineral N, N entering that the plants and DON drainage do not
        # take, and N lost to NO3- leaching and the gases (kg N m-2)
        mineral_sum, kept, lost = np.zeros(v.shape[1]), np.zeros(v.shape[1]), np.zeros(v.shape[1])
        # coarse woody debris over the repetition: each step takes it from v to (v + input) e; the product of
        # the e and the inputs carried to the end give its periodic steady state (C, N; 13C, 14C)
        cwd_kept, cwd_carried = np.ones(v.shape[1]), np.zeros((2, v.shape[1]))
        cwd_kept_iso = None if shadow is None else np.ones((shadow.shape[0], v.shape[1]))
        cwd_carried_iso = None if shadow is None else np.zeros((shadow.shape[0], v.shape[1]))
        iso_decay = None if shadow is None else np.exp(-dt * np.array(
            [DECAY_RATE_14C_S if iso == "c14" else 0.0 for iso in ISOTOPES]))[:, None]
        for k in range(record.days):
            drivers = record.day(k)
            used = np.maximum(drivers.litter_met_n + drivers.litter_str_n + drivers.litter_cwd_n
                              + drivers.plant_n_net_export, 0.0) * dt
            for _ in range(steps):
                mean += v[feed_rows]
                if mean_iso is not None:
                    mean_iso += shadow[:, iso_rows]
                nstep += 1
                shortfall += used
                wood = np.stack(np.broadcast_arrays(drivers.litter_cwd_c * dt, drivers.litter_cwd_n * dt))
                seen = v[_CW_C] + wood[0]
                f = column.step(state, drivers._replace(plant_n_demand=shortfall), dt, params, shadow=shadow)
                e = 1.0 - np.divide(f.fragmented_cwd_c, seen, out=np.zeros_like(seen), where=seen > 0.0)
                cwd_kept *= e
                cwd_carried = (cwd_carried + wood) * e
                if shadow is not None:
                    cwd_kept_iso *= e * iso_decay
                    wood_iso = 0.0 if drivers.litter_cwd_iso is None else drivers.litter_cwd_iso * dt
                    cwd_carried_iso = (cwd_carried_iso + wood_iso) * e * iso_decay
                taken = f.plant_nh4 + f.plant_no3 + f.plant_don
                shortfall = np.maximum(shortfall - taken, 0.0)
                mineral_sum += v[_NH4] + v[_NO3]
                kept += f.input_n - taken - f.leached_don_n
                lost += f.leached_no3 + f.gaseous_n
        _cwd_steady_state(state, shadow, cwd_kept, cwd_carried, cwd_kept_iso, cwd_carried_iso)
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
    _mineral_n_steady_state(state, mineral_sum / max(nstep, 1), kept, lost)
    return change


def _cwd_steady_state(state, shadow, kept, carried, kept_iso, carried_iso) -> None:
    """Set the coarse woody debris to its periodic steady state over the repetition just run.

    Each step adds the wood litter ``I_j`` and fragments a share
    ``1 - e_j`` of what lies there (``e_j`` set by the step's temperature
    alone; 14C also decays), so over the repetition ``W_end = A W_start +
    B`` with ``A`` the product of the ``e_j`` (``kept``) and ``B`` the inputs
    carried to the end (``carried``, C and N).  The cycle repeats, so its
    steady state at this point of the cycle is ``B / (1 - A)``, seasonal
    swing included: the semi-analytic step of Xia et al. (2012) for a
    linear pool, exact for the discrete steps.  Columns that fragment
    nothing (``A = 1``) keep their debris.  The caller books the change
    with the rest.
    """
    v = state.values
    ok = kept < 1.0
    v[_CW_C] = np.where(ok, carried[0] / np.where(ok, 1.0 - kept, 1.0), v[_CW_C])
    v[_CW_N] = np.where(ok, carried[1] / np.where(ok, 1.0 - kept, 1.0), v[_CW_N])
    if shadow is not None:
        row = list(C_ROWS).index(_CW_C)
        ok_iso = kept_iso < 1.0
        shadow[:, row] = np.where(ok_iso, carried_iso / np.where(ok_iso, 1.0 - kept_iso, 1.0), shadow[:, row])


def _mineral_n_steady_state(state, mean_mineral, kept, lost) -> None:
    """Lower the mineral N of columns that hold more than their steady state to it (NH4+ and NO3- alike).

    With the organic pools and the vegetation steady, every kg of N that
    enters the soil and is not taken by the plants or drained as DON
    (``kept``: deposition, fixation, fertiliser and litter N less plant
    uptake and DON leaching over the last repetition) must leave as NO3-
    leaching or gases (``lost``), which are first order in the mineral N
    (``mean_mineral``, kg N m-2).  The steady mineral N is then
    ``mean_mineral kept / lost``, the semi-analytic step of Xia et al. (2012,
    Geosci. Model Dev. 5, 1259) for a linear pool, as for wood.  Soils that
    hold more carry the cold start's organic N that their steady organic
    matter cannot keep: mineralised over the offline century, it piled up
    as 100-250 g N m-2 in dry and frozen soils that lose little (real soils
    hold 1-10), and those soils would take millennia to lose it.  A soil
    below its steady state keeps its N (filling it is what the coupled
    years do), as does one that loses none or keeps none (mined by the
    plants, it has no steady state).  The caller books the change with the
    rest.
    """
    v = state.values
    mineral = v[_NH4] + v[_NO3]
    ok = (lost > 0.0) & (kept > 0.0)
    steady = np.divide(mean_mineral * kept, lost, out=mineral.copy(), where=ok)
    factor = np.divide(steady, mineral, out=np.ones_like(mineral), where=ok & (steady < mineral))
    v[_NH4] *= factor
    v[_NO3] *= factor


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
