"""lsmc coupler: driver, clock, grids, remapping, reproducible sums, ledger, I/O and command line."""

__version__ = "0.1.0"
