"""The build cache: what an earlier build computed, by the content hash of its input.

Drawing graphs is nearly all of a build's time, and reading a train's merged ROOT file means
importing uproot. Both are pure functions of their input (a test's performance metrics, a
train's histograms, a wagon's test results; the bytes of a ROOT file) and of the code, so
their results are kept here under the hash of both, and a rebuild redoes only what changed.

Layout under the folder (default ``.hyperloop/cache/site`` in the repository): ``entries/``
holds one JSON file per key, written atomically; after a build the entries it did not use are
removed, so the cache holds what the site holds. ``templates/`` is Jinja2's bytecode cache
(Jinja2 checks each template's source itself).

The cache is an optimisation only: an unreadable entry is computed again, and a cache that
cannot be written is reported once (a ``note:``) and otherwise ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from hyperloop_gitops.site.errors import SiteError
from hyperloop_gitops.state.atomic import atomic_write_text

#: Default folder under the repository.
DEFAULT_CACHE_DIR = Path(".hyperloop") / "cache" / "site"

#: The modules whose code decides what a cached result holds (how a graph looks, how a ROOT
#: file or a performanceMetrics.json is read): part of every key, so a change to them never
#: serves an old result.
CACHED_CODE = (
    "hyperloop_gitops.site.graphjobs",
    "hyperloop_gitops.site.merged",
    "hyperloop_gitops.site.plots",
    "hyperloop_gitops.site.testplots",
    "hyperloop_gitops.testing.graphs",
    "hyperloop_gitops.testing.metrics",
    "hyperloop_gitops.testing.perfmetrics",
)


def code_fingerprint() -> str:
    """Hash of the code in :data:`CACHED_CODE` and the versions of matplotlib and uproot.

    Nothing is imported for it: a build served from the cache never imports matplotlib.
    """
    from importlib.metadata import version
    from importlib.util import find_spec

    digest = hashlib.sha256(
        f"matplotlib {version('matplotlib')} uproot {version('uproot')}\n".encode()
    )
    for name in CACHED_CODE:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise SiteError(f"cannot find the source of {name} to key the site cache")
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()


class SiteCache:
    """Stored results under ``folder``; with ``folder=None`` it holds nothing (--no-cache)."""

    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        """Hash of the code the stored results depend on: part of every key."""
        self.used: set[str] = set()
        self.unwritable: str | None = None
        """Why the cache could not be written (the first error), if so."""

    @property
    def templates(self) -> Path | None:
        """The folder of Jinja2's bytecode cache (None without a cache)."""
        return None if self.folder is None else self.folder / "templates"

    def _path(self, kind: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        name = hashlib.sha256(f"{self.fingerprint}:{kind}:{key}".encode()).hexdigest()
        self.used.add(name)
        return self.folder / "entries" / name[:2] / f"{name}.json"

    def load(self, kind: str, key: str) -> Any:
        """The value stored for (kind, key), or None when absent or unreadable."""
        path = self._path(kind, key)
        if path is None:
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def store(self, kind: str, key: str, value: Any) -> None:
        """Store a JSON value (not durably: a lost entry is only computed again)."""
        path = self._path(kind, key)
        if path is None or self.unwritable is not None:
            return
        try:
            atomic_write_text(path, json.dumps(value), durable=False)
        except OSError as error:
            self.unwritable = f"cache {self.folder} not written: {error.strerror or error}"

    def prune(self) -> int:
        """Remove the entries this build did not use; return how many."""
        entries = None if self.folder is None else self.folder / "entries"
        if entries is None or not entries.is_dir() or self.unwritable is not None:
            return 0
        removed = 0
        for path in entries.glob("*/*"):
            # stray temporary files of an interrupted write go too
            if path.is_file() and path.name.removesuffix(".json") not in self.used:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed
