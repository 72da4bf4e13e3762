"""Build the site for a large generated configuration and print how long it takes.

Default scale (issue 7): 20,000 wagons in 1,000 analyses, 10,000 train runs and a git history
of 20,000 commits by 50 authors. The history is written with ``git fast-import`` (one stream,
seconds instead of hours of ``git commit``), then checked out; train documents are written in
the state store's JSON format. Run::

    .venv/bin/python benchmarks/site_scale.py [--wagons N] [--trains N] [--commits N]
        [--tests N] [--jobs N] [--keep DIR]

``--tests N`` adds N wagon test results with a performanceMetrics.json each (10 devices, 150
samples: a 5-minute test sampled every 2 s), so the build draws 3 graphs per test. Prints the
generation time, then a cold build (empty plot cache), then a rebuild with nothing changed
(every graph from the cache): wall and CPU time (CPU of this process and of the graph-drawing
workers), pages, files, graphs drawn and cached.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import tempfile
import time
from pathlib import Path

DATASETS = 20
WAGONS_PER_ANALYSIS = 20
AUTHORS = 50
PWGS = ["PWGCF", "PWGDQ", "PWGHF", "PWGLF", "PWGUD", "PWGEM", "PWGJE"]


def _settings() -> str:
    people = "\n".join(
        f"  - {{login: user{i:03d}, name: User {i}, emails: [user{i:03d}@example.org]}}"
        for i in range(AUTHORS)
    )
    return (
        "roles:\n  admins: [user000]\n  operators: [user001]\n  dpg_experts: [user002]\n"
        f"people:\n{people}\n"
    )


def _runlist(i: int) -> str:
    runs = ", ".join(str(520000 + 100 * i + r) for r in range(10))
    return (
        f"name: rl{i:02d}\nlabel: GoodRuns\nkind: data\ncollision_system: pp\n"
        f"period: LHC22{chr(97 + i)}\npass: apass1\nruns: [{runs}]\n"
    )


def _dataset(i: int) -> str:
    return (
        f"name: ds{i:02d}\ntype: run3-data\ncollision_system: pp\nsize_tb: {10 + 7 * i}\n"
        f"productions:\n  - period: LHC22{chr(97 + i)}\n    pass: apass1\n    runlist: rl{i:02d}\n"
        f"composition:\n  mode: automatic\nfiles:\n  storage: local\n  path: ds{i:02d}\n"
        "  year: 2022\n"
    )


def _analysis(a: int) -> str:
    members = f"[user{a % AUTHORS:03d}, user{(a * 7 + 3) % AUTHORS:03d}]"
    return f"name: ana{a:04d}\npwg: {PWGS[a % len(PWGS)]}\nmembers: {members}\n"


def _wagon(a: int, w: int, version: int) -> str:
    return (
        f"name: w{w:02d}\ndescription: wagon {w} of analysis {a}\nworkflow: pt-spectrum\n"
        "configuration:\n  pt-spectrum:\n"
        f"    etaMax: {0.5 + (version % 5) / 10}\n    ptBins: {{bins: {50 + version}, min: 0.0, "
        "max: 10.0}\n"
        "subwagons:\n  - name: tight\n    configuration: {pt-spectrum: {etaMax: 0.3}}\n"
        f"enabled:\n  - {{dataset: ds{(a + w) % DATASETS:02d}, latest: true}}\n"
    )


def _blob(data: str) -> bytes:
    raw = data.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def generate_config(root: Path, wagons: int, commits: int) -> None:
    """The configuration, with ``commits`` commits: one adds everything, each other changes
    one wagon, by one of ``AUTHORS`` people, an hour apart."""
    analyses = wagons // WAGONS_PER_ANALYSIS
    rng = random.Random(7)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = bytearray()
    start = 1_700_000_000
    files = {"config/hyperloop.yaml": _settings()}
    files |= {f"config/runlists/rl{i:02d}.yaml": _runlist(i) for i in range(DATASETS)}
    files |= {f"config/datasets/ds{i:02d}.yaml": _dataset(i) for i in range(DATASETS)}
    for a in range(analyses):
        files[f"config/analyses/ana{a:04d}/analysis.yaml"] = _analysis(a)
        for w in range(WAGONS_PER_ANALYSIS):
            files[f"config/analyses/ana{a:04d}/wagons/w{w:02d}.yaml"] = _wagon(a, w, 0)
    for number in range(commits):
        author = f"user{number % AUTHORS:03d}"
        if number == 0:
            changed = files
        else:
            a, w = rng.randrange(analyses), rng.randrange(WAGONS_PER_ANALYSIS)
            changed = {f"config/analyses/ana{a:04d}/wagons/w{w:02d}.yaml": _wagon(a, w, number)}
        message = f"change {number}"
        stream += b"commit refs/heads/main\n"
        stream += (
            f"committer User {author} <{author}@example.org> {start + 3600 * number} +0000\n"
        ).encode()
        stream += _blob(message)
        for path, text in changed.items():
            stream += f"M 100644 inline {path}\n".encode() + _blob(text)
        stream += b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=bytes(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)


def generate_trains(state: Path, trains: int, wagons: int) -> None:
    """``trains`` train documents in the state store's format, 4 jobs each."""
    from hyperloop_gitops.state import TrainRun

    analyses = wagons // WAGONS_PER_ANALYSIS
    folder = state / "trains"
    folder.mkdir(parents=True)
    rng = random.Random(11)
    for n in range(trains):
        day = 1 + n // 400
        created = f"2026-{1 + (day - 1) // 28:02d}-{1 + (day - 1) % 28:02d}T10:{n % 60:02d}:00Z"
        state_name = "done" if n < trains - 50 else rng.choice(["running", "submitted", "ready"])
        wagon_ids = sorted(
            {
                f"ana{rng.randrange(analyses):04d}/w{rng.randrange(WAGONS_PER_ANALYSIS):02d}"
                for _ in range(8)
            }
        )
        jobs = [
            {
                "index": j,
                "input_files": [f"f{j}"],
                "run": 520000 + j,
                "state": "done" if state_name == "done" else "running",
                "attempts": 1,
                "submitted": created,
                "started": created,
                "finished": created if state_name == "done" else None,
            }
            for j in range(4)
        ]
        doc = {
            "id": f"T-2026{1 + (day - 1) // 28:02d}{1 + (day - 1) % 28:02d}-{n:05d}",
            "dataset": f"ds{n % DATASETS:02d}",
            "package_tag": "daily-20261120-0000-1",
            "target": "Grid single core" if n % 3 else "Grid 2 core",
            "backend": "local",
            "wagons": [
                {"id": w, "subwagons": [], "base": True, "content_hash": "0" * 64}
                for w in wagon_ids
            ],
            "full_config_digest": "f" * 64,
            "input_list_digest": "e" * 64,
            "composition_digest": f"{n:064d}",
            "state": state_name,
            "created": created,
            "submitted": created,
            "finished": created if state_name == "done" else None,
            "jobs": jobs,
            "merges": [],
        }
        if n == 0:
            TrainRun.model_validate(doc)  # the state store's format, checked once
        (folder / f"{doc['id']}.json").write_text(json.dumps(doc))


def generate_tests(root: Path, tests: int, wagons: int) -> None:
    """``tests`` wagon test results in the result store's format, with performance metrics."""
    from hyperloop_gitops.testing.status import Status
    from hyperloop_gitops.testing.store import TestResult

    analyses = wagons // WAGONS_PER_ANALYSIS
    rng = random.Random(13)
    for n in range(tests):
        key = f"{n:064x}"
        work = root / ".hyperloop" / "tests" / key
        work.mkdir(parents=True)
        a, w = n % analyses, (n // analyses) % WAGONS_PER_ANALYSIS
        start_ms = 1_790_000_000_000 + n * 3_600_000
        result = TestResult(
            wagon=f"ana{a:04d}/w{w:02d}",
            dataset=f"ds{(a + w) % DATASETS:02d}",
            package_tag="daily-20261120-0000-1",
            content_hash=key,
            status=Status.DONE,
            started=f"2026-11-{1 + n % 28:02d}T10:00:00Z",
            finished=f"2026-11-{1 + n % 28:02d}T10:05:00Z",
            work_dir=str(work),
        )
        (work / "result.json").write_text(result.model_dump_json())
        doc = {}
        for d in range(10):
            base = rng.uniform(100, 900) * 1024
            stamps = [start_ms + 2000 * i for i in range(150)]
            doc[f"task-{d}"] = {
                "proportionalSetSize": [
                    {"timestamp": str(t), "value": str(int(base * (1 + 0.001 * i)))}
                    for i, t in enumerate(stamps)
                ],
                "memoryPrivateDirty": [
                    {"timestamp": str(t), "value": str(int(base * 0.8))} for t in stamps
                ],
                "cpuUsedAbsolute": [
                    {"timestamp": str(t), "value": str(rng.randrange(100_000, 2_000_000))}
                    for t in stamps
                ],
            }
        (work / "performanceMetrics.json").write_text(json.dumps(doc))


def _build(repo: Path, output: Path, jobs: int | None) -> str:
    import resource

    from hyperloop_gitops.site import build_site

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime

    started, cpu_before = time.perf_counter(), cpu()
    report = build_site(repo, output, None, workers=jobs)
    elapsed, used = time.perf_counter() - started, cpu() - cpu_before
    size = sum(p.stat().st_size for p in report.output.rglob("*") if p.is_file())
    gaps = "".join(f"\n  (source missing: {gap})" for gap in report.missing)
    return (
        f"{elapsed:.1f} s wall, {used:.1f} s CPU, {report.pages} pages, {report.files} files, "
        f"{size / 1e6:.0f} MB; graphs: {report.graphs_drawn} drawn, "
        f"{report.graphs_cached} from the cache{gaps}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wagons", type=int, default=20_000)
    parser.add_argument("--trains", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--tests", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=None, help="graph-drawing processes")
    parser.add_argument("--keep", type=Path, help="generate here and keep it (default: a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temp:
        root = args.keep or Path(temp)
        repo = root / "repo"
        started = time.perf_counter()
        generate_config(repo, args.wagons, args.commits)
        generate_trains(repo / ".hyperloop" / "state", args.trains, args.wagons)
        generate_tests(repo, args.tests, args.wagons)
        generated = time.perf_counter() - started
        print(
            f"generated {args.wagons} wagons, {args.commits} commits, {args.trains} trains, "
            f"{args.tests} tests in {generated:.1f} s"
        )
        print(f"cold build: {_build(repo, root / 'public', args.jobs)}")
        print(f"rebuild, nothing changed: {_build(repo, root / 'public', args.jobs)}")


if __name__ == "__main__":
    main()
