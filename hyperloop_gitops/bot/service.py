"""What the webhook server does with a verified delivery: the bot's long-running edge.

One clone (``root``) of the configuration repository; each pull request is fetched into it
before the bot judges it. Deliveries are handled one at a time by the server's worker thread,
so fetches never race.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from hyperloop_gitops.bot import revisions
from hyperloop_gitops.bot.github import GitHubForge
from hyperloop_gitops.bot.run import process_comment, process_pull_request
from hyperloop_gitops.bot.wagontests import clone_tests
from hyperloop_gitops.bot.webhook import Event

log = logging.getLogger(__name__)

PULL_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})


@dataclass
class Service:
    """Handles deliveries for the repositories the server accepts."""

    root: Path
    token: str
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    polite: bool = True
    run_tests: bool = True

    def forge(self, repo: str) -> GitHubForge:
        return GitHubForge(repo, self.token, base_url=self.api_url, polite=self.polite)

    def handle(self, event: Event) -> None:
        """Dispatch one delivery by its event name."""
        if event.name == "pull_request":
            self._pull_request(event)
        elif event.name == "issue_comment":
            self._comment(event)
        elif event.name == "push":
            log.info(
                "push to %s: nothing to do here (the reconcile workflow handles pushes)",
                event.payload.get("ref"),
            )

    def _run(self, repo: str, number: int, force: frozenset[str] | bool = frozenset()) -> None:
        process_pull_request(
            self.forge(repo),
            self.root,
            number,
            repo=repo,
            web_url=self.server_url,
            fetch_token=self.token,
            tests=clone_tests(self.root, force=force) if self.run_tests else None,
        )

    def _pull_request(self, event: Event) -> None:
        payload = event.payload
        if payload.get("action") not in PULL_ACTIONS:
            return
        pull = payload["pull_request"]
        self._run(event.repository, int(pull["number"]))

    def _comment(self, event: Event) -> None:
        payload = event.payload
        default = str((payload.get("repository") or {}).get("default_branch") or "main")
        revisions.fetch(
            self.root, f"+refs/heads/{default}:refs/hyperloop/base/{default}", token=self.token
        )

        def rerun(number: int, force: frozenset[str] | bool) -> None:
            self._run(event.repository, number, force)

        process_comment(
            self.forge(event.repository),
            self.root,
            payload,
            rerun=rerun,
            config_rev=f"refs/hyperloop/base/{default}",
        )
