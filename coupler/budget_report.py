"""``lsmc budget OUTDIR``: the ledger of a run as tables.

Reads ``budget.nc`` and prints, per booked quantity, the inventories of each
component and the coupler's transit at the start and end, the cumulative
flows by component and term, the external sources and sinks, and the
residuals (worst step and cumulative, absolute and relative to the stock).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from .errors import LsmcError
from .fields import QUANTITY_UNITS
from .ledger import read_budget


def print_budget(outdir: Path, every: int = 0) -> None:
    path = Path(outdir) / "budget.nc"
    if not path.exists():
        raise LsmcError(f"{path}: budget file missing (is {outdir} an lsmc output folder?)")
    try:
        b = read_budget(path)
    except OSError as exc:
        raise LsmcError(f"{path}: cannot read budget file ({exc})") from None
    n = len(b["time"])
    if n == 0:
        raise LsmcError(f"{path}: holds no coupling steps")
    print(f"{path}: {n} coupling steps, days {b['time'][0]:.4f} to {b['time'][-1]:.4f} "
          f"(step {int(b['step'][0])} to {int(b['step'][-1])})")
    by_q: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name in b:
        if name.startswith("_") or name in ("time", "step"):
            continue
        kind, *rest = name.split("__")
        q = rest[-1] if kind in ("total", "transit", "cum_external") else rest[1]
        by_q[q][kind].append(name)
    for q in sorted(by_q):
        units = QUANTITY_UNITS[q]
        groups = by_q[q]
        print(f"\n== {q} ({units}) ==")
        print(f"  {'inventory':<44} {'last step':>22} {'change over the file':>22}")
        for name in sorted(groups["inventory"]):
            comp = name.split("__")[1]
            v = b[name]
            print(f"  {comp:<44} {v[-1]:>22.12e} {v[-1] - v[0]:>22.12e}")
        if groups["transit"]:
            v = b[groups["transit"][0]]
            print(f"  {'in transit (coupler)':<44} {v[-1]:>22.12e}")
        print(f"  {'flows (positive into the component)':<44} {'sum over the file':>22}")
        for name in sorted(groups["flow"]):
            _, comp, _, term = name.split("__", 3)
            print(f"  {comp + ': ' + term:<44} {np.sum(b[name]):>22.12e}")
        total = b[groups["total"][0]] if groups["total"] else None
        stock = np.abs(total).max() if total is not None else 1.0
        print(f"  {'residuals':<44} {'worst step':>22} {'worst / stock':>22}")
        for name in sorted(groups["residual"]):
            comp = name.split("__")[1]
            worst = float(np.max(np.abs(b[name])))
            print(f"  {comp:<44} {worst:>22.3e} {worst / stock if stock else 0.0:>22.2e}")
        for name in groups["cum_residual"]:
            last = float(b[name][-1])
            print(f"  {'global cumulative':<44} {last:>22.3e} {abs(last) / stock if stock else 0.0:>22.2e}")
    if every or n > 1:
        step = every or max(1, n // 20)
        q = "carbon" if "carbon" in by_q else sorted(by_q)[0]
        inv = sorted(by_q[q]["inventory"])
        comps = [name.split("__")[1] for name in inv]
        print(f"\n== {q} by step ({QUANTITY_UNITS[q]}) ==")
        print(f"  {'day':>10} " + " ".join(f"{c:>20}" for c in comps) + f" {'transit':>14} {'step residual':>14}")
        res = b.get(f"residual__global__{q}")
        transit = b.get(f"transit__{q}")
        for i in list(range(0, n, step)) + ([n - 1] if (n - 1) % step else []):
            vals = " ".join(f"{b[name][i]:>20.10e}" for name in inv)
            print(f"  {b['time'][i]:>10.4f} {vals} {transit[i]:>14.3e} {res[i]:>14.3e}")
