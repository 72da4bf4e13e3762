"""A small configuration and a history of seven commits by six authors, used by several tests.

Service analysis ``svc``: ``evsel`` and ``trksel`` (which needs ``evsel``). ``lf/spectra``
needs ``svc/trksel`` and runs on D1; ``dq/jpsi`` needs ``svc/evsel`` and runs on D2 (enabled
by bob in commit 2; dq notifies the enabler); ``cf/flow`` runs on D1 (cf notifies nobody).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.history.gitrepo import GitRepo

SETTINGS = """\
roles:
  admins: [admin]
  operators: [olga]
  dpg_experts: [dan]
people:
  - {login: alice, name: Alice Adams, emails: [alice@example.org]}
  - {login: carol, name: Carol Chen, emails: [carol@example.org]}
  - {login: olga, name: Olga Operator, emails: [olga@example.org]}
  - {login: dan, name: Dan DPG, emails: [dan@cern.example]}
packages:
  tags:
    - {tag: daily-20261120-0000-1, date: 2026-11-20T00:00:00Z, pull_requests: [101]}
"""

EVSEL = """\
name: evsel
workflow: event-selection
configuration:
  event-selection:
    vertexZMax: 10.0
"""
TRKSEL = """\
name: trksel
workflow: track-selection
configuration:
  track-selection: {etaMax: 0.9}
dependencies: [evsel]
"""
SPECTRA = """\
name: spectra
workflow: pt-spectrum
configuration:
  pt-spectrum:
    etaMax: 0.8
    ptBins: {bins: 10, min: 0.0, max: 5.0}
dependencies: [svc/trksel]
subwagons:
  - name: narrow
    configuration:
      pt-spectrum: {etaMax: 0.5}
enabled:
  - dataset: D1
    tag: daily-20261120-0000-1
    subwagons: [narrow]
"""
SPECTRA_3 = """\
name: spectra
workflow: pt-spectrum
configuration:
  pt-spectrum:
    etaMax: 0.7
    ptBins: {bins: 10, min: 0.0, max: 5.0}
dependencies: [svc/trksel]
subwagons:
  - name: wide
    configuration:
      pt-spectrum: {etaMax: 0.9}
  - name: narrow
    configuration:
      pt-spectrum: {etaMax: 0.5}
enabled:
  - dataset: D1
    tag: daily-20261120-0000-1
    subwagons: [narrow]
"""
JPSI = """\
name: jpsi
workflow: pt-spectrum
configuration:
  pt-spectrum: {etaMax: 0.9}
dependencies: [svc/evsel]
"""
JPSI_2 = (
    JPSI
    + """\
enabled:
  - {dataset: D2, latest: true}
"""
)
FLOW = """\
name: flow
workflow: pt-spectrum
configuration:
  pt-spectrum: {etaMax: 0.8}
enabled:
  - {dataset: D1, tag: daily-20261120-0000-1}
"""


def analysis(name: str, members: str, extra: str = "") -> str:
    pwg = "Service" if name == "svc" else "PWGLF"
    return f"name: {name}\npwg: {pwg}\nmembers: [{members}]\n{extra}"


def dataset(name: str, runlist: str, exclude: str = "[]") -> str:
    return f"""\
name: {name}
type: run3-data
collision_system: pp
size_tb: 10
productions:
  - period: LHC22o
    pass: apass6
    runlist: {runlist}
    exclude_runs: {exclude}
files:
  path: {name}
  year: 2022
"""


def runlist(name: str, runs: str) -> str:
    return f"""\
name: {name}
label: GoodRuns
kind: data
collision_system: pp
period: LHC22o
pass: apass6
runs: {runs}
"""


A = "config/analyses"
INITIAL = {
    "config/hyperloop.yaml": SETTINGS,
    f"{A}/svc/analysis.yaml": analysis("svc", "olga", "service: true\n"),
    f"{A}/svc/wagons/evsel.yaml": EVSEL,
    f"{A}/svc/wagons/trksel.yaml": TRKSEL,
    f"{A}/lf/analysis.yaml": analysis("lf", "alice, bob"),
    f"{A}/lf/wagons/spectra.yaml": SPECTRA,
    f"{A}/dq/analysis.yaml": analysis("dq", "carol, dave", "notify_on_test_failure: enabler\n"),
    f"{A}/dq/wagons/jpsi.yaml": JPSI,
    f"{A}/cf/analysis.yaml": analysis("cf", "frank", "notify_on_test_failure: none\n"),
    f"{A}/cf/wagons/flow.yaml": FLOW,
    "config/datasets/D1.yaml": dataset("D1", "R1"),
    "config/datasets/D2.yaml": dataset("D2", "R2"),
    "config/runlists/R1.yaml": runlist("R1", "[1, 2, 3]"),
    "config/runlists/R2.yaml": runlist("R2", "[10, 11]"),
}


@dataclass(frozen=True)
class Scenario:
    """The commit ids, oldest first: ``c[1]`` is the first commit (``c[0]`` is unused)."""

    repo: GitRepo
    c: tuple[str, ...]


def build(repo: GitRepo) -> Scenario:
    """Commit the seven steps of the scenario."""
    c = [""]
    c.append(repo.commit("Initial configuration", INITIAL, author="alice"))
    c.append(repo.commit("Enable jpsi on D2", {f"{A}/dq/wagons/jpsi.yaml": JPSI_2}, author="bob"))
    c.append(
        repo.commit(
            "Tighten eta, add wide", {f"{A}/lf/wagons/spectra.yaml": SPECTRA_3}, author="carol"
        )
    )
    c.append(
        repo.commit(
            "Exclude run 2", {"config/datasets/D1.yaml": dataset("D1", "R1", "[2]")}, author="olga"
        )
    )
    c.append(
        repo.commit(
            "R2: add run 12",
            {"config/runlists/R2.yaml": runlist("R2", "[10, 11, 12]")},
            author="dan",
        )
    )
    c.append(
        repo.commit(
            "Rename spectra",
            {
                f"{A}/lf/wagons/pt-spectra.yaml": SPECTRA_3.replace(
                    "name: spectra", "name: pt-spectra"
                )
            },
            renames={f"{A}/lf/wagons/spectra.yaml": f"{A}/lf/wagons/pt-spectra.yaml"},
            author="alice",
        )
    )
    c.append(
        repo.commit(
            "Vertex cut 8 cm",
            {f"{A}/svc/wagons/evsel.yaml": EVSEL.replace("10.0", "8.0")},
            author="eve",
        )
    )
    return Scenario(repo, tuple(c))
