"""The working values of one plan: the context every step reads and what it collects."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from hyperloop_gitops.config import Repository
from hyperloop_gitops.reconcile.inputs import PastTrain, PastWagon, TestSummary
from hyperloop_gitops.reconcile.plan import Satisfied, TestToRun, Waiting
from hyperloop_gitops.train import Part, SpecContext, TrainSpec, spec_context
from hyperloop_gitops.train.inputs import dataset_paths

GB = 1e9


@dataclass
class Unit:
    """One wagon's ready parts on one dataset with one tag (one test covers them all)."""

    wagon_id: str
    parts: list[Part]
    spec: TrainSpec
    test: TestSummary

    @property
    def analysis(self) -> str:
        return self.wagon_id.split("/", 1)[0]


@dataclass(frozen=True)
class DatasetInputs:
    """Every input file of a dataset as a train snapshot lists it: (run, relative path) in
    run order, and where a process opens them."""

    paths: list[tuple[int, str]]
    locations: tuple[str, ...]

    @cached_property
    def digest(self) -> str:
        """The input list digest: sha256 of the sorted relative paths, one a line."""
        return hashlib.sha256("\n".join(sorted(p for _, p in self.paths)).encode()).hexdigest()

    def jobs(self, per_job: int) -> int:
        """How many jobs ``split_jobs`` makes: never two runs in one job, ``per_job`` files."""
        count, run, size = 0, None, 0
        for current, _ in self.paths:
            if count and current == run and size < per_job:
                size += 1
            else:
                count, run, size = count + 1, current, 1
        return count


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
    by_wagon: dict[tuple[str, str], list[tuple[PastTrain, PastWagon]]] = field(default_factory=dict)
    contexts: dict[str, SpecContext] = field(default_factory=dict)
    inputs: dict[str, DatasetInputs] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for train in self.trains:
            for wagon in train.wagons:
                self.by_wagon.setdefault((train.dataset, wagon.id), []).append((train, wagon))

    def spec_context(self, dataset: str) -> SpecContext:
        """The dataset's test input and identity, read once per plan."""
        found = self.contexts.get(dataset)
        if found is None:
            found = self.contexts[dataset] = spec_context(
                self.repository, dataset, data_dir=self.data
            )
        return found

    def dataset_inputs(self, dataset: str) -> DatasetInputs:
        """The dataset's input files, listed once per plan (every train on it has them all)."""
        found = self.inputs.get(dataset)
        if found is None:
            paths = dataset_paths(self.repository, dataset)
            grid = self.repository.datasets[dataset].files.storage == "grid"
            # the same text as InputFile.location: the grid path, or one under the data dir
            locations = tuple(p if grid else str(self.data / p) for _, p in paths)
            found = self.inputs[dataset] = DatasetInputs(paths, locations)
        return found
