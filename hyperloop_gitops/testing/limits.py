"""What a wagon test may use, and the environment it sees (DESIGN.md decision 8).

A test runs without a shell, in its own directory, with an environment built from an allow-list
(never the parent's tokens), core dumps off, a bounded number of open files, a wall-time limit
and a memory limit on the PSS of its whole process tree. The two limits are enforced by the
runner, which has to sample to see them; the kernel limits are set here.
"""

from __future__ import annotations

import os
import re
import resource
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hyperloop_gitops.testing.units import GB, MB

_SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|_KEY$|^KEY$|AUTH", re.IGNORECASE)
"""Names never passed to a test, even when a caller asks for them to be."""


@dataclass(frozen=True)
class Limits:
    """The resources one test may use."""

    wall_time_s: float = 300.0
    """Wall-clock seconds from start until the whole process tree is killed."""
    memory_bytes: int = int(3.6 * GB)
    """PSS of the whole process tree above which it is killed."""
    max_log_bytes: int = 50 * MB
    """Bytes of stdout.log (and of stderr.log) kept: the head and the tail, half each."""
    open_files: int = 4096
    """RLIMIT_NOFILE of every process of the test."""

    @classmethod
    def from_policy(
        cls, *, test_wall_time_s: float, test_max_pss_gb: float, max_log_mb: float
    ) -> Limits:
        """The limits a policy (``config/hyperloop.yaml``) sets for a wagon test."""
        return cls(
            wall_time_s=test_wall_time_s,
            memory_bytes=round(test_max_pss_gb * GB),
            max_log_bytes=round(max_log_mb * MB),
        )


def scrubbed_environment(
    workdir: Path,
    *,
    pythonpath: Iterable[str] = (),
    passthrough: Iterable[str] = (),
    parent: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The whole environment of a test: an allow-list, nothing inherited by default.

    ``PATH`` and ``LANG`` come from the parent; ``HOME`` is the work directory and ``TMPDIR`` its
    ``tmp/`` (created here). ``pythonpath`` entries become ``PYTHONPATH``. ``passthrough`` names
    further variables to copy from the parent (an O2 environment needs ``LD_LIBRARY_PATH``,
    ``ROOTSYS``, ...); names that look like secrets are refused even then.
    """
    source = os.environ if parent is None else parent
    tmp = workdir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": source.get("PATH", os.defpath),
        "HOME": str(workdir),
        "LANG": source.get("LANG", "C.UTF-8"),
        "TMPDIR": str(tmp),
    }
    paths = [p for p in pythonpath if p]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    for name in passthrough:
        if name in source and not _SECRET.search(name) and name not in env:
            env[name] = source[name]
    return env


def kernel_limits(limits: Limits) -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess.Popen``: no core dumps, bounded open files.

    Only async-signal-safe work (two setrlimit calls) happens in the forked child.
    """
    hard_files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    files = limits.open_files
    if hard_files != resource.RLIM_INFINITY:
        files = min(files, hard_files)

    def _apply() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    return _apply
