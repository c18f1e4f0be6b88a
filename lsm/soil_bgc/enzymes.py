"""Priming by optimal enzyme allocation (SCIENCE.md section 3, mechanism 3).

Microbes split their enzymes between the labile, C-rich substrate ``L`` and
the recalcitrant, N-rich substrate ``R``.  The split is the one that
maximises microbial growth under joint C and N limitation, given what the
enzymes would release now:

    E_L = (1 - alpha) E,   E_R = alpha E,
    F_i = ECA(vmax_i, E_i, S_i, K_i)                      (kg C m-2 s-1)
    G(alpha) = min( Y (F_L + F_R + C_avail),
                    theta_B (F_L / theta_L + F_R / theta_R + N_avail) )
    alpha* = argmax_{0 <= alpha <= 1} G(alpha),

with ``C_avail`` and ``N_avail`` the C and N the biomass can take up
besides depolymerisation (dissolved organic matter; mineral N it can
immobilise), in the same units as ``F``.  This is the optimality principle
behind SESAM's allocation (Wutzler et al. 2017, Soil Biol. Biochem. 115,
322: microbes allocate to maximise their growth, which their "relative
revenue" rule approximates), solved here exactly.  Each ``F_i`` is concave
in its enzyme (ECA saturates), so each argument of the minimum is concave in
``alpha``, and so is ``G``: a golden-section search finds the maximum to
``GOLDEN_TOL`` in a fixed number of whole-array iterations, vectorised over
columns.

Priming then emerges, it is not prescribed: a pulse of labile C raises the
C side of the minimum, growth becomes N-limited, the maximising ``alpha``
moves to the N-rich ``R`` and decomposition of old organic matter speeds up
(tested).  Under C limitation ``alpha`` balances the marginal C returns of
the two enzymes.
"""

from __future__ import annotations

import numpy as np

from lsm.soil_bgc.kinetics import equilibrium_chemistry_rate

__all__ = ["GOLDEN_TOL", "enzyme_growth_potential", "optimal_enzyme_allocation"]

#: Width of the final bracket of the golden-section search, fraction of the enzyme pool.
GOLDEN_TOL = 1e-6
_INV_PHI = (np.sqrt(5.0) - 1.0) / 2.0
#: Iterations that shrink [0, 1] below GOLDEN_TOL.
_N_GOLDEN = int(np.ceil(np.log(GOLDEN_TOL) / np.log(_INV_PHI)))


def enzyme_growth_potential(alpha, enzyme, substrate_l, substrate_r, cn_l, cn_r, vmax_l, vmax_r, km_l, km_r,
                            c_avail, n_avail, yield_c, theta_b, second_r=None):
    """Growth ``G(alpha)`` that the depolymerisation products support, kg C m-2 s-1 (see module docstring).

    ``alpha``: share of the enzyme pool on ``R`` (0-1).  ``enzyme``, substrates
    and half-saturation constants in one unit (kg C m-2 for a bulk layer);
    ``vmax_*`` s-1 per unit enzyme; ``cn_*`` substrate C:N (kg C kg-1 N);
    ``c_avail``/``n_avail`` kg m-2 s-1; ``yield_c`` the physiological yield;
    ``theta_b`` the microbial C:N.  ``second_r = (substrate, cn, vmax, km)``
    is a second substrate the R-enzymes also break down (mineral-associated
    organic matter in the soil column), or None.
    """
    f_l = equilibrium_chemistry_rate(vmax_l, (1.0 - alpha) * enzyme, substrate_l, km_l)
    f_r = equilibrium_chemistry_rate(vmax_r, alpha * enzyme, substrate_r, km_r)
    growth_c = yield_c * (f_l + f_r + c_avail)
    growth_n = theta_b * (f_l / cn_l + f_r / cn_r + n_avail)
    if second_r is not None:
        s2, cn2, vmax2, km2 = second_r
        f_2 = equilibrium_chemistry_rate(vmax2, alpha * enzyme, s2, km2)
        growth_c = growth_c + yield_c * f_2
        growth_n = growth_n + theta_b * f_2 / cn2
    return np.minimum(growth_c, growth_n)


def optimal_enzyme_allocation(enzyme, substrate_l, substrate_r, cn_l, cn_r, vmax_l, vmax_r, km_l, km_r,
                              c_avail, n_avail, yield_c, theta_b, second_r=None):
    """Share ``alpha*`` of the enzyme pool on the recalcitrant substrate that maximises growth, 0-1.

    Golden-section search on the concave ``G(alpha)`` of
    :func:`enzyme_growth_potential`, vectorised over columns (arguments
    broadcast); the result is within ``GOLDEN_TOL`` of the maximiser.  Where
    ``G`` is flat (no enzyme, no substrate) it returns the bracket's middle.
    """
    args = (enzyme, substrate_l, substrate_r, cn_l, cn_r, vmax_l, vmax_r, km_l, km_r, c_avail, n_avail,
            yield_c, theta_b)
    shape = np.broadcast_shapes(*(np.shape(a) for a in args + tuple(second_r or ())))
    args = args + (second_r,)
    lo, hi = np.zeros(shape), np.ones(shape)
    x1 = hi - _INV_PHI * (hi - lo)
    x2 = lo + _INV_PHI * (hi - lo)
    g1 = enzyme_growth_potential(x1, *args)
    g2 = enzyme_growth_potential(x2, *args)
    for _ in range(_N_GOLDEN):  # fixed iteration count over whole arrays, not a loop over cells
        right = g1 < g2  # the maximum lies in [x1, hi]
        lo = np.where(right, x1, lo)
        hi = np.where(right, hi, x2)
        x1_new = np.where(right, x2, hi - _INV_PHI * (hi - lo))
        x2_new = np.where(right, lo + _INV_PHI * (hi - lo), x1)
        g_new = enzyme_growth_potential(np.where(right, x2_new, x1_new), *args)
        g1, g2 = np.where(right, g2, g_new), np.where(right, g_new, g1)
        x1, x2 = x1_new, x2_new
    return 0.5 * (lo + hi)
