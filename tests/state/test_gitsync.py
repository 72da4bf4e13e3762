"""State sync on real repositories: a bare remote and two clones (two deployments)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hyperloop_gitops.errors import GitError, StateError
from hyperloop_gitops.state import StateStore, TrainWagon, input_list_digest
from hyperloop_gitops.state.gitsync import sync_state
from tests.state.conftest import git


def _train(repo: Path, dataset: str, day: int = 28) -> str:
    store = StateStore(
        repo / ".hyperloop" / "state",
        clock=lambda: datetime(2026, 11, day, 10, tzinfo=UTC),
    )
    return store.create_train(
        dataset=dataset,
        package_tag="t",
        target="grid-single-core",
        backend="local",
        wagons=[TrainWagon(id="a/b", content_hash="00")],
        full_config_digest="0",
        input_list_digest=input_list_digest([]),
        by="reconciler",
    ).id


def _sync(repo: Path):  # type: ignore[no-untyped-def]
    return sync_state(repo / ".hyperloop" / "state", repo=repo, branch="hyperloop-state")


def test_state_travels_between_two_deployments(clones: tuple[Path, Path]) -> None:
    a, b = clones
    head_before = git(a, "rev-parse", "HEAD")
    train = _train(a, "LHC22o_pass6")
    first = _sync(a)
    assert (first.committed, first.pushed, first.merged, first.pulled) == (True, True, False, [])
    # the user's checkout is untouched: same HEAD, clean status, the branch is an orphan
    assert git(a, "rev-parse", "HEAD") == head_before
    assert git(a, "status", "--porcelain") == ""
    assert git(a, "rev-list", "--count", "hyperloop-state") == "1"
    assert sorted(git(a, "ls-tree", "-r", "--name-only", "hyperloop-state").split()) == [
        ".gitattributes",
        "events.jsonl",
        f"trains/{train}.json",
    ]

    pulled = _sync(b)
    assert sorted(pulled.pulled) == ["events.jsonl", f"trains/{train}.json"]
    assert StateStore(b / ".hyperloop" / "state").get(train).dataset == "LHC22o_pass6"
    assert git(b, "status", "--porcelain") == ""
    again = _sync(b)
    assert (again.committed, again.pushed, again.pulled) == (False, False, [])


def test_concurrent_changes_merge_and_events_are_a_union(clones: tuple[Path, Path]) -> None:
    a, b = clones
    _train(a, "LHC22o_pass6")
    _sync(a)
    _sync(b)
    train_a = _train(a, "LHC23d1_mc", day=29)  # T-20261129-0001 on A
    train_b = _train(b, "LHC22o_pass6_short", day=30)  # T-20261130-0001 on B
    _sync(a)
    merged = _sync(b)
    assert merged.merged and merged.pushed
    assert sorted(merged.pulled) == ["events.jsonl", f"trains/{train_a}.json"]
    back = _sync(a)
    assert sorted(back.pulled) == ["events.jsonl", f"trains/{train_b}.json"]
    for repo in (a, b):
        store = StateStore(repo / ".hyperloop" / "state")
        assert [t.dataset for t in store.trains()] == [
            "LHC22o_pass6",
            "LHC23d1_mc",
            "LHC22o_pass6_short",
        ]
        kinds = [(e.subject, e.kind) for e in store.events()]
        assert sorted(kinds) == sorted(
            [
                ("T-20261128-0001", "train.composed"),
                (train_a, "train.composed"),
                (train_b, "train.composed"),
            ]
        )
    assert (a / ".hyperloop/state/events.jsonl").read_text() == (
        b / ".hyperloop/state/events.jsonl"
    ).read_text()


def test_the_same_document_changed_on_both_sides_is_a_conflict(clones: tuple[Path, Path]) -> None:
    a, b = clones
    train = _train(a, "LHC22o_pass6")
    _sync(a)
    _sync(b)
    StateStore(a / ".hyperloop" / "state").update(train, output_dir="/from/a")
    StateStore(b / ".hyperloop" / "state").update(train, output_dir="/from/b")
    _sync(a)
    with pytest.raises(StateError) as caught:
        _sync(b)
    assert str(caught.value) == (
        f"the state on hyperloop-state diverged: both sides changed trains/{train}.json."
        " Decide which is right, fix the state directory, and sync again"
    )
    document = json.loads((b / ".hyperloop/state/trains" / f"{train}.json").read_text())
    assert document["output_dir"] == "/from/b"  # nothing was overwritten
    assert git(b, "worktree", "list").count("\n") == 0  # the scratch worktree is gone


def test_bad_branch_name(clones: tuple[Path, Path]) -> None:
    a, _ = clones
    with pytest.raises(GitError, match="check-ref-format"):
        sync_state(a / ".hyperloop" / "state", repo=a, branch="bad..name")
