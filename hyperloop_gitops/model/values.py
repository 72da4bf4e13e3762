"""Values of a wagon's configuration, typed by their shape (docs/architecture.md decision 3).

O2 options hold primitives, arrays, matrices (optionally labelled), histogram binnings and
nested configurable groups. In YAML they are told apart by shape:

========================================  ==================
YAML                                      kind
========================================  ==================
``0.15``, ``true``, ``"name"``            scalar
``[1, 2, 3]``                             array
``[[1, 2], [3, 4]]``                      matrix
``{bins: 100, min: 0, max: 10}``          fixed_binning
``{edges: [0, 1, 2.5, 5]}``               variable_binning
``{values: ..., labels_rows: [...]}``     labelled
any other mapping                         group
========================================  ==================
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal

Kind = Literal[
    "scalar", "array", "matrix", "fixed_binning", "variable_binning", "labelled", "group"
]

FIXED_KEYS = frozenset({"bins", "min", "max"})
VARIABLE_KEYS = frozenset({"edges"})
LABELLED_KEYS = frozenset({"values", "labels_rows", "labels_cols"})

Problem = tuple[tuple[str | int, ...], str]


def classify(value: object) -> Kind:
    """The kind of a configuration value, by its shape."""
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            return "matrix"
        return "array"
    if isinstance(value, Mapping):
        keys = frozenset(value)
        if keys == FIXED_KEYS:
            return "fixed_binning"
        if keys == VARIABLE_KEYS:
            return "variable_binning"
        if "values" in keys and keys <= LABELLED_KEYS:
            return "labelled"
        return "group"
    return "scalar"


def describe(value: object) -> str:
    """How a found value is named in an error message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()} (quote it to make it text)"
    return type(value).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool)


def check_value(value: Any, path: tuple[str | int, ...] = ()) -> list[Problem]:
    """Problems with one configuration value's shape, each with its key path."""
    kind = classify(value)
    if kind == "scalar":
        if not _is_scalar(value):
            return [
                (
                    path,
                    f"expected a number, boolean, string, list or mapping, found {describe(value)}",
                )
            ]
        return []
    if kind == "array":
        return _check_array(value, path)
    if kind == "matrix":
        return _check_matrix(value, path)
    if kind == "fixed_binning":
        return _check_fixed(value, path)
    if kind == "variable_binning":
        return _check_edges(value["edges"], (*path, "edges"))
    if kind == "labelled":
        return _check_labelled(value, path)
    problems: list[Problem] = []
    for key, sub in value.items():
        if not isinstance(key, str) or not key:
            problems.append((path, f"expected option names as strings, found {describe(key)}"))
            continue
        problems.extend(check_value(sub, (*path, key)))
    return problems


_KIND_WORDS = {bool: "booleans", str: "text"}


def _check_array(value: list[Any], path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    for index, item in enumerate(value):
        if not _is_scalar(item):
            problems.append(
                ((*path, index), f"expected a number, boolean or string, found {describe(item)}")
            )
    if not problems and value:
        kinds = {_KIND_WORDS.get(type(v), "numbers") for v in value}
        if len(kinds) > 1:
            problems.append(
                (path, f"expected items of one type, found a mix of {', '.join(sorted(kinds))}")
            )
    return problems


def _check_matrix(value: list[list[Any]], path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    width = len(value[0])
    for index, row in enumerate(value):
        if len(row) != width:
            problems.append(
                (
                    (*path, index),
                    f"expected a row of {width} values like the first, found {len(row)}",
                )
            )
        problems.extend(_check_array(row, (*path, index)))
    return problems


def _check_fixed(value: Mapping[str, Any], path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    bins = value["bins"]
    if not isinstance(bins, int) or isinstance(bins, bool) or bins <= 0:
        problems.append(
            ((*path, "bins"), f"expected a positive whole number, found {describe(bins)}")
        )
    low, high = value["min"], value["max"]
    for key, bound in (("min", low), ("max", high)):
        if not _is_number(bound):
            problems.append(((*path, key), f"expected a number, found {describe(bound)}"))
    if not problems and high <= low:
        problems.append(((*path, "max"), f"expected max greater than min ({low}), found {high}"))
    return problems


def _check_edges(edges: object, path: tuple[str | int, ...]) -> list[Problem]:
    if not isinstance(edges, list) or len(edges) < 2:
        found = f"{len(edges)}" if isinstance(edges, list) else describe(edges)
        return [(path, f"expected a list of at least 2 bin edges, found {found}")]
    for index, edge in enumerate(edges):
        if not _is_number(edge):
            return [((*path, index), f"expected a number, found {describe(edge)}")]
    for index in range(1, len(edges)):
        if edges[index] <= edges[index - 1]:
            return [
                (
                    (*path, index),
                    f"expected edges in increasing order, found {edges[index]} after "
                    f"{edges[index - 1]}",
                )
            ]
    return []


def _check_labelled(value: Mapping[str, Any], path: tuple[str | int, ...]) -> list[Problem]:
    values = value["values"]
    if not isinstance(values, list) or not values:
        return [((*path, "values"), f"expected a non-empty list, found {describe(values)}")]
    is_matrix = classify(values) == "matrix"
    problems = (
        _check_matrix(values, (*path, "values"))
        if is_matrix
        else _check_array(values, (*path, "values"))
    )
    rows = len(values) if is_matrix else 1
    cols = len(values[0]) if is_matrix else len(values)
    for key, expected in (("labels_rows", rows), ("labels_cols", cols)):
        if key not in value:
            continue
        labels = value[key]
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            problems.append(((*path, key), f"expected a list of strings, found {describe(labels)}"))
        elif len(labels) != expected:
            problems.append(
                (
                    (*path, key),
                    f"expected {expected} labels (one per "
                    f"{'row' if key == 'labels_rows' else 'column'}), found {len(labels)}",
                )
            )
    if not is_matrix and "labels_rows" in value:
        problems.append(((*path, "labels_rows"), "an array has no rows; use labels_cols"))
    return problems


def merge_overrides(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A device's options with a subwagon's overrides applied; groups merge option by option."""
    merged = dict(base)
    for key, value in overrides.items():
        old = merged.get(key)
        if classify(value) == "group" and isinstance(old, Mapping) and classify(old) == "group":
            merged[key] = merge_overrides(old, value)
        else:
            merged[key] = value
    return merged


CONFIG_VALUE_SCHEMA: dict[str, Any] = {
    "description": "An option value: a scalar, an array, a matrix, a binning "
    "({bins, min, max} or {edges}), a labelled array/matrix ({values, labels_rows, labels_cols}) "
    "or a nested configurable group.",
    "anyOf": [
        {"type": ["string", "number", "integer", "boolean"]},
        {"type": "array", "items": {"type": ["string", "number", "integer", "boolean"]}},
        {
            "type": "array",
            "items": {
                "type": "array",
                "items": {"type": ["string", "number", "integer", "boolean"]},
            },
        },
        {
            "type": "object",
            "properties": {
                "bins": {"type": "integer", "exclusiveMinimum": 0},
                "min": {"type": "number"},
                "max": {"type": "number"},
            },
            "required": ["bins", "min", "max"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"edges": {"type": "array", "items": {"type": "number"}, "minItems": 2}},
            "required": ["edges"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "values": {"type": "array"},
                "labels_rows": {"type": "array", "items": {"type": "string"}},
                "labels_cols": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["values"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "not": {
                "anyOf": [{"required": ["bins"]}, {"required": ["edges"]}, {"required": ["values"]}]
            },
            "additionalProperties": {"$ref": "#/$defs/ConfigValue"},
        },
    ],
}
