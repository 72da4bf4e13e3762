"""Write synthetic AO2D files in the ALICE layout ``<period>/<run>/<pass>/<NNNN>/AO2D.root``.

Each file holds ``DF_<n>`` directories with the TTrees of ``layout`` (written with
``mktree`` + ``extend``: TTrees, not RNTuples) and a ``metaData`` directory of TObjStrings.
The arrays depend only on (seed, run, file number), so a file is the same whichever runs are
generated beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import uproot

from hyperloop_gitops import __version__
from hyperloop_gitops.errors import HyperloopError
from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime._synth import FrameSpec, generate_frame

DataType = Literal["data", "mc"]

#: Approximate size on disk of one collision with its tracks (LZ4), and of one data frame's
#: fixed part (tree headers), to turn megabytes into counts.
BYTES_PER_COLLISION = {"data": 1230, "mc": 1565}
BYTES_PER_FRAME = {"data": 35_000, "mc": 52_000}


class GeneratorError(HyperloopError):
    """Raised by the AO2D generator for impossible sizes or names."""


def file_path(root: Path, *, period: str, run: int, pass_name: str, number: int) -> Path:
    """Where file ``number`` (1-based) of a run is: ``<period>/<run>/<pass>/<NNNN>/AO2D.root``."""
    return root / period / str(run) / pass_name / f"{number:04d}" / "AO2D.root"


def dataframe_name(run: int, file_number: int, index: int) -> str:
    """A data-frame directory name unique across a dataset (as real DF ids are)."""
    return f"{layout.DF_PREFIX}{run}{file_number:04d}{index:04d}"


def collisions_for_size(
    size_mb: float,
    *,
    runs: int,
    files_per_run: int,
    dataframes_per_file: int,
    data_type: DataType = "data",
) -> int:
    """Collisions per data frame so that the whole set is about ``size_mb`` megabytes."""
    frames = runs * files_per_run * dataframes_per_file
    if frames <= 0 or size_mb <= 0:
        raise GeneratorError("the size and the numbers of runs, files and data frames must be > 0")
    per_frame = size_mb * 1e6 / frames - BYTES_PER_FRAME[data_type]
    return max(1, round(per_frame / BYTES_PER_COLLISION[data_type]))


def generate_files(
    root: Path,
    *,
    period: str,
    pass_name: str,
    runs: Sequence[int],
    files_per_run: int,
    dataframes_per_file: int,
    collisions_per_dataframe: int,
    seed: int,
    data_type: DataType = "data",
    resonance_fraction: float = 0.3,
    anchor: str = "",
    production_tag: str = "",
) -> list[Path]:
    """Write ``files_per_run`` AO2D files for each run and return their paths, in order.

    ``data_type="mc"`` adds generated particles and labels and marks the metadata as MC;
    ``anchor`` names the anchored production of an MC set (``AnchorProduction``) and
    ``production_tag`` its MC tag (``LPMProductionTag``; default: the period).
    """
    for name, value in (
        ("files_per_run", files_per_run),
        ("dataframes_per_file", dataframes_per_file),
        ("collisions_per_dataframe", collisions_per_dataframe),
    ):
        if value < 1:
            raise GeneratorError(f"{name} must be at least 1, found {value}")
    if not runs:
        raise GeneratorError("no runs to generate")
    for part in (period, pass_name):
        if not part or "/" in part or part.startswith("."):
            raise GeneratorError(f"invalid period or pass name {part!r}")
    written: list[Path] = []
    for run in runs:
        for number in range(1, files_per_run + 1):
            path = file_path(root, period=period, run=run, pass_name=pass_name, number=number)
            _write_file(
                path,
                rng=np.random.default_rng([seed, run, number]),
                run=run,
                number=number,
                frames=dataframes_per_file,
                collisions=collisions_per_dataframe,
                resonance_fraction=resonance_fraction,
                mc=data_type == "mc",
                metadata={
                    "DataType": "MC" if data_type == "mc" else "RAW",
                    "Run": "3",
                    "RunNumber": str(run),
                    "RecoPassName": pass_name,
                    "AnchorProduction": anchor,
                    "AnchorPassName": pass_name if data_type == "mc" else "",
                    "LPMProductionTag": production_tag or period,
                    "O2Version": f"hyperloop-gitops-{__version__}",
                    "ROOTVersion": "none (written by uproot)",
                },
            )
            written.append(path)
    return written


def _write_file(
    path: Path,
    *,
    rng: np.random.Generator,
    run: int,
    number: int,
    frames: int,
    collisions: int,
    resonance_fraction: float,
    mc: bool,
    metadata: dict[str, str],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    types = {**layout.DATA_TABLES, **(layout.MC_TABLES if mc else {})}
    # One LHC orbit is 3564 BCs; successive frames of a file follow each other in time.
    first_bc = int(rng.integers(0, 2**40))
    with uproot.recreate(tmp, compression=uproot.LZ4(1)) as out:
        for index in range(1, frames + 1):
            spec = FrameSpec(collisions, run, first_bc, resonance_fraction, mc)
            tables = generate_frame(rng, spec)
            first_bc = int(tables[layout.BC]["fGlobalBC"][-1]) + 3564
            df = dataframe_name(run, number, index)
            for tree, columns in tables.items():
                branches = {name: types[tree][name] for name in columns}
                out.mktree(f"{df}/{tree}", branches, title=tree).extend(columns)
        for key, value in metadata.items():
            out[f"{layout.METADATA}/{key}"] = value
    tmp.replace(path)
