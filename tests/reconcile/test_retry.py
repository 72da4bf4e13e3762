"""A backend command that fails is retried with backoff, and each failure is recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hyperloop_gitops.config import load_valid_repository
from hyperloop_gitops.errors import BackendError
from hyperloop_gitops.reconcile.apply import Reconciler
from tests.conftest import RESOURCES


def test_a_failing_backend_command_is_retried_and_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    shutil.copytree(RESOURCES / "base", tmp_path / "repo")
    reconciler = Reconciler.open(load_valid_repository(tmp_path / "repo"))
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise BackendError(f"sbatch: socket timed out ({len(calls)})")
        return "ok"

    assert reconciler._retry(flaky, "submit T-1") == "ok"
    events = reconciler.state.events()
    assert [(e.kind, e.details) for e in events] == [
        (
            "backend.error",
            {"what": "submit T-1", "attempt": 1, "error": "sbatch: socket timed out (1)"},
        ),
        (
            "backend.error",
            {"what": "submit T-1", "attempt": 2, "error": "sbatch: socket timed out (2)"},
        ),
    ]

    def broken() -> str:
        raise BackendError("no route")

    with pytest.raises(BackendError) as caught:
        reconciler._retry(broken, "poll T-1")
    assert str(caught.value) == (
        "poll T-1 failed 3 times: no route; nothing was recorded as done, so the next "
        "`hyperloop reconcile --apply` tries again"
    )
