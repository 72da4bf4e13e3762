"""pydantic's validation errors, said the way a person editing YAML needs to read them.

Each error becomes ``(key path, message, at_key)``: the path into the YAML document, a
sentence that says what was expected and what was found, and whether the position is the
key itself (an unknown key) rather than its value.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from hyperloop_gitops.config.yamlload import suggest
from hyperloop_gitops.model.values import describe
from hyperloop_gitops.model.wagon import DEVICE_PATTERN, OPTION_PATTERN

Finding = tuple[tuple[str | int, ...], str, bool]

_PATTERN_WORDS = {
    "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$": "a name of letters, digits, '-' and '_'",
    "^LHC\\d{2}[a-z0-9_]+$": "a period such as 'LHC22o'",
    "^[A-Z][A-Z0-9]*-\\d+$": "a JIRA key such as 'PWGLF-1234'",
    "^([01]\\d|2[0-3]):[0-5]\\d$": "a time 'HH:MM'",
    "^[a-z0-9][a-z0-9-]{0,127}$": "a workflow name of lower-case letters, digits and '-'",
    OPTION_PATTERN: "an option name (a letter or '_', then letters, digits, '_', '.', ':' or '-')",
    DEVICE_PATTERN: "a device name (letters, digits, '_', '.', ':' or '-')",
}

_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "datetime_type": "a date and time such as 2026-11-20T00:00:00Z",
    "datetime_parsing": "a date and time such as 2026-11-20T00:00:00Z",
    "none_required": "nothing",
    "invalid_json_value": "a number, boolean, string, list or mapping",
}


def translate(error: ValidationError, model: type[BaseModel]) -> list[Finding]:
    """Every error of a validation, as findings."""
    return [_one(detail, model) for detail in error.errors(include_url=False)]


def _data_path(loc: tuple[str | int, ...]) -> tuple[tuple[str | int, ...], bool]:
    """pydantic's loc without its type tags; ``True`` when it points at a dict key."""
    path: list[str | int] = []
    at_key = False
    for part in loc:
        if isinstance(part, str) and (part == "[key]"):
            at_key = True
            continue
        if isinstance(part, str) and (_TAG.match(part) or part in _UNION_TAGS):
            continue
        path.append(part)
    return tuple(path), at_key


_TAG = re.compile(r"^[a-z][a-z_-]*\[.*\]$")
"""pydantic's names of union members and validators in a loc, e.g. ``function-after[...]``."""

_UNION_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "function-after"}


def _one(detail: ErrorDetails, model: type[BaseModel]) -> Finding:
    path, at_key = _data_path(tuple(detail["loc"]))
    kind = detail["type"]
    found = detail.get("input")
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if kind == "missing" and path:
        return path[:-1], f"missing required key '{path[-1]}'", False
    if kind == "extra_forbidden" and path:
        allowed = sorted(_fields_at(model, path[:-1]))
        key = str(path[-1])
        hint = suggest(key, allowed)
        listing = f"; expected one of: {', '.join(allowed)}" if allowed and not hint else ""
        return path, f"unknown key '{key}'{hint}{listing}", True
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        options = [o.strip().strip("'") for o in str(expected).replace(" or ", ", ").split(",")]
        hint = suggest(str(found), options) if isinstance(found, str) else ""
        return path, f"expected one of {expected}, found {describe(found)}{hint}", False
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        words = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return path, f"expected {words}, found {describe(found)}", at_key
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        sign = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<"}.get(kind, "<=")
        limit = next(iter(ctx.values()), "")
        return path, f"expected a number {sign} {limit}, found {describe(found)}", False
    if kind == "too_short":
        need = ctx.get("min_length", 1)
        return path, f"expected at least {need} item{'s' if need != 1 else ''}, found none", False
    if kind == "value_error":
        message = str(ctx.get("error", detail["msg"]))
        return path, message, at_key
    if kind in _TYPE_WORDS:
        return path, f"expected {_TYPE_WORDS[kind]}, found {describe(found)}", at_key
    return path, f"{detail['msg']}, found {describe(found)}", at_key


def _fields_at(model: type[BaseModel], path: tuple[str | int, ...]) -> list[str]:
    """The keys a mapping at ``path`` may have, from the model's annotations."""
    annotation: Any = model
    for part in path:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    inner = _model_in(annotation)
    if inner is None:
        return []
    return [f.alias or name for name, f in inner.model_fields.items()]


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _step(annotation: Any, part: str | int) -> Any:
    for candidate in _unwrap(annotation):
        if (
            isinstance(candidate, type)
            and issubclass(candidate, BaseModel)
            and isinstance(part, str)
        ):
            for name, field in candidate.model_fields.items():
                if part in (name, field.alias):
                    return field.annotation
        origin = typing.get_origin(candidate)
        if origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(candidate)[1]
    return None
