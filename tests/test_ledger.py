"""Ledger arithmetic: closes for balanced books, names the culprit otherwise."""

import pytest

from coupler.errors import ConservationError
from coupler.ledger import Flow, Ledger


def test_balanced_transfer_through_transit():
    led = Ledger({"land": ("carbon",), "atmos": ("carbon",)}, 1e-12)
    led.start({"land": {"carbon": 100.0}, "atmos": {"carbon": 600.0}})
    # step 1: land sends 1 Pg C, the atmosphere will receive it next step
    row = led.close_step(1, "t1", {"land": {"carbon": 99.0}, "atmos": {"carbon": 600.0}},
                         [Flow("land", "carbon", "nee", -1.0)], {"carbon": 1.0})
    assert row["residual:global:carbon"] == 0.0 and row["transit:carbon"] == 1.0
    row = led.close_step(2, "t2", {"land": {"carbon": 99.0}, "atmos": {"carbon": 601.0}},
                         [Flow("atmos", "carbon", "nee", 1.0)], {"carbon": -1.0})
    assert row["residual:atmos:carbon"] == 0.0 and row["cum_residual:global:carbon"] == 0.0


def test_external_source_counts_globally():
    led = Ledger({"atmos": ("carbon",)}, 1e-12)
    led.start({"atmos": {"carbon": 600.0}})
    row = led.close_step(1, "t1", {"atmos": {"carbon": 610.0}},
                         [Flow("atmos", "carbon", "fossil_emissions", 10.0, external=True)], {})
    assert row["residual:global:carbon"] == 0.0 and row["cum_external:carbon"] == 10.0


def test_unbooked_change_is_caught_with_component_and_term():
    led = Ledger({"land": ("carbon",), "atmos": ("carbon",)}, 1e-12)
    led.start({"land": {"carbon": 100.0}, "atmos": {"carbon": 600.0}})
    with pytest.raises(ConservationError) as err:
        led.close_step(7, "t7", {"land": {"carbon": 99.0 - 1e-6}, "atmos": {"carbon": 600.0}},
                       [Flow("land", "carbon", "nee", -1.0)], {"carbon": 1.0})
    msg = str(err.value)
    assert "step 7" in msg and "land" in msg and "nee" in msg and "RESIDUAL" in msg


def test_nan_inventory_is_a_breach():
    led = Ledger({"land": ("carbon",)}, 1e-12)
    led.start({"land": {"carbon": 1.0}})
    with pytest.raises(ConservationError):
        led.close_step(1, "t", {"land": {"carbon": float("nan")}}, [], {})


def test_state_roundtrip():
    led = Ledger({"land": ("carbon", "water")}, 1e-12)
    led.start({"land": {"carbon": 1.0, "water": 5.0}})
    led.close_step(1, "t", {"land": {"carbon": 1.0, "water": 5.0}}, [], {})
    other = Ledger({"land": ("carbon", "water")}, 1e-12)
    other.set_state(led.get_state())
    assert other.get_state() == led.get_state()
