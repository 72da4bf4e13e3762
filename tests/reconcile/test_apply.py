"""The reconciler applied for real: local backend, real processes, real ROOT files.

A train is composed, tested, submitted, run and merged; a crash at every step followed by a
rerun leaves exactly one train, each job submitted once; two reconcilers never run together.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import uproot

from hyperloop_gitops.backends import MERGE_INDEX
from hyperloop_gitops.config import load_valid_repository
from hyperloop_gitops.reconcile.apply import FAULT_ENV, FAULT_EXIT_CODE, FAULT_POINTS, Reconciler
from hyperloop_gitops.state import StateLock
from hyperloop_gitops.state.models import JobState, TrainState
from tests.conftest import RESOURCES

pytestmark = pytest.mark.xdist_group("reconcile-apply")

TRACK_SELECTION = """\
name: trksel
workflow: track-selection
configuration:
  track-selection: {etaMax: 0.9}
dependencies: [evsel]
"""


def _cli(root: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if fault is not None:
        env[FAULT_ENV] = fault
    return subprocess.run(
        [sys.executable, "-m", "hyperloop_gitops", "--repo", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal repository with generated data and its wagon and train tests already run."""
    root = tmp_path_factory.mktemp("prepared") / "repo"
    shutil.copytree(RESOURCES / "base", root)
    (root / "config/analyses/service/wagons/trksel.yaml").write_text(TRACK_SELECTION)
    settings = root / "config/hyperloop.yaml"
    # a few MB of start-up growth in a tiny test must not read as a leak
    settings.write_text(settings.read_text() + "policy:\n  leak_min_growth_mb: 100\n")
    spectra = root / "config/analyses/demo/wagons/spectra.yaml"
    spectra.write_text(
        spectra.read_text().replace(
            "dependencies: [service/evsel]", "dependencies: [service/evsel, service/trksel]"
        )
    )
    made = _cli(root, "data", "generate", "LHC22o_test", "--size-mb", "2")
    assert made.returncode == 0, made.stderr
    applied = _cli(root, "reconcile", "--apply", "--watch")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return root


def _fresh(prepared: Path, tmp_path: Path) -> Path:
    """A copy with the test results and data, but no trains yet."""
    root = tmp_path / "repo"
    shutil.copytree(prepared, root, ignore=shutil.ignore_patterns("state", "trains", "backend"))
    return root


def _reconciler(root: Path) -> Reconciler:
    return Reconciler.open(load_valid_repository(root))


def _histogram_sum(files: list[Path], path: str) -> list[float]:
    total: list[float] | None = None
    for file in files:
        with uproot.open(file) as handle:
            values = list(handle[path].values(flow=False))
        total = values if total is None else [a + b for a, b in zip(total, values, strict=True)]
    assert total is not None
    return total


def test_a_train_runs_to_a_merged_output_equal_to_the_sum_of_its_jobs(prepared: Path) -> None:
    reconciler = _reconciler(prepared)
    (train,) = reconciler.state.trains()
    assert train.state == TrainState.DONE
    assert [s.state for s in train.history] == [
        TrainState.COMPOSED,
        TrainState.TESTING,
        TrainState.READY,
        TrainState.SUBMITTING,
        TrainState.SUBMITTED,
        TrainState.RUNNING,
        TrainState.MERGING,
        TrainState.DONE,
    ] or [s.state for s in train.history] == [
        TrainState.COMPOSED,
        TrainState.TESTING,
        TrainState.READY,
        TrainState.SUBMITTING,
        TrainState.SUBMITTED,
        TrainState.MERGING,
        TrainState.DONE,
    ]
    assert train.job_counts() == {
        "pending": 0,
        "running": 0,
        "done": 2,
        "failed": 0,
        "killed": 0,
        "total": 2,
    }
    assert [j.run for j in train.jobs] == [526641, 526712]
    folder = reconciler.layout.train_dir(train.id)
    jobs = [folder / str(j.workdir) / "AnalysisResults.root" for j in train.jobs]
    final = folder / "merged" / "final" / "AnalysisResults.root"
    assert train.merges[0].outputs == (str(final),)
    for histogram in ("pt-spectrum/hPt", "pt-spectrum_narrow/hPt"):
        merged = _histogram_sum([final], histogram)
        assert merged == _histogram_sum(jobs, histogram)
        assert sum(merged) > 0
    again = _cli(prepared, "reconcile")
    assert again.returncode == 0, again.stdout
    assert "0 trains to submit" in again.stdout


def test_the_plan_keeps_its_compositions_unless_told_not_to(prepared: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(prepared, root)
    cache = root / ".hyperloop" / "cache" / "reconcile" / "compositions.json"
    assert cache.is_file()  # the apply that prepared the repository wrote it
    shutil.rmtree(cache.parent)
    bare = _cli(root, "reconcile", "--no-cache")
    assert not cache.exists()
    cached = _cli(root, "reconcile")
    assert cache.is_file()
    served = _cli(root, "reconcile")
    assert bare.returncode == cached.returncode == served.returncode == 0, bare.stderr
    assert bare.stdout == cached.stdout == served.stdout
    assert "--no-cache" in _cli(root, "reconcile", "--help").stdout


@pytest.mark.parametrize("point", [p for p in FAULT_POINTS if p != "after-test"])
def test_a_crash_at_any_step_then_a_rerun_gives_exactly_one_train(
    prepared: Path, tmp_path: Path, point: str
) -> None:
    root = _fresh(prepared, tmp_path)
    crashed = _cli(root, "reconcile", "--apply", fault=point)
    assert crashed.returncode == FAULT_EXIT_CODE, crashed.stdout + crashed.stderr
    rerun = _cli(root, "reconcile", "--apply", "--watch")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    reconciler = _reconciler(root)
    trains = reconciler.state.trains()
    assert len(trains) == 1, [t.id for t in trains]
    (train,) = trains
    assert train.state == TrainState.DONE, train.history
    found = reconciler.backend.find(train.id)
    indices = sorted(f.index for f in found)
    assert indices == [MERGE_INDEX, 0, 1]
    assert all(j.state == JobState.DONE for j in train.jobs)
    assert all(j.attempts == 1 for j in train.jobs)


def test_a_crash_after_a_wagon_test_keeps_the_result(prepared: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(
        prepared, root, ignore=shutil.ignore_patterns("state", "trains", "backend", "tests")
    )
    crashed = _cli(root, "reconcile", "--apply", fault="after-test")
    assert crashed.returncode == FAULT_EXIT_CODE
    assert len(_reconciler(root).results.all()) == 1
    assert _reconciler(root).state.trains() == []
    rerun = _cli(root, "reconcile", "--apply", "--watch")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [t.state for t in _reconciler(root).state.trains()] == [TrainState.DONE]


def test_a_second_reconciler_exits_with_a_clear_message(prepared: Path, tmp_path: Path) -> None:
    root = _fresh(prepared, tmp_path)
    reconciler = _reconciler(root)
    with StateLock(reconciler.state.lock_path):
        second = _cli(root, "reconcile", "--apply")
    assert second.returncode == 1
    assert second.stderr.startswith(f"error: another reconciler (pid {os.getpid()}, started at "), (
        second.stderr
    )
    assert "holds the lock" in second.stderr
    assert "Traceback" not in second.stderr
    assert reconciler.state.trains() == []


def test_kill_then_resubmit_records_who_and_when(prepared: Path, tmp_path: Path) -> None:
    root = _fresh(prepared, tmp_path)
    applied = _cli(root, "reconcile", "--apply")
    assert applied.returncode == 0, applied.stderr
    (train,) = _reconciler(root).state.trains()
    killed = _cli(root, "trains", "kill", train.id, "--by", "operator", "--reason", "bad tag")
    assert killed.returncode == 0, killed.stderr
    assert killed.stdout == f"{train.id}: killed (kill by operator)\n"
    again = _cli(root, "trains", "resubmit", train.id, "--by", "operator")
    assert again.returncode == 0, again.stderr
    watched = _cli(root, "trains", "watch", "--interval", "0.5")
    assert watched.returncode == 0, watched.stdout
    after = _reconciler(root).state.get(train.id)
    assert after.state == TrainState.DONE
    assert [(a.action, a.by, a.reason) for a in after.actions] == [
        ("kill", "operator", "bad tag"),
        ("resubmit", "operator", ""),
    ]
    shown = _cli(root, "trains", "show", train.id)
    assert "kill       by operator: bad tag" in shown.stdout
