"""The demo's closing hints: a newcomer's shell may not know `hyperloop` after `make demo`."""

from __future__ import annotations

from pathlib import Path

import pytest

from hyperloop_gitops.demo import command_hints

COMMANDS = "  commands       hyperloop trains list · hyperloop trains show ID · hyperloop reconcile"


def test_tells_how_to_activate_when_hyperloop_is_not_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "activate").write_text("")
    monkeypatch.chdir(tmp_path)
    assert command_hints(None, tmp_path / ".venv") == [
        "  first          . .venv/bin/activate   (puts hyperloop on your PATH)",
        COMMANDS,
    ]


def test_absolute_path_outside_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "activate").write_text("")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    activate = tmp_path / "venv" / "bin" / "activate"
    assert command_hints(None, tmp_path / "venv")[0] == (
        f"  first          . {activate}   (puts hyperloop on your PATH)"
    )


def test_no_activation_hint_when_on_path_or_no_venv(tmp_path: Path) -> None:
    assert command_hints("/usr/bin/hyperloop", tmp_path) == [COMMANDS]
    assert command_hints(None, tmp_path) == [COMMANDS]
