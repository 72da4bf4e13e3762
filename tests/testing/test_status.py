from __future__ import annotations

from typing import Any

import pytest

from hyperloop_gitops.model.settings import Policy
from hyperloop_gitops.testing.metrics import MemoryStats, TestMetrics, WholeDataset
from hyperloop_gitops.testing.status import (
    RuleContext,
    Status,
    Target,
    findings,
    status_of,
    target_for,
)

GB = 10**9
POLICY = Policy()


def make(**changes: Any) -> TestMetrics:
    """A healthy test (no rule broken) with ``changes`` applied."""
    fields: dict[str, Any] = {
        "input_files": 2,
        "input_bytes": 1 * GB,
        "output_bytes": 10_000_000,
        "wall_s": 60.0,
        "cpu_s": 50.0,
        "pss": MemoryStats(max_bytes=int(1.1 * GB), avg_bytes=1 * GB, slope_mb_per_min=0.1),
        "private": MemoryStats(max_bytes=GB // 2, avg_bytes=GB // 2, slope_mb_per_min=0.0),
        "throughput_bytes_per_s": 1e7,
        "reduction_factor": 100.0,
        "devices": (),
        "whole_dataset": WholeDataset(
            dataset_bytes=48_200 * GB,
            scale=48_200,
            cpu_years=0.5,
            output_bytes=482 * GB,
            co2_kg=26.4,
        ),
    }
    fields.update(changes)
    return TestMetrics(**fields)


def messages(metrics: TestMetrics, context: RuleContext | None = None) -> list[str]:
    return [str(f) for f in findings(metrics, POLICY, context or RuleContext(cpu_limit_years=3))]


def test_a_healthy_test_breaks_no_rule_and_is_done() -> None:
    assert messages(make()) == []
    assert status_of(failure=None, warnings=[]) is Status.DONE
    assert Status.DONE.mark == "🌟"


def test_the_leak_rule_names_its_numbers() -> None:
    pss = MemoryStats(max_bytes=2_310_000_000, avg_bytes=1_640_000_000, slope_mb_per_min=12.0)

    assert messages(make(pss=pss)) == [
        "leak: max PSS 2.31 GB is 41% above average 1.64 GB (rule: at most 30%)"
    ]


def test_exactly_at_the_leak_threshold_is_no_warning() -> None:
    pss = MemoryStats(max_bytes=1_300_000_000, avg_bytes=1_000_000_000, slope_mb_per_min=0.0)

    assert messages(make(pss=pss)) == []


@pytest.mark.parametrize(
    ("avg_gb", "target"),
    [
        (3.2, Target.SINGLE_CORE),
        (3.21, Target.TWO_CORE),
        (4.0, Target.TWO_CORE),
        (4.01, Target.NONE),
    ],
)
def test_the_target_follows_average_pss(avg_gb: float, target: Target) -> None:
    assert target_for(avg_gb * GB, POLICY) is target


def test_above_the_two_core_limit_is_a_memory_warning() -> None:
    pss = MemoryStats(max_bytes=int(4.4 * GB), avg_bytes=int(4.3 * GB), slope_mb_per_min=0.0)

    assert messages(make(pss=pss)) == [
        "memory: average PSS 4.3 GB is above 4 GB, the most a Grid 2-core slot offers "
        "(rule: at most 4 GB)"
    ]


def test_cpu_for_the_whole_dataset_above_the_limit_needs_approval() -> None:
    whole = WholeDataset(dataset_bytes=1, scale=1, cpu_years=2.414, output_bytes=1, co2_kg=1)

    assert messages(make(whole_dataset=whole), RuleContext(cpu_limit_years=2)) == [
        "cpu: the whole dataset needs 2.41 CPU-years, above this dataset's limit "
        "(rule: at most 2 CPU-years per train; needs approval)"
    ]


def test_low_reduction_is_allowed_on_request_only_for_small_output() -> None:
    small = WholeDataset(
        dataset_bytes=1, scale=1, cpu_years=0.1, output_bytes=3_100_000_000, co2_kg=1
    )
    large = WholeDataset(dataset_bytes=1, scale=1, cpu_years=0.1, output_bytes=120 * GB, co2_kg=1)

    assert messages(make(reduction_factor=12.0, whole_dataset=small)) == [
        "reduction: reduction factor 12× is below 50× (rule: at least 50×; allowed on request: "
        "the expected output 3.1 GB is below 50 GB)"
    ]
    assert messages(make(reduction_factor=12.0, whole_dataset=large)) == [
        "reduction: reduction factor 12× is below 50× (rule: at least 50×; not allowed: "
        "the expected output 120 GB is not below 50 GB)"
    ]


def test_log_ccdb_slim_and_linked_rules() -> None:
    whole = WholeDataset(dataset_bytes=1, scale=1000, cpu_years=0.1, output_bytes=1, co2_kg=1)
    metrics = make(log_bytes=61_200_000, ccdb_calls=1520, input_files=30, whole_dataset=whole)

    assert messages(metrics, RuleContext(derived_kind="slim", derived_output_bytes=5_200_000)) == [
        "ccdb: 1520 calls to the conditions database (rule: at most 1000)",
        "log: 61.2 MB of log output (rule: at most 50 MB)",
        "slim: expected slim derived output 5.2 GB (rule: at most 4000 MB; "
        "make it standard derived data)",
    ]
    assert messages(
        make(input_files=30), RuleContext(derived_kind="linked", derived_output_files=1)
    ) == ["linked: 30 input files per derived output file (rule: at most 25; not submittable)"]


def test_thresholds_come_from_the_policy() -> None:
    strict = Policy(leak_max_percent=5)
    found = findings(make(), strict, RuleContext())

    assert [str(f) for f in found] == [
        "leak: max PSS 1.1 GB is 10% above average 1 GB (rule: at most 5%)"
    ]
    assert status_of(failure=None, warnings=found) is Status.WARNING


def test_a_failure_wins_over_warnings() -> None:
    found = findings(make(log_bytes=10**9), POLICY, RuleContext())

    assert status_of(failure="task exited with code 3", warnings=found) is Status.FAILED
    assert [s.mark for s in Status] == ["⌛", "⏳", "🌟", "❗", "💣"]


def test_growth_below_the_noise_floor_is_not_a_leak() -> None:
    pss = MemoryStats(max_bytes=60_000_000, avg_bytes=40_000_000, slope_mb_per_min=0.0)
    floor = Policy(leak_min_growth_mb=25)

    assert [str(f) for f in findings(make(pss=pss), floor, RuleContext())] == []
    assert [
        str(f) for f in findings(make(pss=pss), Policy(leak_min_growth_mb=19), RuleContext())
    ] == ["leak: max PSS 60 MB is 50% above average 40 MB (rule: at most 30%)"]
