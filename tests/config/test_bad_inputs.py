"""The bad-input corpus: every case gets its exact message and location, and no traceback.

Each folder under tests/resources/bad/<case>/ holds files laid over the minimal base
repository (tests/resources/base) and ``expected.txt``: the exact finding lines `hyperloop
validate` must print. A file ``delete.txt`` lists base files to remove first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RESOURCES, ProjectFactory

CASES = sorted(p for p in (RESOURCES / "bad").iterdir() if p.is_dir())


def _overlay(case: Path) -> dict[str, bytes | None]:
    files: dict[str, bytes | None] = {}
    delete = case / "delete.txt"
    if delete.exists():
        for line in delete.read_text(encoding="utf-8").splitlines():
            if line.strip():
                files[line.strip()] = None
    for path in sorted(case.rglob("*")):
        rel = path.relative_to(case).as_posix()
        if path.is_file() and rel not in {"expected.txt", "delete.txt", "README"}:
            files[rel] = path.read_bytes()
    return files


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(project: ProjectFactory, case: Path) -> None:
    expected = [
        line
        for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    project(_overlay(case)).run("validate", "--strict").assert_failed(*expected)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 45
