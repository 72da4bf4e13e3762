"""The O2 command builder: configuration.json, input_data.txt, the pipe, and running it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.train import build_train_spec
from hyperloop_gitops.train.o2 import (
    O2Options,
    configuration_json,
    input_data_txt,
    o2_pipe,
    prepare_o2_run,
    resolve_executables,
)
from hyperloop_gitops.train.o2json import from_o2, parse_number, to_o2
from tests.conftest import Project, ProjectFactory
from tests.train.conftest import load

TAG = "daily-20261120-0000-1"
JPSI = "demo/jpsi"

O2_WAGONS = {
    "config/analyses/service/wagons/o2evsel.yaml": """\
name: o2evsel
workflow: o2-analysis-event-selection
configuration:
  event-selection-task:
    syst: pp
    isMC: false
""",
    "config/analyses/demo/wagons/jpsi.yaml": """\
name: jpsi
workflow: o2-analysis-dq-table-reader
configuration:
  analysis-event-selection:
    cfgEventCuts: eventStandard
  analysis-track-selection:
    cfgPtMin: 0.15
    cfgUseTOF: true
    cfgNSigma: 3
    cfgWeights: [1.0, 0.5]
    cfgCuts: {values: [[1, 2], [3, 4]], labels_rows: [a, b], labels_cols: [x, y]}
    cfgPlain: [[1, 2], [3, 4]]
    ptBins: {bins: 100, min: 0.0, max: 10.0}
    centBins: {edges: [0, 10, 30.5, 100]}
    pid: {tpcMax: 3.0, useTOF: false}
dependencies: [service/o2evsel]
subwagons:
  - name: tight
    configuration:
      analysis-track-selection: {cfgPtMin: 1.0}
""",
}


@pytest.fixture
def o2project(project: ProjectFactory) -> Project:
    return project(O2_WAGONS)


def test_values_in_o2_form() -> None:
    assert to_o2(0.15) == "0.15"
    assert to_o2(10.0) == "10.0"
    assert to_o2(3) == "3"
    assert to_o2(True) == "true"
    assert to_o2("kTight") == "kTight"
    assert to_o2([1.0, 0.5]) == {"values": ["1.0", "0.5"]}
    assert to_o2([[1, 2], [3, 4]]) == {"values": [["1", "2"], ["3", "4"]]}
    assert to_o2({"bins": 100, "min": 0, "max": 10}) == {"values": ["100", "0", "10"]}
    assert to_o2({"edges": [0, 1, 2.5]}) == {"values": ["0", "0", "1", "2.5"]}
    assert to_o2({"values": [[1, 2]], "labels_cols": ["x", "y"]}) == {
        "values": [["1", "2"]],
        "labels_cols": ["x", "y"],
    }
    assert to_o2({"values": [1, 2], "labels_cols": ["x", "y"]}) == {
        "values": [["1", "2"]],
        "labels_cols": ["x", "y"],
    }
    assert to_o2({"a": 1, "b": {"c": False}}) == {"a": "1", "b": {"c": "false"}}


def test_values_from_o2_form_with_hints() -> None:
    assert from_o2("0.15", 1.0) == 0.15
    assert from_o2("10", 1.0) == 10.0
    assert isinstance(from_o2("10", 1.0), float)
    assert from_o2("2.5", 1) == 2.5
    assert from_o2("0.150", 1.0) == "0.150"  # not a canonical spelling: kept as written
    assert from_o2("1", "name") == "1"
    assert from_o2("1", True) is True
    assert from_o2("false", True) is False
    assert from_o2("maybe", True) == "maybe"
    assert from_o2("true") is True
    assert from_o2("7") == 7
    assert from_o2({"values": ["100", "0", "10"]}, {"bins": 1, "min": 0.0, "max": 1.0}) == {
        "bins": 100,
        "min": 0.0,
        "max": 10.0,
    }
    # O2's VARIABLE_WIDTH marker decides, whatever the wagon had before
    assert from_o2({"values": ["0", "0", "1", "2.5"]}, {"bins": 1, "min": 0, "max": 1}) == {
        "edges": [0, 1, 2.5]
    }
    assert from_o2({"values": ["0", "0", "1"]}) == [0, 0, 1]
    assert from_o2({"values": [["1", "2"]], "labels_cols": ["x", "y"]}, {"values": [0, 0]}) == {
        "values": [1, 2],
        "labels_cols": ["x", "y"],
    }
    assert from_o2({"values": [["1"]], "labels_rows": "", "labels_cols": ["x"]}) == {
        "values": [[1]],
        "labels_cols": ["x"],
    }
    assert from_o2({"cut": "1", "sub": {"x": "a"}}, {"cut": 0.5}) == {
        "cut": 1.0,
        "sub": {"x": "a"},
    }
    assert parse_number("1e-05") == 1e-05
    assert parse_number("nan") is None
    assert parse_number("+1") is None


def test_configuration_json_is_o2s_exact_format(o2project: Project) -> None:
    spec = build_train_spec(load(o2project), {JPSI: [None, "tight"]}, "LHC22o_test", TAG)
    track = {
        "cfgPtMin": "0.15",
        "cfgUseTOF": "true",
        "cfgNSigma": "3",
        "cfgWeights": {"values": ["1.0", "0.5"]},
        "cfgCuts": {
            "values": [["1", "2"], ["3", "4"]],
            "labels_rows": ["a", "b"],
            "labels_cols": ["x", "y"],
        },
        "cfgPlain": {"values": [["1", "2"], ["3", "4"]]},
        "ptBins": {"values": ["100", "0.0", "10.0"]},
        "centBins": {"values": ["0", "0", "10", "30.5", "100"]},
        "pid": {"tpcMax": "3.0", "useTOF": "false"},
    }
    config = configuration_json(spec, O2Options(time_limit_s=300))
    assert config == {
        "event-selection-task": {"syst": "pp", "isMC": "false"},
        "analysis-event-selection": {"cfgEventCuts": "eventStandard"},
        "analysis-track-selection": track,
        "analysis-event-selection_tight": {"cfgEventCuts": "eventStandard"},
        "analysis-track-selection_tight": {**track, "cfgPtMin": "1.0"},
        "internal-dpl-aod-reader": {"aod-file-private": "@input_data.txt", "time-limit": "300"},
    }
    assert list(config) == [
        "event-selection-task",
        "analysis-event-selection",
        "analysis-track-selection",
        "analysis-event-selection_tight",
        "analysis-track-selection_tight",
        "internal-dpl-aod-reader",
    ]
    assert configuration_json(spec)["internal-dpl-aod-reader"] == {
        "aod-file-private": "@input_data.txt"
    }


def test_input_data_txt_lists_one_file_per_line(o2project: Project) -> None:
    spec = build_train_spec(load(o2project), {JPSI: [None]}, "LHC22o_test", TAG)
    data = o2project.root.resolve() / ".hyperloop" / "data" / "LHC22o_test" / "LHC22o"
    assert input_data_txt(spec) == (
        f"{data}/526641/apass6/0001/AO2D.root\n{data}/526712/apass6/0001/AO2D.root\n"
    )


PIPE_OPTIONS = [
    "-b",
    "--configuration",
    "json://configuration.json",
    "--aod-file",
    "@input_data.txt",
    "--resources-monitoring",
    "2",
    "--aod-memory-rate-limit",
    "1000000000",
    "--shm-segment-size",
    "7500000000",
]


def test_pipe_is_one_argv_per_instance(o2project: Project) -> None:
    spec = build_train_spec(load(o2project), {JPSI: [None, "tight"]}, "LHC22o_test", TAG)
    assert o2_pipe(spec) == [
        ["o2-analysis-event-selection", *PIPE_OPTIONS],
        ["o2-analysis-dq-table-reader", *PIPE_OPTIONS],
        ["o2-analysis-dq-table-reader", *PIPE_OPTIONS, "--workflow-suffix", "_tight"],
    ]
    options = O2Options(resources_monitoring_s=5, aod_memory_rate_limit=7, shm_segment_size=9)
    assert o2_pipe(spec, options)[0] == [
        "o2-analysis-event-selection",
        "-b",
        "--configuration",
        "json://configuration.json",
        "--aod-file",
        "@input_data.txt",
        "--resources-monitoring",
        "5",
        "--aod-memory-rate-limit",
        "7",
        "--shm-segment-size",
        "9",
    ]


def test_embedded_tasks_do_not_run_as_an_o2_pipe(o2project: Project) -> None:
    spec = build_train_spec(load(o2project), {"demo/spectra": [None]}, "LHC22o_test", TAG)
    with pytest.raises(WorkflowError) as error:
        o2_pipe(spec)
    assert str(error.value) == (
        "an O2 pipe runs only O2 workflows (o2-...); these wagons are embedded tasks: "
        "service/evsel, demo/spectra"
    )


def test_missing_o2physics_is_a_clear_error(o2project: Project, tmp_path: Path) -> None:
    spec = build_train_spec(load(o2project), {JPSI: [None]}, "LHC22o_test", TAG)
    work = tmp_path / "work"
    with pytest.raises(WorkflowError) as error:
        prepare_o2_run(spec, work, path=str(tmp_path / "empty-bin"))
    assert str(error.value) == (
        "O2Physics is not available: o2-analysis-event-selection, o2-analysis-dq-table-reader "
        "not found on PATH; load the O2Physics environment (alienv enter O2Physics/...) or use "
        "an embedded task"
    )
    # the work directory still shows what would have run
    assert json.loads((work / "configuration.json").read_text())["internal-dpl-aod-reader"] == {
        "aod-file-private": "@input_data.txt"
    }
    assert json.loads((work / "full_config.json").read_text()) == spec.full_config()
    assert (work / "input_data.txt").read_text() == input_data_txt(spec)


_FAKE_WORKFLOW = """\
import json, os, sys
name = os.path.basename(sys.argv[0])
with open(os.environ["FAKE_O2_LOG"], "a") as log:
    log.write(json.dumps([name, *sys.argv[1:]]) + "\\n")
config = json.load(open("configuration.json"))
inputs = open("input_data.txt").read().split()
upstream = sys.stdin.read()
sys.stdout.write(upstream + f"{name}:{len(config)}:{len(inputs)};")
"""


def _fake_o2(bin_dir: Path, names: list[str]) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        script = bin_dir / name
        script.write_text(f"#!{sys.executable}\n{_FAKE_WORKFLOW}", encoding="utf-8")
        script.chmod(0o755)


def test_the_pipe_runs_with_os_pipes(o2project: Project, tmp_path: Path) -> None:
    spec = build_train_spec(load(o2project), {JPSI: [None, "tight"]}, "LHC22o_test", TAG)
    bin_dir = tmp_path / "bin"
    _fake_o2(bin_dir, ["o2-analysis-event-selection", "o2-analysis-dq-table-reader"])
    work = tmp_path / "work"
    run = prepare_o2_run(spec, work, path=str(bin_dir))
    assert [argv[0] for argv in run.pipe] == [
        str(bin_dir / "o2-analysis-event-selection"),
        str(bin_dir / "o2-analysis-dq-table-reader"),
        str(bin_dir / "o2-analysis-dq-table-reader"),
    ]
    log = tmp_path / "calls.log"
    env = {"PATH": str(bin_dir), "FAKE_O2_LOG": str(log)}
    processes: list[subprocess.Popen[bytes]] = []
    upstream = None
    for argv in run.pipe:
        process = subprocess.Popen(
            argv, cwd=work, env=env, stdin=upstream, stdout=subprocess.PIPE, close_fds=True
        )
        if upstream is not None:
            upstream.close()
        upstream = process.stdout
        processes.append(process)
    output, _ = processes[-1].communicate(timeout=60)
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0]
    assert output.decode() == (
        "o2-analysis-event-selection:6:2;o2-analysis-dq-table-reader:6:2;"
        "o2-analysis-dq-table-reader:6:2;"
    )
    calls = sorted(json.loads(line) for line in log.read_text().splitlines())
    assert calls == sorted(
        [
            ["o2-analysis-event-selection", *PIPE_OPTIONS],
            ["o2-analysis-dq-table-reader", *PIPE_OPTIONS],
            ["o2-analysis-dq-table-reader", *PIPE_OPTIONS, "--workflow-suffix", "_tight"],
        ]
    )


def test_resolve_uses_the_process_path_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_o2(tmp_path / "bin", ["o2-analysis-x"])
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    assert resolve_executables([["o2-analysis-x", "-b"]]) == [
        [str(tmp_path / "bin" / "o2-analysis-x"), "-b"]
    ]


def test_two_wagons_of_one_workflow_run_apart_with_a_suffix(project: ProjectFactory) -> None:
    files = dict(O2_WAGONS)
    files["config/analyses/demo/wagons/other.yaml"] = (
        "name: other\nworkflow: o2-analysis-dq-table-reader\n"
        "configuration:\n  analysis-event-selection: {cfgEventCuts: other}\n"
    )
    spec = build_train_spec(
        load(project(files)), {JPSI: [None], "demo/other": [None]}, "LHC22o_test", TAG
    )
    assert [(i.wagon_id, i.suffix) for i in spec.instances] == [
        ("service/o2evsel", ""),
        ("demo/jpsi", ""),
        ("demo/other", "other"),
    ]
    assert "analysis-event-selection_other" in configuration_json(spec)
    assert o2_pipe(spec)[-1][-2:] == ["--workflow-suffix", "_other"]


def test_two_wagons_configuring_one_device_conflict(project: ProjectFactory) -> None:
    files = dict(O2_WAGONS)
    files["config/analyses/demo/wagons/other.yaml"] = (
        "name: other\nworkflow: o2-analysis-other-reader\n"
        "configuration:\n  analysis-event-selection: {cfgEventCuts: other}\n"
    )
    spec = build_train_spec(
        load(project(files)), {JPSI: [None], "demo/other": [None]}, "LHC22o_test", TAG
    )
    with pytest.raises(WorkflowError) as error:
        configuration_json(spec)
    assert str(error.value) == (
        "device 'analysis-event-selection' is configured by both demo/jpsi and demo/other; "
        "one train runs each device once (give one of them a subwagon suffix)"
    )
