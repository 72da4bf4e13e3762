from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hyperloop_gitops.state import Job, JobState, Merge, TrainRun, TrainState, TrainWagon
from hyperloop_gitops.state.lifecycle import (
    InputFile,
    plan_merges,
    split_into_jobs,
    train_issues,
)


def _train(
    jobs: tuple[Job, ...], merges: tuple[Merge, ...] = (), state: str = "running"
) -> TrainRun:
    return TrainRun(
        id="T-20261128-0001",
        dataset="d",
        package_tag="t",
        target="grid-single-core",
        backend="local",
        wagons=(TrainWagon(id="a/b", content_hash="00"),),
        full_config_digest="0",
        input_list_digest="0",
        composition_digest="0",
        created=datetime(2026, 11, 28, tzinfo=UTC),
        state=TrainState(state),
        jobs=jobs,
        merges=merges,
        output_dir="/out/T-20261128-0001",
    )


def test_split_groups_by_run_and_bounds_files_and_bytes() -> None:
    files = [
        InputFile("r2/0003", 2, 10),
        InputFile("r1/0001", 1, 10),
        InputFile("r1/0002", 1, 10),
        InputFile("r1/0003", 1, 10),
        InputFile("r2/0001", 2, 50),
        InputFile("r2/0002", 2, 60),
    ]
    jobs = split_into_jobs(files, max_files=2, max_bytes=100)
    assert [(j.index, j.run, j.input_files) for j in jobs] == [
        (0, 1, ("r1/0001", "r1/0002")),
        (1, 1, ("r1/0003",)),
        (2, 2, ("r2/0001",)),  # 50 + 60 > 100 bytes
        (3, 2, ("r2/0002", "r2/0003")),
    ]
    assert split_into_jobs(reversed(files), max_files=2, max_bytes=100) == jobs
    with pytest.raises(ValueError, match="max_files must be at least 1"):
        split_into_jobs(files, max_files=0)


def _job(index: int, run: int, state: JobState) -> Job:
    return Job(index=index, run=run, input_files=(f"{index}",), state=state, workdir=f"/w/{index}")


def test_merges_per_run_per_list_then_final() -> None:
    train = _train(
        (
            _job(0, 10, JobState.DONE),
            _job(1, 10, JobState.DONE),
            _job(2, 11, JobState.FAILED),
            _job(3, 12, JobState.DONE),
            _job(4, 13, JobState.DONE),
        )
    )
    merges = plan_merges(train, merge_lists={"lowmu": [12, 13]})
    base = "/out/T-20261128-0001/merged"
    assert [(m.scope, m.inputs, m.outputs) for m in merges] == [
        ("list:lowmu", ("/w/3", "/w/4"), (f"{base}/list-lowmu",)),
        ("run:10", ("/w/0", "/w/1"), (f"{base}/run-10",)),
        ("final", (f"{base}/list-lowmu", f"{base}/run-10"), (f"{base}/final",)),
    ]
    assert plan_merges(_train((_job(0, 1, JobState.FAILED),))) == ()


def test_trains_with_issues() -> None:
    failing = _train(
        tuple(_job(i, 1, JobState.FAILED if i < 4 else JobState.DONE) for i in range(10))
    )
    assert train_issues(failing) == [
        "4 of 10 jobs failed (40%, more than 30%)",
        "all jobs are final but no merge started",
    ]
    run_merge = Merge(scope="run:1", inputs=("/w/4",), state=JobState.DONE)
    final = Merge(scope="final", inputs=("x",), state=JobState.DONE)
    ok_jobs = tuple(_job(i, 1, JobState.DONE) for i in range(3))
    assert train_issues(_train(ok_jobs, (run_merge,), "merging")) == [
        "the run merges are final but the final merge did not start"
    ]
    assert train_issues(_train(ok_jobs, (run_merge, final), "merging")) == [
        "the final merge is done but the train is not marked done"
    ]
    assert train_issues(_train(ok_jobs, (run_merge, final), "done")) == []
    assert train_issues(_train(ok_jobs, (), "closed")) == []
