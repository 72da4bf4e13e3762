"""The package catalog: which tag a request runs with (HYPERLOOP.md "enabled on datasets").

A fixed tag is used as given. ``latest`` is the newest tag by date. A pull request needs the
oldest tag that contains it; until one does, the request waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import yaml
from pydantic import ValidationError

from hyperloop_gitops.config import Repository
from hyperloop_gitops.errors import HyperloopError
from hyperloop_gitops.model.common import short_tag
from hyperloop_gitops.model.settings import PackageTagEntry
from hyperloop_gitops.model.wagon import PackageChoice


class CatalogError(HyperloopError):
    """Raised by the reconciler when ``packages.catalog_file`` cannot be read or is invalid."""


@dataclass(frozen=True)
class Resolution:
    """A resolved package: the tag, or why there is none yet."""

    tag: str | None
    waiting: str | None = None


def package_catalog(repository: Repository) -> list[PackageTagEntry]:
    """Every known tag: ``packages.tags`` and the entries of ``packages.catalog_file``."""
    packages = repository.settings.packages
    entries = list(packages.tags)
    if packages.catalog_file is None:
        return entries
    relative = PurePosixPath(packages.catalog_file)
    if relative.is_absolute() or ".." in relative.parts:
        raise CatalogError(
            f"packages.catalog_file must be a path inside the repository, found "
            f"{packages.catalog_file!r}"
        )
    path = repository.root / relative
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogError(
            f"{relative}: cannot read the package catalog: {error.strerror}"
        ) from error
    except yaml.YAMLError as error:
        raise CatalogError(f"{relative}: not valid YAML: {error}") from error
    rows = data.get("tags", data) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise CatalogError(f"{relative}: expected a list of tags (or 'tags: [...]')")
    for index, row in enumerate(rows):
        try:
            entries.append(PackageTagEntry.model_validate(row, strict=False))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise CatalogError(f"{relative}: tags[{index}].{where}: {first['msg']}") from error
    return entries


def resolve(choice: PackageChoice, catalog: list[PackageTagEntry]) -> Resolution:
    """The tag a package choice means today."""
    if choice.kind == "tag":
        return Resolution(short_tag(choice.tag or ""))
    by_date = sorted(catalog, key=lambda e: (e.date, short_tag(e.tag)))
    if choice.kind == "latest":
        if not by_date:
            return Resolution(None, "no package tag in the catalog (packages.tags)")
        return Resolution(short_tag(by_date[-1].tag))
    for entry in by_date:
        if choice.pull_request in entry.pull_requests:
            return Resolution(short_tag(entry.tag))
    return Resolution(None, f"package from pull request #{choice.pull_request}, not yet in a tag")
