"""Behaves like ``python -m hyperloop_gitops.runtime`` for the test harness's tests.

Reads ``--aod-file @list``, holds ALLOC_MB, burns CPU_S seconds of CPU (growing by LEAK_MB at
each of STEPS steps if asked), then writes AnalysisResults.root (OUTPUT_BYTES bytes) and a
runtime_report.json whose devices used exactly 0.25 s (reader), 0.5 s (task) and 0.125 s
(writer). ``--exit N`` fails with N after printing a traceback-like message on stderr.
"""

import argparse
import json
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--aod-file", required=True)
parser.add_argument("--alloc-mb", type=int, default=50)
parser.add_argument("--cpu-s", type=float, default=0.2)
parser.add_argument("--leak-mb", type=int, default=0)
parser.add_argument("--steps", type=int, default=10)
parser.add_argument("--output-bytes", type=int, default=20_000)
parser.add_argument("--exit", type=int, default=0)
parser.add_argument(
    "--own-metrics", action="store_true", help="write performanceMetrics.json as O2"
)
args = parser.parse_args()

inputs = Path(args.aod_file.removeprefix("@")).read_text().split()
held = [bytearray(args.alloc_mb * 1_000_000)]
for i in range(0, len(held[0]), 4096):
    held[0][i] = 1
start_ms = time.time() * 1000
start = time.process_time()
for _ in range(args.steps):
    if args.leak_mb:
        block = bytearray(args.leak_mb * 1_000_000)
        for i in range(0, len(block), 4096):
            block[i] = 1
        held.append(block)
    deadline = time.process_time() + args.cpu_s / args.steps
    while time.process_time() < deadline:
        pass
print(f"read {len(inputs)} files")
if args.exit:
    print("Traceback (most recent call last):", file=sys.stderr)
    print("ZeroDivisionError: division by zero", file=sys.stderr)
    print("error: task pt-spectrum failed on DF_3 of file 1", file=sys.stderr)
    sys.exit(args.exit)
Path("AnalysisResults.root").write_bytes(b"\0" * args.output_bytes)
end_ms = time.time() * 1000
devices = {
    "internal-dpl-aod-reader": 0.25,
    "pt-spectrum": 0.5,
    "internal-dpl-aod-writer": 0.125,
}
report = {
    "events": 1000,
    "input_files": inputs,
    "wall_s": (end_ms - start_ms) / 1000,
    "devices": {
        name: {"cpu_s": cpu, "samples": [[round(start_ms), 0.0], [round(end_ms), cpu]]}
        for name, cpu in devices.items()
    },
}
Path("runtime_report.json").write_text(json.dumps(report))
if args.own_metrics:
    sample = {"timestamp": str(round(end_ms)), "value": "2048"}
    own = {"o2-analysis-task": {"proportionalSetSize": [sample], "cpuUsedAbsolute": [sample]}}
    Path("performanceMetrics.json").write_text(json.dumps(own))
