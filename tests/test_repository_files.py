"""Generated files committed in this repository stay fresh."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hyperloop_gitops.cli import main

ROOT = Path(__file__).parents[1]


def test_codeowners_is_fresh() -> None:
    result = CliRunner().invoke(main, ["--repo", str(ROOT), "codeowners", "--check"])
    assert result.exit_code == 0, result.output + "\nregenerate with: hyperloop codeowners"
