"""The plan of trains merging would carry out, as the bot's comment shows it.

The reconciler's pure core (``compose_plan``) runs on the head revision with the test results
the clone has (including the tests the bot just ran) and the train runs of its state, if any.
The comment shows the part of that plan this change touches: trains and waiting requests with
a wagon the impact re-tests, on the dataset it re-tests it on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hyperloop_gitops.bot.view import PlanEntry
from hyperloop_gitops.config import LoadResult, Repository
from hyperloop_gitops.impact import Impact
from hyperloop_gitops.reconcile import PastTrain, Plan, TestSummary, compose_plan
from hyperloop_gitops.reconcile.layout import Layout
from hyperloop_gitops.state.store import StateStore
from hyperloop_gitops.testing.store import ResultStore


def plan_entries(
    plan: Plan, repository: Repository, affected: set[tuple[str, str]] | None = None
) -> list[PlanEntry]:
    """The plan's trains, waiting requests and kills; with ``affected`` (wagon id, dataset)
    pairs, only those with such a wagon on such a dataset."""

    def touches(wagons: set[str], dataset: str) -> bool:
        return affected is None or any((w, dataset) in affected for w in wagons)

    entries: list[PlanEntry] = []
    for train in plan.submit:
        if not touches({w.id for w in train.wagons}, train.dataset):
            continue
        dataset = repository.datasets[train.dataset]
        resource_class = repository.settings.resource_class_for(dataset.size_tb)
        limit = dataset.composition.max_cpu_years or resource_class.cpu_years_per_train
        note = "short dataset: the long train follows when it is done" if train.short_for else ""
        entries.append(
            PlanEntry(
                action="submit",
                dataset=train.dataset,
                wagons=tuple(w.display for w in train.wagons),
                tag=train.package_tag,
                target=train.target,
                train_id=train.id,
                cpu_years=train.estimate.cpu_years,
                output_gb=train.estimate.output_bytes / 1e9,
                co2_kg=train.estimate.co2_kg,
                cpu_limit_years=limit,
                note=note,
            )
        )
    for waiting in plan.waiting:
        if touches({waiting.wagon_id}, waiting.dataset):
            message = f"{waiting.mark} {waiting.message}".strip()
            entries.append(PlanEntry("wait", waiting.dataset, (waiting.display,), note=message))
    for kill in plan.kill:
        if touches(set(kill.wagons), kill.dataset):
            entries.append(
                PlanEntry(
                    "kill", kill.dataset, kill.wagons, train_id=kill.train_id, note=kill.reason
                )
            )
    return entries


@dataclass
class ClonePlan:
    """``PlanProvider`` for a clone: results and state in its ``.hyperloop`` folder."""

    layout: Layout
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __call__(self, head: LoadResult, impact: Impact | None) -> list[PlanEntry]:
        results = ResultStore(self.layout.tests_dir).all()
        tests = {r.content_hash: TestSummary.from_result(r) for r in results}
        trains: list[PastTrain] = []
        if self.layout.state_dir.is_dir():
            store = StateStore(self.layout.state_dir)
            trains = [PastTrain.from_train_run(t) for t in store.trains()]
        plan = compose_plan(
            head.repository,
            tests=tests,
            trains=trains,
            now=self.clock(),
            data_dir=self.layout.data_dir,
        )
        affected = {(t.wagon, t.dataset) for t in impact.tests} if impact is not None else None
        return plan_entries(plan, head.repository, affected)


def clone_plan(
    root: Path, *, results: Path | None = None, data_dir: Path | None = None
) -> ClonePlan:
    """The plan provider of the clone at ``root`` (absolute paths: see ``clone_tests``)."""
    root = root.resolve()
    layout = Layout.for_repository(
        root,
        tests_dir=results.resolve() if results else None,
        data_dir=data_dir.resolve() if data_dir else None,
    )
    return ClonePlan(layout)
