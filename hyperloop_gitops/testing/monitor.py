"""The resource monitor: samples whole process trees and keeps O2-style series.

Each monitored root process is one *device* (for an O2 pipe: one per workflow in the pipe; for
the embedded runtime: its one process). A sample sums over the root and all its live
descendants: PSS, RSS, virtual size and private clean/dirty memory from
``/proc/<pid>/smaps_rollup`` (kB, as /proc and O2 report them), and cumulative CPU time (own
plus reaped children's). The per-interval CPU (``cpuUsedAbsolute``, µs) is the difference of
two cumulative samples; when a device exits, the runner hands over its exact CPU time from
``wait4``'s rusage, which closes the series, so the sum of ``cpuUsedAbsolute`` is the device's
whole CPU time even when the process lived shorter than one interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from hyperloop_gitops.testing.perfmetrics import (
    CPU_ABSOLUTE,
    CPU_PERCENT,
    INVOLUNTARY_SWITCHES,
    PRIVATE_CLEAN,
    PRIVATE_DIRTY,
    PSS,
    RSS,
    VMS,
    VOLUNTARY_SWITCHES,
    PerformanceMetrics,
)
from hyperloop_gitops.testing.units import KB_IN_BYTES

_ROLLUP_FIELDS = {
    "Rss:": RSS,
    "Pss:": PSS,
    "Private_Clean:": PRIVATE_CLEAN,
    "Private_Dirty:": PRIVATE_DIRTY,
}


MIN_PERCENT_INTERVAL_S = 0.05
"""A CPU percentage over a shorter interval (the first sample, right after start) is noise."""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _memory_kb(process: psutil.Process) -> dict[str, float]:
    """PSS, RSS, private clean/dirty (kB) of one process, from smaps_rollup when it exists."""
    values: dict[str, float] = {}
    try:
        with Path(f"/proc/{process.pid}/smaps_rollup").open(encoding="ascii") as rollup:
            for line in rollup:
                key, _, rest = line.partition(" ")
                metric = _ROLLUP_FIELDS.get(key)
                if metric is not None:
                    values[metric] = float(rest.split()[0])
    except (OSError, ValueError, IndexError):
        info = process.memory_full_info()
        values = {
            RSS: info.rss / KB_IN_BYTES,
            PSS: getattr(info, "pss", info.rss) / KB_IN_BYTES,
            PRIVATE_DIRTY: info.uss / KB_IN_BYTES,
            PRIVATE_CLEAN: 0.0,
        }
    values[VMS] = process.memory_info().vms / KB_IN_BYTES
    return values


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return [root]


@dataclass
class _Device:
    name: str
    process: psutil.Process
    series: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    last_cpu_s: float = 0.0
    last_ms: int = 0
    pss_kb: float = 0.0
    finished: bool = False

    def add(self, metric: str, timestamp: int, value: float) -> None:
        self.series.setdefault(metric, []).append((timestamp, value))


class TreeMonitor:
    """Samples process trees every ``interval_s`` in a thread; see the module docstring."""

    def __init__(self, devices: Mapping[int, str], *, interval_s: float, started_ms: int) -> None:
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._devices = {
            pid: _Device(name=name, process=psutil.Process(pid), last_ms=started_ms)
            for pid, name in devices.items()
        }
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hyperloop-monitor", daemon=True)

    def start(self) -> None:
        """Take a first sample now, then one every interval until :meth:`stop`."""
        self.sample()
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling (the series keep what was sampled)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def pss_bytes(self) -> int:
        """PSS of all monitored trees at the last sample."""
        with self._lock:
            return round(sum(d.pss_kb for d in self._devices.values()) * KB_IN_BYTES)

    def pids(self) -> set[int]:
        """Every process of every monitored tree that is alive now (to kill them all)."""
        found: set[int] = set()
        with self._lock:
            roots = [d.process for d in self._devices.values() if not d.finished]
        for root in roots:
            found.update(p.pid for p in _tree(root))
        return found

    def sample(self) -> None:
        """One sample of every device that is still running."""
        timestamp = _now_ms()
        with self._lock:
            for device in self._devices.values():
                if not device.finished:
                    self._sample_device(device, timestamp)

    def _sample_device(self, device: _Device, timestamp: int) -> None:
        totals: dict[str, float] = {}
        cpu_s = 0.0
        voluntary = involuntary = 0
        seen = 0
        for process in _tree(device.process):
            try:
                with process.oneshot():
                    if process.status() == psutil.STATUS_ZOMBIE:
                        continue  # ended, not yet reaped: no memory left to count
                    memory = _memory_kb(process)
                    cpu_s += _cpu_s(process)
                    switches = process.num_ctx_switches()
            except psutil.Error:
                continue  # it ended between listing and reading: its CPU is in its parent's
            seen += 1
            voluntary += switches.voluntary
            involuntary += switches.involuntary
            for metric, value in memory.items():
                totals[metric] = totals.get(metric, 0.0) + value
        if not seen:
            return
        device.pss_kb = totals.get(PSS, 0.0)
        for metric, value in sorted(totals.items()):
            device.add(metric, timestamp, value)
        device.add(VOLUNTARY_SWITCHES, timestamp, voluntary)
        device.add(INVOLUNTARY_SWITCHES, timestamp, involuntary)
        self._add_cpu(device, timestamp, cpu_s)

    def _add_cpu(self, device: _Device, timestamp: int, cumulative_s: float) -> None:
        used_s = max(cumulative_s - device.last_cpu_s, 0.0)
        elapsed_s = max(timestamp - device.last_ms, 1) / 1000
        device.add(CPU_ABSOLUTE, timestamp, round(used_s * 1e6))
        if elapsed_s >= MIN_PERCENT_INTERVAL_S:
            device.add(CPU_PERCENT, timestamp, round(100 * used_s / elapsed_s, 2))
        device.last_cpu_s = max(cumulative_s, device.last_cpu_s)
        device.last_ms = timestamp

    def finish(self, pid: int, *, cpu_s: float) -> None:
        """The root ``pid`` ended with this exact CPU time (from rusage): close its series."""
        timestamp = _now_ms()
        with self._lock:
            device = self._devices[pid]
            if device.finished:
                return
            device.finished = True
            device.pss_kb = 0.0
            self._add_cpu(device, timestamp, cpu_s)

    def metrics(self) -> PerformanceMetrics:
        """Everything sampled so far, device -> metric -> series."""
        with self._lock:
            return {
                d.name: {metric: list(series) for metric, series in d.series.items()}
                for d in self._devices.values()
            }
