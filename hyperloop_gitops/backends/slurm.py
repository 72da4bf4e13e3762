"""The Slurm backend: one job array per train, the merge as a dependent job.

Submission: ``sbatch --parsable --array=<indices>%M --job-name=<train id>`` with a generated
batch script (one ``case`` per array index; every word quoted). Status: ``scontrol -o show job``
(not ``sacct``: without slurmdbd it reports nothing and still exits 0). Finished jobs stay
visible for the cluster's ``MinJobAge``; a job Slurm has forgotten is reported FAILED.
Every command is retried with backoff; each retry is reported to ``on_retry``.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from hyperloop_gitops.backends import _slurmtext as text
from hyperloop_gitops.backends._env import scrubbed_env
from hyperloop_gitops.backends.base import MERGE_INDEX, FoundJob, JobSpec, JobStatus
from hyperloop_gitops.errors import BackendError
from hyperloop_gitops.state.atomic import atomic_write_text
from hyperloop_gitops.state.models import JobState, TrainRun

_FORGOTTEN = "Invalid job id specified"
_MERGE_SUFFIX = "-merge"


class SlurmBackend:
    """Runs each train as a Slurm job array; the commands' paths are configurable for tests."""

    name: ClassVar[str] = "slurm"

    def __init__(
        self,
        root: Path,
        *,
        partition: str | None = None,
        account: str | None = None,
        time_limit_minutes: int = 60,
        memory_mb: int = 4000,
        max_parallel_tasks: int | None = None,
        retries: int = 3,
        backoff_s: float = 0.5,
        command_env: Mapping[str, str] | None = None,
        commands: Mapping[str, str] | None = None,
        on_retry: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.root = root.absolute()  # sbatch resolves paths on the job's side
        self.partition = partition
        self.account = account
        self.time_limit_minutes = time_limit_minutes
        self.memory_mb = memory_mb
        self.max_parallel_tasks = max_parallel_tasks
        self.retries = retries
        self.backoff_s = backoff_s
        self.command_env = dict(command_env or {})
        self.commands = {"sbatch": "sbatch", "scontrol": "scontrol", "scancel": "scancel"}
        self.commands.update(commands or {})
        self.on_retry = on_retry

    # -- running Slurm's commands -----------------------------------------------------------
    def _run(
        self,
        tool: str,
        args: Sequence[str],
        *,
        forgotten_ok: bool = False,
        already_done: Callable[[], str | None] | None = None,
    ) -> str:
        """Run a Slurm command; retry failures with backoff; return its stdout.

        ``already_done`` is asked before each retry whether the failed attempt took effect
        after all (an sbatch whose answer was lost): its answer is then returned instead.
        """
        program = self.commands[tool]
        if shutil.which(program) is None:
            raise BackendError(
                f"{program} not found: install the Slurm client (Debian: slurm-client) or set"
                " backends.slurm to a machine that has it"
            )
        env = {**os.environ, **self.command_env}
        argv = [program, *args]
        last = ""
        for attempt in range(1, self.retries + 2):
            try:
                done = subprocess.run(
                    argv, capture_output=True, text=True, env=env, timeout=120, check=False
                )
            except subprocess.TimeoutExpired:
                last = "no answer within 120 s"
            else:
                if done.returncode == 0:
                    return done.stdout
                said = (done.stderr.strip() or done.stdout.strip()).splitlines()
                last = said[-1] if said else f"exit code {done.returncode}"
                if forgotten_ok and _FORGOTTEN in done.stderr:
                    return ""
            if attempt > self.retries:
                break
            delay = self.backoff_s * 2 ** (attempt - 1)
            if self.on_retry is not None:
                self.on_retry(
                    {"command": " ".join(argv), "attempt": attempt, "error": last, "delay_s": delay}
                )
            time.sleep(delay)
            answer = _ask(already_done)
            if answer is not None:
                return answer
        answer = _ask(already_done)  # the last attempt's answer may have been lost too
        if answer is not None:
            return answer
        raise BackendError(
            f"`{' '.join(argv)}` failed {self.retries + 1} times: {last}. Check that slurmctld"
            " answers (`scontrol ping`) and that SLURM_CONF names its configuration"
        )

    # -- the protocol -----------------------------------------------------------------------
    def submit(self, train: TrainRun, jobs: Sequence[JobSpec]) -> list[str]:
        """Submit the jobs as one array named after the train; ids are ``<array>_<index>``."""
        if not jobs:
            return []
        folder = self.root / train.id
        # a new name per submission: a lost sbatch answer is recognised by its script
        stamp = f"{time.time_ns():x}"
        script = folder / f"array-{text.array_spec(j.index for j in jobs)}.{stamp}.sh"
        atomic_write_text(
            script,
            text.batch_script(
                train_id=train.id,
                jobs=[
                    (j.index, j.argv, scrubbed_env(j.env), str(j.workdir.resolve())) for j in jobs
                ],
            ),
        )
        limit = f"%{self.max_parallel_tasks}" if self.max_parallel_tasks else ""
        args = [
            "--parsable",
            f"--job-name={train.id}",
            f"--array={text.array_spec(j.index for j in jobs)}{limit}",
            *self._resource_args(jobs),
            f"--output={folder}/slurm-%A_%a.out",
            str(script),
        ]
        answer = self._run("sbatch", args, already_done=lambda: self._submitted(train.id, script))
        array_id = answer.strip().split(";")[0]
        return [f"{array_id}_{j.index}" for j in jobs]

    def submit_merge(self, train: TrainRun, merge: JobSpec, after: Sequence[str]) -> str:
        """Submit the merge as a job that starts after every job of ``after`` ended (any way)."""
        folder = self.root / train.id
        script = folder / f"merge.{time.time_ns():x}.sh"
        atomic_write_text(
            script,
            text.single_script(
                train_id=train.id,
                argv=merge.argv,
                env=scrubbed_env(merge.env),
                workdir=str(merge.workdir.resolve()),
            ),
        )
        parents = sorted({backend_id.split("_")[0] for backend_id in after})
        args = [
            "--parsable",
            f"--job-name={train.id}{_MERGE_SUFFIX}",
            *self._resource_args([merge]),
            f"--output={folder}/slurm-%j.out",
        ]
        if parents:
            args.append(f"--dependency=afterany:{':'.join(parents)}")
        answer = self._run(
            "sbatch",
            [*args, str(script)],
            already_done=lambda: self._submitted(train.id + _MERGE_SUFFIX, script),
        )
        return answer.strip().split(";")[0]

    def find(self, train_id: str) -> list[FoundJob]:
        """Jobs named after the train (and its merge) that Slurm still knows, by index."""
        names = (train_id, train_id + _MERGE_SUFFIX)
        records = [r for r in self._records(None) if r.get("JobName") in names]
        found = [
            FoundJob(
                backend_id=backend_id,
                index=index if name == train_id else MERGE_INDEX,
                state=status.state,
            )
            for backend_id, (name, index, status) in self._expand(records).items()
        ]
        return sorted(found, key=lambda f: (f.index == MERGE_INDEX, f.index, f.backend_id))

    def poll(self, backend_ids: Sequence[str]) -> dict[str, JobStatus]:
        """One ``scontrol`` call per array; jobs Slurm forgot come back FAILED."""
        known: dict[str, JobStatus] = {}
        for parent in sorted({b.split("_")[0] for b in backend_ids}):
            for backend_id, (_, _, status) in self._expand(self._records(parent)).items():
                known[backend_id] = status
        forgotten = JobStatus(
            backend_id="", state=JobState.FAILED, reason="Slurm no longer knows this job"
        )
        return {
            b: known.get(b, forgotten.model_copy(update={"backend_id": b})) for b in backend_ids
        }

    def kill(self, backend_ids: Sequence[str]) -> None:
        """``scancel`` the jobs (array tasks as ``<array>_<index>``)."""
        if backend_ids:
            self._run("scancel", list(backend_ids), forgotten_ok=True)

    def forget(self, backend_ids: Sequence[str]) -> None:
        """Nothing to drop: every submission gets new Slurm job ids."""

    def fetch_outputs(self, job: JobSpec, names: Sequence[str], destination: Path) -> list[Path]:
        """The cluster writes into ``job.workdir`` (a shared file system): copy from there."""
        found = []
        for name in names:
            source = job.workdir / name
            if source.is_file():
                target = destination / name
                if source.resolve() != target.resolve():
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                found.append(target)
        return found

    # -- internals --------------------------------------------------------------------------
    def _resource_args(self, jobs: Sequence[JobSpec]) -> list[str]:
        # an array shares one request: the largest job's, capped by the configured limits
        memory = min(max(j.resources.memory_mb for j in jobs), self.memory_mb)
        seconds = max(j.resources.time_limit_s for j in jobs)
        minutes = min(math.ceil(seconds / 60), self.time_limit_minutes)
        args = [
            f"--mem={memory}M",
            f"--time={minutes}",
            f"--cpus-per-task={max(j.resources.cores for j in jobs)}",
            "--export=NONE",  # the submitting environment (tokens) never reaches a job
            "--kill-on-invalid-dep=no",
        ]
        if self.partition:
            args.append(f"--partition={self.partition}")
        if self.account:
            args.append(f"--account={self.account}")
        return args

    def _submitted(self, name: str, script: Path) -> str | None:
        """The job id of an earlier attempt that ran ``script``, if Slurm has it."""
        for record in self._records(None):
            if record.get("JobName") == name and record.get("Command") == str(script):
                return record.get("ArrayJobId") or record["JobId"]
        return None

    def _records(self, job_id: str | None) -> list[dict[str, str]]:
        args = ["-o", "show", "job"] + ([job_id] if job_id else [])
        out = self._run("scontrol", args, forgotten_ok=True)
        return [text.parse_scontrol_line(line) for line in out.splitlines() if "JobId=" in line]

    @staticmethod
    def _expand(records: list[dict[str, str]]) -> dict[str, tuple[str, int, JobStatus]]:
        """backend id -> (job name, index, status) for every task the records stand for."""
        expanded: dict[str, tuple[str, int, JobStatus]] = {}
        leftovers: list[dict[str, str]] = []
        for record in records:
            task = record.get("ArrayTaskId")
            if task is None:  # a plain job (the merge)
                job_id = record["JobId"]
                status = _status(record, job_id)
                expanded[job_id] = (record.get("JobName", ""), MERGE_INDEX, status)
            elif text.is_task_list(task):
                parent = record["ArrayJobId"]
                for index in text.expand_task_ids(task):
                    backend_id = f"{parent}_{index}"
                    expanded[backend_id] = (record["JobName"], index, _status(record, backend_id))
            else:
                leftovers.append(record)
        for record in leftovers:
            # tasks cancelled while still pending lose their range (ArrayTaskId=4294967294);
            # our script's name (array-<indices>.sh) still says which tasks they were
            parent = record["ArrayJobId"]
            for index in text.indices_from_script(record.get("Command", "")):
                backend_id = f"{parent}_{index}"
                if backend_id not in expanded:
                    expanded[backend_id] = (record["JobName"], index, _status(record, backend_id))
        return expanded


def _ask(already_done: Callable[[], str | None] | None) -> str | None:
    """``already_done()``, or None when there is no such check or Slurm cannot answer it."""
    if already_done is None:
        return None
    try:
        return already_done()
    except BackendError:
        return None


def _status(record: dict[str, str], backend_id: str) -> JobStatus:
    state, reason = text.job_state(record.get("JobState", ""))
    code = text.exit_code(record.get("ExitCode", ""))
    if state is JobState.FAILED and not reason and code is not None:
        reason = f"exit code {code}" if code >= 0 else f"killed by signal {-code}"
    return JobStatus(
        backend_id=backend_id,
        state=state,
        # a task cancelled before it ran reports ExitCode=0:0, which is no exit code at all
        exit_code=code if state.is_final and (code or state is not JobState.KILLED) else None,
        started=text.parse_time(record.get("StartTime")) if state is not JobState.PENDING else None,
        finished=text.parse_time(record.get("EndTime")) if state.is_final else None,
        reason=reason,
    )
