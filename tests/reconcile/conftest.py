"""A small configuration for exact plans: two analyses, a service wagon, three datasets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hyperloop_gitops.config import Repository, load_repository
from hyperloop_gitops.reconcile import TestSummary
from hyperloop_gitops.train import wagon_test_spec

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # a Saturday
T1 = "daily-20261120-0000-1"
T2 = "daily-20261127-0000-1"
GB = 1_000_000_000

SETTINGS = """\
roles: {{admins: [admin], operators: [olga]}}
policy:
  prune_disabled_wagons: {prune}
packages:
  tags:
    - {{tag: daily-20261127-0000-1, date: 2026-11-27T00:00:00Z, pull_requests: [102, 103]}}
    - {{tag: daily-20261120-0000-1, date: 2026-11-20T00:00:00Z, pull_requests: [101, 102]}}
"""

DATASET = """\
name: {name}
type: run3-data
collision_system: pp
size_tb: {size}
active: {active}
productions:
  - {{period: LHC22o, pass: apass6, runlist: LHC22o_good{exclude}}}
short_datasets: [{short}]
composition: {composition}
files: {{path: LHC22o, year: 2022, files_per_run: 3, test_files: 2}}
approvals: [{approvals}]
"""

FILES = {
    "config/runlists/LHC22o_good.yaml": (
        "name: LHC22o_good\nlabel: GoodRuns\nkind: data\ncollision_system: pp\nperiod: LHC22o\n"
        "pass: apass6\nruns: [526641, 526712, 526713]\n"
    ),
    "config/analyses/service/analysis.yaml": (
        "name: service\npwg: PWGPP\nmembers: [olga]\nservice: true\n"
    ),
    "config/analyses/service/wagons/evsel.yaml": (
        "name: evsel\nworkflow: event-selection\n"
        "configuration: {event-selection: {vertexZMax: 10.0}}\n"
        "enabled: [{dataset: D, latest: true}]\n"
    ),
    "config/analyses/lf/analysis.yaml": "name: lf\npwg: PWGLF\nmembers: [alice]\n",
    "config/analyses/cf/analysis.yaml": "name: cf\npwg: PWGCF\nmembers: [bob]\n",
}


def wagon(name: str, enabled: str, *, subwagons: str = "", option: float = 0.8) -> str:
    """A wagon file of the pt-spectrum task depending on the service event selection."""
    text = (
        f"name: {name}\nworkflow: pt-spectrum\n"
        f"configuration: {{pt-spectrum: {{etaMax: {option}}}}}\n"
        "dependencies: [service/evsel]\n"
    )
    if subwagons:
        text += f"subwagons: [{subwagons}]\n"
    return text + f"enabled: {enabled}\n"


def dataset(
    name: str,
    *,
    size: float = 50,
    active: bool = True,
    short: str = "",
    composition: str = "{mode: automatic}",
    approvals: str = "",
    exclude: str = "",
) -> str:
    return DATASET.format(
        name=name,
        size=size,
        active=str(active).lower(),
        short=short,
        composition=composition,
        approvals=approvals,
        exclude=f", exclude_runs: [{exclude}]" if exclude else "",
    )


class Config:
    """Writes configuration files and loads the repository."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.write(FILES)
        self.write(
            {
                "config/hyperloop.yaml": SETTINGS.format(prune="false"),
                "config/datasets/D.yaml": dataset("D"),
            }
        )

    def write(self, files: Mapping[str, str | None]) -> Config:
        for rel, text in files.items():
            path = self.root / rel
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return self

    def load(self) -> Repository:
        result = load_repository(self.root)
        assert result.ok, "\n".join(d.format() for d in result.errors)
        return result.repository


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(tmp_path / "repo")


def result(
    repository: Repository,
    wagon_id: str,
    dataset_name: str,
    tag: str,
    status: str = "done",
    *,
    pss_gb: float = 1.0,
    cpu_years: float = 0.5,
    output_gb: float = 10,
    reason: str = "",
    warnings: tuple[str, ...] = (),
) -> TestSummary:
    """A test result for the wagon test the reconciler looks up."""
    spec = wagon_test_spec(repository, wagon_id, dataset_name, tag)
    return TestSummary(
        content_hash=spec.content_hash,
        status=status,
        reason=reason,
        warnings=warnings,
        pss_avg_bytes=int(pss_gb * GB),
        pss_max_bytes=int(pss_gb * 1.1 * GB),
        cpu_years=cpu_years,
        output_bytes=int(output_gb * GB),
    )


def by_hash(*results: TestSummary) -> dict[str, TestSummary]:
    return {r.content_hash: r for r in results}
