"""``lsmc feedback``: C4MIP beta/gamma, TCRE and airborne fraction from 1pctCO2 output folders.

Synthetic folders (budget.nc and an atmosphere history written here) are built
from known beta and gamma with CO2 = 284.3 * 1.01**t, so both methods must
recover them to rounding; three 3-day runs of the real presets at 30 degrees
check the file names and fields and the message for runs too short to evaluate.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from coupler import feedback as fb
from coupler.constants import PGC_PER_PPM
from coupler.errors import InputDataError

REPO = Path(__file__).resolve().parents[1]
C0 = 284.3
TRUE = {"beta_L": 1.3, "gamma_L": -70.0, "beta_O": 0.85, "gamma_O": -18.0}
NOLEAP_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def path_1pct(n_years: int) -> dict[str, np.ndarray]:
    """Yearly values of each configuration: CO2 seen by biogeochemistry (ppm), warming (K), carbon (Pg C)."""
    t = np.arange(n_years) + 0.5
    co2 = C0 * 1.01**t
    t_cou = 2.0 * np.log2(co2 / C0) * (1.0 - 0.3 * np.exp(-t / 30.0))  # lags the forcing, not linear in CO2
    out = {}
    for label, seen, warming in (("coupled", co2, t_cou), ("bgc", co2, 0.02 * t / 70.0),
                                 ("rad", np.full(n_years, C0), 0.95 * t_cou)):
        out[label] = {"co2": seen, "co2_rad": co2 if label != "bgc" else np.full(n_years, C0), "T": warming,
                      "land": 2000.0 + TRUE["beta_L"] * (seen - C0) + TRUE["gamma_L"] * warming,
                      "ocean": 38000.0 + TRUE["beta_O"] * (seen - C0) + TRUE["gamma_O"] * warming,
                      "atmos": PGC_PER_PPM * co2}  # the reservoir follows the path in every configuration
    return out


def write_run(folder: Path, label: str, v: dict[str, np.ndarray], stream: str = "year", rows_per_year: int = 4):
    """An lsmc-like output folder: lsmc_in.nml, budget.nc, hist/<case>.atmos.h0.nc (yearly or monthly means)."""
    n = len(v["co2"])
    folder.mkdir(parents=True)
    (folder / "lsmc_in.nml").write_text(f"&atmos\n  c4mip = '{label}'\n  co2_path = '1pct'\n/\n")
    units = "days since 1850-01-01 00:00:00"
    with netCDF4.Dataset(folder / "budget.nc", "w") as nc:
        nc.createDimension("time", None)
        t = nc.createVariable("time", "f8", ("time",))
        t.units, t.calendar = units, "noleap"
        t[:] = 365.0 * (np.repeat(np.arange(n), rows_per_year) + np.tile(np.arange(1, rows_per_year + 1),
                                                                          n) / rows_per_year)
        for key in ("land", "ocean", "atmos"):
            var = nc.createVariable(f"inventory__{key}__carbon", "f8", ("time",), fill_value=0.0)
            var.units = "Pg C"
            var[:] = np.repeat(v[key], rows_per_year)  # constant within a year: its yearly mean is exact
    lat = np.array([-60.0, -20.0, 20.0, 60.0])
    area = np.cos(np.deg2rad(lat))[:, None] * np.ones((4, 8)) * 1e13
    pattern = 1.0 + 0.5 * (np.abs(lat)[:, None] / 60.0) * np.ones((4, 8))  # polar amplification
    pattern /= (pattern * area).sum() / area.sum()  # area mean 1, so the global mean warming is T
    if stream == "year":
        bnds = 365.0 * np.stack([np.arange(n), np.arange(1, n + 1)], axis=1)
        rep = 1
    else:
        edges = np.concatenate([[0], np.cumsum(NOLEAP_MONTH_DAYS)])
        bnds = np.concatenate([np.stack([365.0 * k + edges[:-1], 365.0 * k + edges[1:]], axis=1) for k in range(n)])
        rep = 12
    (folder / "hist").mkdir()
    with netCDF4.Dataset(folder / "hist" / f"1pctCO2-{label}.atmos.h0.nc", "w") as nc:
        nc.frequency = stream
        nc.createDimension("time", None)
        nc.createDimension("bnds", 2)
        nc.createDimension("lat", 4)
        nc.createDimension("lon", 8)
        t = nc.createVariable("time", "f8", ("time",))
        t.units, t.calendar = units, "noleap"
        t[:] = bnds.mean(axis=1)
        nc.createVariable("time_bnds", "f8", ("time", "bnds"))[:] = bnds
        nc.createVariable("areacella", "f8", ("lat", "lon"))[:] = area
        for name in ("co2", "co2_rad"):
            nc.createVariable(name, "f8", ("time",))[:] = np.repeat(v[name], rep)
        tas = 288.0 + pattern[None] * np.repeat(v["T"], rep)[:, None, None]
        nc.createVariable("tas", "f8", ("time", "lat", "lon"), fill_value=1e20)[:] = tas


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback")
    v = path_1pct(150)
    for label in ("coupled", "bgc", "rad"):
        write_run(root / label, label, v[label])
    return root, v


def expected_coupled(v, idx):
    c = v["coupled"]
    d = {k: c[k][idx].mean() - c[k][0] for k in ("T", "land", "ocean", "atmos")}
    e = d["land"] + d["ocean"] + d["atmos"]
    return {"tcre_K_per_EgC": 1000.0 * d["T"] / e, "airborne_fraction": d["atmos"] / e,
            "compatible_emissions_PgC": e}


def test_both_methods_recover_beta_and_gamma_at_2x_and_4x(synthetic, tmp_path, capsys):
    root, v = synthetic
    out_json = tmp_path / "all.json"
    assert fb.main([str(root / "coupled"), str(root / "bgc"), str(root / "rad"), "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    res = json.loads(out_json.read_text())
    for level, idx in (("2xCO2", np.arange(60, 80)), ("4xCO2", np.arange(130, 150))):
        lv = res["levels"][level]
        assert lv["years"] == [idx[0] + 1, idx[-1] + 1]
        for method in ("bgc_coupled", "radiative"):
            for key, true in TRUE.items():
                assert lv[method][key] == pytest.approx(true, rel=1e-10), (level, method, key)
        for key, want in expected_coupled(v, idx).items():
            assert lv[key] == pytest.approx(want, rel=1e-10), (level, key)
        # ignoring the bgc run's warming (Friedlingstein et al. 2006) biases beta by gamma dT_B / dCO2
        assert abs(lv["bgc_coupled_uncorrected"]["beta_L"] - TRUE["beta_L"]) > 1e-3
        assert abs(lv["runs"]["rad"]["dCO2_ppm"]) < 1e-9  # preindustrial CO2 for the biogeochemistry
    # COUPLED/feedback.json, read by the plot command: the same numbers, the keys it needs
    saved = json.loads((root / "coupled" / "feedback.json").read_text())
    assert saved == res
    for key, true in TRUE.items():
        assert saved[key] == pytest.approx(true, rel=1e-10)
    assert saved["tcre"] == res["levels"]["2xCO2"]["tcre_K_per_EgC"]
    assert saved["airborne_fraction"] == res["levels"]["4xCO2"]["airborne_fraction"]
    assert saved["cmip6"]["beta_L"] == pytest.approx([0.57, 0.97, 1.37])
    assert saved["cmip6"]["gamma_O"] == pytest.approx([-22.0, -17.0, -12.0])
    assert set(saved["cmip6"]) == {"beta_L", "beta_O", "gamma_L", "gamma_O", "tcre"}
    # the table: beta_L 1.3 lies within 0.97 +/- 0.40, gamma_L -70 within -45 +/- 51, beta_O 0.85 within 0.79 +/- 0.07
    assert re.search(r"^beta_L\s+BGC-cou\s+Pg C/ppm\s+1\.3\s+1\.3\s+0\.97 \+/- 0\.4 \(4x\)\s+inside \(\+0\.33, "
                     r"\+0\.8 sd\)", text, re.M), text
    assert re.search(r"^gamma_O\s+BGC-cou\s+.*-18\s+-17 \+/- 5 \(4x\)\s+inside", text, re.M), text
    assert "No CMIP6 reference in SCIENCE.md for: airborne fraction" in text


def test_monthly_stream_is_averaged_to_years(tmp_path, capsys):
    v = path_1pct(80)
    for label in ("coupled", "bgc"):
        write_run(tmp_path / label, label, v[label], stream="month", rows_per_year=3)
    res = fb.feedback(tmp_path / "coupled", tmp_path / "bgc")
    assert "yearly means from the month stream" in capsys.readouterr().out
    lv = res["levels"]["2xCO2"]
    for key, true in TRUE.items():
        assert lv["bgc_coupled"][key] == pytest.approx(true, rel=1e-10)
    assert lv["radiative"] is None
    assert res["levels"]["4xCO2"] is None and res["beta_L"] is None  # 80 years do not reach 4xCO2


def test_short_runs_use_the_widest_centred_window_or_fail_clearly(tmp_path, capsys):
    v = path_1pct(150)
    short = {k: {q: a[:75] for q, a in d.items()} for k, d in v.items()}
    write_run(tmp_path / "coupled", "coupled", v["coupled"])
    write_run(tmp_path / "bgc", "bgc", short["bgc"])  # the shortest run sets the window of all
    res = fb.feedback(tmp_path / "coupled", tmp_path / "bgc")
    out = capsys.readouterr().out
    assert res["levels"]["2xCO2"]["years"] == [66, 75]
    assert "10-year window: the runs end at year 75" in out and "4xCO2: not evaluated" in out
    assert res["levels"]["2xCO2"]["bgc_coupled"]["gamma_L"] == pytest.approx(TRUE["gamma_L"], rel=1e-10)
    write_run(tmp_path / "bgc70", "bgc", {q: a[:70] for q, a in v["bgc"].items()})
    res = fb.compute(fb.load_run("coupled", tmp_path / "coupled"), fb.load_run("bgc", tmp_path / "bgc70"))
    assert res["levels"]["2xCO2"]["years"] == [70, 70]
    write_run(tmp_path / "bgc60", "bgc", {q: a[:60] for q, a in v["bgc"].items()})
    with pytest.raises(InputDataError, match=r"bgc folder .*bgc60: holds 60 complete year\(s\), too short to "
                                             r"evaluate at 2xCO2"):
        fb.feedback(tmp_path / "coupled", tmp_path / "bgc60")


def test_bad_folders_give_one_line_errors(synthetic, tmp_path, capsys):
    root, _ = synthetic
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        ([tmp_path / "nope", root / "bgc"], r"coupled folder .*nope: does not exist"),
        ([root / "coupled", empty], r"bgc folder .*empty: budget.nc missing"),
        ([root / "bgc", root / "coupled"], r"coupled folder .*bgc: its lsmc_in.nml has c4mip = 'bgc', "
                                           r"expected 'coupled'"),
        ([root / "coupled", root / "bgc", root / "bgc"], r"rad folder .*bgc: .*c4mip = 'bgc', expected 'rad'"),
    ]
    for args, pattern in cases:
        assert fb.main([str(a) for a in args]) == 2
        err = capsys.readouterr().err
        assert re.fullmatch(r"lsmc: error: " + pattern + r".*\n", err), err


# ------------------------------------------------------------- real 3-day runs of the three presets
@pytest.fixture(scope="module")
def real_runs(tmp_path_factory):
    from coupler.cli import main as lsmc

    root = tmp_path_factory.mktemp("feedback_real")
    folders = {}
    for label, suffix in (("coupled", ""), ("bgc", "-bgc"), ("rad", "-rad")):
        text = (REPO / "namelists" / f"1pctCO2{suffix}.nml").read_text()
        text = re.sub(r"(resolution_deg\s*=\s*)[\d.]+", r"\g<1>30.0", text)
        # a daily stream as well, so the fields can be checked after 3 days
        text = re.sub(r"history_frequencies\s*=.*", "history_frequencies = 'day', 'year'", text)
        nml = root / f"{label}.nml"
        nml.write_text(text)
        folders[label] = root / label
        assert lsmc(["run", str(nml), "--out", str(folders[label]), "--days", "3", "--no-progress"]) == 0
    return folders


def test_real_runs_have_the_fields_and_are_reported_too_short(real_runs, capsys):
    for label, folder in real_runs.items():
        with netCDF4.Dataset(folder / "budget.nc") as nc:
            assert set(fb.BUDGET_VARIABLES.values()) <= set(nc.variables)
        (path,) = (folder / "hist").glob("*.atmos.h0.nc")
        rec = fb.read_stream(path, label)
        assert rec["frequency"] == "day" and rec["tas_source"] == "tas" and len(rec["co2"]) == 3
        assert np.all((rec["tas"] > 270.0) & (rec["tas"] < 300.0))
        days = rec["time_bnds"].mean(axis=1)
        if label == "rad":  # the biogeochemistry sees preindustrial CO2
            assert np.all(rec["co2"] == rec["co2"][0])
        else:
            assert rec["co2"] == pytest.approx(C0 * 1.01 ** (days / 365.0), rel=1e-5)
    capsys.readouterr()
    argv = [str(real_runs[k]) for k in ("coupled", "bgc", "rad")]
    assert fb.main(argv) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(r"lsmc: error: coupled folder .*coupled: no complete calendar year in .*atmos.h0.nc and "
                        r"budget.nc \(they cover 3 and 3 days\); the feedback metrics need 1pctCO2 runs of at "
                        r"least 70 years\n", err), err
    # as a command: one line on stderr, no traceback
    proc = subprocess.run([sys.executable, "-m", "coupler.feedback", *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
