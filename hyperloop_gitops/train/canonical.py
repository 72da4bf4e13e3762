"""Canonical JSON and content hashes (DESIGN decision 3).

Two values that mean the same thing must hash the same on every machine: keys sorted, no
whitespace, UTF-8, and no NaN or infinity (which JSON cannot carry faithfully).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text (sorted keys, compact separators)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def content_hash(value: Any) -> str:
    """The sha256 (hex) of ``value``'s canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
