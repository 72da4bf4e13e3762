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

Layout: one text file (default ``.hyperloop/cache/reconcile/compositions.json``), written
atomically, holding only the entries the last plan used: a header line (JSON: format, code
fingerprint, the CRC-32 of the rest, and the length of each section), then one item a line,
in sections, so that a plan reads it with one split and a few slices (decoding the same as
JSON took several times as long):

* the strings: every text once (ids, labels, digests; most wagons share the same service
  wagons), the wagons with a recorded file first;
* the file digest of each of those wagons when the entries were made;
* the entries' keys (wagon id, a tab, its parts: ``""`` for the base);
* per entry, the wagons of its closure (``0,2,4``: indices into the strings);
* per entry, what a plan seldom reads, decoded when read: labels, configuration digests and
  requested parts, three such lists joined by ``|``, an empty index for the base;
* per entry, the composition's hash tail: the text that ends its specs' hash texts
  (requested labels and instance digests, as JSON).

No text in it has a newline (names are validated, digests are hex, JSON is compact; a file
with one would fail its counts and be ignored). The checksum and the counts stand for
checking every entry's shape (they catch a damaged file, not a forged one): what passes them
is what :meth:`CompositionCache.save` wrote.
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
from typing import NamedTuple

from hyperloop_gitops.config import Repository
from hyperloop_gitops.train.spec import Build, Composition, Names, Part

FORMAT = 5

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
        """Every text once; the first ``len(_digests)`` are the wagons with recorded files."""
        self._digests: list[str] = []
        """The file digest of each of those wagons when the file was written."""
        self._loaded: dict[str, int] = {}
        """Key -> its entry's index in the lists below (the file's sections)."""
        self._members: list[str] = []
        self._names: list[str] = []
        self._tails: list[str] = []
        if path is not None:
            self._read(path)
        self._stale: tuple[Repository, set[int]] | None = None
        self._used: dict[str, int | _Made] = {}
        """What this plan used: a loaded entry's index, or a composition made afresh."""
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
            lines = body.decode().split("\n")
            files, count, listed = header["files"], header["strings"], header["entries"]
            if len(lines) != count + files + 4 * listed or not 0 <= files <= count:
                return
        except (OSError, ValueError, TypeError, KeyError):
            return
        self._strings = lines[:count]
        self._digests = lines[count : count + files]
        start = count + files
        keys, self._members, self._names, self._tails = (
            lines[start + i * listed : start + (i + 1) * listed] for i in range(4)
        )
        self._loaded = dict(zip(keys, range(listed), strict=True))

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
        names = partial(_names, self._strings, self._names[entry])
        return Composition(self._tails[entry], build, names)

    def _files_match(self, repository: Repository, entry: int) -> bool:
        """None of the files of the entry's wagons changed since the file was written."""
        stale = self._stale_files(repository)
        return not stale or stale.isdisjoint(map(int, self._members[entry].split(",")))

    def _stale_files(self, repository: Repository) -> set[int]:
        """The wagons (indices into the strings) whose file is not as it was (or is gone)."""
        known = self._stale
        if known is not None and known[0] is repository:
            return known[1]
        now = repository.file_digests.get("wagon", {}).get
        digests = self._digests
        wagons = zip(self._strings[: len(digests)], digests, strict=True)
        stale = {i for i, (name, digest) in enumerate(wagons) if now(name) != digest}
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
        digests = repository.file_digests.get("wagon", {})
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

        # in the order this plan used them: the next plan reads its entries in the order
        # it asks for them, from memory laid out in that order
        plains = [
            (key, value.plain() if isinstance(value, _Made) else self._plain(value))
            for key, value in self._used.items()
        ]
        # the wagons with files first, each once, their digests in the same order
        recorded = dict(pair for _, plain in plains for pair in plain.files)
        strings = list(recorded)
        index = {text: i for i, text in enumerate(strings)}

        def intern(text: str) -> int:
            found = index.get(text)
            if found is None:
                found = index[text] = len(strings)
                strings.append(text)
            return found

        def indices(texts: Iterable[str | None]) -> str:
            return ",".join("" if t is None else str(intern(t)) for t in texts)

        keys, members, names, tails = [], [], [], []
        for key, plain in plains:
            keys.append(key)
            members.append(indices(member for member, _ in plain.files))
            fields = (plain.labels, plain.configs, plain.requested_parts)
            names.append("|".join(indices(field) for field in fields))
            tails.append(plain.tail)
        digests = list(recorded.values())
        data = "\n".join([*strings, *digests, *keys, *members, *names, *tails]).encode()
        header = {
            "format": FORMAT,
            "code": self._code,
            "crc32": zlib.crc32(data),
            "strings": len(strings),
            "files": len(digests),
            "entries": len(keys),
        }
        try:
            atomic_write_bytes(self.path, json.dumps(header).encode() + b"\n" + data + b"\n")
        except OSError:
            return False
        self._strings, self._digests = strings, digests
        self._members, self._names, self._tails = members, names, tails
        self._loaded = dict(zip(keys, range(len(keys)), strict=True))
        self._stale = None
        self._used = dict(self._loaded)
        return True

    def _plain(self, entry: int) -> _Plain:
        """An entry read from the file, as texts."""
        text, digests = self._strings, self._digests
        members = map(int, self._members[entry].split(","))
        files = [(text[m], digests[m]) for m in members]
        parts, labels, configs = _names(text, self._names[entry])
        return _Plain(files, self._tails[entry], parts, labels, list(configs.values()))


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


def _key(wagon_id: str, parts: tuple[Part, ...]) -> str:
    # the base is "" (a subwagon's name is never empty), names have no "," or tab
    if len(parts) == 1:
        return f"{wagon_id}\t{parts[0] or ''}"
    return wagon_id + "\t" + ",".join([part or "" for part in parts])
