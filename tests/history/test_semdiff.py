"""Semantic diff between revisions, and between a revision and the working tree."""

from __future__ import annotations

import shutil

from hyperloop_gitops.entitypath import EntityRef
from hyperloop_gitops.fielddiff import EntityDiff, FieldChange
from hyperloop_gitops.gitlog import open_repo
from hyperloop_gitops.semdiff import WORKING_TREE, diff_revisions
from tests.history.gitrepo import GitRepo
from tests.history.scenario import INITIAL, Scenario, build, runlist


def test_two_revisions(scenario: Scenario) -> None:
    result = diff_revisions(open_repo(scenario.repo.root), scenario.c[1], scenario.c[3])
    assert (result.base, result.head) == (scenario.c[1], scenario.c[3])
    assert result.entities == (
        EntityDiff(
            EntityRef("wagon", "dq/jpsi"),
            "updated",
            (FieldChange("created", "enabled[D2]", None, {"dataset": "D2", "latest": True}),),
        ),
        EntityDiff(
            EntityRef("wagon", "lf/spectra"),
            "updated",
            (
                FieldChange("updated", "configuration.pt-spectrum.etaMax", 0.8, 0.7),
                FieldChange(
                    "created",
                    "subwagons[wide]",
                    None,
                    {"name": "wide", "configuration": {"pt-spectrum": {"etaMax": 0.9}}},
                ),
            ),
        ),
    )


def test_a_rename_between_revisions(scenario: Scenario) -> None:
    result = diff_revisions(open_repo(scenario.repo.root), scenario.c[5], scenario.c[6])
    assert result.entities == (
        EntityDiff(
            EntityRef("wagon", "lf/pt-spectra"),
            "renamed",
            (FieldChange("updated", "name", "spectra", "pt-spectra"),),
            previous=EntityRef("wagon", "lf/spectra"),
        ),
    )


def test_same_revision_has_no_changes(scenario: Scenario) -> None:
    result = diff_revisions(open_repo(scenario.repo.root), "HEAD", scenario.c[7])
    assert result.entities == ()


def test_working_tree_with_uncommitted_files(gitrepo: GitRepo) -> None:
    build(gitrepo)
    root = gitrepo.root
    # Renamed by hand (no git mv), one file deleted, one new untracked file, one edit.
    shutil.move(root / "config/runlists/R1.yaml", root / "config/runlists/R1b.yaml")
    (root / "config/runlists/R1b.yaml").write_text(runlist("R1b", "[1, 2, 3]"))
    (root / "config/runlists/R2.yaml").unlink()
    (root / "config/runlists/R9.yaml").write_text("name: R9\nruns: [9]\n")
    (root / "config/datasets/D2.yaml").write_text(
        INITIAL["config/datasets/D2.yaml"] + "active: false\n"
    )
    (root / "config/notes.txt").write_text("not an entity")
    result = diff_revisions(open_repo(root), "HEAD", None)
    assert result.head == WORKING_TREE
    assert [(d.ref.kind, d.ref.name, d.op, d.previous) for d in result.entities] == [
        ("dataset", "D2", "updated", None),
        ("runlist", "R1b", "renamed", EntityRef("runlist", "R1")),
        ("runlist", "R2", "removed", None),
        ("runlist", "R9", "created", None),
    ]
    assert result.entities[0].fields == (FieldChange("created", "active", None, False),)
    assert result.entities[3].fields == (
        FieldChange("created", "name", None, "R9"),
        FieldChange("created", "runs", None, [9]),
    )
    assert result.to_json()["entities"][1] == {
        "kind": "runlist",
        "name": "R1b",
        "op": "renamed",
        "previous": "R1",
        "fields": [{"op": "updated", "path": "name", "old": "R1", "new": "R1b"}],
    }
