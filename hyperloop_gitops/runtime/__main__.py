"""``python -m hyperloop_gitops.runtime``: run a train of embedded tasks (the test runner's entry).

    python -m hyperloop_gitops.runtime --full-config full_config.json \\
        --aod-file @input_data.txt [--output-dir .]

Writes AnalysisResults.root, AO2D.root (when a wagon writes derived data) and
runtime_report.json into the output directory. Exit status: 0 done; 1 bad input or
configuration (message on stderr); 2 a task failed (message and traceback on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from hyperloop_gitops.errors import HyperloopError
from hyperloop_gitops.runtime.fullconfig import read_full_config, read_input_list
from hyperloop_gitops.runtime.train import TaskFailedError, run_train

REPORT = "runtime_report.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hyperloop_gitops.runtime",
        description="Run a train of embedded analysis tasks over AO2D files.",
    )
    parser.add_argument(
        "--full-config", type=Path, required=True, help="full_config.json of the train"
    )
    parser.add_argument(
        "--aod-file", required=True, help="@input_data.txt (one file a line) or a,b,c"
    )
    parser.add_argument("--output-dir", type=Path, default=Path(), help="where outputs go")
    args = parser.parse_args(argv)
    try:
        config = read_full_config(args.full_config)
        files = read_input_list(args.aod_file)
        report = run_train(config, files, args.output_dir)
    except TaskFailedError as error:
        if error.__cause__ is not None:
            traceback.print_exception(error.__cause__, file=sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        return 2
    except HyperloopError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    (args.output_dir / REPORT).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
