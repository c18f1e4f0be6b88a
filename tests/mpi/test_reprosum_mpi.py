"""reprosum over 1-4 MPI ranks: bit-identical and equal to math.fsum."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from tests.mpirun import mpirun

pytestmark = pytest.mark.mpi

SCRIPT = Path(__file__).with_name("reprosum_script.py")


def _load_script():
    spec = importlib.util.spec_from_file_location("reprosum_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(nranks: int) -> dict[str, str]:
    proc = mpirun(nranks, [sys.executable, str(SCRIPT)], timeout=120)
    return dict(line.split() for line in proc.stdout.splitlines() if line.strip())


def test_reprosum_identical_for_1_to_4_ranks():
    script = _load_script()
    values = script.make_values()
    expected = {
        "reprosum_a": math.fsum(values["a"]).hex(),
        "many_a": math.fsum(values["a"]).hex(),
        "many_b": math.fsum(values["b"]).hex(),
        "many_empty": (0.0).hex(),
        "many_c": math.fsum(values["c"]).hex(),
    }
    outputs = {n: _run(n) for n in (1, 2, 3, 4)}
    for n, out in outputs.items():
        assert out == expected, f"{n} ranks: {out} != {expected}"


def test_split_is_uneven_and_complete():
    script = _load_script()
    for n in (1, 2, 3, 4):
        bounds = script.split_bounds(script.N_VALUES, n)
        assert bounds[0] == 0 and bounds[-1] == script.N_VALUES
        sizes = set(bounds[1:] - bounds[:-1])
        assert len(sizes) == n  # all ranks hold different numbers of values


@pytest.mark.parametrize("nranks", [2])
def test_mpirun_reports_failure(nranks):
    with pytest.raises(AssertionError, match="exited with"):
        mpirun(nranks, [sys.executable, "-c", "raise SystemExit(3)"], timeout=60)
