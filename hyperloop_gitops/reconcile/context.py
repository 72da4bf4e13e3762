"""The working values of one plan: the context every step reads and what it collects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from hyperloop_gitops.config import Repository
from hyperloop_gitops.reconcile.datasetinputs import DatasetInputs
from hyperloop_gitops.reconcile.inputs import PastTrain, PastWagon, TestSummary
from hyperloop_gitops.reconcile.plan import Satisfied, TestToRun, Waiting
from hyperloop_gitops.train import Part, SpecContext, spec_context
from hyperloop_gitops.train.compositions import CompositionCache
from hyperloop_gitops.train.spec import WagonTest

GB = 1e9


@dataclass(slots=True)
class Unit:
    """One wagon's ready parts on one dataset with one tag (one test covers them all)."""

    wagon_id: str
    parts: list[Part]
    spec: WagonTest
    """The wagon test the parts are ready by (its hashes; its spec is built when asked)."""
    test: TestSummary
    """Its result."""
    analysis: str
    """The wagon's analysis (the start of its id)."""


@dataclass
class Collector:
    waiting: list[Waiting] = field(default_factory=list)
    tests: dict[str, TestToRun] = field(default_factory=dict)
    satisfied: list[Satisfied] = field(default_factory=list)

    def wait(
        self, wagon_id: str, parts: Sequence[Part], dataset: str, reason: str, message: str
    ) -> None:
        last = self.waiting[-1] if self.waiting else None
        if last and (last.wagon_id, last.dataset, last.reason, last.message) == (
            wagon_id,
            dataset,
            reason,
            message,
        ):
            self.waiting[-1] = Waiting(wagon_id, (*last.parts, *parts), dataset, reason, message)
            return
        self.waiting.append(Waiting(wagon_id, tuple(parts), dataset, reason, message))


@dataclass
class Context:
    """What every step reads: the repository, the clock's value, the data directory, and
    the past trains indexed by (dataset, wagon)."""

    repository: Repository
    now: datetime
    data: Path
    out: Collector
    trains: Sequence[PastTrain]
    compositions: CompositionCache | None = None
    by_wagon: dict[tuple[str, str], list[tuple[PastTrain, PastWagon]]] = field(default_factory=dict)
    contexts: dict[str, SpecContext] = field(default_factory=dict)
    inputs: dict[str, DatasetInputs] = field(default_factory=dict)
    slots_passed: dict[str, bool] = field(default_factory=dict)
    """Per scheduled dataset: whether a slot came since its last train."""

    def __post_init__(self) -> None:
        for train in self.trains:
            for wagon in train.wagons:
                self.by_wagon.setdefault((train.dataset, wagon.id), []).append((train, wagon))

    @cached_property
    def train_day(self) -> str:
        """``T-<yyyymmdd>-``: how the ids of the trains composed now begin."""
        return f"T-{self.now:%Y%m%d}-"

    def spec_context(self, dataset: str) -> SpecContext:
        """The dataset's test input and identity, read once per plan."""
        found = self.contexts.get(dataset)
        if found is None:
            found = self.contexts[dataset] = spec_context(
                self.repository, dataset, data_dir=self.data
            )
        return found

    def dataset_inputs(self, dataset: str) -> DatasetInputs:
        """The dataset's input files, once per plan (every train on it has them all)."""
        found = self.inputs.get(dataset)
        if found is None:
            found = self.inputs[dataset] = DatasetInputs(self.repository, dataset, self.data)
        return found
