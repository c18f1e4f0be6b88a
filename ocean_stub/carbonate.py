"""Seawater carbonate chemistry at the sea surface: DIC and alkalinity -> pH, CO2*, fCO2, pCO2, Revelle factor.

Conventions
-----------
* Concentrations are in mol per kg of seawater (``*_mol_kg``); the model's
  DIC and alkalinity tracers are converted to these units before the call.
* Temperature is absolute, ``T_K`` in K (the model is SI); the fits below are
  written in K as published. Salinity ``S`` is practical salinity (PSS-78).
* pH, ``h_mol_kg`` and the constants K1, K2, KB and KW are on the **total**
  hydrogen-ion scale, ``[H+]_T = [H+]_F (1 + S_T / K_S)`` (Dickson 1990a;
  Dickson, Sabine & Christian 2007, PICES Spec. Publ. 3, "the Guide"); KS
  and KF stay on the free scale, on which they enter the alkalinity.
* Gas amounts are in micro-atmospheres at the API: ``*_uatm`` = atm x
  :data:`UATM_PER_ATM`.
* All constants are for surface (1 atm total) pressure.

Equilibria and sources
----------------------
::

    K0      CO2(g) = CO2*, K0 = [CO2*]/fCO2              Weiss (1974), mol kg-1 atm-1
    K1, K2  CO2* = H+ + HCO3-, HCO3- = H+ + CO3--        Lueker et al. (2000), total scale
    KB      B(OH)3 + H2O = H+ + B(OH)4-                  Dickson (1990b), total scale
    KW      H2O = H+ + OH-                               Millero (1995), seawater scale
    KS      HSO4- = H+ + SO4--                           Dickson (1990a), free scale
    KF      HF = H+ + F-                                 Dickson & Riley (1979), free scale
    B_T     total borate, 0.0004157 S/35                 Uppstrom (1974), mol kg-1
    S_T     total sulfate, (0.14/96.062) S/1.80655       Morris & Riley (1966), mol kg-1
    F_T     total fluoride, (0.000067/18.998) S/1.80655  Riley (1965), mol kg-1

KS and KF are needed twice: to put Millero's KW on the total scale
(``KW_T = KW_SWS (1 + S_T/K_S) / (1 + S_T/K_S + F_T/K_F)``) and for the
bisulfate and HF terms of the total alkalinity (Dickson 1981). (The Guide's
total-scale KW, ln KW = -30.434 at S = 35 and 25 degC, folds a fixed scale
shift into Millero's intercept; the explicit conversion gives -30.441.)
The alkalinity is::

    TA = [HCO3-] + 2[CO3--] + [B(OH)4-] + [OH-] - [H+]_F - [HSO4-] - [HF]

These choices are those of PyCO2SYS 1.8 with ``opt_k_carbonic=10``,
``opt_pH_scale=1``, ``opt_total_borate=1``, ``opt_k_bisulfate=1``,
``opt_k_fluoride=1`` and ``opt_gas_constant=3`` (all its defaults), at zero
hydrostatic pressure and zero phosphate, silicate, ammonia and sulfide, which
is how ``tests/ocean/test_carbonate.py`` compares the two.

fCO2 versus pCO2
----------------
Weiss (1974) defines K0 against the *fugacity*: ``[CO2*] = K0 fCO2``. So
``fco2_uatm = CO2*/K0`` is what the solubility law gives and what the
air-sea flux ``F = k K0 (fCO2_air - fCO2_sea)`` must use on both sides
(:mod:`ocean_stub.airsea` computes the air's fCO2 from its mole fraction).
The partial pressure follows from the virial equation of state of CO2 in air
(Weiss 1974), ``fCO2 = pCO2 exp((B + 2 delta) P / (R T))``, at the total
(barometric) pressure ``P``, 1 atm unless given; pCO2 is about 0.3 % larger
than fCO2. Both are returned, and each is checked against the PyCO2SYS
output of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: 0 degC in K.
ZERO_CELSIUS_K = 273.15
#: micro-atmospheres per atmosphere (gas amounts are uatm at the API, atm in K0).
UATM_PER_ATM = 1.0e6
#: bar per standard atmosphere.
BAR_PER_ATM = 1.01325
#: Molar gas constant in cm3 bar mol-1 K-1 (CODATA 2018: 8.314462618 J mol-1 K-1), for the virial terms in cm3 mol-1.
GAS_CONSTANT_CM3_BAR_MOL_K = 83.14462618

#: Newton iterations allowed before the pH solver declares failure (it needs 4-6 in the ocean range).
MAX_ITERATIONS = 60
#: Newton step in ln [H+] below which a cell counts as converged (pH step < 5e-13; the error after it is far smaller).
H_RELATIVE_TOLERANCE = 1.0e-12


# --- equilibrium constants ------------------------------------------------------------------


def ionic_strength_mol_kg_h2o(S):
    """Ionic strength of seawater, mol (kg H2O)-1, from salinity (DOE 1994, ch. 5)."""
    return 19.924 * S / (1000.0 - 1.005 * S)


def _kg_h2o_per_kg_seawater(S):
    # Constants fitted per kg of water are converted to per kg of seawater by the
    # mass fraction of water, 1 - 0.001005 S (DOE 1994, ch. 5).
    return 1.0 - 0.001005 * S


def k0_weiss1974(T_K, S):
    """CO2 solubility K0 = [CO2*]/fCO2, mol kg-1 atm-1 (Weiss 1974, Mar. Chem. 2, 203; the coefficients for mol kg-1)."""
    t100 = T_K / 100.0
    ln_k0 = (-60.2409 + 93.4517 / t100 + 23.3585 * np.log(t100)
             + S * (0.023517 - 0.023656 * t100 + 0.0047036 * t100 * t100))
    return np.exp(ln_k0)


def k1_k2_lueker2000(T_K, S):
    """First and second dissociation constants of carbonic acid, mol kg-1, total scale.

    Lueker, Dickson & Keeling (2000, Mar. Chem. 70, 105): the Mehrbach et
    al. (1973) measurements refitted on the total scale; valid 2-35 degC,
    S 19-43, and used down to -2 degC (polar surface water) by extrapolation.
    """
    ln_t = np.log(T_K)
    pk1 = 3633.86 / T_K - 61.2172 + 9.6777 * ln_t - 0.011555 * S + 0.0001152 * S * S
    pk2 = 471.78 / T_K + 25.929 - 3.16967 * ln_t - 0.01781 * S + 0.0001122 * S * S
    return 10.0 ** -pk1, 10.0 ** -pk2


def kb_dickson1990(T_K, S):
    """Boric acid dissociation constant, mol kg-1, total scale (Dickson 1990b, Deep-Sea Res. 37, 755)."""
    sqrt_s = np.sqrt(S)
    ln_kb = ((-8966.90 - 2890.53 * sqrt_s - 77.942 * S + 1.728 * S * sqrt_s - 0.0996 * S * S) / T_K
             + 148.0248 + 137.1942 * sqrt_s + 1.62142 * S
             - (24.4344 + 25.085 * sqrt_s + 0.2474 * S) * np.log(T_K)
             + 0.053105 * sqrt_s * T_K)
    return np.exp(ln_kb)


def kw_millero1995_sws(T_K, S):
    """Ion product of water, mol2 kg-2, seawater scale (Millero 1995, GCA 59, 661)."""
    ln_t = np.log(T_K)
    return np.exp(148.9802 - 13847.26 / T_K - 23.6521 * ln_t
                  + (-5.977 + 118.67 / T_K + 1.0495 * ln_t) * np.sqrt(S) - 0.01615 * S)


def ks_dickson1990(T_K, S):
    """Bisulfate dissociation constant, mol kg-1, free scale (Dickson 1990a, J. Chem. Thermodyn. 22, 113)."""
    ion = ionic_strength_mol_kg_h2o(S)
    ln_t = np.log(T_K)
    sqrt_i = np.sqrt(ion)
    ln_ks = (-4276.1 / T_K + 141.328 - 23.093 * ln_t
             + (-13856.0 / T_K + 324.57 - 47.986 * ln_t) * sqrt_i
             + (35474.0 / T_K - 771.54 + 114.723 * ln_t) * ion
             - 2698.0 / T_K * ion * sqrt_i + 1776.0 / T_K * ion * ion)
    return np.exp(ln_ks) * _kg_h2o_per_kg_seawater(S)


def kf_dickson_riley1979(T_K, S):
    """Hydrogen fluoride dissociation constant, mol kg-1, free scale (Dickson & Riley 1979, Mar. Chem. 7, 89)."""
    ion = ionic_strength_mol_kg_h2o(S)
    return np.exp(1590.2 / T_K - 12.641 + 1.525 * np.sqrt(ion)) * _kg_h2o_per_kg_seawater(S)


def total_borate_uppstrom1974_mol_kg(S):
    """Total borate, mol kg-1, 416 umol kg-1 at S = 35 (Uppstrom 1974, Deep-Sea Res. 21, 161)."""
    return 0.0004157 * S / 35.0


def total_sulfate_morris_riley1966_mol_kg(S):
    """Total sulfate, mol kg-1: 0.14 g SO4 per g chlorinity, chlorinity = S / 1.80655 (Morris & Riley 1966)."""
    return (0.14 / 96.062) * S / 1.80655


def total_fluoride_riley1965_mol_kg(S):
    """Total fluoride, mol kg-1: 6.7e-5 g F per g chlorinity (Riley 1965)."""
    return (0.000067 / 18.998) * S / 1.80655


@dataclass(frozen=True, slots=True)
class EquilibriumConstants:
    """Surface-pressure equilibrium constants of one set of cells (arrays broadcast to one shape).

    Acid constants are on the total pH scale except ``ks_free`` and ``kf_free``
    (free scale, as they enter the bisulfate and HF terms). ``free_to_total`` is
    ``[H+]_T / [H+]_F = 1 + S_T/K_S``.
    """

    T_K: np.ndarray
    S: np.ndarray
    k0_mol_kg_atm: np.ndarray
    k1: np.ndarray
    k2: np.ndarray
    kb: np.ndarray
    kw: np.ndarray
    ks_free: np.ndarray
    kf_free: np.ndarray
    total_borate_mol_kg: np.ndarray
    total_sulfate_mol_kg: np.ndarray
    total_fluoride_mol_kg: np.ndarray
    free_to_total: np.ndarray


def equilibrium_constants(T_K, S) -> EquilibriumConstants:
    """All constants at temperature ``T_K`` (K) and practical salinity ``S``, 1 atm, total pH scale."""
    T_K, S = np.broadcast_arrays(np.asarray(T_K, dtype=float), np.asarray(S, dtype=float))
    k1, k2 = k1_k2_lueker2000(T_K, S)
    ks = ks_dickson1990(T_K, S)
    kf = kf_dickson_riley1979(T_K, S)
    st = total_sulfate_morris_riley1966_mol_kg(S)
    ft = total_fluoride_riley1965_mol_kg(S)
    free_to_total = 1.0 + st / ks
    # The seawater scale also counts HF-bound protons: [H+]_SWS = [H+]_F (1 + S_T/K_S + F_T/K_F).
    sws_to_total = free_to_total / (free_to_total + ft / kf)
    return EquilibriumConstants(
        T_K=T_K, S=S,
        k0_mol_kg_atm=k0_weiss1974(T_K, S),
        k1=k1, k2=k2,
        kb=kb_dickson1990(T_K, S),
        kw=kw_millero1995_sws(T_K, S) * sws_to_total,
        ks_free=ks, kf_free=kf,
        total_borate_mol_kg=total_borate_uppstrom1974_mol_kg(S),
        total_sulfate_mol_kg=st, total_fluoride_mol_kg=ft,
        free_to_total=free_to_total,
    )


def fugacity_factor(T_K, p_atm=1.0):
    """fCO2/pCO2 of CO2 in air at total pressure ``p_atm`` (atm), dimensionless (Weiss 1974).

    Second virial coefficient of CO2, ``B`` (cm3 mol-1), and the CO2-air cross
    term ``delta`` (cm3 mol-1). The factor (1 - xCO2)^2 on delta is taken as 1,
    as in PyCO2SYS: a relative error of 1.5e-6 at 400 ppm (0.0006 uatm).
    """
    b_cm3_mol = -1636.75 + 12.0408 * T_K - 3.27957e-2 * T_K**2 + 3.16528e-5 * T_K**3
    delta_cm3_mol = 57.7 - 0.118 * T_K
    p_bar = p_atm * BAR_PER_ATM
    return np.exp((b_cm3_mol + 2.0 * delta_cm3_mol) * p_bar / (GAS_CONSTANT_CM3_BAR_MOL_K * T_K))


# --- alkalinity equation and solver ---------------------------------------------------------


def _non_carbonate_alkalinity(c: EquilibriumConstants):
    """Function of h giving borate + water - free H+ - bisulfate - HF alkalinity (mol kg-1) and its d/dh.

    Products of constants are formed once here, not at every iteration.
    """
    bt_kb = c.total_borate_mol_kg * c.kb
    st_ks = c.total_sulfate_mol_kg * c.ks_free
    ft_kf = c.total_fluoride_mol_kg * c.kf_free
    total_to_free = 1.0 / c.free_to_total

    def terms(h):
        hf = h * total_to_free
        kb_h = c.kb + h
        ks_hf = c.ks_free + hf
        kf_hf = c.kf_free + hf
        kw_h = c.kw / h
        # [HSO4-] = S_T hF/(KS + hF), not S_T - S_T KS/(KS + hF): the latter cancels to rounding noise of
        # S_T (28 mmol/kg) at high pH, which stalls convergence where the alkalinity is weakly buffered.
        alk = (bt_kb / kb_h + kw_h - hf - c.total_sulfate_mol_kg * hf / ks_hf
               - c.total_fluoride_mol_kg * hf / kf_hf)
        dalk_dh = -bt_kb / (kb_h * kb_h) - kw_h / h - (1.0 + st_ks / (ks_hf * ks_hf)
                                                      + ft_kf / (kf_hf * kf_hf)) * total_to_free
        return alk, dalk_dh

    return terms


def _water_bound_h(a_other_mol_kg, c: EquilibriumConstants):
    """Positive root of ``a_other + KW/h - h/a = 0``, a = free_to_total (mol kg-1).

    With ``a_other`` a bound on every alkalinity term except water and free H+,
    this root bounds the solution (Munhoven 2013, GMD 6, 1367). The
    two algebraic forms avoid cancellation for either sign of ``a_other``.
    """
    a = c.free_to_total
    disc = np.sqrt(a_other_mol_kg * a_other_mol_kg + 4.0 * c.kw / a)
    neg = np.maximum(disc - a_other_mol_kg, 1e-300)
    pos = np.maximum(disc + a_other_mol_kg, 1e-300)
    return np.where(a_other_mol_kg > 0.0, 0.5 * a * pos, 2.0 * c.kw / neg)


def _newton_bisect(residual, h_lo, h_hi, h0):
    """Root of a residual that decreases monotonically in h, vectorised over cells.

    Newton steps in ln h (that is, in pH: ``d ln h = -R / (h dR/dh)``), kept
    inside a bracket that every evaluation tightens; a step leaving the
    bracket is replaced by bisection in ln h. This is the safeguarding of
    Munhoven (2013, GMD 6, 1367), so the iteration cannot diverge. Newton in
    ln h rather than in h because the alkalinity terms are sigmoids or
    exponentials of pH: from the first guess it needs 4-6 iterations where
    Newton in h needs 6-15. Every cell is iterated until all have converged,
    because masking out converged cells costs more in numpy than the few
    extra evaluations. A converged cell is frozen: it takes its final step
    and then never changes, so its answer does not depend on which other
    cells share its array (bit-for-bit across decompositions and blocks).
    """
    h = np.clip(h0, h_lo, h_hi)
    done = np.zeros(np.shape(h), dtype=bool)
    for _ in range(MAX_ITERATIONS):
        r, dr_dh = residual(h)
        h_lo = np.where(r > 0.0, h, h_lo)
        h_hi = np.where(r < 0.0, h, h_hi)
        # Clipped only so exp cannot overflow far from the root; such a step leaves the bracket anyway.
        dlnh = np.clip(-r / (h * dr_dh), -50.0, 50.0)
        h_newton = h * np.exp(dlnh)
        # A step below the tolerance is accepted even if rounding put it on a bracket end:
        # bisecting there would throw a converged cell back across the bracket.
        converged = np.abs(dlnh) <= H_RELATIVE_TOLERANCE
        inside = (h_newton > h_lo) & (h_newton < h_hi)
        h = np.where(done, h, np.where(inside | converged, h_newton, np.sqrt(h_lo * h_hi)))
        done |= converged
        converged = done
        if done.all():
            return h
    n_bad = int(np.size(converged) - np.count_nonzero(converged))
    raise RuntimeError(f"carbonate pH solver: {n_bad} cells not converged after {MAX_ITERATIONS} iterations")


def _check_finite(**arrays):
    for name, x in arrays.items():
        if not np.all(np.isfinite(x)):
            raise ValueError(f"carbonate chemistry: non-finite {name}")


#: Cells per block of the vectorised solvers. numpy makes a temporary array per operation, and
#: the ~50 of a Newton iteration stay in the L2 cache only for short arrays: blocks of 4096
#: cells make 1e5 cells 2-3 times faster than one pass over all of them.
BLOCK_CELLS = 4096


def _blocked(block_fn, *arrays):
    """Apply ``block_fn`` (arrays -> tuple of arrays, all elementwise) to blocks of the broadcast inputs."""
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))
    shape = arrays[0].shape
    flat = [a.ravel() for a in arrays]
    n = flat[0].size
    if n <= BLOCK_CELLS:
        return tuple(np.reshape(r, shape) for r in block_fn(*flat))
    outs = None
    for start in range(0, n, BLOCK_CELLS):
        part = block_fn(*(a[start:start + BLOCK_CELLS] for a in flat))
        if outs is None:
            outs = tuple(np.empty(n) for _ in part)
        for out, r in zip(outs, part):
            out[start:start + BLOCK_CELLS] = r
    return tuple(out.reshape(shape) for out in outs)


_CONSTANT_FIELDS = tuple(EquilibriumConstants.__dataclass_fields__)


def _constant_arrays(c: EquilibriumConstants):
    return tuple(getattr(c, name) for name in _CONSTANT_FIELDS)


def _solve_h_block(dic, ta, c: EquilibriumConstants):
    _check_finite(dic_mol_kg=dic, ta_mol_kg=ta)
    if np.any(dic <= 0.0):
        raise ValueError("carbonate chemistry: DIC must be positive")
    k1k2 = c.k1 * c.k2
    dic_k1 = dic * c.k1
    two_k2 = 2.0 * c.k2
    four_k2 = 4.0 * c.k2
    non_carbonate = _non_carbonate_alkalinity(c)

    def residual(h):
        d = h * (h + c.k1) + k1k2
        alk_c = dic_k1 * (h + two_k2) / d
        dalk_c = -dic_k1 * (h * (h + four_k2) + k1k2) / (d * d)
        alk_o, dalk_o = non_carbonate(h)
        return alk_c + alk_o - ta, dalk_c + dalk_o

    h_lo = _water_bound_h(-(c.total_sulfate_mol_kg + c.total_fluoride_mol_kg) - ta, c)
    h_hi = _water_bound_h(2.0 * dic + c.total_borate_mol_kg - ta, c)
    h8 = 1e-8
    carb_alk = ta - c.total_borate_mol_kg * c.kb / (c.kb + h8) - c.kw / h8 + h8
    # Outside 0 < CA < 2 DIC the quadratic has no positive root; the bracket mid-point serves instead.
    ca = np.clip(carb_alk, 1e-3 * dic, 1.999 * dic)
    b = c.k1 * (ca - dic)
    disc = np.sqrt(b * b + 4.0 * ca * k1k2 * (2.0 * dic - ca))
    # Root of CA h^2 + b h - K1 K2 (2 DIC - CA) = 0 in the form free of cancellation for the sign of b.
    h0 = np.where(b > 0.0, 2.0 * k1k2 * (2.0 * dic - ca) / (b + disc), (disc - b) / (2.0 * ca))
    h0 = np.where((carb_alk > 0.0) & (carb_alk < 2.0 * dic), h0, np.sqrt(h_lo * h_hi))
    return _newton_bisect(residual, h_lo, h_hi, h0)


def solve_ph(dic_mol_kg, ta_mol_kg, consts: EquilibriumConstants):
    """pH (total scale) and [H+]_T (mol kg-1) from DIC and total alkalinity (mol kg-1).

    Solves TA(h) = TA for h where (Dickson 1981; see the module docstring)::

        TA(h) = DIC (K1 h + 2 K1 K2) / (h^2 + K1 h + K1 K2)
                + B_T KB / (KB + h) + KW / h - h_F - [HSO4-] - [HF]

    TA(h) decreases monotonically, so a root exists and is unique for any
    DIC > 0 and any TA. The non-water part of TA lies in
    ``[-(S_T + F_T), 2 DIC + B_T]``, which brackets h (Munhoven 2013). The
    first guess solves the carbonate-only quadratic with the borate and water
    alkalinity of pH 8 removed (cf. Follows et al. 2006, Ocean Model. 12, 290);
    the safeguarded Newton then converges in 4-6 iterations to |dpH| < 1e-12.
    """
    def block(dic, ta, *fields):
        return (_solve_h_block(dic, ta, EquilibriumConstants(*fields)),)

    (h,) = _blocked(block, dic_mol_kg, ta_mol_kg, *_constant_arrays(consts))
    return -np.log10(h), h


# --- the carbonate system -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CarbonateState:
    """Carbonate system of a set of cells; concentrations mol kg-1, gases uatm, pH on the total scale."""

    ph_total: np.ndarray
    h_mol_kg: np.ndarray
    co2_star_mol_kg: np.ndarray
    hco3_mol_kg: np.ndarray
    co3_mol_kg: np.ndarray
    fco2_uatm: np.ndarray
    """CO2*/K0: the fugacity, the quantity of Weiss's K0 and of the air-sea flux."""
    pco2_uatm: np.ndarray
    """Partial pressure fCO2 / fugacity_factor at ``p_atm`` total pressure."""
    revelle_factor: np.ndarray
    """(d ln fCO2 / d ln DIC) at constant TA, T, S (dimensionless)."""
    k0_mol_kg_atm: np.ndarray


def _carbonate_block(dic, ta, p_atm, c: EquilibriumConstants):
    h = _solve_h_block(dic, ta, c)
    k1k2 = c.k1 * c.k2
    d = h * (h + c.k1) + k1k2
    co2 = dic * h * h / d
    hco3 = dic * c.k1 * h / d
    co3 = dic * k1k2 / d
    fco2_uatm = co2 / c.k0_mol_kg_atm * UATM_PER_ATM
    pco2_uatm = fco2_uatm / fugacity_factor(c.T_K, p_atm)
    dalk_c_dh = -dic * c.k1 * (h * (h + 4.0 * c.k2) + k1k2) / (d * d)
    _, dalk_o_dh = _non_carbonate_alkalinity(c)(h)
    dh_ddic = -(c.k1 * (h + 2.0 * c.k2) / d) / (dalk_c_dh + dalk_o_dh)
    revelle = 1.0 + dic * (2.0 / h - (2.0 * h + c.k1) / d) * dh_ddic
    return -np.log10(h), h, co2, hco3, co3, fco2_uatm, pco2_uatm, revelle, c.k0_mol_kg_atm


def carbonate_system(dic_mol_kg, ta_mol_kg, T_K, S, consts: EquilibriumConstants | None = None,
                     p_atm=1.0) -> CarbonateState:
    """Speciation, fCO2, pCO2 and Revelle factor from DIC and TA (mol kg-1), ``T_K`` (K), ``S`` (PSS-78).

    ``consts`` may be passed to reuse constants already computed for these T
    and S (then ``T_K`` and ``S`` are ignored). ``p_atm`` is the total
    (barometric) pressure in atm, used for pCO2 only.

    The Revelle factor is exact for this chemistry, not a finite difference:
    with ``CO2* = DIC h^2 / D``, ``D = h^2 + K1 h + K1 K2``, at constant TA::

        RF = d ln CO2* / d ln DIC = 1 + DIC (2/h - (2h + K1)/D) dh/dDIC,
        dh/dDIC = -(dTA/dDIC)_h / (dTA/dh)_DIC = -((K1 h + 2 K1 K2) / D) / (dTA/dh)_DIC,

    and K0 cancels, so the same factor holds for fCO2 and pCO2.
    """
    if consts is None:
        def block(dic, ta, p, t, s):
            return _carbonate_block(dic, ta, p, equilibrium_constants(t, s))

        out = _blocked(block, dic_mol_kg, ta_mol_kg, p_atm, T_K, S)
    else:
        def block(dic, ta, p, *fields):
            return _carbonate_block(dic, ta, p, EquilibriumConstants(*fields))

        out = _blocked(block, dic_mol_kg, ta_mol_kg, p_atm, *_constant_arrays(consts))
    return CarbonateState(*out)


def _dic_at_fco2_block(f, ta, c: EquilibriumConstants):
    _check_finite(fco2_uatm=f, ta_mol_kg=ta)
    if np.any(f <= 0.0):
        raise ValueError("carbonate chemistry: fCO2 must be positive")
    co2 = c.k0_mol_kg_atm * f / UATM_PER_ATM
    k1k2 = c.k1 * c.k2
    co2_k1 = co2 * c.k1
    two_k2 = 2.0 * c.k2
    four_k2 = 4.0 * c.k2
    a = c.free_to_total
    non_carbonate = _non_carbonate_alkalinity(c)

    def residual(h):
        h2 = h * h
        alk_c = co2_k1 * (h + two_k2) / h2
        dalk_c = -co2_k1 * (h + four_k2) / (h2 * h)
        alk_o, dalk_o = non_carbonate(h)
        return alk_c + alk_o - ta, dalk_c + dalk_o

    x = co2_k1 + c.kw
    y = 2.0 * co2 * k1k2
    cc = ta + c.total_sulfate_mol_kg + c.total_fluoride_mol_kg
    disc_lo = np.sqrt(a * a * cc * cc + 4.0 * a * x)
    h_lo = np.where(cc > 0.0, 2.0 * a * x / (a * cc + disc_lo), 0.5 * (disc_lo - a * cc))
    h_hi_any = np.maximum(np.maximum(np.sqrt(3.0 * a * x), np.cbrt(3.0 * a * y)),
                          3.0 * a * (c.total_borate_mol_kg - ta))
    excess = ta - c.total_borate_mol_kg
    safe_excess = np.where(excess > 0.0, excess, 1.0)
    h_hi_ta = np.maximum(2.0 * x / safe_excess, np.sqrt(2.0 * y / safe_excess))
    h_hi = np.where(excess > 0.0, np.minimum(h_hi_any, h_hi_ta), h_hi_any)
    h_lo = np.minimum(h_lo, h_hi)
    # First guess: carbonate-only balance with a fixed 100 umol/kg of borate alkalinity (the open-ocean value at pH 8).
    ca = np.maximum(ta - 1.0e-4, 1.0e-4)
    h0 = (co2_k1 + np.sqrt(co2_k1 * co2_k1 + 8.0 * ca * co2 * k1k2)) / (2.0 * ca)
    h = _newton_bisect(residual, h_lo, h_hi, h0)
    return (co2 * (1.0 + c.k1 / h + k1k2 / (h * h)),)


def dic_at_fco2(fco2_uatm, ta_mol_kg, T_K, S, consts: EquilibriumConstants | None = None):
    """DIC (mol kg-1) in equilibrium with CO2 fugacity ``fco2_uatm`` (uatm) at alkalinity ``ta_mol_kg``.

    CO2* = K0 fCO2 is then fixed, and the alkalinity equation becomes
    ``CO2* (K1/h + 2 K1 K2 / h^2) + [non-carbonate terms] = TA``, again
    decreasing in h; DIC = CO2* (1 + K1/h + K1 K2/h^2). Brackets:
    dropping borate and adding -(S_T + F_T) gives
    ``(CO2* K1 + KW)/h - h/a - (TA + S_T + F_T) <= residual``, whose root
    bounds h from below; dropping the acid terms gives an upper estimate
    ``X/h + Y/h^2 + B_T - TA - h/a`` (X = CO2* K1 + KW, Y = 2 CO2* K1 K2),
    negative once each positive part is at most a third of h/a, or, if
    TA > B_T, once X/h and Y/h^2 are each at most (TA - B_T)/2.
    """
    if consts is None:
        def block(f, ta, t, s):
            return _dic_at_fco2_block(f, ta, equilibrium_constants(t, s))

        (dic,) = _blocked(block, fco2_uatm, ta_mol_kg, T_K, S)
    else:
        def block(f, ta, *fields):
            return _dic_at_fco2_block(f, ta, EquilibriumConstants(*fields))

        (dic,) = _blocked(block, fco2_uatm, ta_mol_kg, *_constant_arrays(consts))
    return dic


def dic_at_pco2(pco2_uatm, ta_mol_kg, T_K, S, consts: EquilibriumConstants | None = None, p_atm=1.0):
    """DIC (mol kg-1) in equilibrium with CO2 partial pressure ``pco2_uatm`` (uatm) at total pressure ``p_atm`` (atm).

    The inverse of :func:`carbonate_system`'s ``pco2_uatm``; for spin-up from
    an atmosphere given as a mole fraction use ``airsea.fco2_air_uatm`` with
    :func:`dic_at_fco2` instead, which also accounts for water vapour.
    """
    T_K = consts.T_K if consts is not None else np.asarray(T_K, dtype=float)
    fco2 = np.asarray(pco2_uatm, dtype=float) * fugacity_factor(T_K, p_atm)
    return dic_at_fco2(fco2, ta_mol_kg, T_K, S, consts=consts)
