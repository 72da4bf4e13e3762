"""Merging the outputs of a train's jobs: per run (or merge list), then a final merge.

``AnalysisResults.root``: histograms with the same path are summed (same folder structure in
the output). Derived ``AO2D.root``: every ``DF_*`` folder's trees are copied; a folder whose name
is taken already is renumbered so dataframes stay unique.

Also a merge job's program: ``python -m hyperloop_gitops.backends.merge OUT_DIR IN_DIR...``
merges the AnalysisResults.root and the derived AO2D files (``AO2D.root``, a subwagon's
``AO2D_<suffix>.root``) found in the input folders into ``OUT_DIR``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperloop_gitops.errors import HyperloopError
from hyperloop_gitops.state.atomic import fsync_dir

ANALYSIS_RESULTS = "AnalysisResults.root"
_HISTOGRAM = re.compile(r"^TH[123][DFIS]?$")
_DATAFRAME = re.compile(r"^DF_(\d+)$")
_DERIVED_FILE = re.compile(r"^AO2D(_[A-Za-z0-9][A-Za-z0-9_.-]*)?\.root$")


class MergeError(HyperloopError):
    """Raised by the merge helpers when inputs cannot be merged (different binning, bad file)."""


@dataclass
class MergeResult:
    """What a merge wrote: counts, and what it could not merge (skipped, with the reason)."""

    output: Path
    inputs: int = 0
    histograms: int = 0
    trees: int = 0
    dataframes: int = 0
    skipped: list[str] = field(default_factory=list)


def merge_analysis_results(inputs: Sequence[Path], output: Path) -> MergeResult:
    """Sum the histograms of ``inputs`` path by path into ``output`` (written atomically)."""
    import uproot

    result = MergeResult(output=output, inputs=len(inputs))
    sums: dict[str, Any] = {}
    for path in inputs:
        with _open(path) as source:
            for key, classname in sorted(source.classnames(cycle=False).items()):
                if classname == "TDirectory":
                    continue
                if not _HISTOGRAM.match(classname):
                    result.skipped.append(f"{path}:{key}: {classname} is not a histogram")
                    continue
                histogram = source[key].to_hist()
                if key in sums:
                    try:
                        sums[key] = sums[key] + histogram
                    except ValueError as error:
                        raise MergeError(
                            f"{path}:{key}: cannot add to the same histogram of {inputs[0]}:"
                            f" {error}"
                        ) from error
                else:
                    sums[key] = histogram
    partial = _partial(output)
    with uproot.recreate(partial) as target:
        for key, histogram in sums.items():
            target[key] = histogram
    result.histograms = len(sums)
    _publish(partial, output)
    return result


def merge_derived(inputs: Sequence[Path], output: Path) -> MergeResult:
    """Copy every ``DF_*`` folder of ``inputs`` into ``output``, renumbering clashing names."""
    import uproot

    result = MergeResult(output=output, inputs=len(inputs))
    partial = _partial(output)
    used: set[int] = set()
    with uproot.recreate(partial) as target:
        for path in inputs:
            with _open(path) as source:
                classes = source.classnames(cycle=False)
                for folder in sorted(k for k, c in classes.items() if c == "TDirectory"):
                    match = _DATAFRAME.match(folder)
                    if match is None:
                        result.skipped.append(f"{path}:{folder}: not a DF_ folder")
                        continue
                    number = int(match.group(1))
                    if number in used:
                        number = max(used) + 1
                    used.add(number)
                    result.dataframes += 1
                    trees = [k for k, c in classes.items() if k.startswith(folder + "/")]
                    for key in sorted(trees):
                        if classes[key] != "TTree" or key.count("/") != 1:
                            result.skipped.append(f"{path}:{key}: {classes[key]} not copied")
                            continue
                        _copy_tree(source[key], target, f"DF_{number}/{key.split('/')[1]}")
                        result.trees += 1
    _publish(partial, output)
    return result


def is_derived_file(name: str) -> bool:
    """``AO2D.root`` or ``AO2D_<suffix>.root``: a derived-data output file's name."""
    return _DERIVED_FILE.match(name) is not None


def derived_file_names(folders: Sequence[Path]) -> list[str]:
    """The derived-data files in ``folders``: ``AO2D.root`` and, for subwagons (and wagons
    sharing a task), ``AO2D_<suffix>.root``; sorted, each name once."""
    names: set[str] = set()
    for folder in folders:
        if folder.is_dir():
            names.update(p.name for p in folder.iterdir() if is_derived_file(p.name))
    return sorted(names)


def merge_folders(inputs: Sequence[Path], output_dir: Path) -> list[MergeResult]:
    """Merge the AnalysisResults.root and every derived file (``AO2D.root``,
    ``AO2D_<suffix>.root``) found in ``inputs`` into ``output_dir``, each name apart."""
    results = []
    merges = [(ANALYSIS_RESULTS, merge_analysis_results)]
    merges += [(name, merge_derived) for name in derived_file_names(inputs)]
    for name, merge in merges:
        files = [folder / name for folder in inputs if (folder / name).is_file()]
        if files:
            results.append(merge(files, output_dir / name))
    return results


def _copy_tree(tree: Any, target: Any, path: str) -> None:
    # keep each jagged branch's own counter name (O2 names them, uproot would invent "n<name>")
    counters = {b.name: b.count_branch.name for b in tree.branches if b.count_branch is not None}
    arrays = tree.arrays(library="ak")
    fields = [name for name in arrays.fields if name not in counters.values()]
    new = target.mktree(
        path,
        {name: arrays[name].type.content for name in fields},
        title=tree.title,
        counter_name=lambda name: counters.get(name, "n" + name),
    )
    if len(arrays):
        new.extend({name: arrays[name] for name in fields})


def _open(path: Path) -> Any:
    import uproot

    try:
        return uproot.open(path)
    except (OSError, ValueError) as error:
        raise MergeError(f"{path}: not a readable ROOT file ({error})") from error


def _partial(output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    return output.with_name(f".{output.name}.partial")


def _publish(partial: Path, output: Path) -> None:
    # a reader never sees a half-written merge: rename into place once complete
    partial.replace(output)
    fsync_dir(output.parent)


def main(argv: Sequence[str]) -> int:
    """``merge OUT_DIR IN_DIR...``: the program a merge job runs."""
    if len(argv) < 2:
        sys.stderr.write("usage: python -m hyperloop_gitops.backends.merge OUT_DIR IN_DIR...\n")
        return 2
    try:
        results = merge_folders([Path(a) for a in argv[1:]], Path(argv[0]))
    except HyperloopError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    for result in results:
        sys.stdout.write(
            f"{result.output}: {result.inputs} inputs, {result.histograms} histograms,"
            f" {result.dataframes} dataframes, {result.trees} trees\n"
        )
        for line in result.skipped:
            sys.stdout.write(f"  skipped {line}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
