"""The embedded analysis runtime: AO2D generator, task registry, train executor, writers.

See docs/runtime.md. ``python -m hyperloop_gitops.runtime`` runs a train (the test runner's
entry point); ``generate_files`` writes synthetic AO2D data; ``check_configuration`` checks a
wagon's options against a task's declared configurables.
"""

from __future__ import annotations

import importlib
from typing import Any

# Names are imported on first use (PEP 562): validating a configuration needs the task
# declarations, not uproot, so `hyperloop validate` stays fast.
_EXPORTS = {
    "Binning": "configurables",
    "Configurable": "configurables",
    "InputError": "fullconfig",
    "TrainConfig": "fullconfig",
    "WagonRun": "fullconfig",
    "parse_full_config": "fullconfig",
    "GeneratorError": "generate",
    "generate_files": "generate",
    "available_tasks": "registry",
    "check_configuration": "registry",
    "check_wagon_configuration": "registry",
    "get_task": "registry",
    "is_embedded": "registry",
    "FrameView": "task",
    "Task": "task",
    "TaskFailedError": "train",
    "run_train": "train",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


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
