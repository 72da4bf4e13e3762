"""Configurables: the typed, documented options a task declares, and their checks.

The declaration is machine-readable: the validator checks a wagon's configuration against it
(``check_options``), the runtime resolves options with defaults (``resolve_options``), and the
docs list it. Values are the typed JSON/YAML values of the configuration format: numbers,
booleans, strings, lists, binnings ``{bins, min, max}`` / ``{edges: [...]}``.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hyperloop_gitops.diagnostics import KeyPath

Kind = Literal["int", "float", "bool", "str", "binning", "float_array", "int_array"]
Problem = tuple[KeyPath, str]


@dataclass(frozen=True)
class Configurable:
    """One option of a task.

    ``minimum`` / ``maximum`` bound numbers (inclusive); ``choices`` restricts strings.
    """

    name: str
    kind: Kind
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The declaration as plain JSON (for docs, schemas and editors)."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.kind,
            "default": self.default,
            "description": self.description,
        }
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.choices:
            out["choices"] = list(self.choices)
        return out


@dataclass(frozen=True)
class Binning:
    """Histogram bin edges resolved from ``{bins, min, max}`` or ``{edges: [...]}``."""

    edges: tuple[float, ...]
    regular: bool

    @property
    def bins(self) -> int:
        return len(self.edges) - 1

    def as_array(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.edges, dtype=np.float64)


def describe(value: object) -> str:
    """A found value as a person reads it in a message: ``'two'``, ``true``, ``a list``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if "'" not in value else f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True  # exact; math.isfinite would overflow on a huge integer
    return isinstance(value, float) and math.isfinite(value)


def _check_range(spec: Configurable, value: float | int, path: KeyPath) -> list[Problem]:
    # compared as given: a huge integer stays exact (float() would overflow)
    if spec.minimum is not None and value < spec.minimum:
        return [(path, f"expected a number >= {spec.minimum:g}, found {value!r}")]
    if spec.maximum is not None and value > spec.maximum:
        return [(path, f"expected a number <= {spec.maximum:g}, found {value!r}")]
    return []


def _check_binning(value: object, path: KeyPath) -> list[Problem]:
    expected = "expected a binning {bins, min, max} or {edges: [...]}"
    if not isinstance(value, dict):
        return [(path, f"{expected}, found {describe(value)}")]
    if set(value) == {"edges"}:
        edges = value["edges"]
        if not isinstance(edges, list) or not all(_is_number(e) for e in edges):
            return [((*path, "edges"), f"expected a list of numbers, found {describe(edges)}")]
        if len(edges) < 2:
            return [((*path, "edges"), "expected at least 2 edges")]
        if any(b <= a for a, b in itertools.pairwise(edges)):
            return [((*path, "edges"), "edges must increase strictly")]
        return []
    if set(value) == {"bins", "min", "max"}:
        problems: list[Problem] = []
        bins = value["bins"]
        if not isinstance(bins, int) or isinstance(bins, bool) or bins < 1:
            problems.append(((*path, "bins"), f"expected an integer >= 1, found {describe(bins)}"))
        for key in ("min", "max"):
            if not _is_number(value[key]):
                problems.append(((*path, key), f"expected a number, found {describe(value[key])}"))
        if not problems and value["max"] <= value["min"]:
            problems.append(
                ((*path, "max"), f"max ({value['max']}) must be above min ({value['min']})")
            )
        return problems
    unknown = sorted(set(value) - {"bins", "min", "max", "edges"})
    if unknown:
        return [((*path, unknown[0]), f"unknown binning key '{unknown[0]}'; {expected}")]
    return [(path, f"{expected}, found keys {', '.join(sorted(value))}")]


def check_value(spec: Configurable, value: object, path: KeyPath) -> list[Problem]:
    """Problems of one value against its declaration (empty when it fits)."""
    kind = spec.kind
    if kind == "float":
        if not _is_number(value):
            return [(path, f"expected a number, found {describe(value)}")]
        return _check_range(spec, value, path)  # type: ignore[arg-type]
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            return [(path, f"expected an integer, found {describe(value)}")]
        return _check_range(spec, value, path)
    if kind == "bool":
        if not isinstance(value, bool):
            return [(path, f"expected true or false, found {describe(value)}")]
        return []
    if kind == "str":
        if not isinstance(value, str):
            return [(path, f"expected a string, found {describe(value)}")]
        if spec.choices and value not in spec.choices:
            allowed = ", ".join(repr(c) for c in spec.choices)
            return [(path, f"expected one of {allowed}, found {describe(value)}")]
        return []
    if kind == "binning":
        return _check_binning(value, path)
    # Arrays: a plain list or O2's {values: [...]}.
    items = value.get("values") if isinstance(value, dict) and set(value) == {"values"} else value
    if not isinstance(items, list):
        return [(path, f"expected a list of numbers, found {describe(value)}")]
    element = Configurable(spec.name, "int" if kind == "int_array" else "float", 0, "")
    problems: list[Problem] = []
    for index, item in enumerate(items):
        problems.extend(check_value(element, item, (*path, index)))
    return problems


def check_options(
    task_name: str, declared: Sequence[Configurable], options: Mapping[str, object]
) -> list[Problem]:
    """Every problem of ``options`` against ``declared``: unknown names, wrong types, ranges."""
    by_name = {c.name: c for c in declared}
    problems: list[Problem] = []
    for key, value in options.items():
        spec = by_name.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.6)
            if close:
                hint = f"did you mean '{close[0]}'?"
            elif by_name:
                hint = f"options of {task_name}: {', '.join(sorted(by_name))}"
            else:
                hint = f"{task_name} has no options"
            problems.append(((key,), f"unknown option '{key}' ({hint})"))
            continue
        problems.extend(check_value(spec, value, (key,)))
    return problems


def resolve_value(spec: Configurable, value: object) -> object:
    """A checked value in the form tasks use: floats as float, binnings as ``Binning``."""
    if spec.kind == "float":
        return float(value)  # type: ignore[arg-type]
    if spec.kind == "int":
        return int(value)  # type: ignore[call-overload]
    if spec.kind == "binning":
        assert isinstance(value, dict)
        if "edges" in value:
            return Binning(tuple(float(e) for e in value["edges"]), regular=False)
        edges = np.linspace(float(value["min"]), float(value["max"]), int(value["bins"]) + 1)
        return Binning(tuple(float(e) for e in edges), regular=True)
    if spec.kind in ("float_array", "int_array"):
        items = value["values"] if isinstance(value, dict) else value
        assert isinstance(items, list)
        cast = int if spec.kind == "int_array" else float
        return tuple(cast(v) for v in items)
    return value


def resolve_options(
    declared: Sequence[Configurable], options: Mapping[str, object]
) -> dict[str, object]:
    """Defaults overridden by ``options`` (which must have been checked), resolved for use."""
    return {
        spec.name: resolve_value(spec, options.get(spec.name, spec.default)) for spec in declared
    }
