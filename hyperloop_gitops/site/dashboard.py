"""The dashboard's numbers, from the site's data (pure functions, no I/O).

"Now" is the newest time in the data (a commit, a test, a train), never the clock: the same
input always gives the same page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hyperloop_gitops.site.views import SiteData, TestView, TrainView

ACTIVE_TRAIN_STATES = frozenset(
    {"composed", "testing", "ready", "submitting", "submitted", "running", "merging"}
)
JOB_STATES = ("pending", "running", "done", "failed", "killed")
WEEKS_PLOTTED = 8


@dataclass(frozen=True)
class Counts:
    """The "now" numbers of the dashboard."""

    waiting_for_test: int
    tests_running: int
    waiting_for_train: int
    trains_ready: int
    trains_submitting: int
    trains_running: int
    jobs_running: int
    jobs_waiting: int


@dataclass(frozen=True)
class LastWeek:
    """Numbers of the seven days up to "now"."""

    finished_trains: int
    wagon_tests: int
    avg_completion: dt.timedelta | None
    avg_submission: dt.timedelta | None
    avg_running: dt.timedelta | None


@dataclass(frozen=True)
class TargetRow:
    """Jobs of one target, over the trains still active or created in the last week."""

    target: str
    trains: int
    jobs: dict[str, int]


def latest_tests(tests: Iterable[TestView]) -> dict[tuple[str, str], TestView]:
    """The newest base-wagon test per (wagon, dataset); a subwagon's when no base test exists."""
    latest: dict[tuple[str, str], TestView] = {}
    for test in tests:  # tests come oldest first
        key = (test.wagon, test.dataset)
        current = latest.get(key)
        if current is None or test.subwagon is None or current.subwagon is not None:
            latest[key] = test
    return latest


def enabled_pairs(data: SiteData, *, services: bool = True) -> list[tuple[str, str]]:
    """Every (wagon id, dataset) a wagon is enabled on, sorted. ``services=False`` leaves out
    the wagons of service analyses, which run only as dependencies: the reconciler neither
    tests nor composes them on their own, so they never wait for a test or a train."""
    repository = data.repository
    service = {name for name, analysis in repository.analyses.items() if analysis.service}
    return sorted(
        (wagon_id, entry.dataset)
        for wagon_id, wagon in repository.wagons.items()
        if services or wagon_id.split("/", 1)[0] not in service
        for entry in wagon.enabled
    )


def counts(data: SiteData) -> Counts:
    """The numbers of the dashboard's first row."""
    latest = latest_tests(data.wagon_tests)
    # A wagon whose test is done waits for a train until a train that has not failed takes it
    # on that dataset after the test.
    taken: dict[tuple[str, str], dt.datetime] = {}
    for train in data.trains:
        if train.state in ACTIVE_TRAIN_STATES or train.state == "done":
            for wagon in train.wagons:
                key = (wagon.id, train.dataset)
                taken[key] = max(taken.get(key, train.created), train.created)
    waiting_test = tests_running = waiting_train = 0
    for pair in enabled_pairs(data, services=False):
        test = latest.get(pair)
        if test is None or test.status == "queued":
            waiting_test += 1
        elif test.status == "running":
            tests_running += 1
        elif test.status == "done" and (
            pair not in taken or (test.time is not None and taken[pair] < test.time)
        ):
            waiting_train += 1
    states = Counter(t.state for t in data.trains)
    jobs = Counter(j.state for t in data.trains if t.state in ACTIVE_TRAIN_STATES for j in t.jobs)
    return Counts(
        waiting_for_test=waiting_test,
        tests_running=tests_running,
        waiting_for_train=waiting_train,
        trains_ready=states["ready"],
        trains_submitting=states["submitting"],
        trains_running=states["submitted"] + states["running"] + states["merging"],
        jobs_running=jobs["running"],
        jobs_waiting=jobs["pending"],
    )


def _mean(values: Sequence[dt.timedelta]) -> dt.timedelta | None:
    if not values:
        return None
    return dt.timedelta(seconds=round(sum(v.total_seconds() for v in values) / len(values)))


def last_week(data: SiteData) -> LastWeek:
    """Finished trains, wagon tests and average times of the last seven days."""
    if data.now is None:
        return LastWeek(0, 0, None, None, None)
    start = data.now - dt.timedelta(days=7)
    finished = [t for t in data.trains if t.state == "done" and t.finished and t.finished > start]
    tests = [t for t in data.wagon_tests if t.time is not None and t.time > start]
    return LastWeek(
        finished_trains=len(finished),
        wagon_tests=len(tests),
        avg_completion=_mean([t.finished - t.created for t in finished if t.finished]),
        avg_submission=_mean([t.submitted - t.created for t in finished if t.submitted]),
        avg_running=_mean(
            [t.finished - t.submitted for t in finished if t.finished and t.submitted]
        ),
    )


def jobs_per_target(data: SiteData) -> list[TargetRow]:
    """Per target: jobs by state over trains still active or created in the last week."""
    start = data.now - dt.timedelta(days=7) if data.now else None
    rows: dict[str, tuple[int, Counter[str]]] = {}
    for train in data.trains:
        recent = start is not None and train.created > start
        if train.state not in ACTIVE_TRAIN_STATES and not recent:
            continue
        trains, jobs = rows.get(train.target, (0, Counter()))
        jobs.update(j.state for j in train.jobs)
        rows[train.target] = (trains + 1, jobs)
    return [
        TargetRow(target, n, {s: jobs[s] for s in JOB_STATES})
        for target, (n, jobs) in sorted(rows.items())
    ]


def weekly(data: SiteData) -> tuple[list[str], dict[str, list[float]], dict[str, list[float]]]:
    """Week labels and, per week, trains finished and wagon tests; jobs done and failed."""
    if data.now is None:
        return [], {}, {}
    end = data.now
    starts = [end - dt.timedelta(days=7 * (WEEKS_PLOTTED - i)) for i in range(WEEKS_PLOTTED)]
    labels = [(s + dt.timedelta(days=1)).strftime("%d %b") for s in starts]

    def week_of(time: dt.datetime | None) -> int | None:
        if time is None or time <= starts[0] or time > end:
            return None
        return min(int((time - starts[0]) / dt.timedelta(days=7)), WEEKS_PLOTTED - 1)

    trains = [0.0] * WEEKS_PLOTTED
    tests = [0.0] * WEEKS_PLOTTED
    done = [0.0] * WEEKS_PLOTTED
    failed = [0.0] * WEEKS_PLOTTED
    for train in data.trains:
        if train.state == "done" and (w := week_of(train.finished)) is not None:
            trains[w] += 1
        for job in train.jobs:
            if (w := week_of(job.finished)) is not None:
                if job.state == "done":
                    done[w] += 1
                elif job.state == "failed":
                    failed[w] += 1
    for test in data.wagon_tests:
        if (w := week_of(test.time)) is not None:
            tests[w] += 1
    return (
        labels,
        {"finished trains": trains, "wagon tests": tests},
        {"jobs done": done, "jobs failed": failed},
    )


def train_has_issues(train: TrainView, failed_percent: float) -> str | None:
    """Why a train needs an operator's look (HYPERLOOP.md "A train with issues"), or None."""
    total = train.job_counts.get("total", 0)
    if total and train.job_counts.get("failed", 0) * 100 / total > failed_percent:
        return f"more than {failed_percent:g}% of jobs failed"
    final = all(j.state in ("done", "failed", "killed") for j in train.jobs)
    if total and final and not train.merges and train.state in ("submitted", "running"):
        return "all jobs final but no merge started"
    return None
