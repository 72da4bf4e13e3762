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
fingerprint, the CRC-32 of the next line), then one line of JSON: ``strings``, every text once
(ids, labels, digests: most wagons share the same service wagons), and ``entries``, each a list
of fields of indices into ``strings``. The checksum stands for checking every entry's shape
(it catches a damaged file, not a forged one): what passes it is what
:meth:`CompositionCache.save` wrote.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from collections.abc import Callable, Mapping
from functools import cache
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from hyperloop_gitops.config import Repository
from hyperloop_gitops.train.spec import Composition, Part, WagonInstance

Build = Callable[[], tuple[tuple[WagonInstance, ...], Mapping[str, tuple[str, ...]]]]
"""Builds a composition's instances and closures when something asks for them."""

FORMAT = 2

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
        self._loaded: dict[str, list[Any]] = {}
        if path is not None:
            self._read(path)
        self._used: dict[str, list[Any] | _Entry] = {}
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
            document = json.loads(body)
            strings, entries = document["strings"], document["entries"]
        except (OSError, ValueError, TypeError, KeyError):
            return
        self._strings, self._loaded = strings, entries

    def get(
        self, repository: Repository, wagon_id: str, parts: tuple[Part, ...], build: Build
    ) -> Composition | None:
        """The composition of ``wagon_id``'s ``parts`` if an earlier plan kept it and none of
        its files changed, else ``None``. ``build`` makes its instances if they are asked for."""
        key = _key(wagon_id, parts)
        entry = self._loaded.get(key)
        composition = self._composition(repository, entry, build) if entry else None
        if composition is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used[key] = entry  # type: ignore[assignment]  # not None: a composition came of it
        return composition

    def _composition(
        self, repository: Repository, entry: list[Any], build: Build
    ) -> Composition | None:
        # the entry is as save() wrote it (the file's checksum): no shape to check
        if not self._files_match(repository, entry):
            return None
        text = self._strings
        _, digests, labels, configs, [requested], requested_parts = entry
        names = tuple(text[i] for i in labels)
        return Composition(
            digests_json="[" + ",".join([f'"{text[i]}"' for i in digests]) + "]",
            requested_json=text[requested],
            requested_parts=tuple(None if i is None else text[i] for i in requested_parts),
            labels=names,
            configs={name: f'"{text[i]}"' for name, i in zip(names, configs, strict=True)},
            build=build,
        )

    def _files_match(self, repository: Repository, entry: list[Any]) -> bool:
        text, files = self._strings, entry[0]
        current = _wagon_digests(repository)
        for index in range(0, len(files), 2):
            if current.get(text[files[index]]) != text[files[index + 1]]:
                return False
        return True

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
        self._used[_key(wagon_id, parts)] = _Entry(files, composition)

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
        made = sum(1 for value in self._used.values() if isinstance(value, _Entry))
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

        entries = {}
        for key, value in sorted(self._used.items()):
            plain = value.plain() if isinstance(value, _Entry) else self._plain(value)
            entries[key] = [[intern(text) for text in field] for field in plain]
        body = json.dumps({"strings": strings, "entries": entries}, separators=(",", ":"))
        data = body.encode()
        header = {"format": FORMAT, "code": self._code, "crc32": zlib.crc32(data)}
        try:
            atomic_write_bytes(self.path, json.dumps(header).encode() + b"\n" + data + b"\n")
        except OSError:
            return False
        self._strings, self._loaded = strings, entries
        self._used = dict(entries)
        return True

    def _plain(self, entry: list[Any]) -> list[list[str | None]]:
        text = self._strings
        return [[None if i is None else text[i] for i in field] for field in entry]


class _Entry:
    """A composition made in this plan, turned into an entry only when the cache is saved."""

    def __init__(self, files: list[tuple[str, str]], composition: Composition) -> None:
        self.files = files
        self.composition = composition

    def plain(self) -> list[list[str | None]]:
        """The entry's fields as texts: files (member, digest, ...), the instances' digests,
        labels and configuration digests, the requested labels (as JSON) and parts."""
        composition = self.composition
        return [
            [text for pair in self.files for text in pair],
            json.loads(composition.digests_json),
            list(composition.labels),
            [composition.config_json(label)[1:-1] for label in composition.labels],  # "hex"
            [composition.requested_json],
            list(composition.requested_parts),
        ]


def _wagon_digests(repository: Repository) -> dict[Any, str]:
    """The wagon files' digests by wagon id (once per repository)."""
    table = repository.memo_table("wagon-file-digests")
    if not table:
        table.update((k, v) for (kind, k), v in repository.file_digests.items() if kind == "wagon")
    return table


def _key(wagon_id: str, parts: tuple[Part, ...]) -> str:
    # the base is "" (a subwagon's name is never empty), names have no "," or tab
    return wagon_id + "\t" + ",".join(part or "" for part in parts)
