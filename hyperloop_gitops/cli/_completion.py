"""Shell completion: `hyperloop completion [bash|zsh|fish]` and completers for names.

Activate with ``eval "$(hyperloop completion bash)"`` (or zsh; for fish,
``hyperloop completion fish | source``). Commands complete wagon ids and dataset names by
passing ``shell_complete=complete_wagons`` (or ``complete_datasets``, ``complete_analyses``)
to an argument or option. The completers only list file names, so they are instant and work
in a repository whose files do not validate.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.shell_completion import CompletionItem, get_completion_class

from hyperloop_gitops.cli._app import main

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_HYPERLOOP_COMPLETE"


def _repo(ctx: click.Context) -> Path:
    """The repository being completed in: ``--repo``, else $HYPERLOOP_REPO, else the cwd."""
    root = ctx.find_root()
    repo = root.params.get("repo") if root.params else None
    if repo is None:
        repo = os.environ.get("HYPERLOOP_REPO", ".")
    return Path(repo)


def _stems(folder: Path) -> list[str]:
    try:
        return sorted(p.name[: -len(".yaml")] for p in folder.glob("*.yaml") if p.is_file())
    except OSError:
        return []


def wagon_ids(repo: Path) -> list[str]:
    """Every ``analysis/wagon`` id that has a file, sorted."""
    ids: list[str] = []
    analyses = repo / "config" / "analyses"
    if analyses.is_dir():
        for folder in sorted(p for p in analyses.iterdir() if p.is_dir()):
            ids.extend(f"{folder.name}/{wagon}" for wagon in _stems(folder / "wagons"))
    return ids


def complete_wagons(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Wagon ids starting with what was typed; ``pt`` also finds ``pwglf-spectra/pt-spectrum``."""
    ids = wagon_ids(_repo(ctx))
    matches = [w for w in ids if w.startswith(incomplete)]
    if not matches and "/" not in incomplete:
        matches = [w for w in ids if w.split("/", 1)[1].startswith(incomplete)]
    return [CompletionItem(w) for w in matches]


def complete_datasets(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Dataset names starting with what was typed."""
    names = _stems(_repo(ctx) / "config" / "datasets")
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def complete_analyses(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Analysis names starting with what was typed."""
    analyses = _repo(ctx) / "config" / "analyses"
    try:
        names = sorted(p.name for p in analyses.iterdir() if (p / "analysis.yaml").is_file())
    except OSError:
        names = []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def _default_shell() -> str:
    shell = Path(os.environ.get("SHELL", "bash")).name
    return shell if shell in SHELLS else "bash"


@main.command()
@click.argument("shell", type=click.Choice(SHELLS), required=False)
def completion(shell: str | None) -> None:
    """Print the script that turns on tab completion in SHELL (default: your $SHELL).

    \b
    bash:  eval "$(hyperloop completion bash)"    (add it to ~/.bashrc)
    zsh:   eval "$(hyperloop completion zsh)"     (add it to ~/.zshrc)
    fish:  hyperloop completion fish | source     (add it to ~/.config/fish/config.fish)
    """
    chosen = shell or _default_shell()
    cls = get_completion_class(chosen)
    if cls is None:  # every name in SHELLS is one of click's built-in shells
        raise click.UsageError(f"no completion for shell {chosen!r}")
    click.echo(cls(main, {}, "hyperloop", COMPLETE_VAR).source())
