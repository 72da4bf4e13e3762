"""Roles from config/hyperloop.yaml as the bot checks them: logins or ``@org/team`` teams.

Which teams a person belongs to is a question for the forge, so it is asked at the edge and the
answer passed in (``teams``): the checks here stay pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["admins", "operators", "dpg_experts"]

ROLE_TITLES: dict[Role, str] = {
    "admins": "an admin",
    "operators": "an operator",
    "dpg_experts": "a DPG expert",
}


@dataclass(frozen=True)
class Roles:
    """Who holds each role: forge logins and ``@org/team`` entries."""

    admins: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    dpg_experts: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> Roles:
        """The roles of a loaded ``Settings`` (``settings.roles``)."""
        roles = settings.roles
        return cls(
            admins=tuple(roles.admins),
            operators=tuple(roles.operators),
            dpg_experts=tuple(roles.dpg_experts),
        )

    def entries(self, role: Role) -> tuple[str, ...]:
        return tuple(getattr(self, role))

    def teams(self) -> set[str]:
        """Every ``@org/team`` named by any role: the ones to ask the forge about."""
        return {e for role in ROLE_TITLES for e in self.entries(role) if is_team(e)}

    def has(self, role: Role, login: str, teams: Iterable[str] = ()) -> bool:
        """Whether ``login`` holds ``role``. Admins hold every role."""
        wanted = set(self.entries(role)) | (set(self.admins) if role != "admins" else set())
        return matches(login, wanted, teams)


def is_team(entry: str) -> bool:
    return entry.startswith("@") and "/" in entry


def matches(login: str, entries: Iterable[str], teams: Iterable[str] = ()) -> bool:
    """Whether ``login`` is one of ``entries``, directly or through one of its ``teams``.

    Logins compare case-insensitively, as GitHub's do.
    """
    mine = {login.lower()} | {t.lower() for t in teams}
    return any(e.lower() in mine for e in entries)


def mention(entries: Iterable[str]) -> str:
    """``@olga, @alice-org/operators``: how a comment names the people who may approve."""
    return ", ".join(e if e.startswith("@") else f"@{e}" for e in entries)
