"""Launching MPI jobs for the distributed tests: `mpiexec -n N` in a subprocess, with a timeout,
skipped (with the reason) where mpiexec or mpi4py is missing."""
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def find_mpiexec():
    here = Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else shutil.which("mpiexec")


def job_env(**extra):
    """One BLAS thread per rank (two ranks share this machine's cores), graphgrad from src/."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for name in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "SLURM_NTASKS"):
        env.pop(name, None)
    env.update(extra)
    return env


class Mpi:
    """mpi(n, *argv) runs argv in n ranks; script(n, code) runs a Python script."""

    def __init__(self, mpiexec, tmp_path):
        self.mpiexec, self.tmp_path = mpiexec, tmp_path

    def __call__(self, n, *argv, timeout=60, env=None, mpmd=None):
        command = [self.mpiexec, "-n", str(n), *argv]
        for more in mpmd or ():          # MPMD: ... : -n 1 other argv
            command += [":", "-n", "1", *more]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=self.tmp_path, env=env or job_env())

    env = staticmethod(job_env)

    def script(self, n, code, timeout=60, env=None):
        path = self.tmp_path / f"job_{abs(hash(code))}.py"
        path.write_text(textwrap.dedent(code))
        return self(n, sys.executable, str(path), timeout=timeout, env=env)


@pytest.fixture
def mpi(tmp_path):
    mpiexec = find_mpiexec()
    if mpiexec is None:
        pytest.skip("no mpiexec: pip install 'graphgrad[distributed]' (mpi4py and MPICH)")
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip("no mpi4py: pip install 'graphgrad[distributed]'")
    return Mpi(mpiexec, tmp_path)
