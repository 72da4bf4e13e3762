"""Field-level differences between two versions of one entity's plain YAML data.

Lists of named things are compared by name, not by position, so that moving or inserting
one subwagon does not read as "every subwagon changed": ``subwagons[tight].configuration...``,
``enabled[LHC22o_pass6].tag``, ``productions[LHC22o/apass6].exclude_runs``. Other lists
(runs, members, arrays of a configuration) are one value, compared as a whole.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hyperloop_gitops.entitypath import EntityKind, EntityRef

FieldOp = Literal["created", "updated", "removed"]
EntityOp = Literal["created", "updated", "removed", "renamed"]
KeyOf = Callable[[Mapping[str, Any]], object]


@dataclass(frozen=True)
class FieldChange:
    """One changed field: ``path`` is a key path such as ``subwagons[tight].configuration.t.x``."""

    op: FieldOp
    path: str
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form (dates as ISO 8601 text)."""
        return {
            "op": self.op,
            "path": self.path,
            "old": jsonable(self.old),
            "new": jsonable(self.new),
        }


@dataclass(frozen=True)
class EntityDiff:
    """What happened to one entity between two versions.

    ``ref`` is the entity after the change (before it, for ``removed``); ``previous`` is the
    name before a rename. A created or removed entity lists its top-level fields.
    """

    ref: EntityRef
    op: EntityOp
    fields: tuple[FieldChange, ...]
    previous: EntityRef | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "kind": self.ref.kind,
            "name": self.ref.name,
            "op": self.op,
            "previous": self.previous.name if self.previous else None,
            "fields": [f.to_json() for f in self.fields],
        }


def _production_key(item: Mapping[str, Any]) -> object:
    return f"{item.get('period')}/{item.get('pass')}"


def _field(name: str) -> KeyOf:
    return lambda item: item.get(name)


# (entity kind, key path of the list with list items as "*") -> how an item is named.
_KEYED_LISTS: dict[tuple[EntityKind, tuple[str, ...]], KeyOf] = {
    ("wagon", ("subwagons",)): _field("name"),
    ("wagon", ("enabled",)): _field("dataset"),
    ("dataset", ("productions",)): _production_key,
    ("dataset", ("approvals",)): _field("wagon"),
    ("dataset", ("composition", "slots")): lambda s: f"{s.get('day')} {s.get('time')}",
    ("settings", ("people",)): _field("login"),
    ("settings", ("resource_classes",)): _field("name"),
    ("settings", ("packages", "tags")): _field("tag"),
}
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def jsonable(value: Any) -> Any:
    """``value`` with YAML dates and times turned into ISO 8601 text (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def same(a: Any, b: Any) -> bool:
    """Equality that tells ``true`` from ``1`` and ``1`` from ``1.0``: a YAML edit is a change."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if a != b:
        # Fast (C-level) rejection. Only NaN compares unequal to itself: a NaN inside a
        # list or mapping reads as changed, a NaN on its own does not.
        return isinstance(a, float) and math.isnan(a) and math.isnan(b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def key_path(parent: str, key: object) -> str:
    """``parent.key``, or ``parent["odd key"]`` when the key is not a plain word."""
    text = str(key)
    if _PLAIN_KEY.fullmatch(text):
        return f"{parent}.{text}" if parent else text
    return f'{parent}["{text}"]'


def diff_values(kind: EntityKind, old: Any, new: Any) -> list[FieldChange]:
    """Every field that differs between two versions of an entity of ``kind``."""
    out: list[FieldChange] = []
    _diff(kind, (), "", old, new, out=out)
    return out


def diff_entity(
    old_ref: EntityRef | None, old: Any, new_ref: EntityRef | None, new: Any
) -> EntityDiff:
    """The entity-level change between two versions (either side may be absent)."""
    if old_ref is None and new_ref is not None:
        return EntityDiff(new_ref, "created", _top_level("created", new))
    if new_ref is None and old_ref is not None:
        return EntityDiff(old_ref, "removed", _top_level("removed", old))
    assert old_ref is not None and new_ref is not None
    fields = tuple(diff_values(new_ref.kind, old, new))
    if old_ref != new_ref:
        return EntityDiff(new_ref, "renamed", fields, previous=old_ref)
    return EntityDiff(new_ref, "updated", fields)


def _top_level(op: FieldOp, value: Any) -> tuple[FieldChange, ...]:
    if not isinstance(value, dict):
        return (FieldChange(op, "", *((None, value) if op == "created" else (value, None))),)
    if op == "created":
        return tuple(FieldChange(op, key_path("", k), None, v) for k, v in value.items())
    return tuple(FieldChange(op, key_path("", k), v, None) for k, v in value.items())


def _diff(
    kind: EntityKind,
    shape: tuple[str, ...],
    path: str,
    old: Any,
    new: Any,
    *,
    out: list[FieldChange],
) -> None:
    if same(old, new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            if key in old and key in new and old[key] is new[key]:
                continue  # the same parsed block: unchanged, and cheap to know
            sub = key_path(path, key)
            child = (*shape, str(key))
            keyed = (kind, child) in _KEYED_LISTS
            if key not in new:
                if keyed and isinstance(old[key], list) and old[key]:
                    # A named list that disappears: which items went, by name.
                    _diff(kind, child, sub, old[key], [], out=out)
                else:
                    out.append(FieldChange("removed", sub, old[key], None))
            elif key not in old:
                if keyed and isinstance(new[key], list) and new[key]:
                    _diff(kind, child, sub, [], new[key], out=out)
                else:
                    out.append(FieldChange("created", sub, None, new[key]))
            else:
                _diff(kind, child, sub, old[key], new[key], out=out)
        return
    key_of = _KEYED_LISTS.get((kind, shape))
    if key_of is not None and isinstance(old, list) and isinstance(new, list):
        old_items, new_items = _by_key(old, key_of), _by_key(new, key_of)
        if old_items is not None and new_items is not None:
            for key in [*old_items, *(k for k in new_items if k not in old_items)]:
                sub = f"{path}[{key}]"
                if key not in new_items:
                    out.append(FieldChange("removed", sub, old_items[key], None))
                elif key not in old_items:
                    out.append(FieldChange("created", sub, None, new_items[key]))
                else:
                    _diff(kind, (*shape, "*"), sub, old_items[key], new_items[key], out=out)
            return
    out.append(FieldChange("updated", path, old, new))


def _by_key(items: list[Any], key_of: KeyOf) -> dict[object, Any] | None:
    """Items by name, or None when some item has no name or two share one (compare whole)."""
    out: dict[object, Any] = {}
    for item in items:
        if not isinstance(item, dict):
            return None
        key = key_of(item)
        if key is None or key in out:
            return None
        out[key] = item
    return out
