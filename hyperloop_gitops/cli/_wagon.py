"""``hyperloop wagon ...``: clone, enable, disable and compare wagons.

``wagon`` is a click group; other command modules attach their own subcommands to it
(``from hyperloop_gitops.cli._wagon import wagon`` then ``@wagon.command()``).
"""

from __future__ import annotations

from typing import Any

import click

from hyperloop_gitops.cli._app import Obj, is_tty, main
from hyperloop_gitops.cli._changetext import short


@main.group()
def wagon() -> None:
    """Clone, enable, disable and compare wagons (edits keep comments and formatting)."""


def _report(notes: tuple[str, ...], written: tuple[str, ...]) -> None:
    for note in notes:
        click.echo(note)
    for path in written:
        click.echo(f"wrote {path}")


@wagon.command()
@click.argument("source", metavar="SRC_ANALYSIS/WAGON")
@click.argument("destination", metavar="DEST_ANALYSIS[/NEW_NAME]")
@click.pass_obj
def clone(obj: Obj, source: str, destination: str) -> None:
    """Copy a wagon, with its subwagons and derived-data settings, into an analysis.

    The clone is enabled nowhere. Dependencies on wagons that are neither service wagons nor
    in the destination analysis are left out, and reported.
    """
    from hyperloop_gitops.editing import clone_wagon

    result = clone_wagon(obj.repo, source=source, destination=destination)
    _report(result.notes, result.written)


@wagon.command()
@click.argument("wagon_id", metavar="ANALYSIS/WAGON")
@click.option("--dataset", required=True, help="The dataset to enable the wagon on.")
@click.option("--tag", help="A fixed package tag.")
@click.option("--latest", is_flag=True, help="Always the newest package tag.")
@click.option("--pr", "pull_request", type=int, help="Wait for a tag containing this pull request.")
@click.option(
    "--subwagon", "subwagons", multiple=True, help="A subwagon that runs too (repeatable)."
)
@click.pass_obj
def enable(
    obj: Obj,
    *,
    wagon_id: str,
    dataset: str,
    tag: str | None,
    latest: bool,
    pull_request: int | None,
    subwagons: tuple[str, ...],
) -> None:
    """Enable a wagon on a dataset, or change its package choice there."""
    from hyperloop_gitops.editing import Package, enable_wagon

    package = Package(tag=tag, latest=latest, pull_request=pull_request)
    result = enable_wagon(
        obj.repo, wagon=wagon_id, dataset=dataset, package=package, subwagons=subwagons
    )
    _report(result.notes, result.written)


@wagon.command()
@click.argument("wagon_id", metavar="ANALYSIS/WAGON")
@click.option("--dataset", required=True, help="The dataset to disable the wagon on.")
@click.pass_obj
def disable(obj: Obj, wagon_id: str, dataset: str) -> None:
    """Stop running a wagon on a dataset (its entry is removed)."""
    from hyperloop_gitops.editing import disable_wagon

    result = disable_wagon(obj.repo, wagon=wagon_id, dataset=dataset)
    _report(result.notes, result.written)


def _cell(value: Any) -> str:
    from hyperloop_gitops.wagoncompare import MISSING

    return "—" if value is MISSING else short(value, 60)


@wagon.command()
@click.argument("left", metavar="A")
@click.argument("right", metavar="B")
@click.option("--differences", is_flag=True, help="Show only the keys that differ.")
@click.pass_obj
def compare(obj: Obj, left: str, right: str, differences: bool) -> None:
    """Two wagons side by side (🆚), differences marked with ≠.

    A and B are ANALYSIS/WAGON, or ANALYSIS/WAGON:SUBWAGON for a subwagon's configuration.
    """
    from hyperloop_gitops.config import load_repository
    from hyperloop_gitops.wagoncompare import compare_wagons

    rows = compare_wagons(load_repository(obj.repo).repository, left, right)
    shown = [r for r in rows if not (differences and r.same)]
    header = ("", left, right)
    table = [(r.key, _cell(r.left), _cell(r.right)) for r in shown]
    widths = [max(len(t[i]) for t in [header, *table]) for i in range(3)]
    color = is_tty()
    click.echo(f"🆚 {left} vs {right}")
    click.echo("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row, cells in zip(shown, table, strict=True):
        mark = "  " if row.same else "≠ "
        line = mark + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        click.echo(
            click.style(line.rstrip(), fg="yellow") if color and not row.same else line.rstrip()
        )
    differ = sum(not r.same for r in rows)
    click.echo(f"\n{differ} of {len(rows)} keys differ")
