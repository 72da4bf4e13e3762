"""The bot's edges: gather facts (git, forge), decide (pure), then speak (forge).

``local_report`` needs no forge at all; ``process_pull_request`` and ``process_comment`` are
what ``hyperloop bot pr`` and the webhook server run. Parts of the pipeline that this build
cannot compute are named in the comment's notes, never silently left out.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import git

from hyperloop_gitops.bot import revisions
from hyperloop_gitops.bot.commands import Decision, decide, overall_reaction, parse_commands
from hyperloop_gitops.bot.comment import render_comment
from hyperloop_gitops.bot.forge import Forge
from hyperloop_gitops.bot.pipeline import PullFacts, build_view, members_of, roles_of
from hyperloop_gitops.bot.report import check_run, statuses
from hyperloop_gitops.bot.roles import Roles, is_team
from hyperloop_gitops.bot.view import PlanEntry, PrView, WagonTestRow
from hyperloop_gitops.config import LoadResult, load_repository
from hyperloop_gitops.history import read_history
from hyperloop_gitops.impact import Impact, compute_impact
from hyperloop_gitops.semdiff import diff_revisions

GAP_TESTS = (
    "Wagon tests: not run (the bot ran without tests, or this build has no wagon-test planner);"
    " run `hyperloop test WAGON --dataset DATASET` locally."
)
GAP_PLAN = "Plan of trains: not computed by this build of the bot (the reconciler is not wired in)."


@dataclass(frozen=True)
class Outcome:
    """What one run of the bot decided and said."""

    view: PrView
    comment: str
    comment_id: int | None = None


Progress = Callable[[Sequence[WagonTestRow]], None]


class WagonTests(Protocol):
    """Runs (or looks up) the wagon tests an impact calls for.

    Calls ``progress`` with every row each time one changes state (⌛ -> ⏳ -> 🌟/❗/💣), so
    the comment can follow; returns the final rows.
    """

    def __call__(
        self, base: LoadResult, head: LoadResult, impact: Impact, progress: Progress
    ) -> list[WagonTestRow]: ...


PlanProvider = Callable[[LoadResult], list[PlanEntry]]


def load_revision(root: Path, rev: str, workdir: Path) -> LoadResult:
    """The configuration of commit ``rev``, loaded from an export under ``workdir``."""
    dest = workdir / rev[:12]
    revisions.export_config(root, rev, dest)
    return load_repository(dest)


def login_for_email(result: LoadResult, email: str) -> str | None:
    """The forge login of a git author email, from ``people:`` in config/hyperloop.yaml."""
    wanted = email.lower()
    for person in result.repository.settings.people:
        if any(e.lower() == wanted for e in person.emails):
            return str(person.login)
    return None


def origin_repo(root: Path) -> str | None:
    """``OWNER/NAME`` of the ``origin`` remote when it is on GitHub-like hosting."""
    try:
        url = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        ).stdout.strip()
    except OSError:
        return None
    match = re.search(r"[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$", url)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def local_report(
    root: Path,
    *,
    base: str,
    head: str,
    author: str | None = None,
    repo: str | None = None,
    tests: WagonTests | None = None,
    plan: PlanProvider | None = None,
) -> Outcome:
    """The comment for the change from ``base`` to ``head`` in the clone at ``root``."""
    head_sha = revisions.resolve(root, head)
    base_sha = revisions.merge_base(root, revisions.resolve(root, base), head_sha)
    files = tuple(revisions.changed_files(root, base_sha, head_sha))
    with tempfile.TemporaryDirectory(prefix="hyperloop-bot-") as tmp:
        base_result = load_revision(root, base_sha, Path(tmp) / "base")
        head_result = load_revision(root, head_sha, Path(tmp) / "head")
        if author is None:
            author = login_for_email(head_result, revisions.author_email(root, head_sha))
        facts = PullFacts(
            repo=repo or origin_repo(root) or "local/repository",
            head_sha=head_sha,
            author=author,
            files=files,
        )
        impact = change_impact(root, base_result, head_result, base_sha, head_sha)
        view = _decide(facts, base_result, head_result, tests=tests, plan=plan, impact=impact)
    return Outcome(view, render_comment(view))


def process_pull_request(
    forge: Forge,
    root: Path,
    number: int,
    *,
    repo: str,
    target_url: str | None = None,
    with_check_run: bool = False,
    web_url: str = "https://github.com",
    tests: WagonTests | None = None,
    plan: PlanProvider | None = None,
    fetch_token: str | None = None,
) -> Outcome:
    """Validate, check permissions, comment and set statuses on pull request ``number``.

    ``root`` is a clone of the repository; the pull request's base and head commits are
    fetched into it when missing (with ``fetch_token`` for a private repository).
    """
    pull = forge.pull_request(number)
    if not (
        revisions.has_commit(root, pull.base_sha) and revisions.has_commit(root, pull.head_sha)
    ):
        revisions.fetch(
            root,
            f"+refs/pull/{number}/head:refs/hyperloop/pull/{number}",
            f"+refs/heads/{pull.base_ref}:refs/hyperloop/base/{pull.base_ref}",
            token=fetch_token,
        )
    files = tuple(forge.changed_files(number))
    approvals = forge.approvals(number)
    head_sha = revisions.resolve(root, pull.head_sha)
    # As GitHub's own diff: against where the branch left the base, not the base's tip.
    base_sha = revisions.merge_base(root, revisions.resolve(root, pull.base_sha), head_sha)
    with tempfile.TemporaryDirectory(prefix="hyperloop-bot-") as tmp:
        base_result = load_revision(root, base_sha, Path(tmp) / "base")
        head_result = load_revision(root, head_sha, Path(tmp) / "head")
        teams = sorted(roles_of(base_result).teams())
        facts = PullFacts(
            repo=repo,
            head_sha=head_sha,
            author=pull.author,
            files=files,
            author_teams=teams_of(forge, pull.author, teams),
            approvals={login: teams_of(forge, login, teams) for login in approvals},
            web_url=web_url,
        )
        impact = change_impact(root, base_result, head_result, base_sha, head_sha)

        def show(partial: PrView) -> None:
            # While tests run, the comment and the tests status follow them.
            forge.upsert_comment(number, render_comment(partial))
            forge.set_status(head_sha, statuses(partial, target_url)[1])

        view = _decide(
            facts,
            base_result,
            head_result,
            tests=tests,
            plan=plan,
            impact=impact,
            on_view=show,
        )
    comment = render_comment(view)
    comment_id = forge.upsert_comment(number, comment)
    for status in statuses(view, target_url):
        forge.set_status(head_sha, status)
    if with_check_run:
        forge.post_check_run(head_sha, check_run(view, comment))
    return Outcome(view, comment, comment_id)


def teams_of(forge: Forge, login: str, teams: Iterable[str]) -> tuple[str, ...]:
    """The teams among ``teams`` that ``login`` belongs to (asked of the forge, one by one)."""
    return tuple(t for t in teams if is_team(t) and forge.is_team_member(t, login))


def change_impact(
    root: Path, base: LoadResult, head: LoadResult, base_sha: str, head_sha: str
) -> Impact | None:
    """What the change affects (None when either side does not load: nothing to compare)."""
    if not (base.ok and head.ok):
        return None
    repo = git.Repo(root)
    diff = diff_revisions(repo, base_sha, head_sha)

    @functools.cache
    def enablers() -> dict[tuple[str, str], str | None]:
        # Only analyses notifying "the enabler" need the history: read it once, on demand.
        return read_history(repo, head_sha).enablers()

    return compute_impact(
        base.repository,
        head.repository,
        diff.entities,
        enabler_of=lambda wagon, dataset: enablers().get((wagon, dataset)),
    )


def _decide(
    facts: PullFacts,
    base: LoadResult,
    head: LoadResult,
    *,
    tests: WagonTests | None,
    plan: PlanProvider | None,
    impact: Impact | None = None,
    on_view: Callable[[PrView], None] | None = None,
) -> PrView:
    notes = []
    if tests is None:
        notes.append(GAP_TESTS)
    if plan is None:
        notes.append(GAP_PLAN)
    entries = plan(head) if plan is not None and head.ok else None

    def view_with(rows: Sequence[WagonTestRow] | None) -> PrView:
        return build_view(
            facts, base=base, head=head, tests=rows, plan=entries, notes=notes, impact=impact
        )

    if tests is None or impact is None or not head.ok:
        return view_with(None)

    def progress(rows: Sequence[WagonTestRow]) -> None:
        if on_view is not None:
            on_view(view_with(rows))

    return view_with(tests(base, head, impact, progress))


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
        if d.action and d.action.kind in ("kill", "resubmit"):
            replies.append(
                f"`/hyperloop {d.action.kind} {d.action.target}` is allowed, but this build of"
                " the bot cannot act on trains yet: run"
                f" `hyperloop trains {d.action.kind} {d.action.target}` where the state lives."
            )
    for text in replies:
        forge.reply(number, text)
    if wants_rerun and is_pull and rerun is not None:
        targets = [d.action.target for d in decisions if d.action and d.action.kind == "retest"]
        force: frozenset[str] | bool = None in targets or frozenset(t for t in targets if t)
        rerun(number, force)
        return CommentOutcome(decisions, rerun=True)
    return CommentOutcome(decisions)
