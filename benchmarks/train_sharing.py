"""Why trains exist: one pass over the data for many wagons, measured.

Generates an AO2D dataset of at least 200 MB in a temporary directory, then times
  - a train of 1 wagon (pt-spectrum with its service dependencies),
  - a train of 10 wagons (ten analysis wagons and subwagons sharing the same services),
  - the same 10 wagons as 10 separate runs (each with its services),
  - plain ``uproot.iterate`` over the columns the 1-wagon train reads,
and prints the ratios train10/train1 (target <= 1.5), separate10/train10 (target >= 5) and
train1/plain-read (target <= 1.3). Every run is in this process, on files in the page cache,
so interpreter start-up and disk speed do not flatter the ratios. Each measurement is the best
of ``--repeat`` runs of the process CPU time (``time.process_time``): on a shared machine the
wall clock measures the neighbours; the wall times are printed beside it. Each run starts from
a collected heap. Even on a quiet machine a best of 3 varies by 15-20 % between invocations
(the garbage collector's pauses while uproot reads), hence 5 by default.

    .venv/bin/python benchmarks/train_sharing.py [--size-mb 220] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import uproot

from hyperloop_gitops.runtime.fullconfig import parse_full_config
from hyperloop_gitops.runtime.generate import collisions_for_size, generate_files
from hyperloop_gitops.runtime.train import build_instances, run_train

SERVICE = ["service-common/event-selection", "service-common/track-selection"]
TEN: list[tuple[str, str, str, dict[str, Any]]] = [
    ("pwglf/pt", "pt-spectrum", "", {}),
    ("pwglf/pt", "pt-spectrum", "tight", {"etaMax": 0.5}),
    ("pwglf/pt", "pt-spectrum", "fine", {"ptBins": {"bins": 400, "min": 0.0, "max": 10.0}}),
    ("pwgpp/qa", "eta-phi-qa", "", {}),
    ("pwgpp/qa", "eta-phi-qa", "fine", {"etaBins": {"bins": 90, "min": -0.9, "max": 0.9}}),
    ("pwgcf/mult", "multiplicity", "", {}),
    ("pwgcf/mult", "multiplicity", "wide", {"multBins": {"bins": 200, "min": -0.5, "max": 199.5}}),
    ("pwglf/phi", "pair-invariant-mass", "", {}),
    ("pwglf/phi", "pair-invariant-mass", "tight", {"nSigmaTPC": 2.0}),
    ("pwglf/dt", "derived-tracks", "", {"ptMin": 0.5}),
]


def _wagon(wagon_id: str, workflow: str, suffix: str, options: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": wagon_id,
        "workflow": workflow,
        "suffix": suffix,
        "configuration": {workflow: options} if options else {},
        "derived_data": {"kind": "standard"} if workflow == "derived-tracks" else None,
        "dependencies": SERVICE,
    }


def _train(wagons: list[tuple[str, str, str, dict[str, Any]]]) -> dict[str, Any]:
    service = [
        {"id": SERVICE[0], "workflow": "event-selection", "dependencies": []},
        {"id": SERVICE[1], "workflow": "track-selection", "dependencies": []},
    ]
    return {
        "package_tag": "bench",
        "dataset": "bench",
        "wagons": service + [_wagon(*w) for w in wagons],
    }


Timing = tuple[float, float]  # (CPU s, wall s)


def _time_train(
    config: dict[str, Any], files: list[Path], out: Path
) -> tuple[Timing, dict[str, Any]]:
    gc.collect()  # each run starts from a clean heap: no collecting the last run's garbage
    cpu, wall = time.process_time(), time.perf_counter()
    report = run_train(parse_full_config(config), files, out)
    return (time.process_time() - cpu, time.perf_counter() - wall), report


def _time_plain(files: list[Path], columns: dict[str, list[str]]) -> Timing:
    gc.collect()  # each run starts from a clean heap: no collecting the last run's garbage
    cpu, wall = time.process_time(), time.perf_counter()
    for table, names in columns.items():
        sources = []
        for path in files:
            with uproot.open(path) as f:
                dfs = [k for k in f.keys(recursive=False, cycle=False) if k.startswith("DF_")]
            sources.extend({str(path): f"{df}/{table}"} for df in dfs)
        # The same file handler as the runtime's reader, so only the framework differs.
        chunks = uproot.iterate(
            sources, names, library="np", step_size="100 MB", handler=uproot.MemmapSource
        )
        for _ in chunks:
            pass
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=float, default=220.0)
    parser.add_argument("--repeat", type=int, default=5, help="best of N for each measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hyperloop-bench-") as tmp:
        root = Path(tmp)
        layout = {"runs": 4, "files_per_run": 2, "dataframes_per_file": 8}
        collisions = collisions_for_size(args.size_mb, **layout)
        start = time.perf_counter()
        files = generate_files(
            root / "data",
            period="LHC22o",
            pass_name="apass6",
            runs=[526712, 526713, 526714, 526715][: layout["runs"]],
            files_per_run=layout["files_per_run"],
            dataframes_per_file=layout["dataframes_per_file"],
            collisions_per_dataframe=collisions,
            seed=1,
        )
        size = sum(p.stat().st_size for p in files)
        print(
            f"dataset: {len(files)} files, {size / 1e6:.0f} MB, {collisions} collisions x "
            f"{layout['dataframes_per_file'] * len(files)} data frames "
            f"(generated in {time.perf_counter() - start:.1f} s)"
        )
        one, ten = _train(TEN[:1]), _train(TEN)
        columns = {}
        for instance in build_instances(parse_full_config(one)):
            for table, names in type(instance.task).reads.items():
                merged = columns.setdefault(table, [])
                merged.extend(n for n in names if n not in merged)

        def best(fn: Any) -> Timing:
            return min((fn() for _ in range(args.repeat)), key=lambda t: t[0])  # type: ignore[no-any-return]

        def separate() -> Timing:
            runs = [_time_train(_train([w]), files, root / f"sep{i}")[0] for i, w in enumerate(TEN)]
            return sum(r[0] for r in runs), sum(r[1] for r in runs)

        t_plain = best(lambda: _time_plain(files, columns))
        t_one, report_one = min(
            (_time_train(one, files, root / "one") for _ in range(args.repeat)),
            key=lambda r: r[0][0],
        )
        t_ten, report = min(
            (_time_train(ten, files, root / "ten") for _ in range(args.repeat)),
            key=lambda r: r[0][0],
        )
        t_sep = best(separate)
        print(f"{'':40s} {'CPU':>8s} {'wall':>8s}")
        for label, (cpu, wall) in [
            ("plain uproot.iterate (1-wagon columns)", t_plain),
            ("train of 1 wagon", t_one),
            ("train of 10 wagons", t_ten),
            ("10 separate runs", t_sep),
        ]:
            print(f"{label:40s} {cpu:7.2f}s {wall:7.2f}s")
        # Where the 10-wagon train's extra CPU goes: each device of the best run of each train.
        print(f"CPU per device (best runs)              {'train1':>8s} {'train10':>8s}")
        devices_one = report_one["devices"]
        for device, data in report["devices"].items():
            mine = devices_one.get(device)
            first = f"{mine['cpu_s']:7.3f}s" if mine else f"{'':8s}"
            print(f"  {device:38s} {first} {data['cpu_s']:7.3f}s")
        total_one = sum(d["cpu_s"] for d in devices_one.values())
        total_ten = sum(d["cpu_s"] for d in report["devices"].values())
        print(f"  {'sum of devices':38s} {total_one:7.3f}s {total_ten:7.3f}s")
        ratios = [
            ("train10/train1", t_ten, t_one, "<=", 1.5),
            ("separate10/train10", t_sep, t_ten, ">=", 5.0),
            ("train1/plain-read", t_one, t_plain, "<=", 1.3),
        ]
        print(f"{'ratio':20s} {'CPU':>6s} {'wall':>6s}  target")
        for name, a, b, op, target in ratios:
            value = a[0] / b[0]
            ok = value <= target if op == "<=" else value >= target
            verdict = "ok" if ok else "MISSED"
            print(f"{name:20s} {value:6.2f} {a[1] / b[1]:6.2f}  {op} {target}  {verdict}")


if __name__ == "__main__":
    main()
