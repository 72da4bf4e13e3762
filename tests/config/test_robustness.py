"""Broken inputs nobody wrote down: `hyperloop validate` never shows a traceback.

The example configuration's files are mutated (truncated, lines deleted or duplicated, values
swapped for other types, random bytes and characters inserted, deep nesting, huge numbers,
odd keys). Every run must exit 0 or 1 and print only finding lines of the form
``file:line:column: error|warning: ...`` (or ``file: ...`` for a whole-file finding) and the
summary. Hypothesis runs derandomized with a bounded number of examples, so the test is
deterministic and fast.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hyperloop_gitops.cli import main
from tests.conftest import EXAMPLE

FILES = sorted(p.relative_to(EXAMPLE).as_posix() for p in (EXAMPLE / "config").rglob("*.yaml"))
FINDING = re.compile(r"^config/[^:\s]+(?::\d+:\d+)?: (error|warning): \S")
SUMMARY = re.compile(r"^(valid: \d+ files? checked|\d+ errors?, \d+ warnings? in \d+ files?) ")

VALUES = [
    "",
    "~",
    "null",
    "-1",
    "0",
    "1e400",
    "-.inf",
    ".nan",
    "99999999999999999999999999999999",
    "0x1F",
    "true",
    "no",
    "2026-02-30",
    "2026-11-20T00:00:00Z",
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "{bins: 0, min: 1, max: 0}",
    "{edges: [3, 2, 1]}",
    "{values: [], labels_rows: [a]}",
    "'quoted: text'",
    '"\\u0000"',
    "&anchor x",
    "*nowhere",
    "!!str 5",
    "!!float x",
    "!!int 1.5",
    "!!timestamp 2026",
    "!custom x",
    "|\n  block",
    "é\u202e\U0001f600",
    "..",
    "/etc/passwd",
]
KEYS = [
    "? [a, b]\n: 1",
    "? {a: 1}\n: 2",
    "'': 1",
    "null: 1",
    "1.5: x",
    "<<: {name: merged}",
    "<<: [*a]",
    "~: 3",
    "name: duplicated",
    "é\u0301: 1",
    "x" * 300 + ": 1",
    '"new\\nline": 1',
    '"\\u202eevil": 1',
    '"tab\\there": 1',
]


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _mutate(text: bytes, kind: str, where: float, pick: int, extra: bytes) -> bytes:
    lines = text.split(b"\n")
    line = min(int(where * len(lines)), len(lines) - 1)
    cut = int(where * len(text))
    if kind == "truncate":
        return text[:cut]
    if kind == "delete-line":
        return b"\n".join(lines[:line] + lines[line + 1 :])
    if kind == "duplicate-line":
        return b"\n".join(lines[: line + 1] + lines[line:])
    if kind == "indent":
        return b"\n".join([*lines[:line], b" " * (pick % 5 + 1) + lines[line], *lines[line + 1 :]])
    if kind == "swap-value":
        head, sep, _ = lines[line].partition(b": ")
        value = VALUES[pick % len(VALUES)].encode()
        lines[line] = head + b": " + value if sep else head + b" " + value
        return b"\n".join(lines)
    if kind == "insert-bytes":
        return text[:cut] + extra + text[cut:]
    if kind == "insert-key":
        indent = re.match(rb" *", lines[line])
        prefix = indent.group() if indent else b""
        key = KEYS[pick % len(KEYS)].encode().replace(b"\n", b"\n" + prefix)
        return b"\n".join([*lines[:line], prefix + key, *lines[line:]])
    if kind == "nest":
        head, sep, _ = lines[line].partition(b": ")
        lines[line] = head + b": " + _deep(pick % 3000 + 1).encode() if sep else lines[line]
        return b"\n".join(lines)
    if kind == "huge-number":
        return re.sub(rb"\b\d+(\.\d+)?\b", b"9" * (pick % 5000 + 20), text, count=1)
    raise AssertionError(kind)


KINDS = [
    "truncate",
    "delete-line",
    "duplicate-line",
    "indent",
    "swap-value",
    "insert-bytes",
    "insert-key",
    "nest",
    "huge-number",
]
EXTRA = st.one_of(
    st.binary(min_size=1, max_size=8),
    st.text(min_size=1, max_size=8).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\t", b"\x00", b"\xef\xbb\xbf", b"\r", b"\r\n", b"&", b"*", b"%YAML 1.1\n"]),
)


def assert_clean(exit_code: int, output: str) -> None:
    """Exit 0 or 1, no traceback, and every line a finding or the summary."""
    assert exit_code in (0, 1), output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line]
    assert lines and SUMMARY.match(lines[-1]), output
    for line in lines[:-1]:
        assert FINDING.match(line), line
    if exit_code == 1:
        assert any(": error: " in line or ": warning: " in line for line in lines), output


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("robust") / "repo"
    shutil.copytree(EXAMPLE / "config", root / "config")
    yield root


@settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    file=st.sampled_from(FILES),
    kind=st.sampled_from(KINDS),
    where=st.floats(min_value=0, max_value=1),
    pick=st.integers(min_value=0, max_value=10_000),
    extra=EXTRA,
)
def test_mutated_configuration_never_crashes(
    repo: Path, file: str, kind: str, where: float, pick: int, extra: bytes
) -> None:
    original = (EXAMPLE / file).read_bytes()
    (repo / file).write_bytes(_mutate(original, kind, where, pick, extra))
    try:
        result = CliRunner().invoke(
            main, ["--repo", str(repo), "validate", "--strict"], catch_exceptions=False
        )
    finally:
        (repo / file).write_bytes(original)
    assert_clean(result.exit_code, result.stdout)


def test_a_real_process_on_many_broken_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE / "config", root / "config")
    for index, file in enumerate(FILES):
        kind = KINDS[index % len(KINDS)]
        original = (root / file).read_bytes()
        mutated = _mutate(original, kind, (index * 0.37) % 1, index * 7, b"\x00\xff")
        (root / file).write_bytes(mutated)
    result = subprocess.run(
        [sys.executable, "-m", "hyperloop_gitops", "--repo", str(root), "validate"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == ""
    assert_clean(result.returncode, result.stdout)
