"""Active and dormant microbial biomass (lsm.soil_bgc.dormancy)."""

import numpy as np

from lsm.soil_bgc import column
from lsm.soil_bgc.dormancy import DORMANT_MAINTENANCE_FRACTION, SWITCH_RATE_S, switching
from lsm.soil_bgc.microbes import MAINTENANCE_RATE_REF
from tests.lsm.soil_bgc.conftest import DAY, make_drivers, make_state

HOUR = 3600.0


def test_switching_follows_substrate_saturation():
    v, m, dt = SWITCH_RATE_S, MAINTENANCE_RATE_REF, 3 * DAY
    substrate = np.array([0.0, 0.01, 1e9])
    s = switching(np.full(3, 0.2), np.full(3, 0.1), substrate, 0.01, m, 1.0, dt)
    phi = substrate / (0.01 + substrate)  # 0, 1/2, ~1
    np.testing.assert_allclose(s.deactivated_c, 0.2 * -np.expm1(-(1 - phi) * v * dt), rtol=1e-12, atol=1e-20)
    np.testing.assert_allclose(s.reactivated_c, 0.1 * -np.expm1(-phi * v * dt), rtol=1e-9)
    np.testing.assert_allclose(s.dormant_maintenance_c, 0.1 * -np.expm1(-DORMANT_MAINTENANCE_FRACTION * m * dt),
                               rtol=1e-12)
    assert s.deactivated_c[2] < 1e-10 * s.deactivated_c[0] and s.reactivated_c[0] == 0.0


def _starve(dormancy, years=3):
    d = make_drivers(1, litter_g_m2_yr=0.0, dt=DAY)
    state = make_state(1, maom_c=0.0)
    for pool in ("litter_labile", "litter_recalcitrant", "dom", "aggregate"):
        state.c(pool)[:] = state.n(pool)[:] = 0.0
    # first-order death: the contrast is between dormancy and none, not the density dependence of death
    p = column.SoilBgcParameters(dormancy=dormancy, mortality_density_exponent=1.0)
    for _ in range(int(365 * years)):
        column.step(state, d, DAY, p)
    return state.c("microbes_active")[0] + state.c("microbes_dormant")[0]


def test_a_starved_community_survives_as_dormant_cells():
    """Without substrate, active-only biomass dies out at maintenance + first-order death; dormant cells persist."""
    without, with_dormancy = _starve(False), _starve(True)
    assert without < 1e-3 * 0.2
    assert with_dormancy > 0.3 * 0.2  # more than 30 % of the biomass left after 3 years
    assert with_dormancy > 100 * without


def _pulse(dormancy, dormant_share, hours=24 * 30):
    """Hourly CO2 after a labile C+N pulse into DOM, for one total biomass split active / dormant."""
    d = make_drivers(1, dt=HOUR, litter_g_m2_yr=0.0)
    s = make_state(1)
    total = s.c("microbes_active")[0]
    cn = s.c("microbes_active")[0] / s.n("microbes_active")[0]
    s.c("microbes_active")[:] = total * (1 - dormant_share)
    s.c("microbes_dormant")[:] = total * dormant_share
    s.n("microbes_active")[:] = s.c("microbes_active") / cn
    s.n("microbes_dormant")[:] = s.c("microbes_dormant") / cn
    s.c("dom")[:] += 0.05
    s.n("dom")[:] += 0.05 / 10.0
    p = column.SoilBgcParameters(dormancy=dormancy)
    return np.array([column.step(s, d, HOUR, p).respiration_c[0] for _ in range(hours)])


def test_dormant_biomass_gives_a_later_lower_longer_co2_peak():
    """Same pulse, same total biomass: mostly dormant cells respond later, lower and longer (Wang et al. 2015)."""
    active = _pulse(False, 0.0)
    dormant = _pulse(True, 0.9)
    t_active, t_dormant = np.argmax(active), np.argmax(dormant)
    assert t_dormant > t_active
    assert dormant.max() < 0.8 * active.max()

    def width(r):  # hours above half the peak
        return np.count_nonzero(r > 0.5 * r.max())

    assert width(dormant) > width(active)
