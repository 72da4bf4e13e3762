"""One wagon test from start to stored result: prepare, run, measure, judge, keep.

The caller describes the test as a :class:`TestPlan` (what to run, which files go into the work
directory, what was read) — built from a TrainSpec by :mod:`hyperloop_gitops.testing.plan` —
and :func:`run_wagon_test` does the rest. An unchanged test (same content hash, result stored)
is not run again unless forced.

The work directory (``<tests>/<hash>/``) keeps what Hyperloop's does: configuration.json,
full_config.json, input_data.txt, env.sh, stdout.log, stderr.log, performanceMetrics.json,
status.json, the outputs, and our result.json.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hyperloop_gitops.backends.merge import is_derived_file
from hyperloop_gitops.model.settings import Policy
from hyperloop_gitops.state.atomic import atomic_write_bytes
from hyperloop_gitops.testing import metrics as metrics_module
from hyperloop_gitops.testing import perfmetrics
from hyperloop_gitops.testing.limits import Limits, scrubbed_environment
from hyperloop_gitops.testing.logs import tail_text
from hyperloop_gitops.testing.perfmetrics import PerformanceMetrics
from hyperloop_gitops.testing.runner import Step, Tick, run
from hyperloop_gitops.testing.runtime_report import merge_runtime_report
from hyperloop_gitops.testing.status import (
    RuleContext,
    Status,
    findings,
    status_of,
    target_for,
)
from hyperloop_gitops.testing.store import STATUS_FILE, ResultStore, TestResult

PERFORMANCE_METRICS = "performanceMetrics.json"
PROCESS_METRICS = "processMetrics.json"
ENV_FILE = "env.sh"
RUNTIME_REPORT = "runtime_report.json"
_TAIL_LINES = 15


@dataclass(frozen=True)
class TestPlan:
    """Everything needed to run one wagon test, decided before it runs."""

    __test__ = False  # not a pytest test class, despite its name

    wagon: str
    subwagon: str | None
    dataset: str
    package_tag: str
    content_hash: str
    steps: tuple[Step, ...]
    """The process, or the O2 pipe, to run in the work directory."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Files written into the work directory first (configuration.json, input_data.txt, ...)."""
    input_files: tuple[Path, ...] = ()
    """The input files the test reads (their sizes are the input size)."""
    train: tuple[str, ...] = ()
    """The wagons of the train, dependencies first (for people)."""
    dataset_bytes: int | None = None
    """Size of the whole dataset, to scale the test to it."""
    context: RuleContext = field(default_factory=RuleContext)
    required_outputs: tuple[str, ...] = ("AnalysisResults.root",)
    """Files the test must write to count as done."""
    runtime_device: str | None = None
    """For the embedded runtime: its process's device, whose runtime_report.json is merged."""
    pythonpath: tuple[str, ...] = ()
    passthrough_env: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestRun:
    """A result and whether it was reused (same content hash) rather than run now."""

    __test__ = False

    result: TestResult
    reused: bool


def _write_status(work: Path, status: Status, **extra: object) -> None:
    document = {"status": status.value, "mark": status.mark, **extra}
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    atomic_write_bytes(work / STATUS_FILE, text.encode())


def env_sh(env: Mapping[str, str], steps: tuple[Step, ...]) -> str:
    """``env.sh``: the exact environment and command of the test, to reproduce it by hand."""
    lines = [
        "# The environment and command of this wagon test. No shell ran it: the runner started",
        "# the processes directly (connected by pipes) with exactly this environment.",
        *(f"export {name}={shlex.quote(value)}" for name, value in sorted(env.items())),
        " | ".join(shlex.join(step.argv) for step in steps),
    ]
    return "\n".join(lines) + "\n"


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _outputs(work: Path) -> tuple[int, int, int]:
    """Total output size, derived (AO2D) output size and number of derived files."""
    roots = [p for p in work.rglob("*.root") if p.is_file()]
    derived = [p for p in roots if is_derived_file(p.name)]
    return sum(map(_file_size, roots)), sum(map(_file_size, derived)), len(derived)


def _series(plan: TestPlan, work: Path, sampled: PerformanceMetrics) -> PerformanceMetrics:
    """The metrics of the test, written to performanceMetrics.json.

    O2 writes its own performanceMetrics.json (``--resources-monitoring``), per DPL device:
    when it did, it is the test's metrics (as in Hyperloop) and ours, per process, go to
    processMetrics.json. Otherwise ours are the metrics, with the embedded runtime's per-task
    CPU merged in.
    """
    own = work / PERFORMANCE_METRICS
    if own.is_file():
        try:
            written = perfmetrics.load(own)
        except perfmetrics.PerformanceMetricsError:
            written = None
        if written is not None:
            atomic_write_bytes(work / PROCESS_METRICS, perfmetrics.dump(sampled).encode())
            return written
    series = sampled
    if plan.runtime_device is not None:
        series = merge_runtime_report(
            series, process_device=plan.runtime_device, report=work / RUNTIME_REPORT
        )
    atomic_write_bytes(own, perfmetrics.dump(series).encode())
    return series


def _reason(failure: str, work: Path) -> str:
    tail = tail_text(work / "stderr.log", lines=_TAIL_LINES)
    if not tail:
        return failure
    return failure + "; stderr ends with:\n" + "\n".join(f"  {line}" for line in tail.splitlines())


def run_wagon_test(
    plan: TestPlan,
    *,
    store: ResultStore,
    policy: Policy,
    force: bool = False,
    interval_s: float = 1.0,
    on_tick: Callable[[Tick], None] | None = None,
) -> TestRun:
    """Run the test of ``plan`` (or return its stored result) and store the result."""
    if not force:
        stored = store.get(plan.content_hash)
        if stored is not None:
            return TestRun(result=stored, reused=True)
    work = store.fresh_work_dir(plan.content_hash)
    for name, text in plan.files.items():
        (work / name).write_text(text, encoding="utf-8")
    started = datetime.now(UTC)
    _write_status(work, Status.RUNNING, started=started.isoformat())
    limits = Limits.from_policy(
        test_wall_time_s=policy.test_wall_time_s,
        test_max_pss_gb=policy.test_max_pss_gb,
        max_log_mb=policy.max_log_mb,
    )
    env = scrubbed_environment(work, pythonpath=plan.pythonpath, passthrough=plan.passthrough_env)
    (work / ENV_FILE).write_text(env_sh(env, plan.steps), encoding="utf-8")
    outcome = run(
        plan.steps, workdir=work, env=env, limits=limits, interval_s=interval_s, on_tick=on_tick
    )
    series = _series(plan, work, outcome.metrics)
    failure = outcome.failure
    if failure is None:
        missing = [name for name in plan.required_outputs if not (work / name).is_file()]
        if missing:
            failure = f"the test wrote no {', '.join(missing)}"
    output_bytes, derived_bytes, derived_files = _outputs(work)
    measured = metrics_module.compute(
        series,
        input_sizes=[_file_size(p) for p in plan.input_files],
        output_bytes=output_bytes,
        wall_s=outcome.wall_s,
        log_bytes=outcome.stdout_bytes + outcome.stderr_bytes,
        dataset_bytes=plan.dataset_bytes,
        watts_per_core=policy.cpu_watts_per_core,
        kg_co2_per_kwh=policy.kg_co2_per_kwh,
    )
    context = RuleContext(
        cpu_limit_years=plan.context.cpu_limit_years,
        derived_kind=plan.context.derived_kind,
        derived_output_bytes=derived_bytes,
        derived_output_files=derived_files,
    )
    warnings = [] if failure is not None else findings(measured, policy, context)
    status = status_of(failure=failure, warnings=warnings)
    result = TestResult(
        wagon=plan.wagon,
        subwagon=plan.subwagon,
        dataset=plan.dataset,
        package_tag=plan.package_tag,
        content_hash=plan.content_hash,
        status=status,
        reason=None if failure is None else _reason(failure, work),
        warnings=tuple(warnings),
        metrics=measured,
        target=target_for(measured.pss.avg_bytes, policy) if failure is None else None,
        train=plan.train,
        started=outcome.started,
        finished=outcome.finished,
        work_dir=str(work),
    )
    _write_status(
        work,
        status,
        started=result.started.isoformat(),
        finished=outcome.finished.isoformat(),
        reason=result.reason,
        warnings=[str(w) for w in warnings],
    )
    store.put(result)
    return TestRun(result=result, reused=False)
