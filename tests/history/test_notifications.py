"""Notifications derived from a real history: what each analysis and user is told."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hyperloop_gitops.cli import main
from hyperloop_gitops.gitlog import open_repo
from hyperloop_gitops.notifications import Notifications, scan
from tests.history.gitrepo import GitRepo
from tests.history.scenario import FLOW, INITIAL, A, build, dataset

D2_TWO_PRODUCTIONS = INITIAL["config/datasets/D2.yaml"].replace(
    "files:",
    "  - period: LHC22p\n    pass: apass1\n    runlist: R1\nfiles:",
)


def _more_history(gitrepo: GitRepo) -> Notifications:
    build(gitrepo)
    gitrepo.commit(
        "D2: add LHC22p, weekly slots, short dataset",
        {
            "config/datasets/D2.yaml": D2_TWO_PRODUCTIONS
            + "short_datasets: [D1]\ncomposition:\n  mode: scheduled\n"
            "  slots: [{day: monday, time: '08:00'}]\n"
        },
        author="olga",
    )
    gitrepo.commit(
        "Deactivate D2",
        {"config/datasets/D2.yaml": dataset("D2", "R2") + "active: false\n"},
        author="olga",
    )
    gitrepo.commit(
        "Stop flow on D1",
        {f"{A}/cf/wagons/flow.yaml": FLOW.split("enabled:")[0] + "enabled: []\n"},
        author="bob",
    )
    gitrepo.commit(
        "Remove D1 and what runs on it",
        {
            "config/datasets/D1.yaml": None,
            f"{A}/lf/wagons/pt-spectra.yaml": None,
        },
        author="olga",
    )
    return scan(open_repo(gitrepo.root))[1]


def test_every_kind_with_its_audience(gitrepo: GitRepo) -> None:
    found = _more_history(gitrepo)
    assert [(n.kind, n.message, n.analyses, n.wagons) for n in found.items] == [
        (
            "dataset-changed",
            "dataset D1 changed: exclude list",
            ("cf", "lf"),
            ("cf/flow", "lf/spectra"),
        ),
        ("runlist-updated", "DPG runlist R2 updated: 1 run added", ("dq",), ("dq/jpsi",)),
        ("production-added", "production LHC22p/apass1 added to D2", ("dq",), ("dq/jpsi",)),
        (
            "dataset-changed",
            "dataset D2 changed: short datasets, composition schedule",
            ("dq",),
            ("dq/jpsi",),
        ),
        ("dataset-deactivated", "dataset D2 was deactivated", ("dq",), ("dq/jpsi",)),
        ("production-removed", "production LHC22p/apass1 removed from D2", ("dq",), ("dq/jpsi",)),
        (
            "dataset-changed",
            "dataset D2 changed: short datasets, composition schedule",
            ("dq",),
            ("dq/jpsi",),
        ),
        (
            "wagon-disabled",
            "wagon dq/jpsi disabled on D2: dataset D2 was deactivated",
            ("dq",),
            ("dq/jpsi",),
        ),
        ("wagon-disabled", "wagon cf/flow disabled on D1: disabled by @bob", ("cf",), ("cf/flow",)),
        (
            "wagon-disabled",
            "wagon lf/pt-spectra disabled on D1: dataset D1 was removed",
            ("lf",),
            ("lf/pt-spectra",),
        ),
    ]
    deactivated = found.items[4]
    assert (deactivated.author.login, deactivated.subject.name) == ("olga", "D2")
    assert found.items[1].details == {"added": [12], "removed": [], "datasets": ["D2"]}


def test_per_user_and_per_analysis(gitrepo: GitRepo) -> None:
    found = _more_history(gitrepo)
    assert found.members == {
        "cf": ("frank",),
        "dq": ("carol", "dave"),
        "lf": ("alice", "bob"),
        "svc": ("olga",),
    }
    assert [n.kind for n in found.for_user("frank")] == ["dataset-changed", "wagon-disabled"]
    assert [n.message for n in found.for_analysis("lf")] == [
        "dataset D1 changed: exclude list",
        "wagon lf/pt-spectra disabled on D1: dataset D1 was removed",
    ]
    assert found.for_user("nobody") == []
    data = found.to_json("alice")
    assert list(data) == ["notifications", "by_analysis", "by_user"]
    assert data["by_user"] == {"alice": [n["id"] for n in data["notifications"]]}
    assert len(data["notifications"]) == 2


def test_notifications_command(gitrepo: GitRepo) -> None:
    _more_history(gitrepo)
    runner = CliRunner()
    result = runner.invoke(main, ["--repo", str(gitrepo.root), "notifications", "--user", "frank"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "🔔 2 notifications for @frank"
    assert lines[2].endswith("  @bob")
    assert lines[3:5] == [
        "    wagon cf/flow disabled on D1: disabled by @bob",
        "    your wagons: cf/flow (cf)",
    ]
    result = runner.invoke(main, ["--repo", str(gitrepo.root), "notifications"])
    assert result.stdout.splitlines()[-2:] == [
        "    dataset D1 changed: exclude list",
        "    wagons: cf/flow, lf/spectra (cf, lf)",
    ]
    result = runner.invoke(main, ["--repo", str(gitrepo.root), "notifications", "--user", "bob"])
    assert "    your wagons: lf/spectra (lf)" in result.stdout.splitlines()
    result = runner.invoke(main, ["--repo", str(gitrepo.root), "notifications", "--json"])
    data = json.loads(result.stdout)
    assert len(data["notifications"]) == 10
    assert sorted(data["by_user"]) == ["alice", "bob", "carol", "dave", "frank", "olga"]


def test_configuration_inconsistent_with_the_tasks_configurables(gitrepo: GitRepo) -> None:
    wagon = f"{A}/lf/wagons/w.yaml"
    gitrepo.commit("add", {wagon: "name: w\nworkflow: pt-spectrum\n"}, author="alice")
    gitrepo.commit(
        "typo",
        {wagon: "name: w\nworkflow: pt-spectrum\nconfiguration:\n  pt-spectrum: {etaMx: 0.5}\n"},
        author="bob",
    )
    gitrepo.commit("o2", {f"{A}/lf/wagons/o2.yaml": "name: o2\nworkflow: o2-analysis-x\n"})
    found = scan(open_repo(gitrepo.root))[1]
    assert [(n.kind, n.subject.name, n.author.login, n.analyses) for n in found.items] == [
        ("configuration-inconsistent", "lf/w", "bob", ("lf",))
    ]
    assert found.items[0].message == (
        "wagon lf/w: configuration inconsistent with task pt-spectrum: "
        "configuration.pt-spectrum.etaMx: unknown option 'etaMx' (did you mean 'etaMax'?)"
    )
