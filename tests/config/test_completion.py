"""Shell completion, through click's real protocol: environment variables and a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ProjectFactory

# A command that uses the completers, as other command modules do.
PROGRAM = """
import click
from hyperloop_gitops.cli._app import main
from hyperloop_gitops.cli._completion import complete_analyses, complete_datasets, complete_wagons

@main.command()
@click.argument("wagon", shell_complete=complete_wagons)
@click.option("--dataset", shell_complete=complete_datasets)
@click.option("--analysis", shell_complete=complete_analyses)
def probe(wagon, dataset, analysis):
    pass

main(prog_name="hyperloop", complete_var="_HYPERLOOP_COMPLETE")
"""


def _complete(words: str, *, program: list[str], cwd: Path, **env: str) -> list[str]:
    """What bash completion offers for the command line ``words`` (the last word incomplete)."""
    parts = words.split(" ")
    result = subprocess.run(
        program,
        cwd=cwd,
        env={
            "PATH": os.environ["PATH"],
            "_HYPERLOOP_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


@pytest.fixture
def probe(tmp_path: Path) -> list[str]:
    script = tmp_path / "probe.py"
    script.write_text(PROGRAM, encoding="utf-8")
    return [sys.executable, str(script)]


HYPERLOOP = [str(Path(sys.executable).parent / "hyperloop")]  # the installed console script


def test_commands_and_options_complete(tmp_path: Path) -> None:
    assert _complete("hyperloop val", program=HYPERLOOP, cwd=tmp_path) == ["validate"]
    assert _complete("hyperloop validate --for", program=HYPERLOOP, cwd=tmp_path) == ["--format"]
    assert _complete("hyperloop validate --format ", program=HYPERLOOP, cwd=tmp_path) == [
        "text",
        "json",
        "github",
    ]


def test_wagon_ids_complete_from_the_repository(probe: list[str]) -> None:
    assert _complete("hyperloop probe pwglf-spectra/p", program=probe, cwd=EXAMPLE) == [
        "pwglf-spectra/phi-meson",
        "pwglf-spectra/pt-spectrum",
    ]
    # a wagon's own name finds it in any analysis
    assert _complete("hyperloop probe jpsi", program=probe, cwd=EXAMPLE) == [
        "pwgdq-dileptons/jpsi-ee"
    ]


def test_datasets_and_analyses_complete(probe: list[str]) -> None:
    assert _complete("hyperloop probe x --dataset LHC22o", program=probe, cwd=EXAMPLE) == [
        "LHC22o_pass6",
        "LHC22o_pass6_short",
    ]
    assert _complete("hyperloop probe x --analysis pwgc", program=probe, cwd=EXAMPLE) == [
        "pwgcf-flow"
    ]


def test_the_repository_comes_from_repo_or_the_environment(
    probe: list[str], project: ProjectFactory, tmp_path: Path
) -> None:
    root = project().root
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert _complete(f"hyperloop --repo {root} probe s", program=probe, cwd=elsewhere) == [
        "service/evsel"
    ]
    assert _complete(f"hyperloop --repo {root} probe spec", program=probe, cwd=elsewhere) == [
        "demo/spectra"
    ]
    assert _complete(
        "hyperloop probe d", program=probe, cwd=elsewhere, HYPERLOOP_REPO=str(root)
    ) == ["demo/spectra"]


def test_completion_prints_the_activation_script(project: ProjectFactory) -> None:
    p = project()
    bash = p.run("completion", "bash").assert_success().output
    assert "_HYPERLOOP_COMPLETE=bash_complete" in bash
    assert "complete -o nosort -F _hyperloop_completion hyperloop" in bash
    zsh = p.run("completion", "zsh").assert_success().output
    assert "#compdef hyperloop" in zsh
    fish = p.run("completion", "fish").assert_success().output
    assert "complete --no-files --command hyperloop" in fish


def test_the_bash_script_works_in_bash(tmp_path: Path) -> None:
    """Source the script in a real bash and ask it to complete, as the shell would."""
    script = subprocess.run(
        [*HYPERLOOP, "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "hyperloop").symlink_to(HYPERLOOP[0])
    driver = (
        f"{script}\n"
        "COMP_WORDS=(hyperloop val); COMP_CWORD=1\n"
        "_hyperloop_completion hyperloop\n"  # bash passes the command's name first
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "-c", driver],
        env={"PATH": f"{shim}:{os.environ['PATH']}"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.split() == ["validate"]
