from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from hyperloop_gitops.errors import StateError
from hyperloop_gitops.model.settings import Policy
from hyperloop_gitops.testing import perfmetrics
from hyperloop_gitops.testing.runner import Step
from hyperloop_gitops.testing.status import Status, Target
from hyperloop_gitops.testing.store import ResultStore
from hyperloop_gitops.testing.wagon_test import TestPlan, run_wagon_test

from .conftest import program

HASH = "3f9c1e" + "0" * 58


class _AnyTimestamp(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.isdigit()

    __hash__ = str.__hash__


ANY_TIMESTAMP = _AnyTimestamp()
RUNTIME = "hyperloop-runtime"


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, ...]:
    files = []
    for number, size in ((1, 3_000_000), (2, 1_000_000)):
        path = tmp_path / "data" / f"{number:04d}" / "AO2D.root"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"\1" * size)
        files.append(path)
    return tuple(files)


def make_plan(
    inputs: tuple[Path, ...], *args: object, content_hash: str = HASH, **changes: Any
) -> TestPlan:
    fields: dict[str, Any] = {
        "wagon": "pwglf-spectra/pt-spectrum",
        "subwagon": None,
        "dataset": "LHC22o_pass6",
        "package_tag": "daily-20261120-0000-1",
        "content_hash": content_hash,
        "steps": (Step(program("fake_runtime", "--aod-file", "@input_data.txt", *args), RUNTIME),),
        "files": {
            "input_data.txt": "".join(f"{p}\n" for p in inputs),
            "full_config.json": '{"wagons": []}\n',
        },
        "input_files": inputs,
        "train": ("service-common/event-selection", "pwglf-spectra/pt-spectrum"),
        "dataset_bytes": 4_000_000_000_000,
        "runtime_device": RUNTIME,
    }
    fields.update(changes)
    return TestPlan(**fields)


def run_it(plan: TestPlan, store: ResultStore, policy: Policy | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    return run_wagon_test(plan, store=store, policy=policy or Policy(), interval_s=0.1, **kw)


def test_a_healthy_test_is_done_with_its_numbers_and_files(
    tmp_path: Path, inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    store = ResultStore(tmp_path / "tests")

    run = run_it(make_plan(inputs, "--cpu-s", "1.0"), store)

    result = run.result
    assert run.reused is False
    assert result.status is Status.DONE, result.reason
    assert result.warnings == ()
    assert result.reason is None
    assert result.target is Target.SINGLE_CORE
    work = tmp_path / "tests" / HASH
    assert result.work_dir == str(work)
    assert sorted(p.name for p in work.iterdir()) == [
        "AnalysisResults.root",
        "env.sh",
        "full_config.json",
        "input_data.txt",
        "performanceMetrics.json",
        "result.json",
        "runtime_report.json",
        "status.json",
        "stderr.log",
        "stdout.log",
        "tmp",
    ]
    assert (work / "stdout.log").read_text() == "read 2 files\n"
    env_sh = (work / "env.sh").read_text().splitlines()
    assert env_sh[2:6] == [
        f"export HOME={work}",
        "export LANG=C.UTF-8",
        f"export PATH={os.environ['PATH']}",
        f"export TMPDIR={work}/tmp",
    ]
    assert env_sh[6].endswith("fake_runtime.py --aod-file @input_data.txt --cpu-s 1.0")
    metrics = result.metrics
    assert metrics is not None
    assert (metrics.input_files, metrics.input_bytes, metrics.output_bytes) == (
        2,
        4_000_000,
        20_000,
    )
    assert metrics.reduction_factor == 200.0
    assert 50_000_000 < metrics.pss.max_bytes < 120_000_000
    by_device = {d.device: d.cpu_s for d in metrics.devices}
    assert by_device["pt-spectrum"] == 0.5
    assert by_device["internal-dpl-aod-reader"] == 0.25
    assert by_device["internal-dpl-aod-writer"] == 0.125
    assert 0 < by_device[RUNTIME] < 1.0  # start-up and everything the devices do not account for
    assert 1.0 <= metrics.cpu_s < 2.0
    assert metrics.whole_dataset is not None
    assert metrics.whole_dataset.scale == 1_000_000
    assert metrics.whole_dataset.output_bytes == 20_000_000_000
    status = json.loads((work / "status.json").read_text())
    assert status == {
        "status": "done",
        "mark": "🌟",
        "started": result.started.isoformat(),
        "finished": result.finished.isoformat() if result.finished else None,
        "reason": None,
        "warnings": [],
    }
    document = json.loads((work / "performanceMetrics.json").read_text())
    leaves = [s for device in document.values() for series in device.values() for s in series]
    assert all(isinstance(s["timestamp"], str) and isinstance(s["value"], str) for s in leaves)
    assert (
        perfmetrics.load(work / "performanceMetrics.json")["pt-spectrum"]["cpuUsedAbsolute"][-1][1]
        == 500_000
    )


def test_an_unchanged_test_returns_its_stored_result_unless_forced(tmp_path: Path, inputs) -> None:
    store = ResultStore(tmp_path / "tests")
    first = run_it(make_plan(inputs), store).result

    again = run_it(make_plan(inputs, "--exit", "3"), store)  # would fail if it ran

    assert again.reused is True
    assert again.result == first
    forced = run_it(make_plan(inputs, "--exit", "3"), store, force=True)
    assert forced.reused is False
    assert forced.result.status is Status.FAILED
    assert store.get(HASH) == forced.result


def test_a_leaking_wagon_gets_the_leak_warning(tmp_path: Path, inputs) -> None:
    plan = make_plan(
        inputs, "--alloc-mb", "10", "--leak-mb", "40", "--steps", "8", "--cpu-s", "0.8"
    )

    result = run_it(plan, ResultStore(tmp_path / "tests")).result

    assert result.status is Status.WARNING
    assert [w.rule for w in result.warnings] == ["leak"]
    assert re.fullmatch(
        r"max PSS \d+(\.\d+)? MB is \d+% above average \d+(\.\d+)? MB \(rule: at most 30%\)",
        result.warnings[0].message,
    ), result.warnings[0].message
    assert Status.WARNING.mark == "❗"


def test_a_crash_is_a_failure_with_the_exit_code_and_the_stderr_tail(
    tmp_path: Path, inputs
) -> None:
    result = run_it(make_plan(inputs, "--exit", "2"), ResultStore(tmp_path / "tests")).result

    assert result.status is Status.FAILED
    assert result.reason == (
        "hyperloop-runtime exited with code 2; stderr ends with:\n"
        "  Traceback (most recent call last):\n"
        "  ZeroDivisionError: division by zero\n"
        "  error: task pt-spectrum failed on DF_3 of file 1"
    )
    assert result.warnings == ()
    assert result.target is None


def test_exceeding_the_wall_time_is_a_failure(tmp_path: Path, inputs) -> None:
    policy = Policy(test_wall_time_s=0.5)

    result = run_it(
        make_plan(inputs, "--cpu-s", "20"), ResultStore(tmp_path / "tests"), policy
    ).result

    assert result.status is Status.FAILED
    assert result.reason == "wall time limit 0.5 s exceeded"


def test_exceeding_the_memory_limit_is_a_failure(tmp_path: Path, inputs) -> None:
    policy = Policy(
        test_max_pss_gb=0.1, single_core_max_avg_pss_gb=0.1, two_core_max_avg_pss_gb=0.2
    )

    result = run_it(
        make_plan(inputs, "--alloc-mb", "300", "--cpu-s", "20"),
        ResultStore(tmp_path / "tests"),
        policy,
    ).result

    assert result.status is Status.FAILED
    assert result.reason is not None
    assert re.fullmatch(r"memory limit 100 MB exceeded: PSS \d+(\.\d+)? MB", result.reason)


def test_a_test_without_its_output_failed(tmp_path: Path, inputs) -> None:
    plan = make_plan(inputs, required_outputs=("AnalysisResults.root", "AO2D.root"))

    result = run_it(plan, ResultStore(tmp_path / "tests")).result

    assert result.status is Status.FAILED
    assert result.reason == "the test wrote no AO2D.root"


def test_the_store_refuses_bad_hashes_and_reports_corrupt_results(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "tests")

    with pytest.raises(StateError, match=r"^not a content hash: '\.\./x' \(expected hex digits\)$"):
        store.work_dir("../x")
    assert store.get(HASH) is None
    (tmp_path / "tests" / HASH).mkdir(parents=True)
    (tmp_path / "tests" / HASH / "result.json").write_text("{}")
    with pytest.raises(StateError) as raised:
        store.get(HASH)
    assert str(raised.value) == (
        f"{tmp_path}/tests/{HASH}/result.json: not a valid test result (7 problems); "
        "delete it or re-run the test with --force"
    )


def test_a_workflow_s_own_performance_metrics_are_kept(tmp_path: Path, inputs) -> None:
    result = run_it(make_plan(inputs, "--own-metrics"), ResultStore(tmp_path / "tests")).result

    assert result.metrics is not None
    assert [d.device for d in result.metrics.devices] == ["o2-analysis-task"]
    assert result.metrics.cpu_s == 0.002048
    work = Path(result.work_dir)
    assert json.loads((work / "performanceMetrics.json").read_text())["o2-analysis-task"] == {
        "proportionalSetSize": [{"timestamp": ANY_TIMESTAMP, "value": "2048"}],
        "cpuUsedAbsolute": [{"timestamp": ANY_TIMESTAMP, "value": "2048"}],
    }
    assert list(perfmetrics.load(work / "processMetrics.json")) == [RUNTIME]


def test_queued_running_and_done_are_visible_in_the_store(tmp_path: Path, inputs) -> None:
    store = ResultStore(tmp_path / "tests")
    assert store.status(HASH) is None

    store.queue(HASH)
    assert store.status(HASH) is Status.QUEUED
    assert Status.QUEUED.mark == "⌛"

    seen: list[Status | None] = []
    # this test is about the states, not the rules: a sampling blip must not read as a leak
    lenient = Policy(leak_max_percent=1000)
    run_it(make_plan(inputs), store, lenient, on_tick=lambda _: seen.append(store.status(HASH)))

    assert seen and set(seen) == {Status.RUNNING}
    assert store.status(HASH) is Status.DONE
    store.queue(HASH)  # a stored result is not queued again
    assert store.status(HASH) is Status.DONE
