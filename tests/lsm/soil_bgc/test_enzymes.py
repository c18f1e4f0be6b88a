"""Optimal enzyme allocation: the maximiser of growth, symmetric split, and priming that emerges."""

import numpy as np
import pytest

from lsm.soil_bgc.enzymes import GOLDEN_TOL, enzyme_growth_potential, optimal_enzyme_allocation
from lsm.soil_bgc.kinetics import equilibrium_chemistry_rate

DAY = 86400.0
# A bulk root-zone layer, kg C m-2: litter L with C:N 40, N-rich old organic matter R with C:N 10.
BASE = dict(enzyme=2e-3, substrate_l=0.3, substrate_r=5.0, cn_l=40.0, cn_r=10.0,
            vmax_l=2.0 / DAY, vmax_r=0.5 / DAY, km_l=0.5, km_r=5.0,
            c_avail=0.0, n_avail=8e-5 / DAY, yield_c=0.47, theta_b=7.35)


def _args(**over):
    d = dict(BASE, **over)
    return tuple(d[k] for k in BASE)


def test_allocation_is_the_maximiser_of_growth():
    rng = np.random.default_rng(7)
    n = 200
    cases = dict(BASE)
    for k, lo, hi in (("enzyme", 1e-4, 1e-2), ("substrate_l", 0.01, 2.0), ("substrate_r", 0.5, 20.0),
                      ("cn_l", 15.0, 80.0), ("cn_r", 6.0, 15.0), ("c_avail", 0.0, 2e-3 / DAY),
                      ("n_avail", 0.0, 1e-4 / DAY)):
        cases[k] = rng.uniform(lo, hi, n)
    args = tuple(cases[k] for k in BASE)
    alpha = optimal_enzyme_allocation(*args)
    grid = np.linspace(0.0, 1.0, 20001)[:, None]
    g_grid = enzyme_growth_potential(grid, *args)
    best = g_grid.max(axis=0)
    g = enzyme_growth_potential(alpha, *args)
    # alpha is within GOLDEN_TOL of the maximiser, so G is within (steepest slope) x GOLDEN_TOL of the best
    slope = np.abs(np.diff(g_grid, axis=0)).max(axis=0) / (grid[1, 0] - grid[0, 0])
    assert np.all(g >= best - slope * GOLDEN_TOL), np.max((best - g) / (slope * GOLDEN_TOL))
    assert np.all((alpha >= 0) & (alpha <= 1))


def test_symmetric_substrates_under_carbon_limitation_split_evenly():
    args = _args(substrate_l=1.0, substrate_r=1.0, cn_l=20.0, cn_r=20.0, vmax_l=1.0 / DAY, vmax_r=1.0 / DAY,
                 km_l=1.0, km_r=1.0, n_avail=1.0)  # N in excess: growth is C-limited
    assert optimal_enzyme_allocation(*args) == pytest.approx(0.5, abs=2 * GOLDEN_TOL)


def test_labile_carbon_pulse_primes_old_organic_matter():
    """Adding dissolved labile C shifts growth to N limitation, enzymes to R, and R decomposition rises."""
    before = optimal_enzyme_allocation(*_args())
    pulse = optimal_enzyme_allocation(*_args(c_avail=5e-3 / DAY))  # 5 g C m-2 d-1 of sugar (root exudates)

    def decomposition_r(alpha):
        return equilibrium_chemistry_rate(BASE["vmax_r"], alpha * BASE["enzyme"], BASE["substrate_r"], BASE["km_r"])

    assert pulse > before + 0.2, (before, pulse)
    assert decomposition_r(pulse) > 1.5 * decomposition_r(before)
    # and growth is N-limited after the pulse: the N side of the minimum binds
    d = dict(BASE, c_avail=5e-3 / DAY)
    f_l = equilibrium_chemistry_rate(d["vmax_l"], (1 - pulse) * d["enzyme"], d["substrate_l"], d["km_l"])
    f_r = decomposition_r(pulse)
    assert d["yield_c"] * (f_l + f_r + d["c_avail"]) > d["theta_b"] * (f_l / d["cn_l"] + f_r / d["cn_r"] + d["n_avail"])
