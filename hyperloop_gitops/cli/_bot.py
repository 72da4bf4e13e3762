"""`hyperloop bot local|pr|serve`: the pull-request bot from the command line."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hyperloop_gitops.cli._app import Obj, echo_err, main
from hyperloop_gitops.errors import HyperloopError

if TYPE_CHECKING:
    from hyperloop_gitops.bot.service import AppCredentials

TOKEN_ENV = "GITHUB_TOKEN"
APP_ID_ENV = "HYPERLOOP_GITHUB_APP_ID"
APP_KEY_ENV = "HYPERLOOP_GITHUB_APP_KEY_FILE"


class BotError(HyperloopError):
    """Raised by `hyperloop bot` when its environment (token, event, secret) is incomplete."""


def _test_options(command: Any) -> Any:
    """--tests/--no-tests, --plan/--no-plan, --results, --data-dir: for `local` and `pr`."""
    command = click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where local datasets live (default: .hyperloop/data in the repository).",
    )(command)
    command = click.option(
        "--results",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where test results live (default: .hyperloop/tests in the repository).",
    )(command)
    command = click.option(
        "--plan/--no-plan",
        "run_plan",
        default=True,
        show_default=True,
        help="Show the plan of trains merging would submit (the reconciler's, on the head).",
    )(command)
    return click.option(
        "--tests/--no-tests",
        "run_tests",
        default=True,
        show_default=True,
        help="Run the wagon tests the change calls for (identical tests are reused).",
    )(command)


@main.group()
def bot() -> None:
    """The pull-request bot: validate, check permissions, comment, set statuses."""


@bot.command()
@click.option("--base", required=True, help="The base revision (e.g. main).")
@click.option("--head", default="HEAD", show_default=True, help="The revision to judge.")
@click.option("--author", help="Forge login of the author (default: from the head commit's email).")
@click.option("--repo-name", help="OWNER/NAME for links (default: from the origin remote).")
@_test_options
@click.pass_obj
def local(
    obj: Obj,
    *,
    base: str,
    head: str,
    author: str | None,
    repo_name: str | None,
    run_tests: bool,
    run_plan: bool,
    results: Path | None,
    data_dir: Path | None,
) -> None:
    """Print the comment the bot would post for the change BASE..HEAD. No forge, no token."""
    from hyperloop_gitops.bot.run import local_report
    from hyperloop_gitops.bot.trainplan import clone_plan
    from hyperloop_gitops.bot.wagontests import clone_tests

    tests = clone_tests(obj.repo, results=results, data_dir=data_dir) if run_tests else None
    plan = clone_plan(obj.repo, results=results, data_dir=data_dir) if run_plan else None
    outcome = local_report(
        obj.repo, base=base, head=head, author=author, repo=repo_name, tests=tests, plan=plan
    )
    click.echo(outcome.comment, nl=False)


@bot.command()
@click.option(
    "--repo",
    "repo_name",
    envvar="GITHUB_REPOSITORY",
    required=True,
    help="OWNER/NAME [env: GITHUB_REPOSITORY].",
)
@click.option("--pr", "number", type=int, help="Pull request number (default: from the event).")
@click.option(
    "--event-path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="GITHUB_EVENT_PATH",
    help="The event JSON [env: GITHUB_EVENT_PATH].",
)
@click.option(
    "--api-url",
    envvar="GITHUB_API_URL",
    default="https://api.github.com",
    show_default=True,
    help="REST API root (GitHub Enterprise: https://HOST/api/v3).",
)
@click.option(
    "--server-url",
    envvar="GITHUB_SERVER_URL",
    default="https://github.com",
    show_default=True,
    help="Web root, for links to files.",
)
@click.option(
    "--check-run/--no-check-run",
    default=False,
    show_default=True,
    help="Also post a check run with line annotations (needs checks: write).",
)
@click.option(
    "--no-throttle",
    is_flag=True,
    hidden=True,
    help="No retries or pauses between writes: for servers that are not GitHub.",
)
@_test_options
@click.pass_obj
def pr(  # noqa: PLR0917  (click passes each option as an argument)
    obj: Obj,
    repo_name: str,
    number: int | None,
    event_path: Path | None,
    api_url: str,
    server_url: str,
    check_run: bool,
    no_throttle: bool,
    run_tests: bool,
    run_plan: bool,
    results: Path | None,
    data_dir: Path | None,
) -> None:
    """Run the bot on one pull request (GitHub Actions: token in GITHUB_TOKEN).

    On an issue_comment event, act on its /hyperloop commands instead.
    """
    from hyperloop_gitops.bot.github import GitHubForge
    from hyperloop_gitops.bot.respond import process_comment, reconciler_actions
    from hyperloop_gitops.bot.run import process_pull_request
    from hyperloop_gitops.bot.trainplan import clone_plan
    from hyperloop_gitops.bot.wagontests import clone_tests

    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise BotError(f"{TOKEN_ENV} is not set: the bot needs a token to comment")
    event = _read_event(event_path)
    forge = GitHubForge(repo_name, token, base_url=api_url, polite=not no_throttle)
    target_url = _run_url(server_url, repo_name)

    def run(pr_number: int, force: frozenset[str] | bool = frozenset()) -> None:
        tests = (
            clone_tests(obj.repo, results=results, data_dir=data_dir, force=force)
            if run_tests
            else None
        )
        outcome = process_pull_request(
            forge,
            obj.repo,
            pr_number,
            repo=repo_name,
            target_url=target_url,
            with_check_run=check_run,
            web_url=server_url,
            fetch_token=token,
            tests=tests,
            plan=clone_plan(obj.repo, results=results, data_dir=data_dir) if run_plan else None,
        )
        click.echo(
            f"pull request #{pr_number}: {outcome.view.author}: comment {outcome.comment_id}"
        )
        click.echo(outcome.comment, nl=False)

    if number is None and "comment" in event:
        result = process_comment(
            forge, obj.repo, event, rerun=run, train_action=reconciler_actions(obj.repo)
        )
        for decision in result.decisions:
            click.echo(f"{decision.command.text}: {decision.reaction}")
        return
    if number is None:
        number = (event.get("pull_request") or {}).get("number") or event.get("number")
    if not isinstance(number, int):
        raise BotError("no pull request: pass --pr N, or run on a pull_request event")
    run(number)


@bot.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--repository",
    "repositories",
    multiple=True,
    metavar="OWNER/NAME",
    help="A repository whose deliveries are accepted (repeatable; default: origin).",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".hyperloop/bot"),
    show_default=True,
    help="Where handled delivery ids are kept.",
)
@click.option(
    "--max-payload",
    type=int,
    default=5 * 1024 * 1024,
    show_default=True,
    help="Largest delivery accepted, in bytes.",
)
@click.option(
    "--api-url", envvar="GITHUB_API_URL", default="https://api.github.com", show_default=True
)
@click.option(
    "--server-url", envvar="GITHUB_SERVER_URL", default="https://github.com", show_default=True
)
@click.pass_obj
def serve(  # noqa: PLR0917  (click passes each option as an argument)
    obj: Obj,
    host: str,
    port: int,
    repositories: tuple[str, ...],
    state_dir: Path,
    max_payload: int,
    api_url: str,
    server_url: str,
) -> None:
    """Serve GitHub webhooks (secret in HYPERLOOP_WEBHOOK_SECRET; token in GITHUB_TOKEN, or a
    GitHub App: HYPERLOOP_GITHUB_APP_ID and HYPERLOOP_GITHUB_APP_KEY_FILE).

    The configuration repository (-C) must be a clone of the repository; the bot fetches each
    pull request into it before judging it.
    """
    from hyperloop_gitops.bot.run import origin_repo
    from hyperloop_gitops.bot.service import Service
    from hyperloop_gitops.bot.webhook import (
        SECRET_ENV,
        WebhookConfig,
        WebhookServer,
        parse_repositories,
    )

    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        raise BotError(f"{SECRET_ENV} is not set: the server verifies every delivery with it")
    app = _app_credentials()
    token = os.environ.get(TOKEN_ENV)
    if app is None and not token:
        raise BotError(f"set {TOKEN_ENV}, or {APP_ID_ENV} and {APP_KEY_ENV} to run as a GitHub App")
    if not repositories:
        origin = origin_repo(obj.repo)
        if origin is None:
            raise BotError("pass --repository OWNER/NAME (the clone has no GitHub origin)")
        repositories = (origin,)
    try:
        allowed = parse_repositories(repositories)
    except ValueError as error:
        raise BotError(str(error)) from error
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    service = Service(root=obj.repo, token=token, app=app, api_url=api_url, server_url=server_url)
    config = WebhookConfig(
        secret=secret.encode(),
        repositories=allowed,
        state_dir=state_dir,
        max_payload=max_payload,
    )
    server = WebhookServer(config, service.handle, host=host, port=port)
    bound_host, bound_port = server.address
    echo_err(
        f"hyperloop bot: serving webhooks on http://{bound_host}:{bound_port}/ for "
        + ", ".join(sorted(allowed))
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo_err("hyperloop bot: stopped")


def _app_credentials() -> AppCredentials | None:
    """The GitHub App of HYPERLOOP_GITHUB_APP_ID and HYPERLOOP_GITHUB_APP_KEY_FILE, if set."""
    from hyperloop_gitops.bot.service import AppCredentials

    app_id = os.environ.get(APP_ID_ENV)
    key_file = os.environ.get(APP_KEY_ENV)
    if not app_id and not key_file:
        return None
    if not (app_id and key_file):
        raise BotError(f"a GitHub App needs both {APP_ID_ENV} and {APP_KEY_ENV}")
    try:
        key = Path(key_file).read_text(encoding="utf-8")
    except OSError as error:
        raise BotError(f"cannot read the app's private key {key_file}: {error.strerror}") from None
    return AppCredentials(app_id=app_id, private_key=key)


def _read_event(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BotError(f"cannot read the event {path}: {error}") from error
    return data if isinstance(data, dict) else {}


def _run_url(server_url: str, repo: str) -> str | None:
    run_id = os.environ.get("GITHUB_RUN_ID")
    return f"{server_url}/{repo}/actions/runs/{run_id}" if run_id else None
