"""Run a command under MPICH's ``mpiexec`` for multi-rank tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def _mpiexec() -> str:
    # Prefer the launcher installed with the mpich wheel next to this Python,
    # so it matches the MPI library mpi4py was built against.
    local = Path(sys.executable).parent / "mpiexec"
    if local.exists():
        return str(local)
    found = shutil.which("mpiexec")
    if found is None:
        raise FileNotFoundError("no mpiexec next to sys.executable or on PATH")
    return found


def mpirun(nranks: int, args, timeout: float = 300, env=None, cwd=None) -> subprocess.CompletedProcess:
    """Run ``mpiexec -n nranks *args`` with captured text output.

    Raises AssertionError (including stdout and stderr) on a non-zero exit.
    Hydra's fork launcher on loopback is used so that single-node runs work in
    containers (also as root) without ssh or hostname resolution.
    """
    run_env = dict(os.environ)
    run_env.setdefault("HYDRA_LAUNCHER", "fork")
    run_env.setdefault("HYDRA_IFACE", "lo")
    if env:
        run_env.update(env)
    cmd = [_mpiexec(), "-n", str(nranks), *[str(a) for a in args]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=run_env, cwd=cwd)
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited with {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc
