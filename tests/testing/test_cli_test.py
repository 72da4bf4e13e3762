"""``hyperloop test`` end to end: the real embedded runtime on generated AO2D files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hyperloop_gitops.runtime.generate import generate_files

WAGON = "demo/spectra"
TRACK_SELECTION = """\
name: trksel
workflow: track-selection
configuration:
  track-selection: {etaMax: 0.9}
dependencies: [evsel]
"""
SPECTRA = """\
name: spectra
workflow: pt-spectrum
configuration:
  pt-spectrum:
    etaMax: 0.8
    ptBins: {bins: 10, min: 0.0, max: 5.0}
dependencies: [service/evsel, service/trksel]
subwagons:
  - name: narrow
    configuration:
      pt-spectrum: {etaMax: 0.5}
enabled:
  - dataset: LHC22o_test
    tag: daily-20261120-0000-1
    subwagons: [narrow]
"""
TRAIN_FILES = {
    "config/analyses/service/wagons/trksel.yaml": TRACK_SELECTION,
    "config/analyses/demo/wagons/spectra.yaml": SPECTRA,
}
FAULTY = """\
name: faulty
workflow: fault-injection
configuration:
  fault-injection: {options}
dependencies: [service/evsel]
enabled:
  - {{dataset: LHC22o_test, tag: daily-20261120-0000-1}}
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    generate_files(
        root / "LHC22o_test",
        period="LHC22o",
        pass_name="apass6",
        runs=[526641, 526712],
        files_per_run=1,
        dataframes_per_file=8,
        collisions_per_dataframe=200,
        seed=7,
    )
    return root


def _test(project, data_dir: Path, *args: str, files: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    repo = project({**TRAIN_FILES, **(files or {})})
    return repo, repo.run("test", *args, "--data-dir", str(data_dir), "--interval", "0.1")


def test_a_healthy_wagon_is_done_and_then_reused(project, data_dir: Path) -> None:
    repo, outcome = _test(project, data_dir, WAGON)

    assert outcome.exit_code == 0, outcome.output + outcome.stderr
    lines = outcome.lines
    assert lines[0] == f"⏳ {WAGON} on LHC22o_test (tag O2Physics::daily-20261120-0000-1)"
    assert lines[1] == "   train: evsel, trksel, spectra (+ subwagons: narrow)"
    summary = lines[lines.index("") + 1 :]
    assert re.fullmatch(rf"🌟 {WAGON}  done in \d+(\.\d+)? s", summary[0]), summary[0]
    assert re.fullmatch(
        r"   input      2 files, \d+(\.\d+)? MB +output   .*\(reduction \d+×\)", summary[1]
    )
    assert summary[2].startswith("   PSS        max ")
    assert summary[4].startswith("   CPU        ")
    assert "spectra" not in summary[4]  # devices are named by task: pt-spectrum, event-selection
    assert " pt-spectrum " in summary[4] and "pt-spectrum_narrow" in summary[4]
    assert re.fullmatch(
        r"   whole dataset \(10 TB\):  CPU [\d.]+ years · output [\d.]+ [kMGT]?B · [\d.]+ kgCO2eq"
        r" · fits Grid single core",
        summary[6],
    ), summary[6]
    hashes = list((repo.root / ".hyperloop" / "tests").iterdir())
    assert len(hashes) == 1
    assert summary[7] == f"   results    {hashes[0]}/AnalysisResults.root"

    again = repo.run("test", WAGON, "--data-dir", str(data_dir), "--json")

    assert again.exit_code == 0
    document = json.loads(again.output)
    assert document["reused"] is True
    assert document["status"] == "done"
    assert document["content_hash"] == hashes[0].name
    assert document["train"] == [
        "service/evsel",
        "service/trksel",
        "demo/spectra",
        "demo/spectra:narrow",
    ]
    assert document["metrics"]["input_files"] == 2


def test_a_subwagon_alone_is_another_test(project, data_dir: Path) -> None:
    _, outcome = _test(project, data_dir, WAGON, "--subwagon", "narrow", "--json")

    assert outcome.exit_code == 0, outcome.stderr
    document = json.loads(outcome.output)
    assert document["subwagon"] == "narrow"
    assert document["train"] == ["service/evsel", "service/trksel", "demo/spectra:narrow"]
    assert outcome.stderr.splitlines()[0] == (
        f"⏳ {WAGON}:narrow on LHC22o_test (tag O2Physics::daily-20261120-0000-1)"
    )


def test_a_leaking_wagon_gets_the_leak_warning_and_exit_code_3(project, data_dir: Path) -> None:
    options = "{leakMbPerChunk: 25, sleepMsPerChunk: 60}"
    _, outcome = _test(
        project,
        data_dir,
        "demo/faulty",
        files={"config/analyses/demo/wagons/faulty.yaml": FAULTY.format(options=options)},
    )

    assert outcome.exit_code == 3, outcome.output + outcome.stderr
    summary = outcome.lines[outcome.lines.index("") + 1 :]
    assert re.fullmatch(r"❗ demo/faulty  done in [\d.]+ s, 1 warning", summary[0]), summary[0]
    assert re.fullmatch(
        r"   ❗ leak: max PSS [\d.]+ MB is \d+% above average [\d.]+ MB \(rule: at most 30%\)",
        summary[1],
    ), summary[1]


def test_a_crashing_wagon_fails_with_the_reason_and_exit_code_1(project, data_dir: Path) -> None:
    _, outcome = _test(
        project,
        data_dir,
        "demo/faulty",
        files={
            "config/analyses/demo/wagons/faulty.yaml": FAULTY.format(options="{crashAtChunk: 2}")
        },
    )

    assert outcome.exit_code == 1
    summary = outcome.lines[outcome.lines.index("") + 1 :]
    assert re.fullmatch(r"💣 demo/faulty  failed after [\d.]+ s", summary[0])
    assert summary[1] == "   hyperloop-runtime exited with code 2; stderr ends with:"
    assert any("FaultInjectionError: crash requested at data frame 2" in line for line in summary)
    assert summary[-1].endswith("/stderr.log")
    assert "Traceback" not in outcome.stderr


def test_exceeding_the_memory_limit_fails(project, data_dir: Path) -> None:
    policy = "policy: {test_max_pss_gb: 0.2}\n"
    base = (Path(__file__).parents[1] / "resources/base/config/hyperloop.yaml").read_text()
    options = "{leakMbPerChunk: 60, sleepMsPerChunk: 50}"
    _, outcome = _test(
        project,
        data_dir,
        "demo/faulty",
        "--json",
        files={
            "config/hyperloop.yaml": base + policy,
            "config/analyses/demo/wagons/faulty.yaml": FAULTY.format(options=options),
        },
    )

    assert outcome.exit_code == 1
    document = json.loads(outcome.output)
    assert document["status"] == "failed"
    assert re.fullmatch(r"memory limit 200 MB exceeded: PSS \d+(\.\d+)? MB", document["reason"])


def test_missing_input_says_how_to_make_it(project, tmp_path: Path) -> None:
    repo = project(TRAIN_FILES)
    outcome = repo.run("test", WAGON, "--data-dir", str(tmp_path / "nothing"))

    outcome.assert_failed(exit_code=1)
    assert outcome.stderr == (
        "error: 2 of 2 test input files of dataset LHC22o_test are missing (first: "
        f"{tmp_path}/nothing/LHC22o_test/LHC22o/526641/apass6/0001/AO2D.root); generate them "
        "with: hyperloop data generate LHC22o_test\n"
    )


def test_an_unknown_wagon_is_a_user_error(project) -> None:
    outcome = project().run("test", "demo/nope")

    outcome.assert_failed(exit_code=1)
    assert outcome.stderr.startswith("error: ")
    assert "demo/nope" in outcome.stderr


def test_an_o2_wagon_without_o2physics_is_a_clear_error(project, data_dir: Path) -> None:
    o2_wagon = """\
name: o2-spectra
workflow: o2-analysis-spectra-tpc
configuration:
  spectra-tpc: {ptMin: 0.1}
enabled:
  - {dataset: LHC22o_test, tag: daily-20261120-0000-1}
"""
    _, outcome = _test(
        project,
        data_dir,
        "demo/o2-spectra",
        files={"config/analyses/demo/wagons/o2-spectra.yaml": o2_wagon},
    )

    outcome.assert_failed(exit_code=1)
    assert outcome.stderr == (
        "error: O2Physics is not available: o2-analysis-spectra-tpc not found on PATH; load the "
        "O2Physics environment (alienv enter O2Physics/...) or use an embedded task\n"
    )
