"""Commit statuses and check-run annotations from a ``PrView``: the machine-readable verdict.

``hyperloop/validate`` fails on validation errors or permission problems (its description
names who may approve); ``hyperloop/tests`` is pending while tests run and fails when one
failed. Pure, like the comment.
"""

from __future__ import annotations

from typing import Literal

from hyperloop_gitops.bot.comment import verdict
from hyperloop_gitops.bot.forge import Annotation, CheckRun, Status
from hyperloop_gitops.bot.permissions import permission_summary
from hyperloop_gitops.bot.view import PrView
from hyperloop_gitops.diagnostics import format_key_path

VALIDATE = "hyperloop/validate"
TESTS = "hyperloop/tests"
CHECK_NAME = "hyperloop"


def statuses(view: PrView, target_url: str | None = None) -> tuple[Status, Status]:
    """The two commit statuses for the head commit."""
    return _validate_status(view, target_url), _tests_status(view, target_url)


def _validate_status(view: PrView, url: str | None) -> Status:
    errors = sum(d.is_error for d in view.diagnostics)
    warnings = len(view.diagnostics) - errors
    if errors:
        first = view.diagnostics[[d.is_error for d in view.diagnostics].index(True)]
        text = f"{errors} error{'s' if errors > 1 else ''}; first: {first.where}: {first.message}"
        return Status(VALIDATE, "failure", text, url)
    if view.permission_problems:
        text = permission_summary(view.permission_problems, view.author)
        return Status(VALIDATE, "failure", text, url)
    text = "Configuration valid, permissions fine"
    if warnings:
        text += f" ({warnings} warning{'s' if warnings > 1 else ''})"
    return Status(VALIDATE, "success", text, url)


def _tests_status(view: PrView, url: str | None) -> Status:
    if any(d.is_error for d in view.diagnostics):
        return Status(TESTS, "failure", "Not run: the configuration does not validate", url)
    if view.tests is None:
        if view.affected:
            count = len(view.affected)
            text = f"{count} affected wagon test{'s' if count > 1 else ''} not run by this bot"
            return Status(TESTS, "success", text, url)
        return Status(TESTS, "success", "No wagon test affected", url)
    tests = view.tests
    failed = [t for t in tests if t.state == "failed"]
    pending = [t for t in tests if t.state in ("queued", "running")]
    warned = sum(t.state == "warning" for t in tests)
    if failed:
        names = ", ".join(t.wagon for t in failed[:3])
        more = f" (+{len(failed) - 3} more)" if len(failed) > 3 else ""
        return Status(TESTS, "failure", f"{len(failed)} of {len(tests)} failed: {names}{more}", url)
    if pending:
        done = len(tests) - len(pending)
        return Status(TESTS, "pending", f"{done} of {len(tests)} wagon tests done", url)
    if not tests:
        return Status(TESTS, "success", "No wagon test affected", url)
    text = f"{len(tests)} wagon test{'s' if len(tests) > 1 else ''} passed"
    if warned:
        text += f", {warned} with a warning (needs an operator's approval to join a train)"
    return Status(TESTS, "success", text, url)


def line_annotations(view: PrView) -> tuple[Annotation, ...]:
    """One annotation per diagnostic, at its line (line 1 for whole-file findings)."""
    out = []
    for d in view.diagnostics:
        key = format_key_path(d.key_path)
        out.append(
            Annotation(
                path=d.file,
                line=max(d.line, 1),
                level="failure" if d.is_error else "warning",
                message=f"{key}: {d.message}" if key else d.message,
                title=d.code or d.severity,
            )
        )
    for p in view.permission_problems:
        who = ", ".join(p.approvers) or "nobody is configured"
        out.append(
            Annotation(
                path=p.path,
                line=1,
                level="failure",
                message=f"{view.author} may not change this file: needs {p.needs} ({who})",
                title="permission",
            )
        )
    return tuple(out)


def check_run(view: PrView, summary: str) -> CheckRun:
    """The check run: the verdict as title, ``summary`` (the comment) as its text."""
    v = verdict(view)
    blocked = any(d.is_error for d in view.diagnostics) or view.permission_problems
    failed = any(t.state == "failed" for t in view.tests or ())
    conclusion: Literal["success", "failure"] = "failure" if blocked or failed else "success"
    # GitHub limits a check run's summary to 65,535 characters.
    return CheckRun(
        CHECK_NAME, conclusion, f"{v.mark} {v.headline}", summary[:65535], line_annotations(view)
    )
