"""Markdown for the bot's comment: escaping people's text, and how numbers read.

Sizes are decimal (1 GB = 10**9 bytes), as dataset sizes and the policy are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

_T = TypeVar("_T")


def plural(count: int, noun: str) -> str:
    """``3 wagon tests``, ``1 wagon test``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def capped(items: Sequence[_T], cap: int | None) -> tuple[Sequence[_T], int]:
    """The first ``cap`` items (all for ``None``) and how many were left out."""
    if cap is None or len(items) <= cap:
        return items, 0
    return items[:cap], len(items) - cap


def delta(value: float, base: float | None, fmt: str) -> str:
    """`` (+0.08)`` against ``base``; `` (±0)`` when it rounds to nothing; ``""`` without one."""
    if base is None:
        return ""
    diff = value - base
    text = fmt.format(diff)
    if text.lstrip("+-").rstrip(" s").strip("0.") == "":
        return " (±0)"
    return f" ({text})"


def duration(seconds: float) -> str:
    """``4.2 s``, ``51 s``, ``1m 03s``, ``2h 05m``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def size_mb(mb: float) -> str:
    """A size given in MB, in the unit that reads best: ``410 kB``, ``14 MB``, ``1.2 GB``."""
    # Decimal units, as dataset sizes are quoted (48.2 TB).
    if mb < 1:
        return f"{mb * 1000:.0f} kB"
    if mb < 10:
        return f"{mb:.1f} MB"
    if mb < 1000:
        return f"{mb:.0f} MB"
    if mb < 1000 * 1000:
        return f"{mb / 1000:.1f} GB"
    return f"{mb / 1000 / 1000:.2f} TB"


def text(value: str) -> str:
    """People's text, safe in a table cell: one line, no pipes, no HTML, no mentions."""
    out = " ".join(value.split())
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = out.replace("|", "\\|")
    # An HTML comment between "@" and the name keeps the text readable but is not a mention.
    return out.replace("@", "@<!-- -->")


def code(value: str) -> str:
    """Text for an inline code span: no backticks (they would end it), one line."""
    return " ".join(value.replace("`", "'").split()).replace("|", "\\|")


def fence_safe(value: str) -> str:
    """Text inside a fenced code block: a fence in it would end the block."""
    return value.replace("```", "'''")
