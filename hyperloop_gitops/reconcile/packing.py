"""Composition modes, targets and limits: when a group composes and how it splits into trains."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, timedelta

from hyperloop_gitops.config import Repository
from hyperloop_gitops.model import Dataset
from hyperloop_gitops.model.settings import Policy
from hyperloop_gitops.reconcile.context import GB, Context, Unit
from hyperloop_gitops.reconcile.inputs import PastTrain
from hyperloop_gitops.reconcile.render import format_years
from hyperloop_gitops.reconcile.schedule import next_slot, slot_passed
from hyperloop_gitops.testing.status import Target, target_for
from hyperloop_gitops.train import InputFile

SINGLE_CORE = Target.SINGLE_CORE.value
TWO_CORE = Target.TWO_CORE.value


def gate(ctx: Context, dataset: Dataset, group: list[Unit], past: list[PastTrain]) -> bool:
    """Whether the dataset's composition mode lets this group compose now."""
    repository, now, out = ctx.repository, ctx.now, ctx.out
    mode = dataset.composition.mode
    if mode == "automatic":
        return True
    if mode in ("scheduled", "scheduled-and-train-full") and _slot_passed(ctx, dataset, past):
        return True
    message = ""
    if mode in ("train-full", "scheduled-and-train-full"):
        policy = repository.settings.policy
        limit = _target_limit(repository, group)
        total = sum(u.test.pss_avg_bytes for u in group) / GB
        needed = policy.train_full_fraction * limit
        if total >= needed or math.isclose(total, needed):
            return True
        message = (
            f"train not full yet: {total:.2f} GB of {needed:.2f} GB "
            f"({policy.train_full_fraction:.0%} of {limit:g} GB)"
        )
    if mode.startswith("scheduled"):
        upcoming = next_slot(dataset.composition.slots, now)
        when = (
            f"{upcoming:%A}".lower() + f" {upcoming:%H:%M} UTC ({upcoming:%Y-%m-%d})"
            if upcoming
            else "none"
        )
        slot = f"scheduled composition: next slot {when}"
        message = f"{slot}; {message}" if message else slot
    for unit in group:
        out.wait(unit.wagon_id, unit.parts, dataset.name, "schedule", message)
    return False


def _slot_passed(ctx: Context, dataset: Dataset, past: list[PastTrain]) -> bool:
    """A slot came after the dataset's last train (once per dataset: one gate per tag)."""
    found = ctx.slots_passed.get(dataset.name)
    if found is None:
        last = max((t.created for t in past), default=None)
        found = slot_passed(dataset.composition.slots, ctx.now, last)
        ctx.slots_passed[dataset.name] = found
    return found


def _target_limit(repository: Repository, group: list[Unit]) -> float:
    policy = repository.settings.policy
    return (
        policy.single_core_max_avg_pss_gb
        if target(repository, group) == SINGLE_CORE
        else policy.two_core_max_avg_pss_gb
    )


def target(repository: Repository, group: list[Unit]) -> str:
    """Grid single core when every wagon's average PSS fits one, else Grid 2 core."""
    worst = max((u.test.pss_avg_bytes for u in group), default=0)
    return train_target(worst, repository.settings.policy)


def train_target(worst_pss_bytes: float, policy: Policy) -> str:
    """The target of a train whose largest average PSS is ``worst_pss_bytes``: the wagon
    test's rule (:func:`~hyperloop_gitops.testing.status.target_for`). A wagon above the
    2-core limit never reaches a train (readiness holds it back), so it is single or 2 core."""
    return SINGLE_CORE if target_for(worst_pss_bytes, policy) is Target.SINGLE_CORE else TWO_CORE


def _limits(repository: Repository, dataset: Dataset) -> tuple[float, int]:
    resource_class = repository.settings.resource_class_for(dataset.size_tb)
    cpu = dataset.composition.max_cpu_years or resource_class.cpu_years_per_train
    weekly = (
        dataset.composition.max_trains_per_analysis_per_week
        or resource_class.trains_per_analysis_per_week
    )
    return cpu, weekly


def weekly_trains(ctx: Context, past: list[PastTrain]) -> Counter[str]:
    """Per analysis: how many of the dataset's past trains of the last week ran its wagons."""
    week_ago = ctx.now - timedelta(days=7)
    used: Counter[str] = Counter()
    for past_train in past:
        if past_train.created.astimezone(UTC) > week_ago:
            used.update({w.id.split("/", 1)[0] for w in past_train.wagons})
    return used


def pack(ctx: Context, dataset: Dataset, group: list[Unit], used: Counter[str]) -> list[list[Unit]]:
    """Split the group into trains under the CPU limit and the weekly limit per analysis.

    ``used`` counts the dataset's trains per analysis this week (:func:`weekly_trains`, then
    those composed in this plan): pack adds the trains it makes, so the next group (another
    tag on the same dataset) counts them."""
    out = ctx.out
    cpu_limit, weekly_limit = _limits(ctx.repository, dataset)
    trains: list[list[Unit]] = []
    current: list[Unit] = []
    current_cpu = 0.0
    current_analyses: set[str] = set()
    for unit in group:
        if unit.test.cpu_years > cpu_limit:
            out.wait(
                unit.wagon_id,
                unit.parts,
                dataset.name,
                "cpu-limit",
                f"needs {format_years(unit.test.cpu_years)} CPU-years on the whole dataset, "
                f"above the limit of {cpu_limit:g} per train: an operator must compose it by hand",
            )
            continue
        if current_cpu + unit.test.cpu_years > cpu_limit:
            trains.append(current)
            current, current_cpu, current_analyses = [], 0.0, set()
        in_current = unit.analysis in current_analyses
        if not in_current and used[unit.analysis] >= weekly_limit:
            out.wait(
                unit.wagon_id,
                unit.parts,
                dataset.name,
                "weekly-limit",
                f"{unit.analysis} already has {used[unit.analysis]} trains on {dataset.name} "
                f"this week (limit {weekly_limit} per week)",
            )
            continue
        if not in_current:
            used[unit.analysis] += 1
            current_analyses.add(unit.analysis)
        current.append(unit)
        current_cpu += unit.test.cpu_years
    if current:
        trains.append(current)
    return [t for t in trains if t]


def split_jobs(files: Sequence[InputFile], per_job: int) -> list[list[InputFile]]:
    """Input files in jobs: never two runs in one job, at most ``per_job`` files each."""
    jobs: list[list[InputFile]] = []
    for file in files:
        if jobs and jobs[-1][0].run == file.run and len(jobs[-1]) < per_job:
            jobs[-1].append(file)
        else:
            jobs.append([file])
    return jobs
