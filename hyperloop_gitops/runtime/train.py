"""Builds a train of task instances from full_config.json and runs it over AO2D files.

The train reads the union of its tasks' columns once per data frame and hands the same arrays
to every task, dependencies first. CPU time is measured per device (reader, each task
instance, writer) with ``time.thread_time`` around each call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperloop_gitops.diagnostics import format_key_path
from hyperloop_gitops.errors import HyperloopError, WorkflowError
from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.configurables import check_options, resolve_options
from hyperloop_gitops.runtime.fullconfig import TrainConfig, WagonRun
from hyperloop_gitops.runtime.output import OutputWriter
from hyperloop_gitops.runtime.reader import Ao2dReader
from hyperloop_gitops.runtime.registry import get_task
from hyperloop_gitops.runtime.task import Frame, FrameView, Task

READER = "internal-dpl-aod-reader"
WRITER = "internal-dpl-aod-writer"
SAMPLE_INTERVAL_S = 0.1
DEFAULT_MAX_DF_SIZE = 100_000_000  # Hyperloop's default "max DF size" of derived data


class TaskFailedError(WorkflowError):
    """Raised by the train when a task raises: names the task, wagon, data frame and file."""


@dataclass
class Instance:
    """One task instance of the train: a wagon or subwagon with its resolved options."""

    wagon: WagonRun
    task: Task
    providers: dict[str, str]
    derived_tables: tuple[str, ...]

    @property
    def device(self) -> str:
        return self.wagon.device


@dataclass
class DeviceClock:
    """Cumulative CPU time of one device and its samples ``[ms since epoch, CPU s]``."""

    cpu_s: float = 0.0
    samples: list[list[float]] = field(default_factory=list)

    def sample(self, now_ms: float) -> None:
        self.samples.append([round(now_ms), round(self.cpu_s, 6)])


def _ordered(wagons: Sequence[WagonRun]) -> list[WagonRun]:
    """Wagons with every dependency before its dependents (stable otherwise)."""
    ids = {w.id for w in wagons}
    for wagon in wagons:
        for dep in wagon.dependencies:
            if dep not in ids:
                raise WorkflowError(
                    f"wagon {wagon.label} depends on {dep}, which is not in the train"
                )
    done: set[str] = set()
    out: list[WagonRun] = []
    pending = list(wagons)
    while pending:
        ready = [w for w in pending if all(d in done or d == w.id for d in w.dependencies)]
        if not ready:
            raise WorkflowError(
                "dependency cycle among wagons: " + ", ".join(sorted({w.id for w in pending}))
            )
        ready_ids = {w.id for w in ready}
        # A wagon id is done only when all of its instances (base and subwagons) are placed.
        out.extend(ready)
        pending = [w for w in pending if w not in ready]
        done |= {i for i in ready_ids if all(w.id != i for w in pending)}
    return out


def _closure(wagon: WagonRun, by_id: dict[str, list[WagonRun]]) -> Iterator[WagonRun]:
    """Dependencies of ``wagon``, nearest first; base instances before subwagons."""
    seen: set[str] = set()
    queue = list(wagon.dependencies)
    while queue:
        dep = queue.pop(0)
        if dep in seen or dep == wagon.id:
            continue
        seen.add(dep)
        instances = sorted(by_id[dep], key=lambda w: (w.suffix != "", w.suffix != wagon.suffix))
        yield from instances
        queue.extend(instances[0].dependencies)


def build_instances(config: TrainConfig) -> list[Instance]:
    """Task instances in execution order, with options checked and resolved.

    Every problem of every wagon is reported in one ``WorkflowError``.
    """
    problems: list[str] = []
    devices: dict[str, str] = {}
    for wagon in config.wagons:
        if wagon.device in devices:
            problems.append(
                f"wagons {devices[wagon.device]} and {wagon.label} both run device '{wagon.device}'"
            )
        devices[wagon.device] = wagon.label
    ordered = _ordered(config.wagons)
    by_id: dict[str, list[WagonRun]] = {}
    for wagon in ordered:
        by_id.setdefault(wagon.id, []).append(wagon)
    classes: dict[str, type[Task]] = {}
    for wagon in ordered:
        try:
            classes[wagon.device] = get_task(wagon.workflow)
        except WorkflowError as error:
            problems.append(f"wagon {wagon.label}: {error}")
    instances: list[Instance] = []
    derived_owner: dict[tuple[str, str], str] = {}
    for wagon in ordered:
        cls = classes.get(wagon.device)
        if cls is None:
            continue
        options: dict[str, Any] = {}
        for device, values in wagon.configuration.items():
            if device != wagon.workflow:
                problems.append(f"wagon {wagon.label}: configuration has unknown device '{device}'")
                continue
            options = dict(values)
        found = check_options(wagon.workflow, cls.configurables, options)
        problems.extend(
            f"wagon {wagon.label}: configuration.{wagon.workflow}.{format_key_path(p)}: {m}"
            for p, m in found
        )
        providers: dict[str, str] = {}
        for product in cls.requires:
            provider = next(
                (d for d in _closure(wagon, by_id) if product in classes[d.device].produces), None
            )
            if provider is None:
                makers = sorted(
                    {w.workflow for w in ordered if product in classes[w.device].produces}
                )
                hint = (
                    f" (add a dependency on a wagon running {', '.join(makers)})" if makers else ""
                )
                problems.append(
                    f"wagon {wagon.label}: task {wagon.workflow} needs '{product}', "
                    f"which none of its dependencies produces{hint}"
                )
            else:
                providers[product] = provider.device
        derived = _derived_tables(wagon, cls, problems)
        file_name = OutputWriter.derived_file_name(wagon.suffix)
        for table in derived:
            owner = derived_owner.setdefault((file_name, table), wagon.label)
            if owner != wagon.label:
                problems.append(
                    f"wagons {owner} and {wagon.label} both write {table} to {file_name}"
                )
        if not found:
            task = cls(resolve_options(cls.configurables, options))
            instances.append(Instance(wagon, task, providers, derived))
    if problems:
        raise WorkflowError("\n".join(problems))
    return instances


def _derived_tables(wagon: WagonRun, cls: type[Task], problems: list[str]) -> tuple[str, ...]:
    if wagon.derived_data is None:
        return ()
    if not cls.derived_tables:
        problems.append(f"wagon {wagon.label}: task {wagon.workflow} writes no derived data")
        return ()
    wanted = wagon.derived_data.get("tables") or list(cls.derived_tables)
    unknown = [t for t in wanted if t not in cls.derived_tables]
    if unknown:
        problems.append(
            f"wagon {wagon.label}: derived_data.tables: {wagon.workflow} does not write "
            f"{', '.join(map(str, unknown))} (it writes {', '.join(cls.derived_tables)})"
        )
    return tuple(t for t in wanted if t in cls.derived_tables)


def run_train(
    config: TrainConfig,
    input_files: Sequence[Path],
    output_dir: Path,
    *,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """Run the train and write its outputs into ``output_dir``; return the runtime report."""
    wall_start = time.perf_counter()
    instances = build_instances(config)
    columns: dict[str, list[str]] = {}
    for instance in instances:
        for table, names in type(instance.task).reads.items():
            merged = columns.setdefault(table, [])
            merged.extend(n for n in names if n not in merged)
    reader = Ao2dReader(input_files, columns)
    writer = OutputWriter(output_dir)
    clocks = {
        READER: DeviceClock(),
        **{i.device: DeviceClock() for i in instances},
        WRITER: DeviceClock(),
    }
    for device_clock in clocks.values():
        device_clock.sample(clock() * 1e3)
    last_sample = time.perf_counter()
    frames = iter(reader)
    while True:
        start = time.thread_time()
        frame = next(frames, None)
        clocks[READER].cpu_s += time.thread_time() - start
        if frame is None:
            break
        for instance in instances:
            start = time.thread_time()
            _process(instance, frame)
            clocks[instance.device].cpu_s += time.thread_time() - start
        start = time.thread_time()
        for instance in instances:
            if instance.derived_tables:
                task = type(instance.task)
                derived = instance.wagon.derived_data or {}
                writer.add_derived(
                    suffix=instance.wagon.suffix,
                    frame=frame.name,
                    file=frame.file,
                    tables=frame.derived.get(instance.device, {}),
                    keep=instance.derived_tables,
                    types=task.derived_tables,
                    indices=task.derived_indices,
                    metadata=reader.metadata,
                    max_df_size=int(derived.get("max_df_size", DEFAULT_MAX_DF_SIZE)),
                )
        clocks[WRITER].cpu_s += time.thread_time() - start
        if time.perf_counter() - last_sample >= SAMPLE_INTERVAL_S:
            last_sample = time.perf_counter()
            for device_clock in clocks.values():
                device_clock.sample(clock() * 1e3)
    for instance in instances:
        start = time.thread_time()
        instance.task.finish()
        clocks[instance.device].cpu_s += time.thread_time() - start
    start = time.thread_time()
    outputs = writer.write_results([(i.device, i.task.histograms) for i in instances])
    clocks[WRITER].cpu_s += time.thread_time() - start
    for device_clock in clocks.values():
        device_clock.sample(clock() * 1e3)
    return {
        "package_tag": config.package_tag,
        "dataset": config.dataset,
        "events": reader.rows[layout.COLLISION],
        "collisions": reader.rows[layout.COLLISION],
        "tracks": reader.rows[layout.TRACK],
        "dataframes": reader.frames,
        "bytes_read": reader.bytes_compressed,
        "bytes_read_uncompressed": reader.bytes_uncompressed,
        "input_files": [str(p) for p in input_files],
        "columns": columns,
        "outputs": outputs,
        "devices": {
            name: {"cpu_s": round(c.cpu_s, 6), "samples": c.samples} for name, c in clocks.items()
        },
        "wall_s": round(time.perf_counter() - wall_start, 6),
    }


def _process(instance: Instance, frame: Frame) -> None:
    view = FrameView(frame, instance.task, instance.device, instance.providers)
    try:
        instance.task.process(view)
    except HyperloopError:
        raise
    except Exception as error:
        raise TaskFailedError(
            f"task {instance.wagon.workflow} (wagon {instance.wagon.label}) failed on "
            f"{frame.name} of {frame.file}: {type(error).__name__}: {error}"
        ) from error
