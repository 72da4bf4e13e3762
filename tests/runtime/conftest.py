"""A small generated dataset shared by the runtime tests (written once per session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hyperloop_gitops.runtime.generate import generate_files

SERVICE = ["service-common/event-selection", "service-common/track-selection"]


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """2 runs x 1 file x 2 data frames x 400 collisions (about 12k tracks)."""
    root = tmp_path_factory.mktemp("data")
    return generate_files(
        root,
        period="LHC22o",
        pass_name="apass6",
        runs=[526712, 526714],
        files_per_run=1,
        dataframes_per_file=2,
        collisions_per_dataframe=400,
        seed=7,
    )


def wagon(
    wagon_id: str,
    workflow: str,
    *,
    suffix: str = "",
    options: dict[str, Any] | None = None,
    dependencies: list[str] | None = None,
    derived: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One wagon entry of full_config.json."""
    return {
        "id": wagon_id,
        "workflow": workflow,
        "suffix": suffix,
        "configuration": {workflow: options} if options is not None else {},
        "derived_data": derived,
        "dependencies": SERVICE if dependencies is None else dependencies,
    }


def full_config(*wagons: dict[str, Any], with_service: bool = True) -> dict[str, Any]:
    """A full_config.json document: the service wagons (unless told not to) and ``wagons``."""
    service = [
        wagon(SERVICE[0], "event-selection", dependencies=[]),
        wagon(SERVICE[1], "track-selection", dependencies=[]),
    ]
    return {
        "package_tag": "daily-20261120-0000-1",
        "dataset": "LHC22o_pass6",
        "wagons": [*(service if with_service else []), *wagons],
    }
