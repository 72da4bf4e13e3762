"""Notifications (🔔) derived from the configuration's history, per analysis and per user.

Hyperloop notifies analyzers when something they depend on changes under them. Here each
commit of the replay (:func:`hyperloop_gitops.history.replay`) is turned into notifications of
these kinds:

- ``dataset-changed``: which aspects (exclude list, composition schedule, short datasets, ...)
- ``dataset-activated`` / ``dataset-deactivated``
- ``production-added`` / ``production-removed``
- ``runlist-updated``: runs added and removed
- ``wagon-disabled``: an enabled entry went away, and why (the dataset was deactivated or
  removed in the same commit, or the wagon was removed, or someone disabled it)
- ``configuration-inconsistent``: a wagon's current configuration does not fit the
  configurables of its embedded-runtime task as installed now (O2 workflows are not checked)

They go to the analyses with wagons enabled on the dataset concerned (at that commit), or to
the wagon's analysis; a user sees the notifications of the analyses they are a member of now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import git

from hyperloop_gitops.entitypath import EntityRef
from hyperloop_gitops.fielddiff import jsonable
from hyperloop_gitops.history import (
    Author,
    History,
    HistoryBuilder,
    logins_at,
)
from hyperloop_gitops.history import replay as replay_log

Kind = Literal[
    "dataset-changed",
    "dataset-activated",
    "dataset-deactivated",
    "production-added",
    "production-removed",
    "runlist-updated",
    "wagon-disabled",
    "configuration-inconsistent",
]


@dataclass(frozen=True)
class Notification:
    """One thing to tell the members of some analyses."""

    id: str
    kind: Kind
    commit: str
    time: str
    author: Author
    subject: EntityRef
    message: str
    analyses: tuple[str, ...]
    wagons: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "id": self.id,
            "kind": self.kind,
            "commit": self.commit,
            "time": self.time,
            "author": self.author.to_json(),
            "subject": {"kind": self.subject.kind, "name": self.subject.name},
            "message": self.message,
            "analyses": list(self.analyses),
            "wagons": list(self.wagons),
            "details": jsonable(dict(self.details)),
        }


@dataclass(frozen=True)
class Notifications:
    """Every notification, oldest first, and who belongs to which analysis now."""

    items: tuple[Notification, ...]
    members: Mapping[str, tuple[str, ...]]

    def for_analysis(self, analysis: str) -> list[Notification]:
        """The notifications of one analysis."""
        return [n for n in self.items if analysis in n.analyses]

    def for_user(self, login: str) -> list[Notification]:
        """The notifications of the analyses ``login`` is a member of."""
        mine = {a for a, people in self.members.items() if login in people}
        return [n for n in self.items if mine.intersection(n.analyses)]

    def to_json(self, user: str | None = None) -> dict[str, Any]:
        """``{"notifications": [...], "by_user": {login: [ids]}, "by_analysis": {...}}``."""
        items = self.items if user is None else tuple(self.for_user(user))
        users = sorted({p for people in self.members.values() for p in people})
        if user is not None:
            users = [user]
        return {
            "notifications": [n.to_json() for n in items],
            "by_analysis": {
                a: [n.id for n in items if a in n.analyses] for a in sorted(self.members)
            },
            "by_user": {u: [n.id for n in self.for_user(u) if n in items] for u in users},
        }


def scan(repo: git.Repo, rev: str = "HEAD") -> tuple[History, Notifications]:
    """History and notifications together, from one pass over the log (what the site needs)."""
    from hyperloop_gitops.gitlog import resolve
    from hyperloop_gitops.notificationrules import NotificationBuilder

    sha = resolve(repo, rev)
    logins = logins_at(repo, sha)
    history, notes = HistoryBuilder(logins), NotificationBuilder(logins)
    for step in replay_log(repo, sha):
        history.add(step)
        notes.add(step)
    return history.build(), notes.build()
