"""Commit statuses and annotations from a view, exactly."""

from __future__ import annotations

from hyperloop_gitops.bot.forge import Annotation, Status
from hyperloop_gitops.bot.permissions import Problem
from hyperloop_gitops.bot.report import line_annotations, statuses
from hyperloop_gitops.bot.view import PrView, WagonTestRow
from hyperloop_gitops.diagnostics import Diagnostic

URL = "https://ci.example/1"
ERROR = Diagnostic(
    "config/datasets/d.yaml",
    3,
    1,
    "error",
    "runlist 'r' does not exist",
    ("productions", 0, "runlist"),
    "reference",
)
WARNING = Diagnostic("config/datasets/d.yaml", 9, 5, "warning", "unused merge list")


def view(**fields: object) -> PrView:
    return PrView(repo="o/r", head_sha="a" * 40, author="bob", **fields)  # type: ignore[arg-type]


def row(wagon: str, state: str) -> WagonTestRow:
    return WagonTestRow(wagon, "D", state)  # type: ignore[arg-type]


def test_validation_errors_fail_both() -> None:
    assert statuses(view(diagnostics=(ERROR, WARNING)), URL) == (
        Status(
            "hyperloop/validate",
            "failure",
            "1 error; first: config/datasets/d.yaml:3:1: runlist 'r' does not exist",
            URL,
        ),
        Status("hyperloop/tests", "failure", "Not run: the configuration does not validate", URL),
    )


def test_warnings_and_tests() -> None:
    rows = (row("a/w1", "done"), row("a/w2", "warning"))
    assert statuses(view(diagnostics=(WARNING,), tests=rows)) == (
        Status(
            "hyperloop/validate", "success", "Configuration valid, permissions fine (1 warning)"
        ),
        Status(
            "hyperloop/tests",
            "success",
            "2 wagon tests passed, 1 with a warning (needs an operator's approval to join a train)",
        ),
    )


def test_failed_and_pending_tests() -> None:
    failed = (*tuple(row(f"a/w{i}", "failed") for i in range(5)), row("a/ok", "done"))
    assert statuses(view(tests=failed))[1] == Status(
        "hyperloop/tests", "failure", "5 of 6 failed: a/w0, a/w1, a/w2 (+2 more)"
    )
    pending = (row("a/w1", "done"), row("a/w2", "running"), row("a/w3", "queued"))
    assert statuses(view(tests=pending))[1] == Status(
        "hyperloop/tests", "pending", "1 of 3 wagon tests done"
    )


def test_permission_problems_fail_validate_and_are_annotated() -> None:
    problem = Problem("config/hyperloop.yaml", "an admin", ("alice", "@org/admins"))
    v = view(permission_problems=(problem,), diagnostics=(ERROR,))
    assert line_annotations(v) == (
        Annotation(
            "config/datasets/d.yaml",
            3,
            "failure",
            "productions[0].runlist: runlist 'r' does not exist",
            "reference",
        ),
        Annotation(
            "config/hyperloop.yaml",
            1,
            "failure",
            "bob may not change this file: needs an admin (alice, @org/admins)",
            "permission",
        ),
    )
    assert statuses(view(permission_problems=(problem,)))[0] == Status(
        "hyperloop/validate",
        "failure",
        "bob may not change config/hyperloop.yaml: needs an admin; approvers: alice, @org/admins",
    )
