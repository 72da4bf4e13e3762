"""Desired state: every enabled (wagon or subwagon, dataset, package choice) is a request.

Wagons of service analyses are helpers: they run in trains as dependencies of other wagons and
are never composed on their own, so their enablements make no requests.
"""

from __future__ import annotations

from operator import attrgetter
from typing import NamedTuple

from hyperloop_gitops.config import Repository
from hyperloop_gitops.model.wagon import PackageChoice
from hyperloop_gitops.train import Part

_LATEST = PackageChoice("latest")
_BASE_ONLY: tuple[Part, ...] = (None,)


class Request(NamedTuple):
    """One part of a wagon wanted on a dataset with a package choice (a named tuple: a plan
    makes one per enabled part, tens of thousands)."""

    wagon_id: str
    part: Part
    dataset: str
    choice: PackageChoice
    enabled_parts: tuple[Part, ...] = ()
    """Every part enabled with this one on the dataset: what the wagon test runs."""

    @property
    def analysis(self) -> str:
        return self.wagon_id.split("/", 1)[0]


def desired_requests(repository: Repository) -> list[Request]:
    """Every request of the repository, by dataset, wagon, then base before subwagons."""
    found: list[Request] = []
    analyses = repository.analyses
    tags: dict[str, PackageChoice] = {}  # one value per choice (a plan resolves each once)
    for wagon_id, wagon in sorted(repository.wagons.items()):
        analysis = analyses.get(wagon_id.partition("/")[0])
        if analysis is None or analysis.service:
            continue
        for enablement in wagon.enabled:
            tag = enablement.tag
            if tag is not None:
                choice = tags.get(tag) or tags.setdefault(tag, enablement.package)
            elif enablement.latest:
                choice = _LATEST
            else:
                choice = enablement.package
            if enablement.base and not enablement.subwagons:  # most often: the base alone
                found.append(Request(wagon_id, None, enablement.dataset, choice, _BASE_ONLY))
            else:
                parts, dataset = enablement.parts, enablement.dataset
                found += [Request(wagon_id, part, dataset, choice, parts) for part in parts]
    # stable: the wagons come sorted, and within a wagon and dataset the parts keep the
    # enablement's order (base first)
    found.sort(key=attrgetter("dataset"))
    return found
