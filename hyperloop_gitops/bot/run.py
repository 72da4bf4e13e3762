"""The bot's edges: gather facts (git, forge), decide (pure), then speak (forge).

``local_report`` needs no forge at all; ``process_pull_request`` is what ``hyperloop bot pr``
and the webhook server run for a pull request (``respond`` handles comments). Parts of the
pipeline that this build cannot compute are named in the comment's notes, never left out
silently.
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import git

from hyperloop_gitops.bot import revisions
from hyperloop_gitops.bot.comment import render_comment
from hyperloop_gitops.bot.forge import Forge, Status
from hyperloop_gitops.bot.pipeline import PullFacts, build_view, roles_of
from hyperloop_gitops.bot.report import check_run, statuses
from hyperloop_gitops.bot.roles import is_team
from hyperloop_gitops.bot.view import PlanEntry, PrView, WagonTestRow
from hyperloop_gitops.config import LoadResult, load_repository
from hyperloop_gitops.history import read_history
from hyperloop_gitops.impact import Impact, compute_impact
from hyperloop_gitops.semdiff import diff_revisions

GAP_TESTS = (
    "Wagon tests: not run (the bot ran with --no-tests); run `hyperloop test WAGON --dataset"
    " DATASET` locally, or drop --no-tests."
)
GAP_TESTS_BASE = (
    "Wagon tests: not run, since the base revision does not validate: there is nothing to"
    " compare with to know which tests the change calls for."
)
GAP_PLAN = "Plan of trains: not computed (the bot ran with --no-plan)."
GAP_PLAN_INVALID = "Plan of trains: not computed, since the configuration does not validate."


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


PlanProvider = Callable[[LoadResult, Impact | None], list[PlanEntry]]
"""The plan of trains for the head revision (the part the impact touches)."""

PLAN_AFTER_TESTS = "The plan of trains follows when the tests are done."


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
    progress_interval_s: float = 5.0,
) -> Outcome:
    """Validate, check permissions, comment and set statuses on pull request ``number``.

    While tests run, the comment is updated at most every ``progress_interval_s`` seconds
    (GitHub asks integrations to space their writes); the final comment always goes out.

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

        posted: dict[str, Status] = {}

        def post(status: Status) -> None:
            # A status already set to the same thing is not set again.
            if posted.get(status.context) != status:
                forge.set_status(head_sha, status)
                posted[status.context] = status

        last_shown = [-math.inf]

        def show(partial: PrView) -> None:
            # While tests run, the comment and the statuses follow them: validation is known
            # from the start, the tests' status moves as they finish.
            now = time.monotonic()
            if now - last_shown[0] < progress_interval_s:
                return
            last_shown[0] = now
            forge.upsert_comment(number, render_comment(partial))
            for status in statuses(partial, target_url):
                post(status)

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
        post(status)
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
    elif not head.ok:
        notes.append(GAP_PLAN_INVALID)
    if tests is not None and head.ok and impact is None:
        notes.append(GAP_TESTS_BASE)

    def view_with(
        rows: Sequence[WagonTestRow] | None,
        entries: Sequence[PlanEntry] | None,
        extra: Sequence[str] = (),
    ) -> PrView:
        return build_view(
            facts,
            base=base,
            head=head,
            tests=rows,
            plan=entries,
            notes=[*notes, *extra],
            impact=impact,
        )

    def progress(rows: Sequence[WagonTestRow]) -> None:
        if on_view is not None:
            on_view(view_with(rows, None, [PLAN_AFTER_TESTS] if plan is not None else []))

    rows = None
    if tests is not None and impact is not None and head.ok:
        rows = tests(base, head, impact, progress)
    # The plan reads the stored results, so it comes after the tests that store them.
    entries = plan(head, impact) if plan is not None and head.ok else None
    return view_with(rows, entries)
