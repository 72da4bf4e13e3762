"""What the bot knows about one pull request, as plain values: the renderer's only input.

The edge (``bot/run.py``) fills a ``PrView`` from validation, permissions, the impact of the
change, test results and the plan; ``comment.py`` and ``report.py`` turn it into words, statuses
and annotations without touching anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hyperloop_gitops.bot.permissions import Problem
from hyperloop_gitops.diagnostics import Diagnostic

TestState = Literal["queued", "running", "done", "warning", "failed"]

MARKS: dict[TestState, str] = {
    "queued": "⌛",
    "running": "⏳",
    "done": "🌟",
    "warning": "❗",
    "failed": "💣",
}


@dataclass(frozen=True)
class BaseMetrics:
    """The base branch's last test of the same wagon on the same dataset: what deltas compare to."""

    pss_max_gb: float | None = None
    cpu_s: float | None = None
    dataset_cpu_years: float | None = None


@dataclass(frozen=True)
class WagonTestRow:
    """One wagon test (a wagon, or ``wagon:subwagon``, on one dataset) and its metrics.

    Metrics are ``None`` until the test has run (or when it failed before measuring).
    ``warnings`` are sentences ("leak: max PSS 2.31 GB is 41% above average 1.64 GB ...");
    ``error`` says why a failed test failed; ``log_tail`` is shown folded.
    """

    wagon: str
    dataset: str
    state: TestState
    pss_max_gb: float | None = None
    pss_avg_gb: float | None = None
    cpu_s: float | None = None
    wall_s: float | None = None
    throughput_mb_s: float | None = None
    output_mb: float | None = None
    dataset_cpu_years: float | None = None
    dataset_co2_kg: float | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    log_tail: str | None = None
    base: BaseMetrics | None = None
    reused: bool = False


@dataclass(frozen=True)
class AffectedTest:
    """A wagon test the change calls for (from the impact), and why."""

    wagon: str
    dataset: str
    package: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    """People to tell once, why, and which of their wagons it concerns."""

    logins: tuple[str, ...]
    reason: str
    wagons: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanEntry:
    """One line of the plan merging would carry out.

    ``action``: ``submit`` a train, ``wait`` (a request that cannot be served yet, ``note``
    says why), or ``kill``.
    """

    action: Literal["submit", "wait", "kill"]
    dataset: str
    wagons: tuple[str, ...]
    tag: str | None = None
    target: str | None = None
    train_id: str | None = None
    cpu_years: float | None = None
    output_gb: float | None = None
    co2_kg: float | None = None
    cpu_limit_years: float | None = None
    note: str = ""


@dataclass(frozen=True)
class PrView:
    """Everything the comment says about one pull request at one head commit.

    ``tests`` and ``plan`` are ``None`` when they were not computed (said in the comment,
    never hidden);
    ``affected`` are the wagon tests the change calls for (with their reasons), whether or
    not they were run; ``notes`` are further things the reader must know (parts not run, and why).
    """

    repo: str
    head_sha: str
    author: str
    diagnostics: tuple[Diagnostic, ...] = ()
    permission_problems: tuple[Problem, ...] = ()
    changes: tuple[str, ...] = ()
    tests: tuple[WagonTestRow, ...] | None = ()
    affected: tuple[AffectedTest, ...] = ()
    mentions: tuple[Mention, ...] = ()
    plan: tuple[PlanEntry, ...] | None = None
    notes: tuple[str, ...] = ()
    web_url: str = "https://github.com"
