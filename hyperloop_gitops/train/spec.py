"""TrainSpec: what a train (or a wagon test) runs, frozen, with its content hash.

A train is built from (Repository, requested wagons with their parts, dataset, resolved package
tag). Its dependency closure comes first, each shared helper once; every wagon instance (the
base or a subwagon) carries its resolved configuration. The content hash covers everything that
can change a test result (DESIGN decision 3): the workflows and resolved configurations of the
closure and subwagons, the dataset's test input (paths, sizes, sha256), the dataset's size and
CPU limit (the whole-dataset estimate and the CPU rule use them), the package tag and the policy.
Descriptions, enabled lists, approvals and other presentational fields are not in it.

Hashes are built as a tree: each instance's identity (its canonical JSON) is hashed once into
its :attr:`WagonInstance.digest`; a spec's content hash and its configuration hashes cover
those digests, so the reconciler's tens of thousands of specs hash a few hundred bytes each.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hyperloop_gitops.config import Repository
from hyperloop_gitops.errors import NotFoundError, WorkflowError
from hyperloop_gitops.model.common import short_tag
from hyperloop_gitops.train.canonical import canonical_json, content_hash, hash_object
from hyperloop_gitops.train.inputs import InputFile, default_data_dir, file_identity, sample_files

Part = str | None
"""A part of a wagon: ``None`` for the base, or a subwagon's name."""


def part_label(wagon_id: str, part: Part) -> str:
    """``analysis/wagon`` for the base, ``analysis/wagon:subwagon`` for a subwagon."""
    return f"{wagon_id}:{part}" if part else wagon_id


@dataclass(frozen=True)
class WagonInstance:
    """One wagon (its base or one subwagon) as it runs in a train."""

    wagon_id: str
    subwagon: str | None
    workflow: str
    configuration: Mapping[str, Mapping[str, Any]]
    derived_data: Mapping[str, Any] | None
    dependencies: tuple[str, ...]
    """Direct dependencies, as ``analysis/wagon`` ids."""
    requested: bool
    """Asked for; ``False`` when it is only in the train because another wagon needs it."""
    wagon_suffix: str = ""
    """Set when another wagon of the same train runs the same task: tells their devices (and
    output directories) apart, as ``--workflow-suffix`` does in O2."""
    config_hashes: dict[tuple[str, tuple[tuple[str, str], ...]], str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Config hashes of this instance by (tag, dependencies), see ``TrainSpec.config_hashes``;
    the dependencies of one wagon id and suffix are the same in one repository."""

    @property
    def suffix(self) -> str:
        """The output suffix: the subwagon's name (after the wagon's own suffix, if any)."""
        return "_".join(part for part in (self.wagon_suffix, self.subwagon or "") if part)

    @property
    def label(self) -> str:
        """``analysis/wagon`` or ``analysis/wagon:subwagon``."""
        return part_label(self.wagon_id, self.subwagon)

    def identity(self) -> dict[str, Any]:
        """What of this instance can change a result (the hashed part)."""
        return {
            "id": self.wagon_id,
            "suffix": self.suffix,
            "workflow": self.workflow,
            "configuration": self.configuration,
            "derived_data": self.derived_data,
            "dependencies": list(self.dependencies),
        }

    @cached_property
    def identity_json(self) -> str:
        """:meth:`identity` as canonical JSON, encoded once (``full_config.json``'s digest)."""
        return canonical_json(self.identity())

    @cached_property
    def digest(self) -> str:
        """The sha256 of :attr:`identity_json`, as canonical JSON (a quoted hex string): what
        the content hash and the config hashes cover of this instance."""
        return canonical_json(hashlib.sha256(self.identity_json.encode("utf-8")).hexdigest())

    def full_config_entry(self) -> dict[str, Any]:
        """This instance as ``full_config.json`` lists it (typed JSON values)."""
        return self.identity()


@dataclass(frozen=True)
class TestInput:
    """The files a test of this train reads, and what identifies their content."""

    files: tuple[InputFile, ...]
    data_dir: Path
    identity: tuple[Mapping[str, Any], ...]

    @property
    def locations(self) -> list[str]:
        """Absolute local paths (or grid paths), one per file: ``input_data.txt``'s lines."""
        return [f.location(self.data_dir) for f in self.files]

    @property
    def digest(self) -> str:
        """One hash of the whole test input."""
        return content_hash(list(self.identity))


@dataclass(frozen=True)
class SpecContext:
    """What every train on one dataset shares: its test input, identity and the policy.

    Computing it reads (and hashes) the test files, so a caller that builds many specs on one
    dataset (the reconciler) builds it once and passes it on.
    """

    dataset: str
    test_input: TestInput
    dataset_identity: Mapping[str, Any]
    policy: Mapping[str, Any]

    @cached_property
    def digest_json(self) -> str:
        """:attr:`digest` as canonical JSON (it is hashed into every spec on the dataset)."""
        return canonical_json(self.digest)

    @cached_property
    def digest(self) -> str:
        """One hash of the dataset's identity, its test input and the policy."""
        return content_hash(
            {
                "dataset": self.dataset_identity,
                "input": list(self.test_input.identity),
                "policy": self.policy,
            }
        )


def spec_context(
    repository: Repository, dataset: str, *, data_dir: Path | None = None
) -> SpecContext:
    """The :class:`SpecContext` of a dataset (reads the test files' sizes and digests)."""
    data = data_dir if data_dir is not None else default_data_dir(repository)
    files = tuple(sample_files(repository, dataset))
    test_input = TestInput(files, data, tuple(file_identity(f, data) for f in files))
    return SpecContext(
        dataset=dataset,
        test_input=test_input,
        dataset_identity=_dataset_identity(repository, dataset),
        policy=repository.settings.policy.model_dump(mode="json"),
    )


@dataclass(frozen=True)
class TrainSpec:
    """A frozen train: dataset, package tag, wagon instances in run order, hashes."""

    dataset: str
    package_tag: str
    instances: tuple[WagonInstance, ...]
    context: SpecContext
    content_hash: str
    closures: Mapping[str, tuple[str, ...]]
    """Per wagon of the train: its dependencies, topologically (dependencies first)."""
    shared_config_hashes: dict[str, Mapping[str, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """:attr:`config_hashes` by package tag, shared by every spec of the same wagons (a
    wagon's tests on all its datasets): they do not depend on the dataset."""

    @property
    def test_input(self) -> TestInput:
        return self.context.test_input

    @property
    def dataset_identity(self) -> Mapping[str, Any]:
        return self.context.dataset_identity

    @property
    def policy(self) -> Mapping[str, Any]:
        return self.context.policy

    @property
    def config_hashes(self) -> Mapping[str, str]:
        """Per instance label: the hash of that instance with its dependencies and the tag only
        (no dataset, input or policy): equal on a dataset and on its short dataset."""
        found = self.shared_config_hashes.get(self.package_tag)
        if found is None:
            bases = {i.wagon_id: i for i in self.instances if i.subwagon is None}
            tag = canonical_json(self.package_tag)
            hashes = {}
            for i in self.instances:
                dependencies = [bases[d] for d in self.closures[i.wagon_id]]
                hashes[i.label] = _config_hash(tag, i, dependencies)
            found = self.shared_config_hashes[self.package_tag] = MappingProxyType(hashes)
        return found

    @cached_property
    def instance_hashes(self) -> Mapping[str, str]:
        """Per instance label: the hash of that instance with its dependencies on this dataset."""
        return {
            label: content_hash({"config": config, "context": self.context.digest})
            for label, config in self.config_hashes.items()
        }

    @property
    def requested(self) -> tuple[WagonInstance, ...]:
        """The instances asked for (not those only pulled in as dependencies)."""
        return tuple(i for i in self.instances if i.requested)

    @property
    def wagon_ids(self) -> list[str]:
        """The distinct wagons of the train, in run order."""
        return list(dict.fromkeys(i.wagon_id for i in self.instances))

    @property
    def workflows(self) -> list[str]:
        """The distinct workflows, in run order (one process of the O2 pipe each)."""
        return list(dict.fromkeys(i.workflow for i in self.instances))

    @property
    def uses_o2(self) -> bool:
        """Any instance runs an O2 executable rather than an embedded task."""
        return any(i.workflow.startswith("o2-") for i in self.instances)

    def full_config(self) -> dict[str, Any]:
        """``full_config.json``: the whole train, as the runtime and Hyperloop's own list it."""
        return {
            "package_tag": self.package_tag,
            "dataset": self.dataset,
            "content_hash": self.content_hash,
            "wagons": [i.full_config_entry() for i in self.instances],
            "derived_data": self._derived_data(),
        }

    @cached_property
    def full_config_digest(self) -> str:
        """``content_hash(self.full_config())``, from the instances' encoded identities (the
        reconciler freezes thousands of trains of the same instances)."""
        return hash_object(
            {
                "package_tag": canonical_json(self.package_tag),
                "dataset": canonical_json(self.dataset),
                "content_hash": canonical_json(self.content_hash),
                "wagons": _array(i.identity_json for i in self.instances),
                "derived_data": canonical_json(self._derived_data()),
            }
        )

    def _derived_data(self) -> list[dict[str, Any]]:
        return [
            {"wagon": i.label, "suffix": i.suffix, **i.derived_data}
            for i in self.instances
            if i.derived_data is not None
        ]


def build_train_spec(
    repository: Repository,
    wagons: Mapping[str, Sequence[Part]] | Iterable[tuple[str, Sequence[Part]]],
    dataset: str,
    package_tag: str,
    *,
    data_dir: Path | None = None,
    context: SpecContext | None = None,
) -> TrainSpec:
    """The train of ``wagons`` (wagon id -> parts: ``None`` for the base, subwagon names).

    ``context`` (from :func:`spec_context`) saves re-reading the dataset's test files when
    many specs are built on one dataset. Raises ``NotFoundError`` for an unknown wagon,
    subwagon or dataset, ``WorkflowError`` for a dependency that is not in the repository.
    """
    requested = _requested_parts(repository, wagons)
    composition = _composition(repository, requested)
    return _spec(repository, composition, dataset, package_tag, data_dir=data_dir, context=context)


def _spec(
    repository: Repository,
    composition: _Composition,
    dataset: str,
    package_tag: str,
    *,
    data_dir: Path | None,
    context: SpecContext | None,
) -> TrainSpec:
    repository.dataset(dataset)
    if context is None:
        context = spec_context(repository, dataset, data_dir=data_dir)
    elif context.dataset != dataset:
        raise WorkflowError(f"a spec context of {context.dataset} used for {dataset}")
    tag = short_tag(package_tag)
    train_hash = hash_object(
        {
            "package_tag": canonical_json(tag),
            "wagons": composition.digests_json,
            "requested": composition.requested_json,
            "context": context.digest_json,
        }
    )
    return TrainSpec(
        dataset=dataset,
        package_tag=tag,
        instances=composition.instances,
        context=context,
        content_hash=train_hash,
        closures=composition.closures,
        shared_config_hashes=composition.config_hashes,
    )


@dataclass(frozen=True)
class _Composition:
    """What a set of requested parts runs, whatever the dataset and tag: the instances in run
    order, each wagon's dependencies, and their identity digests (a wagon's test on each of
    its datasets shares one)."""

    instances: tuple[WagonInstance, ...]
    closures: Mapping[str, tuple[str, ...]]
    digests_json: str
    requested_json: str
    config_hashes: dict[str, Mapping[str, str]] = field(default_factory=dict)
    """The instances' config hashes by package tag (see ``TrainSpec.config_hashes``)."""


def _composition(repository: Repository, requested: Mapping[str, set[Part]]) -> _Composition:
    table = repository.memo_table("train-compositions")
    key = tuple((w, tuple(sorted(requested[w], key=_part_order))) for w in sorted(requested))
    found: _Composition | None = table.get(key)
    if found is None:
        found = table[key] = _new_composition(repository, requested)
    return found


def _part_order(part: Part) -> tuple[bool, str]:
    return part is not None, part or ""


def _new_composition(repository: Repository, requested: Mapping[str, set[Part]]) -> _Composition:
    order = _closure_order(repository, sorted(requested))
    closures = {w: _checked_closure(repository, w)[:-1] for w in order}
    needed_as_base = {d for w in requested for d in closures[w]}
    instances: list[WagonInstance] = []
    for wagon_id in order:
        parts = requested.get(wagon_id, set())
        wagon = repository.wagons[wagon_id]
        for part in [None, *(s.name for s in wagon.subwagons)]:
            asked = part in parts
            if asked or (part is None and wagon_id in needed_as_base):
                instances.append(_instance(repository, wagon_id, part, requested=asked))
    instances = _distinct_devices(repository, instances)
    return _Composition(
        instances=tuple(instances),
        closures=closures,
        digests_json=_array(i.digest for i in instances),
        requested_json=canonical_json([i.label for i in instances if i.requested]),
    )


def wagon_test_parts(repository: Repository, wagon_id: str, dataset: str) -> tuple[Part, ...]:
    """What a wagon test runs: the parts enabled on the dataset, else the base and every subwagon.

    One wagon test covers the wagon with its subwagons, as in Hyperloop; the reconciler looks
    test results up by the hash of exactly this spec.
    """
    wagon = repository.wagon(wagon_id)
    enablement = wagon.enablement(dataset)
    if enablement is not None:
        return tuple(enablement.parts)
    return (None, *(s.name for s in wagon.subwagons))


def wagon_test_spec(
    repository: Repository,
    wagon_id: str,
    dataset: str,
    package_tag: str,
    *,
    parts: Sequence[Part] | None = None,
    data_dir: Path | None = None,
    context: SpecContext | None = None,
) -> TrainSpec:
    """The spec of a wagon test: the wagon (``parts``, default :func:`wagon_test_parts`) and its
    dependencies on the dataset's test input. Its ``content_hash`` keys the stored result."""
    chosen = tuple(parts) if parts is not None else wagon_test_parts(repository, wagon_id, dataset)
    # the reconciler asks for tens of thousands: the composition of a wagon's parts is looked
    # up by them directly (checked and built once per repository)
    table = repository.memo_table("wagon-test-compositions")
    composition: _Composition | None = table.get((wagon_id, chosen))
    if composition is None:
        requested = _requested_parts(repository, {wagon_id: chosen})
        composition = table[(wagon_id, chosen)] = _composition(repository, requested)
    return _spec(repository, composition, dataset, package_tag, data_dir=data_dir, context=context)


def _requested_parts(
    repository: Repository,
    wagons: Mapping[str, Sequence[Part]] | Iterable[tuple[str, Sequence[Part]]],
) -> dict[str, set[Part]]:
    items = wagons.items() if isinstance(wagons, Mapping) else wagons
    requested: dict[str, set[Part]] = {}
    for wagon_id, parts in items:
        wagon = repository.wagon(wagon_id)
        known = {s.name for s in wagon.subwagons}
        for part in parts:
            if part is not None and part not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise NotFoundError(
                    f"wagon {wagon_id} has no subwagon '{part}' (its subwagons: {listed})"
                )
        requested.setdefault(wagon_id, set()).update(parts)
    if not requested:
        raise WorkflowError("a train needs at least one wagon")
    for wagon_id, parts in requested.items():
        if not parts:
            raise WorkflowError(f"wagon {wagon_id}: no part requested (base or a subwagon)")
    return requested


def _closure_order(repository: Repository, wagon_ids: list[str]) -> list[str]:
    # Each closure is topological and earlier closures only add nodes already placed before
    # their dependents, so concatenating them without repeats stays topological.
    order: dict[str, None] = {}
    for wagon_id in wagon_ids:
        order.update(dict.fromkeys(_checked_closure(repository, wagon_id)))
    return list(order)


def _checked_closure(repository: Repository, wagon_id: str) -> tuple[str, ...]:
    """The wagon's dependency closure, once its dependencies are known to be in the repository
    (checked once per wagon and repository)."""
    table = repository.memo_table("checked-closures")
    found: tuple[str, ...] | None = table.get(wagon_id)
    if found is None:
        closure = tuple(repository.dependency_closure(wagon_id))
        for member in closure:
            for dependency in repository.dependencies_of(member):
                if dependency not in repository.wagons:
                    raise WorkflowError(
                        f"wagon {member} depends on {dependency}, which is not in the repository"
                    )
        found = table[wagon_id] = closure
    return found


def _distinct_devices(
    repository: Repository, instances: list[WagonInstance]
) -> list[WagonInstance]:
    """Give every wagon but the first that runs a task a suffix of its own name.

    One task runs as one device per train; two wagons configuring the same task (e.g. the
    service track selection and an analysis's own cuts) run as ``task`` and ``task_<wagon>``,
    each reading the data once with the rest of the train.
    """
    first: dict[str, str] = {}
    shared = False
    for instance in instances:
        shared |= first.setdefault(instance.workflow, instance.wagon_id) != instance.wagon_id
    if not shared:
        return instances  # each task configured by one wagon: the common case
    names = Counter(i.wagon_id.split("/", 1)[1] for i in instances)
    per_wagon = Counter(i.wagon_id for i in instances)
    out = []
    for instance in instances:
        if first[instance.workflow] == instance.wagon_id:
            out.append(instance)
            continue
        name = instance.wagon_id.split("/", 1)[1]
        if names[name] > per_wagon[instance.wagon_id]:
            name = instance.wagon_id.replace("/", "-")
        key = ("train-instance", instance.wagon_id, instance.subwagon, instance.requested, name)
        out.append(repository.memo(key, partial(replace, instance, wagon_suffix=name)))
    return out


def _instance(
    repository: Repository, wagon_id: str, part: Part, *, requested: bool
) -> WagonInstance:
    # one object per (wagon, part, requested) and repository, so its identity is encoded once
    table = repository.memo_table("train-instances")
    found: WagonInstance | None = table.get((wagon_id, part, requested))
    if found is None:
        twin: WagonInstance | None = table.get((wagon_id, part, not requested))
        if twin is None:
            found = _new_instance(repository, wagon_id, part, requested=requested)
        else:
            # the same instance, asked for or only needed: ``requested`` is not part of the
            # identity, so the twin's encoded identity is this one's too (cached_property
            # keeps its value in the instance's __dict__)
            found = replace(twin, requested=requested)
            found.__dict__["identity_json"] = twin.identity_json
            found.__dict__["digest"] = twin.digest
        table[(wagon_id, part, requested)] = found
    return found


def _new_instance(
    repository: Repository, wagon_id: str, part: Part, *, requested: bool
) -> WagonInstance:
    wagon = repository.wagons[wagon_id]
    derived = wagon.derived_data.model_dump(mode="json") if wagon.derived_data else None
    return WagonInstance(
        wagon_id=wagon_id,
        subwagon=part,
        workflow=wagon.workflow,
        configuration=wagon.resolved_configuration(part),
        derived_data=derived,
        dependencies=tuple(repository.dependencies_of(wagon_id)),
        requested=requested,
    )


def _config_hash(tag: str, instance: WagonInstance, dependencies: list[WagonInstance]) -> str:
    """The hash of an instance with its dependencies and the tag (canonical JSON ``tag``),
    kept on the instance: it is in many trains of one plan, with the same dependencies."""
    key = (tag, tuple((d.wagon_id, d.wagon_suffix) for d in dependencies))
    found = instance.config_hashes.get(key)
    if found is None:
        found = instance.config_hashes[key] = hash_object(
            {
                "wagon": instance.digest,
                "dependencies": _array(d.digest for d in dependencies),
                "package_tag": tag,
            }
        )
    return found


def _array(texts: Iterable[str]) -> str:
    """A JSON array of canonical JSON texts."""
    return "[" + ",".join(texts) + "]"


def _dataset_identity(repository: Repository, dataset: str) -> dict[str, Any]:
    entry = repository.dataset(dataset)
    limits = repository.settings.resource_class_for(entry.size_tb)
    return {
        "name": entry.name,
        "size_tb": entry.size_tb,
        "max_cpu_years": entry.composition.max_cpu_years or limits.cpu_years_per_train,
    }
