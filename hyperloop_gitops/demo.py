"""`hyperloop demo`: the whole life of the example configuration, on the local backend.

Generate AO2D data, validate, run the wagon tests, reconcile and apply (short datasets first,
then the long ones), follow the trains to their merged outputs, and build the site. Every step
is the same core the individual commands use; a second run reuses what the first one made.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hyperloop_gitops.config import load_repository
from hyperloop_gitops.errors import ConfigError, StateError
from hyperloop_gitops.reconcile.apply import Reconciler
from hyperloop_gitops.reconcile.layout import Layout
from hyperloop_gitops.state import StateLock
from hyperloop_gitops.state.models import TrainRun, TrainState
from hyperloop_gitops.testing.status import Finding, Status
from hyperloop_gitops.testing.store import TestResult
from hyperloop_gitops.train.inputs import dataset_files

Say = Callable[[str], None]

ROUNDS = 3
"""Apply rounds: short-dataset trains first, then the long trains they unlock."""


@dataclass
class DemoSummary:
    """What the demo ended with."""

    tests: list[TestResult] = field(default_factory=list)
    trains: list[TrainRun] = field(default_factory=list)
    site: Path | None = None
    seconds: float = 0.0


def generate_demo_data(root: Path, layout: Layout, say: Say) -> None:
    """AO2D files for every local dataset that has enabled wagons (once per data folder)."""
    from hyperloop_gitops.config import load_valid_repository
    from hyperloop_gitops.runtime.datasets import generate_dataset

    repository = load_valid_repository(root)
    enabled = {e.dataset for w in repository.wagons.values() for e in w.enabled}
    by_path: dict[str, str] = {}
    for name in sorted(enabled):
        dataset = repository.datasets[name]
        if dataset.files.storage != "local":
            say(f"  {name}: on the grid, not generated")
            continue
        current = by_path.get(dataset.files.path)
        if current is None or len(repository.runs_of(name)) > len(repository.runs_of(current)):
            by_path[dataset.files.path] = name
    for path, name in sorted(by_path.items()):
        files = dataset_files(repository, name)
        if files and all((layout.data_dir / f.relative_path).is_file() for f in files):
            say(f"  {name}: {len(files)} files already under {layout.data_dir / path}")
            continue
        started = time.perf_counter()
        made = generate_dataset(repository, name, data_dir=layout.data_dir)
        size = sum(p.stat().st_size for p in made.files) / 1e6
        say(
            f"  {name}: wrote {len(made.files)} files, {size:.1f} MB in "
            f"{time.perf_counter() - started:.1f} s"
        )


def run_demo(root: Path, *, say: Say, site_dir: Path | None = None) -> DemoSummary:
    """Run every step; ``say`` receives the lines a person reads."""
    started = time.perf_counter()
    summary = DemoSummary()
    layout = Layout.for_repository(root.resolve())

    say("1/5  Validate the configuration")
    result = load_repository(root)
    if not result.ok:
        raise ConfigError(result.diagnostics)
    repository = result.repository
    say(
        f"  valid: {result.files} files: {len(repository.analyses)} analyses, "
        f"{len(repository.wagons)} wagons, {len(repository.datasets)} datasets, "
        f"{len(repository.runlists)} runlists"
        + (f" ({len(result.warnings)} warnings)" if result.warnings else "")
    )

    say("2/5  Generate AO2D data for the local datasets")
    generate_demo_data(root, layout, say)

    say("3/5  Wagon tests, then trains: short datasets first, then the long ones")
    reconciler = Reconciler.open(
        repository, layout=layout, backend="local", progress=lambda line: say(f"  {line}")
    )
    with _locked(reconciler):
        for _ in range(ROUNDS):
            report = reconciler.apply()
            summary.tests.extend(report.tests_run)
            reconciler.watch(interval_s=0.5, timeout_s=900)
            if not (report.composed or report.tests_run):
                break

    say("4/5  Build the site")
    from hyperloop_gitops.site.builder import build_site

    output = site_dir or root / "public"
    built = build_site(root, output, layout.state_dir)
    summary.site = built.index
    say(f"  {built.pages} pages in {built.seconds:.1f} s")

    say("5/5  Summary")
    summary.trains = reconciler.state.trains()
    summary.seconds = time.perf_counter() - started
    for line in summary_lines(reconciler, summary):
        say(line)
    return summary


def _locked(reconciler: Reconciler) -> StateLock:
    return StateLock(reconciler.state.lock_path, blocking=True, timeout_s=60)


def summary_lines(reconciler: Reconciler, summary: DemoSummary) -> list[str]:
    """Trains, wagon tests, outputs and where to look."""
    newest: dict[tuple[str, str], TestResult] = {}
    for result in sorted(reconciler.results.all(), key=lambda r: r.started):
        if not result.wagon.startswith("train:"):
            newest[(result.label, result.dataset)] = result
    lines = wagon_test_lines(list(newest.values()))
    lines.append(f"  trains: {len(summary.trains)}")
    for train in summary.trains:
        lines.append(train_line(train, _train_test(reconciler, train)))
    lines += [
        "",
        f"Done in {summary.seconds:.0f} s. Where to look:",
        f"  the site       file://{summary.site}" if summary.site else "",
        f"  wagon tests    {reconciler.layout.tests_dir}/<hash>/ (logs, metrics, outputs)",
        f"  train outputs  {reconciler.layout.trains_dir}/<train>/merged/final/",
        *command_hints(shutil.which("hyperloop"), Path(sys.prefix)),
    ]
    return lines


def train_line(train: TrainRun, train_test: TestResult | None) -> str:
    """One train: state, dataset, jobs, what it runs, where its merged output is.

    The train test's progress line counts every wagon run of the train (subwagons and the
    dependencies pulled in); ``train.wagons`` only the wagons asked for. Both are shown, each
    saying what it counts, so the two numbers never seem to disagree.
    """
    counts = train.job_counts()
    wagons = _count(len(train.wagons), "wagon")
    if train_test is not None and len(train_test.train) != len(train.wagons):
        wagons += f" ({len(train_test.train)} wagon runs incl. subwagons and dependencies)"
    output = ""
    if train.state == TrainState.DONE and train.merges and train.merges[0].outputs:
        output = f"  -> {Path(train.merges[0].outputs[0]).parent}"
    return (
        f"    {train.id}  {train.state.value:<8} {train.dataset:<20} "
        f"{counts['done']}/{counts['total']} jobs  {wagons}{output}"
    )


def _train_test(reconciler: Reconciler, train: TrainRun) -> TestResult | None:
    recorded = train.details.get("train_test")
    content_hash = recorded.get("content_hash") if isinstance(recorded, dict) else None
    if not isinstance(content_hash, str):
        return None
    try:
        return reconciler.results.get(content_hash)
    except StateError:  # a hand-edited or corrupt document: the wagon count alone will do
        return None


def wagon_test_lines(wagon_tests: list[TestResult]) -> list[str]:
    """The count of wagon tests by mark, then one line per test with why it is ❗ or 💣."""
    counts = Counter(r.status for r in wagon_tests)
    # in the order of the statuses (🌟 ❗ 💣), not of the marks' code points
    marks = "  ".join(f"{status.mark} {counts[status]}" for status in Status if counts[status])
    lines = [f"  wagon tests: {len(wagon_tests)} ({marks})"]
    for r in sorted(wagon_tests, key=lambda r: (r.dataset, r.label)):
        why = ""
        if r.reason:
            why = f": {r.reason.splitlines()[0]}"
        elif r.warnings:
            more = len(r.warnings) - 1
            why = f": {_warning_text(r.warnings[0])}" + (f" (+{more} more)" if more else "")
        lines.append(f"    {r.status.mark} {r.label} on {r.dataset}{why}")
    return lines


def _warning_text(finding: Finding) -> str:
    """The finding's sentence, led by its rule's name only when the sentence does not say it
    ("reduction: reduction factor 44.1× ..." said it twice)."""
    if finding.rule.lower() in finding.message.lower().split():
        return finding.message
    return str(finding)


def command_hints(on_path: str | None, prefix: Path) -> list[str]:
    """The commands to try next; how to get ``hyperloop`` on PATH when it is not there yet.

    ``make demo`` runs the venv's binary directly, so a newcomer's shell does not know the
    command afterwards; telling them beats a "command not found".
    """
    lines = []
    activate = prefix / "bin" / "activate"
    if on_path is None and activate.is_file():
        here = Path.cwd()
        shown = activate.relative_to(here) if activate.is_relative_to(here) else activate
        lines.append(f"  first          . {shown}   (puts hyperloop on your PATH)")
    lines.append(
        "  commands       hyperloop trains list · hyperloop trains show ID · hyperloop reconcile"
    )
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
