"""What the plan memoizes on an (immutable) Repository gives the values computed afresh."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hyperloop_gitops.reconcile import split_jobs
from hyperloop_gitops.reconcile.context import Collector, Context
from hyperloop_gitops.train import (
    build_train_spec,
    canonical_json,
    content_hash,
    dataset_files,
    spec_context,
    wagon_test_parts,
    wagon_test_spec,
)
from hyperloop_gitops.train.canonical import hash_object
from hyperloop_gitops.train.spec import WagonInstance, WagonTestBuilder
from tests.conftest import Project
from tests.train.conftest import load

TAG = "daily-20261127-0000-1"
FLOW = "pwgcf-flow/eta-phi-qa"


def test_memo_builds_once_per_key(example: Project) -> None:
    repository = load(example)
    calls: list[int] = []
    assert repository.memo("k", lambda: calls.append(1) or 7) == 7
    assert repository.memo("k", lambda: calls.append(2) or 8) == 7
    assert calls == [1]


def test_cached_closure_is_a_fresh_list_each_call(example: Project) -> None:
    repository = load(example)
    first = repository.dependency_closure(FLOW)
    assert first == [
        "service-common/event-selection",
        "service-common/track-selection",
        FLOW,
    ]
    first.clear()
    repository.dependencies_of(FLOW).clear()
    assert repository.dependency_closure(FLOW)[-1] == FLOW
    assert repository.dependencies_of(FLOW) == [
        "service-common/event-selection",
        "service-common/track-selection",
    ]
    assert FLOW in repository.dependents_of("service-common/event-selection")
    assert repository.dependents_of(FLOW) == []


def digest(instance: WagonInstance) -> str:
    """The sha256 of an instance's identity, from the plain values."""
    return hashlib.sha256(canonical_json(instance.identity()).encode("utf-8")).hexdigest()


def test_spec_hashes_equal_the_hashes_of_the_plain_values(example: Project) -> None:
    repository = load(example)
    spec = wagon_test_spec(repository, FLOW, "LHC22o_pass6", TAG)
    assert spec.content_hash == content_hash(
        {
            "package_tag": TAG,
            "wagons": [digest(i) for i in spec.instances],
            "requested": [i.label for i in spec.instances if i.requested],
            "context": spec.context.digest,
        }
    )
    bases = {i.wagon_id: i for i in spec.instances if i.subwagon is None}
    assert dict(spec.config_hashes) == {
        i.label: content_hash(
            {
                "config": content_hash(
                    {
                        "wagon": digest(i),
                        "dependencies": [digest(bases[d]) for d in spec.closures[i.wagon_id]],
                    }
                ),
                "package_tag": TAG,
            }
        )
        for i in spec.instances
    }
    assert len(spec.config_hashes) == 4  # two helpers, the base and its subwagon
    assert hash_object({"b": "[1,2]", "a": canonical_json("é")}) == content_hash(
        {"a": "é", "b": [1, 2]}
    )


def test_the_reconcilers_wagon_tests_equal_wagon_test_specs(example: Project) -> None:
    repository = load(example)
    tests = WagonTestBuilder(repository)
    compared = 0
    for dataset in ("LHC22o_pass6", "LHC23zzh_pass4"):
        for wagon_id in sorted(repository.wagons):
            if repository.wagons[wagon_id].enablement(dataset) is None:
                continue
            parts = wagon_test_parts(repository, wagon_id, dataset)
            test = tests.test(wagon_id, parts, spec_context(repository, dataset), TAG)
            spec = wagon_test_spec(repository, wagon_id, dataset, TAG)
            assert test.spec() == spec
            assert test.requested_parts == spec.requested_parts
            assert {label: test.config_hash(label) for label in spec.config_hashes} == dict(
                spec.config_hashes
            )
            compared += 1
    assert compared == 8  # the example enables 8 wagons on these two datasets


def test_instances_are_shared_per_repository_not_across_reloads(example: Project) -> None:
    repository = load(example)
    one = wagon_test_spec(repository, FLOW, "LHC22o_pass6", TAG)
    two = wagon_test_spec(repository, FLOW, "LHC23zzh_pass4", TAG)
    assert [a is b for a, b in zip(one.instances, two.instances, strict=True)] == [True] * 4
    again = wagon_test_spec(load(example), FLOW, "LHC22o_pass6", TAG)
    assert again.instances[0] is not one.instances[0]
    assert again.content_hash == one.content_hash


def test_dataset_inputs_match_the_input_files(example: Project, tmp_path: Path) -> None:
    repository = load(example)
    ctx = Context(repository, None, tmp_path / "data", Collector(), ())  # type: ignore[arg-type]
    for name in ("LHC22o_pass6", "LHC23zzh_pass4"):
        files = dataset_files(repository, name)
        inputs = ctx.dataset_inputs(name)
        assert inputs.locations == tuple(f.location(tmp_path / "data") for f in files)
        relative = "\n".join(sorted(f.relative_path for f in files))
        assert inputs.digest == hashlib.sha256(relative.encode()).hexdigest()
        for per_job in (1, 2, 3, 50):
            assert inputs.jobs(per_job) == len(split_jobs(files, per_job))
        assert ctx.dataset_inputs(name) is inputs


def test_an_instance_asked_for_and_needed_shares_one_encoded_identity(example: Project) -> None:
    repository = load(example)
    helper = "service-common/event-selection"
    needed = wagon_test_spec(repository, FLOW, "LHC22o_pass6", TAG).instances[0]
    asked = build_train_spec(repository, {helper: [None]}, "LHC22o_pass6", TAG).instances[0]
    assert (needed.wagon_id, needed.requested, asked.wagon_id, asked.requested) == (
        helper,
        False,
        helper,
        True,
    )
    assert asked.identity_json == needed.identity_json == canonical_json(asked.identity())
    assert asked.digest == needed.digest == canonical_json(digest(asked))


def test_full_config_digest_is_the_hash_of_full_config(example: Project) -> None:
    repository = load(example)
    spec = build_train_spec(
        repository,
        {
            FLOW: [None],
            "pwglf-spectra/pt-spectrum": [None],
            "pwgdq-dileptons/dilepton-skim": [None],
        },
        "LHC22o_pass6",
        TAG,
    )
    assert spec.full_config_digest == content_hash(spec.full_config())
