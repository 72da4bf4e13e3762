"""Configuration values in O2's ``configuration.json`` form, both ways (docs/o2.md).

O2 reads ``--configuration json://...`` into a boost property tree, so every leaf is a string:
``"0.15"``, ``"true"``. Arrays are ``{"values": [...]}``, matrices ``{"values": [[...], ...]}``,
labelled arrays add ``labels_rows`` / ``labels_cols`` (always a matrix of values), a histogram
axis (``ConfigurableAxis``) is an array whose first entry is the number of bins (fixed width:
``[bins, min, max]``) or 0, O2's ``VARIABLE_WIDTH`` marker, followed by the edges. Nested
configurable groups are nested objects.

Going back (:func:`from_o2`), strings become typed values. The wagon's current value of the
same option is the type hint: a number stays a number, a boolean a boolean, a string a string,
a binning a binning. Only canonical number spellings are converted ("0.15", "10", "1e-05",
as Python writes them); anything else stays the string it was.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from hyperloop_gitops.model.values import classify

VARIABLE_WIDTH = "0"
"""O2's marker (``VARIABLE_WIDTH = 0.``) in the first entry of a variable-width axis."""

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")


def o2_scalar(value: object) -> str:
    """One value as O2 writes it: booleans ``true``/``false``, numbers as Python spells them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_o2(value: Any) -> Any:
    """A wagon configuration value in configuration.json form."""
    kind = classify(value)
    if kind == "scalar":
        return o2_scalar(value)
    if kind == "array":
        return {"values": [o2_scalar(v) for v in value]}
    if kind == "matrix":
        return {"values": [[o2_scalar(v) for v in row] for row in value]}
    if kind == "fixed_binning":
        return {"values": [o2_scalar(value[k]) for k in ("bins", "min", "max")]}
    if kind == "variable_binning":
        return {"values": [VARIABLE_WIDTH, *(o2_scalar(e) for e in value["edges"])]}
    if kind == "labelled":
        values = value["values"]
        rows = values if classify(values) == "matrix" else [values]
        out: dict[str, Any] = {"values": [[o2_scalar(v) for v in row] for row in rows]}
        for key in ("labels_rows", "labels_cols"):
            if key in value:
                out[key] = [str(label) for label in value[key]]
        return out
    return {key: to_o2(sub) for key, sub in value.items()}


def options_to_o2(options: Mapping[str, Any]) -> dict[str, Any]:
    """A device's options in configuration.json form (order kept)."""
    return {key: to_o2(value) for key, value in options.items()}


def parse_number(text: str) -> int | float | None:
    """The number a canonical spelling stands for, else ``None``."""
    if _INT.fullmatch(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return None
    if math.isfinite(number) and repr(number) == text:
        return number
    return None


def _scalar(text: object, hint: object) -> Any:
    if not isinstance(text, str):
        return text
    if isinstance(hint, bool):
        lowered = text.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        return text
    if isinstance(hint, str):
        return text
    number = parse_number(text)
    if isinstance(hint, float) and isinstance(number, int):
        return float(number)
    if number is not None:
        return number
    if hint is None and text in ("true", "false"):
        return text == "true"
    return text


def _leaf_hint(hint: object) -> object:
    """The scalar hint for items of an array or matrix: its first item."""
    while isinstance(hint, list) and hint:
        hint = hint[0]
    return None if isinstance(hint, list | Mapping) else hint


def _item_hint(hint: object, index: int) -> object:
    """The hint for item ``index``: the wagon's item at the same place, else its first."""
    if isinstance(hint, list) and index < len(hint):
        item = hint[index]
        return None if isinstance(item, Mapping) else item
    return _leaf_hint(hint)


def _typed_list(values: list[Any], hint: object) -> list[Any]:
    """Items of an array or matrix, each typed by the wagon's item at the same place."""
    typed: list[Any] = []
    for index, item in enumerate(values):
        sub_hint = _item_hint(hint, index)
        if isinstance(item, list):
            row_hint = sub_hint if isinstance(sub_hint, list) else _leaf_hint(hint)
            typed.append(_typed_list(item, row_hint))
        else:
            typed.append(_scalar(item, _leaf_hint(sub_hint)))
    return typed


def _strings(value: object) -> list[Any]:
    # boost's JSON writer turns an empty list into "" (an empty leaf)
    if value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def from_o2(value: Any, hint: Any = None) -> Any:
    """A configuration.json value as a typed wagon value; ``hint`` is the wagon's current one."""
    hint_kind = classify(hint) if hint is not None else None
    if not isinstance(value, Mapping):
        if isinstance(value, list):  # tolerated: a bare JSON list
            return from_o2({"values": value}, hint)
        return _scalar(value, hint)
    keys = set(value)
    if "values" not in keys or not keys <= {"values", "labels_rows", "labels_cols"}:
        group_hint = hint if hint_kind == "group" else {}
        return {
            key: from_o2(sub, group_hint.get(key) if isinstance(group_hint, Mapping) else None)
            for key, sub in value.items()
        }
    values = _strings(value["values"])
    is_matrix = bool(values) and all(isinstance(v, list) for v in values)
    labels = {
        key: [str(x) for x in _strings(value[key])]
        for key in ("labels_rows", "labels_cols")
        if key in value and _strings(value[key])
    }
    if labels or hint_kind == "labelled":
        return _labelled(values, labels, hint if hint_kind == "labelled" else None)
    if is_matrix:
        return _typed_list(values, hint if hint_kind == "matrix" else None)
    if hint_kind in ("fixed_binning", "variable_binning") and values:
        axis = _axis(values, hint)
        if axis is not None:
            return axis
    return _typed_list(values, hint if hint_kind == "array" else None)


def _labelled(values: list[Any], labels: dict[str, list[str]], hint: Any) -> dict[str, Any]:
    hint_values = hint["values"] if isinstance(hint, Mapping) else None
    flat_hint = hint_values is not None and classify(hint_values) == "array"
    rows = [row if isinstance(row, list) else [row] for row in values]
    typed: list[Any] = _typed_list(rows, [hint_values] if flat_hint else hint_values)
    if flat_hint and len(typed) == 1 and "labels_rows" not in labels:
        typed = typed[0]
    out: dict[str, Any] = {"values": typed}
    out.update(labels)
    return out


def _axis(values: list[Any], hint: Mapping[str, Any]) -> dict[str, Any] | None:
    first = parse_number(str(values[0]))
    if first is None:
        return None
    if first == 0:
        old_edges = hint.get("edges") if isinstance(hint.get("edges"), list) else None
        return {"edges": _typed_list(values[1:], old_edges)}
    if len(values) != 3 or not isinstance(first, int):
        return None
    return {
        "bins": first,
        "min": _scalar(values[1], hint.get("min")),
        "max": _scalar(values[2], hint.get("max")),
    }
