"""Carbonate chemistry of ocean_stub against PyCO2SYS 1.8 and the check values of the Guide.

PyCO2SYS is run with the constants and options of ``ocean_stub.carbonate``:
Lueker et al. (2000) K1, K2 (``opt_k_carbonic=10``), total pH scale
(``opt_pH_scale=1``), Uppstrom (1974) borate (``opt_total_borate=1``),
Dickson (1990) KSO4 and Dickson & Riley (1979) KF (``opt_k_bisulfate=1``,
``opt_k_fluoride=1``), CODATA 2018 gas constant (``opt_gas_constant=3``),
zero hydrostatic pressure, 1 atm barometric pressure and no nutrients. Our
``fco2_uatm`` (CO2*/K0) is compared with PyCO2SYS ``fCO2`` and our
``pco2_uatm`` (fCO2 over the Weiss 1974 fugacity factor) with its ``pCO2``.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocean_stub import carbonate as cb

pyco2 = pytest.importorskip("PyCO2SYS")

UMOL_PER_MOL = 1.0e6
PH_TOL = 1e-4          # acceptance: pH within 1e-4 of PyCO2SYS
PCO2_TOL_UATM = 0.1    # acceptance: pCO2 within 0.1 uatm
REVELLE_RTOL = 0.01    # acceptance: Revelle factor within 1 %

PYCO2_OPTIONS = {
    "opt_k_carbonic": 10, "opt_pH_scale": 1, "opt_total_borate": 1, "opt_k_bisulfate": 1, "opt_k_fluoride": 1,
    "opt_gas_constant": 3, "pressure": 0.0, "pressure_atmosphere": 1.0,
    "total_phosphate": 0.0, "total_silicate": 0.0, "total_ammonia": 0.0, "total_sulfide": 0.0,
}


def _pyco2_from_ta_dic(ta_umol, dic_umol, t_c, s):
    return pyco2.sys(par1=ta_umol, par2=dic_umol, par1_type=1, par2_type=2,
                     temperature=t_c, salinity=s, **PYCO2_OPTIONS)


def _ocean_grid():
    """A regular grid over the acceptance range: DIC 1800-2400, TA-DIC 50-450 umol/kg (TA <= 2600), T -2..32 C, S 30..38."""
    dic, excess, t_c, s = np.meshgrid(np.linspace(1800, 2400, 7), np.linspace(50, 450, 6),
                                      np.linspace(-2, 32, 8), np.linspace(30, 38, 5), indexing="ij")
    ta = dic + excess
    keep = (ta >= 2000) & (ta <= 2600)
    return dic[keep], ta[keep], t_c[keep], s[keep]


def _compare(dic_umol, ta_umol, t_c, s):
    """Largest differences from PyCO2SYS: pH, fCO2 and pCO2 (uatm), Revelle (relative)."""
    ours = cb.carbonate_system(dic_umol / UMOL_PER_MOL, ta_umol / UMOL_PER_MOL, t_c + cb.ZERO_CELSIUS_K, s)
    ref = _pyco2_from_ta_dic(ta_umol, dic_umol, t_c, s)
    return {
        "ph": np.max(np.abs(ours.ph_total - ref["pH"])),
        "fco2": np.max(np.abs(ours.fco2_uatm - ref["fCO2"])),
        "pco2": np.max(np.abs(ours.pco2_uatm - ref["pCO2"])),
        "revelle": np.max(np.abs(ours.revelle_factor / ref["revelle_factor"] - 1.0)),
        "co3": np.max(np.abs(ours.co3_mol_kg * UMOL_PER_MOL / ref["CO3"] - 1.0)),
        "hco3": np.max(np.abs(ours.hco3_mol_kg * UMOL_PER_MOL / ref["HCO3"] - 1.0)),
        "co2": np.max(np.abs(ours.co2_star_mol_kg * UMOL_PER_MOL / ref["CO2"] - 1.0)),
    }


# --- constants ------------------------------------------------------------------------------


def test_constants_match_guide_check_values():
    """Dickson, Sabine & Christian (2007, PICES Spec. Publ. 3) chapter 5 check values at S = 35, t = 25 degC."""
    c = cb.equilibrium_constants(298.15, 35.0)
    assert np.log(c.k0_mol_kg_atm) == pytest.approx(-3.5617, abs=1e-4)   # Weiss (1974)
    assert -np.log10(c.k1) == pytest.approx(5.8472, abs=1e-4)            # Lueker et al. (2000)
    assert -np.log10(c.k2) == pytest.approx(8.9660, abs=1e-4)            # Lueker et al. (2000)
    assert np.log(c.kb) == pytest.approx(-19.7964, abs=1e-4)             # Dickson (1990b)
    assert np.log(c.ks_free) == pytest.approx(-2.30, abs=5e-3)           # Dickson (1990a)
    assert c.total_borate_mol_kg * UMOL_PER_MOL == pytest.approx(415.7, abs=0.05)  # Uppstrom (1974)


def test_constants_identical_to_pyco2sys():
    """Same formulas, so the constants agree to rounding; a wrong digit in a coefficient fails here."""
    dic, ta, t_c, s = _ocean_grid()
    ref = _pyco2_from_ta_dic(ta, dic, t_c, s)
    c = cb.equilibrium_constants(t_c + cb.ZERO_CELSIUS_K, s)
    pairs = {"k0_mol_kg_atm": "k_CO2", "k1": "k_carbonic_1", "k2": "k_carbonic_2", "kb": "k_borate",
             "kw": "k_water", "ks_free": "k_bisulfate", "kf_free": "k_fluoride"}
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(getattr(c, ours), ref[theirs], rtol=1e-12, err_msg=ours)
    for ours, theirs in {"total_borate_mol_kg": "total_borate", "total_sulfate_mol_kg": "total_sulfate",
                         "total_fluoride_mol_kg": "total_fluoride"}.items():
        np.testing.assert_allclose(getattr(c, ours) * UMOL_PER_MOL, ref[theirs], rtol=1e-12, err_msg=ours)
    np.testing.assert_allclose(cb.fugacity_factor(t_c + cb.ZERO_CELSIUS_K), ref["fugacity_factor"], rtol=1e-12)


# --- carbonate system against PyCO2SYS ------------------------------------------------------


def test_grid_agrees_with_pyco2sys():
    d = _compare(*_ocean_grid())
    print("max |difference| from PyCO2SYS over the grid:", {k: f"{v:.1e}" for k, v in d.items()})
    assert d["ph"] < PH_TOL
    assert d["fco2"] < PCO2_TOL_UATM
    assert d["pco2"] < PCO2_TOL_UATM
    assert d["revelle"] < REVELLE_RTOL
    # Same equations solved to convergence: the species agree far inside the acceptance tolerances.
    assert max(d["co2"], d["hco3"], d["co3"]) < 1e-8


@st.composite
def ocean_points(draw):
    """Lists of (DIC, TA) umol/kg with TA-DIC 50..450 and TA 2000..2600, T -2..32 degC, S 30..38."""
    n = draw(st.integers(1, 24))
    rows = []
    for _ in range(n):
        dic = draw(st.floats(1800.0, 2400.0))
        ta = draw(st.floats(max(2000.0, dic + 50.0), min(2600.0, dic + 450.0)))
        rows.append((dic, ta, draw(st.floats(-2.0, 32.0)), draw(st.floats(30.0, 38.0))))
    return tuple(np.array(col) for col in zip(*rows))


@settings(max_examples=40, deadline=None)
@given(ocean_points())
def test_hypothesis_agrees_with_pyco2sys(points):
    d = _compare(*points)
    assert d["ph"] < PH_TOL
    assert d["fco2"] < PCO2_TOL_UATM
    assert d["pco2"] < PCO2_TOL_UATM
    assert d["revelle"] < REVELLE_RTOL


def test_revelle_factor_is_the_derivative_at_constant_alkalinity():
    """The analytic Revelle factor equals a centred finite difference of ln fCO2 in ln DIC."""
    dic, ta, t_c, s = _ocean_grid()
    dic, ta, T_K = dic / UMOL_PER_MOL, ta / UMOL_PER_MOL, t_c + cb.ZERO_CELSIUS_K
    eps = 1e-5
    up = cb.carbonate_system(dic * (1 + eps), ta, T_K, s).fco2_uatm
    down = cb.carbonate_system(dic * (1 - eps), ta, T_K, s).fco2_uatm
    fd = (np.log(up) - np.log(down)) / (np.log1p(eps) - np.log1p(-eps))
    np.testing.assert_allclose(cb.carbonate_system(dic, ta, T_K, s).revelle_factor, fd, rtol=1e-6)


def test_warming_raises_pco2_as_pyco2sys_and_takahashi():
    """Solubility pump: at fixed DIC and TA, d ln pCO2 / dT is PyCO2SYS's and near 0.0423 K-1 (Takahashi et al. 1993)."""
    dic, ta = 2000.0, 2300.0
    t_c = np.linspace(2.0, 28.0, 14)
    dT = 1e-3
    up = cb.carbonate_system(dic / UMOL_PER_MOL, ta / UMOL_PER_MOL, t_c + dT + cb.ZERO_CELSIUS_K, 35.0).pco2_uatm
    down = cb.carbonate_system(dic / UMOL_PER_MOL, ta / UMOL_PER_MOL, t_c - dT + cb.ZERO_CELSIUS_K, 35.0).pco2_uatm
    dlnp_dT = (np.log(up) - np.log(down)) / (2 * dT)
    ref = _pyco2_from_ta_dic(np.full_like(t_c, ta), np.full_like(t_c, dic), t_c, 35.0)
    np.testing.assert_allclose(dlnp_dT, ref["dlnpCO2_dT"], rtol=1e-4)
    assert np.all(dlnp_dT > 0)
    assert 0.0423 - 0.003 < dlnp_dT[t_c.searchsorted(20.0)] < 0.0423 + 0.003


# --- inverse: DIC at a given pCO2 -----------------------------------------------------------


def test_dic_at_pco2_round_trips_and_matches_pyco2sys():
    dic, ta, t_c, s = _ocean_grid()
    T_K = t_c + cb.ZERO_CELSIUS_K
    state = cb.carbonate_system(dic / UMOL_PER_MOL, ta / UMOL_PER_MOL, T_K, s)
    back = cb.dic_at_pco2(state.pco2_uatm, ta / UMOL_PER_MOL, T_K, s) * UMOL_PER_MOL
    np.testing.assert_allclose(back, dic, rtol=1e-12)
    back_f = cb.dic_at_fco2(state.fco2_uatm, ta / UMOL_PER_MOL, T_K, s) * UMOL_PER_MOL
    np.testing.assert_allclose(back_f, dic, rtol=1e-12)

    p = np.full_like(ta, 280.0)
    ours = cb.dic_at_pco2(p, ta / UMOL_PER_MOL, T_K, s) * UMOL_PER_MOL
    ref = pyco2.sys(par1=ta, par2=p, par1_type=1, par2_type=4, temperature=t_c, salinity=s, **PYCO2_OPTIONS)
    np.testing.assert_allclose(ours, ref["dic"], atol=1e-6)   # umol/kg


def test_scalars_and_broadcasting():
    state = cb.carbonate_system(2.0e-3, 2.3e-3, 298.15, np.array([33.0, 35.0, 37.0]))
    assert state.ph_total.shape == (3,)
    one = cb.carbonate_system(2.0e-3, 2.3e-3, 298.15, 35.0)
    assert np.ndim(one.ph_total) == 0
    assert float(one.ph_total) == pytest.approx(float(state.ph_total[1]), abs=1e-14)
    assert float(cb.dic_at_pco2(float(one.pco2_uatm), 2.3e-3, 298.15, 35.0)) == pytest.approx(2.0e-3, rel=1e-12)


# --- robustness -----------------------------------------------------------------------------


def test_solver_converges_far_outside_the_ocean_range():
    """Fresh to hypersaline, acid to alkaline, even negative alkalinity: the solution satisfies the alkalinity equation.

    PyCO2SYS, given our pH and DIC, recomputes the alkalinity; it must be the input TA.
    """
    rng = np.random.default_rng(20240601)
    n = 4000
    dic = 10.0 ** rng.uniform(0.0, 3.8, n)            # umol/kg, 1..6300
    ta = rng.uniform(-500.0, 7000.0, n)
    t_c = rng.uniform(-2.0, 40.0, n)
    s = rng.uniform(0.0, 45.0, n)
    state = cb.carbonate_system(dic / UMOL_PER_MOL, ta / UMOL_PER_MOL, t_c + cb.ZERO_CELSIUS_K, s)
    assert np.all(np.isfinite(state.ph_total)) and np.all(np.isfinite(state.revelle_factor))
    ref = pyco2.sys(par1=dic, par2=state.ph_total, par1_type=2, par2_type=3,
                    temperature=t_c, salinity=s, **PYCO2_OPTIONS)
    # The alkalinity terms reach 1e4 umol/kg at the acid end; the residual is rounding of those terms.
    scale = np.maximum(np.abs(ta), 2.0 * dic) + ref["Hfree"] + ref["HSO4"]
    assert np.max(np.abs(ref["alkalinity"] - ta) / scale) < 1e-10
    back = cb.dic_at_fco2(state.fco2_uatm, ta / UMOL_PER_MOL, t_c + cb.ZERO_CELSIUS_K, s) * UMOL_PER_MOL
    np.testing.assert_allclose(back, dic, rtol=1e-9)


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError, match="non-finite"):
        cb.carbonate_system(np.array([2e-3, np.nan]), 2.3e-3, 290.0, 35.0)
    with pytest.raises(ValueError, match="positive"):
        cb.carbonate_system(0.0, 2.3e-3, 290.0, 35.0)
    with pytest.raises(ValueError, match="positive"):
        cb.dic_at_pco2(-1.0, 2.3e-3, 290.0, 35.0)


# --- speed ----------------------------------------------------------------------------------


def test_speed_per_cell(capsys):
    """Prints the cost of carbonate_system (constants included) for 1e5 cells; not asserted."""
    rng = np.random.default_rng(7)
    n = 100_000
    dic = rng.uniform(1800, 2400, n) / UMOL_PER_MOL
    ta = dic + rng.uniform(50, 450, n) / UMOL_PER_MOL
    T_K = rng.uniform(-2, 32, n) + cb.ZERO_CELSIUS_K
    s = rng.uniform(30, 38, n)
    cb.carbonate_system(dic, ta, T_K, s)
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        cb.carbonate_system(dic, ta, T_K, s)
        best = min(best, time.perf_counter() - t0)
    with capsys.disabled():
        print(f"\ncarbonate_system: {best / n * 1e9:.0f} ns per cell for {n} cells")
