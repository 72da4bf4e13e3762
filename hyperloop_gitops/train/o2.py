"""The O2 command builder: configuration.json, input_data.txt and the workflow pipe.

An O2 train runs as ``o2-analysis-a ARGS | o2-analysis-b ARGS | ...``: each workflow passes
its topology on and the last one runs everything. Every workflow gets the same options. A
subwagon runs its workflow once more with ``--workflow-suffix _<subwagon>``: O2 appends the
suffix verbatim to every device name, so its devices (and its configuration.json keys and
result directories) are ``<device>_<subwagon>``, as the embedded runtime names them.

The pipe is returned as argv lists, never a shell line: the runner connects the processes
with OS pipes. See docs/o2.md for the formats and where they come from.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.train.o2json import o2_scalar, options_to_o2
from hyperloop_gitops.train.spec import TrainSpec, WagonInstance

READER_DEVICE = "internal-dpl-aod-reader"
CONFIGURATION_FILE = "configuration.json"
INPUT_LIST_FILE = "input_data.txt"
FULL_CONFIG_FILE = "full_config.json"


@dataclass(frozen=True)
class O2Options:
    """The options every workflow of the pipe gets."""

    resources_monitoring_s: int = 2
    """``--resources-monitoring``: sampling period of performanceMetrics.json (seconds)."""
    aod_memory_rate_limit: int = 1_000_000_000
    """``--aod-memory-rate-limit``: bytes of AOD in flight."""
    shm_segment_size: int = 7_500_000_000
    """``--shm-segment-size``: shared-memory segment (bytes)."""
    time_limit_s: int | None = None
    """The reader's ``time-limit`` (seconds): a test stops reading after it."""


@dataclass(frozen=True)
class O2Run:
    """What a work directory holds to run an O2 train, and the pipe to run there."""

    work_dir: Path
    pipe: list[list[str]]
    """One argv per workflow, in pipe order; executables resolved to absolute paths."""

    @property
    def configuration(self) -> Path:
        return self.work_dir / CONFIGURATION_FILE

    @property
    def input_list(self) -> Path:
        return self.work_dir / INPUT_LIST_FILE

    @property
    def full_config(self) -> Path:
        return self.work_dir / FULL_CONFIG_FILE


def device_name(device: str, instance: WagonInstance) -> str:
    """A device's name in the run: ``<device>`` or ``<device>_<subwagon>``."""
    return f"{device}_{instance.suffix}" if instance.suffix else device


def configuration_json(spec: TrainSpec, options: O2Options | None = None) -> dict[str, Any]:
    """``configuration.json`` of the train: every device's options as strings, and the reader."""
    options = options or O2Options()
    _check_o2(spec)
    config: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for instance in spec.instances:
        for device, device_options in instance.configuration.items():
            name = device_name(device, instance)
            if name in config:
                raise WorkflowError(
                    f"device '{name}' is configured by both {owner[name]} and {instance.label}; "
                    "one train runs each device once (give one of them a subwagon suffix)"
                )
            owner[name] = instance.label
            config[name] = options_to_o2(device_options)
    reader: dict[str, str] = {"aod-file-private": f"@{INPUT_LIST_FILE}"}
    if options.time_limit_s is not None:
        reader["time-limit"] = o2_scalar(options.time_limit_s)
    config[READER_DEVICE] = reader
    return config


def input_data_txt(spec: TrainSpec) -> str:
    """``input_data.txt``: one input file per line."""
    return "".join(f"{location}\n" for location in spec.test_input.locations)


def o2_pipe(spec: TrainSpec, options: O2Options | None = None) -> list[list[str]]:
    """The workflow pipe as argv lists, one per wagon instance, dependencies first."""
    options = options or O2Options()
    _check_o2(spec)
    common = [
        "-b",
        "--configuration",
        f"json://{CONFIGURATION_FILE}",
        "--aod-file",
        f"@{INPUT_LIST_FILE}",
        "--resources-monitoring",
        str(options.resources_monitoring_s),
        "--aod-memory-rate-limit",
        str(options.aod_memory_rate_limit),
        "--shm-segment-size",
        str(options.shm_segment_size),
    ]
    pipe: list[list[str]] = []
    for instance in spec.instances:
        argv = [instance.workflow, *common]
        if instance.suffix:
            argv += ["--workflow-suffix", f"_{instance.suffix}"]
        pipe.append(argv)
    return pipe


def resolve_executables(pipe: list[list[str]], path: str | None = None) -> list[list[str]]:
    """The pipe with each executable's absolute path, or ``WorkflowError`` when O2Physics is
    not on ``path`` (default: this process's ``PATH``)."""
    search = path if path is not None else os.environ.get("PATH", "")
    resolved: list[list[str]] = []
    missing: list[str] = []
    for argv in pipe:
        found = shutil.which(argv[0], path=search)
        if found is None:
            if argv[0] not in missing:
                missing.append(argv[0])
            continue
        resolved.append([found, *argv[1:]])
    if missing:
        raise WorkflowError(
            f"O2Physics is not available: {', '.join(missing)} not found on PATH; load the "
            "O2Physics environment (alienv enter O2Physics/...) or use an embedded task"
        )
    return resolved


def prepare_o2_run(
    spec: TrainSpec,
    work_dir: Path,
    options: O2Options | None = None,
    *,
    path: str | None = None,
) -> O2Run:
    """Write configuration.json, input_data.txt and full_config.json into ``work_dir`` and
    return the pipe to run there. The files are written even when O2Physics is missing, so
    the work directory shows what would have run; then ``WorkflowError`` says what is missing.
    """
    options = options or O2Options()
    config = configuration_json(spec, options)
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / CONFIGURATION_FILE).write_text(
        json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (work_dir / INPUT_LIST_FILE).write_text(input_data_txt(spec), encoding="utf-8")
    (work_dir / FULL_CONFIG_FILE).write_text(
        json.dumps(spec.full_config(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    pipe = resolve_executables(o2_pipe(spec, options), path)
    return O2Run(work_dir=work_dir, pipe=pipe)


def _check_o2(spec: TrainSpec) -> None:
    embedded = [i.label for i in spec.instances if not i.workflow.startswith("o2-")]
    if embedded:
        raise WorkflowError(
            "an O2 pipe runs only O2 workflows (o2-...); these wagons are embedded tasks: "
            + ", ".join(dict.fromkeys(embedded))
        )
