"""The plan as people read it (``hyperloop reconcile``, UX.md) and as JSON for machines."""

from __future__ import annotations

from typing import Any

from hyperloop_gitops.reconcile.plan import ComposedTrain, Plan

_BYTE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def format_bytes(value: float) -> str:
    """``1.9 TB``, ``40 GB``, ``670 GB``: decimal units, two or three significant digits."""
    unit = 0
    while value >= 1000 and unit < len(_BYTE_UNITS) - 1:
        value /= 1000
        unit += 1
    number = f"{value:.1f}" if value < 10 and unit else f"{value:.0f}"
    return f"{number} {_BYTE_UNITS[unit]}"


def format_years(value: float) -> str:
    """CPU-years: ``0.02``, ``0.78``, ``2.1``, ``14``."""
    if value == 0:
        return "0"
    if value < 1:
        return f"{value:.2g}"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def format_co2(value: float) -> str:
    """kgCO2eq: whole numbers, one decimal below 10."""
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _train_lines(train: ComposedTrain) -> list[str]:
    estimate = train.estimate
    note = " (short dataset: the long train follows when done)" if train.short_for else ""
    return [
        f"+ {train.id}  {train.dataset}  tag {train.package_tag}  {train.target}",
        "    wagons: " + ", ".join(w.display for w in train.wagons),
        f"    estimate: {format_years(estimate.cpu_years)} CPU-years · "
        f"{format_bytes(estimate.output_bytes)} · {format_co2(estimate.co2_kg)} kgCO2eq · "
        f"{estimate.jobs:,} {'job' if estimate.jobs == 1 else 'jobs'}{note}",
    ]


def render_text(plan: Plan) -> str:
    """The plan in the words of UX.md's ``hyperloop reconcile``."""
    lines = [
        f"Plan: {_plural(len(plan.submit), 'train', 'trains')} to submit, "
        f"{_plural(len(plan.waiting), 'request', 'requests')} waiting, {len(plan.kill)} to kill",
        "",
    ]
    for train in plan.submit:
        lines.extend(_train_lines(train))
    for kill in plan.kill:
        lines.append(f"- {kill.train_id}  {kill.dataset}  kill: {kill.reason}")
    for waiting in plan.waiting:
        mark = f"{waiting.mark} " if waiting.mark else ""
        lines.append(f"~ waiting: {waiting.display} on {waiting.dataset}: {mark}{waiting.message}")
    if plan.submit or plan.kill or plan.waiting:
        lines.append("")
    lines.append(_footer(plan))
    return "\n".join(lines) + "\n"


def _footer(plan: Plan) -> str:
    actions = []
    if plan.submit:
        actions.append("submit")
    if plan.kill:
        actions.append(f"kill {_plural(len(plan.kill), 'train', 'trains')}")
    if plan.tests:
        actions.append(f"queue {_plural(len(plan.tests), 'wagon test', 'wagon tests')}")
    if not actions:
        return "Nothing to do."
    said = actions[0] if len(actions) == 1 else ", ".join(actions[:-1]) + " and " + actions[-1]
    return f"Run again with --apply to {said}."


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data (``hyperloop reconcile --json``)."""
    return {
        "now": plan.now.isoformat().replace("+00:00", "Z"),
        "changes": plan.changes,
        "submit": [
            {
                "id": t.id,
                "dataset": t.dataset,
                "package_tag": t.package_tag,
                "target": t.target,
                "wagons": [
                    {
                        "id": w.id,
                        "base": w.base,
                        "subwagons": list(w.subwagons),
                        "content_hash": w.content_hash,
                        "config_hashes": dict(w.config_hashes),
                    }
                    for w in t.wagons
                ],
                "train_test_hash": t.spec.content_hash,
                "full_config_digest": t.full_config_digest,
                "input_list_digest": t.input_list_digest,
                "input_files": len(t.input_files),
                "estimate": {
                    "cpu_years": t.estimate.cpu_years,
                    "output_bytes": t.estimate.output_bytes,
                    "co2_kg": t.estimate.co2_kg,
                    "jobs": t.estimate.jobs,
                },
                "short_for": list(t.short_for),
            }
            for t in plan.submit
        ],
        "waiting": [
            {
                "wagon": w.wagon_id,
                "parts": [p or "" for p in w.parts],
                "dataset": w.dataset,
                "reason": w.reason,
                "mark": w.mark,
                "message": w.message,
            }
            for w in plan.waiting
        ],
        "kill": [
            {
                "train": k.train_id,
                "dataset": k.dataset,
                "wagons": list(k.wagons),
                "reason": k.reason,
            }
            for k in plan.kill
        ],
        "tests": [
            {
                "wagon": t.wagon_id,
                "dataset": t.dataset,
                "package_tag": t.package_tag,
                "parts": [p or "" for p in t.parts],
                "content_hash": t.content_hash,
            }
            for t in plan.tests
        ],
        "satisfied": [
            {"wagon": s.wagon_id, "part": s.part or "", "dataset": s.dataset, "train": s.train_id}
            for s in plan.satisfied
        ],
    }
