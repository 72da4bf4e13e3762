"""The webhook server over real HTTP on 127.0.0.1: what it accepts, refuses and queues."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hyperloop_gitops.bot.webhook import Event, WebhookConfig, WebhookServer, signature

SECRET = b"It's a Secret to Everybody"


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.fail_next = False
        self.release = threading.Event()
        self.release.set()

    def __call__(self, event: Event) -> None:
        self.release.wait(5)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("handler failed")
        self.events.append(event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def make_server(tmp_path: Path, recorder: Recorder, **config: Any) -> WebhookServer:
    settings = WebhookConfig(
        secret=SECRET,
        repositories=frozenset({"octo/config"}),
        state_dir=tmp_path / "state",
        **config,
    )
    server = WebhookServer(settings, recorder, host="127.0.0.1", port=0)
    server.start()
    return server


@pytest.fixture
def server(tmp_path: Path, recorder: Recorder) -> Iterator[WebhookServer]:
    srv = make_server(tmp_path, recorder)
    yield srv
    srv.stop()


def post(
    server: WebhookServer,
    body: bytes,
    *,
    event: str = "pull_request",
    delivery: str = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    sign: str | bool | None = True,
) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", "X-GitHub-Event": event}
    if delivery:
        headers["X-GitHub-Delivery"] = delivery
    if sign is True:
        headers["X-Hub-Signature-256"] = signature(SECRET, body)
    elif isinstance(sign, str):
        headers["X-Hub-Signature-256"] = sign
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())["message"]
    finally:
        conn.close()


def payload(repo: str = "octo/config", **extra: Any) -> bytes:
    return json.dumps({"action": "opened", "repository": {"full_name": repo}, **extra}).encode()


def test_signature_matches_githubs_documented_example() -> None:
    # The example of GitHub's "Validating webhook deliveries" page.
    expected = hmac.new(SECRET, b"Hello, World!", hashlib.sha256).hexdigest()
    assert signature(SECRET, b"Hello, World!") == f"sha256={expected}"
    assert expected == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_valid_delivery_is_queued_and_handled(server: WebhookServer, recorder: Recorder) -> None:
    body = payload(number=7)
    assert post(server, body) == (
        202,
        "queued pull_request delivery 72d3162e-cc78-11e3-81ab-4c9367dc0958",
    )
    server.drain()
    assert recorder.events == [
        Event(
            name="pull_request",
            delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958",
            repository="octo/config",
            payload={"action": "opened", "repository": {"full_name": "octo/config"}, "number": 7},
        )
    ]


def test_answer_does_not_wait_for_the_work(server: WebhookServer, recorder: Recorder) -> None:
    recorder.release.clear()  # the handler blocks until released
    assert post(server, payload())[0] == 202
    assert recorder.events == []
    recorder.release.set()
    server.drain()
    assert len(recorder.events) == 1


def test_wrong_signature(server: WebhookServer, recorder: Recorder) -> None:
    body = payload()
    forged = "sha256=" + hmac.new(b"guess", body, hashlib.sha256).hexdigest()
    assert post(server, body, sign=forged) == (
        401,
        "X-Hub-Signature-256 does not match the payload and the configured secret",
    )
    assert post(server, body, sign="sha1=abc")[0] == 401
    server.drain()
    assert recorder.events == []


def test_signature_of_another_body(server: WebhookServer, recorder: Recorder) -> None:
    status, _ = post(server, payload(number=8), sign=signature(SECRET, payload(number=7)))
    assert status == 401


def test_missing_signature(server: WebhookServer, recorder: Recorder) -> None:
    assert post(server, payload(), sign=None) == (
        401,
        "missing X-Hub-Signature-256: configure the webhook's secret",
    )


def test_unknown_repository(server: WebhookServer, recorder: Recorder) -> None:
    assert post(server, payload("mallory/config")) == (
        403,
        "repository mallory/config is not configured for this server",
    )
    assert post(server, payload("OCTO/Config"), delivery="other-id")[0] == 202


def test_oversized_payload(tmp_path: Path, recorder: Recorder) -> None:
    server = make_server(tmp_path, recorder, max_payload=1000)
    try:
        big = payload(padding="x" * 5000)
        assert post(server, big) == (
            413,
            f"payload of {len(big)} bytes is larger than the limit of 1000",
        )
        assert post(server, payload())[0] == 202  # the server still serves afterwards
        server.drain()
        assert len(recorder.events) == 1
    finally:
        server.stop()


def test_redelivery_is_ignored_even_after_a_restart(tmp_path: Path, recorder: Recorder) -> None:
    server = make_server(tmp_path, recorder)
    try:
        assert post(server, payload(), delivery="d-1")[0] == 202
        server.drain()
        assert post(server, payload(), delivery="d-1") == (200, "delivery d-1 was already handled")
    finally:
        server.stop()
    assert (tmp_path / "state" / "webhook-deliveries.log").read_text() == "d-1\n"
    again = make_server(tmp_path, recorder)
    try:
        assert post(again, payload(), delivery="d-1") == (200, "delivery d-1 was already handled")
        assert post(again, payload(), delivery="d-2")[0] == 202
        again.drain()
    finally:
        again.stop()
    assert [e.delivery for e in recorder.events] == ["d-1", "d-2"]


def test_a_failed_delivery_can_be_redelivered(server: WebhookServer, recorder: Recorder) -> None:
    recorder.fail_next = True
    assert post(server, payload(), delivery="d-9")[0] == 202
    server.drain()
    assert recorder.events == []
    assert post(server, payload(), delivery="d-9")[0] == 202
    server.drain()
    assert [e.delivery for e in recorder.events] == ["d-9"]


def test_unsupported_event(server: WebhookServer, recorder: Recorder) -> None:
    assert post(server, payload(), event="star") == (
        400,
        "event 'star' is not handled (handled: issue_comment, pull_request, push)",
    )


def test_ping_is_answered(server: WebhookServer) -> None:
    assert post(server, payload(), event="ping") == (200, "pong")


def test_malformed_requests(server: WebhookServer) -> None:
    assert post(server, payload(), delivery="") == (
        400,
        "missing or malformed X-GitHub-Event or X-GitHub-Delivery header",
    )
    assert post(server, payload(), delivery="../../etc/passwd")[0] == 400
    assert post(server, b"payload=%7B%7D") == (
        400,
        "the payload is not JSON: set the webhook's content type to application/json",
    )
    assert post(server, b"[]") == (400, "the payload names no repository")


def test_other_paths_and_health(server: WebhookServer) -> None:
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("GET", "/healthz")
    assert conn.getresponse().read() == b'{"message": "ok"}\n'
    conn.request("POST", "/admin", body=b"{}")
    response = conn.getresponse()
    assert (response.status, response.getheader("Connection")) == (404, "close")
    conn.close()


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_cli_serve_answers_signed_deliveries(tmp_path: Path, stop: str) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys

    env = {
        "PATH": os.environ["PATH"],
        "HYPERLOOP_WEBHOOK_SECRET": SECRET.decode(),
        "GITHUB_TOKEN": "unused-here",
    }
    # started as a shell starts a background job, SIGINT ignored: the server handles it itself
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "hyperloop_gitops", "-C", str(tmp_path), "bot", "serve"),
                *("--port", "0", "--repository", "octo/config"),
                *("--state-dir", str(tmp_path / "state")),
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        match = re.fullmatch(
            r"hyperloop bot: serving webhooks on http://127\.0\.0\.1:(\d+)/ for octo/config\n",
            first,
        )
        assert match, first
        port = int(match.group(1))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        body = payload()
        conn.request(
            "POST",
            "/",
            body=body,
            headers={
                "X-GitHub-Event": "ping",
                "X-GitHub-Delivery": "p-1",
                "X-Hub-Signature-256": signature(SECRET, body),
            },
        )
        response = conn.getresponse()
        assert (response.status, json.loads(response.read())) == (200, {"message": "pong"})
        conn.close()
    finally:
        process.send_signal(signal.Signals[stop])
        process.wait(timeout=10)
    assert process.returncode == 0
    assert process.stderr.read().endswith("hyperloop bot: stopped\n")


def test_cli_serve_needs_a_secret(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hyperloop_gitops.cli import main

    result = CliRunner(env={"HYPERLOOP_WEBHOOK_SECRET": ""}).invoke(
        main, ["-C", str(tmp_path), "bot", "serve", "--repository", "octo/config"]
    )
    assert (result.exit_code, result.stderr) == (
        1,
        "error: HYPERLOOP_WEBHOOK_SECRET is not set: the server verifies every delivery with it\n",
    )
