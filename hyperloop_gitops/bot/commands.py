"""Comment commands: ``/hyperloop help|retest|plan|kill|resubmit`` parsed and judged, purely.

``decide`` maps (command, who asked, roles) to a ``Decision``: the reaction that acknowledges
it, an optional reply, and the action for the edge to carry out. Nothing here talks to a forge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from hyperloop_gitops.bot.forge import Reaction
from hyperloop_gitops.bot.roles import Roles, matches, mention

PREFIX = "/hyperloop"
MAX_COMMANDS = 10  # one comment cannot queue unbounded work

_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_WAGON = re.compile(rf"{_NAME}/{_NAME}")
_TRAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")

Verb = Literal["help", "retest", "plan", "kill", "resubmit"]

HELP = """\
Commands (one per line, in a comment on the pull request):

| command | what it does | who |
|---|---|---|
| `/hyperloop help` | this list | anyone |
| `/hyperloop plan` | show the trains merging would submit | anyone |
| `/hyperloop retest` | run the affected wagon tests again | author, analysis members, operators |
| `/hyperloop retest ANALYSIS/WAGON` | retest one wagon | author, analysis members, operators |
| `/hyperloop kill TRAIN` | stop every job of a train | operators |
| `/hyperloop resubmit TRAIN` | resubmit a train's failed jobs | operators |"""


@dataclass(frozen=True)
class Command:
    """One ``/hyperloop`` line: its verb (``None`` when unknown), its argument, its text."""

    verb: Verb | None
    argument: str | None
    text: str


@dataclass(frozen=True)
class Action:
    """What the edge must do: ``retest`` (``target`` a wagon id or ``None`` for all),
    ``plan``, ``kill`` or ``resubmit`` (``target`` a train id)."""

    kind: Literal["retest", "plan", "kill", "resubmit"]
    target: str | None = None


@dataclass(frozen=True)
class Decision:
    command: Command
    reaction: Reaction
    reply: str | None = None
    action: Action | None = None


def parse_commands(body: str) -> list[Command]:
    """The commands of a comment: lines starting with ``/hyperloop``.

    Quoted lines (``> /hyperloop ...``) and fenced code blocks are skipped, so quoting or
    documenting a command never runs it.
    """
    commands: list[Command] = []
    fenced = False
    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or not (line == PREFIX or line.startswith(PREFIX + " ")):
            continue
        words = line.split()
        verb = words[1] if len(words) > 1 else "help"
        args = words[2:]
        commands.append(_command(verb, args, line))
        if len(commands) == MAX_COMMANDS:
            break
    return commands


def _command(verb: str, args: list[str], text: str) -> Command:
    if verb in ("help", "plan") and not args:
        return Command(verb, None, text)  # type: ignore[arg-type]
    if verb == "retest" and len(args) <= 1:
        return Command("retest", args[0] if args else None, text)
    if verb in ("kill", "resubmit") and len(args) == 1:
        return Command(verb, args[0], text)  # type: ignore[arg-type]
    return Command(None, None, text)


def decide(
    command: Command,
    *,
    actor: str,
    roles: Roles,
    actor_teams: Iterable[str] = (),
    pr_author: str | None = None,
    analysis_members: Mapping[str, Iterable[str]] | None = None,
) -> Decision:
    """Whether ``actor`` may run ``command``, and what to answer.

    ``analysis_members`` maps an analysis name to its members' logins; ``pr_author`` is the
    author of the pull request the comment is on (``None`` on an issue).
    """
    teams = tuple(actor_teams)
    members = analysis_members or {}
    if command.verb is None:
        reply = f"I do not know `{_code(command.text)}`.\n\n{HELP}"
        return Decision(command, "confused", reply)
    if command.verb == "help":
        return Decision(command, "+1", HELP)
    if command.verb == "plan":
        return Decision(command, "+1", None, Action("plan"))
    is_operator = roles.has("operators", actor, teams)
    if command.verb == "retest":
        target = command.argument
        if target is not None and not _WAGON.fullmatch(target):
            reply = (
                f"`{_code(target)}` is not a wagon: write ANALYSIS/WAGON,"
                " e.g. `pwglf-spectra/pt-spectrum`."
            )
            return Decision(command, "confused", reply)
        allowed = is_operator or (pr_author is not None and actor.lower() == pr_author.lower())
        if target is not None:
            allowed = allowed or matches(actor, members.get(target.split("/")[0], ()), teams)
        else:
            allowed = allowed or any(matches(actor, m, teams) for m in members.values())
        if not allowed:
            who = "the author of the pull request, members of the analysis or operators"
            return Decision(command, "-1", f"@{actor}: only {who} may retest.")
        return Decision(command, "+1", None, Action("retest", target))
    # kill / resubmit
    train = command.argument or ""
    if not _TRAIN.fullmatch(train):
        return Decision(command, "confused", f"`{_code(train)}` is not a train id.")
    if not is_operator:
        operators = mention(roles.operators) or "the operators"
        reply = f"@{actor}: only operators may {command.verb} a train; ask {operators}."
        return Decision(command, "-1", reply)
    return Decision(command, "+1", None, Action(command.verb, train))


def overall_reaction(decisions: Iterable[Decision]) -> Reaction | None:
    """One reaction for a comment: a refusal wins over confusion, confusion over success."""
    reactions = {d.reaction for d in decisions}
    order: tuple[Reaction, ...] = ("-1", "confused", "+1")
    for reaction in order:
        if reaction in reactions:
            return reaction
    return None


def _code(text: str) -> str:
    # A backtick in user text would close our inline code span and let the rest render.
    return text.replace("`", "'")[:200]
