"""Plant N uptake by mycorrhizal type, N inputs, nitrification and nitrate leaching."""

import numpy as np
import pytest

from lsm.soil_bgc.leaching import nitrate_leaching
from lsm.soil_bgc.mycorrhiza import AM, AMINO_ACID_CN, ECM, ROOT_KM_N, mixed_parameters, potential_plant_n_uptake
from lsm.soil_bgc.nitrogen import ANOXIC_WFPS_CRIT, ANOXIC_WFPS_WIDTH, nitrification
from lsm.soil_bgc import column
from lsm.soil_bgc.nitrogen_inputs import (FIXATION_HALF_INHIBITION_MOL_L, FREE_LIVING_FIXATION_SHARE, G_M2_YR,
                                          biological_n_fixation, fixation_demand_factor, fixation_inhibition)
from tests.lsm.soil_bgc.conftest import DAY, make_drivers, make_state

HOUR = 3600.0


def _uptake(ecm, demand, nh4=1e-3, no3=1e-3, dom_c=0.01, dom_n=1e-3, root=0.2, t=298.15):
    return potential_plant_n_uptake(np.array([demand]), root, nh4, no3, dom_c, dom_n, t,
                                    mixed_parameters(np.array([ecm])), HOUR)


def test_am_takes_mineral_n_only_and_ecm_also_organic_n():
    am, ecm = _uptake(0.0, 1.0), _uptake(1.0, 1.0)
    assert am.don[0] == 0.0 and am.doc[0] == 0.0
    assert ecm.don[0] > 0.0
    # amino acids carry C at the C:N of protein, not at the DOM's C:N of 10
    assert ecm.doc[0] == pytest.approx(ecm.don[0] * AMINO_ACID_CN, rel=1e-12)
    rich = _uptake(1.0, 1.0, dom_c=0.01, dom_n=0.005)  # DOM of C:N 2, richer in N than protein
    assert rich.doc[0] == pytest.approx(rich.don[0] * 2.0, rel=1e-12)
    assert AM.vmax_organic == 0.0 < ECM.vmax_organic


def test_ecm_organic_uptake_saturates_in_the_dissolved_organic_n_not_its_carbon():
    """The fungi meet amino acids at the DON's concentration: N-poor DOM feeds them little, however much C it has."""
    poor = _uptake(1.0, 1.0, dom_c=0.05, dom_n=1e-5)  # DOM of C:N 5,000
    expected = ECM.vmax_organic * 0.2 * 1e-5 / (ROOT_KM_N + 1e-5) * HOUR
    assert poor.don[0] == pytest.approx(expected, rel=1e-12)
    assert _uptake(1.0, 1.0, dom_c=0.5, dom_n=1e-5).don[0] == pytest.approx(expected, rel=1e-12)
    rich = _uptake(1.0, 1.0, dom_c=0.05, dom_n=1e-3)
    assert rich.don[0] > 10.0 * poor.don[0]


def test_uptake_meets_the_demand_when_capacity_allows_and_shares_it_by_capacity():
    small = _uptake(0.0, 1e-9)
    assert small.nh4[0] + small.no3[0] == pytest.approx(1e-9, rel=1e-12)
    assert small.nh4[0] == pytest.approx(small.no3[0], rel=1e-12)  # equal pools, equal capacities
    big = _uptake(0.0, 1.0)  # capacity-limited: Michaelis-Menten in each pool, linear in root carbon
    expected = AM.vmax_mineral * 0.2 * 1e-3 / (ROOT_KM_N + 1e-3) * HOUR
    assert big.nh4[0] == pytest.approx(expected, rel=1e-12)
    assert _uptake(0.0, 1.0, root=0.0).nh4[0] == 0.0


def test_biological_fixation_follows_the_clm4_relation():
    npp = np.array([0.0, 500.0, 1e5]) * G_M2_YR
    bnf = biological_n_fixation(npp) / G_M2_YR
    np.testing.assert_allclose(bnf, [0.0, 1.8 * (1 - np.exp(-1.5)), 1.8], rtol=1e-12)
    assert biological_n_fixation(-1.0) == 0.0


def test_mineral_n_in_the_soil_solution_holds_fixation_back():
    water = 300.0  # kg m-2
    half = FIXATION_HALF_INHIBITION_MOL_L * 0.014007 * water  # kg N m-2 at the half-inhibiting concentration
    f = fixation_inhibition(np.array([0.0, half, 9 * half, half, 1.0]), np.array([water] * 3 + [0.0, water]))
    np.testing.assert_allclose(f[:3], [1.0, 0.5, 0.1], rtol=1e-12)
    assert f[3] == 0.0  # no liquid water (dry or frozen): no fixation
    assert f[4] < f[2]


def test_fixation_falls_as_mineral_n_piles_up_in_a_soil_that_cannot_lose_it():
    """A column without drainage: mineral N accumulates and, booked as input, fixation falls below potential."""
    d = make_drivers(2, drainage_mm_yr=0.0, fixation_g=2.0)
    s = make_state(2)
    s.n("no3")[1] = 0.2  # 200 g N m-2 of nitrate, as in the dry savannas of the old spin-up
    mineral = s.n("nh4") + s.n("no3")
    f = column.step(s, d, DAY)
    potential = 2.0 * G_M2_YR * DAY
    half = FIXATION_HALF_INHIBITION_MOL_L * 0.014007 * d.water_kg_m2
    # roots meet the plants' demand from this N-rich soil: only the free-living fixers work
    np.testing.assert_allclose(f.fixation_n, FREE_LIVING_FIXATION_SHARE * potential * half / (half + mineral),
                               rtol=1e-12)
    assert f.fixation_n[1] < 0.05 * FREE_LIVING_FIXATION_SHARE * potential
    np.testing.assert_allclose(f.input_n - f.fixation_n, (d.litter_met_n + d.litter_str_n + d.n_deposition) * DAY,
                               rtol=1e-12)


def test_nitrification_stops_in_frozen_soil_and_never_exceeds_the_pool():
    nh4 = np.full(3, 1e-3)
    got = nitrification(nh4, np.array([263.15, 288.15, 308.15]), np.full(3, 0.6), 1e9)
    assert got[0] == 0.0 and np.all(got <= nh4) and got[2] > 0.0
    # at WFPS 0.4 the soil is aerated (anoxic share 0.0025) and water films limit: f_W = (0.4/0.6) (1 - f_anox)
    fast = nitrification(nh4, np.full(3, 298.15), np.full(3, 0.4), 86400.0, ph=7.0)
    f_w = 0.4 / 0.6 * (1.0 - 1.0 / (1.0 + np.exp((ANOXIC_WFPS_CRIT - 0.4) / ANOXIC_WFPS_WIDTH)))
    f_ph = 0.56 + np.arctan(0.9 * np.pi) / np.pi
    assert fast[0] == pytest.approx(1e-3 * -np.expm1(-0.1 * (-0.06 + 0.13 * np.exp(1.75)) * f_w * f_ph), rel=1e-12)


def test_leaching_carries_the_drained_fraction_of_nitrate():
    no3 = np.full(3, 2e-3)
    got = nitrate_leaching(no3, np.array([0.0, 1e-5, 1.0]), np.full(3, 300.0), 3600.0)
    np.testing.assert_allclose(got, 2e-3 * -np.expm1(-np.array([0.0, 1e-5, 1.0]) * 3600 / 300), rtol=1e-12)


def test_symbiotic_fixation_runs_only_on_the_demand_that_root_uptake_leaves_unmet():
    f = FREE_LIVING_FIXATION_SHARE
    factor = fixation_demand_factor(np.array([1.0, 1.0, 1.0, 0.0, 2.0]), np.array([1.0, 0.25, 0.0, 0.0, 3.0]))
    np.testing.assert_allclose(factor, [f, f + (1 - f) * 0.75, 1.0, f, f], rtol=1e-15)


def test_a_plant_short_of_n_fixes_more_than_one_the_soil_feeds():
    """Same soil, same potential: a plant whose roots find little mineral N gets the symbiotic part too."""
    d = make_drivers(2, fixation_g=2.0, demand_g_m2_yr=40.0)
    s = make_state(2)
    s.n("nh4")[0], s.n("no3")[0] = 1e-6, 1e-6  # N-poor: roots meet a sliver of the demand
    f = column.step(s, d, DAY)
    potential = 2.0 * G_M2_YR * DAY
    assert f.fixation_n[0] > 0.9 * potential
    assert f.fixation_n[1] < 0.5 * f.fixation_n[0]
