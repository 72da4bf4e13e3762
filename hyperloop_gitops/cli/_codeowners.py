"""``hyperloop codeowners``: write .github/CODEOWNERS from the roles and the analyses."""

from __future__ import annotations

import click

from hyperloop_gitops.cli._app import Obj, main


@main.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 with a diff if it is stale.")
@click.pass_obj
def codeowners(obj: Obj, check: bool) -> None:
    """Write .github/CODEOWNERS: analyses to their members, datasets to the operators,
    runlists to the DPG experts, config/hyperloop.yaml to the admins.

    With --check (for CI), compare instead and fail when the file is out of date.
    """
    from hyperloop_gitops.codeowners import CODEOWNERS_PATH, codeowners_for, stale_diff
    from hyperloop_gitops.state.atomic import atomic_write_text

    expected = codeowners_for(obj.repo)
    diff = stale_diff(obj.repo, expected)
    if check:
        if diff:
            click.echo(diff, nl=False)
            click.echo(f"{CODEOWNERS_PATH} is out of date: run `hyperloop codeowners`", err=True)
            raise SystemExit(1)
        click.echo(f"{CODEOWNERS_PATH} is up to date")
        return
    if not diff:
        click.echo(f"{CODEOWNERS_PATH} is up to date")
        return
    atomic_write_text(obj.repo / CODEOWNERS_PATH, expected)
    click.echo(f"wrote {CODEOWNERS_PATH}")
