"""The configuration pages: dashboard, analyses, wagons, datasets, runlists, submission, users.

Each function gathers one page's context from :class:`SiteData` and renders its template.
Train pages are in :mod:`trainpages`, feeds in :mod:`feeds`, the search index in
:mod:`searchindex`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from hyperloop_gitops.site import dashboard
from hyperloop_gitops.site.graphjobs import PlotJob, content_hash
from hyperloop_gitops.site.render import flatten_options
from hyperloop_gitops.site.testplots import (
    all_metrics,
    format_metric,
    headlines,
    statistics_graphs,
    test_graphs,
)
from hyperloop_gitops.site.views import HistoryEntry, SiteData, TestView

if TYPE_CHECKING:
    from hyperloop_gitops.site.builder import Writer

_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
RECENT_TRAINS = 50
NOTIFICATIONS_LISTED = 1000


def build_all(writer: Writer) -> None:
    """Every page of this module."""
    data = writer.data
    latest = dashboard.latest_tests(data.wagon_tests)
    tests_of: dict[str, list[TestView]] = defaultdict(list)
    for test in data.wagon_tests:
        tests_of[test.wagon].append(test)
    rows = _wagon_rows(data, latest)
    dependents = _dependents(data)
    _dashboard(writer)
    _analyses(writer, rows)
    for wagon_id in sorted(data.repository.wagons):
        _wagon(writer, wagon_id, latest, tests_of.get(wagon_id, []), dependents.get(wagon_id, []))
    _datasets(writer, latest)
    writer.render(
        "runlists.html",
        "runlists.html",
        title="DPG Runlists",
        runlists=[data.repository.runlists[n] for n in sorted(data.repository.runlists)],
    )
    _submission(writer, latest)
    _users(writer, rows)
    writer.render(
        "notifications.html",
        "notifications.html",
        title="Notifications",
        notifications=list(reversed(data.notifications))[:NOTIFICATIONS_LISTED],
        total=len(data.notifications),
    )
    writer.render("performance.html", "performance.html", title="Performance Graphs")
    writer.render("search.html", "search.html", title="Search")


def user_logins(data: SiteData) -> list[str]:
    """Logins that get a page (safe as file names)."""
    return [u for u in data.users if _LOGIN.fullmatch(u)]


def _dashboard(writer: Writer) -> None:
    data = writer.data
    labels, activity, jobs = dashboard.weekly(data)
    graphs = []
    if labels:
        _bar_chart(
            writer,
            "plots/dashboard-activity.svg",
            labels=labels,
            series=activity,
            title="Finished trains and wagon tests per week",
            ylabel="count",
        )
        _bar_chart(
            writer,
            "plots/dashboard-jobs.svg",
            labels=labels,
            series=jobs,
            title="Jobs finished per week",
            ylabel="jobs",
        )
        graphs = [
            (
                "plots/dashboard-activity.svg",
                "Bar chart of finished trains and wagon tests in each of the last "
                f"{len(labels)} weeks: " + _describe_series(labels, activity),
            ),
            (
                "plots/dashboard-jobs.svg",
                f"Bar chart of jobs done and failed in each of the last {len(labels)} weeks: "
                + _describe_series(labels, jobs),
            ),
        ]
    failed_percent = data.repository.settings.policy.failed_jobs_issue_percent
    issues = [
        (t, reason)
        for t in data.trains
        if t.state in dashboard.ACTIVE_TRAIN_STATES
        and (reason := dashboard.train_has_issues(t, failed_percent))
    ]
    writer.render(
        "index.html",
        "index.html",
        title="Dashboard",
        counts=dashboard.counts(data),
        week=dashboard.last_week(data),
        targets=dashboard.jobs_per_target(data),
        job_states=dashboard.JOB_STATES,
        graphs=graphs,
        now=data.now,
        issues=issues,
        totals={
            "analyses": len(data.repository.analyses),
            "wagons": len(data.repository.wagons),
            "datasets": len(data.repository.datasets),
            "runlists": len(data.repository.runlists),
            "trains": len(data.trains),
            "tests": len(data.wagon_tests),
        },
    )


def _bar_chart(writer: Writer, page: str, **params: Any) -> None:
    writer.plot(PlotJob(kind="bar-chart", pages=(page,), params=params, key=content_hash(params)))


def _describe_series(labels: list[str], series: dict[str, list[float]]) -> str:
    return "; ".join(
        f"{name} "
        + ", ".join(f"{label}: {value:g}" for label, value in zip(labels, values, strict=True))
        for name, values in series.items()
    )


def _wagon_rows(
    data: SiteData, latest: dict[tuple[str, str], TestView]
) -> dict[str, list[dict[str, Any]]]:
    """Per analysis, its wagons as table rows (computed once: users' pages share them)."""
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for wagon_id in sorted(data.repository.wagons):
        wagon = data.repository.wagons[wagon_id]
        rows[wagon_id.split("/")[0]].append(
            {
                "id": wagon_id,
                "wagon": wagon,
                "enabled": [(e.dataset, latest.get((wagon_id, e.dataset))) for e in wagon.enabled],
            }
        )
    return rows


def _dependents(data: SiteData) -> dict[str, list[str]]:
    """Every wagon's dependents, direct or not, sorted: one pass over all dependencies
    (asking the repository wagon by wagon would scan every wagon for each)."""
    reverse: dict[str, set[str]] = defaultdict(set)
    for wagon_id in data.repository.wagons:
        for dependency in data.repository.dependencies_of(wagon_id):
            reverse[dependency].add(wagon_id)
    result: dict[str, list[str]] = {}
    for wagon_id in reverse:
        found: set[str] = set()
        todo = [wagon_id]
        while todo:
            for dependent in reverse.get(todo.pop(), ()):
                if dependent not in found:
                    found.add(dependent)
                    todo.append(dependent)
        found.discard(wagon_id)
        result[wagon_id] = sorted(found)
    return result


def _analyses(writer: Writer, rows: dict[str, list[dict[str, Any]]]) -> None:
    data = writer.data
    repo = data.repository
    wagon_count: dict[str, int] = defaultdict(int)
    for wagon_id in repo.wagons:
        wagon_count[wagon_id.split("/")[0]] += 1
    by_pwg: dict[str, list[Any]] = defaultdict(list)
    for name in sorted(repo.analyses):
        by_pwg[repo.analyses[name].pwg].append(repo.analyses[name])
    writer.render(
        "analyses.html",
        "analyses.html",
        title="All Analyses",
        by_pwg=sorted(by_pwg.items()),
        wagon_count=wagon_count,
    )
    for name in sorted(repo.analyses):
        writer.render(
            "analysis.html",
            f"analyses/{name}.html",
            title=f"Analysis {name}",
            analysis=repo.analyses[name],
            wagons=rows.get(name, []),
            history=data.history("analysis", name),
            logins=set(user_logins(data)),
        )


def _config_table(wagon: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Rows (device, option) x columns (base, each subwagon) with overridden cells marked."""
    columns = ["base"] + [s.name for s in wagon.subwagons]
    resolved = [wagon.resolved_configuration(None)] + [
        wagon.resolved_configuration(s.name) for s in wagon.subwagons
    ]
    flat = [{d: flatten_options(o) for d, o in r.items()} for r in resolved]
    rows = []
    for device in sorted({d for f in flat for d in f}):
        for option in sorted({o for f in flat for o in f.get(device, {})}):
            base = flat[0].get(device, {}).get(option)
            cells = []
            for f in flat:
                present = option in f.get(device, {})
                value = f.get(device, {}).get(option)
                cells.append(
                    {"present": present, "value": value, "changed": present and value != base}
                )
            rows.append({"device": device, "option": option, "cells": cells})
    return columns, rows


def _wagon(
    writer: Writer,
    wagon_id: str,
    latest: dict[tuple[str, str], TestView],
    tests: list[TestView],
    dependents: list[str],
) -> None:
    data = writer.data
    repo = data.repository
    wagon = repo.wagons[wagon_id]
    analysis, name = wagon_id.split("/", 1)
    columns, rows = _config_table(wagon)
    history = data.history("wagon", wagon_id)
    newest: dict[tuple[str, str | None], TestView] = {}
    for test in tests:
        newest[(test.dataset, test.subwagon)] = test
    results = [
        {
            "test": t,
            "headlines": headlines(t),
            "metrics": all_metrics(t),
            "graphs": test_graphs(writer, t),
        }
        for _, t in sorted(newest.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]
    page = f"wagons/{analysis}/{name}.html"
    writer.render(
        "wagon.html",
        page,
        title=f"Wagon {wagon_id}",
        wagon_id=wagon_id,
        analysis=repo.analyses.get(analysis),
        wagon=wagon,
        columns=columns,
        rows=rows,
        dependencies=repo.dependencies_of(wagon_id),
        closure=[w for w in repo.dependency_closure(wagon_id) if w != wagon_id],
        dependents=dependents,
        enabled=[(e, latest.get((wagon_id, e.dataset))) for e in wagon.enabled],
        results=results,
        statistics=statistics_graphs(writer, f"plots/wagons/{analysis}/{name}-stats", tests),
        history=history,
        revisions=[
            {"sha": r.sha, "time": r.time.isoformat(), "author": r.author, "data": r.data}
            for r in history.revisions
        ],
        file=repo.path_of("wagon", wagon_id),
    )


def _datasets(writer: Writer, latest: dict[tuple[str, str], TestView]) -> None:
    data = writer.data
    repo = data.repository
    classes = repo.settings.resource_classes
    enabled: dict[str, list[str]] = defaultdict(list)
    for wagon_id, dataset in dashboard.enabled_pairs(data):
        enabled[dataset].append(wagon_id)
    trains: dict[str, list[Any]] = defaultdict(list)
    for train in data.trains:
        trains[train.dataset].append(train)

    def resource_class(size: float) -> Any:
        for c in classes:
            if c.max_size_tb is None or size <= c.max_size_tb:
                return c
        return classes[-1]

    names = sorted(repo.datasets)
    writer.render(
        "datasets.html",
        "datasets.html",
        title="Datasets",
        datasets=[repo.datasets[n] for n in names],
        enabled=enabled,
        resource_class=resource_class,
    )
    for name in names:
        writer.render(
            "dataset.html",
            f"datasets/{name}.html",
            title=f"Dataset {name}",
            dataset=repo.datasets[name],
            rclass=resource_class(repo.datasets[name].size_tb),
            runs=repo.runs_of(name),
            wagons=[(w, latest.get((w, name))) for w in enabled.get(name, [])],
            trains=list(reversed(trains.get(name, [])))[:RECENT_TRAINS],
            train_total=len(trains.get(name, [])),
            history=data.history("dataset", name),
            runlists=set(repo.runlists),
        )


def _enabler(history: tuple[HistoryEntry, ...], dataset: str) -> HistoryEntry | None:
    """The newest change that enabled the wagon on ``dataset`` (or created it enabled)."""
    marker = f"enabled[{dataset}]"
    for entry in reversed(history):
        if entry.op == "created" or any(
            f.path.startswith(marker) or (f.path == "enabled" and dataset in f.new)
            for f in entry.fields
        ):
            return entry
    return None


def _maybe(name: str, value: float | None) -> str:
    return "–" if value is None else format_metric(name, value)


def _submission(writer: Writer, latest: dict[tuple[str, str], TestView]) -> None:
    data = writer.data
    repo = data.repository
    groups = []
    by_dataset: dict[str, list[str]] = defaultdict(list)
    for wagon_id, dataset in dashboard.enabled_pairs(data, services=False):
        by_dataset[dataset].append(wagon_id)
    for dataset_name in sorted(repo.datasets):
        rows = []
        totals = {"cpu": 0.0, "pss": 0.0}
        dataset = dataset_name
        for wagon_id in by_dataset.get(dataset_name, []):
            wagon = repo.wagons[wagon_id]
            entry = wagon.enablement(dataset)
            test = latest.get((wagon_id, dataset))
            numbers = test.numbers if test else {}
            cpu = numbers.get("whole_dataset.cpu_years")
            pss = numbers.get("pss.avg_bytes")
            private = numbers.get("private.avg_bytes")
            totals["cpu"] += cpu or 0.0
            totals["pss"] += pss or 0.0
            rows.append(
                {
                    "wagon_id": wagon_id,
                    "analysis": wagon_id.split("/")[0],
                    "package": entry.package.describe() if entry else "",
                    "enabler": _enabler(data.history("wagon", wagon_id).entries, dataset),
                    "test": test,
                    "cpu": _maybe("whole_dataset.cpu_years", cpu),
                    "pss": _maybe("pss.avg_bytes", pss),
                    "private": _maybe("private.avg_bytes", private),
                    "running_cpu": format_metric("whole_dataset.cpu_years", totals["cpu"]),
                }
            )
        if rows:
            groups.append(
                {
                    "dataset": repo.datasets[dataset_name],
                    "rows": rows,
                    "cpu": format_metric("whole_dataset.cpu_years", totals["cpu"]),
                    "pss": format_metric("pss.avg_bytes", totals["pss"]),
                }
            )
    writer.render("submission.html", "submission.html", title="Train Submission", groups=groups)


def _users(writer: Writer, rows: dict[str, list[dict[str, Any]]]) -> None:
    data = writer.data
    repo = data.repository
    logins = user_logins(data)
    names = {p.login: p.name for p in repo.settings.people}
    writer.render("users.html", "users.html", title="People", logins=logins, names=names)
    for login in logins:
        mine = [
            repo.analyses[a] for a in sorted(repo.analyses) if login in repo.analyses[a].members
        ]
        writer.render(
            "user.html",
            f"users/{login}.html",
            title=f"My Analyses — {login}",
            login=login,
            name=names.get(login, ""),
            analyses=mine,
            wagons={a.name: rows.get(a.name, []) for a in mine},
            notifications=data.notifications_of(login),
        )
