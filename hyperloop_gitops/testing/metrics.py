"""Numbers of a wagon test, from any performanceMetrics.json in O2's format plus file sizes.

Memory of the whole test is the sum over devices. Devices sample at their own instants (in O2
a few ms apart), so a device's value holds from one of its samples to the next, inside the span
from its first to its last sample, and the sum is taken at every instant any device sampled.
Averages are over those instants; the slope is a least-squares line through them (MB/min),
fitted only where it can mean something (see ``SLOPE_SETTLE_S`` and ``SLOPE_MIN_SPAN_S``).
CPU time is the sum of ``cpuUsedAbsolute`` (µs per interval) over all samples of all devices.

Memory statistics cover the *processing* phase: from the moment the reader starts reading (its
first ``aod-bytes-read-*`` sample above zero, else its first sample) to its last sample, with
the value held at the start counted as the first point. Start-up (loading libraries, building
the topology) only ramps memory up and tear-down only frees it; counted, they would make every
short test look like a leak. Without a reader device the whole run counts.
The whole-dataset expectation scales output, and the CPU time spent after start-up, by dataset
size / test input size: start-up is paid once per grid job, not per byte read, and with the
small inputs of a test it would otherwise dominate the estimate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from hyperloop_gitops.testing.perfmetrics import (
    CPU_ABSOLUTE,
    PRIVATE_CLEAN,
    PRIVATE_DIRTY,
    PSS,
    PerformanceMetrics,
    Series,
)
from hyperloop_gitops.testing.units import KB_IN_BYTES, MB, SECONDS_PER_YEAR

READER = "internal-dpl-aod-reader"
HEAVY_CPU_SHARE = 0.5
"""A device using at least this share of the CPU time of a test of several devices is heavy."""
SLOPE_SETTLE_S = 5.0
"""Seconds at the start of processing left out of the slope: reading the first data frames
allocates buffers and books histograms, a one-off ramp that is not growth."""
SLOPE_MIN_SPAN_S = 25.0
"""Seconds of samples the slope needs after the settling time: extrapolated to a minute from
a few seconds, any ramp reads like a leak. Shorter tests have no slope ("test too short");
Hyperloop's tests run for minutes, so a real test always has one."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MemoryStats(_Frozen):
    """Max, average and slope of one memory series (bytes, MB per minute)."""

    max_bytes: int = Field(description="Largest value.")
    avg_bytes: int = Field(description="Average over the sampling instants.")
    slope_mb_per_min: float | None = Field(
        description="Least-squares slope after the first seconds of processing; steady growth "
        "suggests a leak. None when the test was too short to judge growth."
    )


class DeviceUsage(_Frozen):
    """What one device (reader, a task, writer, or one process of a pipe) used."""

    device: str = Field(description="Device name as in performanceMetrics.json.")
    cpu_s: float = Field(description="CPU time (s).")
    cpu_share: float = Field(description="Share of the test's CPU time, 0..1.")
    pss: MemoryStats | None = Field(description="PSS of this device, when sampled.")
    private: MemoryStats | None = Field(description="Private memory, when sampled.")
    heavy: bool = Field(description=f"Uses at least {HEAVY_CPU_SHARE:.0%} of the CPU time.")


class WholeDataset(_Frozen):
    """The test scaled to the whole dataset."""

    dataset_bytes: int = Field(description="Size of the dataset.")
    scale: float = Field(description="Dataset size / test input size.")
    cpu_years: float = Field(description="Expected CPU time (CPU-years of 8766 h).")
    output_bytes: int = Field(description="Expected output size.")
    co2_kg: float = Field(description="Expected emissions (kgCO2eq).")


class TestMetrics(_Frozen):
    """Every number a wagon test reports."""

    __test__ = False  # not a pytest test class, despite its name

    input_files: int = Field(description="Number of input files read.")
    input_bytes: int = Field(description="Size of the input files.")
    output_bytes: int = Field(description="Size of the output files.")
    wall_s: float = Field(description="Wall time (s).")
    startup_s: float = Field(0.0, description="Start-up before reading began (s).")
    startup_cpu_s: float = Field(0.0, description="CPU time of all devices during start-up (s).")
    cpu_s: float = Field(description="CPU time of all devices (s).")
    pss: MemoryStats = Field(description="PSS of the whole test while processing.")
    private: MemoryStats = Field(description="Private memory of the whole test while processing.")
    throughput_bytes_per_s: float = Field(description="Input size / wall time.")
    reduction_factor: float | None = Field(description="Input / output size; None: no output.")
    log_bytes: int = Field(0, description="Bytes written to stdout and stderr (before capping).")
    ccdb_calls: int | None = Field(None, description="Conditions-database calls, when known.")
    devices: tuple[DeviceUsage, ...] = Field(description="Per device, most CPU first.")
    whole_dataset: WholeDataset | None = Field(None, description="Scaled to the whole dataset.")


def summed(series: Sequence[Series]) -> Series:
    """The step-held sum of several series (see the module docstring)."""
    live = [s for s in series if s]
    if not live:
        return []
    instants = np.unique(np.concatenate([np.array([t for t, _ in s]) for s in live]))
    total = np.zeros(len(instants))
    for s in live:
        times = np.array([t for t, _ in s])
        values = np.array([v for _, v in s])
        inside = (instants >= times[0]) & (instants <= times[-1])
        latest = np.searchsorted(times, instants[inside], side="right") - 1
        total[inside] += values[latest]
    return [(int(t), float(v)) for t, v in zip(instants, total, strict=True)]


def memory_stats(series: Series) -> MemoryStats:
    """Max, average and slope of a memory series in kB (the slope: see :func:`slope`)."""
    if not series:
        return MemoryStats(max_bytes=0, avg_bytes=0, slope_mb_per_min=None)
    values = np.array([v for _, v in series]) * KB_IN_BYTES
    return MemoryStats(
        max_bytes=round(float(values.max())),
        avg_bytes=round(float(values.mean())),
        slope_mb_per_min=slope(series),
    )


def slope(series: Series) -> float | None:
    """Least-squares slope (MB/min) of a memory series in kB, from ``SLOPE_SETTLE_S`` after its
    first sample on; None when fewer than ``SLOPE_MIN_SPAN_S`` seconds of samples remain."""
    if not series:
        return None
    settled = series[0][0] + SLOPE_SETTLE_S * 1000
    kept = [(t, v) for t, v in series if t >= settled]
    if len(kept) < 2 or kept[-1][0] - kept[0][0] < SLOPE_MIN_SPAN_S * 1000:
        return None
    minutes = (np.array([t for t, _ in kept]) - kept[0][0]) / 60_000
    megabytes = np.array([v for _, v in kept]) * KB_IN_BYTES / MB
    return float(np.polyfit(minutes, megabytes, 1)[0])


def processing_window(metrics: PerformanceMetrics) -> tuple[int, int] | None:
    """When the reader started reading and when it was last sampled (ms since the epoch)."""
    reader = metrics.get(READER)
    if not reader:
        return None
    start = processing_start(metrics)
    end = max(s[-1][0] for s in reader.values())
    return None if start is None else (start, max(start, end))


def processing_start(metrics: PerformanceMetrics) -> int | None:
    """When the reader started reading (ms since the epoch), or None without a reader."""
    reader = metrics.get(READER)
    if not reader:
        return None
    read = [
        t for name, s in reader.items() if name.startswith("aod-bytes-read") for t, v in s if v > 0
    ]
    if read:
        return min(read)
    return min(s[0][0] for s in reader.values())


def _within(series: Series, window: tuple[int, int] | None) -> Series:
    """The samples inside ``window``, led by the value held at its start; all if none."""
    if window is None:
        return series
    start, end = window
    before = [v for t, v in series if t <= start]
    head: Series = [(start, before[-1])] if before else []
    return head + [(t, v) for t, v in series if start < t <= end] or series


def _private(device: dict[str, Series]) -> Series:
    return summed([device.get(PRIVATE_CLEAN, []), device.get(PRIVATE_DIRTY, [])])


def _span_s(metrics: PerformanceMetrics) -> float:
    instants = [t for device in metrics.values() for s in device.values() for t, _ in s]
    return (max(instants) - min(instants)) / 1000 if instants else 0.0


def device_usage(
    metrics: PerformanceMetrics, window: tuple[int, int] | None = None
) -> tuple[DeviceUsage, ...]:
    """Per-device CPU, share and memory (in ``window``), most CPU first (then by name)."""
    cpu = {name: sum(v for _, v in d.get(CPU_ABSOLUTE, [])) / 1e6 for name, d in metrics.items()}
    total = sum(cpu.values())
    several = sum(1 for c in cpu.values() if c > 0) >= 2
    usages = [
        DeviceUsage(
            device=name,
            cpu_s=cpu[name],
            cpu_share=cpu[name] / total if total else 0.0,
            pss=memory_stats(_within(device[PSS], window)) if PSS in device else None,
            private=memory_stats(_within(_private(device), window))
            if PRIVATE_CLEAN in device or PRIVATE_DIRTY in device
            else None,
            heavy=several and total > 0 and cpu[name] / total >= HEAVY_CPU_SHARE,
        )
        for name, device in metrics.items()
    ]
    return tuple(sorted(usages, key=lambda u: (-u.cpu_s, u.device)))


def whole_dataset(
    *,
    dataset_bytes: int,
    input_bytes: int,
    cpu_s: float,
    output_bytes: int,
    watts_per_core: float,
    kg_co2_per_kwh: float,
) -> WholeDataset | None:
    """The test scaled by dataset size / test input size; None without input."""
    if input_bytes <= 0:
        return None
    scale = dataset_bytes / input_bytes
    cpu_years = cpu_s * scale / SECONDS_PER_YEAR
    hours_per_year = SECONDS_PER_YEAR / 3600
    return WholeDataset(
        dataset_bytes=dataset_bytes,
        scale=scale,
        cpu_years=cpu_years,
        output_bytes=round(output_bytes * scale),
        co2_kg=cpu_years * hours_per_year * watts_per_core / 1000 * kg_co2_per_kwh,
    )


def compute(
    metrics: PerformanceMetrics,
    *,
    input_sizes: Iterable[int],
    output_bytes: int,
    wall_s: float | None = None,
    log_bytes: int = 0,
    ccdb_calls: int | None = None,
    dataset_bytes: int | None = None,
    watts_per_core: float = 20.0,
    kg_co2_per_kwh: float = 0.301,
) -> TestMetrics:
    """All numbers of a test. ``wall_s`` defaults to the span of the samples."""
    sizes = list(input_sizes)
    input_bytes = sum(sizes)
    wall = _span_s(metrics) if wall_s is None else wall_s
    window = processing_window(metrics)
    devices = device_usage(metrics, window)
    cpu_s = sum(d.cpu_s for d in devices)
    first = min((t for d in metrics.values() for s in d.values() for t, _ in s), default=None)
    # A sample covers the interval before it: only samples before reading began are start-up.
    startup_cpu_s = (
        sum(v for d in metrics.values() for t, v in d.get(CPU_ABSOLUTE, []) if t < window[0]) / 1e6
        if window is not None
        else 0.0
    )
    pss = summed([d[PSS] for d in metrics.values() if PSS in d])
    private = summed([_private(d) for d in metrics.values()])
    return TestMetrics(
        input_files=len(sizes),
        input_bytes=input_bytes,
        output_bytes=output_bytes,
        wall_s=wall,
        startup_s=(window[0] - first) / 1000 if window is not None and first is not None else 0.0,
        startup_cpu_s=startup_cpu_s,
        cpu_s=cpu_s,
        pss=memory_stats(_within(pss, window)),
        private=memory_stats(_within(private, window)),
        throughput_bytes_per_s=input_bytes / wall if wall > 0 else 0.0,
        reduction_factor=input_bytes / output_bytes if output_bytes > 0 else None,
        log_bytes=log_bytes,
        ccdb_calls=ccdb_calls,
        devices=devices,
        whole_dataset=None
        if dataset_bytes is None
        else whole_dataset(
            dataset_bytes=dataset_bytes,
            input_bytes=input_bytes,
            cpu_s=cpu_s - startup_cpu_s,
            output_bytes=output_bytes,
            watts_per_core=watts_per_core,
            kg_co2_per_kwh=kg_co2_per_kwh,
        ),
    )
