"""History of every entity from one pass over a real git log with several authors."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from hyperloop_gitops.entitypath import EntityRef
from hyperloop_gitops.errors import GitError, NotFoundError
from hyperloop_gitops.fielddiff import FieldChange
from hyperloop_gitops.gitlog import open_repo
from hyperloop_gitops.history import History, Logins, read_history
from tests.history.gitrepo import GitRepo
from tests.history.scenario import SPECTRA_3, Scenario


@pytest.fixture(scope="module")
def history(scenario: Scenario) -> History:
    return read_history(open_repo(scenario.repo.root))


def _summary(history: History, kind: str, name: str) -> list[tuple[str, str | None, str, str]]:
    return [
        (c.commit.subject, c.author.login, c.diff.op, c.diff.ref.name)
        for c in history.of(EntityRef(kind, name))  # type: ignore[arg-type]
    ]


def test_every_entity_has_a_history(history: History) -> None:
    assert sorted(f"{r.kind} {r.name}" for r in history.entries) == [
        "analysis cf",
        "analysis dq",
        "analysis lf",
        "analysis svc",
        "dataset D1",
        "dataset D2",
        "runlist R1",
        "runlist R2",
        "settings hyperloop",
        "wagon cf/flow",
        "wagon dq/jpsi",
        "wagon lf/pt-spectra",
        "wagon svc/evsel",
        "wagon svc/trksel",
    ]


def test_a_renamed_wagon_keeps_its_history_under_both_names(history: History) -> None:
    expected = [
        ("Initial configuration", "alice", "created", "lf/spectra"),
        ("Tighten eta, add wide", "carol", "updated", "lf/spectra"),
        ("Rename spectra", "alice", "renamed", "lf/pt-spectra"),
    ]
    assert _summary(history, "wagon", "lf/pt-spectra") == expected
    assert _summary(history, "wagon", "lf/spectra") == expected
    changes = history.of(EntityRef("wagon", "lf/pt-spectra"))
    assert changes[2].diff.previous == EntityRef("wagon", "lf/spectra")
    assert changes[2].diff.fields == (FieldChange("updated", "name", "spectra", "pt-spectra"),)


def test_subwagons_are_compared_by_name_not_position(history: History) -> None:
    # "wide" was inserted before "narrow": narrow is unchanged, wide is new.
    change = history.of(EntityRef("wagon", "lf/pt-spectra"))[1]
    assert change.diff.fields == (
        FieldChange("updated", "configuration.pt-spectrum.etaMax", 0.8, 0.7),
        FieldChange(
            "created",
            "subwagons[wide]",
            None,
            {"name": "wide", "configuration": {"pt-spectrum": {"etaMax": 0.9}}},
        ),
    )


def test_authors_logins_and_times(history: History) -> None:
    changes = {c.commit.subject: c for cs in history.entries.values() for c in cs}
    assert changes["Enable jpsi on D2"].author.to_json() == {
        "name": "Bob Brown",
        "email": "1234+bob@users.noreply.github.com",
        "login": "bob",
    }
    # The people map is matched without regard to case; unknown emails have no login.
    assert changes["Tighten eta, add wide"].author.login == "carol"
    assert changes["Vertex cut 8 cm"].author.login is None
    assert changes["Initial configuration"].commit.time == dt.datetime(
        2023, 11, 14, 23, 13, 20, tzinfo=dt.UTC
    )


def test_dataset_runlist_and_enabled_entries(history: History) -> None:
    d1 = history.of(EntityRef("dataset", "D1"))
    assert d1[1].diff.fields == (
        FieldChange("updated", "productions[LHC22o/apass6].exclude_runs", [], [2]),
    )
    r2 = history.of(EntityRef("runlist", "R2"))
    assert r2[1].diff.fields == (FieldChange("updated", "runs", [10, 11], [10, 11, 12]),)
    jpsi = history.of(EntityRef("wagon", "dq/jpsi"))
    assert jpsi[1].diff.fields == (
        FieldChange("created", "enabled[D2]", None, {"dataset": "D2", "latest": True}),
    )


def test_enablers_are_the_authors_who_added_the_entries(history: History) -> None:
    assert history.enablers() == {
        ("cf/flow", "D1"): "alice",
        ("dq/jpsi", "D2"): "bob",
        ("lf/pt-spectra", "D1"): "alice",
    }


def test_json_form_of_one_change(history: History) -> None:
    change = history.of(EntityRef("runlist", "R2"))[1]
    data = change.to_json()
    assert data["commit"] == change.commit.sha
    del data["commit"]
    assert data == {
        "author": {"name": "Dan DPG", "email": "dan@cern.example", "login": "dan"},
        "time": "2023-11-15T03:13:20+00:00",
        "subject": "R2: add run 12",
        "kind": "runlist",
        "name": "R2",
        "op": "updated",
        "previous": None,
        "fields": [{"op": "updated", "path": "runs", "old": [10, 11], "new": [10, 11, 12]}],
    }


def test_history_up_to_an_earlier_revision(scenario: Scenario) -> None:
    history = read_history(open_repo(scenario.repo.root), scenario.c[5])
    assert [c.commit.subject for c in history.of(EntityRef("wagon", "lf/spectra"))] == [
        "Initial configuration",
        "Tighten eta, add wide",
    ]
    with pytest.raises(NotFoundError) as error:
        history.of(EntityRef("wagon", "lf/pt-spectra"))
    assert str(error.value) == (
        "no history for wagon lf/pt-spectra: config/analyses/lf/wagons/pt-spectra.yaml never "
        "existed on this branch"
    )


def test_removal_recreation_comments_and_invalid_yaml(gitrepo: GitRepo) -> None:
    path = "config/runlists/R.yaml"
    gitrepo.commit("add", {path: "name: R\nruns: [1]\n"})
    gitrepo.commit("comment", {path: "# good runs\nname: R\nruns: [1]\n"}, author="bob")
    gitrepo.commit("break", {path: "name: R\nruns: [1\n"}, author="dan")
    gitrepo.commit("remove", {path: None}, author="olga")
    gitrepo.commit("again", {path: "name: R\nruns: [2]\n"}, author="eve")
    changes = read_history(open_repo(gitrepo.root)).of(EntityRef("runlist", "R"))
    assert [(c.commit.subject, c.diff.op) for c in changes] == [
        ("add", "created"),
        ("comment", "updated"),
        ("break", "updated"),
        ("remove", "removed"),
        ("again", "created"),
    ]
    assert changes[1].diff.fields == ()
    broken = changes[2].diff.fields
    assert len(broken) == 1 and broken[0].path == "" and broken[0].old == {"name": "R", "runs": [1]}
    assert str(broken[0].new).startswith("<invalid YAML: while parsing a flow sequence")
    assert changes[3].diff.fields[0] == FieldChange("removed", "", str(broken[0].new), None)


def test_merged_branches_keep_their_authors(gitrepo: GitRepo) -> None:
    path = "config/datasets/D.yaml"
    gitrepo.commit("add", {path: "name: D\nsize_tb: 1\nactive: true\n"})
    gitrepo.git("checkout", "-q", "-b", "feature")
    gitrepo.commit("grow", {path: "name: D\nsize_tb: 2\nactive: true\n"}, author="bob")
    gitrepo.git("checkout", "-q", "main")
    gitrepo.commit("other", {"config/runlists/R.yaml": "name: R\nruns: []\n"}, author="dan")
    gitrepo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    changes = read_history(open_repo(gitrepo.root)).of(EntityRef("dataset", "D"))
    # No people map here: alice has no known login, bob's comes from his noreply address.
    assert [(c.commit.subject, c.author.name, c.author.login) for c in changes] == [
        ("add", "Alice Adams", None),
        ("grow", "Bob Brown", "bob"),
    ]


def test_logins_from_people_and_noreply_addresses() -> None:
    logins = Logins({"people": [{"login": "ann", "emails": ["Ann@Lab.org"]}]})
    assert logins.login_of("ann@lab.org") == "ann"
    assert logins.login_of("99+zed-x@users.noreply.github.com") == "zed-x"
    assert logins.login_of("zed@users.noreply.github.com") == "zed"
    assert logins.login_of("someone@else.org") is None


def test_not_a_repository_and_unknown_revision(tmp_path: object, gitrepo: GitRepo) -> None:
    with pytest.raises(GitError, match=r"is not a git repository"):
        open_repo(gitrepo.root / "missing")
    gitrepo.commit("add", {"config/runlists/R.yaml": "name: R\n"})
    with pytest.raises(GitError) as error:
        read_history(open_repo(gitrepo.root), "nope")
    assert str(error.value) == f"unknown revision 'nope' in {gitrepo.root}"


def test_renamed_spectra_file_text_is_the_scenario_text() -> None:
    # Guards the scenario itself: the rename commit must stay similar enough for git -M.
    assert SPECTRA_3.count("\n") > 10


def test_concurrent_edits_of_one_file_on_two_branches(gitrepo: GitRepo) -> None:
    path = "config/datasets/D.yaml"
    middle = "type: run3-data\ncollision_system: pp\nactive: true\n"

    def text(size: int, description: str) -> str:
        return f"name: D\nsize_tb: {size}\n{middle}description: {description}\n"

    gitrepo.commit("add", {path: text(1, "a")})
    gitrepo.git("checkout", "-q", "-b", "feature")
    gitrepo.commit("grow", {path: text(2, "a")}, author="bob")
    gitrepo.git("checkout", "-q", "main")
    gitrepo.commit("describe", {path: text(1, "b")}, author="dan")
    gitrepo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    assert (gitrepo.root / path).read_text() == text(2, "b")
    changes = read_history(open_repo(gitrepo.root)).of(EntityRef("dataset", "D"))
    # Each branch's commit is diffed against its own parent, whatever the replay order.
    by_subject = {c.commit.subject: c.diff.fields for c in changes}
    assert by_subject == {
        "add": (
            FieldChange("created", "name", None, "D"),
            FieldChange("created", "size_tb", None, 1),
            FieldChange("created", "type", None, "run3-data"),
            FieldChange("created", "collision_system", None, "pp"),
            FieldChange("created", "active", None, True),
            FieldChange("created", "description", None, "a"),
        ),
        "grow": (FieldChange("updated", "size_tb", 1, 2),),
        "describe": (FieldChange("updated", "description", "a", "b"),),
    }


def test_odd_files_under_config_do_not_stop_history(gitrepo: GitRepo) -> None:
    gitrepo.commit("add", {"config/runlists/R.yaml": "name: R\nruns: [1]\n"})
    # A file whose name is not UTF-8, and a submodule (gitlink) at an entity's path.
    (gitrepo.root / "config").joinpath(os.fsdecode(b"caf\xe9.yaml")).write_text("x: 1\n")
    gitrepo.commit("odd name", {"config/runlists/R.yaml": "name: R\nruns: [1, 2]\n"}, author="dan")
    head = gitrepo.git("rev-parse", "HEAD").strip()
    gitrepo.git("update-index", "--add", "--cacheinfo", f"160000,{head},config/datasets/D.yaml")
    gitrepo.git("commit", "-q", "-m", "gitlink")
    history = read_history(open_repo(gitrepo.root))
    assert [(c.commit.subject, c.diff.op) for c in history.of(EntityRef("runlist", "R"))] == [
        ("add", "created"),
        ("odd name", "updated"),
    ]
    # A submodule is no configuration file: it reads as an entity without content.
    gitlink = history.of(EntityRef("dataset", "D"))
    assert [(c.commit.subject, c.diff.op, c.diff.fields) for c in gitlink] == [
        ("gitlink", "created", (FieldChange("created", "", None, None),))
    ]
