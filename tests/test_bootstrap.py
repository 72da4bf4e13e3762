"""scripts/bootstrap.sh keeps pip's noise about this machine's index folders off the screen.

The script runs for real against a stand-in for the venv's python (the real pip would take a
minute and needs the network): it prints what pip printed to the newcomer, then exits with the
code the test chooses.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[1]
NOISE = (
    "WARNING: Location 'file:///opt/pypi-more/simple/{}/' is ignored: "
    "it is neither a file nor a directory."
)
FAKE_PYTHON = """#!/bin/sh
for name in numpy pydantic click; do
  echo "{noise}" | sed "s/{{}}/$name/" >&2
done
case "$*" in *-e*) echo "WARNING: something pip means" >&2 ;; esac
exit {code}
"""


def _bootstrap(tmp_path: Path, code: int) -> subprocess.CompletedProcess[str]:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON.format(noise=NOISE, code=code))
    python.chmod(0o755)
    return subprocess.run(
        ["bash", str(tmp_path / "scripts" / "bootstrap.sh")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_pip_index_folder_warnings_are_filtered_and_other_output_kept(tmp_path: Path) -> None:
    done = _bootstrap(tmp_path, code=0)

    assert (done.returncode, done.stdout) == (0, "WARNING: something pip means\n")
    assert done.stderr == "bootstrap: installing hyperloop-gitops into .venv\n"
    assert (tmp_path / ".venv" / ".hyperloop-installed").is_file()


def test_a_failing_pip_still_fails_the_bootstrap(tmp_path: Path) -> None:
    done = _bootstrap(tmp_path, code=1)

    assert done.returncode == 1
    assert not (tmp_path / ".venv" / ".hyperloop-installed").exists()
