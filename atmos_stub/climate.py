"""Climate physics of the atmosphere stub: radiative forcing, a two-layer energy balance model
and the spatial pattern of warming (SCIENCE.md section 6).

Units are SI inside: forcing in W m-2, heat capacities in J m-2 K-1, times in
seconds, temperatures as anomalies in K. Gas amounts are in the units the
forcing fits were made in (CO2 ppm, CH4 and N2O ppb). The literature quotes
heat capacities in W yr m-2 K-1; :data:`SECONDS_PER_YEAR` converts them.

Forcing
-------
CO2 (Myhre et al. 1998, GRL 25, 2715; IPCC TAR table 6.2)::

    F_CO2 = 5.35 ln(C / C0)                                   [W m-2]

CH4 and N2O (Etminan et al. 2016, GRL 43, 12614, table 1), with the overlaps
between the gases; a bar is the mean of the perturbed and the reference
amount, C in ppm, M (CH4) and N (N2O) in ppb::

    F_CH4 = (a3 Mbar + b3 Nbar + 0.043) (sqrt(M) - sqrt(M0))
    F_N2O = (a2 Cbar + b2 Nbar + c2 Mbar + 0.117) (sqrt(N) - sqrt(N0))

The CH4 expression includes CH4's shortwave absorption, which is why its
1750-2011 forcing is 0.61 W m-2, 25 % above the 0.48 of IPCC AR5 (Etminan et
al. 2016, abstract). Etminan et al. also give a CO2 expression with the N2O
overlap, :func:`co2_forcing_etminan`; the model default for CO2 remains the
Myhre law (SCIENCE.md section 6). The fits hold for CO2 180-2000 ppm, CH4
340-3500 ppb and N2O 200-525 ppb (Etminan et al. 2016); SSP5-8.5 exceeds
2000 ppm CO2 after ~2200, where the Etminan CO2 fit must not be used (its
quadratic term turns over), while the Myhre law and the N2O overlap term
(linear in Cbar) degrade gracefully.

Two-layer energy balance model
------------------------------
Held et al. (2010, J. Climate 23, 2418); Geoffroy et al. (2013a, J. Climate
26, 1841, "G13a"; 2013b, J. Climate 26, 1859, "G13b", for the efficacy)::

    C   dT/dt   = F - lambda T - eps gamma (T - T_D)
    C_D dT_D/dt = gamma (T - T_D)

T is the upper layer (atmosphere, land and mixed layer) and T_D the deep
ocean. Both are linear, so :meth:`TwoLayerEBM.step` integrates them exactly
for a forcing held constant over the step (matrix exponential), and the
normal-mode solution of G13a gives analytic responses to a step and to a
linear ramp of forcing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from coupler.constants import DAYS_PER_NOLEAP_YEAR, SECONDS_PER_DAY
from coupler.reprosum import reprosum

#: Seconds per year of the model's default noleap calendar; converts the W yr m-2 K-1 of the literature.
SECONDS_PER_YEAR = DAYS_PER_NOLEAP_YEAR * SECONDS_PER_DAY

# --- forcing ---------------------------------------------------------------------------------

#: CO2 forcing coefficient, W m-2 per e-fold of concentration (Myhre et al. 1998, GRL 25, 2715).
CO2_FORCING_W_M2 = 5.35
#: Forcing of doubled CO2, W m-2: 5.35 ln 2 = 3.708 (Myhre et al. 1998; IPCC AR5 uses 3.71).
F2X = CO2_FORCING_W_M2 * np.log(2.0)

#: Pre-industrial (1850) CO2, ppm (CMIP6 global mean 284.32, Meinshausen et al. 2017, GMD 10, 2057).
CO2_PI_PPM = 284.3
#: Pre-industrial (1850) CH4, ppb (CMIP6 global mean 808.25, Meinshausen et al. 2017).
CH4_PI_PPB = 808.2
#: Pre-industrial (1850) N2O, ppb (CMIP6 global mean 273.02, Meinshausen et al. 2017).
N2O_PI_PPB = 273.0

# Etminan et al. (2016) table 1 coefficients; units W m-2 per ppm (CO2 amounts) or per ppb.
_ETM_A1 = -2.4e-7   # W m-2 ppm-2, CO2 curvature
_ETM_B1 = 7.2e-4    # W m-2 ppm-1, CO2
_ETM_C1 = -2.1e-4   # W m-2 ppb-1, CO2-N2O overlap
_ETM_CO2 = 5.36     # W m-2, CO2 logarithmic coefficient
_ETM_A2 = -8.0e-6   # W m-2 ppm-1, N2O-CO2 overlap
_ETM_B2 = 4.2e-6    # W m-2 ppb-1, N2O self term
_ETM_C2 = -4.9e-6   # W m-2 ppb-1, N2O-CH4 overlap
_ETM_N2O = 0.117    # W m-2 ppb-1/2, N2O square-root coefficient
_ETM_A3 = -1.3e-6   # W m-2 ppb-1, CH4 self term
_ETM_B3 = -8.2e-6   # W m-2 ppb-1, CH4-N2O overlap
_ETM_CH4 = 0.043    # W m-2 ppb-1/2, CH4 square-root coefficient (includes shortwave absorption)


def _positive(name: str, x) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if not np.all(a > 0):
        raise ValueError(f"{name} must be positive, got {a.min() if a.size else a}")
    return a


def _out(a):
    return float(a) if np.ndim(a) == 0 else a


def co2_forcing(c_ppm, c0_ppm: float = CO2_PI_PPM):
    """CO2 radiative forcing 5.35 ln(C/C0), W m-2 (Myhre et al. 1998). Vectorised over ``c_ppm``."""
    return _out(CO2_FORCING_W_M2 * np.log(_positive("c_ppm", c_ppm) / _positive("c0_ppm", c0_ppm)))


def co2_forcing_etminan(c_ppm, n2o_ppb, c0_ppm: float = CO2_PI_PPM, n2o0_ppb: float = N2O_PI_PPB):
    """CO2 forcing of Etminan et al. (2016) with the N2O overlap, W m-2.

    ``F = (a1 (C-C0)^2 + b1 |C-C0| + c1 Nbar + 5.36) ln(C/C0)``; valid for
    180-2000 ppm. Its 1750-2011 value is within 1 % of the IPCC AR5 1.82 W m-2.
    """
    c, c0 = _positive("c_ppm", c_ppm), _positive("c0_ppm", c0_ppm)
    nbar = 0.5 * (_positive("n2o_ppb", n2o_ppb) + _positive("n2o0_ppb", n2o0_ppb))
    dc = c - c0
    return _out((_ETM_A1 * dc**2 + _ETM_B1 * np.abs(dc) + _ETM_C1 * nbar + _ETM_CO2) * np.log(c / c0))


def ch4_forcing(ch4_ppb, n2o_ppb, ch40_ppb: float = CH4_PI_PPB, n2o0_ppb: float = N2O_PI_PPB):
    """CH4 radiative forcing with the N2O overlap, W m-2 (Etminan et al. 2016, table 1).

    ``F = (a3 Mbar + b3 Nbar + 0.043)(sqrt(M) - sqrt(M0))``, M and N in ppb.
    Stratospheric water vapour and ozone from CH4 oxidation are not included
    (they are separate agents in the IPCC budget).
    """
    m, m0 = _positive("ch4_ppb", ch4_ppb), _positive("ch40_ppb", ch40_ppb)
    mbar = 0.5 * (m + m0)
    nbar = 0.5 * (_positive("n2o_ppb", n2o_ppb) + _positive("n2o0_ppb", n2o0_ppb))
    return _out((_ETM_A3 * mbar + _ETM_B3 * nbar + _ETM_CH4) * (np.sqrt(m) - np.sqrt(m0)))


def n2o_forcing(n2o_ppb, co2_ppm, ch4_ppb, n2o0_ppb: float = N2O_PI_PPB, co20_ppm: float = CO2_PI_PPM,
                ch40_ppb: float = CH4_PI_PPB):
    """N2O radiative forcing with the CO2 and CH4 overlaps, W m-2 (Etminan et al. 2016, table 1).

    ``F = (a2 Cbar + b2 Nbar + c2 Mbar + 0.117)(sqrt(N) - sqrt(N0))``, C in ppm, N and M in ppb.
    """
    n, n0 = _positive("n2o_ppb", n2o_ppb), _positive("n2o0_ppb", n2o0_ppb)
    cbar = 0.5 * (_positive("co2_ppm", co2_ppm) + _positive("co20_ppm", co20_ppm))
    mbar = 0.5 * (_positive("ch4_ppb", ch4_ppb) + _positive("ch40_ppb", ch40_ppb))
    nbar = 0.5 * (n + n0)
    return _out((_ETM_A2 * cbar + _ETM_B2 * nbar + _ETM_C2 * mbar + _ETM_N2O) * (np.sqrt(n) - np.sqrt(n0)))


def non_co2_ghg_forcing(n2o_ppb, ch4_ppb, co2_ppm, n2o0_ppb: float = N2O_PI_PPB, ch40_ppb: float = CH4_PI_PPB,
                        co20_ppm: float = CO2_PI_PPM):
    """Forcing of N2O and CH4 together (Etminan et al. 2016), W m-2; CO2 enters only through the overlap."""
    return _out(np.asarray(ch4_forcing(ch4_ppb, n2o_ppb, ch40_ppb, n2o0_ppb))
                + n2o_forcing(n2o_ppb, co2_ppm, ch4_ppb, n2o0_ppb, co20_ppm, ch40_ppb))


def ghg_forcing(co2_ppm, ch4_ppb, n2o_ppb, co20_ppm: float = CO2_PI_PPM, ch40_ppb: float = CH4_PI_PPB,
                n2o0_ppb: float = N2O_PI_PPB):
    """Forcing of CO2 (Myhre), CH4 and N2O (Etminan) together, W m-2, relative to the reference amounts."""
    return _out(np.asarray(co2_forcing(co2_ppm, co20_ppm))
                + non_co2_ghg_forcing(n2o_ppb, ch4_ppb, co2_ppm, n2o0_ppb, ch40_ppb, co20_ppm))


# --- two-layer energy balance model --------------------------------------------------------

#: Upper-layer heat capacity, W yr m-2 K-1: the CMIP5 mean of G13a (table 3), about 54 m of sea water
#: spread over the globe.
C_UPPER_W_YR_M2_K = 7.3
#: Deep-ocean heat capacity, W yr m-2 K-1: the CMIP5 mean of G13a (table 3), about 770 m of sea water.
C_DEEP_W_YR_M2_K = 106.0
#: The same in SI, J m-2 K-1.
C_UPPER_J_M2_K = C_UPPER_W_YR_M2_K * SECONDS_PER_YEAR
C_DEEP_J_M2_K = C_DEEP_W_YR_M2_K * SECONDS_PER_YEAR
#: Climate feedback parameter, W m-2 K-1: F2X / 3.0 = 1.236, so that ECS = 3.0 K (the IPCC AR6 best
#: estimate, Forster et al. 2021); the CMIP5 mean of G13a is ~1.1, paired with their own fitted F2X.
LAMBDA_W_M2_K = F2X / 3.0
#: Upper-deep heat exchange coefficient, W m-2 K-1. The G13a CMIP5 mean (~0.7) gives TCR = 1.92 K with
#: the lambda above; 0.90, inside the CMIP5 spread of G13a, gives TCR = 1.82 K, close to the 1.8 K of
#: the IPCC AR6 best estimate (Forster et al. 2021), with ECS unchanged.
GAMMA_W_M2_K = 0.90
#: Efficacy of deep-ocean heat uptake (G13b fit a CMIP5 mean near 1.3). 1 keeps the Held et al. (2010) model.
EFFICACY = 1.0

# Namelist defaults, in the units the namelist uses (heat capacities in W yr m-2 K-1 as in the literature).
DEFAULT_LAMBDA = LAMBDA_W_M2_K
DEFAULT_GAMMA = GAMMA_W_M2_K
DEFAULT_C = C_UPPER_W_YR_M2_K
DEFAULT_CD = C_DEEP_W_YR_M2_K

#: Length of the 1pctCO2 run at which TCR is read, years (CO2 doubles after ln 2 / ln 1.01 = 69.7 yr).
TCR_YEAR = 70.0
#: Forcing growth rate of 1pctCO2, W m-2 per second: CO2 = C0 1.01^t gives F = 5.35 ln(1.01) t exactly.
ONE_PCT_FORCING_RATE_W_M2_S = CO2_FORCING_W_M2 * np.log(1.01) / SECONDS_PER_YEAR


@dataclass(frozen=True)
class NormalModes:
    """Normal modes of the two-layer model (G13a, analytical solution).

    ``tau_fast_s``/``tau_slow_s``: e-folding times, s. ``a_fast``/``a_slow``:
    fractions of the equilibrium upper-layer response carried by each mode
    (sum 1). ``phi_fast``/``phi_slow``: deep-to-upper amplitude ratio of each mode.
    """

    tau_fast_s: float
    tau_slow_s: float
    a_fast: float
    a_slow: float
    phi_fast: float
    phi_slow: float


class TwoLayerEBM:
    """Two-layer energy balance model of global-mean surface warming (Held et al. 2010; G13a, G13b).

    Parameters (defaults, with sources, in the module constants):

    - ``c_upper_J_m2_K`` C = 7.3 W yr m-2 K-1 = 2.30e8 J m-2 K-1 (G13a CMIP5 mean)
    - ``c_deep_J_m2_K`` C_D = 106 W yr m-2 K-1 = 3.34e9 J m-2 K-1 (G13a CMIP5 mean)
    - ``lambda_W_m2_K`` lambda = F2X / 3.0 = 1.236 W m-2 K-1 (ECS = 3.0 K, AR6 best estimate)
    - ``gamma_W_m2_K`` gamma = 0.90 W m-2 K-1 (G13a CMIP5 mean ~0.7 raised so that TCR = 1.82 K)
    - ``efficacy`` eps = 1 (G13b; >1 makes deep-ocean heat uptake cool the surface more)

    With these defaults ECS = 3.00 K, TCR (year 70 of 1pctCO2) = 1.82 K, and
    the mode time scales are ~3.4 yr and ~206 yr. The state is ``T`` (upper
    layer) and ``T_D`` (deep ocean), temperature anomalies in K.
    """

    def __init__(self, c_upper_J_m2_K: float = C_UPPER_J_M2_K, c_deep_J_m2_K: float = C_DEEP_J_M2_K,
                 lambda_W_m2_K: float = LAMBDA_W_M2_K, gamma_W_m2_K: float = GAMMA_W_M2_K,
                 efficacy: float = EFFICACY, T: float = 0.0, T_D: float = 0.0):
        for name, value in (("c_upper_J_m2_K", c_upper_J_m2_K), ("c_deep_J_m2_K", c_deep_J_m2_K),
                            ("lambda_W_m2_K", lambda_W_m2_K), ("gamma_W_m2_K", gamma_W_m2_K),
                            ("efficacy", efficacy)):
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"TwoLayerEBM: {name} must be positive and finite, got {value}")
        # Parameters are fixed at construction so that cached propagators stay valid.
        self._C = float(c_upper_J_m2_K)
        self._CD = float(c_deep_J_m2_K)
        self._lam = float(lambda_W_m2_K)
        self._gam = float(gamma_W_m2_K)
        self._eps = float(efficacy)
        self.T = float(T)
        self.T_D = float(T_D)
        self._propagators: dict[float, tuple[float, ...]] = {}

    @classmethod
    def from_literature_units(cls, lambda_W_m2_K: float = LAMBDA_W_M2_K, gamma_W_m2_K: float = GAMMA_W_M2_K,
                              c_upper_W_yr_m2_K: float = C_UPPER_W_YR_M2_K,
                              c_deep_W_yr_m2_K: float = C_DEEP_W_YR_M2_K, efficacy: float = EFFICACY,
                              T: float = 0.0, T_D: float = 0.0) -> TwoLayerEBM:
        """Build from heat capacities in W yr m-2 K-1, the units of G13a and of the namelist."""
        return cls(c_upper_W_yr_m2_K * SECONDS_PER_YEAR, c_deep_W_yr_m2_K * SECONDS_PER_YEAR, lambda_W_m2_K,
                   gamma_W_m2_K, efficacy, T, T_D)

    @property
    def T_deep(self) -> float:
        """Alias of ``T_D``, the deep-ocean temperature anomaly (K)."""
        return self.T_D

    @T_deep.setter
    def T_deep(self, value: float) -> None:
        self.T_D = float(value)

    c_upper_J_m2_K = property(lambda self: self._C, doc="Upper-layer heat capacity C, J m-2 K-1.")
    c_deep_J_m2_K = property(lambda self: self._CD, doc="Deep-ocean heat capacity C_D, J m-2 K-1.")
    lambda_W_m2_K = property(lambda self: self._lam, doc="Climate feedback parameter lambda, W m-2 K-1.")
    gamma_W_m2_K = property(lambda self: self._gam, doc="Heat exchange coefficient gamma, W m-2 K-1.")
    efficacy = property(lambda self: self._eps, doc="Efficacy of deep-ocean heat uptake eps (1).")

    # -- time stepping ----------------------------------------------------------------------

    def _matrix(self) -> np.ndarray:
        """A of dx/dt = A x + b F, x = (T, T_D), in s-1."""
        C, CD, lam, gam, eps = self._C, self._CD, self._lam, self._gam, self._eps
        return np.array([[-(lam + eps * gam) / C, eps * gam / C],
                         [gam / CD, -gam / CD]])

    def _propagator(self, dt_s: float) -> tuple[float, ...]:
        """(P00, P01, P10, P11, q0, q1) with x(t+dt) = P x(t) + q F for F constant over dt.

        P = exp(A dt) and q = integral_0^dt exp(A s) b ds come together from the
        exponential of the augmented matrix [[A, b], [0, 0]] dt (Van Loan 1978,
        IEEE Trans. Autom. Control 23, 395), which needs no inverse of A.
        """
        prop = self._propagators.get(dt_s)
        if prop is None:
            aug = np.zeros((3, 3))
            aug[:2, :2] = self._matrix()
            aug[0, 2] = 1.0 / self._C
            e = expm(aug * dt_s)
            prop = (e[0, 0], e[0, 1], e[1, 0], e[1, 1], e[0, 2], e[1, 2])
            self._propagators[dt_s] = tuple(float(v) for v in prop)
            prop = self._propagators[dt_s]
        return prop

    def step(self, forcing_W_m2: float, dt_s: float) -> float:
        """Advance by ``dt_s`` seconds under ``forcing_W_m2`` held constant; returns the new T (K).

        Exact for a constant forcing at any step length (no stability limit);
        the propagator is computed once per distinct ``dt_s``.
        """
        if not dt_s > 0:
            raise ValueError(f"TwoLayerEBM.step: dt_s must be positive, got {dt_s}")
        p00, p01, p10, p11, q0, q1 = self._propagator(float(dt_s))
        f = float(forcing_W_m2)
        T, TD = self.T, self.T_D
        self.T = p00 * T + p01 * TD + q0 * f
        self.T_D = p10 * T + p11 * TD + q1 * f
        return self.T

    def heat_uptake_W_m2(self, forcing_W_m2: float) -> float:
        """Net downward energy flux into the climate system, W m-2: C dT/dt + C_D dT_D/dt.

        ``F - lambda T - (eps - 1) gamma (T - T_D)`` (G13b): with eps = 1 it
        is the top-of-atmosphere imbalance N = F - lambda T.
        """
        return float(forcing_W_m2 - self._lam * self.T - (self._eps - 1.0) * self._gam * (self.T - self.T_D))

    # -- restart ----------------------------------------------------------------------------

    def get_state(self) -> dict[str, float]:
        """State for a restart file: ``{"T": K, "T_D": K}`` as plain floats."""
        return {"T": float(self.T), "T_D": float(self.T_D)}

    def set_state(self, state: dict) -> None:
        """Restore a state written by :meth:`get_state`."""
        T, TD = float(state["T"]), float(state["T_D"])
        if not (np.isfinite(T) and np.isfinite(TD)):
            raise ValueError(f"TwoLayerEBM.set_state: non-finite temperature in {state}")
        self.T, self.T_D = T, TD

    # -- analytic solutions -----------------------------------------------------------------

    def equilibrium(self, forcing_W_m2):
        """Equilibrium warming F / lambda, K (upper and deep layers alike)."""
        return _out(np.asarray(forcing_W_m2, dtype=np.float64) / self._lam)

    @property
    def ecs_K(self) -> float:
        """Equilibrium climate sensitivity F2X / lambda, K."""
        return F2X / self._lam

    def normal_modes(self) -> NormalModes:
        """Time scales and amplitudes of the fast and slow modes (G13a; G13b for eps != 1).

        With b = (lambda + eps gamma)/C + gamma/C_D, b* = (lambda + eps gamma)/C - gamma/C_D
        and delta = b^2 - 4 lambda gamma / (C C_D):
        tau_f,s = C C_D (b -/+ sqrt(delta)) / (2 lambda gamma),
        phi_f,s = C (b* -/+ sqrt(delta)) / (2 eps gamma),
        a_f = (phi_s - 1) / (phi_s - phi_f), a_s = (1 - phi_f) / (phi_s - phi_f)
        (the last two are G13a's a_f = phi_s tau_f lambda / (C (phi_s - phi_f)) written
        so that they hold for any eps).
        """
        C, CD, lam, gam, eps = self._C, self._CD, self._lam, self._gam, self._eps
        b = (lam + eps * gam) / C + gam / CD
        b_star = (lam + eps * gam) / C - gam / CD
        root = np.sqrt(b * b - 4.0 * lam * gam / (C * CD))
        tau_f = C * CD * (b - root) / (2.0 * lam * gam)
        tau_s = C * CD * (b + root) / (2.0 * lam * gam)
        phi_f = C * (b_star - root) / (2.0 * eps * gam)
        phi_s = C * (b_star + root) / (2.0 * eps * gam)
        a_f = (phi_s - 1.0) / (phi_s - phi_f)
        a_s = (1.0 - phi_f) / (phi_s - phi_f)
        return NormalModes(float(tau_f), float(tau_s), float(a_f), float(a_s), float(phi_f), float(phi_s))

    def step_response(self, forcing_W_m2: float, t_s):
        """(T, T_D) in K at times ``t_s`` after a step of forcing, starting from rest (G13a).

        T = F/lambda [1 - a_f exp(-t/tau_f) - a_s exp(-t/tau_s)], T_D likewise with phi_i a_i.
        """
        m = self.normal_modes()
        t = np.asarray(t_s, dtype=np.float64)
        ef, es = np.exp(-t / m.tau_fast_s), np.exp(-t / m.tau_slow_s)
        teq = forcing_W_m2 / self._lam
        T = teq * (1.0 - m.a_fast * ef - m.a_slow * es)
        TD = teq * (1.0 - m.phi_fast * m.a_fast * ef - m.phi_slow * m.a_slow * es)
        return _out(T), _out(TD)

    def ramp_response(self, rate_W_m2_s: float, t_s):
        """(T, T_D) in K at times ``t_s`` under F = rate * t from rest (G13a, linear-forcing case).

        The step response integrated over the ramp:
        T = rate/lambda [t - a_f tau_f (1 - exp(-t/tau_f)) - a_s tau_s (1 - exp(-t/tau_s))],
        T_D likewise with phi_i a_i. 1pctCO2 is this case with rate
        :data:`ONE_PCT_FORCING_RATE_W_M2_S`.
        """
        m = self.normal_modes()
        t = np.asarray(t_s, dtype=np.float64)
        gf = m.tau_fast_s * -np.expm1(-t / m.tau_fast_s)
        gs = m.tau_slow_s * -np.expm1(-t / m.tau_slow_s)
        k = rate_W_m2_s / self._lam
        T = k * (t - m.a_fast * gf - m.a_slow * gs)
        TD = k * (t - m.phi_fast * m.a_fast * gf - m.phi_slow * m.a_slow * gs)
        return _out(T), _out(TD)

    def tcr_K(self, year: float = TCR_YEAR) -> float:
        """Transient climate response, K: warming at ``year`` of 1pctCO2 (analytic ramp solution).

        CMIP averages years 61-80 instead; the response is so close to linear
        there that the two differ by well under 0.01 K.
        """
        return self.ramp_response(ONE_PCT_FORCING_RATE_W_M2_S, year * SECONDS_PER_YEAR)[0]


# --- warming pattern -----------------------------------------------------------------------

#: Land/ocean surface warming ratio. Sutton et al. (2007, GRL 34, L02701) find 1.36-1.84 (mean ~1.55)
#: across GCMs in transient runs, and ~1.5 is also robust at equilibrium (Joshi et al. 2008, Clim. Dyn.
#: 30, 455): the drier land surface has a smaller evaporative damping and a larger lapse-rate change.
LAND_OCEAN_WARMING_RATIO = 1.5
#: Arctic amplification: warming north of ~60-65N relative to low latitudes at the same land fraction.
#: CMIP models give 1.5-4.5 (Holland & Bitz 2003, Clim. Dyn. 21, 221); IPCC AR6 WG1 SPM (B.2.1)
#: projects Arctic warming at more than twice the global rate.
ARCTIC_AMPLIFICATION = 2.0
#: Centre of the transition to the amplified Arctic, degrees north (sea-ice edge latitudes, 60-65N).
ARCTIC_TRANSITION_LAT_DEG = 62.5
#: Width (tanh e-folding) of that transition, degrees of latitude.
ARCTIC_TRANSITION_WIDTH_DEG = 5.0


def warming_pattern(lat_deg, land_fraction, area, comm=None) -> np.ndarray:
    """Ratio of local to global-mean surface warming per cell, with an area-weighted global mean of 1.

    ``lat_deg``: cell-centre latitudes (degrees north); ``land_fraction``:
    land fraction 0-1; ``area``: cell areas (m2, or any consistent unit).
    The three arrays broadcast together (e.g. lat (nlat, 1) against
    (nlat, nlon) fractions and areas). The unnormalised pattern is

        p = [1 + (r - 1) f] [1 + (A - 1) s(lat)],
        s(lat) = (1 + tanh((lat - 62.5) / 5)) / 2,

    with r = 1.5 the land/ocean warming ratio (Sutton et al. 2007; Joshi et
    al. 2008) and A = 2 the Arctic amplification (Holland & Bitz 2003; IPCC
    AR6). The Antarctic is not amplified: in transient warming the Southern
    Ocean's upwelling of unwarmed deep water holds it back (Armour et al.
    2016, Nat. Geosci. 9, 549). ``p`` is then divided by its area-weighted
    mean, computed with the exact, order-independent :func:`coupler.reprosum.reprosum`
    (summing over the ranks of ``comm`` when cells are distributed), so the
    result is the same bit for bit whatever the decomposition, and the
    area-weighted mean of the returned pattern is 1 to rounding. Local
    warming is then ``pattern * global_mean_warming``.
    """
    lat, f, a = np.broadcast_arrays(np.asarray(lat_deg, dtype=np.float64),
                                    np.asarray(land_fraction, dtype=np.float64),
                                    np.asarray(area, dtype=np.float64))
    if np.any(np.abs(lat) > 90.0) or not np.all(np.isfinite(lat)):
        raise ValueError("warming_pattern: latitudes must lie within [-90, 90] degrees")
    if np.any(f < 0.0) or np.any(f > 1.0) or not np.all(np.isfinite(f)):
        raise ValueError("warming_pattern: land_fraction must lie within [0, 1]")
    if np.any(a < 0.0) or not np.all(np.isfinite(a)):
        raise ValueError("warming_pattern: cell areas must be non-negative and finite")
    arctic = 0.5 * (1.0 + np.tanh((lat - ARCTIC_TRANSITION_LAT_DEG) / ARCTIC_TRANSITION_WIDTH_DEG))
    raw = (1.0 + (LAND_OCEAN_WARMING_RATIO - 1.0) * f) * (1.0 + (ARCTIC_AMPLIFICATION - 1.0) * arctic)
    total_area = reprosum(a, comm)
    if not total_area > 0:
        raise ValueError("warming_pattern: total cell area must be positive")
    mean = reprosum(a * raw, comm) / total_area
    return raw / mean
