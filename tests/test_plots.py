"""``lsmc plot``: figures from real short runs (test components, and the full model at 30 degrees)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest

from coupler import plots
from coupler.errors import InputDataError
from coupler.history import trim_records
from tests.system.conftest import REPO, lsmc, small_namelist

FULL = """
&driver
  case_name = 'full'
  start_date = '0001-01-01'
  calendar = 'noleap'
  stop_option = 'ndays'
  stop_n = 2
  coupling_interval_s = 3600
  restart_option = 'never'
  history_frequencies = 'day'
  land_model = 'lsm'
  atmos_model = 'atmos_stub'
  ocean_model = 'ocean_stub'
  land_resolution_deg = 30.0
  atmos_resolution_deg = 30.0
  ocean_resolution_deg = 30.0
/
"""

COMMON = {"map_ocean_co2_flux", "map_atmos_warming", "timeseries_atmos_co2", "timeseries_temperature",
          "timeseries_carbon_sinks", "timeseries_ledger_residual", "map_land_nee"}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    """Three days of the small test configuration: PoolLand-type land (nee, cLand), atmos_stub, ocean_stub."""
    tmp = tmp_path_factory.mktemp("small")
    out = tmp / "out"
    lsmc("run", small_namelist(tmp, days=3, real_atmos=True, real_ocean=True), "--out", out, "--no-progress")
    return out


@pytest.fixture(scope="module")
def full_run(tmp_path_factory) -> Path:
    """Two days of the full model (lsm, atmos_stub, ocean_stub) at 30 degrees, daily history."""
    tmp = tmp_path_factory.mktemp("full")
    nml = tmp / "full.nml"
    nml.write_text(FULL)
    out = tmp / "out"
    lsmc("run", nml, "--out", out, "--no-progress")
    return out


def draw(outdir: Path, figdir: Path) -> tuple[dict[str, Path], list[str]]:
    notes: list[str] = []
    paths = plots.plot_all(outdir, figdir, log=notes.append)
    assert not [n for n in notes if "FAILED" in n], notes
    return {p.stem: p for p in paths}, notes


def assert_png(path: Path) -> None:
    assert path.exists() and path.stat().st_size > 10_000, path
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 600, (path, image.shape)
    assert image.std() > 0.01, f"{path} is blank"


def test_small_run_figures(small_run, tmp_path):
    figs, notes = draw(small_run, tmp_path / "figs")
    assert COMMON | {"map_land_carbon"} <= set(figs), sorted(figs)
    for path in figs.values():
        assert path.parent == tmp_path / "figs"
        assert_png(path)
    # the test land has no GPP or soil model, and no lsmc feedback ran: notes, not errors
    assert any("map_land_gpp" in n for n in notes) and any("feedback_parameters" in n for n in notes)


def test_full_model_land_maps(full_run, tmp_path):
    figs, _ = draw(full_run, tmp_path / "figs")
    land = {"map_land_gpp", "map_land_rh", "map_land_soil_n2o", "map_land_soil_carbon", "map_land_veg_carbon"}
    assert COMMON | land <= set(figs), sorted(figs)
    for path in figs.values():
        assert_png(path)


def test_one_record_run_does_not_crash(small_run, tmp_path):
    """A run cut to its first day (one history record, eight ledger steps) still gives what it can."""
    out = tmp_path / "out"
    shutil.copytree(small_run / "hist", out / "hist")
    shutil.copy(small_run / "budget.nc", out / "budget.nc")
    for path in [*(out / "hist").glob("*.nc"), out / "budget.nc"]:
        trim_records(path, 1.0, "test file")
    figs, notes = draw(out, tmp_path / "figs")
    assert {"map_land_nee", "map_ocean_co2_flux", "timeseries_ledger_residual", "timeseries_carbon_sinks"} <= set(figs)
    assert any("map_atmos_warming" in n and "two" in n for n in notes), notes
    for path in figs.values():
        assert_png(path)


def test_feedback_figure(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(plots.Skip, match="no feedback.json"):
        plots.plot_feedback(out, tmp_path)
    (out / "feedback.json").write_text(json.dumps({
        "beta_L": 1.1, "beta_O": 0.9, "gamma_L": -40.0, "gamma_O": -15.0,
        "cmip6": {"beta_L": [0.4, 1.2, 2.2], "beta_O": [0.8, 0.9, 1.0], "gamma_L": [-140, -34, 20],
                  "gamma_O": [-25, -17, -10]}}))
    assert_png(plots.plot_feedback(out, tmp_path))
    # shaped like lsmc feedback's output: null for a value the runs were too short for, extra keys
    (out / "feedback.json").write_text(json.dumps({
        "beta_L": 1.1, "beta_O": 0.8, "gamma_L": None, "gamma_O": -15.0, "tcre": 1.6, "units": {"beta": "Pg C/ppm"},
        "cmip6": {"beta_L": [0.57, 0.97, 1.37], "tcre": [1.4, 1.77, 2.14]}, "cmip6_source": "Arora et al. (2020)",
        "source": "BGC-coupled method at 4xCO2"}))
    values, cmip, note, cmip_note = plots.read_feedback(out / "feedback.json")
    assert set(values) == {"beta_L", "beta_O", "gamma_O"} and cmip["beta_L"][1] == 0.97 and cmip_note
    assert_png(plots.plot_feedback(out, tmp_path))
    (out / "feedback.json").write_text(json.dumps({"beta_L": 1.1, "gamma_O": -15.0}))  # partial, no CMIP6
    assert_png(plots.plot_feedback(out, tmp_path))
    (out / "feedback.json").write_text("{not json")
    with pytest.raises(plots.Skip, match="unreadable"):
        plots.plot_feedback(out, tmp_path)
    # no budget.nc: the ledger figures are skipped, not failed
    with pytest.raises(plots.Skip, match="no budget.nc"):
        plots.plot_residuals(out, tmp_path)


def test_flux_sign_conventions():
    assert plots._upward_sign({"long_name": "air-sea CO2 flux, positive INTO the ocean (CMIP convention)",
                               "standard_name": "surface_downward_mass_flux_of_carbon_dioxide_expressed_as_carbon"}) == -1
    assert plots._upward_sign({"long_name": "air-sea CO2 flux (+ into atmosphere)"}) == 1
    assert plots._upward_sign({}) is None


def test_missing_or_empty_folder_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(InputDataError, match="no such output folder"):
        plots.plot_all(tmp_path / "nowhere", tmp_path / "figs")
    assert plots.main([str(tmp_path / "nowhere")]) == InputDataError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("lsmc: error:") and err.count("\n") == 1, err
    (tmp_path / "empty").mkdir()
    assert plots.main([str(tmp_path / "empty")]) == InputDataError.exit_code
    assert "no history files" in capsys.readouterr().err


def test_command_line_without_display(small_run, tmp_path):
    """``python -m coupler.plots`` works headless (no DISPLAY) and writes to --out."""
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    proc = subprocess.run([sys.executable, "-m", "coupler.plots", str(small_run), "--out", str(tmp_path / "f")],
                          cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "figure(s) written" in proc.stdout and "Traceback" not in proc.stderr
    assert len(list((tmp_path / "f").glob("*.png"))) >= len(COMMON)
