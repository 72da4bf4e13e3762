"""The slurm backend against a real single-node Slurm (see conftest.py)."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hyperloop_gitops.backends.base import MERGE_INDEX, FoundJob, JobSpec, JobStatus
from hyperloop_gitops.backends.slurm import SlurmBackend
from hyperloop_gitops.errors import BackendError
from hyperloop_gitops.state import JobState, Resources, TrainRun, TrainWagon
from tests.backends.conftest import SlurmCluster

pytestmark = [pytest.mark.slurm, pytest.mark.xdist_group("slurm")]


def _train(number: int) -> TrainRun:
    return TrainRun(
        id=f"T-20261128-{number:04d}",
        dataset="LHC22o_pass6",
        package_tag="daily-20261120-0000-1",
        target="grid-single-core",
        backend="slurm",
        wagons=(TrainWagon(id="a/b", content_hash="00"),),
        full_config_digest="0" * 64,
        input_list_digest="0" * 64,
        composition_digest="0" * 64,
        created=datetime(2026, 11, 28, tzinfo=UTC),
    )


def _job(tmp_path: Path, train: TrainRun, index: int, code: str, **kw: object) -> JobSpec:
    return JobSpec(
        train_id=train.id,
        index=index,
        argv=(sys.executable, "-c", code),
        workdir=tmp_path / train.id / f"{index:04d}",
        resources=Resources(memory_mb=200, time_limit_s=120),
        **kw,  # type: ignore[arg-type]
    )


def _backend(tmp_path: Path, cluster: SlurmCluster, **kw: object) -> SlurmBackend:
    return SlurmBackend(tmp_path / "slurm", command_env=cluster.env, backoff_s=0.05, **kw)  # type: ignore[arg-type]


def _wait(backend: SlurmBackend, ids: list[str], timeout: float = 60) -> dict[str, JobStatus]:
    end = time.monotonic() + timeout
    while True:
        statuses = backend.poll(ids)
        if all(s.state.is_final for s in statuses.values()):
            return statuses
        assert time.monotonic() < end, statuses
        time.sleep(0.2)


def test_array_runs_every_job_and_reports_exit_codes(
    tmp_path: Path, slurm_cluster: SlurmCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    train = _train(1)
    backend = _backend(tmp_path, slurm_cluster, max_parallel_tasks=2)
    tricky = 'it\'s $(touch pwned); `x` "q" \\ ;&|'
    record = (
        "import json, os, sys; json.dump([dict(os.environ), sys.argv[1:]], open('seen.json', 'w'))"
    )
    first = _job(tmp_path, train, 0, record, env={"HYPERLOOP_JOB": "0"})
    jobs = [
        first.model_copy(update={"argv": (*first.argv, tricky)}),
        _job(tmp_path, train, 1, "print('hello from 1')"),
        _job(tmp_path, train, 2, "import sys; sys.exit(3)"),
        _job(tmp_path, train, 3, "pass"),
    ]
    ids = backend.submit(train, jobs)
    array = ids[0].split("_")[0]
    assert ids == [f"{array}_{i}" for i in range(4)]
    statuses = _wait(backend, ids)
    assert [(statuses[i].state, statuses[i].exit_code) for i in ids] == [
        (JobState.DONE, 0),
        (JobState.DONE, 0),
        (JobState.FAILED, 3),
        (JobState.DONE, 0),
    ]
    assert statuses[ids[2]].reason == "exit code 3"
    assert statuses[ids[0]].started is not None
    env, args = json.loads((tmp_path / train.id / "0000" / "seen.json").read_text())
    assert args == [tricky]  # reached the program as one literal word
    assert not (tmp_path / train.id / "0000" / "pwned").exists()
    assert "GITHUB_TOKEN" not in env
    assert env["HYPERLOOP_JOB"] == "0"
    assert (tmp_path / train.id / "0001" / "stdout.log").read_text() == "hello from 1\n"
    assert backend.find(train.id) == [
        FoundJob(backend_id=ids[0], index=0, state=JobState.DONE),
        FoundJob(backend_id=ids[1], index=1, state=JobState.DONE),
        FoundJob(backend_id=ids[2], index=2, state=JobState.FAILED),
        FoundJob(backend_id=ids[3], index=3, state=JobState.DONE),
    ]
    assert backend.find("T-20261128-0999") == []


def test_kill_cancels_running_and_pending_tasks(
    tmp_path: Path, slurm_cluster: SlurmCluster
) -> None:
    train = _train(2)
    backend = _backend(tmp_path, slurm_cluster, max_parallel_tasks=1)
    jobs = [_job(tmp_path, train, i, "import time; time.sleep(120)") for i in range(2)]
    ids = backend.submit(train, jobs)
    found = backend.find(train.id)
    assert [f.index for f in found] == [0, 1]  # the pending array is expanded per task
    backend.kill(ids)
    statuses = _wait(backend, ids)
    assert [statuses[i].state for i in ids] == [JobState.KILLED, JobState.KILLED], statuses


def test_merge_starts_after_every_job_ended(tmp_path: Path, slurm_cluster: SlurmCluster) -> None:
    train = _train(3)
    backend = _backend(tmp_path, slurm_cluster)
    jobs = [
        _job(tmp_path, train, i, f"import time; time.sleep(1); open('out', 'w').write('{i}')")
        for i in range(2)
    ]
    ids = backend.submit(train, jobs)
    merge = _job(
        tmp_path,
        train,
        0,
        "import glob; parts = [open(f).read() for f in sorted(glob.glob('../*/out'))];"
        " open('merged', 'w').write(''.join(parts))",
    ).model_copy(update={"workdir": tmp_path / train.id / "merge"})
    merge_id = backend.submit_merge(train, merge, after=ids)
    assert merge_id.isdigit()
    statuses = _wait(backend, [*ids, merge_id])
    assert statuses[merge_id].state is JobState.DONE
    assert (tmp_path / train.id / "merge" / "merged").read_text() == "01"
    assert [f.index for f in backend.find(train.id)] == [0, 1, MERGE_INDEX]


def test_a_failing_command_is_retried_and_recorded(
    tmp_path: Path, slurm_cluster: SlurmCluster
) -> None:
    import shutil

    counter = tmp_path / "count"
    flaky = tmp_path / "flaky-sbatch"
    flaky.write_text(
        "#!/bin/bash\n"
        f"n=$(( $(cat {counter} 2>/dev/null || echo 0) + 1 )); echo $n > {counter}\n"
        "if [ $n -le 2 ]; then\n"
        '  echo "sbatch: error: Socket timed out on send/recv operation" >&2; exit 1\n'
        "fi\n"
        f'exec {shutil.which("sbatch")} "$@"\n'
    )
    flaky.chmod(0o755)
    retries: list[dict[str, object]] = []
    train = _train(4)
    backend = _backend(
        tmp_path, slurm_cluster, commands={"sbatch": str(flaky)}, on_retry=retries.append
    )
    ids = backend.submit(train, [_job(tmp_path, train, 0, "pass")])
    assert _wait(backend, ids)[ids[0]].state is JobState.DONE
    assert [(r["attempt"], r["error"], r["delay_s"]) for r in retries] == [
        (1, "sbatch: error: Socket timed out on send/recv operation", 0.05),
        (2, "sbatch: error: Socket timed out on send/recv operation", 0.1),
    ]


def test_a_command_that_keeps_failing_says_what_to_do(tmp_path: Path) -> None:
    broken = tmp_path / "broken-scontrol"
    broken.write_text(
        "#!/bin/bash\n"
        "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2\n"
        "exit 1\n"
    )
    broken.chmod(0o755)
    backend = SlurmBackend(tmp_path, commands={"scontrol": str(broken)}, retries=2, backoff_s=0.01)
    with pytest.raises(BackendError) as caught:
        backend.poll(["12_0"])
    assert str(caught.value) == (
        f"`{broken} -o show job 12` failed 3 times: slurm_load_jobs error: Unable to contact"
        " slurm controller. Check that slurmctld answers (`scontrol ping`) and that SLURM_CONF"
        " names its configuration"
    )


def test_missing_slurm_is_a_clear_error(tmp_path: Path) -> None:
    backend = SlurmBackend(tmp_path, commands={"sbatch": "/nonexistent/sbatch"})
    with pytest.raises(BackendError) as caught:
        backend.submit(_train(5), [_job(tmp_path, _train(5), 0, "pass")])
    assert str(caught.value) == (
        "/nonexistent/sbatch not found: install the Slurm client (Debian: slurm-client) or set"
        " backends.slurm to a machine that has it"
    )


def test_a_forgotten_job_is_reported_failed(tmp_path: Path, slurm_cluster: SlurmCluster) -> None:
    backend = _backend(tmp_path, slurm_cluster)
    assert backend.poll(["987654_0"]) == {
        "987654_0": JobStatus(
            backend_id="987654_0", state=JobState.FAILED, reason="Slurm no longer knows this job"
        )
    }


def test_a_lost_sbatch_answer_does_not_submit_twice(
    tmp_path: Path, slurm_cluster: SlurmCluster
) -> None:
    import shutil

    counter = tmp_path / "count"
    lossy = tmp_path / "lossy-sbatch"
    lossy.write_text(
        "#!/bin/bash\n"
        f"n=$(( $(cat {counter} 2>/dev/null || echo 0) + 1 )); echo $n > {counter}\n"
        "if [ $n -eq 1 ]; then\n"
        f'  {shutil.which("sbatch")} "$@" >/dev/null\n'
        '  echo "sbatch: error: Socket timed out on send/recv operation" >&2; exit 1\n'
        "fi\n"
        f'exec {shutil.which("sbatch")} "$@"\n'
    )
    lossy.chmod(0o755)
    retries: list[dict[str, object]] = []
    train = _train(6)
    backend = _backend(
        tmp_path, slurm_cluster, commands={"sbatch": str(lossy)}, on_retry=retries.append
    )
    ids = backend.submit(train, [_job(tmp_path, train, 0, "pass")])
    assert counter.read_text() == "1\n"  # sbatch ran once: the retry found the array
    assert len(retries) == 1
    assert [f.backend_id for f in backend.find(train.id)] == ids
