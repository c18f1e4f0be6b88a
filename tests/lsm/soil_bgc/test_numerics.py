"""The flux limiter: pools never go negative, mass is conserved, grouped fluxes keep their ratio."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsm.soil_bgc.numerics import OUT, FluxTable, transfer


def test_unlimited_fluxes_move_exactly_what_was_proposed():
    values = np.array([[1.0, 2.0], [0.5, 0.0], [0.0, 0.0]])
    table = FluxTable.build([(0, 1, 0), (0, OUT, 1), (1, 2, 2)])
    proposed = np.array([[0.2, 0.1], [0.3, 0.4], [0.1, 0.0]])
    step = transfer(values, table, proposed)
    np.testing.assert_array_equal(step.moved, proposed)
    np.testing.assert_allclose(step.values, [[0.5, 1.5], [0.6, 0.1], [0.1, 0.0]], rtol=1e-15)


def test_overdrawn_pool_scales_all_its_outflows_and_their_group():
    # pool 0 (C) and pool 1 (N) of one substrate: the depolymerisation takes both at C:N 10 (one group);
    # respiration also draws on pool 0 and asks for more than is there.
    values = np.array([[1.0], [0.1], [0.0], [0.0]])
    table = FluxTable.build([(0, 2, 0), (1, 3, 0), (0, OUT, 1)])
    proposed = np.array([[1.5], [0.15], [0.5]])
    step = transfer(values, table, proposed)
    f = step.factor[:, 0]
    assert f[0] == f[1] == pytest.approx(0.5, rel=1e-14)  # 1.0 / (1.5 + 0.5)
    assert step.moved[0, 0] / step.moved[1, 0] == pytest.approx(10.0, rel=1e-15)
    assert 0.0 <= step.values[0, 0] <= 1e-14
    assert step.values[1, 0] == pytest.approx(0.1 - 0.075, rel=1e-12)


def test_a_row_at_a_negative_rounding_residue_is_left_alone():
    """An emptied pool may sit at -5e-324; with nothing asked of it the fluxes of its group still move."""
    values = np.array([[-5e-324, 1.0], [1.0, 1.0], [0.0, 0.0]])
    table = FluxTable.build([(0, 2, 0), (1, 2, 0)])
    proposed = np.array([[0.0, 0.0], [0.5, 0.5]])
    with np.errstate(invalid="raise"):
        step = transfer(values, table, proposed)
    np.testing.assert_array_equal(step.moved, proposed)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_never_negative_and_conserving(seed):
    rng = np.random.default_rng(seed)
    nvar, ncol, nflux = 8, 50, 25
    values = rng.choice([0.0, 1e-12, 1.0, 30.0], size=(nvar, ncol)) * rng.uniform(0, 1, (nvar, ncol))
    src = rng.integers(0, nvar, nflux)
    tgt = np.where(rng.uniform(size=nflux) < 0.3, OUT, rng.integers(0, nvar, nflux))
    grp = rng.integers(0, 10, nflux)
    table = FluxTable.build(list(zip(src, tgt, grp)))
    proposed = rng.uniform(0, 3, (nflux, ncol)) * rng.choice([0.0, 1.0, 100.0], size=(nflux, 1))
    step = transfer(values, table, proposed)
    assert np.all(step.values >= 0.0)
    assert np.all((step.factor >= 0.0) & (step.factor <= 1.0))
    out = step.moved[tgt == OUT].sum(axis=0)
    np.testing.assert_allclose(step.values.sum(axis=0) + out, values.sum(axis=0), rtol=1e-14, atol=1e-300)
    # a group shares one factor
    for g in np.unique(grp):  # test loop over groups
        members = step.factor[grp == g]
        assert np.all(members == members[0])


def test_bad_proposals_are_errors():
    table = FluxTable.build([(0, 1, 0)])
    with pytest.raises(ValueError, match="non-negative"):
        transfer(np.ones((2, 1)), table, np.array([[-1.0]]))
    with pytest.raises(ValueError, match="source"):
        FluxTable.build([(OUT, 1, 0)])
