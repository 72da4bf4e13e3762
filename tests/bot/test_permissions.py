"""Permissions from changed paths, roles and analyses' members."""

from __future__ import annotations

from hyperloop_gitops.bot.forge import ChangedFile
from hyperloop_gitops.bot.permissions import (
    Access,
    Problem,
    check_permissions,
    permission_summary,
)
from hyperloop_gitops.bot.roles import Roles

ACCESS = Access(
    roles=Roles(admins=("alice",), operators=("olga", "@org/ops"), dpg_experts=("dan",)),
    base_members={"pwglf-spectra": ("bob", "carol")},
    head_members={"pwglf-spectra": ("bob", "carol", "mallory"), "pwgdq-new": ("eve",)},
)
WAGON = "config/analyses/pwglf-spectra/wagons/pt-spectrum.yaml"
DATASET = "config/datasets/LHC22o_pass6.yaml"
RUNLIST = "config/runlists/LHC22o_apass6_good.yaml"


def check(author: str, *paths: str, teams: tuple[str, ...] = (), **kw: object) -> list[Problem]:
    files = [ChangedFile(p, "modified") for p in paths]
    return check_permissions(files, author=author, author_teams=teams, access=ACCESS, **kw)  # type: ignore[arg-type]


def test_members_edit_their_analysis() -> None:
    assert check("bob", WAGON) == []
    assert check("alice", WAGON) == []  # admin


def test_a_pull_request_cannot_make_its_author_a_member() -> None:
    assert check("mallory", WAGON, "config/analyses/pwglf-spectra/analysis.yaml") == [
        Problem(
            "config/analyses/pwglf-spectra/analysis.yaml",
            "a member of analysis pwglf-spectra",
            ("bob", "carol", "alice"),
        ),
        Problem(WAGON, "a member of analysis pwglf-spectra", ("bob", "carol", "alice")),
    ]


def test_a_new_analysis_by_its_members() -> None:
    assert check("eve", "config/analyses/pwgdq-new/analysis.yaml") == []
    assert check("bob", "config/analyses/pwgdq-new/analysis.yaml") == [
        Problem(
            "config/analyses/pwgdq-new/analysis.yaml",
            "a member of the new analysis pwgdq-new",
            ("eve", "alice"),
        )
    ]


def test_datasets_runlists_settings_and_other_files() -> None:
    assert check("olga", DATASET) == []
    assert check("tom", DATASET, teams=("@org/ops",)) == []
    assert check("dan", RUNLIST) == []
    assert check("bob", DATASET, RUNLIST, "config/hyperloop.yaml", ".github/workflows/x.yml") == [
        Problem(".github/workflows/x.yml", "an admin", ("alice",)),
        Problem("config/datasets/LHC22o_pass6.yaml", "an operator", ("olga", "@org/ops", "alice")),
        Problem("config/hyperloop.yaml", "an admin", ("alice",)),
        Problem("config/runlists/LHC22o_apass6_good.yaml", "a DPG expert", ("dan", "alice")),
    ]


def test_both_sides_of_a_rename_are_checked() -> None:
    moved = ChangedFile(
        "config/analyses/pwglf-spectra/wagons/new.yaml",
        "renamed",
        previous_path="config/analyses/pwgdq-other/wagons/old.yaml",
    )
    problems = check_permissions([moved], author="bob", author_teams=(), access=ACCESS)
    assert [p.path for p in problems] == ["config/analyses/pwgdq-other/wagons/old.yaml"]


def test_an_approval_by_someone_allowed_clears_the_problem() -> None:
    assert check("bob", DATASET, approvals={"carol": ()}) == [
        Problem(DATASET, "an operator", ("olga", "@org/ops", "alice"))
    ]
    assert check("bob", DATASET, approvals={"olga": ()}) == []
    assert check("bob", DATASET, approvals={"tom": ("@org/ops",)}) == []


def test_summary_for_a_commit_status() -> None:
    problems = check("bob", DATASET, RUNLIST)
    assert permission_summary(problems, "bob") == (
        "bob may not change config/datasets/LHC22o_pass6.yaml (+1 more): needs an operator;"
        " approvers: olga, @org/ops, alice"
    )
    assert permission_summary([], "bob") == "Every changed file may be changed by its author"
