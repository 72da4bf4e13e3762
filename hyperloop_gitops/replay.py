"""Replaying the configuration's git log, oldest commit first, with every entity's data.

:func:`replay` streams the log once (:mod:`hyperloop_gitops.gitstream`), parses each file
version once (:class:`hyperloop_gitops.snapshot.BlockParser`) and diffs each change as soon as
both of its versions are parsed, while git is still walking the history. It then yields each
commit's entity changes with the configuration state after it: history, notifications and the
site consume the same pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import git

from hyperloop_gitops.entitypath import EntityRef, entity_of
from hyperloop_gitops.fielddiff import EntityDiff, diff_entity
from hyperloop_gitops.gitlog import Commit, FileChange, read_blobs, resolve
from hyperloop_gitops.gitstream import stream_log
from hyperloop_gitops.snapshot import BlockParser


@dataclass(frozen=True)
class StepChange:
    """One entity changed by a commit: the diff, and the plain data before and after."""

    diff: EntityDiff
    old: Any
    new: Any


@dataclass(frozen=True)
class Step:
    """One commit of the replay. ``state`` is every entity's data after the commit; it is
    the replay's live state, valid until the next step is requested."""

    commit: Commit
    changes: tuple[StepChange, ...]
    state: Mapping[EntityRef, Any]


Refs = tuple[EntityRef | None, EntityRef | None]


def _refs(f: FileChange) -> Refs:
    """The entities a file change ends and begins (a move to another kind: a new entity)."""
    old_ref = entity_of(f.old_path) if f.old_path else None
    new_ref = entity_of(f.new_path) if f.new_path else None
    if old_ref and new_ref and old_ref.kind != new_ref.kind:
        return None, new_ref
    return old_ref, new_ref


def replay(repo: git.Repo, rev: str = "HEAD") -> Iterator[Step]:
    """Every commit reachable from ``rev`` that changed an entity, oldest first."""
    parser = BlockParser()
    parsed: dict[str, Any] = {}
    raw: dict[str, bytes] = {}
    uses: dict[str, int] = {}
    # Keyed by the change object's id: the objects live as long as the log, and hashing a
    # dataclass of five strings per lookup costs more than it should.
    refs: dict[int, Refs] = {}
    diffs: dict[int, EntityDiff] = {}
    waiting: dict[str, list[FileChange]] = {}

    def diff_when_ready(f: FileChange, ref: Refs) -> None:
        old_ref, new_ref = ref
        old_blob = f.old_blob if old_ref is not None else None
        new_blob = f.new_blob if new_ref is not None else None
        for blob in (old_blob, new_blob):
            if blob is not None and blob not in parsed:
                waiting.setdefault(blob, []).append(f)
                return
        old = parsed[old_blob] if old_blob is not None else None
        new = parsed[new_blob] if new_blob is not None else None
        diffs[id(f)] = diff_entity(old_ref, old, new_ref, new)

    def wanted(f: FileChange) -> str | None:
        ref = _refs(f)
        if ref[0] is None and ref[1] is None:
            return None
        refs[id(f)] = ref
        diff_when_ready(f, ref)
        if ref[1] is not None and f.new_blob:
            uses[f.new_blob] = uses.get(f.new_blob, 0) + 1
            return f.new_blob
        return None

    def on_blob(blob: str, content: bytes) -> None:
        # Runs while git is still walking the log: parsing and diffing overlap git's work.
        parsed[blob] = parser.parse(content)
        raw[blob] = content
        for f in waiting.pop(blob, ()):
            diff_when_ready(f, refs[id(f)])

    log = stream_log(repo, resolve(repo, rev), wanted=wanted, on_blob=on_blob)
    replayer = _Replayer(
        repo, parsed=parsed, raw=raw, uses=uses, parser=parser, diffs=diffs, refs=refs
    )
    for commit, files in log:
        changes = tuple(c for f in files if (c := replayer.change(f)) is not None)
        if changes:
            yield Step(commit, changes, replayer.state)


_ABSENT: Any = object()


class _Replayer:
    """The configuration state while the log is replayed, and the parsing of versions.

    A change's "before" is normally the state's current value (same blob): each version is
    parsed once, as the "after" of the change that introduced it. Only where topological
    order interleaves branches is an older version parsed again from its blob.
    """

    def __init__(
        self,
        repo: git.Repo,
        *,
        parsed: dict[str, Any],
        raw: dict[str, bytes],
        uses: dict[str, int],
        parser: BlockParser,
        diffs: dict[int, EntityDiff],
        refs: dict[int, Refs],
    ) -> None:
        self._diffs = diffs
        self._refs = refs
        self._repo = repo
        self._parsed = parsed
        self._raw = raw
        self._uses = uses
        self._parser = parser
        self.state: dict[EntityRef, Any] = {}
        self._blob_of: dict[EntityRef, str] = {}

    def _value(self, blob: str) -> Any:
        # A version is the "after" of as many changes as introduce that content (usually
        # one): let it go after the last, to keep memory flat.
        value = self._parsed.get(blob, _ABSENT)
        if value is _ABSENT:
            # An older version again (branches interleaved): its text is still at hand.
            content = self._raw.get(blob)
            if content is None:
                content = read_blobs(self._repo, [blob])[blob]
            return self._parser.parse(content)
        self._uses[blob] -= 1
        if self._uses[blob] <= 0:
            del self._parsed[blob]
        return value

    def change(self, f: FileChange) -> StepChange | None:
        state = self.state
        old_ref, new_ref = self._refs.get(id(f), (None, None))
        if old_ref is None and f.old_path and (gone := entity_of(f.old_path)) is not None:
            # A file moved to a place of another kind: the old entity ends, a new one
            # begins. Reported as the creation; the removal is recorded in state only.
            state.pop(gone, None)
            self._blob_of.pop(gone, None)
        if old_ref is None and new_ref is None:
            return None
        old = None
        if old_ref is not None:
            if f.old_blob and self._blob_of.get(old_ref) == f.old_blob:
                old = state[old_ref]
            elif f.old_blob:
                old = self._value(f.old_blob)
            state.pop(old_ref, None)
            self._blob_of.pop(old_ref, None)
        new = None
        if new_ref is not None and f.new_blob:
            new = self._value(f.new_blob)
            state[new_ref] = new
            self._blob_of[new_ref] = f.new_blob
        diff = self._diffs.pop(id(f), None)
        if diff is None:  # its older version never came through the log: diff it now
            diff = diff_entity(old_ref, old, new_ref, new)
        return StepChange(diff, old, new)
