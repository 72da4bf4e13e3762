from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hyperloop_gitops.errors import NotFoundError, StateError
from hyperloop_gitops.state import (
    Job,
    JobState,
    StateStore,
    TrainState,
    TrainWagon,
    input_list_digest,
)
from hyperloop_gitops.state.atomic import append_line, atomic_write_text


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


WAGONS = (
    TrainWagon(id="pwglf-spectra/pt-spectrum", subwagons=("tight",), content_hash="aa11"),
    TrainWagon(id="service-common/event-selection", content_hash="bb22"),
)


def _create(store: StateStore, *, dataset: str = "LHC22o_pass6", wagons=WAGONS):
    return store.create_train(
        dataset=dataset,
        package_tag="daily-20261120-0000-1",
        target="grid-single-core",
        backend="local",
        wagons=wagons,
        full_config_digest="f" * 64,
        input_list_digest=input_list_digest(["b.root", "a.root"]),
        by="reconciler",
        jobs=[Job(index=0, input_files=("a.root",), run=526712)],
    )


def test_create_train_writes_document_and_event(tmp_path: Path) -> None:
    store = StateStore(tmp_path, clock=Clock())
    train = _create(store)
    assert train.id == "T-20261128-0001"
    assert train.state is TrainState.COMPOSED
    document = json.loads((tmp_path / "trains" / "T-20261128-0001.json").read_text())
    assert document["dataset"] == "LHC22o_pass6"
    assert document["jobs"][0]["input_files"] == ["a.root"]
    assert store.get("T-20261128-0001") == train
    [event] = store.events()
    assert (event.actor, event.kind, event.subject) == ("reconciler", "train.composed", train.id)
    assert event.details["wagons"] == [
        "pwglf-spectra/pt-spectrum",
        "service-common/event-selection",
    ]


def test_same_composition_returns_the_existing_train(tmp_path: Path) -> None:
    store = StateStore(tmp_path, clock=Clock())
    first = _create(store)
    again = _create(store, wagons=tuple(reversed(WAGONS)))  # order does not matter
    other = _create(store, dataset="LHC23d1_mc")
    assert again == first
    assert other.id == "T-20261128-0002"
    assert [t.id for t in store.trains()] == ["T-20261128-0001", "T-20261128-0002"]
    assert len(store.events()) == 2


def test_transitions_follow_the_state_machine(tmp_path: Path) -> None:
    store = StateStore(tmp_path, clock=Clock())
    train = _create(store)
    for state in ("testing", "ready", "submitting", "submitted", "running", "merging", "done"):
        train = store.transition(train.id, TrainState(state), by="reconciler")
    assert [h.state.value for h in train.history] == [
        "composed",
        "testing",
        "ready",
        "submitting",
        "submitted",
        "running",
        "merging",
        "done",
    ]
    assert train.submitted == datetime(2026, 11, 28, 10, 0, 9, tzinfo=UTC)
    assert train.finished == datetime(2026, 11, 28, 10, 0, 15, tzinfo=UTC)
    with pytest.raises(StateError) as caught:
        store.transition(train.id, TrainState.RUNNING, by="olga")
    assert str(caught.value) == (
        "train T-20261128-0001 cannot go from done to running (allowed from done: none)"
    )


def test_impossible_transition_names_the_allowed_ones(tmp_path: Path) -> None:
    store = StateStore(tmp_path, clock=Clock())
    train = _create(store)
    with pytest.raises(StateError) as caught:
        store.transition(train.id, TrainState.RUNNING, by="reconciler")
    assert str(caught.value) == (
        "train T-20261128-0001 cannot go from composed to running"
        " (allowed from composed: closed, failed, ready, testing)"
    )
    assert store.transition(train.id, TrainState.COMPOSED, by="x") == train  # no-op


def test_failed_train_can_be_resubmitted(tmp_path: Path) -> None:
    store = StateStore(tmp_path, clock=Clock())
    train = _create(store)
    for state in ("ready", "submitting", "submitted", "failed"):
        train = store.transition(train.id, TrainState(state), by="reconciler")
    assert train.finished is not None
    train = store.transition(train.id, TrainState.SUBMITTING, by="olga", reason="retry")
    assert train.finished is None
    assert store.events()[-1].details == {"from": "failed", "to": "submitting", "reason": "retry"}


def test_actions_and_updates_are_recorded(tmp_path: Path) -> None:
    store = StateStore(tmp_path, clock=Clock())
    train = _create(store)
    store.record_action(train.id, action="kill", by="olga", reason="wrong tag")
    job = train.jobs[0].model_copy(update={"state": JobState.RUNNING, "backend_id": "12_0"})
    store.update(train.id, jobs=(job,), output_dir="/out/T-20261128-0001")
    loaded = store.get(train.id)
    assert [(a.action, a.by, a.reason) for a in loaded.actions] == [("kill", "olga", "wrong tag")]
    assert loaded.jobs[0].backend_id == "12_0"
    assert loaded.job_counts() == {
        "pending": 0,
        "running": 1,
        "done": 0,
        "failed": 0,
        "killed": 0,
        "total": 1,
    }
    assert store.events()[-1].kind == "train.kill"
    with pytest.raises(ValueError, match="use transition"):
        store.update(train.id, state=TrainState.DONE)


def test_missing_and_corrupt_documents(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    with pytest.raises(NotFoundError) as missing:
        store.get("T-20261128-0009")
    assert str(missing.value) == f"no train T-20261128-0009 in {tmp_path / 'trains'}"
    with pytest.raises(NotFoundError, match=r"'\.\./etc/passwd' is not a train id"):
        store.get("../etc/passwd")
    with pytest.raises(NotFoundError) as malformed:
        store.get("T-nope")
    assert str(malformed.value) == (
        "'T-nope' is not a train id (T-, the UTC date, a number: T-20261129-0001)"
    )
    atomic_write_text(tmp_path / "trains" / "T-20261128-0001.json", '{"id": "T-20261128-0001"}')
    with pytest.raises(StateError, match=r"corrupt state document .*T-20261128-0001\.json"):
        store.get("T-20261128-0001")


def test_torn_last_event_line_is_skipped_but_a_torn_middle_line_is_an_error(
    tmp_path: Path,
) -> None:
    store = StateStore(tmp_path, clock=Clock())
    store.record(actor="a", kind="k", subject="s")
    with store.events_path.open("a") as handle:
        handle.write('{"time": "2026-11-28T10:0')  # the crash cut this append short
    assert [e.actor for e in store.events()] == ["a"]
    with store.events_path.open("a") as handle:
        handle.write("\n")
    store.record(actor="b", kind="k", subject="s")
    with pytest.raises(StateError, match=r"events.jsonl:2: not an event"):
        store.events()


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "doc.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["doc.json"]
    with pytest.raises(ValueError, match="must not contain a newline"):
        append_line(tmp_path / "log", "a\nb")


def test_concurrent_appenders_never_interleave_lines(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    script = (
        "import sys; from pathlib import Path\n"
        "from hyperloop_gitops.state.atomic import append_line\n"
        "for i in range(100): append_line(Path(sys.argv[1]), sys.argv[2] * 300 + str(i))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(log), letter]) for letter in "xy"]
    assert [p.wait() for p in procs] == [0, 0]
    lines = log.read_text().splitlines()
    assert len(lines) == 200
    for line in lines:
        assert line.rstrip("0123456789") in ("x" * 300, "y" * 300)


def test_an_atomic_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    from hyperloop_gitops.state.atomic import atomic_write_text

    kept = tmp_path / "kept.yaml"
    kept.write_text("old\n")
    kept.chmod(0o600)
    atomic_write_text(kept, "new\n")
    fresh = tmp_path / "fresh.yaml"
    atomic_write_text(fresh, "new\n")
    assert (kept.read_text(), kept.stat().st_mode & 0o777) == ("new\n", 0o600)
    assert fresh.stat().st_mode & 0o777 == 0o644
