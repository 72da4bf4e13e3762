"""`hyperloop reconcile` and `hyperloop trains ...`: the plan, applying it, operating trains."""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hyperloop_gitops.cli._app import Obj, main

if TYPE_CHECKING:
    from hyperloop_gitops.reconcile.apply import Reconciler

EXIT_NO_CHANGES = 0
EXIT_ERROR = 1
EXIT_CHANGES = 3

_state_dir = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The state directory [default: .hyperloop/state].",
)


def _open(
    obj: Obj, state_dir: Path | None, backend: str | None = None, quiet: bool = False
) -> Reconciler:
    from hyperloop_gitops.config import load_valid_repository
    from hyperloop_gitops.reconcile.apply import Reconciler
    from hyperloop_gitops.reconcile.layout import Layout

    repository = load_valid_repository(obj.repo)
    layout = Layout.for_repository(repository.root, state_dir=state_dir)
    return Reconciler.open(
        repository,
        layout=layout,
        backend=backend,
        actor="reconciler",
        progress=(lambda _: None) if quiet else (lambda line: click.echo(line, err=True)),
    )


@main.command()
@click.option("--apply", "do_apply", is_flag=True, help="Carry the plan out (else: only show it).")
@click.option("--json", "as_json", is_flag=True, help="The plan as JSON.")
@click.option("--no-tests", is_flag=True, help="With --apply: do not run queued wagon tests.")
@click.option("--watch", is_flag=True, help="With --apply: follow the trains until they end.")
@click.option(
    "--backend",
    type=click.Choice(["local", "slurm", "jalien"]),
    default=None,
    help="Override backends.default of config/hyperloop.yaml.",
)
@click.option(
    "--wait",
    "wait_s",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait for another reconciler to finish.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Compose every wagon test afresh: neither read nor write the composition cache "
    "(.hyperloop/cache/reconcile; the plan is the same, only slower).",
)
@_state_dir
@click.pass_obj
def reconcile(
    obj: Obj,
    *,
    do_apply: bool,
    as_json: bool,
    no_tests: bool,
    watch: bool,
    backend: str | None,
    wait_s: float,
    no_cache: bool,
    state_dir: Path | None,
) -> None:
    """Compare the enabled wagons with the trains that exist; show the plan, or --apply it.

    The plan lists trains to submit (wagons, package tag, target, estimated CPU, output and
    CO2), requests waiting and why, and trains to kill. Nothing changes without --apply.
    One reconciler at a time: a second one waits --wait seconds, then exits with a message.
    What a plan composes is kept for the next one in .hyperloop/cache/reconcile, checked
    against every file it comes from (safe to delete; --no-cache ignores it).

    Exit status: 0 nothing to do (or applied), 3 the plan has changes (without --apply),
    1 an error.
    """
    from hyperloop_gitops.reconcile import plan_json, render_text
    from hyperloop_gitops.state import StateLock

    reconciler = _open(obj, state_dir, backend, quiet=as_json)
    reconciler.use_cache = not no_cache
    lock = StateLock(reconciler.state.lock_path, blocking=wait_s > 0, timeout_s=wait_s)
    with lock:
        plan = reconciler.plan()
        if as_json:
            click.echo(json.dumps(plan_json(plan), indent=2, ensure_ascii=False))
        else:
            click.echo(render_text(plan), nl=False)
        if not do_apply:
            raise SystemExit(EXIT_CHANGES if plan.changes else EXIT_NO_CHANGES)
        report = reconciler.apply(run_tests=not no_tests)
        if watch:
            reconciler.watch(interval_s=1.0)
    if not as_json:
        click.echo(
            f"Applied: {len(report.tests_run)} wagon tests run, {len(report.composed)} trains "
            f"composed, {len(report.submitted)} submitted, {len(report.failed_train_tests)} "
            f"failed their train test, {len(report.killed)} killed."
        )


@main.group()
def trains() -> None:
    """Train runs: list, show, kill, resubmit, close, watch (actions are recorded)."""


def _who(by: str | None) -> str:
    return by or os.environ.get("HYPERLOOP_USER") or getpass.getuser()


_by = click.option("--by", default=None, help="Your login [default: $HYPERLOOP_USER or $USER].")
_reason = click.option("--reason", default="", help="Why (kept with the action).")


def _fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@trains.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--state", "only", default=None, help="Only trains in this state.")
@_state_dir
@click.pass_obj
def trains_list(obj: Obj, as_json: bool, only: str | None, state_dir: Path | None) -> None:
    """Every train run, newest first, with job counts and issues."""
    from hyperloop_gitops.reconcile.lifecycle import issues_of

    reconciler = _open(obj, state_dir, quiet=True)
    runs = [t for t in reversed(reconciler.state.trains()) if only in (None, t.state.value)]
    policy = reconciler.repository.settings.policy
    if as_json:
        rows = [
            {
                **t.model_dump(mode="json", exclude={"jobs", "history"}),
                "jobs": t.job_counts(),
                "issues": issues_of(t, policy),
            }
            for t in runs
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not runs:
        click.echo("no train runs yet (hyperloop reconcile --apply composes them)")
        return
    click.echo(f"{'train':<18} {'state':<10} {'dataset':<22} {'jobs done/total':>15}  wagons")
    for t in runs:
        counts = t.job_counts()
        issues = issues_of(t, policy)
        flag = "  ⚠ " + "; ".join(issues) if issues else ""
        click.echo(
            f"{t.id:<18} {t.state.value:<10} {t.dataset:<22} "
            f"{counts['done']:>7}/{counts['total']:<7}  {len(t.wagons)}{flag}"
        )


@trains.command("show")
@click.argument("train_id")
@click.option("--json", "as_json", is_flag=True)
@_state_dir
@click.pass_obj
def trains_show(obj: Obj, train_id: str, as_json: bool, state_dir: Path | None) -> None:
    """One train: composition, state history, jobs by state, merges, actions."""
    from hyperloop_gitops.reconcile.lifecycle import describe_train

    reconciler = _open(obj, state_dir, quiet=True)
    train = reconciler.state.get(train_id)
    if as_json:
        click.echo(json.dumps(train.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    for line in describe_train(train, reconciler.repository.settings.policy):
        click.echo(line)


def _action(
    name: str, obj: Obj, train_id: str, *, by: str | None, reason: str, state_dir: Path | None
) -> None:
    from hyperloop_gitops.state import StateLock

    reconciler = _open(obj, state_dir)
    with StateLock(reconciler.state.lock_path, blocking=True, timeout_s=30, what="reconciler"):
        action = getattr(reconciler, name)
        train = action(train_id, by=_who(by), reason=reason)
    click.echo(f"{train.id}: {train.state.value} ({name} by {_who(by)})")


def _operator_command(name: str, help_text: str) -> None:
    """Register ``hyperloop trains NAME TRAIN_ID [--by] [--reason]`` for one operator action."""

    @trains.command(name, help=help_text)
    @click.argument("train_id")
    @_by
    @_reason
    @_state_dir
    @click.pass_obj
    def command(
        obj: Obj, train_id: str, by: str | None, reason: str, state_dir: Path | None
    ) -> None:
        _action(name, obj, train_id, by=by, reason=reason, state_dir=state_dir)


_operator_command("kill", "Stop every job of a train.")
_operator_command(
    "resubmit", "Submit the failed and killed jobs of a failed or killed train again."
)
_operator_command("close", "Stop further activity on a train (its jobs are left alone).")


@trains.command("watch")
@click.option("--interval", type=float, default=2.0, show_default=True)
@click.option("--timeout", type=float, default=3600.0, show_default=True)
@_state_dir
@click.pass_obj
def trains_watch(obj: Obj, interval: float, timeout: float, state_dir: Path | None) -> None:
    """Follow the active trains until they end, printing each change."""
    reconciler = _open(obj, state_dir)
    left = reconciler.watch(interval_s=interval, timeout_s=timeout)
    if left:
        click.echo(f"still active after {timeout:g} s: {', '.join(t.id for t in left)}")
        raise SystemExit(EXIT_ERROR)
    click.echo("no active trains")
