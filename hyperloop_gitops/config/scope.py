"""Which repository a path belongs to, and whether a finding lies under given paths."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hyperloop_gitops.diagnostics import Diagnostic


def find_root(path: Path) -> Path:
    """The nearest folder at or above ``path`` that holds ``config/`` (else ``path`` itself)."""
    start = path.resolve()
    if start.is_file():
        start = start.parent
    for candidate in (start, *start.parents):
        if (candidate / "config").is_dir():
            return candidate
        if candidate.name == "config" and candidate.is_dir():
            return candidate.parent
    return start


def in_scope(diagnostic: Diagnostic, root: Path, paths: Sequence[Path]) -> bool:
    """True when no paths narrow the view, or the finding's file lies under one of them."""
    if not paths:
        return True
    target = root / diagnostic.file
    for path in paths:
        resolved = path.resolve()
        if resolved in (root, target) or resolved in target.parents:
            return True
    return False
