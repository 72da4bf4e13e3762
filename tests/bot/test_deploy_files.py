"""The deployment files in bot/: their security properties, read from the YAML itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

BOT = Path(__file__).parents[2] / "bot"


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((BOT / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_pull_request_workflow_is_not_pull_request_target() -> None:
    workflow = load("workflows/pull-request.yml")
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as True
    assert set(triggers) == {"pull_request", "pull_request_review", "issue_comment"}
    assert workflow["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "issues": "write",
        "statuses": "write",
        "checks": "write",
    }
    (checkout,) = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/checkout")]
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}


def test_no_workflow_uses_pull_request_target() -> None:
    for path in sorted((BOT / "workflows").glob("*.yml")):
        assert "pull_request_target" not in load(f"workflows/{path.name}")[True], path


def test_scripts_take_values_from_the_environment_only() -> None:
    # "${{ ... }}" inside a run: script is expanded before bash sees it: a value could inject
    # shell code. Every value reaches scripts through env: instead.
    action = load("action.yml")
    scripts = [s["run"] for s in action["runs"]["steps"] if "run" in s]
    for path in sorted((BOT / "workflows").glob("*.yml")):
        scripts += [s["run"] for s in steps(load(f"workflows/{path.name}")) if "run" in s]
    assert len(scripts) == 9
    for script in scripts:
        assert "${{" not in script, script


def test_the_token_goes_to_the_bot_step_only() -> None:
    action = load("action.yml")
    with_token = [s["name"] for s in action["runs"]["steps"] if "GITHUB_TOKEN" in s.get("env", {})]
    assert with_token == ["Run the bot"]
    assert action["inputs"]["token"]["default"] == "${{ github.token }}"


def test_the_action_passes_its_inputs_as_options(tmp_path: Path) -> None:
    import os
    import subprocess

    (step,) = [s for s in load("action.yml")["runs"]["steps"] if s.get("name") == "Run the bot"]
    stub = tmp_path / "hyperloop"
    stub.write_text('#!/bin/sh\necho "hyperloop $*"\necho "token=${GITHUB_TOKEN:+set}"\n')
    stub.chmod(0o755)

    def run(**inputs: str) -> str:
        env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "GITHUB_TOKEN": "t", **inputs}
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    assert run(CHECK_RUN="true", TESTS="true", PLAN="true") == (
        "hyperloop bot pr --check-run\ntoken=set\n"
    )
    assert run(CHECK_RUN="false", TESTS="false", PLAN="false") == (
        "hyperloop bot pr --no-tests --no-plan\ntoken=set\n"
    )
