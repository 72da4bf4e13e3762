"""`hyperloop test` (run a wagon test) and `hyperloop perf-graphs` (draw performance graphs).

The testing package (numpy, psutil, matplotlib) is imported inside the commands, so that
``hyperloop --help`` and every other command do not pay for it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hyperloop_gitops.cli._app import Obj, main
from hyperloop_gitops.errors import HyperloopError

if TYPE_CHECKING:
    from hyperloop_gitops.testing.runner import Tick
    from hyperloop_gitops.testing.store import TestResult

EXIT_CODES = {"done": 0, "failed": 1, "warning": 3}
"""``hyperloop test`` exits 0 for 🌟, 3 for ❗ and 1 for 💣 (and for any user error)."""
_PLAIN_PROGRESS_EVERY_S = 10.0
_TTY_PROGRESS_EVERY_S = 0.5


class _Progress:
    """A progress line redrawn in place on a terminal; a plain line now and then otherwise."""

    def __init__(self, *, err: bool) -> None:
        stream = sys.stderr if err else sys.stdout
        self.err = err
        self.tty = stream.isatty()
        self.every = _TTY_PROGRESS_EVERY_S if self.tty else _PLAIN_PROGRESS_EVERY_S
        self.next = self.every
        self.drawn = False

    def __call__(self, tick: Tick) -> None:
        from hyperloop_gitops.testing import report

        if tick.elapsed_s < self.next:
            return
        self.next = tick.elapsed_s + self.every
        if self.tty:
            click.echo("\r\x1b[2K" + report.progress(tick), nl=False, err=self.err)
            self.drawn = True
        else:
            click.echo(report.progress(tick), err=self.err)

    def clear(self) -> None:
        if self.drawn:
            click.echo("\r\x1b[2K", nl=False, err=self.err)


@main.command("test")
@click.argument("wagon")
@click.option("--dataset", help="Dataset whose test input to read (default: the first enabled).")
@click.option("--subwagon", help="Test only this subwagon (default: base and enabled subwagons).")
@click.option("--tag", help="Package tag to test with (default: the wagon's choice).")
@click.option("--force", is_flag=True, help="Run even when an identical test has a result.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where local datasets live (default: .hyperloop/data in the repository).",
)
@click.option(
    "--results",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where test results live (default: .hyperloop/tests in the repository).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds between resource samples.",
)
@click.pass_obj
def test_command(
    obj: Obj,
    wagon: str,
    *,
    dataset: str | None,
    subwagon: str | None,
    tag: str | None,
    force: bool,
    as_json: bool,
    data_dir: Path | None,
    results: Path | None,
    interval: float,
) -> None:
    """Run the test of WAGON (analysis/wagon) with its dependencies on a dataset's test input.

    The work directory (.hyperloop/tests/<content hash>/) keeps configuration, input list,
    logs, performanceMetrics.json, status.json and outputs. An identical test (same content
    hash: wagon, dependencies, test input, package tag, policy) returns its stored result at
    once unless --force. Exit status: 0 🌟 done, 3 ❗ done with warnings, 1 💣 failed (or a
    user error).
    """
    from hyperloop_gitops.config import load_valid_repository
    from hyperloop_gitops.testing import report
    from hyperloop_gitops.testing.plan import plan_wagon_test
    from hyperloop_gitops.testing.store import DEFAULT_TESTS_DIR, ResultStore
    from hyperloop_gitops.testing.wagon_test import run_wagon_test

    repository = load_valid_repository(obj.repo)
    plan = plan_wagon_test(
        repository, wagon, dataset=dataset, subwagon=subwagon, tag=tag, data_dir=data_dir
    )
    store = ResultStore(results if results is not None else repository.root / DEFAULT_TESTS_DIR)
    stored = None if force else store.get(plan.content_hash)
    progress = _Progress(err=as_json)
    if stored is None:
        for line in report.header(plan):
            click.echo(line, err=as_json)
    try:
        outcome = run_wagon_test(
            plan,
            store=store,
            policy=repository.settings.policy,
            force=force,
            interval_s=interval,
            on_tick=progress,
        )
    finally:
        progress.clear()
    if as_json:
        document = {"reused": outcome.reused, **outcome.result.model_dump(mode="json")}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        if not outcome.reused:
            click.echo()
        for line in report.summary(outcome.result, reused=outcome.reused):
            click.echo(line)
    code = EXIT_CODES.get(outcome.result.status.value, 1)
    if code:
        raise SystemExit(code)


class HistoryError(HyperloopError):
    """Raised by ``hyperloop perf-graphs --history`` for a file that is not test results."""


def _load_history(path: Path) -> list[TestResult]:
    from pydantic import TypeAdapter, ValidationError

    from hyperloop_gitops.testing.store import TestResult

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise HistoryError(f"{path}: cannot read: {error.strerror}") from None
    except ValueError as error:
        raise HistoryError(f"{path}: not valid JSON: {error}") from None
    items = document if isinstance(document, list) else [document]
    try:
        results = TypeAdapter(list[TestResult]).validate_python(items)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HistoryError(
            f"{path}: not a list of test results ({where}: {first['msg']})"
        ) from None
    return sorted(results, key=lambda r: r.started)


@main.command("perf-graphs")
@click.argument("metrics_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the graphs into (created if missing). "
    "Default: graphs/ next to the metrics file.",
)
@click.option(
    "--format",
    "formats",
    default="png,svg",
    show_default=True,
    help="Comma-separated image formats: png, svg.",
)
@click.option(
    "--history",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A JSON list of test results (result.json documents) for the test-statistics graphs.",
)
def perf_graphs(
    metrics_file: Path, out_dir: Path | None, formats: str, history: Path | None
) -> None:
    """Draw the graphs of a performanceMetrics.json (ours or any in O2's format).

    One graph per metric over time for every device, the top 10 devices by average PSS,
    private memory and CPU, and with --history the PSS, CPU/wall time/throughput and output
    size of a series of tests.
    """
    from hyperloop_gitops.testing import perfmetrics
    from hyperloop_gitops.testing.graphs import write_graphs

    metrics = perfmetrics.load(metrics_file)
    if out_dir is None:
        out_dir = metrics_file.parent / "graphs"
    results = _load_history(history) if history is not None else []
    written = write_graphs(
        metrics,
        out_dir,
        formats=[f.strip() for f in formats.split(",") if f.strip()],
        history=results,
    )
    devices = len(metrics)
    figures = len({path.stem for path in written})
    click.echo(
        f"{len(written)} files ({figures} graphs) of {devices} device{'s' if devices != 1 else ''} "
        f"written to {out_dir}"
    )
