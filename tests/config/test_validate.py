"""`hyperloop validate` on valid repositories, and its output formats."""

from __future__ import annotations

import json

from tests.conftest import ProjectFactory


def test_example_configuration_is_valid(project: ProjectFactory) -> None:
    outcome = project(base="example").run("validate").assert_success()
    assert outcome.lines[-1].startswith("valid: 28 files checked")


def test_minimal_base_is_valid(project: ProjectFactory) -> None:
    outcome = project().run("validate", "--strict").assert_success()
    assert outcome.lines[-1].startswith("valid: 7 files checked")


def test_all_errors_of_a_repository_in_one_run(project: ProjectFactory) -> None:
    p = project(
        {
            "config/datasets/LHC22o_test.yaml": (
                "name: LHC22o_test\ntype: run3-data\ncollision_system: pp\nsize_tb: 10\n"
                "productions:\n  - period: LHC22o\n    pass: apass6\n    runlist: LHC22o_god\n"
                "files: {path: LHC22o_test, year: 2022}\n"
            ),
            "config/runlists/LHC22o_good.yaml": (
                "name: LHC22o_good\nlabel: GoodRuns\nkind: data\ncollision_system: pp\n"
                "period: LHC22o\npass: apass6\nruns: [526641, 526641]\n"
            ),
        }
    )
    p.run("validate").assert_failed(
        "config/datasets/LHC22o_test.yaml:8:14: error: productions[0].runlist: runlist "
        "'LHC22o_god' does not exist (did you mean 'LHC22o_good'?) (defined runlists: "
        "LHC22o_good)",
        "config/runlists/LHC22o_good.yaml:7:16: error: runs[1]: run 526641 is listed twice "
        "(first at runs[0]); runs must be unique",
    )


def test_warnings_pass_unless_strict(project: ProjectFactory) -> None:
    p = project(
        {
            "config/datasets/LHC22o_test.yaml": (
                "name: LHC22o_test\ntype: run3-data\ncollision_system: pp\nsize_tb: 10\n"
                "active: false\nproductions:\n  - period: LHC22o\n    pass: apass6\n"
                "    runlist: LHC22o_good\nfiles: {path: LHC22o_test, year: 2022}\n"
            )
        }
    )
    warning = (
        "config/analyses/demo/wagons/spectra.yaml:13:14: warning: enabled[0].dataset: dataset "
        "'LHC22o_test' is inactive: no trains run on it"
    )
    outcome = p.run("validate").assert_success()
    assert warning in outcome.lines
    p.run("validate", "--strict").assert_failed(warning)


def test_json_format(project: ProjectFactory) -> None:
    p = project({"config/runlists/LHC22o_good.yaml": "name: LHC22o_good\n"})
    outcome = p.run("validate", "--format", "json")
    assert outcome.exit_code == 1
    data = json.loads(outcome.output)
    assert data["valid"] is False
    assert data["errors"] == 5
    first = data["diagnostics"][0]
    assert first == {
        "file": "config/runlists/LHC22o_good.yaml",
        "line": 1,
        "column": 1,
        "severity": "error",
        "message": "missing required key 'collision_system'",
        "key_path": "",
        "code": "schema",
    }


def test_github_format(project: ProjectFactory) -> None:
    p = project({"config/analyses/demo/analysis.yaml": "name: demo\npwg: PWGXX\nmembers: [a]\n"})
    outcome = p.run("validate", "--format", "github")
    assert outcome.exit_code == 1
    assert outcome.lines[0] == (
        "::error file=config/analyses/demo/analysis.yaml,line=2,col=6::pwg: expected one of "
        "'PWGCF', 'PWGDQ', 'PWGEM', 'PWGHF', 'PWGJE', 'PWGLF', 'PWGUD', 'PWGPP', 'DPG' or "
        "'Service', found 'PWGXX' (did you mean 'PWGUD'?)"
    )


def test_paths_narrow_the_findings(project: ProjectFactory) -> None:
    p = project(
        {
            "config/runlists/LHC22o_good.yaml": (
                "name: LHC22o_good\nlabel: GoodRuns\nkind: data\ncollision_system: pp\n"
                "period: LHC22o\npass: apass6\nruns: [1, 1]\n"
            ),
            "config/analyses/demo/analysis.yaml": "name: demo\npwg: PWGLF\nmembers: [a, b]\nx: 1\n",
        }
    )
    outcome = p.run("validate", str(p.root / "config/runlists"))
    outcome.assert_failed(
        "config/runlists/LHC22o_good.yaml:7:11: error: runs[1]: run 1 is listed twice "
        "(first at runs[0]); runs must be unique"
    )
    assert outcome.lines[-1].endswith("; 1 more outside the given paths")
