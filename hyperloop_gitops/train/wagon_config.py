"""A wagon's configuration as O2 JSON and back (Hyperloop's JSON download and upload).

Export writes the wagon's own devices (base, or a subwagon with its overrides merged) in
configuration.json form. Import reads such a JSON into the wagon's YAML file: a round trip
(ruamel.yaml) that keeps comments, key order and the spelling of every value it does not
change, uses the wagon's current values as type hints (docs/o2.md), validates the result like
``hyperloop validate`` and only then writes. Export then import is lossless: the YAML comes
back byte for byte.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from hyperloop_gitops.config import Repository, load_repository
from hyperloop_gitops.errors import ConfigError, HyperloopError, NotFoundError
from hyperloop_gitops.model.values import classify
from hyperloop_gitops.train.o2json import from_o2, options_to_o2

INTERNAL_PREFIX = "internal-dpl-"
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 2, 0), (2, 4, 0))


class ConfigImportError(HyperloopError):
    """Raised by ``hyperloop wagon import-config`` for a JSON file that is not an O2
    configuration (not an object of devices, each an object of options)."""


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    path: Path
    changed: bool
    imported_devices: list[str]
    ignored_devices: list[str] = field(default_factory=list)
    """Devices of the JSON left out: the framework's own and those of the wagon's dependencies."""


def export_wagon_config(
    repository: Repository, wagon_id: str, subwagon: str | None = None
) -> dict[str, Any]:
    """The wagon's devices and options in O2 configuration.json form."""
    wagon = repository.wagon(wagon_id)
    if subwagon is not None and subwagon not in {s.name for s in wagon.subwagons}:
        listed = ", ".join(s.name for s in wagon.subwagons) or "none"
        raise NotFoundError(
            f"wagon {wagon_id} has no subwagon '{subwagon}' (its subwagons: {listed})"
        )
    return {
        device: options_to_o2(options)
        for device, options in wagon.resolved_configuration(subwagon).items()
    }


def export_text(repository: Repository, wagon_id: str, subwagon: str | None = None) -> str:
    """:func:`export_wagon_config` as JSON text (two-space indent, final newline)."""
    config = export_wagon_config(repository, wagon_id, subwagon)
    return json.dumps(config, indent=2, ensure_ascii=False) + "\n"


def imported_configuration(
    repository: Repository, wagon_id: str, data: object
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The typed configuration an O2 JSON gives the wagon, and the devices left out."""
    if not isinstance(data, Mapping):
        raise ConfigImportError(
            f"expected an O2 configuration: a JSON object of devices, found {type(data).__name__}"
        )
    wagon = repository.wagon(wagon_id)
    own = set(wagon.configuration)
    foreign: set[str] = set()
    for dependency in repository.dependency_closure(wagon_id)[:-1]:
        foreign.update(repository.wagons[dependency].configuration)
    config: dict[str, dict[str, Any]] = {}
    ignored: list[str] = []
    for device, options in data.items():
        if device not in own and (device.startswith(INTERNAL_PREFIX) or device in foreign):
            ignored.append(device)
            continue
        if not isinstance(options, Mapping):
            raise ConfigImportError(
                f"device '{device}': expected an object of options, found {type(options).__name__}"
            )
        hints = wagon.configuration.get(device, {})
        config[device] = {key: from_o2(value, hints.get(key)) for key, value in options.items()}
    return config, ignored


def import_wagon_config(repository: Repository, wagon_id: str, data: object) -> ImportResult:
    """Write the O2 JSON ``data`` into the wagon's YAML file, after validating the result.

    Raises ``ConfigImportError`` for a JSON that is no O2 configuration and ``ConfigError``
    (with every finding in the wagon's file) when the new YAML does not validate.
    """
    config, ignored = imported_configuration(repository, wagon_id, data)
    relative = repository.path_of("wagon", wagon_id)
    path = repository.root / relative
    original = path.read_text(encoding="utf-8")
    updated = update_yaml_configuration(original, config)
    if updated != original:
        result = load_repository(repository.root, overlay={relative: updated.encode("utf-8")})
        errors = [d for d in result.errors if d.file == relative]
        if errors:
            raise ConfigError(errors)
        _atomic_write(path, updated)
    return ImportResult(
        path=path,
        changed=updated != original,
        imported_devices=list(config),
        ignored_devices=ignored,
    )


def update_yaml_configuration(text: str, config: Mapping[str, Mapping[str, Any]]) -> str:
    """The wagon YAML ``text`` with its ``configuration`` replaced by ``config``, keeping
    comments, order and the spelling of unchanged values."""
    yaml = _yaml_like(text)
    document = yaml.load(text)
    if not isinstance(document, CommentedMap):
        raise ConfigImportError("the wagon file does not hold a mapping")
    current = document.get("configuration")
    if not isinstance(current, CommentedMap):
        current = CommentedMap()
        keys = list(document)
        position = keys.index("workflow") + 1 if "workflow" in keys else len(keys)
        if "configuration" in document:
            del document["configuration"]
            position = min(position, len(document))
        document.insert(position, "configuration", current)
    _update_mapping(current, config, depth=0)
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _yaml_like(text: str) -> YAML:
    """A round-trip YAML whose indentation reproduces ``text`` (when one of ours does)."""
    for mapping, sequence, offset in _INDENTS:
        yaml = _round_trip(mapping, sequence, offset)
        stream = io.StringIO()
        yaml.dump(yaml.load(text), stream)
        if stream.getvalue() == text:
            return yaml
    return _round_trip(*_INDENTS[0])


def _round_trip(mapping: int, sequence: int, offset: int) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _update_mapping(node: CommentedMap, new: Mapping[str, Any], depth: int) -> None:
    for key in [k for k in node if k not in new]:
        del node[key]
    for key, value in new.items():
        old = node.get(key)
        if key in node and _same(old, value):
            continue
        # devices (depth 0) and nested groups keep their node, so comments inside survive
        is_group = depth == 0 or classify(value) == "group"
        if isinstance(old, CommentedMap) and is_group and (depth == 0 or classify(old) == "group"):
            _update_mapping(old, value, depth + 1)
            continue
        node[key] = _to_node(value, block=is_group)


def _to_node(value: Any, *, block: bool) -> Any:
    """A new YAML node: groups in block style, values (arrays, binnings) in flow style."""
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for key, sub in value.items():
            mapping[key] = _to_node(sub, block=block and classify(sub) == "group")
        if not block:
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(_to_node(v, block=False) for v in value)
        sequence.fa.set_flow_style()
        return sequence
    return value


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _same(old: object, new: object) -> bool:
    """Equal values of the same types (``True`` is not ``1``, ``1`` is not ``1.0``)."""
    if _kind(old) != _kind(new):
        return False
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return set(old) == set(new) and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return old == new


def _atomic_write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
