"""The runtime's inputs: ``full_config.json`` (the train) and the input file list.

``full_config.json``: ``{"package_tag": str, "dataset": str, "wagons": [{"id": "analysis/wagon",
"workflow": "<task>", "suffix": "" | "<subwagon>", "configuration": {"<device>": {...}},
"derived_data": null | {...}, "dependencies": ["analysis/wagon", ...]}]}`` with typed JSON
values (not O2's strings).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hyperloop_gitops.errors import WorkflowError

_SUFFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class InputError(WorkflowError):
    """Raised by the runtime for an unreadable full_config.json, input list or input file."""


@dataclass(frozen=True)
class WagonRun:
    """One wagon (or subwagon) of the train, as full_config.json lists it."""

    id: str
    workflow: str
    suffix: str
    configuration: Mapping[str, Mapping[str, Any]]
    derived_data: Mapping[str, Any] | None
    dependencies: tuple[str, ...]

    @property
    def device(self) -> str:
        """The device (and output directory) name: ``<task>`` or ``<task>_<suffix>``."""
        return f"{self.workflow}_{self.suffix}" if self.suffix else self.workflow

    @property
    def label(self) -> str:
        """How messages name it: ``analysis/wagon`` or ``analysis/wagon:suffix``."""
        return f"{self.id}:{self.suffix}" if self.suffix else self.id


@dataclass(frozen=True)
class TrainConfig:
    """The whole train: package tag, dataset, wagons in the order given."""

    package_tag: str
    dataset: str
    wagons: tuple[WagonRun, ...]


def _field(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise InputError(f"full_config.json: {where}: missing '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        raise InputError(f"full_config.json: {where}.{key}: unexpected value {value!r}")
    return value


def parse_full_config(data: object) -> TrainConfig:
    """Check the shape of a loaded full_config.json and return it typed."""
    if not isinstance(data, dict):
        raise InputError("full_config.json: expected an object at the top level")
    wagons: list[WagonRun] = []
    for index, raw in enumerate(_field(data, "wagons", list, "(top)")):
        where = f"wagons[{index}]"
        if not isinstance(raw, dict):
            raise InputError(f"full_config.json: {where}: expected an object")
        suffix = raw.get("suffix") or ""
        if not isinstance(suffix, str) or (suffix and not _SUFFIX.fullmatch(suffix)):
            raise InputError(f"full_config.json: {where}.suffix: invalid suffix {suffix!r}")
        configuration = raw.get("configuration") or {}
        if not isinstance(configuration, dict) or not all(
            isinstance(v, dict) for v in configuration.values()
        ):
            raise InputError(f"full_config.json: {where}.configuration: expected device -> options")
        derived = raw.get("derived_data")
        if derived is not None and not isinstance(derived, dict):
            raise InputError(f"full_config.json: {where}.derived_data: expected null or an object")
        dependencies = raw.get("dependencies") or []
        if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
            raise InputError(
                f"full_config.json: {where}.dependencies: expected a list of wagon ids"
            )
        wagons.append(
            WagonRun(
                id=_field(raw, "id", str, where),
                workflow=_field(raw, "workflow", str, where),
                suffix=suffix,
                configuration=configuration,
                derived_data=derived,
                dependencies=tuple(dependencies),
            )
        )
    if not wagons:
        raise InputError("full_config.json: the train has no wagons")
    return TrainConfig(
        package_tag=str(data.get("package_tag", "")),
        dataset=str(data.get("dataset", "")),
        wagons=tuple(wagons),
    )


def read_full_config(path: Path) -> TrainConfig:
    """Load and check ``full_config.json``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from error
    return parse_full_config(data)


def read_input_list(spec: str) -> list[Path]:
    """Input files from ``@input_data.txt`` (one path a line, ``#`` comments) or ``a,b,c``."""
    if spec.startswith("@"):
        listing = Path(spec[1:])
        try:
            lines = listing.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise InputError(f"cannot read the input list {listing}: {error.strerror}") from error
    else:
        lines = spec.split(",")
    files = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not files:
        raise InputError(f"no input files in {spec!r}")
    for name in files:
        if "://" in name:
            raise InputError(f"{name}: only local files can be read by the embedded runtime")
    return [Path(name) for name in files]
