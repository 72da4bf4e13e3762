"""From two loaded revisions and a pull request's facts to a ``PrView``: the bot's decision.

Pure: the repositories are already loaded, team memberships already resolved. Roles and
analysis members are read from the *base* revision, so a pull request cannot grant itself
rights (adding its author to ``roles`` or ``members`` takes effect only once merged).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hyperloop_gitops.bot.forge import ChangedFile
from hyperloop_gitops.bot.permissions import Access, check_permissions
from hyperloop_gitops.bot.roles import Roles
from hyperloop_gitops.bot.view import Mention, PlanEntry, PrView, WagonTestRow
from hyperloop_gitops.config import LoadResult
from hyperloop_gitops.config.discover import classify_path
from hyperloop_gitops.diagnostics import Diagnostic


@dataclass(frozen=True)
class PullFacts:
    """What the forge (or the command line) says about the change."""

    repo: str
    head_sha: str
    author: str | None
    files: tuple[ChangedFile, ...]
    author_teams: tuple[str, ...] = ()
    approvals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    web_url: str = "https://github.com"


def roles_of(result: LoadResult) -> Roles:
    return Roles.from_settings(result.repository.settings)


def members_of(result: LoadResult) -> dict[str, tuple[str, ...]]:
    return {name: tuple(a.members) for name, a in result.repository.analyses.items()}


def build_view(
    facts: PullFacts,
    *,
    base: LoadResult,
    head: LoadResult,
    tests: Sequence[WagonTestRow] | None = None,
    plan: Sequence[PlanEntry] | None = None,
    notes: Iterable[str] = (),
) -> PrView:
    """The view of one pull request: validation, permissions, changes, who to tell."""
    changed = {f.path for f in facts.files}
    diagnostics = tuple(d for d in head.diagnostics if d.is_error or d.file in changed)
    all_notes = list(notes)
    problems: tuple[Any, ...] = ()
    if facts.author is None:
        all_notes.append(
            "Permissions were not checked: the author's forge login is unknown"
            " (pass --author, or list their email under people: in config/hyperloop.yaml)."
        )
    else:
        access = Access(
            roles=roles_of(base),
            base_members=members_of(base),
            head_members=members_of(head),
        )
        problems = tuple(
            check_permissions(
                facts.files,
                author=facts.author,
                author_teams=facts.author_teams,
                access=access,
                approvals=facts.approvals,
            )
        )
    return PrView(
        repo=facts.repo,
        head_sha=facts.head_sha,
        author=facts.author or "unknown",
        diagnostics=diagnostics,
        permission_problems=problems,
        changes=describe_changes(facts.files, base, head),
        tests=None if tests is None else tuple(tests),
        mentions=data_mentions(facts.files, base, head),
        plan=None if plan is None else tuple(plan),
        notes=tuple(all_notes),
        web_url=facts.web_url,
    )


def describe_changes(
    files: Iterable[ChangedFile], base: LoadResult, head: LoadResult
) -> tuple[str, ...]:
    """One phrase per changed configuration entity: ``wagon a/w modified (configuration)``."""
    out = []
    for f in sorted(files, key=lambda f: f.path):
        source = classify_path(f.path)
        if source is None:
            continue
        label = "settings" if source.kind == "settings" else f"{source.kind} {source.key}"
        keys = _changed_keys(f.path, base, head)
        detail = f" ({', '.join(keys)})" if keys and f.status == "modified" else ""
        out.append(f"{label} {f.status}{detail}")
    return tuple(out)


def data_mentions(
    files: Iterable[ChangedFile], base: LoadResult, head: LoadResult
) -> tuple[Mention, ...]:
    """For each changed dataset or runlist: the owners of the wagons enabled on it, and why."""
    repo = head.repository
    mentions = []
    for f in sorted(files, key=lambda f: f.path):
        source = classify_path(f.path)
        if source is None or source.kind not in ("dataset", "runlist") or f.status == "added":
            continue  # a new dataset or runlist has no wagons yet that anyone must hear about
        if source.kind == "dataset":
            datasets = {source.name}
        else:
            datasets = {
                name
                for name, d in repo.datasets.items()
                if any(p.runlist == source.name for p in d.productions)
            }
        wagons = sorted(
            wagon_id
            for wagon_id, wagon in repo.wagons.items()
            if any(e.dataset in datasets for e in wagon.enabled)
        )
        if not wagons:
            continue
        owners: dict[str, None] = {}
        for wagon_id in wagons:
            analysis = repo.analyses.get(wagon_id.split("/", 1)[0])
            for login in analysis.members if analysis else ():
                owners.setdefault(login, None)
        keys = _changed_keys(f.path, base, head)
        what = f"{source.kind} {source.name} was {f.status}"
        if keys and f.status == "modified":
            what = f"{source.kind} {source.name} changed ({', '.join(keys)})"
        if source.kind == "runlist":
            what += f", used by {', '.join(sorted(datasets))}"
        mentions.append(Mention(tuple(owners), what, tuple(wagons)))
    return tuple(mentions)


def _changed_keys(path: str, base: LoadResult, head: LoadResult) -> list[str]:
    before = base.repository.raw.get(path)
    after = head.repository.raw.get(path)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def head_errors(head: LoadResult) -> list[Diagnostic]:
    return [d for d in head.diagnostics if d.is_error]
