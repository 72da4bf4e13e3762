"""The scale benchmarks still run: each at a tiny size, as a subprocess, checking what it prints.

Not timed (the figures at full size are the benchmarks' own business); a benchmark that a
refactoring broke is found here rather than when someone next measures.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script: str, *args: str) -> str:
    finished = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def test_reconcile_scale_runs_every_mode_and_its_breakdown() -> None:
    out = _run(
        "reconcile_scale.py",
        *("--analyses", "12", "--datasets", "6", "--trains", "4"),
        *("--repeat", "1", "--merge-analyses", "2"),
    )
    for mode in ("cold", "first run", "unchanged", "after a merge"):
        assert re.search(rf"^  {mode} +\d+\.\d\d s CPU", out, re.MULTILINE), mode
    assert re.search(r"^fingerprint: [0-9a-f]{64} \(equal with and without the cache\)$", out, re.M)
    assert re.search(r"^target: the plan after a merge .* (met|MISSED)$", out, re.MULTILINE)
    steps = re.findall(r"^  (.+?) +\d+\.\d\d s$", out.split("breakdown of one cold run")[1], re.M)
    assert steps == [
        "desired requests",
        "readiness (incl. wagon tests)",
        "  of which wagon tests (composition + hash)",
        "gate + packing",
        "snapshots (trains frozen, estimates, ids)",
    ]


def test_validate_scale_runs() -> None:
    out = _run("validate_scale.py", "--analyses", "12", "--datasets", "6", "--repeat", "1")
    assert "12 analyses, 120 wagons, 6 datasets" in out
    assert re.search(r"^ratio: \d+\.\d\d \(target <= ", out, re.MULTILINE)
