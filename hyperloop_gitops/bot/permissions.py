"""Who may change what, judged from a pull request's changed paths (DESIGN decision 8).

- ``config/analyses/<analysis>/...``: the analysis's members (as on the base branch: a pull
  request cannot grant itself access by adding its author to ``members``) or admins. A new
  analysis may be proposed by the people it lists as members.
- ``config/datasets/...``: operators. ``config/runlists/...``: DPG experts.
- ``config/hyperloop.yaml`` and every file outside ``config/`` (workflows, scripts): admins.

Admins hold every role. Pure: team memberships are resolved at the edge and passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hyperloop_gitops.bot.forge import ChangedFile
from hyperloop_gitops.bot.roles import ROLE_TITLES, Role, Roles, matches


@dataclass(frozen=True)
class Rule:
    """Who may change one path: a description and the entries (logins, teams) allowed."""

    needs: str
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """A changed path the author may not change alone, and who may approve it."""

    path: str
    needs: str
    approvers: tuple[str, ...]


@dataclass(frozen=True)
class Access:
    """What permissions are judged against: roles and analyses' members (base and head)."""

    roles: Roles
    base_members: Mapping[str, Sequence[str]]
    head_members: Mapping[str, Sequence[str]]


def rule_for(path: str, access: Access) -> Rule:
    """The rule that governs ``path`` (repository-relative, forward slashes)."""
    roles = access.roles
    parts = path.split("/")
    if parts[0] == "config" and len(parts) >= 3 and parts[1] == "analyses":
        analysis = parts[2]
        if analysis in access.base_members:
            members = tuple(access.base_members[analysis])
            needs = f"a member of analysis {analysis}"
        else:
            members = tuple(access.head_members.get(analysis, ()))
            needs = f"a member of the new analysis {analysis}"
        return Rule(needs, members + roles.admins)
    role: Role = "admins"
    if parts[0] == "config" and len(parts) >= 3 and parts[1] == "datasets":
        role = "operators"
    elif parts[0] == "config" and len(parts) >= 3 and parts[1] == "runlists":
        role = "dpg_experts"
    allowed = roles.entries(role) + (roles.admins if role != "admins" else ())
    return Rule(ROLE_TITLES[role], allowed)


def check_permissions(
    files: Iterable[ChangedFile],
    *,
    author: str,
    author_teams: Iterable[str],
    access: Access,
    approvals: Mapping[str, Iterable[str]] | None = None,
) -> list[Problem]:
    """Every changed path (both sides of a rename) ``author`` may not change, in path order.

    ``approvals`` maps the login of each person whose review approves the pull request to
    their teams: a path is fine when its author, or one approver, may change it.
    """
    teams = tuple(author_teams)
    approvers = {login: tuple(t) for login, t in (approvals or {}).items()}
    paths = set()
    for f in files:
        paths.add(f.path)
        if f.previous_path:
            paths.add(f.previous_path)
    problems = []
    for path in sorted(paths):
        rule = rule_for(path, access)
        if matches(author, rule.allowed, teams):
            continue
        if not any(matches(login, rule.allowed, t) for login, t in approvers.items()):
            problems.append(Problem(path, rule.needs, _unique(rule.allowed)))
    return problems


def _unique(entries: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for entry in entries:
        seen.setdefault(entry, None)
    return tuple(seen)


def permission_summary(problems: Sequence[Problem], author: str) -> str:
    """One line for a commit status: the first problem and how many more."""
    if not problems:
        return "Every changed file may be changed by its author"
    first = problems[0]
    who = ", ".join(first.approvers) or "nobody is configured"
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{author} may not change {first.path}{more}: needs {first.needs}; approvers: {who}"
