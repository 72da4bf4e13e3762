"""Backend overhead: what the local and slurm backends add to each job.

    .venv/bin/python benchmarks/backend_overhead.py [--jobs 200] [--slurm-tasks 1000]

local: N trivial jobs (/bin/true) through LocalBackend (launcher + control files + polling),
compared with running /bin/true N times directly. slurm (when slurmctld is installed and we are
root): a single-node Slurm is started from tests/backends/slurm_ci.sh, a 1,000-task array is
submitted and followed to the end with scontrol, as the reconciler does.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hyperloop_gitops.backends.base import JobSpec
from hyperloop_gitops.backends.local import LocalBackend
from hyperloop_gitops.backends.slurm import SlurmBackend
from hyperloop_gitops.state import Resources, TrainRun, TrainWagon

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "tests" / "backends" / "slurm_ci.sh"


def _train(number: int, backend: str) -> TrainRun:
    return TrainRun(
        id=f"T-20261128-{number:04d}",
        dataset="bench",
        package_tag="bench",
        target="grid-single-core",
        backend=backend,
        wagons=(TrainWagon(id="bench/true", content_hash="00"),),
        full_config_digest="0",
        input_list_digest="0",
        composition_digest="0",
        created=datetime.now(UTC),
    )


def _specs(train: TrainRun, count: int, work: Path) -> list[JobSpec]:
    return [
        JobSpec(
            train_id=train.id,
            index=i,
            argv=("/bin/true",),
            workdir=work / f"{i:04d}",
            resources=Resources(memory_mb=100, time_limit_s=300),
        )
        for i in range(count)
    ]


def bench_local(jobs: int, parallel: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        start = time.perf_counter()
        for _ in range(jobs):
            subprocess.run(["/bin/true"], check=True)
        direct = time.perf_counter() - start

        backend = LocalBackend(work / "jobs", max_parallel_jobs=parallel)
        train = _train(1, "local")
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        ids = backend.submit(train, _specs(train, jobs, work / "w"))
        submitted = time.perf_counter() - start
        polls = 0
        while True:
            polls += 1
            statuses = backend.poll(ids)
            if all(s.state.is_final for s in statuses.values()):
                break
            time.sleep(0.02)
        total = time.perf_counter() - start
        done = sum(1 for s in statuses.values() if s.state.value == "done")
        backend.poll([])  # reap the last launchers so their CPU time is counted
        own = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - _cpu(own_before)
        children = _cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - _cpu(children_before)
    load = os.getloadavg()[0]
    print(
        f"local  {jobs} jobs, {parallel} at a time: submit {submitted:.2f} s, all done after"
        f" {total:.1f} s ({done} done, {polls} polls);"
        f" {total / jobs * 1000:.0f} ms per job ({total * parallel / jobs * 1000:.0f} ms of a"
        f" slot per job) vs {direct / jobs * 1000:.1f} ms to run /bin/true directly;"
        f" CPU per job: {children / jobs * 1000:.0f} ms in the launcher and the job,"
        f" {own / jobs * 1000:.0f} ms in the reconciler (load average {load:.1f})"
    )


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_slurm(tasks: int) -> None:
    if shutil.which("slurmctld") is None or os.geteuid() != 0:
        print("slurm  skipped: slurmctld not installed or not root")
        return
    directory = Path(tempfile.mkdtemp(prefix="hyperloop-slurm-bench-"))
    env = {
        **os.environ,
        "SLURM_CI_DIR": str(directory),
        "SLURM_CI_CTLD_PORT": str(_free_port()),
        "SLURM_CI_SLURMD_PORT": str(_free_port()),
    }
    up = subprocess.run(
        ["bash", "-c", f"source {RECIPE} && slurm_ci_up"], env=env, capture_output=True, check=False
    )
    try:
        if up.returncode != 0:
            print(f"slurm  could not start: {up.stderr.decode()[-500:]}")
            return
        backend = SlurmBackend(
            directory / "jobs", command_env={"SLURM_CONF": str(directory / "slurm.conf")}
        )
        train = _train(2, "slurm")
        start = time.perf_counter()
        ids = backend.submit(train, _specs(train, tasks, directory / "w"))
        submitted = time.perf_counter() - start
        print(f"slurm  {tasks}-task array submitted in {submitted:.2f} s", flush=True)
        polls, poll_time = 0, 0.0
        while True:
            before = time.perf_counter()
            statuses = backend.poll(ids)
            poll_time += time.perf_counter() - before
            polls += 1
            if all(s.state.is_final for s in statuses.values()):
                break
            if polls % 60 == 0:
                finished = sum(1 for s in statuses.values() if s.state.is_final)
                print(
                    f"       {finished}/{tasks} final after {time.perf_counter() - start:.0f} s",
                    flush=True,
                )
            time.sleep(1.0)
        total = time.perf_counter() - start
        done = sum(1 for s in statuses.values() if s.state.value == "done")
        before = time.perf_counter()
        found = backend.find(train.id)
        find_time = time.perf_counter() - before
        print(
            f"slurm  {tasks}-task array: sbatch {submitted:.2f} s, all final after {total:.1f} s"
            f" ({done} done); poll (scontrol, {tasks} tasks) {poll_time / polls * 1000:.0f} ms"
            f" on average over {polls} polls; find {find_time * 1000:.0f} ms ({len(found)} jobs)"
        )
    finally:
        subprocess.run(
            ["bash", "-c", f"source {RECIPE} && slurm_ci_down"],
            env=env,
            capture_output=True,
            check=False,
        )
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    # a SIGTERM (e.g. from `timeout`) must still stop the Slurm daemons in `finally`
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--slurm-tasks", type=int, default=1000)
    parser.add_argument("--no-slurm", action="store_true")
    parser.add_argument("--no-local", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if not args.no_local:
        bench_local(args.jobs, parallel=2)
        bench_local(args.jobs, parallel=8)
    if not args.no_slurm:
        bench_slurm(args.slurm_tasks)


if __name__ == "__main__":
    main()
