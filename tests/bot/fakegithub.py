"""A local HTTP server speaking enough of GitHub's REST dialect for PyGithub.

It is a real server (``http.server`` on 127.0.0.1, a free port), so the bot's GitHub code runs
unchanged against it through ``base_url``. Every request is recorded (method, path without the
API prefix, query, JSON body) so tests assert the exact requests the bot sends. JSON shapes follow
GitHub's documented responses, trimmed to the fields PyGithub and the bot read.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HEAD = "a" * 40  # a head and a base commit sha for tests
BASE = "b" * 40
PREFIX = "/api/v3"  # GitHub Enterprise's layout: exercises a base_url with a path


Response = tuple[int, Any, dict[str, str]]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str] = field(compare=False, repr=False)


def _user(login: str, kind: str = "User") -> dict[str, Any]:
    return {
        "login": login,
        "id": abs(hash(login)) % 10**7,
        "node_id": f"U_{login}",
        "type": kind,
        "site_admin": False,
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
    }


class FakeGitHub:
    """GitHub for one test. Seed it (``add_pull``, ``add_comment``, ``add_team``), point
    ``GitHubForge(base_url=fake.base_url)`` at it, then read ``requests`` and the state."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
        self.files: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.reactions: list[dict[str, Any]] = []
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.teams: dict[str, set[str]] = {}
        self.reviews: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.token = "test-token"
        self.app_id = "4242"
        self.app_public_key: str | None = None  # PEM; set to accept app JWTs
        self.installation_tokens: dict[str, int] = {}
        self.bot_login = "hyperloop-bot[bot]"
        self._ids = 1000
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._failures: list[tuple[str, re.Pattern[str], int, str]] = []

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def root(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.root + PREFIX

    @contextmanager
    def running(self) -> Iterator[FakeGitHub]:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join()

    # -- seeding ---------------------------------------------------------------------------
    def _next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    def add_pull(
        self,
        repo: str,
        number: int,
        *,
        author: str,
        head_sha: str,
        base_sha: str,
        base_ref: str = "main",
        files: list[str] | None = None,
        title: str = "A change",
    ) -> None:
        api = f"{self.base_url}/repos/{repo}"
        self.pulls[(repo, number)] = {
            "url": f"{api}/pulls/{number}",
            "id": number * 7,
            "node_id": f"PR_{number}",
            "html_url": f"https://github.com/{repo}/pull/{number}",
            "issue_url": f"{api}/issues/{number}",
            "number": number,
            "state": "open",
            "title": title,
            "body": "",
            "user": _user(author),
            "head": {
                "label": f"{author}:topic",
                "ref": "topic",
                "sha": head_sha,
                "user": _user(author),
            },
            "base": {
                "label": "owner:main",
                "ref": base_ref,
                "sha": base_sha,
                "user": _user("owner"),
            },
            "draft": False,
            "merged": False,
        }
        self.files[(repo, number)] = [
            {
                "sha": f"{i:040x}",
                "filename": path,
                "status": "modified",
                "additions": 1,
                "deletions": 1,
                "changes": 2,
                "blob_url": f"https://github.com/{repo}/blob/{head_sha}/{path}",
                "raw_url": f"https://github.com/{repo}/raw/{head_sha}/{path}",
                "contents_url": f"{api}/contents/{path}?ref={head_sha}",
                "patch": "@@ -1 +1 @@",
            }
            for i, path in enumerate(files or [])
        ]

    def add_comment(
        self, repo: str, number: int, body: str, *, login: str, kind: str = "User"
    ) -> int:
        """A comment already on the pull request; returns its id."""
        return self._create_comment(repo, number, body, _user(login, kind))

    def add_review(self, repo: str, number: int, *, login: str, state: str) -> None:
        rid = self._next_id()
        self.reviews.setdefault((repo, number), []).append(
            {
                "id": rid,
                "node_id": f"PRR_{rid}",
                "user": _user(login),
                "body": "",
                "state": state,
                "html_url": f"https://github.com/{repo}/pull/{number}#pullrequestreview-{rid}",
                "pull_request_url": f"{self.base_url}/repos/{repo}/pulls/{number}",
                "submitted_at": "2026-11-28T12:10:00Z",
                "commit_id": self.pulls[(repo, number)]["head"]["sha"],
                "author_association": "MEMBER",
            }
        )

    def add_team(self, team: str, members: list[str]) -> None:
        self.teams[team.removeprefix("@")] = set(members)

    def fail(self, method: str, path_pattern: str, status: int, message: str) -> None:
        """Answer the next request matching ``method`` and ``path_pattern`` with an error."""
        self._failures.append((method, re.compile(path_pattern), status, message))

    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        suffix = f"/repos/{repo}/issues/{number}"
        return [c for c in self.comments.values() if c["issue_url"].endswith(suffix)]

    def _create_comment(self, repo: str, number: int, body: str, user: dict[str, Any]) -> int:
        cid = self._next_id()
        api = f"{self.base_url}/repos/{repo}"
        self.comments[cid] = {
            "id": cid,
            "node_id": f"IC_{cid}",
            "url": f"{api}/issues/comments/{cid}",
            "html_url": f"https://github.com/{repo}/pull/{number}#issuecomment-{cid}",
            "issue_url": f"{api}/issues/{number}",
            "body": body,
            "user": user,
            "created_at": "2026-11-28T12:00:00Z",
            "updated_at": "2026-11-28T12:00:00Z",
            "author_association": "MEMBER",
        }
        return cid

    # -- routing ---------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        self.requests.append(req)
        authorization = req.headers.get("authorization", "")
        if authorization.startswith("Bearer ") and req.path.startswith("/app/"):
            return self._as_app(req, authorization.removeprefix("Bearer "))
        valid = {f"token {self.token}"} | {f"token {t}" for t in self.installation_tokens}
        if authorization not in valid:
            return 401, {"message": "Bad credentials"}, {}
        for i, (method, pattern, status, message) in enumerate(self._failures):
            if method == req.method and pattern.fullmatch(req.path):
                del self._failures[i]
                return status, {"message": message}, {}
        for method, pattern, action in _ROUTES:
            match = re.fullmatch(pattern, req.path)
            if match and method == req.method:
                return action(self, req, *match.groups())
        return 404, {"message": "Not Found"}, {}

    def _as_app(self, req: Request, token: str) -> Response:
        import jwt

        try:
            claims = jwt.decode(token, self.app_public_key or "", algorithms=["RS256"])
        except jwt.PyJWTError as error:
            return 401, {"message": f"A JSON web token could not be decoded: {error}"}, {}
        match = re.fullmatch(r"/app/installations/(\d+)/access_tokens", req.path)
        if str(claims.get("iss")) != self.app_id or match is None or req.method != "POST":
            return 401, {"message": "Bad credentials"}, {}
        installation = int(match.group(1))
        issued = f"ghs_installation{installation}_{len(self.installation_tokens)}"
        self.installation_tokens[issued] = installation
        body = {
            "token": issued,
            "expires_at": "2099-01-01T00:00:00Z",
            "permissions": {"checks": "write", "pull_requests": "write"},
            "repository_selection": "selected",
        }
        return 201, body, {}

    def _page(self, req: Request, items: list[dict[str, Any]]) -> Response:
        per_page = int(req.query.get("per_page", "30"))
        page = int(req.query.get("page", "1"))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        last = max(1, -(-len(items) // per_page))
        if page < last:
            query = dict(req.query, page=str(page + 1))
            qs = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
            links.append(f'<{self.base_url}{req.path}?{qs}>; rel="next"')
            query["page"] = str(last)
            qs = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
            links.append(f'<{self.base_url}{req.path}?{qs}>; rel="last"')
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    def _get_pull(self, req: Request, repo: str, number: str) -> Response:
        pull = self.pulls.get((repo, int(number)))
        return (200, pull, {}) if pull else (404, {"message": "Not Found"}, {})

    def _list_files(self, req: Request, repo: str, number: str) -> Response:
        if (repo, int(number)) not in self.pulls:
            return 404, {"message": "Not Found"}, {}
        return self._page(req, self.files[(repo, int(number))])

    def _list_reviews(self, req: Request, repo: str, number: str) -> Response:
        if (repo, int(number)) not in self.pulls:
            return 404, {"message": "Not Found"}, {}
        return self._page(req, self.reviews.get((repo, int(number)), []))

    def _list_comments(self, req: Request, repo: str, number: str) -> Response:
        return self._page(req, self.comments_on(repo, int(number)))

    def _create(self, req: Request, repo: str, number: str) -> Response:
        cid = self._create_comment(
            repo, int(number), req.body["body"], _user(self.bot_login, "Bot")
        )
        return 201, self.comments[cid], {}

    def _edit(self, req: Request, repo: str, cid: str) -> Response:
        comment = self.comments.get(int(cid))
        if comment is None:
            return 404, {"message": "Not Found"}, {}
        comment["body"] = req.body["body"]
        comment["updated_at"] = "2026-11-28T12:30:00Z"
        return 200, comment, {}

    def _react(self, req: Request, repo: str, cid: str) -> Response:
        if int(cid) not in self.comments:
            return 404, {"message": "Not Found"}, {}
        reaction = {
            "id": self._next_id(),
            "node_id": "R_1",
            "user": _user(self.bot_login, "Bot"),
            "content": req.body["content"],
            "created_at": "2026-11-28T12:00:00Z",
        }
        self.reactions.append({"comment_id": int(cid), **reaction})
        return 201, reaction, {}

    def _status(self, req: Request, repo: str, sha: str) -> Response:
        if len(req.body.get("description", "")) > 140:
            return 422, {"message": "Validation Failed"}, {}
        status = {
            "url": f"{self.base_url}/repos/{repo}/statuses/{sha}",
            "id": self._next_id(),
            "node_id": "SC_1",
            "state": req.body["state"],
            "description": req.body.get("description"),
            "target_url": req.body.get("target_url"),
            "context": req.body.get("context", "default"),
            "created_at": "2026-11-28T12:00:00Z",
            "updated_at": "2026-11-28T12:00:00Z",
            "creator": _user(self.bot_login, "Bot"),
        }
        self.statuses.append({"sha": sha, **status})
        return 201, status, {}

    def _check_run(self, req: Request, repo: str) -> Response:
        if len(req.body.get("output", {}).get("annotations", [])) > 50:
            return 422, {"message": "Only 50 annotations are allowed per request"}, {}
        rid = self._next_id()
        run = {
            "id": rid,
            "node_id": "CR_1",
            "url": f"{self.base_url}/repos/{repo}/check-runs/{rid}",
            "html_url": f"https://github.com/{repo}/runs/{rid}",
            "head_sha": req.body["head_sha"],
            "name": req.body["name"],
            "status": req.body.get("status", "queued"),
            "conclusion": req.body.get("conclusion"),
            "output": {**req.body.get("output", {})},
        }
        self.check_runs[rid] = run
        return 201, run, {}

    def _edit_check_run(self, req: Request, repo: str, rid: str) -> Response:
        run = self.check_runs.get(int(rid))
        if run is None:
            return 404, {"message": "Not Found"}, {}
        if len(req.body.get("output", {}).get("annotations", [])) > 50:
            return 422, {"message": "Only 50 annotations are allowed per request"}, {}
        output = req.body.get("output", {})
        # GitHub appends annotations sent by updates to those of the run.
        run["output"] = {
            **output,
            "annotations": run["output"].get("annotations", []) + output.get("annotations", []),
        }
        return 200, run, {}

    def _membership(self, req: Request, org: str, team: str, login: str) -> Response:
        members = self.teams.get(f"{org}/{team}")
        if members is None or login not in members:
            return 404, {"message": "Not Found"}, {}
        url = f"{self.base_url}/orgs/{org}/teams/{team}/memberships/{login}"
        return 200, {"url": url, "role": "member", "state": "active"}, {}


Action = Callable[..., Response]
_R = r"/repos/([^/]+/[^/]+)"
_ROUTES: list[tuple[str, str, Action]] = [
    ("GET", _R + r"/pulls/(\d+)", FakeGitHub._get_pull),
    ("GET", _R + r"/pulls/(\d+)/files", FakeGitHub._list_files),
    ("GET", _R + r"/pulls/(\d+)/reviews", FakeGitHub._list_reviews),
    ("GET", _R + r"/issues/(\d+)/comments", FakeGitHub._list_comments),
    ("POST", _R + r"/issues/(\d+)/comments", FakeGitHub._create),
    ("PATCH", _R + r"/issues/comments/(\d+)", FakeGitHub._edit),
    ("POST", _R + r"/issues/comments/(\d+)/reactions", FakeGitHub._react),
    ("POST", _R + r"/statuses/([0-9a-f]{40})", FakeGitHub._status),
    ("POST", _R + r"/check-runs", FakeGitHub._check_run),
    ("PATCH", _R + r"/check-runs/(\d+)", FakeGitHub._edit_check_run),
    ("GET", r"/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)", FakeGitHub._membership),
]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (40 ms each)

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        path = parts.path.removeprefix(PREFIX)
        request = Request(
            method=self.command,
            path=path,
            query=dict(parse_qsl(parts.query)),
            body=body,
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        status, payload, headers = self.fake.handle(request)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read ``requests``
        return
