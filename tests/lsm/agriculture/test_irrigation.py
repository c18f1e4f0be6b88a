"""Irrigation after CLM5: trigger, deficit, application over 4 h, cap, books."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm import hydrology
from lsm.agriculture.irrigation import (
    IrrigationParameters,
    IrrigationState,
    check_due,
    local_solar_time_s,
    root_zone_water,
    root_zone_weights,
    step,
    water_content_at_suction,
)
from lsm.hydrology import DEFAULT_LAYER_THICKNESS_M, DENSITY_WATER_KG_M3, SoilHydraulics

DZ = np.array(DEFAULT_LAYER_THICKNESS_M)
HOUR = 3600.0
DAY = 86400.0
# sand, loam, clay (sand and clay mass fractions)
HYD = SoilHydraulics.from_texture(np.array([0.92, 0.43, 0.22]), np.array([0.03, 0.18, 0.58]), nlayer=len(DZ))
NT = HYD.ntile
UNCAPPED = IrrigationParameters(max_irrigation_mm_day=1e9)


def expected_deficit(theta, hyd=HYD, depth=0.6, suction=3.4):
    """Deficit by hand: layers 0.05 + 0.15 + 0.30 m whole and 0.1 of the 0.5 m layer make the top 0.6 m."""
    weight = np.array([1.0, 1.0, 1.0, 0.2, 0.0, 0.0])
    target = np.minimum(hyd.theta_s * (hyd.psi_s_m / suction) ** (1.0 / hyd.b), hyd.theta_s)
    return np.sum((weight * DZ)[:, None] * DENSITY_WATER_KG_M3 * (target - theta), axis=0)


def run(state, theta, t0, dt, nstep, season=True, lon=0.0, params=UNCAPPED, hyd=HYD):
    outs = []
    for k in range(nstep):
        outs.append(step(state, theta, hyd, DZ, season, lon, t0 + k * dt, dt, params))
    return outs


def test_root_zone_weights_and_target():
    np.testing.assert_allclose(root_zone_weights(DZ, 0.6), [1, 1, 1, 0.2, 0, 0], rtol=1e-15)
    np.testing.assert_allclose(root_zone_weights(DZ, 10.0), 1.0)
    # the CLM5 target (-3400 mm) is just drier than field capacity (-3300 mm), wetter than the wilting point
    target = water_content_at_suction(HYD, 3.4)
    assert np.all(target < HYD.theta_fc) and np.all(target > HYD.theta_wp)
    np.testing.assert_allclose(water_content_at_suction(HYD, 150.0), HYD.theta_wp, rtol=1e-14)


def test_soil_at_field_capacity_gets_nothing():
    state = IrrigationState.zeros(NT)
    outs = run(state, HYD.theta_fc, 0.0, 1800.0, 3 * 48)    # three days of checks at lon 0
    assert not any(o.started.any() for o in outs)
    assert all(np.all(o.irrigation_kg_m2_s == 0.0) for o in outs)
    # the target itself does not trigger either: irrigation starts strictly below the threshold
    state = IrrigationState.zeros(NT)
    at_target = water_content_at_suction(HYD, 3.4)
    assert not step(state, at_target, HYD, DZ, True, 0.0, 6 * HOUR, 1800.0, UNCAPPED).started.any()


@pytest.mark.parametrize("dt", [600.0, 1800.0, HOUR, 2 * HOUR, 3 * HOUR])
def test_dry_root_zone_gets_exactly_the_deficit_over_four_hours(dt):
    theta = HYD.theta_wp.copy()
    deficit = expected_deficit(theta)
    assert np.all(deficit > 0.0)
    state = IrrigationState.zeros(NT)
    outs = run(state, theta, 6 * HOUR, dt, int(8 * HOUR / dt))       # steps starting at 06:00 local at lon 0
    first = outs[0]
    assert first.started.all()
    np.testing.assert_allclose(first.deficit_kg_m2, deficit, rtol=0, atol=1e-12)
    np.testing.assert_allclose(first.scheduled_kg_m2, deficit, rtol=0, atol=1e-12)
    applied = np.array([o.applied_kg_m2 for o in outs])
    rate = np.array([o.irrigation_kg_m2_s for o in outs])
    napply = int(np.ceil(4 * HOUR / dt))
    # constant rate deficit / 4 h while applying (a last step that reaches past 4 h carries the rest), then nothing
    for k in range(napply):
        covered = min(dt, 4 * HOUR - k * dt)
        np.testing.assert_allclose(applied[k], deficit * covered / (4 * HOUR), rtol=1e-12)
    np.testing.assert_allclose(rate[: int(4 * HOUR // dt)], np.broadcast_to(deficit / (4 * HOUR), (int(4 * HOUR // dt), NT)),
                               rtol=1e-12)
    assert np.all(applied[napply:] == 0.0)
    np.testing.assert_allclose(applied.sum(axis=0), deficit, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(state.remaining_kg_m2, 0.0)


def test_the_maximum_caps_a_large_deficit():
    theta = HYD.theta_wp.copy()
    deficit = expected_deficit(theta)
    params = IrrigationParameters()                  # 20 mm d-1
    assert np.all(deficit > 20.0)
    state = IrrigationState.zeros(NT)
    outs = run(state, theta, 6 * HOUR, 1800.0, 16, params=params)
    np.testing.assert_allclose(outs[0].deficit_kg_m2, deficit, rtol=0, atol=1e-12)
    np.testing.assert_allclose(outs[0].scheduled_kg_m2, 20.0, rtol=1e-15)
    np.testing.assert_allclose(outs[0].irrigation_kg_m2_s, 20.0 / (4 * HOUR), rtol=1e-12)
    np.testing.assert_allclose(sum(o.applied_kg_m2 for o in outs), 20.0, rtol=0, atol=1e-12)
    # a small deficit is not capped
    small = water_content_at_suction(HYD, 4.0)
    state = IrrigationState.zeros(NT)
    out = step(state, small, HYD, DZ, True, 0.0, 6 * HOUR, 1800.0, params)
    np.testing.assert_allclose(out.scheduled_kg_m2, expected_deficit(small), rtol=0, atol=1e-12)
    assert np.all(out.scheduled_kg_m2 < 20.0)


def test_nothing_starts_outside_the_season_or_at_the_wrong_hour():
    theta = HYD.theta_wp.copy()
    dt = 1800.0
    # a whole day at lon 0: only the step starting at 06:00 UTC starts irrigation
    state = IrrigationState.zeros(NT)
    starts = [step(state.copy(), theta, HYD, DZ, True, 0.0, k * dt, dt, UNCAPPED).started.all() for k in range(48)]
    assert [k for k, s in enumerate(starts) if s] == [12]
    # at 90 E local time is UTC + 6 h: the check falls in the step starting at 00:00 UTC
    starts = [step(state.copy(), theta, HYD, DZ, True, 90.0, k * dt, dt, UNCAPPED).started.all() for k in range(48)]
    assert [k for k, s in enumerate(starts) if s] == [0]
    # out of season: never, at any hour
    state = IrrigationState.zeros(NT)
    outs = run(state, theta, 0.0, dt, 2 * 48, season=False)
    assert not any(o.started.any() for o in outs)
    assert all(np.all(o.applied_kg_m2 == 0.0) for o in outs)
    # per tile: only the tiles in season start
    state = IrrigationState.zeros(NT)
    out = step(state, theta, HYD, DZ, np.array([True, False, True]), 0.0, 6 * HOUR, dt, UNCAPPED)
    np.testing.assert_array_equal(out.started, [True, False, True])
    assert out.applied_kg_m2[1] == 0.0


def test_local_solar_time():
    np.testing.assert_allclose(local_solar_time_s(0.0, [0.0, 90.0, -90.0, 180.0, 360.0]),
                               [0.0, 6 * HOUR, 18 * HOUR, 12 * HOUR, 0.0])
    np.testing.assert_allclose(local_solar_time_s(10 * DAY + 3 * HOUR, 15.0), 4 * HOUR)


@settings(max_examples=80, deadline=None)
@given(dt=st.floats(60.0, DAY), t0=st.floats(0.0, 3 * DAY), lon=st.floats(-180.0, 360.0))
def test_the_check_comes_once_per_local_day_for_any_step(dt, t0, lon):
    start = 6 * HOUR
    nstep = int(np.ceil(5 * DAY / dt))
    due = [bool(check_due(t0 + k * dt, dt, lon, start)) for k in range(nstep)]
    # 06:00 local solar time happens at UTC instants start - lon/360 day (mod 1 day) inside [t0, t0 + nstep dt)
    first = (start - lon / 360.0 * DAY - t0) % DAY
    instants = np.arange(t0 + first, t0 + nstep * dt, DAY)
    assert len(instants) >= 4
    # each instant lies in exactly one step; only rounding right at a step edge could move it to a neighbour
    assert abs(sum(due) - len(instants)) <= 1
    offset = (instants - t0) % dt
    if np.all(np.minimum(offset, dt - offset) > 1e-6):
        assert sum(due) == len(instants)
        assert all(due[int((t - t0) // dt)] for t in instants)


def test_a_running_application_blocks_a_new_check():
    theta = HYD.theta_wp.copy()
    state = IrrigationState(np.full(NT, 5.0), np.full(NT, 2 * HOUR))
    out = step(state, theta, HYD, DZ, True, 0.0, 6 * HOUR, HOUR, UNCAPPED)
    assert not out.started.any()
    np.testing.assert_allclose(out.applied_kg_m2, 2.5)
    out = step(state, theta, HYD, DZ, True, 0.0, 7 * HOUR, HOUR, UNCAPPED)
    np.testing.assert_allclose(out.applied_kg_m2, 2.5)
    np.testing.assert_array_equal(state.seconds_left, 0.0)


def test_frozen_top_layer_ends_the_root_zone():
    theta = HYD.theta_wp.copy()
    t_soil = np.full(theta.shape, 280.0)
    t_soil[1] = 272.0
    rz = root_zone_water(theta, HYD, DZ, UNCAPPED, t_soil_K=t_soil)
    # only the top layer counts
    np.testing.assert_allclose(rz.water, DZ[0] * DENSITY_WATER_KG_M3 * theta[0], rtol=1e-15)
    t_soil[0] = 270.0
    state = IrrigationState.zeros(NT)
    out = step(state, theta, HYD, DZ, True, 0.0, 6 * HOUR, HOUR, UNCAPPED, t_soil_K=t_soil)
    assert not out.started.any()


def test_a_daily_step_applies_the_deficit_in_that_step():
    theta = HYD.theta_wp.copy()
    state = IrrigationState.zeros(NT)
    out = step(state, theta, HYD, DZ, True, 0.0, 0.0, DAY, UNCAPPED)
    np.testing.assert_allclose(out.applied_kg_m2, expected_deficit(theta), rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.irrigation_kg_m2_s, expected_deficit(theta) / DAY, rtol=1e-14)
    np.testing.assert_array_equal(state.remaining_kg_m2, 0.0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dt=st.sampled_from([600.0, 1800.0, HOUR, 3 * HOUR, 5 * HOUR, 7 * HOUR, DAY]),
       cap=st.floats(0.5, 200.0), threshold=st.floats(0.0, 1.0))
def test_books_water_applied_is_the_deficit_scheduled_at_the_trigger(seed, dt, cap, threshold):
    rng = np.random.default_rng(seed)
    n = 12
    sand, clay = rng.uniform(0.05, 0.9, n), rng.uniform(0.05, 0.6, n)
    clay = np.minimum(clay, 0.95 - sand)
    hyd = SoilHydraulics.from_texture(sand, clay, nlayer=len(DZ))
    theta = rng.uniform(hyd.theta_res, hyd.theta_s)
    lon = rng.uniform(-180.0, 180.0, n)
    season = rng.random(n) < 0.8
    params = IrrigationParameters(max_irrigation_mm_day=cap, threshold_fraction=threshold)
    rz = root_zone_water(theta, hyd, DZ, params)
    state = IrrigationState.zeros(n)
    applied = np.zeros(n)
    scheduled = np.zeros(n)
    nstep = int(np.ceil(1.5 * DAY / dt))                 # every tile meets its 06:00 once or twice
    for k in range(nstep):
        out = step(state, theta, hyd, DZ, season, lon, k * dt, dt, params)
        assert np.all(out.applied_kg_m2 >= 0.0) and np.all(state.remaining_kg_m2 >= 0.0)
        s = out.started
        below = rz.water < rz.wilting + threshold * (rz.target - rz.wilting)
        assert np.all(below[s]) and np.all(season[s])
        np.testing.assert_allclose(out.deficit_kg_m2[s], (rz.target - rz.water)[s], rtol=1e-13)
        np.testing.assert_allclose(out.scheduled_kg_m2, np.minimum(out.deficit_kg_m2, cap), rtol=1e-15)
        applied += out.applied_kg_m2
        scheduled += out.scheduled_kg_m2
    # finish what is under way
    while np.any(state.seconds_left > 0):
        applied += step(state, theta, hyd, DZ, False, lon, nstep * dt, dt, params).applied_kg_m2
        nstep += 1
    np.testing.assert_allclose(applied, scheduled, rtol=1e-13, atol=1e-13)
    assert np.all(scheduled[~season] == 0.0)


def test_the_flux_goes_into_the_hydrology_and_is_booked():
    state = hydrology.initial_state(HYD, relative_wetness=0.0)      # at the wilting point
    irr = IrrigationState.zeros(NT)
    dt = 1800.0
    gained = np.zeros(NT)
    before = hydrology.water_kg_m2(state, DZ)
    scheduled = np.zeros(NT)
    for k in range(12):
        out = step(irr, state.theta, HYD, DZ, True, 0.0, 6 * HOUR + k * dt, dt, UNCAPPED)
        scheduled += out.scheduled_kg_m2
        fl = hydrology.step(state, HYD, DZ, dt, 0.0, 0.0, out.irrigation_kg_m2_s, 290.0,
                            np.zeros((len(DZ), NT)), 0.0)
        gained += (out.irrigation_kg_m2_s - fl.surface_runoff - fl.drainage) * dt
        assert np.all(np.abs(fl.balance_residual_kg_m2) < 1e-9)
    np.testing.assert_allclose(hydrology.water_kg_m2(state, DZ) - before, gained, rtol=0, atol=1e-8)
    np.testing.assert_allclose(scheduled, expected_deficit(HYD.theta_wp), rtol=0, atol=1e-12)


def test_parameters_reject_bad_values():
    with pytest.raises(ValueError, match="root_zone_depth_m"):
        IrrigationParameters(root_zone_depth_m=0.0)
    with pytest.raises(ValueError, match="target_suction_m"):
        IrrigationParameters(target_suction_m=200.0)
    with pytest.raises(ValueError, match="threshold_fraction"):
        IrrigationParameters(threshold_fraction=1.5)
    with pytest.raises(ValueError, match="application_hours"):
        IrrigationParameters(application_hours=25.0)
    with pytest.raises(ValueError, match="dt_s"):
        step(IrrigationState.zeros(NT), HYD.theta_wp, HYD, DZ, True, 0.0, 0.0, 2 * DAY)
    p = IrrigationParameters()
    assert (p.start_local_time_s, p.application_s, p.max_kg_m2_per_event) == (21600.0, 14400.0, 20.0)
