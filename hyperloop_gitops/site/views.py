"""The view models of the site: plain, frozen data that the pages render.

:mod:`hyperloop_gitops.site.sources` fills them from the configuration, the git history, the
test results and the state; the templates never see where a value came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

#: Test status -> the mark Hyperloop shows (HYPERLOOP.md "Wagon tests").
MARKS: dict[str, str] = {
    "queued": "⌛",
    "running": "⏳",
    "done": "🌟",
    "warning": "❗",
    "failed": "💣",
}
STATUS_WORDS: dict[str, str] = {
    "queued": "queued",
    "running": "running",
    "done": "done, no warning",
    "warning": "done, with a warning",
    "failed": "failed",
}


@dataclass(frozen=True)
class FieldChangeView:
    """One changed field of a history entry."""

    op: str
    path: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    """One commit that changed an entity."""

    sha: str
    time: dt.datetime
    author: str
    login: str | None
    subject: str
    op: str
    fields: tuple[FieldChangeView, ...]


@dataclass(frozen=True)
class Revision:
    """An entity's whole plain data after one commit (for comparing two revisions)."""

    sha: str
    time: dt.datetime
    author: str
    data: Any


@dataclass(frozen=True)
class EntityHistory:
    """What the site knows of one entity's past; ``available`` is False without git history."""

    entries: tuple[HistoryEntry, ...] = ()
    revisions: tuple[Revision, ...] = ()


@dataclass(frozen=True)
class DeviceView:
    """What one device (reader, task, writer) of a test used."""

    device: str
    cpu_s: float
    cpu_share: float
    pss_max_bytes: float | None
    private_max_bytes: float | None
    heavy: bool


@dataclass(frozen=True)
class TestView:
    """One stored wagon test result (``.hyperloop/tests/<hash>/result.json``).

    ``numbers`` holds every number of the result's ``metrics``, nested names joined by dots
    (``pss.max_bytes``, ``whole_dataset.cpu_years``).
    """

    __test__ = False  # not a pytest test class, despite its name

    key: str
    wagon: str
    dataset: str
    subwagon: str | None
    status: str
    time: dt.datetime | None
    package_tag: str | None
    target: str | None
    numbers: dict[str, float]
    devices: tuple[DeviceView, ...]
    warnings: tuple[str, ...]
    perf_file: str | None = None  # its performanceMetrics.json, read only to draw graphs
    result: Any = None  # the testing.store.TestResult itself (for testing.graphs)

    @property
    def mark(self) -> str:
        return MARKS.get(self.status, "?")

    @property
    def status_text(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def label(self) -> str:
        return self.wagon if self.subwagon is None else f"{self.wagon}:{self.subwagon}"


@dataclass(frozen=True)
class JobView:
    """One job of a train."""

    index: int
    state: str
    run: int | None
    attempts: int
    exit_code: int | None
    started: dt.datetime | None
    finished: dt.datetime | None
    input_files: int


@dataclass(frozen=True)
class TrainWagonView:
    """A wagon frozen into a train."""

    id: str
    subwagons: tuple[str, ...]
    base: bool
    content_hash: str


@dataclass(frozen=True)
class TrainView:
    """One train run."""

    id: str
    dataset: str
    package_tag: str
    target: str
    backend: str
    state: str
    created: dt.datetime
    submitted: dt.datetime | None
    finished: dt.datetime | None
    wagons: tuple[TrainWagonView, ...]
    jobs: tuple[JobView, ...]
    job_counts: dict[str, int]
    merges: tuple[dict[str, Any], ...]
    actions: tuple[dict[str, Any], ...]
    output_dir: str | None
    composition_digest: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> dt.timedelta | None:
        if self.finished is None:
            return None
        return self.finished - self.created


@dataclass(frozen=True)
class NotificationView:
    """One notification (🔔) and the people it goes to."""

    id: str
    kind: str
    title: str
    text: str
    time: dt.datetime
    analyses: tuple[str, ...]
    recipients: tuple[str, ...]
    author: str
    link: str | None = None


@dataclass(frozen=True)
class SourceStatus:
    """Which data sources the build found, for honest empty states."""

    history: str | None = None
    tests: str | None = None
    state: str | None = None
    notifications: str | None = None


@dataclass(frozen=True)
class SiteData:
    """Everything a build renders."""

    repository: Any  # hyperloop_gitops.config.Repository
    histories: dict[tuple[str, str], EntityHistory]
    tests: tuple[TestView, ...]
    trains: tuple[TrainView, ...]
    notifications: tuple[NotificationView, ...]
    users: tuple[str, ...]
    now: dt.datetime | None
    missing: SourceStatus
    state_events: tuple[dict[str, Any], ...] = ()
    notes_by_user: dict[str, tuple[NotificationView, ...]] = field(default_factory=dict)

    @property
    def wagon_tests(self) -> tuple[TestView, ...]:
        """Tests of single wagons (a train's own test, "train:<id>", is shown on its page)."""
        return tuple(t for t in self.tests if not t.wagon.startswith("train:"))

    def notifications_of(self, login: str) -> tuple[NotificationView, ...]:
        """``login``'s notifications, newest first."""
        return self.notes_by_user.get(login, ())

    def history(self, kind: str, name: str) -> EntityHistory:
        return self.histories.get((kind, name), EntityHistory())
