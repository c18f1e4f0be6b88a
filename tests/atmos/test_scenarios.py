"""Reading the packaged forcing scenarios, and every way a scenario file can be wrong."""

import re
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from atmos_stub import scenarios
from atmos_stub.scenarios import (PACKAGED_FILE, SCENARIO_COLUMNS, load_hadcrut4, load_scenario,
                                  load_total_erf)
from coupler.errors import InputDataError

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


# --- the packaged file -----------------------------------------------------------------------

def test_packaged_file_is_small_and_inside_the_package():
    assert PACKAGED_FILE.is_file()
    assert PACKAGED_FILE.parent == Path(scenarios.__file__).parent / "data"
    assert PACKAGED_FILE.stat().st_size < 200_000


@pytest.mark.parametrize("name", ["ssp126", "ssp245", "ssp585"])
def test_ssp_tables(name):
    s = load_scenario(name)
    assert s.name == name and s.years[0] == 1745 and s.years[-1] == 2300
    assert s.years.dtype == np.float64 and np.all(np.diff(s.years) == 1)
    assert set(s.columns) == set(SCENARIO_COLUMNS)
    # Rows of the CSV, to the last digit (CMIP6 1850 global means, Meinshausen et al. 2017).
    assert s.value("co2_ppm", 1850) == 284.3169988
    assert s.value("ch4_ppb", 1850) == 808.2490285
    assert s.value("n2o_ppb", 1850) == 273.021047
    assert s.value("fossil_emissions_PgC_per_yr", 1745) == 0.002594013
    assert s.value("landuse_emissions_PgC_per_yr", 1745) == 0.081175867
    assert s.value("n2o_emissions_TgN_per_yr", 1745) == 0.054751418


def test_interpolation_is_linear_in_time_for_scalars_and_arrays():
    s = load_scenario("ssp245")
    c1850, c1851 = s.value("co2_ppm", 1850), s.value("co2_ppm", 1851)
    assert s.value("co2_ppm", 1850.5) == pytest.approx(0.5 * (c1850 + c1851), rel=1e-15)
    assert s.value("co2_ppm", 1850.25) == pytest.approx(0.75 * c1850 + 0.25 * c1851, rel=1e-15)
    out = s.value("co2_ppm", np.array([[1850.0, 1850.5], [1851.0, 2300.0]]))
    assert isinstance(out, np.ndarray) and out.shape == (2, 2)
    assert out[0, 0] == c1850 and out[1, 0] == c1851 and out[1, 1] == s.value("co2_ppm", 2300)
    assert isinstance(s.value("co2_ppm", 2000), float)


def test_historical_part_is_shared_and_scenarios_diverge_after_2014():
    tables = [load_scenario(n) for n in ("ssp126", "ssp245", "ssp585")]
    hist = np.arange(1745, 2015)
    for col in SCENARIO_COLUMNS:
        ref = tables[1].value(col, hist)
        for t in tables:
            np.testing.assert_array_equal(t.value(col, hist), ref)
    c2100 = [t.value("co2_ppm", 2100) for t in tables]
    assert c2100[0] < c2100[1] < c2100[2]
    # Published SSP 2100 concentrations (Meinshausen et al. 2020, GMD 13, 3571): ~446, ~603, ~1135 ppm.
    assert c2100 == pytest.approx([446, 603, 1135], rel=0.02)


def test_historical_alias_is_ssp245_cut_at_2014():
    h = load_scenario("historical")
    assert h.years[0] == 1745 and h.years[-1] == 2014
    assert h.value("co2_ppm", 2014) == load_scenario("ssp245").value("co2_ppm", 2014)
    with pytest.raises(InputDataError, match="year 2015 is outside the range of table 'historical' "
                                             r"\(1745-2014\)"):
        h.value("co2_ppm", 2015)


def test_total_erf_and_hadcrut4():
    erf = load_total_erf()
    assert erf.years[0] == 1750 and erf.years[-1] == 2019 and erf.units == "W m-2"
    assert erf.value(2019) == 2.74577704374432          # last row of the AR6 table
    assert erf.value(2011) == pytest.approx(2.29, abs=0.01)
    had = load_hadcrut4()
    assert had.years[0] == 1850 and had.years[-1] == 2013 and had.units == "K"
    assert had.value(1850) == 0.0                      # anomaly relative to 1850
    np.testing.assert_allclose(had.value([2012.0, 2013.0]), [0.768, 0.768])


@pytest.mark.skipif(not (SHARED / "scenarios").is_dir(), reason="shared source data not available")
def test_packaged_file_reproduces_the_source_tables(tmp_path):
    """The conversion script rebuilds the committed file with identical values."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_scenarios", REPO / "tools" / "make_scenarios.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / "scenarios.nc"
    tool.main([str(SHARED), "--out", str(out)])
    for name in ("ssp126", "ssp245", "ssp585"):
        a, b = load_scenario(name), load_scenario(name, out)
        np.testing.assert_array_equal(a.years, b.years)
        for col in SCENARIO_COLUMNS:
            np.testing.assert_array_equal(a.columns[col], b.columns[col])
        csv = np.genfromtxt(SHARED / "scenarios" / f"{name}.csv", delimiter=",", names=True)
        for col in SCENARIO_COLUMNS:
            np.testing.assert_array_equal(a.columns[col], csv[col])
    np.testing.assert_array_equal(load_total_erf().values, load_total_erf(out).values)
    np.testing.assert_array_equal(load_hadcrut4().values, load_hadcrut4(out).values)


# --- bad files ---------------------------------------------------------------------------------

def write_table(path, group="ssp245", years=(2000.0, 2001.0, 2002.0), drop=(), nan_in=None):
    """A user scenario file of the packaged layout with one group."""
    years = np.asarray(years, dtype=np.float64)
    with netCDF4.Dataset(path, "w") as nc:
        g = nc.createGroup(group)
        g.createDimension("year", years.size)
        g.createVariable("year", "f8", ("year",))[:] = years
        for col in SCENARIO_COLUMNS:
            if col in drop:
                continue
            values = np.linspace(1.0, 2.0, years.size)
            if col == nan_in:
                values[1] = np.nan
            g.createVariable(col, "f8", ("year",))[:] = values
    return path


def test_user_file_of_the_same_layout(tmp_path):
    s = load_scenario("ssp245", write_table(tmp_path / "mine.nc"))
    assert s.value("co2_ppm", 2001.5) == pytest.approx(1.75)
    assert s.path == tmp_path / "mine.nc"


def test_missing_file(tmp_path):
    path = tmp_path / "absent.nc"
    with pytest.raises(InputDataError, match=re.escape(f"{path}: ") + "scenario file not found"):
        load_scenario("ssp245", path)


def test_not_netcdf(tmp_path):
    path = tmp_path / "table.nc"
    path.write_text("year,co2_ppm\n2000,370\n")
    with pytest.raises(InputDataError, match=re.escape(f"{path}: ") + "not a readable netCDF scenario file"):
        load_total_erf(path)


def test_missing_group(tmp_path):
    path = write_table(tmp_path / "s.nc", group="ssp126")
    with pytest.raises(InputDataError, match=re.escape(f"{path}: ") + "group 'ssp585' missing"):
        load_scenario("ssp585", path)
    with pytest.raises(InputDataError, match=re.escape(f"{path}: ") + "group 'ar6_erf' missing"):
        load_total_erf(path)
    with pytest.raises(InputDataError, match=re.escape(f"{path}: ") + "group 'hadcrut4' missing"):
        load_hadcrut4(path)


def test_missing_column(tmp_path):
    path = write_table(tmp_path / "s.nc", drop=("n2o_ppb",))
    with pytest.raises(InputDataError, match=re.escape(f"{path}: ") + "variable 'n2o_ppb' missing in group 'ssp245'"):
        load_scenario("ssp245", path)


def test_non_monotonic_years(tmp_path):
    path = write_table(tmp_path / "s.nc", years=(2000.0, 2002.0, 2001.0))
    with pytest.raises(InputDataError, match=re.escape(f"{path}: ") + "years of group 'ssp245' are not strictly increasing "
                                             r"\(2002 is followed by 2001\)"):
        load_scenario("ssp245", path)
    path = write_table(tmp_path / "d.nc", years=(2000.0, 2000.0, 2001.0))
    with pytest.raises(InputDataError, match="not strictly increasing"):
        load_scenario("ssp245", path)


def test_nan_values(tmp_path):
    path = write_table(tmp_path / "s.nc", nan_in="ch4_ppb")
    with pytest.raises(InputDataError, match=re.escape(f"{path}: ") + "variable ssp245/ch4_ppb holds NaN or missing values "
                                             r"\(at year 2001\)"):
        load_scenario("ssp245", path)


def test_year_outside_range():
    s = load_scenario("ssp126")
    with pytest.raises(InputDataError, match=re.escape(f"{PACKAGED_FILE}: ") + "year 1700 is outside the range of table "
                                             r"'ssp126' \(1745-2300\)"):
        s.value("co2_ppm", 1700)
    with pytest.raises(InputDataError, match=r"year 2300.5 is outside .*\(1745-2300\)"):
        s.value("co2_ppm", np.array([2000.0, 2300.5]))
    with pytest.raises(InputDataError, match=r"year 2020 is outside the range of table 'ar6_erf' \(1750-2019\)"):
        load_total_erf().value(2020)
    with pytest.raises(InputDataError, match=r"year 1849.5 is outside the range of table 'hadcrut4' "
                                             r"\(1850-2013\)"):
        load_hadcrut4().value(1849.5)
    with pytest.raises(InputDataError, match="year nan is outside"):
        s.value("co2_ppm", float("nan"))


def test_unknown_scenario_and_column():
    with pytest.raises(InputDataError, match="unknown scenario 'ssp370'"):
        load_scenario("ssp370")
    with pytest.raises(InputDataError, match="has no column 'co2'"):
        load_scenario("ssp126").value("co2", 2000)
