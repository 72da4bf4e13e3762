"""Terminal text for field-level changes, shared by history, diff, impact and notifications."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from hyperloop_gitops.fielddiff import EntityDiff, FieldChange, jsonable

_MARK = {"created": "+", "updated": "~", "removed": "-"}
_COLOR = {"created": "green", "updated": "yellow", "removed": "red"}
_MAX_VALUE = 72
_MAX_ITEMS = 8


def short(value: Any, limit: int = _MAX_VALUE) -> str:
    """A value in compact flow style, cut to ``limit`` characters."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dt.datetime | dt.date):
        text = value.isoformat()
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict | list):
        text = json.dumps(jsonable(value), ensure_ascii=False, separators=(", ", ": "))
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_scalar_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, dict | list) for v in value)


def _items(values: list[Any]) -> str:
    shown = ", ".join(short(v, 24) for v in values[:_MAX_ITEMS])
    more = len(values) - _MAX_ITEMS
    return f"{shown}, … ({more} more)" if more > 0 else shown


def describe(change: FieldChange) -> str:
    """``path  old → new`` (lists of plain values as items added and removed)."""
    path = change.path or "(whole file)"
    if change.op == "created":
        return f"{path}  {short(change.new)}"
    if change.op == "removed":
        return f"{path}  (was {short(change.old)})"
    if _is_scalar_list(change.old) and _is_scalar_list(change.new):
        added = [v for v in change.new if v not in change.old]
        gone = [v for v in change.old if v not in change.new]
        parts = [f"added {_items(added)}"] if added else []
        parts += [f"removed {_items(gone)}"] if gone else []
        return f"{path}  {'; '.join(parts) or 'reordered'}"
    return f"{path}  {short(change.old, 40)} → {short(change.new, 40)}"


def field_lines(diff: EntityDiff, *, indent: str = "    ", color: bool) -> list[str]:
    """One line per field change; creations and removals of whole entities get one line."""
    if diff.op in ("created", "removed"):
        return [indent + _style(f"{_MARK[diff.op]} {diff.op}", diff.op, color=color)]
    lines = []
    if diff.previous is not None:
        lines.append(f"{indent}renamed from {diff.previous.name}")
    if not diff.fields:
        lines.append(f"{indent}(comments or formatting only)")
    for change in diff.fields:
        mark = _style(_MARK[change.op], change.op, color=color)
        lines.append(f"{indent}{mark} {describe(change)}")
    return lines


def _style(text: str, op: str, *, color: bool) -> str:
    return click.style(text, fg=_COLOR.get(op)) if color else text
