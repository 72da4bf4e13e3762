"""`hyperloop data ...`: synthetic AO2D input for the datasets of the configuration."""

from __future__ import annotations

import time
from pathlib import Path

import click

from hyperloop_gitops.cli._app import Obj, main


@main.group()
def data() -> None:
    """Input data of local datasets (synthetic AO2D files)."""


@data.command("generate")
@click.argument("dataset")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where local datasets live.  [default: <repo>/.hyperloop/data]",
)
@click.option(
    "--files-per-run",
    type=click.IntRange(min=1),
    default=None,
    help="Override the dataset's files.files_per_run.",
)
@click.option(
    "--dataframes-per-file",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="DF_ directories per file.",
)
@click.option(
    "--size-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Total size to aim at.  [default: 30]",
)
@click.option(
    "--collisions-per-df",
    type=click.IntRange(min=1),
    default=None,
    help="Collisions per data frame (instead of --size-mb).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.pass_obj
def generate(
    obj: Obj,
    *,
    dataset: str,
    data_dir: Path | None,
    files_per_run: int | None,
    dataframes_per_file: int,
    size_mb: float | None,
    collisions_per_df: int | None,
    seed: int,
) -> None:
    """Write AO2D files for DATASET: every run of its productions, in the ALICE layout
    <period>/<run>/<pass>/<NNNN>/AO2D.root under the data directory."""
    from hyperloop_gitops.config import load_repository
    from hyperloop_gitops.errors import ConfigError
    from hyperloop_gitops.runtime.datasets import generate_dataset

    if size_mb is not None and collisions_per_df is not None:
        raise click.UsageError("give --size-mb or --collisions-per-df, not both")
    result = load_repository(obj.repo)
    if not result.ok:
        raise ConfigError(result.diagnostics)
    start = time.perf_counter()
    written = generate_dataset(
        result.repository,
        dataset,
        data_dir=data_dir if data_dir is not None else obj.repo / ".hyperloop" / "data",
        files_per_run=files_per_run,
        dataframes_per_file=dataframes_per_file,
        size_mb=size_mb,
        collisions_per_dataframe=collisions_per_df,
        seed=seed,
    )
    runs: dict[str, int] = {}
    for path in written.files:
        key = path.relative_to(written.root).parent.parent.as_posix()
        runs[key] = runs.get(key, 0) + 1
    for key, count in runs.items():
        click.echo(f"  {key}  {count} file{'s' if count != 1 else ''}")
    click.echo(
        f"{dataset}: wrote {len(written.files)} files, {written.size_bytes / 1e6:.1f} MB "
        f"({written.collisions_per_dataframe} collisions x {dataframes_per_file} data frames "
        f"per file) in {time.perf_counter() - start:.1f} s under {written.root}"
    )
