from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from hyperloop_gitops.cli import main
from hyperloop_gitops.state import StateLock, StateStore, TrainState, TrainWagon
from tests.state.conftest import git


def _store(repo: Path) -> StateStore:
    return StateStore(
        repo / ".hyperloop" / "state", clock=lambda: datetime(2026, 11, 28, 10, tzinfo=UTC)
    )


def _compose(store: StateStore) -> str:
    return store.create_train(
        dataset="LHC22o_pass6",
        package_tag="daily-20261120-0000-1",
        target="grid-single-core",
        backend="local",
        wagons=[TrainWagon(id="a/b", content_hash="00")],
        full_config_digest="0",
        input_list_digest="0",
        by="reconciler",
    ).id


def test_sync_and_events(clones: tuple[Path, Path]) -> None:
    a, b = clones
    store = _store(a)
    train = _compose(store)
    store.transition(train, TrainState.READY, by="olga", reason="approved")
    runner = CliRunner()
    first = runner.invoke(main, ["-C", str(a), "state", "sync", "--branch", "hyperloop-state"])
    assert first.exit_code == 0, first.output
    commit = git(a, "rev-parse", "--short=10", "hyperloop-state")
    assert first.output == (
        f"state synced with hyperloop-state ({commit}): committed local changes, pushed to origin\n"
    )
    second = runner.invoke(main, ["-C", str(b), "state", "sync", "--branch", "hyperloop-state"])
    assert second.output == (
        f"state synced with hyperloop-state ({commit}): 2 files updated here\n"
    )
    shown = runner.invoke(main, ["-C", str(b), "state", "events"])
    assert shown.output.splitlines() == [
        '2026-11-28 10:00:00  reconciler   train.composed   T-20261128-0001  dataset="LHC22o_pass6"'
        f' digest="{store.get(train).composition_digest}" wagons=["a/b"]',
        '2026-11-28 10:00:00  olga         train.state      T-20261128-0001  from="composed"'
        ' reason="approved" to="ready"',
    ]
    as_json = runner.invoke(main, ["-C", str(b), "state", "events", "--json", "--limit", "1"])
    assert as_json.output.startswith('{"time":"2026-11-28T10:00:00Z","actor":"olga"')


def test_sync_waits_for_the_lock_and_then_says_who_holds_it(clones: tuple[Path, Path]) -> None:
    a, _ = clones
    store = _store(a)
    with StateLock(store.lock_path):
        result = CliRunner().invoke(
            main, ["-C", str(a), "state", "sync", "--branch", "s", "--wait", "0.2"]
        )
    assert result.exit_code == 1
    assert result.output.startswith("error: another reconciler (pid ")
    assert "(waited 0.2 s)" in result.output
