"""`hyperloop test` (run a wagon test) and `hyperloop perf-graphs` (draw performance graphs)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from pydantic import TypeAdapter, ValidationError

from hyperloop_gitops.cli._app import main
from hyperloop_gitops.errors import HyperloopError
from hyperloop_gitops.testing import perfmetrics
from hyperloop_gitops.testing.graphs import write_graphs
from hyperloop_gitops.testing.store import TestResult


class HistoryError(HyperloopError):
    """Raised by ``hyperloop perf-graphs --history`` for a file that is not test results."""


def _load_history(path: Path) -> list[TestResult]:
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
    required=True,
    help="Folder to write the graphs into (created if missing).",
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
def perf_graphs(metrics_file: Path, out_dir: Path, formats: str, history: Path | None) -> None:
    """Draw the graphs of a performanceMetrics.json (ours or any in O2's format).

    One graph per metric over time for every device, the top 10 devices by average PSS,
    private memory and CPU, and with --history the PSS, CPU/wall time/throughput and output
    size of a series of tests.
    """
    metrics = perfmetrics.load(metrics_file)
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
