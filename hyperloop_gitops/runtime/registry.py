"""Tasks by name: the entry-point group ``hyperloop_gitops.tasks`` plus the built-ins.

Third-party packages register tasks with an entry point
``[project.entry-points."hyperloop_gitops.tasks"] my-task = "my_pkg.tasks:MyTask"``. The
built-ins are also listed here, so a source checkout works without the distribution installed.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.runtime.configurables import Problem, check_options
from hyperloop_gitops.runtime.task import Task

GROUP = "hyperloop_gitops.tasks"

#: The built-in tasks, by workflow name (also declared as entry points in pyproject.toml).
BUILTIN_TASKS: Mapping[str, str] = {
    "event-selection": "hyperloop_gitops.runtime.tasks.selection:EventSelection",
    "track-selection": "hyperloop_gitops.runtime.tasks.selection:TrackSelection",
    "pt-spectrum": "hyperloop_gitops.runtime.tasks.qa:PtSpectrum",
    "eta-phi-qa": "hyperloop_gitops.runtime.tasks.qa:EtaPhiQa",
    "multiplicity": "hyperloop_gitops.runtime.tasks.qa:Multiplicity",
    "pair-invariant-mass": "hyperloop_gitops.runtime.tasks.pairs:PairInvariantMass",
    "derived-tracks": "hyperloop_gitops.runtime.tasks.derived:DerivedTracks",
    "fault-injection": "hyperloop_gitops.runtime.tasks.faults:FaultInjection",
}


@cache
def available_tasks() -> dict[str, str]:
    """Every registered task: name -> ``module:attribute``, sorted by name."""
    found = dict(BUILTIN_TASKS)
    for entry in entry_points(group=GROUP):
        found[entry.name] = entry.value
    return dict(sorted(found.items()))


def is_embedded(workflow: str) -> bool:
    """Whether ``workflow`` names an embedded-runtime task (not an O2 executable)."""
    return workflow in available_tasks()


def get_task(name: str) -> type[Task]:
    """The task class registered as ``name``; a ``WorkflowError`` naming the closest one if none."""
    target = available_tasks().get(name)
    if target is None:
        raise WorkflowError(unknown_task_message(name))
    module_name, _, attribute = target.partition(":")
    try:
        task = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise WorkflowError(
            f"task '{name}' is registered as {target}, which cannot be loaded: {error}"
        ) from error
    if not (isinstance(task, type) and issubclass(task, Task)):
        raise WorkflowError(f"task '{name}' ({target}) is not a subclass of runtime.task.Task")
    return task


def unknown_task_message(name: str) -> str:
    """``unknown task 'pt-spectrm' (did you mean 'pt-spectrum'?)``, or the list of tasks."""
    names = list(available_tasks())
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"available: {', '.join(names)}"
    return f"unknown task '{name}' ({hint})"


def check_configuration(task_name: str, options: Mapping[str, object]) -> list[Problem]:
    """Problems of one device's options against the task's configurables.

    Returns ``(key_path, message)`` pairs, the key path relative to the options mapping:
    ``(("ptMn",), "unknown option 'ptMn' (did you mean 'ptMin'?)")``,
    ``(("ptMin",), "expected a number, found 'two'")``. An unknown task is one problem at ``()``.
    """
    try:
        task = get_task(task_name)
    except WorkflowError as error:
        return [((), str(error))]
    return check_options(task_name, task.configurables, options)


def check_wagon_configuration(
    workflow: str, configuration: Mapping[str, Mapping[str, object]]
) -> list[Problem]:
    """Problems of a wagon's whole ``configuration`` (device -> options) for an embedded task.

    The only device of an embedded workflow is the task itself; key paths start with the
    device name (``("pt-spectrum", "ptMin")``).
    """
    problems: list[Problem] = []
    for device, options in configuration.items():
        if device != workflow:
            problems.append(
                (
                    (device,),
                    f"unknown device '{device}' (workflow {workflow} has device '{workflow}')",
                )
            )
            continue
        if not isinstance(options, Mapping):
            problems.append(((device,), "expected a mapping of option -> value"))
            continue
        problems.extend(
            ((device, *path), message) for path, message in check_configuration(workflow, options)
        )
    return problems
