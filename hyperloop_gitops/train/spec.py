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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hyperloop_gitops.config import Repository
from hyperloop_gitops.errors import NotFoundError, WorkflowError
from hyperloop_gitops.model.common import short_tag
from hyperloop_gitops.train.canonical import canonical_json, content_hash, hash_object
from hyperloop_gitops.train.inputs import InputFile, default_data_dir, file_identity, sample_files

if TYPE_CHECKING:
    from hashlib import _Hash

    from hyperloop_gitops.train.compositions import CompositionCache

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

    _heads: dict[str, _Hash] = field(default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def digest_json(self) -> str:
        """:attr:`digest` as canonical JSON (it is hashed into every spec on the dataset)."""
        return canonical_json(self.digest)

    def hash_head(self, tag: str) -> str:
        """The start of the hash text of every spec on the dataset with ``tag`` (see _spec)."""
        return f'{{"context":{self.digest_json},"package_tag":{canonical_json(tag)},'

    def hash_started(self, tag: str) -> _Hash:
        """A sha256 that has read :meth:`hash_head`, copied for each spec: the head is hashed
        once per dataset and tag."""
        found = self._heads.get(tag)
        if found is None:
            found = self._heads[tag] = hashlib.sha256(self.hash_head(tag).encode("utf-8"))
        return found

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
    context: SpecContext
    content_hash: str
    composition: Composition = field(repr=False, compare=False)
    """What the spec runs whatever the dataset and tag, shared by every spec of the same
    wagons (a wagon's tests on all its datasets); it keeps their config hashes. Not compared:
    the content hash covers it."""

    @property
    def instances(self) -> tuple[WagonInstance, ...]:
        """The wagon instances in run order (dependencies first)."""
        return self.composition.instances

    @property
    def closures(self) -> Mapping[str, tuple[str, ...]]:
        """Per wagon of the train: its dependencies, topologically (dependencies first)."""
        return self.composition.closures

    @property
    def requested_parts(self) -> tuple[Part, ...]:
        """The parts of the instances asked for, in run order (a wagon test's parts)."""
        return self.composition.requested_parts

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
        return {label: self.config_hash(label) for label in self.composition.labels}

    def config_hash(self, label: str) -> str:
        """One of :attr:`config_hashes` (the plan asks for the requested parts' only)."""
        return self.composition.config_hash(self.package_tag, label)

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
    composition: Composition,
    dataset: str,
    package_tag: str,
    *,
    data_dir: Path | None,
    context: SpecContext | None,
) -> TrainSpec:
    if context is None:
        repository.dataset(dataset)
        context = spec_context(repository, dataset, data_dir=data_dir)
    elif context.dataset != dataset:
        raise WorkflowError(f"a spec context of {context.dataset} used for {dataset}")
    tag = short_tag(package_tag)
    train_hash = _spec_hash(context, tag, composition)
    return TrainSpec(
        dataset=dataset,
        package_tag=tag,
        context=context,
        content_hash=train_hash,
        composition=composition,
    )


Names = tuple[tuple[Part, ...], tuple[str, ...], dict[str, str]]
"""A composition's requested parts, every instance's label (run order), and the
configuration digests (label -> JSON text) known so far."""

Build = Callable[[], tuple[tuple[WagonInstance, ...], Mapping[str, tuple[str, ...]]]]
"""Builds a composition's instances and each wagon's dependency closure."""


def _spec_hash(context: SpecContext, tag: str, composition: Composition) -> str:
    """A spec's content hash: ``hash_object({"context", "package_tag", "requested",
    "wagons"})``, its text spelled out (the reconciler hashes tens of thousands;
    tests/train/test_memo.py checks they agree)."""
    digest = context.hash_started(tag).copy()
    digest.update(composition.hash_tail.encode("utf-8"))
    return digest.hexdigest()


class Composition:
    """What a set of requested parts runs, whatever the dataset and tag: the instances in run
    order, each wagon's dependencies, their identity digests and configuration digests (a
    wagon's test on each of its datasets shares one).

    Made from the instances (:func:`_new_composition`), or for a wagon test from an entry of a
    :class:`~hyperloop_gitops.train.compositions.CompositionCache` that an earlier plan wrote:
    then the instances are built only if something asks for them (a test to run, a train to
    apply), its names only when read (``names``), and a plan that only hashes never reads the
    wagons' configurations.
    """

    def __init__(
        self, hash_tail: str, build: Build, names: Callable[[], Names] | None = None
    ) -> None:
        self.hash_tail = hash_tail
        """The end of a spec's hash text, what the composition adds to the dataset and tag:
        the requested labels and the instances' digests (see :func:`composition_tail`)."""
        self._build = build
        self._names = names
        self._config_hashes: dict[tuple[str, str], str] = {}

    @cached_property
    def _built(self) -> tuple[tuple[WagonInstance, ...], Mapping[str, tuple[str, ...]]]:
        return self._build()

    @cached_property
    def _named(self) -> Names:
        if self._names is not None:
            return self._names()
        instances = self.instances
        parts = tuple(i.subwagon for i in instances if i.requested)
        return parts, tuple(i.label for i in instances), {}

    @property
    def instances(self) -> tuple[WagonInstance, ...]:
        return self._built[0]

    @property
    def closures(self) -> Mapping[str, tuple[str, ...]]:
        return self._built[1]

    @property
    def requested_parts(self) -> tuple[Part, ...]:
        """The parts of the instances asked for, in run order."""
        return self._named[0]

    @property
    def labels(self) -> tuple[str, ...]:
        """Every instance's label, in run order."""
        return self._named[1]

    @cached_property
    def _by_label(self) -> tuple[dict[str, WagonInstance], dict[str, WagonInstance]]:
        """The instances by label, and the bases by wagon id."""
        instances = self.instances
        return (
            {i.label: i for i in instances},
            {i.wagon_id: i for i in instances if i.subwagon is None},
        )

    def config_json(self, label: str) -> str:
        """The digest of the instance ``label`` with its dependencies (no tag), as JSON."""
        configs = self._named[2]
        found = configs.get(label)
        if found is None:
            by_label, bases = self._by_label
            instance = by_label[label]
            dependencies = (bases[d].digest for d in self.closures[instance.wagon_id])
            digest = hash_object({"wagon": instance.digest, "dependencies": _array(dependencies)})
            found = configs[label] = canonical_json(digest)
        return found

    def config_hash(self, tag: str, label: str) -> str:
        """The hash of the instance ``label`` with its dependencies and the tag."""
        found = self._config_hashes.get((tag, label))
        if found is None:
            # hash_object({"config", "package_tag"}), spelled out as in _spec
            text = f'{{"config":{self.config_json(label)},"package_tag":{canonical_json(tag)}}}'
            found = self._config_hashes[(tag, label)] = hashlib.sha256(
                text.encode("utf-8")
            ).hexdigest()
        return found


def _composition(repository: Repository, requested: Mapping[str, set[Part]]) -> Composition:
    table = repository.memo_table("train-compositions")
    key = tuple((w, tuple(sorted(requested[w], key=_part_order))) for w in sorted(requested))
    found: Composition | None = table.get(key)
    if found is None:
        found = table[key] = _new_composition(repository, requested)
    return found


def _part_order(part: Part) -> tuple[bool, str]:
    return part is not None, part or ""


def _new_composition(repository: Repository, requested: Mapping[str, set[Part]]) -> Composition:
    instances, closures = _instances(repository, requested)
    labels = canonical_json([i.label for i in instances if i.requested])
    tail = composition_tail(labels, _array(i.digest for i in instances))
    return Composition(tail, lambda: (instances, closures))


def composition_tail(requested_json: str, digests_json: str) -> str:
    """:attr:`Composition.hash_tail`: the requested labels and the instances' digests, both
    as JSON arrays, as they end the spec's hash text (see :func:`_spec`)."""
    return f'"requested":{requested_json},"wagons":{digests_json}}}'


def _instances(
    repository: Repository, requested: Mapping[str, set[Part]]
) -> tuple[tuple[WagonInstance, ...], Mapping[str, tuple[str, ...]]]:
    """The instances of the requested parts and their dependencies, in run order, and each
    wagon's dependency closure."""
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
    return tuple(_distinct_devices(repository, instances)), closures


def wagon_test_parts(repository: Repository, wagon_id: str, dataset: str) -> tuple[Part, ...]:
    """What a wagon test runs: the parts enabled on the dataset, else the base and every subwagon.

    One wagon test covers the wagon with its subwagons, as in Hyperloop; the reconciler looks
    test results up by the hash of exactly this spec.
    """
    wagon = repository.wagon(wagon_id)
    enablement = wagon.enablement(dataset)
    if enablement is not None:
        return enablement.parts
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
    compositions: CompositionCache | None = None,
) -> TrainSpec:
    """The spec of a wagon test: the wagon (``parts``, default :func:`wagon_test_parts`) and its
    dependencies on the dataset's test input. Its ``content_hash`` keys the stored result.

    ``compositions`` (the reconciler's) serves the wagon's composition from an earlier plan
    when none of the files it comes from changed, and keeps a new one for the next plan."""
    if parts is None:
        chosen = wagon_test_parts(repository, wagon_id, dataset)
    else:
        chosen = parts if isinstance(parts, tuple) else tuple(parts)
    composition = WagonTestBuilder(repository, compositions).composition(wagon_id, chosen)
    return _spec(repository, composition, dataset, package_tag, data_dir=data_dir, context=context)


class WagonTest(NamedTuple):
    """A wagon test as a plan compares it: its content hash, tag and composition, without
    its :class:`TrainSpec` (built by :meth:`spec` when asked; a plan makes tens of thousands)."""

    content_hash: str
    package_tag: str
    context: SpecContext
    composition: Composition

    @property
    def requested_parts(self) -> tuple[Part, ...]:
        return self.composition.requested_parts

    def config_hash(self, label: str) -> str:
        """As :meth:`TrainSpec.config_hash`."""
        return self.composition.config_hash(self.package_tag, label)

    def spec(self) -> TrainSpec:
        return TrainSpec(
            self.context.dataset,
            self.package_tag,
            self.context,
            self.content_hash,
            self.composition,
        )


class WagonTestBuilder:
    """The wagon-test specs of one repository, for a caller that asks for tens of thousands
    (the reconciler): a wagon's composition is looked up by its id and parts directly (checked
    and built once per repository), served by ``compositions`` when an earlier plan kept it.
    """

    def __init__(
        self, repository: Repository, compositions: CompositionCache | None = None
    ) -> None:
        self.repository = repository
        self.compositions = compositions
        self._table = repository.memo_table("wagon-test-compositions")
        """(wagon id, parts) -> (composition, the cache that knows this plan uses it)."""

    def test(
        self, wagon_id: str, parts: tuple[Part, ...], context: SpecContext, package_tag: str
    ) -> WagonTest:
        """The wagon test of ``parts`` (a tuple, as :func:`wagon_test_parts` gives them) on
        the context's dataset: what :func:`wagon_test_spec` makes, its spec built when asked."""
        found = self._table.get((wagon_id, parts))
        if found is not None and found[1] is self.compositions:
            composition: Composition = found[0]
        else:
            composition = self.composition(wagon_id, parts)
        tag = short_tag(package_tag)
        return WagonTest(_spec_hash(context, tag, composition), tag, context, composition)

    def composition(self, wagon_id: str, parts: tuple[Part, ...]) -> Composition:
        """What the wagon test of ``parts`` runs, whatever the dataset and tag."""
        repository, compositions, key = self.repository, self.compositions, (wagon_id, parts)
        found = self._table.get(key)
        composition: Composition | None = None
        if found is not None:
            composition = found[0]
            if compositions is not None and found[1] is not compositions:
                compositions.keep(repository, wagon_id, parts, found[0])  # a second plan
        elif compositions is not None:
            build = partial(_wagon_test_instances, repository, wagon_id, parts)
            composition = compositions.get(repository, wagon_id, parts, build)
        if composition is None:
            requested = _requested_parts(repository, {wagon_id: parts})
            composition = _composition(repository, requested)
            if compositions is not None:
                compositions.put(repository, wagon_id, parts, composition)
        self._table[key] = (composition, compositions)
        return composition


def _wagon_test_instances(
    repository: Repository, wagon_id: str, parts: tuple[Part, ...]
) -> tuple[tuple[WagonInstance, ...], Mapping[str, tuple[str, ...]]]:
    """What a wagon test of ``parts`` runs (for a composition served without its instances)."""
    return _instances(repository, _requested_parts(repository, {wagon_id: parts}))


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
