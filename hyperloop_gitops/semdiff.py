"""Semantic diff: entities created, removed, renamed and updated between two revisions.

``hyperloop diff REV1 [REV2]`` compares by entity and field path rather than by line. Files
whose blob ids match are skipped without being read. Renames are paired like git does (same
kind, at least half of the lines alike), so they work against the working tree too, where
git has no index entry for new files.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from hyperloop_gitops.entitypath import ENTITY_KINDS, EntityRef, entity_of
from hyperloop_gitops.fielddiff import EntityDiff, diff_entity
from hyperloop_gitops.gitlog import list_tree, read_blobs, resolve
from hyperloop_gitops.snapshot import EntityFile, Snapshot, parse_yaml, snapshot_worktree

WORKING_TREE = "working tree"
_RENAME_SIMILARITY = 0.5


@dataclass(frozen=True)
class SemanticDiff:
    """The entity changes from ``base`` to ``head`` (commit ids, or ``working tree``)."""

    base: str
    head: str
    entities: tuple[EntityDiff, ...]

    def changed(self, kind: str) -> list[EntityDiff]:
        """The changes to entities of one kind."""
        return [d for d in self.entities if d.ref.kind == kind]

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "base": self.base,
            "head": self.head,
            "entities": [d.to_json() for d in self.entities],
        }


def diff_snapshots(
    old: Mapping[EntityRef, EntityFile], new: Mapping[EntityRef, EntityFile]
) -> tuple[EntityDiff, ...]:
    """Entity changes between two snapshots, sorted by kind then name."""
    out: list[EntityDiff] = []
    removed = [ref for ref in old if ref not in new]
    created = [ref for ref in new if ref not in old]
    renames = _pair_renames(removed, created, old, new)
    pairs = [(ref, ref) for ref in old.keys() & new.keys() if old[ref].blob != new[ref].blob]
    for before, after in [*pairs, *renames.items()]:
        old_value, new_value = parse_yaml(old[before].content), parse_yaml(new[after].content)
        out.append(diff_entity(before, old_value, after, new_value))
    out.extend(
        diff_entity(ref, parse_yaml(old[ref].content), None, None)
        for ref in removed
        if ref not in renames
    )
    renamed_to = set(renames.values())
    out.extend(
        diff_entity(None, None, ref, parse_yaml(new[ref].content))
        for ref in created
        if ref not in renamed_to
    )
    order = {kind: i for i, kind in enumerate(ENTITY_KINDS)}
    return tuple(sorted(out, key=lambda d: (order[d.ref.kind], d.ref.name, d.op)))


def _pair_renames(
    removed: list[EntityRef],
    created: list[EntityRef],
    old: Mapping[EntityRef, EntityFile],
    new: Mapping[EntityRef, EntityFile],
) -> dict[EntityRef, EntityRef]:
    scored: list[tuple[float, EntityRef, EntityRef]] = []
    for before in removed:
        old_lines = old[before].content.splitlines()
        for after in created:
            if after.kind != before.kind:
                continue
            matcher = difflib.SequenceMatcher(None, old_lines, new[after].content.splitlines())
            if matcher.real_quick_ratio() >= _RENAME_SIMILARITY:
                score = matcher.ratio()
                if score >= _RENAME_SIMILARITY:
                    scored.append((-score, before, after))
    pairs: dict[EntityRef, EntityRef] = {}
    taken: set[EntityRef] = set()
    for _, before, after in sorted(scored):
        if before not in pairs and after not in taken:
            pairs[before] = after
            taken.add(after)
    return pairs


def _entity_tree(repo: git.Repo, rev: str) -> dict[str, str]:
    return {p: b for p, b in list_tree(repo, rev).items() if entity_of(p)}


def _snapshot(tree: Mapping[str, str], contents: Mapping[str, bytes]) -> Snapshot:
    return {
        ref: EntityFile(p, b, contents.get(b, b""))
        for p, b in tree.items()
        if (ref := entity_of(p)) is not None
    }


def diff_revisions(repo: git.Repo, base: str, head: str | None) -> SemanticDiff:
    """The semantic diff from ``base`` to ``head`` (None: the working tree)."""
    base_sha = resolve(repo, base)
    base_tree = _entity_tree(repo, base_sha)
    if head is None:
        new = snapshot_worktree(Path(str(repo.working_dir)))
        new_tree = {f.path: f.blob for f in new.values()}
        head_label = WORKING_TREE
    else:
        head_label = resolve(repo, head)
        new_tree = _entity_tree(repo, head_label)
    # Files with the same blob on both sides are never parsed, so never read.
    wanted = {b for p, b in base_tree.items() if new_tree.get(p) != b}
    if head is not None:
        wanted |= {b for p, b in new_tree.items() if base_tree.get(p) != b}
    contents = read_blobs(repo, wanted)
    if head is not None:
        new = _snapshot(new_tree, contents)
    return SemanticDiff(base_sha, head_label, diff_snapshots(_snapshot(base_tree, contents), new))
