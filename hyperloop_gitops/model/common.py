"""Shared pieces of the configuration model: the base class and the validated string types."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
LOGIN_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$"
TEAM_PATTERN = r"^@[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
PRINCIPAL_PATTERN = f"^(?:{LOGIN_PATTERN[1:-1]}|{TEAM_PATTERN[1:-1]})$"
TAG_PATTERN = r"^(?:O2Physics::)?[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
WAGON_REF_PATTERN = r"^(?:[A-Za-z0-9][A-Za-z0-9_-]{0,63}/)?[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
PERIOD_PATTERN = r"^LHC\d{2}[a-z0-9_]+$"

_NAME_RE = re.compile(NAME_PATTERN)
_LOGIN_RE = re.compile(LOGIN_PATTERN)
_TEAM_RE = re.compile(TEAM_PATTERN)
_TAG_RE = re.compile(TAG_PATTERN)
_WAGON_REF_RE = re.compile(WAGON_REF_PATTERN)


class Model(BaseModel):
    """Base of every configuration model: strict types, unknown keys are errors, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        populate_by_name=True,
        use_attribute_docstrings=False,
    )


def _check(regex: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{what}, found {value!r}")
        return value

    return AfterValidator(check)


Name = Annotated[
    str,
    Field(json_schema_extra={"pattern": NAME_PATTERN}),
    _check(
        _NAME_RE,
        "expected a name of letters, digits, '-' and '_' (at most 64, starting with a letter "
        "or digit)",
    ),
]
"""An entity name: it is also a file or folder name, so it can never hold '/', '.' or '..'."""

Login = Annotated[
    str,
    Field(json_schema_extra={"pattern": LOGIN_PATTERN}),
    _check(_LOGIN_RE, "expected a forge login (letters, digits and single '-', at most 39)"),
]

Principal = Annotated[
    str,
    Field(json_schema_extra={"pattern": PRINCIPAL_PATTERN}),
    AfterValidator(
        lambda v: (
            v
            if (_LOGIN_RE.match(v) or _TEAM_RE.match(v))
            else _raise(f"expected a forge login or a team '@org/team', found {v!r}")
        )
    ),
]
"""A forge login (``alice``) or a team (``@alice-collab/operators``)."""

PackageTag = Annotated[
    str,
    Field(json_schema_extra={"pattern": TAG_PATTERN}),
    _check(_TAG_RE, "expected a package tag such as 'daily-20261127-0000-1'"),
]

WagonRef = Annotated[
    str,
    Field(json_schema_extra={"pattern": WAGON_REF_PATTERN}),
    _check(_WAGON_REF_RE, "expected a wagon of this analysis ('wagon') or 'analysis/wagon'"),
]

RunNumber = Annotated[int, Field(gt=0, description="A run number (a positive integer).")]


def _raise(message: str) -> str:
    raise ValueError(message)


def is_team(principal: str) -> bool:
    return principal.startswith("@")


def short_tag(tag: str) -> str:
    """``O2Physics::daily-...`` and ``daily-...`` name the same tag."""
    return tag.removeprefix("O2Physics::")
