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

from hyperloop_gitops import fastyaml
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


class BlockParser:
    """Parses many versions of files fast by reusing the top-level blocks they share.

    A configuration file is a mapping whose top-level keys start at column 0; a commit
    usually changes one of them. Each top-level block is parsed alone and remembered by its
    text, so the next version of the file parses only the block that changed, and unchanged
    blocks come back as the *same* objects (which lets a diff skip them by identity).
    Whenever splitting could change the meaning (anchors, document markers, a block that is
    not a one-key mapping, a key defined twice), the whole file is parsed as usual.
    Values are shared between versions: callers must not modify them.
    """

    def __init__(self, max_blocks: int = 500_000) -> None:
        self._blocks: dict[bytes, Any] = {}
        self._max_blocks = max_blocks

    def parse(self, content: bytes) -> Any:
        """The same value :func:`parse_yaml` returns, usually faster."""
        if b"&" in content or len(content) > MAX_FILE_BYTES:
            return parse_yaml(content)
        blocks = _split_blocks(content)
        if len(self._blocks) > self._max_blocks:
            self._blocks.clear()
        result: dict[str, Any] = {}
        for block in blocks:
            value = self._blocks.get(block)
            if value is None:
                try:
                    value = fastyaml.load(block)
                except (yaml.YAMLError, fastyaml.Unsupported):
                    return parse_yaml(content)
                if not isinstance(value, dict) or len(value) != 1:
                    return parse_yaml(content)
                self._blocks[block] = value
            for key, item in value.items():
                if key in result:
                    return parse_yaml(content)
                result[key] = item
        if not result:
            return parse_yaml(content)
        return result


def _split_blocks(content: bytes) -> list[bytes]:
    """Top-level blocks: a line starting a new key at column 0 starts a new block.

    Indented lines, blank lines, comments and ``- `` items at column 0 (a sequence may sit at
    its key's indentation) continue the current block.
    """
    blocks: list[bytes] = []
    current: list[bytes] = []
    for line in content.splitlines(keepends=True):
        first = line[:1]
        starts_key = first not in (b" ", b"\t", b"#", b"\n", b"\r", b"-", b"")
        if starts_key and any(not c.startswith((b"#", b"\n", b"\r")) for c in current):
            blocks.append(b"".join(current))
            current = []
        current.append(line)
    if current:
        blocks.append(b"".join(current))
    return blocks


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
