"""``hyperloop wagon export-config`` / ``import-config``: golden files and round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hyperloop_gitops.train.wagon_config import update_yaml_configuration
from tests.conftest import Project, ProjectFactory

GOLDEN = Path(__file__).parent / "golden"
WAGON_FILE = "config/analyses/demo/wagons/jpsi.yaml"


@pytest.fixture
def jpsi(project: ProjectFactory) -> Project:
    """The minimal project with the golden wagon of every value kind as demo/jpsi."""
    return project({WAGON_FILE: (GOLDEN / "all-kinds" / "wagon.yaml").read_text()})


def _golden(*parts: str) -> str:
    return GOLDEN.joinpath(*parts).read_text(encoding="utf-8")


def test_export_is_the_golden_o2_json(jpsi: Project) -> None:
    outcome = jpsi.run("wagon", "export-config", "demo/jpsi").assert_success()
    assert outcome.output == _golden("all-kinds", "export.json")


def test_export_of_a_subwagon_merges_its_overrides(jpsi: Project, tmp_path: Path) -> None:
    target = tmp_path / "tight.json"
    outcome = jpsi.run(
        "wagon", "export-config", "demo/jpsi", "--subwagon", "tight", "-o", str(target)
    )
    outcome.assert_success()
    assert outcome.output == ""
    assert outcome.stderr == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8") == _golden("all-kinds", "export-tight.json")


def test_export_then_import_is_byte_identical(jpsi: Project, tmp_path: Path) -> None:
    exported = tmp_path / "exported.json"
    jpsi.run("wagon", "export-config", "demo/jpsi", "-o", str(exported)).assert_success()
    outcome = jpsi.run("wagon", "import-config", "demo/jpsi", str(exported)).assert_success()
    assert outcome.output == (
        f"unchanged {WAGON_FILE}: it already has this configuration (2 devices)\n"
    )
    assert (jpsi.root / WAGON_FILE).read_text(encoding="utf-8") == _golden(
        "all-kinds", "wagon.yaml"
    )


def test_every_example_wagon_round_trips(project: ProjectFactory, tmp_path: Path) -> None:
    example = project(base="example")
    wagons = sorted(example.root.glob("config/analyses/*/wagons/*.yaml"))
    assert len(wagons) >= 10
    for path in wagons:
        wagon_id = f"{path.parent.parent.name}/{path.stem}"
        before = path.read_bytes()
        exported = tmp_path / f"{path.stem}.json"
        example.run("wagon", "export-config", wagon_id, "-o", str(exported)).assert_success()
        example.run("wagon", "import-config", wagon_id, str(exported)).assert_success()
        assert path.read_bytes() == before, wagon_id


def test_import_of_a_hyperloop_upload_is_the_golden_yaml(jpsi: Project) -> None:
    upload = GOLDEN / "hyperloop-upload" / "upload.json"
    outcome = jpsi.run("wagon", "import-config", "demo/jpsi", str(upload)).assert_success()
    assert outcome.output == f"updated {WAGON_FILE} (2 devices)\n"
    assert outcome.stderr == (
        "ignored devices of the framework and of the wagon's dependencies: "
        "internal-dpl-aod-reader, event-selection\n"
    )
    assert (jpsi.root / WAGON_FILE).read_text(encoding="utf-8") == _golden(
        "hyperloop-upload", "expected.yaml"
    )
    # and the result is a valid configuration
    jpsi.run("validate").assert_success()


def test_import_that_does_not_validate_writes_nothing(jpsi: Project, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"analysis-track-selection": {"ptBins": {"values": ["10", "5.0", "1.0"]}}}),
        encoding="utf-8",
    )
    before = (jpsi.root / WAGON_FILE).read_text(encoding="utf-8")
    outcome = jpsi.run("wagon", "import-config", "demo/jpsi", str(bad))
    assert outcome.exit_code == 1
    assert outcome.stderr == (
        f"{WAGON_FILE}:8:39: error: configuration.analysis-track-selection.ptBins.max: "
        "expected max greater than min (5.0), found 1.0\n"
    )
    assert (jpsi.root / WAGON_FILE).read_text(encoding="utf-8") == before


def test_import_rejects_what_is_not_an_o2_configuration(jpsi: Project, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": ', encoding="utf-8")
    outcome = jpsi.run("wagon", "import-config", "demo/jpsi", str(broken))
    assert outcome.exit_code == 1
    assert outcome.stderr == f"error: {broken}:1:7: invalid JSON: Expecting value\n"
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    outcome = jpsi.run("wagon", "import-config", "demo/jpsi", str(listed))
    assert outcome.stderr == (
        "error: expected an O2 configuration: a JSON object of devices, found list\n"
    )
    device = tmp_path / "device.json"
    device.write_text('{"analysis-track-selection": "x"}', encoding="utf-8")
    outcome = jpsi.run("wagon", "import-config", "demo/jpsi", str(device))
    assert outcome.stderr == (
        "error: device 'analysis-track-selection': expected an object of options, found str\n"
    )


def test_unknown_wagon_or_subwagon(jpsi: Project) -> None:
    outcome = jpsi.run("wagon", "export-config", "demo/jspi")
    assert outcome.exit_code == 1
    assert outcome.stderr == "error: no wagon 'demo/jspi' (did you mean 'demo/jpsi'?)\n"
    outcome = jpsi.run("wagon", "export-config", "demo/jpsi", "--subwagon", "loose")
    assert outcome.stderr == (
        "error: wagon demo/jpsi has no subwagon 'loose' (its subwagons: tight)\n"
    )


def test_a_wagon_without_configuration_gets_one_after_its_workflow() -> None:
    text = "name: w\nworkflow: o2-analysis-x  # the task\ndependencies: []\n"
    assert update_yaml_configuration(text, {"dev": {"a": 1, "b": [1, 2]}}) == (
        "name: w\nworkflow: o2-analysis-x  # the task\nconfiguration:\n  dev:\n    a: 1\n"
        "    b: [1, 2]\ndependencies: []\n"
    )


def test_removed_options_and_devices_go_and_comments_stay() -> None:
    text = (
        "name: w\nworkflow: x\nconfiguration:\n  dev:  # main device\n    a: 1  # keep\n"
        "    b: 2\n  other:\n    c: 3\n"
    )
    assert update_yaml_configuration(text, {"dev": {"a": 1}}) == (
        "name: w\nworkflow: x\nconfiguration:\n  dev:  # main device\n    a: 1  # keep\n"
    )
