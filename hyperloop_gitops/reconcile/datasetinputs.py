"""A dataset's input files as a composed train lists them, worked out only as far as asked.

A plan needs only how many jobs a train makes (how many runs); the file list and
its digest are built when a train is applied or the plan is written as JSON, once per dataset
however many trains run on it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from hyperloop_gitops.config import Repository
from hyperloop_gitops.train.inputs import dataset_paths, dataset_run_count


@dataclass(frozen=True)
class DatasetInputs:
    """Every input file of ``dataset``, in run order (runlist order, files 0001.. per run)."""

    repository: Repository = field(repr=False)
    dataset: str
    data: Path
    """The data directory local files are under (grid files are named by their grid path)."""

    @cached_property
    def run_count(self) -> int:
        """How many runs (each with ``files.files_per_run`` files)."""
        return dataset_run_count(self.repository, self.dataset)

    @cached_property
    def paths(self) -> tuple[str, ...]:
        """Relative paths (grid paths for grid datasets)."""
        return tuple(dataset_paths(self.repository, self.dataset))

    @cached_property
    def locations(self) -> tuple[str, ...]:
        """Where a process opens them: the same text as ``InputFile.location``."""
        if self.repository.datasets[self.dataset].files.storage == "grid":
            return self.paths
        return tuple(str(self.data / p) for p in self.paths)

    @cached_property
    def digest(self) -> str:
        """The input list digest: sha256 of the sorted relative paths, one a line."""
        return hashlib.sha256("\n".join(sorted(self.paths)).encode()).hexdigest()

    def jobs(self, per_job: int) -> int:
        """How many jobs ``split_jobs`` makes: never two runs in one job, ``per_job`` files
        (each run's files are contiguous and a run comes once)."""
        found = self._jobs.get(per_job)
        if found is None:
            per_run = self.repository.datasets[self.dataset].files.files_per_run
            found = self._jobs[per_job] = self.run_count * -(-per_run // per_job)
        return found

    @cached_property
    def _jobs(self) -> dict[int, int]:
        return {}
