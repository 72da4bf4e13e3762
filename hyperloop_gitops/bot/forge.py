"""The forge interface: everything the bot asks of GitHub (or another forge), and nothing more.

The bot decides what to say as a pure function; a ``Forge`` is the edge that says it. Keeping the
surface this small lets a test server speak the whole dialect, and another forge be added later
without touching the decision code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

COMMENT_MARKER = "<!-- hyperloop-bot:pr-comment -->"
"""The hidden first line of the bot's one comment per pull request: how it finds it again."""

STATUS_DESCRIPTION_MAX = 140
"""GitHub rejects commit-status descriptions longer than this."""

StatusState = Literal["pending", "success", "failure", "error"]
Reaction = Literal["+1", "-1", "confused", "eyes", "rocket"]
AnnotationLevel = Literal["notice", "warning", "failure"]


@dataclass(frozen=True)
class PullRequest:
    """What the bot needs to know about one pull request."""

    number: int
    author: str
    head_sha: str
    base_ref: str
    base_sha: str
    title: str = ""


@dataclass(frozen=True)
class ChangedFile:
    """One file a pull request changes; ``previous_path`` is set for renames."""

    path: str
    status: str
    previous_path: str | None = None


@dataclass(frozen=True)
class Status:
    """One commit status, e.g. ``hyperloop/validate``."""

    context: str
    state: StatusState
    description: str
    target_url: str | None = None


@dataclass(frozen=True)
class Annotation:
    """One line annotation of a check run (``line`` is 1-based)."""

    path: str
    line: int
    level: AnnotationLevel
    message: str
    title: str = ""


@dataclass(frozen=True)
class CheckRun:
    """A check run's final state: a conclusion, a summary and its line annotations."""

    name: str
    conclusion: Literal["success", "failure", "neutral"]
    title: str
    summary: str
    annotations: tuple[Annotation, ...] = ()


def clip_description(text: str) -> str:
    """A status description within GitHub's limit, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= STATUS_DESCRIPTION_MAX:
        return text
    cut = text[: STATUS_DESCRIPTION_MAX - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut + "…"


class Forge(Protocol):
    """A code forge as the bot sees it. Every method raises ``ForgeError`` on failure."""

    def pull_request(self, number: int) -> PullRequest:
        """The pull request ``number`` of the configured repository."""
        ...

    def changed_files(self, number: int) -> list[ChangedFile]:
        """Every file the pull request changes (all pages)."""
        ...

    def approvals(self, number: int) -> list[str]:
        """Logins whose latest review of the pull request approves it."""
        ...

    def upsert_comment(self, number: int, body: str) -> int:
        """Create the bot's comment, or update it in place if one carries the marker.

        ``body`` must start with ``COMMENT_MARKER``. Returns the comment id.
        """
        ...

    def reply(self, number: int, body: str) -> int:
        """Post a new comment (an answer to a command); returns its id."""
        ...

    def set_status(self, sha: str, status: Status) -> None:
        """Set one commit status on ``sha``."""
        ...

    def add_reaction(self, comment_id: int, reaction: Reaction) -> None:
        """React to an issue comment (how the bot acknowledges a command)."""
        ...

    def post_check_run(self, sha: str, check: CheckRun) -> None:
        """Create a completed check run with its annotations (needs a GitHub App token)."""
        ...

    def is_team_member(self, team: str, login: str) -> bool:
        """Whether ``login`` is an active member of ``team`` (``"@org/team"``)."""
        ...


def split_annotations(
    annotations: Sequence[Annotation], batch: int = 50
) -> list[tuple[Annotation, ...]]:
    """Annotations in batches of ``batch``: GitHub takes at most 50 per request."""
    return [tuple(annotations[i : i + batch]) for i in range(0, len(annotations), batch)]
