"""The Birch effect on rewetting a dry soil and drought dormancy (lsm.soil_bgc.rewetting; issue 7, mechanisms 5-6)."""

import numpy as np
import pytest

from lsm.soil_bgc import column, rewetting
from lsm.soil_bgc.dormancy import switching
from lsm.soil_bgc.microbes import MAINTENANCE_RATE_REF
from lsm.soil_bgc.pools import SoilState
from tests.lsm.soil_bgc.conftest import make_drivers, make_state

HOUR = 3600.0
#: A loam (Clapp & Hornberger 1978) of porosity 0.45 dried to theta 0.12 (about -5.8 MPa, well below the
#: wilting point) and wetted to 0.30 (about -0.04 MPa, near field capacity).
THETA_DRY, THETA_WET = 0.12, 0.30
ALL_OFF = dict(birch_osmotic_shock=False, birch_aggregate_disruption=False, birch_dormant_revival=False)
ALL_ON = dict(birch_osmotic_shock=True, birch_aggregate_disruption=True, birch_dormant_revival=True)


def _psi(theta):
    return rewetting.matric_potential_mpa(np.asarray(theta, dtype=float), 0.45)


def test_matric_potential_follows_clapp_hornberger():
    psi = _psi([0.45, THETA_WET, THETA_DRY, 0.0])
    expected = -0.478 * (np.array([0.45, THETA_WET, THETA_DRY]) / 0.45) ** -5.39 * 9.80665e-3
    np.testing.assert_allclose(psi[:3], expected, rtol=1e-12)
    assert -6.0 < psi[2] < -5.5 and -0.05 < psi[1] < -0.03
    # an empty layer is air-dry (1e4 m of suction), not infinitely dry
    np.testing.assert_allclose(psi[3], -1e4 * 9.80665e-3, rtol=1e-12)


def test_osmotic_shock_kill_grows_with_the_wetting_rate_and_is_zero_on_drying():
    dry, wet = _psi(THETA_DRY), _psi(THETA_WET)
    rise = wet - dry
    s = rewetting.osmotic_shock(np.full(3, 0.2), np.full(3, 0.025), np.array([dry, dry, wet]),
                                np.array([wet, dry + 0.05, dry]), HOUR)
    excess = rise - rewetting.OSMOTIC_ACCLIMATION_MPA_S * HOUR
    f = rewetting.OSMOTIC_KILL_MAX_FRACTION * -np.expm1(-excess / rewetting.OSMOTIC_KILL_SCALE_MPA)
    np.testing.assert_allclose(s.killed_c[0], 0.2 * f, rtol=1e-12)
    np.testing.assert_allclose(s.co2_c[0], rewetting.OSMOTIC_MINERALISED_FRACTION * 0.2 * f, rtol=1e-12)
    np.testing.assert_allclose(s.nh4_n[0] + s.dom_n[0], 0.025 * f, rtol=1e-12)
    # a rise slower than the cells' acclimation (0.05 < 0.1 MPa in an hour) and drying kill nothing
    assert s.killed_c[1] == 0.0 and s.killed_c[2] == 0.0
    assert 0.2 < f < 0.3  # a wet-up from -5.8 MPa kills about a quarter (Kieft et al. 1987: 17-58 %)


def test_slaking_and_revival_scale_with_the_rise_of_water_potential():
    dry, wet = _psi(THETA_DRY), _psi(THETA_WET)
    psi_prev, psi = np.array([dry, -0.2, wet]), np.array([wet, -0.1, dry])
    slaked = rewetting.aggregate_disruption(np.ones(3), psi_prev, psi, HOUR)
    revived = rewetting.rewetting_revival(np.ones(3), psi_prev, psi)
    assert 0.0 < slaked[0] < rewetting.AGGREGATE_DISRUPTION_MAX_FRACTION and slaked[1] == slaked[2] == 0.0
    assert 0.49 < revived[0] <= rewetting.REVIVAL_MAX_FRACTION and revived[1] < 0.05 and revived[2] == 0.0


def test_drought_factor_switches_dormancy_by_water_potential():
    d = rewetting.drought_dormancy(np.array([-0.033, -1.5, -5.0]))
    np.testing.assert_allclose(d[1], 0.5, rtol=1e-12)
    assert d[0] < 1e-3 and d[2] > 0.9
    s = switching(np.full(3, 0.2), np.full(3, 0.1), np.full(3, 1e9), 0.01, MAINTENANCE_RATE_REF, 1.0, HOUR, drought=d)
    # with substrate saturating, drought alone deactivates; a moist soil keeps its cells active
    assert s.deactivated_c[2] > 100 * s.deactivated_c[0] and s.reactivated_c[2] < 0.1 * s.reactivated_c[0]


def _column_at(theta, theta_previous, n=1):
    d = make_drivers(n, dt=HOUR)
    return d._replace(theta=np.full(n, theta), theta_previous=np.full(n, theta_previous),
                      water_kg_m2=np.full(n, 1000.0 * theta), drainage=np.zeros(n))


def _rewet(dry_days=28, wet_hours=1, after_days=6, dormancy=True, **flags):
    """Hourly CO2 and its part from the osmotic shock (kg C m-2 per hour) of a column dried for ``dry_days``
    and wetted linearly in theta over ``wet_hours``."""
    p = column.SoilBgcParameters(dormancy=dormancy, **{**ALL_ON, **flags})
    s = make_state(1)
    prev = make_drivers(1).theta[0]
    for _ in range(dry_days * 24):
        column.step(s, _column_at(THETA_DRY, prev), HOUR, p)
        prev = THETA_DRY
    co2, birch = [], []
    for k in range(after_days * 24):
        theta = THETA_DRY + (THETA_WET - THETA_DRY) * min(1.0, (k + 1) / wet_hours)
        f = column.step(s, _column_at(theta, prev), HOUR, p)
        prev = theta
        co2.append(f.respiration_c[0])
        birch.append(f.birch_respiration_c[0])
    return np.array(co2), np.array(birch)


@pytest.fixture(scope="module")
def pulses():
    runs = {"all": {}, "no_shock": dict(birch_osmotic_shock=False),
            "no_aggregates": dict(birch_aggregate_disruption=False), "no_revival": dict(birch_dormant_revival=False)}
    return {name: _rewet(**flags)[0] for name, flags in runs.items()}


def _moist_rate():
    """Hourly CO2 of the same column never dried (the basal rate of a moist soil), kg C m-2 per hour."""
    s = make_state(1)
    p = column.SoilBgcParameters(dormancy=True)
    d = make_drivers(1, dt=HOUR)
    return np.mean([column.step(s, d, HOUR, p).respiration_c[0] for _ in range(48)])


def test_rewetting_a_dried_column_gives_a_pulse_that_peaks_within_a_day_and_decays_over_days(pulses):
    """After four weeks at -5.8 MPa a wet-up to -0.04 MPa in an hour gives the Birch pulse (Birch 1958):
    CO2 peaks within hours at many times the rate of a moist soil and falls back over days."""
    co2 = pulses["all"]
    basal = _moist_rate()
    peak_hour = int(np.argmax(co2))
    assert peak_hour < 24
    assert co2.max() > 10.0 * basal  # observed pulses: several to tens of times the basal rate
    # excess over the moist rate: still there after two days, down to less than 10 % of the peak's after five
    excess = co2 - basal
    assert excess[48] > 0.05 * excess.max()
    assert excess[5 * 24] < 0.1 * excess.max()
    # five-day extra CO2 of a few g C m-2 (field pulses after dry seasons: g C m-2 per event, Xu & Baldocchi
    # 2004, Agric. For. Meteorol. 123, 79)
    assert 2e-3 < excess[:5 * 24].sum() < 3e-2


def test_every_birch_process_adds_to_the_pulse(pulses):
    """With any one of the three processes off, the extra CO2 of five days after the wet-up is smaller."""
    five_days = {name: co2[:5 * 24].sum() for name, co2 in pulses.items()}
    for name in ("no_shock", "no_aggregates", "no_revival"):
        assert five_days[name] < 0.97 * five_days["all"], name


def test_faster_wetting_kills_more_active_biomass():
    """The same wet-up from -5.8 to -0.04 MPa: in one hour the osmotic shock kills more than over three days,
    when the cells follow part of the slower rise (active biomass only, so that revived cells do not add to
    the biomass at risk)."""
    kills = [_rewet(dry_days=3, wet_hours=hours, after_days=4, dormancy=False)[1].sum() for hours in (1, 12, 72)]
    assert kills[0] > kills[1] > kills[2] > 0.0
    assert kills[0] > 1.4 * kills[2]


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_books_close_with_every_birch_process_on(seed):
    """Random pools (some empty, some tiny) and random wetting and drying: C and N close to 1e-12."""
    rng = np.random.default_rng(seed)
    n = 64
    p = column.SoilBgcParameters(dormancy=True, **ALL_ON)
    state = make_state(n)
    state.c("microbes_dormant")[:] = 0.2
    state.n("microbes_dormant")[:] = 0.2 / 8.0
    state = SoilState(state.values * rng.choice([0.0, 1e-9, 0.1, 1.0, 30.0], size=state.values.shape))
    for _ in range(5):
        d = make_drivers(n, dt=HOUR)._replace(theta=rng.uniform(0.0, 0.45, n),
                                              theta_previous=rng.uniform(0.0, 0.45, n),
                                              t_soil_k=rng.uniform(250.0, 320.0, n))
        c0, n0 = state.total_c().copy(), state.total_n().copy()
        f = column.step(state, d, HOUR, p)
        assert np.all(state.values >= 0.0)
        assert np.any(f.birch_respiration_c > 0.0)
        err_c = state.total_c() - (c0 + f.input_c - f.respiration_c - f.lost_c)
        err_n = state.total_n() - (n0 + f.input_n - f.lost_n)
        assert np.all(np.abs(err_c / state.total_c()) <= 1e-12)
        assert np.all(np.abs(err_n / state.total_n()) <= 1e-12)


def test_drought_deactivates_active_biomass_when_dormancy_is_on():
    """Five days at -5.8 MPa with DOM in excess: the water-potential switch sends most active cells dormant."""
    def active_after(**kw):
        s = make_state(1)
        s.c("dom")[:] = 1.0
        s.n("dom")[:] = 0.1
        p = column.SoilBgcParameters(**kw)
        for _ in range(5 * 24):
            column.step(s, _column_at(THETA_DRY, THETA_DRY), HOUR, p)
        return s.c("microbes_active")[0], s.c("microbes_dormant")[0]

    active, dormant = active_after(dormancy=True, birch_dormant_revival=True)
    active_no_switch, dormant_no_switch = active_after(dormancy=True, birch_dormant_revival=False)
    assert dormant > 2.0 * dormant_no_switch and active < active_no_switch
    assert active_after(dormancy=False)[1] == 0.0


def test_defaults_leave_the_model_unchanged():
    """At the default switches (dormancy off) a wet-up changes nothing: the shipped spun-up state holds."""
    d = _column_at(THETA_WET, THETA_DRY, n=4)
    a, b = make_state(4), make_state(4)
    fa = column.step(a, d, HOUR)
    fb = column.step(b, d, HOUR, column.SoilBgcParameters(**ALL_OFF))
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(fa.respiration_c, fb.respiration_c)
    assert np.all(fa.birch_respiration_c == 0.0)
