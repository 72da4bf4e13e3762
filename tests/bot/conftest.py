from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakegithub import FakeGitHub

from hyperloop_gitops.bot.github import GitHubForge


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    with server.running():
        yield server


@pytest.fixture
def forge(fake: FakeGitHub) -> GitHubForge:
    return GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
