"""CO2 and N2O reservoirs: exact books, exact exponential decay, compatible emissions."""

import math

import pytest

from atmos_stub.reservoirs import SECONDS_PER_YEAR, TGN_PER_PPB_N2O, CarbonReservoir, N2OReservoir
from coupler.constants import PGC_PER_PPM


def test_co2_mass_and_ppm():
    r = CarbonReservoir(284.3)
    assert r.mass_pgc == pytest.approx(284.3 * 2.124, rel=1e-15)
    r.add(surface_pgc=1.0, emissions_pgc=PGC_PER_PPM - 1.0)
    assert r.ppm == pytest.approx(285.3, rel=1e-14)


def test_compatible_emissions_close_the_books():
    r = CarbonReservoir(280.0)
    before = r.mass_pgc
    compatible = r.prescribe(surface_pgc=-2.0, target_ppm=281.0)
    assert before - 2.0 + compatible == pytest.approx(r.mass_pgc, rel=1e-15)
    assert compatible == pytest.approx(2.0 + PGC_PER_PPM, rel=1e-12)


def test_n2o_decays_with_its_lifetime():
    r = N2OReservoir(300.0, lifetime_yr=116.0)
    m0 = r.mass_tgn
    total_loss = 0.0
    for _ in range(116):
        total_loss += r.step(0.0, SECONDS_PER_YEAR)
    assert r.mass_tgn == pytest.approx(m0 * math.exp(-1.0), rel=1e-12)
    assert m0 - total_loss == pytest.approx(r.mass_tgn, rel=1e-12)


def test_n2o_steady_state_is_source_times_lifetime():
    r = N2OReservoir(0.0, lifetime_yr=116.0)
    source = 11.0  # Tg N per year
    for _ in range(3000):
        r.step(source, SECONDS_PER_YEAR)
    assert r.mass_tgn == pytest.approx(source * 116.0, rel=1e-9)
    assert r.ppb == pytest.approx(source * 116.0 / TGN_PER_PPB_N2O, rel=1e-9)


def test_n2o_prescribed_books_close():
    r = N2OReservoir(270.0)
    before = r.mass_tgn
    loss, compatible = r.prescribe(sources_tgn=0.5, target_ppb=271.0, dt_s=SECONDS_PER_YEAR)
    assert before + 0.5 - loss + compatible == pytest.approx(r.mass_tgn, rel=1e-15)
    assert loss > 0
