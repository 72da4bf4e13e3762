"""The bot end to end: a real git repository of the example configuration, real revisions,
the fake GitHub for the forge side, and the `hyperloop bot` commands."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakegithub import FakeGitHub

from hyperloop_gitops.bot.forge import COMMENT_MARKER
from hyperloop_gitops.bot.github import GitHubForge
from hyperloop_gitops.bot.run import local_report, process_comment, process_pull_request
from hyperloop_gitops.cli import main
from hyperloop_gitops.errors import GitError

EXAMPLE = Path(__file__).parents[2] / "config"
DATASET = "config/datasets/LHC22o_pass6.yaml"
WAGON = "config/analyses/pwglf-spectra/wagons/pt-spectrum.yaml"
REPO = "/repos/octo/config"


class Clone:
    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, email: str = "alice@example.org") -> str:
        env = {
            "GIT_AUTHOR_NAME": "Someone",
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": "Someone",
            "GIT_COMMITTER_EMAIL": email,
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.root),
        }
        done = subprocess.run(
            ["git", "-C", str(self.root), *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def commit(self, files: dict[str, str], *, email: str, message: str = "change") -> str:
        for rel, text in files.items():
            (self.root / rel).write_text(text, encoding="utf-8")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, email=email)
        return self.git("rev-parse", "HEAD")

    def edit(self, rel: str, old: str, new: str) -> str:
        text = (self.root / rel).read_text(encoding="utf-8")
        assert old in text
        return text.replace(old, new, 1)


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    root = tmp_path / "clone"
    shutil.copytree(EXAMPLE, root / "config")
    repo = Clone(root)
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "example configuration")
    return repo


def exclude_more(clone: Clone) -> str:
    return clone.edit(DATASET, "exclude_runs: [526776]", "exclude_runs: [526776, 526714]")


def test_dataset_change_by_an_operator_mentions_the_owners(clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit({DATASET: exclude_more(clone)}, email="olga@example.org")
    outcome = local_report(clone.root, base=base, head=head, repo="octo/config")
    view = outcome.view
    assert (view.author, view.head_sha, view.permission_problems, view.diagnostics) == (
        "olga-op",
        head,
        (),
        (),
    )
    assert view.changes == ("dataset LHC22o_pass6 modified (productions)",)
    lines = outcome.comment.splitlines()
    assert lines[:5] == [
        COMMENT_MARKER,
        "",
        "### ✅ Valid and permitted — wagon tests were not run",
        "",
        f"<sub>for {head[:7]} by @olga-op</sub>",
    ]
    mention = next(line for line in lines if "LHC22o_pass6 changed" in line)
    assert mention == (
        "@carol @dave @erin @frank @alice @bob @olga-op @hana-admin — dataset LHC22o_pass6"
        " changed (productions); affects your wagons `pwgcf-flow/cf-multiplicity`,"
        " `pwgcf-flow/eta-phi-qa`, `pwgdq-dileptons/jpsi-ee`, `pwglf-spectra/lf-multiplicity`,"
        " `pwglf-spectra/phi-meson`, `pwglf-spectra/pt-spectrum`,"
        " `service-common/event-selection`, `service-common/track-selection`."
    )


def test_dataset_change_by_an_analyzer_needs_an_operator(clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit({DATASET: exclude_more(clone)}, email="bob@example.org")
    comment = local_report(clone.root, base=base, head=head, repo="octo/config").comment
    assert "### ⛔ Needs approval — 1 file outside what @bob may change" in comment
    assert (
        "- `config/datasets/LHC22o_pass6.yaml` needs an operator: @olga-op, @hana-admin\n"
        in comment
    )


def test_a_broken_wagon_links_the_error_to_the_head_commit(clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD")
    broken = clone.edit(WAGON, "description:", "descripton:")
    head = clone.commit({WAGON: broken}, email="alice@example.org")
    outcome = local_report(clone.root, base=base, head=head, repo="octo/config")
    (error,) = [d for d in outcome.view.diagnostics if d.is_error]
    assert error.file == WAGON
    assert outcome.comment.splitlines()[2] == "### 💣 Not ready — 1 validation error"
    link = f"(https://github.com/octo/config/blob/{head}/{WAGON}#L{error.line})"
    assert f"- [`{WAGON}:{error.line}:{error.column}`]{link} **error**" in outcome.comment


def test_unknown_revision_says_to_fetch(clone: Clone) -> None:
    with pytest.raises(GitError) as error:
        local_report(clone.root, base="no-such-branch", head="HEAD")
    assert str(error.value) == (
        f"revision 'no-such-branch' is not in the repository at {clone.root} (in GitHub"
        " Actions, check out with fetch-depth: 0 so the base branch is there)"
    )


def test_cli_local_prints_the_comment(clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit({DATASET: exclude_more(clone)}, email="bob@example.org")
    result = CliRunner().invoke(
        main,
        [
            "-C",
            str(clone.root),
            "bot",
            "local",
            "--base",
            base,
            "--head",
            head,
            "--author",
            "olga-op",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{COMMENT_MARKER}\n\n### ✅ Valid and permitted")
    assert result.output.endswith(
        "Commands: `/hyperloop retest`, `/hyperloop plan`, `/hyperloop help`\n"
    )


def seed_pull(fake: FakeGitHub, clone: Clone, base: str, head: str, author: str) -> None:
    files = clone.git("diff", "--name-only", f"{base}...{head}").splitlines()
    fake.add_pull("octo/config", 7, author=author, head_sha=head, base_sha=base, files=files)


def test_pull_request_first_comment_then_update_in_place(fake: FakeGitHub, clone: Clone) -> None:
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit({DATASET: exclude_more(clone)}, email="bob@example.org")
    seed_pull(fake, clone, base, head, "bob")
    outcome = process_pull_request(
        forge, clone.root, 7, repo="octo/config", target_url="https://ci.example/run/1"
    )
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", f"{REPO}/pulls/7"),
        ("GET", f"{REPO}/pulls/7/files"),
        ("GET", f"{REPO}/pulls/7/reviews"),
        ("GET", f"{REPO}/issues/7/comments"),
        ("POST", f"{REPO}/issues/7/comments"),
        ("POST", f"{REPO}/statuses/{head}"),
        ("POST", f"{REPO}/statuses/{head}"),
    ]
    assert fake.requests[4].body == {"body": outcome.comment}
    assert [r.body for r in fake.requests[5:]] == [
        {
            "state": "failure",
            "target_url": "https://ci.example/run/1",
            "description": "bob may not change config/datasets/LHC22o_pass6.yaml: needs an"
            " operator; approvers: olga-op, hana-admin",
            "context": "hyperloop/validate",
        },
        {
            "state": "success",
            "target_url": "https://ci.example/run/1",
            "description": "Wagon tests were not run by this bot",
            "context": "hyperloop/tests",
        },
    ]
    # An operator approves: the same comment is updated, the status turns green.
    fake.add_review("octo/config", 7, login="olga-op", state="APPROVED")
    fake.requests.clear()
    again = process_pull_request(forge, clone.root, 7, repo="octo/config")
    assert [(r.method, r.path) for r in fake.requests][3:5] == [
        ("GET", f"{REPO}/issues/7/comments"),
        ("PATCH", f"{REPO}/issues/comments/{outcome.comment_id}"),
    ]
    assert again.comment_id == outcome.comment_id
    assert fake.requests[5].body == {
        "state": "success",
        "description": "Configuration valid, permissions fine",
        "context": "hyperloop/validate",
    }
    assert len(fake.comments_on("octo/config", 7)) == 1


def test_team_roles_are_asked_of_the_forge(fake: FakeGitHub, clone: Clone) -> None:
    settings = clone.edit(
        "config/hyperloop.yaml",
        "operators: [olga-op, hana-admin]",
        "operators: [olga-op, hana-admin, '@octo/ops']",
    )
    base = clone.commit({"config/hyperloop.yaml": settings}, email="hana@example.org")
    head = clone.commit({DATASET: exclude_more(clone)}, email="tom@example.org")
    seed_pull(fake, clone, base, head, "tom")
    fake.add_team("@octo/ops", ["tom"])
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    outcome = process_pull_request(forge, clone.root, 7, repo="octo/config", with_check_run=True)
    assert outcome.view.permission_problems == ()
    assert ("GET", "/orgs/octo/teams/ops/memberships/tom") in [
        (r.method, r.path) for r in fake.requests
    ]
    (run,) = fake.check_runs.values()
    assert (run["conclusion"], run["output"]["title"]) == (
        "success",
        "✅ Valid and permitted — wagon tests were not run",
    )


def comment_event(body: str, login: str, *, kind: str = "User") -> dict[str, object]:
    return {
        "action": "created",
        "issue": {"number": 7, "user": {"login": "bob"}, "pull_request": {"url": "x"}},
        "comment": {"id": 555, "body": body, "user": {"login": login, "type": kind}},
        "repository": {"full_name": "octo/config", "default_branch": "main"},
    }


def test_kill_by_an_analyzer_is_refused(fake: FakeGitHub, clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD")
    seed_pull(fake, clone, base, base, "bob")
    fake.add_comment("octo/config", 7, "/hyperloop kill T-1", login="bob")
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    event = comment_event("/hyperloop kill T-1", "bob")
    event["comment"] = {**event["comment"], "id": 1001}  # type: ignore[dict-item]
    result = process_comment(forge, clone.root, event)
    assert [d.reaction for d in result.decisions] == ["-1"]
    assert [(r.method, r.path, r.body) for r in fake.requests[1:]] == [
        ("POST", f"{REPO}/issues/comments/1001/reactions", {"content": "-1"}),
        (
            "POST",
            f"{REPO}/issues/7/comments",
            {"body": "@bob: only operators may kill a train; ask @olga-op, @hana-admin."},
        ),
    ]


def test_plan_command_reruns_the_bot(fake: FakeGitHub, clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD")
    seed_pull(fake, clone, base, base, "bob")
    cid = fake.add_comment("octo/config", 7, "/hyperloop plan", login="bob")
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    event = comment_event("/hyperloop plan", "bob")
    event["comment"] = {**event["comment"], "id": cid}  # type: ignore[dict-item]
    reruns: list[int] = []
    result = process_comment(forge, clone.root, event, rerun=reruns.append)
    assert (result.rerun, reruns) == (True, [7])
    assert fake.reactions[0]["content"] == "+1"


def test_comments_by_bots_are_ignored(fake: FakeGitHub, clone: Clone) -> None:
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    event = comment_event("/hyperloop kill T-1", "hyperloop[bot]", kind="Bot")
    assert process_comment(forge, clone.root, event).decisions == ()
    assert fake.requests == []


def test_cli_pr_in_an_actions_environment(
    fake: FakeGitHub, clone: Clone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit({DATASET: exclude_more(clone)}, email="olga@example.org")
    seed_pull(fake, clone, base, head, "olga-op")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "opened", "number": 7, "pull_request": {"number": 7}}))
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/config")
    monkeypatch.setenv("GITHUB_API_URL", fake.base_url)
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    result = CliRunner().invoke(main, ["-C", str(clone.root), "bot", "pr", "--no-throttle"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "pull request #7: olga-op: comment 1001"
    statuses = [r.body for r in fake.requests if r.path.startswith(f"{REPO}/statuses/")]
    assert [s["target_url"] for s in statuses] == [
        "https://github.com/octo/config/actions/runs/42"
    ] * 2


def test_cli_pr_without_a_token(monkeypatch: pytest.MonkeyPatch, clone: Clone) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    result = CliRunner().invoke(
        main, ["-C", str(clone.root), "bot", "pr", "--repo", "octo/config", "--pr", "7"]
    )
    assert (result.exit_code, result.stderr) == (
        1,
        "error: GITHUB_TOKEN is not set: the bot needs a token to comment\n",
    )
