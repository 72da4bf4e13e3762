"""The pre-commit hook: what pre-commit would run, on the files it would pass."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ProjectFactory

ROOT = Path(__file__).parents[2]
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_the_hook_is_declared() -> None:
    assert [hook["id"] for hook in HOOKS] == ["hyperloop-validate"]
    hook = HOOKS[0]
    assert hook["entry"] == "hyperloop validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["files"] == r"^config/.*\.yaml$"


def _run_hook(root: Path, changed: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the hook's entry as pre-commit does: in the repository, with the matching files."""
    hook = HOOKS[0]
    files = [f for f in changed if re.search(hook["files"], f)]
    command = shlex.split(hook["entry"])
    executable = Path(sys.executable).parent / command[0]
    return subprocess.run(
        [str(executable), *command[1:], *files],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_hook_passes_a_valid_change(project: ProjectFactory) -> None:
    p = project()
    result = _run_hook(p.root, ["config/runlists/LHC22o_good.yaml", "README.md"])
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("valid: 7 files checked")


def test_the_hook_fails_on_an_error_in_a_changed_file(project: ProjectFactory) -> None:
    p = project({"config/runlists/LHC22o_good.yaml": 'name: LHC22o_good\nlabel: "Good\n'})
    result = _run_hook(p.root, ["config/runlists/LHC22o_good.yaml"])
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "config/runlists/LHC22o_good.yaml:3:1: error: invalid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar that starts at line 2, column 8)"
    )
