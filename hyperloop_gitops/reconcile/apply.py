"""Applying the plan: the reconciler's edge (DESIGN decision 4).

The pure core (``compose_plan``) says what should exist; this module makes it so, one durable
step at a time, so that a crash at any point followed by a rerun never submits a train twice
and never loses one:

1. Queued wagon tests run (⌛ -> ⏳ -> 🌟/❗/💣), results stored by content hash.
2. Each train to submit is written first as an intent (``composed``, idempotent by its
   composition digest), then gets its own train test (``testing``), then ``ready``.
3. ``submitting``: the backend is asked for jobs carrying the train id before anything is
   submitted; only missing jobs are submitted; their ids are recorded; ``submitted``.
4. Running trains are polled: ``running``, then ``merging`` when every job is final (the merge
   job was submitted with the jobs, as a dependent job), then ``done`` or ``failed``.

Every step reads the train's state from the store, so a rerun resumes where the last run
stopped. ``HYPERLOOP_FAULT=<point>`` makes the process exit hard at a named point (tests).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from hyperloop_gitops.backends import MERGE_INDEX, Backend, JobSpec, create_backend
from hyperloop_gitops.config import Repository
from hyperloop_gitops.errors import BackendError
from hyperloop_gitops.reconcile.compose import compose_plan, split_jobs
from hyperloop_gitops.reconcile.inputs import PastTrain, TestSummary
from hyperloop_gitops.reconcile.layout import Layout
from hyperloop_gitops.reconcile.mergejob import JOBS_FILE
from hyperloop_gitops.reconcile.plan import ComposedTrain, Plan
from hyperloop_gitops.state import StateStore
from hyperloop_gitops.state.atomic import atomic_write_bytes
from hyperloop_gitops.state.models import (
    Job,
    JobState,
    Merge,
    Resources,
    TrainRun,
    TrainState,
)
from hyperloop_gitops.state.models import TrainWagon as StoredWagon
from hyperloop_gitops.testing.plan import plan_from_spec, plan_wagon_test
from hyperloop_gitops.testing.status import Status
from hyperloop_gitops.testing.store import ResultStore, TestResult
from hyperloop_gitops.testing.wagon_test import run_wagon_test
from hyperloop_gitops.train import TrainSpec, build_train_spec, content_hash
from hyperloop_gitops.train.compositions import CompositionCache
from hyperloop_gitops.train.inputs import dataset_files

FAULT_ENV = "HYPERLOOP_FAULT"
FAULT_EXIT_CODE = 86
FAULT_POINTS = (
    "after-test",
    "after-intent",
    "after-train-test",
    "before-submit",
    "after-submit",
    "after-record",
    "after-poll",
)
"""Named points where ``HYPERLOOP_FAULT`` makes the reconciler exit hard (see the tests)."""

RETRIES = 3
TRAIN_TEST_BLOCKING_RULES = frozenset({"memory", "leak"})
"""Warnings of a train test that stop its submission. The others (reduction, CPU, ...) are
judged per wagon, where operators approve them; on the train they are recorded and shown."""
T = TypeVar("T")
_ACTIVE = (TrainState.SUBMITTED, TrainState.RUNNING, TrainState.MERGING)
_PRE_SUBMIT = (TrainState.COMPOSED, TrainState.TESTING, TrainState.READY, TrainState.SUBMITTING)


def fault_point(name: str) -> None:
    """Exit at once, without cleanup, when ``HYPERLOOP_FAULT`` names this point."""
    if os.environ.get(FAULT_ENV) == name:
        sys.stdout.flush()
        os._exit(FAULT_EXIT_CODE)


@dataclass
class ApplyReport:
    """What one apply did."""

    tests_run: list[TestResult] = field(default_factory=list)
    composed: list[str] = field(default_factory=list)
    failed_train_tests: list[tuple[str, str]] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    killed: list[str] = field(default_factory=list)


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class Reconciler:
    """The reconciler of one repository: its configuration, state, tests and backend."""

    repository: Repository
    layout: Layout
    backend: Backend
    backend_name: str
    actor: str = "reconciler"
    progress: Progress = _quiet
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    use_cache: bool = True
    """Keep wagon-test compositions between plans (``layout.compositions_file``)."""
    state: StateStore = field(init=False)
    results: ResultStore = field(init=False)

    def __post_init__(self) -> None:
        self.state = StateStore(self.layout.state_dir, clock=self.clock)
        self.results = ResultStore(self.layout.tests_dir)

    @classmethod
    def open(
        cls,
        repository: Repository,
        *,
        layout: Layout | None = None,
        backend: str | None = None,
        actor: str = "reconciler",
        progress: Progress = _quiet,
    ) -> Reconciler:
        """The reconciler with the configured (or named) backend."""
        layout = layout or Layout.for_repository(repository.root)
        name = backend or repository.settings.backends.default
        settings = getattr(repository.settings.backends, name, None)
        options = settings.model_dump() if settings is not None else {}
        instance = create_backend(name, root=layout.backend_dir / name, options=options)
        return cls(repository, layout, instance, name, actor=actor, progress=progress)

    # -- planning ----------------------------------------------------------------------------
    def plan(self, now: datetime | None = None) -> Plan:
        """The plan now, from stored test results and train runs. Changes nothing."""
        tests = {r.content_hash: TestSummary.from_result(r) for r in self.results.all()}
        trains = [PastTrain.from_train_run(t) for t in self.state.trains()]
        compositions = CompositionCache(self.layout.compositions_file) if self.use_cache else None
        plan = compose_plan(
            self.repository,
            tests=tests,
            trains=trains,
            now=now or self.clock(),
            data_dir=self.layout.data_dir,
            compositions=compositions,
        )
        if compositions is not None:
            compositions.save()
        return plan

    # -- applying ----------------------------------------------------------------------------
    def apply(self, *, run_tests: bool = True, now: datetime | None = None) -> ApplyReport:
        """Carry out the plan: tests, intents, train tests, submissions, then advance trains."""
        report = ApplyReport()
        self.resume(report)
        plan = self.plan(now)
        if run_tests and plan.tests:
            for test in plan.tests:
                self.progress(f"⏳ wagon test {test.wagon_id} on {test.dataset}")
                result = self._run_wagon_test(test.wagon_id, test.dataset, test.package_tag)
                report.tests_run.append(result)
                self.progress(f"{result.status.mark} wagon test {result.label} on {test.dataset}")
                fault_point("after-test")
            plan = self.plan(now)
        for composed in plan.submit:
            self._start(composed, report)
        for kill in plan.kill:
            self.kill(kill.train_id, by=self.actor, reason=kill.reason)
            report.killed.append(kill.train_id)
        self.advance(report)
        return report

    def resume(self, report: ApplyReport) -> None:
        """Carry every train that stopped before submission on from its recorded state."""
        for train in self.state.trains():
            if train.state in _PRE_SUBMIT:
                self._carry(train, report)

    def _start(self, composed: ComposedTrain, report: ApplyReport) -> None:
        jobs = self._jobs(composed)
        train = self.state.create_train(
            dataset=composed.dataset,
            package_tag=composed.package_tag,
            target=composed.target,
            backend=self.backend_name,
            wagons=tuple(
                StoredWagon(
                    id=w.id, subwagons=w.subwagons, base=w.base, content_hash=w.content_hash
                )
                for w in composed.wagons
            ),
            full_config_digest=composed.full_config_digest,
            input_list_digest=composed.input_list_digest,
            by=self.actor,
            jobs=jobs,
            details=composed.details(),
            train_id=composed.id,
        )
        fault_point("after-intent")
        self._write_train_files(train, dict(composed.full_config))
        report.composed.append(train.id)
        self.progress(f"+ {train.id} composed on {train.dataset}: {_wagons(train)}")
        self._carry(train, report, composed)

    def _carry(
        self, train: TrainRun, report: ApplyReport, composed: ComposedTrain | None = None
    ) -> None:
        spec = composed.spec if composed is not None else None
        if not (self.layout.train_dir(train.id) / "full_config.json").is_file():
            # the intent was written, the files not yet (a crash between the two)
            spec = self._recompose(train)
            problem = self._rewrite_train_files(train, spec)
            if problem is not None:
                self.state.transition(train.id, TrainState.FAILED, by=self.actor, reason=problem)
                return
        if train.state == TrainState.COMPOSED:
            train = self.state.transition(train.id, TrainState.TESTING, by=self.actor)
        if train.state == TrainState.TESTING:
            spec = spec if spec is not None else self._recompose(train)
            if spec is None:
                self.state.transition(
                    train.id,
                    TrainState.FAILED,
                    by=self.actor,
                    reason="its wagons are no longer enabled as composed; nothing was submitted",
                )
                return
            verdict = self._train_test(train, spec)
            fault_point("after-train-test")
            if verdict is not None:
                report.failed_train_tests.append((train.id, verdict))
                self.progress(f"💣 {train.id} train test: {verdict}")
                self.state.transition(train.id, TrainState.FAILED, by=self.actor, reason=verdict)
                return
            train = self.state.transition(train.id, TrainState.READY, by=self.actor)
        if train.state == TrainState.READY:
            train = self.state.transition(train.id, TrainState.SUBMITTING, by=self.actor)
        if train.state == TrainState.SUBMITTING:
            fault_point("before-submit")
            self._submit_jobs(train)
            report.submitted.append(train.id)
            self.progress(f"↑ {train.id} submitted: {len(train.jobs)} jobs on {self.backend_name}")

    # -- the train test ----------------------------------------------------------------------
    def _train_test(self, train: TrainRun, spec: TrainSpec) -> str | None:
        """Run the whole train on the test input ("Full Test"); the reason it may not run."""
        test_plan = plan_from_spec(self.repository, spec, wagon=f"train:{train.id}")
        runs = f"{len(spec.instances)} wagon run{'' if len(spec.instances) == 1 else 's'}"
        self.progress(f"⏳ train test of {train.id} ({runs} incl. subwagons and dependencies)")
        outcome = run_wagon_test(
            test_plan, store=self.results, policy=self.repository.settings.policy
        )
        result = outcome.result
        summary = {
            "content_hash": result.content_hash,
            "status": result.status.value,
            "warnings": [str(w) for w in result.warnings],
            "reason": result.reason,
            "work_dir": result.work_dir,
        }
        self.state.update(train.id, details={**train.details, "train_test": summary})
        if result.status == Status.FAILED:
            return (result.reason or "the train test failed").splitlines()[0]
        blocking = [w for w in result.warnings if w.rule in TRAIN_TEST_BLOCKING_RULES]
        if blocking:
            approved = {a.wagon for a in self.repository.datasets[train.dataset].approvals}
            if any(w.id not in approved for w in train.wagons):
                words = "; ".join(str(w) for w in blocking)
                return f"the train test has warnings ({words}) and not every wagon is approved"
        return None

    def _recompose(self, train: TrainRun) -> TrainSpec | None:
        """The spec of a stored train, rebuilt from the configuration (after a crash)."""
        parts = {
            w.id: ([None] if w.base else []) + list(w.subwagons)
            for w in train.wagons
            if w.id in self.repository.wagons
        }
        if len(parts) != len(train.wagons):
            return None
        return build_train_spec(
            self.repository, parts, train.dataset, train.package_tag, data_dir=self.layout.data_dir
        )

    # -- jobs --------------------------------------------------------------------------------
    def _jobs(self, composed: ComposedTrain) -> list[Job]:
        files = dataset_files(self.repository, composed.dataset)
        per_job = self.repository.settings.backends.jalien.max_input_files_per_job
        policy = self.repository.settings.policy
        cores = 2 if "2 core" in composed.target else 1
        resources = Resources(
            memory_mb=int(policy.two_core_max_avg_pss_gb * 1000 * cores / 2 + 500)
            if cores == 2
            else int(policy.single_core_max_avg_pss_gb * 1000 + 500),
            time_limit_s=int(policy.test_wall_time_s * 12),
            cores=cores,
        )
        return [
            Job(
                index=index,
                input_files=tuple(f.location(self.layout.data_dir) for f in group),
                run=group[0].run,
                resources=resources,
                workdir=f"jobs/{index:04d}",
            )
            for index, group in enumerate(split_jobs(files, per_job))
        ]

    def _rewrite_train_files(self, train: TrainRun, spec: TrainSpec | None) -> str | None:
        """Write a stored train's files again from its recomposed spec; why not, if it can't."""
        if spec is None:
            return "its wagons are no longer enabled as composed; nothing was submitted"
        full_config = spec.full_config()
        if content_hash(full_config) != train.full_config_digest:
            return "the configuration changed before the train was submitted; nothing was submitted"
        self._write_train_files(train, full_config)
        return None

    def _write_train_files(self, train: TrainRun, full_config: dict[str, object]) -> None:
        folder = self.layout.train_dir(train.id)
        text = json.dumps(full_config, indent=2, sort_keys=True) + "\n"
        atomic_write_bytes(folder / "full_config.json", text.encode())
        listing = [{"index": j.index, "run": j.run, "workdir": j.workdir} for j in train.jobs]
        atomic_write_bytes(folder / JOBS_FILE, (json.dumps(listing, indent=1) + "\n").encode())
        for job in train.jobs:
            job_dir = folder / str(job.workdir)
            job_dir.mkdir(parents=True, exist_ok=True)
            text = "".join(f"{name}\n" for name in job.input_files)
            atomic_write_bytes(job_dir / "input_data.txt", text.encode())

    def _job_spec(self, train: TrainRun, job: Job) -> JobSpec:
        folder = self.layout.train_dir(train.id)
        return JobSpec(
            train_id=train.id,
            index=job.index,
            argv=(
                sys.executable,
                "-m",
                "hyperloop_gitops.runtime",
                "--full-config",
                str(folder / "full_config.json"),
                "--aod-file",
                f"@{folder / str(job.workdir) / 'input_data.txt'}",
                "--output-dir",
                str(folder / str(job.workdir)),
            ),
            workdir=folder / str(job.workdir),
            env=_python_env(),
            input_files=job.input_files,
            resources=job.resources,
        )

    def _merge_spec(self, train: TrainRun) -> JobSpec:
        folder = self.layout.train_dir(train.id)
        return JobSpec(
            train_id=train.id,
            index=MERGE_INDEX,
            argv=(sys.executable, "-m", "hyperloop_gitops.reconcile.mergejob", str(folder)),
            workdir=folder,
            env=_python_env(),
        )

    def _submit_jobs(self, train: TrainRun) -> TrainRun:
        """Submit what the backend does not hold yet, record the ids, move to ``submitted``."""
        found = {
            f.index: f
            for f in self._retry(
                lambda: self.backend.find(train.id), f"find the jobs of {train.id}"
            )
        }
        usable = {
            index: f.backend_id
            for index, f in found.items()
            if f.state not in (JobState.FAILED, JobState.KILLED) or index == MERGE_INDEX
        }
        todo = [j for j in train.jobs if j.backend_id is None and j.index not in usable]
        stale = [found[j.index].backend_id for j in todo if j.index in found]
        if stale:
            self.backend.forget(stale)
        if todo:
            specs = [self._job_spec(train, j) for j in todo]
            ids = self._retry(lambda: self.backend.submit(train, specs), f"submit {train.id}")
            fault_point("after-submit")
            usable.update({j.index: i for j, i in zip(todo, ids, strict=True)})
        job_ids = [usable.get(j.index) or j.backend_id for j in train.jobs]
        if MERGE_INDEX not in usable:
            after = [i for i in job_ids if i is not None]
            merge_id = self._retry(
                lambda: self.backend.submit_merge(train, self._merge_spec(train), after),
                f"submit the merge of {train.id}",
            )
            usable[MERGE_INDEX] = merge_id
        now = self.clock()
        jobs = tuple(
            j.model_copy(
                update={
                    "backend_id": backend_id,
                    "attempts": j.attempts + (1 if j.backend_id != backend_id else 0),
                    "submitted": j.submitted or now,
                    "state": JobState.PENDING if j.backend_id != backend_id else j.state,
                }
            )
            for j, backend_id in zip(train.jobs, job_ids, strict=True)
        )
        merge = Merge(
            scope="final",
            inputs=tuple(str(j.workdir) for j in train.jobs),
            backend_id=usable[MERGE_INDEX],
        )
        self.state.update(
            train.id,
            jobs=jobs,
            merges=(merge,),
            output_dir=str(self.layout.train_dir(train.id)),
        )
        fault_point("after-record")
        self.state.record(
            actor=self.actor,
            kind="train.jobs",
            subject=train.id,
            details={"submitted": len(todo), "adopted": len(train.jobs) - len(todo)},
        )
        return self.state.transition(train.id, TrainState.SUBMITTED, by=self.actor)

    # -- following ---------------------------------------------------------------------------
    def advance(self, report: ApplyReport | None = None) -> list[TrainRun]:
        """Poll every active train once and move it on; returns the active trains after."""
        active = []
        for stored in self.state.trains():
            if stored.state in _ACTIVE:
                train = self._advance(stored)
                if train.state in _ACTIVE:
                    active.append(train)
                elif report is not None:
                    report.finished.append(train.id)
        return active

    def _advance(self, train: TrainRun) -> TrainRun:
        ids = [j.backend_id for j in train.jobs if j.backend_id is not None]
        merge = train.merges[0] if train.merges else None
        if merge is not None and merge.backend_id is not None:
            ids.append(merge.backend_id)
        statuses = self._retry(lambda: self.backend.poll(ids), f"poll {train.id}")
        fault_point("after-poll")
        jobs = tuple(
            j.model_copy(
                update={
                    "state": statuses[j.backend_id].state,
                    "exit_code": statuses[j.backend_id].exit_code,
                    "started": statuses[j.backend_id].started or j.started,
                    "finished": statuses[j.backend_id].finished or j.finished,
                }
            )
            if j.backend_id in statuses
            else j
            for j in train.jobs
        )
        merges = train.merges
        if merge is not None and merge.backend_id in statuses:
            status = statuses[merge.backend_id]
            merges = (
                merge.model_copy(update={"state": status.state, "finished": status.finished}),
            )
        if jobs != train.jobs or merges != train.merges:
            train = self.state.update(train.id, jobs=jobs, merges=merges)
        started = any(j.state != JobState.PENDING for j in jobs)
        all_final = all(j.state.is_final for j in jobs)
        if train.state == TrainState.SUBMITTED and started and not all_final:
            train = self.state.transition(train.id, TrainState.RUNNING, by=self.actor)
        if train.state in (TrainState.SUBMITTED, TrainState.RUNNING) and all_final:
            train = self.state.transition(train.id, TrainState.MERGING, by=self.actor)
        if train.state == TrainState.MERGING and merges and merges[0].state.is_final:
            if merges[0].state == JobState.DONE:
                final = self.layout.merged_dir(train.id) / "final"
                train = self.state.update(
                    train.id,
                    merges=(
                        merges[0].model_copy(
                            update={"outputs": tuple(sorted(str(p) for p in final.glob("*.root")))}
                        ),
                    ),
                )
                train = self.state.transition(train.id, TrainState.DONE, by=self.actor)
            else:
                done = sum(j.state == JobState.DONE for j in jobs)
                train = self.state.transition(
                    train.id,
                    TrainState.FAILED,
                    by=self.actor,
                    reason=f"the merge did not succeed ({done} of {len(jobs)} jobs done)",
                )
            self.progress(
                f"{'✔' if train.state == TrainState.DONE else '✖'} {train.id} {train.state.value}"
            )
        return train

    def watch(self, *, interval_s: float = 1.0, timeout_s: float = 3600) -> list[TrainRun]:
        """Advance until no train is active (or the timeout); returns the trains still active."""
        deadline = time.monotonic() + timeout_s
        while True:
            active = self.advance()
            if not active or time.monotonic() > deadline:
                return active
            time.sleep(interval_s)

    # -- operator actions --------------------------------------------------------------------
    def kill(self, train_id: str, *, by: str, reason: str = "") -> TrainRun:
        """Stop every job of a train; the train becomes ``killed``."""
        train = self.state.get(train_id)
        ids = [j.backend_id for j in train.jobs if j.backend_id and not j.state.is_final]
        if train.merges and train.merges[0].backend_id:
            ids.append(str(train.merges[0].backend_id))
        if ids:
            self._retry(lambda: self.backend.kill(ids), f"kill {train_id}")
        self.state.record_action(train_id, action="kill", by=by, reason=reason)
        return self.state.transition(train_id, TrainState.KILLED, by=by, reason=reason)

    def close(self, train_id: str, *, by: str, reason: str = "") -> TrainRun:
        """Stop further activity (jobs are left alone); the train becomes ``closed``."""
        self.state.record_action(train_id, action="close", by=by, reason=reason)
        return self.state.transition(train_id, TrainState.CLOSED, by=by, reason=reason)

    def resubmit(self, train_id: str, *, by: str, reason: str = "") -> TrainRun:
        """Submit the failed and killed jobs (and the merge) of a failed or killed train again."""
        train = self.state.get(train_id)
        again = [j for j in train.jobs if j.state in (JobState.FAILED, JobState.KILLED)]
        self.state.record_action(train_id, action="resubmit", by=by, reason=reason)
        train = self.state.transition(train_id, TrainState.SUBMITTING, by=by, reason=reason)
        stale = [j.backend_id for j in again if j.backend_id]
        if train.merges and train.merges[0].backend_id:
            stale.append(str(train.merges[0].backend_id))
        if stale:
            self.backend.forget(stale)
        jobs = tuple(
            j.model_copy(update={"backend_id": None, "state": JobState.PENDING, "exit_code": None})
            if j in again
            else j
            for j in train.jobs
        )
        self.state.update(train_id, jobs=jobs, merges=())
        return self._submit_jobs(self.state.get(train_id))

    def _retry(self, action: Callable[[], T], what: str, attempts: int = RETRIES) -> T:
        """Run a backend command, retrying with backoff; each failure goes to the event log."""
        delay = 0.5
        for attempt in range(1, attempts + 1):
            try:
                return action()
            except BackendError as error:
                self.state.record(
                    actor=self.actor,
                    kind="backend.error",
                    subject=self.backend_name,
                    details={"what": what, "attempt": attempt, "error": str(error)},
                )
                if attempt == attempts:
                    raise BackendError(
                        f"{what} failed {attempts} times: {error}; nothing was recorded as "
                        "done, so the next `hyperloop reconcile --apply` tries again"
                    ) from error
                self.progress(f"! {what} failed ({error}); retrying in {delay:g} s")
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _run_wagon_test(self, wagon_id: str, dataset: str, tag: str) -> TestResult:
        plan = plan_wagon_test(
            self.repository, wagon_id, dataset=dataset, tag=tag, data_dir=self.layout.data_dir
        )
        return run_wagon_test(
            plan, store=self.results, policy=self.repository.settings.policy
        ).result


def _wagons(train: TrainRun) -> str:
    out = []
    for wagon in train.wagons:
        extra = "".join(f" +{s}" for s in wagon.subwagons)
        out.append(
            f"{wagon.id}{extra}" if wagon.base else f"{wagon.id}:{','.join(wagon.subwagons)}"
        )
    return ", ".join(out)


def _python_env() -> dict[str, str]:
    import hyperloop_gitops

    return {"PYTHONPATH": str(Path(hyperloop_gitops.__file__).resolve().parents[1])}


def jobs_summary(trains: Sequence[TrainRun]) -> dict[str, int]:
    """Jobs per state over several trains."""
    totals: dict[str, int] = {}
    for train in trains:
        for state, count in train.job_counts().items():
            totals[state] = totals.get(state, 0) + count
    return totals
