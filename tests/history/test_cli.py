"""The history, diff and impact commands as a person reads them."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hyperloop_gitops.cli import main
from tests.history.scenario import Scenario


def _run(scenario: Scenario, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--repo", str(scenario.repo.root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_history_text_newest_first(scenario: Scenario) -> None:
    code, out, _ = _run(scenario, "history", "wagon", "lf/pt-spectra")
    assert code == 0
    c = scenario.c
    assert out == (
        "📜 wagon lf/pt-spectra: 3 changes\n"
        "\n"
        f"2023-11-15 04:13 UTC  {c[6][:8]}  Alice Adams (@alice)  Rename spectra\n"
        "    renamed from lf/spectra\n"
        '    ~ name  "spectra" → "pt-spectra"\n'
        "\n"
        f"2023-11-15 01:13 UTC  {c[3][:8]}  Carol Chen (@carol)  Tighten eta, add wide\n"
        "    as lf/spectra\n"
        "    ~ configuration.pt-spectrum.etaMax  0.8 → 0.7\n"
        '    + subwagons[wide]  {"name": "wide", "configuration": '
        '{"pt-spectrum": {"etaMax": 0.9}}}\n'
        "\n"
        f"2023-11-14 23:13 UTC  {c[1][:8]}  Alice Adams (@alice)  Initial configuration\n"
        "    as lf/spectra\n"
        "    + created\n"
    )


def test_history_of_a_list_field_and_json(scenario: Scenario) -> None:
    code, out, _ = _run(scenario, "history", "dataset", "D1")
    assert code == 0
    assert "    ~ productions[LHC22o/apass6].exclude_runs  added 2\n" in out
    code, out, _ = _run(scenario, "history", "runlist", "R2", "--json")
    data = json.loads(out)
    assert (data["kind"], data["name"]) == ("runlist", "R2")
    assert [(ch["subject"], ch["op"]) for ch in data["changes"]] == [
        ("Initial configuration", "created"),
        ("R2: add run 12", "updated"),
    ]


def test_history_errors(scenario: Scenario) -> None:
    code, _, err = _run(scenario, "history", "wagon", "lf/../../etc")
    assert code == 1
    assert err == (
        "error: 'lf/../../etc' is not a valid wagon name (expected ANALYSIS/WAGON, each part "
        "matching [A-Za-z0-9][A-Za-z0-9_-]{0,63})\n"
    )
    code, _, err = _run(scenario, "history", "dataset", "LHC99x")
    assert (code, err) == (
        1,
        "error: no history for dataset LHC99x: config/datasets/LHC99x.yaml never existed on "
        "this branch\n",
    )


def test_diff_text_and_json(scenario: Scenario) -> None:
    c = scenario.c
    code, out, _ = _run(scenario, "diff", c[4], c[6])
    assert code == 0
    assert out == (
        f"{c[4]} → {c[6]}: 1 renamed, 1 updated\n"
        "\n"
        "wagon lf/pt-spectra\n"
        "    renamed from lf/spectra\n"
        '    ~ name  "spectra" → "pt-spectra"\n'
        "\n"
        "runlist R2\n"
        "    ~ runs  added 12\n"
    )
    code, out, _ = _run(scenario, "diff", "HEAD", "--json")
    assert json.loads(out) == {"base": c[7], "head": "working tree", "entities": []}
    code, out, _ = _run(scenario, "diff", "HEAD")
    assert out == "No configuration changes from HEAD to the working tree.\n"


def test_impact_text(scenario: Scenario) -> None:
    code, out, _ = _run(scenario, "impact", "HEAD~1", "HEAD")
    assert code == 0
    why = "because depends on svc/evsel, changed: configuration.event-selection.vertexZMax"
    assert out.splitlines() == [
        "Changed wagons (1)",
        "  svc/evsel  configuration.event-selection.vertexZMax",
        "",
        "Reached through dependencies",
        "  svc/evsel → dq/jpsi, lf/pt-spectra, svc/trksel",
        "",
        "Wagon tests to run: 2",
        "  D1",
        "    lf/pt-spectra (base + narrow) · tag daily-20261120-0000-1",
        f"      {why}",
        "  D2",
        "    dq/jpsi (base) · latest tag",
        f"      {why}",
        "",
        "Tell",
        "  @alice: lf/pt-spectra (member of lf)",
        "  @bob: dq/jpsi, lf/pt-spectra (enabled dq/jpsi on D2; member of lf)",
    ]
