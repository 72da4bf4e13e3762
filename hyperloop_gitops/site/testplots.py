"""Graphs and headline numbers of wagon test results, shared by wagon and train pages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hyperloop_gitops.site import plots
from hyperloop_gitops.site.views import TestView

if TYPE_CHECKING:
    from hyperloop_gitops.site.builder import Writer

_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")
TOP_DEVICES = 10

# Headline numbers: (label, words that must all appear in the metric's name, unit scale).
HEADLINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PSS max", ("pss", "max")),
    ("PSS avg", ("pss", "av")),
    ("private max", ("private", "max")),
    ("CPU", ("cpu",)),
    ("wall time", ("wall",)),
    ("output", ("output",)),
    ("expected CPU", ("expected", "cpu")),
)


@dataclass(frozen=True)
class Graph:
    """One plot file of the site and the text that stands for it."""

    src: str
    alt: str


def pick(numbers: Mapping[str, float], words: Sequence[str]) -> tuple[str, float] | None:
    """The first metric (sorted by name) whose name holds every word, case-insensitively.

    Metrics scaled to the whole dataset ("expected ...") match only when asked for.
    """
    for name in sorted(numbers):
        lowered = name.lower()
        if "expected" in lowered and "expected" not in words:
            continue
        if all(w in lowered for w in words):
            return name, numbers[name]
    return None


def headlines(test: TestView) -> list[tuple[str, str, str]]:
    """(label, metric name, formatted value) for the headline metrics the test has."""
    formatted = {m.name: m.value for m in test.metrics}
    rows = []
    seen: set[str] = set()
    for label, words in HEADLINES:
        found = pick(test.numbers, words)
        if found and found[0] not in seen:
            seen.add(found[0])
            rows.append((label, found[0], formatted[found[0]]))
    return rows


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


STATISTICS = (("PSS max", ("pss", "max")), ("CPU", ("cpu",)), ("wall time", ("wall",)))


def statistics_graphs(writer: Writer, stem: str, tests: Sequence[TestView]) -> list[Graph]:
    """PSS max, CPU and wall time of each of a wagon's tests over time, per dataset (test
    statistics), from two dated tests on."""
    dated = [t for t in tests if t.time is not None]
    if len(dated) < 2 or dated[0].time is None:
        return []
    first = dated[0].time
    rows = []
    for label, words in STATISTICS:
        points: dict[str, list[tuple[float, float]]] = {}
        metric = ""
        for test in dated:
            found = pick(test.numbers, words)
            if found and test.time is not None:
                metric = found[0]
                series = points.setdefault(test.dataset, [])
                series.append(((test.time - first).total_seconds() / 86400, found[1]))
        if sum(len(p) for p in points.values()) >= 2:
            rows.append((f"{label} per test", metric, points))
    if not rows:
        return []
    page = f"{stem}.svg"
    writer.write_text(page, plots.panels(rows, xlabel="days since the first test"))
    labels = ", ".join(f"{title.removesuffix(' per test')} ({metric})" for title, metric, _ in rows)
    return [Graph(page, f"Test statistics over time, per dataset: {labels}")]
