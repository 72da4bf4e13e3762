"""The embedded default backend: jobs are local processes, at most N at a time.

Everything the backend knows lives in files, one control folder per job, so a reconciler that
restarts (a new ``LocalBackend`` on the same folder) picks up where the last one stopped::

    <root>/<train id>/<index:04d>/   (or merge/)
        spec.json     the JobSpec (and, for a merge, the jobs it waits for): the job is queued
        launched      written just before the launcher starts
        pid.json      written by the launcher: its pid and process start time
        result.json   written by the launcher when the program ends: exit code, reason, times
        killed        written by kill()

There is no daemon: queued jobs start when the reconciler calls ``submit`` or ``poll``. A job is
running while its launcher's pid is alive *with the recorded start time* (pids are reused;
the start time comes from /proc, so this backend is Linux-only).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from hyperloop_gitops.backends._env import scrubbed_env
from hyperloop_gitops.backends._localjob import process_start
from hyperloop_gitops.backends.base import MERGE_INDEX, FoundJob, JobSpec, JobStatus
from hyperloop_gitops.errors import BackendError
from hyperloop_gitops.state.atomic import atomic_write_text
from hyperloop_gitops.state.models import JobState, TrainRun

_LAUNCHER = Path(__file__).with_name("_localjob.py")

#: A launcher that was started but has not written pid.json after this long is lost.
START_GRACE_S = 30.0


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class LocalBackend:
    """Runs jobs as local processes under ``root`` with at most ``max_parallel_jobs`` at once."""

    name: ClassVar[str] = "local"

    def __init__(self, root: Path, *, max_parallel_jobs: int = 2) -> None:
        if max_parallel_jobs < 1:
            raise BackendError("backends.local.max_parallel_jobs must be at least 1")
        self.root = root.absolute()  # launchers run elsewhere: no relative paths
        self.max_parallel_jobs = max_parallel_jobs
        self._children: list[subprocess.Popen[bytes]] = []
        self._final: dict[str, JobStatus] = {}  # a final job never changes: read it once

    # -- ids and folders --------------------------------------------------------------------
    @staticmethod
    def backend_id(train_id: str, index: int) -> str:
        """``T-.../0003`` for a job, ``T-.../merge`` for the merge job."""
        return f"{train_id}/{'merge' if index == MERGE_INDEX else f'{index:04d}'}"

    def _control(self, backend_id: str) -> Path:
        train_id, _, leaf = backend_id.partition("/")
        if not train_id.startswith("T-") or "/" in leaf or leaf in ("", ".", ".."):
            raise BackendError(f"'{backend_id}' is not a local backend job id")
        return self.root / train_id / leaf

    # -- the protocol -----------------------------------------------------------------------
    def submit(self, train: TrainRun, jobs: Sequence[JobSpec]) -> list[str]:
        """Queue the jobs (a spec.json each) and start as many as the limit allows."""
        ids = [self._queue(job, after=()) for job in jobs]
        os.sync()  # one flush for all the specs, rather than two fsyncs per job
        self._schedule()
        return ids

    def submit_merge(self, train: TrainRun, merge: JobSpec, after: Sequence[str]) -> str:
        """Queue the merge job; it starts once every job in ``after`` is final."""
        backend_id = self._queue(merge.model_copy(update={"index": MERGE_INDEX}), after=after)
        os.sync()
        self._schedule()
        return backend_id

    def find(self, train_id: str) -> list[FoundJob]:
        """The jobs queued, running or finished under ``root/<train_id>``."""
        folder = self.root / train_id
        if not folder.is_dir():
            return []
        found = []
        for control in sorted(folder.iterdir()):
            if not (control / "spec.json").exists():
                continue  # a submit that crashed before writing the spec: never queued
            backend_id = f"{train_id}/{control.name}"
            index = MERGE_INDEX if control.name == "merge" else int(control.name)
            found.append(
                FoundJob(backend_id=backend_id, index=index, state=self._status(backend_id).state)
            )
        return found

    def poll(self, backend_ids: Sequence[str]) -> dict[str, JobStatus]:
        """Start queued jobs if there is room, then report each job's status."""
        fresh = self._schedule()
        return {b: fresh.get(b) or self._status(b) for b in backend_ids}

    def kill(self, backend_ids: Sequence[str]) -> None:
        """Mark the jobs killed (queued ones never start) and stop the running ones."""
        with self._scheduler_lock():  # no scheduler may launch a job between mark and signal
            for backend_id in backend_ids:
                control = self._control(backend_id)
                if not (control / "spec.json").exists() or (control / "result.json").exists():
                    continue
                atomic_write_text(control / "killed", datetime.now(UTC).isoformat())
                pid = self._process(control)
                if pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(pid, signal.SIGTERM)
        self._reap()

    def forget(self, backend_ids: Sequence[str]) -> None:
        """Drop finished jobs so their indices can be submitted again (a resubmission).

        Running or queued jobs are never forgotten.
        """
        for backend_id in backend_ids:
            control = self._control(backend_id)
            if not (control / "spec.json").exists():
                continue
            if not self._status(backend_id).state.is_final:
                raise BackendError(f"job {backend_id} is still active; kill it first")
            self._final.pop(backend_id, None)
            shutil.rmtree(control)

    def fetch_outputs(self, job: JobSpec, names: Sequence[str], destination: Path) -> list[Path]:
        """Copy the outputs from the job's folder (none to copy when it is ``destination``)."""
        found = []
        for name in names:
            source = job.workdir / name
            if not source.is_file():
                continue
            target = destination / name
            if source.resolve() != target.resolve():
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            found.append(target)
        return found

    # -- internals --------------------------------------------------------------------------
    def _queue(self, job: JobSpec, *, after: Sequence[str]) -> str:
        backend_id = self.backend_id(job.train_id, job.index)
        control = self._control(backend_id)
        if (control / "spec.json").exists():
            raise BackendError(
                f"job {backend_id} was already submitted; kill it or use a new train id"
            )
        # the launcher runs in the control folder: a relative workdir must not move there
        document: dict[str, Any] = job.model_dump(mode="json")
        document["workdir"] = str(job.workdir.resolve())
        document["after"] = list(after)
        atomic_write_text(control / "spec.json", json.dumps(document, indent=1), durable=False)
        return backend_id

    @contextlib.contextmanager
    def _scheduler_lock(self) -> Iterator[None]:
        # two reconciler processes (or a CLI command) must not both fill the same free slot
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".scheduler.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _all_controls(self) -> list[Path]:
        """Every job folder, trains and jobs in order (os.scandir: this runs on every poll)."""
        if not self.root.is_dir():
            return []
        controls: list[Path] = []
        for train in sorted(e.name for e in os.scandir(self.root) if e.name.startswith("T-")):
            folder = self.root / train
            controls.extend(folder / name for name in sorted(e.name for e in os.scandir(folder)))
        return controls

    def _schedule(self) -> dict[str, JobStatus]:
        """Start pending jobs while there is room; return the statuses read on the way."""
        self._reap()
        fresh: dict[str, JobStatus] = {}
        with self._scheduler_lock():
            pending: list[tuple[str, Path]] = []
            running = 0
            for control in self._all_controls():
                backend_id = f"{control.parent.name}/{control.name}"
                if backend_id in self._final:
                    continue
                status = fresh[backend_id] = self._status(backend_id)
                if status.state is JobState.RUNNING:
                    running += 1
                elif status.state is JobState.PENDING:
                    pending.append((backend_id, control))
            free = self.max_parallel_jobs - running
            for backend_id, control in pending:
                if free <= 0:
                    break
                if self._dependencies_final(control):
                    self._launch(control)
                    fresh[backend_id] = JobStatus(backend_id=backend_id, state=JobState.RUNNING)
                    free -= 1
        return fresh

    def _dependencies_final(self, control: Path) -> bool:
        spec = json.loads((control / "spec.json").read_text(encoding="utf-8"))
        return all(self._status(dep).state.is_final for dep in spec.get("after", []))

    def _launch(self, control: Path) -> None:
        # not flushed to disk: a power loss kills the launcher too, and a crash of this
        # process keeps the page cache
        atomic_write_text(control / "launched", datetime.now(UTC).isoformat(), durable=False)
        launcher = [sys.executable, "-I", "-S", str(_LAUNCHER), str(control)]  # stdlib only
        with (control / "launcher.log").open("ab") as log:
            child = subprocess.Popen(
                launcher,
                cwd=control,
                env=scrubbed_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # own process group: kill() stops the whole job
            )
        self._children.append(child)

    def _reap(self) -> None:
        # collect our own finished launchers so they do not linger as zombies
        self._children = [child for child in self._children if child.poll() is None]

    @staticmethod
    def _process(control: Path) -> int | None:
        """The launcher's pid if it is still alive (same pid *and* start time, not a zombie)."""
        try:
            info = json.loads((control / "pid.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        identity = process_start(info["pid"])
        if identity is None or identity[1] != info["start_ticks"] or identity[0] == "Z":
            return None  # gone, or the pid now belongs to another process
        return int(info["pid"])

    def _status(self, backend_id: str) -> JobStatus:
        known = self._final.get(backend_id)
        if known is not None:
            return known
        status = self._read_status(backend_id)
        if status.state.is_final and (self._control(backend_id) / "result.json").exists():
            self._final[backend_id] = status
        return status

    def _read_status(self, backend_id: str) -> JobStatus:
        control = self._control(backend_id)
        try:
            names = {e.name for e in os.scandir(control)}  # one call instead of one per marker
        except FileNotFoundError:
            names = set()
        if "spec.json" not in names:
            return JobStatus(
                backend_id=backend_id, state=JobState.FAILED, reason="unknown to the local backend"
            )
        killed = "killed" in names
        result_path = control / "result.json"
        if "result.json" in names:
            result = json.loads(result_path.read_text(encoding="utf-8"))
            code = result["exit_code"]
            state = JobState.DONE if code == 0 else JobState.FAILED
            if killed and code != 0:
                state = JobState.KILLED
            reason = result["reason"] or ("" if code == 0 else f"exit code {code}")
            return JobStatus(
                backend_id=backend_id,
                state=state,
                exit_code=code,
                started=_parse_time(result["started"]),
                finished=_parse_time(result["finished"]),
                reason="killed" if state is JobState.KILLED else reason,
            )
        if "pid.json" in names:
            if self._process(control) is not None:
                return JobStatus(backend_id=backend_id, state=JobState.RUNNING)
            # the launcher ended without a result: someone killed it hard (or the machine
            # rebooted). Our own kill() is the common case.
            if killed:
                return JobStatus(backend_id=backend_id, state=JobState.KILLED, reason="killed")
            return JobStatus(
                backend_id=backend_id,
                state=JobState.FAILED,
                reason="the job's launcher ended without recording an exit code",
            )
        if killed:
            return JobStatus(backend_id=backend_id, state=JobState.KILLED, reason="killed")
        launched = control / "launched"
        if "launched" in names:
            if time.time() - launched.stat().st_mtime < START_GRACE_S:
                return JobStatus(backend_id=backend_id, state=JobState.RUNNING)
            return JobStatus(
                backend_id=backend_id,
                state=JobState.FAILED,
                reason=f"the job's launcher did not start within {START_GRACE_S:g} s",
            )
        return JobStatus(backend_id=backend_id, state=JobState.PENDING)
