"""The documents of the state store: train runs, their jobs, operator actions, events.

A :class:`TrainRun` is a frozen snapshot of a composition (dataset, wagons with their content
hashes, package tag, target) plus what happened to it since: its state, its jobs, its merges and
the operators' actions. It is stored as one JSON document, jobs included, so a train and its jobs
always change together in one atomic write.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TRAIN_ID_PATTERN = r"^T-\d{8}-\d{4,}$"


class TrainState(StrEnum):
    """Where a train run is in its life; see ``TRANSITIONS`` and docs/state.md."""

    COMPOSED = "composed"
    TESTING = "testing"
    READY = "ready"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    RUNNING = "running"
    MERGING = "merging"
    DONE = "done"
    FAILED = "failed"
    KILLED = "killed"
    CLOSED = "closed"


_S = TrainState

#: Allowed moves of the train state machine. ``failed`` and ``killed`` may be resubmitted
#: (back to ``submitting``); ``done`` and ``closed`` are final.
TRANSITIONS: dict[TrainState, frozenset[TrainState]] = {
    _S.COMPOSED: frozenset({_S.TESTING, _S.READY, _S.FAILED, _S.CLOSED}),
    _S.TESTING: frozenset({_S.READY, _S.FAILED, _S.CLOSED}),
    _S.READY: frozenset({_S.SUBMITTING, _S.CLOSED}),
    _S.SUBMITTING: frozenset({_S.SUBMITTED, _S.FAILED, _S.KILLED, _S.CLOSED}),
    _S.SUBMITTED: frozenset({_S.RUNNING, _S.MERGING, _S.FAILED, _S.KILLED, _S.CLOSED}),
    _S.RUNNING: frozenset({_S.MERGING, _S.FAILED, _S.KILLED, _S.CLOSED}),
    _S.MERGING: frozenset({_S.DONE, _S.FAILED, _S.KILLED, _S.CLOSED}),
    _S.FAILED: frozenset({_S.SUBMITTING, _S.CLOSED}),
    _S.KILLED: frozenset({_S.SUBMITTING, _S.CLOSED}),
    _S.DONE: frozenset(),
    _S.CLOSED: frozenset(),
}

FINAL_STATES = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)


class JobState(StrEnum):
    """The state of one job (or merge job) as the backend reports it."""

    PENDING = "pending"  # known to the backend (or queued locally), not started
    RUNNING = "running"
    DONE = "done"  # exit code 0
    FAILED = "failed"  # non-zero exit, time limit, lost by the backend
    KILLED = "killed"  # cancelled by an operator or the reconciler

    @property
    def is_final(self) -> bool:
        """True once the job will not change any more (without a resubmission)."""
        return self in (JobState.DONE, JobState.FAILED, JobState.KILLED)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resources(_Model):
    """What one job may use; the backends turn it into their own limits."""

    memory_mb: int = Field(4000, ge=1, description="Memory limit of the job in MB.")
    time_limit_s: int = Field(3600, ge=1, description="Wall-time limit of the job in seconds.")
    cores: int = Field(1, ge=1, description="CPU cores the job uses (the train's target).")


class TrainWagon(_Model):
    """A wagon as frozen into a train: its id, the subwagons that run, its content hash."""

    id: str = Field(description='The wagon id, "analysis/wagon".')
    subwagons: tuple[str, ...] = Field((), description="Subwagons that run with the base.")
    base: bool = Field(True, description="Whether the base wagon itself runs.")
    content_hash: str = Field(description="The wagon's test identity (DESIGN decision 3).")


class OperatorAction(_Model):
    """One thing a person (or the reconciler) did to a train, with who and when."""

    action: str = Field(description="submit, kill, close, resubmit, ...")
    by: str = Field(description="Forge login of the operator, or 'reconciler'.")
    at: datetime = Field(description="When (UTC).")
    reason: str = Field("", description="Free text given with the action.")


class StateChange(_Model):
    """One move of the train state machine."""

    state: TrainState
    at: datetime
    by: str


class Job(_Model):
    """One job of a train (one group of input files), or a merge job."""

    index: int = Field(ge=0, description="Position of the job in its train (array index).")
    input_files: tuple[str, ...] = Field(description="Input files this job reads.")
    run: int | None = Field(None, description="The run the input files belong to, if one.")
    backend_id: str | None = Field(None, description="The backend's id once submitted.")
    state: JobState = JobState.PENDING
    attempts: int = Field(0, ge=0, description="How many times it was submitted.")
    exit_code: int | None = None
    submitted: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    resources: Resources = Field(default_factory=Resources)
    workdir: str | None = Field(None, description="Where the job runs and writes its outputs.")


class Merge(_Model):
    """A merge step: per run (``scope`` = the run number) or the final one (``final``)."""

    scope: str = Field(description="'run:<number>', 'list:<name>' or 'final'.")
    inputs: tuple[str, ...] = Field(description="Files merged.")
    outputs: tuple[str, ...] = Field((), description="Files written.")
    backend_id: str | None = None
    state: JobState = JobState.PENDING
    finished: datetime | None = None


class TrainRun(_Model):
    """A train run: the frozen composition and everything that happened to it since."""

    id: str = Field(pattern=TRAIN_ID_PATTERN, description="T-YYYYMMDD-NNNN")
    dataset: str
    package_tag: str
    target: str = Field(description="Grid single core, Grid 2 core, ... (a target name).")
    backend: str = Field(description="Name of the backend the train runs on.")
    wagons: tuple[TrainWagon, ...]
    full_config_digest: str = Field(description="sha256 of the frozen full_config.json.")
    input_list_digest: str = Field(description="sha256 of the sorted input file list.")
    composition_digest: str = Field(
        description="sha256 of (dataset, tag, target, wagons, config, inputs): its identity."
    )
    state: TrainState = TrainState.COMPOSED
    created: datetime
    submitted: datetime | None = None
    finished: datetime | None = None
    history: tuple[StateChange, ...] = ()
    actions: tuple[OperatorAction, ...] = ()
    jobs: tuple[Job, ...] = ()
    merges: tuple[Merge, ...] = ()
    output_dir: str | None = Field(None, description="Where the train's outputs are.")
    details: dict[str, Any] = Field(
        default_factory=dict, description="Free-form extras (estimates, test summary)."
    )

    def job_counts(self) -> dict[str, int]:
        """Number of jobs per state, every state present (zero included), plus ``total``."""
        counts = {state.value: 0 for state in JobState}
        for job in self.jobs:
            counts[job.state.value] += 1
        counts["total"] = len(self.jobs)
        return counts


def composition_digest(
    *,
    dataset: str,
    package_tag: str,
    target: str,
    wagons: tuple[TrainWagon, ...],
    full_config_digest: str,
    input_list_digest: str,
) -> str:
    """The identity of a composition: the same content gives the same digest, in any order."""
    payload = {
        "dataset": dataset,
        "package_tag": package_tag,
        "target": target,
        "wagons": sorted((w.id, sorted(w.subwagons), w.base, w.content_hash) for w in wagons),
        "full_config_digest": full_config_digest,
        "input_list_digest": input_list_digest,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def input_list_digest(files: list[str] | tuple[str, ...]) -> str:
    """sha256 of the sorted input file list (one path per line)."""
    return hashlib.sha256("\n".join(sorted(files)).encode("utf-8")).hexdigest()
