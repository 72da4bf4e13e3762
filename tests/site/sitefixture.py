"""A configuration repository with everything the site reads, as real files.

The example configuration in a real git repository with commits by three authors; wagon test
results (``result.json`` + ``performanceMetrics.json`` in O2's format) under
``.hyperloop/tests/<hash>/``; train documents and an event log under ``.hyperloop/state/``;
a merged ``AnalysisResults.root`` written with uproot.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from hyperloop_gitops.testing.metrics import DeviceUsage, MemoryStats, TestMetrics, WholeDataset
from hyperloop_gitops.testing.status import Finding, Status, Target
from hyperloop_gitops.testing.store import TestResult

EXAMPLE_CONFIG = Path(__file__).parents[2] / "config"

AUTHORS = {
    "alice": ("Alice Adams", "alice@example.org"),
    "bob": ("Bob Brown", "bob@example.org"),
    "olga": ("Olga Operator", "olga@example.org"),
}

PT_HASH = "a1" * 32
PT_HASH_OLD = "a0" * 32
PHI_HASH = "b2" * 32
JPSI_HASH = "c3" * 32
EVSEL_HASH = "d4" * 32
TRKSEL_HASH = "e5" * 32
TRAIN_TEST_HASH = "f6" * 32


def git(root: Path, *args: str, author: str = "alice", date: str = "2026-11-20T10:00:00Z") -> None:
    name, email = AUTHORS[author]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def make_history(root: Path) -> None:
    """Three commits by three people: the configuration, a wagon change, a dataset change."""
    shutil.copytree(EXAMPLE_CONFIG, root / "config")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "config")
    git(root, "commit", "-q", "-m", "Example configuration", date="2026-11-20T10:00:00Z")
    wagon = root / "config/analyses/pwglf-spectra/wagons/pt-spectrum.yaml"
    _edit(wagon, "    etaMax: 0.8\n    ptBins", "    etaMax: 0.7\n    ptBins")
    git(
        root,
        "commit",
        "-q",
        "-am",
        "pt-spectrum: narrower eta",
        author="bob",
        date="2026-11-24T09:30:00Z",
    )
    dataset = root / "config/datasets/LHC22o_pass6.yaml"
    _edit(dataset, "size_tb: 48.2", "size_tb: 52.0")
    git(
        root,
        "commit",
        "-q",
        "-am",
        "LHC22o_pass6: size after reprocessing",
        author="olga",
        date="2026-11-26T15:00:00Z",
    )


def _perf(devices: dict[str, float], start_ms: int, samples: int) -> dict[str, Any]:
    """performanceMetrics.json: PSS growing with time, CPU percentage, private memory."""
    doc: dict[str, Any] = {}
    for device, pss_mb in devices.items():
        stamps = [start_ms + 2000 * i for i in range(samples)]
        doc[device] = {
            "proportionalSetSize": [
                {"timestamp": str(t), "value": str(int(pss_mb * 1024 * (1 + 0.02 * i)))}
                for i, t in enumerate(stamps)
            ],
            "cpuUsedPercentage": [
                {"timestamp": str(t), "value": str(50 + (i * 7) % 40)} for i, t in enumerate(stamps)
            ],
            "cpuUsedAbsolute": [
                {"timestamp": str(t), "value": str(int(pss_mb * 4000))} for t in stamps
            ],
            "memoryPrivateDirty": [
                {"timestamp": str(t), "value": str(int(pss_mb * 800))} for t in stamps
            ],
        }
    return doc


def _memory(max_mb: float, avg_mb: float, slope: float = 0.1) -> MemoryStats:
    return MemoryStats(
        max_bytes=int(max_mb * 1e6), avg_bytes=int(avg_mb * 1e6), slope_mb_per_min=slope
    )


def _metrics(
    pss_max_mb: float, pss_avg_mb: float, cpu: float, wall: float, out: int
) -> TestMetrics:
    devices = (
        DeviceUsage(
            device="pt-spectrum",
            cpu_s=cpu * 0.7,
            cpu_share=0.7,
            pss=_memory(pss_max_mb * 0.6, pss_avg_mb * 0.6),
            private=None,
            heavy=True,
        ),
        DeviceUsage(
            device="internal-dpl-aod-reader",
            cpu_s=cpu * 0.3,
            cpu_share=0.3,
            pss=_memory(pss_max_mb * 0.4, pss_avg_mb * 0.4),
            private=None,
            heavy=False,
        ),
    )
    return TestMetrics(
        input_files=2,
        input_bytes=101_000_000,
        output_bytes=out,
        wall_s=wall,
        cpu_s=cpu,
        pss=_memory(pss_max_mb, pss_avg_mb),
        private=_memory(pss_max_mb * 0.8, pss_avg_mb * 0.8),
        throughput_bytes_per_s=101_000_000 / wall,
        reduction_factor=101_000_000 / out,
        devices=devices,
        whole_dataset=WholeDataset(
            dataset_bytes=48_200_000_000_000,
            scale=477_227.7,
            cpu_years=round(cpu * 477_227.7 / 31_557_600, 4),
            output_bytes=out * 477_228,
            co2_kg=round(cpu / 60, 2),
        ),
    )


def _result(root: Path, key: str, perf: dict[str, Any] | None, **fields: Any) -> None:
    work = root / ".hyperloop" / "tests" / key
    work.mkdir(parents=True)
    result = TestResult(
        content_hash=key, package_tag="daily-20261127-0000-1", work_dir=str(work), **fields
    )
    (work / "result.json").write_text(result.model_dump_json(indent=1) + "\n")
    if perf is not None:
        (work / "performanceMetrics.json").write_text(json.dumps(perf, sort_keys=True))


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def make_tests(root: Path) -> None:
    """Test results (real TestResult documents): two of pt-spectrum (for statistics), a
    warning, a failure."""
    pt = {
        "wagon": "pwglf-spectra/pt-spectrum",
        "dataset": "LHC22o_pass6",
        "status": Status.DONE,
        "target": Target.SINGLE_CORE,
    }
    _result(
        root,
        PT_HASH_OLD,
        _perf({"pt-spectrum": 300, "internal-dpl-aod-reader": 120}, 1_790_000_000_000, 12),
        **pt,
        metrics=_metrics(410.0, 380.5, 41.0, 55.0, 1_200_000),
        started=_time("2026-11-21T07:59:00Z"),
        finished=_time("2026-11-21T08:00:00Z"),
    )
    _result(
        root,
        PT_HASH,
        _perf(
            {
                "pt-spectrum": 310,
                "internal-dpl-aod-reader": 120,
                "event-selection": 80,
                "track-selection": 90,
            },
            1_790_300_000_000,
            15,
        ),
        **pt,
        metrics=_metrics(420.0, 390.25, 44.0, 58.0, 1_300_000),
        started=_time("2026-11-24T09:59:00Z"),
        finished=_time("2026-11-24T10:00:00Z"),
    )
    _result(
        root,
        PHI_HASH,
        None,
        wagon="pwglf-spectra/phi-meson",
        dataset="LHC23d1_mc",
        status=Status.WARNING,
        target=Target.SINGLE_CORE,
        metrics=_metrics(2310.0, 1640.0, 63.0, 70.0, 22_000_000),
        warnings=(
            Finding(
                rule="leak",
                message="max PSS 2.31 GB is 41% above average 1.64 GB (rule: at most 30%)",
            ),
        ),
        started=_time("2026-11-25T11:59:00Z"),
        finished=_time("2026-11-25T12:00:00Z"),
    )
    # The reconciler's test of a whole train is stored as a test of "train:<id>".
    _result(
        root,
        TRAIN_TEST_HASH,
        None,
        wagon="train:T-20261124-0002",
        dataset="LHC22o_pass6",
        status=Status.DONE,
        target=Target.SINGLE_CORE,
        metrics=_metrics(610.0, 520.0, 95.0, 101.0, 3_000_000),
        started=_time("2026-11-25T10:58:00Z"),
        finished=_time("2026-11-25T10:59:00Z"),
    )
    _result(
        root,
        JPSI_HASH,
        None,
        wagon="pwgdq-dileptons/jpsi-ee",
        dataset="LHC22o_pass6",
        status=Status.FAILED,
        reason="exit code 3: segmentation violation",
        started=_time("2026-11-26T15:59:00Z"),
        finished=_time("2026-11-26T16:00:00Z"),
    )


def _train(
    train_id: str,
    *,
    state: str,
    created: str,
    submitted: str | None,
    finished: str | None,
    jobs: list[tuple[str, int]],
    wagons: list[tuple[str, str]],
    merges: list[dict[str, Any]],
    output_dir: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    job_docs = []
    for index, (job_state, run) in enumerate(jobs):
        job_docs.append(
            {
                "index": index,
                "input_files": [f"LHC22o_pass6/LHC22o/{run}/apass6/0001/AO2D.root"],
                "run": run,
                "backend_id": f"local-{index}",
                "state": job_state,
                "attempts": 1,
                "exit_code": {"done": 0, "failed": 3}.get(job_state),
                "submitted": submitted,
                "started": submitted,
                "finished": finished if job_state in ("done", "failed") else None,
                "resources": {"memory_mb": 4000, "time_limit_s": 3600, "cores": 1},
                "workdir": None,
            }
        )
    return {
        "id": train_id,
        "dataset": "LHC22o_pass6",
        "package_tag": "daily-20261127-0000-1",
        "target": "Grid single core",
        "backend": "local",
        "wagons": [{"id": w, "subwagons": [], "base": True, "content_hash": h} for w, h in wagons],
        "full_config_digest": "f" * 64,
        "input_list_digest": "9" * 64,
        "composition_digest": train_id[-4:] * 16,
        "state": state,
        "created": created,
        "submitted": submitted,
        "finished": finished,
        "history": [],
        "actions": [],
        "jobs": job_docs,
        "merges": merges,
        "output_dir": output_dir,
        "details": details or {},
    }


def _analysis_results(path: Path, seed: int) -> None:
    import uproot

    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with uproot.recreate(path) as f:
        f["pt-spectrum/hPt"] = np.histogram(rng.exponential(0.6, 5000), bins=50, range=(0, 5))
        f["event-selection/hVtxZ"] = np.histogram(rng.normal(0, 5, 3000), bins=40, range=(-20, 20))


def make_state(root: Path) -> None:
    """Three trains on LHC22o_pass6: done with merged output, running, failed."""
    trains = root / ".hyperloop" / "state" / "trains"
    trains.mkdir(parents=True)
    chain = [
        ("service-common/event-selection", EVSEL_HASH),
        ("service-common/track-selection", TRKSEL_HASH),
        ("pwglf-spectra/pt-spectrum", PT_HASH),
    ]
    runs = [526641, 526712, 526713, 526714]
    for n, seed in (("0001", 1), ("0002", 2)):
        _analysis_results(root / f".hyperloop/outputs/T-20261124-{n}/AnalysisResults.root", seed)
    docs = [
        _train(
            "T-20261124-0001",
            state="done",
            created="2026-11-24T11:00:00Z",
            submitted="2026-11-24T11:05:00Z",
            finished="2026-11-24T15:20:00Z",
            jobs=[("done", r) for r in runs],
            wagons=chain,
            merges=[
                {
                    "scope": "final",
                    "inputs": [],
                    "outputs": [".hyperloop/outputs/T-20261124-0001/AnalysisResults.root"],
                    "backend_id": None,
                    "state": "done",
                    "finished": "2026-11-24T15:20:00Z",
                }
            ],
        ),
        _train(
            "T-20261124-0002",
            state="done",
            created="2026-11-25T11:00:00Z",
            submitted="2026-11-25T11:02:00Z",
            finished="2026-11-25T13:00:00Z",
            jobs=[("done", r) for r in runs],
            wagons=chain,
            merges=[
                {
                    "scope": "final",
                    "inputs": [],
                    "outputs": [".hyperloop/outputs/T-20261124-0002/AnalysisResults.root"],
                    "backend_id": None,
                    "state": "done",
                    "finished": "2026-11-25T13:00:00Z",
                }
            ],
            details={
                "train_test": {"content_hash": TRAIN_TEST_HASH, "status": "done"},
                "estimate": {
                    "cpu_years": 1.53,
                    "output_bytes": 1_200_000_000_000,
                    "co2_kg": 81.2,
                    "jobs": 4,
                },
            },
        ),
        _train(
            "T-20261126-0003",
            state="running",
            created="2026-11-26T17:00:00Z",
            submitted="2026-11-26T17:01:00Z",
            finished=None,
            jobs=[("done", 526641), ("running", 526712), ("pending", 526713), ("pending", 526714)],
            wagons=[*chain[:2], ("pwgdq-dileptons/jpsi-ee", JPSI_HASH)],
            merges=[],
        ),
        _train(
            "T-20261127-0004",
            state="failed",
            created="2026-11-27T08:00:00Z",
            submitted="2026-11-27T08:01:00Z",
            finished="2026-11-27T09:00:00Z",
            jobs=[("failed", r) for r in runs[:3]] + [("done", runs[3])],
            wagons=[*chain[:2], ("pwglf-spectra/gone-wagon", "0" * 64)],
            merges=[],
        ),
    ]
    for doc in docs:
        (trains / f"{doc['id']}.json").write_text(json.dumps(doc, indent=2, sort_keys=True))
    events = [
        {
            "time": "2026-11-24T11:00:00Z",
            "actor": "reconciler",
            "kind": "train.created",
            "subject": "T-20261124-0001",
            "details": {},
        }
    ]
    (root / ".hyperloop" / "state" / "events.jsonl").write_text(
        "".join(json.dumps(e, sort_keys=True) + "\n" for e in events)
    )


def make_repo(root: Path) -> Path:
    """The whole fixture repository at ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    make_history(root)
    make_tests(root)
    make_state(root)
    return root


def perf_file(path: Path) -> Path:
    """A performanceMetrics.json for the browser's performance-graphs page."""
    doc = _perf(
        {"pt-spectrum": 300, "internal-dpl-aod-reader": 120, "event-selection": 80},
        1_790_000_000_000,
        20,
    )
    path.write_text(json.dumps(doc))
    return path
