"""Failure modes a committed corpus case cannot hold: symbolic links and oversized files."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ProjectFactory

RUNLIST = "config/runlists/LHC22o_good.yaml"


def test_a_symlinked_file_leading_out_of_the_repository_is_refused(
    project: ProjectFactory, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: extra\n", encoding="utf-8")
    p = project()
    (p.root / "config/runlists/extra.yaml").symlink_to(outside)
    p.run("validate").assert_failed(
        "config/runlists/extra.yaml: error: a symbolic link that leads out of the repository "
        "is not allowed"
    )


def test_a_symlinked_folder_leading_out_of_the_repository_is_refused(
    project: ProjectFactory, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "wagons").mkdir(parents=True)
    (outside / "analysis.yaml").write_text("name: other\n", encoding="utf-8")
    p = project()
    (p.root / "config/analyses/other").symlink_to(outside, target_is_directory=True)
    p.run("validate").assert_failed(
        "config/analyses/other: error: a symbolic link that leads out of the repository is not "
        "allowed"
    )


def test_a_symlink_inside_the_repository_is_followed(project: ProjectFactory) -> None:
    p = project()
    target = p.root / "config/runlists/LHC22o_good.yaml"
    (p.root / "config/runlists/LHC22o_alias.yaml").symlink_to(target)
    p.run("validate").assert_failed(
        "config/runlists/LHC22o_alias.yaml:1:7: error: name: expected 'LHC22o_alias' (the "
        "runlist's file name), found 'LHC22o_good'"
    )


def test_an_oversized_file_is_refused_unread(project: ProjectFactory) -> None:
    big = "name: LHC22o_good\n" + "# padding\n" * 110_000
    p = project({RUNLIST: big})
    size = len(big.encode())
    p.run("validate").assert_failed(
        f"{RUNLIST}: error: the file is {size:,} bytes; configuration files may be at most "
        "1,048,576 bytes"
    )


def test_warnings_fail_only_in_strict_mode(project: ProjectFactory) -> None:
    p = project({"config/hyperloop.yaml": None})
    warning = (
        "config/hyperloop.yaml: warning: no config/hyperloop.yaml: using the default policy, "
        "and no admins, operators or DPG experts"
    )
    assert warning in p.run("validate").assert_success().lines
    p.run("validate", "--strict").assert_failed(warning)


def test_outside_a_repository_only_the_missing_config_folder_is_reported(
    project: ProjectFactory,
) -> None:
    # Without config/ there is no repository: a missing hyperloop.yaml in it says nothing more.
    p = project(base=None)
    outcome = p.run("validate")
    outcome.assert_failed(
        f"config: error: no config/ folder in {p.root}; run this in a configuration "
        "repository or pass --repo"
    )
    assert outcome.lines[-1].startswith("1 error, 0 warnings in 0 files (")
