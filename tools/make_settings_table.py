"""Write the table of &driver settings into README.md from coupler/config.py.

Usage: python tools/make_settings_table.py [--check]
With --check, exit 1 if the README table is out of date (a test runs this).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coupler.config import DRIVER_SETTINGS, settings_table  # noqa: E402

START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"


def render(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + START + "\n" + settings_table({"driver": DRIVER_SETTINGS}) + END + tail


def main() -> int:
    path = REPO / "README.md"
    text = path.read_text()
    new = render(text)
    if "--check" in sys.argv:
        if new != text:
            print("README.md settings table is out of date: run python tools/make_settings_table.py")
            return 1
        return 0
    path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
