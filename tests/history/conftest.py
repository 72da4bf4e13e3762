"""Fixtures of the history tests: a real git repository, and the scenario committed to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.scenario import Scenario, build


@pytest.fixture
def gitrepo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The seven-commit scenario; built once per session (tests only read it)."""
    return build(GitRepo(tmp_path_factory.mktemp("scenario") / "repo"))
