"""The Plan: trains to submit, requests waiting and why, trains to kill, tests to run.

A plan is a value: computing it changes nothing (DESIGN decision 4). ``render.py`` turns it
into the text of ``hyperloop reconcile`` and into JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple

from hyperloop_gitops.reconcile.datasetinputs import DatasetInputs
from hyperloop_gitops.train import Part, TrainSpec

MARKS: Mapping[str, str] = {
    "no-test": "⌛",
    "test-queued": "⌛",
    "test-running": "⏳",
    "test-failed": "💣",
    "needs-approval": "❗",
    "memory": "❗",
}
"""The test-status mark shown before a waiting reason (others have none)."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """What a train is expected to cost on the whole dataset (from its wagons' tests)."""

    cpu_years: float
    output_bytes: int
    co2_kg: float
    jobs: int


class TrainWagon(NamedTuple):
    """A wagon as frozen into a composed train (a named tuple: a plan makes tens of
    thousands)."""

    id: str
    base: bool
    subwagons: tuple[str, ...]
    content_hash: str
    """The wagon test's content hash on this dataset (the test the train relies on)."""
    config_hashes: Mapping[str, str]
    """Per instance label: its configuration hash (compared with the short dataset's train)."""

    @property
    def display(self) -> str:
        """``a/w``, ``a/w (+tight)``, or ``a/w:tight`` when the base does not run."""
        if not self.base:
            return ", ".join(f"{self.id}:{s}" for s in self.subwagons)
        if self.subwagons:
            return f"{self.id} (" + ", ".join(f"+{s}" for s in self.subwagons) + ")"
        return self.id


@dataclass(frozen=True)
class ComposedTrain:
    """A train to submit: a frozen snapshot of the composition (HYPERLOOP.md "Train run")."""

    id: str
    dataset: str
    package_tag: str
    target: str
    wagons: tuple[TrainWagon, ...]
    build_spec: Callable[[], TrainSpec] = field(repr=False, compare=False)
    """Builds :attr:`spec` (when asked: the plan people read does not need it)."""
    inputs: DatasetInputs = field(repr=False)
    """Every input file of the dataset (listed when asked: a plan shows only the job count)."""
    estimate: Estimate
    short_for: tuple[str, ...] = ()
    """Datasets this one is the short dataset of: their trains follow when this one is done."""

    @cached_property
    def spec(self) -> TrainSpec:
        """Everything that runs: the dependency closure, configurations, the train test's
        hash. Built from the repository snapshot the plan was made of, so it is the same
        whenever it is asked for."""
        return self.build_spec()

    @property
    def full_config(self) -> dict[str, Any]:
        """The frozen ``full_config.json`` (built when asked: a plan shows only its digest)."""
        return self.spec.full_config()

    @property
    def full_config_digest(self) -> str:
        return self.spec.full_config_digest

    @property
    def input_files(self) -> tuple[str, ...]:
        """Every input file of the dataset (local paths or grid paths), in run order."""
        return self.inputs.locations

    @property
    def input_list_digest(self) -> str:
        return self.inputs.digest

    def details(self) -> dict[str, Any]:
        """What a stored train run keeps beside its wagons (``TrainRun.details``): the
        configuration hashes the next plan compares with (short dataset first), the train
        test's hash and the estimate."""
        return {
            "config_hashes": {w.id: dict(w.config_hashes) for w in self.wagons},
            "train_test_hash": self.spec.content_hash,
            "estimate": {
                "cpu_years": self.estimate.cpu_years,
                "output_bytes": self.estimate.output_bytes,
                "co2_kg": self.estimate.co2_kg,
                "jobs": self.estimate.jobs,
            },
            "short_for": list(self.short_for),
        }


@dataclass(frozen=True, slots=True)
class Waiting:
    """Requests of one wagon on one dataset that wait, and why."""

    wagon_id: str
    parts: tuple[Part, ...]
    dataset: str
    reason: str
    """A short code: no-test, test-failed, needs-approval, pull-request, short-dataset, ..."""
    message: str

    @property
    def mark(self) -> str:
        return MARKS.get(self.reason, "")

    @property
    def display(self) -> str:
        """The wagon and its waiting parts, as in a train's wagon list."""
        subwagons = tuple(p for p in self.parts if p is not None)
        base = None in self.parts
        return TrainWagon(self.wagon_id, base, subwagons, "", {}).display


@dataclass(frozen=True, slots=True)
class Kill:
    """A running train to kill because wagons in it were disabled (policy prune)."""

    train_id: str
    dataset: str
    wagons: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class TestToRun:
    """A wagon test the reconciler should queue (no result for this content hash yet)."""

    __test__ = False  # not a pytest test class, despite its name

    wagon_id: str
    dataset: str
    package_tag: str
    parts: tuple[Part, ...]
    content_hash: str


@dataclass(frozen=True, slots=True)
class Satisfied:
    """A request already served by a train with the same content hash."""

    wagon_id: str
    part: Part
    dataset: str
    train_id: str


@dataclass(frozen=True)
class Plan:
    """What the reconciler would do now."""

    now: datetime
    submit: tuple[ComposedTrain, ...] = ()
    waiting: tuple[Waiting, ...] = ()
    kill: tuple[Kill, ...] = ()
    tests: tuple[TestToRun, ...] = ()
    satisfied: tuple[Satisfied, ...] = ()

    @property
    def changes(self) -> bool:
        """Applying it would do something (submit, kill or queue a test)."""
        return bool(self.submit or self.kill or self.tests)
