"""Graphs and headline numbers of wagon test results, shared by wagon and train pages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hyperloop_gitops.site import plots
from hyperloop_gitops.site.views import TestView
from hyperloop_gitops.testing.units import format_bytes, format_duration, significant

if TYPE_CHECKING:
    from hyperloop_gitops.site.builder import Writer

_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")
TOP_DEVICES = 10

# Headline numbers: (label, words that must all appear in the metric's name, unit scale).
_BYTES = "bytes"
_SECONDS = "seconds"
_RATE = "rate"
_PLAIN = "plain"
_FACTOR = "factor"

#: The numbers a test's summary shows: (label, metric name in TestResult.metrics, unit).
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("PSS max", "pss.max_bytes", _BYTES),
    ("PSS avg", "pss.avg_bytes", _BYTES),
    ("private max", "private.max_bytes", _BYTES),
    ("CPU", "cpu_s", _SECONDS),
    ("wall time", "wall_s", _SECONDS),
    ("throughput", "throughput_bytes_per_s", _RATE),
    ("input", "input_bytes", _BYTES),
    ("output", "output_bytes", _BYTES),
    ("reduction", "reduction_factor", _FACTOR),
    ("whole dataset CPU-years", "whole_dataset.cpu_years", _PLAIN),
    ("whole dataset output", "whole_dataset.output_bytes", _BYTES),
    ("whole dataset kgCO2eq", "whole_dataset.co2_kg", _PLAIN),
)


def format_metric(name: str, value: float) -> str:
    """A metric as the test report writes it: sizes in decimal units, durations in s/min."""
    if name.endswith("_bytes_per_s"):
        return f"{format_bytes(value)}/s"
    if name.endswith("_bytes"):
        return format_bytes(value)
    if name.endswith("_s"):
        return format_duration(value)
    if name.endswith("reduction_factor"):
        return f"{significant(value)}×"
    if name.endswith("slope_mb_per_min"):
        return f"{value:+.2g} MB/min"
    return significant(value)


@dataclass(frozen=True)
class Graph:
    """One plot file of the site and the text that stands for it."""

    src: str
    alt: str


def headlines(test: TestView) -> list[tuple[str, str]]:
    """(label, formatted value) of the headline numbers the test has."""
    return [
        (label, format_metric(name, test.numbers[name]))
        for label, name, _ in HEADLINES
        if name in test.numbers
    ]


def all_metrics(test: TestView) -> list[tuple[str, str]]:
    """Every number of the test, by name, formatted."""
    return [(name, format_metric(name, value)) for name, value in sorted(test.numbers.items())]


def test_graphs(writer: Writer, test: TestView) -> list[Graph]:
    """PSS, CPU and private memory over time per device (top devices by average), one figure
    per test, written once however many pages show it."""
    if test.perf_metrics is None or not _SAFE_KEY.fullmatch(test.key):
        return []
    rows = []
    for metric, label, scale, unit in (
        ("proportionalSetSize", "PSS", 1 / 1024, "MB"),
        ("cpuUsedPercentage", "CPU", 1.0, "%"),
        ("privateMemory", "private memory", 1 / 1024, "MB"),
    ):
        lines = _lines(test.perf_metrics, metric, scale)
        if lines:
            rows.append((f"{label} per device", f"{label} ({unit})", lines))
    if not rows:
        return []
    page = f"plots/tests/{test.key}.svg"
    if not writer.exists(page):
        writer.write_text(page, plots.panels(rows, xlabel="time since start (s)"))
    devices = sorted({d for _, _, lines in rows for d in lines})
    shown = ", ".join(title.removesuffix(" per device") for title, _, _ in rows)
    return [
        Graph(
            page,
            f"{shown} over time of the test of {test.wagon} on {test.dataset}, "
            f"per device: {', '.join(devices)}",
        )
    ]


def _lines(
    perf: Mapping[str, Mapping[str, Sequence[tuple[int, float]]]], metric: str, scale: float
) -> dict[str, list[tuple[float, float]]]:
    series = {d: m[metric] for d, m in perf.items() if m.get(metric)}
    if metric == "privateMemory":
        series = {}
        for device, metrics in perf.items():
            clean = dict(metrics.get("memoryPrivateClean", ()))
            dirty = dict(metrics.get("memoryPrivateDirty", ()))
            stamps = sorted(set(clean) | set(dirty))
            if stamps:
                series[device] = [(t, clean.get(t, 0.0) + dirty.get(t, 0.0)) for t in stamps]
    if not series:
        return {}
    start = min(points[0][0] for points in series.values())
    ranked = sorted(series, key=lambda d: (-sum(v for _, v in series[d]) / len(series[d]), d))
    return {
        d: [((t - start) / 1000, v * scale) for t, v in series[d]]
        for d in sorted(ranked[:TOP_DEVICES])
    }


STATISTICS = (
    ("PSS max (MB)", "pss.max_bytes", 1e-6),
    ("CPU (s)", "cpu_s", 1.0),
    ("wall time (s)", "wall_s", 1.0),
)


def statistics_graphs(writer: Writer, stem: str, tests: Sequence[TestView]) -> list[Graph]:
    """PSS max, CPU and wall time of each of a wagon's tests over time, per dataset (test
    statistics), from two dated tests on."""
    dated = [t for t in tests if t.time is not None]
    if len(dated) < 2 or dated[0].time is None:
        return []
    first = dated[0].time
    rows = []
    for label, metric, scale in STATISTICS:
        points: dict[str, list[tuple[float, float]]] = {}
        for test in dated:
            if metric in test.numbers and test.time is not None:
                series = points.setdefault(test.label + " on " + test.dataset, [])
                days = (test.time - first).total_seconds() / 86400
                series.append((days, test.numbers[metric] * scale))
        if sum(len(p) for p in points.values()) >= 2:
            rows.append((f"{metric} per test", label, points))
    if not rows:
        return []
    page = f"{stem}.svg"
    writer.write_text(page, plots.panels(rows, xlabel="days since the first test"))
    labels = ", ".join(label for _, label, _ in rows)
    return [Graph(page, f"Test statistics over time, per dataset: {labels}")]
