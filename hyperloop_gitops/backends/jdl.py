"""JDL (the grid's Job Description Language) and AliEn XML collections: pure text builders."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import quoteattr


class Expr(str):
    """A JDL expression written as is (``Requirements = other.TTL > 36000;``), not quoted."""

    __slots__ = ()


JdlValue = str | int | Sequence[str]


def _quote(value: str) -> str:
    if '"' in value or "\n" in value:
        raise ValueError(f"a JDL string cannot hold quotes or newlines: {value!r}")
    return f'"{value}"'


def render_jdl(fields: Sequence[tuple[str, JdlValue]]) -> str:
    """``Key = "value";`` lines in the given order; lists become ``{ "a", "b" }`` blocks."""
    lines = []
    for key, value in fields:
        if isinstance(value, Expr):
            lines.append(f"{key} = {value};")
        elif isinstance(value, str | int):
            lines.append(f"{key} = {_quote(str(value))};")
        else:
            items = ",\n".join(f"  {_quote(item)}" for item in value)
            lines.append(f"{key} = {{\n{items}\n}};")
    return "\n".join(lines) + "\n"


def render_collection(name: str, lfns: Sequence[str]) -> str:
    """An AliEn XML collection: one ``<event>`` per file, as ``InputDataCollection`` expects."""
    lines = ['<?xml version="1.0"?>', "<alien>", f"  <collection name={quoteattr(name)}>"]
    for number, lfn in enumerate(lfns, start=1):
        file_name = lfn.rsplit("/", 1)[-1]
        lines.append(f'    <event name="{number}">')
        lines.append(
            f"      <file name={quoteattr(file_name)} lfn={quoteattr(lfn)}"
            f" turl={quoteattr('alien://' + lfn)} />"
        )
        lines.append("    </event>")
    lines += ["  </collection>", "</alien>"]
    return "\n".join(lines) + "\n"
