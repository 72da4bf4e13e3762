"""Answering ``/hyperloop`` commands in comments: the edge around ``commands.decide``.

Roles and members come from the default branch, never from the pull request; the decision is
pure, then the bot reacts, answers, and re-runs itself on the pull request when asked.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hyperloop_gitops.bot import markdown as md
from hyperloop_gitops.bot import revisions
from hyperloop_gitops.bot.commands import Decision, decide, overall_reaction, parse_commands
from hyperloop_gitops.bot.forge import Forge
from hyperloop_gitops.bot.pipeline import members_of
from hyperloop_gitops.bot.roles import Roles
from hyperloop_gitops.bot.run import load_revision, teams_of
from hyperloop_gitops.config import load_repository
from hyperloop_gitops.errors import HyperloopError

TrainAction = Callable[[str, str, str], str]
"""(``kill`` or ``resubmit``, train id, who asked) -> the answer to post."""


@dataclass(frozen=True)
class CommentOutcome:
    """The decisions on one comment's commands, and whether the pull request was re-run."""

    decisions: tuple[Decision, ...]
    rerun: bool = False


def process_comment(
    forge: Forge,
    root: Path,
    payload: Mapping[str, Any],
    *,
    rerun: Callable[[int, frozenset[str] | bool], object] | None = None,
    config_rev: str | None = None,
    train_action: TrainAction | None = None,
) -> CommentOutcome:
    """Act on the ``/hyperloop`` commands of an ``issue_comment`` delivery.

    Roles and members come from the default branch (``config_rev``, else the working tree
    at ``root``), never from the pull request. ``rerun(number, force)`` re-runs the bot on the
    pull request for ``plan`` and ``retest``; ``force`` names the wagons whose tests must run
    again (``True``: all of them), from ``retest``.
    """
    comment = payload.get("comment") or {}
    issue = payload.get("issue") or {}
    user = comment.get("user") or {}
    if payload.get("action") != "created" or user.get("type") == "Bot":
        return CommentOutcome(())  # edits, deletions and bots (ourselves included) are ignored
    commands = parse_commands(str(comment.get("body") or ""))
    if not commands:
        return CommentOutcome(())
    number = int(issue["number"])
    actor = str(user["login"])
    if config_rev is None:
        config = load_repository(root)
    else:
        with tempfile.TemporaryDirectory(prefix="hyperloop-bot-") as tmp:
            config = load_revision(root, revisions.resolve(root, config_rev), Path(tmp))
    roles = Roles.from_settings(config.repository.settings)
    is_pull = "pull_request" in issue
    author = str((issue.get("user") or {}).get("login") or "") if is_pull else None
    members = members_of(config)
    if is_pull:
        # "retest" is for the members of the analyses this pull request touches.
        touched = {
            f.path.split("/")[2]
            for f in forge.changed_files(number)
            if f.path.startswith("config/analyses/") and f.path.count("/") >= 3
        }
        members = {name: m for name, m in members.items() if name in touched}
    decisions = tuple(
        decide(
            command,
            actor=actor,
            roles=roles,
            actor_teams=teams_of(forge, actor, sorted(roles.teams())),
            pr_author=author,
            analysis_members=members,
        )
        for command in commands
    )
    reaction = overall_reaction(decisions)
    if reaction is not None:
        forge.add_reaction(int(comment["id"]), reaction)
    replies = [d.reply for d in decisions if d.reply]
    wants_rerun = any(d.action and d.action.kind in ("plan", "retest") for d in decisions)
    for d in decisions:
        if d.action is None or d.action.kind not in ("kill", "resubmit"):
            continue
        asked = f"`/hyperloop {d.action.kind} {d.action.target}`"
        if train_action is None:
            replies.append(
                f"{asked} is allowed, but this bot has no access to the trains' state: run"
                f" `hyperloop trains {d.action.kind} {d.action.target}` where it lives."
            )
            continue
        try:
            replies.append(train_action(d.action.kind, str(d.action.target), actor))
        except HyperloopError as error:
            replies.append(f"{asked} failed: {md.text(str(error))}")
    for text in replies:
        forge.reply(number, text)
    if wants_rerun and is_pull and rerun is not None:
        targets = [d.action.target for d in decisions if d.action and d.action.kind == "retest"]
        force: frozenset[str] | bool = None in targets or frozenset(t for t in targets if t)
        rerun(number, force)
        return CommentOutcome(decisions, rerun=True)
    return CommentOutcome(decisions)


def reconciler_actions(root: Path) -> TrainAction:
    """Kill or resubmit through the reconciler of the clone at ``root`` (its state and
    backend), recorded with the login of whoever asked."""

    def act(kind: str, train_id: str, actor: str) -> str:
        from hyperloop_gitops.config import load_valid_repository
        from hyperloop_gitops.reconcile.apply import Reconciler

        reconciler = Reconciler.open(load_valid_repository(root.resolve()), actor=actor)
        reason = f"/hyperloop {kind} by @{actor} in a pull-request comment"
        if kind == "kill":
            train = reconciler.kill(train_id, by=actor, reason=reason)
        else:
            train = reconciler.resubmit(train_id, by=actor, reason=reason)
        return f"{train.id} is now {train.state.value} ({kind} by @{actor})."

    return act
