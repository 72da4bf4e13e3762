"""The bot's wagon tests: run what the impact calls for, one at a time, reporting as they go.

Each test is planned from the head revision (``plan_test``), looked up by its content hash in
the result store (an identical test already ran: reused, not run again), else run by the
testing package's runner: no shell, a scrubbed environment (no token), time and memory limits.
The base branch's result of the same wagon on the same dataset, when stored, gives the deltas.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from hyperloop_gitops.bot.results import row_from_result
from hyperloop_gitops.bot.run import Progress
from hyperloop_gitops.bot.view import WagonTestRow
from hyperloop_gitops.config import LoadResult, Repository
from hyperloop_gitops.errors import HyperloopError
from hyperloop_gitops.impact import Impact, TestRequest
from hyperloop_gitops.testing.plan import plan_wagon_test
from hyperloop_gitops.testing.store import DEFAULT_TESTS_DIR, ResultStore, TestResult
from hyperloop_gitops.testing.wagon_test import TestPlan, run_wagon_test
from hyperloop_gitops.train.inputs import DATA_DIR

PlanTest = Callable[[Repository, str, str], TestPlan]
"""(repository, wagon id, dataset) -> the plan of that wagon test."""


@dataclass
class RunWagonTests:
    """``WagonTests`` that runs each test, or reuses its stored result.

    ``force`` names the wagons to run again even when a result is stored (``/hyperloop
    retest``); ``True`` forces them all.
    """

    store: ResultStore
    plan_test: PlanTest
    force: Collection[str] | bool = field(default_factory=frozenset)
    interval_s: float = 1.0

    def __call__(
        self, base: LoadResult, head: LoadResult, impact: Impact, progress: Progress
    ) -> list[WagonTestRow]:
        tests = list(impact.tests)
        rows = [WagonTestRow(t.wagon, t.dataset, "queued") for t in tests]
        plans: list[TestPlan | None] = []
        for i, request in enumerate(tests):
            try:
                plans.append(self.plan_test(head.repository, request.wagon, request.dataset))
            except HyperloopError as error:
                plans.append(None)
                rows[i] = WagonTestRow(request.wagon, request.dataset, "failed", error=str(error))
        progress(list(rows))
        for i, (request, plan) in enumerate(zip(tests, plans, strict=True)):
            if plan is None:
                continue
            forced = self.force is True or (
                not isinstance(self.force, bool) and request.wagon in self.force
            )
            stored = None if forced else self.store.get(plan.content_hash)
            if stored is None:
                rows[i] = WagonTestRow(request.wagon, request.dataset, "running")
                progress(list(rows))
                run = run_wagon_test(
                    plan,
                    store=self.store,
                    policy=head.repository.settings.policy,
                    force=forced,
                    interval_s=self.interval_s,
                )
                result, reused = run.result, run.reused
            else:
                result, reused = stored, True
            previous = self._base_result(base, request, plan.content_hash)
            rows[i] = row_from_result(result, base=previous, reused=reused)
            progress(list(rows))
        return rows

    def _base_result(
        self, base: LoadResult, request: TestRequest, head_hash: str
    ) -> TestResult | None:
        """The base branch's stored result of the same wagon test, when there is one.

        None when the base's test is the very same test (same content hash): a delta against
        itself would say nothing.
        """
        if not base.ok:
            return None
        wagon = base.repository.wagons.get(request.wagon)
        if wagon is None or wagon.enablement(request.dataset) is None:
            return None
        try:
            plan = self.plan_test(base.repository, request.wagon, request.dataset)
        except HyperloopError:
            return None
        if plan.content_hash == head_hash:
            return None
        return self.store.get(plan.content_hash)


def planner(data_dir: Path) -> PlanTest:
    """The testing package's planner, reading test input from ``data_dir``."""

    def plan(repository: Repository, wagon: str, dataset: str) -> TestPlan:
        return plan_wagon_test(repository, wagon, dataset=dataset, data_dir=data_dir)

    return plan


def clone_tests(
    root: Path,
    *,
    results: Path | None = None,
    data_dir: Path | None = None,
    force: Collection[str] | bool = frozenset(),
) -> RunWagonTests:
    """Tests for a clone at ``root``: results in ``.hyperloop/tests``, data in ``.hyperloop/data``
    (the revisions the bot reads are exports, so these paths come from the clone)."""
    # Absolute: tests run in their own work directories, where a relative path means nothing.
    root = root.resolve()
    plan = planner((data_dir or root / DATA_DIR).resolve())
    store = ResultStore((results or root / DEFAULT_TESTS_DIR).resolve())
    return RunWagonTests(store=store, plan_test=plan, force=force)
