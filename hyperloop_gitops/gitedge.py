"""The git edges of diff and impact: configuration repositories at revisions.

A revision's files are written to a temporary folder and loaded like a working tree, so the
loader has one code path; the working tree is loaded where it is.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import git

from hyperloop_gitops.config import LoadResult, load_repository
from hyperloop_gitops.impact import Impact, compute_impact
from hyperloop_gitops.semdiff import diff_revisions
from hyperloop_gitops.snapshot import materialize, snapshot_at


def load_at(repo: git.Repo, rev: str | None) -> LoadResult:
    """The configuration at ``rev`` (None: the working tree), loaded and checked."""
    if rev is None:
        return load_repository(Path(str(repo.working_dir)))
    with tempfile.TemporaryDirectory(prefix="hyperloop-rev-") as tmp:
        return load_repository(materialize(snapshot_at(repo, rev), Path(tmp)))


def impact_between(repo: git.Repo, base: str, head: str | None) -> Impact:
    """The impact of the change from ``base`` to ``head`` (None: the working tree)."""
    from hyperloop_gitops.history import read_history

    diff = diff_revisions(repo, base, head)
    base_repo = load_at(repo, diff.base).repository
    head_repo = load_at(repo, None if head is None else diff.head).repository

    @functools.cache
    def enablers() -> dict[tuple[str, str], str | None]:
        # Only analyses notifying "the enabler" need the history: read it once, on demand.
        return read_history(repo, "HEAD" if head is None else diff.head).enablers()

    return compute_impact(
        base_repo,
        head_repo,
        diff.entities,
        enabler_of=lambda wagon, dataset: enablers().get((wagon, dataset)),
    )
