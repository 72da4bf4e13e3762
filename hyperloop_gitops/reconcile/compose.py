"""Composition: desired requests x test results x past trains x now -> Plan (docs/reconciler.md).

Pure: it reads the repository (and the dataset's test files to hash them) and the values it is
given, never the clock, the state store or a backend.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hyperloop_gitops.config import Repository
from hyperloop_gitops.model import Dataset
from hyperloop_gitops.reconcile.desired import Request, desired_requests
from hyperloop_gitops.reconcile.inputs import PastTrain, PastWagon, TestSummary
from hyperloop_gitops.reconcile.packages import package_catalog, resolve
from hyperloop_gitops.reconcile.plan import (
    ComposedTrain,
    Estimate,
    Kill,
    Plan,
    Satisfied,
    TestToRun,
    TrainWagon,
    Waiting,
)
from hyperloop_gitops.reconcile.schedule import next_slot, slot_passed
from hyperloop_gitops.train import (
    InputFile,
    Part,
    SpecContext,
    TrainSpec,
    build_train_spec,
    content_hash,
    dataset_files,
    default_data_dir,
    spec_context,
    wagon_test_spec,
)

GB = 1e9
HOURS_PER_YEAR = 8766
SINGLE_CORE = "Grid single core"
TWO_CORE = "Grid 2 core"


@dataclass
class _Unit:
    """One wagon's ready parts on one dataset with one tag (one test covers them all)."""

    wagon_id: str
    parts: list[Part]
    spec: TrainSpec
    test: TestSummary

    @property
    def analysis(self) -> str:
        return self.wagon_id.split("/", 1)[0]


@dataclass
class _Collector:
    waiting: list[Waiting] = field(default_factory=list)
    tests: dict[str, TestToRun] = field(default_factory=dict)
    satisfied: list[Satisfied] = field(default_factory=list)

    def wait(
        self, wagon_id: str, parts: Sequence[Part], dataset: str, reason: str, message: str
    ) -> None:
        last = self.waiting[-1] if self.waiting else None
        if last and (last.wagon_id, last.dataset, last.reason, last.message) == (
            wagon_id,
            dataset,
            reason,
            message,
        ):
            self.waiting[-1] = Waiting(wagon_id, (*last.parts, *parts), dataset, reason, message)
            return
        self.waiting.append(Waiting(wagon_id, tuple(parts), dataset, reason, message))


@dataclass
class _Context:
    """What every step reads: the repository, the clock's value, the data directory, and
    the past trains indexed by (dataset, wagon)."""

    repository: Repository
    now: datetime
    data: Path
    out: _Collector
    trains: Sequence[PastTrain]
    by_wagon: dict[tuple[str, str], list[tuple[PastTrain, PastWagon]]] = field(default_factory=dict)
    contexts: dict[str, SpecContext] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for train in self.trains:
            for wagon in train.wagons:
                self.by_wagon.setdefault((train.dataset, wagon.id), []).append((train, wagon))

    def spec_context(self, dataset: str) -> SpecContext:
        """The dataset's test input and identity, read once per plan."""
        found = self.contexts.get(dataset)
        if found is None:
            found = self.contexts[dataset] = spec_context(
                self.repository, dataset, data_dir=self.data
            )
        return found


def compose_plan(
    repository: Repository,
    *,
    tests: Mapping[str, TestSummary],
    trains: Sequence[PastTrain],
    now: datetime,
    data_dir: Path | None = None,
) -> Plan:
    """The plan for ``repository`` given test results (by content hash), past trains and now."""
    now = now.astimezone(UTC)
    data = data_dir if data_dir is not None else default_data_dir(repository)
    out = _Collector()
    ctx = _Context(repository, now, data, out, trains)
    requests = desired_requests(repository)
    units = _ready_units(ctx, requests, tests)
    by_dataset: dict[str, list[PastTrain]] = {}
    for past_train in trains:
        by_dataset.setdefault(past_train.dataset, []).append(past_train)
    composed: list[ComposedTrain] = []
    taken = {t.id for t in trains}
    for dataset_name in sorted({key[0] for key in units}):
        dataset = repository.datasets[dataset_name]
        past = by_dataset.get(dataset_name, [])
        for tag in sorted({key[1] for key in units if key[0] == dataset_name}):
            group = [u for key, u in sorted(units.items()) if key[:2] == (dataset_name, tag)]
            if not _gate(ctx, dataset, group, past):
                continue
            for wagons in _pack(ctx, dataset, group, past, composed):
                train = _snapshot(ctx, dataset, tag, wagons, taken)
                taken.add(train.id)
                composed.append(train)
    return Plan(
        now=now,
        submit=tuple(composed),
        waiting=tuple(out.waiting),
        kill=_kills(repository, requests, trains),
        tests=tuple(out.tests.values()),
        satisfied=tuple(out.satisfied),
    )


def _ready_units(
    ctx: _Context, requests: list[Request], tests: Mapping[str, TestSummary]
) -> dict[tuple[str, str, str], _Unit]:
    """Requests whose test allows composition, grouped by (dataset, tag, wagon)."""
    repository, out = ctx.repository, ctx.out
    catalog = package_catalog(repository)
    policy = repository.settings.policy
    specs: dict[tuple[str, str, str], TrainSpec] = {}
    units: dict[tuple[str, str, str], _Unit] = {}
    for request in requests:
        wagon_id, part, name = request.wagon_id, request.part, request.dataset
        dataset = repository.datasets.get(name)
        if dataset is None:
            continue  # the loader reported it; nothing can run there
        if not dataset.active:
            out.wait(wagon_id, [part], name, "dataset-inactive", f"dataset {name} is inactive")
            continue
        if dataset.composition.mode == "disabled":
            out.wait(
                wagon_id,
                [part],
                name,
                "composition-disabled",
                f"composition is disabled on {name} (operators compose its trains by hand)",
            )
            continue
        resolution = resolve(request.choice, catalog)
        if resolution.tag is None:
            reason = "pull-request" if request.choice.kind == "pull_request" else "no-tag"
            out.wait(wagon_id, [part], name, reason, resolution.waiting or "")
            continue
        tag = resolution.tag
        key = (name, tag, wagon_id)
        spec = specs.get(key)
        if spec is None:
            spec = specs[key] = wagon_test_spec(
                repository, wagon_id, name, tag, context=ctx.spec_context(name)
            )
        served = _serving_train(ctx, request, spec.content_hash)
        if served is not None:
            out.satisfied.append(Satisfied(wagon_id, part, name, served))
            continue
        test = tests.get(spec.content_hash)
        problem = _test_problem(test, wagon_id, dataset)
        if problem is not None:
            if problem[0] == "no-test":
                out.tests.setdefault(
                    spec.content_hash,
                    TestToRun(wagon_id, name, tag, tuple(spec_parts(spec)), spec.content_hash),
                )
            out.wait(wagon_id, [part], name, *problem)
            continue
        assert test is not None
        avg_gb = test.pss_avg_bytes / GB
        if avg_gb > policy.two_core_max_avg_pss_gb:
            out.wait(
                wagon_id,
                [part],
                name,
                "memory",
                f"average PSS {avg_gb:.2f} GB is above the {policy.two_core_max_avg_pss_gb:g} GB "
                "of a 2-core slot: cannot be composed",
            )
            continue
        short = _short_missing(ctx, dataset, request, spec)
        if short is not None:
            out.wait(wagon_id, [part], name, "short-dataset", short)
            continue
        unit = units.setdefault(key, _Unit(wagon_id, [], spec, test))
        unit.parts.append(part)
    return units


def spec_parts(spec: TrainSpec) -> list[Part]:
    """The parts of the requested wagon in a wagon test spec."""
    return [i.subwagon for i in spec.requested]


def _test_problem(
    test: TestSummary | None, wagon_id: str, dataset: Dataset
) -> tuple[str, str] | None:
    if test is None:
        return "no-test", "no test yet for this configuration (the reconciler queues it)"
    if test.status == "queued":
        return "test-queued", "test queued"
    if test.status == "running":
        return "test-running", "test running"
    if test.status == "failed":
        return "test-failed", f"test failed: {test.reason}" if test.reason else "test failed"
    if test.status == "warning":
        if any(a.wagon == wagon_id for a in dataset.approvals):
            return None
        found = "; ".join(test.warnings) or "warnings"
        return (
            "needs-approval",
            f"test has warnings ({found}); an operator must approve it in {dataset.name}'s "
            "approvals",
        )
    if test.status == "done":
        return None
    return "test-queued", f"test {test.status}"


def _serving_train(ctx: _Context, request: Request, test_hash: str) -> str | None:
    """A train on the dataset that ran (or runs) this part with the same test hash."""
    for train, wagon in ctx.by_wagon.get((request.dataset, request.wagon_id), ()):
        if wagon.content_hash == test_hash and wagon.runs(request.part):
            return train.id
    return None


def _short_missing(
    ctx: _Context, dataset: Dataset, request: Request, spec: TrainSpec
) -> str | None:
    """Why the long train must wait for a short dataset, or None when it need not."""
    repository, tag = ctx.repository, spec.package_tag
    label = f"{request.wagon_id}:{request.part}" if request.part else request.wagon_id
    wanted = spec.config_hashes.get(label)
    for short in dataset.short_datasets:
        done = False
        for train, past in ctx.by_wagon.get((short, request.wagon_id), ()):
            if train.state != "done" or train.package_tag != tag or not past.runs(request.part):
                continue
            if past.config_hashes.get(label) == wanted or _same_test(
                ctx, past.content_hash, request, short, tag
            ):
                done = True
        if not done:
            enabled = repository.wagons[request.wagon_id].enablement(short)
            where = "" if enabled else f" (not enabled on {short})"
            return (
                f"short dataset first: needs a done train on {short} with this configuration "
                f"and tag{where}"
            )
    return None


def _same_test(ctx: _Context, past_hash: str, request: Request, short: str, tag: str) -> bool:
    if short not in ctx.repository.datasets:
        return False
    spec = wagon_test_spec(
        ctx.repository, request.wagon_id, short, tag, context=ctx.spec_context(short)
    )
    return spec.content_hash == past_hash


def _gate(ctx: _Context, dataset: Dataset, group: list[_Unit], past: list[PastTrain]) -> bool:
    """Whether the dataset's composition mode lets this group compose now."""
    repository, now, out = ctx.repository, ctx.now, ctx.out
    mode = dataset.composition.mode
    if mode == "automatic":
        return True
    last = max((t.created for t in past), default=None)
    if mode in ("scheduled", "scheduled-and-train-full") and slot_passed(
        dataset.composition.slots, now, last
    ):
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


def _target_limit(repository: Repository, group: list[_Unit]) -> float:
    policy = repository.settings.policy
    return (
        policy.single_core_max_avg_pss_gb
        if _target(repository, group) == SINGLE_CORE
        else policy.two_core_max_avg_pss_gb
    )


def _target(repository: Repository, group: list[_Unit]) -> str:
    policy = repository.settings.policy
    worst = max((u.test.pss_avg_bytes for u in group), default=0) / GB
    return SINGLE_CORE if worst <= policy.single_core_max_avg_pss_gb else TWO_CORE


def _limits(repository: Repository, dataset: Dataset) -> tuple[float, int]:
    resource_class = repository.settings.resource_class_for(dataset.size_tb)
    cpu = dataset.composition.max_cpu_years or resource_class.cpu_years_per_train
    weekly = (
        dataset.composition.max_trains_per_analysis_per_week
        or resource_class.trains_per_analysis_per_week
    )
    return cpu, weekly


def _pack(
    ctx: _Context,
    dataset: Dataset,
    group: list[_Unit],
    past: list[PastTrain],
    composed: list[ComposedTrain],
) -> list[list[_Unit]]:
    """Split the group into trains under the CPU limit and the weekly limit per analysis."""
    out = ctx.out
    cpu_limit, weekly_limit = _limits(ctx.repository, dataset)
    week_ago = ctx.now - timedelta(days=7)
    used: Counter[str] = Counter()
    for past_train in past:
        if past_train.created.astimezone(UTC) > week_ago:
            used.update({w.id.split("/", 1)[0] for w in past_train.wagons})
    for train in composed:
        if train.dataset == dataset.name:
            used.update({w.id.split("/", 1)[0] for w in train.wagons})
    trains: list[list[_Unit]] = []
    current: list[_Unit] = []
    current_cpu = 0.0
    current_analyses: set[str] = set()
    for unit in group:
        if unit.test.cpu_years > cpu_limit:
            out.wait(
                unit.wagon_id,
                unit.parts,
                dataset.name,
                "cpu-limit",
                f"needs {_years(unit.test.cpu_years)} CPU-years on the whole dataset, above the "
                f"limit of {cpu_limit:g} per train: an operator must compose it by hand",
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


def _years(value: float) -> str:
    return f"{value:.2g}" if value < 1 else f"{value:.1f}"


def _snapshot(
    ctx: _Context, dataset: Dataset, tag: str, units: list[_Unit], taken: set[str]
) -> ComposedTrain:
    """The frozen train: full_config, content hashes, input list digest, estimate, id."""
    repository, now, data = ctx.repository, ctx.now, ctx.data
    spec = build_train_spec(
        repository,
        {u.wagon_id: u.parts for u in units},
        dataset.name,
        tag,
        context=ctx.spec_context(dataset.name),
    )
    hashes: dict[str, dict[str, str]] = {}
    for label, value in spec.config_hashes.items():
        hashes.setdefault(label.split(":", 1)[0], {})[label] = value
    wagons = tuple(
        TrainWagon(
            id=u.wagon_id,
            base=None in u.parts,
            subwagons=tuple(p for p in u.parts if p is not None),
            content_hash=u.spec.content_hash,
            config_hashes=hashes[u.wagon_id],
        )
        for u in units
    )
    files = dataset_files(repository, dataset.name)
    relative = [f.relative_path for f in files]
    policy = repository.settings.policy
    cpu = sum(u.test.cpu_years for u in units)
    per_job = repository.settings.backends.jalien.max_input_files_per_job
    estimate = Estimate(
        cpu_years=cpu,
        output_bytes=sum(u.test.output_bytes for u in units),
        co2_kg=cpu * HOURS_PER_YEAR * policy.cpu_watts_per_core / 1000 * policy.kg_co2_per_kwh,
        jobs=len(split_jobs(files, per_job)),
    )
    full_config = spec.full_config()
    return ComposedTrain(
        id=_train_id(now, dataset.name, tag, [w.content_hash for w in wagons], taken),
        dataset=dataset.name,
        package_tag=tag,
        target=_target(repository, units),
        wagons=wagons,
        spec=spec,
        full_config=full_config,
        full_config_digest=content_hash(full_config),
        input_files=tuple(f.location(data) for f in files),
        input_list_digest=hashlib.sha256("\n".join(sorted(relative)).encode()).hexdigest(),
        estimate=estimate,
        short_for=tuple(
            sorted(n for n, d in repository.datasets.items() if dataset.name in d.short_datasets)
        ),
    )


def _train_id(now: datetime, dataset: str, tag: str, hashes: list[str], taken: set[str]) -> str:
    """``T-<yyyymmdd>-<6 digits from a hash of dataset, tag and wagon hashes>``, the next
    number up when another train already has it (so the same composition gets the same id)."""
    digest = hashlib.sha256("\n".join([dataset, tag, *sorted(hashes)]).encode()).hexdigest()
    number = int(digest[:12], 16) % 1_000_000
    for step in range(1_000_000):
        candidate = f"T-{now:%Y%m%d}-{(number + step) % 1_000_000:06d}"
        if candidate not in taken:
            return candidate
    raise AssertionError("a million trains on one day")


def _kills(
    repository: Repository, requests: list[Request], trains: Sequence[PastTrain]
) -> tuple[Kill, ...]:
    """Running trains with disabled wagons, when the policy prunes them."""
    if not repository.settings.policy.prune_disabled_wagons:
        return ()
    wanted = {(r.wagon_id, r.part, r.dataset) for r in requests}
    kills: list[Kill] = []
    for train in sorted(trains, key=lambda t: t.id):
        if not train.active:
            continue
        gone = [
            w.id
            for w in train.wagons
            if any(
                (w.id, part, train.dataset) not in wanted
                for part in ([None] if w.base else []) + list(w.subwagons)
            )
        ]
        if gone:
            reason = f"disabled on {train.dataset}: {', '.join(gone)} (prune_disabled_wagons)"
            kills.append(Kill(train.id, train.dataset, tuple(gone), reason))
    return tuple(kills)
