"""Stored wagon-test results (``TestResult``) as rows of the bot's comment. Pure.

A result of the head revision becomes a row; the base branch's result of the same wagon on the
same dataset, when there is one, gives the deltas.
"""

from __future__ import annotations

import dataclasses

from hyperloop_gitops.bot.view import BaseMetrics, TestState, WagonTestRow
from hyperloop_gitops.testing.status import Status
from hyperloop_gitops.testing.store import TestResult
from hyperloop_gitops.testing.units import GB, MB

_STATES: dict[Status, TestState] = {
    Status.QUEUED: "queued",
    Status.RUNNING: "running",
    Status.DONE: "done",
    Status.WARNING: "warning",
    Status.FAILED: "failed",
}


def base_metrics(result: TestResult | None) -> BaseMetrics | None:
    """What a row compares against: the base branch's test, if it ran and measured."""
    if result is None or result.metrics is None:
        return None
    m = result.metrics
    years = m.whole_dataset.cpu_years if m.whole_dataset is not None else None
    return BaseMetrics(pss_max_gb=m.pss.max_bytes / GB, cpu_s=m.cpu_s, dataset_cpu_years=years)


def row_from_result(
    result: TestResult, *, base: TestResult | None = None, reused: bool = False
) -> WagonTestRow:
    """One comment row for a result; ``reused`` when it came from an identical earlier test."""
    error = None
    log_tail = None
    if result.reason:
        error, _, log_tail = result.reason.partition("\n")
        error = error.removesuffix(":")
    row = WagonTestRow(
        wagon=result.label,
        dataset=result.dataset,
        state=_STATES[result.status],
        warnings=tuple(str(w) for w in result.warnings),
        error=error,
        log_tail=log_tail or None,
        base=base_metrics(base),
        reused=reused,
    )
    m = result.metrics
    if m is None:
        return row
    whole = m.whole_dataset
    return dataclasses.replace(
        row,
        pss_max_gb=m.pss.max_bytes / GB,
        pss_avg_gb=m.pss.avg_bytes / GB,
        cpu_s=m.cpu_s,
        wall_s=m.wall_s,
        throughput_mb_s=m.throughput_bytes_per_s / MB,
        output_mb=m.output_bytes / MB,
        dataset_cpu_years=whole.cpu_years if whole is not None else None,
        dataset_co2_kg=whole.co2_kg if whole is not None else None,
    )
