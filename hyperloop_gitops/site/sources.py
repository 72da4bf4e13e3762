"""Every read of the site's data sources, behind one function: :func:`collect`.

Sources: the configuration (``load_valid_repository``), the git history of every entity (one
pass over the log, :mod:`hyperloop_gitops.history`), the stored wagon test results
(``result.json`` beside ``performanceMetrics.json`` in one folder per content hash), the state
store's train documents and event log, and notifications. A source that is absent leaves its
pages with an honest empty state, recorded in :class:`SourceStatus`; nothing is invented.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hyperloop_gitops.site.views import (
    DeviceView,
    EntityHistory,
    FieldChangeView,
    HistoryEntry,
    JobView,
    NotificationView,
    Revision,
    SiteData,
    SourceStatus,
    TestView,
    TrainView,
    TrainWagonView,
)

DEFAULT_STATE_DIR = Path(".hyperloop") / "state"
DEFAULT_TESTS_DIR = Path(".hyperloop") / "tests"


def collect(repo_root: Path, state_dir: Path | None) -> SiteData:
    """Read every source once and return the site's data."""
    from hyperloop_gitops.config import load_valid_repository

    repository = load_valid_repository(repo_root)
    state = state_dir if state_dir is not None else repo_root / DEFAULT_STATE_DIR
    histories, notifications, history_missing = _git(repo_root)
    tests, tests_missing = _tests([repo_root / DEFAULT_TESTS_DIR, state / "tests"])
    trains, events, state_missing = _state(state)
    users = _users(repository, histories)
    times = [e.time for h in histories.values() for e in h.entries]
    times += [t.time for t in tests if t.time is not None]
    for train in trains:
        times += [x for x in (train.created, train.submitted, train.finished) if x is not None]
    return SiteData(
        repository=repository,
        histories=histories,
        tests=tuple(tests),
        trains=tuple(trains),
        notifications=tuple(notifications),
        users=users,
        now=max(times) if times else None,
        missing=SourceStatus(
            history=history_missing,
            tests=tests_missing,
            state=state_missing,
            notifications=history_missing,
        ),
        state_events=tuple(events),
        notes_by_user=_by_user(notifications),
    )


def _by_user(notifications: list[NotificationView]) -> dict[str, tuple[NotificationView, ...]]:
    mine: dict[str, list[NotificationView]] = {}
    for note in reversed(notifications):  # newest first
        for login in note.recipients:
            mine.setdefault(login, []).append(note)
    return {login: tuple(notes) for login, notes in mine.items()}


# -- history and notifications ---------------------------------------------------------------
_NO_GIT = "{root} is not a git repository"


def _git(
    repo_root: Path,
) -> tuple[dict[tuple[str, str], EntityHistory], list[NotificationView], str | None]:
    """Every entity's history, revisions and the notifications, from one pass over the log."""
    from hyperloop_gitops.errors import HyperloopError
    from hyperloop_gitops.gitlog import open_repo
    from hyperloop_gitops.history import HistoryBuilder, logins_at, replay
    from hyperloop_gitops.notificationrules import NotificationBuilder

    if not (repo_root / ".git").exists():
        return {}, [], _NO_GIT.format(root=repo_root)
    try:
        repo = open_repo(repo_root)
        if not repo.head.is_valid():
            return {}, [], "the repository has no commits yet"
        logins = logins_at(repo)
        builder, notes = HistoryBuilder(logins), NotificationBuilder(logins)
        revisions: dict[tuple[str, str], list[Revision]] = {}
        for step in replay(repo):
            builder.add(step)
            notes.add(step)
            for change in step.changes:
                ref = change.diff.ref
                if change.diff.op != "removed":
                    revisions.setdefault((ref.kind, ref.name), []).append(
                        Revision(
                            sha=step.commit.sha,
                            time=step.commit.time,
                            author=step.commit.author_name,
                            data=_jsonable(change.new),
                        )
                    )
        built = builder.build()
        notifications = notes.build()
    except HyperloopError as error:  # an unreadable history leaves the history pages empty
        return {}, [], str(error)
    result: dict[tuple[str, str], EntityHistory] = {}
    for ref, changes in built.entries.items():
        key = (ref.kind, ref.name)
        entries = tuple(
            HistoryEntry(
                sha=c.commit.sha,
                time=c.commit.time,
                author=c.author.name,
                login=c.author.login,
                subject=c.commit.subject,
                op=c.diff.op,
                fields=tuple(
                    FieldChangeView(f.op, f.path, _short(f.old), _short(f.new))
                    for f in c.diff.fields
                ),
            )
            for c in changes
        )
        result[key] = EntityHistory(entries=entries, revisions=tuple(revisions.get(key, ())))
    return result, _notification_views(notifications), None


_SUBJECT_PAGES = {
    "dataset": "datasets/{name}.html",
    "runlist": "runlists.html#runlist-{name}",
    "wagon": "wagons/{name}.html",
    "analysis": "analyses/{name}.html",
}


def _notification_views(notifications: Any) -> list[NotificationView]:
    """One view per notification, with the people it goes to (current analysis members)."""
    views = []
    for note in notifications.items:
        recipients = sorted(
            {p for a in note.analyses for p in notifications.members.get(a, ())}, key=str.lower
        )
        page = _SUBJECT_PAGES.get(note.subject.kind)
        time = _time(note.time)
        if time is None:
            continue
        views.append(
            NotificationView(
                id=note.id,
                kind=note.kind,
                title=note.kind.replace("-", " "),
                text=note.message,
                time=time,
                analyses=tuple(note.analyses),
                recipients=tuple(recipients),
                author=note.author.login or note.author.name,
                link=page.format(name=note.subject.name) if page else None,
            )
        )
    return sorted(views, key=lambda n: (n.time, n.id))


def _short(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(_jsonable(value), sort_keys=True)
    return text if len(text) <= 300 else text[:297] + "..."


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


# -- test results ----------------------------------------------------------------------------
def _tests(folders: list[Path]) -> tuple[list[TestView], str | None]:
    from pydantic import ValidationError

    from hyperloop_gitops.testing.store import RESULT_FILE, TestResult

    found: dict[str, TestView] = {}
    unreadable: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for result_path in sorted(folder.glob(f"*/{RESULT_FILE}")):
            key = result_path.parent.name
            if key in found:
                continue
            try:
                result = TestResult.model_validate_json(result_path.read_bytes())
            except (OSError, ValidationError):
                unreadable.append(str(result_path))
                continue
            view = _test_view(key, result.model_dump(mode="json"), result_path.parent)
            found[key] = dataclasses.replace(view, result=result)
    tests = sorted(found.values(), key=lambda t: (t.time or _EPOCH, t.wagon, t.dataset, t.key))
    if unreadable:
        return tests, f"unreadable test results left out: {', '.join(unreadable)}"
    if not tests:
        where = " or ".join(str(f) for f in folders)
        return [], f"no wagon test results in {where}"
    return tests, None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _test_view(key: str, doc: dict[str, Any], folder: Path) -> TestView:
    """A ``TestResult`` (as plain JSON data) and its folder's performanceMetrics.json."""
    status = str(doc["status"])
    metrics = doc.get("metrics") if isinstance(doc.get("metrics"), dict) else {}
    numbers = dict(_numbers(metrics))
    warnings = tuple(_warning_text(w) for w in doc.get("warnings") or [])
    if doc.get("reason") and status == "failed":
        warnings += (str(doc["reason"]),)
    devices = tuple(
        DeviceView(
            device=str(d.get("device", "?")),
            cpu_s=float(d.get("cpu_s") or 0.0),
            cpu_share=float(d.get("cpu_share") or 0.0),
            pss_max_bytes=_get_number(d, "pss", "max_bytes"),
            private_max_bytes=_get_number(d, "private", "max_bytes"),
            heavy=bool(d.get("heavy")),
        )
        for d in (metrics or {}).get("devices") or []
        if isinstance(d, dict)
    )
    return TestView(
        key=key,
        wagon=str(doc["wagon"]),
        dataset=str(doc["dataset"]),
        subwagon=doc.get("subwagon") if isinstance(doc.get("subwagon"), str) else None,
        status=status,
        time=_time(doc.get("finished")) or _time(doc.get("started")),
        package_tag=doc.get("package_tag") if isinstance(doc.get("package_tag"), str) else None,
        target=doc.get("target") if isinstance(doc.get("target"), str) else None,
        numbers=numbers,
        devices=devices,
        warnings=warnings,
        perf_file=str(perf) if (perf := folder / "performanceMetrics.json").is_file() else None,
    )


def _get_number(tree: Mapping[str, Any], *keys: str) -> float | None:
    value: Any = tree
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _numbers(tree: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(tree, Mapping):
        for name in sorted(tree):
            yield from _numbers(tree[name], f"{prefix}{name}.")
    elif isinstance(tree, int | float) and not isinstance(tree, bool) and math.isfinite(tree):
        yield prefix.rstrip("."), float(tree)


def _warning_text(warning: Any) -> str:
    if isinstance(warning, Mapping):
        rule = warning.get("rule")
        message = warning.get("message") or ""
        return f"{rule}: {message}" if rule else str(message)
    return str(warning)


def _time(raw: Any) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=dt.UTC)
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# -- state -----------------------------------------------------------------------------------
def _state(state_dir: Path) -> tuple[list[TrainView], list[dict[str, Any]], str | None]:
    from hyperloop_gitops.state import StateStore

    store = StateStore(state_dir)
    trains = [_train_view(t.model_dump(mode="json")) for t in store.trains()]
    events = [e.model_dump(mode="json") for e in store.events()]
    if not trains and not events:
        return [], [], f"no train runs yet (no state in {state_dir})"
    return sorted((t for t in trains if t is not None), key=lambda t: t.id), events, None


def _train_view(doc: dict[str, Any]) -> TrainView | None:
    created = _time(doc.get("created"))
    if not isinstance(doc.get("id"), str) or created is None:
        return None
    jobs = tuple(
        JobView(
            index=int(j.get("index", i)),
            state=str(j.get("state", "pending")),
            run=j.get("run") if isinstance(j.get("run"), int) else None,
            attempts=int(j.get("attempts") or 0),
            exit_code=j.get("exit_code") if isinstance(j.get("exit_code"), int) else None,
            started=_time(j.get("started")),
            finished=_time(j.get("finished")),
            input_files=len(j.get("input_files") or ()),
        )
        for i, j in enumerate(doc.get("jobs") or [])
        if isinstance(j, dict)
    )
    counts = dict.fromkeys(("pending", "running", "done", "failed", "killed"), 0)
    for job in jobs:
        counts[job.state] = counts.get(job.state, 0) + 1
    counts["total"] = len(jobs)
    wagons = tuple(
        TrainWagonView(
            id=str(w.get("id")),
            subwagons=tuple(w.get("subwagons") or ()),
            base=bool(w.get("base", True)),
            content_hash=str(w.get("content_hash", "")),
        )
        for w in doc.get("wagons") or []
        if isinstance(w, dict)
    )
    return TrainView(
        id=doc["id"],
        dataset=str(doc.get("dataset", "")),
        package_tag=str(doc.get("package_tag", "")),
        target=str(doc.get("target", "")),
        backend=str(doc.get("backend", "")),
        state=str(doc.get("state", "composed")),
        created=created,
        submitted=_time(doc.get("submitted")),
        finished=_time(doc.get("finished")),
        wagons=wagons,
        jobs=jobs,
        job_counts=counts,
        merges=tuple(m for m in doc.get("merges") or [] if isinstance(m, dict)),
        actions=tuple(a for a in doc.get("actions") or [] if isinstance(a, dict)),
        output_dir=doc.get("output_dir") if isinstance(doc.get("output_dir"), str) else None,
        composition_digest=str(doc.get("composition_digest", "")),
        details=dict(doc["details"]) if isinstance(doc.get("details"), dict) else {},
    )


# -- people ----------------------------------------------------------------------------------
def _users(repository: Any, histories: dict[tuple[str, str], EntityHistory]) -> tuple[str, ...]:
    logins: set[str] = {p.login for p in repository.settings.people}
    roles = repository.settings.roles
    for group in (roles.admins, roles.operators, roles.dpg_experts):
        logins.update(p for p in group if not p.startswith("@"))
    for analysis in repository.analyses.values():
        logins.update(analysis.members)
    for history in histories.values():
        logins.update(e.login for e in history.entries if e.login)
    return tuple(sorted(logins, key=str.lower))
