"""Shared fixtures: a project builder that writes a configuration repository and runs the CLI."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from hyperloop_gitops.cli import main

RESOURCES = Path(__file__).parent / "resources"
EXAMPLE = Path(__file__).parents[1]


@dataclass
class Outcome:
    """What a CLI run printed and returned."""

    exit_code: int
    output: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.output.splitlines()

    def assert_success(self) -> Outcome:
        assert self.exit_code == 0, f"exit {self.exit_code}\n{self.output}\n{self.stderr}"
        return self

    def assert_failed(self, *expected: str, exit_code: int = 1) -> Outcome:
        """The run failed and its finding lines are exactly ``expected`` (summary excluded)."""
        assert self.exit_code == exit_code, f"exit {self.exit_code}\n{self.output}\n{self.stderr}"
        if expected:
            findings = [line for line in self.lines if ": error: " in line or ": warning: " in line]
            assert findings == list(expected), "\n".join(findings)
        assert "Traceback" not in self.output + self.stderr
        return self


class Project:
    """A configuration repository in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, files: Mapping[str, str | bytes | None]) -> Project:
        for rel, content in files.items():
            path = self.root / rel
            if content is None:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return self

    def run(self, *args: str) -> Outcome:
        runner = CliRunner()
        result = runner.invoke(main, ["--repo", str(self.root), *args], catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr)


ProjectFactory = Callable[..., Project]


@pytest.fixture
def project(tmp_path: Path) -> ProjectFactory:
    """``project({"config/datasets/x.yaml": "..."}, base="minimal")`` -> a :class:`Project`.

    ``base`` is ``"minimal"`` (tests/resources/base), ``"example"`` (the repository's own
    config/) or ``None`` (empty). Files map to text, bytes, or ``None`` to delete.
    """

    def build(
        files: Mapping[str, str | bytes | None] | None = None, base: str | None = "minimal"
    ) -> Project:
        root = tmp_path / "repo"
        if base == "minimal":
            shutil.copytree(RESOURCES / "base", root)
        elif base == "example":
            shutil.copytree(EXAMPLE / "config", root / "config")
        else:
            root.mkdir()
        return Project(root).write(files or {})

    return build
