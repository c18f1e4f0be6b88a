"""Leaf and canopy photosynthesis: hand-computed FvCB rates, Medlyn coupling, CO2, temperature, light."""

import numpy as np
import pytest

from lsm import photosynthesis as ps
from lsm.pfts import PFTS, pft_index

T25 = 298.15
BET = pft_index("broadleaf_evergreen_temperate_tree")
C3_PFTS = [i for i, p in enumerate(PFTS) if p.pathway == "C3"]
C4_PFTS = [i for i, p in enumerate(PFTS) if p.pathway == "C4"]


def _diurnal(t_mean_c=18.0, par_max=1500.0):
    """One clear day in 15-minute steps: PAR, leaf temperature (K) and VPD (Pa)."""
    h = np.arange(96) * 0.25
    par = np.maximum(0.0, par_max * np.sin(np.pi * (h - 6.0) / 12.0))
    t = 273.15 + t_mean_c + 5.0 * np.sin(np.pi * (h - 9.0) / 12.0)
    vpd = 800.0 + 500.0 * np.sin(np.pi * (h - 9.0) / 12.0)
    return par, t, vpd


def _daily_gpp(pft, ca, **kw):
    par, t, vpd = _diurnal(**kw)
    return ps.canopy_photosynthesis(np.full(par.shape, pft), par, 4.0, t, vpd, ca).gpp_kg_m2_s.mean()


def test_c3_rates_by_hand_at_25C_and_saturating_light():
    v = PFTS[BET].vcmax25
    kc, ko, gstar = ps.c3_kinetics(T25)
    assert (kc, ko, gstar) == pytest.approx((404.9, 278.4, 42.75), rel=1e-14)
    assert ps.peaked_arrhenius(T25, 71513.0, 200000.0, 641.64) == pytest.approx(1.0, rel=1e-14)
    jmax = 1.67 * v
    # Saturating light: J -> Jmax (I2 = 1e9 umol m-2 s-1).
    j = ps.electron_transport(np.array(1e9), jmax)
    assert j == pytest.approx(jmax, rel=1e-6)
    ci = np.array([100.0, 200.0, 300.0, 500.0, 800.0])
    wc, wj = ps.c3_gross_rates(ci, v, jmax, kc, ko, gstar)
    km = 404.9 * (1.0 + 209.5 / 278.4)  # 709.58 umol mol-1
    for c, a, b in zip(ci, wc, wj):
        assert a == pytest.approx(61.5 * (c - 42.75) / (c + km), rel=1e-12)
        assert b == pytest.approx(1.67 * 61.5 * (c - 42.75) / (4.0 * c + 342.0), rel=1e-12)
    # Worked number: ci = 300 -> Wc = 61.5 * 257.25 / 1009.58 = 15.671, Wj = 102.705 * 257.25 / 1542.
    assert wc[2] == pytest.approx(15.671, abs=1e-3)
    assert wj[2] == pytest.approx(17.134, abs=1e-3)
    # Rubisco limits at low ci, RuBP regeneration at high ci.
    assert wc[0] < wj[0] and wc[-1] > wj[-1]
    np.testing.assert_allclose(ps.colimit(wc, wj, 1.0), np.minimum(wc, wj), rtol=1e-14)
    smooth = ps.colimit(wc, wj, 0.98)
    assert np.all(smooth <= np.minimum(wc, wj)) and np.all(smooth > 0.9 * np.minimum(wc, wj))


def test_leaf_solution_matches_hand_rates_with_analytic_ci():
    """g0 = 0: Medlyn's ci/ca = g1/(g1 + sqrt(D)) and A from the hand formulas at that ci."""
    ca, vpd, apar = 400.0, 1000.0, 2000.0
    leaf = ps.leaf_photosynthesis(np.array([BET]), apar, T25, vpd, ca, g0=0.0)
    g1 = 4.12
    ci = ca * g1 / (g1 + 1.0)
    assert leaf.ci[0] == pytest.approx(ci, rel=1e-13)
    v = 61.5
    kc, ko, gstar = ps.c3_kinetics(T25)
    j = ps.electron_transport(0.5 * 0.85 * apar, 1.67 * v)
    wc, wj = ps.c3_gross_rates(ci, v, j, kc, ko, gstar)
    a = ps.colimit(wc, wj, 0.98)
    assert leaf.a_gross[0] == pytest.approx(a, rel=1e-12)
    assert leaf.rd[0] == pytest.approx(0.015 * v, rel=1e-12)
    assert leaf.gs[0] == pytest.approx(1.6 * (1.0 + g1) * (a - 0.015 * v) / ca, rel=1e-12)


@pytest.mark.parametrize("pft", [BET, pft_index("c4_grass"), pft_index("needleleaf_evergreen_tree")])
def test_joint_solution_with_residual_conductance(pft):
    n = 50
    rng = np.random.default_rng(1)
    apar = rng.uniform(20.0, 1500.0, n)
    t = rng.uniform(278.0, 313.0, n)
    vpd = rng.uniform(100.0, 4000.0, n)
    ca = rng.uniform(200.0, 1000.0, n)
    leaf = ps.leaf_photosynthesis(np.full(n, pft), apar, t, vpd, ca, beta=rng.uniform(0.2, 1.0, n))
    xi = 1.0 + ps.MEDLYN_G1[pft] / np.sqrt(vpd * 1e-3)
    on = leaf.an > 0
    assert on.sum() > 40
    # Diffusion and the Medlyn model hold together at the solution.
    np.testing.assert_allclose(leaf.an[on], leaf.gs[on] / 1.6 * (ca[on] - leaf.ci[on]), rtol=1e-8)
    np.testing.assert_allclose(leaf.gs, ps.MEDLYN_G0 + 1.6 * xi * np.maximum(leaf.an, 0) / ca, rtol=1e-12)
    assert np.all(leaf.ci[on] >= ca[on] * (1 - 1 / xi[on]) - 1e-9) and np.all(leaf.ci <= ca)


def test_co2_doubling_raises_c3_gpp_20_to_40_percent_and_c4_under_10():
    for pft in C3_PFTS:
        r = _daily_gpp(pft, 570.0) / _daily_gpp(pft, 285.0)
        assert 1.20 <= r <= 1.40, (PFTS[pft].name, r)
    for pft in C4_PFTS:
        r = _daily_gpp(pft, 570.0) / _daily_gpp(pft, 285.0)
        assert 1.0 <= r < 1.10, (PFTS[pft].name, r)


def test_temperature_optimum():
    tc = np.arange(0.0, 46.0, 1.0)
    topt = {}
    for pft in (BET, pft_index("c3_grass"), pft_index("c4_grass")):
        g = ps.canopy_photosynthesis(np.full(tc.shape, pft), 1200.0, 4.0, tc + 273.15, 1000.0, 400.0).gpp_kg_m2_s
        topt[pft] = tc[np.argmax(g)]
        # Cold leaves are slow; above the optimum the decline is gentler because
        # the acclimated Vcmax peaks near 37 degC (and C4 light-limited rates have no T response).
        assert g[0] < 0.3 * g.max() and g[-1] < 0.8 * g.max()
    assert 20.0 <= topt[BET] <= 35.0 and 20.0 <= topt[pft_index("c3_grass")] <= 35.0
    assert 28.0 <= topt[pft_index("c4_grass")] <= 40.0
    assert topt[pft_index("c4_grass")] > topt[BET]


def test_dark_canopy_has_no_gpp_only_respiration():
    pfts = np.array([p for p in range(1, len(PFTS))])
    c = ps.canopy_photosynthesis(pfts, 0.0, 3.0, 290.0, 1000.0, 400.0)
    assert np.all(c.gpp_kg_m2_s == 0.0)
    assert np.all(c.leaf_resp_kg_m2_s > 0.0)
    np.testing.assert_allclose(c.gc_mol_m2_s, ps.MEDLYN_G0 * 3.0, rtol=1e-12)


def test_bare_and_leafless_tiles_are_zero():
    c = ps.canopy_photosynthesis(np.array([0, BET]), 1000.0, np.array([3.0, 0.0]), 295.0, 1000.0, 400.0)
    assert np.all(c.gpp_kg_m2_s == 0) and np.all(c.leaf_resp_kg_m2_s == 0) and np.all(c.gc_m_s == 0)


def test_stomatal_conductance_falls_with_vpd():
    vpd = np.linspace(200.0, 5000.0, 25)
    for pft in (BET, pft_index("c4_grass")):
        c = ps.canopy_photosynthesis(np.full(vpd.shape, pft), 1000.0, 4.0, 298.15, vpd, 400.0)
        assert np.all(np.diff(c.gc_m_s) < 0) and np.all(np.diff(c.ci) < 0)


def test_water_stress_and_leaf_nitrogen():
    beta = np.array([0.0, 0.25, 0.5, 1.0])
    c = ps.canopy_photosynthesis(np.full(4, BET), 1000.0, 4.0, 295.0, 1000.0, 400.0, beta=beta)
    assert c.gpp_kg_m2_s[0] == 0.0 and np.all(np.diff(c.gpp_kg_m2_s) > 0) and np.all(np.diff(c.gc_m_s) > 0)
    assert ps.vcmax25_from_leaf_cn(BET, 15.0) == pytest.approx(2 * 61.5)
    rich = ps.canopy_photosynthesis(np.full(2, BET), 1000.0, 4.0, 295.0, 1000.0, 400.0,
                                    leaf_cn=np.array([30.0, 20.0])).gpp_kg_m2_s
    assert rich[1] > rich[0]


def test_canopy_integral_converged():
    """The 6-point Gauss-Legendre integral agrees with a 400-layer midpoint sum."""
    lai, par = 5.0, 1400.0
    c = ps.canopy_photosynthesis(np.array([BET]), par, lai, 297.0, 1200.0, 400.0, g0=0.0)
    n = 400
    depth = (np.arange(n) + 0.5) / n * lai
    kn = np.exp(0.00963 * 61.5 - 2.43)
    leaf = ps.leaf_photosynthesis(np.full(n, BET), 0.5 * par * np.exp(-0.5 * depth), 297.0, 1200.0, 400.0,
                                  g0=0.0, capacity_scale=np.exp(-kn * depth))
    ref = leaf.a_gross.sum() * lai / n * ps.KG_C_PER_UMOL_CO2
    assert c.gpp_kg_m2_s[0] == pytest.approx(ref, rel=1e-4)


def test_conductance_units():
    # Molar volume at 25 degC, 1 atm: 0.024465 m3 mol-1.
    assert ps.mol_to_m_per_s(1.0, T25, 101325.0) == pytest.approx(0.024465, rel=1e-4)
    c = ps.canopy_photosynthesis(np.array([BET]), 1500.0, 4.0, T25, 1000.0, 400.0)
    # Closed broadleaf canopies in summer: roughly 5-30 mm s-1.
    assert 0.005 < c.gc_m_s[0] < 0.03
    # Midday GPP of a temperate forest: ~ 20-50 umol m-2 s-1.
    assert 20.0 < c.gpp_kg_m2_s[0] / ps.KG_C_PER_UMOL_CO2 < 60.0


def _layered_sun_shade(pft, par, lai, mu, fd, n=2000, **kw):
    """Reference: many thin layers of sunlit and shaded leaves with de Pury & Farquhar's light profiles."""
    kb, kbs, kd = 0.5 / mu, 0.46 / mu, ps.KD_SCATTERED
    ib, idf = par * (1 - fd), par * fd
    L = (np.arange(n) + 0.5) / n * lai
    shade = (kd * (1 - ps.RHO_DIFFUSE) * idf * np.exp(-kd * L)
             + kbs * (1 - ps.RHO_BEAM) * ib * np.exp(-kbs * L) - kb * (1 - ps.SIGMA_LEAF) * ib * np.exp(-kb * L))
    sun = shade + kb * (1 - ps.SIGMA_LEAF) * ib
    kn = np.exp(ps.KN_SLOPE * ps.vcmax25_from_leaf_cn(np.array([pft]))[0] + ps.KN_INTERCEPT)
    f = np.exp(-kb * L)
    pf = np.full(n, pft)
    a_sun = ps.leaf_photosynthesis(pf, sun, capacity_scale=np.exp(-kn * L), **kw).a_gross
    a_sh = ps.leaf_photosynthesis(pf, shade, capacity_scale=np.exp(-kn * L), **kw).a_gross
    absorbed = np.sum(f * sun + (1 - f) * shade) * lai / n
    return np.sum(f * a_sun + (1 - f) * a_sh) * lai / n * ps.KG_C_PER_UMOL_CO2, absorbed


@pytest.mark.parametrize("pft", [BET, ps.pft_index("c4_grass")])
def test_two_big_leaves_match_thin_sunlit_and_shaded_layers(pft):
    kw = dict(t_leaf_k=298.15, vpd_pa=1000.0, co2_umol_mol=400.0)
    kn = np.exp(ps.KN_SLOPE * ps.vcmax25_from_leaf_cn(np.array([pft])) + ps.KN_INTERCEPT)
    for par, lai, mu, fd, tol in [(30.0, 4.0, 0.8, 0.3, 0.01), (1800.0, 4.0, 0.9, 0.2, 0.04),
                                  (800.0, 2.0, 0.4, 0.5, 0.04), (1500.0, 6.0, 0.6, 0.15, 0.04)]:
        ref, absorbed = _layered_sun_shade(pft, par, lai, mu, fd, **kw)
        parts = ps.sun_shade_partition(np.array([par]), np.array([lai]), np.array([mu]), np.array([fd]), kn)
        # the light absorbed by the two big leaves is the integral over the layers (analytic profiles)
        assert parts[2][0] + parts[3][0] == pytest.approx(absorbed, rel=1e-6)
        assert parts[0][0] + parts[1][0] == pytest.approx(lai, rel=1e-14)
        c = ps.canopy_photosynthesis(np.array([pft]), par, lai, 298.15, 1000.0, 400.0, cos_zenith=mu,
                                     diffuse_fraction=fd)
        # de Pury & Farquhar (1997) found the two-big-leaf model within a few per cent of the layered one
        assert c.gpp_kg_m2_s[0] == pytest.approx(ref, rel=tol), (par, lai, mu, fd)


def test_sunlit_and_shaded_canopy_is_below_the_mean_light_canopy_at_high_light():
    """Averaging light over sunlit and shaded leaves overstates a saturating response (Jensen's inequality)."""
    mean_light = ps.canopy_photosynthesis(np.array([BET]), 1800.0, 5.0, 298.15, 1000.0, 400.0).gpp_kg_m2_s[0]
    sun_shade = ps.canopy_photosynthesis(np.array([BET]), 1800.0, 5.0, 298.15, 1000.0, 400.0, cos_zenith=0.9,
                                         diffuse_fraction=0.2).gpp_kg_m2_s[0]
    assert sun_shade < 0.9 * mean_light


def test_erbs_diffuse_fraction_published_points():
    kt = np.array([0.1, 0.22, 0.5, 0.8, 0.9])
    fd = ps.diffuse_fraction_erbs(kt)
    assert fd[0] == pytest.approx(0.991) and fd[-1] == 0.165
    assert fd[2] == pytest.approx(0.9511 - 0.0802 + 1.097 - 2.07975 + 0.771, rel=1e-12)
    # continuous at the breakpoints to within the published rounding of the coefficients
    assert abs(ps.diffuse_fraction_erbs(0.2200001) - fd[1]) < 0.01
    assert abs(ps.diffuse_fraction_erbs(0.8000001) - 0.165) < 0.01
