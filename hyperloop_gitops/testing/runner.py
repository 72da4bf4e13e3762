"""The runner: one process, or an O2 pipe of several, under limits, without a shell.

Every process of a run is in one new process group, in the work directory, with the scrubbed
environment and the kernel limits of :mod:`hyperloop_gitops.testing.limits`. The steps of a pipe
are connected by OS pipes (``a | b | c`` without ``sh``): the last step's stdout goes to
``stdout.log``, every step's stderr to ``stderr.log``, both capped. A
:class:`~hyperloop_gitops.testing.monitor.TreeMonitor` samples the trees; when the wall time or
the PSS of all trees passes its limit, every process of the run is killed (the group, and any
descendant that left it) and the outcome says why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import psutil

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.testing.limits import Limits, kernel_limits
from hyperloop_gitops.testing.logs import CappedLog
from hyperloop_gitops.testing.monitor import TreeMonitor
from hyperloop_gitops.testing.perfmetrics import PerformanceMetrics
from hyperloop_gitops.testing.units import format_bytes, significant

_POLL_S = 0.02
_STRAGGLER_WAIT_S = 5.0
_KILL_WAIT_S = 5.0
_SIGPIPE_CODE = -signal.SIGPIPE


@dataclass(frozen=True)
class Step:
    """One process of a run: its argv (no shell) and the device name its metrics carry."""

    argv: tuple[str, ...]
    device: str


@dataclass(frozen=True)
class Tick:
    """What the runner knows while it runs (for a progress line)."""

    elapsed_s: float
    pss_bytes: int


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended and what it used."""

    exit_codes: dict[str, int]
    """Per device: the exit code, negative for the signal that killed it."""
    limit_exceeded: str | None
    """Why the runner killed the run (a limit), or None."""
    start_error: str | None
    """Why a process could not be started (e.g. executable not found), or None."""
    started: datetime
    finished: datetime
    wall_s: float
    stdout_bytes: int
    stderr_bytes: int
    stdout_truncated: bool
    stderr_truncated: bool
    metrics: PerformanceMetrics

    @property
    def failure(self) -> str | None:
        """One line saying why the run failed, or None when every process exited with 0."""
        if self.start_error is not None:
            return self.start_error
        if self.limit_exceeded is not None:
            return self.limit_exceeded
        failed = [(device, code) for device, code in self.exit_codes.items() if code != 0]
        if not failed:
            return None
        # In a pipe, a step dies of SIGPIPE because another one failed: name the cause instead.
        causes = [(device, code) for device, code in failed if code != _SIGPIPE_CODE] or failed
        device, code = causes[-1]
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"{device} was killed by signal {-code} ({name})"
        return f"{device} exited with code {code}"


def _start(
    steps: Sequence[Step], *, workdir: Path, env: Mapping[str, str], limits: Limits
) -> tuple[list[subprocess.Popen[bytes]], str | None]:
    processes: list[subprocess.Popen[bytes]] = []
    preexec = kernel_limits(limits)
    upstream: IO[bytes] | int = subprocess.DEVNULL
    for step in steps:
        try:
            process = subprocess.Popen(
                step.argv,
                stdin=upstream,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=workdir,
                env=dict(env),
                preexec_fn=preexec,  # noqa: PLW1509  (two setrlimit calls, see kernel_limits)
                # One new process group (in our session: setpgid cannot cross sessions).
                process_group=processes[0].pid if processes else 0,
                close_fds=True,
            )
        except OSError as error:
            return processes, f"cannot start {step.argv[0]}: {error.strerror or error}"
        finally:
            if not isinstance(upstream, int):
                upstream.close()  # the child holds its own copy of the pipe
        processes.append(process)
        assert process.stdout is not None
        upstream = process.stdout
    return processes, None


def _kill_all(group: int, monitor: TreeMonitor | None) -> None:
    pids = monitor.pids() if monitor is not None else set()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    _wait_gone(pids, _KILL_WAIT_S)


def _wait_gone(pids: set[int], timeout_s: float) -> None:
    """Wait until killed processes are gone (or zombies waiting for their reaper).

    SIGKILL takes effect asynchronously: on a busy machine a killed grandchild can still be
    running a moment later, and a run that returns must leave nothing running behind it.
    """
    deadline = time.monotonic() + timeout_s
    left = set(pids)
    while left and time.monotonic() < deadline:
        for pid in list(left):
            try:
                if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                    left.discard(pid)
            except psutil.NoSuchProcess:
                left.discard(pid)
        if left:
            time.sleep(0.01)


def _reap(process: subprocess.Popen[bytes], *, block: bool) -> float | None:
    """Reap ``process`` if it ended; return its CPU seconds (with its reaped children's)."""
    pid, status, usage = os.wait4(process.pid, 0 if block else os.WNOHANG)
    if pid == 0:
        return None
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def run(
    steps: Sequence[Step],
    *,
    workdir: Path,
    env: Mapping[str, str],
    limits: Limits,
    interval_s: float = 1.0,
    on_tick: Callable[[Tick], None] | None = None,
) -> RunOutcome:
    """Run ``steps`` (one process or a pipe) in ``workdir``, monitored (see the module doc)."""
    if not steps:
        raise WorkflowError("nothing to run: the workflow has no steps")
    devices = [step.device for step in steps]
    if len(set(devices)) != len(devices):
        raise WorkflowError(f"device names of a pipe must differ, found {', '.join(devices)}")
    stdout_log = CappedLog(workdir / "stdout.log", max_bytes=limits.max_log_bytes)
    stderr_log = CappedLog(workdir / "stderr.log", max_bytes=limits.max_log_bytes)
    started = datetime.now(UTC)
    clock = time.monotonic()
    processes, start_error = _start(steps, workdir=workdir, env=env, limits=limits)
    names = {p.pid: step.device for p, step in zip(processes, steps, strict=False)}
    monitor = TreeMonitor(names, interval_s=interval_s, started_ms=time.time_ns() // 1_000_000)
    pumps = [stderr_log.pump(p.stderr) for p in processes if p.stderr is not None]
    if processes and processes[-1].stdout is not None and not processes[-1].stdout.closed:
        pumps.append(stdout_log.pump(processes[-1].stdout))
    limit_exceeded: str | None = None
    if start_error is not None and processes:
        _kill_all(processes[0].pid, None)
    monitor.start()
    pending = list(processes)
    try:
        while pending:
            for process in list(pending):
                cpu_s = _reap(process, block=limit_exceeded is not None or start_error is not None)
                if cpu_s is not None:
                    monitor.finish(process.pid, cpu_s=cpu_s)
                    pending.remove(process)
            if not pending:
                break
            elapsed = time.monotonic() - clock
            pss = monitor.pss_bytes()
            if elapsed > limits.wall_time_s:
                limit_exceeded = f"wall time limit {significant(limits.wall_time_s)} s exceeded"
            elif pss > limits.memory_bytes:
                limit_exceeded = (
                    f"memory limit {format_bytes(limits.memory_bytes)} exceeded: "
                    f"PSS {format_bytes(pss)}"
                )
            if limit_exceeded is not None:
                _kill_all(processes[0].pid, monitor)
                continue
            if on_tick is not None:
                on_tick(Tick(elapsed_s=elapsed, pss_bytes=pss))
            time.sleep(_POLL_S)
    finally:
        for process in pending:  # only on an exception (e.g. Ctrl-C): leave nothing behind
            _kill_all(processes[0].pid, monitor)
            _reap(process, block=True)
        monitor.stop()
        if processes:
            _kill_all(processes[0].pid, None)  # stragglers that outlived their parents
        for pump in pumps:
            pump.join(_STRAGGLER_WAIT_S)
        stdout_log.close()
        stderr_log.close()
    finished = datetime.now(UTC)
    return RunOutcome(
        exit_codes={names[p.pid]: p.returncode for p in processes},
        limit_exceeded=limit_exceeded,
        start_error=start_error,
        started=started,
        finished=finished,
        wall_s=time.monotonic() - clock,
        stdout_bytes=stdout_log.total_bytes,
        stderr_bytes=stderr_log.total_bytes,
        stdout_truncated=stdout_log.truncated,
        stderr_truncated=stderr_log.truncated,
        metrics=monitor.metrics(),
    )
