"""Spin up the land and ship it as the default initial state: a wrapper of ``lsmc spinup``.

The spin-up lives in :mod:`coupler.spinup` (``lsmc spinup --help`` lists the
options, with units); this script passes its arguments on unchanged, so
``python tools/make_land_init.py --deg 2`` is ``lsmc spinup --deg 2``.

Usage: [mpiexec -n N] python tools/make_land_init.py [--deg 2] [--cycles 4] [--settle 1] [--cycle-days 365]
       [--out FILE] [--keep DIR] [--max-drift 0.1] [--strict]
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coupler.cli import main as lsmc_main  # noqa: E402
from coupler.spinup import write_init  # noqa: E402, F401  (kept importable from here)


def main(argv: list[str] | None = None) -> int:
    return lsmc_main(["spinup", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
