"""The state store: JSON documents under a state directory, written atomically.

Layout (``.hyperloop/state/`` by default)::

    trains/<train id>.json   one TrainRun, its jobs and merges included
    tests/                   test results by content hash (owned by the test runner)
    events.jsonl             append-only log: one JSON object per line
    lock                     the reconciler lock (see lock.py)

Writers hold the lock (one reconciler at a time); readers never need it, since every document
is replaced atomically.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from hyperloop_gitops.errors import NotFoundError, StateError
from hyperloop_gitops.state.atomic import append_line, atomic_write_text
from hyperloop_gitops.state.models import (
    FINAL_STATES,
    TRAIN_ID_PATTERN,
    TRANSITIONS,
    Job,
    OperatorAction,
    StateChange,
    TrainRun,
    TrainState,
    TrainWagon,
    composition_digest,
)

DEFAULT_STATE_DIR = Path(".hyperloop") / "state"
_TRAIN_ID = re.compile(TRAIN_ID_PATTERN)


def utcnow() -> datetime:
    """The current time in UTC, to the second (documents stay short and diffable)."""
    return datetime.now(UTC).replace(microsecond=0)


class Event(BaseModel):
    """One line of ``events.jsonl``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time: datetime
    actor: str
    kind: str
    subject: str
    details: dict[str, Any] = {}


class StateStore:
    """Reads and writes the state documents under ``root``."""

    def __init__(self, root: Path, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.root = root
        self._clock = clock

    # -- layout -----------------------------------------------------------------------------
    @property
    def trains_dir(self) -> Path:
        return self.root / "trains"

    @property
    def tests_dir(self) -> Path:
        """Where the test runner keeps its results (its namespace; the store never writes it)."""
        return self.root / "tests"

    @property
    def events_path(self) -> Path:
        return self.root / "events.jsonl"

    @property
    def lock_path(self) -> Path:
        return self.root / "lock"

    def _train_path(self, train_id: str) -> Path:
        if not _TRAIN_ID.match(train_id):
            # The example shows the shape: plan ids carry six digits, so "NNNN" would mislead.
            raise NotFoundError(
                f"'{train_id}' is not a train id (T-, the UTC date, a number: T-20261129-0001)"
            )
        return self.trains_dir / f"{train_id}.json"

    # -- events -----------------------------------------------------------------------------
    def record(
        self, *, actor: str, kind: str, subject: str, details: Mapping[str, Any] | None = None
    ) -> Event:
        """Append one event to the log and return it."""
        event = Event(
            time=self._clock(), actor=actor, kind=kind, subject=subject, details=dict(details or {})
        )
        append_line(self.events_path, event.model_dump_json())
        return event

    def events(self, *, subject: str | None = None) -> list[Event]:
        """Every event in order; a line cut short by a crash (the last one) is skipped."""
        if not self.events_path.exists():
            return []
        events = []
        lines = self.events_path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            try:
                event = Event.model_validate_json(line)
            except ValidationError as error:
                if number == len(lines):
                    continue  # torn final write: the append never completed
                raise StateError(
                    f"{self.events_path}:{number}: not an event: {error.errors()[0]['msg']}"
                ) from error
            if subject is None or event.subject == subject:
                events.append(event)
        return events

    # -- trains -----------------------------------------------------------------------------
    def save(self, train: TrainRun) -> None:
        """Write one train document atomically."""
        text = json.dumps(train.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
        atomic_write_text(self._train_path(train.id), text)

    def get(self, train_id: str) -> TrainRun:
        """The train ``train_id``; ``NotFoundError`` if there is none."""
        path = self._train_path(train_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFoundError(f"no train {train_id} in {self.trains_dir}") from None
        try:
            return TrainRun.model_validate_json(text)
        except ValidationError as error:
            raise StateError(f"corrupt state document {path}: {error}") from error

    def trains(self) -> list[TrainRun]:
        """Every train, oldest id first."""
        if not self.trains_dir.is_dir():
            return []
        names = sorted(p.stem for p in self.trains_dir.glob("T-*.json"))
        return [self.get(name) for name in names if _TRAIN_ID.match(name)]

    def find_by_digest(self, digest: str) -> TrainRun | None:
        """The newest train with this composition digest, if any."""
        matches = [t for t in self.trains() if t.composition_digest == digest]
        return matches[-1] if matches else None

    def _next_id(self, day: datetime) -> str:
        prefix = f"T-{day:%Y%m%d}-"
        numbers = [
            int(p.stem[len(prefix) :])
            for p in self.trains_dir.glob(f"{prefix}*.json")
            if _TRAIN_ID.match(p.stem)
        ]
        return f"{prefix}{max(numbers, default=0) + 1:04d}"

    def create_train(
        self,
        *,
        dataset: str,
        package_tag: str,
        target: str,
        backend: str,
        wagons: Iterable[TrainWagon],
        full_config_digest: str,
        input_list_digest: str,
        by: str,
        jobs: Iterable[Job] = (),
        output_dir: str | None = None,
        details: Mapping[str, Any] | None = None,
        train_id: str | None = None,
    ) -> TrainRun:
        """Write the intent to run a composition and return the train (state ``composed``).

        Idempotent: when a train with the same composition digest exists, it is returned
        unchanged, so a reconciler that crashed after this call and runs again finds its train
        instead of composing a second one. Ids count up per UTC day: ``T-YYYYMMDD-NNNN``. The
        caller holds the lock (ids are allocated by looking at the existing ones). ``train_id``
        names the train instead (the plan's deterministic id).
        """
        frozen = tuple(wagons)
        digest = composition_digest(
            dataset=dataset,
            package_tag=package_tag,
            target=target,
            wagons=frozen,
            full_config_digest=full_config_digest,
            input_list_digest=input_list_digest,
        )
        existing = self.find_by_digest(digest)
        if existing is not None:
            return existing
        now = self._clock()
        if train_id is not None and self._train_path(train_id).exists():
            raise StateError(f"train {train_id} exists with another composition")
        train = TrainRun(
            id=train_id or self._next_id(now),
            dataset=dataset,
            package_tag=package_tag,
            target=target,
            backend=backend,
            wagons=frozen,
            full_config_digest=full_config_digest,
            input_list_digest=input_list_digest,
            composition_digest=digest,
            created=now,
            history=(StateChange(state=TrainState.COMPOSED, at=now, by=by),),
            jobs=tuple(jobs),
            output_dir=output_dir,
            details=dict(details or {}),
        )
        self.save(train)
        self.record(
            actor=by,
            kind="train.composed",
            subject=train.id,
            details={"dataset": dataset, "wagons": [w.id for w in frozen], "digest": digest},
        )
        return train

    def transition(self, train_id: str, to: TrainState, *, by: str, reason: str = "") -> TrainRun:
        """Move a train to state ``to``; ``StateError`` if the state machine forbids it.

        Moving to the state the train is already in is a no-op (a rerun after a crash).
        """
        train = self.get(train_id)
        if train.state == to:
            return train
        if to not in TRANSITIONS[train.state]:
            allowed = ", ".join(sorted(s.value for s in TRANSITIONS[train.state])) or "none"
            raise StateError(
                f"train {train_id} cannot go from {train.state.value} to {to.value}"
                f" (allowed from {train.state.value}: {allowed})"
            )
        now = self._clock()
        update: dict[str, Any] = {
            "state": to,
            "history": (*train.history, StateChange(state=to, at=now, by=by)),
        }
        if to == TrainState.SUBMITTED and train.submitted is None:
            update["submitted"] = now
        if to in FINAL_STATES or to in (TrainState.FAILED, TrainState.KILLED):
            update["finished"] = now
        elif to == TrainState.SUBMITTING:
            update["finished"] = None
        changed = train.model_copy(update=update)
        self.save(changed)
        details = {"from": train.state.value, "to": to.value}
        if reason:
            details["reason"] = reason
        self.record(actor=by, kind="train.state", subject=train_id, details=details)
        return changed

    def record_action(self, train_id: str, *, action: str, by: str, reason: str = "") -> TrainRun:
        """Add an operator action (who, when, why) to the train and to the event log."""
        train = self.get(train_id)
        entry = OperatorAction(action=action, by=by, at=self._clock(), reason=reason)
        changed = train.model_copy(update={"actions": (*train.actions, entry)})
        self.save(changed)
        self.record(actor=by, kind=f"train.{action}", subject=train_id, details={"reason": reason})
        return changed

    def update(self, train_id: str, **fields: Any) -> TrainRun:
        """Replace some fields of a train (jobs, merges, output_dir, details) and save it.

        The state is changed only through :meth:`transition`.
        """
        if "state" in fields or "id" in fields:
            raise ValueError("use transition() to change the state; ids never change")
        train = self.get(train_id)
        changed = TrainRun.model_validate({**train.model_dump(), **fields})
        self.save(changed)
        return changed
