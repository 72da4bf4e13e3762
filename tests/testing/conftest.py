"""Shared helpers of the wagon-test tests: real Python subprocesses from ``programs/``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hyperloop_gitops.testing.limits import Limits, scrubbed_environment
from hyperloop_gitops.testing.runner import RunOutcome, Step, run

PROGRAMS = Path(__file__).parent / "programs"


def program(name: str, *args: object) -> tuple[str, ...]:
    """The argv running ``programs/<name>.py`` with this interpreter."""
    return (sys.executable, str(PROGRAMS / f"{name}.py"), *map(str, args))


def python(code: str) -> tuple[str, ...]:
    """The argv running a one-line Python program."""
    return (sys.executable, "-c", code)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def run_steps(workdir: Path):  # type: ignore[no-untyped-def]
    """Run steps in ``workdir`` with a scrubbed environment, default limits overridable."""

    def _run(*steps: Step, interval_s: float = 0.1, **limits: float) -> RunOutcome:
        return run(
            steps,
            workdir=workdir,
            env=scrubbed_environment(workdir),
            limits=Limits(**limits),  # type: ignore[arg-type]
            interval_s=interval_s,
        )

    return _run
