"""The jalien backend: JDL and command lines exactly; the grid itself cannot be reached here.

The submit flow runs against a stand-in ``alien.py`` (a script that records its arguments and
answers like alienpy), the one fake this backend needs: the real grid does not exist here.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hyperloop_gitops.backends.base import JobSpec
from hyperloop_gitops.backends.jalien import JAliEnBackend, grid_state
from hyperloop_gitops.backends.jdl import render_collection
from hyperloop_gitops.errors import BackendError
from hyperloop_gitops.state import JobState, Resources, TrainRun, TrainWagon

GOLDEN = Path(__file__).with_name("golden")
TRAIN = TrainRun(
    id="T-20261128-0007",
    dataset="LHC22o_pass6",
    package_tag="daily-20261120-0000-1",
    target="grid-2-core",
    backend="jalien",
    wagons=(TrainWagon(id="a/b", content_hash="00"),),
    full_config_digest="0" * 64,
    input_list_digest="0" * 64,
    composition_digest="0" * 64,
    created=datetime(2026, 11, 28, tzinfo=UTC),
)
INPUTS = [
    "/alice/data/2022/LHC22o/526712/apass6/0001/AO2D.root",
    "/alice/data/2022/LHC22o/526712/apass6/0002/AO2D.root",
    "/alice/data/2022/LHC22o/526714/apass6/0001/AO2D.root",
]


def _jobs(tmp_path: Path) -> list[JobSpec]:
    return [
        JobSpec(
            train_id=TRAIN.id,
            index=i,
            argv=("o2-analysis-pt-spectrum", "--configuration", "json://configuration.json"),
            workdir=tmp_path / f"{i}",
            input_files=tuple(files),
            resources=Resources(memory_mb=3200, cores=2, time_limit_s=3600),
        )
        for i, files in enumerate([INPUTS[:2], INPUTS[2:]])
    ]


def _backend(tmp_path: Path) -> JAliEnBackend:
    return JAliEnBackend(tmp_path / "grid", split="se", max_input_files_per_job=20)


def test_train_jdl_matches_the_golden_file(tmp_path: Path) -> None:
    jdl = _backend(tmp_path).train_jdl(TRAIN, _jobs(tmp_path))
    assert jdl == (GOLDEN / "train.jdl").read_text()


def test_merge_jdl_matches_the_golden_file(tmp_path: Path) -> None:
    merge = _jobs(tmp_path)[0].model_copy(update={"argv": ("hyperloop-merge", "--final")})
    outputs = [
        f"/alice/cern.ch/user/a/alihyperloop/trains/{TRAIN.id}/00{i}/AnalysisResults.root"
        for i in (1, 2)
    ]
    assert _backend(tmp_path).merge_jdl(TRAIN, merge, outputs) == (GOLDEN / "merge.jdl").read_text()


def test_collection_matches_the_golden_file() -> None:
    assert render_collection(TRAIN.id, INPUTS) == (GOLDEN / "input.xml").read_text()


def test_command_lines(tmp_path: Path) -> None:
    b = _backend(tmp_path)
    assert b.upload_command(Path("/tmp/x.jdl"), "/alice/t/x.jdl") == [
        "alien.py",
        "cp",
        "-f",
        "file:/tmp/x.jdl",
        "alien:/alice/t/x.jdl",
    ]
    assert b.download_command("/alice/t/001/AO2D.root", Path("/o/AO2D.root")) == [
        "alien.py",
        "cp",
        "alien:/alice/t/001/AO2D.root",
        "file:/o/AO2D.root",
    ]
    assert b.submit_command("/alice/t/x.jdl") == ["alien.py", "submit", "/alice/t/x.jdl"]
    assert b.status_command(["12", "13"]) == ["alien.py", "ps", "-j", "12,13", "-json"]
    assert b.trace_command("12") == ["alien.py", "ps", "-trace", "12"]
    assert b.masterjobs_command() == ["alien.py", "ps", "-M", "-json"]
    assert b.kill_command(["12", "13"]) == ["alien.py", "kill", "12", "13"]


def test_grid_states() -> None:
    assert grid_state("WAITING") is JobState.PENDING
    assert grid_state("RUNNING") is JobState.RUNNING
    assert grid_state("DONE_WARN") is JobState.DONE
    assert grid_state("KILLED") is JobState.KILLED
    assert grid_state("ERROR_E") is JobState.FAILED
    assert grid_state("EXPIRED") is JobState.FAILED


def test_without_alien_py_every_call_says_the_grid_is_not_reachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BackendError) as caught:
        _backend(tmp_path).submit(TRAIN, _jobs(tmp_path))
    assert str(caught.value) == (
        "alien.py not found: the ALICE grid is not reachable from here (install alienpy and get"
        " a grid token, or use the local or slurm backend)"
    )


STAND_IN = """#!{python} -I
import json, os, sys
with open(os.environ["ALIEN_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1] == "submit":
    print("Your new job ID is 3141592")
elif sys.argv[1:3] == ["ps", "-j"]:
    print(json.dumps({"results": [{"id": "3141592", "status": "ERROR_E"}]}))
elif sys.argv[1:3] == ["ps", "-M"]:
    print(json.dumps({"results": [
        {"id": "3141592", "status": "RUNNING", "jobTag": "hyperloop:T-20261128-0007"},
        {"id": "2718281", "status": "DONE", "jobTag": "hyperloop:T-20261128-0001"},
    ]}))
"""


def test_submit_poll_find_kill_with_a_stand_in_alien_py(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "alien.py").write_text(STAND_IN.replace("{python}", sys.executable))
    (bin_dir / "alien.py").chmod(0o755)
    log = tmp_path / "alien.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("ALIEN_LOG", str(log))
    backend = _backend(tmp_path)
    ids = backend.submit(TRAIN, _jobs(tmp_path))
    assert ids == ["3141592", "3141592"]
    statuses = backend.poll([*ids, "999"])
    assert statuses["3141592"].state is JobState.FAILED
    assert statuses["3141592"].reason == "ERROR_E"
    assert statuses["999"].reason == "unknown to the grid"
    assert [(f.backend_id, f.state) for f in backend.find(TRAIN.id)] == [
        ("3141592", JobState.RUNNING)
    ]
    backend.kill(ids)
    base = f"/alice/cern.ch/user/a/alihyperloop/trains/{TRAIN.id}"
    local = tmp_path / "grid" / TRAIN.id
    assert [json.loads(line) for line in log.read_text().splitlines()] == [
        ["cp", "-f", f"file:{local}/input.xml", f"alien:{base}/input.xml"],
        ["cp", "-f", f"file:{local}/{TRAIN.id}.jdl", f"alien:{base}/{TRAIN.id}.jdl"],
        ["submit", f"{base}/{TRAIN.id}.jdl"],
        ["ps", "-j", "3141592,999", "-json"],
        ["ps", "-M", "-json"],
        ["kill", "3141592"],
    ]
    assert (local / "input.xml").read_text() == (GOLDEN / "input.xml").read_text()
    with pytest.raises(BackendError, match="the grid has no job dependencies"):
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        running = STAND_IN.replace("ERROR_E", "RUNNING").replace("{python}", sys.executable)
        (bin_dir / "alien.py").write_text(running)
        backend.submit_merge(TRAIN, _jobs(tmp_path)[0], after=ids)
