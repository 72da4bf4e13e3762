"""A composed train, frozen: full_config, content hashes, input list digest, estimate, id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from functools import partial

from hyperloop_gitops.config import Repository
from hyperloop_gitops.model import Dataset
from hyperloop_gitops.reconcile.context import Context, Unit
from hyperloop_gitops.reconcile.packing import train_target
from hyperloop_gitops.reconcile.plan import ComposedTrain, Estimate, TrainWagon
from hyperloop_gitops.train import Part, TrainSpec, build_train_spec, part_label
from hyperloop_gitops.train.spec import WagonTest

HOURS_PER_YEAR = 8766
_BASE_ONLY: tuple[Part, ...] = (None,)


def snapshots(
    ctx: Context, dataset: Dataset, tag: str, trains: list[list[Unit]], taken: set[str]
) -> list[ComposedTrain]:
    """The frozen trains of one (dataset, tag) group: each train's wagons with their content
    hashes, estimate, target and id, its spec (full_config) and input list built when asked.
    What the dataset decides (its inputs, job count, the datasets it is short for) is looked
    up once for the group. The ids the trains take are added to ``taken``."""
    repository, name = ctx.repository, dataset.name
    inputs = ctx.dataset_inputs(name)
    jobs = inputs.jobs(repository.settings.backends.jalien.max_input_files_per_job)
    policy = repository.settings.policy
    watts, kg_per_kwh = policy.cpu_watts_per_core, policy.kg_co2_per_kwh
    short_for = _short_for(repository).get(name, ())
    day = ctx.train_day
    composed: list[ComposedTrain] = []
    for units in trains:
        wagons: list[TrainWagon] = []
        cpu = 0.0
        output = worst = 0
        for unit in units:
            test = unit.test
            cpu += test.cpu_years
            output += test.output_bytes
            worst = max(worst, test.pss_avg_bytes)
            wagons.append(_wagon(unit.wagon_id, tuple(unit.parts), unit.spec))
        train_id = _train_id(day, name, tag, [w.content_hash for w in wagons], taken)
        taken.add(train_id)
        composed.append(
            ComposedTrain(
                id=train_id,
                dataset=name,
                package_tag=tag,
                target=train_target(worst, policy),
                wagons=tuple(wagons),
                build_spec=partial(_build_spec, ctx, name, tag, units),
                inputs=inputs,
                estimate=Estimate(
                    cpu, output, cpu * HOURS_PER_YEAR * watts / 1000 * kg_per_kwh, jobs
                ),
                short_for=short_for,
            )
        )
    return composed


def _build_spec(ctx: Context, dataset: str, tag: str, units: list[Unit]) -> TrainSpec:
    """The train's spec (its full_config and hashes): built when applied or written as JSON."""
    return build_train_spec(
        ctx.repository,
        {u.wagon_id: tuple(u.parts) for u in units},
        dataset,
        tag,
        context=ctx.spec_context(dataset),
    )


def _wagon(wagon_id: str, parts: tuple[Part, ...], spec: WagonTest) -> TrainWagon:
    """The unit's wagon as the train freezes it: its parts, its wagon test's content hash, and
    the configuration hash of each part, from its wagon test: the digest the next plans
    compare (served, short dataset first). Not the train's own instances: there a wagon
    sharing its task with another runs with a device suffix, which changes no result."""
    hashes = PartHashes(spec, wagon_id, parts)
    if parts == _BASE_ONLY:  # most often
        return TrainWagon(wagon_id, True, (), spec.content_hash, hashes)
    subwagons = tuple(filter(None, parts))  # the parts but the base (None)
    return TrainWagon(wagon_id, len(subwagons) < len(parts), subwagons, spec.content_hash, hashes)


class PartHashes(Mapping[str, str]):
    """Label -> configuration hash of some parts of a wagon test, each hashed when first
    read: only an applied plan and its JSON read them, not the plan people read."""

    __slots__ = ("_labels", "_parts", "_spec", "_wagon_id")

    def __init__(self, spec: WagonTest, wagon_id: str, parts: tuple[Part, ...]) -> None:
        self._spec = spec
        self._wagon_id = wagon_id
        self._parts = parts
        self._labels: tuple[str, ...] | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        labels = self._labels
        if labels is None:
            labels = self._labels = tuple(part_label(self._wagon_id, p) for p in self._parts)
        return labels

    def __getitem__(self, label: str) -> str:
        if label not in self.labels:
            raise KeyError(label)
        return self._spec.config_hash(label)

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self._parts)

    def __repr__(self) -> str:
        return repr(dict(self))


def _train_id(day: str, dataset: str, tag: str, hashes: list[str], taken: set[str]) -> str:
    """``T-<yyyymmdd>-<6 digits from a hash of dataset, tag and wagon hashes>``, the next
    number up when another train already has it (so the same composition gets the same id).
    ``day`` is ``T-<yyyymmdd>-``."""
    digest = hashlib.sha256("\n".join([dataset, tag, *sorted(hashes)]).encode()).hexdigest()
    number = int(digest[:12], 16) % 1_000_000
    for step in range(1_000_000):
        candidate = f"{day}{(number + step) % 1_000_000:06d}"
        if candidate not in taken:
            return candidate
    raise AssertionError("a million trains on one day")


def _short_for(repository: Repository) -> Mapping[str, tuple[str, ...]]:
    """Per dataset: the datasets it is the short dataset of (once per repository)."""

    def build() -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for name, dataset in sorted(repository.datasets.items()):
            for short in dict.fromkeys(dataset.short_datasets):
                found.setdefault(short, []).append(name)
        return {short: tuple(names) for short, names in found.items()}

    return repository.memo("short-for", build)
