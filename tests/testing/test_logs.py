from __future__ import annotations

from pathlib import Path

from hyperloop_gitops.testing.logs import CappedLog, tail_text
from hyperloop_gitops.testing.runner import Step

from .conftest import python


def test_a_log_within_its_cap_is_kept_whole(tmp_path: Path) -> None:
    log = CappedLog(tmp_path / "out.log", max_bytes=100)
    log.write(b"hello\n")
    log.write(b"world\n")
    log.close()

    assert (tmp_path / "out.log").read_bytes() == b"hello\nworld\n"
    assert log.total_bytes == 12
    assert log.truncated is False


def test_a_long_log_keeps_head_and_tail_and_says_what_was_cut(tmp_path: Path) -> None:
    log = CappedLog(tmp_path / "out.log", max_bytes=20)
    for i in range(100):
        log.write(f"{i:04d}\n".encode())  # 5 bytes each, 500 in all
    log.close()

    assert log.total_bytes == 500
    assert log.truncated is True
    assert (tmp_path / "out.log").read_text() == (
        "0000\n0001\n"
        "\n[... 480 B (480 bytes) of 500 B cut: this log keeps its first and last 10 B ...]\n"
        "0098\n0099\n"
    )


def test_the_runner_caps_a_flood_of_output(tmp_path: Path, workdir: Path, run_steps) -> None:
    outcome = run_steps(
        Step(python("import sys\nfor i in range(200000): print(f'line {i:06d}')"), "chatty"),
        max_log_bytes=2000,
    )

    text = (workdir / "stdout.log").read_text()
    assert outcome.stdout_bytes == 200000 * 12
    assert outcome.stdout_truncated is True
    assert text.startswith("line 000000\nline 000001\n")
    assert text.endswith("line 199998\nline 199999\n")
    assert "cut: this log keeps its first and last 1 kB ...]" in text
    assert len(text) < 2200


def test_tail_text_gives_the_last_lines(tmp_path: Path) -> None:
    path = tmp_path / "stderr.log"
    path.write_text("".join(f"line {i}\n" for i in range(50)))

    assert tail_text(path, lines=3) == "line 47\nline 48\nline 49"
    assert tail_text(tmp_path / "missing.log") == ""
