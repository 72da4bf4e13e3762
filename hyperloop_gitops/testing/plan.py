"""From the configuration to a :class:`~hyperloop_gitops.testing.wagon_test.TestPlan`.

A wagon test runs the train of the wagon (its base and subwagons as enabled on the dataset, or
one subwagon when asked) with its dependency closure, on the dataset's test input, with the
package tag the wagon chose there. The train module freezes that into a TrainSpec (with its
content hash); this module decides how to run it:

- embedded tasks: one process, ``python -m hyperloop_gitops.runtime`` (device
  ``hyperloop-runtime``), whose per-task CPU report is merged into the metrics;
- O2 workflows: the O2 pipe of the train module, one device per workflow, when O2Physics is on
  PATH (otherwise the train module's error says it is not available).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import hyperloop_gitops
from hyperloop_gitops.config import Repository
from hyperloop_gitops.errors import NotFoundError, WorkflowError
from hyperloop_gitops.model.common import short_tag
from hyperloop_gitops.testing.runner import Step
from hyperloop_gitops.testing.status import RuleContext
from hyperloop_gitops.testing.wagon_test import TestPlan
from hyperloop_gitops.train import TrainSpec, wagon_test_parts, wagon_test_spec
from hyperloop_gitops.train.o2 import (
    CONFIGURATION_FILE,
    FULL_CONFIG_FILE,
    INPUT_LIST_FILE,
    configuration_json,
    input_data_txt,
    o2_pipe,
    resolve_executables,
)

RUNTIME_DEVICE = "hyperloop-runtime"
O2_ENVIRONMENT = (
    "LD_LIBRARY_PATH",
    "ROOTSYS",
    "ROOT_INCLUDE_PATH",
    "ROOT_DYN_PATH",
    "O2_ROOT",
    "O2PHYSICS_ROOT",
    "O2DPG_ROOT",
    "JALIEN_ROOT",
)
"""What an O2 pipe needs from the environment it was loaded in (alienv); never secrets."""


class TestInputMissingError(WorkflowError):
    """Raised by ``hyperloop test`` when the dataset's test input files are not on disk."""

    __test__ = False


def default_dataset(repository: Repository, wagon_id: str) -> str:
    """The first dataset the wagon is enabled on (``--dataset`` chooses another)."""
    wagon = repository.wagon(wagon_id)
    if not wagon.enabled:
        raise NotFoundError(
            f"wagon {wagon_id} is not enabled on any dataset; name one with --dataset"
        )
    return wagon.enabled[0].dataset


def package_tag(repository: Repository, wagon_id: str, dataset: str) -> str:
    """The tag a test of the wagon on the dataset runs with.

    A fixed tag is itself; ``latest`` (or no enablement on this dataset) is the newest tag of
    the catalog; a pull request is the oldest tag that contains it.
    """
    catalog = sorted(repository.settings.packages.tags, key=lambda t: (t.date, t.tag))
    enablement = repository.wagon(wagon_id).enablement(dataset)
    choice = enablement.package if enablement is not None else None
    if choice is not None and choice.kind == "tag" and choice.tag is not None:
        return short_tag(choice.tag)
    if choice is not None and choice.kind == "pull_request":
        containing = [t for t in catalog if choice.pull_request in t.pull_requests]
        if not containing:
            raise NotFoundError(
                f"no package tag contains pull request #{choice.pull_request} yet; "
                "name a tag with --tag to test anyway"
            )
        return short_tag(containing[0].tag)
    if not catalog:
        raise NotFoundError(
            "the package catalog (config/hyperloop.yaml packages.tags) is empty; "
            "name a tag with --tag"
        )
    return short_tag(catalog[-1].tag)


def _check_input(spec: TrainSpec, dataset: str) -> list[Path]:
    if any(f.grid for f in spec.test_input.files):
        raise TestInputMissingError(
            f"dataset {dataset} is on the grid; a local wagon test needs local files "
            "(files.storage: local)"
        )
    paths = [Path(location) for location in spec.test_input.locations]
    if not paths:
        raise TestInputMissingError(f"dataset {dataset} has no input files (check its runlist)")
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise TestInputMissingError(
            f"{len(missing)} of {len(paths)} test input files of dataset {dataset} are missing "
            f"(first: {missing[0]}); generate them with: hyperloop data generate {dataset}"
        )
    return paths


def plan_wagon_test(
    repository: Repository,
    wagon_id: str,
    *,
    dataset: str | None = None,
    subwagon: str | None = None,
    tag: str | None = None,
    data_dir: Path | None = None,
) -> TestPlan:
    """The plan of the test of ``wagon_id`` (see the module docstring)."""
    chosen = dataset or default_dataset(repository, wagon_id)
    resolved_tag = short_tag(tag) if tag else package_tag(repository, wagon_id, chosen)
    parts = (subwagon,) if subwagon is not None else wagon_test_parts(repository, wagon_id, chosen)
    spec = wagon_test_spec(
        repository, wagon_id, chosen, resolved_tag, parts=parts, data_dir=data_dir
    )
    wagon = repository.wagon(wagon_id)
    return plan_from_spec(
        repository,
        spec,
        wagon=wagon_id,
        subwagon=subwagon,
        derived_kind=wagon.derived_data.kind if wagon.derived_data else None,
    )


def plan_from_spec(
    repository: Repository,
    spec: TrainSpec,
    *,
    wagon: str,
    subwagon: str | None = None,
    derived_kind: str | None = None,
) -> TestPlan:
    """The test plan of any train spec: a wagon's test, or a whole train's test ("Full Test")."""
    chosen = spec.dataset
    resolved_tag = spec.package_tag
    wagon_id = wagon
    inputs = _check_input(spec, chosen)
    full_config = json.dumps(spec.full_config(), indent=2, ensure_ascii=False) + "\n"
    files = {FULL_CONFIG_FILE: full_config, INPUT_LIST_FILE: input_data_txt(spec)}
    if spec.uses_o2:
        configuration = configuration_json(spec)
        files[CONFIGURATION_FILE] = json.dumps(configuration, indent=2, ensure_ascii=False) + "\n"
        pipe = resolve_executables(o2_pipe(spec))
        steps = tuple(
            Step(
                tuple(argv),
                f"{instance.workflow}_{instance.suffix}" if instance.suffix else instance.workflow,
            )
            for argv, instance in zip(pipe, spec.instances, strict=True)
        )
        runtime_device = None
        pythonpath: tuple[str, ...] = ()
        passthrough: tuple[str, ...] = O2_ENVIRONMENT
    else:
        steps = (
            Step(
                (
                    sys.executable,
                    "-m",
                    "hyperloop_gitops.runtime",
                    "--full-config",
                    FULL_CONFIG_FILE,
                    "--aod-file",
                    f"@{INPUT_LIST_FILE}",
                    "--output-dir",
                    ".",
                ),
                RUNTIME_DEVICE,
            ),
        )
        runtime_device = RUNTIME_DEVICE
        # The child must import this very package, installed or not.
        pythonpath = (str(Path(hyperloop_gitops.__file__).resolve().parents[1]),)
        passthrough = ()
    max_cpu = spec.dataset_identity.get("max_cpu_years")
    return TestPlan(
        wagon=wagon_id,
        subwagon=subwagon,
        dataset=chosen,
        package_tag=resolved_tag,
        content_hash=spec.content_hash,
        steps=steps,
        files=files,
        input_files=tuple(inputs),
        train=tuple(i.label for i in spec.instances),
        dataset_bytes=round(repository.dataset(chosen).size_tb * 10**12),
        context=RuleContext(
            cpu_limit_years=float(max_cpu) if isinstance(max_cpu, int | float) else None,
            derived_kind=derived_kind,
        ),
        runtime_device=runtime_device,
        pythonpath=pythonpath,
        passthrough_env=passthrough,
    )
