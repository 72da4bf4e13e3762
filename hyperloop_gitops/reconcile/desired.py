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
    for wagon_id, wagon in sorted(repository.wagons.items()):
        analysis = analyses.get(wagon_id.partition("/")[0])
        if analysis is None or analysis.service:
            continue
        for enablement in wagon.enabled:
            parts, dataset, choice = enablement.parts, enablement.dataset, enablement.package
            if len(parts) == 1:  # most often: the base alone
                found.append(Request(wagon_id, parts[0], dataset, choice, parts))
            else:
                found += [Request(wagon_id, part, dataset, choice, parts) for part in parts]
    # stable: the wagons come sorted, and within a wagon and dataset the parts keep the
    # enablement's order (base first)
    found.sort(key=attrgetter("dataset"))
    return found
