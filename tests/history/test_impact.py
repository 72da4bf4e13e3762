"""Impact of a change: tests to run per dataset, and whom to tell, on the scenario's history."""

from __future__ import annotations

from typing import Any

from hyperloop_gitops.gitedge import impact_between
from hyperloop_gitops.gitlog import open_repo
from tests.history.gitrepo import GitRepo
from tests.history.scenario import EVSEL, INITIAL, Scenario, build

TAG = "tag daily-20261120-0000-1"


def _impact(scenario: Scenario, base: int, head: int) -> dict[str, Any]:
    repo = open_repo(scenario.repo.root)
    return impact_between(repo, scenario.c[base], scenario.c[head]).to_json()


def test_a_service_wagon_change_reaches_every_dependent(scenario: Scenario) -> None:
    why = "depends on svc/evsel, changed: configuration.event-selection.vertexZMax"
    assert _impact(scenario, 6, 7) == {
        "changed_wagons": {"svc/evsel": ["configuration.event-selection.vertexZMax"]},
        # lf/pt-spectra needs svc/trksel, which needs svc/evsel: reached transitively.
        "dependents": {"svc/evsel": ["dq/jpsi", "lf/pt-spectra", "svc/trksel"]},
        "changed_datasets": {},
        "changed_runlists": {},
        "tests": [
            {
                "wagon": "lf/pt-spectra",
                "dataset": "D1",
                "package": TAG,
                "base": True,
                "subwagons": ["narrow"],
                "reasons": [why],
            },
            {
                "wagon": "dq/jpsi",
                "dataset": "D2",
                "package": "latest tag",
                "base": True,
                "subwagons": [],
                "reasons": [why],
            },
        ],
        "skipped": [],
        "recipients": [
            {
                "login": "alice",
                "analyses": ["lf"],
                "wagons": ["lf/pt-spectra"],
                "reasons": [why],
                "because": ["member of lf"],
            },
            {
                # dq notifies the enabler: bob enabled dq/jpsi on D2 (commit 2); he is
                # also a member of lf.
                "login": "bob",
                "analyses": ["dq", "lf"],
                "wagons": ["dq/jpsi", "lf/pt-spectra"],
                "reasons": [why],
                "because": ["enabled dq/jpsi on D2", "member of lf"],
            },
        ],
    }


def test_a_runlist_change_reaches_the_wagons_on_its_datasets(scenario: Scenario) -> None:
    impact = _impact(scenario, 4, 5)
    assert impact["changed_runlists"] == {"R2": ["runs (+12)"]}
    assert impact["tests"] == [
        {
            "wagon": "dq/jpsi",
            "dataset": "D2",
            "package": "latest tag",
            "base": True,
            "subwagons": [],
            "reasons": ["runlist R2 of D2 changed: runs (+12)"],
        }
    ]
    assert [(r["login"], r["because"]) for r in impact["recipients"]] == [
        ("bob", ["enabled dq/jpsi on D2"])
    ]


def test_a_dataset_change_reaches_its_wagons_and_respects_notify_none(scenario: Scenario) -> None:
    impact = _impact(scenario, 3, 4)
    why = "D1 changed: productions[LHC22o/apass6].exclude_runs (+2)"
    assert impact["changed_datasets"] == {"D1": ["productions[LHC22o/apass6].exclude_runs (+2)"]}
    assert [(t["wagon"], t["dataset"], t["reasons"]) for t in impact["tests"]] == [
        ("cf/flow", "D1", [why]),
        ("lf/spectra", "D1", [why]),
    ]
    # cf notifies nobody; lf notifies all members.
    assert [r["login"] for r in impact["recipients"]] == ["alice", "bob"]


def test_enabling_tests_only_that_dataset(scenario: Scenario) -> None:
    impact = _impact(scenario, 1, 2)
    assert impact["changed_wagons"] == {"dq/jpsi": ["enabled[D2] created"]}
    assert [(t["wagon"], t["dataset"], t["reasons"]) for t in impact["tests"]] == [
        ("dq/jpsi", "D2", ["enabled on D2"])
    ]


def test_a_rename_retests_the_wagon(scenario: Scenario) -> None:
    impact = _impact(scenario, 5, 6)
    assert impact["changed_wagons"] == {"lf/pt-spectra": ["renamed from lf/spectra", "name"]}
    assert [(t["wagon"], t["reasons"]) for t in impact["tests"]] == [
        ("lf/pt-spectra", ["renamed from lf/spectra"])
    ]


def test_working_tree_description_only_and_inactive_dataset(gitrepo: GitRepo) -> None:
    build(gitrepo)
    root = gitrepo.root
    (root / "config/datasets/D2.yaml").write_text(
        INITIAL["config/datasets/D2.yaml"] + "active: false\n"
    )
    (root / "config/analyses/svc/wagons/evsel.yaml").write_text(
        EVSEL.replace("10.0", "8.0").replace("vertexZMax: 8.0", "vertexZMax: 8.0\n    extra: 1")
    )
    (root / "config/analyses/cf/wagons/flow.yaml").write_text(
        (root / "config/analyses/cf/wagons/flow.yaml").read_text() + "description: text only\n"
    )
    impact = impact_between(open_repo(root), "HEAD", None)
    assert impact.changed_wagons == {
        "cf/flow": ("description created",),
        # HEAD has vertexZMax 8.0 already (commit 7): only the new option is a change.
        "svc/evsel": ("configuration.event-selection.extra created",),
    }
    assert impact.changed_datasets == {"D2": ("active created",)}
    assert [(t.wagon, t.dataset) for t in impact.tests] == [("lf/pt-spectra", "D1")]
    assert impact.skipped == ("dq/jpsi on D2: the dataset is inactive",)


def test_enabler_preference_falls_back_to_members_when_unknown(scenario: Scenario) -> None:
    from hyperloop_gitops.gitedge import load_at
    from hyperloop_gitops.impact import compute_impact
    from hyperloop_gitops.semdiff import diff_revisions

    repo = open_repo(scenario.repo.root)
    base, head = scenario.c[6], scenario.c[7]
    impact = compute_impact(
        load_at(repo, base).repository,
        load_at(repo, head).repository,
        diff_revisions(repo, base, head).entities,
        enabler_of=lambda wagon, dataset: None,
    )
    unknown = "member of dq (who enabled dq/jpsi on D2 is not known)"
    assert [(r.login, r.because) for r in impact.recipients] == [
        ("alice", ("member of lf",)),
        ("bob", ("member of lf",)),
        ("carol", (unknown,)),
        ("dave", (unknown,)),
    ]
