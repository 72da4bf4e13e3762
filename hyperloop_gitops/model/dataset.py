"""``config/datasets/<dataset>.yaml``: what trains run over."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from hyperloop_gitops.model.common import PERIOD_PATTERN, Login, Model, Name, RunNumber, WagonRef
from hyperloop_gitops.model.runlist import CollisionSystem

DatasetType = Literal["run3-data", "run3-mc", "run2-converted", "derived"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class Production(Model):
    """One production (period and pass) of a dataset, restricted by a DPG runlist."""

    period: str = Field(pattern=PERIOD_PATTERN, description="Period, e.g. 'LHC22o'.")
    pass_name: str = Field(alias="pass", description="Reconstruction pass, e.g. 'apass6'.")
    runlist: Name = Field(description="The DPG runlist (config/runlists/<name>.yaml).")
    exclude_runs: list[RunNumber] = Field(
        default_factory=list, description="Runs of the runlist not to use."
    )
    merge_lists: dict[Name, list[RunNumber]] = Field(
        default_factory=dict, description="Named groups of runs merged together."
    )
    final_merge_lists: dict[Name, list[Name]] = Field(
        default_factory=dict, description="Named groups of merge lists merged at the end."
    )


class Slot(Model):
    """A weekly slot of scheduled composition."""

    day: Weekday = Field(description="Day of the week.")
    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Time of day, 'HH:MM' UTC.")


class Composition(Model):
    """How and when trains are composed on this dataset."""

    mode: Literal[
        "disabled", "automatic", "scheduled", "train-full", "scheduled-and-train-full"
    ] = Field("automatic", description="When to compose trains.")
    slots: list[Slot] = Field(
        default_factory=list, description="Weekly slots for the scheduled modes."
    )
    max_cpu_years: float | None = Field(
        None, gt=0, description="CPU limit per train; default from the resource class."
    )
    max_trains_per_analysis_per_week: int | None = Field(
        None, gt=0, description="Trains per analysis per week; default from the resource class."
    )

    @model_validator(mode="after")
    def _slots_for_scheduled(self) -> Composition:
        if self.mode.startswith("scheduled") and not self.slots:
            raise ValueError(f"composition mode {self.mode!r} needs at least one slot")
        return self


class Files(Model):
    """Where the dataset's files are and which of them a wagon test reads."""

    storage: Literal["local", "grid"] = Field(
        "local", description="'local': under the data directory; 'grid': on the ALICE grid."
    )
    path: str = Field(
        description="Local: a relative folder under the data directory; grid: an absolute "
        "grid path such as /alice/data/2022/LHC22o."
    )
    year: int = Field(ge=2009, le=2100, description="Data-taking year.")
    files_per_run: int = Field(1, gt=0, description="AO2D files per run.")
    test_files: int = Field(2, gt=0, description="How many input files a wagon test reads.")

    @field_validator("path")
    @classmethod
    def _path_fits_storage(cls, path: str, info: ValidationInfo) -> str:
        # A field validator (not a model one) so the error points at the path itself;
        # 'storage' is declared first, so it is already in info.data when valid.
        storage = info.data.get("storage", "local")
        parts = re.split(r"[/\\]", path)
        if ".." in parts:
            raise ValueError(f"expected a path without '..', found {path!r}")
        if storage == "local" and (path.startswith(("/", "\\")) or ":" in path or not path):
            raise ValueError(
                f"expected a local path relative to the data directory, found {path!r}"
            )
        if storage == "grid" and not path.startswith("/alice/"):
            raise ValueError(f"expected a grid path starting with /alice/, found {path!r}")
        return path


class Approval(Model):
    """An operator's approval to compose a wagon whose test has warnings (❗)."""

    wagon: WagonRef = Field(description="The wagon, 'analysis/wagon'.")
    reason: str = Field(description="Why it is approved.")
    by: Login = Field(description="The operator who approved it.")

    @field_validator("wagon")
    @classmethod
    def _names_analysis(cls, wagon: str) -> str:
        if "/" not in wagon:
            raise ValueError(f"expected a wagon as 'analysis/wagon', found {wagon!r}")
        return wagon


class Dataset(Model):
    """A dataset: one or more productions, a size, a composition policy."""

    name: Name = Field(description="The dataset name; must equal the file's name.")
    type: DatasetType = Field(description="Run 3 data or MC, converted Run 2 data, or derived.")
    description: str = Field("", description="Free text.")
    collision_system: CollisionSystem = Field(description="Colliding system.")
    active: bool = Field(True, description="Inactive datasets accept no trains.")
    size_tb: float = Field(gt=0, description="Size of the whole dataset in TB.")
    productions: list[Production] = Field(min_length=1, description="Productions it holds.")
    short_datasets: list[Name] = Field(
        default_factory=list,
        description="Smaller datasets a train must finish on before the long train is allowed.",
    )
    composition: Composition = Field(
        default_factory=Composition, description="How trains are composed."
    )
    files: Files = Field(description="Where the files are.")
    approvals: list[Approval] = Field(
        default_factory=list, description="Wagons with warnings an operator allowed."
    )
