"""A composed train, frozen: full_config, content hashes, input list digest, estimate, id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from functools import cached_property, partial

from hyperloop_gitops.config import Repository
from hyperloop_gitops.model import Dataset
from hyperloop_gitops.reconcile.context import Context, Unit
from hyperloop_gitops.reconcile.packing import target
from hyperloop_gitops.reconcile.plan import ComposedTrain, Estimate, TrainWagon
from hyperloop_gitops.train import Part, TrainSpec, build_train_spec, part_label
from hyperloop_gitops.train.spec import WagonTest

HOURS_PER_YEAR = 8766


def snapshot(
    ctx: Context, dataset: Dataset, tag: str, units: list[Unit], taken: set[str]
) -> ComposedTrain:
    """The frozen train: full_config, content hashes, input list digest, estimate, id."""
    repository = ctx.repository
    build_spec = partial(_build_spec, ctx, dataset.name, tag, units)
    wagons = tuple([_wagon(u.wagon_id, tuple(u.parts), u.spec) for u in units])
    inputs = ctx.dataset_inputs(dataset.name)
    policy = repository.settings.policy
    cpu = sum([u.test.cpu_years for u in units])
    estimate = Estimate(
        cpu_years=cpu,
        output_bytes=sum([u.test.output_bytes for u in units]),
        co2_kg=cpu * HOURS_PER_YEAR * policy.cpu_watts_per_core / 1000 * policy.kg_co2_per_kwh,
        jobs=inputs.jobs(repository.settings.backends.jalien.max_input_files_per_job),
    )
    return ComposedTrain(
        id=_train_id(ctx.train_day, dataset.name, tag, [w.content_hash for w in wagons], taken),
        dataset=dataset.name,
        package_tag=tag,
        target=target(repository, units),
        wagons=wagons,
        build_spec=build_spec,
        inputs=inputs,
        estimate=estimate,
        short_for=_short_for(repository).get(dataset.name, ()),
    )


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
    subwagons = tuple(filter(None, parts))  # the parts but the base (None)
    hashes = PartHashes(spec, wagon_id, parts)
    return TrainWagon(wagon_id, len(subwagons) < len(parts), subwagons, spec.content_hash, hashes)


class PartHashes(Mapping[str, str]):
    """Label -> configuration hash of some parts of a wagon test, each hashed when first
    read: only an applied plan and its JSON read them, not the plan people read."""

    def __init__(self, spec: WagonTest, wagon_id: str, parts: tuple[Part, ...]) -> None:
        self._spec = spec
        self._wagon_id = wagon_id
        self._parts = parts

    @cached_property
    def _labels(self) -> tuple[str, ...]:
        return tuple(part_label(self._wagon_id, part) for part in self._parts)

    def __getitem__(self, label: str) -> str:
        if label not in self._labels:
            raise KeyError(label)
        return self._spec.config_hash(label)

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

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
