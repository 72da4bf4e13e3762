"""What every batch backend offers the reconciler, and the values they exchange.

The reconciler talks to a :class:`Backend` only through these members and never asks which
backend it has (DESIGN decision 5). A backend is constructed from its settings in
``config/hyperloop.yaml`` (``backends.<name>``) plus a working directory it owns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from hyperloop_gitops.state.models import JobState, Resources, TrainRun

#: The job index a merge job carries (``find`` reports it; it is never a real job index).
MERGE_INDEX = -1


class JobSpec(BaseModel):
    """One job to run: a command (never through a shell), where, with what, and its limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    train_id: str = Field(description="The train the job belongs to; backends tag jobs with it.")
    index: int = Field(ge=MERGE_INDEX, description="The job's index in its train (-1: merge).")
    argv: tuple[str, ...] = Field(min_length=1, description="Program and arguments, no shell.")
    workdir: Path = Field(description="Working directory; outputs are written there.")
    env: dict[str, str] = Field(
        default_factory=dict, description="Extra environment (the rest is scrubbed)."
    )
    input_files: tuple[str, ...] = Field((), description="Files the job reads.")
    resources: Resources = Field(default_factory=Resources)


class JobStatus(BaseModel):
    """What the backend knows about one job."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend_id: str
    state: JobState
    exit_code: int | None = None
    started: datetime | None = None
    finished: datetime | None = None
    reason: str = Field("", description="Why a job failed, when the backend says.")


class FoundJob(BaseModel):
    """A job the backend already holds for a train (see :meth:`Backend.find`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend_id: str
    index: int = Field(description="The job index, or MERGE_INDEX for a merge job.")
    state: JobState


class Backend(Protocol):
    """A batch system that runs the jobs of trains.

    Backend ids are opaque strings (``"T-20261128-0001/0003"``, ``"4711_3"``, ...) the
    reconciler stores in each job and hands back unchanged.
    """

    #: The registry name (``local``, ``slurm``, ``jalien``).
    name: ClassVar[str]

    def submit(self, train: TrainRun, jobs: Sequence[JobSpec]) -> list[str]:
        """Submit the jobs of ``train``, tagged with its id; return their backend ids in order.

        Not idempotent by itself: the reconciler calls :meth:`find` first, so that a reconciler
        which crashed between submitting and recording never submits twice.
        """
        ...

    def find(self, train_id: str) -> list[FoundJob]:
        """Every job (and merge job) the backend holds that carries ``train_id``."""
        ...

    def poll(self, backend_ids: Sequence[str]) -> dict[str, JobStatus]:
        """The status of each job; a job the backend has forgotten is reported FAILED."""
        ...

    def kill(self, backend_ids: Sequence[str]) -> None:
        """Stop these jobs (finished ones are left alone)."""
        ...

    def forget(self, backend_ids: Sequence[str]) -> None:
        """Drop these final jobs so their indices can be submitted again (a resubmission).

        A backend whose ids are new on every submission has nothing to do. An active job is
        never forgotten: BackendError ("kill it first").
        """
        ...

    def fetch_outputs(self, job: JobSpec, names: Sequence[str], destination: Path) -> list[Path]:
        """Copy the job's output files called ``names`` (those that exist) into ``destination``.

        Returns the local paths. Where the job ran in a local or shared folder, the outputs are
        already in ``job.workdir`` and are returned from there when ``destination`` is it.
        """
        ...

    def submit_merge(self, train: TrainRun, merge: JobSpec, after: Sequence[str]) -> str:
        """Submit a merge job that starts once the jobs ``after`` are all final (any state)."""
        ...
