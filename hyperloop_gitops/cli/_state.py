"""`hyperloop state ...`: look at the durable state and sync it to a git branch."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hyperloop_gitops.cli._app import Obj, main
from hyperloop_gitops.state import DEFAULT_STATE_DIR, StateLock, StateStore
from hyperloop_gitops.state.gitsync import sync_state

_STATE_DIR = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    envvar="HYPERLOOP_STATE_DIR",
    help=f"The state directory [default: <repo>/{DEFAULT_STATE_DIR}].",
)


def _store(obj: Obj, state_dir: Path | None) -> StateStore:
    return StateStore(state_dir if state_dir is not None else obj.repo / DEFAULT_STATE_DIR)


@main.group()
def state() -> None:
    """The durable state: train runs, jobs, the event log."""


@state.command()
@click.option(
    "--branch", required=True, help="The branch holding the state (e.g. hyperloop-state)."
)
@click.option(
    "--remote",
    default="origin",
    show_default=True,
    help="Remote to merge with and push to; --remote '' keeps the branch local.",
)
@click.option(
    "--wait",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for a running reconciler to release the lock.",
)
@_STATE_DIR
@click.pass_obj
def sync(obj: Obj, branch: str, remote: str, wait: float, state_dir: Path | None) -> None:
    """Commit the state to BRANCH, merge the remote's, push, and bring the result back.

    The branch is an orphan branch of the configuration repository; your checkout, index and
    HEAD are not touched. Exit status: 0 synced, 1 error (e.g. the same document changed on
    both sides: the files are named).
    """
    store = _store(obj, state_dir)
    with StateLock(store.lock_path, blocking=True, timeout_s=wait):
        result = sync_state(store.root, repo=obj.repo, branch=branch, remote=remote or None)
    done = [
        text
        for flag, text in (
            (result.committed, "committed local changes"),
            (result.merged, "merged the remote's"),
            (result.pushed, f"pushed to {remote}"),
        )
        if flag
    ]
    pulled = len(result.pulled)
    if pulled:
        done.append(f"{pulled} file{'' if pulled == 1 else 's'} updated here")
    summary = ", ".join(done) if done else "already up to date"
    click.echo(f"state synced with {branch} ({result.commit[:10]}): {summary}")


@state.command()
@click.option("--subject", default=None, help="Only events about this train (or test).")
@click.option("--limit", type=int, default=50, show_default=True, help="Show the last N events.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@_STATE_DIR
@click.pass_obj
def events(
    obj: Obj, subject: str | None, limit: int, as_json: bool, state_dir: Path | None
) -> None:
    """The event log, oldest first (what happened, who did it, when)."""
    shown = _store(obj, state_dir).events(subject=subject)[-limit:] if limit > 0 else []
    for event in shown:
        if as_json:
            click.echo(event.model_dump_json())
            continue
        details = " ".join(f"{k}={json.dumps(v)}" for k, v in sorted(event.details.items()))
        click.echo(
            f"{event.time:%Y-%m-%d %H:%M:%S}  {event.actor:<12} {event.kind:<16}"
            f" {event.subject}  {details}".rstrip()
        )
