"""Statuses of a wagon test and the policy's warning rules (HYPERLOOP.md "Warning rules").

Every rule is a small function of the metrics and the :class:`~hyperloop_gitops.model.Policy`
returning a :class:`Finding` or None; each finding names its rule and the numbers it compared,
so a person can see at once why a wagon cannot be composed automatically. A test that ran
through with findings is ❗; without any it is 🌟; a test that failed (crash, limit) is 💣.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hyperloop_gitops.model.settings import Policy
from hyperloop_gitops.testing.metrics import TestMetrics
from hyperloop_gitops.testing.units import GB, MB, format_bytes, significant


class Status(StrEnum):
    """Where a wagon test is; ``mark`` is how people see it."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    WARNING = "warning"
    FAILED = "failed"

    @property
    def mark(self) -> str:
        """⌛ ⏳ 🌟 ❗ 💣."""
        return _MARKS[self]

    @property
    def final(self) -> bool:
        """Done, warning or failed: the test will not change any more."""
        return self in (Status.DONE, Status.WARNING, Status.FAILED)


_MARKS = {
    Status.QUEUED: "⌛",
    Status.RUNNING: "⏳",
    Status.DONE: "🌟",
    Status.WARNING: "❗",
    Status.FAILED: "💣",
}


class Target(StrEnum):
    """Where a train of this wagon can run, from its average PSS (rule 1)."""

    SINGLE_CORE = "Grid single core"
    TWO_CORE = "Grid 2 core"
    NONE = "cannot be composed"


class Finding(BaseModel):
    """One warning: the rule it breaks and a sentence with the numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(description="Short rule name: memory, leak, cpu, ccdb, reduction, ...")
    message: str = Field(description="What was measured against what the rule allows.")

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class RuleContext:
    """What the rules need beyond the metrics and the policy."""

    cpu_limit_years: float | None = None
    """CPU limit of one train on the dataset (its resource class or its own override)."""
    derived_kind: str | None = None
    """``standard``, ``slim`` or ``linked`` when the wagon writes derived data."""
    derived_output_bytes: int = 0
    """Size of the derived AO2D output of the test."""
    derived_output_files: int = 0
    """Number of derived AO2D output files of the test."""


def target_for(avg_pss_bytes: float, policy: Policy) -> Target:
    """Grid single core up to ``single_core_max_avg_pss_gb``, 2 core up to the 2-core limit."""
    if avg_pss_bytes <= policy.single_core_max_avg_pss_gb * GB:
        return Target.SINGLE_CORE
    if avg_pss_bytes <= policy.two_core_max_avg_pss_gb * GB:
        return Target.TWO_CORE
    return Target.NONE


def _gb(value: float) -> str:
    return f"{significant(value)} GB"


def _memory(m: TestMetrics, policy: Policy, _: RuleContext) -> Finding | None:
    if target_for(m.pss.avg_bytes, policy) is not Target.NONE:
        return None
    return Finding(
        rule="memory",
        message=f"average PSS {format_bytes(m.pss.avg_bytes)} is above "
        f"{_gb(policy.two_core_max_avg_pss_gb)}, the most a Grid 2-core slot offers "
        f"(rule: at most {_gb(policy.two_core_max_avg_pss_gb)})",
    )


def _leak(m: TestMetrics, policy: Policy, _: RuleContext) -> Finding | None:
    if m.pss.avg_bytes <= 0:
        return None
    # compared without division so that exactly at the threshold is not a warning
    if m.pss.max_bytes * 100 <= m.pss.avg_bytes * (100 + policy.leak_max_percent):
        return None
    if m.pss.max_bytes - m.pss.avg_bytes < policy.leak_min_growth_mb * 1_000_000:
        return None  # a few MB of allocator noise in a small test is not a leak
    above = (m.pss.max_bytes / m.pss.avg_bytes - 1) * 100
    return Finding(
        rule="leak",
        message=f"max PSS {format_bytes(m.pss.max_bytes)} is {above:.0f}% above average "
        f"{format_bytes(m.pss.avg_bytes)} (rule: at most {significant(policy.leak_max_percent)}%)",
    )


def _cpu(m: TestMetrics, _: Policy, context: RuleContext) -> Finding | None:
    limit = context.cpu_limit_years
    if limit is None or m.whole_dataset is None or m.whole_dataset.cpu_years <= limit:
        return None
    return Finding(
        rule="cpu",
        message=f"the whole dataset needs {significant(m.whole_dataset.cpu_years)} CPU-years, "
        f"above this dataset's limit (rule: at most {significant(limit)} CPU-years per train; "
        "needs approval)",
    )


def _ccdb(m: TestMetrics, policy: Policy, _: RuleContext) -> Finding | None:
    if m.ccdb_calls is None or m.ccdb_calls <= policy.ccdb_max_calls:
        return None
    return Finding(
        rule="ccdb",
        message=f"{m.ccdb_calls} calls to the conditions database "
        f"(rule: at most {policy.ccdb_max_calls})",
    )


def _reduction(m: TestMetrics, policy: Policy, _: RuleContext) -> Finding | None:
    factor = m.reduction_factor
    if factor is None or factor >= policy.min_reduction_factor:
        return None
    expected = m.whole_dataset.output_bytes if m.whole_dataset else m.output_bytes
    allowed = policy.low_reduction_max_output_gb * GB
    verdict = (
        f"allowed on request: the expected output {format_bytes(expected)} is below "
        if expected < allowed
        else f"not allowed: the expected output {format_bytes(expected)} is not below "
    )
    return Finding(
        rule="reduction",
        message=f"reduction factor {significant(factor)}× is below "
        f"{significant(policy.min_reduction_factor)}× (rule: at least "
        f"{significant(policy.min_reduction_factor)}×; {verdict}"
        f"{_gb(policy.low_reduction_max_output_gb)})",
    )


def _log(m: TestMetrics, policy: Policy, _: RuleContext) -> Finding | None:
    if m.log_bytes <= policy.max_log_mb * MB:
        return None
    return Finding(
        rule="log",
        message=f"{format_bytes(m.log_bytes)} of log output "
        f"(rule: at most {significant(policy.max_log_mb)} MB)",
    )


def _slim(m: TestMetrics, policy: Policy, context: RuleContext) -> Finding | None:
    if context.derived_kind != "slim":
        return None
    scale = m.whole_dataset.scale if m.whole_dataset else 1.0
    expected = context.derived_output_bytes * scale
    if expected <= policy.slim_max_output_mb * MB:
        return None
    return Finding(
        rule="slim",
        message=f"expected slim derived output {format_bytes(expected)} "
        f"(rule: at most {significant(policy.slim_max_output_mb)} MB; "
        "make it standard derived data)",
    )


def _linked(m: TestMetrics, policy: Policy, context: RuleContext) -> Finding | None:
    if context.derived_kind != "linked" or context.derived_output_files <= 0:
        return None
    per_output = m.input_files / context.derived_output_files
    if per_output <= policy.linked_max_inputs_per_output:
        return None
    return Finding(
        rule="linked",
        message=f"{significant(per_output)} input files per derived output file "
        f"(rule: at most {policy.linked_max_inputs_per_output}; not submittable)",
    )


Rule = Callable[[TestMetrics, Policy, RuleContext], "Finding | None"]
RULES: dict[str, Rule] = {
    "memory": _memory,
    "leak": _leak,
    "cpu": _cpu,
    "ccdb": _ccdb,
    "reduction": _reduction,
    "log": _log,
    "slim": _slim,
    "linked": _linked,
}
"""Every warning rule, in the order of HYPERLOOP.md."""


def findings(metrics: TestMetrics, policy: Policy, context: RuleContext) -> list[Finding]:
    """Every rule the metrics break, in rule order."""
    found = (rule(metrics, policy, context) for rule in RULES.values())
    return [finding for finding in found if finding is not None]


def status_of(*, failure: str | None, warnings: list[Finding]) -> Status:
    """💣 on a failure, ❗ with warnings, 🌟 otherwise."""
    if failure is not None:
        return Status.FAILED
    return Status.WARNING if warnings else Status.DONE
