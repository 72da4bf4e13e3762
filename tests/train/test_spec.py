"""TrainSpec: closure, instances, test input, full_config.json and content hashes."""

from __future__ import annotations

import json

import pytest

from hyperloop_gitops.errors import NotFoundError, WorkflowError
from hyperloop_gitops.train import (
    build_train_spec,
    canonical_json,
    dataset_files,
    wagon_test_parts,
    wagon_test_spec,
)
from tests.conftest import Project
from tests.train.conftest import load, write_inputs

TAG = "daily-20261127-0000-1"
PT = "pwglf-spectra/pt-spectrum"
PT_FILE = "config/analyses/pwglf-spectra/wagons/pt-spectrum.yaml"
EVSEL_FILE = "config/analyses/service-common/wagons/event-selection.yaml"
DATASET_FILE = "config/datasets/LHC22o_pass6.yaml"


def _edit(example: Project, rel: str, old: str, new: str) -> None:
    path = example.root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _hash(example: Project, tag: str = TAG) -> str:
    return wagon_test_spec(load(example), PT, "LHC22o_pass6", tag).content_hash


def test_closure_puts_dependencies_first_and_shared_helpers_once(example: Project) -> None:
    spec = build_train_spec(
        load(example),
        {PT: [None, "narrow-eta"], "pwglf-spectra/phi-meson": ["high-pt"]},
        "LHC22o_pass6",
        TAG,
    )
    assert [(i.label, i.requested) for i in spec.instances] == [
        ("service-common/event-selection", False),
        ("service-common/track-selection", False),
        ("pwglf-spectra/phi-meson:high-pt", True),
        (PT, True),
        ("pwglf-spectra/pt-spectrum:narrow-eta", True),
    ]
    assert spec.workflows == [
        "event-selection",
        "track-selection",
        "pair-invariant-mass",
        "pt-spectrum",
    ]
    assert spec.wagon_ids == [
        "service-common/event-selection",
        "service-common/track-selection",
        "pwglf-spectra/phi-meson",
        PT,
    ]


def test_subwagon_configuration_is_merged_into_the_base(example: Project) -> None:
    spec = build_train_spec(load(example), {PT: ["narrow-eta"]}, "LHC22o_pass6", TAG)
    narrow = spec.requested[0]
    assert narrow.suffix == "narrow-eta"
    assert narrow.configuration == {
        "pt-spectrum": {"etaMax": 0.5, "ptBins": {"bins": 100, "min": 0.0, "max": 10.0}}
    }
    assert narrow.dependencies == (
        "service-common/event-selection",
        "service-common/track-selection",
    )


def test_a_requested_dependency_runs_its_subwagon_and_its_base(example: Project) -> None:
    example.write(
        {
            EVSEL_FILE: "name: event-selection\nworkflow: event-selection\n"
            "configuration: {event-selection: {vertexZMax: 10.0}}\n"
            "subwagons: [{name: wide, configuration: {event-selection: {vertexZMax: 20.0}}}]\n"
        }
    )
    spec = build_train_spec(
        load(example),
        {"service-common/event-selection": ["wide"], PT: [None]},
        "LHC22o_pass6",
        TAG,
    )
    assert [(i.label, i.requested) for i in spec.instances] == [
        ("service-common/event-selection", False),
        ("service-common/event-selection:wide", True),
        ("service-common/track-selection", False),
        (PT, True),
    ]


def test_wagon_test_parts_are_the_enabled_parts_else_all(example: Project) -> None:
    repository = load(example)
    assert wagon_test_parts(repository, PT, "LHC22o_pass6") == (None, "narrow-eta")
    assert wagon_test_parts(repository, PT, "LHC23d1_mc") == (None, "narrow-eta", "wide-eta")


def test_test_input_is_the_first_files_in_run_order(example: Project) -> None:
    repository = load(example)
    spec = wagon_test_spec(repository, PT, "LHC22o_pass6_short", TAG)
    data = example.root.resolve() / ".hyperloop" / "data" / "LHC22o_pass6" / "LHC22o"
    assert spec.test_input.locations == [
        str(data / "526641" / "apass6" / "0001" / "AO2D.root"),
        str(data / "526641" / "apass6" / "0002" / "AO2D.root"),
    ]
    assert [f.relative_path for f in dataset_files(repository, "LHC22o_pass6_short")] == [
        "LHC22o_pass6/LHC22o/526641/apass6/0001/AO2D.root",
        "LHC22o_pass6/LHC22o/526641/apass6/0002/AO2D.root",
        "LHC22o_pass6/LHC22o/526712/apass6/0001/AO2D.root",
        "LHC22o_pass6/LHC22o/526712/apass6/0002/AO2D.root",
    ]


def test_grid_dataset_files_are_grid_paths(example: Project) -> None:
    spec = wagon_test_spec(load(example), "service-common/event-selection", "LHC23zzh_pass4", TAG)
    assert spec.test_input.locations == [
        "/alice/data/2023/LHC23zzh/544091/apass4/0001/AO2D.root",
        "/alice/data/2023/LHC23zzh/544091/apass4/0002/AO2D.root",
        "/alice/data/2023/LHC23zzh/544091/apass4/0003/AO2D.root",
    ]
    assert spec.test_input.identity == tuple({"path": p} for p in spec.test_input.locations)


def test_full_config_lists_the_train_in_the_runtimes_format(example: Project) -> None:
    repository = load(example)
    spec = build_train_spec(
        repository, {"pwgdq-dileptons/dilepton-skim": [None]}, "LHC22o_pass6", "O2Physics::" + TAG
    )
    config = spec.full_config()
    assert config["package_tag"] == TAG
    assert config["dataset"] == "LHC22o_pass6"
    assert config["content_hash"] == spec.content_hash
    skim = repository.wagons["pwgdq-dileptons/dilepton-skim"]
    assert skim.derived_data is not None
    last = config["wagons"][-1]
    assert last == {
        "id": "pwgdq-dileptons/dilepton-skim",
        "suffix": "",
        "workflow": skim.workflow,
        "configuration": skim.resolved_configuration(None),
        "derived_data": skim.derived_data.model_dump(mode="json"),
        "dependencies": repository.dependencies_of("pwgdq-dileptons/dilepton-skim"),
    }
    assert config["derived_data"] == [
        {
            "wagon": "pwgdq-dileptons/dilepton-skim",
            "suffix": "",
            **skim.derived_data.model_dump(mode="json"),
        }
    ]
    # JSON-serialisable as is, and canonical JSON is stable
    assert json.loads(canonical_json(config)) == config


def test_unknown_wagon_subwagon_or_dataset(example: Project) -> None:
    repository = load(example)
    with pytest.raises(NotFoundError) as error:
        build_train_spec(repository, {PT: ["tight"]}, "LHC22o_pass6", TAG)
    assert str(error.value) == (
        "wagon pwglf-spectra/pt-spectrum has no subwagon 'tight' "
        "(its subwagons: narrow-eta, wide-eta)"
    )
    with pytest.raises(NotFoundError) as error:
        build_train_spec(repository, {PT: [None]}, "LHC22o_pass7", TAG)
    assert str(error.value) == "no dataset 'LHC22o_pass7' (did you mean 'LHC22o_pass6'?)"
    with pytest.raises(WorkflowError) as werror:
        build_train_spec(repository, {}, "LHC22o_pass6", TAG)
    assert str(werror.value) == "a train needs at least one wagon"


# --- content hashes -------------------------------------------------------------------------


def test_hash_is_stable_and_ignores_descriptions_and_enablements_elsewhere(
    example: Project,
) -> None:
    first = _hash(example)
    assert _hash(example) == first
    _edit(example, PT_FILE, "Inclusive charged-particle", "The inclusive charged-particle")
    _edit(example, DATASET_FILE, "good runs.", "good runs only.")
    _edit(example, EVSEL_FILE, "  - {dataset: LHC23d1_mc, latest: true}\n", "")
    assert _hash(example) == first


def test_hash_changes_with_the_wagon(example: Project) -> None:
    first = _hash(example)
    _edit(example, PT_FILE, "etaMax: 0.8", "etaMax: 0.7")
    assert _hash(example) != first


def test_hash_changes_with_an_enabled_subwagon(example: Project) -> None:
    first = _hash(example)
    _edit(example, PT_FILE, "etaMax: 0.5", "etaMax: 0.4")
    second = _hash(example)
    assert second != first
    # a subwagon that is not enabled on the dataset is not in its test
    _edit(example, PT_FILE, "etaMax: 0.9", "etaMax: 0.95")
    assert _hash(example) == second


def test_hash_changes_with_a_dependency(example: Project) -> None:
    first = _hash(example)
    _edit(example, EVSEL_FILE, "vertexZMax: 10.0", "vertexZMax: 7.0")
    assert _hash(example) != first


def test_hash_changes_with_the_tag_and_ignores_the_prefix(example: Project) -> None:
    first = _hash(example)
    assert _hash(example, "O2Physics::" + TAG) == first
    assert _hash(example, "daily-20261120-0000-1") != first


def test_hash_changes_with_the_policy(example: Project) -> None:
    first = _hash(example)
    _edit(example, "config/hyperloop.yaml", "leak_max_percent: 30", "leak_max_percent: 25")
    assert _hash(example) != first


def test_hash_changes_with_the_test_input(example: Project) -> None:
    missing = _hash(example)
    files = [
        "LHC22o_pass6/LHC22o/526641/apass6/0001/AO2D.root",
        "LHC22o_pass6/LHC22o/526641/apass6/0002/AO2D.root",
    ]
    write_inputs(example.root, files, b"first")
    generated = _hash(example)
    assert generated != missing
    write_inputs(example.root, files, b"first")  # same content again: a new mtime only
    assert _hash(example) == generated
    write_inputs(example.root, files[1:], b"other")
    assert _hash(example) != generated


def test_hash_changes_when_the_run_list_changes_the_test_input(example: Project) -> None:
    first = _hash(example)
    # excluding a run after the test files does not change the test input
    _edit(example, DATASET_FILE, "exclude_runs: [526776]", "exclude_runs: [526776, 526714]")
    assert _hash(example) == first
    # excluding the first run moves the test input to the next run (the short dataset is
    # dropped: it would no longer be a subset)
    _edit(example, DATASET_FILE, "exclude_runs: [526776, 526714]", "exclude_runs: [526641]")
    _edit(example, DATASET_FILE, "short_datasets: [LHC22o_pass6_short]", "short_datasets: []")
    assert _hash(example) != first


def test_hash_changes_with_the_dataset_size(example: Project) -> None:
    first = _hash(example)
    _edit(example, DATASET_FILE, "size_tb: 48.2", "size_tb: 50")
    assert _hash(example) != first


def test_instance_hashes_and_config_hashes(example: Project) -> None:
    repository = load(example)
    long = wagon_test_spec(repository, PT, "LHC22o_pass6", TAG)
    short = wagon_test_spec(repository, PT, "LHC22o_pass6_short", TAG)
    assert long.config_hashes == short.config_hashes
    assert long.instance_hashes[PT] != short.instance_hashes[PT]
    _edit(example, PT_FILE, "etaMax: 0.5", "etaMax: 0.4")
    changed = wagon_test_spec(load(example), PT, "LHC22o_pass6", TAG)
    assert changed.instance_hashes[PT] == long.instance_hashes[PT]
    narrow = "pwglf-spectra/pt-spectrum:narrow-eta"
    assert changed.instance_hashes[narrow] != long.instance_hashes[narrow]
    assert (
        changed.config_hashes["service-common/event-selection"]
        == (long.config_hashes["service-common/event-selection"])
    )
