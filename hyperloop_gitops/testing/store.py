"""Wagon-test results kept by content hash (DESIGN.md decision 3).

A test's identity is the content hash of everything that can change its result; its work
directory is ``<tests>/<hash>/`` and its result ``<tests>/<hash>/result.json`` (``<tests>`` is
``.hyperloop/tests`` in the repository by default),
written last and atomically (temporary file, fsync, rename): a directory without a result is a
test that never finished, and is run again. Same hash, same result: :meth:`ResultStore.get`
returns it at once.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hyperloop_gitops.errors import StateError
from hyperloop_gitops.state.atomic import atomic_write_bytes
from hyperloop_gitops.testing.metrics import TestMetrics
from hyperloop_gitops.testing.status import Finding, Status, Target

_HASH = re.compile(r"^[0-9a-f]{16,128}$")
RESULT_FILE = "result.json"
STATUS_FILE = "status.json"


class TestResult(BaseModel):
    """The outcome of one wagon test, as stored and as shown everywhere."""

    __test__ = False  # not a pytest test class, despite its name
    model_config = ConfigDict(frozen=True, extra="forbid")

    wagon: str = Field(description="The wagon id, 'analysis/wagon'.")
    subwagon: str | None = Field(None, description="The subwagon tested, or None for the base.")
    dataset: str = Field(description="The dataset whose test input was read.")
    package_tag: str = Field(description="The resolved package tag.")
    content_hash: str = Field(description="Hash of everything that can change the result.")
    status: Status = Field(description="done, warning or failed (queued/running while it runs).")
    reason: str | None = Field(None, description="Why the test failed (💣), with the log's tail.")
    warnings: tuple[Finding, ...] = Field((), description="Rules broken (❗).")
    metrics: TestMetrics | None = Field(None, description="The numbers; None if nothing ran.")
    target: Target | None = Field(None, description="Where a train of this wagon can run.")
    train: tuple[str, ...] = Field((), description="Wagons of the train, dependencies first.")
    started: datetime = Field(description="When the test started (UTC).")
    finished: datetime | None = Field(None, description="When it finished (UTC).")
    work_dir: str = Field(description="The test's directory (configuration, logs, outputs).")

    @property
    def label(self) -> str:
        """``analysis/wagon`` or ``analysis/wagon:subwagon``."""
        return self.wagon if self.subwagon is None else f"{self.wagon}:{self.subwagon}"


DEFAULT_TESTS_DIR = Path(".hyperloop") / "tests"
"""Where test results live, relative to the configuration repository."""


class ResultStore:
    """Test results and work directories, one folder per content hash under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def work_dir(self, content_hash: str) -> Path:
        """The directory of the test with this hash (not created)."""
        if not _HASH.match(content_hash):
            raise StateError(f"not a content hash: {content_hash!r} (expected hex digits)")
        return self.root / content_hash

    def get(self, content_hash: str) -> TestResult | None:
        """The stored result of a finished test, or None."""
        path = self.work_dir(content_hash) / RESULT_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return TestResult.model_validate_json(text)
        except ValidationError as error:
            raise StateError(
                f"{path}: not a valid test result ({error.error_count()} problems); "
                "delete it or re-run the test with --force"
            ) from None

    def status(self, content_hash: str) -> Status | None:
        """Where the test with this hash is: its result's status, else its status.json's
        (⏳ running, ⌛ queued), else None (never queued)."""
        stored = self.get(content_hash)
        if stored is not None:
            return stored.status
        try:
            document = json.loads((self.work_dir(content_hash) / STATUS_FILE).read_text("utf-8"))
            return Status(document["status"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def queue(self, content_hash: str) -> None:
        """Mark a test ⌛ queued (unless a result is stored); running it replaces the mark."""
        if self.get(content_hash) is not None:
            return
        path = self.work_dir(content_hash) / STATUS_FILE
        document = {"status": Status.QUEUED.value, "mark": Status.QUEUED.mark}
        atomic_write_bytes(path, (json.dumps(document, ensure_ascii=False) + "\n").encode())

    def fresh_work_dir(self, content_hash: str) -> Path:
        """An empty work directory for a (re-)run: whatever was there is removed."""
        path = self.work_dir(content_hash)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def put(self, result: TestResult) -> Path:
        """Store ``result`` (atomically) in its work directory; return the file."""
        path = self.work_dir(result.content_hash) / RESULT_FILE
        atomic_write_bytes(path, (result.model_dump_json(indent=1) + "\n").encode())
        return path

    def all(self) -> list[TestResult]:
        """Every stored result, oldest first (for history graphs and the site)."""
        results = []
        if self.root.is_dir():
            for directory in self.root.iterdir():
                if (directory / RESULT_FILE).is_file() and _HASH.match(directory.name):
                    stored = self.get(directory.name)
                    if stored is not None:
                        results.append(stored)
        return sorted(results, key=lambda r: (r.started, r.content_hash))
