"""``config/analyses/<analysis>/wagons/<wagon>.yaml``: one configured task."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field, JsonValue, WithJsonSchema, model_validator

from hyperloop_gitops.model.common import Model, Name, PackageTag, WagonRef
from hyperloop_gitops.model.values import merge_overrides

DEVICE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
OPTION_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$"
WORKFLOW_PATTERN = r"^[a-z0-9][a-z0-9-]{0,127}$"

ConfigValue = Annotated[JsonValue, WithJsonSchema({"x-hyperloop-config-value": True})]
Options = dict[Annotated[str, Field(pattern=OPTION_PATTERN)], ConfigValue]
Configuration = dict[Annotated[str, Field(pattern=DEVICE_PATTERN)], Options]


class Subwagon(Model):
    """A named variant of the wagon that overrides some configuration values of the base."""

    name: Name = Field(description="The subwagon's name; also its output suffix.")
    description: str = Field("", description="What this variant changes.")
    configuration: Configuration = Field(
        description="Overrides: device -> option -> value (only what differs from the base)."
    )


class DerivedData(Model):
    """The wagon writes derived tables (a new, smaller AO2D)."""

    kind: Literal["standard", "slim", "linked"] = Field(
        "standard", description="Standard, slim (small, self-contained) or linked derived data."
    )
    tables: list[str] = Field(
        min_length=1,
        description="Tables written, e.g. 'O2mytrack'.",
    )
    max_df_size: int = Field(
        100_000_000, ge=0, description="Slim: maximum size of a data frame (bytes)."
    )
    max_derived_file_size: int = Field(
        0, ge=0, description="Slim: maximum size of a derived file (bytes; 0 = automatic)."
    )


PackageKind = Literal["tag", "latest", "pull_request"]


class PackageChoice(NamedTuple):
    """Which package a wagon runs with on a dataset (a named tuple: a plan makes one per
    enabled dataset of every wagon, tens of thousands)."""

    kind: PackageKind
    tag: str | None = None
    pull_request: int | None = None

    def describe(self) -> str:
        if self.kind == "tag":
            return f"tag {self.tag}"
        if self.kind == "latest":
            return "latest tag"
        return f"pull request #{self.pull_request}"


class Enablement(Model):
    """The wagon is enabled on a dataset with a package choice."""

    dataset: Name = Field(description="The dataset (config/datasets/<name>.yaml).")
    tag: PackageTag | None = Field(None, description="A fixed package tag.")
    latest: bool = Field(False, description="Always the newest package tag.")
    pull_request: int | None = Field(
        None, gt=0, description="Wait for a released tag that contains this O2Physics PR."
    )
    base: bool = Field(True, description="Run the base wagon.")
    subwagons: list[Name] = Field(default_factory=list, description="Subwagons that run too.")

    @model_validator(mode="after")
    def _exactly_one_package(self) -> Enablement:
        chosen = [
            k for k in ("tag", "latest", "pull_request") if getattr(self, k) not in (None, False)
        ]
        if len(chosen) != 1:
            found = ", ".join(chosen) if chosen else "none"
            raise ValueError(
                f"expected exactly one of 'tag', 'latest: true' or 'pull_request', found {found}"
            )
        if not self.base and not self.subwagons:
            raise ValueError("base: false needs at least one subwagon to run")
        return self

    @property
    def package(self) -> PackageChoice:
        if self.tag is not None:
            return PackageChoice("tag", tag=self.tag)
        if self.latest:
            return PackageChoice("latest")
        return PackageChoice("pull_request", pull_request=self.pull_request)

    @property
    def parts(self) -> tuple[str | None, ...]:
        """What runs: ``None`` for the base, then the subwagons by name."""
        return (None, *self.subwagons) if self.base else tuple(self.subwagons)


class Wagon(Model):
    """One configured analysis task of an analysis."""

    name: Name = Field(description="The wagon name; must equal the file's name.")
    description: str = Field("", description="What the wagon does.")
    workflow: str = Field(
        pattern=WORKFLOW_PATTERN,
        description="The task: an embedded-runtime task name, or an O2 executable "
        "'o2-analysis-...'.",
    )
    configuration: Configuration = Field(
        default_factory=dict, description="Device (task) name -> option -> value."
    )
    dependencies: list[WagonRef] = Field(
        default_factory=list,
        description="Wagons this one needs: 'wagon' of the same analysis or "
        "'analysis/wagon' of a service analysis.",
    )
    subwagons: list[Subwagon] = Field(default_factory=list, description="Named variants.")
    derived_data: DerivedData | None = Field(None, description="Derived-data output, if any.")
    enabled: list[Enablement] = Field(
        default_factory=list, description="Datasets the wagon is enabled on."
    )

    @property
    def is_o2(self) -> bool:
        """An O2 workflow (run as the O2 pipe), not an embedded-runtime task."""
        return self.workflow.startswith("o2-")

    def subwagon(self, name: str) -> Subwagon:
        for sub in self.subwagons:
            if sub.name == name:
                return sub
        raise KeyError(name)

    def resolved_configuration(self, subwagon: str | None = None) -> dict[str, dict[str, Any]]:
        """The base configuration, with a subwagon's overrides applied when one is named."""
        resolved: dict[str, dict[str, Any]] = {d: dict(o) for d, o in self.configuration.items()}
        if subwagon is not None:
            for device, overrides in self.subwagon(subwagon).configuration.items():
                resolved[device] = merge_overrides(resolved.get(device, {}), overrides)
        return resolved

    def enablement(self, dataset: str) -> Enablement | None:
        for entry in self.enabled:
            if entry.dataset == dataset:
                return entry
        return None


def qualify(ref: str, analysis: str) -> str:
    """``wagon`` -> ``analysis/wagon``; ``other/wagon`` unchanged."""
    return ref if "/" in ref else f"{analysis}/{ref}"
