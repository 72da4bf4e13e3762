"""`hyperloop site build`: the static site."""

from __future__ import annotations

from pathlib import Path

import click

from hyperloop_gitops.cli._app import Obj, main


@main.group()
def site() -> None:
    """The static site: dashboard, analyses, wagons, datasets, trains, history, search."""


@site.command("build")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("public"),
    show_default=True,
    help="Folder to write the site to (it must hold an earlier site or nothing; files of the "
    "earlier site that this build does not write are removed).",
)
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The state directory (train runs, events). Default: .hyperloop/state in the repository.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Draw every graph again (default: reuse the graphs whose input and drawing code did "
    "not change, kept in .hyperloop/cache/site).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that draw graphs [default: the number of CPUs].",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines, only the result.")
@click.pass_obj
def build(
    obj: Obj,
    *,
    output: Path,
    state_dir: Path | None,
    no_cache: bool,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Build the site from the configuration, its git history and the state.

    The pages use relative links only: open index.html from disk, or publish the folder
    (GitHub Pages). Two builds of the same input are byte-identical. Progress goes to
    stderr, one line per step; the last line (stdout) says where the site is.
    """
    from hyperloop_gitops.site import build_site

    report = build_site(
        obj.repo,
        output,
        state_dir,
        use_cache=not no_cache,
        workers=jobs,
        progress=None if quiet else (lambda line: click.echo(line, err=True)),
    )
    for gap in report.missing:
        click.echo(f"note: {gap}", err=True)
    click.echo(
        f"Built {report.pages} pages ({report.files} files) in {report.seconds:.2f} s: "
        f"{report.index.as_uri()}"
    )
