"""The build cache and the graph workers: a rebuild draws only what changed, and every way of
getting a graph (drawn here, drawn by a worker, read from the cache) gives the same bytes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import sitefixture

from hyperloop_gitops.site import BuildReport, build_site, builder, graphjobs, testplots
from hyperloop_gitops.site.cache import SiteCache
from hyperloop_gitops.site.graphjobs import PlotJob, content_hash

#: Graph files of the fixture's site: 2 dashboard charts, 3 graphs of the newest pt-spectrum
#: test, its wagon's 3 test statistics, 2 merged histograms of each of 2 trains.
FIXTURE_GRAPHS = 12
PT_GRAPHS = [
    f"plots/tests/{sitefixture.PT_HASH}-{metric}.svg"
    for metric in ("cpuUsedAbsolute", "memoryPrivate", "proportionalSetSize")
]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _entries(cache: Path) -> set[str]:
    return {p.name for p in (cache / "entries").glob("*/*")}


@pytest.fixture(scope="module")
def cold(site_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildReport, Path]:
    """A first build with its own, empty cache: every graph drawn."""
    folder = tmp_path_factory.mktemp("cold")
    report = build_site(site_repo, folder / "public", None, cache_dir=folder / "cache")
    return report, folder / "cache"


def test_a_rebuild_draws_nothing_and_writes_the_same_bytes(
    site_repo: Path, tmp_path: Path, cold: tuple[BuildReport, Path]
) -> None:
    first, cache = cold
    assert (first.graphs_drawn, first.graphs_cached) == (FIXTURE_GRAPHS, 0)
    lines: list[str] = []
    again = build_site(site_repo, tmp_path / "again", None, cache_dir=cache, progress=lines.append)
    assert (again.graphs_drawn, again.graphs_cached) == (0, FIXTURE_GRAPHS)
    assert lines[-1].startswith(f"graphs: 0 drawn, {FIXTURE_GRAPHS} from the cache (")
    before, after = _files(first.output), _files(again.output)
    assert sorted(before) == sorted(after)
    assert [name for name in before if before[name] != after[name]] == []
    # 10 drawings (the statistics are one drawing of 3 files), 2 merged ROOT files read and
    # the summary (devices, metrics) of the one performanceMetrics.json shown
    assert len(_entries(cache)) == 13
    assert (cache / "templates").is_dir() and any((cache / "templates").iterdir())


def test_changed_metrics_redraw_only_that_tests_graphs(
    site_repo: Path, tmp_path: Path, cold: tuple[BuildReport, Path]
) -> None:
    first, cold_cache = cold
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    shutil.copytree(site_repo, repo, ignore=shutil.ignore_patterns("cache"))
    shutil.copytree(cold_cache, cache)
    metrics = repo / ".hyperloop/tests" / sitefixture.PT_HASH / "performanceMetrics.json"
    doc = json.loads(metrics.read_text())
    doc["pt-spectrum"]["proportionalSetSize"][3]["value"] = "999999"
    metrics.write_text(json.dumps(doc))
    entries_before = _entries(cache)

    report = build_site(repo, tmp_path / "public", None, cache_dir=cache)

    assert (report.graphs_drawn, report.graphs_cached) == (3, FIXTURE_GRAPHS - 3)
    before, after = _files(first.output), _files(report.output)
    changed = sorted(
        name for name in before if name.endswith(".svg") and before[name] != after[name]
    )
    # the private memory and CPU graphs are drawn again, and come out the same
    assert changed == [PT_GRAPHS[2]]
    entries_after = _entries(cache)
    assert len(entries_after) == len(entries_before) == 13
    assert len(entries_before - entries_after) == 4  # the old drawings and summary were pruned


def test_an_unreadable_entry_is_drawn_again(
    site_repo: Path, tmp_path: Path, cold: tuple[BuildReport, Path]
) -> None:
    first, cold_cache = cold
    cache = tmp_path / "cache"
    shutil.copytree(cold_cache, cache)
    single = [
        entry
        for entry in sorted((cache / "entries").glob("*/*"))
        if "<svg" in entry.read_text() and len(json.loads(entry.read_text())) == 1
    ]
    single[0].write_text("[truncated")
    single[1].write_text('{"not": "a list"}')
    report = build_site(site_repo, tmp_path / "public", None, cache_dir=cache)
    assert (report.graphs_drawn, report.graphs_cached) == (2, FIXTURE_GRAPHS - 2)
    assert _files(report.output) == _files(first.output)


def test_without_a_writable_cache_the_build_goes_on_and_says_so(
    site_repo: Path, tmp_path: Path, cold: tuple[BuildReport, Path]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    report = build_site(site_repo, tmp_path / "public", None, cache_dir=blocker / "cache")
    assert report.graphs_drawn == FIXTURE_GRAPHS
    assert report.missing[-1] == f"cache {blocker / 'cache'} not written: Not a directory"
    assert _files(report.output) == _files(cold[0].output)


def test_no_cache_draws_everything_says_how_far_it_got_and_leaves_no_cache(
    site_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builder, "GRAPH_PROGRESS_EVERY_S", 0.0)
    cache = tmp_path / "cache"
    lines: list[str] = []
    report = build_site(
        site_repo,
        tmp_path / "public",
        None,
        use_cache=False,
        cache_dir=cache,
        progress=lines.append,
    )
    assert (report.graphs_drawn, report.graphs_cached) == (FIXTURE_GRAPHS, 0)
    assert not cache.exists()
    timeless = [re.sub(r" \(\d+\.\d\d s\)$", "", line) for line in lines]
    assert timeless[:3] == [
        "sources: 14 wagons, 5 test results, 4 trains, 28 entity histories",
        "pages: 48 HTML pages (4 of them trains), 10 Atom feeds, the search index",
        "graphs: drawing 12 in 1 process (0 unchanged, from the cache)...",
    ]
    assert timeless[-1] == "graphs: 12 drawn, 0 from the cache"
    assert len(list((report.output / "feeds").glob("*.atom"))) == 10
    # one line after each drawing but the last; the statistics are one drawing of 3 files
    counts = [int(re.fullmatch(r"graphs: (\d+)/12 drawn", line)[1]) for line in timeless[3:-1]]  # type: ignore[index]
    assert len(counts) == 9 and counts == sorted(counts) and counts[-1] < 12


def test_a_key_holds_only_for_the_same_code(tmp_path: Path) -> None:
    SiteCache(tmp_path, "code-1").store("graph", "k", ["<svg/>"])
    assert SiteCache(tmp_path, "code-1").load("graph", "k") == ["<svg/>"]
    assert SiteCache(tmp_path, "code-2").load("graph", "k") is None
    assert SiteCache(tmp_path, "code-1").load("histograms", "k") is None
    assert SiteCache(None, "code-1").load("graph", "k") is None


def test_content_hash_keeps_the_order_of_series() -> None:
    # the order of series sets their colours: two orders are two drawings
    assert content_hash({"a": [1], "b": [2]}) != content_hash({"b": [2], "a": [1]})
    assert content_hash((1.0, 2.0)) == content_hash([1.0, 2.0])


def _histogram(number: int) -> PlotJob:
    params = {
        "edges": [0.0, 1.0, 2.0, 3.0],
        "values": [float(number), 2.0 * number, 1.0],
        "title": f"task/h{number}",
        "xlabel": "x",
    }
    return PlotJob("histogram", (f"plots/h{number}.svg",), params, content_hash(params))


def test_workers_draw_the_same_bytes_in_the_jobs_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphjobs, "MIN_JOBS_FOR_WORKERS", 2)
    jobs = [_histogram(n) for n in range(5)]
    assert graphjobs.worker_count(len(jobs), 2) == 2
    by_workers = list(graphjobs.draw_all(jobs, workers=2))
    here = [graphjobs.draw(job) for job in jobs]
    assert by_workers == here
    assert [len(svgs) for svgs in here] == [1] * 5
    assert len({svgs[0] for svgs in here}) == 5


def test_a_drawing_that_fails_in_a_worker_raises_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(graphjobs, "MIN_JOBS_FOR_WORKERS", 2)
    bad = PlotJob(
        "histogram",
        ("plots/bad.svg",),
        {"edges": [0.0, 1.0], "values": [1.0, 2.0, 3.0], "title": "t", "xlabel": "x"},
        "bad",
    )
    with pytest.raises(RuntimeError) as error:
        list(graphjobs.draw_all([_histogram(1), bad, _histogram(2)], workers=2))
    message = str(error.value)
    assert message.startswith("drawing plots/bad.svg failed:\nTraceback (most recent call last):")
    assert message.rstrip().splitlines()[-1].startswith("ValueError: Size mismatch between")


def test_a_rebuild_in_place_removes_what_the_site_no_longer_has(
    site_repo: Path, tmp_path: Path, cold: tuple[BuildReport, Path]
) -> None:
    first, cache = cold
    out = tmp_path / "public"
    shutil.copytree(first.output, out)
    (out / "wagons/gone").mkdir()
    (out / "wagons/gone/old-wagon.html").write_text("an earlier build's page")
    (out / "plots/trains/T-old.svg").write_text("<svg/>")
    report = build_site(site_repo, out, None, cache_dir=cache)
    assert not (out / "wagons/gone").exists() and not (out / "plots/trains/T-old.svg").exists()
    assert _files(report.output) == _files(first.output)


def test_a_rebuild_does_not_parse_performance_metrics(
    site_repo: Path, tmp_path: Path, cold: tuple[BuildReport, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, cold_cache = cold
    cache = tmp_path / "cache"
    shutil.copytree(cold_cache, cache)

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("performanceMetrics.json parsed although its graphs are cached")

    monkeypatch.setattr(testplots, "parse", no_parsing)
    report = build_site(site_repo, tmp_path / "public", None, cache_dir=cache)
    assert report.graphs_drawn == 0
    assert _files(report.output) == _files(first.output)
