"""Checks across files: names, references, cycles, duplicates, subwagons, service wagons.

Each check reports ``(file, key path, message)`` through ``report``; positions are resolved
afterwards, only for files that have findings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from hyperloop_gitops.config.yamlload import suggest
from hyperloop_gitops.model.common import is_team, short_tag
from hyperloop_gitops.model.values import check_value
from hyperloop_gitops.model.wagon import qualify

if TYPE_CHECKING:
    from hyperloop_gitops.config.repository import Repository

Report = Callable[..., None]
ExtraCheck = Callable[["Repository", Report], None]

EXTRA_CHECKS: list[ExtraCheck] = []
"""Checks other parts of the package add (e.g. the runtime checks tasks' configurables)."""


def check_repository(repo: Repository, report: Report) -> None:
    """Run every cross-file check."""
    _check_names(repo, report)
    _check_case_collisions(repo, report)
    _check_runlists(repo, report)
    _check_datasets(repo, report)
    _check_wagons(repo, report)
    _check_cycles(repo, report)
    _check_service_twins(repo, report)
    _check_tasks(repo, report)
    for extra in EXTRA_CHECKS:
        extra(repo, report)


def _check_tasks(repo: Repository, report: Report) -> None:
    """Embedded wagons against their task's declared configurables (unknown options, types)."""
    if not any(not w.is_o2 for w in repo.wagons.values()):
        return
    from hyperloop_gitops.runtime.validation import check_embedded_wagons

    check_embedded_wagons(repo, report)


def _check_names(repo: Repository, report: Report) -> None:
    groups: list[tuple[str, Iterable[tuple[str, Any]]]] = [
        ("analysis", repo.analyses.items()),
        ("wagon", repo.wagons.items()),
        ("dataset", repo.datasets.items()),
        ("runlist", repo.runlists.items()),
    ]
    for kind, items in groups:
        for key, entity in items:
            expected = key.split("/")[-1]
            if entity.name != expected:
                where = "folder" if kind == "analysis" else "file"
                report(
                    repo.path_of(kind, key),
                    ("name",),
                    f"expected '{expected}' (the {kind}'s {where} name), found '{entity.name}'",
                    code="name-mismatch",
                )


def _check_case_collisions(repo: Repository, report: Report) -> None:
    seen: dict[tuple[str, str], str] = {}
    for (kind, key), source in sorted(repo.sources.items()):
        folded = (kind, key.lower())
        if folded in seen and seen[folded] != key:
            report(
                source.path,
                (),
                f"'{key}' differs from {kind} '{seen[folded]}' only by case; names must be "
                "unique regardless of case",
                code="duplicate-name",
            )
        else:
            seen[folded] = key


def _duplicates(items: list[Any]) -> list[tuple[int, Any, int]]:
    """``(index, value, first index)`` for each repeated item."""
    first: dict[str, int] = {}
    found: list[tuple[int, Any, int]] = []
    for index, item in enumerate(items):
        token = json.dumps(item, sort_keys=True, default=str)
        if token in first:
            found.append((index, item, first[token]))
        else:
            first[token] = index
    return found


def _check_runlists(repo: Repository, report: Report) -> None:
    for name, runlist in repo.runlists.items():
        file = repo.path_of("runlist", name)
        for index, run, first in _duplicates(list(runlist.runs)):
            report(
                file,
                ("runs", index),
                f"run {run} is listed twice (first at runs[{first}]); runs must be unique",
                code="duplicate-run",
            )
        if runlist.kind == "data" and (runlist.anchor is not None or runlist.mc_tag is not None):
            report(
                file,
                ("anchor" if runlist.anchor is not None else "mc_tag",),
                "only MC runlists have an anchor and an MC tag",
                code="runlist-kind",
            )


def _check_datasets(repo: Repository, report: Report) -> None:
    for name, dataset in repo.datasets.items():
        file = repo.path_of("dataset", name)
        for index, production in enumerate(dataset.productions):
            at = ("productions", index)
            runlist = repo.runlists.get(production.runlist)
            if runlist is None:
                if ("runlist", production.runlist) not in repo.sources:
                    defined = ", ".join(sorted(repo.runlists)) or "none"
                    report(
                        file,
                        (*at, "runlist"),
                        f"runlist '{production.runlist}' does not exist"
                        f"{suggest(production.runlist, list(repo.runlists))} (defined runlists: "
                        f"{defined})",
                        code="unknown-runlist",
                    )
                continue
            if runlist.period != production.period and (
                runlist.anchor is None or runlist.anchor.period != production.period
            ):
                report(
                    file,
                    (*at, "period"),
                    f"period '{production.period}' differs from the period '{runlist.period}' "
                    f"of runlist '{runlist.name}'",
                    severity="warning",
                    code="period-mismatch",
                )
            known = set(runlist.runs)
            for i, run in enumerate(production.exclude_runs):
                if run not in known:
                    report(
                        file,
                        (*at, "exclude_runs", i),
                        f"run {run} is not in runlist '{runlist.name}'; excluding it does nothing",
                        severity="warning",
                        code="unknown-run",
                    )
            for i, run, first in _duplicates(list(production.exclude_runs)):
                report(
                    file,
                    (*at, "exclude_runs", i),
                    f"run {run} is listed twice (first at exclude_runs[{first}])",
                    code="duplicate-run",
                )
            for list_name, runs in production.merge_lists.items():
                for i, run in enumerate(runs):
                    if run not in known:
                        report(
                            file,
                            (*at, "merge_lists", list_name, i),
                            f"run {run} is not in runlist '{runlist.name}'",
                            code="unknown-run",
                        )
            for list_name, members in production.final_merge_lists.items():
                for i, member in enumerate(members):
                    if member not in production.merge_lists:
                        report(
                            file,
                            (*at, "final_merge_lists", list_name, i),
                            f"merge list '{member}' does not exist"
                            f"{suggest(member, list(production.merge_lists))} (merge lists: "
                            f"{', '.join(production.merge_lists) or 'none'})",
                            code="unknown-merge-list",
                        )
        for index, short in enumerate(dataset.short_datasets):
            at2 = ("short_datasets", index)
            if short == name:
                report(file, at2, "a dataset cannot be its own short dataset", code="short-self")
            elif short not in repo.datasets and ("dataset", short) not in repo.sources:
                report(
                    file,
                    at2,
                    f"unknown dataset '{short}'{suggest(short, list(repo.datasets))}",
                    code="unknown-dataset",
                )
            elif short in repo.datasets:
                long_runs, short_runs = set(repo.runs_of(name)), set(repo.runs_of(short))
                extra = sorted(short_runs - long_runs)
                if extra:
                    report(
                        file,
                        at2,
                        f"short dataset '{short}' has runs that '{name}' does not: "
                        f"{', '.join(map(str, extra[:5]))}{' ...' if len(extra) > 5 else ''}",
                        code="short-not-subset",
                    )
        operators = repo.settings.roles.operators
        for index, approval in enumerate(dataset.approvals):
            at3 = ("approvals", index)
            if approval.wagon not in repo.wagons:
                report(
                    file,
                    (*at3, "wagon"),
                    f"unknown wagon '{approval.wagon}'{suggest(approval.wagon, list(repo.wagons))}",
                    code="unknown-wagon",
                )
            if approval.by not in operators and not any(is_team(o) for o in operators):
                report(
                    file,
                    (*at3, "by"),
                    f"'{approval.by}' is not an operator (operators: "
                    f"{', '.join(operators) or 'none'})",
                    code="not-operator",
                )


def _check_wagons(repo: Repository, report: Report) -> None:
    tags = {short_tag(t.tag) for t in repo.settings.packages.tags}
    for wagon_id, wagon in repo.wagons.items():
        analysis = wagon_id.split("/", 1)[0]
        file = repo.path_of("wagon", wagon_id)
        _check_configuration(file, ("configuration",), wagon.configuration, report)
        for index, dependency in enumerate(wagon.dependencies):
            _check_dependency(
                repo,
                report,
                file=file,
                wagon_id=wagon_id,
                analysis=analysis,
                index=index,
                dependency=dependency,
            )
        for index, dep, first in _duplicates(list(wagon.dependencies)):
            report(
                file,
                ("dependencies", index),
                f"dependency '{dep}' is listed twice (first at dependencies[{first}])",
                code="duplicate-dependency",
            )
        _check_subwagons(report, file, wagon)
        _check_enabled(repo, report, file, wagon, tags)


def _check_configuration(
    file: str, at: tuple[str | int, ...], configuration: dict[str, Any], report: Report
) -> None:
    for device, options in configuration.items():
        for option, value in options.items():
            for path, message in check_value(value, (*at, device, option)):
                report(file, path, message, code="config-value")


def _check_dependency(
    repo: Repository,
    report: Report,
    *,
    file: str,
    wagon_id: str,
    analysis: str,
    index: int,
    dependency: str,
) -> None:
    target = qualify(dependency, analysis)
    at = ("dependencies", index)
    if target == wagon_id:
        report(file, at, "a wagon cannot depend on itself", code="self-dependency")
        return
    target_analysis = target.split("/", 1)[0]
    owner = repo.analyses.get(target_analysis)
    if target_analysis != analysis and owner is not None and not owner.service:
        report(
            file,
            at,
            f"'{target}' belongs to analysis '{target_analysis}', which is not a service "
            "analysis; depend only on wagons of this analysis or on service wagons",
            code="foreign-dependency",
        )
        return
    if target not in repo.wagons:
        if ("wagon", target) in repo.sources:
            return  # it exists but failed to load; its own errors say why
        candidates = [
            w.split("/", 1)[1] if w.startswith(f"{analysis}/") else w for w in repo.wagons
        ]
        report(
            file,
            at,
            f"unknown wagon '{dependency}'{suggest(dependency, candidates)}",
            code="unknown-dependency",
        )
        return


def _check_subwagons(report: Report, file: str, wagon: Any) -> None:
    if not wagon.subwagons:
        return
    base = json.dumps(wagon.resolved_configuration(), sort_keys=True)
    seen_names: dict[str, int] = {}
    seen_configs: dict[str, str] = {}
    for index, sub in enumerate(wagon.subwagons):
        at = ("subwagons", index)
        if sub.name in seen_names:
            report(
                file,
                (*at, "name"),
                f"subwagon '{sub.name}' is defined twice "
                f"(first at subwagons[{seen_names[sub.name]}])",
                code="duplicate-subwagon",
            )
            continue
        seen_names[sub.name] = index
        _check_configuration(file, (*at, "configuration"), sub.configuration, report)
        resolved = json.dumps(wagon.resolved_configuration(sub.name), sort_keys=True)
        if resolved == base:
            report(
                file,
                (*at, "configuration"),
                f"subwagon '{sub.name}' is identical to the base wagon; override at least one "
                "value with a different one",
                code="identical-subwagon",
            )
        elif resolved in seen_configs:
            report(
                file,
                (*at, "configuration"),
                f"subwagon '{sub.name}' is identical to subwagon '{seen_configs[resolved]}'",
                code="identical-subwagon",
            )
        else:
            seen_configs[resolved] = sub.name


def _check_enabled(repo: Repository, report: Report, file: str, wagon: Any, tags: set[str]) -> None:
    seen: dict[str, int] = {}
    subwagons = [s.name for s in wagon.subwagons]
    for index, entry in enumerate(wagon.enabled):
        at = ("enabled", index)
        if entry.dataset in seen:
            report(
                file,
                (*at, "dataset"),
                f"dataset '{entry.dataset}' is enabled twice "
                f"(first at enabled[{seen[entry.dataset]}])",
                code="duplicate-enabled",
            )
        seen.setdefault(entry.dataset, index)
        dataset = repo.datasets.get(entry.dataset)
        if dataset is None:
            if ("dataset", entry.dataset) not in repo.sources:
                report(
                    file,
                    (*at, "dataset"),
                    f"unknown dataset '{entry.dataset}'"
                    f"{suggest(entry.dataset, list(repo.datasets))}",
                    code="unknown-dataset",
                )
        elif not dataset.active:
            report(
                file,
                (*at, "dataset"),
                f"dataset '{entry.dataset}' is inactive: no trains run on it",
                severity="warning",
                code="inactive-dataset",
            )
        for i, sub in enumerate(entry.subwagons):
            if sub not in subwagons:
                report(
                    file,
                    (*at, "subwagons", i),
                    f"unknown subwagon '{sub}'{suggest(sub, subwagons)} (subwagons of this "
                    f"wagon: {', '.join(subwagons) or 'none'})",
                    code="unknown-subwagon",
                )
        if entry.tag is not None and tags and short_tag(entry.tag) not in tags:
            report(
                file,
                (*at, "tag"),
                f"tag '{entry.tag}' is not in the package catalog"
                f"{suggest(short_tag(entry.tag), sorted(tags))}",
                severity="warning",
                code="unknown-tag",
            )


def _check_cycles(repo: Repository, report: Report) -> None:
    # A self-dependency is reported on its own; as a cycle it would be said twice.
    graph = {
        w: [d for d in repo.dependencies_of(w) if d in repo.wagons and d != w] for w in repo.wagons
    }
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    reported: set[frozenset[str]] = set()

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    start = cycle[0]
                    analysis = start.split("/", 1)[0]
                    refs = [qualify(r, analysis) for r in repo.wagons[start].dependencies]
                    index = refs.index(cycle[1]) if cycle[1] in refs else 0
                    report(
                        repo.path_of("wagon", start),
                        ("dependencies", index),
                        f"dependency cycle: {' -> '.join(cycle)}",
                        code="dependency-cycle",
                    )
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for wagon_id in sorted(graph):
        if wagon_id not in state:
            visit(wagon_id, [])


def _check_service_twins(repo: Repository, report: Report) -> None:
    service: dict[str, str] = {}
    for wagon_id, wagon in sorted(repo.wagons.items()):
        owner = repo.analyses.get(wagon_id.split("/", 1)[0])
        if owner is not None and owner.service:
            token = json.dumps([wagon.workflow, wagon.configuration], sort_keys=True)
            service.setdefault(token, wagon_id)
    if not service:
        return
    tokens: dict[str, str] = {}
    for wagon_id, wagon in sorted(repo.wagons.items()):
        analysis = wagon_id.split("/", 1)[0]
        owner = repo.analyses.get(analysis)
        if owner is None or owner.service:
            continue
        for index, ref in enumerate(wagon.dependencies):
            target = qualify(ref, analysis)
            dependency = repo.wagons.get(target)
            if dependency is None or target.split("/", 1)[0] != analysis:
                continue
            if target not in tokens:
                tokens[target] = json.dumps(
                    [dependency.workflow, dependency.configuration], sort_keys=True
                )
            token = tokens[target]
            if token in service:
                report(
                    repo.path_of("wagon", wagon_id),
                    ("dependencies", index),
                    f"dependency '{ref}' is identical to service wagon {service[token]}; depend "
                    "on the service wagon instead",
                    severity="warning",
                    code="service-twin",
                )
