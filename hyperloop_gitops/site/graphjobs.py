"""Graphs as jobs: what to draw, named by the content hash of what it is drawn from.

Drawing is nearly all of a build's time (matplotlib lays out every tick label of every figure),
so the pages do not draw: they register a :class:`PlotJob` (the files it makes, the drawer and
its arguments, the content hash of those arguments) and link the files. After the pages,
:func:`draw_all` draws the jobs that :mod:`hyperloop_gitops.site.plotcache` does not already
hold, in worker processes when there are several. A drawer is a pure function of its
arguments, so where or when a job is drawn never changes a byte of the site.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import selectors
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hyperloop_gitops.site.errors import SiteError

#: Below this many graphs to draw, starting worker processes (each imports matplotlib, about
#: 1 s of CPU) costs more than it saves.
MIN_JOBS_FOR_WORKERS = 24


@dataclass(frozen=True)
class PlotJob:
    """One drawing: the files it makes, in the order its drawer returns them."""

    kind: str
    """A key of :data:`DRAWERS`."""
    pages: tuple[str, ...]
    """The files of the site it makes (paths under the site root)."""
    params: Mapping[str, Any]
    """Keyword arguments of the drawer."""
    key: str
    """Content hash of everything the drawing depends on besides the code (see content_hash)."""
    load: Callable[[], Mapping[str, Any]] | None = None
    """More keyword arguments, computed only if the job must be drawn (not from the cache)."""

    def ready(self) -> PlotJob:
        """The job with every argument in ``params`` (what a worker process receives)."""
        if self.load is None:
            return self
        return dataclasses.replace(self, params={**self.load(), **self.params}, load=None)


def content_hash(*parts: Any) -> str:
    """SHA-256 of ``parts`` as compact JSON (tuples as lists).

    Keys keep their order: a drawing depends on it (the order of series sets their colours
    and the legend), so two orders are two keys.
    """
    text = json.dumps(parts, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    # pydantic models (test results) hash by their JSON form, like everything else.
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    raise TypeError(f"cannot hash a {type(value).__name__} into a plot key")


# -- drawers: each returns the SVG text of its job's pages, in order --------------------------
def _test_metric(metrics: Any, metric: str) -> list[str]:
    from hyperloop_gitops.site.testplots import svg
    from hyperloop_gitops.testing import graphs

    return [svg(graphs.metric_over_time(metrics, metric))]


def _test_top(metrics: Any, metric: str) -> list[str]:
    from hyperloop_gitops.site.testplots import svg
    from hyperloop_gitops.testing import graphs

    figure = graphs.top_devices(metrics, metric)
    if figure is None:  # the page registered this graph because a device has the metric
        raise SiteError(f"no device has {metric}: the top-devices graph cannot be drawn")
    return [svg(figure)]


def _test_statistics(results: Sequence[Any], names: Sequence[str]) -> list[str]:
    from hyperloop_gitops.site.testplots import svg
    from hyperloop_gitops.testing import graphs

    figures = graphs.history_figures(results)
    if sorted(figures) != sorted(names):
        raise SiteError(
            f"test statistics drew {sorted(figures)}, the page expected {sorted(names)}"
        )
    return [svg(figures[name]) for name in names]


def _bar_chart(**params: Any) -> list[str]:
    from hyperloop_gitops.site import plots

    return [plots.bar_chart(**params)]


def _histogram(**params: Any) -> list[str]:
    from hyperloop_gitops.site import plots

    return [plots.histogram(**params)]


def _histogram_overlay(**params: Any) -> list[str]:
    from hyperloop_gitops.site import plots

    return [plots.histogram_overlay(**params)]


DRAWERS: dict[str, Callable[..., list[str]]] = {
    "test-metric": _test_metric,
    "test-top": _test_top,
    "test-statistics": _test_statistics,
    "bar-chart": _bar_chart,
    "histogram": _histogram,
    "histogram-overlay": _histogram_overlay,
}


def draw(job: PlotJob) -> list[str]:
    """The SVG text of each of the job's pages."""
    svgs = DRAWERS[job.kind](**job.params)
    if len(svgs) != len(job.pages):
        raise SiteError(f"{job.kind} drew {len(svgs)} graphs for {len(job.pages)} files")
    return svgs


def default_workers() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def draw_all(jobs: Sequence[PlotJob], workers: int) -> Iterator[list[str]]:
    """Draw ``jobs``, yielding their SVG texts in the jobs' order.

    With more than one worker and at least :data:`MIN_JOBS_FOR_WORKERS` jobs, the drawing runs
    in worker processes (:mod:`hyperloop_gitops.site.drawworker`), one job at a time each, so
    a slow graph does not hold up the others.
    """
    count = worker_count(len(jobs), workers)
    if count == 1:
        for job in jobs:
            yield draw(job)
        return
    pool = _Workers(count)
    try:
        yield from pool.run(jobs)
    finally:
        pool.close()


def _answer(
    process: subprocess.Popen[bytes], job: PlotJob, receive: Callable[[IO[bytes]], Any]
) -> list[str]:
    """The worker's drawing of ``job``; a worker that died or failed raises."""
    assert process.stdout is not None
    try:
        status, value = receive(process.stdout)
    except EOFError:
        raise SiteError(
            f"a graph-drawing process ended (exit code {process.wait()}) while drawing "
            f"{job.pages[0]}"
        ) from None
    if status != "ok":  # a bug in a drawer: its traceback, from the worker
        raise RuntimeError(f"drawing {job.pages[0]} failed:\n{value}")
    return list(value)


class _Workers:
    """Worker processes, each drawing one job at a time."""

    def __init__(self, count: int) -> None:
        package_parent = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        command = [sys.executable, "-m", "hyperloop_gitops.site.drawworker"]
        self.processes = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            for _ in range(count)
        ]

    def run(self, jobs: Sequence[PlotJob]) -> Iterator[list[str]]:
        from hyperloop_gitops.site.drawworker import receive, send

        waiting = iter(enumerate(jobs))
        busy: dict[int, tuple[subprocess.Popen[bytes], int]] = {}  # stdout fd -> worker, job
        done: dict[int, list[str]] = {}
        next_index = 0

        with selectors.DefaultSelector() as selector:

            def hand_out(process: subprocess.Popen[bytes]) -> None:
                assert process.stdin is not None and process.stdout is not None
                for index, job in waiting:
                    send(process.stdin, job)
                    busy[process.stdout.fileno()] = (process, index)
                    return
                selector.unregister(process.stdout)  # no more work: an idle worker's pipe

            for process in self.processes:
                assert process.stdout is not None
                selector.register(process.stdout, selectors.EVENT_READ)
                hand_out(process)
            while busy:
                for key, _ in selector.select():
                    process, index = busy.pop(key.fd)
                    done[index] = _answer(process, jobs[index], receive)
                    hand_out(process)
                while next_index in done:  # in the jobs' order, as soon as possible
                    yield done.pop(next_index)
                    next_index += 1

    def close(self) -> None:
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


def worker_count(jobs: int, workers: int) -> int:
    """How many processes :func:`draw_all` uses for ``jobs`` jobs."""
    return 1 if workers <= 1 or jobs < MIN_JOBS_FOR_WORKERS else min(workers, jobs)
