"""Exact steady state of the ocean's equations under constant (time-mean) forcing.

The interior boxes (3 tracers x 6 boxes) are slow (centuries to millennia);
the mixed-layer cells are fast and, for a given interior, each reaches its
own steady state, which is solved cell by cell (vectorised): phosphate from
a quadratic (Michaelis-Menten uptake against transport), alkalinity
linearly, DIC by Newton iteration on the carbonate chemistry. Cells of the
low-latitude and southern bands depend only on their thermocline box; the
northern cells also on the poleward flow from the low latitudes, solved
first. Newton iteration on the interior then zeroes the interior tendencies
of the model's own ``tendencies`` function, with the global phosphate and
alkalinity inventories fixed (transport conserves them, so one equation per
tracer is replaced by its inventory) while DIC is set by the atmosphere's
CO2. The result is a fixed point of the time-stepped model (an explicit step
leaves a state with zero tendency unchanged), so a run started from it with
the same mean forcing does not drift (cf. the matrix/Newton spin-ups of
Khatiwala 2008 and Li & Primeau 2008).
"""

from __future__ import annotations

import numpy as np

from . import carbonate
from .biology import ALK_PER_P_ORGANIC, REDFIELD_C_P, export_phosphorus, saturated_export
from .geometry import DEEP, LOW, NORTH, SEAWATER_DENSITY_KG_M3, THERMOCLINE

DIC, ALK, PO4 = 0, 1, 2


def _surface_steady(comp, interior: np.ndarray, coef: dict, rates: dict) -> np.ndarray:
    g, bio = comp.geometry, comp.bio
    rho = SEAWATER_DENSITY_KG_M3
    s_psu = comp.config.salinity_psu
    vent, thru = rates["ventilation"], rates["through"]
    a = g.area_m2
    north = g.band == NORTH
    surface = np.zeros((3, len(a)))
    thermo = interior[:, :, THERMOCLINE][:, g.band]
    e = saturated_export(coef["light"], coef["sst"], g.h_m, bio)
    k = bio.k_po4_mol_m3
    c2 = vent + thru

    def solve(src):
        # phosphate: c1 - c2 P - a e P / (P + K) = 0, the positive root of a quadratic
        c1 = vent * thermo[PO4] + thru * src[PO4]
        bq = c2 * k + a * e - c1
        p = (-bq + np.sqrt(bq * bq + 4.0 * c2 * c1 * k)) / (2.0 * c2)
        export_p = export_phosphorus(p, coef["light"], coef["sst"], g.h_m, bio)
        alk = (vent * thermo[ALK] + thru * src[ALK]
               + a * (ALK_PER_P_ORGANIC - 2.0 * bio.rain_ratio * REDFIELD_C_P) * export_p) / c2
        # DIC: c1 - c2 D + a (G (fCO2_atm - fCO2(D)) - 106 (1 + rain) E) + river = 0, Newton per cell
        c1d = (vent * thermo[DIC] + thru * src[DIC] + coef["river"]
               - a * REDFIELD_C_P * (1.0 + bio.rain_ratio) * export_p)
        d = thermo[DIC].copy()
        consts = carbonate.equilibrium_constants(coef["sst"], s_psu)
        for _ in range(40):
            p0 = carbonate.carbonate_system(d / rho, alk / rho, coef["sst"], s_psu, consts).fco2_uatm
            step = 1e-7 * d
            p1 = carbonate.carbonate_system((d + step) / rho, alk / rho, coef["sst"], s_psu, consts).fco2_uatm
            f = c1d - c2 * d + a * coef["gas"] * (coef["fco2_atm"] - p0)
            df = -c2 - a * coef["gas"] * (p1 - p0) / step
            delta = -f / df
            d = d + delta
            if np.all(np.abs(delta) <= 1e-15 * np.abs(d)):
                break
        return np.stack([d, alk, p])

    base = solve(thermo)
    surface[:, ~north] = base[:, ~north]
    psi_n = rates["psi_n"]
    if psi_n > 0:
        sums = np.array(comp.global_sum(*(thru[g.band_cells[LOW]] * base[:, g.band_cells[LOW]])))
        poleward = sums / psi_n
        src = np.where(north, poleward[:, None], thermo)
        surface[:, north] = solve(src)[:, north]
    else:
        surface[:, north] = base[:, north]
    return surface


def solve_steady_state(comp, coef: dict, tol: float = 1e-13, max_iter: int = 30):
    """Steady (surface, interior) of ``comp``'s equations under forcing coefficients ``coef``."""
    g = comp.geometry
    rho = SEAWATER_DENSITY_KG_M3
    rates = comp.circ.rates(0.0)
    interior = comp.interior.copy()
    box_volume = g.box_volume_m3
    (mixed_volume,) = comp.global_sum(g.volume_m3)
    total_volume = mixed_volume + box_volume.sum()
    target = {PO4: comp.config.mean_po4_umol_kg * 1e-6 * rho * total_volume,
              ALK: comp.config.mean_alk_umol_kg * 1e-6 * rho * total_volume}

    def residual(tracer: int, x_flat: np.ndarray) -> np.ndarray:
        x = interior.copy()
        x[tracer] = x_flat.reshape(3, 2)
        surface = _surface_steady(comp, x, coef, rates)
        d_interior = comp.tendencies(surface, x, coef, rates)[1][tracer]
        r = (d_interior * box_volume).reshape(-1)  # mol s-1 per box
        if tracer in target:
            (surface_total,) = comp.global_sum(surface[tracer] * g.volume_m3)
            # transport conserves the inventory: one box equation is redundant; fix the inventory instead
            r[LOW * 2 + DEEP] = (surface_total + float(np.sum(x[tracer] * box_volume)) - target[tracer]) * 1e-9
        return r

    for tracer in (PO4, ALK, DIC):
        x = interior[tracer].reshape(-1).copy()
        for _ in range(max_iter):
            r = residual(tracer, x)
            jac = np.empty((6, 6))
            for j in range(6):
                h = 1e-6 * max(abs(x[j]), 1e-6)
                xp = x.copy()
                xp[j] += h
                jac[:, j] = (residual(tracer, xp) - r) / h
            delta = np.linalg.solve(jac, -r)
            x = x + delta
            if np.max(np.abs(delta) / np.maximum(np.abs(x), 1e-12)) < tol:
                break
        interior[tracer] = x.reshape(3, 2)
    surface = _surface_steady(comp, interior, coef, rates)
    return surface, interior
