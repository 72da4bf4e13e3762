from __future__ import annotations

from pathlib import Path

import pytest

from hyperloop_gitops.backends import (
    BACKEND_NAMES,
    JAliEnBackend,
    LocalBackend,
    SlurmBackend,
    create_backend,
)
from hyperloop_gitops.errors import BackendError


def test_registry_names_and_construction(tmp_path: Path) -> None:
    assert BACKEND_NAMES == ("local", "slurm", "jalien")
    local = create_backend("local", root=tmp_path, options={"max_parallel_jobs": 3})
    assert isinstance(local, LocalBackend)
    assert local.max_parallel_jobs == 3
    slurm = create_backend(
        "slurm", root=tmp_path, options={"partition": None, "time_limit_minutes": 30}
    )
    assert isinstance(slurm, SlurmBackend)
    assert (slurm.partition, slurm.time_limit_minutes) == (None, 30)
    assert isinstance(create_backend("jalien", root=tmp_path), JAliEnBackend)


def test_unknown_backend_and_unknown_option(tmp_path: Path) -> None:
    with pytest.raises(BackendError) as unknown:
        create_backend("condor", root=tmp_path)
    assert str(unknown.value) == "unknown backend 'condor' (known backends: local, slurm, jalien)"
    with pytest.raises(BackendError, match=r"^backends\.local: .*unexpected keyword argument 'x'"):
        create_backend("local", root=tmp_path, options={"x": 1})


def test_every_setting_of_the_configuration_is_accepted(tmp_path: Path) -> None:
    from hyperloop_gitops.model.settings import BACKEND_NAMES as CONFIG_NAMES
    from hyperloop_gitops.model.settings import Backends

    assert CONFIG_NAMES == BACKEND_NAMES
    settings = Backends()
    for name in BACKEND_NAMES:
        options = getattr(settings, name).model_dump()
        assert create_backend(name, root=tmp_path, options=options).name == name
