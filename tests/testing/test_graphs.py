from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from hyperloop_gitops.cli import main
from hyperloop_gitops.testing import graphs, perfmetrics
from hyperloop_gitops.testing.metrics import MemoryStats, TestMetrics
from hyperloop_gitops.testing.status import Status
from hyperloop_gitops.testing.store import TestResult

RESOURCES = Path(__file__).parent / "resources"
O2_FILE = RESOURCES / "o2_performanceMetrics.json"


def _cli(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _many_devices(count: int) -> perfmetrics.PerformanceMetrics:
    return {
        f"task-{i:02d}": {
            "proportionalSetSize": [(1000, 1000.0 * i), (2000, 1000.0 * i + 10)],
            "cpuUsedAbsolute": [(1000, 0.0), (2000, 1e6 * i)],
        }
        for i in range(count)
    }


def _result(hour: int, pss_gb: float) -> TestResult:
    memory = MemoryStats(
        max_bytes=int(pss_gb * 1e9), avg_bytes=int(pss_gb * 0.9e9), slope_mb_per_min=0
    )
    return TestResult(
        wagon="pwglf-spectra/pt-spectrum",
        dataset="LHC22o_pass6",
        package_tag="daily-20261120-0000-1",
        content_hash=f"{hour:02d}" + "a" * 62,
        status=Status.DONE,
        metrics=TestMetrics(
            input_files=2,
            input_bytes=10**9,
            output_bytes=10**7 * hour,
            wall_s=60,
            cpu_s=50,
            pss=memory,
            private=memory,
            throughput_bytes_per_s=1.6e7,
            reduction_factor=100,
            devices=(),
        ),
        started=datetime(2026, 11, 28, hour, tzinfo=UTC),
        work_dir="/tmp/x",
    )


def test_every_metric_of_an_o2_file_gets_a_graph_and_main_metrics_a_top_10(tmp_path: Path) -> None:
    written = graphs.write_graphs(perfmetrics.load(O2_FILE), tmp_path, formats=["svg"])

    assert sorted(p.name for p in written) == sorted(p.name for p in tmp_path.iterdir())
    assert sorted(p.name for p in written) == [
        "metric-aod-bytes-read-compressed.svg",
        "metric-cpuUsedAbsolute.svg",
        "metric-cpuUsedPercentage.svg",
        "metric-memoryPrivate.svg",
        "metric-memoryPrivateClean.svg",
        "metric-memoryPrivateDirty.svg",
        "metric-proportionalSetSize.svg",
        "metric-residentSetSize.svg",
        "metric-total-timeframes-in.svg",
        "top10-cpuUsedAbsolute.svg",
        "top10-memoryPrivate.svg",
        "top10-proportionalSetSize.svg",
    ]


def test_top_10_keeps_the_ten_largest_in_order() -> None:
    figure = graphs.top_devices(_many_devices(15), "proportionalSetSize")

    assert figure is not None
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == [
        f"task-{i:02d}" for i in range(14, 4, -1)
    ]
    assert [round(p.get_width(), 4) for p in axes.patches][:2] == [
        round(14_005 * 1024 / 1e6, 4),
        round(13_005 * 1024 / 1e6, 4),
    ]


def test_a_metric_over_time_names_only_the_top_10_in_its_legend() -> None:
    figure = graphs.metric_over_time(_many_devices(12), "cpuUsedAbsolute")

    legend = figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [f"task-{i:02d}" for i in range(11, 1, -1)]
    assert legend.get_title().get_text() == "top 10 of 12 devices"
    assert len(figure.axes[0].lines) == 12


def test_svg_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    metrics = _many_devices(3)
    first = graphs.write_graphs(metrics, tmp_path / "a", formats=["svg"])
    second = graphs.write_graphs(metrics, tmp_path / "b", formats=["svg"])

    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert b"<dc:date>" not in first[0].read_bytes()


def test_the_cli_draws_png_and_svg_and_history_graphs(tmp_path: Path) -> None:
    history = tmp_path / "results.json"
    history.write_text(
        json.dumps(
            [_result(9, 1.2).model_dump(mode="json"), _result(8, 1.1).model_dump(mode="json")]
        )
    )
    metrics = tmp_path / "pm.json"
    metrics.write_text(perfmetrics.dump(_many_devices(2)))

    outcome = _cli(
        "perf-graphs", str(metrics), "-o", str(tmp_path / "out"), "--history", str(history)
    )

    assert outcome.exit_code == 0, outcome.output
    # per metric (2), top 10 of PSS and CPU (2), three of the history: 7 graphs, in 2 formats
    assert outcome.stdout == f"14 files (7 graphs) of 2 devices written to {tmp_path / 'out'}\n"
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert [n for n in names if n.startswith("tests-")] == [
        "tests-cpu-wall-throughput.png",
        "tests-cpu-wall-throughput.svg",
        "tests-output.png",
        "tests-output.svg",
        "tests-pss.png",
        "tests-pss.svg",
    ]
    assert (tmp_path / "out" / "tests-pss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bad_file_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    bad = RESOURCES / "bad_metrics" / "device_not_object.json"

    outcome = _cli("perf-graphs", str(bad), "-o", str(tmp_path))

    assert outcome.exit_code == 1
    assert (
        outcome.stderr == f"error: {bad}: device 'a': expected an object of metrics, found list\n"
    )


def test_a_bad_history_or_format_is_a_clear_error(tmp_path: Path) -> None:
    history = tmp_path / "results.json"
    history.write_text('[{"wagon": "x"}]')

    outcome = _cli("perf-graphs", str(O2_FILE), "-o", str(tmp_path), "--history", str(history))
    assert outcome.exit_code == 1
    assert (
        outcome.stderr
        == f"error: {history}: not a list of test results (0.dataset: Field required)\n"
    )

    outcome = _cli("perf-graphs", str(O2_FILE), "-o", str(tmp_path), "--format", "png,gif")
    assert outcome.exit_code == 1
    assert outcome.stderr == "error: unknown graph format gif (choose from png, svg)\n"


def test_without_an_output_folder_graphs_go_next_to_the_metrics_file(tmp_path: Path) -> None:
    metrics = tmp_path / "test-1" / "performanceMetrics.json"
    metrics.parent.mkdir()
    metrics.write_text(perfmetrics.dump(_many_devices(2)))

    outcome = _cli("perf-graphs", str(metrics), "--format", "svg")

    assert outcome.exit_code == 0, outcome.output
    out = tmp_path / "test-1" / "graphs"
    assert outcome.stdout == f"4 files (4 graphs) of 2 devices written to {out}\n"
    assert sorted(p.name for p in out.iterdir()) == [
        "metric-cpuUsedAbsolute.svg",
        "metric-proportionalSetSize.svg",
        "top10-cpuUsedAbsolute.svg",
        "top10-proportionalSetSize.svg",
    ]
