"""A coupled configuration for ocean tests: atmos_stub weather and CO2, a pool land, ocean_stub."""

from coupler.driver import Driver, load_experiment
from tests.system.conftest import REPO

NML = """
&driver
  case_name = 'ocn'
  start_date = '{start}'
  coupling_interval_s = 86400
  ocean_interval_s = 86400
  restart_option = 'never'
  history_frequencies = 'year'
  land_model = '{repo}/tests/components.py:PoolLand'
  atmos_model = 'atmos_stub'
  ocean_model = 'ocean_stub'
  land_resolution_deg = {land}
  atmos_resolution_deg = {atmos}
  ocean_resolution_deg = {ocean}
/
&land
  river_fraction = 0.0
  land_mask = 'observed'
{land_group}
/
&atmos
  forcing_agents = 'co2'
{atmos_group}
/
&ocean
{ocean_group}
/
"""


def ocean_driver(tmp_path, ocean="", atmos="", land="", start="1850-01-01", deg=(4.0, 4.0, 4.0)):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "ocn.nml"
    path.write_text(NML.format(repo=REPO, start=start, land=deg[0], atmos=deg[1], ocean=deg[2],
                               land_group=land, atmos_group=atmos, ocean_group=ocean))
    config, classes = load_experiment(path)
    return Driver(config, classes, tmp_path / "out", progress=False)
