"""Management of the crop tiles with the vegetation: grain growth, harvest, sowing, products; exact books."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm import hydrology, vegetation
from lsm.agriculture import crops, management
from lsm.agriculture.management import LEGUME_NDFA, SEED_C_KG_M2, Management, ManagementSettings
from lsm.pfts import pft_index

DAY = 86400.0
PFTS = np.array([pft_index(n) for n in ("c3_crop", "c4_crop", "legume_crop", "c3_grass")])


def make(settings=None, gdd=2500.0):
    m = Management(PFTS, lat_deg=45.0, lon_deg=10.0, settings=settings or ManagementSettings(), gdd_climatology=gdd)
    veg = vegetation.init_state(PFTS, leaf_c=0.05, froot_c=0.05, t_air_k=290.0)
    return m, veg


def carbon(m, veg):
    return veg.total_c() + m.carbon_kg_m2()


def nitrogen(m, veg):
    return veg.plant_n + m.nitrogen_kg_m2()


def begin(m, veg, doy, t=293.15, dt=3 * 3600.0):
    nlayer = len(hydrology.DEFAULT_LAYER_THICKNESS_M)
    hyd = hydrology.SoilHydraulics.from_texture(np.full(4, 0.4), np.full(4, 0.2), nlayer=nlayer)
    water = hydrology.initial_state(hyd, relative_wetness=0.5)
    dz = np.asarray(hydrology.DEFAULT_LAYER_THICKNESS_M)
    return m.begin(veg, np.full(4, t), water.theta, hyd, dz, np.full((len(dz), 4), t), doy, 6 * 3600.0, dt)


def test_clearing_a_field_without_a_crop_conserves_carbon_and_nitrogen():
    """A state from a run without management: the standing 'crop' of a fallow field goes to the litter."""
    m, veg = make(NO_FERTILISER)
    c0, n0 = carbon(m, veg), nitrogen(m, veg)
    dt = 3 * 3600.0
    s = begin(m, veg, doy=20, t=270.0, dt=dt)  # January: nothing sown in the north
    crop = m.managed
    assert np.all(veg.leaf_c[crop] == 0) and np.all(veg.plant_n[crop] == 0)
    assert veg.leaf_c[~crop] > 0  # the grass is left alone
    lit_c, lit_n = (s.litter_met_c + s.litter_str_c) * dt, (s.litter_met_n + s.litter_str_n) * dt
    np.testing.assert_allclose(carbon(m, veg) + lit_c, c0, rtol=1e-14, atol=0)
    np.testing.assert_allclose(nitrogen(m, veg) + lit_n, n0, rtol=1e-14, atol=0)
    assert np.all(s.removed_c == 0)  # clearing removes nothing


def test_sowing_puts_the_seed_into_leaves_and_roots_from_outside_then_from_products():
    m, veg = make(NO_FERTILISER)
    begin(m, veg, doy=20, t=270.0)  # clear the fields
    s = begin(m, veg, doy=130, t=295.0)  # warm May day: everything sown
    crop = m.managed
    assert np.all(m.crop.sown[crop] == 1)
    np.testing.assert_allclose((veg.leaf_c + veg.froot_c)[crop], SEED_C_KG_M2, rtol=1e-15)
    share = np.array([c.froot_alloc_initial for c in crops.CROPS])
    np.testing.assert_allclose(veg.froot_c[crop], SEED_C_KG_M2 * share, rtol=1e-15)
    # no product pool yet: the seed comes from outside and is booked as such
    np.testing.assert_allclose(s.seed_c_external[crop], SEED_C_KG_M2, rtol=1e-15)
    np.testing.assert_allclose(s.seed_n_external[crop], veg.plant_n[crop], rtol=1e-15)
    # the plant N holds the tissues' N and the usual store
    np.testing.assert_allclose(veg.plant_n[crop], (1 + vegetation.N_STORE_FRACTION)
                               * vegetation.tissue_n_requirement(veg, PFTS)[crop], rtol=1e-14)
    # next season, with grain in the product pool, the seed comes from there
    m2, veg2 = make(NO_FERTILISER)
    begin(m2, veg2, doy=20, t=270.0)
    m2.products.c_1yr[:] = 1.0
    m2.products.n_1yr[:] = 0.05
    s2 = begin(m2, veg2, doy=130, t=295.0)
    assert np.all(s2.seed_c_external == 0)
    np.testing.assert_allclose(m2.products.c_1yr[crop], 1.0 - SEED_C_KG_M2, rtol=1e-15)


def grow_season(m, veg, days, t=295.0, gpp=1.5e-7, dt=6 * 3600.0, start=130):
    """Run management and vegetation through ``days`` days with an unlimited soil N supply.

    Returns the C and N that entered the plants, grain and products from outside (net uptake from the air,
    seed, fixation and soil uptake) and that left them (litter, product decay), kg m-2.
    """
    c_in = c_out = n_in = n_out = 0.0
    for d in range(days):
        for k in range(int(DAY / dt)):
            s = begin(m, veg, doy=(start + d - 1) % 365 + 1, t=t, dt=dt)
            vf = vegetation.step(veg, PFTS, np.full(4, gpp), np.full(4, t), np.full(4, t), np.ones(4), dt,
                                 n_limitation=True, crop=s.control)
            m.add_grain(vf, dt)
            demand = vegetation.n_uptake_demand(veg, PFTS, dt)
            fix = m.legume_fixation(demand)
            vegetation.add_n_uptake(veg, demand)  # fixation and an unlimited soil meet the whole demand
            pd = m.decay_products(dt)
            soil_vf = m.with_litter(vf, s)
            c_in = c_in + (vf.gpp - vf.ra) * dt + s.seed_c_external
            n_in = n_in + demand + s.seed_n_external
            c_out = c_out + (soil_vf.litter_met_c + soil_vf.litter_str_c) * dt + pd.c_loss
            n_out = n_out + (soil_vf.litter_met_n + soil_vf.litter_str_n) * dt + pd.n_loss
            assert np.all(fix <= demand)
    return c_in, c_out, n_in, n_out


NO_FERTILISER = ManagementSettings(fertiliser=False, irrigation=False)


@settings(max_examples=5, deadline=None)
@given(st.floats(290.0, 300.0), st.sampled_from([3 * 3600.0, 6 * 3600.0, DAY]))
def test_a_season_closes_the_books_of_plants_grain_and_products(t, dt):
    m, veg = make(NO_FERTILISER)
    begin(m, veg, doy=20, t=270.0)
    c0, n0 = carbon(m, veg), nitrogen(m, veg)
    c_in, c_out, n_in, n_out = grow_season(m, veg, 200, t=t, dt=dt)
    crop = m.managed
    assert np.all(m.products.c_1yr[crop] > 0)  # grain grew and was harvested
    np.testing.assert_allclose(carbon(m, veg) - c0, c_in - c_out, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nitrogen(m, veg) - n0, n_in - n_out, rtol=1e-12, atol=1e-16)


def test_harvest_moves_grain_and_straw_to_products_and_the_rest_to_litter():
    m, veg = make(NO_FERTILISER)
    begin(m, veg, doy=20, t=270.0)
    grow_season(m, veg, 60, t=295.0)
    crop = m.managed
    assert np.all(veg.leaf_c[crop] > 10 * SEED_C_KG_M2) and m.crop.grain_c[0] > 0  # wheat is filling its grain
    m.crop.gdd_maturity[:] = np.where(crop, 1.0, 0.0)  # force maturity in the next step
    grain = m.crop.grain_c.copy()
    straw = (veg.leaf_c + veg.labile_c).copy()
    prod0 = m.products.c_1yr.copy()
    s = begin(m, veg, doy=200, t=295.0)
    assert np.all(s.harvested[crop]) and not np.any(s.harvested[~crop])
    np.testing.assert_allclose(s.grain_c[crop], grain[crop], rtol=1e-15)
    f = m.settings.straw_removal_fraction
    np.testing.assert_allclose(s.removed_c[crop], grain[crop] + f * straw[crop], rtol=1e-14)
    np.testing.assert_allclose(m.products.c_1yr[crop] - prod0[crop], s.removed_c[crop], rtol=1e-14)
    assert np.all(veg.leaf_c[crop] == 0) and np.all(m.crop.grain_c[crop] == 0)


def test_legume_grain_costs_more_carbon_than_cereal_grain():
    """Sinclair & de Wit (1975): the protein- and oil-rich soybean seed takes more photosynthate per gram."""
    n = 2
    pft = np.full(n, pft_index("c3_crop"))
    control = vegetation.CropControl(np.ones(n, bool), np.full(n, 0.3), np.full(n, 0.1), np.full(n, 0.6),
                                     np.full(n, 20.0), np.array([0.25, 0.6]))
    veg = vegetation.init_state(pft, leaf_c=0.05, froot_c=0.05)
    vf = vegetation.step(veg, pft, np.full(n, 2e-7), np.full(n, 293.0), np.full(n, 293.0), np.ones(n), DAY,
                         crop=control)
    assert vf.grain_c[1] == pytest.approx(vf.grain_c[0] * 1.25 / 1.6, rel=1e-12)
    assert vf.ra[1] > vf.ra[0]
    np.testing.assert_allclose(vf.residual, 0.0, atol=1e-16)
    # the two tiles assimilated the same: what the legume did not build, it respired
    assert vf.npp[1] == pytest.approx(vf.npp[0] - (vf.grain_c[0] - vf.grain_c[1]), rel=1e-12)


def test_legumes_fix_their_share_of_the_demand_and_crop_roots_take_up_faster():
    m, veg = make()
    m.crop.sown[:] = 1.0
    demand = np.full(4, 1e-4)
    fix = m.legume_fixation(demand)
    np.testing.assert_array_equal(fix, np.where(PFTS == pft_index("legume_crop"), LEGUME_NDFA * 1e-4, 0.0))
    np.testing.assert_array_equal(m.root_uptake_factor(),
                                  np.where(m.managed, management.CROP_ROOT_UPTAKE_FACTOR, 1.0))


def test_fertiliser_of_a_season_is_the_annual_rate_and_stops_when_switched_off():
    m, veg = make()
    begin(m, veg, doy=20, t=270.0)
    applied = np.zeros(4)
    dt = 6 * 3600.0
    for d in range(200):
        for k in range(4):
            s = begin(m, veg, doy=130 + d, t=295.0, dt=dt)
            applied += s.mineral_n
            vf = vegetation.step(veg, PFTS, np.full(4, 1.5e-7), np.full(4, 295.0), np.full(4, 295.0), np.ones(4),
                                 dt, crop=s.control)
            m.add_grain(vf, dt)
            vegetation.add_n_uptake(veg, vegetation.n_uptake_demand(veg, PFTS, dt))
    np.testing.assert_allclose(applied, m.mineral_rate, rtol=1e-12)
    assert np.all(applied[m.managed] > 0) and applied[~m.managed] == 0
    off, veg_off = make(ManagementSettings(fertiliser=False))
    begin(off, veg_off, doy=20, t=270.0)
    s = begin(off, veg_off, doy=130, t=295.0)
    assert np.all(off.mineral_rate == 0) and np.all(s.mineral_n == 0) and np.all(s.manure_c == 0)
