"""The configuration files of one revision (or of the working tree) as plain YAML data.

History, diff and impact compare plain data, so they work on any revision, valid or not.
Files are parsed safely (libyaml's safe loader); a file that is not valid YAML, is too large,
or expands aliases past a limit (a "billion laughs" file) becomes an :class:`InvalidYaml`
value instead of stopping the whole history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import yaml

from hyperloop_gitops.entitypath import EntityRef, entity_of
from hyperloop_gitops.gitlog import CONFIG_DIR, blob_id, list_tree, read_blobs

MAX_FILE_BYTES = 4 * 1024 * 1024
_MAX_NODES = 200_000


class InvalidYaml(str):
    """The value of a file that could not be read as YAML: a str, so diffs and JSON say why."""


@dataclass(frozen=True)
class EntityFile:
    """One entity's file: where it is, its git blob id and its bytes."""

    path: str
    blob: str
    content: bytes


Snapshot = dict[EntityRef, EntityFile]


def parse_yaml(content: bytes) -> Any:
    """Plain data of one file, or an :class:`InvalidYaml` saying why it has none."""
    if len(content) > MAX_FILE_BYTES:
        return InvalidYaml(f"<file larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB>")
    try:
        value = yaml.load(content, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as error:
        return InvalidYaml(f"<invalid YAML: {str(error).splitlines()[0]}>")
    # Aliases need anchors: without '&' the data is a tree, no expansion to bound.
    if b"&" in content and _too_many_nodes(value):
        return InvalidYaml("<YAML aliases expand past the size limit>")
    return value


def _too_many_nodes(value: Any) -> bool:
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > _MAX_NODES:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def snapshot_at(repo: git.Repo, rev: str) -> Snapshot:
    """Every entity file at revision ``rev``."""
    tree = {path: blob for path, blob in list_tree(repo, rev).items() if entity_of(path)}
    contents = read_blobs(repo, tree.values())
    return {
        ref: EntityFile(path, tree[path], contents[tree[path]])
        for path in tree
        if (ref := entity_of(path)) is not None
    }


def snapshot_worktree(root: Path) -> Snapshot:
    """Every entity file in the working tree under ``root`` (committed or not)."""
    out: Snapshot = {}
    base = root / CONFIG_DIR
    if not base.is_dir():
        return out
    for file in sorted(base.rglob("*.yaml")):
        if not file.is_file() or file.is_symlink():
            continue
        path = file.relative_to(root).as_posix()
        ref = entity_of(path)
        if ref is not None:
            content = file.read_bytes()
            out[ref] = EntityFile(path, blob_id(content), content)
    return out


def values_of(snapshot: Mapping[EntityRef, EntityFile]) -> dict[EntityRef, Any]:
    """The parsed data of every entity of a snapshot."""
    return {ref: parse_yaml(f.content) for ref, f in snapshot.items()}


def materialize(snapshot: Mapping[EntityRef, EntityFile], dest: Path) -> Path:
    """Write a snapshot's files under ``dest`` (a fresh directory) so a loader can read it."""
    for f in snapshot.values():
        target = dest / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content)
    return dest
