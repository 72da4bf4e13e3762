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

They go to the analyses with wagons enabled on the dataset concerned (at that commit), or to
the wagon's analysis; a user sees the notifications of the analyses they are a member of now.
The kind "configuration inconsistent with the task's configurables" is not derived yet: it
needs the task registry's configurable declarations (see docs/history.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import git

from hyperloop_gitops.entitypath import EntityRef
from hyperloop_gitops.fielddiff import FieldChange, jsonable
from hyperloop_gitops.history import (
    Author,
    History,
    HistoryBuilder,
    Logins,
    Step,
    StepChange,
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
]

# The aspects of a dataset people care about, by the first part of a field path.
_ASPECTS = {
    "exclude_runs": "exclude list",
    "merge_lists": "merge lists",
    "final_merge_lists": "final merge lists",
    "runlist": "runlist",
    "composition": "composition schedule",
    "short_datasets": "short datasets",
    "files": "input files",
    "size_tb": "size",
    "approvals": "approvals",
    "type": "type",
    "collision_system": "collision system",
    "description": "description",
}


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


def _analyses_on(state: Mapping[EntityRef, Any], datasets: set[str]) -> dict[str, list[str]]:
    """Wagons enabled on any of ``datasets`` in ``state``, by analysis."""
    found: dict[str, list[str]] = {}
    for ref, value in state.items():
        if ref.kind != "wagon" or not isinstance(value, dict):
            continue
        enabled = value.get("enabled")
        on = (
            {e.get("dataset") for e in enabled if isinstance(e, dict)}
            if isinstance(enabled, list)
            else set()
        )
        if on & datasets:
            found.setdefault(ref.name.split("/", 1)[0], []).append(ref.name)
    return found


def _runs(value: Any) -> list[Any]:
    runs = value.get("runs") if isinstance(value, dict) else None
    return runs if isinstance(runs, list) else []


def _active(value: Any) -> bool:
    return not (isinstance(value, dict) and value.get("active") is False)


def _aspect(change: FieldChange) -> str:
    path = change.path
    if path.startswith("productions["):
        rest = path.split("]", 1)[1].lstrip(".")
        return _ASPECTS.get(rest.split(".", 1)[0].split("[", 1)[0], "productions")
    return _ASPECTS.get(path.split(".", 1)[0].split("[", 1)[0], path.split(".", 1)[0])


class NotificationBuilder:
    """Turns the steps of a replay into notifications."""

    def __init__(self, logins: Logins) -> None:
        self._logins = logins
        self._items: list[Notification] = []
        self._state: Mapping[EntityRef, Any] = {}

    def add(self, step: Step) -> None:
        """Derive the notifications of one commit."""
        self._state = step.state
        author = self._logins.author(step.commit)
        out: list[tuple[Kind, EntityRef, str, dict[str, list[str]], dict[str, Any]]] = []
        ended: dict[str, str] = {}  # dataset -> why its wagons stop running
        for change in step.changes:
            diff = change.diff
            if diff.ref.kind == "dataset":
                name = diff.ref.name
                if diff.op == "removed":
                    ended[name] = f"dataset {name} was removed"
                    continue
                if _active(change.old) and not _active(change.new) and diff.op != "created":
                    ended[name] = f"dataset {name} was deactivated"
                self._dataset(change, step, out)
            elif diff.ref.kind == "runlist" and diff.op in ("updated", "renamed"):
                self._runlist(change.old, change.new, diff.ref.name, step, out)
        for change in step.changes:
            if change.diff.ref.kind == "wagon":
                self._wagon(change, ended, author, out)
        # Wagons still enabled on a dataset deactivated by this commit stop running too.
        told = {
            (item[1].name, item[4].get("dataset")) for item in out if item[0] == "wagon-disabled"
        }
        for dataset, why in sorted(ended.items()):
            for analysis, wagons in sorted(_analyses_on(step.state, {dataset}).items()):
                for wagon in sorted(wagons):
                    if (wagon, dataset) not in told:
                        message = f"wagon {wagon} disabled on {dataset}: {why}"
                        details = {"dataset": dataset, "why": why}
                        out.append(
                            (
                                "wagon-disabled",
                                EntityRef("wagon", wagon),
                                message,
                                {analysis: [wagon]},
                                details,
                            )
                        )
        for kind, subject, message, affected, details in out:
            self._items.append(
                Notification(
                    id=f"{step.commit.sha[:12]}-{len(self._items)}",
                    kind=kind,
                    commit=step.commit.sha,
                    time=step.commit.time.isoformat(),
                    author=author,
                    subject=subject,
                    message=message,
                    analyses=tuple(sorted(affected)),
                    wagons=tuple(sorted(w for ws in affected.values() for w in ws)),
                    details=details,
                )
            )

    def _dataset(self, step_change: StepChange, step: Step, out: list[Any]) -> None:
        old, new, fields = step_change.old, step_change.new, step_change.diff.fields
        op, name = step_change.diff.op, step_change.diff.ref.name
        if op == "created":
            return
        ref = EntityRef("dataset", name)
        affected = _analyses_on(step.state, {name})
        if _active(old) != _active(new):
            kind: Kind = "dataset-activated" if _active(new) else "dataset-deactivated"
            out.append((kind, ref, f"dataset {name} was {kind.split('-')[1]}", affected, {}))
        aspects: list[str] = []
        for change in fields:
            if change.path.startswith("productions[") and change.path.endswith("]"):
                production = change.path[len("productions[") : -1]
                if change.op in ("created", "removed"):
                    kind = "production-added" if change.op == "created" else "production-removed"
                    verb = "added to" if change.op == "created" else "removed from"
                    out.append(
                        (
                            kind,
                            ref,
                            f"production {production} {verb} {name}",
                            affected,
                            {"production": production},
                        )
                    )
                    continue
            if change.path in ("active", "name"):
                continue
            aspect = _aspect(change)
            if aspect not in aspects:
                aspects.append(aspect)
        if aspects:
            details: dict[str, Any] = {
                "aspects": aspects,
                "fields": [c.to_json() for c in fields if c.path not in ("active", "name")],
            }
            out.append(
                (
                    "dataset-changed",
                    ref,
                    f"dataset {name} changed: {', '.join(aspects)}",
                    affected,
                    details,
                )
            )

    def _runlist(self, old: Any, new: Any, name: str, step: Step, out: list[Any]) -> None:
        before, after = _runs(old), _runs(new)
        added = [r for r in after if r not in before]
        removed = [r for r in before if r not in after]
        datasets = {
            ref.name
            for ref, value in step.state.items()
            if ref.kind == "dataset"
            and isinstance(value, dict)
            and any(
                isinstance(p, dict) and p.get("runlist") == name
                for p in value.get("productions") or []
            )
        }
        parts = [f"{len(added)} run{'s' if len(added) != 1 else ''} added"] if added else []
        parts += (
            [f"{len(removed)} run{'s' if len(removed) != 1 else ''} removed"] if removed else []
        )
        message = f"DPG runlist {name} updated" + (f": {', '.join(parts)}" if parts else "")
        details = {"added": added, "removed": removed, "datasets": sorted(datasets)}
        out.append(
            (
                "runlist-updated",
                EntityRef("runlist", name),
                message,
                _analyses_on(step.state, datasets),
                details,
            )
        )

    def _wagon(
        self, change: StepChange, ended: Mapping[str, str], author: Author, out: list[Any]
    ) -> None:
        diff = change.diff
        before = _enabled_on(change.old)
        after = _enabled_on(change.new) if diff.op != "removed" else set()
        analysis = diff.ref.name.split("/", 1)[0]
        who = f"@{author.login}" if author.login else author.name
        for dataset in sorted(before - after):
            if dataset in ended:
                why = ended[dataset]
            elif diff.op == "removed":
                why = f"the wagon was removed by {who}"
            else:
                why = f"disabled by {who}"
            out.append(
                (
                    "wagon-disabled",
                    diff.ref,
                    f"wagon {diff.ref.name} disabled on {dataset}: {why}",
                    {analysis: [diff.ref.name]},
                    {"dataset": dataset, "why": why},
                )
            )

    def build(self) -> Notifications:
        """Every notification derived so far, with the current members of each analysis."""
        members = {
            ref.name: tuple(sorted(m for m in value.get("members") or [] if isinstance(m, str)))
            for ref, value in self._state.items()
            if ref.kind == "analysis" and isinstance(value, dict)
        }
        return Notifications(tuple(self._items), dict(sorted(members.items())))


def _enabled_on(value: Any) -> set[str]:
    enabled = value.get("enabled") if isinstance(value, dict) else None
    if not isinstance(enabled, list):
        return set()
    return {
        e["dataset"] for e in enabled if isinstance(e, dict) and isinstance(e.get("dataset"), str)
    }


def scan(repo: git.Repo, rev: str = "HEAD") -> tuple[History, Notifications]:
    """History and notifications together, from one pass over the log (what the site needs)."""
    from hyperloop_gitops.gitlog import resolve

    sha = resolve(repo, rev)
    logins = logins_at(repo, sha)
    history, notes = HistoryBuilder(logins), NotificationBuilder(logins)
    for step in replay_log(repo, sha):
        history.add(step)
        notes.add(step)
    return history.build(), notes.build()
