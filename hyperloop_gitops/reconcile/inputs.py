"""What the reconciler reads besides the configuration: test results and past trains.

The runner's ``TestResult`` and the state store's ``TrainRun`` are richer; the plan needs only
these few fields. ``from_result`` / ``from_train_run`` read them off those documents (by
attribute, so this module does not depend on their packages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACTIVE_TRAIN_STATES = frozenset(
    {"composed", "testing", "ready", "submitting", "submitted", "running", "merging"}
)
"""States of a train that still runs (or is about to): a prune may kill it."""


@dataclass(frozen=True, slots=True)
class TestSummary:
    """A wagon test's outcome, as the plan needs it (slots: a plan reads tens of thousands)."""

    __test__ = False  # not a pytest test class, despite its name

    content_hash: str
    status: str
    """``queued``, ``running``, ``done`` (🌟), ``warning`` (❗) or ``failed`` (💣)."""
    reason: str = ""
    """Why it failed."""
    warnings: tuple[str, ...] = ()
    """Each broken rule, e.g. ``leak: max PSS 2.31 GB is 41% above average 1.64 GB``."""
    pss_avg_bytes: int = 0
    pss_max_bytes: int = 0
    cpu_years: float = 0.0
    """Expected CPU time on the whole dataset."""
    output_bytes: int = 0
    """Expected output on the whole dataset."""

    @classmethod
    def from_result(cls, result: Any) -> TestSummary:
        """From the runner's ``TestResult`` (hyperloop_gitops.testing)."""
        metrics = getattr(result, "metrics", None)
        whole = getattr(metrics, "whole_dataset", None) if metrics is not None else None
        pss = getattr(metrics, "pss", None) if metrics is not None else None
        status = getattr(result, "status", "")
        return cls(
            content_hash=str(result.content_hash),
            status=str(getattr(status, "value", status)),
            reason=str(getattr(result, "reason", "") or ""),
            warnings=tuple(str(w) for w in getattr(result, "warnings", ()) or ()),
            pss_avg_bytes=int(getattr(pss, "avg_bytes", 0) or 0),
            pss_max_bytes=int(getattr(pss, "max_bytes", 0) or 0),
            cpu_years=float(getattr(whole, "cpu_years", 0.0) or 0.0),
            output_bytes=int(getattr(whole, "output_bytes", 0) or 0),
        )


@dataclass(frozen=True, slots=True)
class PastWagon:
    """A wagon as frozen into a train."""

    id: str
    base: bool
    subwagons: tuple[str, ...]
    content_hash: str
    """The wagon test's content hash on the train's dataset."""
    config_hashes: Mapping[str, str] = field(default_factory=dict)
    """Per instance label (``a/w``, ``a/w:sub``): its configuration hash (see TrainSpec)."""

    def runs(self, part: str | None) -> bool:
        """The base (``None``) or this subwagon ran in the train."""
        return self.base if part is None else part in self.subwagons


@dataclass(frozen=True, slots=True)
class PastTrain:
    """A train of the state store, as the plan needs it."""

    id: str
    dataset: str
    package_tag: str
    state: str
    created: datetime
    wagons: tuple[PastWagon, ...]

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_TRAIN_STATES

    @classmethod
    def from_train_run(cls, run: Any) -> PastTrain:
        """From the state store's ``TrainRun`` (hyperloop_gitops.state); the configuration
        hashes come from ``details["config_hashes"]`` when the reconciler stored them."""
        details = getattr(run, "details", {}) or {}
        config_hashes: Mapping[str, Mapping[str, str]] = details.get("config_hashes", {})
        state = getattr(run, "state", "")
        return cls(
            id=str(run.id),
            dataset=str(run.dataset),
            package_tag=str(run.package_tag),
            state=str(getattr(state, "value", state)),
            created=run.created,
            wagons=tuple(
                PastWagon(
                    id=str(w.id),
                    base=bool(w.base),
                    subwagons=tuple(w.subwagons),
                    content_hash=str(w.content_hash),
                    config_hashes=dict(config_hashes.get(str(w.id), {})),
                )
                for w in run.wagons
            ),
        )
