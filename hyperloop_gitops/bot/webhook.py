"""The webhook server: GitHub's deliveries in, verified, queued, handled one at a time.

Each request is checked in this order, and the first failure answers at once:
size (413, before reading the body), signature (401: HMAC-SHA256 of the raw body, compared in
constant time), headers and JSON (400), event (400 unless handled; ``ping`` gets 200),
repository (403 unless configured), delivery id already handled or queued (200, nothing done).
A valid delivery is answered 202 and put on a queue; one worker thread handles the queue, so
GitHub never waits on a wagon test and two deliveries never race on one checkout.

Handled delivery ids are appended to ``<state_dir>/webhook-deliveries.log`` after the handler
returns, so a redelivery after a restart is still recognised, and a delivery whose handling
failed can be retried with GitHub's "Redeliver" button.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import re
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EVENTS = frozenset({"pull_request", "issue_comment", "push"})
DEFAULT_MAX_PAYLOAD = 5 * 1024 * 1024  # GitHub caps deliveries at 25 MB; ours are far smaller
SECRET_ENV = "HYPERLOOP_WEBHOOK_SECRET"
_DISCARD_MAX = 32 * 1024 * 1024
_DELIVERY = re.compile(r"[A-Za-z0-9-]{1,64}")


@dataclass(frozen=True)
class Event:
    """One verified delivery: GitHub's event name, its delivery id and its JSON payload."""

    name: str
    delivery: str
    repository: str
    payload: dict[str, Any]


Handler = Callable[[Event], None]


@dataclass(frozen=True)
class WebhookConfig:
    """What the server accepts. ``repositories`` are ``OWNER/NAME`` (case-insensitive)."""

    secret: bytes
    repositories: frozenset[str]
    state_dir: Path
    events: frozenset[str] = EVENTS
    max_payload: int = DEFAULT_MAX_PAYLOAD

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the webhook secret must not be empty")


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass
class _Deliveries:
    """Delivery ids already handled (persisted) or waiting in the queue (in memory)."""

    path: Path
    handled: set[str] = field(default_factory=set)
    queued: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def load(self) -> None:
        if self.path.exists():
            self.handled = set(self.path.read_text(encoding="utf-8").split())

    def claim(self, delivery: str) -> bool:
        """Reserve ``delivery`` for the queue; ``False`` if it was seen before."""
        with self.lock:
            if delivery in self.handled or delivery in self.queued:
                return False
            self.queued.add(delivery)
            return True

    def done(self, delivery: str, *, ok: bool) -> None:
        with self.lock:
            self.queued.discard(delivery)
            if not ok:
                return
            self.handled.add(delivery)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(delivery + "\n")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


class WebhookServer:
    """An HTTP server on ``host:port`` (``port=0``: any free port) feeding ``handler``."""

    def __init__(self, config: WebhookConfig, handler: Handler, *, host: str, port: int) -> None:
        self.config = config
        self.handler = handler
        self.repositories = frozenset(r.lower() for r in config.repositories)
        self.deliveries = _Deliveries(config.state_dir / "webhook-deliveries.log")
        self.deliveries.load()
        self.queue: queue.Queue[Event | None] = queue.Queue()
        request_handler = type("RequestHandler", (_RequestHandler,), {"server_app": self})
        self.http = ThreadingHTTPServer((host, port), request_handler)
        self._worker = threading.Thread(target=self._work, name="hyperloop-webhook-worker")
        self._serving: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.http.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Serve in a background thread (tests, and ``serve_forever`` below)."""
        self._worker.start()
        self._serving = threading.Thread(
            target=self.http.serve_forever, args=(0.05,), name="hyperloop-webhook-http"
        )
        self._serving.start()

    def serve_forever(self) -> None:
        """Serve until ``stop()`` is called from another thread, Ctrl-C or SIGTERM (raised
        as ``KeyboardInterrupt``). Called from the main thread, it installs its own SIGINT
        and SIGTERM handlers: a server started in the background (where SIGINT is ignored)
        or by a service manager (which sends SIGTERM) stops cleanly, its queue finished."""
        if threading.current_thread() is threading.main_thread():
            for stop in (signal.SIGINT, signal.SIGTERM):
                signal.signal(stop, _interrupt)
        self.start()
        assert self._serving is not None
        try:
            self._serving.join()
        finally:
            self.stop()

    def drain(self) -> None:
        """Wait until every queued delivery has been handled."""
        self.queue.join()

    def stop(self) -> None:
        """Stop accepting, finish the queue, stop the worker."""
        self.http.shutdown()
        self.http.server_close()
        if self._worker.is_alive():
            self.queue.put(None)
            self._worker.join()

    def _work(self) -> None:
        while True:
            event = self.queue.get()
            try:
                if event is None:
                    return
                ok = False
                try:
                    self.handler(event)
                    ok = True
                except Exception:  # one bad delivery must not stop the server
                    log.exception("handling %s delivery %s failed", event.name, event.delivery)
                self.deliveries.done(event.delivery, ok=ok)
            finally:
                self.queue.task_done()

    def accept(self, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        """Judge one delivery whose size was already checked: (HTTP status, message)."""
        sent = headers.get("x-hub-signature-256")
        if not sent:
            return 401, "missing X-Hub-Signature-256: configure the webhook's secret"
        if not hmac.compare_digest(sent.encode(), signature(self.config.secret, body).encode()):
            return 401, "X-Hub-Signature-256 does not match the payload and the configured secret"
        name = headers.get("x-github-event", "")
        delivery = headers.get("x-github-delivery", "")
        if not name or not _DELIVERY.fullmatch(delivery):
            return 400, "missing or malformed X-GitHub-Event or X-GitHub-Delivery header"
        if name == "ping":
            return 200, "pong"
        if name not in self.config.events:
            handled = ", ".join(sorted(self.config.events))
            return 400, f"event {name!r} is not handled (handled: {handled})"
        try:
            payload = json.loads(body)
        except ValueError:
            return (
                400,
                "the payload is not JSON: set the webhook's content type to application/json",
            )
        repository = _repository(payload)
        if repository is None:
            return 400, "the payload names no repository"
        if repository.lower() not in self.repositories:
            return 403, f"repository {repository} is not configured for this server"
        if not self.deliveries.claim(delivery):
            return 200, f"delivery {delivery} was already handled"
        self.queue.put(Event(name, delivery, repository, payload))
        return 202, f"queued {name} delivery {delivery}"


def _repository(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    repo = payload.get("repository")
    if isinstance(repo, dict) and isinstance(repo.get("full_name"), str):
        return str(repo["full_name"])
    return None


class _RequestHandler(BaseHTTPRequestHandler):
    server_app: WebhookServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._answer(200, "ok")
        else:
            self._answer(404, "not found: POST deliveries to /")

    def do_POST(self) -> None:
        if self.path not in ("/", "/webhook"):
            self.close_connection = True  # the unread body must not be taken for a request
            self._answer(404, "not found: POST deliveries to /")
            return
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self.close_connection = True
            self._answer(411, "a Content-Length header is required")
            return
        length = int(length_header)
        limit = self.server_app.config.max_payload
        if length > limit:
            # Answer before reading the body (never held in memory), then discard what the
            # client still sends: closing on unread data would reset the connection and the
            # client would never see the 413.
            self.close_connection = True
            self._answer(413, f"payload of {length} bytes is larger than the limit of {limit}")
            self._discard(min(length, _DISCARD_MAX))
            return
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, message = self.server_app.accept(headers, body)
        self._answer(status, message)

    def _discard(self, length: int) -> None:
        self.wfile.flush()
        self.connection.settimeout(1.0)
        try:
            while length > 0:
                chunk = self.rfile.read1(min(length, 65536))
                if not chunk:
                    return
                length -= len(chunk)
        except OSError:
            return

    def _answer(self, status: int, message: str) -> None:
        data = (json.dumps({"message": message}) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def parse_repositories(values: Iterable[str]) -> frozenset[str]:
    """``OWNER/NAME`` values, checked; raises ``ValueError`` naming the bad one."""
    out = set()
    for value in values:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", value):
            raise ValueError(f"repository must be OWNER/NAME, got {value!r}")
        out.add(value)
    return frozenset(out)
