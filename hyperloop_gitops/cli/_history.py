"""``hyperloop history``, ``diff``, ``impact`` and ``notifications``: git as the database."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import click

from hyperloop_gitops.cli._app import Obj, is_tty, main
from hyperloop_gitops.cli._changetext import field_lines
from hyperloop_gitops.entitypath import ENTITY_KINDS, EntityKind, EntityRef, path_of
from hyperloop_gitops.gitlog import open_repo

if TYPE_CHECKING:
    from hyperloop_gitops.impact import Impact

_KINDS = [k for k in ENTITY_KINDS if k != "settings"]


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@main.command()
@click.argument("kind", type=click.Choice(_KINDS))
@click.argument("name")
@click.option("--rev", default="HEAD", show_default=True, help="Read history up to this revision.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (oldest change first).")
@click.pass_obj
def history(obj: Obj, kind: str, name: str, rev: str, as_json: bool) -> None:
    """Every change to one entity: who, when, and which fields (📜).

    KIND is analysis, wagon (NAME is ANALYSIS/WAGON), dataset or runlist. Renames are
    followed. Text output lists the newest change first.
    """
    from hyperloop_gitops.history import read_history

    ref = EntityRef(cast(EntityKind, kind), name)  # click.Choice checked it
    path_of(ref)  # a malformed name is an error before git is asked anything
    changes = read_history(open_repo(obj.repo), rev).of(ref)
    if as_json:
        _print_json({"kind": kind, "name": name, "changes": [c.to_json() for c in changes]})
        return
    color = is_tty()
    count = f"{len(changes)} change" + ("s" if len(changes) != 1 else "")
    click.echo(f"📜 {kind} {name}: {count}")
    for change in reversed(changes):
        when = change.commit.time.strftime("%Y-%m-%d %H:%M UTC")
        who = change.author.name + (f" (@{change.author.login})" if change.author.login else "")
        sha = click.style(change.commit.sha[:8], fg="yellow") if color else change.commit.sha[:8]
        click.echo(f"\n{when}  {sha}  {who}  {change.commit.subject}")
        if change.diff.ref != ref:
            click.echo(f"    as {change.diff.ref.name}")
        for line in field_lines(change.diff, color=color):
            click.echo(line)


@main.command()
@click.argument("rev1")
@click.argument("rev2", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def diff(obj: Obj, rev1: str, rev2: str | None, as_json: bool) -> None:
    """Entities created, removed, renamed and changed from REV1 to REV2, by field.

    Without REV2, compares REV1 with the working tree (committed or not).
    """
    from hyperloop_gitops.semdiff import diff_revisions

    result = diff_revisions(open_repo(obj.repo), rev1, rev2)
    if as_json:
        _print_json(result.to_json())
        return
    head = rev2 if rev2 is not None else "the working tree"
    if not result.entities:
        click.echo(f"No configuration changes from {rev1} to {head}.")
        return
    counts: dict[str, int] = {}
    for d in result.entities:
        counts[d.op] = counts.get(d.op, 0) + 1
    summary = ", ".join(f"{n} {op}" for op, n in sorted(counts.items()))
    click.echo(f"{rev1} → {head}: {summary}")
    color = is_tty()
    for d in result.entities:
        click.echo(f"\n{d.ref.kind} {d.ref.name}")
        for line in field_lines(d, color=color):
            click.echo(line)


@main.command()
@click.argument("base")
@click.argument("head", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def impact(obj: Obj, base: str, head: str | None, as_json: bool) -> None:
    """What the change from BASE to HEAD affects: wagon tests to run, and whom to tell.

    Without HEAD, the working tree is the change.
    """
    from hyperloop_gitops.gitedge import impact_between

    result = impact_between(open_repo(obj.repo), base, head)
    if as_json:
        _print_json(result.to_json())
        return
    for line in render_impact(result):
        click.echo(line)


def render_impact(result: Impact) -> list[str]:
    """The text of ``hyperloop impact``."""
    lines: list[str] = []

    def section(title: str, entries: dict[str, tuple[str, ...]]) -> None:
        if entries:
            lines.append(f"{title} ({len(entries)})")
            width = max(len(k) for k in entries)
            lines.extend(f"  {k.ljust(width)}  {', '.join(v)}" for k, v in entries.items())
            lines.append("")

    section("Changed wagons", dict(result.changed_wagons))
    section("Changed datasets", dict(result.changed_datasets))
    section("Changed runlists", dict(result.changed_runlists))
    if result.dependents:
        lines.append("Reached through dependencies")
        lines.extend(f"  {w} → {', '.join(d)}" for w, d in result.dependents.items())
        lines.append("")
    by_dataset = result.tests_by_dataset()
    count = len(result.tests)
    lines.append(f"Wagon tests to run: {count}" + ("" if count else " (nothing to test)"))
    for dataset, tests in by_dataset.items():
        lines.append(f"  {dataset}")
        for test in tests:
            parts = (["base"] if test.base else []) + list(test.subwagons)
            lines.append(f"    {test.wagon} ({' + '.join(parts)}) · {test.package}")
            lines.extend(f"      because {reason}" for reason in test.reasons)
    for skipped in result.skipped:
        lines.append(f"  not tested: {skipped}")
    if result.recipients:
        lines.append("")
        lines.append("Tell")
        for r in result.recipients:
            lines.append(f"  @{r.login}: {', '.join(r.wagons)} ({'; '.join(r.because)})")
    return lines


@main.command()
@click.option("--user", help="Only the notifications of this forge login's analyses.")
@click.option("--rev", default="HEAD", show_default=True, help="Read history up to this revision.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for the site and the bot).")
@click.pass_obj
def notifications(obj: Obj, user: str | None, rev: str, as_json: bool) -> None:
    """Notifications derived from the history (🔔): dataset and runlist changes, disabled wagons.

    Each goes to the analyses with wagons on the dataset concerned; a user sees those of the
    analyses they are a member of. Text output lists the newest first.
    """
    from hyperloop_gitops.notifications import scan

    _, found = scan(open_repo(obj.repo), rev)
    if as_json:
        _print_json(found.to_json(user))
        return
    items = found.items if user is None else found.for_user(user)
    who = f" for @{user}" if user else ""
    count = f"{len(items)} notification" + ("s" if len(items) != 1 else "")
    click.echo(f"🔔 {count}{who}")
    mine = {a for a, people in found.members.items() if user in people} if user else None
    for n in reversed(items):
        when = n.time[:16].replace("T", " ")
        by = f"@{n.author.login}" if n.author.login else n.author.name
        click.echo(f"\n{when}  {n.commit[:8]}  {by}")
        click.echo(f"    {n.message}")
        # A user reads about their own analyses' wagons; without --user, about all of them.
        analyses = [a for a in n.analyses if mine is None or a in mine]
        wagons = [w for w in n.wagons if w.split("/", 1)[0] in analyses]
        if wagons:
            label = "your wagons" if user else "wagons"
            click.echo(f"    {label}: {', '.join(wagons)} ({', '.join(analyses)})")
