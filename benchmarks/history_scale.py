"""Benchmark: the history of every entity over a large generated repository.

Builds (with ``git fast-import``) a configuration repository with many analyses, wagons,
datasets and runlists, and a history of N commits by M authors: configuration tweaks,
enabling and disabling, exclude lists, runlist updates, renames, new wagons. Then times, in the
same run and over the same range:

  floor   git log --name-status HEAD -- config   (what git itself needs to list the changes)
  ours    read_history(): every entity's field-level history, renames followed

and prints both and the ratio (target: at most 3).

    .venv/bin/python benchmarks/history_scale.py                   # 20,000 commits, 200 authors
    .venv/bin/python benchmarks/history_scale.py --commits 2000    # a quick run
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hyperloop_gitops.gitlog import open_repo
from hyperloop_gitops.history import read_history

TAGS = ["daily-20261120-0000-1", "daily-20261127-0000-1"]


class Scale:
    """The generated configuration, kept as plain state and rendered to YAML text."""

    def __init__(self, rng: random.Random, analyses: int, wagons: int, datasets: int) -> None:
        self.rng = rng
        self.analyses = [f"pwg{i % 8}-ana{i:03d}" for i in range(analyses)]
        self.members = {
            a: [f"user{rng.randrange(200):03d}" for _ in range(3)] for a in self.analyses
        }
        self.runlists = {
            f"LHC2{i % 5}{chr(97 + i % 26)}_r{i:03d}": sorted(rng.sample(range(500000, 560000), 40))
            for i in range(datasets)
        }
        self.datasets = {
            f"LHC2{i % 5}_d{i:03d}": {
                "runlist": rl,
                "exclude": [],
                "active": True,
                "size": rng.randint(1, 900),
            }
            for i, rl in enumerate(self.runlists)
        }
        self.wagons: dict[str, dict[str, object]] = {}
        for a in self.analyses:
            for w in range(wagons):
                self.wagons[f"{a}/w{w:02d}"] = self._new_wagon()
        self.wagons["service/evsel"] = self._new_wagon(service=True)
        self.wagons["service/trksel"] = self._new_wagon(service=True)

    def _new_wagon(self, service: bool = False) -> dict[str, object]:
        rng = self.rng
        return {
            "eta": round(rng.uniform(0.5, 0.9), 2),
            "pt": round(rng.uniform(0.1, 0.5), 2),
            "bins": rng.choice([50, 100, 200]),
            "subwagons": {} if service else {"tight": 0.5, "loose": 0.9},
            "enabled": {} if service else {rng.choice(list(self.datasets)): rng.choice(TAGS)},
            "deps": [] if service else ["service/evsel", "service/trksel"][: rng.randint(0, 2)],
        }

    def path(self, kind: str, name: str) -> str:
        if kind == "wagon":
            a, w = name.split("/")
            return f"config/analyses/{a}/wagons/{w}.yaml"
        if kind == "analysis":
            return f"config/analyses/{name}/analysis.yaml"
        return f"config/{kind}s/{name}.yaml"

    def render(self, kind: str, name: str) -> str:
        if kind == "analysis":
            service = "\nservice: true" if name == "service" else ""
            members = ", ".join(self.members.get(name, ["admin"]))
            return f"name: {name}\npwg: PWGLF\nmembers: [{members}]{service}\n"
        if kind == "runlist":
            runs = ", ".join(map(str, self.runlists[name]))
            return (
                f"name: {name}\nlabel: GoodRuns\nkind: data\ncollision_system: pp\n"
                f"period: LHC22o\npass: apass6\nruns: [{runs}]\n"
            )
        if kind == "dataset":
            d = self.datasets[name]
            return (
                f"name: {name}\ntype: run3-data\ncollision_system: pp\n"
                f"size_tb: {d['size']}\nactive: {str(d['active']).lower()}\n"
                f"productions:\n  - period: LHC22o\n    pass: apass6\n    runlist: {d['runlist']}\n"
                f"    exclude_runs: [{', '.join(map(str, d['exclude']))}]\n"
                f"composition:\n  mode: automatic\nfiles:\n  path: {name}\n  year: 2022\n"
            )
        w = self.wagons[name]
        short = name.split("/")[1]
        lines = [
            f"name: {short}",
            "workflow: pt-spectrum",
            "configuration:",
            "  pt-spectrum:",
            f"    etaMax: {w['eta']}",
            f"    ptMin: {w['pt']}",
            f"    ptBins: {{bins: {w['bins']}, min: 0.0, max: 10.0}}",
            "    centBins: {edges: [0, 10, 30, 50, 100]}",
            f"dependencies: [{', '.join(w['deps'])}]",  # type: ignore[arg-type]
            "subwagons:",
        ]
        for sub, eta in w["subwagons"].items():  # type: ignore[attr-defined]
            lines += [
                f"  - name: {sub}",
                "    configuration:",
                f"      pt-spectrum: {{etaMax: {eta}}}",
            ]
        lines.append("enabled:")
        for ds, tag in w["enabled"].items():  # type: ignore[attr-defined]
            lines += [f"  - dataset: {ds}", f"    tag: {tag}", "    subwagons: [tight]"]
        return "\n".join(lines) + "\n"


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def generate(
    root: Path,
    *,
    commits: int,
    authors: int,
    analyses: int,
    wagons: int,
    datasets: int,
    seed: int,
    scale: str,
) -> None:
    """Build the repository with one ``git fast-import`` stream."""
    rng = random.Random(seed)
    people = [(f"Person {i:03d}", f"user{i:03d}@example.org") for i in range(authors)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=root, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    out = proc.stdin
    clock = 1_700_000_000

    def commit(n: int, message: str, ops: list[bytes]) -> None:
        name, email = people[rng.randrange(authors)]
        stamp = clock + n * 600
        out.write(b"commit refs/heads/main\n")
        out.write(
            f"author {name} <{email}> {stamp} +0000\n"
            f"committer {name} <{email}> {stamp} +0000\n".encode()
        )
        out.write(_data(message))
        for op in ops:
            out.write(op)

    def put_text(path: str, text: str) -> bytes:
        return f"M 100644 inline {path}\n".encode() + _data(text)

    if scale == "foundation":
        from _history_foundation import Editor, initial_files

        files = initial_files(analyses, wagons, datasets, seed)
        commit(0, "Initial configuration", [put_text(p, t) for p, t in files.items()])
        editor = Editor(files, rng, put_text)
        for n in range(1, commits):
            commit(n, *editor.edit(n))
    else:
        _compact_history(rng, commit, commits, analyses, wagons, datasets)
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "main"], check=True)
    subprocess.run(["git", "-C", str(root), "gc", "-q"], check=False)


def _compact_history(
    rng: random.Random,
    commit: Callable[[int, str, list[bytes]], None],
    commits: int,
    analyses: int,
    wagons: int,
    datasets: int,
) -> None:
    scale = Scale(rng, analyses, wagons, datasets)

    def put(kind: str, name: str) -> bytes:
        return f"M 100644 inline {scale.path(kind, name)}\n".encode() + _data(
            scale.render(kind, name)
        )

    initial = [put("analysis", a) for a in [*scale.analyses, "service"]]
    initial += [put("wagon", w) for w in scale.wagons]
    initial += [put("dataset", d) for d in scale.datasets]
    initial += [put("runlist", r) for r in scale.runlists]
    commit(0, "Initial configuration", initial)
    wagon_names = list(scale.wagons)
    dataset_names = list(scale.datasets)
    for n in range(1, commits):
        roll = rng.random()
        if roll < 0.70:
            wagon = rng.choice(wagon_names)
            w = scale.wagons[wagon]
            what = rng.random()
            if what < 0.5:
                w["eta"] = round(rng.uniform(0.5, 0.9), 2)
            elif what < 0.7:
                w["subwagons"][rng.choice(["tight", "loose", "mid"])] = round(
                    rng.uniform(0.3, 0.9), 2
                )  # type: ignore[index]
            elif what < 0.9 and not wagon.startswith("service/"):
                w["enabled"][rng.choice(dataset_names)] = rng.choice(TAGS)  # type: ignore[index]
            elif w["enabled"]:
                w["enabled"].pop(rng.choice(list(w["enabled"])))  # type: ignore[attr-defined]
            else:
                w["bins"] = rng.choice([50, 100, 200, 400])
            commit(n, f"Update {wagon}", [put("wagon", wagon)])
        elif roll < 0.85:
            ds = rng.choice(dataset_names)
            d = scale.datasets[ds]
            if rng.random() < 0.8:
                runs = scale.runlists[d["runlist"]]  # type: ignore[index]
                d["exclude"] = sorted(rng.sample(runs, rng.randint(0, 4)))
            else:
                d["active"] = not d["active"]
            commit(n, f"Dataset {ds}", [put("dataset", ds)])
        elif roll < 0.95:
            rl = rng.choice(list(scale.runlists))
            scale.runlists[rl] = sorted(set(scale.runlists[rl]) | {rng.randrange(500000, 560000)})
            commit(n, f"Runlist {rl}", [put("runlist", rl)])
        elif roll < 0.98:
            old = rng.choice([w for w in wagon_names if not w.startswith("service/")])
            new = f"{old}r{n}"
            scale.wagons[new] = scale.wagons.pop(old)
            wagon_names[wagon_names.index(old)] = new
            rename = f"R {scale.path('wagon', old)} {scale.path('wagon', new)}\n".encode()
            commit(n, f"Rename {old}", [rename, put("wagon", new)])
        else:
            analysis = rng.choice(scale.analyses)
            new = f"{analysis}/n{n}"
            scale.wagons[new] = scale._new_wagon()
            wagon_names.append(new)
            commit(n, f"New wagon {new}", [put("wagon", new)])


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _measure(runs: int, action: Callable[[], object]) -> tuple[float, float, list[float]]:
    """Median wall time, median CPU time (this process and its children), all wall times."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, start = _cpu(), time.perf_counter()
        action()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus), walls


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--authors", type=int, default=200)
    parser.add_argument("--analyses", type=int, default=100)
    parser.add_argument("--wagons-per-analysis", type=int, default=10)
    parser.add_argument("--datasets", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3, help="timed repetitions (median reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    parser.add_argument(
        "--scale",
        choices=["compact", "foundation"],
        default="compact",
        help="initial configuration: compact (100 analyses x 10 wagons) or the foundation "
        "benchmark's (validate_scale.py; --analyses 2000 for its full size)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "repo"
        if not (root / ".git").exists():
            start = time.perf_counter()
            generate(
                root,
                commits=args.commits,
                authors=args.authors,
                analyses=args.analyses,
                wagons=args.wagons_per_analysis,
                datasets=args.datasets,
                seed=args.seed,
                scale=args.scale,
            )
            print(f"generated {args.commits} commits in {time.perf_counter() - start:.1f} s")
        env = {**os.environ, "GIT_PAGER": "cat"}
        floor, floor_cpu, floor_all = _measure(
            args.runs,
            lambda: subprocess.run(
                ["git", "-C", str(root), "log", "--name-status", "HEAD", "--", "config"],
                stdout=subprocess.DEVNULL,
                env=env,
                check=True,
            ),
        )
        repo = open_repo(root)
        result = {}

        def ours() -> None:
            result["history"] = read_history(repo)

        mine, mine_cpu, mine_all = _measure(args.runs, ours)
        history = result["history"]
        entities = len(history.entries)
        changes = sum(len(c) for c in history.entries.values())
        fields = sum(len(c.diff.fields) for cs in history.entries.values() for c in cs)
        commits = subprocess.run(
            ["git", "-C", str(root), "rev-list", "--count", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(
            f"repository: {commits} commits, {args.authors} authors, {entities} entities, "
            f"{changes} entity changes, {fields} field changes; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print("                                  wall      CPU   (median of the runs)")
        print(
            f"floor  git log --name-status:   {floor:6.2f} s {floor_cpu:6.2f} s"
            f"  ({_runs(floor_all)})"
        )
        print(
            f"ours   history of all entities: {mine:6.2f} s {mine_cpu:6.2f} s  ({_runs(mine_all)})"
        )
        print(
            f"ratio                           {mine / floor:6.2f}   {mine_cpu / floor_cpu:6.2f}"
            "   (target <= 3)"
        )


if __name__ == "__main__":
    main()
