"""Desired state: every enabled (wagon or subwagon, dataset, package choice) is a request.

Wagons of service analyses are helpers: they run in trains as dependencies of other wagons and
are never composed on their own, so their enablements make no requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hyperloop_gitops.config import Repository
from hyperloop_gitops.model.wagon import PackageChoice
from hyperloop_gitops.train import Part


@dataclass(frozen=True)
class Request:
    """One part of a wagon wanted on a dataset with a package choice."""

    wagon_id: str
    part: Part
    dataset: str
    choice: PackageChoice
    enabled_parts: tuple[Part, ...] = field(default=(), compare=False)
    """Every part enabled with this one on the dataset: what the wagon test runs."""

    @property
    def analysis(self) -> str:
        return self.wagon_id.split("/", 1)[0]


def desired_requests(repository: Repository) -> list[Request]:
    """Every request of the repository, by dataset, wagon, then base before subwagons."""
    found: list[Request] = []
    for wagon_id in sorted(repository.wagons):
        analysis = repository.analyses.get(wagon_id.split("/", 1)[0])
        if analysis is None or analysis.service:
            continue
        wagon = repository.wagons[wagon_id]
        for enablement in wagon.enabled:
            for part in enablement.parts:
                found.append(
                    Request(
                        wagon_id, part, enablement.dataset, enablement.package, enablement.parts
                    )
                )
    # stable: within a wagon and dataset, the parts keep the enablement's order (base first)
    return sorted(found, key=lambda r: (r.dataset, r.wagon_id))
