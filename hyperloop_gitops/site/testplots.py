"""Graphs and headline numbers of wagon test results, shared by wagon and train pages."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from hyperloop_gitops.site.graphjobs import PlotJob, content_hash
from hyperloop_gitops.site.views import TestView
from hyperloop_gitops.testing.metrics import summed
from hyperloop_gitops.testing.perfmetrics import (
    CPU_ABSOLUTE,
    PRIVATE_CLEAN,
    PRIVATE_DIRTY,
    PSS,
    PerformanceMetrics,
    PerformanceMetricsError,
    parse,
)
from hyperloop_gitops.testing.units import format_bytes, format_duration, significant

if TYPE_CHECKING:
    from hyperloop_gitops.site.builder import Writer

PRIVATE = "memoryPrivate"  # testing.graphs: memoryPrivateClean + memoryPrivateDirty
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
    caption: str = ""


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


def svg(figure: Any) -> str:
    """A figure of :mod:`hyperloop_gitops.testing.graphs` as SVG text, byte-identical for the
    same figure."""
    # testing.graphs saves with the same salt; text stays text here (smaller files).
    # matplotlib is imported here, not above: a build whose graphs all come from the plot
    # cache never pays for importing it.
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "hyperloop-gitops", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, dpi=100)
    return buffer.getvalue()


#: Graphs of one test (testing.graphs): PSS and private memory over time, CPU time per device.
TEST_GRAPHS = (
    ("metric", PSS, "PSS over time per device"),
    ("metric", PRIVATE, "private memory over time per device"),
    ("top", CPU_ABSOLUTE, "total CPU time of the top devices"),
)


def _with_private(metrics: PerformanceMetrics) -> PerformanceMetrics:
    """Adds private memory (clean + dirty) per device, as ``hyperloop perf-graphs`` draws it."""
    out: PerformanceMetrics = {}
    for device, series_of in metrics.items():
        out[device] = dict(series_of)
        if PRIVATE_CLEAN in series_of or PRIVATE_DIRTY in series_of:
            out[device][PRIVATE] = summed(
                [series_of.get(PRIVATE_CLEAN, []), series_of.get(PRIVATE_DIRTY, [])]
            )
    return out


#: Test statistics graphs (testing.graphs.history_figures), in page order, and their alt text.
STATISTICS_ALT = {
    "tests-pss": "PSS max, PSS average and private memory max",
    "tests-cpu-wall-throughput": "CPU time, wall time and throughput",
    "tests-output": "Output size",
}


def test_graphs(writer: Writer, test: TestView) -> list[Graph]:
    """The test's graphs, drawn by :mod:`hyperloop_gitops.testing.graphs` (the same graphs as
    ``hyperloop perf-graphs``), drawn once however many pages show them.

    The graphs are keyed by the bytes of the test's performanceMetrics.json; the file is parsed
    only when a graph must be drawn or its summary (devices, metrics) is not in the cache.
    """
    if test.perf_file is None or not _SAFE_KEY.fullmatch(test.key):
        return []
    known = writer.test_graphs.get(test.key)
    if known is not None:  # a test shared by many trains: read its metrics once
        return list(known)
    try:
        raw = Path(test.perf_file).read_bytes()
    except OSError:
        return []
    digest = hashlib.sha256(raw).hexdigest()
    parsed: list[PerformanceMetrics] = []  # at most once, and only when needed

    def enriched() -> PerformanceMetrics:
        if not parsed:
            parsed.append(_parse(raw, test.perf_file or ""))
        return parsed[0]

    summary = writer.cache.load("performance-summary", digest)
    if not _is_summary(summary):
        metrics = enriched()
        summary = {
            "devices": sorted(metrics),
            "metrics": sorted({metric for series in metrics.values() for metric in series}),
        }
        writer.cache.store("performance-summary", digest, summary)
    devices = ", ".join(summary["devices"])
    found = []
    for kind, metric, what in TEST_GRAPHS:
        if metric not in summary["metrics"]:
            continue
        page = f"plots/tests/{test.key}-{metric}.svg"
        if not writer.exists(page):
            writer.plot(
                PlotJob(
                    kind=f"test-{kind}",
                    pages=(page,),
                    params={"metric": metric},
                    key=content_hash(metric, digest),
                    load=lambda: {"metrics": enriched()},
                )
            )
        found.append(
            Graph(
                page,
                f"{what} of the test of {test.label} on {test.dataset} (devices: {devices})",
                caption=f"{test.label} on {test.dataset}",
            )
        )
    writer.test_graphs[test.key] = tuple(found)
    return found


def _parse(raw: bytes, source: str) -> PerformanceMetrics:
    """The metrics with private memory added; none when the file is not O2's format."""
    try:
        return _with_private(parse(json.loads(raw), source=source))
    except (ValueError, PerformanceMetricsError):  # not JSON, not UTF-8, not O2's shape
        return {}


def _is_summary(value: Any) -> TypeGuard[dict[str, list[str]]]:
    return (
        isinstance(value, dict)
        and isinstance(value.get("devices"), list)
        and isinstance(value.get("metrics"), list)
        and all(isinstance(x, str) for x in value["devices"] + value["metrics"])
    )


def statistics_graphs(writer: Writer, stem: str, tests: Sequence[TestView]) -> list[Graph]:
    """Test statistics of a wagon (memory; CPU, wall time and throughput; output per test),
    drawn by :mod:`hyperloop_gitops.testing.graphs`, from two measured tests on."""
    results = [t.result for t in tests if t.result is not None and t.result.metrics is not None]
    if len(results) < 2:
        return []
    names = tuple(STATISTICS_ALT)
    pages = tuple(f"{stem}-{name}.svg" for name in names)
    writer.plot(
        PlotJob(
            kind="test-statistics",
            pages=pages,
            params={"results": results, "names": names},
            key=content_hash(results, names),
        )
    )
    return [
        Graph(
            page, f"{STATISTICS_ALT[name]} of the {len(results)} tests of this wagon, oldest first"
        )
        for name, page in zip(names, pages, strict=True)
    ]
