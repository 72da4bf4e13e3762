"""The small pieces: package resolution and catalog file, slots, job split, adapters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hyperloop_gitops.model.dataset import Slot
from hyperloop_gitops.model.settings import PackageTagEntry
from hyperloop_gitops.model.wagon import PackageChoice
from hyperloop_gitops.reconcile import (
    CatalogError,
    PastTrain,
    PastWagon,
    TestSummary,
    package_catalog,
    resolve,
    split_jobs,
)
from hyperloop_gitops.reconcile.schedule import last_slot, next_slot, slot_passed
from hyperloop_gitops.state.models import TrainRun, TrainState, TrainWagon
from hyperloop_gitops.testing.metrics import MemoryStats, TestMetrics, WholeDataset
from hyperloop_gitops.testing.status import Finding, Status
from hyperloop_gitops.testing.store import TestResult
from hyperloop_gitops.train import InputFile
from tests.reconcile.conftest import NOW, Config

CATALOG = [
    PackageTagEntry(tag="b", date=datetime(2026, 11, 27, tzinfo=UTC), pull_requests=[2, 3]),
    PackageTagEntry(
        tag="O2Physics::a", date=datetime(2026, 11, 20, tzinfo=UTC), pull_requests=[1, 2]
    ),
    PackageTagEntry(tag="c", date=datetime(2026, 11, 28, tzinfo=UTC), pull_requests=[4]),
]


def test_resolve_each_kind_of_choice() -> None:
    assert resolve(PackageChoice("tag", tag="O2Physics::x"), CATALOG).tag == "x"
    assert resolve(PackageChoice("latest"), CATALOG).tag == "c"
    assert resolve(PackageChoice("pull_request", pull_request=2), CATALOG).tag == "a"
    assert resolve(PackageChoice("pull_request", pull_request=3), CATALOG).tag == "b"
    missing = resolve(PackageChoice("pull_request", pull_request=5), CATALOG)
    assert (missing.tag, missing.waiting) == (
        None,
        "package from pull request #5, not yet in a tag",
    )
    assert resolve(PackageChoice("latest"), []).waiting == (
        "no package tag in the catalog (packages.tags)"
    )


def test_the_catalog_file_adds_tags(config: Config) -> None:
    config.write(
        {
            "config/hyperloop.yaml": "packages:\n  catalog_file: packages.yaml\n  tags:\n"
            "    - {tag: t1, date: 2026-11-20T00:00:00Z}\n",
            "packages.yaml": "tags:\n  - {tag: t9, date: '2026-11-29T00:00:00Z', "
            "pull_requests: [9]}\n",
        }
    )
    repository = config.load()
    assert [e.tag for e in package_catalog(repository)] == ["t1", "t9"]
    assert resolve(PackageChoice("latest"), package_catalog(repository)).tag == "t9"
    config.write({"packages.yaml": "- {tag: t9}\n"})
    with pytest.raises(CatalogError) as error:
        package_catalog(config.load())
    assert str(error.value) == "packages.yaml: tags[0].date: Field required"
    config.write({"config/hyperloop.yaml": "packages: {catalog_file: ../outside.yaml}\n"})
    with pytest.raises(CatalogError) as error:
        package_catalog(config.load())
    assert str(error.value) == (
        "packages.catalog_file must be a path inside the repository, found '../outside.yaml'"
    )
    config.write({"config/hyperloop.yaml": "packages: {catalog_file: none.yaml}\n"})
    with pytest.raises(CatalogError) as error:
        package_catalog(config.load())
    assert (
        str(error.value) == "none.yaml: cannot read the package catalog: No such file or directory"
    )


SLOTS = [Slot(day="monday", time="08:00"), Slot(day="thursday", time="20:30")]


def test_slots() -> None:
    # NOW is Saturday 2026-11-28 12:00 UTC
    assert last_slot(SLOTS, NOW) == datetime(2026, 11, 26, 20, 30, tzinfo=UTC)
    assert next_slot(SLOTS, NOW) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert last_slot(SLOTS, monday) == monday
    assert next_slot(SLOTS, monday) == datetime(2026, 12, 3, 20, 30, tzinfo=UTC)
    assert slot_passed(SLOTS, NOW, None)
    assert slot_passed(SLOTS, NOW, datetime(2026, 11, 26, 20, 29, tzinfo=UTC))
    assert not slot_passed(SLOTS, NOW, datetime(2026, 11, 26, 20, 30, tzinfo=UTC))
    assert not slot_passed([], NOW, None)
    assert last_slot([], NOW) is None and next_slot([], NOW) is None


def _file(run: int, number: int) -> InputFile:
    return InputFile("LHC22o", run, "apass6", number, f"{run}/{number}", grid=False)


def test_jobs_never_mix_runs_and_stay_under_the_file_limit() -> None:
    files = [_file(1, n) for n in range(1, 6)] + [_file(2, 1)] + [_file(3, n) for n in (1, 2)]
    jobs = split_jobs(files, 2)
    assert [[f.relative_path for f in job] for job in jobs] == [
        ["1/1", "1/2"],
        ["1/3", "1/4"],
        ["1/5"],
        ["2/1"],
        ["3/1", "3/2"],
    ]
    assert split_jobs([], 2) == []


def test_summaries_from_the_runners_results() -> None:
    whole = WholeDataset(
        dataset_bytes=48_200_000_000_000, scale=1e4, cpu_years=0.78, output_bytes=670, co2_kg=41
    )
    metrics = TestMetrics(
        input_files=2,
        input_bytes=1_000,
        output_bytes=10,
        wall_s=58,
        cpu_s=51,
        pss=MemoryStats(max_bytes=1_500, avg_bytes=1_200, slope_mb_per_min=0.3),
        private=MemoryStats(max_bytes=1_000, avg_bytes=900, slope_mb_per_min=0.0),
        throughput_bytes_per_s=17.2,
        reduction_factor=100,
        devices=(),
        whole_dataset=whole,
    )
    common = {
        "wagon": "lf/a1",
        "dataset": "D",
        "package_tag": "t",
        "started": NOW,
        "work_dir": "/tmp/x",
    }
    result = TestResult(
        content_hash="abc",
        status=Status.WARNING,
        warnings=(Finding(rule="leak", message="too much"),),
        metrics=metrics,
        **common,
    )
    assert TestSummary.from_result(result) == TestSummary(
        content_hash="abc",
        status="warning",
        reason="",
        warnings=("leak: too much",),
        pss_avg_bytes=1_200,
        pss_max_bytes=1_500,
        cpu_years=0.78,
        output_bytes=670,
    )
    failed = TestResult(content_hash="d", status=Status.FAILED, reason="boom", **common)
    assert TestSummary.from_result(failed) == TestSummary("d", "failed", reason="boom")


def test_past_trains_from_the_state_store() -> None:
    run = TrainRun(
        id="T-20261127-000001",
        dataset="D",
        package_tag="t",
        target="Grid single core",
        backend="local",
        wagons=(
            TrainWagon(id="lf/a1", base=True, subwagons=("tight",), content_hash="h1"),
            TrainWagon(id="lf/a2", base=False, subwagons=("x",), content_hash="h2"),
        ),
        full_config_digest="f",
        input_list_digest="i",
        composition_digest="c",
        state=TrainState.RUNNING,
        created=NOW,
        details={"config_hashes": {"lf/a1": {"lf/a1": "c1", "lf/a1:tight": "c2"}}},
    )
    train = PastTrain.from_train_run(run)
    assert train == PastTrain(
        id="T-20261127-000001",
        dataset="D",
        package_tag="t",
        state="running",
        created=NOW,
        wagons=(
            PastWagon("lf/a1", True, ("tight",), "h1", {"lf/a1": "c1", "lf/a1:tight": "c2"}),
            PastWagon("lf/a2", False, ("x",), "h2", {}),
        ),
    )
    assert train.active
    assert train.wagons[0].runs(None) and train.wagons[0].runs("tight")
    assert not train.wagons[1].runs(None) and not train.wagons[1].runs("tight")
