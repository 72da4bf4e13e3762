"""The GitHub forge against the fake server: the exact requests PyGithub sends for each act."""

from __future__ import annotations

import pytest
from fakegithub import BASE, HEAD, FakeGitHub

from hyperloop_gitops.bot.forge import (
    COMMENT_MARKER,
    Annotation,
    ChangedFile,
    CheckRun,
    PullRequest,
    Status,
    clip_description,
)
from hyperloop_gitops.bot.github import GitHubForge
from hyperloop_gitops.errors import ForgeError

REPO = "/repos/octo/config"


def calls(fake: FakeGitHub) -> list[tuple[str, str, dict[str, str], object]]:
    return [(r.method, r.path, r.query, r.body) for r in fake.requests]


def test_pull_request_is_read_once(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE, title="Add a wagon")
    assert forge.pull_request(7) == PullRequest(
        number=7, author="bob", head_sha=HEAD, base_ref="main", base_sha=BASE, title="Add a wagon"
    )
    assert calls(fake) == [("GET", f"{REPO}/pulls/7", {}, None)]
    assert fake.requests[0].headers["authorization"] == "token test-token"


def test_changed_files_follow_every_page(fake: FakeGitHub, forge: GitHubForge) -> None:
    paths = [f"config/datasets/d{i:03}.yaml" for i in range(230)]
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE, files=paths)
    files = forge.changed_files(7)
    assert files == [ChangedFile(path=p, status="modified") for p in paths]
    assert calls(fake) == [
        ("GET", f"{REPO}/pulls/7/files", {"per_page": "100"}, None),
        ("GET", f"{REPO}/pulls/7/files", {"page": "2", "per_page": "100"}, None),
        ("GET", f"{REPO}/pulls/7/files", {"page": "3", "per_page": "100"}, None),
    ]


def test_first_comment_is_created(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE)
    fake.add_comment("octo/config", 7, "looks good", login="bob")
    body = f"{COMMENT_MARKER}\n### 🌟 Ready to merge"
    comment_id = forge.upsert_comment(7, body)
    assert calls(fake) == [
        ("GET", f"{REPO}/issues/7/comments", {"per_page": "100"}, None),
        ("POST", f"{REPO}/issues/7/comments", {}, {"body": body}),
    ]
    assert fake.comments[comment_id]["body"] == body


def test_comment_is_updated_in_place(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE)
    fake.add_comment("octo/config", 7, "first", login="bob")
    old = fake.add_comment("octo/config", 7, f"{COMMENT_MARKER}\nold", login="bot", kind="Bot")
    body = f"{COMMENT_MARKER}\nnew"
    assert forge.upsert_comment(7, body) == old
    assert calls(fake) == [
        ("GET", f"{REPO}/issues/7/comments", {"per_page": "100"}, None),
        ("PATCH", f"{REPO}/issues/comments/{old}", {}, {"body": body}),
    ]
    assert [c["body"] for c in fake.comments_on("octo/config", 7)] == ["first", body]


def test_unchanged_comment_is_not_rewritten(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE)
    body = f"{COMMENT_MARKER}\nsame"
    old = fake.add_comment("octo/config", 7, body, login="bot", kind="Bot")
    assert forge.upsert_comment(7, body) == old
    assert [r.method for r in fake.requests] == ["GET"]


def test_a_person_quoting_the_marker_is_not_edited(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE)
    fake.add_comment("octo/config", 7, f"{COMMENT_MARKER}\nI pasted this", login="mallory")
    forge.upsert_comment(7, f"{COMMENT_MARKER}\nreal")
    assert [r.method for r in fake.requests] == ["GET", "POST"]


def test_comment_found_by_bot_login(fake: FakeGitHub) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE)
    fake.add_comment("octo/config", 7, f"{COMMENT_MARKER}\nother bot", login="ci", kind="Bot")
    mine = fake.add_comment("octo/config", 7, f"{COMMENT_MARKER}\nold", login="hl-user")
    forge = GitHubForge(
        "octo/config", fake.token, base_url=fake.base_url, polite=False, bot_login="hl-user"
    )
    assert forge.upsert_comment(7, f"{COMMENT_MARKER}\nnew") == mine


def test_comment_search_pages_through_long_threads(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE)
    for i in range(120):
        fake.add_comment("octo/config", 7, f"comment {i}", login="bob")
    mine = fake.add_comment("octo/config", 7, f"{COMMENT_MARKER}\nold", login="bot", kind="Bot")
    assert forge.upsert_comment(7, f"{COMMENT_MARKER}\nnew") == mine
    assert [(r.method, r.query.get("page")) for r in fake.requests] == [
        ("GET", None),
        ("GET", "2"),
        ("PATCH", None),
    ]


def test_status_description_is_clipped_to_140(fake: FakeGitHub, forge: GitHubForge) -> None:
    long = "Needs approval by an admin: " + " ".join(f"config/datasets/d{i}.yaml" for i in range(9))
    forge.set_status(
        HEAD,
        Status("hyperloop/validate", "failure", long, target_url="https://example.org/run/1"),
    )
    (request,) = fake.requests
    assert (request.method, request.path) == ("POST", f"{REPO}/statuses/{HEAD}")
    assert request.body == {
        "state": "failure",
        "target_url": "https://example.org/run/1",
        "description": clip_description(long),
        "context": "hyperloop/validate",
    }
    assert request.body["description"] == (
        "Needs approval by an admin: config/datasets/d0.yaml config/datasets/d1.yaml"
        " config/datasets/d2.yaml config/datasets/d3.yaml…"
    )


def test_status_without_target_url(fake: FakeGitHub, forge: GitHubForge) -> None:
    forge.set_status(HEAD, Status("hyperloop/tests", "pending", "3 wagon tests queued"))
    assert calls(fake) == [
        (
            "POST",
            f"{REPO}/statuses/{HEAD}",
            {},
            {
                "state": "pending",
                "description": "3 wagon tests queued",
                "context": "hyperloop/tests",
            },
        )
    ]


def test_reaction_on_a_comment(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE)
    cid = fake.add_comment("octo/config", 7, "/hyperloop plan", login="bob")
    forge.add_reaction(cid, "+1")
    assert calls(fake) == [
        ("POST", f"{REPO}/issues/comments/{cid}/reactions", {}, {"content": "+1"})
    ]
    assert fake.reactions[0]["content"] == "+1"


def test_check_run_sends_annotations_in_batches_of_50(fake: FakeGitHub, forge: GitHubForge) -> None:
    annotations = tuple(
        Annotation(path="config/a.yaml", line=i + 1, level="failure", message=f"error {i}")
        for i in range(120)
    )
    check = CheckRun("hyperloop", "failure", "120 errors", "Validation failed", annotations)
    forge.post_check_run(HEAD, check)
    methods = [(r.method, r.path) for r in fake.requests]
    run_id = next(iter(fake.check_runs))
    assert methods == [
        ("POST", f"{REPO}/check-runs"),
        ("PATCH", f"{REPO}/check-runs/{run_id}"),
        ("PATCH", f"{REPO}/check-runs/{run_id}"),
    ]
    first = fake.requests[0].body
    assert {k: first[k] for k in ("name", "head_sha", "status", "conclusion")} == {
        "name": "hyperloop",
        "head_sha": HEAD,
        "status": "completed",
        "conclusion": "failure",
    }
    assert first["output"]["annotations"][0] == {
        "path": "config/a.yaml",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "failure",
        "message": "error 0",
    }
    sizes = [len(r.body["output"]["annotations"]) for r in fake.requests]
    assert sizes == [50, 50, 20]
    stored = fake.check_runs[run_id]["output"]["annotations"]
    assert [a["message"] for a in stored] == [f"error {i}" for i in range(120)]


def test_team_membership(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.add_team("@alice-org/operators", ["olga"])
    assert forge.is_team_member("@alice-org/operators", "olga") is True
    assert forge.is_team_member("@alice-org/operators", "bob") is False
    assert [r.path for r in fake.requests] == [
        "/orgs/alice-org/teams/operators/memberships/olga",
        "/orgs/alice-org/teams/operators/memberships/bob",
    ]


def test_bad_token_says_what_to_check(fake: FakeGitHub) -> None:
    forge = GitHubForge("octo/config", "wrong", base_url=fake.base_url, polite=False)
    with pytest.raises(ForgeError) as error:
        forge.pull_request(7)
    assert str(error.value) == (
        "GitHub: reading pull request #7 of octo/config failed: HTTP 401: Bad credentials"
        " (the token is missing, expired or wrong)"
    )


def test_missing_pull_request(fake: FakeGitHub, forge: GitHubForge) -> None:
    with pytest.raises(ForgeError) as error:
        forge.changed_files(99)
    assert str(error.value) == (
        "GitHub: listing the files of pull request #99 failed: HTTP 404: Not Found"
        " (no such repository, pull request or comment, or the token cannot see it)"
    )


def test_server_error_is_reported_without_retrying(fake: FakeGitHub, forge: GitHubForge) -> None:
    fake.fail("POST", f"{REPO}/statuses/{HEAD}", 500, "Internal error")
    with pytest.raises(
        ForgeError, match=r"setting status hyperloop/tests on aaaaaaaaaaaa failed: HTTP 500"
    ):
        forge.set_status(HEAD, Status("hyperloop/tests", "success", "ok"))
    assert len(fake.requests) == 1


def test_repository_name_is_checked() -> None:
    with pytest.raises(ForgeError, match="repository must be OWNER/NAME, got 'octo'"):
        GitHubForge("octo", None)


def test_approvals_are_the_latest_review_of_each_person(
    fake: FakeGitHub, forge: GitHubForge
) -> None:
    fake.add_pull("octo/config", 7, author="bob", head_sha=HEAD, base_sha=BASE)
    fake.add_review("octo/config", 7, login="olga", state="APPROVED")
    fake.add_review("octo/config", 7, login="dan", state="APPROVED")
    fake.add_review("octo/config", 7, login="dan", state="CHANGES_REQUESTED")
    fake.add_review("octo/config", 7, login="alice", state="COMMENTED")
    assert forge.approvals(7) == ["olga"]
    assert calls(fake) == [("GET", f"{REPO}/pulls/7/reviews", {"per_page": "100"}, None)]


def test_as_a_github_app_installation(fake: FakeGitHub) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    fake.app_public_key = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    forge = GitHubForge.for_app(
        "octo/config",
        app_id=fake.app_id,
        private_key=private,
        installation_id=77,
        base_url=fake.base_url,
        polite=False,
    )
    forge.set_status(HEAD, Status("hyperloop/tests", "success", "ok"))
    assert forge.git_token() == "ghs_installation77_0"
    assert [(r.method, r.path) for r in fake.requests] == [
        ("POST", "/app/installations/77/access_tokens"),
        ("POST", f"{REPO}/statuses/{HEAD}"),
    ]
    assert fake.requests[0].headers["authorization"].startswith("Bearer ")
    assert fake.requests[1].headers["authorization"] == "token ghs_installation77_0"


def test_an_app_with_the_wrong_key_is_refused(fake: FakeGitHub) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    def pem(key: rsa.RSAPrivateKey) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    real = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake.app_public_key = (
        real.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forge = GitHubForge.for_app(
        "octo/config",
        app_id=fake.app_id,
        private_key=pem(other),
        installation_id=77,
        base_url=fake.base_url,
        polite=False,
    )
    with pytest.raises(ForgeError, match=r"^GitHub: getting a token for git failed: HTTP 401"):
        forge.git_token()
