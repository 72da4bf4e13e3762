"""Comment commands: parsing and the role checks, as pure decisions."""

from __future__ import annotations

import pytest

from hyperloop_gitops.bot.commands import (
    HELP,
    Action,
    Command,
    Decision,
    decide,
    overall_reaction,
    parse_commands,
)
from hyperloop_gitops.bot.roles import Roles

ROLES = Roles(admins=("alice",), operators=("olga", "@alice-org/ops"), dpg_experts=("dan",))
MEMBERS = {"pwglf-spectra": ("bob", "carol")}


def one(text: str) -> Command:
    (command,) = parse_commands(text)
    return command


def test_parse_every_verb() -> None:
    body = "\n".join(
        [
            "Thanks!",
            "/hyperloop help",
            "  /hyperloop retest  ",
            "/hyperloop retest pwglf-spectra/pt-spectrum",
            "/hyperloop plan",
            "/hyperloop kill T-20261128-0007",
            "/hyperloop resubmit T-20261128-0007",
            "/hyperloop",
            "/hyperloopy plan",
        ]
    )
    assert [(c.verb, c.argument) for c in parse_commands(body)] == [
        ("help", None),
        ("retest", None),
        ("retest", "pwglf-spectra/pt-spectrum"),
        ("plan", None),
        ("kill", "T-20261128-0007"),
        ("resubmit", "T-20261128-0007"),
        ("help", None),
    ]


def test_quotes_and_code_blocks_are_not_commands() -> None:
    body = "> /hyperloop kill T-1\n```\n/hyperloop kill T-2\n```\n`/hyperloop kill T-3`\n"
    assert parse_commands(body) == []


def test_malformed_commands_are_unknown() -> None:
    assert one("/hyperloop deploy") == Command(None, None, "/hyperloop deploy")
    assert one("/hyperloop kill") == Command(None, None, "/hyperloop kill")
    assert one("/hyperloop plan now") == Command(None, None, "/hyperloop plan now")
    assert one("/hyperloop retest a/b c/d").verb is None


def test_at_most_ten_commands_per_comment() -> None:
    assert len(parse_commands("/hyperloop plan\n" * 50)) == 10


def test_help_and_plan_are_for_anyone() -> None:
    assert decide(one("/hyperloop help"), actor="zed", roles=ROLES) == Decision(
        one("/hyperloop help"), "+1", HELP
    )
    assert decide(one("/hyperloop plan"), actor="zed", roles=ROLES).action == Action("plan")


def test_unknown_command_is_answered_with_help() -> None:
    decision = decide(one("/hyperloop deploy `now`"), actor="zed", roles=ROLES)
    assert decision.reaction == "confused"
    assert decision.reply == f"I do not know `/hyperloop deploy 'now'`.\n\n{HELP}"
    assert decision.action is None


@pytest.mark.parametrize(
    ("actor", "teams", "allowed"),
    [
        ("olga", (), True),
        ("OLGA", (), True),
        ("alice", (), True),  # admins hold every role
        ("tom", ("@alice-org/ops",), True),
        ("bob", (), False),
        ("tom", ("@alice-org/other",), False),
    ],
)
def test_kill_is_for_operators(actor: str, teams: tuple[str, ...], allowed: bool) -> None:
    decision = decide(one("/hyperloop kill T-7"), actor=actor, roles=ROLES, actor_teams=teams)
    if allowed:
        assert (decision.reaction, decision.reply, decision.action) == (
            "+1",
            None,
            Action("kill", "T-7"),
        )
    else:
        assert decision.reaction == "-1"
        assert decision.reply == (
            f"@{actor}: only operators may kill a train; ask @olga, @alice-org/ops."
        )
        assert decision.action is None


def test_resubmit_checks_the_train_id() -> None:
    decision = decide(one("/hyperloop resubmit ../x"), actor="olga", roles=ROLES)
    assert (decision.reaction, decision.reply) == ("confused", "`../x` is not a train id.")
    ok = decide(one("/hyperloop resubmit T-9"), actor="olga", roles=ROLES)
    assert ok.action == Action("resubmit", "T-9")


def test_retest_by_author_members_and_operators() -> None:
    everything = one("/hyperloop retest")
    wagon = one("/hyperloop retest pwglf-spectra/pt-spectrum")
    assert decide(everything, actor="eve", roles=ROLES, pr_author="eve").action == Action("retest")
    assert decide(wagon, actor="carol", roles=ROLES, analysis_members=MEMBERS).action == Action(
        "retest", "pwglf-spectra/pt-spectrum"
    )
    assert decide(wagon, actor="olga", roles=ROLES).reaction == "+1"
    refused = decide(wagon, actor="zed", roles=ROLES, pr_author="eve", analysis_members=MEMBERS)
    assert (refused.reaction, refused.reply) == (
        "-1",
        "@zed: only the author of the pull request, members of the analysis or operators"
        " may retest.",
    )


def test_retest_target_must_be_a_wagon_id() -> None:
    decision = decide(one("/hyperloop retest pt-spectrum"), actor="olga", roles=ROLES)
    assert decision.reaction == "confused"
    assert decision.reply == (
        "`pt-spectrum` is not a wagon: write ANALYSIS/WAGON, e.g. `pwglf-spectra/pt-spectrum`."
    )


def test_one_reaction_per_comment() -> None:
    ok = decide(one("/hyperloop plan"), actor="zed", roles=ROLES)
    confused = decide(one("/hyperloop nope"), actor="zed", roles=ROLES)
    refused = decide(one("/hyperloop kill T-1"), actor="zed", roles=ROLES)
    assert overall_reaction([ok]) == "+1"
    assert overall_reaction([ok, confused]) == "confused"
    assert overall_reaction([confused, refused, ok]) == "-1"
    assert overall_reaction([]) is None
