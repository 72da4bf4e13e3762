"""Building the site: read the sources once, render every page, draw the graphs, copy the
static assets.

The output is a function of the input only: pages are rendered in sorted order, times come
from the data, plots are deterministic SVG, JSON is written with sorted keys. Two builds of the
same input are byte-identical (tests/site/test_site_build.py checks it), with the plot cache
or without it.

Graphs are most of the cost, so pages only register them (:class:`graphjobs.PlotJob`); they
are drawn after the pages, each at most once, taken from the plot cache when their input and
drawing code are unchanged, and otherwise drawn in worker processes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from hyperloop_gitops.site import feeds, graphjobs, pages, searchindex, trainpages
from hyperloop_gitops.site.cache import DEFAULT_CACHE_DIR, SiteCache, code_fingerprint
from hyperloop_gitops.site.errors import SiteError
from hyperloop_gitops.site.graphjobs import PlotJob
from hyperloop_gitops.site.merged import Histogram, read_histograms
from hyperloop_gitops.site.render import assets_dir, environment, relative_root
from hyperloop_gitops.site.sources import collect
from hyperloop_gitops.site.views import SiteData

if TYPE_CHECKING:
    from hyperloop_gitops.site.testplots import Graph

#: A long drawing step says how far it got this often.
GRAPH_PROGRESS_EVERY_S = 10.0

Progress = Callable[[str], None]
"""Receives one line per finished step of a build (the CLI prints them)."""


@dataclass
class BuildReport:
    """What a build wrote: where the site is, how many pages, what was missing."""

    output: Path
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)
    graphs_drawn: int = 0
    """Graph files drawn by this build."""
    graphs_cached: int = 0
    """Graph files taken from the plot cache."""

    @property
    def index(self) -> Path:
        """The dashboard, the site's entry page."""
        return self.output / "index.html"


class Writer:
    """Renders templates to files under the output folder, every link relative."""

    def __init__(self, output: Path, data: SiteData, cache: SiteCache | None = None) -> None:
        self.output = output
        self.data = data
        self.cache = cache or SiteCache(None, "")
        self.env = environment(assets_dir() / "templates", _writable(self.cache.templates))
        self.pages = 0
        self.files = 0
        self.plots: list[PlotJob] = []
        self.test_graphs: dict[str, tuple[Graph, ...]] = {}
        """The graphs of each test (by key) once registered: wagon and train pages share them."""
        self._written: set[str] = set()

    def render(self, template: str, page: str, **context: Any) -> None:
        """Render ``template`` to ``page`` (a path under the site root)."""
        text = self.env.get_template(template).render(
            root=relative_root(page), page=page, missing=self.data.missing, **context
        )
        self.write_text(page, text)
        if page.endswith(".html"):
            self.pages += 1

    def plot(self, job: PlotJob) -> None:
        """Register a graph: its files are drawn (or taken from the cache) after the pages."""
        for page in job.pages:
            self._claim(page)
        self.plots.append(job)

    def write_text(self, page: str, text: str) -> None:
        """Write one file of the site (UTF-8, ``\\n`` line ends)."""
        self._claim(page)
        self.write_claimed(page, text)

    def _claim(self, page: str) -> None:
        if page in self._written:
            raise SiteError(f"two pages of the site would be written to {page}")
        self._written.add(page)

    def write_claimed(self, page: str, text: str) -> None:
        """Write a file whose name :meth:`plot` (or :meth:`write_text`) claimed."""
        path = self.output / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        self.files += 1

    def histograms(self, path: Path) -> list[Histogram]:
        """The 1D histograms of a ROOT file, kept in the cache by the file's content."""
        try:
            key = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return []
        stored = self.cache.load("histograms", key)
        if isinstance(stored, list):
            try:
                return [
                    Histogram(h["path"], tuple(h["edges"]), tuple(h["values"]), h["xlabel"])
                    for h in stored
                ]
            except (KeyError, TypeError):
                pass  # an entry of another shape: read the file again
        found = read_histograms(path)
        self.cache.store("histograms", key, [dataclasses.asdict(h) for h in found])
        return found

    @property
    def written(self) -> frozenset[str]:
        """Every file this build wrote or claimed (paths under the site root)."""
        return frozenset(self._written)

    def exists(self, page: str) -> bool:
        """True once ``page`` was written or claimed (a graph to draw) by this build."""
        return page in self._written


def build_site(
    repo_root: Path,
    output: Path,
    state_dir: Path | None = None,
    *,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the whole site of the repository at ``repo_root`` into ``output``.

    ``state_dir`` is the state store (default ``.hyperloop/state`` under the repository).
    Files of an earlier build that this one does not write are removed at the end, so no page
    of an earlier build survives. Graphs come from the cache (``cache_dir``, default
    ``.hyperloop/cache/site`` under the repository; ``use_cache=False`` draws every one) and
    are drawn in up to ``workers`` processes (default: the CPUs available). ``progress``
    receives one line per step.
    """
    say: Progress = progress or (lambda _line: None)
    started = time.perf_counter()
    output = output.resolve()
    _check_output(output, repo_root.resolve())
    data = collect(repo_root, state_dir)
    say(
        f"sources: {len(data.repository.wagons)} wagons, {len(data.tests)} test results, "
        f"{len(data.trains)} trains, {len(data.histories)} entity histories "
        f"({_since(started)})"
    )
    output.mkdir(parents=True, exist_ok=True)
    folder = (cache_dir or repo_root / DEFAULT_CACHE_DIR) if use_cache else None
    cache = SiteCache(folder.resolve() if folder else None, code_fingerprint())
    writer = Writer(output, data, cache)
    step = time.perf_counter()
    _copy_static(output)
    writer.write_text(
        "static/users.js",
        "window.HYPERLOOP_USERS = " + json.dumps(list(data.users)) + ";\n",
    )
    pages.build_all(writer)
    trainpages.build_all(writer)
    files_before = writer.files
    feeds.build_all(writer)
    feed_files = writer.files - files_before
    searchindex.build(writer)
    say(
        f"pages: {writer.pages} HTML pages ({len(data.trains)} of them trains), "
        f"{feed_files} Atom feeds, the search index ({_since(step)})"
    )
    drawn, cached = _graphs(writer, workers or graphjobs.default_workers(), say)
    cache.prune()
    _remove_stale(output, {output / page for page in writer.written} | _static_targets(output))
    missing = list(dict.fromkeys(m for m in vars(data.missing).values() if m))
    if cache.unwritable:
        missing.append(cache.unwritable)
    return BuildReport(
        output=output,
        pages=writer.pages,
        files=writer.files + len(_static_files()),
        seconds=time.perf_counter() - started,
        missing=missing,
        graphs_drawn=drawn,
        graphs_cached=cached,
    )


def _since(start: float) -> str:
    return f"{time.perf_counter() - start:.2f} s"


def _graphs(writer: Writer, workers: int, say: Progress) -> tuple[int, int]:
    """Write every registered graph, from the cache or drawn; (files drawn, files cached)."""
    started = time.perf_counter()
    to_draw = []
    cached = 0
    for job in writer.plots:
        svgs = writer.cache.load("graph", f"{job.kind}:{job.key}")
        if not _is_drawing(svgs, job):
            to_draw.append(job.ready())
            continue
        for page, text in zip(job.pages, svgs, strict=True):
            writer.write_claimed(page, text)
        cached += len(job.pages)
    drawn = sum(len(job.pages) for job in to_draw)
    if drawn:
        processes = graphjobs.worker_count(len(to_draw), workers)
        say(
            f"graphs: drawing {drawn} in {processes} process{'es' if processes > 1 else ''} "
            f"({cached} unchanged, from the cache)..."
        )
    done, reported = 0, time.perf_counter()
    for job, svgs in zip(to_draw, graphjobs.draw_all(to_draw, workers), strict=True):
        writer.cache.store("graph", f"{job.kind}:{job.key}", svgs)
        for page, text in zip(job.pages, svgs, strict=True):
            writer.write_claimed(page, text)
        done += len(job.pages)
        if time.perf_counter() - reported > GRAPH_PROGRESS_EVERY_S and done < drawn:
            reported = time.perf_counter()
            say(f"graphs: {done}/{drawn} drawn ({_since(started)})")
    say(f"graphs: {drawn} drawn, {cached} from the cache ({_since(started)})")
    return drawn, cached


def _is_drawing(value: Any, job: PlotJob) -> TypeGuard[list[str]]:
    """True for a cached value that is one SVG text per file of ``job``."""
    return (
        isinstance(value, list)
        and len(value) == len(job.pages)
        and all(isinstance(s, str) for s in value)
    )


def _writable(folder: Path | None) -> Path | None:
    """``folder``, created, when this process may write there; else None (no cache)."""
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _check_output(output: Path, repo_root: Path) -> None:
    """Refuse an output folder the build must not empty (before any work is done)."""
    if output == repo_root or output in repo_root.parents:
        raise SiteError(f"refusing to build the site into {output}: it holds the repository")
    if output.exists():
        if not output.is_dir():
            raise SiteError(f"{output} exists and is not a folder")
        if any(output.iterdir()) and not (output / "index.html").exists():
            raise SiteError(
                f"{output} is not empty and holds no site (no index.html): choose another folder"
            )


def _remove_stale(output: Path, written: set[Path]) -> None:
    """Remove what an earlier build left and this one did not write, then empty folders.

    Files are overwritten in place instead of emptying the folder first: deleting thousands
    of files and writing them again costs more than writing them.
    """
    for path in sorted(output.rglob("*"), reverse=True):  # children before their folders
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif path not in written:
            path.unlink()


def _static_files() -> list[Path]:
    static = assets_dir() / "static"
    return sorted(p for p in static.rglob("*") if p.is_file())


def _static_targets(output: Path) -> set[Path]:
    static = assets_dir() / "static"
    return {output / "static" / source.relative_to(static) for source in _static_files()}


def _copy_static(output: Path) -> None:
    static = assets_dir() / "static"
    for source in _static_files():
        target = output / "static" / source.relative_to(static)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
