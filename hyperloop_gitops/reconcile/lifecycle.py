"""Reading a train run: its issues and a description for people.

The train state machine itself lives with the documents (``state/models.py``, docs/state.md);
this module says what an operator needs to know about one train.
"""

from __future__ import annotations

from hyperloop_gitops.model.settings import Policy
from hyperloop_gitops.state.models import JobState, TrainRun, TrainState


def issues_of(train: TrainRun, policy: Policy) -> list[str]:
    """HYPERLOOP.md's "train with issues", in words (empty when none)."""
    issues = []
    counts = train.job_counts()
    total = counts["total"]
    if total and counts["failed"] * 100 > policy.failed_jobs_issue_percent * total:
        share = 100 * counts["failed"] / total
        issues.append(
            f"{counts['failed']} of {total} jobs failed ({share:.0f}% > "
            f"{policy.failed_jobs_issue_percent:g}%)"
        )
    all_final = total > 0 and all(j.state.is_final for j in train.jobs)
    merge = train.merges[0] if train.merges else None
    if all_final and train.state in (TrainState.SUBMITTED, TrainState.RUNNING):
        issues.append("all jobs are final but no merge has started")
    if merge is not None and merge.state == JobState.DONE and train.state == TrainState.MERGING:
        issues.append("the merge is done but not recorded")
    if (
        merge is not None
        and merge.state == JobState.DONE
        and not merge.outputs
        and (train.state == TrainState.DONE)
    ):
        issues.append("the final merge wrote no output")
    return issues


def describe_train(train: TrainRun, policy: Policy) -> list[str]:
    """The lines of ``hyperloop trains show``."""
    counts = train.job_counts()
    lines = [
        f"{train.id}  {train.state.value}  on {train.dataset}  ({train.backend})",
        f"  package    {train.package_tag}",
        f"  target     {train.target}",
        f"  created    {train.created:%Y-%m-%d %H:%M:%S} UTC",
    ]
    if train.submitted:
        lines.append(f"  submitted  {train.submitted:%Y-%m-%d %H:%M:%S} UTC")
    if train.finished:
        lines.append(f"  finished   {train.finished:%Y-%m-%d %H:%M:%S} UTC")
    lines.append("  wagons")
    for wagon in train.wagons:
        parts = (["base"] if wagon.base else []) + list(wagon.subwagons)
        lines.append(f"    {wagon.id} [{', '.join(parts)}]  test {wagon.content_hash[:12]}")
    job_states = ", ".join(f"{counts[s.value]} {s.value}" for s in JobState if counts[s.value])
    lines.append(f"  jobs       {counts['total']} total: {job_states or 'none'}")
    for merge in train.merges:
        outputs = ", ".join(merge.outputs) if merge.outputs else "-"
        lines.append(f"  merge      {merge.scope}: {merge.state.value}; output {outputs}")
    if train.output_dir:
        lines.append(f"  outputs    {train.output_dir}")
    test = train.details.get("train_test")
    if isinstance(test, dict):
        lines.append(f"  train test {test.get('status')} ({str(test.get('content_hash'))[:12]})")
    for issue in issues_of(train, policy):
        lines.append(f"  ⚠ {issue}")
    lines.append("  history")
    for change in train.history:
        lines.append(f"    {change.at:%Y-%m-%d %H:%M:%S}  {change.state.value:<10} by {change.by}")
    for action in train.actions:
        why = f": {action.reason}" if action.reason else ""
        lines.append(f"    {action.at:%Y-%m-%d %H:%M:%S}  {action.action:<10} by {action.by}{why}")
    return lines
