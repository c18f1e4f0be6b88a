"""Land heat fluxes change near-surface air over land; the boundary-layer energy books close."""

import numpy as np
import pytest

from atmos_stub.boundary_layer import BoundaryLayer, budyko_evaporative_fraction
from coupler.driver import Driver, load_experiment
from tests.atmos.test_atmos_coupled import NML
from tests.system.conftest import REPO


def test_exact_relaxation_solution():
    bl = BoundaryLayer(1, height_m=1000.0, relaxation_s=86400.0)
    forcing = 50.0  # W m-2 of extra sensible heat
    for _ in range(24 * 30):
        bl.step(3600.0, np.array([forcing]), np.array([0.0]))
    # equilibrium anomaly: F tau / (rho c_p h)
    assert bl.theta_K[0] == pytest.approx(forcing * 86400.0 / bl.heat_capacity_J_m2_K, rel=1e-9)
    one = BoundaryLayer(1, 1000.0, 86400.0)
    one.step(86400.0, np.array([forcing]), np.array([0.0]))
    many = BoundaryLayer(1, 1000.0, 86400.0)
    for _ in range(24):
        many.step(3600.0, np.array([forcing]), np.array([0.0]))
    assert one.theta_K[0] == pytest.approx(many.theta_K[0], rel=1e-12)  # exact, not step-size dependent


def test_budyko_limits():
    p = np.array([1.0, 1.0, 1.0])
    pet = np.array([1e-3, 1.0, 1e3])
    ef = budyko_evaporative_fraction(pet, p)
    # energy limited (phi -> 0): ET/PET = 1 - phi^(w-1)/w + O(phi^(2w-1))
    assert ef[0] == pytest.approx(1.0 - 1e-3**1.6 / 2.6, abs=1e-9)
    # water limited (phi -> inf): ET = P - P phi^(1-w)/w + ..., so ET/PET -> 1/phi
    assert ef[2] == pytest.approx(1e-3 * (1.0 - 1e3**-1.6 / 2.6), rel=1e-9)
    assert 0 < ef[1] < 1


def run_land(tmp_path, ef):
    path = tmp_path / f"ef{ef}.nml"
    text = NML.format(repo=REPO, atmos="", land=f"  evaporative_fraction = {ef}", ocean="", start="1850-07-01",
                      dt=3600).replace("components.py:PoolLand", "components.py:HeatFluxLand")
    path.write_text(text)
    config, classes = load_experiment(path)
    drv = Driver(config, classes, tmp_path / f"out{ef}", progress=False)
    drv.run("ndays", 5)
    return drv


def test_wetter_land_gives_cooler_moister_air_and_books_close(tmp_path):
    dry, wet = run_land(tmp_path, 0.1), run_land(tmp_path, 0.9)
    a_dry, a_wet = dry.slots["atmos"].comp, wet.slots["atmos"].comp
    land = a_dry.frac_land > 0.5
    assert np.mean(a_wet.bl.theta_K[land] - a_dry.bl.theta_K[land]) < -0.3
    assert np.mean(a_wet.bl.q_kg_kg[land] - a_dry.bl.q_kg_kg[land]) > 1e-4
    ocean = a_dry.frac_land == 0
    assert np.all(a_wet.bl.theta_K[ocean] == 0) and np.all(a_dry.bl.theta_K[ocean] == 0)
    for drv in (dry, wet):
        assert drv.ledger.max_step_residual["energy"] < 1e-12
        assert abs(drv.ledger.cum_residual["energy"]) <= 1e-12 * drv.ledger._scale("energy")
    # the exported near-surface air carries the anomaly
    assert np.mean(a_wet.current["tas"][land] - a_dry.current["tas"][land]) < -0.3
