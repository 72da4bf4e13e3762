"""Canonical JSON and content hashes (DESIGN decision 3).

Two values that mean the same thing must hash the same on every machine: keys sorted, no
whitespace, UTF-8, and no NaN or infinity (which JSON cannot carry faithfully).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
"""One encoder for every call: ``json.dumps`` with options builds a new one each time, which
costs as much as encoding a small value (the reconciler encodes hundreds of thousands)."""


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text (sorted keys, compact separators)."""
    return _ENCODER.encode(value)


def content_hash(value: Any) -> str:
    """The sha256 (hex) of ``value``'s canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def hash_object(members: Mapping[str, str]) -> str:
    """The :func:`content_hash` of an object whose member values are given already encoded
    as canonical JSON texts: the same hash, without encoding shared parts again."""
    text = "{" + ",".join(f"{_key(k)}:{members[k]}" for k in sorted(members)) + "}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=256)
def _key(name: str) -> str:
    """A member name as canonical JSON (a handful of names, encoded once)."""
    return canonical_json(name)
