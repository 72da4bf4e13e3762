"""Two wagons (or subwagons) side by side (🆚): configuration and settings, differences marked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hyperloop_gitops.config import Repository
from hyperloop_gitops.errors import NotFoundError
from hyperloop_gitops.fielddiff import same
from hyperloop_gitops.model.values import classify
from hyperloop_gitops.model.wagon import qualify


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""The value of a key that one side does not have."""


@dataclass(frozen=True)
class Row:
    """One compared key: ``left`` and ``right`` (``MISSING`` where a side lacks it)."""

    key: str
    left: Any
    right: Any

    @property
    def same(self) -> bool:
        """Both sides have the key, with the same value."""
        return (
            self.left is not MISSING and self.right is not MISSING and same(self.left, self.right)
        )


def _flatten(prefix: str, options: Mapping[str, Any], out: dict[str, Any]) -> None:
    for key, value in options.items():
        path = f"{prefix}.{key}"
        if isinstance(value, Mapping) and classify(value) == "group":
            _flatten(path, value, out)
        else:
            out[path] = value


def _side(repo: Repository, spec: str) -> dict[str, Any]:
    wagon_id, _, subwagon = spec.partition(":")
    wagon = repo.wagon(wagon_id)
    if subwagon and subwagon not in {s.name for s in wagon.subwagons}:
        names = ", ".join(s.name for s in wagon.subwagons) or "none"
        raise NotFoundError(f"{wagon_id} has no subwagon '{subwagon}' (subwagons: {names})")
    analysis = wagon_id.split("/", 1)[0]
    out: dict[str, Any] = {
        "workflow": wagon.workflow,
        "dependencies": sorted(qualify(d, analysis) for d in wagon.dependencies),
        "subwagons": [s.name for s in wagon.subwagons],
        "derived_data": wagon.derived_data.model_dump() if wagon.derived_data else None,
    }
    for device, options in wagon.resolved_configuration(subwagon or None).items():
        _flatten(f"configuration.{device}", options, out)
    return out


def compare_wagons(repo: Repository, left: str, right: str) -> list[Row]:
    """Rows for every key of either side, settings first, then configuration in order.

    ``left`` and ``right`` are ``analysis/wagon`` or ``analysis/wagon:subwagon`` (the base
    configuration with that subwagon's overrides).
    """
    a, b = _side(repo, left), _side(repo, right)
    keys = [*a, *(k for k in b if k not in a)]
    return [Row(k, a.get(k, MISSING), b.get(k, MISSING)) for k in keys]
