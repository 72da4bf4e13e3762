"""The embedded analysis runtime: AO2D generator, task registry, train executor, writers.

See docs/runtime.md. ``python -m hyperloop_gitops.runtime`` runs a train (the test runner's
entry point); ``generate_files`` writes synthetic AO2D data; ``check_configuration`` checks a
wagon's options against a task's declared configurables.
"""

from __future__ import annotations

from hyperloop_gitops.runtime.configurables import Binning, Configurable
from hyperloop_gitops.runtime.fullconfig import InputError, TrainConfig, WagonRun, parse_full_config
from hyperloop_gitops.runtime.generate import GeneratorError, generate_files
from hyperloop_gitops.runtime.registry import (
    available_tasks,
    check_configuration,
    check_wagon_configuration,
    get_task,
    is_embedded,
)
from hyperloop_gitops.runtime.task import FrameView, Task
from hyperloop_gitops.runtime.train import TaskFailedError, run_train

__all__ = [
    "Binning",
    "Configurable",
    "FrameView",
    "GeneratorError",
    "InputError",
    "Task",
    "TaskFailedError",
    "TrainConfig",
    "WagonRun",
    "available_tasks",
    "check_configuration",
    "check_wagon_configuration",
    "generate_files",
    "get_task",
    "is_embedded",
    "parse_full_config",
    "run_train",
]
