"""Per-task CPU of the embedded runtime, merged into the monitor's series.

The embedded runtime is one process, so the monitor sees one device: its memory and its CPU.
The runtime itself measures the CPU time of each of its devices (the reader, each task, the
writer) and writes ``runtime_report.json``::

    {"devices": {"<device>": {"cpu_s": 1.2, "samples": [[ms_epoch, cumulative_cpu_s], ...]}},
     "events": ..., "bytes_read": ..., "input_files": [...], "wall_s": ...}

Merged, each runtime device gets its own ``cpuUsedAbsolute``/``cpuUsedPercentage`` series and the
process device keeps only the rest (interpreter start, imports, the framework between tasks), so
the CPU of all devices still adds up to what the process used and resources can be shown per
wagon. Memory stays with the process: tasks share one address space.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hyperloop_gitops.testing.monitor import MIN_PERCENT_INTERVAL_S
from hyperloop_gitops.testing.perfmetrics import (
    CPU_ABSOLUTE,
    CPU_PERCENT,
    PerformanceMetrics,
    Series,
)


def _read(path: Path) -> dict[str, Series] | None:
    """Device -> cumulative CPU samples (ms, s); None when the report is missing or unusable."""
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    devices = document.get("devices") if isinstance(document, dict) else None
    if not isinstance(devices, dict):
        return None
    cumulative: dict[str, Series] = {}
    for name, entry in devices.items():
        if not isinstance(entry, dict):
            continue
        samples = sorted(
            (int(s[0]), float(s[1]))
            for s in entry.get("samples") or []
            if isinstance(s, list | tuple) and len(s) == 2
        )
        total = entry.get("cpu_s")
        if isinstance(total, int | float) and (not samples or total > samples[-1][1]):
            end = samples[-1][0] if samples else 0
            samples.append((end, float(total)))
        if samples:
            cumulative[str(name)] = samples
    return cumulative


def _per_interval(cumulative: Series, *, start_ms: int) -> tuple[Series, Series]:
    """``cpuUsedAbsolute`` (µs) and ``cpuUsedPercentage`` from cumulative seconds."""
    absolute: Series = []
    percent: Series = []
    previous_t, previous_s = start_ms, 0.0
    for t, s in cumulative:
        used = max(s - previous_s, 0.0)
        elapsed = max(t - previous_t, 1) / 1000
        absolute.append((t, round(used * 1e6)))
        if elapsed >= MIN_PERCENT_INTERVAL_S:
            percent.append((t, round(100 * used / elapsed, 2)))
        previous_t, previous_s = t, max(s, previous_s)
    return absolute, percent


def _held(cumulative: Series, instants: np.ndarray) -> np.ndarray:
    times = np.array([t for t, _ in cumulative])
    values = np.array([v for _, v in cumulative])
    index = np.searchsorted(times, instants, side="right") - 1
    return np.where(index >= 0, values[np.clip(index, 0, None)], 0.0)


def merge_runtime_report(
    metrics: PerformanceMetrics, *, process_device: str, report: Path
) -> PerformanceMetrics:
    """``metrics`` with the runtime's devices added (see the module docstring).

    Without a usable report (the runtime crashed before writing it), ``metrics`` is returned
    unchanged: the process's own CPU is then all there is.
    """
    devices = _read(report)
    process = metrics.get(process_device)
    if not devices or process is None or CPU_ABSOLUTE not in process:
        return metrics
    start_ms = min(t for series in process.values() for t, _ in series)
    merged: PerformanceMetrics = {name: dict(series) for name, series in metrics.items()}
    for name, cumulative in devices.items():
        absolute, percent = _per_interval(cumulative, start_ms=start_ms)
        merged[name] = {CPU_ABSOLUTE: absolute, CPU_PERCENT: percent}
    # The process keeps what no device accounts for: its cumulative CPU minus theirs.
    process_series = process[CPU_ABSOLUTE]
    instants = np.array([t for t, _ in process_series])
    process_cumulative = np.cumsum([v / 1e6 for _, v in process_series])
    devices_cumulative = sum(
        (_held(c, instants) for c in devices.values()), start=np.zeros(len(instants))
    )
    # Capped by the final rest and made monotone: device samples are coarser than the
    # process's, and between two of them the difference overstates the rest.
    final_rest = max(float(process_cumulative[-1] - devices_cumulative[-1]), 0.0)
    rest = np.maximum.accumulate(np.clip(process_cumulative - devices_cumulative, 0.0, final_rest))
    rest_series = [(int(t), float(s)) for t, s in zip(instants, rest, strict=True)]
    absolute, percent = _per_interval(rest_series, start_ms=start_ms)
    merged[process_device] = {**process, CPU_ABSOLUTE: absolute, CPU_PERCENT: percent}
    return merged
