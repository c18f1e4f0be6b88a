"""The atmosphere in the coupled system with the test land and ocean."""

import numpy as np
import pytest

from coupler.driver import Driver, load_experiment
from coupler.errors import InputDataError, NamelistError
from coupler.ledger import read_budget
from tests.system.conftest import REPO

NML = """
&driver
  case_name = 'atm'
  start_date = '{start}'
  coupling_interval_s = {dt}
  ocean_interval_s = 86400
  restart_option = 'never'
  history_frequencies = 'day'
  land_model = '{repo}/tests/components.py:PoolLand'
  atmos_model = 'atmos_stub'
  ocean_model = '{repo}/tests/components.py:ReservoirOcean'
  land_resolution_deg = 6.0
  atmos_resolution_deg = 6.0
  ocean_resolution_deg = 10.0
/
&atmos
{atmos}
/
&land
{land}
/
&ocean
{ocean}
/
"""


def driver(tmp_path, atmos="", land="", ocean="", start="1850-01-01", dt=10800):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "atm.nml"
    path.write_text(NML.format(repo=REPO, atmos=atmos, land=land, ocean=ocean, start=start, dt=dt))
    config, classes = load_experiment(path)
    return Driver(config, classes, tmp_path / "out", progress=False)


@pytest.mark.parametrize("mode", ["concentration", "emission"])
def test_ledger_closes_in_both_modes(tmp_path, mode):
    drv = driver(tmp_path, atmos=f"  co2_mode = '{mode}'\n  co2_path = 'historical'\n  n2o_mode = '{mode}'",
                 start="1990-01-01")
    drv.run("ndays", 10)
    led = drv.ledger
    for q in ("carbon", "nitrogen"):
        assert led.max_step_residual[q] < 1e-12, (q, led.max_step_residual[q])
        assert abs(led.cum_residual[q]) < 1e-12 * led._total(q)
    budget = read_budget(tmp_path / "out/budget.nc")
    term = "compatible_emissions" if mode == "concentration" else "fossil_emissions"
    assert budget[f"flow__atmos__carbon__{term}"].sum() > 0.1  # Pg C in 10 days of 1990


def test_emission_driven_co2_with_zero_sinks_rises_by_emissions(tmp_path):
    drv = driver(tmp_path, atmos="  co2_mode = 'emission'\n  co2_path = 'ssp585'",
                 land="  npp_kgC_m2_yr = 0.0\n  turnover_yr = 1e30\n  river_fraction = 0.0",
                 ocean="  transfer_kgC_m2_s_ppm = 0.0", start="2050-01-01", dt=86400)
    atm = drv.slots["atmos"].comp
    ppm0 = atm.co2.ppm
    drv.run("ndays", 365)
    budget = read_budget(tmp_path / "out/budget.nc")
    emitted = budget["flow__atmos__carbon__fossil_emissions"].sum() + budget["flow__atmos__carbon__landuse_emissions"].sum()
    assert atm.co2.ppm - ppm0 == pytest.approx(emitted / 2.124, rel=1e-12)
    # and the emissions are the table's: the 2050 annual rate, integrated over the year
    table = atm.pathway.table
    expected = sum(table.value(c, 2050.0) for c in ("fossil_emissions_PgC_per_yr", "landuse_emissions_PgC_per_yr"))
    assert emitted == pytest.approx(expected, rel=0.02)


def test_c4mip_pairs(tmp_path):
    for c4mip, rises in (("coupled", ("co2_bgc", "co2_rad")), ("bgc", ("co2_bgc",)), ("rad", ("co2_rad",))):
        drv = driver(tmp_path / c4mip, atmos=f"  co2_path = '1pct'\n  c4mip = '{c4mip}'\n  forcing_agents = 'co2'",
                     dt=86400)
        drv.run("ndays", 365)
        bgc, rad = drv.slots["atmos"].comp.co2_pair()
        expected = 284.3 * 1.01
        assert (bgc == pytest.approx(expected, rel=1e-12)) == ("co2_bgc" in rises)
        assert (rad == pytest.approx(expected, rel=1e-12)) == ("co2_rad" in rises)
        assert (bgc == 284.3) == ("co2_bgc" not in rises)


def test_scenario_year_out_of_range_is_a_clear_error(tmp_path):
    drv = driver(tmp_path, atmos="  co2_path = 'historical'", start="2014-12-30", dt=86400)
    drv.run("ndays", 2)  # the last half-year of the table holds its last value
    with pytest.raises(InputDataError, match="reached year 2015.00.*table 'historical' covers 1745-2015"):
        drv.run("ndays", 1)


def test_emission_mode_rejects_concentration_paths(tmp_path):
    with pytest.raises(NamelistError, match="concentration path"):
        driver(tmp_path, atmos="  co2_mode = 'emission'\n  co2_path = '1pct'")


def test_weather_reaches_the_land(tmp_path):
    drv = driver(tmp_path)
    drv.run("ndays", 3)
    land = drv.slots["land"].comp
    assert np.all(land.forcing["tas"] > 180) and np.all(land.forcing["tas"] < 340)
    assert land.forcing["tas"].std() > 5.0  # a real latitudinal pattern, not a constant
