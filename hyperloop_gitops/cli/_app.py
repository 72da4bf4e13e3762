"""The `hyperloop` command group and its one error boundary (STYLE.md "Errors").

A user error (any ``HyperloopError``) prints its message and exits 1; Ctrl-C exits 130;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from hyperloop_gitops import __version__
from hyperloop_gitops.errors import ConfigError, HyperloopError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            # Each line already reads "file:line:column: error: ..."; a prefix would double it.
            click.echo(str(error), err=True)
            ctx.exit(1)
        except HyperloopError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


class Obj:
    """What every command gets from the group: where the configuration repository is."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hyperloop")
@click.option(
    "-C",
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    envvar="HYPERLOOP_REPO",
    help="The configuration repository (the folder holding config/).",
)
@click.pass_context
def main(ctx: click.Context, repo: Path) -> None:
    """Analysis trains as configuration-as-code.

    Wagons, datasets and runlists are YAML files under config/; this command validates them,
    runs wagon tests, plans and submits trains, and builds the site.
    """
    ctx.obj = Obj(repo=repo)


def echo_err(message: str) -> None:
    click.echo(message, err=True)


def is_tty() -> bool:
    return sys.stdout.isatty()
