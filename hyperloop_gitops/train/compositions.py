"""The reconciler's cache of wagon-test compositions, from one plan to the next.

A plan hashes the wagon test of every request (tens of thousands at ALICE's scale). Most of
that work is per wagon and the same in every plan: the dependency closure, each instance's
resolved configuration encoded as canonical JSON and hashed. It depends only on the files of
the wagon and of the wagons it needs, and on the code that reads and hashes them. So a plan
keeps, per (wagon, parts), what its wagon tests' hashes are made of (the instances' digests,
the requested labels, the configuration digests) with the sha256 of each of those files; the
next plan serves an entry only when every one of those files has the same bytes, and the code
(:func:`code_fingerprint`) is the same. Anything else, it composes afresh.

The cache is an optimisation only: an unreadable, foreign or damaged file is ignored (and
rewritten by the next save), and a value served from it equals the value composed afresh
(tests/train/test_compositions.py). Its trust is the state store's: it lives beside it, and
whoever can write one can write the other.

Layout: one file (default ``.hyperloop/cache/reconcile/compositions.json``), written
atomically, holding only the entries the last plan used: a header line (JSON: format, code
fingerprint, the CRC-32 of the rest), then one line of JSON: ``strings``, every text once
(ids, labels, digests: most wagons share the same service wagons); ``files``, each wagon's
file digest as the entries were made (pairs of indices into ``strings``); and ``entries``, each
a list: the wagons of its closure (indices into ``strings``) and a text of what a plan seldom
reads (labels, configuration digests, requested parts: three lists of indices, ``1,2|3,4|``
with an empty index for the base), decoded when read. Then each entry's hash tail, one a line
in the entries' order: the text that ends its specs' hash texts (requested labels and instance
digests, JSON without a raw newline), outside the JSON so that its quotes cost no escapes. The
checksum stands for checking every entry's shape (it catches a damaged file, not a forged
one): what passes it is what :meth:`CompositionCache.save` wrote.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from collections.abc import Iterable, Sequence
from functools import cache, partial
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from typing import Any, NamedTuple

from hyperloop_gitops.config import Repository
from hyperloop_gitops.train.spec import Build, Composition, Names, Part

FORMAT = 3

#: See :meth:`CompositionCache.save`.
REWRITE_RATIO = 50

#: The modules whose code decides a composition's values: how files are parsed and validated,
#: how a wagon's configuration is resolved, how instances are formed, encoded and hashed.
CACHED_CODE = (
    "hyperloop_gitops.config.repository",
    "hyperloop_gitops.config.yamlload",
    "hyperloop_gitops.fastyaml",
    "hyperloop_gitops.model",
    "hyperloop_gitops.train.canonical",
    "hyperloop_gitops.train.compositions",
    "hyperloop_gitops.train.spec",
)


@cache
def code_fingerprint() -> str:
    """The hash of :data:`CACHED_CODE`'s sources (a package's every module) and of the
    versions of Python, pydantic and PyYAML."""
    digest = hashlib.sha256(
        f"python {sys.version_info[:2]} pydantic {version('pydantic')} "
        f"pydantic-core {version('pydantic-core')} pyyaml {version('PyYAML')}\n".encode()
    )
    for name in CACHED_CODE:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"cannot find the source of {name} to key the composition cache")
        origin = Path(spec.origin)
        files = sorted(origin.parent.glob("*.py")) if origin.name == "__init__.py" else [origin]
        for file in files:
            digest.update(f"{name}/{file.name}\n".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


class CompositionCache:
    """Wagon-test compositions of earlier plans, checked against the files they come from.

    ``CompositionCache(path)`` reads ``path`` if it is there; :meth:`save` writes what this
    plan used. ``CompositionCache()`` (no file) serves nothing and saves nothing: it only
    counts what a plan composes.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._code = code_fingerprint()
        self._strings: list[str] = []
        self._files: dict[int, int] = {}
        self._loaded: dict[str, list[Any]] = {}
        if path is not None:
            self._read(path)
        self._stale: tuple[Repository, set[int]] | None = None
        self._used: dict[str, list[Any] | _Made] = {}
        self.hits = 0
        self.misses = 0

    def _read(self, path: Path) -> None:
        try:
            head, _, rest = path.read_bytes().partition(b"\n")
            body = rest.removesuffix(b"\n")
            header = json.loads(head)
            if (
                not isinstance(header, dict)
                or header.get("format") != FORMAT
                or header.get("code") != self._code
                or header.get("crc32") != zlib.crc32(body)
            ):
                return  # another version's, or damaged
            text, _, tails = body.partition(b"\n")
            document = json.loads(text)
            strings, files, entries = document["strings"], document["files"], document["entries"]
            for entry, tail in zip(entries.values(), tails.decode().split("\n"), strict=True):
                entry.append(tail)  # [members, names, tail]
        except (OSError, ValueError, TypeError, KeyError):
            return
        self._strings, self._loaded = strings, entries
        self._files = dict(zip(files[::2], files[1::2], strict=True))

    def get(
        self, repository: Repository, wagon_id: str, parts: tuple[Part, ...], build: Build
    ) -> Composition | None:
        """The composition of ``wagon_id``'s ``parts`` if an earlier plan kept it and none of
        its files changed, else ``None``. ``build`` makes its instances if they are asked for."""
        key = _key(wagon_id, parts)
        entry = self._loaded.get(key)
        if entry is None or not self._files_match(repository, entry):
            self.misses += 1
            return None
        self.hits += 1
        self._used[key] = entry
        # the entry is as save() wrote it (the file's checksum): no shape to check
        return Composition(entry[2], build, partial(_names, self._strings, entry[1]))

    def _files_match(self, repository: Repository, entry: list[Any]) -> bool:
        """None of the files of the entry's wagons changed since the file was written."""
        stale = self._stale_files(repository)
        return not stale or stale.isdisjoint(entry[0])

    def _stale_files(self, repository: Repository) -> set[int]:
        """The wagons (indices into ``strings``) whose file is not as it was (or is gone)."""
        known = self._stale
        if known is not None and known[0] is repository:
            return known[1]
        text, current = self._strings, _wagon_digests(repository)
        stale = {m for m, d in self._files.items() if current.get(text[m]) != text[d]}
        self._stale = repository, stale
        return stale

    def keep(
        self,
        repository: Repository,
        wagon_id: str,
        parts: tuple[Part, ...],
        composition: Composition,
    ) -> None:
        """Note that this plan uses a composition it already had (a repository composes each
        once): the next save keeps it."""
        key = _key(wagon_id, parts)
        if key in self._used:
            return
        entry = self._loaded.get(key)
        if entry is not None and self._files_match(repository, entry):
            self._used[key] = entry
        else:
            self.put(repository, wagon_id, parts, composition)

    def put(
        self,
        repository: Repository,
        wagon_id: str,
        parts: tuple[Part, ...],
        composition: Composition,
    ) -> None:
        """Keep a composition made afresh (when the repository knows its files' digests)."""
        files = []
        digests = _wagon_digests(repository)
        for member in repository.dependency_closure(wagon_id):  # checked when it was composed
            digest = digests.get(member)
            if digest is None:
                return  # not loaded from files: nothing to check an entry against
            files.append((member, digest))
        self._used[_key(wagon_id, parts)] = _Made(files, composition)

    def save(self) -> bool:
        """Write the entries this plan used, atomically, when enough differ from the file's.
        Returns whether it wrote; a cache that cannot be written is left as it was.

        Rewriting the whole file costs about what composing a fiftieth of its entries does,
        so after a merge that changed a few wagons the file is left as it is (the next plan
        composes those few again): it is rewritten once the entries made or no longer used
        exceed a fiftieth of those used, or when there was no sound file to read.
        """
        if self.path is None or not self._used:
            return False
        made = sum(1 for value in self._used.values() if isinstance(value, _Made))
        dropped = len(self._loaded.keys() - self._used.keys())
        if self._loaded and (made + dropped) * REWRITE_RATIO <= len(self._used):
            return False
        from hyperloop_gitops.state.atomic import atomic_write_bytes

        index: dict[str | None, int | None] = {None: None}
        strings: list[str] = []

        def intern(text: str | None) -> int | None:
            found = index.get(text, -1)
            if found == -1:
                found = index[text] = len(strings)
                strings.append(text)  # type: ignore[arg-type]  # None is in the index
            return found

        files: dict[int | None, int | None] = {}
        entries: dict[str, list[Any]] = {}
        for key, value in sorted(self._used.items()):
            plain = value.plain() if isinstance(value, _Made) else self._plain(value)
            members = []
            for member, digest in plain.files:
                members.append(found := intern(member))
                files[found] = intern(digest)
            names = "|".join(
                ",".join("" if t is None else str(intern(t)) for t in field)
                for field in (plain.labels, plain.configs, plain.requested_parts)
            )
            entries[key] = [members, names, plain.tail]
        pairs = [i for pair in sorted(files.items()) for i in pair]
        listed = {key: entry[:2] for key, entry in entries.items()}
        document = {"strings": strings, "files": pairs, "entries": listed}
        tails = "\n".join(entry[2] for entry in entries.values())  # JSON texts: no raw newline
        data = (json.dumps(document, separators=(",", ":")) + "\n" + tails).encode()
        header = {"format": FORMAT, "code": self._code, "crc32": zlib.crc32(data)}
        try:
            atomic_write_bytes(self.path, json.dumps(header).encode() + b"\n" + data + b"\n")
        except OSError:
            return False
        self._strings, self._loaded = strings, entries
        self._files = {m: d for m, d in files.items() if m is not None and d is not None}
        self._stale = None
        self._used = dict(entries)
        return True

    def _plain(self, entry: list[Any]) -> _Plain:
        """An entry read from the file, as texts."""
        text = self._strings
        members, names, tail = entry
        files = [(text[m], text[self._files[m]]) for m in members]
        parts, labels, configs = _names(text, names)
        return _Plain(files, tail, parts, labels, list(configs.values()))


def _names(text: list[str], names: str) -> Names:
    """An entry's requested parts, labels and configuration digests, decoded when read."""
    labels, configs, parts = names.split("|")
    label_texts = tuple(_texts(text, labels.split(",")))
    return (
        tuple([text[int(i)] if i else None for i in parts.split(",")]),
        label_texts,
        dict(zip(label_texts, _texts(text, configs.split(",")), strict=True)),
    )


def _texts(text: list[str], indices: Iterable[int | str]) -> list[str]:
    return [text[int(i)] for i in indices]


class _Made(NamedTuple):
    """A composition made in this plan: an entry only when the cache is saved."""

    files: list[tuple[str, str]]
    """The closure's wagons with their file digests."""
    composition: Composition

    def plain(self) -> _Plain:
        composition = self.composition
        labels = composition.labels
        return _Plain(
            self.files,
            composition.hash_tail,
            composition.requested_parts,
            labels,
            [composition.config_json(label) for label in labels],
        )


class _Plain(NamedTuple):
    """An entry as texts, to be written."""

    files: list[tuple[str, str]]
    tail: str
    """The composition's :attr:`~hyperloop_gitops.train.spec.Composition.hash_tail`."""
    requested_parts: Sequence[Part]
    labels: Sequence[str]
    configs: Sequence[str]
    """The configuration digests as JSON texts, in the labels' order."""


def _wagon_digests(repository: Repository) -> dict[Any, str]:
    """The wagon files' digests by wagon id (once per repository)."""
    table = repository.memo_table("wagon-file-digests")
    if not table:
        table.update((k, v) for (kind, k), v in repository.file_digests.items() if kind == "wagon")
    return table


def _key(wagon_id: str, parts: tuple[Part, ...]) -> str:
    # the base is "" (a subwagon's name is never empty), names have no "," or tab
    if len(parts) == 1:
        return f"{wagon_id}\t{parts[0] or ''}"
    return wagon_id + "\t" + ",".join([part or "" for part in parts])
