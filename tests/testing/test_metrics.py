from __future__ import annotations

from pathlib import Path

import pytest

from hyperloop_gitops.testing import metrics, perfmetrics
from hyperloop_gitops.testing.metrics import MemoryStats

O2_FILE = Path(__file__).parent / "resources" / "o2_performanceMetrics.json"


def test_metrics_of_an_o2_file_are_exact() -> None:
    result = metrics.compute(
        perfmetrics.load(O2_FILE),
        input_sizes=[1_000_000_000, 500_000_000],
        output_bytes=30_000_000,
        dataset_bytes=48_200_000_000_000,
    )

    # the reader read its first bytes at the second sample: start-up (2 s) is left out.
    assert result.startup_s == 2.0
    # PSS per instant: reader + task + writer = 370 000 .. 410 000 kB, +20 000 kB every 2 s;
    # 4 s of processing are too short for a slope
    assert result.pss is not None
    assert result.pss.model_dump() == {
        "max_bytes": 410_000 * 1024,
        "avg_bytes": 390_000 * 1024,
        "slope_mb_per_min": None,
    }
    # private = clean + dirty: reader 60 000 .. 80 000 kB, task 100 000 kB, writer not sampled
    assert result.private is not None
    assert result.private.model_dump() == {
        "max_bytes": 180_000 * 1024,
        "avg_bytes": 170_000 * 1024,
        "slope_mb_per_min": None,
    }
    assert result.cpu_s == 10.0  # CPU counts the start-up too
    assert result.wall_s == 6.0  # the span of the samples, no wall time given
    assert result.input_files == 2
    assert result.input_bytes == 1_500_000_000
    assert result.throughput_bytes_per_s == 250_000_000.0
    assert result.reduction_factor == 50.0
    assert [(d.device, d.cpu_s, d.cpu_share, d.heavy) for d in result.devices] == [
        ("track-selection", 6.0, 0.6, True),
        ("internal-dpl-aod-reader", 3.0, 0.3, False),
        ("internal-dpl-aod-writer", 1.0, 0.1, False),
        ("internal-dpl-clock", 0.0, 0.0, False),
    ]
    reader = result.devices[1]
    assert reader.pss is not None
    assert reader.pss.model_dump() == {
        "max_bytes": 160_000 * 1024,
        "avg_bytes": 140_000 * 1024,
        "slope_mb_per_min": None,
    }
    assert result.devices[2].private is None
    whole = result.whole_dataset
    assert whole is not None
    assert whole.scale == pytest.approx(32_133.333333333)
    assert whole.cpu_years == pytest.approx(10 * 32_133.333333333 / (8766 * 3600))
    assert whole.output_bytes == 964_000_000_000
    assert whole.co2_kg == pytest.approx(whole.cpu_years * 52.77132)


def test_one_cpu_year_is_about_53_kg_co2() -> None:
    whole = metrics.whole_dataset(
        dataset_bytes=2,
        input_bytes=1,
        cpu_s=8766 * 3600 / 2,
        output_bytes=5,
        watts_per_core=20,
        kg_co2_per_kwh=0.301,
    )

    assert whole is not None
    assert whole.cpu_years == 1.0
    assert whole.output_bytes == 10
    assert whole.co2_kg == pytest.approx(52.77132)


def test_devices_sampling_at_different_instants_are_summed_step_wise() -> None:
    total = metrics.summed(
        [
            [(0, 10.0), (1000, 20.0), (2000, 30.0)],
            [(500, 1.0), (1500, 2.0)],  # ends at 1500: not counted at 2000
        ]
    )

    assert total == [(0, 10.0), (500, 11.0), (1000, 21.0), (1500, 22.0), (2000, 30.0)]


def test_no_output_has_no_reduction_factor_and_no_input_no_scaling() -> None:
    result = metrics.compute(
        {"task": {"cpuUsedAbsolute": [(0, 1_500_000.0)]}},
        input_sizes=[],
        output_bytes=0,
        wall_s=2.0,
        dataset_bytes=10**12,
    )

    assert result.reduction_factor is None
    assert result.whole_dataset is None
    assert result.cpu_s == 1.5
    assert result.pss == MemoryStats(max_bytes=0, avg_bytes=0, slope_mb_per_min=None)
    assert result.devices[0].heavy is False  # alone, a device is not "heavy" among others


def test_start_up_and_tear_down_are_left_out_of_memory_statistics() -> None:
    # ramp up until the reader starts (2000), steady while it reads, freed after it ended (3000)
    ramp = [(0, 10_000.0), (1000, 50_000.0), (2000, 100_000.0), (3000, 100_000.0), (4000, 5.0)]
    with_reader = {
        "hyperloop-runtime": {"proportionalSetSize": ramp},
        "internal-dpl-aod-reader": {"cpuUsedAbsolute": [(2000, 0.0), (3000, 5e5)]},
    }
    without_reader = {"hyperloop-runtime": {"proportionalSetSize": ramp}}

    assert metrics.processing_start(with_reader) == 2000
    assert metrics.processing_start(without_reader) is None
    steady = metrics.compute(with_reader, input_sizes=[1], output_bytes=1)
    whole = metrics.compute(without_reader, input_sizes=[1], output_bytes=1)
    assert (steady.startup_s, steady.pss.max_bytes, steady.pss.avg_bytes) == (
        2.0,
        100_000 * 1024,
        100_000 * 1024,
    )
    assert (whole.startup_s, whole.pss.max_bytes, whole.pss.avg_bytes) == (
        0.0,
        100_000 * 1024,
        52_001 * 1024,
    )


def test_start_up_cpu_is_not_scaled_to_the_whole_dataset() -> None:
    series = {
        "hyperloop-runtime": {"cpuUsedAbsolute": [(1000, 2e6), (2000, 1e6), (3000, 1e6)]},
        "internal-dpl-aod-reader": {"cpuUsedAbsolute": [(2000, 0.0), (3000, 5e5)]},
    }

    result = metrics.compute(series, input_sizes=[10], output_bytes=1, dataset_bytes=1000)

    assert result.cpu_s == 4.5
    assert result.startup_cpu_s == 2.0  # the sample at 2000 covers time up to it: not start-up
    assert result.whole_dataset is not None
    assert result.whole_dataset.cpu_years == pytest.approx(2.5 * 100 / (8766 * 3600))


def _ramp_then_growth(seconds: int) -> perfmetrics.Series:
    """kB each second: 5 s from 10 000 to 100 000 (the first reads), then +1 000 kB/s."""
    ramp = [(t * 1000, 10_000.0 + 18_000 * t) for t in range(5)]
    return ramp + [(t * 1000, 100_000.0 + 1_000 * (t - 5)) for t in range(5, seconds + 1)]


def test_the_slope_leaves_out_the_first_seconds_of_processing() -> None:
    stats = metrics.memory_stats(_ramp_then_growth(60))

    # 1 000 kB/s = 1.024 MB/s; with the ramp the fit would say 85.2 MB/min
    assert stats.slope_mb_per_min == pytest.approx(61.44)


def test_a_test_too_short_to_judge_growth_has_no_slope() -> None:
    # 5 s of settling and 25 s of samples after it: just long enough
    assert metrics.slope(_ramp_then_growth(30)) == pytest.approx(61.44)
    assert metrics.slope(_ramp_then_growth(29)) is None
    assert metrics.slope([(0, 1.0)]) is None
    assert metrics.slope([]) is None
