"""The JAliEn (ALICE grid) backend: a master JDL per train and alienpy commands.

A train is one master job: its input files go into an XML collection, the grid splits it into
subjobs (``Split``, ``SplitMaxInputFileNumber``) and writes each subjob's outputs under
``OutputDir``. Every JobSpec of the train therefore maps to the master job id, and ``poll``
reports the master's state for each of them. The grid has no job dependencies: the merge is
submitted once the jobs are final.

Every alienpy call is an argv list (never a shell line) built by a ``*_command`` function, so
the exact command lines are tested. The grid itself cannot be reached from the machines this
project is developed and tested on: without ``alien.py`` on PATH every call raises BackendError.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from hyperloop_gitops.backends.base import MERGE_INDEX, FoundJob, JobSpec, JobStatus
from hyperloop_gitops.backends.jdl import Expr, render_collection, render_jdl
from hyperloop_gitops.errors import BackendError
from hyperloop_gitops.state.atomic import atomic_write_text
from hyperloop_gitops.state.models import JobState, TrainRun

ALIEN = "alien.py"
OUTPUTS = ("AnalysisResults.root", "AO2D.root")

_STATES = {
    JobState.PENDING: {
        "INSERTING",
        "WAITING",
        "ASSIGNED",
        "SPLITTING",
        "SPLIT",
        "OVER_WAITING",
        "TO_STAGE",
        "A_STAGED",
        "STAGING",
        "INTERACTIV",
        "FAULTY",
    },
    JobState.RUNNING: {"STARTED", "RUNNING", "SAVING", "SAVED", "SAVED_WARN"},
    JobState.DONE: {"DONE", "DONE_WARN"},
    JobState.KILLED: {"KILLED"},
}


def grid_state(status: str) -> JobState:
    """Our state for a JAliEn job status (``ERROR_*``, ``EXPIRED``, ``ZOMBIE``... are FAILED)."""
    for state, names in _STATES.items():
        if status in names:
            return state
    return JobState.FAILED


class JAliEnBackend:
    """Submits trains to the ALICE grid through ``alien.py``."""

    name: ClassVar[str] = "jalien"

    def __init__(
        self,
        root: Path,
        *,
        output_base: str = "/alice/cern.ch/user/a/alihyperloop/trains",
        ttl_seconds: int = 36000,
        split: str = "se",
        max_input_files_per_job: int = 20,
        executable: str = "/alice/cern.ch/user/a/alihyperloop/bin/hyperloop_train.sh",
        merge_executable: str = "/alice/cern.ch/user/a/alihyperloop/bin/hyperloop_merge.sh",
    ) -> None:
        self.root = root
        self.output_base = output_base.rstrip("/")
        self.ttl_seconds = ttl_seconds
        self.split = split
        self.max_input_files_per_job = max_input_files_per_job
        self.executable = executable
        self.merge_executable = merge_executable

    # -- pure: JDLs and command lines ---------------------------------------------------------
    def train_dir(self, train_id: str) -> str:
        """The train's folder in the grid catalogue."""
        return f"{self.output_base}/{train_id}"

    def train_jdl(self, train: TrainRun, jobs: Sequence[JobSpec]) -> str:
        """The master JDL of a train (see the module docstring)."""
        base = self.train_dir(train.id)
        cores = max(job.resources.cores for job in jobs)
        memory_mb = max(job.resources.memory_mb for job in jobs)
        return render_jdl(
            [
                ("Executable", self.executable),
                ("Arguments", shlex.join(jobs[0].argv)),
                ("Packages", [f"VO_ALICE@O2Physics::{train.package_tag}"]),
                ("JobTag", [f"hyperloop:{train.id}", f"dataset:{train.dataset}"]),
                ("InputDataCollection", [f"LF:{base}/input.xml,nodownload"]),
                ("InputDataListFormat", "xml-single"),
                ("InputDataList", "wn.xml"),
                ("Split", self.split),
                ("SplitMaxInputFileNumber", self.max_input_files_per_job),
                ("OutputDir", f"{base}/#alien_counter_03i#"),
                ("Output", ["log_archive.zip:stdout,stderr@disk=1", ",".join(OUTPUTS) + "@disk=2"]),
                ("TTL", self.ttl_seconds),
                ("CPUCores", cores),
                ("MemorySize", f"{memory_mb}MB"),
                (
                    "Requirements",
                    Expr(f"( other.TTL > {self.ttl_seconds} ) && ( other.CPUCores >= {cores} )"),
                ),
            ]
        )

    def merge_jdl(self, train: TrainRun, merge: JobSpec, inputs: Sequence[str]) -> str:
        """The JDL of a merge job reading the subjobs' outputs ``inputs`` (catalogue paths)."""
        base = self.train_dir(train.id)
        return render_jdl(
            [
                ("Executable", self.merge_executable),
                ("Arguments", shlex.join(merge.argv)),
                ("Packages", [f"VO_ALICE@O2Physics::{train.package_tag}"]),
                ("JobTag", [f"hyperloop:{train.id}", "merge"]),
                ("InputFile", [f"LF:{lfn}" for lfn in inputs]),
                ("OutputDir", f"{base}/merged"),
                ("Output", ["log_archive.zip:stdout,stderr@disk=1", ",".join(OUTPUTS) + "@disk=2"]),
                ("TTL", self.ttl_seconds),
            ]
        )

    @staticmethod
    def upload_command(local: Path, lfn: str) -> list[str]:
        """``alien.py cp -f file:<local> alien:<lfn>``."""
        return [ALIEN, "cp", "-f", f"file:{local}", f"alien:{lfn}"]

    @staticmethod
    def download_command(lfn: str, local: Path) -> list[str]:
        """``alien.py cp alien:<lfn> file:<local>``."""
        return [ALIEN, "cp", f"alien:{lfn}", f"file:{local}"]

    @staticmethod
    def submit_command(jdl_lfn: str) -> list[str]:
        """``alien.py submit <jdl in the catalogue>``."""
        return [ALIEN, "submit", jdl_lfn]

    @staticmethod
    def status_command(job_ids: Sequence[str]) -> list[str]:
        """``alien.py ps -j <id,id> -json``: the jobs' states as JSON."""
        return [ALIEN, "ps", "-j", ",".join(job_ids), "-json"]

    @staticmethod
    def trace_command(job_id: str) -> list[str]:
        """``alien.py ps -trace <id>``: the job's history (why it failed)."""
        return [ALIEN, "ps", "-trace", job_id]

    @staticmethod
    def masterjobs_command() -> list[str]:
        """``alien.py ps -M -json``: the user's master jobs (to find a train's)."""
        return [ALIEN, "ps", "-M", "-json"]

    @staticmethod
    def kill_command(job_ids: Sequence[str]) -> list[str]:
        """``alien.py kill <id> ...``."""
        return [ALIEN, "kill", *job_ids]

    # -- the protocol (needs alien.py and a grid token) ---------------------------------------
    def submit(self, train: TrainRun, jobs: Sequence[JobSpec]) -> list[str]:
        """Upload the input collection and the JDL, submit; every job maps to the master id."""
        if not jobs:
            return []
        folder = self.root / train.id
        base = self.train_dir(train.id)
        lfns = sorted({lfn for job in jobs for lfn in job.input_files})
        atomic_write_text(folder / "input.xml", render_collection(train.id, lfns))
        atomic_write_text(folder / f"{train.id}.jdl", self.train_jdl(train, jobs))
        self._run(self.upload_command(folder / "input.xml", f"{base}/input.xml"))
        self._run(self.upload_command(folder / f"{train.id}.jdl", f"{base}/{train.id}.jdl"))
        master = self._job_id(self._run(self.submit_command(f"{base}/{train.id}.jdl")))
        return [master] * len(jobs)

    def submit_merge(self, train: TrainRun, merge: JobSpec, after: Sequence[str]) -> str:
        """Submit the merge job; the grid has no dependencies, so ``after`` must be final."""
        statuses = self.poll(after)
        if not all(status.state.is_final for status in statuses.values()):
            raise BackendError(
                f"train {train.id}: the grid has no job dependencies; submit the merge once"
                " every job is final"
            )
        if not merge.input_files:
            raise BackendError(f"train {train.id}: a merge job needs its input files")
        folder = self.root / train.id
        base = self.train_dir(train.id)
        atomic_write_text(folder / "merge.jdl", self.merge_jdl(train, merge, merge.input_files))
        self._run(self.upload_command(folder / "merge.jdl", f"{base}/merge.jdl"))
        return self._job_id(self._run(self.submit_command(f"{base}/merge.jdl")))

    def find(self, train_id: str) -> list[FoundJob]:
        """Master jobs whose JobTag names the train."""
        found = []
        for job in self._json(self.masterjobs_command()):
            tags = str(job.get("jobTag", job.get("JobTag", "")))
            if f"hyperloop:{train_id}" not in tags:
                continue
            index = MERGE_INDEX if "merge" in tags else 0
            found.append(
                FoundJob(
                    backend_id=str(job["id"]), index=index, state=grid_state(str(job["status"]))
                )
            )
        return found

    def poll(self, backend_ids: Sequence[str]) -> dict[str, JobStatus]:
        """The state of each (master) job; ids the grid does not return are FAILED."""
        unique = sorted(set(backend_ids))
        known = {}
        for job in self._json(self.status_command(unique)) if unique else []:
            status = str(job["status"])
            state = grid_state(status)
            known[str(job["id"])] = JobStatus(
                backend_id=str(job["id"]),
                state=state,
                reason=""
                if state in (JobState.DONE, JobState.RUNNING, JobState.PENDING)
                else status,
            )
        lost = JobStatus(backend_id="", state=JobState.FAILED, reason="unknown to the grid")
        return {b: known.get(b, lost.model_copy(update={"backend_id": b})) for b in backend_ids}

    def kill(self, backend_ids: Sequence[str]) -> None:
        """``alien.py kill`` the (master) jobs."""
        if backend_ids:
            self._run(self.kill_command(sorted(set(backend_ids))))

    def forget(self, backend_ids: Sequence[str]) -> None:
        """Nothing to drop: every submission gets a new grid job id."""

    def fetch_outputs(self, job: JobSpec, names: Sequence[str], destination: Path) -> list[Path]:
        """Download the subjob's outputs (``<train dir>/<index+1:03d>/<name>``)."""
        destination.mkdir(parents=True, exist_ok=True)
        base = self.train_dir(job.train_id)
        fetched = []
        for name in names:
            target = destination / name
            self._run(self.download_command(f"{base}/{job.index + 1:03d}/{name}", target))
            fetched.append(target)
        return fetched

    # -- running alien.py -----------------------------------------------------------------------
    @staticmethod
    def _run(argv: list[str]) -> str:
        if shutil.which(argv[0]) is None:
            raise BackendError(
                f"{argv[0]} not found: the ALICE grid is not reachable from here (install"
                " alienpy and get a grid token, or use the local or slurm backend)"
            )
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            raise BackendError(
                f"`{shlex.join(argv)}` failed: {said[-1] if said else done.returncode}."
                " Check your grid token (`alien.py token-info`)"
            )
        return done.stdout

    def _json(self, argv: list[str]) -> list[dict[str, Any]]:
        answer = json.loads(self._run(argv) or "{}")
        results = answer.get("results", []) if isinstance(answer, dict) else answer
        return [r for r in results if isinstance(r, dict)]

    @staticmethod
    def _job_id(output: str) -> str:
        match = re.search(r"\b(\d{3,})\b", output)
        if match is None:
            raise BackendError(f"alien.py submit printed no job id: {output.strip()[:200]!r}")
        return match.group(1)
