"""Durable state: train runs, jobs, the event log, the reconciler lock, git-branch sync."""

from __future__ import annotations

from hyperloop_gitops.state.lock import LockedError, StateLock
from hyperloop_gitops.state.models import (
    FINAL_STATES,
    TRANSITIONS,
    Job,
    JobState,
    Merge,
    OperatorAction,
    Resources,
    TrainRun,
    TrainState,
    TrainWagon,
    composition_digest,
    input_list_digest,
)
from hyperloop_gitops.state.store import DEFAULT_STATE_DIR, Event, StateStore

__all__ = [
    "DEFAULT_STATE_DIR",
    "FINAL_STATES",
    "TRANSITIONS",
    "Event",
    "Job",
    "JobState",
    "LockedError",
    "Merge",
    "OperatorAction",
    "Resources",
    "StateLock",
    "StateStore",
    "TrainRun",
    "TrainState",
    "TrainWagon",
    "composition_digest",
    "input_list_digest",
]
