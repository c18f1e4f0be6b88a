"""Carbon isotopes 13C and 14C as shadow pools of every carbon pool (SCIENCE.md section 3, mechanism 11).

Every carbon pool of the vegetation and the soil has a 13C and a 14C
shadow holding the mass of that isotope (kg 13C m-2, kg 14C m-2; the model's
carbon is total carbon).  Every carbon flux carries the isotope ratio of its
source pool at the start of the stage that moves it, so the shadows obey the
same books as carbon; only two processes change a ratio:

- **photosynthetic discrimination** against 13CO2 (Farquhar, O'Leary & Berry
  1982, Aust. J. Plant Physiol. 9, 121; Farquhar, Ehleringer & Hubick 1989,
  Annu. Rev. Plant Physiol. Plant Mol. Biol. 40, 503), for C3 leaves
  ``Delta = a + (b - a) ci/ca`` and for C4 leaves ``Delta = a + (b4 + b3 phi - a) ci/ca``
  (Farquhar 1983, Aust. J. Plant Physiol. 10, 205); the assimilate has
  ``R_a = R_atm / (1 + Delta)``.  14C is discriminated twice as strongly as
  13C (mass dependence; the factor 2 of the delta-13C normalisation of
  Stuiver & Polach 1977, Radiocarbon 19, 355), ``R14_a = R14_atm / (1 + Delta)^2``,
  so that the Delta-14C of fresh assimilate equals that of the air;
- **radioactive decay** of 14C in every pool, ``dC14/dt = -lambda C14`` with
  ``lambda = ln 2 / 5730 yr`` (the Cambridge half-life, Godwin 1962,
  Nature 195, 984), integrated exactly over a step.

Ratios are 13C/C and 14C/C of total carbon; the delta notations convert them
at the edges (history, namelist).  The atmosphere is a boundary condition
here: its delta-13C and Delta-14C are namelist values (or a Delta-14C series
from a file, e.g. the bomb spike), not prognostic tracers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["C13", "C14", "DISCRIMINATION_A_PERMIL", "DISCRIMINATION_B3_PERMIL", "DISCRIMINATION_B4_PERMIL",
           "DISCRIMINATION_B_PERMIL", "C4_LEAKINESS", "DELTA13C_ATMOSPHERE_PREINDUSTRIAL_PERMIL",
           "DECAY_RATE_14C_S", "HALF_LIFE_14C_S", "ISOTOPES", "R13_VPDB", "R14_MODERN", "assimilate_ratios",
           "atmosphere_ratios", "decay_14c", "delta13c_permil", "delta14c_permil", "photosynthetic_discrimination",
           "interpolate_series", "ratio", "read_delta14c_series", "VegIsotopeFluxes", "vegetation_step"]

#: Isotopes carried, in the order of the leading axis of every shadow array.
ISOTOPES = ("c13", "c14")
C13, C14 = 0, 1

#: 13C/12C of the VPDB standard (Craig 1957, Geochim. Cosmochim. Acta 12, 133; the value CLM uses).
R13_VPDB = 0.0112372
#: 14C/12C of the modern (absolute) standard, 0.95 x the 1950 activity of NBS oxalic acid: 1.176e-12
#: (Karlen et al. 1968, Arkiv Geofysik 4, 465; Stuiver & Polach 1977).
R14_MODERN = 1.176e-12
#: Seconds in the (Julian) year of the half-life.
SECONDS_PER_JULIAN_YEAR = 365.25 * 86400.0
#: Half-life of 14C, s: 5730 yr (Godwin 1962).
HALF_LIFE_14C_S = 5730.0 * SECONDS_PER_JULIAN_YEAR
#: Decay constant of 14C, s-1.
DECAY_RATE_14C_S = np.log(2.0) / HALF_LIFE_14C_S
#: Preindustrial delta-13C of atmospheric CO2, per mil VPDB: -6.4 (Law Dome and South Pole firn and ice,
#: Francey et al. 1999, Tellus B 51, 170).
DELTA13C_ATMOSPHERE_PREINDUSTRIAL_PERMIL = -6.4
#: Fractionation of diffusion through stomata, per mil (``a``; Farquhar et al. 1982).
DISCRIMINATION_A_PERMIL = 4.4
#: Net fractionation of Rubisco carboxylation, per mil (``b``; Farquhar et al. 1989: 27 in the simple model).
DISCRIMINATION_B_PERMIL = 27.0
#: C4: fractionation of PEP carboxylation with the CO2-HCO3- equilibrium, -5.7 per mil at 25 degC (``b4``), and
#: Rubisco's 30 per mil (``b3``), Farquhar (1983).
DISCRIMINATION_B4_PERMIL = -5.7
DISCRIMINATION_B3_PERMIL = 30.0
#: C4 bundle-sheath leakiness ``phi``, the share of the CO2 pumped by PEP carboxylation that leaks back: 0.3
#: (chosen within the 0.2-0.4 of Henderson, von Caemmerer & Farquhar 1992, Aust. J. Plant Physiol. 19, 263),
#: which gives Delta ~4 per mil at ci/ca 0.4, the discrimination of C4 grasses and maize.
C4_LEAKINESS = 0.3


def ratio(isotope, carbon) -> np.ndarray:
    """Isotope ratio ``isotope / carbon`` of total carbon (0 where there is no carbon)."""
    isotope, carbon = np.asarray(isotope, dtype=float), np.asarray(carbon, dtype=float)
    shape = np.broadcast(isotope, carbon).shape
    return np.divide(isotope, carbon, out=np.zeros(shape), where=carbon > 0.0)


def _per_c12(delta13c_permil_, delta14c_permil_):
    """13C/12C and 14C/12C from delta-13C (per mil VPDB) and Delta-14C (per mil; the inverse of the delta-13C
    normalisation of Stuiver & Polach 1977)."""
    d13 = np.asarray(delta13c_permil_, dtype=float) / 1000.0
    r13 = R13_VPDB * (1.0 + d13)
    r14 = R14_MODERN * (1.0 + np.asarray(delta14c_permil_, dtype=float) / 1000.0) * ((1.0 + d13) / 0.975) ** 2
    return r13, r14


def delta13c_permil(c13, carbon, c14=0.0) -> np.ndarray:
    """delta-13C, per mil VPDB, of a pool holding ``c13`` (and ``c14``) in ``carbon`` of total carbon (NaN if empty)."""
    c13, carbon = np.asarray(c13, dtype=float), np.asarray(carbon, dtype=float)
    c12 = carbon - c13 - c14
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(carbon > 0.0, (c13 / c12 / R13_VPDB - 1.0) * 1000.0, np.nan)


def delta14c_permil(c14, c13, carbon) -> np.ndarray:
    """Delta-14C, per mil (Stuiver & Polach 1977, without the age correction), of a pool (NaN if empty)."""
    c14, c13, carbon = (np.asarray(x, dtype=float) for x in (c14, c13, carbon))
    c12 = carbon - c13 - c14
    with np.errstate(divide="ignore", invalid="ignore"):
        d13 = (c13 / c12 / R13_VPDB - 1.0) * 1000.0
        fm = c14 / c12 / R14_MODERN * (0.975 / (1.0 + d13 / 1000.0)) ** 2
        return np.where(carbon > 0.0, (fm - 1.0) * 1000.0, np.nan)


def atmosphere_ratios(delta13c_permil_=DELTA13C_ATMOSPHERE_PREINDUSTRIAL_PERMIL, delta14c_permil_=0.0) -> np.ndarray:
    """13C/C and 14C/C of atmospheric CO2, shape ``(2,) + shape``, from its delta-13C and Delta-14C (per mil)."""
    r13, r14 = np.broadcast_arrays(*_per_c12(delta13c_permil_, delta14c_permil_))
    return np.stack([r13, r14]) / (1.0 + r13 + r14)


def photosynthetic_discrimination(ci_over_ca, c4) -> np.ndarray:
    """13C discrimination of assimilation, per mil: Farquhar et al. (1982) for C3, Farquhar (1983) for C4.

    ``ci_over_ca`` (intercellular over ambient CO2, clipped to 0-1) and ``c4``
    (boolean) per tile.
    """
    x = np.clip(np.asarray(ci_over_ca, dtype=float), 0.0, 1.0)
    a = DISCRIMINATION_A_PERMIL
    slope = np.where(np.asarray(c4, dtype=bool),
                     DISCRIMINATION_B4_PERMIL + DISCRIMINATION_B3_PERMIL * C4_LEAKINESS - a,
                     DISCRIMINATION_B_PERMIL - a)
    return a + slope * x


def assimilate_ratios(atmosphere, discrimination_permil) -> np.ndarray:
    """13C/C and 14C/C of fresh assimilate, ``(2, n)``: ``R_atm / (1 + Delta)`` and ``R14_atm / (1 + Delta)^2``.

    ``atmosphere`` are the air's ratios (:func:`atmosphere_ratios`), ``(2,)``
    or ``(2, n)``; the ratios of 13C and 14C to 12C are divided and converted
    back to ratios of total carbon.
    """
    atm = np.asarray(atmosphere, dtype=float)
    atm = atm.reshape(atm.shape + (1,) * (atm.ndim == 1))
    f = 1.0 + np.asarray(discrimination_permil, dtype=float) / 1000.0
    c12 = 1.0 - atm[C13] - atm[C14]
    r13 = atm[C13] / c12 / f
    r14 = atm[C14] / c12 / f ** 2
    return np.stack([r13, r14]) / (1.0 + r13 + r14)


def decay_14c(c14, dt) -> np.ndarray:
    """14C decayed over ``dt`` s (exact exponential), kg 14C m-2; the caller removes it from ``c14``."""
    return np.asarray(c14, dtype=float) * -np.expm1(-DECAY_RATE_14C_S * dt)


class VegIsotopeFluxes(NamedTuple):
    """Isotope fluxes of the vegetation over a step, ``(2, ntile)`` kg m-2 (13C, 14C)."""

    assimilated: np.ndarray
    respired: np.ndarray
    litter_met: np.ndarray
    litter_str: np.ndarray
    decayed: np.ndarray
    #: Of ``litter_str``, the wood's: the coarse woody debris of the soil.
    litter_cwd: np.ndarray | None = None


def vegetation_step(shadow, flows, assimilate, dt) -> VegIsotopeFluxes:
    """Advance the vegetation shadows ``shadow`` (``(2, 4, ntile)``: labile, leaf, fine root, wood) in place.

    ``flows`` are the carbon movements of the step
    (:class:`lsm.vegetation.VegCarbonFlows`), ``assimilate`` the ratios of
    fresh assimilate (:func:`assimilate_ratios`).  Litter and the spring
    flush leave at the start-of-step ratio of their pool; maintenance paid
    from the pools leaves at the ratio after turnover and flush; growth,
    growth respiration, exudates and the maintenance paid from the day's
    assimilate carry the assimilate's ratio.  14C then decays.
    """
    f = flows
    r0 = ratio(shadow, f.start)
    shadow -= f.litter * r0
    flushed = f.flush * r0[:, 0]
    shadow[:, 0] -= flushed
    leaf_share = ratio(f.flush_leaf, f.flush)
    shadow[:, 1] += flushed * leaf_share
    shadow[:, 2] += flushed - flushed * leaf_share
    r1 = ratio(shadow, f.after_turnover)
    # a pool paid out whole gives up its whole shadow, never a rounding unit more
    taken = np.minimum(f.take * r1, np.maximum(shadow, 0.0))
    shadow -= taken
    shadow += f.growth * assimilate[:, None]
    built = f.growth.sum(axis=0) + f.exudate
    respired = (f.assimilated - built) * assimilate + taken.sum(axis=1)
    litter = f.litter * r0
    met = (litter * f.metabolic_share).sum(axis=1) + f.exudate * assimilate
    structural = (litter * (1.0 - f.metabolic_share)).sum(axis=1)
    decayed = np.zeros_like(respired)
    lost = decay_14c(shadow[C14], dt)
    shadow[C14] -= lost
    decayed[C14] = lost.sum(axis=0)
    return VegIsotopeFluxes(f.assimilated * assimilate, respired, met, structural, decayed, litter[:, 3])


def read_delta14c_series(path) -> tuple[np.ndarray, np.ndarray]:
    """Read a Delta-14C series of atmospheric CO2: CSV rows ``year, Delta-14C`` (per mil), ``#`` comments and a
    header line allowed.  Returns (decimal years, per mil), years strictly increasing; errors name the file."""
    from coupler.errors import InputDataError

    try:
        with open(path, encoding="utf-8") as f:
            lines = [ln.split("#")[0].strip() for ln in f]
    except OSError as err:
        raise InputDataError(f"{path}: cannot read the Delta-14C series ({err.strerror})") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        parts = [p.strip() for p in line.split(",")]
        try:
            year, value = (float(p) for p in parts)
        except ValueError:
            if not rows and number == next(i for i, ln in enumerate(lines, 1) if ln):
                continue  # a header line
            raise InputDataError(f"{path}: line {number}: expected 'year, Delta-14C (permil)', got {line!r}") from None
        rows.append((year, value))
    if not rows:
        raise InputDataError(f"{path}: no 'year, Delta-14C' rows")
    years, values = np.array(rows).T
    if not np.all(np.isfinite(values)) or not np.all(np.isfinite(years)):
        raise InputDataError(f"{path}: non-finite values in the Delta-14C series")
    if np.any(np.diff(years) <= 0):
        raise InputDataError(f"{path}: years of the Delta-14C series must increase strictly")
    if np.any(values <= -1000.0):
        raise InputDataError(f"{path}: Delta-14C must be above -1000 permil")
    return years, values


def interpolate_series(series, decimal_year: float) -> float:
    """Linear interpolation of a (years, values) series, constant beyond its ends."""
    years, values = series
    return float(np.interp(decimal_year, years, values))
