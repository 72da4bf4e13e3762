"""Performance graphs of a wagon test (HYPERLOOP.md "Graphs"), for any O2-format file.

Three families, PNG and/or SVG:

- ``metric-<metric>``: one figure per metric, the metric over time for every device that has it
  (the 10 devices with the highest average are named in the legend, the others drawn in grey);
- ``top10-<metric>``: the 10 devices with the highest average, for PSS, private memory and CPU;
- ``tests-pss``, ``tests-cpu-wall-throughput``, ``tests-output``: statistics of a series of
  test results (e.g. a wagon's history), when one is given.

Figures are made without pyplot (no global state) and saved reproducibly: a fixed SVG hash salt
and no date in the metadata, so the site built from the same input is byte-identical.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from hyperloop_gitops.errors import HyperloopError
from hyperloop_gitops.testing.metrics import summed
from hyperloop_gitops.testing.perfmetrics import (
    CPU_ABSOLUTE,
    PRIVATE_CLEAN,
    PRIVATE_DIRTY,
    PSS,
    RSS,
    VMS,
    PerformanceMetrics,
    Series,
)
from hyperloop_gitops.testing.store import TestResult
from hyperloop_gitops.testing.units import GB, KB_IN_BYTES, MB

FORMATS = ("png", "svg")
TOP = 10
PRIVATE = "memoryPrivate"
"""A derived metric: memoryPrivateClean + memoryPrivateDirty."""
_KB_METRICS = {PSS, RSS, VMS, PRIVATE_CLEAN, PRIVATE_DIRTY, PRIVATE}


class GraphError(HyperloopError):
    """Raised by ``hyperloop perf-graphs`` for an unknown format or an unwritable directory."""


def _scale(metric: str) -> tuple[float, str]:
    """Factor and unit a metric is drawn in."""
    if metric in _KB_METRICS:
        return KB_IN_BYTES / MB, "MB"
    if metric == CPU_ABSOLUTE:
        return 1e-6, "CPU s per interval"
    return 1.0, metric


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "metric"


def _save(figure: Figure, out_dir: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    written = []
    with matplotlib.rc_context({"svg.hashsalt": "hyperloop-gitops", "svg.fonttype": "path"}):
        for fmt in formats:
            path = out_dir / f"{stem}.{fmt}"
            metadata = {"Date": None} if fmt == "svg" else {"Software": None}
            figure.savefig(path, format=fmt, metadata=metadata, dpi=100)
            written.append(path)
    return written


def _average(series: Series) -> float:
    return float(np.mean([v for _, v in series])) if series else 0.0


def _with_private(metrics: PerformanceMetrics) -> PerformanceMetrics:
    out: PerformanceMetrics = {}
    for device, series_of in metrics.items():
        out[device] = dict(series_of)
        if PRIVATE_CLEAN in series_of or PRIVATE_DIRTY in series_of:
            out[device][PRIVATE] = summed(
                [series_of.get(PRIVATE_CLEAN, []), series_of.get(PRIVATE_DIRTY, [])]
            )
    return out


def metric_over_time(metrics: PerformanceMetrics, metric: str) -> Figure:
    """One metric over time (s since the first sample of the file), one line per device."""
    start = min(t for d in metrics.values() for s in d.values() for t, _ in s)
    factor, unit = _scale(metric)
    having = {device: d[metric] for device, d in metrics.items() if metric in d}
    ranked = sorted(having, key=lambda device: (-_average(having[device]), device))
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    for rank, device in enumerate(ranked):
        series = having[device]
        x = [(t - start) / 1000 for t, _ in series]
        y = [v * factor for _, v in series]
        marker = "." if len(series) <= 60 else None
        if rank < TOP:
            axes.plot(x, y, label=device, linewidth=1.2, marker=marker)
        else:
            axes.plot(x, y, color="0.75", linewidth=0.8)
    axes.set_title(metric)
    axes.set_xlabel("time (s)")
    axes.set_ylabel(unit)
    axes.grid(alpha=0.3)
    legend_title = f"top {TOP} of {len(ranked)} devices" if len(ranked) > TOP else None
    axes.legend(fontsize="small", title=legend_title, title_fontsize="small", loc="best")
    figure.tight_layout()
    return figure


def top_devices(metrics: PerformanceMetrics, metric: str) -> Figure | None:
    """The devices with the highest average (total for CPU), as horizontal bars; None if none."""
    factor, unit = _scale(metric)
    aggregate: Callable[[Series], float] = (
        (lambda s: sum(v for _, v in s)) if metric == CPU_ABSOLUTE else _average
    )
    values = {device: aggregate(d[metric]) * factor for device, d in metrics.items() if metric in d}
    if not values:
        return None
    ranked = sorted(values, key=lambda device: (-values[device], device))[:TOP]
    figure = Figure(figsize=(8, 1.2 + 0.4 * len(ranked)))
    axes = figure.add_subplot()
    axes.barh(range(len(ranked)), [values[d] for d in ranked], color="tab:blue")
    axes.set_yticks(range(len(ranked)), ranked, fontsize="small")
    axes.invert_yaxis()
    what = "total CPU time (s)" if metric == CPU_ABSOLUTE else f"average {metric} ({unit})"
    axes.set_xlabel(what)
    axes.set_title(f"top {len(ranked)} devices: {what}")
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def _history_axes(results: Sequence[TestResult]) -> tuple[list[int], list[str]]:
    labels = [f"{r.started:%m-%d %H:%M}\n{r.content_hash[:7]}" for r in results]
    return list(range(len(results))), labels


def history_figures(results: Sequence[TestResult]) -> dict[str, Figure]:
    """The three test-statistics graphs of a series of results (those with metrics)."""
    measured = [r for r in results if r.metrics is not None]
    if not measured:
        return {}
    x, labels = _history_axes(measured)
    m = [r.metrics for r in measured if r.metrics is not None]
    figures: dict[str, Figure] = {}

    pss = Figure(figsize=(8, 4.5))
    axes = pss.add_subplot()
    axes.plot(x, [v.pss.max_bytes / GB for v in m], "o-", label="PSS max")
    axes.plot(x, [v.pss.avg_bytes / GB for v in m], "o-", label="PSS average")
    axes.plot(x, [v.private.max_bytes / GB for v in m], "s--", label="private max")
    axes.set_ylabel("GB")
    axes.set_title("memory per test")
    figures["tests-pss"] = pss

    cpu = Figure(figsize=(8, 7))
    panels = cpu.subplots(3, 1, sharex=True)
    for panel, values, label in (
        (panels[0], [v.cpu_s for v in m], "CPU time (s)"),
        (panels[1], [v.wall_s for v in m], "wall time (s)"),
        (panels[2], [v.throughput_bytes_per_s / MB for v in m], "throughput (MB/s)"),
    ):
        panel.plot(x, values, "o-")
        panel.set_ylabel(label)
        panel.grid(alpha=0.3)
    panels[0].set_title("CPU, wall time and throughput per test")
    figures["tests-cpu-wall-throughput"] = cpu

    output = Figure(figsize=(8, 4.5))
    axes = output.add_subplot()
    axes.bar(x, [v.output_bytes / MB for v in m], color="tab:green")
    axes.set_ylabel("output (MB)")
    axes.set_title("output size per test")
    figures["tests-output"] = output

    for figure in figures.values():
        for ax in figure.axes:
            ax.set_xticks(x, labels, fontsize="x-small")
            ax.grid(alpha=0.3)
        figure.tight_layout()
    return figures


def write_graphs(
    metrics: PerformanceMetrics,
    out_dir: Path,
    *,
    formats: Iterable[str] = FORMATS,
    history: Sequence[TestResult] = (),
) -> list[Path]:
    """Write every graph of ``metrics`` (and of ``history``) into ``out_dir``; return the files."""
    chosen = list(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise GraphError(
            f"unknown graph format {', '.join(unknown) or '(none)'} (choose from png, svg)"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GraphError(f"cannot create {out_dir}: {error.strerror}") from None
    enriched = _with_private(metrics)
    names = sorted({metric for d in enriched.values() for metric in d})
    written: list[Path] = []
    for metric in names:
        written += _save(
            metric_over_time(enriched, metric), out_dir, f"metric-{_slug(metric)}", chosen
        )
    for metric in (PSS, PRIVATE, CPU_ABSOLUTE):
        figure = top_devices(enriched, metric)
        if figure is not None:
            written += _save(figure, out_dir, f"top10-{_slug(metric)}", chosen)
    for stem, figure in history_figures(history).items():
        written += _save(figure, out_dir, stem, chosen)
    return written
