from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hyperloop_gitops.testing import report
from hyperloop_gitops.testing.metrics import DeviceUsage, MemoryStats, TestMetrics, WholeDataset
from hyperloop_gitops.testing.runner import Step, Tick
from hyperloop_gitops.testing.status import Finding, Status, Target
from hyperloop_gitops.testing.store import TestResult
from hyperloop_gitops.testing.wagon_test import TestPlan


def _device(name: str, cpu_s: float) -> DeviceUsage:
    return DeviceUsage(
        device=name, cpu_s=cpu_s, cpu_share=cpu_s / 51, pss=None, private=None, heavy=False
    )


METRICS = TestMetrics(
    input_files=12,
    input_bytes=1_020_000_000,
    output_bytes=14_200_000,
    wall_s=58.2,
    cpu_s=51.0,
    pss=MemoryStats(max_bytes=1_410_000_000, avg_bytes=1_220_000_000, slope_mb_per_min=0.3),
    private=MemoryStats(max_bytes=1_050_000_000, avg_bytes=930_000_000, slope_mb_per_min=0.1),
    throughput_bytes_per_s=17_600_000,
    reduction_factor=71.83,
    devices=(_device("jpsi-ee", 38), _device("track-selection", 8), _device("event-selection", 5)),
    whole_dataset=WholeDataset(
        dataset_bytes=48_200_000_000_000,
        scale=47_255,
        cpu_years=0.7803,
        output_bytes=671_000_000_000,
        co2_kg=41.2,
    ),
)


def _result(tmp_path: Path, **changes: object) -> TestResult:
    fields: dict[str, object] = {
        "wagon": "pwgdq-jpsi/jpsi-ee",
        "dataset": "LHC22o_pass6",
        "package_tag": "daily-20261127-0000-1",
        "content_hash": "3f9c1e" + "0" * 58,
        "status": Status.DONE,
        "metrics": METRICS,
        "target": Target.SINGLE_CORE,
        "started": datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        "work_dir": str(tmp_path / "3f9c1e"),
    }
    fields.update(changes)
    return TestResult(**fields)  # type: ignore[arg-type]


def test_the_summary_reads_as_in_the_ux_sketch(tmp_path: Path) -> None:
    (tmp_path / "3f9c1e").mkdir()
    (tmp_path / "3f9c1e" / "AnalysisResults.root").write_bytes(b"")

    assert report.summary(_result(tmp_path), reused=False) == [
        "🌟 pwgdq-jpsi/jpsi-ee  done in 58 s",
        "   input      12 files, 1.02 GB          output   14.2 MB (reduction 71.8×)",
        "   PSS        max 1.41 GB  avg 1.22 GB  slope +0.3 MB/min",
        "   private    max 1.05 GB  avg 930 MB",
        "   CPU        51 s  (jpsi-ee 38 s · track-selection 8 s · event-selection 5 s)",
        "   throughput 17.6 MB/s",
        "   whole dataset (48.2 TB):  CPU 0.78 years · output 671 GB · 41 kgCO2eq · "
        "fits Grid single core",
        f"   results    {tmp_path}/3f9c1e/AnalysisResults.root",
    ]


def test_a_test_too_short_for_a_slope_says_so(tmp_path: Path) -> None:
    short = METRICS.model_copy(
        update={
            "pss": MemoryStats(max_bytes=64_400_000, avg_bytes=58_400_000, slope_mb_per_min=None)
        }
    )

    lines = report.summary(_result(tmp_path, metrics=short), reused=False)

    assert lines[2] == "   PSS        max 64.4 MB  avg 58.4 MB  slope n/a (test too short)"


def test_a_reused_result_with_a_warning_says_so(tmp_path: Path) -> None:
    warning = Finding(
        rule="leak", message="max PSS 2.31 GB is 41% above average 1.64 GB (rule: at most 30%)"
    )
    result = _result(tmp_path, status=Status.WARNING, warnings=(warning,))

    lines = report.summary(result, reused=True)

    assert lines[:3] == [
        "❗ pwgdq-jpsi/jpsi-ee  done in 58 s, 1 warning",
        "   (stored result of an identical test, 2026-11-28 09:30 UTC; --force runs it again)",
        "   ❗ leak: max PSS 2.31 GB is 41% above average 1.64 GB (rule: at most 30%)",
    ]
    assert lines[-1] == f"   results    {tmp_path}/3f9c1e/stderr.log"  # no AnalysisResults.root


def test_a_failure_shows_its_reason_and_no_whole_dataset_estimate(tmp_path: Path) -> None:
    result = _result(
        tmp_path,
        status=Status.FAILED,
        target=None,
        reason="jpsi-ee exited with code 3; stderr ends with:\n  bad input",
        subwagon="tight",
    )

    lines = report.summary(result, reused=False)

    assert lines[:3] == [
        "💣 pwgdq-jpsi/jpsi-ee:tight  failed after 58 s",
        "   jpsi-ee exited with code 3; stderr ends with:",
        "     bad input",
    ]
    assert not any("whole dataset" in line for line in lines)


def test_header_and_progress() -> None:
    plan = TestPlan(
        wagon="pwgdq-jpsi/jpsi-ee",
        subwagon=None,
        dataset="LHC22o_pass6",
        package_tag="daily-20261127-0000-1",
        content_hash="ab" * 32,
        steps=(Step(("true",), "x"),),
        train=(
            "service-common/event-selection",
            "service-common/track-selection",
            "pwgdq-jpsi/jpsi-ee",
            "pwgdq-jpsi/jpsi-ee:tight",
            "pwgdq-jpsi/jpsi-ee:loose",
        ),
    )

    assert report.header(plan) == [
        "⏳ pwgdq-jpsi/jpsi-ee on LHC22o_pass6 (tag O2Physics::daily-20261127-0000-1)",
        "   train: event-selection, track-selection, jpsi-ee (+ subwagons: tight, loose)",
    ]
    assert report.progress(Tick(elapsed_s=31.4, pss_bytes=412_000_000)) == "   31 s  PSS 412 MB"
