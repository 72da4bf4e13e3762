"""The configuration files of one revision (or of the working tree) as plain YAML data.

History, diff and impact compare plain data, so they work on any revision, valid or not.
Files are parsed safely (libyaml's safe loader); a file that is not valid YAML, is too large,
or expands aliases past a limit (a "billion laughs" file) becomes an :class:`InvalidYaml`
value instead of stopping the whole history.
"""

from __future__ import annotations

import itertools
import re
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
_BLOCK_START = re.compile(rb"^[^\s#-]", re.MULTILINE)
_NESTED_HEAD = re.compile(rb"([A-Za-z_][A-Za-z0-9_-]*):[ \t]*\r?\n")
_FIRST_CHILD = re.compile(rb"(?:[ \t]*\r?\n)*( +)[^\s#-]")
_MAX_DEPTH = 2
# Plain ASCII only: no indicator that could start a comment, a flow, a quote or a tag.
_SCALAR_LINE = re.compile(
    rb"([A-Za-z_][A-Za-z0-9_-]*): +([A-Za-z0-9_.+][A-Za-z0-9_.+/=()$;?~^-]*)[ \t]*\r?\n"
)
_INT_LIST_LINE = re.compile(rb"([A-Za-z_][A-Za-z0-9_-]*): +\[([0-9, ]*)\][ \t]*\r?\n")
_DECIMAL = re.compile(rb"0|[1-9][0-9]*")
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
        if len(self._blocks) > self._max_blocks:
            self._blocks.clear()
        try:
            result = self._mapping(content, depth=0)
        except (yaml.YAMLError, fastyaml.Unsupported, _NotSplittable):
            return parse_yaml(content)
        return result if result else parse_yaml(content)

    def _mapping(self, text: bytes, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for block in _split_blocks(text):
            value = self._blocks.get(block)
            if value is None:
                value = _one_line(block)
                if value is None and depth < _MAX_DEPTH:
                    value = self._nested(block, depth)
                if value is None:
                    value = fastyaml.load(block)
                    if not isinstance(value, dict) or len(value) != 1:
                        raise _NotSplittable
                self._blocks[block] = value
            for key, item in value.items():
                if key in result:
                    raise _NotSplittable
                result[key] = item
        return result

    def _nested(self, block: bytes, depth: int) -> dict[Any, Any] | None:
        """``key:`` over an indented mapping: its children are blocks too (one level down).

        None when the block has another shape, or its body does not split cleanly; the
        block is then parsed whole.
        """
        head = _NESTED_HEAD.match(block)
        if head is None:
            return None
        key = fastyaml.plain(head.group(1).decode())
        body = block[head.end() :]
        first = _FIRST_CHILD.match(body)
        if not isinstance(key, str) or first is None:
            return None
        indent = len(first.group(1))
        prefix = b" " * indent
        lines = []
        for line in body.splitlines(keepends=True):
            if line.startswith(prefix):
                lines.append(line[indent:])
            elif line.strip():
                return None  # something less indented (a comment, say): parse whole
            else:
                lines.append(line.lstrip(b" \t"))
        try:
            return {key: self._mapping(b"".join(lines), depth + 1)}
        except (yaml.YAMLError, fastyaml.Unsupported, _NotSplittable):
            return None


def _one_line(block: bytes) -> dict[Any, Any] | None:
    """``key: plain-scalar`` or ``key: [1, 2, 3]`` without asking libyaml, else None.

    Only shapes whose meaning is beyond doubt: a word key, and a plain scalar without any
    indicator character (resolved by the safe loader's own rules), or a flow list of
    decimal integers written without leading zeros (as runs and exclude lists are).
    """
    match = _SCALAR_LINE.fullmatch(block)
    if match is not None:
        key, value = fastyaml.plain(match[1].decode()), fastyaml.plain(match[2].decode())
        return {key: value} if isinstance(key, str) else None
    match = _INT_LIST_LINE.fullmatch(block)
    if match is not None:
        key = fastyaml.plain(match[1].decode())
        items = match[2].split(b",") if match[2].strip() else []
        if isinstance(key, str) and all(_DECIMAL.fullmatch(i.strip()) for i in items):
            return {key: [int(i) for i in items]}
    return None


class _NotSplittable(Exception):
    """Parsing by blocks could differ from parsing the whole: parse the whole."""


def _split_blocks(content: bytes) -> list[bytes]:
    """Top-level blocks: a line starting a new key at column 0 starts a new block.

    Indented lines, blank lines, comments and ``- `` items at column 0 (a sequence may sit at
    its key's indentation) continue the current block; leading comments join the first.
    """
    starts = [m.start() for m in _BLOCK_START.finditer(content)]
    if not starts:
        return [content]
    starts[0] = 0
    starts.append(len(content))
    return [content[a:b] for a, b in itertools.pairwise(starts)]


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
