"""Building the site: read the sources once, render every page, copy the static assets.

The output is a function of the input only: pages are rendered in sorted order, times come
from the data, plots are deterministic SVG, JSON is written with sorted keys. Two builds of the
same input are byte-identical (tests/site/test_build.py checks it).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperloop_gitops.site import feeds, pages, searchindex, trainpages
from hyperloop_gitops.site.render import SiteError, assets_dir, environment, relative_root
from hyperloop_gitops.site.sources import collect
from hyperloop_gitops.site.views import SiteData


@dataclass
class BuildReport:
    """What a build wrote: where the site is, how many pages, what was missing."""

    output: Path
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)

    @property
    def index(self) -> Path:
        """The dashboard, the site's entry page."""
        return self.output / "index.html"


class Writer:
    """Renders templates to files under the output folder, every link relative."""

    def __init__(self, output: Path, data: SiteData) -> None:
        self.output = output
        self.data = data
        self.env = environment(assets_dir() / "templates")
        self.pages = 0
        self.files = 0
        self._written: set[str] = set()

    def render(self, template: str, page: str, **context: Any) -> None:
        """Render ``template`` to ``page`` (a path under the site root)."""
        text = self.env.get_template(template).render(
            root=relative_root(page), page=page, missing=self.data.missing, **context
        )
        self.write_text(page, text)
        if page.endswith(".html"):
            self.pages += 1

    def write_text(self, page: str, text: str) -> None:
        """Write one file of the site (UTF-8, ``\\n`` line ends)."""
        if page in self._written:
            raise SiteError(f"two pages of the site would be written to {page}")
        self._written.add(page)
        path = self.output / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        self.files += 1

    def exists(self, page: str) -> bool:
        """True once ``page`` was written by this build."""
        return page in self._written


def build_site(repo_root: Path, output: Path, state_dir: Path | None = None) -> BuildReport:
    """Build the whole site of the repository at ``repo_root`` into ``output``.

    ``state_dir`` is the state store (default ``.hyperloop/state`` under the repository).
    The output folder is emptied first, so no page of an earlier build survives.
    """
    started = time.perf_counter()
    data = collect(repo_root, state_dir)
    output = output.resolve()
    _prepare(output, repo_root.resolve())
    writer = Writer(output, data)
    _copy_static(output)
    writer.write_text(
        "static/users.js",
        "window.HYPERLOOP_USERS = " + json.dumps(list(data.users)) + ";\n",
    )
    pages.build_all(writer)
    trainpages.build_all(writer)
    feeds.build_all(writer)
    searchindex.build(writer)
    missing = list(dict.fromkeys(m for m in vars(data.missing).values() if m))
    return BuildReport(
        output=output,
        pages=writer.pages,
        files=writer.files + len(_static_files()),
        seconds=time.perf_counter() - started,
        missing=missing,
    )


def _prepare(output: Path, repo_root: Path) -> None:
    if output == repo_root or output in repo_root.parents:
        raise SiteError(f"refusing to build the site into {output}: it holds the repository")
    if output.exists():
        if not output.is_dir():
            raise SiteError(f"{output} exists and is not a folder")
        if any(output.iterdir()) and not (output / "index.html").exists():
            raise SiteError(
                f"{output} is not empty and holds no site (no index.html): choose another folder"
            )
        shutil.rmtree(output)
    output.mkdir(parents=True)


def _static_files() -> list[Path]:
    static = assets_dir() / "static"
    return sorted(p for p in static.rglob("*") if p.is_file())


def _copy_static(output: Path) -> None:
    static = assets_dir() / "static"
    for source in _static_files():
        target = output / "static" / source.relative_to(static)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
