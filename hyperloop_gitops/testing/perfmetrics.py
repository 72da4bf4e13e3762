"""performanceMetrics.json in O2's format: read liberally, write strictly.

The format (HYPERLOOP.md "O2 analysis framework formats")::

    {"<device>": {"<metric>": [{"timestamp": "<ms since epoch>", "value": "<number>"}, ...]}}

with every leaf a string. Reading accepts numbers as well as strings, skips samples whose value
is not a number (O2 also records text metrics) and metrics that are not lists; anything that is
not this shape at all is a :class:`PerformanceMetricsError`. Writing always produces string
leaves, devices and metrics sorted, samples in time order, so two writes of the same series are
byte-identical.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hyperloop_gitops.errors import HyperloopError

Series = list[tuple[int, float]]
"""One metric of one device: ``(timestamp in ms since the epoch, value)``, in time order."""
DeviceMetrics = dict[str, Series]
PerformanceMetrics = dict[str, DeviceMetrics]
"""device -> metric -> series."""

PSS = "proportionalSetSize"
RSS = "residentSetSize"
VMS = "virtualMemorySize"
PRIVATE_CLEAN = "memoryPrivateClean"
PRIVATE_DIRTY = "memoryPrivateDirty"
CPU_ABSOLUTE = "cpuUsedAbsolute"
CPU_PERCENT = "cpuUsedPercentage"
VOLUNTARY_SWITCHES = "voluntaryContextSwitches"
INVOLUNTARY_SWITCHES = "involuntaryContextSwitches"


class PerformanceMetricsError(HyperloopError):
    """Raised when a performanceMetrics.json cannot be read: not JSON, or not O2's shape."""


def _number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def parse(document: object, *, source: str = "performanceMetrics.json") -> PerformanceMetrics:
    """O2's JSON document (already decoded) as series; the module docstring says what is skipped."""
    if not isinstance(document, dict):
        raise PerformanceMetricsError(
            f"{source}: expected an object of devices, found {type(document).__name__}"
        )
    result: PerformanceMetrics = {}
    for device, metrics in document.items():
        if not isinstance(metrics, dict):
            raise PerformanceMetricsError(
                f"{source}: device '{device}': expected an object of metrics, "
                f"found {type(metrics).__name__}"
            )
        series_of: DeviceMetrics = {}
        for metric, samples in metrics.items():
            if not isinstance(samples, list):
                continue
            series: Series = []
            for sample in samples:
                if not isinstance(sample, dict):
                    continue
                timestamp = _number(sample.get("timestamp"))
                value = _number(sample.get("value"))
                if timestamp is not None and value is not None:
                    series.append((int(timestamp), value))
            if series:
                series.sort(key=lambda point: point[0])
                series_of[str(metric)] = series
        if series_of:
            result[str(device)] = series_of
    return result


def load(path: Path) -> PerformanceMetrics:
    """Read a performanceMetrics.json (ours or O2's)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PerformanceMetricsError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise PerformanceMetricsError(f"{path}: not a text file") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PerformanceMetricsError(
            f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"
        ) from None
    metrics = parse(document, source=str(path))
    if not metrics:
        raise PerformanceMetricsError(f"{path}: no device has any numeric metric")
    return metrics


def format_value(value: float) -> str:
    """``1234.0 -> '1234'``, ``12.5 -> '12.5'``: integral values without a fraction."""
    if value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def to_document(metrics: Mapping[str, Mapping[str, Series]]) -> dict[str, Any]:
    """The strict O2 form: string leaves, sorted devices and metrics, samples in time order."""
    return {
        device: {
            metric: [
                {"timestamp": str(int(t)), "value": format_value(float(v))}
                for t, v in sorted(series, key=lambda point: point[0])
            ]
            for metric, series in sorted(metrics[device].items())
        }
        for device in sorted(metrics)
    }


def dump(metrics: Mapping[str, Mapping[str, Series]]) -> str:
    """The JSON text of :func:`to_document`."""
    return json.dumps(to_document(metrics), indent=1) + "\n"
