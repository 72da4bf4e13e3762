"""Diagnostics: an error or warning anchored at ``file:line:column`` and a key path.

One type serves every surface: the CLI (text, json, github annotations), the bot comment and
check-run annotations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
KeyPath = tuple[str | int, ...]


def format_key_path(path: KeyPath) -> str:
    """``("enabled", 1, "dataset")`` -> ``enabled[1].dataset``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. ``file`` is relative to the repository root, with forward slashes.

    ``line`` and ``column`` are 1-based; 0 means "the file as a whole".
    """

    file: str
    line: int
    column: int
    severity: Severity
    message: str
    key_path: KeyPath = field(default=(), compare=False)
    code: str = field(default="", compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def where(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    def format(self) -> str:
        """The text form: ``file:line:col: error: key.path: message``."""
        key = format_key_path(self.key_path)
        prefix = f"{key}: " if key else ""
        return f"{self.where}: {self.severity}: {prefix}{self.message}"

    def format_github(self) -> str:
        """A GitHub Actions workflow command, shown as an annotation on the file."""
        kind = "error" if self.is_error else "warning"
        key = format_key_path(self.key_path)
        text = f"{key}: {self.message}" if key else self.message
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        loc = f"file={self.file}"
        if self.line > 0:
            loc += f",line={self.line},col={self.column}"
        return f"::{kind} {loc}::{text}"

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["key_path"] = format_key_path(self.key_path)
        return data


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Errors and warnings in file order, duplicates removed."""
    seen: set[tuple[str, int, int, str, str]] = set()
    out: list[Diagnostic] = []
    for d in sorted(diagnostics):
        key = (d.file, d.line, d.column, d.severity, d.format())
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def diagnostics_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False)
