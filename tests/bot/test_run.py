"""The bot end to end: a real git repository of the example configuration, real revisions,
the fake GitHub for the forge side, and the `hyperloop bot` commands."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakegithub import FakeGitHub

from hyperloop_gitops.bot.forge import COMMENT_MARKER
from hyperloop_gitops.bot.github import GitHubForge
from hyperloop_gitops.bot.respond import process_comment
from hyperloop_gitops.bot.run import local_report, process_pull_request
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
    (root / ".gitignore").write_text(".hyperloop/\n", encoding="utf-8")
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
        "### ✅ Valid and permitted — 8 affected wagon tests not run by this bot",
        "",
        f"<sub>for {head[:7]} by @olga-op</sub>",
    ]
    mention = next(line for line in lines if "LHC22o_pass6 changed (" in line)
    assert mention == (
        "@alice @bob @erin @frank @hana-admin — dataset LHC22o_pass6 changed"
        " (productions[LHC22o/apass6].exclude_runs (+526714)); affects your wagons"
        " `pwgcf-flow/cf-multiplicity`, `pwgcf-flow/eta-phi-qa`, `pwgdq-dileptons/jpsi-ee`,"
        " `pwglf-spectra/lf-multiplicity`, `pwglf-spectra/phi-meson`, `pwglf-spectra/pt-spectrum`,"
        " `service-common/event-selection`, `service-common/track-selection`."
    )
    why = lines.index("- LHC22o_pass6 changed: productions[LHC22o/apass6].exclude_runs (+526714):")
    assert lines[why + 5] == "  - `pwglf-spectra/phi-meson` on LHC22o_pass6 (pull request #12010)"
    assert [a.wagon for a in view.affected][:2] == [
        "pwgcf-flow/cf-multiplicity",
        "pwgcf-flow/eta-phi-qa",
    ]


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
            "--no-tests",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"{COMMENT_MARKER}\n\n### ✅ Valid and permitted — 8 affected wagon tests not run"
    )
    assert result.output.endswith(
        "Commands: `/hyperloop retest`, `/hyperloop plan`, `/hyperloop help`\n"
    )


def test_cli_local_without_test_data_says_how_to_make_it(clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit(
        {WAGON: clone.edit(WAGON, "etaMax: 0.8", "etaMax: 0.7")}, email="alice@example.org"
    )
    result = CliRunner().invoke(
        main, ["-C", str(clone.root), "bot", "local", "--base", base, "--head", head]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2] == "### 💣 Not ready — 2 wagon tests failed"
    data = clone.root.resolve() / ".hyperloop" / "data"
    row = next(
        line
        for line in lines
        if line.startswith("| 💣 | `pwglf-spectra/pt-spectrum` | LHC22o_pass6 |")
    )
    assert row.endswith(
        "| – | – | – | – | – | – | 2 of 2 test input files of dataset LHC22o_pass6 are missing"
        f" (first: {data}/LHC22o_pass6/LHC22o/526641/apass6/0001/AO2D.root); generate them"
        " with: hyperloop data generate LHC22o_pass6 |"
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
            "description": "8 affected wagon tests not run by this bot",
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
        "✅ Valid and permitted — 8 affected wagon tests not run by this bot",
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
    reruns: list[tuple[int, object]] = []
    result = process_comment(forge, clone.root, event, rerun=lambda n, f: reruns.append((n, f)))
    assert (result.rerun, reruns) == (True, [(7, frozenset())])
    assert fake.reactions[0]["content"] == "+1"


def test_retest_forces_the_named_wagon(fake: FakeGitHub, clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit(
        {WAGON: clone.edit(WAGON, "etaMax: 0.8", "etaMax: 0.7")}, email="bob@example.org"
    )
    seed_pull(fake, clone, base, head, "bob")
    body = "/hyperloop retest pwglf-spectra/pt-spectrum"
    cid = fake.add_comment("octo/config", 7, body, login="alice")
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    event = comment_event(body, "alice")
    event["comment"] = {**event["comment"], "id": cid}  # type: ignore[dict-item]
    reruns: list[tuple[int, object]] = []
    process_comment(forge, clone.root, event, rerun=lambda n, f: reruns.append((n, f)))
    assert reruns == [(7, frozenset({"pwglf-spectra/pt-spectrum"}))]
    everything = comment_event("/hyperloop retest", "bob")
    everything["comment"] = {**everything["comment"], "id": cid}  # type: ignore[dict-item]
    process_comment(forge, clone.root, everything, rerun=lambda n, f: reruns.append((n, f)))
    assert reruns[1] == (7, True)


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
    result = CliRunner().invoke(
        main, ["-C", str(clone.root), "bot", "pr", "--no-throttle", "--no-tests"]
    )
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


def test_missing_commits_are_fetched_from_the_pull_ref(
    fake: FakeGitHub, clone: Clone, tmp_path: Path
) -> None:
    base = clone.git("rev-parse", "HEAD")
    clone.git("checkout", "-q", "-b", "topic")
    head = clone.commit({DATASET: exclude_more(clone)}, email="olga@example.org")
    clone.git("checkout", "-q", "main")
    clone.git("update-ref", "refs/pull/7/head", head)
    clone.git("branch", "-q", "-D", "topic")
    work = Clone(tmp_path / "work")
    subprocess.run(
        ["git", "clone", "-q", "--no-local", str(clone.root), str(work.root)], check=True
    )
    with pytest.raises(subprocess.CalledProcessError):
        work.git("cat-file", "-e", f"{head}^{{commit}}")
    seed_pull(fake, clone, base, head, "olga-op")
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    outcome = process_pull_request(forge, work.root, 7, repo="octo/config")
    assert outcome.view.head_sha == head
    assert work.git("rev-parse", "refs/hyperloop/pull/7") == head


def app_key(fake: FakeGitHub) -> str:
    """A fresh RSA key for the fake's GitHub App; returns the private key (PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake.app_public_key = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize("as_app", [False, True], ids=["token", "github-app"])
def test_webhook_delivery_runs_the_bot(
    fake: FakeGitHub, clone: Clone, tmp_path: Path, as_app: bool
) -> None:
    from hyperloop_gitops.bot.service import AppCredentials, Service
    from hyperloop_gitops.bot.webhook import WebhookConfig, WebhookServer, signature

    base = clone.git("rev-parse", "HEAD")
    head = clone.commit({DATASET: exclude_more(clone)}, email="olga@example.org")
    seed_pull(fake, clone, base, head, "olga-op")
    credentials = AppCredentials(fake.app_id, app_key(fake)) if as_app else None
    service = Service(
        root=clone.root,
        token=None if as_app else fake.token,
        app=credentials,
        api_url=fake.base_url,
        polite=False,
        run_tests=False,
    )
    config = WebhookConfig(
        secret=b"s3cret", repositories=frozenset({"octo/config"}), state_dir=tmp_path / "state"
    )
    server = WebhookServer(config, service.handle, host="127.0.0.1", port=0)
    server.start()
    try:
        body = json.dumps(
            {
                "action": "synchronize",
                "number": 7,
                "pull_request": {"number": 7, "base": {"ref": "main"}},
                "repository": {"full_name": "octo/config", "default_branch": "main"},
                "installation": {"id": 77},
            }
        ).encode()
        import http.client

        conn = http.client.HTTPConnection(*server.address, timeout=5)
        conn.request(
            "POST",
            "/",
            body=body,
            headers={
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": "d-1",
                "X-Hub-Signature-256": signature(b"s3cret", body),
                "Content-Type": "application/json",
            },
        )
        assert conn.getresponse().status == 202
        conn.close()
        server.drain()
    finally:
        server.stop()
    (comment,) = fake.comments_on("octo/config", 7)
    assert comment["body"].startswith(f"{COMMENT_MARKER}\n\n### ✅ Valid and permitted")
    assert [s["context"] for s in fake.statuses] == ["hyperloop/validate", "hyperloop/tests"]
    assert len(fake.check_runs) == (1 if as_app else 0)
    used = {r.headers.get("authorization") for r in fake.requests if r.path.startswith(REPO)}
    assert used == ({"token ghs_installation77_0"} if as_app else {f"token {fake.token}"})


def test_runlist_change_by_a_dpg_expert(clone: Clone) -> None:
    runlist = "config/runlists/LHC23d1_all.yaml"
    text = (clone.root / runlist).read_text(encoding="utf-8")
    runs_line = next(line for line in text.splitlines() if line.startswith("runs:"))
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit(
        {runlist: text.replace(runs_line, runs_line.replace("]", ", 999999]"))},
        email="dan@example.org",
    )
    outcome = local_report(clone.root, base=base, head=head, repo="octo/config")
    assert outcome.view.permission_problems == ()
    (mention,) = outcome.view.mentions
    assert mention.reason == "runlist LHC23d1_all changed (runs (+999999)), used by LHC23d1_mc"
    assert "dan-dpg" not in mention.logins
    assert set(mention.wagons) == {a.wagon for a in outcome.view.affected}


def test_comment_follows_the_tests_as_they_run(fake: FakeGitHub, clone: Clone) -> None:
    from collections.abc import Sequence

    from hyperloop_gitops.bot.view import WagonTestRow
    from hyperloop_gitops.config import LoadResult
    from hyperloop_gitops.impact import Impact

    def tests(
        base: LoadResult,
        head: LoadResult,
        impact: Impact,
        progress: Callable[[Sequence[WagonTestRow]], None],
    ) -> list[WagonTestRow]:
        rows = [WagonTestRow(t.wagon, t.dataset, "queued") for t in impact.tests[:2]]
        progress(rows)
        rows[0] = dataclasses.replace(rows[0], state="running")
        progress(rows)
        return [dataclasses.replace(r, state="done", cpu_s=12.0) for r in rows]

    base = clone.git("rev-parse", "HEAD")
    head = clone.commit({DATASET: exclude_more(clone)}, email="olga@example.org")
    seed_pull(fake, clone, base, head, "olga-op")
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    outcome = process_pull_request(
        forge, clone.root, 7, repo="octo/config", tests=tests, progress_interval_s=0
    )
    writes = [
        (r.method, r.body.get("description") or r.body["body"].splitlines()[2])
        for r in fake.requests
        if r.method in ("POST", "PATCH")
    ]
    assert writes == [
        ("POST", "### ⏳ Testing — 0 of 2 wagon tests done"),
        ("POST", "Configuration valid, permissions fine"),
        ("POST", "0 of 2 wagon tests done"),
        ("PATCH", "### ⏳ Testing — 0 of 2 wagon tests done"),
        ("PATCH", "### 🌟 Ready to merge — 2 wagon tests passed"),
        ("POST", "2 wagon tests passed"),
    ]
    assert [(s["context"], s["state"]) for s in fake.statuses] == [
        ("hyperloop/validate", "success"),
        ("hyperloop/tests", "pending"),
        ("hyperloop/tests", "success"),
    ]
    assert len(fake.comments_on("octo/config", 7)) == 1
    assert "| ⏳ |" not in outcome.comment


def fake_plan(results: Path) -> Callable[..., object]:
    """Plans whose one real process writes AnalysisResults.root: the runner, monitor and store
    are the testing package's own; only the analysis is a stand-in (no AO2D data needed)."""
    import hashlib
    import sys

    from hyperloop_gitops.testing.runner import Step
    from hyperloop_gitops.testing.wagon_test import TestPlan

    def plan(repository: object, wagon: str, dataset: str) -> TestPlan:
        model = repository.wagons[wagon]  # type: ignore[attr-defined]
        identity = json.dumps([wagon, dataset, model.model_dump(mode="json")], sort_keys=True)
        script = "open('AnalysisResults.root', 'wb').write(b'x' * 4096); sum(range(10**6))"
        return TestPlan(
            wagon=wagon,
            subwagon=None,
            dataset=dataset,
            package_tag="daily-20261127-0000-1",
            content_hash=hashlib.sha256(identity.encode()).hexdigest()[:32],
            steps=(Step((sys.executable, "-c", script), "stand-in"),),
            train=(wagon,),
        )

    return plan


def test_local_report_with_real_test_runs(clone: Clone, tmp_path: Path) -> None:
    from hyperloop_gitops.bot.wagontests import RunWagonTests
    from hyperloop_gitops.testing.store import ResultStore

    store = ResultStore(tmp_path / "results")
    provider = RunWagonTests(store=store, plan_test=fake_plan(tmp_path), interval_s=0.05)  # type: ignore[arg-type]
    base = clone.git("rev-parse", "HEAD")
    first = clone.commit(
        {WAGON: clone.edit(WAGON, "etaMax: 0.8", "etaMax: 0.7")}, email="alice@example.org"
    )
    outcome = local_report(clone.root, base=base, head=first, repo="octo/config", tests=provider)
    rows = outcome.view.tests
    assert rows is not None
    assert [(r.wagon, r.dataset, r.reused) for r in rows] == [
        ("pwglf-spectra/pt-spectrum", "LHC22o_pass6", False),
        ("pwglf-spectra/pt-spectrum", "LHC22o_pass6_short", False),
    ]
    second = clone.commit(
        {WAGON: clone.edit(WAGON, "etaMax: 0.7", "etaMax: 0.6")}, email="alice@example.org"
    )
    outcome = local_report(clone.root, base=first, head=second, repo="octo/config", tests=provider)
    rows = outcome.view.tests
    assert rows is not None
    # Measured by the real runner: states and numbers exist, deltas come from the first run.
    assert [(r.state in ("done", "warning"), r.reused, r.base is not None) for r in rows] == [
        (True, False, True),
        (True, False, True),
    ]
    assert all(r.cpu_s is not None and r.pss_max_gb is not None for r in rows)
    table = [line for line in outcome.comment.splitlines() if line.startswith("| ")]
    assert len(table) == 3  # the header and one row per test
    assert all(" MB (" in line for line in table[1:])  # PSS with its delta
    again = local_report(clone.root, base=first, head=second, repo="octo/config", tests=provider)
    assert [r.reused for r in again.view.tests or ()] == [True, True]
    assert "#### Wagon tests: 2 of 2 done (2 reused from earlier identical tests)" in again.comment
    assert len(store.all()) == 4


def test_the_token_never_reaches_a_wagon_test(
    fake: FakeGitHub, clone: Clone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib
    import sys

    from hyperloop_gitops.bot.wagontests import RunWagonTests
    from hyperloop_gitops.testing.runner import Step
    from hyperloop_gitops.testing.store import ResultStore
    from hyperloop_gitops.testing.wagon_test import TestPlan

    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    monkeypatch.setenv("HYPERLOOP_WEBHOOK_SECRET", "s3cret")
    seen = tmp_path / "environment.json"
    script = (
        "import json, os; "
        f"json.dump(dict(os.environ), open({str(seen)!r}, 'w')); "
        "open('AnalysisResults.root', 'wb').write(b'x')"
    )

    def plan(repository: object, wagon: str, dataset: str) -> TestPlan:
        digest = hashlib.sha256(f"{wagon}@{dataset}".encode()).hexdigest()[:32]
        return TestPlan(
            wagon=wagon,
            subwagon=None,
            dataset=dataset,
            package_tag="t",
            content_hash=digest,
            steps=(Step((sys.executable, "-c", script), "stand-in"),),
        )

    base = clone.git("rev-parse", "HEAD")
    head = clone.commit(
        {WAGON: clone.edit(WAGON, "etaMax: 0.8", "etaMax: 0.7")}, email="alice@example.org"
    )
    seed_pull(fake, clone, base, head, "alice")
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    tests = RunWagonTests(store=ResultStore(tmp_path / "results"), plan_test=plan, interval_s=0.05)
    process_pull_request(
        forge, clone.root, 7, repo="octo/config", tests=tests, fetch_token=fake.token
    )
    environment = json.loads(seen.read_text())
    assert fake.token not in json.dumps(environment)
    assert "s3cret" not in json.dumps(environment)
    # Python itself may add LC_CTYPE when it coerces a C locale: not from the bot's environment.
    assert set(environment) - {"LC_CTYPE"} == {"HOME", "LANG", "PATH", "TMPDIR"}


def test_local_report_runs_real_tests_and_plans_the_trains(clone: Clone) -> None:
    """The whole bot on the example configuration: real AO2D input, the embedded runtime, the
    testing package's runner and store, the reconciler's plan."""
    for dataset in ("LHC22o_pass6", "LHC22o_pass6_short"):
        generated = CliRunner().invoke(
            main,
            ["-C", str(clone.root), "data", "generate", dataset, "--size-mb", "8"],
        )
        assert generated.exit_code == 0, generated.output
    base = clone.git("rev-parse", "HEAD")
    head = clone.commit(
        {WAGON: clone.edit(WAGON, "etaMax: 0.8", "etaMax: 0.7")}, email="alice@example.org"
    )
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
            "--repo-name",
            "o/r",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2] == (
        "### 🌟 Ready to merge — 2 wagon tests passed, 1 train will be submitted on merge"
    )
    rows = [line for line in lines if line.startswith("| 🌟 | `pwglf-spectra/pt-spectrum` |")]
    assert [row.split(" | ")[2] for row in rows] == ["LHC22o_pass6", "LHC22o_pass6_short"]
    assert all(" MB | " in row and " CPU-y · " in row for row in rows)
    plan = lines[
        lines.index("<details><summary>On merge: 1 train to submit, 1 waiting</summary>") :
    ]
    assert plan[3].endswith(" on LHC22o_pass6_short (tag daily-20261127-0000-1, Grid single core)")
    assert plan[4] == "    wagons: pwglf-spectra/pt-spectrum (+narrow-eta)"
    assert plan[7] == (
        "~ waiting: pwglf-spectra/pt-spectrum (+narrow-eta) on LHC22o_pass6: short dataset"
        " first: needs a done train on LHC22o_pass6_short with this configuration and tag"
    )
    stored = list((clone.root / ".hyperloop" / "tests").glob("*/result.json"))
    assert len(stored) == 2


def test_kill_by_an_operator_goes_through_the_reconciler(fake: FakeGitHub, clone: Clone) -> None:
    from hyperloop_gitops.bot.respond import reconciler_actions
    from hyperloop_gitops.state.models import TrainState, TrainWagon
    from hyperloop_gitops.state.store import StateStore

    store = StateStore(clone.root / ".hyperloop" / "state")
    train = store.create_train(
        dataset="LHC22o_pass6",
        package_tag="daily-20261127-0000-1",
        target="Grid single core",
        backend="local",
        wagons=[TrainWagon(id="pwglf-spectra/pt-spectrum", content_hash="ab" * 16)],
        full_config_digest="cd" * 32,
        input_list_digest="ef" * 32,
        by="reconciler",
    )
    for state in (TrainState.READY, TrainState.SUBMITTING, TrainState.SUBMITTED):
        store.transition(train.id, state, by="reconciler")
    base = clone.git("rev-parse", "HEAD")
    seed_pull(fake, clone, base, base, "bob")
    body = f"/hyperloop kill {train.id}\n/hyperloop resubmit T-20991231-0001"
    cid = fake.add_comment("octo/config", 7, body, login="olga-op")
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    event = comment_event(body, "olga-op")
    event["comment"] = {**event["comment"], "id": cid}  # type: ignore[dict-item]
    process_comment(forge, clone.root, event, train_action=reconciler_actions(clone.root))
    replies = [r.body["body"] for r in fake.requests if r.path == f"{REPO}/issues/7/comments"]
    state_dir = (clone.root / ".hyperloop" / "state").resolve()
    assert replies == [
        f"{train.id} is now killed (kill by @olga-op).",
        "`/hyperloop resubmit T-20991231-0001` failed: no train T-20991231-0001 in"
        f" {state_dir}/trains",
    ]
    assert store.get(train.id).state.value == "killed"
    assert fake.reactions[0]["content"] == "+1"


def test_progress_updates_are_spaced(fake: FakeGitHub, clone: Clone) -> None:
    from collections.abc import Sequence

    from hyperloop_gitops.bot.view import WagonTestRow
    from hyperloop_gitops.config import LoadResult
    from hyperloop_gitops.impact import Impact

    def tests(
        base: LoadResult,
        head: LoadResult,
        impact: Impact,
        progress: Callable[[Sequence[WagonTestRow]], None],
    ) -> list[WagonTestRow]:
        rows = [WagonTestRow(t.wagon, t.dataset, "queued") for t in impact.tests]
        for i in range(len(rows)):
            rows[i] = dataclasses.replace(rows[i], state="done")
            progress(rows)
        return rows

    base = clone.git("rev-parse", "HEAD")
    head = clone.commit({DATASET: exclude_more(clone)}, email="olga@example.org")
    seed_pull(fake, clone, base, head, "olga-op")
    forge = GitHubForge("octo/config", fake.token, base_url=fake.base_url, polite=False)
    process_pull_request(forge, clone.root, 7, repo="octo/config", tests=tests)
    comment_writes = [
        r.method for r in fake.requests if "/comments" in r.path and r.method != "GET"
    ]
    # 8 progress calls within the interval: the first is shown, then only the final comment.
    assert comment_writes == ["POST", "PATCH"]


def test_a_base_that_does_not_validate_says_why_no_tests_ran(clone: Clone) -> None:
    from hyperloop_gitops.bot.run import GAP_TESTS_BASE

    broken = clone.commit(
        {WAGON: clone.edit(WAGON, "description:", "descripton:")}, email="alice@example.org"
    )
    fixed = clone.commit(
        {WAGON: clone.edit(WAGON, "descripton:", "description:")}, email="alice@example.org"
    )

    def never(*args: object) -> list[object]:
        raise AssertionError("no tests without an impact")

    outcome = local_report(clone.root, base=broken, head=fixed, tests=never)  # type: ignore[arg-type]
    assert outcome.view.tests is None
    assert GAP_TESTS_BASE in outcome.view.notes
