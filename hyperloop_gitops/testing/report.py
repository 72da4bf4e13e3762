"""What ``hyperloop test`` shows: a header, a progress line and the summary (UX.md).

Pure functions from plans and results to text; the CLI prints them.
"""

from __future__ import annotations

import os
from pathlib import Path

from hyperloop_gitops.testing.metrics import DeviceUsage, TestMetrics
from hyperloop_gitops.testing.runner import Tick
from hyperloop_gitops.testing.status import Status
from hyperloop_gitops.testing.store import TestResult
from hyperloop_gitops.testing.units import (
    MB,
    TB,
    format_bytes,
    format_duration,
    significant,
)
from hyperloop_gitops.testing.wagon_test import TestPlan

_SHORT_DEVICES = {
    "internal-dpl-aod-reader": "reader",
    "internal-dpl-aod-writer": "writer",
    "hyperloop-runtime": "framework",
}
_SHOWN_DEVICES = 8
_INDENT = "   "


def _where(path: Path) -> str:
    """A path relative to the current folder when it is below it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def _short(device: str) -> str:
    return _SHORT_DEVICES.get(device, device.removeprefix("internal-dpl-"))


def train_line(labels: tuple[str, ...]) -> str:
    """``event-selection, track-selection, pt-spectrum (+ subwagons: tight)``."""
    bases = list(dict.fromkeys(label.split(":")[0].split("/")[-1] for label in labels))
    subwagons = [label.split(":", 1)[1] for label in labels if ":" in label]
    extra = f" (+ subwagons: {', '.join(subwagons)})" if subwagons else ""
    return ", ".join(bases) + extra


def header(plan: TestPlan) -> list[str]:
    """The lines shown when a test starts."""
    label = plan.wagon if plan.subwagon is None else f"{plan.wagon}:{plan.subwagon}"
    return [
        f"{Status.RUNNING.mark} {label} on {plan.dataset} (tag O2Physics::{plan.package_tag})",
        f"{_INDENT}train: {train_line(plan.train)}",
    ]


def progress(tick: Tick) -> str:
    """``   12 s  PSS 412 MB``."""
    return f"{_INDENT}{format_duration(tick.elapsed_s)}  PSS {format_bytes(tick.pss_bytes)}"


def _cpu_split(devices: tuple[DeviceUsage, ...]) -> str:
    used = [d for d in devices if d.cpu_s > 0]
    shown = [f"{_short(d.device)} {format_duration(d.cpu_s)}" for d in used[:_SHOWN_DEVICES]]
    if len(used) > _SHOWN_DEVICES:
        shown.append(f"{len(used) - _SHOWN_DEVICES} more")
    return " · ".join(shown)


def _slope(mb_per_min: float | None) -> str:
    return "n/a (test too short)" if mb_per_min is None else f"{mb_per_min:+.1f} MB/min"


def _numbers(m: TestMetrics, result: TestResult) -> list[str]:
    reduction = (
        f" (reduction {significant(m.reduction_factor)}×)" if m.reduction_factor is not None else ""
    )
    files = f"{m.input_files} file{'s' if m.input_files != 1 else ''}"
    lines = [
        f"input      {files}, {format_bytes(m.input_bytes)}".ljust(38)
        + f"output   {format_bytes(m.output_bytes)}{reduction}",
        f"PSS        max {format_bytes(m.pss.max_bytes)}  avg {format_bytes(m.pss.avg_bytes)}  "
        f"slope {_slope(m.pss.slope_mb_per_min)}",
        f"private    max {format_bytes(m.private.max_bytes)}  "
        f"avg {format_bytes(m.private.avg_bytes)}",
        f"CPU        {format_duration(m.cpu_s)}  ({_cpu_split(m.devices)})",
        f"throughput {significant(m.throughput_bytes_per_s / MB)} MB/s",
    ]
    whole = m.whole_dataset
    if whole is not None and result.status is not Status.FAILED:
        target = f" · {'fits ' if result.target and 'Grid' in result.target else ''}"
        target += result.target.value if result.target else "target unknown"
        lines.append(
            f"whole dataset ({significant(whole.dataset_bytes / TB)} TB):  "
            f"CPU {significant(whole.cpu_years, 2)} years · output "
            f"{format_bytes(whole.output_bytes)} · {significant(whole.co2_kg, 2)} kgCO2eq" + target
        )
    return lines


def summary(result: TestResult, *, reused: bool) -> list[str]:
    """The lines shown when a test ended (or was found stored)."""
    m = result.metrics
    took = format_duration(m.wall_s) if m is not None else "0 s"
    if result.status is Status.FAILED:
        title = f"{result.status.mark} {result.label}  failed after {took}"
    elif result.warnings:
        count = len(result.warnings)
        title = f"{result.status.mark} {result.label}  done in {took}, {count} warning" + (
            "s" if count != 1 else ""
        )
    else:
        title = f"{result.status.mark} {result.label}  done in {took}"
    lines = [title]
    if reused:
        lines.append(
            f"{_INDENT}(stored result of an identical test, {result.started:%Y-%m-%d %H:%M} UTC; "
            "--force runs it again)"
        )
    lines += [f"{_INDENT}{Status.WARNING.mark} {warning}" for warning in result.warnings]
    if result.reason:
        lines += [f"{_INDENT}{line}" for line in result.reason.splitlines()]
    if m is not None:
        lines += [f"{_INDENT}{line}" for line in _numbers(m, result)]
    work = Path(result.work_dir)
    shown = work / "AnalysisResults.root"
    if result.status is Status.FAILED or not shown.exists():
        shown = work / "stderr.log"
    lines.append(f"{_INDENT}results    {_where(shown)}")
    return lines
