"""What a change affects: which wagon tests must run, on which datasets, and whom to tell.

:func:`compute_impact` is pure: two validated repositories (before and after) and the semantic
diff between them in, an :class:`Impact` out. The bot and the reconciler call it; the git edge
:func:`impact_between` builds its inputs from two revisions.

A wagon's test runs again when the wagon's test-relevant fields change (workflow,
configuration, dependencies, subwagons, derived data), when any wagon it depends on does
(transitively, through service wagons too), when it is enabled on a dataset or its package
choice there changes, when the dataset's test input changes, or when a runlist of that dataset
changes. Tests on inactive datasets are not run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hyperloop_gitops.config import Repository
from hyperloop_gitops.fielddiff import EntityDiff, FieldChange

EnablerOf = Callable[[str, str], str | None]
"""(wagon id, dataset) -> login of whoever enabled the wagon there, when known."""

_WAGON_TEST_FIELDS = ("workflow", "configuration", "dependencies", "subwagons", "derived_data")
_DATASET_TEST_FIELDS = ("type", "collision_system", "productions", "files", "active")


@dataclass(frozen=True)
class TestRequest:
    """One wagon test to run: the wagon on a dataset, with what runs and why."""

    wagon: str
    dataset: str
    package: str
    base: bool
    subwagons: tuple[str, ...]
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "wagon": self.wagon,
            "dataset": self.dataset,
            "package": self.package,
            "base": self.base,
            "subwagons": list(self.subwagons),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Recipient:
    """Someone to tell about tests of their wagons, and why (their analysis' preference)."""

    login: str
    analyses: tuple[str, ...]
    wagons: tuple[str, ...]
    reasons: tuple[str, ...]
    because: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "login": self.login,
            "analyses": list(self.analyses),
            "wagons": list(self.wagons),
            "reasons": list(self.reasons),
            "because": list(self.because),
        }


@dataclass(frozen=True)
class Impact:
    """Everything a change affects."""

    changed_wagons: Mapping[str, tuple[str, ...]]
    dependents: Mapping[str, tuple[str, ...]]
    changed_datasets: Mapping[str, tuple[str, ...]]
    changed_runlists: Mapping[str, tuple[str, ...]]
    tests: tuple[TestRequest, ...]
    skipped: tuple[str, ...]
    recipients: tuple[Recipient, ...]

    def tests_by_dataset(self) -> dict[str, list[TestRequest]]:
        """The tests to run, grouped by dataset (datasets and wagons sorted)."""
        out: dict[str, list[TestRequest]] = {}
        for test in self.tests:
            out.setdefault(test.dataset, []).append(test)
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "changed_wagons": {k: list(v) for k, v in self.changed_wagons.items()},
            "dependents": {k: list(v) for k, v in self.dependents.items()},
            "changed_datasets": {k: list(v) for k, v in self.changed_datasets.items()},
            "changed_runlists": {k: list(v) for k, v in self.changed_runlists.items()},
            "tests": [t.to_json() for t in self.tests],
            "skipped": list(self.skipped),
            "recipients": [r.to_json() for r in self.recipients],
        }


def _top(change: FieldChange) -> str:
    return change.path.split(".", 1)[0].split("[", 1)[0].split('["', 1)[0]


def _enabled_dataset(change: FieldChange) -> str | None:
    if change.path.startswith("enabled[") and "]" in change.path:
        return change.path[len("enabled[") : change.path.index("]")]
    return None


@dataclass
class _Collector:
    tests: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(self, wagon: str, dataset: str, reason: str) -> None:
        self.tests.setdefault((wagon, dataset), set()).add(reason)


def compute_impact(
    base: Repository,
    head: Repository,
    diffs: Iterable[EntityDiff],
    *,
    enabler_of: EnablerOf | None = None,
) -> Impact:
    """The impact of going from ``base`` to ``head``, given the semantic diff between them."""
    diffs = list(diffs)
    wanted = _Collector()
    changed_wagons: dict[str, tuple[str, ...]] = {}
    retest: dict[str, str] = {}  # wagon -> why all its tests run again
    for d in diffs:
        if d.ref.kind != "wagon" or d.op == "removed" or d.ref.name not in head.wagons:
            continue
        wagon = d.ref.name
        changed_wagons[wagon] = tuple(_field_summary(d))
        if d.op in ("created", "renamed") or any(_top(f) in _WAGON_TEST_FIELDS for f in d.fields):
            retest[wagon] = _wagon_reason(d)
            continue
        for change in d.fields:
            dataset = _enabled_dataset(change)
            if change.op != "removed" and dataset is not None:
                what = "enabled" if change.op == "created" else "package choice changed"
                wanted.add(wagon, dataset, f"{what} on {dataset}")
            elif change.path == "enabled":
                retest[wagon] = "enabled datasets changed"
    dependents: dict[str, tuple[str, ...]] = {}
    for wagon in sorted(retest):
        for entry in head.wagons[wagon].enabled:
            wanted.add(wagon, entry.dataset, retest[wagon])
        found = tuple(head.dependents_of(wagon))
        if found:
            dependents[wagon] = found
        for dependent in found:
            for entry in head.wagons[dependent].enabled:
                wanted.add(dependent, entry.dataset, f"depends on {wagon}, {retest[wagon]}")
    changed_datasets = _changed(diffs, "dataset", head.datasets)
    changed_runlists = _changed(diffs, "runlist", head.runlists)
    dataset_reasons: dict[str, list[str]] = {}
    for name, fields in changed_datasets.items():
        relevant = [f for f in fields if _top_name(f) in _DATASET_TEST_FIELDS]
        if relevant:
            dataset_reasons.setdefault(name, []).append(f"{name} changed: {', '.join(relevant)}")
    for runlist, fields in changed_runlists.items():
        for name, ds in head.datasets.items():
            if any(p.runlist == runlist for p in ds.productions):
                what = ", ".join(fields) or "comments"
                dataset_reasons.setdefault(name, []).append(
                    f"runlist {runlist} of {name} changed: {what}"
                )
    for wagon_id, model in head.wagons.items():
        for entry in model.enabled:
            for reason in dataset_reasons.get(entry.dataset, []):
                wanted.add(wagon_id, entry.dataset, reason)
    tests, skipped = _requests(head, wanted)
    return Impact(
        changed_wagons=dict(sorted(changed_wagons.items())),
        dependents=dependents,
        changed_datasets=changed_datasets,
        changed_runlists=changed_runlists,
        tests=tests,
        skipped=skipped,
        recipients=_recipients(head, tests, enabler_of),
    )


def _top_name(summary: str) -> str:
    return summary.split(".", 1)[0].split("[", 1)[0].split(" ", 1)[0]


def _field_summary(d: EntityDiff) -> list[str]:
    if d.op == "created":
        return ["created"]
    if d.op == "renamed" and d.previous is not None:
        return [f"renamed from {d.previous.name}", *(_describe(f) for f in d.fields)]
    return [_describe(f) for f in d.fields]


def _describe(change: FieldChange) -> str:
    if isinstance(change.old, list) and isinstance(change.new, list) and change.op == "updated":
        added = [v for v in change.new if v not in change.old]
        removed = [v for v in change.old if v not in change.new]
        parts = [f"+{', '.join(map(str, added))}"] if added else []
        parts += [f"-{', '.join(map(str, removed))}"] if removed else []
        if parts and all(not isinstance(v, dict | list) for v in [*added, *removed]):
            return f"{change.path} ({' '.join(parts)})"
    if change.op == "updated":
        return change.path
    return f"{change.path} {change.op}"


def _wagon_reason(d: EntityDiff) -> str:
    if d.op == "created":
        return "new wagon"
    if d.op == "renamed" and d.previous is not None:
        return f"renamed from {d.previous.name}"
    paths = [f.path for f in d.fields if _top(f) in _WAGON_TEST_FIELDS]
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    return f"changed: {shown}"


def _changed(
    diffs: list[EntityDiff], kind: str, present: Mapping[str, Any]
) -> dict[str, tuple[str, ...]]:
    return {
        d.ref.name: tuple(_field_summary(d))
        for d in sorted(diffs, key=lambda d: d.ref.name)
        if d.ref.kind == kind and d.op != "removed" and d.ref.name in present
    }


def _requests(
    head: Repository, wanted: _Collector
) -> tuple[tuple[TestRequest, ...], tuple[str, ...]]:
    tests: list[TestRequest] = []
    skipped: list[str] = []
    for (wagon_id, dataset_name), reasons in sorted(wanted.tests.items(), key=lambda i: i[0][::-1]):
        entry = head.wagons[wagon_id].enablement(dataset_name)
        dataset = head.datasets.get(dataset_name)
        if entry is None:
            continue
        if dataset is None or not dataset.active:
            state = "unknown" if dataset is None else "inactive"
            skipped.append(f"{wagon_id} on {dataset_name}: the dataset is {state}")
            continue
        tests.append(
            TestRequest(
                wagon=wagon_id,
                dataset=dataset_name,
                package=entry.package.describe(),
                base=entry.base,
                subwagons=tuple(entry.subwagons),
                reasons=tuple(sorted(reasons)),
            )
        )
    return tuple(tests), tuple(skipped)


def _recipients(
    head: Repository, tests: tuple[TestRequest, ...], enabler_of: EnablerOf | None
) -> tuple[Recipient, ...]:
    found: dict[str, dict[str, set[str]]] = {}

    def tell(login: str, test: TestRequest, because: str) -> None:
        entry = found.setdefault(login, {"analyses": set(), "wagons": set(), "reasons": set()})
        entry["analyses"].add(test.wagon.split("/", 1)[0])
        entry["wagons"].add(test.wagon)
        entry["reasons"].update(test.reasons)
        entry.setdefault("because", set()).add(because)

    for test in tests:
        analysis_name = test.wagon.split("/", 1)[0]
        analysis = head.analyses.get(analysis_name)
        if analysis is None or analysis.notify_on_test_failure == "none":
            continue
        enabler = enabler_of(test.wagon, test.dataset) if enabler_of else None
        if analysis.notify_on_test_failure == "enabler" and enabler is not None:
            tell(enabler, test, f"enabled {test.wagon} on {test.dataset}")
            continue
        # "all", or "enabler" when nobody can be named: every member hears, rather than nobody.
        why = f"member of {analysis_name}"
        if analysis.notify_on_test_failure == "enabler":
            why += f" (who enabled {test.wagon} on {test.dataset} is not known)"
        for member in analysis.members:
            tell(member, test, why)
    return tuple(
        Recipient(
            login=login,
            analyses=tuple(sorted(e["analyses"])),
            wagons=tuple(sorted(e["wagons"])),
            reasons=tuple(sorted(e["reasons"])),
            because=tuple(sorted(e["because"])),
        )
        for login, e in sorted(found.items())
    )
