"""How notifications are derived from the steps of a replay (see :mod:`notifications`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hyperloop_gitops.entitypath import EntityRef
from hyperloop_gitops.fielddiff import FieldChange
from hyperloop_gitops.gitlog import Commit
from hyperloop_gitops.history import Author, Logins, Step, StepChange
from hyperloop_gitops.notifications import Kind, Notification, Notifications

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
        self._last_change: dict[EntityRef, tuple[Commit, Author]] = {}
        self._state: Mapping[EntityRef, Any] = {}

    def add(self, step: Step) -> None:
        """Derive the notifications of one commit."""
        self._state = step.state
        author = self._logins.author(step.commit)
        for change in step.changes:
            if change.diff.ref.kind == "wagon":
                self._last_change[change.diff.ref] = (step.commit, author)
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
        items = [*self._items, *self._inconsistent()]
        return Notifications(tuple(items), dict(sorted(members.items())))

    def _inconsistent(self) -> list[Notification]:
        """Wagons whose current configuration does not fit their task's configurables.

        Checked against the tasks installed now (the embedded runtime's registry), anchored at
        the commit that last changed the wagon. O2 workflows are not checked: their
        configurables are not known here.
        """
        try:
            from hyperloop_gitops.runtime.registry import check_wagon_configuration, is_embedded
        except ImportError:
            return []
        found: list[Notification] = []
        for ref, value in sorted(self._state.items()):
            if ref.kind != "wagon" or not isinstance(value, dict) or ref not in self._last_change:
                continue
            workflow, configuration = value.get("workflow"), value.get("configuration") or {}
            if not isinstance(workflow, str) or not is_embedded(workflow):
                continue
            if not isinstance(configuration, dict):
                continue
            problems = check_wagon_configuration(workflow, configuration)
            if not problems:
                continue
            commit, author = self._last_change[ref]
            shown = [f"configuration.{'.'.join(map(str, path))}: {msg}" for path, msg in problems]
            found.append(
                Notification(
                    id=f"{commit.sha[:12]}-{ref.name}-inconsistent",
                    kind="configuration-inconsistent",
                    commit=commit.sha,
                    time=commit.time.isoformat(),
                    author=author,
                    subject=ref,
                    message=f"wagon {ref.name}: configuration inconsistent with task "
                    f"{workflow}: {shown[0]}"
                    + (f" (+{len(shown) - 1} more)" if len(shown) > 1 else ""),
                    analyses=(ref.name.split("/", 1)[0],),
                    wagons=(ref.name,),
                    details={"problems": shown},
                )
            )
        return found


def _enabled_on(value: Any) -> set[str]:
    enabled = value.get("enabled") if isinstance(value, dict) else None
    if not isinstance(enabled, list):
        return set()
    return {
        e["dataset"] for e in enabled if isinstance(e, dict) and isinstance(e.get("dataset"), str)
    }
