"""Which files of a repository are configuration, and of which kind.

Paths are checked before anything is read: names must be valid entity names, and no file or
folder may be a symbolic link that leads out of the repository.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hyperloop_gitops.diagnostics import Diagnostic
from hyperloop_gitops.model.common import NAME_PATTERN

Kind = Literal["settings", "analysis", "wagon", "dataset", "runlist"]
KINDS: tuple[Kind, ...] = ("settings", "analysis", "wagon", "dataset", "runlist")
_NAME = re.compile(NAME_PATTERN)

SETTINGS_FILE = "config/hyperloop.yaml"


@dataclass(frozen=True)
class Source:
    """A configuration file: its kind, entity name, and repository-relative path."""

    kind: Kind
    name: str
    path: str
    analysis: str = ""

    @property
    def key(self) -> str:
        """How the entity is known: ``analysis/wagon`` for wagons, else its name."""
        return f"{self.analysis}/{self.name}" if self.kind == "wagon" else self.name


def classify_path(rel: str) -> Source | None:
    """The kind of a repository-relative path, or ``None`` when it is not configuration."""
    parts = rel.split("/")
    if rel == SETTINGS_FILE:
        return Source("settings", "hyperloop", rel)
    if len(parts) < 3 or parts[0] != "config" or not parts[-1].endswith(".yaml"):
        return None
    stem = parts[-1][: -len(".yaml")]
    if parts[1] == "datasets" and len(parts) == 3:
        return Source("dataset", stem, rel)
    if parts[1] == "runlists" and len(parts) == 3:
        return Source("runlist", stem, rel)
    if parts[1] == "analyses" and len(parts) == 4 and parts[3] == "analysis.yaml":
        return Source("analysis", parts[2], rel)
    if parts[1] == "analyses" and len(parts) == 5 and parts[3] == "wagons":
        return Source("wagon", stem, rel, analysis=parts[2])
    return None


def _escapes(path: Path, root: Path) -> bool:
    if not path.is_symlink():
        return False
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return True
    return False


def discover(root: Path) -> tuple[list[Source], list[Diagnostic]]:
    """Every configuration file under ``root/config``, sorted, and problems with the paths."""
    sources: list[Source] = []
    problems: list[Diagnostic] = []
    config = root / "config"
    if not config.is_dir():
        problems.append(
            Diagnostic(
                "config",
                0,
                0,
                "error",
                f"no config/ folder in {root}; run this in a configuration repository or "
                "pass --repo",
                code="no-config",
            )
        )
        return sources, problems
    for path in sorted(_walk(config, root, problems)):
        rel = path.relative_to(root).as_posix()
        if path.suffix == ".yml":
            problems.append(_path_error(rel, "configuration files end in .yaml, not .yml"))
            continue
        source = classify_path(rel)
        if source is None:
            if path.suffix == ".yaml" or path.name.endswith(".yaml"):
                problems.append(
                    _path_error(
                        rel,
                        "not a configuration file's place; expected config/hyperloop.yaml, "
                        "config/analyses/<analysis>/analysis.yaml, "
                        "config/analyses/<analysis>/wagons/<wagon>.yaml, "
                        "config/datasets/<dataset>.yaml or config/runlists/<runlist>.yaml",
                    )
                )
            continue
        bad = [n for n in (source.analysis, source.name) if n and not _NAME.match(n)]
        if source.kind != "settings" and bad:
            problems.append(
                _path_error(
                    rel,
                    f"invalid name {bad[0]!r} in the path: expected letters, digits, '-' and '_' "
                    "(at most 64, starting with a letter or digit)",
                )
            )
            continue
        sources.append(source)
    analyses = {s.name for s in sources if s.kind == "analysis"}
    for folder in sorted({s.analysis for s in sources if s.kind == "wagon"} - analyses):
        problems.append(
            _path_error(
                f"config/analyses/{folder}/analysis.yaml",
                f"missing: the wagons of analysis '{folder}' need an analysis.yaml beside "
                "their wagons/ folder",
            )
        )
    return sources, problems


def _walk(folder: Path, root: Path, problems: list[Diagnostic]) -> list[Path]:
    found: list[Path] = []
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        path = Path(entry.path)
        # Only a link can lead out; resolving every path would cost more than parsing.
        if entry.is_symlink() and _escapes(path, root):
            rel = path.relative_to(root).as_posix()
            problems.append(
                _path_error(rel, "a symbolic link that leads out of the repository is not allowed")
            )
            continue
        if entry.is_dir():
            found.extend(_walk(path, root, problems))
        elif entry.is_file():
            found.append(path)
    return found


def _path_error(rel: str, message: str) -> Diagnostic:
    return Diagnostic(rel, 0, 0, "error", message, code="path")
