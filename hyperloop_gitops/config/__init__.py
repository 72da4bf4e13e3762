"""Loading and checking configuration repositories."""

from __future__ import annotations

from hyperloop_gitops.config.repository import (
    LoadResult,
    Repository,
    load_repository,
    load_valid_repository,
)

__all__ = ["LoadResult", "Repository", "load_repository", "load_valid_repository"]
