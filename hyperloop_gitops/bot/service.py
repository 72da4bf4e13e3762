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
from hyperloop_gitops.bot.respond import process_comment, reconciler_actions
from hyperloop_gitops.bot.run import process_pull_request
from hyperloop_gitops.bot.trainplan import clone_plan
from hyperloop_gitops.bot.wagontests import clone_tests
from hyperloop_gitops.bot.webhook import Event
from hyperloop_gitops.errors import ForgeError

log = logging.getLogger(__name__)

PULL_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})


@dataclass(frozen=True)
class AppCredentials:
    """A GitHub App: its id and private key (PEM). Each delivery names its installation."""

    app_id: str
    private_key: str


@dataclass
class Service:
    """Handles deliveries for the repositories the server accepts.

    Authenticates with ``token``, or as the GitHub App ``app`` (then each delivery's
    installation gets its own token, and pull requests also get a check run).
    """

    root: Path
    token: str | None = None
    app: AppCredentials | None = None
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    polite: bool = True
    run_tests: bool = True
    run_plan: bool = True

    def forge(self, event: Event) -> GitHubForge:
        """The forge for the delivery's repository (and installation, as an app)."""
        if self.app is None:
            return GitHubForge(
                event.repository, self.token, base_url=self.api_url, polite=self.polite
            )
        installation = (event.payload.get("installation") or {}).get("id")
        if not isinstance(installation, int):
            raise ForgeError("the delivery names no app installation (installation.id)")
        return GitHubForge.for_app(
            event.repository,
            app_id=self.app.app_id,
            private_key=self.app.private_key,
            installation_id=installation,
            base_url=self.api_url,
            polite=self.polite,
        )

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

    def _run(self, event: Event, number: int, force: frozenset[str] | bool = frozenset()) -> None:
        forge = self.forge(event)
        process_pull_request(
            forge,
            self.root,
            number,
            repo=event.repository,
            web_url=self.server_url,
            fetch_token=forge.git_token(),
            with_check_run=self.app is not None,
            tests=clone_tests(self.root, force=force) if self.run_tests else None,
            plan=clone_plan(self.root) if self.run_plan else None,
        )

    def _pull_request(self, event: Event) -> None:
        payload = event.payload
        if payload.get("action") not in PULL_ACTIONS:
            return
        self._run(event, int(payload["pull_request"]["number"]))

    def _comment(self, event: Event) -> None:
        payload = event.payload
        forge = self.forge(event)
        default = str((payload.get("repository") or {}).get("default_branch") or "main")
        revisions.fetch(
            self.root,
            f"+refs/heads/{default}:refs/hyperloop/base/{default}",
            token=forge.git_token(),
        )

        def rerun(number: int, force: frozenset[str] | bool) -> None:
            self._run(event, number, force)

        process_comment(
            forge,
            self.root,
            payload,
            rerun=rerun,
            config_rev=f"refs/hyperloop/base/{default}",
            train_action=reconciler_actions(self.root),
        )
