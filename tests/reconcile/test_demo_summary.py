"""The demo's closing summary: one line per wagon test and per train, read at a glance."""

from __future__ import annotations

from datetime import UTC, datetime

from hyperloop_gitops.demo import train_line, wagon_test_lines
from hyperloop_gitops.state.models import TrainRun, TrainWagon
from hyperloop_gitops.testing.status import Finding, Status
from hyperloop_gitops.testing.store import TestResult

REDUCTION = Finding(
    rule="reduction",
    message="reduction factor 44.1× is below 50× (rule: at least 50×; allowed on request: "
    "the expected output 47.7 GB is below 50 GB)",
)
LEAK = Finding(
    rule="leak", message="max PSS 2.31 GB is 41% above average 1.64 GB (rule: at most 30%)"
)


def _test(wagon: str, status: Status, **changes: object) -> TestResult:
    fields: dict[str, object] = {
        "wagon": wagon,
        "dataset": "LHC22o_pass6_short",
        "package_tag": "daily-20261127-0000-1",
        "content_hash": "0" * 64,
        "status": status,
        "started": datetime(2026, 11, 29, 2, 0, tzinfo=UTC),
        "work_dir": "/tmp/none",
    }
    fields.update(changes)
    return TestResult(**fields)  # type: ignore[arg-type]


def test_a_warning_reads_once_without_nested_parentheses() -> None:
    lines = wagon_test_lines(
        [
            _test("pwgdq-dileptons/dilepton-skim", Status.WARNING, warnings=(REDUCTION,)),
            _test("pwgdq-dileptons/jpsi-ee", Status.WARNING, warnings=(LEAK, REDUCTION)),
            _test("pwglf-spectra/pt-spectrum", Status.DONE),
            _test("pwgud-upc/low-mult", Status.FAILED, reason="exited with code 2\nTraceback"),
        ]
    )

    assert lines == [
        "  wagon tests: 4 (🌟 1  ❗ 2  💣 1)",
        "    ❗ pwgdq-dileptons/dilepton-skim on LHC22o_pass6_short: reduction factor 44.1× is "
        "below 50× (rule: at least 50×; allowed on request: the expected output 47.7 GB is "
        "below 50 GB)",
        "    ❗ pwgdq-dileptons/jpsi-ee on LHC22o_pass6_short: leak: max PSS 2.31 GB is 41% above "
        "average 1.64 GB (rule: at most 30%) (+1 more)",
        "    🌟 pwglf-spectra/pt-spectrum on LHC22o_pass6_short",
        "    💣 pwgud-upc/low-mult on LHC22o_pass6_short: exited with code 2",
    ]


def _train(*wagons: TrainWagon) -> TrainRun:
    return TrainRun(
        id="T-20261129-908629",
        dataset="LHC23d1_mc",
        package_tag="daily-20261127-0000-1",
        target="Grid single core",
        backend="local",
        wagons=wagons,
        full_config_digest="a" * 64,
        input_list_digest="b" * 64,
        composition_digest="c" * 64,
        created=datetime(2026, 11, 29, 2, 0, tzinfo=UTC),
    )


def test_a_train_says_what_its_wagon_count_counts() -> None:
    # The train test's progress line said "(3 wagons)": the same train, counted with the
    # subwagon and the dependency it pulled in.
    train = _train(
        TrainWagon(id="pwglf-spectra/pt-spectrum", subwagons=("narrow-eta",), content_hash="d")
    )
    train_test = _test(
        "train:T-20261129-908629",
        Status.DONE,
        train=(
            "service-common/event-selection",
            "pwglf-spectra/pt-spectrum",
            "pwglf-spectra/pt-spectrum:narrow-eta",
        ),
    )

    assert train_line(train, train_test) == (
        "    T-20261129-908629  composed LHC23d1_mc           0/0 jobs  1 wagon "
        "(3 wagon runs incl. subwagons and dependencies)"
    )
    assert train_line(train, None).endswith("0/0 jobs  1 wagon")


def test_a_train_of_wagons_alone_needs_no_second_count() -> None:
    train = _train(
        TrainWagon(id="pwgcf-flow/cf-multiplicity", content_hash="e"),
        TrainWagon(id="pwghf-d0/d0-kpi", content_hash="f"),
    )
    train_test = _test(
        "train:T-20261129-908629",
        Status.DONE,
        train=("pwgcf-flow/cf-multiplicity", "pwghf-d0/d0-kpi"),
    )

    assert train_line(train, train_test).endswith("0/0 jobs  2 wagons")
