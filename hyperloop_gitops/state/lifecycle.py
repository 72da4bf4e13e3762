"""Pure helpers of a train's life: splitting inputs into jobs, planning merges, finding issues.

They read and return state documents and never touch the world, so the reconciler, the CLI and
the site share one definition of "a job", "the merges of a train" and "a train with issues".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import groupby

from hyperloop_gitops.state.models import Job, JobState, Merge, Resources, TrainRun, TrainState


@dataclass(frozen=True)
class InputFile:
    """One input file of a train: its path, the run it belongs to, its size in bytes."""

    path: str
    run: int | None
    size: int = 0


def split_into_jobs(
    files: Iterable[InputFile],
    *,
    max_files: int,
    max_bytes: int | None = None,
    resources: Resources | None = None,
) -> tuple[Job, ...]:
    """Group input files into jobs: never two runs in one job, at most ``max_files`` files and
    ``max_bytes`` bytes per job (a single larger file gets a job of its own).

    Deterministic: files are ordered by (run, path) first, so the same inputs give the same jobs.
    """
    if max_files < 1:
        raise ValueError("max_files must be at least 1")
    ordered = sorted(files, key=lambda f: (f.run is None, f.run or 0, f.path))
    jobs: list[Job] = []
    for run, in_run in groupby(ordered, key=lambda f: f.run):
        group: list[InputFile] = []
        for item in in_run:
            too_many = len(group) >= max_files
            too_big = max_bytes is not None and sum(f.size for f in group) + item.size > max_bytes
            if group and (too_many or too_big):
                jobs.append(_job(len(jobs), run, group, resources))
                group = []
            group.append(item)
        if group:
            jobs.append(_job(len(jobs), run, group, resources))
    return tuple(jobs)


def _job(index: int, run: int | None, group: list[InputFile], resources: Resources | None) -> Job:
    return Job(
        index=index,
        run=run,
        input_files=tuple(f.path for f in group),
        resources=resources or Resources(),
    )


def plan_merges(
    train: TrainRun, *, merge_lists: Mapping[str, Iterable[int]] | None = None
) -> tuple[Merge, ...]:
    """The merges of a train whose jobs are final: one per merge list (its runs together), one
    per remaining run, then the final merge of those merges' outputs.

    Inputs are the job folders (``workdir``) of the jobs that are done; a run with no done job
    has no merge. Output paths are ``<output_dir>/merged/<scope>``.
    """
    lists = {name: set(runs) for name, runs in (merge_lists or {}).items()}
    listed = {run for runs in lists.values() for run in runs}
    done = [j for j in train.jobs if j.state is JobState.DONE and j.workdir is not None]
    base = f"{train.output_dir or train.id}/merged"
    merges: list[Merge] = []
    for name, runs in sorted(lists.items()):
        inputs = tuple(j.workdir for j in done if j.run in runs and j.workdir)
        if inputs:
            merges.append(
                Merge(scope=f"list:{name}", inputs=inputs, outputs=(f"{base}/list-{name}",))
            )
    for run in sorted(
        {j.run for j in done if j.run not in listed}, key=lambda r: (r is None, r or 0)
    ):
        inputs = tuple(j.workdir for j in done if j.run == run and j.workdir)
        scope = f"run:{run}" if run is not None else "run:none"
        merges.append(
            Merge(scope=scope, inputs=inputs, outputs=(f"{base}/{scope.replace(':', '-')}",))
        )
    if merges:
        final_inputs = tuple(output for m in merges for output in m.outputs)
        merges.append(Merge(scope="final", inputs=final_inputs, outputs=(f"{base}/final",)))
    return tuple(merges)


def train_issues(train: TrainRun, *, failed_jobs_percent: float = 30.0) -> list[str]:
    """Why a train needs an operator's eye (HYPERLOOP.md "a train with issues"), or []."""
    issues = []
    counts = train.job_counts()
    if counts["total"]:
        failed = counts["failed"] / counts["total"] * 100
        if failed > failed_jobs_percent:
            issues.append(
                f"{counts['failed']} of {counts['total']} jobs failed ({failed:.0f}%,"
                f" more than {failed_jobs_percent:g}%)"
            )
    all_final = bool(train.jobs) and all(j.state.is_final for j in train.jobs)
    active = train.state not in (TrainState.CLOSED, TrainState.KILLED, TrainState.FAILED)
    partial = [m for m in train.merges if m.scope != "final"]
    final = [m for m in train.merges if m.scope == "final"]
    if all_final and active and counts["done"] and not train.merges:
        issues.append("all jobs are final but no merge started")
    if partial and all(m.state.is_final for m in partial) and not final and active:
        issues.append("the run merges are final but the final merge did not start")
    if final and final[0].state is JobState.DONE and train.state is not TrainState.DONE and active:
        issues.append("the final merge is done but the train is not marked done")
    return issues
