"""Train Runs (paginated) and one page per train: jobs, per-wagon resources, test graphs,
merged output histograms, and a comparison with other trains of the same dataset."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hyperloop_gitops.site import dashboard
from hyperloop_gitops.site.graphjobs import PlotJob, content_hash
from hyperloop_gitops.site.merged import Histogram
from hyperloop_gitops.site.testplots import headlines, test_graphs
from hyperloop_gitops.site.views import TestView, TrainView

if TYPE_CHECKING:
    from hyperloop_gitops.site.builder import Writer

PAGE_SIZE = 500
COMPARE_WITH = 10
MAX_JOBS_LISTED = 500


def build_all(writer: Writer) -> None:
    """Train Runs pages and every train page."""
    data = writer.data
    newest_first = list(reversed(data.trains))
    chunks = [newest_first[i : i + PAGE_SIZE] for i in range(0, len(newest_first), PAGE_SIZE)]
    chunks = chunks or [[]]
    for number, chunk in enumerate(chunks, start=1):
        page = "trains.html" if number == 1 else f"trains-{number}.html"
        writer.render(
            "trains.html",
            page,
            title="Train Runs",
            trains=chunk,
            number=number,
            pages=len(chunks),
            total=len(data.trains),
        )
    tests = {t.key: t for t in data.tests}
    by_dataset: dict[str, list[TrainView]] = defaultdict(list)
    for train in data.trains:
        by_dataset[train.dataset].append(train)
    histograms: dict[str, list[Histogram]] = {}
    summaries = {t.id: summary(t) for t in data.trains}
    for same_dataset in by_dataset.values():
        for position, train in enumerate(same_dataset):
            _train(
                writer,
                train,
                position=position,
                tests=tests,
                same_dataset=same_dataset,
                histograms=histograms,
                summaries=summaries,
            )


def summary(train: TrainView) -> dict[str, Any]:
    """The numbers two trains are compared by (embedded as JSON in train pages)."""
    return {
        "id": train.id,
        "state": train.state,
        "dataset": train.dataset,
        "package_tag": train.package_tag,
        "target": train.target,
        "wagons": sorted(w.id + "".join(f":{s}" for s in w.subwagons) for w in train.wagons),
        "jobs": train.job_counts,
        "created": train.created.isoformat(),
        "finished": train.finished.isoformat() if train.finished else None,
        "duration_s": int(train.duration.total_seconds()) if train.duration else None,
    }


def _merged_files(writer: Writer, train: TrainView) -> list[Path]:
    root = Path(writer.data.repository.root)
    names = [o for m in train.merges if m.get("scope") == "final" for o in m.get("outputs") or ()]
    if not names and train.output_dir:
        names = [str(Path(train.output_dir) / "AnalysisResults.root")]
    found = []
    for name in names:
        path = Path(name) if Path(name).is_absolute() else root / name
        if path.name.endswith(".root") and path.is_file():
            found.append(path)
    return found


def _train(
    writer: Writer,
    train: TrainView,
    *,
    position: int,
    tests: dict[str, TestView],
    same_dataset: list[TrainView],
    histograms: dict[str, list[Histogram]],
    summaries: dict[str, dict[str, Any]],
) -> None:
    others = same_dataset[max(0, position - COMPARE_WITH) : position]
    others += same_dataset[position + 1 : position + 1 + COMPARE_WITH]
    wagons = []
    graphs = []
    for wagon in train.wagons:
        test = tests.get(wagon.content_hash)
        wagons.append({"wagon": wagon, "test": test, "headlines": headlines(test) if test else []})
        if test is not None:
            graphs.extend(test_graphs(writer, test))
    merged = _merged_plots(writer, train, same_dataset, position, histograms)
    recorded = train.details.get("train_test")
    train_test_key = (recorded or {}).get("content_hash") if isinstance(recorded, dict) else None
    train_test = tests.get(str(train_test_key or train.details.get("train_test_hash")))
    if train_test is not None:
        graphs = test_graphs(writer, train_test) + graphs
    estimate = train.details.get("estimate")
    issue = dashboard.train_has_issues(
        train, writer.data.repository.settings.policy.failed_jobs_issue_percent
    )
    writer.render(
        "train.html",
        f"trains/{train.id}.html",
        title=f"Train {train.id}",
        train=train,
        train_test=train_test,
        train_test_headlines=headlines(train_test) if train_test else [],
        estimate=estimate if isinstance(estimate, dict) else None,
        wagons=wagons,
        graphs=graphs,
        merged=merged,
        issue=issue,
        jobs=train.jobs[:MAX_JOBS_LISTED],
        job_states=dashboard.JOB_STATES,
        compare={"self": summaries[train.id], "others": [summaries[o.id] for o in others]},
        known_wagons=writer.data.repository.wagons,
    )


def _merged_plots(
    writer: Writer,
    train: TrainView,
    same_dataset: list[TrainView],
    position: int,
    cache: dict[str, list[Histogram]],
) -> list[dict[str, str]]:
    files = _merged_files(writer, train)
    if not files:
        return []
    earlier = same_dataset[:position]
    mine = cache[train.id] = [h for f in files for h in writer.histograms(f)]
    previous = next((t for t in reversed(earlier) if cache.get(t.id)), None)
    before = {h.path: h for h in cache[previous.id]} if previous else {}
    plots = []
    for number, hist in enumerate(mine):
        page = f"plots/trains/{train.id}/{number:03d}.svg"
        other = before.get(hist.path)
        if previous is not None and other is not None and other.edges == hist.edges:
            params: dict[str, Any] = {
                "edges": hist.edges,
                "curves": {train.id: hist.values, previous.id: other.values},
                "title": hist.path,
                "xlabel": hist.xlabel,
            }
            kind = "histogram-overlay"
            alt = f"Histogram {hist.path} of train {train.id} overlaid with train {previous.id}"
        else:
            params = {
                "edges": hist.edges,
                "values": hist.values,
                "title": hist.path,
                "xlabel": hist.xlabel,
            }
            kind = "histogram"
            alt = f"Histogram {hist.path} of train {train.id}"
        writer.plot(PlotJob(kind=kind, pages=(page,), params=params, key=content_hash(params)))
        plots.append({"src": page, "alt": f"{alt}: {hist.entries:g} entries", "path": hist.path})
    return plots
