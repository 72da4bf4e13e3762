from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hyperloop_gitops.backends.base import MERGE_INDEX, FoundJob, JobSpec, JobStatus
from hyperloop_gitops.backends.local import LocalBackend
from hyperloop_gitops.errors import BackendError
from hyperloop_gitops.state import JobState, Resources, TrainRun, TrainWagon

TRAIN = TrainRun(
    id="T-20261128-0001",
    dataset="LHC22o_pass6",
    package_tag="daily-20261120-0000-1",
    target="grid-single-core",
    backend="local",
    wagons=(TrainWagon(id="a/b", content_hash="00"),),
    full_config_digest="0" * 64,
    input_list_digest="0" * 64,
    composition_digest="0" * 64,
    created=datetime(2026, 11, 28, tzinfo=UTC),
)


def _job(tmp_path: Path, index: int, code: str, **kwargs: object) -> JobSpec:
    return JobSpec(
        train_id=TRAIN.id,
        index=index,
        argv=(sys.executable, "-c", code),
        workdir=tmp_path / "work" / f"{index:04d}",
        **kwargs,  # type: ignore[arg-type]
    )


def _wait(backend: LocalBackend, ids: list[str], timeout: float = 30) -> dict[str, JobStatus]:
    end = time.monotonic() + timeout
    while True:
        statuses = backend.poll(ids)
        if all(s.state.is_final for s in statuses.values()):
            return statuses
        assert time.monotonic() < end, statuses
        time.sleep(0.05)


def test_jobs_run_with_exit_codes_outputs_and_a_scrubbed_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    backend = LocalBackend(tmp_path / "jobs", max_parallel_jobs=2)
    write_env = (
        "import json, os; json.dump(dict(os.environ), open('env.json', 'w'));"
        " open('AnalysisResults.root', 'w').write('x')"
    )
    jobs = [
        _job(tmp_path, 0, write_env, env={"HYPERLOOP_JOB": "0"}),
        _job(tmp_path, 1, "import sys; print('bad input'); sys.exit(3)"),
    ]
    ids = backend.submit(TRAIN, jobs)
    assert ids == ["T-20261128-0001/0000", "T-20261128-0001/0001"]
    statuses = _wait(backend, ids)
    done, failed = statuses[ids[0]], statuses[ids[1]]
    assert (done.state, done.exit_code, done.reason) == (JobState.DONE, 0, "")
    assert (failed.state, failed.exit_code, failed.reason) == (JobState.FAILED, 3, "exit code 3")
    assert done.started is not None and done.finished is not None
    assert done.started <= done.finished
    env = json.loads((tmp_path / "work" / "0000" / "env.json").read_text())
    assert "GITHUB_TOKEN" not in env
    assert env["HYPERLOOP_JOB"] == "0"
    assert (tmp_path / "work" / "0001" / "stdout.log").read_text() == "bad input\n"
    outputs = backend.fetch_outputs(jobs[0], ["AnalysisResults.root", "AO2D.root"], tmp_path / "o")
    assert outputs == [tmp_path / "o" / "AnalysisResults.root"]
    assert outputs[0].read_text() == "x"


def test_concurrency_limit_is_respected(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "jobs", max_parallel_jobs=2)
    # each job records when it ran; afterwards no three intervals may overlap
    code = (
        "import time, json; s = time.time(); time.sleep(0.3);"
        " json.dump([s, time.time()], open('span.json', 'w'))"
    )
    ids = backend.submit(TRAIN, [_job(tmp_path, i, code) for i in range(5)])
    first = backend.poll(ids)
    assert sorted(s.state.value for s in first.values()) == [
        "pending",
        "pending",
        "pending",
        "running",
        "running",
    ]
    _wait(backend, ids)
    spans = [
        json.loads((tmp_path / "work" / f"{i:04d}" / "span.json").read_text()) for i in range(5)
    ]
    for start, _ in spans:
        overlapping = sum(1 for s, e in spans if s <= start < e)
        assert overlapping <= 2


def test_a_restarted_reconciler_picks_up_running_and_finished_jobs(tmp_path: Path) -> None:
    first = LocalBackend(tmp_path / "jobs", max_parallel_jobs=3)
    jobs = [
        _job(tmp_path, 0, "pass"),
        _job(tmp_path, 1, "import time; time.sleep(1.0)"),
        _job(tmp_path, 2, "import time, sys; time.sleep(1.0); sys.exit(2)"),
    ]
    ids = first.submit(TRAIN, jobs)
    _wait(first, ids[:1])
    del first  # the reconciler "crashes"; its processes keep running

    second = LocalBackend(tmp_path / "jobs", max_parallel_jobs=3)
    assert second.find(TRAIN.id) == [
        FoundJob(backend_id=ids[0], index=0, state=JobState.DONE),
        FoundJob(backend_id=ids[1], index=1, state=JobState.RUNNING),
        FoundJob(backend_id=ids[2], index=2, state=JobState.RUNNING),
    ]
    final = _wait(second, ids)
    assert [final[i].state for i in ids] == [JobState.DONE, JobState.DONE, JobState.FAILED]
    assert final[ids[2]].exit_code == 2
    assert second.find("T-20261128-0002") == []


def test_kill_stops_running_and_queued_jobs(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "jobs", max_parallel_jobs=1)
    code = "import os, time; open('started', 'w').write(str(os.getpid())); time.sleep(60)"
    ids = backend.submit(TRAIN, [_job(tmp_path, 0, code), _job(tmp_path, 1, code)])
    end = time.monotonic() + 20
    while not (tmp_path / "work" / "0000" / "started").exists():
        assert time.monotonic() < end
        time.sleep(0.05)
    while not (tmp_path / "work" / "0000" / "started").read_text():
        time.sleep(0.05)
    pid = int((tmp_path / "work" / "0000" / "started").read_text())
    backend.kill(ids)
    statuses = _wait(backend, ids)
    assert [statuses[i].state for i in ids] == [JobState.KILLED, JobState.KILLED]
    assert statuses[ids[0]].exit_code == -15
    assert not (tmp_path / "work" / "0001").exists()  # the queued job never started
    with pytest.raises(ProcessLookupError):  # the program itself is gone, not only its launcher
        os.kill(pid, 0)


def test_time_limit_and_unknown_program(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "jobs")
    slow = _job(tmp_path, 0, "import time; time.sleep(30)", resources=Resources(time_limit_s=1))
    missing = JobSpec(
        train_id=TRAIN.id, index=1, argv=("no-such-program-xyz",), workdir=tmp_path / "w1"
    )
    ids = backend.submit(TRAIN, [slow, missing])
    statuses = _wait(backend, ids)
    assert (statuses[ids[0]].state, statuses[ids[0]].reason) == (
        JobState.FAILED,
        "time limit of 1 s exceeded",
    )
    assert statuses[ids[1]].exit_code == 127
    assert statuses[ids[1]].reason.startswith("cannot start no-such-program-xyz: ")


def test_merge_waits_for_its_jobs(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "jobs", max_parallel_jobs=2)
    ids = backend.submit(
        TRAIN, [_job(tmp_path, 0, "import time; time.sleep(0.5); open('out', 'w')")]
    )
    merge = _job(tmp_path, 0, "import os; assert os.path.exists('../0000/out')")
    merge = merge.model_copy(update={"workdir": tmp_path / "work" / "merge"})
    merge_id = backend.submit_merge(TRAIN, merge, after=ids)
    assert merge_id == "T-20261128-0001/merge"
    assert backend.poll([merge_id])[merge_id].state is JobState.PENDING
    statuses = _wait(backend, [*ids, merge_id])
    assert statuses[merge_id].state is JobState.DONE
    assert [f.index for f in backend.find(TRAIN.id)] == [0, MERGE_INDEX]


def test_submitting_the_same_job_twice_is_refused(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "jobs", max_parallel_jobs=1)
    backend.submit(TRAIN, [_job(tmp_path, 0, "pass")])
    with pytest.raises(BackendError) as caught:
        backend.submit(TRAIN, [_job(tmp_path, 0, "pass")])
    assert str(caught.value) == (
        "job T-20261128-0001/0000 was already submitted; kill it or use a new train id"
    )
    with pytest.raises(BackendError, match=r"'T-1/\.\./x' is not a local backend job id"):
        backend.poll(["T-1/../x"])


def test_a_relative_workdir_is_relative_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    backend = LocalBackend(Path("jobs"))
    job = JobSpec(
        train_id=TRAIN.id,
        index=0,
        argv=(sys.executable, "-c", "open('out', 'w')"),
        workdir=Path("w"),
    )
    _wait(backend, backend.submit(TRAIN, [job]))
    assert (tmp_path / "w" / "out").exists()


def test_forget_lets_a_failed_job_be_resubmitted_but_never_an_active_one(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "jobs", max_parallel_jobs=2)
    [failed] = backend.submit(TRAIN, [_job(tmp_path, 0, "import sys; sys.exit(1)")])
    assert _wait(backend, [failed])[failed].state is JobState.FAILED
    backend.forget([failed])
    assert backend.find(TRAIN.id) == []
    [again] = backend.submit(TRAIN, [_job(tmp_path, 0, "pass")])
    assert again == failed
    assert _wait(backend, [again])[again].state is JobState.DONE
    [slow] = backend.submit(TRAIN, [_job(tmp_path, 1, "import time; time.sleep(30)")])
    with pytest.raises(BackendError) as caught:
        backend.forget([slow])
    assert str(caught.value) == "job T-20261128-0001/0001 is still active; kill it first"
    backend.kill([slow])
