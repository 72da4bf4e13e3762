"""A task that misbehaves on purpose, so the test runner's warnings and failures run real code."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.configurables import Configurable
from hyperloop_gitops.runtime.task import Array, FrameView, Task


class FaultInjectionError(RuntimeError):
    """The failure ``crashMode: exception`` raises (a bug in a task, as the runtime sees it)."""


class FaultInjection(Task):
    """Leaks memory, burns CPU, sleeps or crashes, as configured; reads one small column."""

    name = "fault-injection"
    description = "Test task: leaks memory, burns CPU, sleeps or crashes on demand"
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {layout.COLLISION: ("fPosZ",)}
    configurables = (
        Configurable(
            "leakMbPerChunk", "float", 0.0, "memory kept (and touched) per data frame (MB)", 0.0
        ),
        Configurable("burnCpuMsPerChunk", "float", 0.0, "CPU time burnt per data frame (ms)", 0.0),
        Configurable("sleepMsPerChunk", "float", 0.0, "wall time slept per data frame (ms)", 0.0),
        Configurable(
            "crashAtChunk", "int", -1, "crash on this data frame (1-based; -1: never)", -1
        ),
        Configurable(
            "crashMode",
            "str",
            "exception",
            "how to crash: a Python exception, abort() (a signal), or exit code 3",
            choices=("exception", "abort", "exit"),
        ),
    )

    def setup(self) -> None:
        self._chunks = 0
        self._leaked: list[Array] = []

    def process(self, frame: FrameView) -> None:
        self._chunks += 1
        frame.rows(layout.COLLISION)
        if self._chunks == self.opt_int("crashAtChunk"):
            mode = self.opt_str("crashMode")
            if mode == "abort":
                os.abort()
            if mode == "exit":
                os._exit(3)
            raise FaultInjectionError(
                f"crash requested at data frame {self._chunks} ({frame.name})"
            )
        leak = int(self.opt_float("leakMbPerChunk") * 1e6) // 8
        if leak:
            self._leaked.append(np.ones(leak))  # ones, not empty: the pages must be touched
        burn_until = time.thread_time() + self.opt_float("burnCpuMsPerChunk") / 1e3
        while time.thread_time() < burn_until:
            pass
        if self.opt_float("sleepMsPerChunk") > 0:
            time.sleep(self.opt_float("sleepMsPerChunk") / 1e3)
