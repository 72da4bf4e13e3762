"""A dataset's input files: where they are, which a wagon test reads, and their identity.

Local datasets live under the data directory (default ``<repository>/.hyperloop/data``) as
``<files.path>/<period>/<run>/<pass>/<NNNN>/AO2D.root``; grid datasets under their grid path as
``<files.path>/<run>/<pass>/<NNNN>/AO2D.root`` (the grid path already names the period, e.g.
``/alice/data/2022/LHC22o``; when it does not, the period is inserted as for local files).
Runs come in runlist order, minus the production's excluded runs, each run once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from hyperloop_gitops.config import Repository
from hyperloop_gitops.model.dataset import Production

DATA_DIR = Path(".hyperloop") / "data"
"""The data directory, relative to the repository root, unless a caller names another."""

_DIGEST_CHUNK = 1 << 20


@dataclass(frozen=True)
class InputFile:
    """One AO2D file of a dataset."""

    period: str
    run: int
    pass_name: str
    number: int
    relative_path: str
    """Local: relative to the data directory; grid: the absolute grid path."""
    grid: bool

    def location(self, data_dir: Path) -> str:
        """Where a process opens it: an absolute local path, or the grid path."""
        if self.grid:
            return self.relative_path
        return str(data_dir / self.relative_path)


def default_data_dir(repository: Repository) -> Path:
    """``<repository root>/.hyperloop/data``."""
    return repository.root / DATA_DIR


def dataset_files(repository: Repository, dataset_name: str) -> list[InputFile]:
    """Every input file of a dataset, in run order (runlist order, files 0001.. per run)."""
    return list(iter_dataset_files(repository, dataset_name))


def iter_dataset_files(repository: Repository, dataset_name: str) -> Iterator[InputFile]:
    """:func:`dataset_files` one by one (a test's sample stops early)."""
    dataset = repository.dataset(dataset_name)
    files = dataset.files
    grid = files.storage == "grid"
    for production, run, folder in _run_folders(repository, dataset_name):
        for number in range(1, files.files_per_run + 1):
            yield InputFile(
                period=production.period,
                run=run,
                pass_name=production.pass_name,
                number=number,
                relative_path=f"{folder}/{run}/{production.pass_name}/{number:04d}/AO2D.root",
                grid=grid,
            )


def dataset_run_count(repository: Repository, dataset_name: str) -> int:
    """How many runs :func:`dataset_files` has (each has ``files.files_per_run`` files): the
    runs of the productions' runlists but each production's excluded ones, as
    :func:`_run_folders` yields them, counted with sets."""
    runs: set[int] = set()
    for production in repository.dataset(dataset_name).productions:
        runlist = repository.runlists.get(production.runlist)
        if runlist is not None:
            runs.update(set(runlist.runs).difference(production.exclude_runs))
    return len(runs)


def dataset_paths(repository: Repository, dataset_name: str) -> list[str]:
    """The relative path of every file of :func:`dataset_files`, in the same order.

    The reconciler lists every file of every dataset it submits a train on (millions at
    ALICE's scale): plain strings built from one prefix per run cost a fraction of
    :class:`InputFile` objects, and the garbage collector does not track them.
    """
    per_run = repository.dataset(dataset_name).files.files_per_run
    endings = [f"/{number:04d}/AO2D.root" for number in range(1, per_run + 1)]
    paths: list[str] = []
    for production, run, folder in _run_folders(repository, dataset_name):
        prefix = f"{folder}/{run}/{production.pass_name}"
        paths.extend([prefix + ending for ending in endings])
    return paths


def _run_folders(
    repository: Repository, dataset_name: str
) -> Iterator[tuple[Production, int, str]]:
    """Each run of the dataset once, in runlist order, with its production and folder."""
    dataset = repository.dataset(dataset_name)
    files = dataset.files
    grid = files.storage == "grid"
    base = files.path.rstrip("/")
    seen: set[int] = set()
    for production in dataset.productions:
        runlist = repository.runlists.get(production.runlist)
        if runlist is None:
            continue
        excluded = set(production.exclude_runs)
        names_period = grid and base.endswith("/" + production.period)
        folder = base if names_period else f"{base}/{production.period}"
        for run in runlist.runs:
            if run in excluded or run in seen:
                continue
            seen.add(run)
            yield production, run, folder


def sample_files(repository: Repository, dataset_name: str) -> list[InputFile]:
    """The files a wagon test reads: the first ``files.test_files`` in run order."""
    count = repository.dataset(dataset_name).files.test_files
    return list(islice(iter_dataset_files(repository, dataset_name), count))


_digests: dict[tuple[str, int, int], str] = {}


def _digest(path: Path, size: int, mtime_ns: int) -> str:
    # A file's sha256 is cached by (path, size, mtime) so a plan over thousands of wagons on
    # the same dataset reads each test file once per process.
    key = (str(path), size, mtime_ns)
    cached = _digests.get(key)
    if cached is None:
        sha = hashlib.sha256()
        with path.open("rb") as stream:
            while chunk := stream.read(_DIGEST_CHUNK):
                sha.update(chunk)
        cached = _digests[key] = sha.hexdigest()
    return cached


def file_identity(file: InputFile, data_dir: Path) -> dict[str, Any]:
    """What identifies a file's content: its path, and for a local file its size and sha256.

    The path is relative to the data directory, so the identity does not depend on where the
    repository is checked out; a local file that does not exist (yet) says so. Grid files
    cannot be read from here: their path is their identity.
    """
    if file.grid:
        return {"path": file.relative_path}
    path = data_dir / file.relative_path
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {"path": file.relative_path, "missing": True}
    return {
        "path": file.relative_path,
        "size": stat.st_size,
        "sha256": _digest(path, stat.st_size, stat.st_mtime_ns),
    }
