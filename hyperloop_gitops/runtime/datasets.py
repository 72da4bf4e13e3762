"""Synthetic input for a dataset of the configuration: its productions, runs and file layout.

Local datasets keep their files under ``<data_dir>/<files.path>/<period>/<run>/<pass>/<NNNN>/``;
runs are each production's runlist minus its exclude list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hyperloop_gitops.errors import NotFoundError
from hyperloop_gitops.runtime.generate import (
    DataType,
    GeneratorError,
    collisions_for_size,
    generate_files,
)

DEFAULT_SIZE_MB = 30.0
DEFAULT_DATAFRAMES_PER_FILE = 4


@dataclass(frozen=True)
class Production:
    """One production of a dataset, resolved: where its files go and which runs it has."""

    period: str
    pass_name: str
    runs: tuple[int, ...]
    data_type: DataType
    anchor: str
    production_tag: str


@dataclass(frozen=True)
class GeneratedDataset:
    """What ``generate_dataset`` wrote."""

    dataset: str
    root: Path
    files: tuple[Path, ...]
    collisions_per_dataframe: int

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files)


def productions_of(repository: Any, dataset_name: str) -> tuple[Any, list[Production]]:
    """The dataset model and its productions with their runs (runlist minus exclude list)."""
    dataset = repository.datasets.get(dataset_name)
    if dataset is None:
        known = ", ".join(sorted(repository.datasets)) or "none"
        raise NotFoundError(f"unknown dataset '{dataset_name}' (datasets: {known})")
    if dataset.files.storage != "local":
        raise GeneratorError(
            f"dataset {dataset_name} is stored on the grid ({dataset.files.path}); "
            "only local datasets can be generated"
        )
    mc = dataset.type == "run3-mc"
    out = []
    for production in dataset.productions:
        runlist = repository.runlists[production.runlist]
        excluded = set(production.exclude_runs)
        runs = tuple(r for r in runlist.runs if r not in excluded)
        anchor = ""
        if mc and runlist.anchor is not None:
            anchor = f"{runlist.anchor.period}_{getattr(runlist.anchor, 'pass_name', '')}".rstrip(
                "_"
            )
        out.append(
            Production(
                period=production.period,
                pass_name=production.pass_name,
                runs=runs,
                data_type="mc" if mc else "data",
                anchor=anchor,
                production_tag=(runlist.mc_tag or "") if mc else "",
            )
        )
    return dataset, out


def generate_dataset(
    repository: Any,
    dataset_name: str,
    *,
    data_dir: Path,
    files_per_run: int | None = None,
    dataframes_per_file: int = DEFAULT_DATAFRAMES_PER_FILE,
    size_mb: float | None = None,
    collisions_per_dataframe: int | None = None,
    seed: int = 1,
) -> GeneratedDataset:
    """Write the AO2D files of a local dataset; about ``size_mb`` in total (default 30 MB)
    unless ``collisions_per_dataframe`` is given."""
    dataset, productions = productions_of(repository, dataset_name)
    per_run = files_per_run or dataset.files.files_per_run
    runs = sum(len(p.runs) for p in productions)
    if runs == 0:
        raise GeneratorError(f"dataset {dataset_name} has no runs (all excluded?)")
    if collisions_per_dataframe is None:
        collisions_per_dataframe = collisions_for_size(
            DEFAULT_SIZE_MB if size_mb is None else size_mb,
            runs=runs,
            files_per_run=per_run,
            dataframes_per_file=dataframes_per_file,
            data_type=productions[0].data_type,
        )
    relative = Path(dataset.files.path)
    if relative.is_absolute() or ".." in relative.parts:
        raise GeneratorError(
            f"dataset {dataset_name}: files.path {dataset.files.path!r} must stay inside "
            "the data directory"
        )
    root = data_dir / relative
    files: list[Path] = []
    for production in productions:
        if not production.runs:
            continue
        files += generate_files(
            root,
            period=production.period,
            pass_name=production.pass_name,
            runs=production.runs,
            files_per_run=per_run,
            dataframes_per_file=dataframes_per_file,
            collisions_per_dataframe=collisions_per_dataframe,
            seed=seed,
            data_type=production.data_type,
            anchor=production.anchor,
            production_tag=production.production_tag,
        )
    return GeneratedDataset(dataset_name, root, tuple(files), collisions_per_dataframe)
