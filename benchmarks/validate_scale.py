"""How much full validation costs over merely parsing the YAML, at the scale of ALICE.

Generates (in a temporary folder) a repository of 2,000 analyses, 20,000 wagons, 500 datasets
and 500 runlists of realistic size: wagons with a dozen options including binnings, arrays
and a labelled matrix, dependencies on service wagons and within their analysis, subwagons on a
fifth of them, enabled on 1-3 datasets; O2 workflows (``o2-analysis-task-N``, as production's
wagons are), each enablement with a package choice as analysers make it (60% the latest tag,
35% one of the last week's tags, 5% an O2Physics pull request); runlists of tens to
hundreds of runs. It then times

* the floor: reading every file and parsing it with ``yaml.CSafeLoader``, and
* ``load_repository``: discovery, safe loading, the models, every cross-check,

and prints both and their ratio (target: at most 1.5). Each is the best of ``--repeat`` runs,
measured in CPU seconds of this process (``time.process_time``), so that other work on a busy
machine does not skew the ratio; the wall time is printed too.

    .venv/bin/python benchmarks/validate_scale.py [--analyses 2000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import tempfile
import time
from pathlib import Path

import yaml

from hyperloop_gitops.config import load_repository

SERVICE = "service-common"
SERVICE_WAGONS = [
    "event-selection",
    "track-selection",
    "pid-tpc",
    "pid-tof",
    "centrality",
    "qvectors",
]
PWGS = ["PWGCF", "PWGDQ", "PWGEM", "PWGHF", "PWGJE", "PWGLF", "PWGUD", "PWGPP"]
TAGS = [f"daily-202611{day:02d}-0000-1" for day in range(1, 29)]


def _runlist(name: str, rng: random.Random) -> str:
    start = 500_000 + rng.randrange(60_000)
    runs = sorted(rng.sample(range(start, start + 2_000), rng.randrange(20, 300)))
    return (
        "# yaml-language-server: $schema=../../schemas/runlist.schema.json\n"
        f"name: {name}\nlabel: GoodRuns\nkind: data\ncollision_system: pp\n"
        f"period: LHC{22 + rng.randrange(4)}{'abcdefghijklmnopqrstuvwxyz'[rng.randrange(26)]}\n"
        f"pass: apass{rng.randrange(1, 7)}\n"
        f"description: Runs selected by the DPG for the physics analyses.\n"
        f"runs: [{', '.join(map(str, runs))}]\n"
    ), runs  # type: ignore[return-value]


def _dataset(name: str, runlist: str, period: str, runs: list[int], rng: random.Random) -> str:
    excluded = rng.sample(runs, min(3, len(runs)))
    low, high = runs[: len(runs) // 2], runs[len(runs) // 2 :]
    return (
        "# yaml-language-server: $schema=../../schemas/dataset.schema.json\n"
        f"name: {name}\ntype: run3-data\ndescription: pp at 13.6 TeV, good runs.\n"
        f"collision_system: pp\nsize_tb: {rng.uniform(1, 900):.1f}\n"
        "productions:\n"
        f"  - period: {period}\n    pass: apass{rng.randrange(1, 7)}\n    runlist: {runlist}\n"
        f"    exclude_runs: [{', '.join(map(str, excluded))}]\n"
        "    merge_lists:\n"
        f"      low-ir: [{', '.join(map(str, low[:10]))}]\n"
        f"      high-ir: [{', '.join(map(str, high[:10]))}]\n"
        "composition:\n  mode: scheduled\n  slots:\n    - {day: monday, time: '08:00'}\n"
        "    - {day: thursday, time: '20:00'}\n"
        f"files:\n  storage: grid\n  path: /alice/data/2023/{period}\n  year: 2023\n"
        "  files_per_run: 20\n  test_files: 2\n"
    )


def _wagon(name: str, device: str, deps: list[str], datasets: list[str], rng: random.Random) -> str:
    workflow = f"o2-analysis-{device}"
    lines = [
        "# yaml-language-server: $schema=../../../../schemas/wagon.schema.json",
        f"name: {name}",
        f"description: {workflow} with the analysis' cuts.",
        f"workflow: {workflow}",
        "configuration:",
        f"  {device}:",
        f"    ptMin: {rng.uniform(0.1, 1):.2f}",
        f"    etaMax: {rng.uniform(0.5, 0.9):.2f}",
        f"    useTOF: {rng.choice(['true', 'false'])}",
        f"    trackSelection: {rng.randrange(4)}",
        f"    ptBins: {{bins: {rng.randrange(50, 200)}, min: 0.0, max: {rng.randrange(5, 50)}.0}}",
        "    centBins: {edges: [0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]}",
        "    massBins: {bins: 200, min: 1.7, max: 2.1}",
        "    weights: [1.0, 0.9, 0.8, 0.75, 0.7, 0.6]",
        "    cuts:",
        "      values: [[0.5, 1.0, 1.5], [0.2, 0.4, 0.6], [3, 4, 5]]",
        "      labels_rows: [pt, dca, nsigma]",
        "      labels_cols: [loose, default, tight]",
        "    eventCuts: {zVtxMax: 10.0, requireSel8: true, occupancyMax: 5000}",
        f"  {device}-qa:",
        "    nBinsPhi: 72",
        "    histogramNames: [hPt, hEta, hPhi, hDca]",
        f"dependencies: [{', '.join(deps)}]",
    ]
    if rng.random() < 0.2:
        lines.append("subwagons:")
        for index in range(rng.randrange(1, 4)):
            lines += [
                f"  - name: var{index}",
                "    configuration:",
                f"      {device}: {{etaMax: {0.1 + 0.1 * index:.1f}, trackSelection: {4 + index}}}",
            ]
    lines.append("enabled:")
    for dataset in datasets:
        lines += [f"  - dataset: {dataset}", f"    {_package(rng)}"]
    return "\n".join(lines) + "\n"


def _package(rng: random.Random) -> str:
    """A wagon's package choice, as analysers make it: mostly the newest tag, else a recent
    pinned tag (more often the newer ones), now and then an O2Physics pull request."""
    draw = rng.random()
    if draw < 0.6:
        return "latest: true"
    if draw < 0.95:
        recent = TAGS[-7:]
        return f"tag: {rng.choices(recent, weights=range(1, len(recent) + 1))[0]}"
    return f"pull_request: {12000 + rng.randrange(len(TAGS) + 3)}"


def generate(
    root: Path, analyses: int, wagons_per_analysis: int, datasets: int, seed: int = 7
) -> int:
    """Write the repository; returns the number of files."""
    rng = random.Random(seed)
    files: dict[str, str] = {}
    tags = "\n".join(
        f"    - {{tag: {t}, date: 2026-11-{i + 1:02d}T00:00:00Z, pull_requests: [{12000 + i}]}}"
        for i, t in enumerate(TAGS)
    )
    files["config/hyperloop.yaml"] = (
        "roles:\n  admins: [admin]\n  operators: [olga, '@alice/operators']\n  dpg_experts: [dan]\n"
        f"packages:\n  tags:\n{tags}\n"
    )
    dataset_names: list[str] = []
    for index in range(datasets):
        runlist = f"LHC23_r{index:03d}_good"
        text, runs = _runlist(runlist, rng)  # type: ignore[misc]
        files[f"config/runlists/{runlist}.yaml"] = text
        period = text.split("period: ", 1)[1].split("\n", 1)[0]
        name = f"LHC23_d{index:03d}_apass4"
        dataset_names.append(name)
        files[f"config/datasets/{name}.yaml"] = _dataset(name, runlist, period, runs, rng)
    files[f"config/analyses/{SERVICE}/analysis.yaml"] = (
        f"name: {SERVICE}\npwg: Service\nmembers: [olga]\nservice: true\n"
    )
    for wagon in SERVICE_WAGONS:
        files[f"config/analyses/{SERVICE}/wagons/{wagon}.yaml"] = _wagon(
            wagon, wagon, [], dataset_names[:1], rng
        )
    for index in range(analyses - 1):
        analysis = f"{rng.choice(PWGS).lower()}-analysis-{index:04d}"
        members = ", ".join(f"user{rng.randrange(5000)}" for _ in range(rng.randrange(1, 6)))
        files[f"config/analyses/{analysis}/analysis.yaml"] = (
            f"name: {analysis}\npwg: {rng.choice(PWGS)}\njira: PWGXX-{index + 1}\n"
            f"description: Analysis number {index}.\nmembers: [{members}]\n"
        )
        # one more wagon in the first few analyses, so the total is exactly
        # analyses x wagons_per_analysis with the service wagons counted
        short = analyses * wagons_per_analysis - (analyses - 1) * wagons_per_analysis
        extra = max(0, short - len(SERVICE_WAGONS))
        for number in range(wagons_per_analysis + (1 if index < extra else 0)):
            name = f"wagon-{number:02d}"
            deps = [f"{SERVICE}/{w}" for w in rng.sample(SERVICE_WAGONS, rng.randrange(1, 3))]
            if number and rng.random() < 0.5:
                deps.append(f"wagon-{rng.randrange(number):02d}")
            enabled = rng.sample(dataset_names, rng.randrange(1, 4))
            device = f"task-{rng.randrange(300)}"
            files[f"config/analyses/{analysis}/wagons/{name}.yaml"] = _wagon(
                name, device, deps, enabled, rng
            )
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return len(files)


def parse_floor(root: Path) -> float:
    """Seconds to read and parse every configuration file with libyaml, nothing else."""
    started = time.process_time()
    for path in sorted((root / "config").rglob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.process_time() - started


def full_validation(root: Path) -> float:
    """Seconds to load and check the whole repository."""
    started = time.process_time()
    result = load_repository(root)
    elapsed = time.process_time() - started
    if not result.ok:
        raise SystemExit(
            "the generated repository does not validate:\n"
            + "\n".join(d.format() for d in result.errors[:20])
        )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analyses", type=int, default=2000)
    parser.add_argument("--wagons-per-analysis", type=int, default=10)
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="Profile one full validation.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        count = generate(root, args.analyses, args.wagons_per_analysis, args.datasets)
        wagons = max(args.analyses * args.wagons_per_analysis, len(SERVICE_WAGONS))
        print(
            f"repository: {args.analyses:,} analyses, {wagons:,} wagons, {args.datasets:,} "
            f"datasets, {args.datasets:,} runlists ({count:,} files)"
        )
        parse_floor(root)  # warm the page cache
        floors, fulls = [], []
        wall = time.perf_counter()
        for _ in range(args.repeat):
            floors.append(parse_floor(root))
            fulls.append(full_validation(root))
        wall = time.perf_counter() - wall
        floor, full = min(floors), min(fulls)
        print(f"parse floor (read + yaml.CSafeLoader): {floor:.2f} s CPU")
        print(f"full validation (load_repository):     {full:.2f} s CPU")
        print(f"(wall time of all {args.repeat * 2} runs: {wall:.1f} s)")
        print(f"ratio: {full / floor:.2f} (target <= 1.5)")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            load_repository(root)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
