"""Composition: desired requests x test results x past trains x now -> Plan (docs/reconciler.md).

Pure: it reads the repository (and the dataset's test files to hash them) and the values it is
given, never the clock, the state store or a backend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from hyperloop_gitops.collector import collector_paused
from hyperloop_gitops.config import Repository
from hyperloop_gitops.reconcile.context import Collector, Context, Unit
from hyperloop_gitops.reconcile.desired import Request, desired_requests
from hyperloop_gitops.reconcile.inputs import PastTrain, TestSummary
from hyperloop_gitops.reconcile.packing import gate, pack, split_jobs, weekly_trains
from hyperloop_gitops.reconcile.plan import ComposedTrain, Kill, Plan
from hyperloop_gitops.reconcile.ready import ready_units
from hyperloop_gitops.reconcile.snapshot import snapshots
from hyperloop_gitops.train import default_data_dir
from hyperloop_gitops.train.compositions import CompositionCache

__all__ = ["compose_plan", "split_jobs"]


def compose_plan(
    repository: Repository,
    *,
    tests: Mapping[str, TestSummary],
    trains: Sequence[PastTrain],
    now: datetime,
    data_dir: Path | None = None,
    compositions: CompositionCache | None = None,
) -> Plan:
    """The plan for ``repository`` given test results (by content hash), past trains and now.

    ``compositions`` serves the wagon tests' compositions that an earlier plan kept, when
    their files did not change (it only saves work: the plan is the same without it)."""
    with collector_paused():
        return _compose(
            repository,
            tests,
            trains,
            now.astimezone(UTC),
            data_dir=data_dir,
            compositions=compositions,
        )


def _compose(
    repository: Repository,
    tests: Mapping[str, TestSummary],
    trains: Sequence[PastTrain],
    now: datetime,
    *,
    data_dir: Path | None,
    compositions: CompositionCache | None,
) -> Plan:
    data = data_dir if data_dir is not None else default_data_dir(repository)
    out = Collector()
    ctx = Context(repository, now, data, out, trains, compositions=compositions)
    requests = desired_requests(repository)
    units = ready_units(ctx, requests, tests)
    by_dataset: dict[str, list[PastTrain]] = {}
    for past_train in trains:
        by_dataset.setdefault(past_train.dataset, []).append(past_train)
    composed: list[ComposedTrain] = []
    used_on: dict[str, Counter[str]] = {}  # per dataset: trains per analysis this week
    taken = {t.id for t in trains}
    # units by (dataset, tag), each group in wagon order: the units come in the requests'
    # order (by dataset, then wagon), so only the groups need sorting
    groups: dict[tuple[str, str], list[Unit]] = {}
    for (dataset_name, tag, _), unit in units.items():
        groups.setdefault((dataset_name, tag), []).append(unit)
    for dataset_name, tag in sorted(groups):
        group = groups[(dataset_name, tag)]
        dataset = repository.datasets[dataset_name]
        past = by_dataset.get(dataset_name, [])
        if not gate(ctx, dataset, group, past):
            continue
        used = used_on.get(dataset_name)
        if used is None:
            used = used_on[dataset_name] = weekly_trains(ctx, past)
        composed += snapshots(ctx, dataset, tag, pack(ctx, dataset, group, used), taken)
    return Plan(
        now=now,
        submit=tuple(composed),
        waiting=tuple(out.waiting),
        kill=_kills(repository, requests, trains),
        tests=tuple(out.tests.values()),
        satisfied=tuple(out.satisfied),
    )


def _kills(
    repository: Repository, requests: list[Request], trains: Sequence[PastTrain]
) -> tuple[Kill, ...]:
    """Running trains with disabled wagons, when the policy prunes them."""
    if not repository.settings.policy.prune_disabled_wagons:
        return ()
    wanted = {(r.wagon_id, r.part, r.dataset) for r in requests}
    kills: list[Kill] = []
    for train in sorted(trains, key=lambda t: t.id):
        if not train.active:
            continue
        gone = [
            w.id
            for w in train.wagons
            if any(
                (w.id, part, train.dataset) not in wanted
                for part in ([None] if w.base else []) + list(w.subwagons)
            )
        ]
        if gone:
            reason = f"disabled on {train.dataset}: {', '.join(gone)} (prune_disabled_wagons)"
            kills.append(Kill(train.id, train.dataset, tuple(gone), reason))
    return tuple(kills)
