"""Offline soil spin-up over recorded drivers (lsm.soil_bgc.spinup)."""

import numpy as np
import pytest

from lsm.soil_bgc import column, spinup
from lsm.soil_bgc.spinup import DriverRecord, integrate

from tests.lsm.soil_bgc.conftest import make_drivers, make_state

HOUR = 3600.0


def _varying_day(n, hour):
    """Drivers of an hour of a day with a diurnal temperature cycle and a drainage pulse."""
    d = make_drivers(n, dt=HOUR, t_k=288.15 + 3.0 * np.sin(2 * np.pi * hour / 24) + np.linspace(-5, 5, n))
    return d._replace(drainage=d.drainage * (4.0 if hour in (6, 7) else 0.5))


def test_daily_means_reproduce_the_recorded_drivers():
    rec = DriverRecord()
    hours = [_varying_day(3, h) for h in range(48)]
    for d in hours:
        rec.add(d, HOUR)
    assert rec.days == 2
    day = rec.day(1)
    np.testing.assert_allclose(day.t_soil_k, np.mean([d.t_soil_k for d in hours[24:]], axis=0), rtol=1e-14)
    np.testing.assert_allclose(day.drainage, np.mean([d.drainage for d in hours[24:]], axis=0), rtol=1e-14)
    # the coupled plants' demand (their store's shortfall) is not recorded: the offline years set their own
    np.testing.assert_array_equal(day.plant_n_demand, 0.0)
    assert day.mycorrhiza is hours[-1].mycorrhiza


def _rows(*pools):
    from lsm.soil_bgc.pools import VARIABLES

    return [VARIABLES.index(f"{p}_{e}") for p in pools for e in "cn"]


def _direct_years(state, drivers, dt, steps_per_year, years, params=None):
    """Step the column itself, setting the occluded pool to ``k_f / k_b`` times the mean free structural
    litter and the strongly bound MAOM to ``k_a / k_r`` times the mean exchangeable MAOM at the end of each
    year, as the offline years do; the plants ask for the shortfall of a store that the litter N and net
    export drain and their uptake refills.  At the end, mineral N above ``mean x kept / lost`` of the last
    year is lowered to it, NH4+ and NO3- alike.  Returns the plants' uptake per year, kg N m-2."""
    from lsm.soil_bgc.pools import VARIABLES

    params = column.SoilBgcParameters() if params is None else params
    free, occluded, exchangeable, bound = _rows("litter_recalcitrant"), _rows("aggregate"), _rows("maom"), \
        _rows("maom_stable")
    mineral_rows = [VARIABLES.index("nh4_n"), VARIABLES.index("no3_n")]
    used = (drivers.litter_met_n + drivers.litter_str_n + drivers.plant_n_net_export) * dt
    shortfall, taken = np.zeros_like(used), []
    for _ in range(years):
        fed = []
        taken.append(np.zeros_like(used))
        mineral, kept, lost = np.zeros_like(used), np.zeros_like(used), np.zeros_like(used)
        for _ in range(steps_per_year):
            fed.append(state.values[free + exchangeable].copy())
            shortfall = shortfall + used
            f = column.step(state, drivers._replace(plant_n_demand=shortfall), dt, params)
            got = f.plant_nh4 + f.plant_no3 + f.plant_don
            shortfall = shortfall - got
            taken[-1] += got
            mineral += state.values[mineral_rows].sum(axis=0)
            kept += f.input_n - got - f.leached_don_n
            lost += f.leached_no3 + f.gaseous_n
        mean = np.mean(fed, axis=0)
        state.values[occluded] = params.aggregate_formation_s / params.aggregate_breakdown_s * mean[:2]
        state.values[bound] = params.maom_stabilisation_s / params.maom_destabilisation_s * mean[2:]
    steady = mineral / steps_per_year * kept / lost
    now = state.values[mineral_rows].sum(axis=0)
    above = (kept > 0) & (lost > 0) & (steady < now)
    state.values[mineral_rows] *= np.where(above, steady / np.where(above, now, 1.0), 1.0)
    return taken


def test_offline_years_are_the_column_model_run_over_the_record():
    """Integrating over a record of constant drivers is stepping the column itself (with the occluded pool's
    steady state at the end of each repetition), to rounding."""
    n, dt = 3, 6 * HOUR
    d = make_drivers(n, dt=dt, t_k=np.array([275.0, 288.0, 300.0]))
    rec = DriverRecord()
    for _ in range(8):  # two days of 6-hour steps
        rec.add(d, dt)
    offline, direct = make_state(n), make_state(n)
    change = integrate(offline, rec, column.SoilBgcParameters(), years=3, dt=dt)
    c0 = direct.total_c()
    _direct_years(direct, d, dt, 8, 3)
    np.testing.assert_allclose(offline.values, direct.values, rtol=1e-12, atol=1e-18)
    assert len(change) == 3 and change[-1] > 0
    assert change[0] + change[1] + change[2] >= np.max(np.abs(direct.total_c() - c0)) * (1 - 1e-12)


def test_offline_step_must_divide_a_day_and_a_record_is_needed():
    rec = DriverRecord()
    with pytest.raises(ValueError, match="no drivers recorded"):
        integrate(make_state(1), rec, column.SoilBgcParameters(), 1, HOUR)
    rec.add(make_drivers(1, dt=HOUR), HOUR)
    with pytest.raises(ValueError, match="must divide a day"):
        integrate(make_state(1), rec, column.SoilBgcParameters(), 1, 7 * HOUR)


def test_offline_plants_take_up_the_n_their_litter_and_harvest_carry_away():
    """Whatever the coupled plants asked for (their store's shortfall: 30 or 8 g N m-2 yr-1 recorded), the
    offline plants of a steady vegetation take up, once their store has settled, the N of their litter and
    harvest over each cycle, when their roots can (here in a well-supplied column); without roots they take
    none and the symbiotic fixers make up for it."""
    n, dt = 3, 6 * HOUR
    d = make_drivers(n, dt=dt, demand_g_m2_yr=np.array([30.0, 8.0, 8.0]))
    d = d._replace(plant_n_net_export=np.array([0.0, 2e-3, 0.0]) / (365 * 86400.0),
                   root_c=d.root_c * np.array([1.0, 1.0, 0.0]))
    rec = DriverRecord()
    for _ in range(4):
        rec.add(d, dt)
    offline, direct = make_state(n), make_state(n)
    integrate(offline, rec, column.SoilBgcParameters(), years=6, dt=dt)
    taken = _direct_years(direct, d, dt, 4, 6)
    np.testing.assert_allclose(offline.values, direct.values, rtol=1e-12, atol=1e-18)
    used = (d.litter_met_n + d.litter_str_n + d.plant_n_net_export) * 4 * dt
    np.testing.assert_allclose(taken[-1][:2], used[:2], rtol=1e-9)
    assert taken[-1][2] == 0.0


def test_offline_years_end_with_no_more_mineral_n_than_a_steady_soil_holds():
    """A soil holding a pile of NO3- (100 g N m-2, as the cold start's freed organic N left in dry soils) ends
    the offline years at ``mean mineral N x kept / lost`` of the last repetition, where ``kept`` is the N
    entering less plant uptake and DON drainage and ``lost`` the NO3- leaching and gases: its losses then
    balance its inputs.  A soil below that keeps its N."""
    from lsm.soil_bgc.pools import VARIABLES

    nh4, no3 = VARIABLES.index("nh4_n"), VARIABLES.index("no3_n")
    n, dt = 2, 6 * HOUR
    # more than the DON drainage takes: the soils gain N; the second as fast as a heavily fertilised field
    # (30 g N m-2 yr-1), which puts its steady state above its mineral N
    d = make_drivers(n, dt=dt, deposition_g=np.array([3.0, 30.0]))
    rec = DriverRecord()
    for _ in range(8):
        rec.add(d, dt)
    offline, direct = make_state(n), make_state(n)
    for st in (offline, direct):
        st.values[no3] = [0.1, 1e-4]
    integrate(offline, rec, column.SoilBgcParameters(), years=1, dt=dt)
    # the same repetition stepped by hand, with its books
    used = (d.litter_met_n + d.litter_str_n + d.plant_n_net_export) * dt
    shortfall, mineral, kept, lost = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for _ in range(8):
        shortfall = shortfall + used
        f = column.step(direct, d._replace(plant_n_demand=shortfall), dt, column.SoilBgcParameters())
        taken = f.plant_nh4 + f.plant_no3 + f.plant_don
        shortfall = shortfall - taken
        mineral += direct.values[nh4] + direct.values[no3]
        kept += f.input_n - taken - f.leached_don_n
        lost += f.leached_no3 + f.gaseous_n
    steady = mineral / 8 * kept / lost
    end = direct.values[nh4] + direct.values[no3]
    assert steady[0] < 0.5 * end[0] and steady[1] > end[1]
    np.testing.assert_allclose(offline.values[nh4] + offline.values[no3], [steady[0], end[1]], rtol=1e-10)
    # NH4+ and NO3- keep their proportions
    np.testing.assert_allclose(offline.values[nh4] / offline.values[no3], direct.values[nh4] / direct.values[no3],
                               rtol=1e-10)


def test_offline_litter_is_a_steady_vegetations():
    """The recorded litter is set to the steady litter given (NPP less harvest): halved for a vegetation
    dying back, removed where the plants die (negative NPP), raised at most twice for a growing one, its C:N
    and isotope ratios kept, and a column without recorded litter keeps none."""
    n, dt = 4, 6 * HOUR
    d = _isotope_column(n, dt)[0]
    d = d._replace(litter_met_c=d.litter_met_c * np.array([1.0, 1.0, 1.0, 0.0]),
                   litter_str_c=d.litter_str_c * np.array([1.0, 1.0, 1.0, 0.0]),
                   litter_met_n=d.litter_met_n * np.array([1.0, 1.0, 1.0, 0.0]),
                   litter_str_n=d.litter_str_n * np.array([1.0, 1.0, 1.0, 0.0]),
                   litter_met_iso=d.litter_met_iso * np.array([1.0, 1.0, 1.0, 0.0]),
                   litter_str_iso=d.litter_str_iso * np.array([1.0, 1.0, 1.0, 0.0]))
    rec = DriverRecord()
    for _ in range(8):
        rec.add(d, dt)
    recorded = (d.litter_met_c + d.litter_str_c) * 8 * dt
    wanted = np.array([0.5, 3.0, -1.0, 3.0]) * np.where(recorded > 0, recorded, 1.0)
    scale = rec.steady_vegetation_litter(wanted)
    np.testing.assert_allclose(scale, [0.5, spinup.MAX_LITTER_RAISE, 0.0, 1.0], rtol=1e-12)
    assert spinup.MAX_LITTER_RAISE == 2.0
    day = rec.day(0)
    for field in ("litter_met_c", "litter_met_n", "litter_str_c", "litter_str_n"):
        np.testing.assert_allclose(getattr(day, field), getattr(d, field) * scale, rtol=1e-12)
    np.testing.assert_allclose(day.litter_met_iso, d.litter_met_iso * scale, rtol=1e-12)
    np.testing.assert_allclose(day.litter_str_iso, d.litter_str_iso * scale, rtol=1e-12)
    # what is not litter stays as recorded
    np.testing.assert_allclose(day.t_soil_k, d.t_soil_k, rtol=1e-14)
    np.testing.assert_allclose(day.n_fixation, d.n_fixation, rtol=1e-14)


def test_offline_litter_of_a_steady_vegetation_totals_its_npp():
    """A vegetation at steady state drops, column by column, more or less litter than its NPP as the year's
    weather goes: the offline soil is fed the NPP, both ways, so that its litter totals the NPP and not the
    lower of the two (which cut 6 % of the litter of a control year and left the coupled soil gaining C)."""
    n, dt = 200, 6 * HOUR
    d = _isotope_column(n, dt)[0]
    rec = DriverRecord()
    for _ in range(4):
        rec.add(d, dt)
    recorded = (d.litter_met_c + d.litter_str_c) * 4 * dt
    npp = recorded * (1.0 + 0.15 * np.sin(np.arange(n) * 2.4))  # +-15 %: year-to-year noise
    rec.steady_vegetation_litter(npp)
    day = rec.day(0)
    fed = (day.litter_met_c + day.litter_str_c) * 4 * dt
    np.testing.assert_allclose(fed, npp, rtol=1e-12)
    assert abs(fed.sum() - npp.sum()) < 1e-12 * npp.sum()


def _isotope_column(n, dt):
    """Drivers whose litter carries the atmosphere's 13C and 14C, and a state at those ratios."""
    from lsm.soil_bgc import isotopes
    from lsm.soil_bgc.pools import C_ROWS

    ratios = isotopes.atmosphere_ratios()
    d = make_drivers(n, dt=dt)
    d = d._replace(litter_met_iso=ratios[:, None] * d.litter_met_c, litter_str_iso=ratios[:, None] * d.litter_str_c)
    state = make_state(n)
    shadow = ratios[:, None, None] * state.values[C_ROWS]
    return d, state, shadow, ratios


def test_offline_years_carry_the_isotopes_and_age_the_radiocarbon():
    """Without fractionation in the soil every pool keeps the litter's 13C ratio; 14C decays with the years,
    so pools that turn over slowly end up depleted, more the slower (issue 7: 14C spin-up)."""
    from lsm.soil_bgc import isotopes
    from lsm.soil_bgc.pools import C_ROWS, VARIABLES

    day = 86400.0
    d, state, shadow, ratios = _isotope_column(2, day)
    rec = DriverRecord()
    rec.add(d, day)
    rec.add(d, day)
    integrate(state, rec, column.SoilBgcParameters(), years=60, dt=day, shadow=shadow)
    carbon = state.values[C_ROWS]
    names = [VARIABLES[i] for i in C_ROWS]
    held = carbon > 1e-9
    np.testing.assert_allclose(shadow[0][held] / carbon[held], ratios[0], rtol=1e-9)
    d14 = {n: isotopes.delta14c_permil(shadow[1, k], shadow[0, k], carbon[k]) for k, n in enumerate(names)}
    # labile litter turns over within a year, hardly aged; structural litter cycles through the aggregates
    # (six times its mass, a year each) and MAOM exchanges with the young DOM, both keep some age
    assert -0.5 < d14["litter_labile_c"][0] < 0.0
    assert max(d14["maom_c"][0], d14["litter_recalcitrant_c"][0]) < d14["litter_labile_c"][0]
    assert -50.0 < d14["maom_c"][0] < -0.01
    # the strongly bound MAOM is set to its steady state with the exchangeable MAOM that feeds it: over its
    # 500-year residence 14C decays by a factor (k_r + lambda) / k_r more, -57 per mil
    p = column.SoilBgcParameters()
    aged = p.maom_destabilisation_s / (p.maom_destabilisation_s + isotopes.DECAY_RATE_14C_S)
    assert aged == pytest.approx(0.943, abs=1e-3)
    assert 1.0 + d14["maom_stable_c"][0] / 1e3 == pytest.approx(aged * (1.0 + d14["maom_c"][0] / 1e3), rel=1e-3)
    assert np.all(shadow >= 0.0)


def test_offline_years_with_isotopes_need_recorded_litter_isotopes():
    d, state, shadow, _ = _isotope_column(2, 86400.0)
    rec = DriverRecord()
    rec.add(d._replace(litter_met_iso=None, litter_str_iso=None), 86400.0)
    with pytest.raises(ValueError, match="isotope"):
        integrate(state, rec, column.SoilBgcParameters(), years=1, dt=86400.0, shadow=shadow)


@pytest.mark.parametrize("feed, side, k_in, k_out, expected_ratio", [
    ("litter_recalcitrant", "aggregate", "aggregate_formation_s", "aggregate_breakdown_s", 365.0 / 60.0),
    ("maom", "maom_stable", "maom_stabilisation_s", "maom_destabilisation_s", 0.5),
])
def test_offline_years_set_the_linear_side_pools_to_their_steady_state(feed, side, k_in, k_out, expected_ratio):
    """After each offline year the aggregate pool holds ``k_f / k_b`` times the year's mean free structural
    litter and the strongly bound MAOM ``k_a / k_r`` times the mean exchangeable MAOM, C, N and isotopes alike
    (a linear pool's semi-analytic steady state)."""
    from lsm.soil_bgc.pools import C_ROWS

    day = 86400.0
    d, state, shadow, _ = _isotope_column(3, day)
    rec = DriverRecord()
    for _ in range(4):
        rec.add(d, day)
    params = column.SoilBgcParameters()
    (f_c, f_n), (s_c, s_n) = _rows(feed), _rows(side)
    probe = make_state(3)
    probe.values[:] = state.values
    probe_shadow = shadow.copy()
    fed, fed_iso = [], []
    for _ in range(4):  # the same year by hand: mean feeding pool over its steps
        fed.append(probe.values[[f_c, f_n]].copy())
        fed_iso.append(probe_shadow[:, list(C_ROWS).index(f_c)].copy())
        column.step(probe, d, day, params, shadow=probe_shadow)
    mean = np.mean(fed, axis=0)
    integrate(state, rec, params, years=1, dt=day, shadow=shadow)
    ratio = getattr(params, k_in) / getattr(params, k_out)
    assert ratio == pytest.approx(expected_ratio)
    np.testing.assert_allclose(state.values[s_c], ratio * mean[0], rtol=1e-12)
    np.testing.assert_allclose(state.values[s_n], ratio * mean[1], rtol=1e-12)
    from lsm.soil_bgc.isotopes import DECAY_RATE_14C_S

    settled = getattr(params, k_in) / (getattr(params, k_out) + np.array([0.0, DECAY_RATE_14C_S]))
    np.testing.assert_allclose(shadow[:, list(C_ROWS).index(s_c)], settled[:, None] * np.mean(fed_iso, axis=0),
                               rtol=1e-12)


def test_offline_years_set_the_coarse_woody_debris_to_its_periodic_steady_state():
    """Wood litter into a debris pool that fragments with a seasonal temperature: after one repetition the
    debris is where the cycle repeats itself, whatever it started from, C, N and 13C alike; 14C decays over
    its residence too (a linear pool's exact steady state; Xia et al. 2012)."""
    from lsm.soil_bgc import isotopes
    from lsm.soil_bgc.pools import C_ROWS

    day = 86400.0
    ratios = isotopes.atmosphere_ratios()
    wood_c = 0.2 / (365 * day)  # 200 g C m-2 yr-1 of dead wood
    rec = DriverRecord()
    for k in range(36):  # a year of 36 days, 2 to 25 degC
        d = make_drivers(2, t_k=286.6 + 11.5 * np.sin(2 * np.pi * k / 36) * np.ones(2))
        d = d._replace(litter_cwd_c=wood_c * np.ones(2), litter_cwd_n=wood_c / 500.0 * np.ones(2),
                       litter_met_iso=ratios[:, None] * d.litter_met_c,
                       litter_str_iso=ratios[:, None] * d.litter_str_c,
                       litter_cwd_iso=ratios[:, None] * wood_c * np.ones(2))
        rec.add(d, day)
    state = make_state(2)
    (cw_c, cw_n) = _rows("coarse_woody_debris")
    state.values[cw_c] = [0.0, 5.0]  # none, and 25 years of input
    state.values[cw_n] = state.values[cw_c] / 500.0
    shadow = ratios[:, None, None] * state.values[C_ROWS]
    params = column.SoilBgcParameters()
    integrate(state, rec, params, years=1, dt=day, shadow=shadow)
    first, first_iso = state.values[[cw_c, cw_n]].copy(), shadow[:, list(C_ROWS).index(cw_c)].copy()
    assert first[0, 0] == pytest.approx(first[0, 1], rel=1e-12)
    assert 0.5 < first[0, 0] < 5.0  # input over a mean fragmentation of 0.04-0.4 yr-1
    integrate(state, rec, params, years=1, dt=day, shadow=shadow)
    np.testing.assert_allclose(state.values[[cw_c, cw_n]], first, rtol=1e-12)
    np.testing.assert_allclose(shadow[:, list(C_ROWS).index(cw_c)], first_iso, rtol=1e-12)
    np.testing.assert_allclose(first[0] / first[1], 500.0, rtol=1e-12)
    np.testing.assert_allclose(first_iso[0] / first[0], ratios[0], rtol=1e-12)
    # radiocarbon: the debris is younger than a millennium but older than the litter
    aged = first_iso[1] / first[0] / ratios[1]
    assert np.all((aged < 1.0) & (aged > 0.999))
