"""Which configuration entity a repository path holds, and back.

Entities are identified by their file: ``config/analyses/<a>/analysis.yaml`` is analysis
``a``, ``config/analyses/<a>/wagons/<w>.yaml`` wagon ``a/w``, ``config/datasets/<d>.yaml``
dataset ``d``, ``config/runlists/<r>.yaml`` runlist ``r`` and ``config/hyperloop.yaml`` the
settings. Names are checked against the name pattern both ways, so a name never makes a path
that escapes ``config/``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal, get_args

from hyperloop_gitops.errors import NotFoundError

EntityKind = Literal["settings", "analysis", "wagon", "dataset", "runlist"]
ENTITY_KINDS: tuple[EntityKind, ...] = get_args(EntityKind)

_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_NAME_RE = re.compile(_NAME)
_PATTERNS: tuple[tuple[EntityKind, re.Pattern[str]], ...] = (
    ("settings", re.compile(r"config/hyperloop\.yaml")),
    ("analysis", re.compile(rf"config/analyses/({_NAME})/analysis\.yaml")),
    ("wagon", re.compile(rf"config/analyses/({_NAME})/wagons/({_NAME})\.yaml")),
    ("dataset", re.compile(rf"config/datasets/({_NAME})\.yaml")),
    ("runlist", re.compile(rf"config/runlists/({_NAME})\.yaml")),
)
SETTINGS_NAME = "hyperloop"


@dataclass(frozen=True, order=True)
class EntityRef:
    """One entity: its kind and its name (``analysis/wagon`` for a wagon)."""

    kind: EntityKind
    name: str

    @property
    def path(self) -> str:
        """The repository-relative file that holds the entity."""
        return path_of(self)

    @property
    def analysis(self) -> str | None:
        """The owning analysis of an analysis or wagon; None for other kinds."""
        if self.kind == "analysis":
            return self.name
        if self.kind == "wagon":
            return self.name.split("/", 1)[0]
        return None

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@functools.lru_cache(maxsize=65536)
def entity_of(path: str) -> EntityRef | None:
    """The entity a repository-relative path holds, or None if it holds none."""
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(path)
        if match:
            if kind == "settings":
                return EntityRef(kind, SETTINGS_NAME)
            return EntityRef(kind, "/".join(match.groups()))
    return None


def path_of(ref: EntityRef) -> str:
    """The repository-relative path of an entity; raises NotFoundError for a malformed name."""
    parts = ref.name.split("/")
    expected = 2 if ref.kind == "wagon" else 1
    if ref.kind == "settings":
        return "config/hyperloop.yaml"
    if len(parts) != expected or not all(_NAME_RE.fullmatch(p) for p in parts):
        shape = "ANALYSIS/WAGON" if ref.kind == "wagon" else "a name"
        raise NotFoundError(
            f"'{ref.name}' is not a valid {ref.kind} name (expected {shape}, each part matching "
            f"{_NAME})"
        )
    if ref.kind == "analysis":
        return f"config/analyses/{ref.name}/analysis.yaml"
    if ref.kind == "wagon":
        return f"config/analyses/{parts[0]}/wagons/{parts[1]}.yaml"
    return f"config/{ref.kind}s/{ref.name}.yaml"
