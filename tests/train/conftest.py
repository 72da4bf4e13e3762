"""Fixtures of the train tests: the example configuration in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from hyperloop_gitops.config import Repository, load_repository
from tests.conftest import Project, ProjectFactory


def load(project: Project) -> Repository:
    """The project's repository; the test fails if it does not validate."""
    result = load_repository(project.root)
    assert result.ok, "\n".join(d.format() for d in result.errors)
    return result.repository


@pytest.fixture
def example(project: ProjectFactory) -> Project:
    """The repository's own example configuration, copied to ``tmp_path``."""
    return project(base="example")


def write_inputs(root: Path, relative: list[str], content: bytes = b"AO2D") -> None:
    """Create input files under the default data directory."""
    for rel in relative:
        path = root / ".hyperloop" / "data" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
