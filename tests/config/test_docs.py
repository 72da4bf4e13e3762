"""docs/configuration.md: its examples validate and its field reference is fresh."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hyperloop_gitops.config.docs import BEGIN, END, reference_is_fresh
from tests.conftest import ProjectFactory

ROOT = Path(__file__).parents[2]
DOCUMENT = ROOT / "docs" / "configuration.md"
BLOCK = re.compile(r"```yaml\n# (config/\S+\.yaml)\n(.*?)```", re.DOTALL)


def test_the_field_reference_is_fresh() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    assert reference_is_fresh(DOCUMENT), "regenerate with: hyperloop schema"


def test_the_reference_documents_every_field() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    assert (
        "| `exclude_runs` | list of whole numbers > 0 | `[]` | Runs of the runlist not to use. |"
        in text
    )
    assert "| `pass` | text | **required** | Reconstruction pass, e.g. 'apass6'. |" in text
    assert "#### config/datasets/&lt;dataset&gt;.yaml · Composition" in text


def test_the_examples_form_a_valid_repository(project: ProjectFactory) -> None:
    files = dict(BLOCK.findall(DOCUMENT.read_text(encoding="utf-8")))
    assert len(files) == 11
    project(files, base=None).run("validate", "--strict").assert_success()


def test_schema_check_fails_on_a_stale_reference(project: ProjectFactory) -> None:
    p = project(base=None)
    shutil.copytree(ROOT / "schemas", p.root / "schemas")
    (p.root / "docs").mkdir()
    stale = DOCUMENT.read_text(encoding="utf-8").replace("Runs of the runlist", "Runs")
    (p.root / "docs" / "configuration.md").write_text(stale, encoding="utf-8")
    outcome = p.run("schema", "--check")
    assert outcome.exit_code == 1
    assert outcome.stderr == (
        f"error: stale field reference in {p.root / 'docs/configuration.md'}; regenerate with "
        "`hyperloop schema`\n"
    )
    p.run("schema").assert_success()
    p.run("schema", "--check").assert_success()
