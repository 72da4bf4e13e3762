"""Batch backends behind one protocol, registered by name (STYLE.md "Registries are explicit").

The configuration's allowed backend names are ``BACKEND_NAMES``, derived from ``BACKENDS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hyperloop_gitops.backends.base import MERGE_INDEX, Backend, FoundJob, JobSpec, JobStatus
from hyperloop_gitops.backends.jalien import JAliEnBackend
from hyperloop_gitops.backends.local import LocalBackend
from hyperloop_gitops.backends.slurm import SlurmBackend
from hyperloop_gitops.errors import BackendError

#: name -> backend class; ``backends.default`` in config/hyperloop.yaml names one of these.
BACKENDS: dict[str, type[LocalBackend] | type[SlurmBackend] | type[JAliEnBackend]] = {
    LocalBackend.name: LocalBackend,
    SlurmBackend.name: SlurmBackend,
    JAliEnBackend.name: JAliEnBackend,
}
BACKEND_NAMES: tuple[str, ...] = tuple(BACKENDS)


def create_backend(name: str, *, root: Path, options: Mapping[str, Any] | None = None) -> Backend:
    """The backend ``name`` working under ``root``, built from its settings ``options``.

    ``options`` are the keyword arguments of the backend's constructor (the keys of
    ``backends.<name>`` in config/hyperloop.yaml); ``None`` values mean "the default".
    """
    try:
        cls = BACKENDS[name]
    except KeyError:
        known = ", ".join(BACKEND_NAMES)
        raise BackendError(f"unknown backend '{name}' (known backends: {known})") from None
    kwargs = {key: value for key, value in (options or {}).items() if value is not None}
    try:
        return cls(root, **kwargs)
    except TypeError as error:
        raise BackendError(f"backends.{name}: {error}") from error


__all__ = [
    "BACKENDS",
    "BACKEND_NAMES",
    "MERGE_INDEX",
    "Backend",
    "BackendError",
    "FoundJob",
    "JAliEnBackend",
    "JobSpec",
    "JobStatus",
    "LocalBackend",
    "SlurmBackend",
    "create_backend",
]
