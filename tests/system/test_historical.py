"""The coupled historical experiment warms like the observations (SCIENCE.md section 6, issue 3).

Concentration-driven 1850-2014 with observed CO2 and the AR6 total effective
radiative forcing, at a coarse resolution with daily coupling (the warming
does not depend on resolution: it is the global two-layer model's). About a
minute on one core.
"""

import numpy as np
import pytest
import xarray as xr

from .conftest import REPO, lsmc

pytestmark = pytest.mark.system

NML = f"""
&driver
  case_name = 'historical'
  start_date = '1850-01-01'
  stop_option = 'nyears'
  stop_n = 165
  coupling_interval_s = 86400
  ocean_interval_s = 86400
  restart_option = 'never'
  history_frequencies = 'year'
  land_model = '{REPO}/tests/components.py:PoolLand'
  atmos_model = 'atmos_stub'
  ocean_model = '{REPO}/tests/components.py:ReservoirOcean'
  land_resolution_deg = 15.0
  atmos_resolution_deg = 15.0
  ocean_resolution_deg = 15.0
/
&atmos
  co2_path = 'historical'
  forcing_agents = 'ar6_total'
/
"""


def test_historical_warming_and_co2(tmp_path):
    nml = tmp_path / "historical.nml"
    nml.write_text(NML)
    proc = lsmc("run", nml, "--out", tmp_path / "o", "--no-progress", timeout=900)
    assert "ledger closed" in proc.stdout
    atm = xr.open_dataset(tmp_path / "o/hist/historical.atmos.h0.nc", decode_times=False)
    warming = atm["tas_anomaly"].values
    years = 1850 + np.arange(warming.size)
    assert warming.size == 165
    change = warming[(years >= 2010)].mean() - warming[years <= 1900].mean()
    print(f"warming 1850-1900 -> 2010-2014: {change:.3f} K (HadCRUT4 ~1.0 K)")
    assert 0.9 <= change <= 1.3
    assert abs(atm["co2"].values[-1] - 397.5) < 2.0  # annual mean 2014, observed 397.5 ppm
