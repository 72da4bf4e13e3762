"""How long the reconciler's plan takes for the whole ALICE-scale configuration (target < 2 s).

Generates (in a temporary folder, with ``validate_scale.py``'s generator) the 20,000-wagon
repository: 2,000 analyses, 500 datasets, 500 runlists. Its datasets are on the grid
(``files.storage: grid``), as production's are: a grid test file's identity is its path, so
the plan reads no data file and the figure is the planning cost alone, not a disk's.

Around it, the inputs a reconciler would read from its state store:

* a stored wagon test result (``TestSummary``) for most requests' content hashes: about 87%
  🌟 done, 4% ❗ warning, 3% 💣 failed, 6% missing (the plan queues those tests);
* a few hundred past trains on random datasets, some of them done with the wagons' current
  hashes (the plan says those requests are satisfied), some still running, some this week
  (they count against the weekly limit and keep their dataset's slot taken).

``now`` is a Monday just after the 08:00 slot every generated dataset has, so most datasets
compose. It then times the plan as ``hyperloop reconcile`` makes it (reading the composition
cache, ``compose_plan`` over the whole configuration, the text people read, saving the
cache), in CPU seconds of this process (the plan is single-threaded, so on a quiet machine
that is its wall time; on a shared one the wall clock measures the neighbours; both are
printed), each on a freshly loaded repository after the loader's garbage is collected:

* **cold**: no composition cache (a first run, or after a change to the code): best of
  ``--repeat``;
* **first run**: the same, writing the cache;
* **unchanged**: the cache from the run before, no file changed: best of ``--repeat``;
* **after a merge** (the reconciler's usual run, and the figure the target is for): the files
  of ``--merge-analyses`` analyses' wagons changed (a configuration value), their
  compositions made again; best of ``--repeat``, each from the same cache.

Then the plan's JSON (``--json``, which adds the frozen digests and lists every input file);
and a breakdown of one cold run by step: desired requests, readiness (and of it the wagon
tests: compositions and hashes), gate and packing, snapshots. It prints a fingerprint of
the plan (the sha256 of ``plan_json``), equal in every mode, so an optimisation (or the
cache) can be checked not to change the result. tests/test_benchmarks.py runs it at a tiny
size, so a change that breaks it is found then.

    .venv/bin/python benchmarks/reconcile_scale.py [--analyses 2000] [--repeat 3] [--profile]
        [--merge-analyses 5]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from validate_scale import SERVICE_WAGONS, generate

from hyperloop_gitops.config import Repository, load_repository
from hyperloop_gitops.reconcile import (
    PastTrain,
    PastWagon,
    Plan,
    TestSummary,
    compose_plan,
    desired_requests,
    package_catalog,
    plan_json,
    resolve,
)
from hyperloop_gitops.reconcile import compose as compose_module
from hyperloop_gitops.reconcile.render import render_text
from hyperloop_gitops.train import content_hash, wagon_test_spec
from hyperloop_gitops.train.compositions import CompositionCache
from hyperloop_gitops.train.spec import WagonTestBuilder

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday, an hour after the 08:00 slot
TARGET_SECONDS = 2.0
GB = 1_000_000_000


def synthesize_tests(repository: Repository, rng: random.Random) -> dict[str, TestSummary]:
    """A stored test result for most requests' wagon test hashes (some missing)."""
    catalog = package_catalog(repository)
    tests: dict[str, TestSummary] = {}
    seen: set[tuple[str, str, str]] = set()
    for request in desired_requests(repository):
        tag = resolve(request.choice, catalog).tag
        key = (request.wagon_id, request.dataset, tag or "")
        if tag is None or key in seen:
            continue
        seen.add(key)
        spec = wagon_test_spec(repository, request.wagon_id, request.dataset, tag)
        draw = rng.random()
        if draw < 0.06:
            continue  # never tested: the plan queues the test
        pss = int(rng.uniform(0.3, 1.9) * GB)
        common: dict[str, Any] = {
            "content_hash": spec.content_hash,
            "pss_avg_bytes": pss,
            "pss_max_bytes": int(pss * 1.1),
            "cpu_years": rng.uniform(0.05, 3.0),
            "output_bytes": rng.randrange(10**8, 5 * 10**10),
        }
        if draw < 0.09:
            tests[spec.content_hash] = TestSummary(
                status="failed", reason="exit code 139", **common
            )
        elif draw < 0.13:
            warning = "leak: max PSS 2.31 GB is 41% above average 1.64 GB"
            tests[spec.content_hash] = TestSummary(status="warning", warnings=(warning,), **common)
        else:
            tests[spec.content_hash] = TestSummary(status="done", **common)
    return tests


def synthesize_trains(repository: Repository, rng: random.Random, count: int) -> list[PastTrain]:
    """``count`` past trains on random datasets, some with the wagons' current hashes."""
    catalog = package_catalog(repository)
    on_dataset: dict[str, list[str]] = defaultdict(list)
    for request in desired_requests(repository):
        if request.part is None:
            on_dataset[request.dataset].append(request.wagon_id)
    names = sorted(on_dataset)
    trains: list[PastTrain] = []
    for index in range(count):
        dataset = rng.choice(names)
        wagon_ids = sorted(set(rng.sample(on_dataset[dataset], min(8, len(on_dataset[dataset])))))
        current = rng.random() < 0.5  # the wagons' current configuration (else an older one)
        wagons = []
        tag = ""
        for wagon_id in wagon_ids:
            enablement = repository.wagons[wagon_id].enablement(dataset)
            assert enablement is not None
            tag = resolve(enablement.package, catalog).tag or ""
            spec = wagon_test_spec(repository, wagon_id, dataset, tag)
            hashed = spec.content_hash if current else content_hash(["old", wagon_id, index])
            wagons.append(
                PastWagon(wagon_id, True, (), hashed, dict(spec.config_hashes) if current else {})
            )
        age = timedelta(hours=rng.uniform(0.1, 30 * 24))
        state = "done" if age > timedelta(days=2) else rng.choice(["running", "merging", "done"])
        trains.append(
            PastTrain(f"T-past-{index:04d}", dataset, tag, state, NOW - age, tuple(wagons))
        )
    return trains


@contextmanager
def breakdown(totals: defaultdict[str, float]) -> Iterator[None]:
    """Time compose_plan's steps by wrapping the functions it calls (one run)."""
    replaced: list[tuple[Any, str, Any]] = []

    def wrap(module: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - started

        replaced.append((module, name, original))
        setattr(module, name, timed)
        totals.setdefault(label, 0.0)  # printed in this order

    wrap(compose_module, "desired_requests", "desired requests")
    wrap(compose_module, "ready_units", "readiness (incl. wagon tests)")
    wrap(WagonTestBuilder, "test", "  of which wagon tests (composition + hash)")
    wrap(compose_module, "gate", "gate + packing")
    wrap(compose_module, "pack", "gate + packing")
    wrap(compose_module, "snapshots", "snapshots (trains frozen, estimates, ids)")
    try:
        yield
    finally:
        for module, name, original in reversed(replaced):
            setattr(module, name, original)


def run(
    repository: Repository,
    tests: dict[str, TestSummary],
    trains: list[PastTrain],
    compositions: CompositionCache | None = None,
) -> Plan:
    return compose_plan(repository, tests=tests, trains=trains, now=NOW, compositions=compositions)


def timed_plan(
    root: Path,
    tests: dict[str, TestSummary],
    trains: list[PastTrain],
    cache: Path | None,
) -> tuple[float, float, Plan, CompositionCache | None]:
    """One plan as ``hyperloop reconcile`` makes it, on a freshly loaded repository: (CPU s,
    wall s, plan, cache)."""
    fresh = load_repository(root).repository
    gc.collect()  # the loader's garbage is the loader's cost, not the plan's
    started, wall = time.process_time(), time.perf_counter()
    compositions = CompositionCache(cache) if cache is not None else None
    plan = run(fresh, tests, trains, compositions)
    render_text(plan)  # what `hyperloop reconcile` prints: the plan people read
    if compositions is not None:
        compositions.save()
    return time.process_time() - started, time.perf_counter() - wall, plan, compositions


def best_of(
    label: str,
    repeat: int,
    measure: Callable[[], tuple[float, float, Plan, CompositionCache | None]],
) -> tuple[float, Plan]:
    """Best of ``repeat`` measurements by CPU; prints them all."""
    times: list[tuple[float, float]] = []
    plan = None
    hits = ""
    for _ in range(repeat):
        cpu, wall, plan, cache = measure()
        times.append((cpu, wall))
        if cache is not None:
            hits = f"; composition cache: {cache.hits:,} served, {cache.misses:,} made"
    assert plan is not None
    best = min(times)
    print(
        f"  {label:<16} {best[0]:5.2f} s CPU, {best[1]:5.2f} s wall (best of {repeat}; all: "
        + ", ".join(f"{c:.2f}/{w:.2f}" for c, w in times)
        + f"){hits}"
    )
    return best[0], plan


def change_wagons(root: Path, analyses: int) -> int:
    """A merge: every wagon of ``analyses`` analyses gets another configuration value."""
    changed = 0
    folders = sorted((root / "config" / "analyses").glob("*-analysis-*"))[:analyses]
    for folder in folders:
        for path in sorted((folder / "wagons").glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            value = re.search(r"ptMin: ([0-9.]+)", text)
            assert value is not None, f"no ptMin in {path}"
            raised = f"ptMin: {float(value.group(1)) + 0.05:.2f}"
            path.write_text(text.replace(value.group(0), raised, 1), encoding="utf-8")
            changed += 1
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analyses", type=int, default=2000)
    parser.add_argument("--wagons-per-analysis", type=int, default=10)
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--trains", type=int, default=300, help="Past trains.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--merge-analyses", type=int, default=5, help="Analyses whose wagons a merge changes."
    )
    parser.add_argument("--profile", action="store_true", help="Profile one cold plan.")
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        cache = Path(folder) / "compositions.json"
        root.mkdir()
        generate(root, args.analyses, args.wagons_per_analysis, args.datasets)
        result = load_repository(root)
        if not result.ok:
            raise SystemExit("the generated repository does not validate")
        repository = result.repository
        wagons = (args.analyses - 1) * args.wagons_per_analysis + len(SERVICE_WAGONS)
        requests = desired_requests(repository)
        tests = synthesize_tests(repository, rng)
        trains = synthesize_trains(repository, rng, args.trains)
        statuses = Counter(t.status for t in tests.values())
        print(
            f"repository: {args.analyses:,} analyses, {wagons:,} wagons, {args.datasets:,} "
            f"datasets (grid), {len(requests):,} requests"
        )
        print(
            f"state: {len(tests):,} test results ("
            + ", ".join(f"{n:,} {s}" for s, n in sorted(statuses.items()))
            + f"), {len(trains)} past trains"
        )
        # Each plan gets a fresh Repository object: the caches a plan may keep on it are
        # part of the cost measured, as in a reconciler that reloads the configuration.
        print("plan (read the cache, compose_plan, the text, save the cache):")
        _, plan = best_of("cold", args.repeat, lambda: timed_plan(root, tests, trains, None))
        fingerprint = content_hash(plan_json(plan))
        best_of("first run", 1, lambda: timed_plan(root, tests, trains, cache))
        _, warm = best_of("unchanged", args.repeat, lambda: timed_plan(root, tests, trains, cache))
        saved = cache.read_bytes()
        changed = change_wagons(root, args.merge_analyses)

        def after_merge() -> tuple[float, float, Plan, CompositionCache | None]:
            cache.write_bytes(saved)  # each run from the cache the merge found
            return timed_plan(root, tests, trains, cache)

        merged_seconds, _ = best_of("after a merge", args.repeat, after_merge)
        cold_merged = timed_plan(root, tests, trains, None)[2]
        print(
            f"  (the merge changed {changed} wagon files of {args.merge_analyses} analyses; "
            f"the cache file is {len(saved) / 1e6:.1f} MB)"
        )
        assert content_hash(plan_json(warm)) == fingerprint, "the cache changed the plan"
        assert plan_json(cold_merged) == plan_json(after_merge()[2]), "the cache changed the plan"
        print(
            f"plan: {len(plan.submit)} trains to submit "
            f"({sum(len(t.wagons) for t in plan.submit):,} wagons), "
            f"{len(plan.waiting):,} waiting, {len(plan.tests):,} tests to run, "
            f"{len(plan.satisfied):,} satisfied"
        )
        print(f"fingerprint: {fingerprint} (equal with and without the cache)")
        print(
            f"target: the plan after a merge {merged_seconds:.2f} s CPU < {TARGET_SECONDS:g} s: "
            + ("met" if merged_seconds < TARGET_SECONDS else "MISSED")
        )
        started = time.process_time()
        plan_json(plan)  # `--json` adds the frozen digests and input lists
        print(
            f"then its JSON (digests, input lists): {time.process_time() - started:.2f} s CPU more"
        )
        totals: defaultdict[str, float] = defaultdict(float)
        fresh = load_repository(root).repository
        with breakdown(totals):
            started = time.perf_counter()
            run(fresh, tests, trains)
            whole = time.perf_counter() - started
        print(f"breakdown of one cold run ({whole:.2f} s with the timers):")
        for label, seconds in totals.items():
            print(f"  {label:<46} {seconds:6.2f} s")
        if args.profile:
            fresh = load_repository(root).repository
            profile = cProfile.Profile()
            profile.enable()
            run(fresh, tests, trains)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
