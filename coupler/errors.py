"""Errors that the command line reports as one clear line and a non-zero exit.

Every error a user can cause (bad namelist, missing or corrupt file, broken
conservation, NaN or negative stocks) is an ``LsmcError``; anything else is a
bug and keeps its traceback.
"""


class LsmcError(Exception):
    """Base class of the errors that ``lsmc`` reports without a traceback.

    ``collective`` is set when every MPI rank raises the same error (it came
    from replicated data or was broadcast); the command line then prints it
    once and exits normally instead of aborting the job.
    """

    exit_code = 2
    collective = False


class NamelistError(LsmcError):
    """A namelist file is missing, malformed, or has a bad group, key or value."""


class InputDataError(LsmcError):
    """A data file (surface, forcing, scenario) is missing or malformed."""


class RestartError(LsmcError):
    """A restart set, file or rpointer is missing, incomplete or corrupt."""


class OutputError(LsmcError):
    """The output folder cannot be written."""


class ConservationError(LsmcError):
    """The ledger found a component or the whole system out of balance."""

    exit_code = 3


class StateError(LsmcError):
    """A component found NaN or negative stocks (names cell, variable, time)."""

    exit_code = 3


class CouplingError(LsmcError):
    """Components do not fit together (missing field, unknown field, grid mismatch)."""


class RunInterrupted(LsmcError):
    """SIGTERM or SIGINT stopped a run after a restart set was written; ``--continue`` resumes it.

    The exit code is the shell's for death by that signal (128 + its number), so a batch script can tell an
    interrupted run from a finished one and resubmit it.
    """

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + int(signum)
        self.collective = True

