"""Editing commands: whole files compared before and after; comments and layout survive."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hyperloop_gitops.cli import main
from hyperloop_gitops.config import load_repository
from hyperloop_gitops.editing import (
    EditError,
    InvalidEditError,
    Package,
    clone_wagon,
    disable_wagon,
    enable_wagon,
)
from hyperloop_gitops.errors import NotFoundError
from hyperloop_gitops.wagoncompare import MISSING, Row, compare_wagons
from tests.history.scenario import INITIAL, A

SPECTRA = f"{A}/lf/wagons/spectra.yaml"
WAGON = """\
# The pT spectrum of charged particles.
name: spectra   # must match the file name
workflow: o2-analysis-lf-spectra
configuration:
  pt-spectrum:
    etaMax: 0.8        # detector acceptance
    label: 'single quoted'
    ptBins: {bins: 10, min: 0.0, max: 5.0}
dependencies: [svc/trksel]
subwagons:
    - name: narrow
      configuration:
        pt-spectrum: {etaMax: 0.5}
enabled:
    # the main dataset
    - dataset: D1
      tag: daily-20261120-0000-1   # pinned
      subwagons: [narrow]
"""
HEAD = WAGON.split("enabled:", maxsplit=1)[0]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    files = {**INITIAL, SPECTRA: WAGON}
    files[f"{A}/lf/wagons/needs-spectra.yaml"] = (
        "name: needs-spectra\nworkflow: o2-analysis-lf-spectra\n"
        "dependencies: [spectra, svc/evsel]\n"
    )
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert load_repository(tmp_path).ok
    return tmp_path


def test_enable_appends_an_entry_in_the_files_style(root: Path) -> None:
    result = enable_wagon(
        root, wagon="lf/spectra", dataset="D2", package=Package(latest=True), subwagons=("narrow",)
    )
    assert result.notes == ("enabled lf/spectra on D2 (latest: true)",)
    assert (root / SPECTRA).read_text() == (
        WAGON + "    - dataset: D2\n      latest: true\n      subwagons: [narrow]\n"
    )


def test_enable_again_changes_the_package_choice_in_place(root: Path) -> None:
    enable_wagon(root, wagon="lf/spectra", dataset="D1", package=Package(pull_request=101))
    # The comment on the old tag goes with the tag; everything else stays.
    assert (root / SPECTRA).read_text() == WAGON.replace(
        "tag: daily-20261120-0000-1   # pinned", "pull_request: 101"
    )


def test_disable_removes_the_entry(root: Path) -> None:
    assert disable_wagon(root, wagon="lf/spectra", dataset="D1").notes == (
        "disabled lf/spectra on D1",
    )
    assert (root / SPECTRA).read_text() == HEAD + "enabled: []\n"
    with pytest.raises(NotFoundError, match=r"^lf/spectra is not enabled on D1$"):
        disable_wagon(root, wagon="lf/spectra", dataset="D1")


def test_an_invalid_edit_writes_nothing(root: Path) -> None:
    with pytest.raises(InvalidEditError) as error:
        enable_wagon(
            root,
            wagon="lf/spectra",
            dataset="D2",
            package=Package(tag="daily-20261120-0000-1"),
            subwagons=("wide",),
        )
    assert str(error.value) == (
        "nothing written: the edit would make the configuration invalid:\n"
        "  config/analyses/lf/wagons/spectra.yaml:21:19: error: enabled[1].subwagons[0]: "
        "unknown subwagon 'wide' (subwagons of this wagon: narrow)"
    )
    assert (root / SPECTRA).read_text() == WAGON
    assert sorted(p.name for p in (root / SPECTRA).parent.iterdir()) == [
        "needs-spectra.yaml",
        "spectra.yaml",
    ]
    with pytest.raises(EditError, match=r"^choose exactly one of --tag, --latest or --pr$"):
        enable_wagon(root, wagon="lf/spectra", dataset="D2", package=Package())
    with pytest.raises(NotFoundError, match=r"^no wagon 'lf/nope' \("):
        enable_wagon(root, wagon="lf/nope", dataset="D2", package=Package(latest=True))


def test_enable_on_an_unknown_dataset_fails_before_editing(root: Path) -> None:
    # The edit's own line numbers would point into a file nobody has seen: name the dataset.
    with pytest.raises(NotFoundError) as error:
        enable_wagon(root, wagon="lf/spectra", dataset="D9", package=Package(latest=True))
    assert str(error.value) == "unknown dataset 'D9' (datasets: D1, D2)"
    (root / "config/datasets/LHC22o_pass6.yaml").write_text(
        (root / "config/datasets/D1.yaml").read_text().replace("name: D1", "name: LHC22o_pass6")
    )
    with pytest.raises(NotFoundError) as error:
        enable_wagon(root, wagon="lf/spectra", dataset="LHC22o_pass7", package=Package(latest=True))
    assert str(error.value) == "unknown dataset 'LHC22o_pass7' (did you mean 'LHC22o_pass6'?)"
    assert (root / SPECTRA).read_text() == WAGON


def test_clone_keeps_the_file_drops_enabled_and_rewrites_dependencies(root: Path) -> None:
    result = clone_wagon(root, source="lf/needs-spectra", destination="dq/copy")
    assert result.written == (f"{A}/dq/wagons/copy.yaml",)
    assert result.notes == (
        "cloned lf/needs-spectra to dq/copy",
        "dependency lf/spectra left out: it is not a service wagon and not in dq (clone it "
        "too, or depend on a service wagon)",
    )
    assert (root / f"{A}/dq/wagons/copy.yaml").read_text() == (
        "name: copy\nworkflow: o2-analysis-lf-spectra\ndependencies: [svc/evsel]\n"
    )
    clone_wagon(root, source="lf/spectra", destination="cf")
    assert (root / f"{A}/cf/wagons/spectra.yaml").read_text() == HEAD.rstrip("\n") + "\n"
    with pytest.raises(EditError, match=r"^wagon cf/spectra exists already"):
        clone_wagon(root, source="lf/spectra", destination="cf")
    with pytest.raises(NotFoundError, match=r"^no analysis 'zz'"):
        clone_wagon(root, source="lf/spectra", destination="zz/x")


def test_clone_within_the_analysis_keeps_local_dependencies(root: Path) -> None:
    clone_wagon(root, source="lf/needs-spectra", destination="lf/needs-spectra-2")
    assert (root / f"{A}/lf/wagons/needs-spectra-2.yaml").read_text() == (
        "name: needs-spectra-2\nworkflow: o2-analysis-lf-spectra\n"
        "dependencies: [spectra, svc/evsel]\n"
    )


def test_compare_a_wagon_with_its_subwagon(root: Path) -> None:
    repo = load_repository(root).repository
    rows = compare_wagons(repo, "lf/spectra", "lf/spectra:narrow")
    assert [(r.key, r.same) for r in rows] == [
        ("workflow", True),
        ("dependencies", True),
        ("subwagons", True),
        ("derived_data", True),
        ("configuration.pt-spectrum.etaMax", False),
        ("configuration.pt-spectrum.label", True),
        ("configuration.pt-spectrum.ptBins", True),
    ]
    assert rows[4] == Row("configuration.pt-spectrum.etaMax", 0.8, 0.5)
    other = compare_wagons(repo, "lf/spectra", "cf/flow")
    assert Row("configuration.pt-spectrum.label", "single quoted", MISSING) in other
    with pytest.raises(
        NotFoundError, match=r"^lf/spectra has no subwagon 'x' \(subwagons: narrow\)$"
    ):
        compare_wagons(repo, "lf/spectra", "lf/spectra:x")


def test_wagon_commands(root: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, ["--repo", str(root), "wagon", *args])
        return result.exit_code, result.stdout, result.stderr

    assert run("enable", "lf/spectra", "--dataset", "D2", "--tag", "daily-20261120-0000-1") == (
        0,
        "enabled lf/spectra on D2 (tag: daily-20261120-0000-1)\n"
        "wrote config/analyses/lf/wagons/spectra.yaml\n",
        "",
    )
    assert run("disable", "lf/spectra", "--dataset", "D2")[0] == 0
    assert (root / SPECTRA).read_text() == WAGON
    code, _, err = run("enable", "lf/spectra", "--dataset", "D2", "--latest", "--pr", "3")
    assert (code, err) == (1, "error: choose exactly one of --tag, --latest or --pr\n")
    code, _, err = run("enable", "lf/spectra", "--dataset", "NOPE", "--latest")
    assert (code, err) == (1, "error: unknown dataset 'NOPE' (datasets: D1, D2)\n")
    assert (root / SPECTRA).read_text() == WAGON
    code, out, _ = run("compare", "lf/spectra", "lf/spectra:narrow", "--differences")
    assert out.splitlines() == [
        "🆚 lf/spectra vs lf/spectra:narrow",
        "                                    lf/spectra  lf/spectra:narrow",
        "≠ configuration.pt-spectrum.etaMax  0.8         0.5",
        "",
        "1 of 7 keys differ",
    ]
