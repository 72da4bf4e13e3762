from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.configurables import check_options, resolve_options
from hyperloop_gitops.runtime.registry import (
    BUILTIN_TASKS,
    available_tasks,
    check_configuration,
    check_wagon_configuration,
    get_task,
    is_embedded,
)

ROOT = Path(__file__).resolve().parents[2]


def test_builtins_are_declared_as_entry_points_too() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["hyperloop_gitops.tasks"] == dict(BUILTIN_TASKS)
    assert set(BUILTIN_TASKS) <= set(available_tasks())
    assert len(BUILTIN_TASKS) >= 7


@pytest.mark.parametrize("name", sorted(BUILTIN_TASKS))
def test_each_builtin_loads_and_its_defaults_pass_its_own_checks(name: str) -> None:
    task = get_task(name)
    assert task.name == name
    assert task.description
    defaults = {c.name: c.default for c in task.configurables}
    assert check_options(name, task.configurables, defaults) == []
    assert all(c.description for c in task.configurables)
    known = {**layout.DATA_TABLES}
    for table, columns in task.reads.items():
        assert set(columns) <= set(known[table]), (name, table)
    task(resolve_options(task.configurables, {}))  # books its histograms with the defaults


def test_unknown_task_suggests_the_closest() -> None:
    assert not is_embedded("o2-analysis-timestamp")
    with pytest.raises(
        WorkflowError, match=r"^unknown task 'pt-spectrm' \(did you mean 'pt-spectrum'\?\)$"
    ):
        get_task("pt-spectrm")
    assert check_configuration("zzz", {}) == [
        ((), f"unknown task 'zzz' (available: {', '.join(sorted(available_tasks()))})")
    ]


def test_check_configuration_messages() -> None:
    problems = check_configuration(
        "track-selection",
        {
            "ptMn": 0.2,
            "etaMax": "two",
            "minTPCClusters": 70.5,
            "minITSNCls": 9,
            "maxChi2PerCluster": True,
            "bogus": 1,
        },
    )
    assert problems == [
        (("ptMn",), "unknown option 'ptMn' (did you mean 'ptMin'?)"),
        (("etaMax",), "expected a number, found 'two'"),
        (("minTPCClusters",), "expected an integer, found 70.5"),
        (("minITSNCls",), "expected a number <= 7, found 9"),
        (("maxChi2PerCluster",), "expected a number, found true"),
        (
            ("bogus",),
            "unknown option 'bogus' (options of track-selection: etaMax, maxChi2PerCluster, "
            "minITSNCls, minTPCClusters, ptMax, ptMin)",
        ),
    ]


def test_integers_written_as_floats_and_numbers_as_ints_are_fine() -> None:
    assert check_configuration("track-selection", {"ptMin": 1, "minTPCClusters": 80.0}) == []


def test_binning_messages() -> None:
    check = lambda value: check_configuration("pt-spectrum", {"ptBins": value})  # noqa: E731
    assert check({"bins": 50, "min": 0, "max": 5}) == []
    assert check({"edges": [0, 0.5, 1, 2, 5]}) == []
    assert check([1, 2]) == [
        (("ptBins",), "expected a binning {bins, min, max} or {edges: [...]}, found a list")
    ]
    assert check({"bins": 0, "min": 0, "max": "x"}) == [
        (("ptBins", "bins"), "expected an integer >= 1, found 0"),
        (("ptBins", "max"), "expected a number, found 'x'"),
    ]
    assert check({"bins": 5, "min": 3, "max": 1}) == [
        (("ptBins", "max"), "max (1) must be above min (3)")
    ]
    assert check({"edges": [0, 2, 1]}) == [(("ptBins", "edges"), "edges must increase strictly")]
    assert check({"bins": 5, "min": 0, "mx": 1}) == [
        (
            ("ptBins", "mx"),
            "unknown binning key 'mx'; expected a binning {bins, min, max} or {edges: [...]}",
        )
    ]


def test_choices_and_bools() -> None:
    assert check_configuration("fault-injection", {"crashMode": "segv"}) == [
        (("crashMode",), "expected one of 'exception', 'abort', 'exit', found 'segv'")
    ]
    assert check_configuration("derived-tracks", {"keepEmptyCollisions": 1}) == [
        (("keepEmptyCollisions",), "expected true or false, found 1")
    ]


def test_wagon_configuration_names_the_device() -> None:
    assert check_wagon_configuration(
        "pt-spectrum", {"pt-spectrum": {"etaMax": "x"}, "pt-spectrun": {}}
    ) == [
        (("pt-spectrum", "etaMax"), "expected a number, found 'x'"),
        (
            ("pt-spectrun",),
            "unknown device 'pt-spectrun' (workflow pt-spectrum has device 'pt-spectrum')",
        ),
    ]


def test_resolve_options_fills_defaults_and_binnings() -> None:
    task = get_task("pt-spectrum")
    options = resolve_options(task.configurables, {"ptBins": {"edges": [0, 1, 3]}, "etaMax": 1})
    assert options["etaMax"] == 1.0 and isinstance(options["etaMax"], float)
    binning = options["ptBins"]
    assert binning.edges == (0.0, 1.0, 3.0) and not binning.regular  # type: ignore[attr-defined]
