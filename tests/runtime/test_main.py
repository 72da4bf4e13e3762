"""The subprocess contract the test runner relies on: python -m hyperloop_gitops.runtime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import uproot

from .conftest import full_config, wagon


def runtime(
    tmp_path: Path, config: dict[str, Any], inputs: list[Path]
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "full_config.json").write_text(json.dumps(config))
    (tmp_path / "input_data.txt").write_text("".join(f"{p}\n" for p in inputs))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "hyperloop_gitops.runtime",
            "--full-config",
            "full_config.json",
            "--aod-file",
            "@input_data.txt",
            "--output-dir",
            "out",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_train_writes_results_derived_data_and_report(
    tmp_path: Path, dataset: list[Path]
) -> None:
    config = full_config(
        wagon("lf/pt", "pt-spectrum"),
        wagon("lf/dt", "derived-tracks", derived={"kind": "standard"}),
    )
    done = runtime(tmp_path, config, dataset)
    assert (done.returncode, done.stderr) == (0, "")
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "AO2D.root",
        "AnalysisResults.root",
        "runtime_report.json",
    ]
    report = json.loads((out / "runtime_report.json").read_text())
    assert sorted(report) == sorted(
        [
            "package_tag",
            "dataset",
            "events",
            "collisions",
            "tracks",
            "dataframes",
            "bytes_read",
            "bytes_read_uncompressed",
            "input_files",
            "columns",
            "outputs",
            "devices",
            "wall_s",
        ]
    )
    assert report["package_tag"] == "daily-20261120-0000-1"
    assert list(report["devices"]) == [
        "internal-dpl-aod-reader",
        "event-selection",
        "track-selection",
        "pt-spectrum",
        "derived-tracks",
        "internal-dpl-aod-writer",
    ]
    with uproot.open(out / "AnalysisResults.root") as f:
        assert f["pt-spectrum/hPt"].values().sum() > 0


@pytest.mark.parametrize(
    ("config", "inputs", "stderr"),
    [
        (
            full_config(wagon("a/b", "nope-task")),
            None,
            "error: wagon a/b: unknown task 'nope-task'",
        ),
        (full_config(), ["missing.root"], "error: input file missing.root does not exist\n"),
        (
            full_config(),
            ["input_data.txt"],
            "error: input file input_data.txt is not a readable ROOT file",
        ),
        ({"wagons": []}, None, "error: full_config.json: the train has no wagons\n"),
    ],
)
def test_bad_input_exits_1_with_a_message(
    tmp_path: Path,
    dataset: list[Path],
    config: dict[str, Any],
    inputs: list[str] | None,
    stderr: str,
) -> None:
    done = runtime(tmp_path, config, [Path(p) for p in inputs] if inputs else dataset)
    assert done.returncode == 1
    assert done.stderr.startswith(stderr)
    assert not (tmp_path / "out" / "runtime_report.json").exists()


def test_a_crashing_task_exits_2_naming_task_frame_and_file(
    tmp_path: Path, dataset: list[Path]
) -> None:
    config = full_config(
        wagon("qa/bad", "fault-injection", options={"crashAtChunk": 2}, dependencies=[])
    )
    done = runtime(tmp_path, config, dataset)
    assert done.returncode == 2
    assert "Traceback" in done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: task fault-injection (wagon qa/bad) failed on DF_52671200010002 of {dataset[0]}: "
        "FaultInjectionError: crash requested at data frame 2 (DF_52671200010002)"
    )


@pytest.mark.parametrize(("mode", "code"), [("exit", 3), ("abort", -6)])
def test_hard_crashes_give_their_exit_status(
    tmp_path: Path, dataset: list[Path], mode: str, code: int
) -> None:
    options = {"crashAtChunk": 1, "crashMode": mode}
    done = runtime(
        tmp_path,
        full_config(wagon("qa/bad", "fault-injection", options=options, dependencies=[])),
        dataset,
    )
    assert done.returncode == code


def test_cpu_burning_task_is_charged_its_cpu(tmp_path: Path, dataset: list[Path]) -> None:
    options = {"burnCpuMsPerChunk": 50.0}
    done = runtime(
        tmp_path,
        full_config(wagon("qa/leak", "fault-injection", options=options, dependencies=[])),
        dataset,
    )
    assert (done.returncode, done.stderr) == (0, "")
    report = json.loads((tmp_path / "out" / "runtime_report.json").read_text())
    assert report["devices"]["fault-injection"]["cpu_s"] >= 0.2  # 4 frames x 50 ms
