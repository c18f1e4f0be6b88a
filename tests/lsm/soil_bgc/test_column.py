"""The soil column step: exact books, non-negative pools, and the mechanisms that must emerge from it."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm.soil_bgc import column
from lsm.soil_bgc.pools import VARIABLES, SoilState
from tests.lsm.soil_bgc.conftest import DAY, make_drivers, make_state


def _books(state, drivers, dt, params=None):
    c0, n0 = state.total_c().copy(), state.total_n().copy()
    f = column.step(state, drivers, dt, params or column.SoilBgcParameters())
    err_c = state.total_c() - (c0 + f.input_c - f.respiration_c - f.lost_c)
    err_n = state.total_n() - (n0 + f.input_n - f.lost_n)
    return f, err_c / state.total_c(), err_n / state.total_n()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dt=st.sampled_from([1800.0, 3600.0, DAY]), amino=st.booleans())
def test_books_close_and_pools_stay_non_negative(seed, dt, amino):
    """Random pools (some empty, some tiny) and random weather: C and N close to 1e-12 per column and step."""
    rng = np.random.default_rng(seed)
    n = 64
    state = make_state(n)
    scale = rng.choice([0.0, 1e-9, 0.1, 1.0, 30.0], size=(len(VARIABLES), n))
    state = SoilState(state.values * scale)
    d = make_drivers(n, dt=dt)._replace(
        t_soil_k=rng.uniform(250.0, 320.0, n), theta=rng.uniform(0.0, 0.45, n),
        drainage=rng.choice([0.0, 1e-6, 1e-3], n), root_c=rng.choice([0.0, 0.5], n),
        plant_n_demand=rng.choice([0.0, 1e-5, 1.0], n), litter_cwd_c=rng.choice([0.0, 1e-8], n),
        litter_cwd_n=rng.choice([0.0, 2e-11], n))
    params = column.SoilBgcParameters(saprotroph_amino_acids=amino)
    for _ in range(5):
        f, err_c, err_n = _books(state, d, dt, params)
        assert np.all(state.values >= 0.0)
        assert np.all(np.abs(err_c) <= 1e-12) and np.all(np.abs(err_n) <= 1e-12)
        assert np.all(f.respiration_c >= 0.0)


def test_steady_column_keeps_its_microbes_and_sensible_pools():
    """Ten years of daily steps from the near-steady state: microbes persist at 1-3 % of soil C."""
    state = make_state(1)
    d = make_drivers(1)
    for _ in range(3650):
        f = column.step(state, d, DAY)
    share = state.c("microbes_active")[0] / state.total_c()[0]
    assert 0.005 < share < 0.03
    assert 5.0 < state.total_c()[0] < 20.0
    assert 0.2 < f.effective_cue[0] < 0.6


def _run(state, drivers, days, params=None):
    old_om, alpha = 0.0, 0.0
    for _ in range(days):
        f = column.step(state, drivers, DAY, params or column.SoilBgcParameters())
        old_om = old_om + f.depolymerised_r_c + f.depolymerised_maom_c
        alpha = alpha + f.alpha / days
    return old_om, alpha


def test_labile_pulse_primes_old_organic_matter():
    """A labile, N-free C pulse (glucose-like) on a soil short of mineral N, with N-rich recalcitrant matter
    (C:N 15): the microbes become N-limited, move their enzymes to R, and old organic matter (R and MAOM)
    decomposes faster than without the pulse.  Positive priming emerges from the allocation rule."""
    state = make_state(2)
    d = make_drivers(2, fixation_g=0.0, deposition_g=0.0, demand_g_m2_yr=10.0)
    _run(state, d, 365)
    state.n("no3")[:] = 1e-4
    state.n("nh4")[:] = 1e-4
    state.n("litter_recalcitrant")[:] = state.c("litter_recalcitrant") / 15.0
    state.c("litter_labile")[1] += 0.3  # 300 g C m-2 with no N
    # the microbes use the glucose first (preferential substrate use: old matter decomposes more slowly for the
    # first days), then the grown, N-starved community mines old matter: real priming builds over weeks
    # (Blagodatskaya & Kuzyakov 2008, Biol. Fertil. Soils 45, 115)
    runs = [_run(state, d, 10) for _ in range(6)]
    old_om = np.array([r[0] for r in runs])  # per 10-day window, (window, column)
    alpha = np.array([r[1] for r in runs])
    ratio = old_om[:, 1] / old_om[:, 0]
    assert ratio[0] < 1.0
    assert ratio.max() > 1.1
    assert old_om[:, 1].sum() > old_om[:, 0].sum()
    # while the pulse lasts the microbes are N-limited and put (nearly) all new enzyme on R; once the glucose
    # is used and the mining has released mineral N, the community is C-limited and turns back to the fresh
    # litter: the allocation follows the limitation both ways (Sinsabaugh & Follstad Shah 2012)
    assert alpha[:, 1].max() > alpha[:, 0].max() + 0.2
    assert alpha[:4, 1].mean() > alpha[:4, 0].mean()
    assert alpha[-1, 1] < alpha[-1, 0]


def test_recalcitrant_litter_decays_first_order_up_to_forest_floor_stocks():
    """Eight times the structural litter (0.5 -> 4 kg C m-2, the span of forest floors) with the same enzymes:
    nearly eight times the depolymerisation (first order, as litter bags show), not the ~1.8 times of enzymes
    saturated at the labile litter's half-saturation."""
    state = make_state(2)
    state.c("litter_recalcitrant")[:] = [0.5, 4.0]
    state.n("litter_recalcitrant")[:] = state.c("litter_recalcitrant") / 60.0
    f = column.step(state, make_drivers(2), 3600.0)
    ratio = f.depolymerised_r_c[1] / f.depolymerised_r_c[0]
    assert 4.0 < ratio <= 8.0


def test_without_optimal_allocation_there_is_no_shift():
    params = column.SoilBgcParameters(priming=False, fixed_alpha=0.3)
    state = make_state(2)
    d = make_drivers(2)
    state.c("litter_labile")[1] += 0.3
    _, alpha = _run(state, d, 10, params)
    np.testing.assert_allclose(alpha, 0.3, rtol=1e-12)


def test_gadgil_effect_ecm_slow_recalcitrant_decay_under_n_limitation():
    """ECM plants taking organic N leave saprotrophs N-limited: slower R decomposition than under AM plants.

    An N-poor soil (mineral-associated matter at C:N 25, mineral N used up, no fixation), N-poor litter (C:N
    40 and 150) and a large plant demand: the setting in which the Gadgil effect appears (Smith & Wan 2019).
    Both columns get identical inputs.  Under AM plants the saprotrophs win the mineral N; under ECM plants
    the fungi take the organic N first and the saprotrophs starve.
    """
    ecm = np.array([0.0, 1.0])
    d = make_drivers(2, ecm=ecm, met_cn=40.0, str_cn=150.0, fixation_g=0.0, deposition_g=0.1,
                     demand_g_m2_yr=10.0)
    state = make_state(2)
    state.n("maom")[:] = state.c("maom") / 25.0
    state.n("nh4")[:] = 1e-4
    state.n("no3")[:] = 1e-4
    _run(state, d, 3 * 365)
    stock_r, steps = [], []
    for _ in range(365):
        stock_r.append(state.c("litter_recalcitrant").copy())
        steps.append(column.step(state, d, DAY))
    dep_r = sum(f.depolymerised_r_c for f in steps)
    overflow = sum(f.overflow_respiration_c for f in steps)
    plant_n = sum(f.plant_nh4 + f.plant_no3 + f.plant_don for f in steps)
    assert overflow[0] > 0.0  # the saprotrophs are N-limited
    assert plant_n[1] > 10 * plant_n[0]  # the ECM plants get the N
    # the decay constant, what litter bags measure: with equal inputs and decay first order in the litter, the
    # flux returns towards the input as the litter piles up, and the effect shows in the constant and the stock
    decay_constant = dep_r / np.mean(stock_r, axis=0)
    assert decay_constant[1] < 0.5 * decay_constant[0]
    assert state.c("litter_recalcitrant")[1] > state.c("litter_recalcitrant")[0]
    assert state.c("microbes_active")[1] < state.c("microbes_active")[0]


def _gadgil_year(params):
    """The Gadgil test's AM and ECM columns after three years: R decay constant (yr-1), microbes, R stock."""
    d = make_drivers(2, ecm=np.array([0.0, 1.0]), met_cn=40.0, str_cn=150.0, fixation_g=0.0, deposition_g=0.1,
                     demand_g_m2_yr=10.0)
    state = make_state(2)
    state.n("maom")[:] = state.c("maom") / 25.0
    state.n("nh4")[:] = 1e-4
    state.n("no3")[:] = 1e-4
    _run(state, d, 3 * 365, params)
    stock_r, dep_r = [], 0.0
    for _ in range(365):
        stock_r.append(state.c("litter_recalcitrant").copy())
        dep_r = dep_r + column.step(state, d, DAY, params).depolymerised_r_c
    return dep_r / np.mean(stock_r, axis=0), state.c("microbes_active").copy(), state.c("litter_recalcitrant").copy()


def test_saprotrophs_taking_amino_acids_temper_the_gadgil_effect():
    """With the direct route of organic N (Schimel & Bennett 2004) the saprotrophs of the N-poor ECM column
    bid for the DON too: they keep more biomass, decay the structural litter faster and hold less of it than
    without it, while the ECM column still decays it more slowly than the AM one (a Gadgil effect remains;
    root exclusion sped litter decay by 11 % in a boreal forest, Sterkenburg et al. 2018, ISME J. 12, 2187).
    How strong it should be is not settled here: the switch is off by default."""
    k_off, b_off, r_off = _gadgil_year(column.SoilBgcParameters())
    k_on, b_on, r_on = _gadgil_year(column.SoilBgcParameters(saprotroph_amino_acids=True))
    assert b_on[1] > b_off[1] and k_on[1] > k_off[1] and r_on[1] < r_off[1]
    assert k_on[1] < k_on[0] and r_on[1] > r_on[0]
    # the switch tempers the effect: without it the ECM column decays at half the AM rate or less
    assert k_on[1] / k_on[0] > k_off[1] / k_off[0]


def test_an_extinct_community_recolonises_warm_wet_and_warm_dry_soils():
    """Microbes killed under a litter pile come back and decompose it, in the settings that trapped them.

    The state of warm grassland tiles of a global spin-up before the leached litter input, the
    moisture-limited sorption and the anaerobic uptake: 90 kg C m-2 of N-poor labile litter, no microbes
    (1e-12 kg C m-2), at 25-33 degC and relative saturation 0.38-0.89.  Without a DOM supply that needs no
    enzymes, with sorption drawing DOM down faster than the drying soil lets microbes take it, or with no
    uptake at all near saturation, the empty soil was a stable state and the pile grew for ever.
    """
    t = np.array([298.15, 303.15, 306.15, 300.15, 301.15])
    theta = np.array([0.33, 0.33, 0.27, 0.17, 0.40])
    d = make_drivers(5, t_k=t, theta=theta, met_cn=150.0, litter_g_m2_yr=1500.0)
    state = make_state(5)
    state.c("microbes_active")[:] = 1e-12
    state.n("microbes_active")[:] = 1e-12 / 8.0
    state.c("litter_labile")[:] = 90.0
    state.n("litter_labile")[:] = 0.5
    for _ in range(40 * 365):
        f = column.step(state, d, DAY)
    assert np.all(state.c("microbes_active") > 0.05)
    assert np.all(state.c("litter_labile") < 1.0)
    assert np.all(f.plant_nh4 + f.plant_no3 > 0.99 * d.plant_n_demand)


def test_litter_inoculum_reseeds_an_n_starved_tropical_forest_soil():
    """Microbes shed with the litter bring back a community that died out where trees take all mineral N.

    The state of the equatorial evergreen-forest tiles that stayed without microbes in the global spin-up:
    25 degC, relative saturation 0.82, labile litter of C:N 30 piled to 12 kg C m-2, mineral N drawn down to
    ~5e-7 kg N m-2 by a plant demand of 15 g N m-2 yr-1.  The leached litter input alone keeps DOM too low
    for growth to outpace death here, so without the inoculum the empty soil is a steady state; with it the
    community returns, decomposes the pile and the soil reaches the state a living community keeps.
    """
    def run(params):
        d = make_drivers(1, t_k=298.15, theta=0.37, met_cn=30.0, str_cn=100.0, litter_g_m2_yr=1000.0,
                         demand_g_m2_yr=15.0)
        state = make_state(1, maom_c=4.5)
        state.c("microbes_active")[:] = 0.0
        state.n("microbes_active")[:] = 0.0
        state.c("litter_labile")[:] = 12.0
        state.n("litter_labile")[:] = 0.4
        state.n("nh4")[:] = 4e-7
        state.n("no3")[:] = 6e-8
        for _ in range(15 * 365):
            f = column.step(state, d, DAY, params)
        return state, f, d

    # first-order death, under which those communities died out (density-dependent death keeps them alive:
    # test_density_dependent_death_keeps_a_wet_warm_community_alive); with it the stable MAOM also settles
    # within the 15 years, so the N books below can show a steady soil
    first_order = {"mortality_density_exponent": 1.0}
    without, _, _ = run(column.SoilBgcParameters(litter_inoculum_fraction=0.0, **first_order))
    assert without.c("microbes_active")[0] < 1e-9
    assert without.c("litter_labile")[0] > 12.0
    state, f, d = run(column.SoilBgcParameters(**first_order))
    assert 0.1 < state.c("microbes_active")[0] < 0.3
    assert state.c("litter_labile")[0] < 0.1
    # the community decomposes the whole input again: respiration within 2 % of the litter C input, and the
    # N it releases goes to the plants or is lost (gases, leaching) as fast as it comes in
    assert abs(f.respiration_c[0] / f.input_c[0] - 1.0) < 0.02
    assert abs(f.lost_n[0] / f.input_n[0] - 1.0) < 0.02
    assert f.plant_nh4[0] + f.plant_no3[0] > 0.9 * d.plant_n_demand[0]


def test_density_dependent_death_keeps_a_wet_warm_community_alive():
    """Death ``k (B / B_ref)^(beta - 1)`` (Georgiou et al. 2017) lets a thinning community recover.

    At 26 degC and a relative saturation of 0.77, the tropical-forest soils of the global spin-up, the DAMM O2
    limitation and the lower CUE leave first-order death faster than growth at the DOM that sorption allows,
    whatever the biomass: the community dwindles and the litter piles up behind its missing enzymes.  With
    quadratic death the death rate falls with the biomass and the community settles where growth meets it.
    """
    def run(beta):
        d = make_drivers(1, t_k=299.15, theta=0.77 * 0.45, litter_g_m2_yr=250.0, met_cn=30.0, demand_g_m2_yr=0.0)
        state = make_state(1, maom_c=6.0)
        state.c("microbes_active")[:] = 0.05
        state.n("microbes_active")[:] = 0.05 / 8.0
        for _ in range(15 * 365):
            column.step(state, d, DAY, column.SoilBgcParameters(mortality_density_exponent=beta))
        return state

    first, quadratic = run(1.0), run(2.0)
    assert first.c("microbes_active")[0] < 0.01
    assert first.c("litter_labile")[0] > 0.3
    assert quadratic.c("microbes_active")[0] > 0.03
    assert quadratic.c("litter_labile")[0] < 0.1


def test_density_dependent_death_is_first_order_death_at_the_reference_biomass():
    """At ``B = B_ref`` the factor is exactly 1: one step with ``beta`` 2 equals one with ``beta`` 1 bit for bit."""
    b_ref = column.SoilBgcParameters().mortality_reference_biomass_kg_m2
    d = make_drivers(2, litter_g_m2_yr=0.0)  # no litter, so no inoculum changes the biomass before death
    out = []
    for beta in (1.0, 2.0):
        state = make_state(2)
        state.c("microbes_active")[:] = [b_ref, 3.0 * b_ref]
        state.n("microbes_active")[:] = state.c("microbes_active") / 8.0
        column.step(state, d, DAY, column.SoilBgcParameters(mortality_density_exponent=beta))
        out.append(state.values.copy())
    np.testing.assert_array_equal(out[0][:, 0], out[1][:, 0])
    # three times the reference biomass dies three times as fast: less is left
    assert out[1][VARIABLES.index("microbes_active_c"), 1] < out[0][VARIABLES.index("microbes_active_c"), 1]
