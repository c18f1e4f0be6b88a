"""Ledger acceptance with the test components, run in-process through the driver."""

import pytest

from coupler.driver import Driver, load_experiment
from coupler.errors import ConservationError, StateError
from tests.system.conftest import small_namelist


def driver_for(tmp_path, **kw):
    config, classes = load_experiment(small_namelist(tmp_path, **kw))
    return Driver(config, classes, tmp_path / "out", progress=False)


def test_leak_is_caught_at_the_first_step(tmp_path):
    drv = driver_for(tmp_path, land="  leak_fraction_per_step = 1e-10")
    with pytest.raises(ConservationError) as err:
        drv.run("nsteps", 5)
    msg = str(err.value)
    assert "step 1 " in msg, msg
    assert "land" in msg and "carbon" in msg and "RESIDUAL" in msg
    assert "debug restart set written" in msg
    # the failed step is recorded, and the last good pointer is untouched (none yet here)
    assert (tmp_path / "out" / "budget.nc").exists()
    assert not (tmp_path / "out" / "rpointer").exists()


def test_leak_free_run_closes_to_1e_13_after_1000_steps(tmp_path):
    drv = driver_for(tmp_path)
    drv.run("nsteps", 1000)
    led = drv.ledger
    for q in ("carbon", "nitrogen"):
        stock = led._total(q)
        assert abs(led.cum_residual[q]) < 1e-13 * stock, (q, led.cum_residual[q], stock)
        assert led.max_step_residual[q] < 1e-13
    # and something actually flowed: fossil carbon and deposited N came in, N2O was destroyed
    from coupler.ledger import read_budget

    budget = read_budget(tmp_path / "out" / "budget.nc")
    assert budget["flow__atmos__carbon__fossil_emissions"].sum() > 0.1
    assert budget["flow__atmos__nitrogen__n2o_stratospheric_loss"].sum() < 0
    assert budget["flow__coupler__nitrogen__ndep_from_atmos"].sum() > 0
    assert budget["flow__land__carbon__nee"].min() < 0 < budget["flow__atmos__carbon__nee"].max()


def test_negative_stock_stops_with_cell_variable_and_time(tmp_path):
    drv = driver_for(tmp_path)
    land = drv.slots["land"].comp
    land.pool_c[3] = -1.0
    with pytest.raises(StateError) as err:
        drv.run("nsteps", 2)
    msg = str(err.value)
    assert "pool_c" in msg and "cell" in msg and "lat" in msg and "0001-01-01" in msg
