"""Commands other than `validate` that meet an invalid configuration print it compiler-style."""

from __future__ import annotations

from tests.conftest import ProjectFactory


def test_invalid_configuration_is_not_prefixed_twice(project: ProjectFactory) -> None:
    repo = project(base=None)
    outcome = repo.run("reconcile")
    assert outcome.exit_code == 1
    assert outcome.stderr == (
        f"config: error: no config/ folder in {repo.root}; run this in a configuration "
        "repository or pass --repo\n"
    )


def test_other_user_errors_keep_their_prefix(project: ProjectFactory) -> None:
    outcome = project(base="example").run("trains", "show", "T-nope")
    assert outcome.exit_code == 1
    assert outcome.stderr == (
        "error: 'T-nope' is not a train id (T-, the UTC date, a number: T-20261129-0001)\n"
    )
