"""The program a train's merge job runs: per-run merges, then the final merge.

``python -m hyperloop_gitops.reconcile.mergejob TRAIN_DIR`` reads ``TRAIN_DIR/jobs.json``
(job folders with their runs), merges the outputs of the jobs of each run into
``merged/run-<run>/`` and all of those into ``merged/final/`` (histograms summed, derived
AO2D concatenated). Jobs that wrote no output (failed, killed) are left out and listed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from hyperloop_gitops.backends.merge import ANALYSIS_RESULTS, derived_file_names, merge_folders
from hyperloop_gitops.errors import HyperloopError

JOBS_FILE = "jobs.json"


def merge_train(train_dir: Path) -> dict[str, object]:
    """Merge per run, then everything; returns a summary (also written to merge.json)."""
    jobs = json.loads((train_dir / JOBS_FILE).read_text(encoding="utf-8"))
    merged = train_dir / "merged"
    by_run: dict[str, list[Path]] = {}
    missing: list[str] = []
    for job in jobs:
        folder = train_dir / job["workdir"]
        if (folder / ANALYSIS_RESULTS).is_file() or derived_file_names([folder]):
            by_run.setdefault(str(job.get("run") or "all"), []).append(folder)
        else:
            missing.append(job["workdir"])
    run_dirs = []
    for run, folders in sorted(by_run.items()):
        target = merged / f"run-{run}"
        merge_folders(folders, target)
        run_dirs.append(target)
    final = merged / "final"
    if run_dirs:
        merge_folders(run_dirs, final)
    summary: dict[str, object] = {
        "runs": sorted(by_run),
        "jobs_merged": sum(len(f) for f in by_run.values()),
        "jobs_without_output": missing,
        "final": str(final.relative_to(train_dir)) if run_dirs else None,
    }
    (train_dir / "merge.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m hyperloop_gitops.reconcile.mergejob TRAIN_DIR\n")
        return 2
    try:
        summary = merge_train(Path(argv[0]))
    except (HyperloopError, OSError, ValueError, KeyError) as error:
        sys.stderr.write(f"error: merge failed: {error}\n")
        return 1
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0 if summary["final"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
