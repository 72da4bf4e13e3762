"""The static site: dashboard, analyses, wagons with history, datasets, runlists, trains,
notifications, performance graphs and search, built from the configuration, the git history
and the state. Templates and assets live in the top-level ``site/`` folder."""

from __future__ import annotations

from hyperloop_gitops.site.builder import BuildReport, build_site
from hyperloop_gitops.site.render import SiteError

__all__ = ["BuildReport", "SiteError", "build_site"]
