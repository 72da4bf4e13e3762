"""The repository check for wagons that run embedded tasks: workflow, options, derived tables.

``check_embedded_wagons`` has the signature of ``config.checks.EXTRA_CHECKS`` entries; every
problem is reported at its key path in the wagon file (``configuration.pt-spectrum.ptMin``,
``subwagons[0].configuration...``, ``derived_data.tables[0]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hyperloop_gitops.model.values import check_value
from hyperloop_gitops.runtime.configurables import Problem
from hyperloop_gitops.runtime.registry import (
    check_wagon_configuration,
    get_task,
    is_embedded,
    unknown_task_message,
)

if TYPE_CHECKING:
    from hyperloop_gitops.config.checks import Report
    from hyperloop_gitops.config.repository import Repository


def _problems(workflow: str, configuration: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """The task's problems, minus options whose shape the model's own check already reports."""
    out = []
    for path, message in check_wagon_configuration(workflow, configuration):
        if len(path) >= 2:
            options = configuration[str(path[0])]
            if str(path[1]) in options and check_value(options[str(path[1])]):
                continue
        out.append((path, message))
    return out


def check_embedded_wagons(repo: Repository, report: Report) -> None:
    """Report unknown tasks, bad options and undeclared derived tables of embedded wagons."""
    for wagon_id, wagon in sorted(repo.wagons.items()):
        if wagon.is_o2:
            continue
        file = repo.path_of("wagon", wagon_id)
        if not is_embedded(wagon.workflow):
            report(file, ("workflow",), unknown_task_message(wagon.workflow), code="unknown-task")
            continue
        for path, message in _problems(wagon.workflow, wagon.configuration):
            report(
                file,
                ("configuration", *path),
                message,
                code="configurable",
                at_key=message.startswith("unknown "),  # point at the misspelt name
            )
        for index, subwagon in enumerate(wagon.subwagons):
            for path, message in _problems(wagon.workflow, subwagon.configuration):
                report(
                    file,
                    ("subwagons", index, "configuration", *path),
                    message,
                    code="configurable",
                    at_key=message.startswith("unknown "),
                )
        if wagon.derived_data is None:
            continue
        written = list(get_task(wagon.workflow).derived_tables)
        if not written:
            report(
                file,
                ("derived_data",),
                f"task {wagon.workflow} writes no derived data",
                code="derived-table",
            )
            continue
        for index, table in enumerate(wagon.derived_data.tables):
            if table not in written:
                report(
                    file,
                    ("derived_data", "tables", index),
                    f"task {wagon.workflow} does not write {table} "
                    f"(it writes {', '.join(written)})",
                    code="derived-table",
                )
