"""Per-entity history from one pass over the git log (📜).

:func:`~hyperloop_gitops.replay.replay` walks every commit that touched ``config/`` once and
yields each commit's entity changes with the configuration state after it.
:class:`HistoryBuilder` files those changes under each entity, following renames, so the site
gets the history of *all* entities from one pass and ``hyperloop history`` reads one entity's
list from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import git

from hyperloop_gitops.entitypath import EntityRef
from hyperloop_gitops.errors import NotFoundError
from hyperloop_gitops.fielddiff import EntityDiff
from hyperloop_gitops.gitlog import Commit, resolve
from hyperloop_gitops.replay import Step, StepChange, replay
from hyperloop_gitops.snapshot import parse_yaml

__all__ = [
    "Author",
    "Change",
    "History",
    "HistoryBuilder",
    "Logins",
    "Step",
    "StepChange",
    "build_history",
    "logins_at",
    "read_history",
    "replay",
]

_NOREPLY = re.compile(r"(?:\d+\+)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))@users\.noreply\.github\.com")


@dataclass(frozen=True)
class Author:
    """Who made a change: git's name and email, and the forge login when it can be known."""

    name: str
    email: str
    login: str | None

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {"name": self.name, "email": self.email, "login": self.login}


class Logins:
    """Maps git author emails to forge logins.

    From ``people`` in ``config/hyperloop.yaml`` (``emails`` -> ``login``), else from a GitHub
    noreply address (``123+login@users.noreply.github.com``).
    """

    def __init__(self, settings: Any = None) -> None:
        self._by_email: dict[str, str] = {}
        people = settings.get("people") if isinstance(settings, dict) else None
        for person in people if isinstance(people, list) else []:
            if isinstance(person, dict) and isinstance(person.get("login"), str):
                for email in person.get("emails") or []:
                    if isinstance(email, str):
                        self._by_email[email.lower()] = person["login"]

    def login_of(self, email: str) -> str | None:
        """The login of ``email``, or None when it cannot be known."""
        login = self._by_email.get(email.lower())
        if login is not None:
            return login
        match = _NOREPLY.fullmatch(email)
        return match.group(1) if match else None

    def author(self, commit: Commit) -> Author:
        """The author of ``commit`` with the login filled in where known."""
        return Author(commit.author_name, commit.author_email, self.login_of(commit.author_email))


@dataclass(frozen=True)
class Change:
    """One entry of an entity's history."""

    commit: Commit
    author: Author
    diff: EntityDiff

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "commit": self.commit.sha,
            "author": self.author.to_json(),
            "time": self.commit.time.isoformat(),
            "subject": self.commit.subject,
            **self.diff.to_json(),
        }


@dataclass
class History:
    """The history of every entity, filed under the entity's latest name (renames followed)."""

    entries: dict[EntityRef, list[Change]] = field(default_factory=dict)
    names: dict[EntityRef, set[EntityRef]] = field(default_factory=dict)

    def of(self, ref: EntityRef) -> list[Change]:
        """Every change to ``ref`` (or to the entity that was called ``ref``), oldest first."""
        if ref in self.entries:
            return self.entries[ref]
        earlier = [final for final, names in self.names.items() if ref in names]
        if not earlier:
            raise NotFoundError(f"no history for {ref}: {ref.path} never existed on this branch")
        return [c for final in sorted(earlier) for c in self.entries[final]]

    def enablers(self) -> dict[tuple[str, str], str | None]:
        """(wagon id, dataset) -> login of the author who last enabled the wagon there.

        None when that author's login is unknown. Renamed wagons keep their enablers.
        """
        out: dict[tuple[str, str], str | None] = {}
        for ref, changes in self.entries.items():
            if ref.kind != "wagon":
                continue
            for change in changes:
                for dataset in _newly_enabled(change.diff):
                    out[ref.name, dataset] = change.author.login
        return out

    def to_json(self) -> list[dict[str, Any]]:
        """Every entity with its changes, sorted by kind and name."""
        return [
            {"kind": ref.kind, "name": ref.name, "changes": [c.to_json() for c in changes]}
            for ref, changes in sorted(self.entries.items())
        ]


def _datasets(entries: Any) -> set[str]:
    if not isinstance(entries, list):
        return set()
    return {
        e["dataset"] for e in entries if isinstance(e, dict) and isinstance(e.get("dataset"), str)
    }


def _newly_enabled(diff: EntityDiff) -> set[str]:
    found: set[str] = set()
    for change in diff.fields:
        if change.path == "enabled":
            found |= _datasets(change.new) - _datasets(change.old)
        elif (
            change.op == "created"
            and change.path.startswith("enabled[")
            and change.path.endswith("]")
        ):
            found.add(change.path[len("enabled[") : -1])
    return found


class HistoryBuilder:
    """Files the steps of a replay under entities, following renames."""

    def __init__(self, logins: Logins) -> None:
        self._logins = logins
        self._lineage_at: dict[EntityRef, int] = {}
        self._lineages: list[tuple[list[tuple[int, Change]], set[EntityRef]]] = []
        self._final: list[EntityRef] = []
        self._seq = 0

    def add(self, step: Step) -> None:
        """Record one step of :func:`replay`."""
        author = self._logins.author(step.commit)
        for change in step.changes:
            diff = change.diff
            lineage = self._lineage_at.pop(diff.previous or diff.ref, None)
            if lineage is None or diff.op == "created":
                lineage = len(self._lineages)
                self._lineages.append(([], set()))
                self._final.append(diff.ref)
            changes, names = self._lineages[lineage]
            changes.append((self._seq, Change(step.commit, author, diff)))
            self._seq += 1
            names.add(diff.ref)
            self._final[lineage] = diff.ref
            if diff.op != "removed":
                self._lineage_at[diff.ref] = lineage

    def build(self) -> History:
        """The history of every entity seen."""
        # Replay order (topological, oldest first) is the order of record, not commit dates,
        # which rebases and clock skew can leave out of order.
        merged: dict[EntityRef, list[tuple[int, Change]]] = {}
        history = History()
        for (changes, names), final in zip(self._lineages, self._final, strict=True):
            merged.setdefault(final, []).extend(changes)
            history.names.setdefault(final, set()).update(names)
        for final, changes in merged.items():
            history.entries[final] = [c for _, c in sorted(changes, key=lambda sc: sc[0])]
        return history


def build_history(steps: Iterable[Step], logins: Logins) -> History:
    """The history of every entity from the steps of :func:`replay`."""
    builder = HistoryBuilder(logins)
    for step in steps:
        builder.add(step)
    return builder.build()


def logins_at(repo: git.Repo, rev: str = "HEAD") -> Logins:
    """The login map of ``config/hyperloop.yaml`` at ``rev`` (empty if the file is absent)."""
    try:
        blob = repo.commit(resolve(repo, rev)).tree / "config/hyperloop.yaml"
    except KeyError:
        return Logins()
    return Logins(parse_yaml(blob.data_stream.read()))


def read_history(repo: git.Repo, rev: str = "HEAD") -> History:
    """The history of every entity reachable from ``rev``, from one pass over the log."""
    sha = resolve(repo, rev)
    return build_history(replay(repo, sha), logins_at(repo, sha))
