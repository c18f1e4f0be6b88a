"""ocean_stub in the coupled system: steady state, preindustrial numbers, books."""

import numpy as np
import pytest

from ocean_stub.component import DIC, PO4
from ocean_stub.spinup import solve_steady_state
from tests.ocean.ocean_config import ocean_driver

DEG = (10.0, 10.0, 4.0)


def test_spinup_solves_the_models_own_equations(tmp_path):
    drv = ocean_driver(tmp_path, ocean="  initial_state = 'none'", deg=DEG)
    drv.run("ndays", 1)
    ocean = drv.slots["ocean"].comp
    coef = ocean._coefficients()
    surface, interior = solve_steady_state(ocean, coef)
    rates = ocean.circ.rates(0.0)
    d_surface, d_interior, flux_in, export_c = ocean.tendencies(surface, interior, coef, rates)
    g = ocean.geometry
    for k in range(3):
        # every cell and box in balance: residual transport tiny against what flows through
        throughput = np.abs(rates["ventilation"] * surface[k]).sum()
        assert np.max(np.abs(d_surface[k] * g.volume_m3)) < 1e-9 * throughput
        assert np.max(np.abs(d_interior[k] * g.box_volume_m3)) < 1e-9 * throughput
    rho_umol = 1e6 / 1025.0
    mean_po4 = ((surface[PO4] * g.volume_m3).sum() + (interior[PO4] * g.box_volume_m3).sum()) / \
        (g.volume_m3.sum() + g.box_volume_m3.sum()) * rho_umol
    assert mean_po4 == pytest.approx(2.17, rel=1e-9)
    # the air-sea flux balances globally (no river input here), with outgassing in the tropics
    net = (flux_in * g.area_m2).sum()
    assert abs(net) < 1e-6 * np.abs(flux_in * g.area_m2).sum()
    tropics = np.abs(g.lat_deg) < 20
    assert (flux_in * g.area_m2)[tropics].sum() < 0 < (flux_in * g.area_m2)[np.abs(g.lat_deg) > 45].sum()


def test_shipped_state_is_a_realistic_preindustrial_ocean(tmp_path):
    drv = ocean_driver(tmp_path, deg=DEG)
    ocean = drv.slots["ocean"].comp
    c0 = ocean.carbon
    drv.run("ndays", 365)
    g = ocean.geometry
    assert 3.5e14 < g.total_area_m2 < 3.7e14
    assert 36000 < ocean.carbon < 40000  # ~38,000 Pg C (Sarmiento & Gruber 2006)
    assert 8.0 <= ocean.export_pgc_yr <= 12.0
    drift = ocean.carbon - c0
    assert abs(drift) < 0.05, drift  # Pg C in the first year from the shipped state
    flux_into_atm = ocean.mean_flux * g.area_m2
    assert flux_into_atm[np.abs(g.lat_deg) < 20].sum() > 0  # tropical outgassing
    assert flux_into_atm[np.abs(g.lat_deg) > 45].sum() < 0  # high-latitude uptake
    assert np.all(ocean.surface[DIC] > 1.5) and np.all(ocean.surface[PO4] >= 0)
    for q in ("carbon",):
        assert drv.ledger.max_step_residual[q] < 1e-12
