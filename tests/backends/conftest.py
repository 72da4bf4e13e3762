"""A real single-node Slurm for the slurm backend's tests, started once per test session.

The recipe is ``slurm_ci.sh`` (from the project's notes). Everything lives under a temporary
folder with free ports, so two sessions on one machine do not collide. When Slurm is not
installed the tests are skipped with the reason; CI installs it (scripts/bootstrap.sh --test).
All slurm tests share the xdist group "slurm", so with ``-n 2`` one worker runs them all and
only one Slurm is started.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

RECIPE = Path(__file__).with_name("slurm_ci.sh")
DAEMONS = ("slurmctld", "slurmd", "munged", "sbatch", "scontrol")


@dataclass(frozen=True)
class SlurmCluster:
    directory: Path
    conf: Path

    @property
    def env(self) -> dict[str, str]:
        return {"SLURM_CONF": str(self.conf)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    missing = [name for name in DAEMONS if shutil.which(name) is None]
    if missing:
        pytest.skip(
            f"Slurm is not installed ({', '.join(missing)} missing): "
            "run scripts/bootstrap.sh --test as root to install it"
        )
    if os.geteuid() != 0:
        pytest.skip("the single-node Slurm recipe runs its daemons as root")
    directory = Path(tempfile.mkdtemp(prefix="hyperloop-slurm-"))
    env = {
        **os.environ,
        "SLURM_CI_DIR": str(directory),
        "SLURM_CI_CTLD_PORT": str(_free_port()),
        "SLURM_CI_SLURMD_PORT": str(_free_port()),
    }
    up = subprocess.run(
        ["bash", "-c", f"source {RECIPE} && slurm_ci_up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    cluster = SlurmCluster(directory=directory, conf=directory / "slurm.conf")
    try:
        if up.returncode != 0:
            pytest.fail(f"single-node Slurm did not start:\n{up.stdout}\n{up.stderr}")
        yield cluster
    finally:
        subprocess.run(
            ["bash", "-c", f"source {RECIPE} && slurm_ci_down"],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(directory, ignore_errors=True)
