"""From two loaded revisions and a pull request's facts to a ``PrView``: the bot's decision.

Pure: the repositories are already loaded, team memberships already resolved. Roles and
analysis members are read from the *base* revision, so a pull request cannot grant itself
rights (adding its author to ``roles`` or ``members`` takes effect only once merged).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hyperloop_gitops.bot.forge import ChangedFile
from hyperloop_gitops.bot.permissions import Access, check_permissions
from hyperloop_gitops.bot.roles import Roles
from hyperloop_gitops.bot.view import AffectedTest, Mention, PlanEntry, PrView, WagonTestRow
from hyperloop_gitops.config import LoadResult
from hyperloop_gitops.config.discover import classify_path
from hyperloop_gitops.diagnostics import Diagnostic
from hyperloop_gitops.impact import Impact


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
    impact: Impact | None = None,
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
        mentions=_without(impact_mentions(impact), facts.author) if impact is not None else (),
        affected=affected_tests(impact) if impact is not None else (),
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


def impact_mentions(impact: Impact) -> tuple[Mention, ...]:
    """For each changed dataset or runlist: the people to tell about the wagons it re-tests.

    Who hears follows each analysis' notification setting (the impact's recipients).
    """
    sources = [("dataset", n, f, f"{n} changed:") for n, f in impact.changed_datasets.items()]
    sources += [("runlist", n, f, f"runlist {n} of ") for n, f in impact.changed_runlists.items()]
    mentions = []
    for kind, name, fields, prefix in sources:
        tests = [t for t in impact.tests if any(r.startswith(prefix) for r in t.reasons)]
        if not tests:
            continue
        wagons = sorted({t.wagon for t in tests})
        logins = tuple(r.login for r in impact.recipients if set(r.wagons) & set(wagons))
        what = f"{kind} {name} changed" + (f" ({', '.join(fields)})" if fields else "")
        if kind == "runlist":
            what += f", used by {', '.join(sorted({t.dataset for t in tests}))}"
        mentions.append(Mention(logins, what, tuple(wagons)))
    return tuple(mentions)


def _without(mentions: tuple[Mention, ...], author: str | None) -> tuple[Mention, ...]:
    # The author knows what they changed: the comment tells the others.
    if author is None:
        return mentions
    return tuple(
        dataclasses.replace(m, logins=tuple(x for x in m.logins if x.lower() != author.lower()))
        for m in mentions
    )


def affected_tests(impact: Impact) -> tuple[AffectedTest, ...]:
    """The wagon tests the impact calls for, as the comment lists them."""
    return tuple(AffectedTest(t.wagon, t.dataset, t.package, t.reasons) for t in impact.tests)


def _changed_keys(path: str, base: LoadResult, head: LoadResult) -> list[str]:
    before = base.repository.raw.get(path)
    after = head.repository.raw.get(path)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def head_errors(head: LoadResult) -> list[Diagnostic]:
    return [d for d in head.diagnostics if d.is_error]
