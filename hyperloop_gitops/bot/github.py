"""The GitHub forge, on PyGithub: the only module that talks to GitHub's REST API.

Objects are created lazily (PyGithub's ``lazy=True``), so a method sends exactly the requests
it needs and no "fetch the repository first" round trips. Every PyGithub failure becomes a
``ForgeError`` that says what failed and what to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import github
from github import Auth, Github, GithubException

from hyperloop_gitops.bot.forge import (
    COMMENT_MARKER,
    ChangedFile,
    CheckRun,
    PullRequest,
    Reaction,
    Status,
    clip_description,
    split_annotations,
)
from hyperloop_gitops.errors import ForgeError

DEFAULT_BASE_URL = "https://api.github.com"


class GitHubForge:
    """``Forge`` for one GitHub repository (github.com or GitHub Enterprise via ``base_url``).

    ``bot_login`` is the account the bot posts as; when unknown (a GitHub Actions token cannot
    ask "who am I"), the bot's comment is the first one carrying the marker written by a bot
    account, so a person pasting the marker cannot make the bot edit their comment.
    ``polite=False`` turns off PyGithub's retries and pauses between writes: for tests and for
    servers that are not GitHub.
    """

    def __init__(
        self,
        repo: str,
        token: str | None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        bot_login: str | None = None,
        polite: bool = True,
        timeout: int = 30,
        auth: Auth.Auth | None = None,
    ) -> None:
        if repo.count("/") != 1 or not all(repo.split("/")):
            raise ForgeError(f"repository must be OWNER/NAME, got {repo!r}")
        self.repo_name = repo
        self.bot_login = bot_login
        options: dict[str, Any] = {}
        if not polite:
            options = {
                "retry": None,
                "seconds_between_requests": None,
                "seconds_between_writes": None,
            }
        if auth is None and token:
            auth = Auth.Token(token)
        self._auth = auth
        self._github = Github(
            auth=auth,
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            per_page=100,
            lazy=True,
            user_agent="hyperloop-gitops-bot",
            **options,
        )
        self._repo = self._github.get_repo(repo)

    @classmethod
    def for_app(
        cls,
        repo: str,
        *,
        app_id: str,
        private_key: str,
        installation_id: int,
        base_url: str = DEFAULT_BASE_URL,
        polite: bool = True,
    ) -> GitHubForge:
        """The forge as a GitHub App installation: PyGithub signs a JWT with the app's key and
        trades it for an installation token (refreshed before it expires). The bot posts as
        the app's bot account, and may create check runs."""
        app = Auth.AppAuth(app_id, private_key)
        installation = app.get_installation_auth(installation_id)
        return cls(repo, None, base_url=base_url, polite=polite, auth=installation)

    def git_token(self) -> str | None:
        """A token git can fetch with (an installation token is fetched on first use)."""
        if self._auth is None:
            return None
        with _failure("getting a token for git"):
            return str(self._auth.token)

    def pull_request(self, number: int) -> PullRequest:
        with _failure(f"reading pull request #{number} of {self.repo_name}"):
            pull = self._repo.get_pull(number)
            return PullRequest(
                number=pull.number,
                author=pull.user.login,
                head_sha=pull.head.sha,
                base_ref=pull.base.ref,
                base_sha=pull.base.sha,
                title=pull.title or "",
            )

    def changed_files(self, number: int) -> list[ChangedFile]:
        with _failure(f"listing the files of pull request #{number}"):
            files = self._repo.get_pull(number).get_files()
            return [
                ChangedFile(
                    path=f.filename,
                    status=f.status,
                    previous_path=f.previous_filename,
                )
                for f in files
            ]

    def approvals(self, number: int) -> list[str]:
        latest: dict[str, str] = {}
        with _failure(f"reading the reviews of pull request #{number}"):
            for review in self._repo.get_pull(number).get_reviews():
                # Reviews come oldest first; a later "changes requested" withdraws an approval.
                if review.user is not None and review.state in ("APPROVED", "CHANGES_REQUESTED"):
                    latest[review.user.login] = review.state
        return sorted(login for login, state in latest.items() if state == "APPROVED")

    def upsert_comment(self, number: int, body: str) -> int:
        if not body.startswith(COMMENT_MARKER):
            raise ValueError("the bot's comment must start with COMMENT_MARKER")
        issue = self._repo.get_issue(number)
        with _failure(f"reading the comments of pull request #{number}"):
            mine = next((c for c in issue.get_comments() if self._is_mine(c)), None)
        if mine is None:
            with _failure(f"commenting on pull request #{number}"):
                return int(issue.create_comment(body).id)
        if mine.body != body:
            with _failure(f"updating comment {mine.id} on pull request #{number}"):
                mine.edit(body)
        return int(mine.id)

    def reply(self, number: int, body: str) -> int:
        with _failure(f"answering on pull request #{number}"):
            return int(self._repo.get_issue(number).create_comment(body).id)

    def _is_mine(self, comment: github.IssueComment.IssueComment) -> bool:
        if not (comment.body or "").startswith(COMMENT_MARKER):
            return False
        if self.bot_login is not None:
            return bool(comment.user.login == self.bot_login)
        return bool(comment.user.type == "Bot")

    def set_status(self, sha: str, status: Status) -> None:
        extra: dict[str, str] = {}
        if status.target_url:
            extra["target_url"] = status.target_url
        with _failure(f"setting status {status.context} on {sha[:12]}"):
            self._repo.get_commit(sha).create_status(
                state=status.state,
                description=clip_description(status.description),
                context=status.context,
                **extra,
            )

    def add_reaction(self, comment_id: int, reaction: Reaction) -> None:
        # Built from its URL, as PyGithub does itself: no request until the reaction is posted.
        comment = github.IssueComment.IssueComment(
            self._github.requester, url=f"{self._repo.url}/issues/comments/{comment_id}"
        )
        with _failure(f"reacting to comment {comment_id}"):
            comment.create_reaction(reaction)

    def post_check_run(self, sha: str, check: CheckRun) -> None:
        batches = split_annotations(check.annotations) or [()]
        with _failure(f"creating check run {check.name!r} on {sha[:12]}"):
            run = self._repo.create_check_run(
                name=check.name,
                head_sha=sha,
                status="completed",
                conclusion=check.conclusion,
                output=_output(check, batches[0]),
            )
            # GitHub takes 50 annotations per request; later batches are appended by updates.
            for batch in batches[1:]:
                run.edit(output=_output(check, batch))

    def is_team_member(self, team: str, login: str) -> bool:
        org, _, slug = team.removeprefix("@").partition("/")
        if not org or not slug:
            raise ForgeError(f"a team is written @org/team, got {team!r}")
        try:
            membership = (
                self._github.get_organization(org).get_team_by_slug(slug).get_team_membership(login)
            )
        except GithubException as error:
            if error.status == 404:
                return False
            raise _forge_error(f"checking whether {login} is in {team}", error) from error
        return bool(membership.state == "active")


def _output(check: CheckRun, batch: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "title": check.title,
        "summary": check.summary,
        "annotations": [
            {
                "path": a.path,
                "start_line": max(a.line, 1),
                "end_line": max(a.line, 1),
                "annotation_level": a.level,
                "message": a.message,
                **({"title": a.title} if a.title else {}),
            }
            for a in batch
        ],
    }


@contextmanager
def _failure(doing: str) -> Iterator[None]:
    try:
        yield
    except GithubException as error:
        raise _forge_error(doing, error) from error


def _forge_error(doing: str, error: GithubException) -> ForgeError:
    message = error.message
    if not message and isinstance(error.data, dict):
        message = str(error.data.get("message") or "")
    detail = f"HTTP {error.status}" + (f": {message}" if message else "")
    hint = {
        401: " (the token is missing, expired or wrong)",
        403: " (the token lacks a permission, or a rate limit was hit)",
        404: " (no such repository, pull request or comment, or the token cannot see it)",
        422: " (GitHub rejected the request's content)",
    }.get(error.status, "")
    return ForgeError(f"GitHub: {doing} failed: {detail}{hint}")
