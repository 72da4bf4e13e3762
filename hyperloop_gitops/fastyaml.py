"""Plain-data YAML loading straight from libyaml's events, for reading history in bulk.

``yaml.load(..., CSafeLoader)`` parses in C but builds nodes, resolves tags and constructs
values in Python, node by node. History parses tens of thousands of file versions, so this
module builds the values directly from the parser's events and resolves each distinct plain
scalar once (memoized, through PyYAML's own resolver and safe constructor, so the values are
exactly those of ``yaml.safe_load``). Anything beyond plain data (anchors, aliases, explicit
tags, merge keys, several documents, a collection as a key) raises :class:`Unsupported`;
callers then use the safe loader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

_STR = "tag:yaml.org,2002:str"
_MAX_MEMO = 200_000
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_memo: dict[str, Any] = {}
_NO_KEY: Any = object()


class Unsupported(Exception):
    """The document uses YAML beyond plain data; load it with the safe loader instead."""


def plain(value: str) -> Any:
    """The value of a plain (unquoted) scalar, exactly as the safe loader resolves it."""
    try:
        return _memo[value]
    except KeyError:
        pass
    tag = _resolver.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    out = value if tag == _STR else _constructor.construct_object(ScalarNode(tag, value))
    if len(_memo) < _MAX_MEMO:
        _memo[value] = out
    return out


def load(content: bytes) -> Any:
    """The value ``yaml.safe_load(content)`` gives; :class:`Unsupported` or ``yaml.YAMLError``."""
    loader = yaml.CSafeLoader(content)
    try:
        return _build(loader.get_event)
    finally:
        loader.dispose()


def _build(next_event: Callable[[], Any]) -> Any:
    stack: list[Any] = []
    keys: list[Any] = []
    root: Any = None
    documents = 0
    while True:
        # One C call per event (yaml.parse would make two, through a generator).
        event = next_event()
        kind = event.__class__
        if kind is StreamEndEvent:
            return root
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise Unsupported("anchor or tag")
            value: Any = (
                plain(event.value) if not event.style and event.implicit[0] else event.value
            )
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or not event.implicit:
                raise Unsupported("anchor or tag")
            value = {} if kind is MappingStartEvent else []
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()
            keys.pop()
            continue
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise Unsupported("several documents")
            continue
        elif kind is AliasEvent:
            raise Unsupported("alias")
        else:
            continue
        if not stack:
            root = value
        else:
            top = stack[-1]
            if top.__class__ is list:
                top.append(value)
            elif keys[-1] is _NO_KEY:
                if not isinstance(value, str | int | float | bool) and value is not None:
                    raise Unsupported("a collection or date as a key")
                if value == "<<" and kind is ScalarEvent and not event.style:
                    raise Unsupported("merge key")
                keys[-1] = value
            else:
                top[keys[-1]] = value
                keys[-1] = _NO_KEY
        if kind is not ScalarEvent:
            stack.append(value)
            keys.append(_NO_KEY)
