"""GPP implied by soil respiration (coupler.jian2022, Jian et al. 2022 Nat. Commun. 13, 1733)."""

import netCDF4
import numpy as np
import pytest

from coupler import jian2022
from coupler.constants import KG_PER_PG
from tests.lsm.test_diagnostics import _history as yearly_history

YEAR = 365.0 * 86400.0
OTHER_FIELDS = ("nee", "evspsbl", "lai", "hfls", "hfss", "cVeg", "cLitter", "cSoil")


def _history(outdir, fluxes):
    """A one-record yearly land history ``outdir/hist/case.land.h1.nc`` on a 30 degree all-land grid.

    ``fluxes`` are kg C m-2 s-1, the same in every cell; returns the land area (m2).
    """
    (outdir / "hist").mkdir(parents=True)
    grid = yearly_history(outdir / "hist" / "case.land.h1.nc", {**dict.fromkeys(OTHER_FIELDS, 0.0), **fluxes})
    return float(grid.area.sum())


def _pg_history(outdir, gpp, ra, rroot, rh):
    """History whose global totals are the given Pg C yr-1."""
    area = _history(outdir, {})
    per_m2 = KG_PER_PG / (YEAR * area)
    with netCDF4.Dataset(outdir / "hist" / "case.land.h1.nc", "a") as ds:
        for name, value in dict(gpp=gpp, npp=gpp - ra, ra=ra, rroot=rroot, rh=rh).items():
            ds.createVariable(name, "f8", ("time", "lat", "lon"))[0] = value * per_m2


def test_data_file_has_the_expected_variables():
    with netCDF4.Dataset(jian2022.DATA_FILE) as ds:
        sizes = {name: dim.size for name, dim in ds.dimensions.items()}
        assert sizes == {"rs_estimate": 23, "rc_record": 911, "froot_record": 129, "ragpp_record": 246,
                         "npp_estimate": 251, "gpp_estimate": 83, "igbp_group": 10}
        for name in ("rs", "rs_sd", "npp", "gpp"):
            assert ds[name].units == "Pg C yr-1" and ds[name].long_name and ds[name].source
        for name in ("rc", "froot", "ragpp", "area_fraction"):
            assert ds[name].units == "1"
            assert 0.0 < float(np.min(ds[name][:])) and float(np.max(ds[name][:])) < 1.0
        assert ds["rc_group"].flag_meanings.split()[-1] == "other"
        assert abs(float(np.sum(ds["area_fraction"][:])) - 1.0) < 1e-12
        assert "9d43778d66eb3d670c1e76b3b1ecac37626c9885" in ds.source
    lit = jian2022.load_literature()
    # the paper's filters: Rs after 1980 (drops Schlesinger 1977), NPP outliers outside 25-83
    assert lit.rs.size == 22 and lit.npp.size == 237 and lit.rc.size == 911


def test_bootstrap_reproduces_the_published_gpp_from_soil_respiration():
    b = jian2022.bootstrap()  # 10,000 draws as Jian et al.
    mid, minus, plus = jian2022.PUBLISHED_GPP_FROM_RS
    lo, hi = b.interval
    tol = jian2022.TOLERANCE_PGC_YR
    assert b.gpp.shape == (10_000,) and b.n == 10_000
    assert abs(b.median - mid) <= tol["median"]
    assert abs(lo - (mid - minus)) <= tol["p2.5"]
    assert abs(hi - (mid + plus)) <= tol["p97.5"]
    # Rroot/Rs and Rroot/Ra near the compilation's values; the published route is below the Ra/GPP closure
    assert 0.38 < np.median(b.draws["rc"]) < 0.43 and 0.35 < np.median(b.draws["froot"]) < 0.42
    assert np.median(b.draws["gpp_ragpp"]) > b.median


def test_bootstrap_is_reproducible_bit_for_bit():
    a = jian2022.bootstrap(n=2000, seed=7)
    b = jian2022.bootstrap(n=2000, seed=7)
    assert a.gpp.tobytes() == b.gpp.tobytes()
    assert all(a.draws[k].tobytes() == b.draws[k].tobytes() for k in a.draws)
    # counter-based: draw i does not depend on how many draws are made
    assert jian2022.bootstrap(n=500, seed=7).gpp.tobytes() == a.gpp[:500].tobytes()
    assert not np.array_equal(jian2022.bootstrap(n=2000, seed=8).gpp, a.gpp)


def test_model_chain_ratios_are_exact_on_a_synthetic_history(tmp_path):
    # powers of two: area sums scale exactly, so the ratios must come out exactly
    u = 2.0 ** -27
    _history(tmp_path, dict(gpp=32 * u, npp=28 * u, ra=4 * u, rroot=u, rh=u))
    m = jian2022.model_chain(tmp_path, n=1000)
    assert m.rroot_over_rs == 0.5
    assert m.rroot_over_ra == 0.25
    assert m.ra_over_gpp == 0.125
    assert m.rs == 2 * m.rroot and m.gpp == 32 * m.rroot
    # the chain closes on the model's own GPP
    assert m.rs * m.rroot_over_rs / m.rroot_over_ra / m.ra_over_gpp == pytest.approx(m.gpp, rel=1e-15)
    # the implied GPP is the literature bootstrap with the model's Rs in place of the literature Rs
    ref = jian2022.bootstrap(n=1000, rs=m.rs)
    assert np.all(m.implied.draws["rs"] == m.rs)
    assert m.implied.gpp.tobytes() == ref.gpp.tobytes()
    d = ref.draws
    assert np.array_equal(m.implied.gpp, d["npp"] + m.rs * d["rc"] / d["froot"])


@pytest.mark.parametrize("gpp, side", [(115.0, "remote-sensing"), (150.0, "soil-respiration")])
def test_report_states_the_verdict(tmp_path, gpp, side):
    _pg_history(tmp_path, gpp=gpp, ra=0.5 * gpp, rroot=0.35 * 0.5 * gpp, rh=50.0)
    text = jian2022.report(tmp_path)
    for published in ("149 (+29/-23)", "113 +/- 18", "123 +/- 8", "within tolerance"):
        assert published in text
    verdict = text.splitlines()[-1]
    assert f"sits with the {side} estimate" in verdict and "because" in verdict
    assert f"GPP of {gpp:.0f} Pg C/yr" in verdict


def test_main(tmp_path, capsys):
    assert jian2022.main(["-n", "500"]) == 0
    assert "GPP from Rs" in capsys.readouterr().out
    assert jian2022.main([str(tmp_path / "missing")]) == 2


def test_the_command_line_dispatches_diagnose_and_rejects_an_unknown_diagnostic(capsys):
    from coupler import cli

    assert cli.main(["diagnose", "jian2022", "-n", "200"]) == 0
    assert "149 (+29/-23)" in capsys.readouterr().out
    assert cli.main(["diagnose", "nosuch"]) == 2
    assert "jian2022" in capsys.readouterr().err
