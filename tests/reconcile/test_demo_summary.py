"""The demo's closing summary: one line per wagon test and per train, read at a glance."""

from __future__ import annotations

from datetime import UTC, datetime

from hyperloop_gitops.demo import wagon_test_lines
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
