"""Stored test results as comment rows."""

from __future__ import annotations

from datetime import UTC, datetime

from hyperloop_gitops.bot.comment import render_comment
from hyperloop_gitops.bot.results import row_from_result
from hyperloop_gitops.bot.view import BaseMetrics, PrView, WagonTestRow
from hyperloop_gitops.testing.metrics import MemoryStats, TestMetrics, WholeDataset
from hyperloop_gitops.testing.status import Finding, Status
from hyperloop_gitops.testing.store import TestResult


def result(
    *, pss_max: int, cpu_s: float, status: Status = Status.DONE, **extra: object
) -> TestResult:
    metrics = TestMetrics(
        input_files=2,
        input_bytes=1_020_000_000,
        output_bytes=14_200_000,
        wall_s=58.0,
        cpu_s=cpu_s,
        pss=MemoryStats(max_bytes=pss_max, avg_bytes=1_220_000_000, slope_mb_per_min=0.3),
        private=MemoryStats(max_bytes=1_050_000_000, avg_bytes=930_000_000, slope_mb_per_min=0),
        throughput_bytes_per_s=17_600_000.0,
        reduction_factor=72.0,
        devices=(),
        whole_dataset=WholeDataset(
            dataset_bytes=48_200_000_000_000,
            scale=47254.9,
            cpu_years=0.78,
            output_bytes=670_000_000_000,
            co2_kg=41.2,
        ),
    )
    fields: dict[str, object] = {
        "wagon": "pwgdq-jpsi/jpsi-ee",
        "dataset": "LHC22o_pass6",
        "package_tag": "daily-20261127-0000-1",
        "content_hash": "3f9c1e" * 4,
        "status": status,
        "metrics": metrics,
        "started": datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        "work_dir": "/state/tests/3f9c1e",
        **extra,
    }
    return TestResult.model_validate(fields)


def test_a_done_result_with_its_base() -> None:
    head = result(pss_max=1_410_000_000, cpu_s=51.0)
    base = result(pss_max=1_330_000_000, cpu_s=48.0)
    row = row_from_result(head, base=base, reused=True)
    assert row == WagonTestRow(
        wagon="pwgdq-jpsi/jpsi-ee",
        dataset="LHC22o_pass6",
        state="done",
        pss_max_gb=1.41,
        pss_avg_gb=1.22,
        cpu_s=51.0,
        wall_s=58.0,
        throughput_mb_s=17.6,
        output_mb=14.2,
        dataset_cpu_years=0.78,
        dataset_co2_kg=41.2,
        base=BaseMetrics(pss_max_gb=1.33, cpu_s=48.0, dataset_cpu_years=0.78),
        reused=True,
    )
    text = render_comment(PrView(repo="o/r", head_sha="a" * 40, author="bob", tests=(row,)))
    assert (
        "| 🌟 | `pwgdq-jpsi/jpsi-ee` | LHC22o_pass6 | 1.41 / 1.22 GB (+0.08) | 51 s (+3 s) | 58 s"
        " | 17.6 MB/s | 14 MB | 0.78 CPU-y (±0) · 41 kgCO2eq | reused |"
    ) in text


def test_a_failed_result_keeps_its_reason_and_log() -> None:
    failed = result(
        pss_max=1,
        cpu_s=1,
        status=Status.FAILED,
        metrics=None,
        reason="exit status 1; stderr ends with:\n  Traceback\n  ValueError: boom",
    )
    row = row_from_result(failed)
    assert (row.state, row.error, row.log_tail, row.pss_max_gb) == (
        "failed",
        "exit status 1; stderr ends with",
        "  Traceback\n  ValueError: boom",
        None,
    )


def test_warnings_in_words_and_subwagon_label() -> None:
    warned = result(
        pss_max=2_310_000_000,
        cpu_s=63,
        status=Status.WARNING,
        subwagon="tight",
        warnings=(Finding(rule="leak", message="max PSS 2.31 GB is 41% above average 1.64 GB"),),
    )
    row = row_from_result(warned)
    assert (row.wagon, row.state, row.warnings) == (
        "pwgdq-jpsi/jpsi-ee:tight",
        "warning",
        ("leak: max PSS 2.31 GB is 41% above average 1.64 GB",),
    )
