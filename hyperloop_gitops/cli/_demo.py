"""`hyperloop demo`: the README's main command."""

from __future__ import annotations

from pathlib import Path

import click

from hyperloop_gitops.cli._app import Obj, main


@main.command()
@click.option(
    "-o",
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to build the site [default: public/ in the repository].",
)
@click.pass_obj
def demo(obj: Obj, site_dir: Path | None) -> None:
    """Run everything on the example configuration with the local backend.

    Generates AO2D data under .hyperloop/data, validates config/, runs the wagon tests,
    composes trains (short datasets first), runs them as local processes to their merged
    outputs, builds the site and prints where to look. A second run reuses what exists.
    """
    from hyperloop_gitops.demo import run_demo

    run_demo(obj.repo, say=click.echo, site_dir=site_dir)
