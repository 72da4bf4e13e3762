"""The static site: dashboard, analyses, wagons with history, datasets, runlists, trains,
notifications, performance graphs and search, built from the configuration, the git history
and the state. Templates and assets live in the top-level ``site/`` folder.

The builder is imported on first use: graph-drawing workers import modules of this package
and need none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hyperloop_gitops.site.errors import SiteError

if TYPE_CHECKING:
    from hyperloop_gitops.site.builder import BuildReport, build_site

__all__ = ["BuildReport", "SiteError", "build_site"]


def __getattr__(name: str) -> Any:
    if name in {"BuildReport", "build_site"}:
        from hyperloop_gitops.site import builder

        return getattr(builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
