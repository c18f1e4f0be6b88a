"""The soil pool declaration: every organic pool has C and N, views write through, totals add up."""

import numpy as np
import pytest

from lsm.soil_bgc.pools import C_ROWS, N_ROWS, POOLS, VARIABLES, SoilState, pool_index


def test_every_organic_pool_carries_carbon_and_nitrogen():
    for p in POOLS:
        assert p.elements == (("C", "N") if p.kind == "organic" else ("N",)), p
    names = {p.name for p in POOLS}
    for required in ("litter_labile", "litter_recalcitrant", "dom", "microbes_active", "enzyme_labile",
                     "enzyme_recalcitrant", "maom", "aggregate", "nh4", "no3"):
        assert required in names
    assert len(VARIABLES) == len(set(VARIABLES)) == len(C_ROWS) + len(N_ROWS)


def test_views_write_through_and_totals():
    s = SoilState.zeros(3)
    s.c("dom")[:] = [1.0, 2.0, 3.0]
    s.n("dom")[:] = 0.1
    s.n("no3")[1] = 0.5
    s.c("maom")[2] += 4.0
    np.testing.assert_array_equal(s.total_c(), [1.0, 2.0, 7.0])
    np.testing.assert_allclose(s.total_n(), [0.1, 0.6, 0.1], rtol=1e-15)
    assert set(s.as_dict()) == set(VARIABLES)
    c = s.copy()
    c.c("dom")[:] = 0.0
    assert s.c("dom")[0] == 1.0


def test_unknown_names_are_clear_errors():
    with pytest.raises(KeyError, match="valid pools"):
        pool_index("humus")
    with pytest.raises(KeyError, match="valid"):
        SoilState.zeros(1).n("litter")
    with pytest.raises(ValueError, match="shape"):
        SoilState(np.zeros((3, 2)))
