"""The plot cache: the SVG text of every graph of the last build, by content hash.

A graph is a pure function of its input (a test's performance metrics, a train's histograms,
a wagon's test results) and of the drawing code, so its key is the hash of both (see
:mod:`hyperloop_gitops.site.graphjobs`); a rebuild draws only graphs whose input or code
changed. One JSON file per job (a list of SVG texts), written atomically; after a build the
entries it did not use are removed, so the cache holds what the site holds.

The cache is an optimisation only: an unreadable entry is drawn again, and a cache that cannot
be written is reported and otherwise ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from hyperloop_gitops.site.graphjobs import PlotJob
from hyperloop_gitops.state.atomic import atomic_write_text

#: Default folder under the repository.
DEFAULT_CACHE_DIR = Path(".hyperloop") / "cache" / "site-plots"


class PlotCache:
    """Stored drawings under ``folder`` (None: a cache that holds nothing, for --no-cache)."""

    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self.used: set[str] = set()
        self.unwritable: str | None = None
        """Why the cache could not be written (the first error), if so."""

    def _path(self, job: PlotJob) -> Path | None:
        if self.folder is None:
            return None
        key = hashlib.sha256(f"{self.fingerprint}:{job.kind}:{job.key}".encode()).hexdigest()
        self.used.add(key)
        return self.folder / key[:2] / f"{key}.json"

    def get(self, job: PlotJob) -> list[str] | None:
        """The job's stored SVG texts, or None when absent or unreadable."""
        path = self._path(job)
        if path is None:
            return None
        try:
            svgs = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(svgs, list)
            or len(svgs) != len(job.pages)
            or not all(isinstance(s, str) for s in svgs)
        ):
            return None
        return svgs

    def put(self, job: PlotJob, svgs: list[str]) -> None:
        """Store the job's drawings (not durably: a lost entry is only drawn again)."""
        path = self._path(job)
        if path is None or self.unwritable is not None:
            return
        try:
            atomic_write_text(path, json.dumps(svgs), durable=False)
        except OSError as error:
            self.unwritable = f"plot cache {self.folder} not written: {error.strerror or error}"

    def prune(self) -> int:
        """Remove the entries this build did not use; return how many."""
        if self.folder is None or not self.folder.is_dir() or self.unwritable is not None:
            return 0
        removed = 0
        for path in self.folder.glob("*/*"):
            # stray temporary files of an interrupted write go too
            if path.is_file() and path.name.removesuffix(".json") not in self.used:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed
